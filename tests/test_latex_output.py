"""``--latex`` output of ``nnqft kernel``, ``nnqft flow`` and ``nnqft diagrams`` compiles with
pdflatex as printed: pasted into a document body (amsmath only; tikz-feynman for --tikz), and as
the complete document of ``--standalone``.

Before: ``nnqft flow --latex`` printed a bare ``aligned`` block and ``#`` lines, ``nnqft kernel
--latex`` bare formulas and text with underscores, and a symbolic dimension gave ``0**(2 - eps/2)``.
"""
import re
import shutil
import subprocess

import pytest
from click.testing import CliRunner

from nnqft_cli.main import cli

FORMS = {
    "kernel-gauss": ["kernel", "--arch", "gauss", "--d-in", "2", "--latex"],
    "kernel-relu": ["kernel", "--arch", "relu", "--sigma-w", "1.5", "--latex", "--no-table"],
    "kernel-erf": ["kernel", "--arch", "erf", "--latex", "--no-table"],
    "kernel-cos": ["kernel", "--arch", "cos", "--latex", "--no-table"],
    "flow-eps": ["flow", "--d", "4 - eps", "--truncation", "2", "--latex"],
    "flow-fixed-point": ["flow", "--d", "3", "--truncation", "3", "--fixed-point", "--betas",
                         "--latex"],
    "flow-exponential": ["flow", "--d", "3", "--truncation", "2", "--regulator", "exponential",
                         "--latex"],
    "flow-shooting": ["flow", "--scheme", "polchinski", "--d", "3", "--shooting", "--latex"],
    "diagrams": ["diagrams", "--legs", "4", "--vertices", "4:2", "--latex"],
    "diagrams-momentum": ["diagrams", "--legs", "2", "--loops", "2", "--momentum", "--latex"],
    "diagrams-tikz": ["diagrams", "--legs", "4", "--vertices", "4:2", "--tikz"],
}
STANDALONE = {
    "kernel": ["kernel", "--arch", "gauss", "--standalone"],
    "flow": ["flow", "--d", "3", "--fixed-point", "--betas", "--standalone"],
    "diagrams": ["diagrams", "--legs", "2", "--vertices", "4:2", "--tikz", "--standalone"],
}

_cache: dict[str, str] = {}


def _output(args):
    key = " ".join(args)
    if key not in _cache:
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, result.output
        _cache[key] = result.stdout
    return _cache[key]


def _math_blocks(tex):
    return re.findall(r"\\\[(.*?)\\\]", tex, flags=re.S) + re.findall(r"\$(.*?)\$", tex, flags=re.S)


@pytest.mark.parametrize("name", sorted(FORMS) + [f"standalone-{n}" for n in STANDALONE])
def test_latex_is_well_formed(name):
    """Checked without TeX: math delimited, no comments inside math, no # lines, simplified."""
    args = FORMS.get(name) or STANDALONE[name.removeprefix("standalone-")]
    tex = _output(args)
    assert tex.count(r"\[") == tex.count(r"\]")
    assert not any(line.startswith("#") for line in tex.splitlines())
    for block in _math_blocks(tex):
        assert not any(line.lstrip().startswith("%") for line in block.splitlines()), block
    assert "0**" not in tex and not re.search(r"(?<!\w)0\^", tex)     # no 0^{...} powers
    if "\\begin{aligned}" in tex:
        assert re.search(r"\\\[\s*\\begin\{aligned\}", tex)
    assert ("\\documentclass" in tex) == name.startswith("standalone")


def _pdflatex(tmp_path, name, source):
    tex = tmp_path / f"{name}.tex"
    tex.write_text(source)
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", tex.name],
                         cwd=tmp_path, capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stdout[-3000:]
    assert (tmp_path / f"{name}.pdf").exists()


needs_tex = pytest.mark.skipif(
    shutil.which("pdflatex") is None or shutil.which("kpsewhich") is None
    or subprocess.run(["kpsewhich", "tikz-feynman.sty"], capture_output=True).returncode != 0,
    reason="pdflatex with tikz-feynman is not installed (TeX is not a dependency)")


@needs_tex
@pytest.mark.parametrize("name", sorted(FORMS))
def test_fragment_compiles_pasted_into_a_document(tmp_path, name):
    body = _output(FORMS[name])
    document = "\n".join([r"\documentclass{article}", r"\usepackage{amsmath}",
                          r"\usepackage[compat=1.1.0]{tikz-feynman}" if "tikz" in name else "",
                          r"\begin{document}", body, r"\end{document}"])
    _pdflatex(tmp_path, name, document)


@needs_tex
@pytest.mark.parametrize("name", sorted(STANDALONE))
def test_standalone_document_compiles_as_printed(tmp_path, name):
    _pdflatex(tmp_path, f"standalone_{name}", _output(STANDALONE[name]))
