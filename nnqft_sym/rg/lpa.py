r"""Beta functions of the local potential approximation (LPA): Wetterich and Polchinski.

Wetterich (effective average action), derived in :mod:`nnqft_sym.rg.regulators`:

.. math::

    \partial_t U_k(\rho) = k^d\, \ell\!\left(\frac{m^2 + U_k' + 2\rho U_k''}{Z k^2}\right)
    \quad\text{(dimensionful)}, \qquad
    \partial_t u = -d\, u + (d-2)\, \tilde\rho\, u' + \ell(u' + 2\tilde\rho u'')
    \quad\text{(dimensionless)},

with :math:`t = \ln k`, :math:`u = k^{-d} U`, :math:`\tilde\rho = k^{2-d}\rho` (no anomalous
dimension in the LPA).  For :math:`N` field components (O(N) symmetry, ``n_components``) the
Goldstone modes add :math:`(N-1)\,\ell(u')`; with Litim's regulator, :math:`\ell(w) = c_d/(1+w)`,

.. math::

    \partial_t u = -d\, u + (d-2)\, \tilde\rho\, u'
    + c_d\left[\frac{N-1}{1+u'} + \frac{1}{1+u'+2\tilde\rho u''}\right],
    \qquad c_d = \frac{1}{(4\pi)^{d/2}\Gamma(d/2+1)},

and ``n_components=sympy.oo`` gives the large-N limit (:math:`\rho \to N\rho`,
:math:`U \to N U`): :math:`\partial_t u = -d u + (d-2)\tilde\rho u' + \ell(u')`.  Polchinski (Wilsonian interaction potential :math:`V`, UV-cutoff
propagator :math:`C_k`):
integrating out the modes between :math:`k` and :math:`k + dk` gives
:math:`e^{-S_k} = e^{-\frac12 \delta\cdot(C_{\Lambda} - C_k)\cdot\delta}\, e^{-S_\Lambda}`, hence
:math:`\partial_t S = \tfrac12 \partial_t C\,(S' S' - S'')`.  In the LPA, in units where the two
positive constants :math:`\tfrac12\int_p \partial_t C_k` and :math:`\tfrac12\partial_t C_k(0)` are
scaled to one (they drop out of all exponents):

.. math::

    \partial_t V = -k^{d-2}\, V''(\phi) + k^{-2}\, V'(\phi)^2, \qquad
    \partial_t v = -d\, v + \tfrac{d-2}{2}\tilde\phi\, v' - v'' + v'^2 .

For :math:`N` components, in :math:`\rho`: :math:`V'' \to \nabla^2 V = N V' + 2\rho V''` and
:math:`V'^2 \to (\nabla V)^2 = 2\rho V'^2` (large N: :math:`\nabla^2 V \to V'`).

The right-hand sides are differentiated :math:`n` times with respect to :math:`\rho` at the
expansion point by Faa di Bruno's formula (incomplete Bell polynomials) and by truncated
polynomial arithmetic, never by series expansion of the full expression, so the flow up to
:math:`\phi^{24}` takes well under a second.  About the running minimum :math:`\kappa`
(:math:`u'(\kappa) = 0` at all scales), :math:`\partial_t\kappa = -\partial_\rho
(\partial_t u)|_\kappa / \lambda_2` and :math:`\beta_n = \partial^n_\rho(\partial_t u)|_\kappa
+ \lambda_{n+1}\partial_t\kappa`.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import sympy as sp
from sympy.printing.numpy import NumPyPrinter

from .action import LARGE_N, TruncatedAction
from .defaults import DEFAULT_EXPANSION, DEFAULT_REGULATOR, DEFAULT_SCHEME
from .regulators import K_SCALE, Regulator, get_regulator

__all__ = ["BetaFunctions", "describe_setting", "lpa_beta_functions", "wetterich_lpa", "polchinski_lpa"]

SCHEMES = ("wetterich", "polchinski")


def describe_setting(scheme: str, regulator: str | None, expansion: str,
                     n_components: Any = 1) -> str:
    """The LPA setting in words, as every printed result states it.

    Examples
    --------
    >>> from nnqft_sym.rg.lpa import describe_setting
    >>> describe_setting("wetterich", "litim", "minimum")
    'Wetterich LPA, litim regulator, expansion about the minimum'
    >>> describe_setting("polchinski", None, "zero")
    'Polchinski LPA (no regulator), expansion about zero'
    >>> describe_setting("wetterich", "litim", "minimum", 3)
    'Wetterich LPA of the O(3) model, litim regulator, expansion about the minimum'
    """
    reg = f"{regulator} regulator" if regulator else None
    model = "" if n_components == 1 else (" of the O(N) model at large N" if n_components is LARGE_N
                                          else f" of the O({n_components}) model")
    head = f"{scheme.capitalize()} LPA{model}" + (f", {reg}" if reg else " (no regulator)")
    where = "the minimum" if expansion == "minimum" else "zero"
    return f"{head}, expansion about {where}"


@dataclass(frozen=True)
class BetaFunctions:
    r"""Beta functions :math:`\beta_g = \partial_t g` (:math:`t = \ln k`) of a truncated action.

    Attributes
    ----------
    action : TruncatedAction
        The truncation (dimension, order, expansion point, couplings).
    beta : dict
        Coupling symbol -> SymPy expression of :math:`\partial_t g`, in the order of
        ``action.couplings``.
    scheme : str
        ``"wetterich"`` or ``"polchinski"``.
    regulator : Regulator or None
        The Wetterich regulator (``None`` for Polchinski).
    dimensionless : bool
        True for the dimensionless (scaling) couplings, False for dimensionful ones (then the
        expressions contain the scale :data:`K_SCALE`).
    eta : sympy.Expr or None
        LPA' only (:func:`~nnqft_sym.rg.lpa_prime_beta_functions`): the anomalous dimension
        :math:`\eta = -\partial_t \ln Z_k` as an expression of the couplings (already
        substituted into :attr:`beta`); ``None`` in the LPA.
    """

    action: TruncatedAction
    beta: dict[sp.Symbol, sp.Expr]
    scheme: str
    regulator: Regulator | None
    dimensionless: bool = True
    eta: sp.Expr | None = None
    _cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def couplings(self) -> tuple[sp.Symbol, ...]:
        """The couplings in a fixed order (keys of :attr:`beta`)."""
        return tuple(self.beta)

    @property
    def d(self) -> sp.Expr:
        """The dimension."""
        return self.action.d

    def __getitem__(self, coupling: sp.Symbol) -> sp.Expr:
        return self.beta[coupling]

    def __len__(self) -> int:
        return len(self.beta)

    def subs(self, *args: Any, **kwargs: Any) -> dict[sp.Symbol, sp.Expr]:
        """The beta functions with a substitution applied (e.g. ``{d: 3}``)."""
        return {g: b.subs(*args, **kwargs) for g, b in self.beta.items()}

    def field_betas(self) -> dict[int, sp.Expr]:
        r"""Flows of the field couplings :math:`u_{2n}` at :math:`\phi = 0`, for either expansion.

        :math:`u_{2n}` is the coefficient of :math:`\phi^{2n}/(2n)!` in the truncated potential,
        :math:`u_{2n} = (2n-1)!!\, U^{(n)}(0)` with
        :math:`U^{(m)}(0) = \sum_{n \ge m} \lambda_n (-\rho_0)^{n-m}/(n-m)!`
        (:math:`\rho_0 = 0` or the running minimum :math:`\kappa`), so
        :math:`\partial_t U^{(m)}(0) = \sum_{n \ge m} [\beta_n (-\rho_0)^{n-m}/(n-m)!
        - \lambda_n (-\rho_0)^{n-m-1}/(n-m-1)!\; \partial_t\rho_0]`.  About zero this is
        :math:`(2n-1)!!\,\beta_{\lambda_n}`; the result is expressed through the running
        couplings.

        Returns
        -------
        dict
            ``2n`` -> :math:`\partial_t u_{2n}`, n = 1..N.

        Examples
        --------
        >>> from nnqft_sym.rg import lpa_beta_functions
        >>> zero = lpa_beta_functions(3, 2, "litim", "zero").field_betas()
        >>> sorted(zero)
        [2, 4]
        >>> about_min = lpa_beta_functions(3, 2, "litim", "minimum").field_betas()
        >>> sorted(about_min)
        [2, 4]
        """
        action, n_max = self.action, self.action.truncation
        lam, rho0 = action.lambdas, action.expansion_point
        beta_lam = {n: self.beta.get(lam[n], sp.Integer(0)) for n in range(1, n_max + 1)}
        beta_rho0 = self.beta[action.kappa] if action.kappa is not None else sp.Integer(0)
        out = {}
        for m in range(1, n_max + 1):
            flow = sp.Add(*[beta_lam[n] * (-rho0) ** (n - m) / sp.factorial(n - m)
                            for n in range(m, n_max + 1)])
            flow -= beta_rho0 * sp.Add(*[lam[n] * (-rho0) ** (n - m - 1) / sp.factorial(n - m - 1)
                                         for n in range(m + 1, n_max + 1)])
            out[2 * m] = sp.factorial2(2 * m - 1) * flow
        return out

    def latex(self) -> str:
        r"""The beta functions as a LaTeX ``aligned`` block (:math:`\partial_t g = \dots`)."""
        rows = [r"\partial_t %s &= %s" % (sp.latex(g), sp.latex(b)) for g, b in self.beta.items()]
        if self.eta is not None:
            rows.append(r"\eta &= %s" % sp.latex(self.eta))
        return "\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}"

    def _latex(self, printer: Any) -> str:
        return self.latex()

    def numeric(self, **values: Any) -> tuple[Callable[[np.ndarray], np.ndarray],
                                               Callable[[np.ndarray], np.ndarray]]:
        """NumPy callables ``(beta(x), jacobian(x))`` of the coupling vector ``x``.

        The Jacobian is the complex-step derivative of the lambdified beta functions (exact to
        rounding, no symbolic differentiation of large expressions), or the lambdified
        symbolic Jacobian when threshold functions are evaluated by quadrature.

        ``values`` substitutes the remaining parameters by name (e.g. ``k=1.0`` for the
        dimensionful flow).

        Raises
        ------
        ValueError
            If symbols other than the couplings remain (e.g. a symbolic dimension).
        """
        key = "numeric" + repr(sorted(values.items()))
        if key not in self._cache:
            self._cache[key] = self._lambdify(values)
        return self._cache[key]

    def _lambdify(self, values: dict[str, Any]) -> tuple[Callable[[np.ndarray], np.ndarray],
                                                         Callable[[np.ndarray], np.ndarray]]:
        exprs = [b.subs({s: v for s in b.free_symbols for n, v in values.items() if s.name == n})
                 for b in self.beta.values()]
        extra = set().union(*(e.free_symbols for e in exprs)) - set(self.couplings)
        if extra:
            raise ValueError(f"beta functions still depend on {sorted(map(str, extra))}: "
                             "give numeric values (e.g. a numeric d) first")
        vec = sp.lambdify([self.couplings], exprs, modules=["numpy"], printer=_numpy_printer())
        quadrature = any(hasattr(f.func, "_imp_") for e in exprs
                         for f in e.atoms(sp.Function))
        if quadrature:  # threshold functions by quadrature: exact symbolic Jacobian
            jac_sym = sp.lambdify([self.couplings],
                                  sp.Matrix(exprs).jacobian(self.couplings).tolist(),
                                  modules=["numpy"], printer=_numpy_printer())

            def jac(x: np.ndarray) -> np.ndarray:
                return np.asarray(jac_sym(np.asarray(x, float)), dtype=float)
        else:  # rational/elementary: complex-step derivative, exact to rounding, no diff
            def jac(x: np.ndarray) -> np.ndarray:
                # all columns in one vectorised call: coupling k holds x_k + i h_k delta_kj
                x = np.asarray(x, float)
                step = 1e-30 * np.maximum(1.0, np.abs(x))
                values = vec(x[:, None] + 1j * np.diag(step))
                return np.array([np.broadcast_to(np.imag(np.asarray(v, dtype=complex)), x.shape)
                                 for v in values]) / step[None, :]
        return (lambda x: np.asarray(vec(np.asarray(x, float)), dtype=float), jac)

    @property
    def setting(self) -> str:
        """The scheme, regulator and expansion in words, e.g. ``"Wetterich LPA, litim regulator,
        expansion about the minimum"``."""
        text = describe_setting(self.scheme, self.regulator.name if self.regulator else None,
                                self.action.expansion, self.action.n_components)
        return text.replace(" LPA", " LPA'", 1) if self.eta is not None else text

    def __repr__(self) -> str:
        reg = self.regulator.name if self.regulator else "none"
        return (f"BetaFunctions(scheme={self.scheme}, regulator={reg}, d={self.d}, "
                f"truncation={self.action.truncation}, expansion={self.action.expansion}, "
                f"dimensionless={self.dimensionless})")

    def __str__(self) -> str:
        couplings = "dimensionless" if self.dimensionless else "dimensionful"
        return (f"{self.setting}, d = {self.d}, truncation {self.action.truncation} "
                f"(phi^{2 * self.action.truncation}), {couplings} couplings")


