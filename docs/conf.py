"""Sphinx configuration of the nnqft documentation site.

Build (needs the ``docs`` extra)::

    python3 -m sphinx -W -b html docs docs/_build/html

Tags: ``-t fast`` does not execute the tutorial notebooks (``notebooks/*.ipynb``, up to a minute
each; their pages show the code only); the test suite (``tests/test_docs_build.py``) builds that
subset.

Math: MathJax from its CDN, or offline from a local copy when ``NNQFT_MATHJAX_PATH`` names the
folder of one (MathJax 2, e.g. Debian's ``libjs-mathjax``: ``/usr/share/javascript/mathjax``, or
MathJax 3/4 with ``tex-mml-chtml.js``); the files it needs are copied into the build's
``_static/mathjax``, so the site renders formulas without a network.

Executed pages are cached in ``docs/_build/.jupyter_cache``, keyed on the page's own text: after
a change of the library, rebuild with ``-D nb_execution_mode=force`` (or delete the cache) so
that the pages run against the new code.
"""
from __future__ import annotations

import os
import re
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
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_click",
]

source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["_build", "**.ipynb_checkpoints"]

# every notebook of notebooks/ becomes a page of docs/tutorials/ (a symlink, git-ignored)
TUTORIALS = ROOT / "docs" / "tutorials"
for _notebook in sorted((ROOT / "notebooks").glob("*.ipynb")):
    _link = TUTORIALS / _notebook.name
    if not _link.is_symlink():
        _link.symlink_to(Path("..", "..", "notebooks", _notebook.name))

# --- MyST / myst-nb -------------------------------------------------------------------------
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3
nb_execution_mode = "cache"
nb_execution_cache_path = str(ROOT / "docs" / "_build" / ".jupyter_cache")
nb_execution_raise_on_error = True
nb_execution_timeout = 300
nb_merge_streams = True
if "fast" in tags:  # noqa: F821 -- `tags` is injected by Sphinx
    nb_execution_excludepatterns = ["tutorials/*"]  # the notebooks' pages without their outputs

# --- Math ------------------------------------------------------------------------------------
#: the classes whose text MathJax typesets (those of myst-parser's default MathJax 3/4 setting)
_MATH_CLASSES = {"processClass": "tex2jax_process|mathjax_process|math|output_area",
                 "ignoreClass": "tex2jax_ignore|mathjax_ignore|document"}
MATHJAX_FOLDER = os.environ.get("NNQFT_MATHJAX_PATH", "")
if MATHJAX_FOLDER:
    from sphinx.errors import ConfigError

    if (Path(MATHJAX_FOLDER) / "tex-mml-chtml.js").is_file():  # MathJax 3 or 4
        mathjax_path = "mathjax/tex-mml-chtml.js"
    elif (Path(MATHJAX_FOLDER) / "MathJax.js").is_file():  # MathJax 2 (Debian's libjs-mathjax)
        mathjax_path = "mathjax/MathJax.js"
        myst_update_mathjax = False  # myst-parser writes a MathJax 3/4 setting; this is v2's
        mathjax2_config = {"config": ["TeX-AMS_CHTML.js"], "tex2jax": _MATH_CLASSES}
        html_css_files = ["mathjax2.css"]  # centres display math in the theme's flex layout
    else:
        raise ConfigError(f"NNQFT_MATHJAX_PATH={MATHJAX_FOLDER!r} must be a MathJax folder, with "
                          "MathJax.js (MathJax 2) or tex-mml-chtml.js (MathJax 3 or 4)")

#: parts of a MathJax 2 folder that the TeX-AMS_CHTML setting never loads (not copied)
_MATHJAX2_UNUSED = {"unpacked", "test", "docs", "STIX-Web", "Asana-Math", "Gyre-Pagella",
                    "Gyre-Termes", "Latin-Modern", "Neo-Euler", "eot", "otf", "svg", "SVG",
                    "HTML-CSS", "PreviewHTML", "NativeMML", "PlainSource"}


