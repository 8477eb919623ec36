r"""Single-neuron moments :math:`E[\prod_i g(z(x_i))]`: the building blocks of every exact correlator.

Strategy, from exact to numerical (the first that applies wins):

1. cos-net (uniform phase, frequency prior :math:`\rho`):
   :math:`E[\prod_i \cos(w\cdot x_i + b)] = 2^{-n} \sum_{\epsilon \in \{\pm1\}^n,\ \sum\epsilon = 0}
   E_w[\cos(w \cdot \sum_i \epsilon_i x_i)]` (the phase average kills unbalanced signs).
2. activations of exponential type (Gauss-net, cos/cosh/sinh with Gaussian weights): the Gaussian
   moment-generating function (:mod:`nnqft_sym.gaussian`), exact for every n.
3. odd activations (Erf, tanh, ...) at an odd number of points: exactly 0 (z -> -z symmetry).
4. closed forms from the activation's rule book (:func:`nnqft_sym.activations.activation_rules`,
   families matched by pattern): for :math:`\phi = a\,\mathrm{relu}(z) + b\,\mathrm{relu}(-z)`
   (ReLU, leaky ReLU, :math:`|z|`) at points that coincide in at most two groups
   (:func:`coincidence_pattern`), :math:`E[\phi(z)^n] = (a^n + b^n) s^{n/2}
   2^{n/2}\Gamma(\tfrac{n+1}{2})/(2\sqrt\pi)` and the polar integrals of
   :math:`E[\mathrm{relu}(z_1)^{m_1} \mathrm{relu}(z_2)^{m_2}]` (a = b = 1 is the arc-cosine
   kernel of degree 1, Cho & Saul 2009); :math:`a\,\mathrm{erf}(bz)` at two points (arcsine
   kernel, Williams 1997), including a doubled point.  Three or more distinct ReLU points and
   Erf at n >= 4 even points have no elementary closed form here and use quadrature.
5. otherwise Gaussian quadrature over the rank of the pre-activation covariance
   (:mod:`nnqft_sym.quadrature`), numeric points only.

Numeric points take steps 2 to 5 through the one strategy chain
:func:`nnqft_sym.expectations.gaussian_moment` (numeric closed forms at two points).

A strategy that does not apply raises :class:`nnqft_sym.errors.NoClosedFormError`, which the
numeric routes catch (never a bare ``ValueError``).  Numeric moments that overflow double
precision raise :class:`nnqft_sym.errors.NumericalOverflowError` naming the points.
"""
from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import sympy as sp

from .first_layer_moments import independent_first_layer_moment
from .priors import ParameterPrior
from .activations import ExponentialRules, activation_rules, coincidence_pattern, relu_moment_closed_form
from .errors import NoClosedFormError, NumericalOverflowError
from .expectations import gaussian_moment
from .parsing import to_sympy
from .quadrature import gaussian_expectation_mp
from .specification import NetworkSpec as Network
from .specification import S, Z
from .validation import as_points, reject_text

__all__ = ["neuron_moment", "check_finite_result", "pair_closed_form", "symbolic_points",
           "covariance_expr",
           "is_symbolic_points", "prepare_points", "moment_from_covariance",
           "coincidence_pattern", "relu_moment_closed_form"]



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
    """SymPy pre-activation covariance C_ij = sigma_b^2 + sigma_W^2 x_i.x_j / d_in (from the first-layer priors)."""
    n = len(pts)
    sb2, sw2 = net.priors.first_biases.variance, net.priors.first_weights.variance
    return sp.Matrix(n, n, lambda i, j: sb2 + sw2 *
                     sum(a * b for a, b in zip(pts[i], pts[j])) / net.d_in)


def pair_closed_form(activation: sp.Expr) -> sp.Expr | None:
    """E[phi(z_x) phi(z_y)] in terms of (s_x, s_y, c) from the activation's rule book
    (:func:`nnqft_sym.activations.activation_rules`: a*relu(z) + b*relu(-z), a*erf(b z),
    exponential type), else None.

    Examples
    --------
    >>> import sympy as sp
    >>> from nnqft_sym import Z
    >>> pair_closed_form(sp.erf(Z))
    2*asin(2*c/sqrt((2*s_x + 1)*(2*s_y + 1)))/pi
    """
    try:
        return activation_rules(activation).pair_closed_form()
    except NoClosedFormError:
        return None


def _exp_terms(activation: sp.Expr) -> tuple | None:
    """The (c_k, alpha_k) of an exponential-type activation, else None."""
    rules = activation_rules(activation)
    return rules.terms if isinstance(rules, ExponentialRules) else None


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
    net.require_exact_finite_width("neuron_moment (the single-neuron moment)",
                                   "see nnqft_sym.deep for the layer recursion")
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
    rules = activation_rules(net.activation)
    cov = covariance_expr(net, exact_pts)
    with mpmath.workdps(dps + 5):
        cov_mp = [[mpmath.mpf(str(sp.N(c, dps + 5))) for c in row] for row in cov.tolist()]
        act = sp.lambdify(Z, net.activation, modules="mpmath")
        norm = sp.lambdify(S, net.normalisation, modules="mpmath")
        value = gaussian_expectation_mp(act, cov_mp, kinks=rules.kinks, dps=dps,
                                        homogeneity=rules.homogeneity, activation=net.activation)
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
    rules = activation_rules(net.activation)
    try:
        moment = rules.product_closed_form(cov)
    except NoClosedFormError:
        raise NoClosedFormError(f"no closed form for E[prod g] of {net.name} (activation "
                                f"{net.activation}) at n = {n} points; pass numeric points to use "
                                "Gaussian quadrature") from None
    if isinstance(rules, ExponentialRules):
        return _combine_exponentials(norm * moment)
    return norm * moment


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
        total = total + net.priors.first_weights.characteristic(vv)
    return total / sp.Integer(2) ** n if symbolic else total / 2.0 ** n


# ---------------------------------------------------------------------- numeric
def _moment_numeric(net: Network, pts: np.ndarray) -> np.ndarray:
    if not net.first_layer_is_design and isinstance(net.priors.first_biases, ParameterPrior):
        return independent_first_layer_moment(net, pts)   # any laws and means (d_in = 1)
    if pts.shape[-2] % 2 and activation_rules(net.activation).is_odd:
        return np.zeros(pts.shape[:-2])
    if not net.first_layer_is_gaussian:
        return _cos_phase_average(net, pts, symbolic=False)
    return gaussian_moment(net.activation, net.preactivation_covariance(pts), net.normalisation)
