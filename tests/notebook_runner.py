"""Execute a notebook of ``notebooks/`` with nbclient (used by the notebook tests)."""
from __future__ import annotations

import os
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def execute_notebook(nb: nbformat.NotebookNode, cwd: Path, timeout: int = 600
                     ) -> nbformat.NotebookNode:
    """Run ``nb`` top to bottom in a fresh kernel with working directory ``cwd``.

    The kernel gets Jupyter's own inline matplotlib backend, as a user's would: the test
    process's ``MPLBACKEND=Agg`` (tests/conftest.py) is not passed on to it.  Any cell error
    fails the test.
    """
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(cwd)}})
    saved = os.environ.pop("MPLBACKEND", None)
    try:
        client.execute()
    finally:
        if saved is not None:
            os.environ["MPLBACKEND"] = saved
    return nb


def run_notebook(name: str, timeout: int = 600) -> nbformat.NotebookNode:
    """Run ``notebooks/<name>`` top to bottom in a fresh kernel and return the executed notebook.

    The notebook runs with ``notebooks/`` as working directory; any cell error fails the test.
    """
    path = NOTEBOOKS / name
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:  # outputs are stripped in git; make sure of it
        if cell.cell_type == "code":
            assert not cell.get("outputs"), f"{name}: commit notebooks with outputs stripped"
    return execute_notebook(nb, NOTEBOOKS, timeout)


def figures(cell: nbformat.NotebookNode) -> int:
    """Number of PNG images among a code cell's ``display_data`` outputs."""
    return sum(1 for out in cell.get("outputs", [])
               if out.get("output_type") == "display_data" and "image/png" in out.get("data", {}))
