r"""Infrared regulators of the Wetterich equation and the LPA threshold functions they define.

A regulator for a kinetic term :math:`p^2` is written :math:`R_k(p) = k^2\, r(y)`,
:math:`y = p^2/k^2`.  In the local potential approximation (LPA) the Wetterich equation
:math:`\partial_t \Gamma_k = \tfrac12 \mathrm{Tr}\, \partial_t R_k\, (\Gamma_k^{(2)} + R_k)^{-1}`
(:math:`t = \ln k`) becomes, for a constant field,

.. math::

    \partial_t U_k = k^d\, \ell(w), \qquad w = U_k''(\phi)/k^2, \qquad
    \ell(w) = v_d \int_0^{\infty} dy\, y^{d/2-1}\,
              \frac{r(y) - y\, r'(y)}{y + r(y) + w},

where :math:`v_d = S_d / (2 (2\pi)^d) = 1/((4\pi)^{d/2}\Gamma(d/2))` comes from
:math:`\int d^dp/(2\pi)^d = v_d \int dp^2 (p^2)^{d/2-1}` and
:math:`\partial_t R_k = 2 k^2 (r - y r')`.  Its derivatives are the threshold functions

.. math::

    \ell^{(j)}(w) = (-1)^j\, j!\; v_d \int_0^{y_{max}} dy\, y^{d/2-1}\,
                    \frac{r - y r'}{(y + r + w)^{j+1}}.

They are derived here from :math:`r(y)`: in closed form when :math:`y + r` and
:math:`r - y r'` are constant on the support (Litim's regulator, where
:math:`\ell(w) = c_d / (1 + w)`, :math:`c_d = 1/((4\pi)^{d/2}\Gamma(d/2+1))`), and otherwise as
SymPy functions that evaluate by quadrature (composite Gauss-Legendre, SciPy ``quad`` for slow
tails) once ``d`` and ``w`` are numbers.

References
----------
D. F. Litim, Phys. Rev. D 64 (2001) 105007 (optimised regulator);
C. Wetterich, Phys. Lett. B 301 (1993) 90.
"""
from __future__ import annotations

import functools
import math
import numbers
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import sympy as sp
from scipy import integrate

from ..parsing import to_sympy

__all__ = [
    "REGULATORS",
    "Y",
    "Regulator",
    "litim_regulator",
    "exponential_regulator",
    "custom_regulator",
    "get_regulator",
    "loop_measure",
]

#: dimensionless squared momentum y = p^2 / k^2
Y = sp.Symbol("y", positive=True)
#: the Gauss-Legendre part of the threshold quadrature covers y <= 64
_GAUSS_Y_MAX = 64.0
#: the RG scale k and the squared momentum p^2 used in user-given regulators
K_SCALE = sp.Symbol("k", positive=True)
P2 = sp.Symbol("p2", nonnegative=True)


def loop_measure(d: Any) -> sp.Expr:
    r"""The loop measure :math:`v_d = 1/((4\pi)^{d/2}\Gamma(d/2))`.

    :math:`\int \frac{d^dp}{(2\pi)^d} f(p^2) = v_d \int_0^\infty dp^2\, (p^2)^{d/2-1} f`.

    Derived from the area of the unit sphere :math:`S_d = 2\pi^{d/2}/\Gamma(d/2)` and
    :math:`p^{d-1} dp = \tfrac12 (p^2)^{d/2-1} dp^2`.

    Examples
    --------
    >>> from nnqft_sym.rg import loop_measure
    >>> import sympy as sp
    >>> sp.simplify(loop_measure(4) - 1 / (16 * sp.pi**2))
    0
    """
    d = to_sympy(d, "d")
    sphere = 2 * sp.pi ** (d / 2) / sp.gamma(d / 2)
    return sp.simplify(sphere / (2 * (2 * sp.pi) ** d))


