r"""One rule book per activation family: everything the toolkit knows about :math:`\phi(z)`.

:func:`activation_rules` recognises the family of a SymPy activation of :data:`nnqft_sym.Z` by
*pattern* (never by expression equality with a fixed form) and returns its rule book:

* :class:`ExponentialRules`: finite sums :math:`\sum_k c_k e^{\alpha_k z}` (exp, cosh, sinh, cos,
  the Gauss-net); every Gaussian product expectation by the moment-generating function
  (:mod:`nnqft_sym.gaussian`).
* :class:`ErfRules`: :math:`a\,\mathrm{erf}(b z)`; the arcsine pair moment (Williams 1997,
  arXiv:2106.10165 sec. 5.3 for the kernel recursions).
* :class:`PiecewiseLinearRules`: every positively homogeneous activation of degree 1,
  :math:`\phi(z) = a\,\mathrm{relu}(z) + b\,\mathrm{relu}(-z)` with :math:`a = \phi(1)`,
  :math:`b = \phi(-1)` (ReLU, leaky ReLU, :math:`|z|`, scaled ReLU, the identity, written with
  Max/Min/Abs/Piecewise); the degree-1 arc-cosine kernel (Cho & Saul 2009) and the polar
  integrals of :math:`E[\mathrm{relu}(z_1)^a \mathrm{relu}(z_2)^b]`.
* :class:`ActivationRules`: anything else (tanh, GELU, relu^2, ...): no closed form, Gaussian
  quadrature.

Each rule book answers: the closed-form pair moment :math:`E[\phi(z_x)\phi(z_y)]` in the
invariants ``(s_x, s_y, c)`` (:data:`PAIR_SYMBOLS`), closed-form products over a SymPy covariance
(coincident points included), the kink locations, the homogeneity degree, parity, the NumPy
ufunc and the derivatives :math:`\phi^{(k)}`.  A missing closed form raises
:class:`nnqft_sym.errors.NoClosedFormError`.
"""
from __future__ import annotations

import functools
from typing import Any, Callable

import numpy as np
import sympy as sp

from .specification import Z, _lambdify
from .errors import NoClosedFormError
from .gaussian import exponential_terms, mgf_product_expectation
from .kinks import find_kinks
from .parsing import to_sympy

__all__ = ["ActivationRules", "ExponentialRules", "ErfRules", "PiecewiseLinearRules",
           "activation_rules", "PAIR_SYMBOLS", "RHO", "correlation_function", "relu_moment_closed_form", "coincidence_pattern"]

#: the invariants of a pair of pre-activations: variances s_x, s_y and covariance c
PAIR_SYMBOLS = sp.symbols("s_x s_y c", real=True)
_SX, _SY, _C = PAIR_SYMBOLS
#: the correlation rho = c / sqrt(s_x s_y) of a pair of pre-activations
RHO = sp.Symbol("rho", real=True)
_THETA, _PHI = sp.symbols("theta phi", real=True)


