"""The libraries never change the user's matplotlib backend (figures stay visible in Jupyter).

Before: ``import numeric`` ran ``matplotlib.use("Agg")`` (numeric/plots.py, and
numeric.bayesian_rg.plot_brg), so every later figure of a notebook vanished.
"""
import subprocess
import sys

import nbformat
import pytest

from tests.notebook_runner import execute_notebook, figures

pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")


def test_importing_the_libraries_keeps_the_backend():
    code = ("import matplotlib; matplotlib.use('svg'); import numeric, feynman, nnqft_sym; "
            "import numeric.plots, numeric.bayesian_rg; print(matplotlib.get_backend())")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "svg"


def test_plot_brg_makes_figures_without_pyplot():
    """plot_brg returns Figure objects not registered with pyplot (no pyplot state)."""
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    from numeric.bayesian_rg import plot_brg, run_brg_experiment

    result = run_brg_experiment(features="relu", n_members=3, width=30, n_train=50, n_test=50,
                                n_mc=2000, progress=False)
    before = plt.get_fignums()
    figs = plot_brg(result)
    assert set(figs) == {"test_loss", "fraction_reset", "two_point"}
    assert all(isinstance(fig, Figure) for fig in figs.values())
    assert plt.get_fignums() == before


def test_notebook_shows_figures_after_importing_numeric(tmp_path):
    """A notebook with the inline backend keeps its figures after ``import numeric``, both its
    own pyplot figures and those of numeric.plots (a cell ending in ``;`` as notebook 02 does)."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("import matplotlib.pyplot as plt\nimport numeric"),
        nbformat.v4.new_code_cell("plt.plot([0, 1], [1, 0]);"),
        nbformat.v4.new_code_cell(
            "from nnqft_sym import ReLUNet\nfrom numeric.plots import plot_deviations\n"
            "res = numeric.measure(ReLUNet(), [2, 8], [0.0, 0.5], orders=(4,), n_bags=3, "
            "n_nets=300, seed=0)\nplot_deviations(res, 4);"),
    ]
    execute_notebook(nb, tmp_path, timeout=300)
    assert [figures(c) for c in nb.cells] == [0, 1, 1]