def _copy_mathjax(app):  # noqa: ANN001 -- Sphinx event signature
    """Copy the local MathJax (``NNQFT_MATHJAX_PATH``) into the build's ``_static/mathjax``."""
    if not MATHJAX_FOLDER or app.builder.format != "html":
        return
    import shutil

    source = Path(MATHJAX_FOLDER).resolve()

    def unused(folder: str, names: list[str]) -> set[str]:
        if (source / "tex-mml-chtml.js").is_file():
            return set()
        keep_fonts = Path(folder).resolve() == source / "fonts"  # fonts/HTML-CSS/TeX/woff
        return {name for name in names if name in _MATHJAX2_UNUSED
                and not (keep_fonts and name == "HTML-CSS")}

    shutil.copytree(source, Path(app.outdir) / "_static" / "mathjax", ignore=unused,
                    dirs_exist_ok=True)


# --- API reference --------------------------------------------------------------------------
autodoc_default_options = {"members": True, "member-order": "bysource"}
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_validation_checks: set[str] = set()
numpydoc_xref_param_type = False

API_PACKAGES = ("nnqft_sym", "feynman", "numeric")


def _doc_comment(package_name: str, name: str) -> list[str]:
    """The ``#:`` comment of ``name`` in the sub-module of the package that defines it."""
    from sphinx.pycode import ModuleAnalyzer
    from sphinx.errors import PycodeError

    for module in sorted(m for m in sys.modules if m.startswith(package_name + ".")):
        try:
            docs = ModuleAnalyzer.for_module(module).find_attr_docs()
        except PycodeError:
            continue
        if ("", name) in docs:
            return [line for line in docs["", name] if line]
    return []


#: characters that reStructuredText reads as markup in plain-text ``#:`` comments
_RST_MARKUP = re.compile(r"([\\`*_|<>\[\]])")


def _escaped(text: str) -> str:
    """Plain text (a ``#:`` comment) with its reStructuredText markup characters escaped."""
    return _RST_MARKUP.sub(r"\\\1", text)


def _data_entries(package_name: str) -> str:
    """``py:data`` entries of the constants of a package's ``__all__``, each with its value and
    the ``#:`` comment of its defining module: ``automodule`` documents only the classes and
    functions of a re-exported ``__all__`` (autodoc finds module data by the source of the module
    itself, not of the sub-module that defines it)."""
    import importlib
    import inspect

    package = importlib.import_module(package_name)
    names = [name for name in package.__all__
             if not (inspect.isclass(obj := getattr(package, name)) or callable(obj)
                     or inspect.ismodule(obj))]
    if not names:
        return ""
    lines = ["", "Constants", "---------", ""]
    for name in names:
        value = " ".join(repr(getattr(package, name)).split())
        if len(value) > 120:
            value = value[:117] + "..."
        lines += [f".. py:data:: {name}", f"   :module: {package_name}", f"   :value: {value}", ""]
        lines += [f"   {_escaped(line)}" for line in _doc_comment(package_name, name)] + [""]
    return "\n".join(lines)


def _append_constants(app, docname, source):  # noqa: ANN001 -- Sphinx event signature
    package_name = docname.removeprefix("api/")
    if docname.startswith("api/") and package_name in API_PACKAGES:
        source[0] += _data_entries(package_name)


def _append_chapters(app, docname, source):  # noqa: ANN001 -- Sphinx event signature
    """Every ``docs/*.md`` chapter that ``index.md`` does not list goes at the end of its
    Chapters toctree (a new chapter is on the site without an edit of the index)."""
    if docname != "index":
        return
    text = source[0]
    start = text.index(":caption: Chapters")
    end = text.index("```", start)
    listed = set(text[start:end].split())
    new = [path.stem for path in sorted((ROOT / "docs").glob("*.md"))
           if path.stem != "index" and path.stem not in listed]
    source[0] = text[:end] + "".join(f"{name}\n" for name in new) + text[end:]


def setup(app):  # noqa: ANN001, ANN201 -- Sphinx extension hook
    app.connect("source-read", _append_constants)
    app.connect("source-read", _append_chapters)
    app.connect("builder-inited", _copy_mathjax)


# --- HTML -----------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_static_path = ["_static"]
html_title = "nnqft"
html_theme_options = {
    "navigation_depth": 2,
    "show_toc_level": 2,
}