class ActivationRules:
    """Rule book of a generic activation (no closed forms: the numeric routes use quadrature).

    Parameters
    ----------
    activation : sympy expression of :data:`nnqft_sym.Z`

    Examples
    --------
    >>> import sympy as sp
    >>> from nnqft_sym import Z
    >>> rules = activation_rules(sp.tanh(Z))
    >>> rules.family, rules.kinks, rules.homogeneity, rules.is_odd
    ('generic', (), None, True)
    >>> rules.derivative(1)
    1 - tanh(z)**2
    """

    family = "generic"

    def __init__(self, activation: sp.Expr) -> None:
        self.activation = activation

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.activation})"

    # ------------------------------------------------------------------ structure
    @functools.cached_property
    def kinks(self) -> tuple[float, ...]:
        """Sorted real points where phi is not infinitely differentiable."""
        return find_kinks(self.activation, Z)

    @functools.cached_property
    def homogeneity(self) -> int | None:
        """Degree k of positive homogeneity phi(t z) = t^k phi(z), t > 0, or None."""
        return find_homogeneity(self.activation, Z)

    @functools.cached_property
    def is_odd(self) -> bool:
        """phi(-z) = -phi(z) (then E[prod phi(z_i)] = 0 at an odd number of points)."""
        return sp.simplify(self.activation.subs(Z, -Z) + self.activation) == 0

    def derivative(self, k: int = 1) -> sp.Expr:
        """The k-th derivative of phi (SymPy)."""
        return sp.diff(self.activation, Z, k)

    @functools.cached_property
    def ufunc(self) -> Callable[[np.ndarray], np.ndarray]:
        """phi as a NumPy function."""
        return self.derivative_functions[0]

    @functools.cached_property
    def derivative_functions(self) -> list[Callable[[np.ndarray], np.ndarray]]:
        """phi, phi', ..., phi'''' as NumPy functions (Price's theorem needs up to the fourth)."""
        return [_lambdify(sp.diff(self.activation, Z, k), Z) for k in range(5)]

    # ------------------------------------------------------------------ closed forms
    def pair_closed_form(self) -> sp.Expr:
        """E[phi(z_x) phi(z_y)] as an expression of :data:`PAIR_SYMBOLS`.

        Raises
        ------
        NoClosedFormError
            If the family has none.
        """
        raise NoClosedFormError(f"no closed-form pair moment for the activation {self.activation}")

    def product_closed_form(self, cov: Any) -> sp.Expr:
        """E[prod_i phi(z_i)] for z ~ N(0, cov), ``cov`` a SymPy n x n covariance.

        Raises
        ------
        NoClosedFormError
            If the family has no closed form for this pattern of points.
        """
        cov = sp.Matrix(cov)
        n = cov.shape[0]
        if n % 2 and self.is_odd:
            return sp.Integer(0)
        if n == 2:
            return self.pair_closed_form().subs({_SX: cov[0, 0], _SY: cov[1, 1], _C: cov[0, 1]})
        return self._more_points(cov)

    def _more_points(self, cov: sp.Matrix) -> sp.Expr:
        raise NoClosedFormError(f"no closed form for E[prod phi] of the activation "
                                f"{self.activation} at n = {cov.shape[0]} points")

    @functools.cached_property
    def pair_function(self) -> Callable[[Any, Any, Any], np.ndarray]:
        """The pair closed form as a NumPy function of ``(s_x, s_y, c)``, written in
        rho = c / sqrt(s_x s_y) clipped to [-1, 1] so that rounding never takes a square root or
        an arccos out of its domain.  Where s_x s_y = 0 (a point with s(x) = 0: x = 0 at
        sigma_b = 0) z(x) = 0 identically and c = 0; rho is then 0.

        Raises
        ------
        NoClosedFormError
            If the family has no pair closed form.
        """
        expr = self.pair_closed_form().subs(_C, RHO * sp.sqrt(_SX * _SY))
        expr = sp.simplify(expr.subs(sp.sqrt(_SX * _SY * (1 - RHO ** 2)),
                                     sp.sqrt(_SX * _SY) * sp.sqrt(1 - RHO ** 2)))
        return correlation_function(expr)


class ExponentialRules(ActivationRules):
    r"""phi = sum_k c_k exp(alpha_k z): every product expectation by the moment-generating function.

    Examples
    --------
    >>> import sympy as sp
    >>> from nnqft_sym import Z
    >>> activation_rules(sp.exp(Z)).pair_closed_form()
    exp(c + s_x/2 + s_y/2)
    """

    family = "exponential"

    def __init__(self, activation: sp.Expr, terms: tuple) -> None:
        super().__init__(activation)
        self.terms = terms

    def pair_closed_form(self) -> sp.Expr:
        return sp.simplify(mgf_product_expectation(self.terms, [[_SX, _C], [_C, _SY]]))

    def product_closed_form(self, cov: Any) -> sp.Expr:
        return mgf_product_expectation(self.terms, cov)

    @functools.cached_property
    def pair_function(self) -> Callable[[Any, Any, Any], np.ndarray]:
        return sp.lambdify(PAIR_SYMBOLS, self.pair_closed_form(), modules=["scipy", "numpy"])


