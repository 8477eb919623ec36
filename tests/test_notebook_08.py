"""notebooks/08_actions_from_networks.ipynb runs top to bottom (issue 16: actions from networks)."""
from tests.notebook_runner import run_notebook


def test_notebook_08_runs():
    nb = run_notebook("08_actions_from_networks.ipynb")
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "inverse Fourier transform vs exact position-space G_c: True" in text
    assert "sum_bcd g4_abcd / w_a = [0.3 0.3 0.3 0.3 0.3]" in text
    assert "refused: spectrum 1/(p^2 + m^2) is not integrable" in text
    images = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if "image/png" in o.get("data", {})]
    assert len(images) == 5
    # the density section: Edgeworth errors fall like N^-2 (order 1) and N^-3 (order 2)
    import re
    slopes = {name: float(v) for name, v in
              re.findall(r"(Gaussian|Edgeworth 1|Edgeworth 2): L1 error at N = 128: \S+, slope (\S+)",
                         text)}
    assert abs(slopes["Gaussian"] - 1) < 0.1 and abs(slopes["Edgeworth 1"] - 2) < 0.1
    assert abs(slopes["Edgeworth 2"] - 3) < 0.15
