r"""Wilson-Fisher fixed point of the Polchinski LPA by shooting (no field-polynomial truncation).

The dimensionless Polchinski LPA (see :mod:`.lpa`),
:math:`\partial_t v = -d\,v + \tfrac{d-2}{2}\phi v' - v'' + v'^2`, written for
:math:`f = v'` (odd in :math:`\phi`; the constant mode of :math:`v`, eigenvalue :math:`-d`,
drops out) reads

.. math::

    \partial_t f = -b f + a\phi f' - f'' + 2 f f', \qquad a = \tfrac{d-2}{2},\;
    b = \tfrac{d+2}{2}.

**Fixed point.** :math:`f'' = -b f + a\phi f' + 2 f f'` with :math:`f(0) = 0` and
:math:`f'(0) = \sigma = v''(0)` (:math:`v(0) = -\sigma/d` follows from the equation at
:math:`\phi = 0`).  A generic :math:`\sigma` gives a solution that ends in a singularity at
finite :math:`\phi`, either escaping upwards (:math:`f' \to +\infty`) or turning down
(:math:`f'` crosses zero from above); the global solutions sit where the outcome changes.
Three exist in :math:`3 \le d < 4`: :math:`\sigma = 0` (Gaussian, :math:`f = 0`),
:math:`\sigma = 1` (the trivial :math:`f = \phi`) and the Wilson-Fisher point, found by scanning
:math:`\sigma` for changes of the outcome, bisecting each to machine precision, discarding 0 and 1
and keeping the root closest to 0.

**Eigenvalues.** A perturbation :math:`f = f^* + \delta` with :math:`\partial_t\delta =
e\,\delta` (:math:`e` an eigenvalue of the stability matrix, :math:`\nu = -1/e_{min}`,
:math:`\omega` the smallest positive one) solves

.. math:: -\delta'' + (a\phi + 2 f^*)\delta' + (2 f^{*\prime} - b)\delta = e\,\delta,
          \qquad \delta(0) = 0,\; \delta'(0) = 1.

The second solution grows like :math:`\exp\int(a\phi + 2f^*)`; an eigenfunction grows only
like a power, for which :math:`\delta''` is negligible, so at the matching point
:math:`\phi_m` the condition :math:`(a\phi_m + 2f^*)\delta' + (2f^{*\prime} - b - e)\delta = 0`
selects it; the eigenvalues are the roots in :math:`e` (scan plus Brent).  The error of this
condition falls fast with :math:`\phi_m` (d = 3: :math:`\nu` changes by 2e-7 from
:math:`\phi_m = 5` to 5.5); the difference between :math:`\phi_m` and :math:`\phi_m - 1/2` is
reported as the error estimate.  :math:`\phi_m` is bounded by the accuracy of :math:`f^*`
(its deviation from a double-precision :math:`\sigma^*` grows like the same exponential).

By the Legendre-transform equivalence of the Polchinski LPA and the Wetterich LPA with Litim's
regulator (T. R. Morris, JHEP 0507 (2005) 027; Bervillier, Juttner, Litim 2007), the exponents
equal the Wetterich-Litim LPA values, :math:`\nu = 0.649562, \omega = 0.655746` in d = 3, which
the polynomial truncations of the Polchinski flow do not reach (Morris, Phys. Lett. B334 (1994)
355).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import integrate, optimize

__all__ = ["PolchinskiFixedPoint", "polchinski_fixed_point"]

_RTOL, _ATOL = 1e-13, 1e-15
_ESCAPE = 50.0  # f' above this: the solution escapes upwards


@dataclass(frozen=True)
class PolchinskiFixedPoint:
    r"""The Wilson-Fisher fixed point of the Polchinski LPA and its exponents.

    Attributes
    ----------
    d : float
        Dimension.
    sigma : float
        :math:`v''(0) = f'(0)` at the fixed point (bisected to machine precision).
    eigenvalues : numpy.ndarray
        Stability eigenvalues :math:`e` found in the scanned window (sorted).
    nu, omega : float
        :math:`-1/e_{min}` and the smallest positive eigenvalue.
    nu_error, omega_error : float
        Change of :math:`\nu, \omega` when the matching point moves from
        :math:`\phi_m - 1/2` to :math:`\phi_m` (error estimate).
    matching : float
        The matching point :math:`\phi_m`.
    """

    d: float
    sigma: float
    eigenvalues: np.ndarray
    nu: float
    omega: float
    nu_error: float
    omega_error: float
    matching: float

    #: the setting in words (shooting solves the full LPA: no regulator, no truncation)
    setting = "Polchinski LPA (no regulator), no truncation: fixed-point ODE by shooting"

    def __str__(self) -> str:
        return (f"nu = {self.nu:.8f} +- {self.nu_error:.1e}, omega = {self.omega:.8f} +- "
                f"{self.omega_error:.1e}  ({self.setting}, d = {self.d:g})")

    @property
    def potential_at_zero(self) -> float:
        r""":math:`v(0) = -\sigma/d` (the fixed-point equation at :math:`\phi = 0`)."""
        return -self.sigma / self.d

    def solution(self, phi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        r""":math:`(f^*(\phi), f^{*\prime}(\phi))` for :math:`0 \le \phi \le \phi_m`."""
        phi = np.atleast_1d(np.asarray(phi, float))
        if np.any(phi < 0) or np.any(phi > self.matching):
            raise ValueError(f"phi must lie in [0, {self.matching}] (the matching point)")
        sol = _integrate(self.d, self.sigma, self.matching, dense=True)
        return sol.sol(phi)[0], sol.sol(phi)[1]


def _rhs(d: float, e: float | None):
    a, b = (d - 2.0) / 2.0, (d + 2.0) / 2.0

    def rhs(x: float, y: np.ndarray) -> list[float]:
        f, fp = y[0], y[1]
        out = [fp, -b * f + a * x * fp + 2.0 * f * fp]
        if e is not None:
            out += [y[3], (a * x + 2.0 * f) * y[3] + (2.0 * fp - b - e) * y[2]]
        return out
    return rhs


def _integrate(d: float, sigma: float, end: float, dense: bool = False):
    return integrate.solve_ivp(_rhs(d, None), (0.0, end), [0.0, sigma], method="DOP853",
                               rtol=_RTOL, atol=_ATOL, dense_output=dense)


def _outcome(d: float, sigma: float, end: float = 40.0) -> int:
    """+1: escapes upwards, -1: turns down, 0: neither before ``end``."""
    def up(x: float, y: np.ndarray) -> float:
        return y[1] - _ESCAPE

    def down(x: float, y: np.ndarray) -> float:
        return y[1]
    up.terminal = down.terminal = True
    up.direction, down.direction = 1, -1
    sol = integrate.solve_ivp(_rhs(d, None), (0.0, end), [0.0, sigma], method="DOP853",
                              rtol=_RTOL, atol=_ATOL, events=[up, down])
    if sol.t_events[0].size:
        return 1
    return -1 if sol.t_events[1].size else 0


def _bisect(d: float, lo: float, hi: float) -> float:
    out_lo = _outcome(d, lo)
    while True:
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            return mid
        if _outcome(d, mid) == out_lo:
            lo = mid
        else:
            hi = mid


def _matching_condition(d: float, sigma: float, e: float, matching: float) -> float:
    sol = integrate.solve_ivp(_rhs(d, e), (0.0, matching), [0.0, sigma, 0.0, 1.0],
                              method="DOP853", rtol=_RTOL, atol=_ATOL)
    f, fp, dl, dlp = sol.y[:, -1]
    return ((d - 2.0) / 2.0 * matching + 2.0 * f) * dlp + (2.0 * fp - (d + 2.0) / 2.0 - e) * dl


def _eigenvalues(d: float, sigma: float, matching: float, window: tuple[float, float]
                 ) -> np.ndarray:
    grid = np.linspace(window[0], window[1], int(round((window[1] - window[0]) / 0.1)) + 1)
    values = [_matching_condition(d, sigma, e, matching) for e in grid]
    roots = [optimize.brentq(lambda e: _matching_condition(d, sigma, e, matching), lo, hi,
                             xtol=1e-13)
             for lo, hi, vl, vh in zip(grid[:-1], grid[1:], values[:-1], values[1:])
             if np.sign(vl) != np.sign(vh)]
    return np.array(sorted(roots))


def _exponents(eig: np.ndarray, d: float) -> tuple[float, float]:
    negative, positive = eig[eig < 0], eig[eig > 0]
    if negative.size != 1 or positive.size == 0:
        raise RuntimeError(f"Polchinski shooting in d = {d}: expected one relevant eigenvalue "
                           f"and at least one irrelevant one, found {eig}")
    return float(-1.0 / negative[0]), float(positive[0])


def polchinski_fixed_point(d: float = 3.0, *, matching: float = 5.5,
                           window: tuple[float, float] = (-3.0, 2.0)) -> PolchinskiFixedPoint:
    r"""Wilson-Fisher fixed point of the Polchinski LPA by shooting, with :math:`\nu, \omega`.

    Parameters
    ----------
    d : float, 3 <= d < 4
        Dimension (below 3 further multicritical points appear; not handled).
    matching : float > 1
        Matching point :math:`\phi_m` of the eigenvalue problem (see the module docstring).
    window : (float, float)
        Eigenvalues are searched in this interval (step 0.1).

    Returns
    -------
    PolchinskiFixedPoint

    Raises
    ------
    ValueError
        For d outside [3, 4), a matching point <= 1 or an empty window.
    RuntimeError
        If no Wilson-Fisher solution or not exactly one relevant eigenvalue is found.

    Examples
    --------
    >>> from nnqft_sym.rg import polchinski_fixed_point
    >>> fp = polchinski_fixed_point(3)
    >>> round(fp.nu, 5), round(fp.omega, 5)    # = Wetterich LPA with Litim's regulator
    (0.64956, 0.65575)
    """
    d = float(d)
    if not 3.0 <= d < 4.0:
        raise ValueError(f"d must satisfy 3 <= d < 4, got {d}")
    matching = float(matching)
    if not matching > 1.0:
        raise ValueError(f"matching must be > 1, got {matching}")
    if not window[0] < window[1]:
        raise ValueError(f"window must be (low, high) with low < high, got {window}")
    # outcome changes on a sigma grid (refined near 0, where sigma* ~ 4 - d); the exact
    # solutions 0 (Gaussian) and 1 (f = phi) are discarded after bisection
    near = np.logspace(-4.0, 0.0, 33)
    grid = np.unique(np.concatenate([np.linspace(-2.0, 2.0, 201), near, -near]))
    outcomes = [_outcome(d, s) for s in grid]
    roots = [_bisect(d, lo, hi) for lo, hi, ol, oh in zip(grid[:-1], grid[1:], outcomes[:-1],
                                                          outcomes[1:])
             if ol != oh and ol != 0 and oh != 0]
    roots = [r for r in roots if min(abs(r), abs(r - 1.0)) > 1e-9]
    if not roots:
        raise RuntimeError(f"no Wilson-Fisher solution of the Polchinski LPA found in d = {d}")
    sigma = min(roots, key=abs)
    eig = _eigenvalues(d, sigma, matching, window)
    nu, omega = _exponents(eig, d)
    nu_prev, omega_prev = _exponents(_eigenvalues(d, sigma, matching - 0.5, window), d)
    return PolchinskiFixedPoint(d, float(sigma), eig, nu, omega, abs(nu - nu_prev),
                                abs(omega - omega_prev), matching)