class ErfRules(ActivationRules):
    r""":math:`\phi = a\,\mathrm{erf}(b z)`: the arcsine pair moment
    :math:`\tfrac{2a^2}{\pi}\arcsin\frac{2b^2 c}{\sqrt{(1+2b^2 s_x)(1+2b^2 s_y)}}` (Williams 1997).

    Examples
    --------
    >>> import sympy as sp
    >>> from nnqft_sym import Z
    >>> rules = activation_rules(3 * sp.erf(2 * Z))
    >>> rules.a, rules.b
    (3, 2)
    """

    family = "erf"

    def __init__(self, activation: sp.Expr, a: sp.Expr, b: sp.Expr) -> None:
        super().__init__(activation)
        self.a, self.b = a, b

    def pair_closed_form(self) -> sp.Expr:
        a, b = self.a, self.b
        return a ** 2 * 2 / sp.pi * sp.asin(2 * b ** 2 * _C / sp.sqrt((1 + 2 * b ** 2 * _SX) *
                                                                      (1 + 2 * b ** 2 * _SY)))


class PiecewiseLinearRules(ActivationRules):
    r""":math:`\phi = a\,\mathrm{relu}(z) + b\,\mathrm{relu}(-z)`, :math:`a = \phi(1)`, :math:`b = \phi(-1)`.

    With :math:`J(c)` the degree-1 arc-cosine kernel :math:`E[\mathrm{relu}(z_x)\mathrm{relu}(z_y)]
    = (\sqrt{s_x s_y - c^2} + (\pi - \arccos(c/\sqrt{s_x s_y}))c)/(2\pi)` and
    :math:`(z_x, -z_y)` Gaussian with covariance :math:`-c`, the pair moment is
    :math:`(a^2 + b^2) J(c) + 2ab J(-c)`.  Products at points that coincide in at most two groups
    of multiplicities :math:`m_1, m_2` (:func:`coincidence_pattern`) follow the same way from
    :math:`\phi^m = a^m \mathrm{relu}(z)^m + b^m \mathrm{relu}(-z)^m` and the polar integral
    :math:`R_{m_1 m_2}(c) = E[\mathrm{relu}(z_1)^{m_1}\mathrm{relu}(z_2)^{m_2}]`.  ReLU is
    a = 1, b = 0; leaky ReLU of slope alpha is a = 1, b = -alpha; :math:`|z|` is a = b = 1.

    Examples
    --------
    >>> import sympy as sp
    >>> from nnqft_sym import Z
    >>> rules = activation_rules(sp.Max(0, Z) + sp.Rational(1, 10) * sp.Min(0, Z))  # leaky ReLU
    >>> rules.family, rules.a, rules.b
    ('piecewise_linear', 1, -1/10)
    >>> s = sp.Symbol("s", positive=True)
    >>> sp.simplify(activation_rules(sp.Abs(Z)).coincident_moment(2, s))     # E[z^2] = s
    s
    """

    family = "piecewise_linear"

    def __init__(self, activation: sp.Expr, a: sp.Expr, b: sp.Expr) -> None:
        super().__init__(activation)
        self.a, self.b = a, b

    def _signed(self, m1: int, m2: int) -> tuple[sp.Expr, sp.Expr]:
        """Coefficients of R(c) and R(-c) in E[phi(z_1)^m1 phi(z_2)^m2]."""
        a, b = self.a, self.b
        return a ** m1 * a ** m2 + b ** m1 * b ** m2, a ** m1 * b ** m2 + b ** m1 * a ** m2

    def pair_closed_form(self) -> sp.Expr:
        same, flipped = self._signed(1, 1)
        return sum((coef * _arccos_kernel(sign * _C) for coef, sign in ((same, 1), (flipped, -1))
                    if coef != 0), sp.Integer(0))

    def coincident_moment(self, n: int, s: sp.Expr) -> sp.Expr:
        r""":math:`E[\phi(z)^n] = (a^n + b^n)\,E[\mathrm{relu}(z)^n]` for z ~ N(0, s)."""
        return (self.a ** n + self.b ** n) * relu_moment_closed_form(n) * s ** sp.Rational(n, 2)

    def _more_points(self, cov: sp.Matrix) -> sp.Expr:
        groups = coincidence_pattern(cov)
        if len(groups) > 2:
            return super()._more_points(cov)
        first = [g[0] for g in groups]
        mult = [len(g) for g in groups]
        if len(groups) == 1:
            return self.coincident_moment(mult[0], cov[first[0], first[0]])
        (i, j), (m1, m2) = first, mult
        same, flipped = self._signed(m1, m2)
        return sum((coef * _relu_pair_moment(m1, m2, cov[i, i], cov[j, j], sign * cov[i, j])
                    for coef, sign in ((same, 1), (flipped, -1)) if coef != 0), sp.Integer(0))


