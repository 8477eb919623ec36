r"""A fast vectorised rule for the pair expectation of a smooth activation, many covariances at once.

The deep control variate of the conditional estimator (:mod:`numeric.conditional`) needs the
kernel map :math:`T(X)_{ab} = \sigma_b^2 + w\,E_X[\phi(z_a)\phi(z_b)]` *per network*, accurate
enough that the martingale differences :math:`X_{l+1} - T(X_l)` have mean zero to rounding:
an error :math:`\epsilon` in :math:`T` biases :math:`N\Delta G^{(4)}` by about
:math:`N K \epsilon`.  The general rule :func:`nnqft_sym.quadrature.gaussian_expectation` is
accurate to ~1e-15 but costs about a millisecond per covariance; a Gauss-Hermite product rule
converges only like :math:`e^{-c\sqrt n}` for an activation with complex poles (tanh: 24 nodes
are off by 3e-3 at variance 3, 128 nodes by 1e-8).

This module integrates in the eigenbasis of each 2x2 covariance,
:math:`(z_a, z_b) = L (u_1, u_2)`, :math:`L = [\sqrt{\lambda_1} e_1, \sqrt{\lambda_2} e_2]`,
with the *trapezoidal* rule in each standard normal :math:`u_i`.  For an integrand analytic in
the strip :math:`|\mathrm{Im}\, u| < d` the trapezoidal rule with step :math:`h` is exact up to
:math:`O(e^{-2\pi d/h})` (Trefethen & Weideman, SIAM Review 56 (2014) 385, sec. 5); a pole of
:math:`\phi` at distance :math:`\delta` from the real axis (tanh: :math:`\pi/2`) sits at
:math:`d = \delta/\sqrt{\lambda_i}` in :math:`u_i`, so the step :math:`h_i = h_0/\sqrt{\lambda_i}`
(capped so that the Gaussian weight itself is integrated exactly) keeps the error uniform in the
variance, and nearly coincident points (:math:`\lambda_2 \ll \lambda_1`) need few nodes across.
The step :math:`h_0` is calibrated once per activation against
:func:`~nnqft_sym.quadrature.gaussian_expectation` at several covariances, halving until the
worst error is below ``tol`` (relative to :math:`E[\phi^2]`), and the calibration is checked
again at the largest variance of every batch; a batch outside the calibrated variance range is
refined before it is evaluated, never silently less accurate.
"""
from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np
import sympy as sp

from .activations import activation_rules
from .quadrature import gaussian_expectation

__all__ = ["TrapezoidPairRule", "trapezoid_pair_rule"]

#: the standard normal is cut at |u| <= _CUT (the weight there is e^{-_CUT^2 / 2} ~ 1e-14)
_CUT = 8.0
#: largest step of the trapezoidal rule for the Gaussian weight alone (error ~ e^{-2 pi^2 / h^2})
_MAX_STEP = 0.75
#: node counts are rounded up to multiples of this, so a batch falls into few node sets
_GRAIN = 4
#: elements (values x nodes x nodes) evaluated at once
_CHUNK = 2 ** 21
#: calibration covariances (variance scale s, correlation rho)
_CALIBRATION = ((1.0, 0.9), (1.0, -0.5), (1.0, 0.0), (1.0, 0.999))