def _numpy_printer() -> NumPyPrinter:
    """The printer ``sympy.lambdify`` uses for ``modules=["numpy"]``, without sorting the terms
    of every sum (``order="none"``): printing is the cost of lambdifying large beta functions,
    and sorting was 60 % of it at truncation 20 (the same function up to rounding)."""
    return NumPyPrinter({"fully_qualified_modules": False, "inline": True,
                         "allow_unknown_functions": True, "user_functions": {}, "order": "none"})


# ---------------------------------------------------------------------- composite derivatives
@functools.lru_cache(maxsize=None)
def _bell_table(order: int) -> dict[tuple[int, int], tuple[tuple[tuple[int, ...], int], ...]]:
    r"""Incomplete Bell polynomials :math:`B_{n,j}(a_1, \dots, a_{n-j+1})`, 1 <= j <= n <= order,
    as their terms ``(exponents of a_1..a_order, integer coefficient)``.

    By the memoised recurrence :math:`B_{n,j} = \sum_{i=1}^{n-j+1} \binom{n-1}{i-1}\, a_i\,
    B_{n-i,j-1}` (:math:`B_{0,0} = 1`, :math:`B_{n,0} = 0` for n >= 1) in SymPy's sparse
    polynomial ring over the integers: the same polynomials as ``sympy.bell(n, j, a)``
    (tested), without building SymPy expressions of the abstract :math:`a_i` (which took 93 %
    of the derivation time at :math:`\phi^{32}`).
    """
    ring, *gens = sp.polys.rings.ring([f"a{i}" for i in range(1, order + 1)], sp.ZZ)
    table = {(0, 0): ring.one}
    for n in range(1, order + 1):
        for j in range(1, n + 1):
            table[(n, j)] = sum((math.comb(n - 1, i - 1) * gens[i - 1] * table[(n - i, j - 1)]
                                 for i in range(1, n - j + 2) if (n - i, j - 1) in table),
                                ring.zero)
    return {key: tuple((exps, int(coeff)) for exps, coeff in poly.terms())
            for key, poly in table.items() if key[1] >= 1}


