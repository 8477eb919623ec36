r"""Criticality of deep networks: susceptibilities, critical initialisation, universality class.

Roberts, Yaida, Hanin, "The Principles of Deep Learning Theory", arXiv:2106.10165, ch. 5.  At
infinite width the single-input kernel obeys
:math:`K^{(l+1)} = \sigma_b^2 + \sigma_W^2 \langle\sigma(z)\sigma(z)\rangle_{K^{(l)}}`
(:math:`\langle\cdot\rangle_K` the average over :math:`z \sim N(0, K)`), and two
susceptibilities control how a kernel and the difference of two nearby inputs propagate:

.. math::

    \chi_\parallel(K) = \frac{\sigma_W^2}{2K^2}\,\langle\sigma(z)\sigma(z)(z^2 - K)\rangle_K
    = \frac{d K^{(l+1)}}{d K^{(l)}}, \qquad
    \chi_\perp(K) = \sigma_W^2\,\langle\sigma'(z)\sigma'(z)\rangle_K .

A network is critical when the kernel has a fixed point :math:`K^\star` with
:math:`\chi_\parallel(K^\star) = \chi_\perp(K^\star) = 1`.  The universality classes (RYH §5.2-5.3):

- **scale-invariant** (``"scale-invariant"``): :math:`\sigma(z) = a_+ z` for :math:`z > 0`,
  :math:`a_- z` for :math:`z < 0` (ReLU, leaky ReLU, :math:`|z|`, linear).  Then
  :math:`\langle\sigma^2\rangle_K = (a_+^2 + a_-^2) K/2` and
  :math:`\chi_\parallel = \chi_\perp = \sigma_W^2 (a_+^2 + a_-^2)/2` at every :math:`K`:
  :math:`\sigma_b = 0`, :math:`\sigma_W = \sqrt{2/(a_+^2 + a_-^2)}`, and every :math:`K` is a
  fixed point (``fixed_point_kernel`` is ``None``).
- **K* = 0** (``"K*=0"``): :math:`\sigma(0) = 0`, :math:`\sigma_1 = \sigma'(0) \ne 0` and
  :math:`a_1 = \sigma_3/\sigma_1 + \tfrac34 (\sigma_2/\sigma_1)^2 < 0`
  (:math:`\sigma_k = \sigma^{(k)}(0)`): with :math:`\sigma_b = 0`,
  :math:`\sigma_W = 1/|\sigma_1|` the recursion is :math:`K^{(l+1)} = K^{(l)} + a_1
  (K^{(l)})^2 + O(K^3)` (from :math:`\langle z^2\rangle = K`, :math:`\langle z^4\rangle = 3K^2`),
  which flows to :math:`K^\star = 0`, where both susceptibilities tend to 1 (tanh: 1; erf:
  :math:`\sqrt\pi/2`; sin: 1).
- **nonzero K*** (``"nonzero K*"``): otherwise (e.g. SWISH and GELU, where :math:`a_1 > 0`),
  :math:`\chi_\parallel(K) = \chi_\perp(K)` is solved numerically for :math:`K^\star > 0`
  (bracketing on a logarithmic grid, then Brent's method), :math:`\sigma_W^2 =
  1/\langle\sigma'^2\rangle_{K^\star}` and :math:`\sigma_b^2 = K^\star - \sigma_W^2
  \langle\sigma^2\rangle_{K^\star} \ge 0`.

The Gaussian averages are the one-point moments of :func:`nnqft_sym.expectations.gaussian_moment`;
the kernel against depth is :func:`nnqft_sym.deep.layer_kernels`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp
from scipy import optimize

from .activations import activation_rules
from .deep import layer_kernels
from .expectations import gaussian_moment
from .parsing import parse_expression, to_sympy
from .specification import NetworkSpec, Z
from .validation import check_integer, check_nonnegative, check_positive

__all__ = ["K_STAR_ZERO", "SCALE_INVARIANT", "NONZERO_FIXED_POINT", "UNIVERSALITY_CLASSES",
           "CriticalPoint", "Susceptibilities", "critical_initialisation", "susceptibilities",
           "kernel_flow"]

#: the universality class of activations with a critical fixed point at K* = 0 (tanh, erf)
K_STAR_ZERO = "K*=0"
#: the class of a_+ z / a_- z activations (ReLU, leaky ReLU), critical at every K
SCALE_INVARIANT = "scale-invariant"
#: critical at a fixed point K* > 0 found numerically (SWISH, GELU)
NONZERO_FIXED_POINT = "nonzero K*"
UNIVERSALITY_CLASSES = (K_STAR_ZERO, SCALE_INVARIANT, NONZERO_FIXED_POINT)

#: the nonzero fixed point is searched for on K in [_K_MIN, _K_MAX] (logarithmic grid of _K_GRID)
_K_MIN, _K_MAX, _K_GRID = 1e-3, 1e2, 51


@dataclass(frozen=True)
class Susceptibilities:
    r"""The susceptibilities and the kernel map at given :math:`(\sigma_b, \sigma_W, K)`.

    Attributes
    ----------
    chi_parallel : float or ndarray
        :math:`\chi_\parallel(K) = dK^{(l+1)}/dK^{(l)}`.
    chi_perp : float or ndarray
        :math:`\chi_\perp(K)`.
    next_kernel : float or ndarray
        :math:`K^{(l+1)} = \sigma_b^2 + \sigma_W^2\langle\sigma^2\rangle_K` (equal to ``K`` at a
        fixed point).
    """

    chi_parallel: Any
    chi_perp: Any
    next_kernel: Any


@dataclass(frozen=True)
class CriticalPoint:
    r"""The critical initialisation of an activation (RYH arXiv:2106.10165, ch. 5).

    Attributes
    ----------
    activation : sympy.Expr
        :math:`\sigma(z)`, an expression of :data:`nnqft_sym.Z`.
    sigma_b, sigma_w : sympy.Expr or float
        The critical bias and weight scales: exact SymPy numbers for the scale-invariant and
        K* = 0 classes, floats for a numerically found fixed point.
    universality_class : str
        One of :data:`UNIVERSALITY_CLASSES`.
    chi_parallel, chi_perp : sympy.Expr or float
        The susceptibilities at the fixed point: exactly 1 in closed form, otherwise the
        values at the solution (1 to the solver's accuracy).
    fixed_point_kernel : sympy.Expr, float or None
        :math:`K^\star` (0 for the K* = 0 class); ``None`` for the scale-invariant class, where
        every kernel is a fixed point.
    """

    activation: sp.Expr
    sigma_b: Any
    sigma_w: Any
    universality_class: str
    chi_parallel: Any
    chi_perp: Any
    fixed_point_kernel: Any

    def __str__(self) -> str:
        kernel = ("every K (line of fixed points)" if self.fixed_point_kernel is None
                  else f"K* = {self.fixed_point_kernel}")
        return (f"critical initialisation of {self.activation}: sigma_b = {self.sigma_b}, "
                f"sigma_W = {self.sigma_w}, {kernel}, class {self.universality_class}")


def _activation(activation: Any) -> sp.Expr:
    """The activation as a SymPy expression of Z from an expression, a string or a network."""
    if isinstance(activation, NetworkSpec):
        if activation.normalisation != 1:
            raise ValueError(f"activation: criticality is defined for a fixed activation; "
                             f"{activation.name} multiplies it by the kernel-dependent "
                             f"normalisation {activation.normalisation}")
        return activation.activation
    if isinstance(activation, str):
        expr = parse_expression(activation, {"z": Z}, "activation")
    else:
        expr = to_sympy(activation, "activation")
    if not isinstance(expr, sp.Expr) or expr.free_symbols != {Z}:
        raise ValueError("activation must be a non-constant expression of nnqft_sym.Z only "
                         f"(or a string in z), got {activation!r}")
    return expr


def _moments(activation: sp.Expr, kernel: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """<sigma^2>_K, <sigma^2 z^2>_K and <sigma'^2>_K by gaussian_moment (expanded integrands)."""
    cov = np.asarray(kernel, float)[..., None, None]
    square = sp.expand(activation ** 2)
    return (gaussian_moment(square, cov), gaussian_moment(sp.expand(square * Z ** 2), cov),
            gaussian_moment(sp.expand(sp.diff(activation, Z) ** 2), cov))


def susceptibilities(activation: Any, sigma_b: Any, sigma_w: Any, kernel: Any) -> Susceptibilities:
    r""":math:`\chi_\parallel`, :math:`\chi_\perp` and the next kernel at :math:`(\sigma_b, \sigma_W, K)`.

    Parameters
    ----------
    activation : sympy expression of :data:`nnqft_sym.Z`, str or Network
        A string is read by the restricted parser :func:`nnqft_sym.parse_expression` (name
        ``z``); a network gives its activation.
    sigma_b : number >= 0
    sigma_w : number > 0
    kernel : number or array of numbers > 0
        The single-input kernel :math:`K^{(l)}(x, x)`.

    Returns
    -------
    Susceptibilities
        Floats for a scalar ``kernel``, arrays of its shape otherwise.

    Raises
    ------
    TypeError, ValueError
        For a non-numeric or out-of-range scale or kernel.

    Examples
    --------
    >>> import sympy as sp
    >>> from nnqft_sym import Z
    >>> from nnqft_sym.criticality import susceptibilities
    >>> chi = susceptibilities(sp.Max(0, Z), 0, sp.sqrt(2), 0.7)
    >>> round(chi.chi_parallel, 12), round(chi.chi_perp, 12), round(chi.next_kernel, 12)
    (1.0, 1.0, 0.7)
    """
    act = _activation(activation)
    sb, sw = check_nonnegative(sigma_b, "sigma_b"), check_positive(sigma_w, "sigma_w")
    if sb.free_symbols or sw.free_symbols:
        raise ValueError("sigma_b and sigma_w must be numbers for the susceptibilities, "
                         f"got {sigma_b!r}, {sigma_w!r}")
    try:
        k = (None if kernel is None or isinstance(kernel, (str, bool))
             else np.asarray(kernel, dtype=float))
    except (TypeError, ValueError):
        k = None
    if k is None:
        raise TypeError(f"kernel must be a positive number or an array of them, got {kernel!r}")
    if not np.all(np.isfinite(k)) or np.any(k <= 0):
        raise ValueError(f"kernel must be positive and finite (K > 0), got {kernel!r}")
    second, fourth, slope = _moments(act, k)
    sw2, sb2 = float(sw) ** 2, float(sb) ** 2
    out = (sw2 * (fourth - k * second) / (2 * k * k), sw2 * slope, sb2 + sw2 * second)
    return Susceptibilities(*(float(v) if np.ndim(v) == 0 else np.asarray(v) for v in out))


def _taylor(activation: sp.Expr, order: int) -> list[sp.Expr]:
    """sigma^(k)(0), k = 0..order."""
    return [sp.simplify(sp.limit(sp.diff(activation, Z, k), Z, 0)) for k in range(order + 1)]


def _scale_invariant(act: sp.Expr) -> CriticalPoint:
    a_plus, a_minus = act.subs(Z, 1), -act.subs(Z, -1)
    sigma_w = sp.sqrt(sp.Integer(2) / (a_plus ** 2 + a_minus ** 2))
    return CriticalPoint(act, sp.Integer(0), sp.nsimplify(sigma_w), SCALE_INVARIANT,
                         sp.Integer(1), sp.Integer(1), None)


def _nonzero_fixed_point(act: sp.Expr) -> CriticalPoint:
    """Solve chi_par(K) = chi_perp(K) (with sigma_W^2 = 1 / <sigma'^2>) for K > 0."""
    def mismatch(k: Any) -> Any:
        second, fourth, slope = _moments(act, k)
        return (fourth - k * second) / (2 * k * k) - slope

    grid = np.logspace(np.log10(_K_MIN), np.log10(_K_MAX), _K_GRID)
    values = mismatch(grid)
    for i in np.flatnonzero(np.sign(values[:-1]) * np.sign(values[1:]) < 0):
        k_star = optimize.brentq(lambda k: float(mismatch(np.array(k))), grid[i], grid[i + 1],
                                 xtol=1e-14, rtol=1e-13)
        second, _, slope = (float(v) for v in _moments(act, np.array(k_star)))
        sw2 = 1.0 / slope
        sb2 = k_star - sw2 * second
        if sb2 < -1e-10 * k_star:  # the fixed point would need a negative bias variance
            continue
        sb, sw = float(np.sqrt(max(sb2, 0.0))), float(np.sqrt(sw2))
        chi = susceptibilities(act, sb, sw, k_star)
        return CriticalPoint(act, sb, sw, NONZERO_FIXED_POINT, chi.chi_parallel, chi.chi_perp,
                             float(k_star))
    raise ValueError(f"activation: {act} has no critical initialisation (no fixed point K* in "
                     f"[{_K_MIN:g}, {_K_MAX:g}] with chi_parallel = chi_perp = 1 and "
                     "sigma_b^2 >= 0, nor a K* = 0 or scale-invariant critical point)")


def critical_initialisation(activation: Any) -> CriticalPoint:
    r"""The critical :math:`(\sigma_b, \sigma_W)`, the universality class and the fixed point.

    Parameters
    ----------
    activation : sympy expression of :data:`nnqft_sym.Z`, str or Network
        A string is read by the restricted parser :func:`nnqft_sym.parse_expression` (name
        ``z``, never executed); a network gives its activation (it must have no
        kernel-dependent normalisation).

    Returns
    -------
    CriticalPoint
        Exact SymPy values for the scale-invariant and K* = 0 classes, floats for a fixed point
        found numerically (see the module docstring for the classification).

    Raises
    ------
    ValueError
        If the activation depends on other symbols, has a normalisation, or has no critical
        point (e.g. the sigmoid or softplus).
    ParseError
        For a string that the restricted parser refuses.

    References
    ----------
    Roberts, Yaida, Hanin, arXiv:2106.10165, §5.2-5.3.

    Examples
    --------
    >>> import sympy as sp
    >>> from nnqft_sym import Z, critical_initialisation
    >>> crit = critical_initialisation(sp.tanh(Z))
    >>> crit.sigma_b, crit.sigma_w, crit.universality_class, crit.fixed_point_kernel
    (0, 1, 'K*=0', 0)
    >>> critical_initialisation("Max(0, z)").sigma_w
    sqrt(2)
    >>> critical_initialisation(sp.erf(Z)).sigma_w
    sqrt(pi)/2
    """
    act = _activation(activation)
    rules = activation_rules(act)
    if rules.homogeneity == 1:
        return _scale_invariant(act)
    if 0.0 not in rules.kinks:
        s0, s1, s2, s3 = _taylor(act, 3)
        if s0 == 0 and s1.is_nonzero and (s3 / s1 + sp.Rational(3, 4) * (s2 / s1) ** 2).is_negative:
            return CriticalPoint(act, sp.Integer(0), sp.nsimplify(1 / sp.Abs(s1)), K_STAR_ZERO,
                                 sp.Integer(1), sp.Integer(1), sp.Integer(0))
    return _nonzero_fixed_point(act)


def kernel_flow(activation: Any, sigma_b: Any, sigma_w: Any, depth: int,
                x: Any = 1.0) -> np.ndarray:
    r"""The kernel :math:`K^{(l)}(x, x)` against depth, l = 1..``depth`` + 1 (the last: output).

    From :func:`nnqft_sym.deep.layer_kernels` of a depth-``depth`` network with this activation
    (:math:`K^{(1)} = \sigma_b^2 + \sigma_W^2 x\cdot x/d_{in}`, then the recursion).

    Examples
    --------
    >>> import sympy as sp
    >>> from nnqft_sym import Z
    >>> from nnqft_sym.criticality import kernel_flow
    >>> kernel_flow(sp.Max(0, Z), 0, sp.sqrt(2), 3, 0.5).round(12).tolist()   # critical ReLU
    [0.5, 0.5, 0.5, 0.5]
    """
    depth = check_integer(depth, "depth", 1)
    net = NetworkSpec(_activation(activation), sigma_w=sigma_w, sigma_b=sigma_b, depth=depth)
    return layer_kernels(net, x, x)[..., 0]