def correlation_function(expr: sp.Expr) -> Callable[[Any, Any, Any], np.ndarray]:
    """An expression of ``(s_x, s_y, rho)`` (:data:`RHO`) as a NumPy function of ``(s_x, s_y, c)``.

    rho = c / sqrt(s_x s_y) is clipped to [-1, 1] so that rounding never takes a square root or
    an arccos out of its domain; where s_x s_y = 0 (z(x) = 0 identically, c = 0) rho is 0.

    Examples
    --------
    >>> s_x, s_y, c = PAIR_SYMBOLS
    >>> float(correlation_function(sp.acos(RHO))(2.0, 2.0, 2.0 + 1e-15))
    0.0
    """
    raw = sp.lambdify((_SX, _SY, RHO), expr, modules="numpy")

    def pair(sx: Any, sy: Any, c: Any) -> np.ndarray:
        scale = np.sqrt(np.asarray(sx, dtype=float) * sy)
        r = np.divide(c, scale, out=np.zeros(np.shape(scale * c)), where=scale > 0)
        return raw(sx, sy, np.clip(r, -1.0, 1.0))
    return pair


def _arccos_kernel(c: sp.Expr) -> sp.Expr:
    """E[relu(z_x) relu(z_y)] for covariance c (degree-1 arc-cosine kernel, Cho & Saul 2009)."""
    return (sp.sqrt(_SX * _SY - c ** 2) + (sp.pi - sp.acos(c / sp.sqrt(_SX * _SY))) * c) / (2 * sp.pi)


@functools.lru_cache(maxsize=64)
def activation_rules(activation: sp.Expr) -> ActivationRules:
    """The rule book of a SymPy activation of :data:`nnqft_sym.Z`, recognised by pattern.

    Order: exponential type (moment-generating function), ``a*erf(b*z)``, positively homogeneous
    of degree 1 with at most a kink at 0 (``a*relu(z) + b*relu(-z)``), else generic.

    Raises
    ------
    TypeError
        If ``activation`` is a string or not convertible to SymPy (strings are never executed;
        parse them with :func:`nnqft_sym.parse_expression`).

    Examples
    --------
    >>> import sympy as sp
    >>> from nnqft_sym import Z
    >>> [activation_rules(f).family for f in (sp.Max(0, Z), sp.Max(Z / 10, Z), sp.Abs(Z),
    ...                                       sp.erf(Z), sp.cosh(Z), sp.tanh(Z), sp.Max(0, Z)**2)]
    ['piecewise_linear', 'piecewise_linear', 'piecewise_linear', 'erf', 'exponential', 'generic', 'generic']
    """
    activation = to_sympy(activation, "activation")
    terms = exponential_terms(activation, Z)
    if terms is not None:
        return ExponentialRules(activation, tuple(terms))
    a, b = sp.Wild("a", exclude=[Z]), sp.Wild("b", exclude=[Z, 0])
    match = activation.match(a * sp.erf(b * Z))
    if match is not None and activation.has(sp.erf):
        return ErfRules(activation, match[a], match[b])
    generic = ActivationRules(activation)
    if generic.homogeneity == 1 and set(generic.kinks) <= {0.0}:
        rules = PiecewiseLinearRules(activation, activation.subs(Z, 1), activation.subs(Z, -1))
        rules.__dict__.update(kinks=generic.kinks, homogeneity=1)
        return rules
    return generic


