r"""Single-neuron moments :math:`E[\prod_i g(z(x_i))]`: the building blocks of every exact correlator.

Strategy, from exact to numerical (the first that applies wins):

1. cos-net (uniform phase, frequency prior :math:`\rho`):
   :math:`E[\prod_i \cos(w\cdot x_i + b)] = 2^{-n} \sum_{\epsilon \in \{\pm1\}^n,\ \sum\epsilon = 0}
   E_w[\cos(w \cdot \sum_i \epsilon_i x_i)]` (the phase average kills unbalanced signs).
2. activations of exponential type (Gauss-net, cos/cosh/sinh with Gaussian weights): the Gaussian
   moment-generating function (:mod:`nnqft_sym.gaussian`), exact for every n.
3. odd activations (Erf, tanh, ...) at an odd number of points: exactly 0 (z -> -z symmetry).
4. closed forms by coincident-point pattern (points with equal pre-activations are grouped,
   :func:`coincidence_pattern`): ReLU at one distinct point with multiplicity n,
   :math:`E[\mathrm{relu}(z)^n] = s^{n/2} 2^{n/2}\Gamma(\tfrac{n+1}{2})/(2\sqrt\pi)`
   (:math:`(n-1)!!\,s^{n/2}/2` for even n), and at two distinct points with any multiplicities
   a, b, :math:`E[\mathrm{relu}(z_1)^a \mathrm{relu}(z_2)^b]` by the polar integral (radial
   Gamma function times an elementary angular integral; a = b = 1 is the arc-cosine kernel of
   degree 1, Cho & Saul 2009); Erf at two points (arcsine kernel, Williams 1997), including a
   doubled point.  Three or more distinct ReLU points and Erf at n >= 4 even points have no
   elementary closed form here and use quadrature.
5. otherwise Gaussian quadrature over the rank of the pre-activation covariance
   (:mod:`nnqft_sym.quadrature`), numeric points only.

A strategy that does not apply raises :class:`nnqft_sym.errors.NoClosedFormError`, which the
numeric routes catch (never a bare ``ValueError``).  Numeric moments that overflow double
precision raise :class:`nnqft_sym.errors.NumericalOverflowError` naming the points.
"""
from __future__ import annotations

import functools
import itertools
from typing import Any

import numpy as np
import sympy as sp

from .errors import NoClosedFormError, NumericalOverflowError
from .gaussian import exponential_terms, mgf_product_expectation, mgf_product_expectation_numeric
from .parsing import to_sympy
from .quadrature import (activation_homogeneity, activation_kinks, gaussian_expectation,
                         gaussian_expectation_mp)
from .specification import NetworkSpec as Network
from .specification import S, Z
from .validation import as_points, reject_text

__all__ = ["neuron_moment", "check_finite_result", "pair_closed_form", "symbolic_points",
           "covariance_expr",
           "is_symbolic_points", "prepare_points", "moment_from_covariance",
           "coincidence_pattern", "relu_moment_closed_form"]

_SX, _SY, _C = sp.symbols("s_x s_y c", real=True)


def is_symbolic_points(points: Any) -> bool:
    """True if ``points`` holds SymPy symbols (symbolic path), False for plain numbers.

    Strings are never symbolic points (they go to the numeric path, which refuses them).
    """
    if isinstance(points, (str, bytes)) or (isinstance(points, (list, tuple)) and any(
            isinstance(p, (str, bytes)) for p in np.asarray(points, dtype=object).ravel())):
        return False
    try:
        np.asarray(points, dtype=float)
    except (TypeError, ValueError):
        return True
    return False


def prepare_points(net: Network, points: Any, what: str) -> tuple[bool, Any, int]:
    """``(symbolic?, points, n)`` for a correlator of n >= 1 points: SymPy coordinate lists or a
    float array ``(..., n, d_in)`` (:func:`nnqft_sym.validation.as_points`); numeric points need
    numeric hyper-parameters (``what`` names the caller in the error)."""
    if is_symbolic_points(points):
        pts = symbolic_points(points, net.d_in)
        return True, pts, len(pts)
    net.require_numeric(what)
    pts = as_points(points, net.d_in)
    return False, pts, pts.shape[-2]