@dataclass(frozen=True)
class Regulator:
    r"""A regulator :math:`R_k(p) = k^2 r(p^2/k^2)` for the kinetic term :math:`p^2`.

    Attributes
    ----------
    name : str
        Short name (``"litim"``, ``"exponential"`` or user-given).
    shape : sympy.Expr
        :math:`r(y)` as an expression of :data:`Y` on ``0 <= y < support``; zero beyond.
    support : sympy.Expr
        Upper end of the support of :math:`r` (``1`` for Litim, ``oo`` for smooth regulators).
    """

    name: str
    shape: sp.Expr
    support: sp.Expr = sp.oo

    @functools.cached_property
    def propagator_denominator(self) -> sp.Expr:
        """:math:`P(y) = y + r(y)`: the regularised kinetic term in units of k^2."""
        return sp.simplify(Y + self.shape)

    @functools.cached_property
    def scale_derivative(self) -> sp.Expr:
        r""":math:`Q(y) = r - y r'`, so that :math:`\partial_t R_k = 2 k^2 Q(y)`."""
        return sp.simplify(self.shape - Y * sp.diff(self.shape, Y))

    @property
    def is_closed_form(self) -> bool:
        """True when the threshold integrals are done exactly (P and Q constant on the support)."""
        return not (self.propagator_denominator.has(Y) or self.scale_derivative.has(Y))

    def expression(self, p2: sp.Expr = P2, k: sp.Expr = K_SCALE) -> sp.Expr:
        """:math:`R_k(p)` as a SymPy expression of ``p2`` (= p^2) and ``k``."""
        inside = k ** 2 * self.shape.subs(Y, p2 / k ** 2)
        if self.support is sp.oo:
            return inside
        return inside * sp.Heaviside(self.support * k ** 2 - p2)

    def threshold(self, order: int, d: Any, w: Any) -> sp.Expr:
        r"""The threshold function :math:`\ell^{(j)}(w)` (j = ``order``) in dimension ``d``.

        Closed form for closed-form regulators (any symbolic ``d``); otherwise an unevaluated
        SymPy function ``ell_j`` that evaluates numerically (``evalf``/``lambdify``) when
        ``d`` is a number.

        Examples
        --------
        >>> import sympy as sp
        >>> from nnqft_sym.rg import litim_regulator
        >>> w, d = sp.symbols("w d", positive=True)
        >>> sp.simplify(litim_regulator().threshold(0, d, w) * (1 + w) * sp.gamma(d/2 + 1)
        ...             * (4*sp.pi)**(d/2))
        1
        """
        if isinstance(order, bool) or not isinstance(order, numbers.Integral) or order < 0:
            raise ValueError(f"order must be an integer >= 0, got {order!r}")
        d = to_sympy(d, "d")
        if self.is_closed_form:
            return _closed_threshold(self, d)(order, w)
        return _threshold_function(self, order, d)(w)

    def threshold_numeric(self, order: int, d: float, w: float) -> float:
        r""":math:`\ell^{(j)}(w)` by quadrature (any regulator, numeric ``d``, ``w``).

        With :math:`y = s^2` the integrand :math:`2 s^{d-1} Q(s^2)/(P(s^2) + w)^{j+1}` is smooth;
        a composite Gauss-Legendre rule (16 panels of 24 nodes) covers
        :math:`y \le \min(\mathrm{support}, 64)` in a few microseconds, and for a slowly
        decaying regulator SciPy's adaptive ``quad`` adds the tail :math:`y > 64`.
        ``nan`` where :math:`P(y) + w` has a zero (no threshold function beyond the pole).

        Examples
        --------
        >>> from nnqft_sym.rg import exponential_regulator
        >>> import math
        >>> # d = 4, j = 2, w = 0 is regulator independent: 1/(16 pi^2)
        >>> round(exponential_regulator().threshold_numeric(2, 4.0, 0.0) * 16 * math.pi**2, 10)
        1.0
        """
        if not np.isfinite(w) or w <= -self._minimum_denominator:
            return float("nan")
        s, weights, p_vals, q_vals = self._gauss_nodes
        main = float(np.sum(weights * 2.0 * s ** (d - 1) * q_vals / (p_vals + w) ** (order + 1)))
        tail = 0.0
        if self.support is sp.oo:
            p_fun, q_fun = self._numeric_parts

            def integrand(y: float) -> float:
                with np.errstate(all="ignore"):
                    value = y ** (d / 2 - 1) * q_fun(y) / (np.float64(p_fun(y)) + w) ** (order + 1)
                return float(value) if np.isfinite(value) else 0.0  # overflow of exp(y): limit 0

            if abs(integrand(_GAUSS_Y_MAX)) * _GAUSS_Y_MAX > 1e-16 * abs(main):
                tail = integrate.quad(integrand, _GAUSS_Y_MAX, np.inf, epsabs=0.0,
                                      epsrel=1e-12, limit=200)[0]
        return (-1) ** order * math.factorial(order) * _measure(d) * (main + tail)

    @functools.cached_property
    def _gauss_nodes(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Composite Gauss-Legendre nodes in s = sqrt(y) and P, Q there."""
        upper = _GAUSS_Y_MAX if self.support is sp.oo else min(float(self.support), _GAUSS_Y_MAX)
        x, wts = np.polynomial.legendre.leggauss(24)
        edges = np.linspace(0.0, math.sqrt(upper), 17)
        half = np.diff(edges)[:, None] / 2
        s = (edges[:-1, None] + half * (x[None, :] + 1)).ravel()
        weights = (half * wts[None, :]).ravel()
        p_fun, q_fun = self._numeric_parts
        p_vals = np.array([p_fun(v * v) for v in s])
        q_vals = np.array([q_fun(v * v) for v in s])
        return s, weights, p_vals, q_vals

    @functools.cached_property
    def _minimum_denominator(self) -> float:
        """min over the support of P(y) = y + r(y) (on a fine grid)."""
        upper = float(self.support) if self.support is not sp.oo else 50.0
        p_fun = self._numeric_parts[0]
        return min(p_fun(y) for y in np.linspace(0.0, upper, 2001))

    @functools.cached_property
    def _numeric_parts(self) -> tuple[Callable[[float], float], Callable[[float], float]]:
        p_fun = sp.lambdify(Y, self.propagator_denominator, modules=["numpy"])
        q_fun = sp.lambdify(Y, self.scale_derivative, modules=["numpy"])
        return _guard_small_y(p_fun), _guard_small_y(q_fun)


@functools.lru_cache(maxsize=None)
def _measure(d: float) -> float:
    """v_d as a float (cached: it is needed at every threshold evaluation)."""
    return float(loop_measure(sp.Float(d)))


def _guard_small_y(func: Callable[[float], Any]) -> Callable[[float], float]:
    """Evaluate removable singularities at y -> 0 (e.g. y/(e^y - 1)) at y = 1e-8 instead, and
    let overflow at large y give the limit (0 or inf) silently."""
    def wrapped(y: float) -> float:
        with np.errstate(all="ignore"):
            return float(func(np.float64(max(y, 1e-8))))
    return wrapped


@functools.lru_cache(maxsize=None)
def _closed_threshold(regulator: Regulator, d: sp.Expr) -> Callable[[int, Any], sp.Expr]:
    """Threshold functions of a closed-form regulator in dimension ``d`` (cached per pair)."""
    # int_0^s y^(d/2-1) dy = s^(d/2) / (d/2) for d > 0 (checked by check_spacetime_dimension):
    # written out, since sympy.integrate leaves 0**(d/2) in it for a symbolic d (4 - eps)
    radial = regulator.support ** (d / 2) / (d / 2)
    base = loop_measure(d) * regulator.scale_derivative * radial
    denominator = regulator.propagator_denominator

    def ell(order: int, w: Any) -> sp.Expr:
        return (-1) ** order * sp.factorial(order) * base / (denominator + w) ** (order + 1)

    return ell


@functools.lru_cache(maxsize=None)
def _threshold_function(regulator: Regulator, order: int, d: sp.Expr) -> type:
    r"""The SymPy function class :math:`\ell^{(j)}` of a non-closed-form regulator.

    Its derivative is :math:`\ell^{(j+1)}` (so Jacobians stay exact), it prints as
    :math:`\ell^{(j)}_{d}(w)`, and for numeric ``d`` it evaluates (``evalf``, ``lambdify``)
    by quadrature.
    """
    numeric_d = None if d.free_symbols else float(d)

    def fdiff(self: sp.Function, argindex: int = 1) -> sp.Expr:
        return _threshold_function(regulator, order + 1, d)(self.args[0])

    def _eval_evalf(self: sp.Function, prec: int) -> sp.Expr | None:
        w = self.args[0]
        if numeric_d is None or not w.is_number:
            return None
        return sp.Float(regulator.threshold_numeric(order, numeric_d, float(w)), prec)

    def _latex(self: sp.Function, printer: Any) -> str:
        return r"\ell^{(%d)}_{%s}\left(%s\right)" % (order, regulator.name,
                                                    printer._print(self.args[0]))

    namespace: dict[str, Any] = {"nargs": 1, "fdiff": fdiff, "_eval_evalf": _eval_evalf,
                                 "_latex": _latex}
    if numeric_d is not None:
        namespace["_imp_"] = staticmethod(
            lambda w: regulator.threshold_numeric(order, numeric_d, float(w)))
    return type(f"ell{order}_{regulator.name}", (sp.Function,), namespace)


def litim_regulator() -> Regulator:
    r"""Litim's optimised regulator :math:`R_k = (k^2 - p^2)\,\theta(k^2 - p^2)`.

    Examples
    --------
    >>> from nnqft_sym.rg import litim_regulator
    >>> litim_regulator().is_closed_form
    True
    """
    return Regulator("litim", 1 - Y, sp.Integer(1))


def exponential_regulator() -> Regulator:
    r"""Exponential regulator :math:`R_k = p^2 / (e^{p^2/k^2} - 1)`, i.e. :math:`r = y/(e^y - 1)`.

    Examples
    --------
    >>> from nnqft_sym.rg import exponential_regulator
    >>> exponential_regulator().is_closed_form
    False
    """
    return Regulator("exponential", Y / (sp.exp(Y) - 1))


def custom_regulator(expr: Any, p2: sp.Symbol = P2, k: sp.Symbol = K_SCALE,
                     name: str = "custom", support: Any = sp.oo) -> Regulator:
    r"""A user-given regulator :math:`R_k(p^2)` of the form :math:`k^2 r(p^2/k^2)`.

    Parameters
    ----------
    expr : sympy expression
        :math:`R_k` as an expression of ``p2`` (the squared momentum) and ``k``.
    p2, k : sympy.Symbol
        The symbols used in ``expr`` for :math:`p^2` and :math:`k`.
    name : str
        Name used in reports.
    support : number or ``oo``
        :math:`r(y)` vanishes for :math:`y \ge` ``support``; ``expr`` is used below it.

    Raises
    ------
    TypeError
        If ``expr`` is not a SymPy expression.
    ValueError
        If ``expr`` depends on other symbols, is not of the scaling form k^2 r(p^2/k^2), or
        does not regularise the infrared (r(0) must be positive).

    Examples
    --------
    >>> import sympy as sp
    >>> from nnqft_sym.rg import custom_regulator
    >>> p2, k = sp.symbols("p2 k", positive=True)
    >>> custom_regulator(k**2 * sp.exp(-p2 / k**2), p2, k).shape
    exp(-y)
    """
    expr = to_sympy(expr, "regulator")
    extra = expr.free_symbols - {p2, k}
    if extra:
        raise ValueError(f"regulator may depend only on {p2} (= p^2) and {k}, "
                         f"found {sorted(map(str, extra))}")
    kk = sp.Symbol("k_", positive=True)
    shape = sp.simplify(expr.subs({p2: Y * kk ** 2, k: kk}) / kk ** 2)
    if shape.has(kk):
        raise ValueError("regulator must have the form k^2 r(p^2/k^2) (no other scale); "
                         f"got r = {shape}")
    r0 = sp.limit(shape, Y, 0, "+")
    if not (r0.is_positive or r0 is sp.oo):
        raise ValueError(f"regulator must regularise the infrared: r(0) = {r0} must be > 0")
    return Regulator(name, shape, to_sympy(support, "support"))


#: regulator name -> factory (the names that :func:`get_regulator` and ``nnqft flow`` accept)
REGULATORS: dict[str, Callable[[], Regulator]] = {"litim": litim_regulator,
                                                  "exponential": exponential_regulator}


def get_regulator(regulator: Any) -> Regulator:
    """Return a :class:`Regulator` from a name (``"litim"``, ``"exponential"``) or an instance.

    Raises
    ------
    ValueError, TypeError
        For an unknown name or a wrong type.
    """
    if isinstance(regulator, Regulator):
        return regulator
    if isinstance(regulator, str):
        if regulator not in REGULATORS:
            raise ValueError(f"regulator must be one of {sorted(REGULATORS)} or a Regulator "
                             f"(see custom_regulator), got {regulator!r}")
        return REGULATORS[regulator]()
    raise TypeError(f"regulator must be a name or a Regulator, got {type(regulator).__name__}")