def coincidence_pattern(cov: Any) -> list[list[int]]:
    r"""Group the indices of a SymPy covariance by coincident pre-activations (z_i = z_j a.s.).

    ``i`` and ``j`` coincide when :math:`\mathrm{Var}(z_i - z_j) = C_{ii} + C_{jj} - 2 C_{ij}`
    simplifies to 0.

    Examples
    --------
    >>> import sympy as sp
    >>> s, c = sp.symbols("s c", positive=True)
    >>> coincidence_pattern(sp.Matrix([[s, s, c], [s, s, c], [c, c, s]]))
    [[0, 1], [2]]
    """
    cov = sp.Matrix(cov)
    groups: list[list[int]] = []
    for i in range(cov.shape[0]):
        for g in groups:
            j = g[0]
            if sp.simplify(cov[i, i] + cov[j, j] - 2 * cov[i, j]) == 0:
                g.append(i)
                break
        else:
            groups.append([i])
    return groups


def relu_moment_closed_form(n: int) -> sp.Expr:
    r""":math:`E[\mathrm{relu}(z)^n]/s^{n/2} = 2^{n/2}\Gamma(\tfrac{n+1}{2})/(2\sqrt\pi)` for z ~ N(0, s).

    For even n this is :math:`(n-1)!!/2`.

    Examples
    --------
    >>> [relu_moment_closed_form(n) for n in (1, 2, 3, 4)]
    [sqrt(2)/(2*sqrt(pi)), 1/2, sqrt(2)/sqrt(pi), 3/2]
    """
    return sp.simplify(2 ** sp.Rational(n, 2) * sp.gamma(sp.Rational(n + 1, 2)) / (2 * sp.sqrt(sp.pi)))


@functools.lru_cache(maxsize=32)
def _relu_angular(a: int, b: int) -> sp.Expr:
    r""":math:`\int_{\theta-\pi/2}^{\pi/2} \cos^a\phi\,\cos^b(\phi-\theta)\,d\phi` as a
    polynomial in cos(theta), sin(theta) and theta, 0 <= theta <= pi (the wedge where both are > 0)."""
    integrand = sp.expand(sp.expand_trig(sp.cos(_PHI) ** a * sp.cos(_PHI - _THETA) ** b))
    value = sp.integrate(integrand, (_PHI, _THETA - sp.pi / 2, sp.pi / 2))
    return sp.expand(sp.expand_trig(sp.expand(value)))


def _relu_pair_moment(a: int, b: int, sx: sp.Expr, sy: sp.Expr, c: sp.Expr) -> sp.Expr:
    r""":math:`E[\mathrm{relu}(z_1)^a\,\mathrm{relu}(z_2)^b]` for a centred Gaussian pair.

    In polar coordinates :math:`z_1 = \sqrt{s_x} r\cos\phi`, :math:`z_2 = \sqrt{s_y}
    r\cos(\phi-\theta)` with :math:`\cos\theta = c/\sqrt{s_x s_y}`: the radial integral is
    :math:`2^{m/2}\Gamma(m/2+1)/(2\pi)` (m = a + b), the angular one :func:`_relu_angular`.
    """
    m = a + b
    radial = 2 ** sp.Rational(m, 2) * sp.gamma(sp.Rational(m, 2) + 1) / (2 * sp.pi)
    cos_t = c / sp.sqrt(sx * sy)
    angular = _relu_angular(a, b).subs({sp.sin(_THETA): sp.sqrt(1 - cos_t ** 2),
                                        sp.cos(_THETA): cos_t}).subs(_THETA, sp.acos(cos_t))
    return sp.sqrt(sx) ** a * sp.sqrt(sy) ** b * radial * angular


# ============================================================================ structure finders
def find_homogeneity(expr: sp.Expr, z: sp.Symbol) -> int | None:
    """Degree k >= 0 with expr(t z) = t^k expr(z) for t > 0, or None."""
    if expr == 0:
        return None
    pos = sp.Dummy("p", positive=True)
    t = sp.Dummy("t", positive=True)
    degrees = []
    for side in (pos, -pos):
        at = expr.subs(z, side)
        if sp.simplify(at) == 0:
            continue
        ratio = sp.simplify(expr.subs(z, t * side) / at)
        # ratio must be t**k with no dependence on the point
        if ratio.has(pos):
            return None
        k = sp.nsimplify(sp.simplify(sp.log(ratio) / sp.log(t)))
        if not (k.is_Integer and k >= 0):
            return None
        degrees.append(int(k))
    if not degrees or len(set(degrees)) != 1:
        return None
    return degrees[0]
