"""notebooks/10_training.ipynb runs top to bottom (issue 18: the NTK and training)."""
from tests.notebook_runner import run_notebook


def test_notebook_10_runs():
    nb = run_notebook("10_training.ipynb")
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "E[phi' phi'] for ReLU" in text
    assert "read-out only, t = inf, vs posterior" in text
    assert "(1/N: -1)" in text
    assert "full    Fisher: test MSE" in text and "NNGP posterior with the noise" in text
    images = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if "image/png" in o.get("data", {})]
    assert len(images) >= 4