def composite_derivatives(outer: Callable[[int], sp.Expr], inner: list[sp.Expr],
                          order: int) -> list[sp.Expr]:
    r"""Derivatives :math:`\partial^n_x F(w(x))|_{x_0}`, n = 0..``order``, by Faa di Bruno.

    :math:`\partial^n_x F(w) = \sum_{j=1}^n F^{(j)}(w)\, B_{n,j}(w', w'', \dots)` with the
    incomplete Bell polynomials :math:`B_{n,j}` from a memoised recurrence; each term is built
    once from the Taylor data (no substitution into abstract polynomials).

    Parameters
    ----------
    outer : callable
        ``outer(j)`` returns :math:`F^{(j)}(w(x_0))`.
    inner : list
        :math:`w^{(m)}(x_0)`, m = 0..``order`` (shorter lists are padded with zeros).

    Examples
    --------
    >>> import sympy as sp
    >>> from nnqft_sym.rg.lpa import composite_derivatives
    >>> x = sp.Symbol("x")
    >>> w = [sp.diff(sp.sin(x), x, m).subs(x, 0) for m in range(4)]
    >>> composite_derivatives(lambda j: 1, w, 3)  # derivatives of exp(sin x) at 0
    [1, 1, 1, 0]
    """
    w = [sp.sympify(v) for v in inner] + [sp.Integer(0)] * (order + 1 - len(inner))
    derivatives = w[1:order + 1]
    table = _bell_table(order)

    def bell(n: int, j: int) -> sp.Expr:
        terms = []
        for exps, coeff in table[(n, j)]:
            if any(e and derivatives[i] == 0 for i, e in enumerate(exps)):
                continue
            terms.append(sp.Mul(coeff, *[derivatives[i] ** e for i, e in enumerate(exps) if e]))
        return sp.Add(*terms)

    out = [outer(0)]
    for n in range(1, order + 1):
        out.append(sp.Add(*[outer(j) * bell(n, j) for j in range(1, n + 1)]))
    return out


