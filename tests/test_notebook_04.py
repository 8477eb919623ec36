"""notebooks/04_rg_flows.ipynb runs top to bottom and shows the Ising LPA sequence and the slopes."""
from tests.notebook_runner import run_notebook


def _text(nb):
    out = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            for o in cell.get("outputs", []):
                out.append(str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", "")))
    return "\n".join(out)


def test_notebook_04_runs():
    text = _text(run_notebook("04_rg_flows.ipynb"))
    assert "N = 12:  nu = 0.649560" in text                  # Litim 2002 / BJL 2007 LPA value
    assert "derived exponent (network field): -3" in text
    assert "slope = -3.0004" in text                          # exact u4 at sigma_W = 1
    # Monte-Carlo (numeric.measure, fixed seed): exponent -3 within 4 sigma, +3 excluded
    assert "agrees with d_in - 4 = -3 (4 sigma): True | excludes the talk's +3: True" in text
