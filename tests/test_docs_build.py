"""The documentation site builds with warnings as errors, and every gallery page shows its
figures and its agreement line without an execution error (issue: documentation site).

The fast subset (``-t fast``: the API and CLI reference, the chapters and the gallery; the
tutorial notebooks are not executed) is built into a temporary directory, executing every gallery
page afresh (``nb_execution_mode=force``: the execution cache keys on the page's text only and
would hide a library change that breaks a page), with a local MathJax 2 folder
(``NNQFT_MATHJAX_PATH``: a stand-in with the layout of Debian's ``libjs-mathjax``) copied into the
build. Skipped when the ``docs`` extra is not installed.
"""
from __future__ import annotations

import inspect
import os
import re
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

import feynman
import nnqft_sym
import numeric
from nnqft_cli.main import COMMAND_MODULES

pytest.importorskip("sphinx")
pytest.importorskip("myst_nb")
pytest.importorskip("pydata_sphinx_theme")
pytest.importorskip("sphinx_click")
pytest.importorskip("numpydoc")

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
#: a Python exception name followed by a colon, as an executed cell's traceback prints it
EXCEPTION_LINE = re.compile(r"\b[A-Z]\w*(Error|Exception)\b:")


def _gallery_pages() -> list[str]:
    """The pages of the gallery's toctree (docs/gallery/index.md)."""
    text = (DOCS / "gallery" / "index.md").read_text()
    block = text.split("```{toctree}", 1)[1].split("```", 1)[0]
    return [line.strip() for line in block.splitlines()
            if line.strip() and not line.strip().startswith(":")]


def _mathjax2_folder(folder: Path) -> Path:
    """A stand-in MathJax 2 folder: the entry script, the setting it loads and an unused part."""
    for name in ("MathJax.js", "config/TeX-AMS_CHTML.js", "fonts/HTML-CSS/TeX/woff/a.woff",
                 "unpacked/MathJax.js", "fonts/HTML-CSS/STIX-Web/woff/b.woff"):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text("/* MathJax stand-in */\n")
    return folder


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    mathjax = _mathjax2_folder(tmp_path_factory.mktemp("mathjax"))
    env = dict(os.environ, NNQFT_MATHJAX_PATH=str(mathjax), PYTHONPATH=os.pathsep.join(
        [str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    cmd = [sys.executable, "-m", "sphinx", "-W", "-q", "-b", "html", "-t", "fast",
           "-D", "nb_execution_mode=force", "-d", str(out / "doctrees"), str(DOCS),
           str(out / "html")]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, f"sphinx failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    return out / "html"


def test_gallery_has_a_page_per_paper() -> None:
    assert set(_gallery_pages()) >= {"hms", "els", "brg", "nnqft_finite_width", "on_exponents",
                                     "heavy_tails", "training", "density"}


@pytest.mark.parametrize("page", _gallery_pages())
def test_gallery_page_shows_figures_and_agreement(site: Path, page: str) -> None:
    html = (site / "gallery" / f"{page}.html").read_text()
    images = re.findall(r'<img[^>]*src="([^"]+\.png)"', html)
    assert images, f"{page}: no figures"
    for src in images:
        assert (site / "gallery" / src).resolve().is_file(), f"{page}: missing {src}"
    assert "Traceback" not in html
    assert not EXCEPTION_LINE.search(html), EXCEPTION_LINE.search(html).group(0)
    assert "max |z|" in html  # the agreement line, computed in the page


def test_reference_pages(site: Path) -> None:
    for package in (nnqft_sym, feynman, numeric):
        html = (site / "api" / f"{package.__name__}.html").read_text()
        missing = [name for name in package.__all__
                   if not inspect.ismodule(getattr(package, name))  # sub-modules: no entry
                   and f'id="{package.__name__}.{name}"' not in html]
        assert not missing, f"{package.__name__}: not documented: {missing[:10]}"
    cli = (site / "api" / "cli.html").read_text()
    missing = [name for name in COMMAND_MODULES if f'id="nnqft-{name}"' not in cli]
    assert not missing, f"sub-commands missing from the CLI reference: {missing}"


def test_local_mathjax_is_copied_and_loaded(site: Path) -> None:
    static = site / "_static" / "mathjax"
    assert (static / "MathJax.js").is_file() and (static / "config" / "TeX-AMS_CHTML.js").is_file()
    assert (static / "fonts" / "HTML-CSS" / "TeX" / "woff" / "a.woff").is_file()
    assert not (static / "unpacked").exists() and not (static / "fonts" / "HTML-CSS" / "STIX-Web").exists()
    html = (site / "gallery" / "els.html").read_text()
    assert re.search(r'<script[^>]*src="\.\./_static/mathjax/MathJax\.js', html)
    assert "text/x-mathjax-config" in html and "TeX-AMS_CHTML.js" in html
    assert "_static/mathjax2.css" in html and (site / "_static" / "mathjax2.css").is_file()
    assert "cdn.jsdelivr" not in html


def test_bad_mathjax_folder_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sphinx.errors import ConfigError

    monkeypatch.setenv("NNQFT_MATHJAX_PATH", str(tmp_path))
    monkeypatch.setattr(sys, "path", list(sys.path))  # conf.py prepends the checkout
    monkeypatch.setitem(os.environ, "PYTHONPATH", os.environ.get("PYTHONPATH", ""))
    monkeypatch.setitem(os.environ, "MPLBACKEND", os.environ.get("MPLBACKEND", "Agg"))
    with pytest.raises(ConfigError, match="NNQFT_MATHJAX_PATH"):
        runpy.run_path(str(DOCS / "conf.py"), init_globals={"tags": set()})