class TrapezoidPairRule:
    r""":math:`E[\phi(z_a)\phi(z_b)]`, :math:`(z_a, z_b) \sim N(0, [[s_x, c], [c, s_y]])`, vectorised.

    Parameters
    ----------
    activation : sympy expression of :data:`nnqft_sym.Z`
        A smooth activation (no kinks; kinked ones have closed forms or need the general rule).
    tol : float
        Target error relative to :math:`E[\phi^2]`, default 1e-12.
    variance : float
        The largest variance the first calibration covers (more is calibrated when met).

    Attributes
    ----------
    step : float
        The calibrated :math:`h_0`; the step in :math:`u_i` is :math:`h_0 / \sqrt{\lambda_i}`.

    Examples
    --------
    >>> import numpy as np, sympy as sp
    >>> from nnqft_sym import Z
    >>> from nnqft_sym.quadrature import gaussian_expectation
    >>> rule = TrapezoidPairRule(sp.tanh(Z))
    >>> cov = np.array([[3.0, 2.9], [2.9, 3.0]])
    >>> value = rule(np.array([3.0]), np.array([3.0]), np.array([2.9]))[0]
    >>> bool(abs(value - gaussian_expectation([np.tanh, np.tanh], cov)) < 1e-12)
    True
    """

    def __init__(self, activation: sp.Expr, tol: float = 1e-12, variance: float = 1.0) -> None:
        rules = activation_rules(activation)
        if rules.kinks:
            raise ValueError(f"TrapezoidPairRule needs a smooth activation; {activation} has kinks "
                             f"at {list(rules.kinks)} (use its closed form or the general rule)")
        if not (isinstance(tol, float | int) and 0 < tol < 1):
            raise ValueError(f"tol must be in (0, 1), got {tol!r}")
        self.activation = activation
        self.tol = float(tol)
        self._phi = rules.derivative_functions[0]
        self.step = 0.6
        self._calibrated = 0.0
        self._calibrate(float(variance))

    # ------------------------------------------------------------------ calibration
    def _calibrate(self, variance: float) -> None:
        """Halve the step until the rule agrees with the general one at ``variance``."""
        covs = [np.array([[s * variance, r * s * variance], [r * s * variance, s * variance]])
                for s, r in _CALIBRATION]
        exact = [float(gaussian_expectation([self._phi, self._phi], c)) for c in covs]
        scale = max(abs(float(gaussian_expectation([self._phi, self._phi],
                                                   np.array([[variance, variance],
                                                             [variance, variance]])))), 1e-300)
        for _ in range(30):
            got = [float(self._evaluate(np.array([c[0, 0]]), np.array([c[1, 1]]),
                                        np.array([c[0, 1]]))[0]) for c in covs]
            if max(abs(g - e) for g, e in zip(got, exact)) <= self.tol * scale:
                self._calibrated = max(self._calibrated, variance)
                return
            self.step *= 0.8
        raise ValueError(f"the trapezoidal pair rule of {self.activation} does not reach "
                         f"tol = {self.tol:g} at variance {variance:g} (step {self.step:.3g})")

    # ------------------------------------------------------------------ evaluation
    def __call__(self, sx: Any, sy: Any, c: Any) -> np.ndarray:
        """The pair expectation at arrays ``sx, sy, c`` of one shape (``c^2 <= sx sy``)."""
        sx, sy, c = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (sx, sy, c)))
        if sx.size == 0:
            return np.zeros(sx.shape)
        if np.any(sx <= 0) or np.any(sy <= 0):
            raise ValueError("the pair rule needs positive variances s_x, s_y")
        largest = float(max(sx.max(), sy.max()))
        if largest > self._calibrated:
            self._calibrate(2 * largest)
        flat = [a.ravel() for a in (sx, sy, c)]
        return self._evaluate(*flat).reshape(sx.shape)

    def _evaluate(self, sx: np.ndarray, sy: np.ndarray, c: np.ndarray) -> np.ndarray:
        # eigen-decomposition of [[sx, c], [c, sy]] per entry
        mean, half = (sx + sy) / 2, np.hypot((sx - sy) / 2, c)
        lam1, lam2 = mean + half, np.maximum(mean - half, 0.0)
        theta = 0.5 * np.arctan2(2 * c, sx - sy)
        cos, sin = np.cos(theta), np.sin(theta)
        r1, r2 = np.sqrt(lam1), np.sqrt(lam2)
        l11, l12, l21, l22 = r1 * cos, -r2 * sin, r1 * sin, r2 * cos
        out = np.empty(sx.shape)
        h1 = np.minimum(self.step / r1, _MAX_STEP)
        h2 = np.minimum(self.step / np.maximum(r2, 1e-300), _MAX_STEP)
        n1 = _GRAIN * np.ceil(_CUT / h1 / _GRAIN).astype(int)      # coarse counts: few groups
        n2 = np.where(lam2 > 0, _GRAIN * np.ceil(_CUT / h2 / _GRAIN), 0).astype(int)  # 0: 1-d
        # one node set per group of equal node counts (entries of one batch are alike)
        keys = n1 * 100003 + n2
        for key in np.unique(keys):
            idx = np.flatnonzero(keys == key)
            m1, m2 = int(n1[idx[0]]), int(n2[idx[0]])
            u1, w1 = _nodes(m1)
            u2, w2 = _nodes(m2)
            per = max(1, _CHUNK // ((2 * m1 + 1) * (2 * m2 + 1)))
            for start in range(0, len(idx), per):
                j = idx[start:start + per]
                za = l11[j, None, None] * u1[:, None] + l12[j, None, None] * u2[None, :]
                zb = l21[j, None, None] * u1[:, None] + l22[j, None, None] * u2[None, :]
                out[j] = np.einsum("mij,i,j->m", self._phi(za) * self._phi(zb), w1, w2)
        return out


@functools.lru_cache(maxsize=64)
def _nodes(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Trapezoidal nodes and N(0, 1) weights on [-_CUT, _CUT] with 2n + 1 points (n = 0: the
    single node 0 of weight 1, for a direction of zero variance)."""
    if n == 0:
        return np.zeros(1), np.ones(1)
    u = np.linspace(-_CUT, _CUT, 2 * n + 1)
    h = u[1] - u[0]
    return u, h * np.exp(-u * u / 2) / math.sqrt(2 * math.pi)


@functools.lru_cache(maxsize=16)
def trapezoid_pair_rule(activation: sp.Expr, tol: float = 1e-12) -> TrapezoidPairRule:
    """The cached :class:`TrapezoidPairRule` of an activation.

    Examples
    --------
    >>> import sympy as sp
    >>> from nnqft_sym import Z
    >>> trapezoid_pair_rule(sp.tanh(Z)) is trapezoid_pair_rule(sp.tanh(Z))
    True
    """
    return TrapezoidPairRule(activation, tol)
