"""Execute a notebook of ``notebooks/`` with nbclient (used by the notebook tests)."""
from __future__ import annotations

from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def run_notebook(name: str, timeout: int = 600) -> nbformat.NotebookNode:
    """Run ``notebooks/<name>`` top to bottom in a fresh kernel and return the executed notebook.

    The notebook runs with ``notebooks/`` as working directory; any cell error fails the test.
    """
    path = NOTEBOOKS / name
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:  # outputs are stripped in git; make sure of it
        if cell.cell_type == "code":
            assert not cell.get("outputs"), f"{name}: commit notebooks with outputs stripped"
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute()
    return nb
