"""notebooks/09_deep_finite_width.ipynb runs top to bottom (issue 17: deep networks past leading order)."""
import re

from tests.notebook_runner import run_notebook


def test_notebook_09_runs():
    nb = run_notebook("09_deep_finite_width.ipynb")
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "NLO kernel of the recursion at (x, x): -0.01629478" in text
    assert "ReLU depth 2: N Delta G4 = 23.4375/N^0 + 42.1875/N^1" in text
    assert "tanh: K*=0, sigma_b = 0, sigma_W = 1" in text
    worst = float(re.search(r"largest \|z\| against the series: ([0-9.]+)", text).group(1))
    assert worst < 4.0
    for depth in (2, 3):
        line = re.search(rf"ReLU depth {depth}, measured against exact: z = \[([^\]]*)\]", text).group(1)
        assert max(abs(float(v)) for v in line.split()) < 4.0
    images = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if "image/png" in o.get("data", {})]
    assert len(images) >= 3