def _assemble(action: TruncatedAction, loop: list[sp.Expr], dimensionless: bool,
              scheme: str, regulator: Regulator | None, eta: sp.Expr | None = None,
              loop_factor: Any = 1) -> BetaFunctions:
    r"""Add the canonical scaling terms and the running of the minimum to the loop terms.

    With an anomalous dimension ``eta`` (LPA', :mod:`.anomalous_dimension`) the field scales
    with :math:`d - 2 + \eta` and the loop terms carry ``loop_factor``."""
    d, lam, rho0 = action.d, action.lambdas, action.expansion_point
    total = [term * loop_factor for term in loop] if eta is not None else list(loop)
    if dimensionless:
        shift = sp.Integer(0) if eta is None else eta
        for n in range(1, action.truncation + 1):  # coefficients expanded: -2, not (2-eps)-(4-eps)
            total[n] = (total[n] + (sp.expand(n * (d - 2) - d) + n * shift) * lam[n]
                        + (sp.expand(d - 2) + shift) * rho0 * lam[n + 1])
    beta: dict[sp.Symbol, sp.Expr] = {}
    if action.expansion == "minimum":
        beta_kappa = sp.Add(*[-term / lam[2] for term in sp.Add.make_args(total[1])])
        beta[action.kappa] = beta_kappa
        for n in range(2, action.truncation + 1):
            beta[lam[n]] = total[n] + lam[n + 1] * beta_kappa
    else:
        for n in range(1, action.truncation + 1):
            beta[lam[n]] = total[n]
    return BetaFunctions(action, beta, scheme, regulator, dimensionless, eta)


