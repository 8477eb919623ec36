"""notebooks/04_rg_flows.ipynb runs top to bottom and shows the Ising LPA sequence and the slopes."""
import re

from tests.notebook_runner import figures, run_notebook
from tests.tolerances import K_SIGMA


def _text(nb):
    out = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            for o in cell.get("outputs", []):
                out.append(str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", "")))
    return "\n".join(out)


def test_notebook_04_runs():
    nb = run_notebook("04_rg_flows.ipynb")
    # its six figures are shown (inline backend): importing numeric used to switch to Agg
    assert sum(figures(cell) for cell in nb.cells) == 6
    text = _text(nb)
    assert "N = 12:  nu = 0.649560" in text                  # Litim 2002 / BJL 2007 LPA value
    assert "derived exponent (network field): -3" in text
    assert "slope = -3.0004" in text                          # exact u4 at sigma_W = 1
    # Monte-Carlo (numeric.measure, fixed seed): exponent -3 within 4 sigma, +3 excluded
    assert "agrees with d_in - 4 = -3 (4 sigma): True | excludes the talk's +3: True" in text
    # Polchinski LPA by shooting = Wetterich-Litim = BJL 2007
    assert "Polchinski shooting: sigma* = -0.2285982024, nu = 0.6495618" in text
    # O(N) exponents from the full potential (Litim hep-th/0203006: 0.7082, 0.7611, 0.8043)
    assert "O(2): nu = 0.70821091" in text and "O(4): nu = 0.80434770" in text
    # LPA' (tests/test_rg_lpa_prime.py): eta and nu at truncation 8, d = 3
    assert "O(1) LPA': eta = 0.04427, nu = 0.63679" in text
    assert "large N: nu = 1.00000000" in text
    # three-way active exponent; flows started from measured couplings
    assert "derived (dilation symmetry):  -3" in text
    value, error = map(float, re.search(r"measured \(numeric, N = 10\): +(\S+) \+- (\S+)", text).groups())
    assert abs(value + 3) <= K_SIGMA * error and error < 0.2
    assert "passive flow from the N = 10 coupling: passive flow failed" in text
    # HMS cutoff flow from simulations: same z at every cutoff, within 4 sigma
    zs = [float(z) for z in re.findall(r"exact \S+, z = +(\S+)", text)]
    assert len(zs) == 5 and max(abs(z) for z in zs) <= K_SIGMA
    # sextic running: exact exponent -(d_in + 6) in the homogeneous ReLU limit
    assert "beta6/lambda6 = [-7. -7.]" in text
