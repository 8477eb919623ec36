"""notebooks/03_feynman_diagrams.ipynb runs top to bottom and shows the exact checks."""
import re

from tests.notebook_runner import run_notebook


def test_notebook_03_runs():
    nb = run_notebook("03_feynman_diagrams.ipynb")
    text = "".join(out.get("text", "") for cell in nb.cells if cell.cell_type == "code"
                   for out in cell.get("outputs", []))
    assert "vertex automorphisms: 1  symmetry factor: 8" in text
    checks = re.findall(r"sum 1/S = (\S+), exact (\S+)", text)
    assert len(checks) == 5 and all(a == b for a, b in checks)
    nk = re.findall(r"N_K \(\w+\)\s*: (\S+)", text)
    assert len(nk) == 2 and abs(float(nk[0]) / float(nk[1]) - 1) < 1e-12
