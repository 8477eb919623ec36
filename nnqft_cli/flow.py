"""``nnqft flow``: LPA beta functions, fixed points and critical exponents from the command line.

Examples::

    nnqft flow --scheme wetterich --regulator litim --d 3 --truncation 8 --latex
    nnqft flow --d 3 --truncation 10 --fixed-point            # nu, omega (add --betas)
    nnqft flow --d "4 - eps" --truncation 2
    nnqft flow --scheme polchinski --d 3 --shooting     # no truncation: ODE shooting
    nnqft flow --d 3 --truncation 10 --fixed-point --n-components 3     # O(3) model
    nnqft flow --d 3 --truncation 2 --n-components N --latex           # symbolic N
    nnqft flow --d 3 --full-potential --n-components 2   # no truncation: collocation
    nnqft flow --d 3 --truncation 8 --lpa-prime --fixed-point   # LPA': eta, nu, omega
    nnqft flow --d 3 --truncation 3 --lpa-prime --latex          # LPA' beta functions and eta
"""
from __future__ import annotations

import click
import sympy as sp

from nnqft_sym.errors import ParseError
from nnqft_sym.parsing import parse_expression
from nnqft_sym.rg import (DEFAULT_EXPANSION, DEFAULT_REGULATOR, DEFAULT_SCHEME, DEFAULT_TRUNCATION,
                          REGULATORS, BetaFunctions, CriticalExponents, LpaPrimeExponents,
                          critical_exponents, full_potential_fixed_point, lpa_beta_functions,
                          lpa_prime_beta_functions, lpa_prime_exponents, polchinski_fixed_point)
from nnqft_sym.rg.anomalous_dimension import PROJECTIONS
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


def _parse_components(text: str) -> sp.Expr:
    """``--n-components``: a positive integer, ``N`` (symbolic) or ``oo`` (large-N limit)."""
    if text == "N":
        return sp.Symbol("N", positive=True)
    if text in ("oo", "inf"):
        return sp.oo
    if text.isdigit() and int(text) >= 1:
        return sp.Integer(int(text))
    raise click.BadParameter(f"--n-components must be a positive integer, 'N' (symbolic) or 'oo' "
                             f"(the large-N limit), got {text!r}")


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
@click.option("--n-components", "n_components", default="1", show_default=True,
              help="Number N of field components (O(N) model): a positive integer, 'N' for "
                   "symbolic beta functions, or 'oo' for the large-N limit.")
@click.option("--full-potential", "full_potential", is_flag=True,
              help="Wetterich only: solve the LPA fixed point without truncation (Chebyshev "
                   "collocation; 2.1 <= d < 4) and print nu, omega and the minimum.")
@click.option("--lpa-prime", "lpa_prime", is_flag=True,
              help="LPA': a wave-function renormalisation Z_k with the anomalous dimension eta "
                   "from the two-point function (Wetterich, Litim regulator); with --fixed-point "
                   "prints eta, nu, omega.")
@click.option("--projection", type=click.Choice(PROJECTIONS), default="goldstone",
              show_default=True, help="LPA': the mode whose p^2 coefficient defines Z_k.")
@click.option("--renormalisation-point", "renormalisation_point", default="minimum",
              show_default=True,
              help="LPA': where Z_k is defined: 'minimum' (the running minimum, expansion about "
                   "the minimum), 'zero' (zero field: eta = 0) or a dimensionless rho_r >= 0.")
def command(scheme: str, regulator: str, spacetime_dimension: str, truncation: int, expansion: str,
            dimensionful: bool, as_latex: bool, standalone: bool, fixed_point: bool,
            show_betas: bool, shooting: bool, n_components: str, full_potential: bool,
            lpa_prime: bool, projection: str, renormalisation_point: str) -> None:
    """LPA beta functions, Wilson-Fisher fixed point and critical exponents.

    Every output names the scheme, regulator, expansion and truncation it used; the defaults
    are those of nnqft_sym.rg (DEFAULT_SCHEME, DEFAULT_REGULATOR, DEFAULT_EXPANSION).
    """
    as_latex = as_latex or standalone
    d = _parse_dimension(spacetime_dimension)
    n_comp = _parse_components(n_components)
    if lpa_prime and full_potential:
        lines = _full_potential(scheme, regulator, d, n_comp, as_latex, lpa_prime=True)
    elif lpa_prime:
        lines = _lpa_prime(scheme, regulator, d, truncation, expansion, n_comp, projection,
                           _parse_point(renormalisation_point), dimensionful, fixed_point,
                           show_betas, as_latex, shooting)
    elif shooting:
        if n_comp != 1:
            raise click.UsageError("--shooting solves the one-component Polchinski LPA only "
                                   "(use --full-potential for O(N))")
        lines = _shooting(scheme, d, as_latex)
    elif full_potential:
        lines = _full_potential(scheme, regulator, d, n_comp, as_latex)
    else:
        if fixed_point and (d.free_symbols or dimensionful or n_comp.free_symbols):
            raise click.UsageError("--fixed-point needs a numeric --d, a numeric --n-components "
                                   "and dimensionless couplings")
        try:
            beta = lpa_beta_functions(d, truncation, regulator, expansion, scheme=scheme,
                                      dimensionless=not dimensionful, n_components=n_comp)
        except (TypeError, ValueError) as exc:
            raise click.UsageError(str(exc)) from None
        lines = []
        if fixed_point:
            try:
                result = critical_exponents(d, truncation, regulator, expansion, scheme=scheme,
                                            n_components=n_comp)
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


