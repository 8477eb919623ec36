"""notebooks/07_priors_and_independence.ipynb runs top to bottom (issue: priors and independence)."""
from tests.notebook_runner import run_notebook


def test_notebook_07_runs():
    nb = run_notebook("07_priors_and_independence.ipynb")
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "i.i.d.: m_4(N) = 5/N" in text
    assert "shared scale: m_4(N) = 16/25" in text
    assert "G^(1): measured" in text and "G^(3): measured" in text
    assert "N = 1000: N kappa_4 =" in text
    assert "rademacher hidden weights: K_1(0.7, 0.7) = +0.02427" in text
    assert "rademacher read-out: N kappa_4 -> 11.4375" in text
    images = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if "image/png" in o.get("data", {})]
    assert images