def symbolic_points(points: Any, d_in: int) -> list[list[sp.Expr]]:
    """Normalise symbolic points to a list of n coordinate lists of length d_in."""
    if not isinstance(d_in, int):
        raise ValueError("symbolic points need an integer d_in")
    reject_text(points, "points")
    out = []
    for p in points:
        coords = list(p) if isinstance(p, (list, tuple, sp.MatrixBase)) else [p]
        if len(coords) != d_in:
            raise ValueError(f"points: each point needs d_in = {d_in} coordinates, got {p!r}")
        out.append([to_sympy(c, "points") for c in coords])
    if not out:
        raise ValueError("points must hold at least one point, got an empty list")
    return out


def covariance_expr(net: Network, pts: list[list[sp.Expr]]) -> sp.Matrix:
    """SymPy pre-activation covariance C_ij = sigma_b^2 + sigma_W^2 x_i.x_j / d_in."""
    n = len(pts)
    return sp.Matrix(n, n, lambda i, j: net.sigma_b ** 2 + net.sigma_w ** 2 *
                     sum(a * b for a, b in zip(pts[i], pts[j])) / net.d_in)


def pair_closed_form(activation: sp.Expr) -> sp.Expr | None:
    """E[phi(z_x) phi(z_y)] in terms of (s_x, s_y, c) for ReLU and Erf, else None.

    Examples
    --------
    >>> import sympy as sp
    >>> from nnqft_sym import Z
    >>> pair_closed_form(sp.erf(Z))
    2*asin(2*c/sqrt((2*s_x + 1)*(2*s_y + 1)))/pi
    """
    if activation == sp.Max(0, Z):
        # arc-cosine kernel of degree 1: sqrt(sx sy) (sin t + (pi - t) cos t) / (2 pi)
        return (sp.sqrt(_SX * _SY - _C ** 2) + (sp.pi - sp.acos(_C / sp.sqrt(_SX * _SY))) * _C) / (2 * sp.pi)
    if activation == sp.erf(Z):
        return 2 / sp.pi * sp.asin(2 * _C / sp.sqrt((1 + 2 * _SX) * (1 + 2 * _SY)))
    return None


@functools.lru_cache(maxsize=64)
def _exp_terms(activation: sp.Expr) -> tuple | None:
    terms = exponential_terms(activation, Z)
    return None if terms is None else tuple(terms)


def neuron_moment(net: Network, points: Any, dps: int | None = None) -> Any:
    """E[prod_i g(z(x_i))] for one hidden neuron of ``net`` at ``n`` input points.

    Parameters
    ----------
    net : Network
    points : array-like of shape (..., n, d_in) (or (..., n) when d_in = 1), or a list of
        SymPy scalars / coordinate lists for a symbolic result.

    dps : int, optional
        Decimal digits for a high-precision value of ONE combination (an ``mpmath.mpf``):
        closed forms are evaluated by SymPy at that precision, other activations by
        :func:`nnqft_sym.quadrature.gaussian_expectation_mp` (pre-activation covariance of
        rank <= 2, i.e. d_in = 1, or rank 3 for positively homogeneous activations).

    Returns
    -------
    numpy array of shape ``(...)`` (float for a single combination), a SymPy expression, or an
    ``mpmath.mpf`` when ``dps`` is given.

    Examples
    --------
    >>> from nnqft_sym import GaussNet
    >>> import numpy as np
    >>> net = GaussNet(sigma_w=1, sigma_b=1)
    >>> bool(np.isclose(net.neuron_moment([0.0, 0.0]), 1.0))    # E[g(z(x))^2] = 1 at any x
    True
    """
    if net.depth != 1:
        raise ValueError(f"neuron_moment is the single-neuron moment of a one-hidden-layer network; "
                         f"this {net.name} has depth = {net.depth} (see nnqft_sym.deep for the "
                         "layer recursion)")
    if is_symbolic_points(points):
        return _moment_symbolic(net, symbolic_points(points, net.d_in))
    net.require_numeric("neuron_moment")
    pts = as_points(points, net.d_in)
    if dps is not None:
        return _moment_high_precision(net, pts, dps)
    with np.errstate(over="ignore", invalid="ignore"):
        out = _moment_numeric(net, pts)
    check_finite_result(out, pts, "E[prod g]")
    return float(out) if np.ndim(out) == 0 else out


