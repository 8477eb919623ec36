"""notebooks/02_simulations_vs_theory.ipynb runs top to bottom (reduced-scale talk plots)."""
from tests.notebook_runner import run_notebook


def test_notebook_02_runs():
    nb = run_notebook("02_simulations_vs_theory.ipynb")
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "heavy-tailed: True" in text          # Gauss-net tails are flagged
    assert "exact slope: -3.0" in text            # the ELS exponent, exact