# ---------------------------------------------------------------------- the two schemes
def wetterich_lpa(action: TruncatedAction, regulator: Any = "litim",
                  dimensionless: bool = True) -> BetaFunctions:
    r"""LPA beta functions of the Wetterich equation for a truncated action.

    Parameters
    ----------
    action : TruncatedAction
        Kinetic term :math:`Z p^2 + m^2` (the dimensionless flow needs :math:`p^2`).
    regulator : {"litim", "exponential"} or Regulator
        The regulator :math:`R_k = Z k^2 r(p^2/k^2)`.
    dimensionless : bool
        Dimensionless scaling couplings (default) or dimensionful ones (contain ``k``).

    Examples
    --------
    >>> import sympy as sp
    >>> from nnqft_sym.rg import TruncatedAction, wetterich_lpa
    >>> beta = wetterich_lpa(TruncatedAction(4, 2), "litim", dimensionless=False)
    >>> l1, l2 = sp.symbols("lambda_1 lambda_2", real=True)
    >>> k = sp.Symbol("k", positive=True)
    >>> sp.simplify(beta[l1] + 3 * l2 * k**6 / (32 * sp.pi**2 * (k**2 + l1)**2))
    0
    """
    reg = get_regulator(regulator)
    return _assemble(action, _wetterich_loop(action, reg, dimensionless), dimensionless,
                     "wetterich", reg)


