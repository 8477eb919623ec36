"""LaTeX output of the commands: fragments that compile when pasted into a document body, and
the complete document of ``--standalone``.

A fragment uses only ``amsmath`` (and ``tikz-feynman`` for ``nnqft diagrams --tikz``); every
formula sits in a math environment, comment lines (``%``) stay outside math, and text outside
math is escaped with :func:`text`.
"""
from __future__ import annotations

__all__ = ["text", "comment", "display", "document"]

_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
            "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
            "^": r"\^{}"}


def text(value: str) -> str:
    r"""``value`` escaped for LaTeX text mode.

    Examples
    --------
    >>> text("d_in = 1, 50% #1")
    'd\\_in = 1, 50\\% \\#1'
    """
    return "".join(_SPECIAL.get(c, c) for c in value)


def comment(value: str) -> str:
    """A LaTeX comment line (outside math): provenance that does not print.

    Examples
    --------
    >>> comment("nnqft flow --d 3")
    '% nnqft flow --d 3'
    """
    return "% " + " ".join(value.split())


def display(body: str, aligned: bool = False) -> str:
    r"""A displayed formula ``\[ ... \]``; ``aligned`` wraps rows joined by ``\\`` (with ``&``).

    Examples
    --------
    >>> print(display("a &= b", aligned=True))
    \[
    \begin{aligned}
    a &= b
    \end{aligned}
    \]
    """
    if aligned:
        body = "\\begin{aligned}\n" + body + "\n\\end{aligned}"
    return "\\[\n" + body + "\n\\]"


def document(body: str, tikz: bool = False) -> str:
    r"""A complete ``article`` document around ``body`` (``--standalone``).

    Landscape with narrow margins, so the long kernels and diagram tables fit the page.

    Examples
    --------
    >>> print(document("Hello."))  # doctest: +NORMALIZE_WHITESPACE
    \documentclass{article}
    \usepackage[landscape, margin=1.5cm]{geometry}
    \usepackage{amsmath}
    \allowdisplaybreaks
    \begin{document}
    Hello.
    \end{document}
    """
    preamble = [r"\documentclass{article}", r"\usepackage[landscape, margin=1.5cm]{geometry}",
                r"\usepackage{amsmath}"]
    if tikz:
        preamble.append(r"\usepackage[compat=1.1.0]{tikz-feynman}")
    preamble.append(r"\allowdisplaybreaks")
    return "\n".join(preamble + [r"\begin{document}", body, r"\end{document}"])
