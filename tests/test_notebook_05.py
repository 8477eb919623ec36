"""notebooks/05_bayesian_rg.ipynb runs top to bottom."""
from tests.notebook_runner import run_notebook


def test_notebook_05_runs():
    nb = run_notebook("05_bayesian_rg.ipynb")
    # the BRG = Wilson cell prints (flow difference, boundary difference, holds)
    assert any("(0, 0, True)" in str(o.get("data", {}).get("text/plain", ""))
               for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", []))
