"""Sphinx configuration of the nnqft documentation site.

Build (needs the ``docs`` extra)::

    python3 -m sphinx -W -b html docs docs/_build/html

Tags: ``-t fast`` leaves the executed tutorial notebooks (``notebooks/*.ipynb``) out of the
build; the test suite (``tests/test_docs_build.py``) builds that subset.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# the notebook kernels are subprocesses: they import this checkout, not an installed copy
os.environ["PYTHONPATH"] = os.pathsep.join(
    [str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])
# figures of the executed pages are captured inline (a caller's MPLBACKEND=Agg would drop them)
os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"

project = "nnqft"
author = "the nnqft authors"
copyright = "the nnqft authors, MIT licence"

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_click",
]

source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["_build", "**.ipynb_checkpoints"]
if "fast" in tags:  # noqa: F821 -- `tags` is injected by Sphinx
    exclude_patterns.append("tutorials/*.ipynb")
    suppress_warnings = ["toc.not_readable"]  # tutorials/index.md lists the left-out notebooks

# --- MyST / myst-nb -------------------------------------------------------------------------
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3
nb_execution_mode = "cache"
nb_execution_cache_path = str(ROOT / "docs" / "_build" / ".jupyter_cache")
nb_execution_raise_on_error = True
nb_execution_timeout = 300
nb_merge_streams = True

# --- API reference --------------------------------------------------------------------------
autosummary_generate = False
autodoc_default_options = {"members": True, "member-order": "bysource"}
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_validation_checks: set[str] = set()
numpydoc_xref_param_type = False

# --- HTML -----------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = "nnqft"
html_theme_options = {
    "navigation_depth": 2,
    "show_toc_level": 2,
}
