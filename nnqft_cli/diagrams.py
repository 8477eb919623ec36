"""``nnqft diagrams``: list the Feynman diagrams of a class with symmetry factors and expressions.

Example: ``nnqft diagrams --legs 4 --vertices 4:2 --connected --one-pi --latex``; ``--tikz``
draws each diagram with TikZ-Feynman and ``--standalone`` prints a complete document.
"""
from __future__ import annotations

from typing import Callable, Mapping

import click
import sympy as sp

from feynman import Diagram, coupling_symbols, generate

from . import latex as tex
from .options import CONTEXT_SETTINGS, IntList, latex_options


def _parse_vertices(spec: str) -> dict[int, int]:
    """``"4:2,6:1"`` -> ``{4: 2, 6: 1}``."""
    out: dict[int, int] = {}
    for item in filter(None, (s.strip() for s in spec.split(","))):
        try:
            valence, count = (int(v) for v in item.split(":"))
        except ValueError:
            raise click.BadParameter(f"expected VALENCE:COUNT[,VALENCE:COUNT...] such as 4:2,6:1, "
                                     f"got {spec!r}", param_hint="--vertices") from None
        if valence < 1 or count < 0:
            raise click.BadParameter(f"valences must be >= 1 and counts >= 0, got {item!r}",
                                     param_hint="--vertices")
        out[valence] = out.get(valence, 0) + count
    return out


@click.command(context_settings=CONTEXT_SETTINGS)
@click.option("--legs", type=click.IntRange(min=0), default=4, show_default=True,
              help="Number of external legs.")
@click.option("--vertices", default=None, metavar="K:N[,K:N]",
              help="Vertex content, e.g. 4:2 or 4:1,6:1.")
@click.option("--loops", type=click.IntRange(min=0), default=None,
              help="Loop order instead of --vertices (connected diagrams).")
@click.option("--valences", type=IntList(min=1), default="4", show_default=True,
              help="Comma-separated valences allowed with --loops.")
@click.option("--connected/--all", default=True, show_default=True,
              help="Only connected diagrams, or all (no vacuum bubbles when legs > 0).")
@click.option("--one-pi", is_flag=True, help="Only one-particle-irreducible diagrams.")
@click.option("--unlabelled", is_flag=True, help="Interchangeable external legs.")
@click.option("--couplings", type=click.Choice(["g", "u"]), default="g", show_default=True,
              help="Coupling symbols g_k or u_k (NN-QFT convention).")
@latex_options
@click.option("--tikz", is_flag=True,
              help="LaTeX with a TikZ-Feynman drawing of each diagram (\\usepackage"
                   "[compat=1.1.0]{tikz-feynman}; pdflatex suffices).")
@click.option("--momentum", is_flag=True, help="Momentum-space expressions (connected, legs > 0).")
def command(legs: int, vertices: str | None, loops: int | None, valences: tuple[int, ...],
            connected: bool, one_pi: bool, unlabelled: bool, couplings: str, as_latex: bool,
            standalone: bool, tikz: bool, momentum: bool) -> None:
    """Enumerate Feynman diagrams: lines, symmetry factor, loops, expression."""
    if (vertices is None) == (loops is None):
        raise click.UsageError("give exactly one of --vertices K:N[,K:N] or --loops L")
    try:
        if vertices is not None:
            diagrams = generate(legs, _parse_vertices(vertices), connected=connected,
                                one_pi=one_pi, labelled_legs=not unlabelled)
        else:
            diagrams = generate(legs, loops=loops, valences=valences, connected=connected,
                                one_pi=one_pi, labelled_legs=not unlabelled)
    except (TypeError, ValueError) as exc:
        raise click.UsageError(str(exc)) from None
    all_valences = sorted({k for d in diagrams for k in d.valences} | set(valences))
    symbols = coupling_symbols(all_valences, prefix=couplings)
    if momentum and any(not d.is_connected or not d.legs for d in diagrams):
        raise click.UsageError("--momentum needs connected diagrams with legs")

    def expression(d):
        return d.momentum_expression(couplings=symbols) if momentum else d.expression(
            couplings=symbols)

    as_latex = as_latex or standalone or tikz
    if as_latex:
        body = _latex_table(diagrams, expression, symbols, momentum, tikz)
        click.echo(tex.document(body, tikz=tikz) if standalone else body)
        return
    width = max([len(str(d)) for d in diagrams] + [5])
    click.echo(f"{'#':>3}  {'lines':<{width}} {'S':>6} {'loops':>5}  expression")
    for i, d in enumerate(diagrams, 1):
        click.echo(f"{i:>3}  {str(d):<{width}} {d.symmetry_factor:>6} {d.loops:>5}  "
                   f"{sp.sstr(expression(d))}")
    click.echo(f"{len(diagrams)} diagram(s)")


def _latex_table(diagrams: list[Diagram], expression: Callable[[Diagram], sp.Expr],
                 symbols: Mapping[int, sp.Expr], momentum: bool, tikz: bool) -> str:
    """A ``tabular``, one row per diagram (with a TikZ-Feynman drawing column for ``tikz``)."""
    columns = "rlrrl" + ("c" if tikz else "")
    head = r"\# & lines & $S$ & loops & expression" + (" & diagram" if tikz else "")
    rows = [r"\begin{tabular}{%s}" % columns,
            head + r" \\ \hline"]
    for i, d in enumerate(diagrams, 1):
        body = sp.latex(expression(d)) if momentum else d.latex(couplings=symbols)
        row = (rf"{i} & \texttt{{{tex.text(str(d))}}} & {d.symmetry_factor} & {d.loops} & "
               rf"${body}$")
        if tikz:
            row += " &\n" + d.tikz(scale=0.6)
        rows.append(row + r" \\")
    rows += [r"\end{tabular}", tex.comment(f"{len(diagrams)} diagram(s)")]
    return "\n".join(rows)
