"""notebooks/01_kernels_and_exact_correlators.ipynb runs top to bottom."""
from tests.notebook_runner import run_notebook


def test_notebook_01_runs():
    run_notebook("01_kernels_and_exact_correlators.ipynb")
