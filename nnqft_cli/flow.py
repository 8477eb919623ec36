"""``nnqft flow``: LPA beta functions, fixed points and critical exponents from the command line.

Examples::

    nnqft flow --scheme wetterich --regulator litim --d 3 --truncation 8 --latex
    nnqft flow --d 3 --truncation 10 --expansion minimum --fixed-point
    nnqft flow --d "4 - eps" --truncation 2
    nnqft flow --scheme polchinski --d 3 --shooting     # no truncation: ODE shooting
"""
from __future__ import annotations

import click
import sympy as sp

from nnqft_sym.errors import ParseError
from nnqft_sym.parsing import parse_expression
from nnqft_sym.rg import critical_exponents, lpa_beta_functions, polchinski_fixed_point


def _parse_dimension(text: str) -> sp.Expr:
    """``--d`` read by the restricted parser (names ``eps`` and ``d``): never executed."""
    try:
        names = {"eps": sp.Symbol("eps"), "d": sp.Symbol("d", positive=True)}
        value = parse_expression(text, names, "--d")
    except ParseError as exc:
        raise click.BadParameter(f"{exc} (--d is a number or an expression like '4 - eps')") \
            from exc
    if not value.free_symbols and not (value.is_real and value > 0):
        raise click.BadParameter(f"--d must be a positive dimension, got {text!r}")
    return value


@click.command(name="flow")
@click.option("--scheme", type=click.Choice(["wetterich", "polchinski"]), default="wetterich",
              show_default=True, help="Exact RG equation in the local potential approximation.")
@click.option("--regulator", type=click.Choice(["litim", "exponential"]), default="litim",
              show_default=True, help="Wetterich regulator (ignored for Polchinski).")
@click.option("--d", "dimension", default="3", show_default=True,
              help="Dimension: a number or a SymPy expression such as '4 - eps' or 'd'.")
@click.option("--truncation", type=click.IntRange(min=1), default=4, show_default=True,
              help="Highest power of rho = phi^2/2 kept (phi^(2 truncation)).")
@click.option("--expansion", type=click.Choice(["zero", "minimum"]), default="zero",
              show_default=True, help="Expand the potential about rho = 0 or the running minimum.")
@click.option("--dimensionful", is_flag=True, help="Dimensionful couplings (flows contain k).")
@click.option("--latex", "as_latex", is_flag=True, help="Print the beta functions as LaTeX.")
@click.option("--fixed-point", "fixed_point", is_flag=True,
              help="Find the Wilson-Fisher fixed point and print nu, omega (numeric d only).")
@click.option("--shooting", is_flag=True,
              help="Polchinski only: solve the fixed-point ODE by shooting (no polynomial "
                   "truncation; 3 <= d < 4) and print sigma* = v''(0), nu, omega.")
def command(scheme: str, regulator: str, dimension: str, truncation: int, expansion: str,
            dimensionful: bool, as_latex: bool, fixed_point: bool, shooting: bool) -> None:
    """Derive LPA beta functions (and optionally the Wilson-Fisher fixed point)."""
    d = _parse_dimension(dimension)
    if shooting:
        if scheme != "polchinski" or d.free_symbols:
            raise click.UsageError("--shooting needs --scheme polchinski and a numeric --d")
        try:
            pol = polchinski_fixed_point(float(d))
        except (RuntimeError, ValueError) as exc:
            raise click.ClickException(f"shooting failed: {exc}") from exc
        click.echo(f"# Polchinski LPA, d = {pol.d}, Wilson-Fisher fixed point by shooting")
        click.echo(f"sigma* = v''(0) = {pol.sigma:.14g}")
        click.echo("eigenvalues = " + ", ".join(f"{e:.10g}" for e in pol.eigenvalues))
        click.echo(f"nu = {pol.nu:.8f} +- {pol.nu_error:.1e}")
        click.echo(f"omega = {pol.omega:.8f} +- {pol.omega_error:.1e}")
        return
    try:
        beta = lpa_beta_functions(d, truncation, regulator, expansion, scheme=scheme,
                                  dimensionless=not dimensionful)
    except (TypeError, ValueError) as exc:
        raise click.UsageError(str(exc)) from exc
    click.echo(f"# {beta!r}")
    if as_latex:
        click.echo(beta.latex())
    else:
        for g, b in beta.beta.items():
            click.echo(f"d/dt {g} = {b}")
    if fixed_point:
        if d.free_symbols or dimensionful:
            raise click.UsageError("--fixed-point needs a numeric --d and dimensionless couplings")
        try:
            result = critical_exponents(d, truncation, regulator, expansion, scheme=scheme)
        except (RuntimeError, ValueError) as exc:
            raise click.ClickException(f"no Wilson-Fisher fixed point: {exc}") from exc
        click.echo("# Wilson-Fisher fixed point")
        for g, value in result.couplings.items():
            click.echo(f"{g}* = {value:.12g}")
        click.echo("eigenvalues = " + ", ".join(f"{e:.10g}" for e in result.eigenvalues))
        click.echo("# truncation N: nu, omega")
        for n, nu, omega in result.sequence:
            click.echo(f"N = {n:2d}: nu = {nu:.8f}, omega = {omega:.8f}")
        click.echo(f"nu = {result.nu:.8f}")
        click.echo(f"omega = {result.omega:.8f}")
