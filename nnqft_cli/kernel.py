"""``nnqft kernel --arch ARCH``: derive and print the GP kernel, propagator and exact table."""
from __future__ import annotations

import click
import sympy as sp

from nnqft_sym import Network, make_network
from nnqft_sym.propagators import is_translation_invariant
from nnqft_sym.tables import exact_deviation_table, format_table

from . import latex as tex
from .options import (CONTEXT_SETTINGS, arch_option, architecture_names, d_in_option,
                      latex_options, sigma_b_option, sigma_w_option)

ELS_POINTS = (-0.01, -0.006, -0.002, 0.002, 0.006, 0.01)


def _param(value: float | None, name: str) -> sp.Expr:
    return sp.Symbol(name, positive=True) if value is None else sp.nsimplify(value)


def _plain(net: Network, d_in: int, table: str | None) -> list[str]:
    out = [f"{net.name}, d_in = {d_in}", "", "GP kernel K(x, y):", sp.pretty(net.kernel_expr())]
    if is_translation_invariant(net) or not net.first_layer_is_gaussian:
        ir = net.ir_expansion()
        out += ["", "Momentum-space propagator K(p)  [K(x) = int d^d p e^{ipx} K(p)]:",
                sp.pretty(ir.propagator), "", "IR expansion K(p) ~ Z0^-1 / (m0^2 + p^2):",
                f"Z0 = {sp.pretty(ir.Z0)}", f"m0^2 = {sp.pretty(ir.m0_squared)}"]
    else:
        out += ["", "The kernel is not translation invariant: no momentum-space propagator."]
    return out + ([] if table is None else ["", table])


def _latex(net: Network, d_in: int, table: str | None) -> list[str]:
    out = [tex.comment(f"nnqft kernel --arch ... : {net.name}, d_in = {d_in}"),
           rf"GP kernel of the {tex.text(net.name)} ($d_{{\mathrm{{in}}}} = {d_in}$):",
           tex.display(r"K(x, y) = " + sp.latex(net.kernel_expr()))]
    if is_translation_invariant(net) or not net.first_layer_is_gaussian:
        ir = net.ir_expansion()
        out += [r"Momentum-space propagator, $K(x) = \int d^dp\, e^{ipx} K(p)$:",
                tex.display(r"K(p) = " + sp.latex(ir.propagator)),
                r"IR expansion $K(p) \simeq Z_0^{-1} / (m_0^2 + p^2)$:",
                tex.display(rf"Z_0 = {sp.latex(ir.Z0)}, \qquad "
                            rf"m_0^2 = {sp.latex(ir.m0_squared)}")]
    else:
        out += ["The kernel is not translation invariant: no momentum-space propagator."]
    return out + ([] if table is None else [table])


@click.command(context_settings=CONTEXT_SETTINGS)
@click.argument("arch_positional", metavar="[ARCH]", required=False,
                type=click.Choice(architecture_names()))
@arch_option(default=None)
@d_in_option()
@sigma_w_option(default=None, help="Weight scale (default: the symbol sigma_W).")
@sigma_b_option(default=None, help="Bias scale >= 0 (default: the symbol sigma_b).")
@latex_options
@click.option("--table/--no-table", default=True, show_default=True,
              help="Exact ``<|m_n|>`` at the ELS points (needs numeric sigmas; 1 and 1 if symbolic).")
def command(arch_positional: str | None, arch: str | None, d_in: int, sigma_w: float | None,
            sigma_b: float | None, as_latex: bool, standalone: bool, table: bool) -> None:
    """GP kernel of an architecture, its momentum propagator and an exact finite-width table.

    The positional ARCH is a deprecated alias of --arch.
    """
    if arch_positional is not None:
        if arch is not None and arch != arch_positional:
            raise click.UsageError(f"give the architecture once: --arch {arch} or the "
                                   f"(deprecated) positional {arch_positional}")
        click.echo("Warning: 'nnqft kernel ARCH' is deprecated, use 'nnqft kernel --arch ARCH'.",
                   err=True)
        arch = arch_positional
    if arch is None:
        raise click.UsageError("missing option '--arch' (one of "
                               f"{', '.join(architecture_names())})")
    as_latex = as_latex or standalone
    try:
        net = make_network(arch, sigma_w=_param(sigma_w, "sigma_W"),
                           sigma_b=_param(sigma_b, "sigma_b"), d_in=d_in)
        rows = None
        if table:
            numeric = net.with_params(sigma_w=1 if sigma_w is None else sigma_w,
                                      sigma_b=1 if sigma_b is None else sigma_b)
            points = [[x] * d_in for x in ELS_POINTS]
            rows = exact_deviation_table(numeric, points, widths=(2, 10, 100, 1000), orders=(4, 6))
    except (TypeError, ValueError, OverflowError) as exc:
        raise click.UsageError(str(exc)) from None
    table_text = None
    if rows is not None:
        sw, sb = numeric.sigma_w, numeric.sigma_b
        if as_latex:
            table_text = (r"Exact $\langle|m_n|\rangle$ over all multisets of the ELS points "
                          rf"($\sigma_W = {sp.latex(sw)}$, $\sigma_b = {sp.latex(sb)}$):" "\n"
                          r"\begin{center}" "\n" + format_table(rows, latex=True)
                          + "\n" r"\end{center}")
        else:
            table_text = (f"Exact <|m_n|> over all multisets of the ELS points "
                          f"(sigma_W = {sw}, sigma_b = {sb}):\n" + format_table(rows))
        if any(r.n_undefined for r in rows):
            note = ("Multisets where G_0 = 0 (m_n undefined, e.g. ReLU at sigma_b = 0 with "
                    "inputs of both signs) are left out: "
                    + ", ".join(f"n = {r.order}: {r.n_undefined}" for r in rows
                                if r.width == rows[0].width and r.n_undefined))
            table_text += "\n" + (tex.text(note) if as_latex else note)
    lines = (_latex if as_latex else _plain)(net, d_in, table_text)
    body = "\n\n".join(lines) if as_latex else "\n".join(lines)
    click.echo(tex.document(body) if standalone else body)