def _wetterich_loop(action: TruncatedAction, reg: Regulator, dimensionless: bool = True
                   ) -> list[sp.Expr]:
    r"""The loop terms :math:`\partial^n_\rho` of the Wetterich LPA flow at the expansion point,
    n = 0..N (radial and Goldstone modes), before canonical scaling (shared by the LPA and LPA')."""
    z, m2 = action.kinetic_coefficients()
    if dimensionless and (z != 1 or m2 != 0):
        raise ValueError("the dimensionless LPA flow needs the kinetic term p^2 (put a mass into "
                         f"lambda_1); got Z = {z}, m^2 = {m2}")
    curv = action.curvature_derivatives()
    n = action.truncation
    if dimensionless:
        inner, prefactor = curv, sp.Integer(1)
    else:
        inner = [(curv[0] + m2) / (z * K_SCALE ** 2)] + [c / (z * K_SCALE ** 2) for c in curv[1:]]
        prefactor = K_SCALE ** action.d
    goldstone = action.goldstone_derivatives()
    if not dimensionless:
        goldstone = [(goldstone[0] + m2) / (z * K_SCALE ** 2)] + [g / (z * K_SCALE ** 2)
                                                                  for g in goldstone[1:]]

    def mode(taylor: list[sp.Expr]) -> list[sp.Expr]:
        w0 = taylor[0]
        return composite_derivatives(lambda j: prefactor * reg.threshold(j, action.d, w0),
                                     taylor, n)

    n_comp = action.n_components
    if n_comp is LARGE_N:  # rescaled large-N limit: the Goldstone modes only, weight one
        loop = mode(goldstone)
    elif n_comp == 1:
        loop = mode(inner)
    else:
        loop = [radial + (n_comp - 1) * gold for radial, gold in zip(mode(inner), mode(goldstone))]
    return loop


def polchinski_lpa(action: TruncatedAction, dimensionless: bool = True) -> BetaFunctions:
    r"""LPA beta functions of the Polchinski equation (normalised units, see module docstring).

    In :math:`\rho`: :math:`V'^2 - V'' = 2\rho U'^2 - U' - 2\rho U''`, a polynomial, so the
    derivatives at the expansion point follow from truncated polynomial arithmetic.

    Examples
    --------
    >>> import sympy as sp
    >>> from nnqft_sym.rg import TruncatedAction, polchinski_lpa
    >>> beta = polchinski_lpa(TruncatedAction(3, 2))
    >>> l1, l2 = sp.symbols("lambda_1 lambda_2", real=True)
    >>> sp.expand(beta[l1])
    2*lambda_1**2 - 2*lambda_1 - 3*lambda_2
    """
    n = action.truncation
    lam, rho0 = action.lambdas, action.expansion_point
    du = [lam[m + 1] for m in range(n + 1)]  # U^{(m+1)}(rho0), m = 0..n
    # Taylor coefficients (normalised, c_m = f^{(m)}/m!) in x of U', U''
    up = [du[m] / sp.factorial(m) for m in range(n + 1)]
    upp = [du[m + 1] / sp.factorial(m) if m + 1 <= n else sp.Integer(0) for m in range(n + 1)]
    up_sq = [sp.Add(*[up[i] * up[m - i] for i in range(m + 1)]) for m in range(n + 1)]
    def times_rho(c: list[sp.Expr]) -> list[sp.Expr]:  # rho = rho0 + x
        return [rho0 * c[m] + (c[m - 1] if m else 0) for m in range(n + 1)]

    rho_upp, rho_up_sq = times_rho(upp), times_rho(up_sq)
    if dimensionless:
        a_coef, b_coef = sp.Integer(1), sp.Integer(1)
    else:
        a_coef, b_coef = K_SCALE ** (action.d - 2), K_SCALE ** (-2)
    n_comp = action.n_components
    if n_comp is LARGE_N:  # rescaled large-N limit: Laplacian N U' only (weight one)
        coeffs = [2 * b_coef * rho_up_sq[m] - a_coef * up[m] for m in range(n + 1)]
    else:  # Laplacian of U(phi.phi/2): N U' + 2 rho U''; (grad U)^2 = 2 rho U'^2
        coeffs = [2 * b_coef * rho_up_sq[m] - a_coef * (n_comp * up[m] + 2 * rho_upp[m])
                  for m in range(n + 1)]
    loop = [sp.expand(sp.factorial(m) * coeffs[m]) for m in range(n + 1)]
    return _assemble(action, loop, dimensionless, "polchinski", None)


