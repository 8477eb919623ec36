"""``nnqft flow``: LPA beta functions, fixed points and critical exponents from the command line.

Examples::

    nnqft flow --scheme wetterich --regulator litim --d 3 --truncation 8 --latex
    nnqft flow --d 3 --truncation 10 --fixed-point            # nu, omega (add --betas)
    nnqft flow --d "4 - eps" --truncation 2
    nnqft flow --scheme polchinski --d 3 --shooting     # no truncation: ODE shooting
"""
from __future__ import annotations

import click
import sympy as sp

from nnqft_sym.errors import ParseError
from nnqft_sym.parsing import parse_expression
from nnqft_sym.rg import (DEFAULT_EXPANSION, DEFAULT_REGULATOR, DEFAULT_SCHEME, DEFAULT_TRUNCATION,
                          REGULATORS, BetaFunctions, CriticalExponents, critical_exponents,
                          lpa_beta_functions, polchinski_fixed_point)
from nnqft_sym.rg.action import EXPANSIONS
from nnqft_sym.rg.lpa import SCHEMES

from . import latex as tex
from .options import CONTEXT_SETTINGS, latex_options


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


@click.command(name="flow", context_settings=CONTEXT_SETTINGS)
@click.option("--scheme", type=click.Choice(SCHEMES), default=DEFAULT_SCHEME,
              show_default=True, help="Exact RG equation in the local potential approximation.")
@click.option("--regulator", type=click.Choice(sorted(REGULATORS)),
              default=DEFAULT_REGULATOR, show_default=True,
              help="Wetterich regulator (ignored for Polchinski).")
@click.option("--d", "spacetime_dimension", default="3", show_default=True,
              help="Spacetime dimension d of the flow (the input dimension d_in for a "
                   "network field): a number or a SymPy expression such as '4 - eps' or 'd'.")
@click.option("--truncation", type=click.IntRange(min=1), default=DEFAULT_TRUNCATION,
              show_default=True, help="Highest power of rho = phi^2/2 kept (phi^(2 truncation)).")
@click.option("--expansion", type=click.Choice(EXPANSIONS), default=DEFAULT_EXPANSION,
              show_default=True,
              help="Expand the potential about the running minimum or about rho = 0 (the same "
                   "default as nnqft_sym.rg.critical_exponents).")
@click.option("--dimensionful", is_flag=True, help="Dimensionful couplings (flows contain k).")
@latex_options
@click.option("--fixed-point", "fixed_point", is_flag=True,
              help="Find the Wilson-Fisher fixed point and print nu, omega first (numeric d "
                   "only); the beta functions only with --betas.")
@click.option("--betas", "show_betas", is_flag=True,
              help="With --fixed-point: also print the beta functions.")
@click.option("--shooting", is_flag=True,
              help="Polchinski only: solve the fixed-point ODE by shooting (no polynomial "
                   "truncation; 3 <= d < 4) and print sigma* = v''(0), nu, omega.")
def command(scheme: str, regulator: str, spacetime_dimension: str, truncation: int, expansion: str,
            dimensionful: bool, as_latex: bool, standalone: bool, fixed_point: bool,
            show_betas: bool, shooting: bool) -> None:
    """LPA beta functions, Wilson-Fisher fixed point and critical exponents.

    Every output names the scheme, regulator, expansion and truncation it used; the defaults
    are those of nnqft_sym.rg (DEFAULT_SCHEME, DEFAULT_REGULATOR, DEFAULT_EXPANSION).
    """
    as_latex = as_latex or standalone
    d = _parse_dimension(spacetime_dimension)
    if shooting:
        lines = _shooting(scheme, d, as_latex)
    else:
        if fixed_point and (d.free_symbols or dimensionful):
            raise click.UsageError("--fixed-point needs a numeric --d and dimensionless couplings")
        try:
            beta = lpa_beta_functions(d, truncation, regulator, expansion, scheme=scheme,
                                      dimensionless=not dimensionful)
        except (TypeError, ValueError) as exc:
            raise click.UsageError(str(exc)) from None
        lines = []
        if fixed_point:
            try:
                result = critical_exponents(d, truncation, regulator, expansion, scheme=scheme)
            except (RuntimeError, ValueError) as exc:
                raise click.ClickException(f"no Wilson-Fisher fixed point: {exc}") from None
            lines += _fixed_point(result, as_latex)
        if show_betas or not fixed_point:
            lines += _betas(beta, as_latex)
    body = "\n".join(lines)
    click.echo(tex.document(body) if standalone else body)


def _betas(beta: BetaFunctions, as_latex: bool) -> list[str]:
    if as_latex:
        return [tex.comment(f"beta functions: {beta}"), tex.display(beta.latex())]
    return [f"# beta functions: {beta}"] + [f"d/dt {g} = {b}" for g, b in beta.beta.items()]


def _fixed_point(result: CriticalExponents, as_latex: bool) -> list[str]:
    head = (f"Wilson-Fisher fixed point: {result.setting}, d = {result.d}, "
            f"truncation {result.truncation}")
    if as_latex:
        rows = " \\\\\n".join(rf"{sp.latex(g)}^{{*}} &= {value:.12g}"
                              for g, value in result.couplings.items())
        table = "\n".join([r"\begin{center}", r"\begin{tabular}{rrr}",
                           r"$N$ & $\nu$ & $\omega$ \\ \hline"]
                          + [rf"{n} & {nu:.8f} & {omega:.8f} \\"
                             for n, nu, omega in result.sequence]
                          + [r"\end{tabular}", r"\end{center}"])
        return [tex.comment(head),
                tex.display(rf"\nu = {result.nu:.8f}, \qquad \omega = {result.omega:.8f}"),
                tex.display(rows, aligned=True), table]
    return ([f"# {head}", f"nu = {result.nu:.8f}", f"omega = {result.omega:.8f}"]
            + [f"{g}* = {value:.12g}" for g, value in result.couplings.items()]
            + ["eigenvalues = " + ", ".join(f"{e:.10g}" for e in result.eigenvalues),
               "# truncation N: nu, omega"]
            + [f"N = {n:2d}: nu = {nu:.8f}, omega = {omega:.8f}"
               for n, nu, omega in result.sequence])


def _shooting(scheme: str, d: sp.Expr, as_latex: bool) -> list[str]:
    if scheme != "polchinski" or d.free_symbols:
        raise click.UsageError("--shooting needs --scheme polchinski and a numeric --d")
    try:
        pol = polchinski_fixed_point(float(d))
    except (RuntimeError, ValueError) as exc:
        raise click.ClickException(f"shooting failed: {exc}") from None
    head = f"Wilson-Fisher fixed point: {pol.setting}, d = {pol.d:g}"
    if as_latex:
        return [tex.comment(head),
                tex.display(rf"\sigma^* = v''(0) = {pol.sigma:.14g}, \qquad "
                            rf"\nu = {pol.nu:.8f} \pm {pol.nu_error:.1e}, \qquad "
                            rf"\omega = {pol.omega:.8f} \pm {pol.omega_error:.1e}")]
    return [f"# {head}", f"nu = {pol.nu:.8f} +- {pol.nu_error:.1e}",
            f"omega = {pol.omega:.8f} +- {pol.omega_error:.1e}",
            f"sigma* = v''(0) = {pol.sigma:.14g}",
            "eigenvalues = " + ", ".join(f"{e:.10g}" for e in pol.eigenvalues)]