def check_finite_result(value: Any, pts: np.ndarray, what: str) -> None:
    """Raise :class:`NumericalOverflowError` naming the points when ``value`` is not finite.

    The exact values can exceed double precision: the Gauss-net moment
    :math:`E[g(x)^n] = e^{n(n-2) s(x)/2}` grows like :math:`e^{n^2 |x|^2}`.
    """
    bad = ~np.isfinite(np.asarray(value, dtype=float))
    if np.any(bad):
        combo = pts[bad][0] if bad.ndim else pts
        shown = np.array2string(combo[:, 0] if combo.shape[-1] == 1 else combo, precision=4,
                                threshold=24)
        more = f" (and {int(bad.sum()) - 1} more combinations)" if bad.ndim and bad.sum() > 1 else ""
        raise NumericalOverflowError(
            f"{what} overflows double precision at points {shown}{more}: the exact value "
            "exceeds 1.8e308 (use points nearer the origin, or neuron_moment with dps=... "
            "for one combination)")


def _moment_high_precision(net: Network, pts: np.ndarray, dps: int) -> Any:
    """One combination at ``dps`` digits: closed forms evaluated by SymPy, else mpmath quadrature."""
    import mpmath
    if isinstance(dps, bool) or not isinstance(dps, int) or dps < 15:
        raise ValueError(f"dps must be an integer >= 15 (decimal digits), got {dps!r}")
    if pts.ndim != 2:
        raise ValueError("points: the high-precision path takes one combination of shape (n, d_in)")
    exact_pts = [[sp.Rational(float(c)) for c in p] for p in pts]
    try:
        closed = _moment_symbolic(net, exact_pts)
    except NoClosedFormError:
        closed = None
    if closed is not None:
        with mpmath.workdps(dps):
            return mpmath.mpf(str(closed.evalf(dps + 5)))
    cov = covariance_expr(net, exact_pts)
    with mpmath.workdps(dps + 5):
        cov_mp = [[mpmath.mpf(str(sp.N(c, dps + 5))) for c in row] for row in cov.tolist()]
        act = sp.lambdify(Z, net.activation, modules="mpmath")
        norm = sp.lambdify(S, net.normalisation, modules="mpmath")
        value = gaussian_expectation_mp(act, cov_mp, kinks=activation_kinks(net.activation, Z),
                                        dps=dps, homogeneity=activation_homogeneity(net.activation, Z),
                                        activation=net.activation)
        for i in range(len(cov_mp)):
            value *= norm(cov_mp[i][i])
        return value


# ---------------------------------------------------------------------- symbolic
def _moment_symbolic(net: Network, pts: list[list[sp.Expr]]) -> sp.Expr:
    if not net.first_layer_is_gaussian:
        return _cos_phase_average(net, pts, symbolic=True)
    return moment_from_covariance(net, covariance_expr(net, pts))


def moment_from_covariance(net: Network, cov: Any) -> sp.Expr:
    """E[prod_i g(z_i)] in closed form for Gaussian pre-activations with SymPy covariance ``cov``.

    Raises
    ------
    NoClosedFormError
        If the activation has no closed form for this pattern of points (use numeric points:
        quadrature).
    """
    cov = sp.Matrix(cov)
    n = cov.shape[0]
    norm = sp.Mul(*[net.normalisation.subs(S, cov[i, i]) for i in range(n)])
    terms = _exp_terms(net.activation)
    if terms is not None:
        return _combine_exponentials(norm * mgf_product_expectation(terms, cov))
    if n % 2 and _is_odd(net.activation):
        return sp.Integer(0)
    pair = pair_closed_form(net.activation)
    if pair is not None and n == 2:
        return norm * pair.subs({_SX: cov[0, 0], _SY: cov[1, 1], _C: cov[0, 1]})
    if net.activation == sp.Max(0, Z):
        groups = coincidence_pattern(cov)
        if len(groups) <= 2:
            first = [g[0] for g in groups]
            mult = [len(g) for g in groups]
            if len(groups) == 1:
                scale = cov[first[0], first[0]] ** sp.Rational(mult[0], 2)
                return norm * relu_moment_closed_form(mult[0]) * scale
            (i, j), (a, b) = first, mult
            return norm * _relu_pair_moment(a, b, cov[i, i], cov[j, j], cov[i, j])
    raise NoClosedFormError(f"no closed form for E[prod g] of {net.name} (activation "
                            f"{net.activation}) at n = {n} points; pass numeric points to use "
                            "Gaussian quadrature")


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


_THETA, _PHI = sp.symbols("theta phi", real=True)


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


@functools.lru_cache(maxsize=32)
def _is_odd(activation: sp.Expr) -> bool:
    """True when phi(-z) = -phi(z) (then E[prod phi(z_i)] = 0 at an odd number of points)."""
    return sp.simplify(activation.subs(Z, -Z) + activation) == 0