def _full_potential(scheme: str, regulator: str, d: sp.Expr, n_comp: sp.Expr,
                    as_latex: bool, lpa_prime: bool = False) -> list[str]:
    if scheme != "wetterich" or d.free_symbols or n_comp.free_symbols:
        raise click.UsageError("--full-potential needs --scheme wetterich, a numeric --d and a "
                               "numeric --n-components")
    try:
        fp = full_potential_fixed_point(d, n_components=n_comp, regulator=regulator,
                                        lpa_prime=lpa_prime)
    except (RuntimeError, ValueError) as exc:
        raise click.ClickException(f"full-potential solve failed: {exc}") from None
    head = f"Wilson-Fisher fixed point: {fp.setting}, d = {fp.d:g}"
    if lpa_prime:
        if not as_latex:
            head += f"\neta = {fp.eta:.10f}"
    if as_latex:
        eta = rf"\eta = {fp.eta:.10f}, \qquad " if lpa_prime else ""
        return [tex.comment(head),
                tex.display(eta + rf"\nu = {fp.nu:.10f} \pm {fp.nu_error:.1e}, \qquad "
                            rf"\omega = {fp.omega:.10f} \pm {fp.omega_error:.1e}, \qquad "
                            rf"\kappa^* = {fp.minimum:.12g}")]
    return [f"# {head}", f"nu = {fp.nu:.10f} +- {fp.nu_error:.1e}",
            f"omega = {fp.omega:.10f} +- {fp.omega_error:.1e}",
            f"kappa* = {fp.minimum:.12g}",
            "eigenvalues = " + ", ".join(f"{e:.10g}" for e in fp.eigenvalues)]


def _parse_point(text: str) -> object:
    """``--renormalisation-point``: 'minimum', 'zero' or a non-negative decimal number."""
    if text in ("minimum", "zero"):
        return text
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not value >= 0.0:
        raise click.BadParameter(f"--renormalisation-point must be 'minimum', 'zero' or a number "
                                 f">= 0, got {text!r}")
    return value


def _lpa_prime(scheme: str, regulator: str, d: sp.Expr, truncation: int, expansion: str,
               n_comp: sp.Expr, projection: str, point: object, dimensionful: bool,
               fixed_point: bool, show_betas: bool, as_latex: bool,
               untruncated: bool) -> list[str]:
    if scheme != "wetterich" or dimensionful or untruncated:
        raise click.UsageError("--lpa-prime needs --scheme wetterich, dimensionless couplings and "
                               "a polynomial truncation or --full-potential (not --shooting)")
    if fixed_point and (d.free_symbols or n_comp.free_symbols):
        raise click.UsageError("--fixed-point needs a numeric --d and a numeric --n-components")
    options = {"n_components": n_comp, "projection": projection, "renormalisation_point": point}
    try:
        beta = lpa_prime_beta_functions(d, truncation, regulator, expansion, **options)
        lines = []
        if fixed_point:
            lines += _lpa_prime_fixed_point(lpa_prime_exponents(d, truncation, regulator,
                                                                expansion, **options), as_latex)
    except (TypeError, ValueError) as exc:
        raise click.UsageError(str(exc)) from None
    except RuntimeError as exc:
        raise click.ClickException(f"no LPA' Wilson-Fisher fixed point: {exc}") from None
    if show_betas or not fixed_point:
        lines += _betas(beta, as_latex)
        if not as_latex:
            lines.append(f"eta = {beta.eta}")
    return lines


def _lpa_prime_fixed_point(result: LpaPrimeExponents, as_latex: bool) -> list[str]:
    head = (f"Wilson-Fisher fixed point: {result.setting}, d = {result.d}, "
            f"truncation {result.truncation}")
    if as_latex:
        table = "\n".join([r"\begin{center}", r"\begin{tabular}{rrrr}",
                           r"$N$ & $\eta$ & $\nu$ & $\omega$ \\ \hline"]
                          + [rf"{n} & {eta:.8f} & {nu:.8f} & {omega:.8f} \\"
                             for n, eta, nu, omega in result.sequence]
                          + [r"\end{tabular}", r"\end{center}"])
        return [tex.comment(head),
                tex.display(rf"\eta = {result.eta:.8f}, \qquad \nu = {result.nu:.8f}, \qquad "
                            rf"\omega = {result.omega:.8f}"), table]
    return ([f"# {head}", f"eta = {result.eta:.8f}", f"nu = {result.nu:.8f}",
             f"omega = {result.omega:.8f}"]
            + [f"{g}* = {value:.12g}" for g, value in result.couplings.items()]
            + ["# truncation N: eta, nu, omega"]
            + [f"N = {n:2d}: eta = {eta:.8f}, nu = {nu:.8f}, omega = {omega:.8f}"
               for n, eta, nu, omega in result.sequence])