def lpa_beta_functions(d: Any, truncation: int, regulator: Any = DEFAULT_REGULATOR,
                       expansion: str = DEFAULT_EXPANSION, *, scheme: str = DEFAULT_SCHEME,
                       dimensionless: bool = True, n_components: Any = 1) -> BetaFunctions:
    r"""LPA beta functions for an O(N) scalar (default :math:`Z_2`) with potential up to
    :math:`\rho^N`.

    Parameters
    ----------
    d : number or sympy expression
        Dimension (may be symbolic, e.g. ``4 - eps``).
    truncation : int
        Highest power :math:`N` of :math:`\rho = \phi^2/2` kept (:math:`\phi^{2N}`).
    regulator : {"litim", "exponential"} or Regulator
        Wetterich regulator (ignored for ``scheme="polchinski"``); default
        :data:`~nnqft_sym.rg.DEFAULT_REGULATOR`.
    expansion : {"minimum", "zero"}
        Expand the potential about the running minimum (couplings
        :math:`\kappa, \lambda_2..\lambda_N`) or about :math:`\rho = 0` (couplings
        :math:`\lambda_1..\lambda_N`); default :data:`~nnqft_sym.rg.DEFAULT_EXPANSION`, the same
        as :func:`~nnqft_sym.rg.critical_exponents`.
    scheme : {"wetterich", "polchinski"}
        Default :data:`~nnqft_sym.rg.DEFAULT_SCHEME`.
    dimensionless : bool
        Dimensionless couplings (default) or dimensionful ones (expressions contain ``k``).
    n_components : int >= 1, sympy.oo or sympy expression
        Number of field components (O(N) symmetry, :math:`\rho = \phi_a\phi_a/2`); default 1
        (the :math:`Z_2` scalar, unchanged); a symbol for symbolic N; ``sympy.oo`` for the
        rescaled large-N limit (module docstring).

    Returns
    -------
    BetaFunctions
        Coupling symbol -> :math:`\partial_t g`; ``.latex()`` prints them.

    Raises
    ------
    ValueError, TypeError
        For an unknown scheme, regulator or expansion, or a truncation out of range
        (>= 1 about zero, >= 2 about the minimum).

    Examples
    --------
    >>> import sympy as sp
    >>> from nnqft_sym.rg import lpa_beta_functions
    >>> beta = lpa_beta_functions(3, 2, "litim", "zero")
    >>> l1, l2 = sp.symbols("lambda_1 lambda_2", real=True)
    >>> sp.simplify(beta[l1] - (-2*l1 - 3*l2 / (6 * sp.pi**2 * (1 + l1)**2)))
    0
    >>> n = sp.Symbol("N", positive=True)
    >>> on = lpa_beta_functions(3, 2, "litim", "zero", n_components=n)
    >>> sp.simplify(on[l1] - (-2*l1 - (n + 2) * l2 / (6 * sp.pi**2 * (1 + l1)**2)))
    0
    """
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {SCHEMES}, got {scheme!r}")
    action = TruncatedAction(d, truncation, expansion, n_components=n_components)
    if scheme == "polchinski":
        return polchinski_lpa(action, dimensionless)
    return wetterich_lpa(action, regulator, dimensionless)
