"""``nnqft kernel ARCH``: derive and print the GP kernel, propagator and exact finite-width table."""
from __future__ import annotations

import click
import sympy as sp

from nnqft_sym import ARCHITECTURES, make_network
from nnqft_sym.propagators import is_translation_invariant
from nnqft_sym.tables import exact_deviation_table, format_table

ELS_POINTS = (-0.01, -0.006, -0.002, 0.002, 0.006, 0.01)


def _param(value: float | None, name: str) -> sp.Expr:
    return sp.Symbol(name, positive=True) if value is None else sp.nsimplify(value)


@click.command()
@click.argument("arch", type=click.Choice(sorted(ARCHITECTURES)))
@click.option("--d-in", type=click.IntRange(min=1), default=1, show_default=True, help="Input dimension.")
@click.option("--sigma-w", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Weight scale (default: the symbol sigma_W).")
@click.option("--sigma-b", type=click.FloatRange(min=0), default=None,
              help="Bias scale >= 0 (default: the symbol sigma_b).")
@click.option("--latex", is_flag=True, help="Print LaTeX instead of plain text.")
@click.option("--table/--no-table", default=True, show_default=True,
              help="Exact <|m_n|> at the ELS points (needs numeric sigmas; 1 and 1 if symbolic).")
def command(arch: str, d_in: int, sigma_w: float | None, sigma_b: float | None, latex: bool,
            table: bool) -> None:
    """Derive the GP kernel of ARCH, its momentum propagator and an exact finite-width table."""
    try:
        net = make_network(arch, sigma_w=_param(sigma_w, "sigma_W"),
                           sigma_b=_param(sigma_b, "sigma_b"), d_in=d_in)
    except ValueError as exc:          # NaN passes click's FloatRange
        raise click.BadParameter(str(exc), param_hint="--sigma-w/--sigma-b") from None
    show = sp.latex if latex else sp.pretty
    click.echo(f"{net.name}, d_in = {d_in}\n\nGP kernel K(x, y):")
    click.echo(show(net.kernel_expr()))
    if is_translation_invariant(net) or not net.preactivation_is_gaussian:
        ir = net.ir_expansion()
        click.echo("\nMomentum-space propagator K(p)  [K(x) = int d^d p e^{ipx} K(p)]:")
        click.echo(show(ir.propagator))
        click.echo("\nIR expansion K(p) ~ Z0^-1 / (m0^2 + p^2):")
        click.echo(f"Z0 = {show(ir.Z0)}\nm0^2 = {show(ir.m0_squared)}")
    else:
        click.echo("\nThe kernel is not translation invariant: no momentum-space propagator.")
    if table:
        numeric = net.with_params(sigma_w=1 if sigma_w is None else sigma_w,
                                  sigma_b=1 if sigma_b is None else sigma_b)
        points = [[x] * d_in for x in ELS_POINTS]
        rows = exact_deviation_table(numeric, points, widths=(2, 10, 100, 1000), orders=(4, 6))
        click.echo(f"\nExact <|m_n|> over all multisets of the ELS points "
                   f"(sigma_W = {numeric.sigma_w}, sigma_b = {numeric.sigma_b}):")
        click.echo(format_table(rows, latex=latex))
        if any(r.n_undefined for r in rows):
            click.echo("Multisets where G_0 = 0 (m_n undefined, e.g. ReLU at sigma_b = 0 with "
                       "inputs of both signs) are left out: "
                       + ", ".join(f"n = {r.order}: {r.n_undefined}" for r in rows
                                   if r.width == rows[0].width and r.n_undefined))