def _combine_exponentials(expr: sp.Expr) -> sp.Expr:
    """Merge products of exponentials and tidy their exponents (e^{a} e^{b} -> e^{a+b})."""
    expr = sp.powsimp(sp.expand(expr), combine="exp")
    return expr.replace(lambda e: isinstance(e, sp.exp), lambda e: sp.exp(sp.factor(sp.expand(e.args[0]))))


def _cos_phase_average(net: Network, pts: Any, symbolic: bool) -> Any:
    """2^-n sum over balanced signs of E_w cos(w . sum eps_i x_i) (cos-net)."""
    n = len(pts) if symbolic else pts.shape[-2]
    total = 0
    for eps in itertools.product((1, -1), repeat=n):
        if sum(eps) != 0:
            continue
        if symbolic:
            v = [sum(e * p[k] for e, p in zip(eps, pts)) for k in range(net.d_in)]
            vv = sp.expand(sum(c ** 2 for c in v))
        else:
            v = np.einsum("i,...id->...d", np.array(eps, dtype=float), pts)
            vv = np.sum(v * v, axis=-1)
        total = total + net.frequency_prior.characteristic(net, vv)
    return total / sp.Integer(2) ** n if symbolic else total / 2.0 ** n


# ---------------------------------------------------------------------- numeric
def _moment_numeric(net: Network, pts: np.ndarray) -> np.ndarray:
    n = pts.shape[-2]
    if n % 2 and _is_odd(net.activation):
        return np.zeros(pts.shape[:-2])
    if not net.first_layer_is_gaussian:
        return _cos_phase_average(net, pts, symbolic=False)
    cov = net.preactivation_covariance(pts)
    diag = np.diagonal(cov, axis1=-2, axis2=-1)
    terms = _exp_terms(net.activation)
    log_norm = _log_normalisation(net.normalisation)
    if terms is not None and log_norm is not None:
        return mgf_product_expectation_numeric(terms, cov, np.sum(log_norm(diag), axis=-1))
    norm = np.prod(net.normalisation_function(diag), axis=-1) if net.normalisation != 1 else 1.0
    if terms is not None:
        return norm * mgf_product_expectation_numeric(terms, cov)
    pair = pair_closed_form(net.activation)
    if pair is not None and n == 2:
        return norm * _pair_function(net.activation)(cov[..., 0, 0], cov[..., 1, 1], cov[..., 0, 1])
    return norm * gaussian_expectation(net.activation_function, cov,
                                       kinks=activation_kinks(net.activation, Z),
                                       homogeneity=activation_homogeneity(net.activation, Z),
                                       activation=net.activation)


@functools.lru_cache(maxsize=8)
def _log_normalisation(normalisation: sp.Expr):
    """log n(s) lambdified when it is a polynomial in s (Gauss-net: -s), else None."""
    log_n = sp.expand(sp.expand_log(sp.log(normalisation), force=True))
    if not log_n.is_polynomial(S):
        return None
    func = sp.lambdify(S, log_n, modules="numpy")
    return lambda s: func(s) + np.zeros_like(s)


@functools.lru_cache(maxsize=8)
def _pair_function(activation: sp.Expr):
    """Lambdify the pair closed form in (s_x, s_y, rho), rho = c / sqrt(s_x s_y) clipped to [-1, 1]
    so that rounding never takes a square root or an arccos out of its domain.

    Where s_x s_y = 0 (a point with s(x) = 0: x = 0 at sigma_b = 0) z(x) = 0 identically and
    c = 0; rho is then set to 0, which gives the limit (ReLU and Erf: phi(0) = 0, so 0)."""
    rho = sp.Symbol("rho", real=True)
    expr = pair_closed_form(activation).subs(_C, rho * sp.sqrt(_SX * _SY))
    expr = sp.simplify(expr.subs(sp.sqrt(_SX * _SY * (1 - rho ** 2)), sp.sqrt(_SX * _SY) * sp.sqrt(1 - rho ** 2)))
    raw = sp.lambdify((_SX, _SY, rho), expr, modules="numpy")

    def pair(sx, sy, c):
        scale = np.sqrt(np.asarray(sx, dtype=float) * sy)
        rho = np.divide(c, scale, out=np.zeros(np.shape(scale * c)), where=scale > 0)
        return raw(sx, sy, np.clip(rho, -1.0, 1.0))
    return pair
