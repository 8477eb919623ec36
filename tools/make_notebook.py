"""Build a notebook from a plain Python script whose cells are separated by ``# %%`` lines.

Lines of a ``# %% [markdown]`` cell are written as Markdown (leading ``# `` stripped).  The
notebooks in ``notebooks/`` are generated from ``notebooks/src/*.py`` this way, outputs stripped:

    python tools/make_notebook.py notebooks/src/01_kernels_and_exact_correlators.py
"""
from __future__ import annotations

import sys
from pathlib import Path

import nbformat


def build(source: Path) -> Path:
    cells, kind, lines = [], "code", []

    def flush() -> None:
        text = "\n".join(lines).strip("\n")
        if text:
            cells.append(nbformat.v4.new_markdown_cell(text) if kind == "markdown"
                         else nbformat.v4.new_code_cell(text))

    for line in source.read_text().splitlines():
        if line.startswith("# %%"):
            flush()
            kind, lines = ("markdown" if "[markdown]" in line else "code"), []
        elif kind == "markdown":
            lines.append(line[2:] if line.startswith("# ") else line.lstrip("#"))
        else:
            lines.append(line)
    flush()
    nb = nbformat.v4.new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    target = source.parent.parent / (source.stem + ".ipynb")
    nbformat.write(nb, target)
    return target


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        print(build(Path(arg)))
