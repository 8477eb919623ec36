r"""The LPA fixed-point potential and its exponents without a polynomial truncation.

The dimensionless Wetterich LPA of an O(N) model (:mod:`.lpa`), differentiated once in
:math:`\rho` and written for :math:`w = u'(\rho)` (the constant mode of :math:`u`, eigenvalue
:math:`-d`, drops out), reads

.. math::

    \partial_t w = -2 w + (d-2)\rho w' + (N-1)\,\ell'(w)\, w' + \ell'(W)\, W', \qquad
    W = w + 2\rho w', \quad W' = 3 w' + 2\rho w''

(large N, rescaled: :math:`\partial_t w = -2w + (d-2)\rho w' + \ell'(w) w'`).  With
:math:`\rho = s\,r`, :math:`s = -\ell'(0)`, the equation in :math:`r` is free of the loop
normalisation (for Litim's regulator :math:`s = c_d`).

**Fixed point.** Chebyshev collocation on :math:`0 \le r \le L` (Gauss-Lobatto points), Newton
with the exact Jacobian of the collocation equations.  No condition is needed at
:math:`r = 0` (the equation is regular there).  At large :math:`r` the coefficient of
:math:`w''`, :math:`2r\ell'(W)`, vanishes like a power, so every solution other than the fixed
point leaves through a fast mode growing like :math:`\exp\int (d-2) r / (2r|\ell'(W)|)`; at
:math:`r = L` the equation without the :math:`w''` term is imposed, and its error stays in a
boundary layer near :math:`L` (the fast mode decays inwards faster than any power).  The
grid is :math:`L = 8\kappa^*` by default; the exponents change by less than :math:`10^{-10}`
from (80 points, :math:`8\kappa^*`) to (120 points, :math:`10\kappa^*`) in d = 3 (tested).
The starting guess is the power law :math:`w \propto (r/\kappa)^{2/(d-2)} - 1` through the
minimum and slope of the truncation-2 fixed point; below d = 2.8 (where that start is poor; it
does not exist below d = 2.5) the solution is followed from d = 3 in steps of 0.1 (0.05 below
d = 2.5), each Newton solve starting from the Chebyshev interpolant of the previous one on a
grid no longer than the previous grid.  Towards d = 2 the potential flattens and its growth
:math:`w \sim r^{2/(d-2)}` steepens (power 20 at d = 2.1), so below d = 2.5 the grid shrinks to
:math:`\max(1.6, L^{2(d-2)})\,\kappa^*` (the same dynamic range of :math:`w` as at d = 2.5).
Reached down to d = 2.1 (:data:`D_MIN_FULL`): there 80 and 120 points agree to
:math:`1.3\times 10^{-6}` in :math:`\nu = 2.086729` and :math:`1.2\times 10^{-5}` in
:math:`\omega = 1.171301`.

**LPA'** (``lpa_prime=True``, one component): the flow gets :math:`-(2-\eta) w + (d-2+\eta)\rho
w'` and :math:`1 - \eta/(d+2)` on the loop terms, with :math:`\eta` the Goldstone anomalous
dimension of :func:`~nnqft_sym.rg.derive_anomalous_dimension` at the minimum of :math:`w`;
Newton at fixed :math:`\eta` is iterated on :math:`\eta = \eta(w)` to :math:`10^{-13}`, and the
stability operator adds :math:`\partial_\eta(\text{flow}) \otimes \partial\eta/\partial w`.
d = 3: :math:`\eta = 0.0442723374`, :math:`\nu = 0.636795066`, :math:`\omega = 0.7268290`,
equal to the polynomial LPA' at truncation 12 to :math:`10^{-7}, 2\times 10^{-6}, 10^{-5}`.

**Exponents.** The collocation matrix of the linearised flow (the Jacobian, with the same
boundary row) is the stability operator: its eigenvalues :math:`e` give
:math:`\nu = -1/e_{min}` and :math:`\omega` the smallest positive one.  Spurious eigenvalues of
the boundary layer come in large complex pairs; only real eigenvalues are kept.  The error
estimate is the change from a resolution of ``3 M / 4`` points to ``M``.  Without a truncation
the exponents have no truncation artefacts: d = 3, N = 1 gives :math:`\nu, \omega` equal to
Bervillier-Juttner-Litim (arXiv:hep-th/0701172) to :math:`10^{-10}, 10^{-9}` in about 0.3 s.

References: C. Wetterich, Phys. Lett. B 301 (1993) 90 (arXiv:1710.05815); D. F. Litim,
Phys. Rev. D 64 (2001) 105007 (arXiv:hep-th/0103195); spectral methods for FRG fixed points: J. Borchardt, B. Knorr, Phys. Rev. D 91 (2015)
105011 (arXiv:1502.07511).
"""
from __future__ import annotations

import functools
import math
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from .action import LARGE_N, check_n_components, check_spacetime_dimension
from .anomalous_dimension import _R, _U2, derive_anomalous_dimension
from .defaults import DEFAULT_REGULATOR
from .fixed_points import critical_exponents
from .regulators import Regulator, get_regulator

__all__ = ["FullPotentialFixedPoint", "full_potential_fixed_point"]

#: the lowest dimension the collocation solver reaches (validated with two grid sizes)
D_MIN_FULL = 2.1


@dataclass(frozen=True)
class FullPotentialFixedPoint:
    r"""The LPA Wilson-Fisher fixed point of an O(N) model on a grid, with its exponents.

    Attributes
    ----------
    d : float
        Dimension.
    n_components : int or sympy.oo
        Number N of field components.
    regulator : str
        The Wetterich regulator.
    rho : numpy.ndarray, shape (M + 1,)
        Collocation points :math:`0 \le \tilde\rho \le \tilde\rho_{max}` (dimensionless).
    potential : numpy.ndarray, shape (M + 1,)
        :math:`u^*(\tilde\rho)` (from the fixed-point equation, constant included).
    derivative : numpy.ndarray, shape (M + 1,)
        :math:`u^{*\prime}(\tilde\rho)`.
    minimum : float
        :math:`\kappa^*`, the zero of :math:`u^{*\prime}` (0 if there is none).
    eigenvalues : numpy.ndarray
        The lowest physical stability eigenvalues (sorted; the constant mode :math:`-d` is
        not among them).
    nu, omega : float
        :math:`-1/e_{min}` and the smallest positive eigenvalue.
    nu_error, omega_error : float
        Change of :math:`\nu, \omega` from a resolution of ``3 M / 4`` points to ``M``.
    eta : float
        The LPA' anomalous dimension (``lpa_prime=True``); 0 in the LPA.
    """

    d: float
    n_components: Any
    regulator: str
    rho: np.ndarray
    potential: np.ndarray
    derivative: np.ndarray
    minimum: float
    eigenvalues: np.ndarray
    nu: float
    omega: float
    nu_error: float
    omega_error: float
    eta: float = 0.0

    @property
    def setting(self) -> str:
        """The setting in words."""
        model = ("" if self.n_components == 1 else " of the O(N) model at large N"
                 if self.n_components is LARGE_N else f" of the O({self.n_components}) model")
        lpa = "LPA' (Z from the Goldstone mode at the minimum)" if self.eta else "LPA"
        return (f"Wetterich {lpa}{model}, {self.regulator} regulator, full potential "
                f"(Chebyshev collocation, {self.rho.size} points)")

    def __str__(self) -> str:
        eta = f"eta = {self.eta:.10f}, " if self.eta else ""
        return (f"{eta}nu = {self.nu:.10f} +- {self.nu_error:.1e}, omega = {self.omega:.10f} +- "
                f"{self.omega_error:.1e}  ({self.setting}, d = {self.d:g})")


@functools.lru_cache(maxsize=None)
def _chebyshev(points: int) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Lobatto nodes on [0, 1] (ascending) and the first-derivative matrix there."""
    m = points - 1
    x = np.cos(np.pi * np.arange(points) / m)
    c = np.ones(points)
    c[0] = c[-1] = 2.0
    c *= (-1.0) ** np.arange(points)
    mat = np.outer(c, 1.0 / c) / (x[:, None] - x[None, :] + np.eye(points))
    mat -= np.diag(mat.sum(axis=1))
    return (x[::-1] + 1.0) / 2.0, 2.0 * mat[::-1, ::-1]


class _Loop:
    r""":math:`\ell^{(j)}(w)/s`, :math:`s = -\ell'(0)`, j = 0, 1, 2, on arrays of curvatures."""

    def __init__(self, regulator: Regulator, d: float) -> None:
        self.regulator, self.d = regulator, d
        if regulator.is_closed_form:  # ell(w) = B / (P + w)
            self.p = float(regulator.propagator_denominator)
            self.base = float(regulator.threshold(0, sp.nsimplify(d), 0)) * self.p
        self.scale = -float(self._raw(1, np.zeros(1))[0])

    def _raw(self, order: int, w: np.ndarray) -> np.ndarray:
        reg = self.regulator
        if reg.is_closed_form:
            return (-1.0) ** order * math.factorial(order) * self.base / (self.p + w) ** (order + 1)
        return np.array([reg.threshold_numeric(order, self.d, float(v)) for v in np.ravel(w)])

    def __call__(self, order: int, w: np.ndarray) -> np.ndarray:
        return self._raw(order, w) / self.scale


def _flow(w: np.ndarray, r: np.ndarray, dmat: np.ndarray, d2mat: np.ndarray, d: float,
          n_comp: Any, loop: _Loop, eta: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """The collocated flow of w (last row without w'') and its Jacobian; with an anomalous
    dimension ``eta`` (LPA') the loop terms carry 1 - eta/(d+2) (Litim-type regulators)."""
    res, jac = _loop_flow(w, r, dmat, d2mat, n_comp, loop)
    factor = 1.0 - eta / (d + 2.0)
    res = -(2.0 - eta) * w + (d - 2.0 + eta) * r * (dmat @ w) + factor * res
    jac = (-(2.0 - eta) * np.eye(r.size) + (d - 2.0 + eta) * r[:, None] * dmat + factor * jac)
    return res, jac


def _loop_flow(w: np.ndarray, r: np.ndarray, dmat: np.ndarray, d2mat: np.ndarray, n_comp: Any,
               loop: _Loop) -> tuple[np.ndarray, np.ndarray]:
    """The loop terms of the collocated flow and their Jacobian."""
    dw, d2w = dmat @ w, d2mat @ w
    interior = np.ones_like(r)
    interior[-1] = 0.0
    eye = np.eye(r.size)
    res = np.zeros_like(w)
    jac = np.zeros((r.size, r.size))
    weight = 1.0 if n_comp is LARGE_N else float(n_comp) - 1.0
    if weight:
        l1, l2 = loop(1, w), loop(2, w)
        res = res + weight * l1 * dw
        jac = jac + weight * (np.diag(l2 * dw) + l1[:, None] * dmat)
    if n_comp is not LARGE_N:
        big_w = w + 2.0 * r * dw
        big_wp = 3.0 * dw + 2.0 * r * interior * d2w
        l1, l2 = loop(1, big_w), loop(2, big_w)
        res = res + l1 * big_wp
        jac = (jac + (l2 * big_wp)[:, None] * (eye + 2.0 * r[:, None] * dmat)
               + l1[:, None] * (3.0 * dmat + 2.0 * (r * interior)[:, None] * d2mat))
    return res, jac


def _solve(d: float, n_comp: Any, loop: _Loop, points: int, kappa: float, slope: float,
           extent: float, previous: np.polynomial.Chebyshev | None = None, eta: float = 0.0
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Newton from the power-law guess through (kappa, slope), or from the interpolant of the
    ``previous`` solution (continuation in d); grid 0..extent * kappa."""
    nodes, dunit = _chebyshev(points)
    r_max = extent * kappa
    if previous is not None:   # stay inside the previous grid: the guess is its interpolant
        r_max = min(r_max, float(previous.domain[1]))
    r, dmat = nodes * r_max, dunit / r_max
    d2mat = dmat @ dmat
    if previous is None:
        power = 2.0 / (d - 2.0)   # large-field scaling w ~ r^(2/(d-2))
        w = slope * kappa / power * ((r / kappa) ** power - 1.0)
    else:
        w = previous(r)
    polish = 0
    for _ in range(100):
        res, jac = _flow(w, r, dmat, d2mat, d, n_comp, loop, eta)
        size = np.max(np.abs(res))
        if size < 1e-10 * max(1.0, np.max(np.abs(w))):
            polish += 1
            if polish > 2:
                return r, w, jac, dmat
        step = np.linalg.solve(jac, -res)
        damping = 1.0
        while not polish and damping > 1e-6:
            with np.errstate(all="ignore"):
                trial = np.max(np.abs(_flow(w + damping * step, r, dmat, d2mat, d, n_comp,
                                            loop, eta)[0]))
            if np.isfinite(trial) and trial < size * (1.0 - damping / 4.0):
                break
            damping /= 2.0
        w = w + damping * step
    raise RuntimeError(f"the collocation Newton solve found no LPA fixed point in d = {d}")


def _exponents(jac: np.ndarray) -> tuple[np.ndarray, float, float]:
    eig = np.linalg.eigvals(jac)
    real = np.sort(eig[np.abs(eig.imag) <= 1e-8 * np.maximum(1.0, np.abs(eig))].real)
    negative, positive = real[real < 0], real[real > 0]
    if negative.size != 1 or positive.size == 0:
        raise RuntimeError(f"expected one relevant and an irrelevant eigenvalue, found "
                           f"{real[:4]}")
    return real[:6], float(-1.0 / negative[0]), float(positive[0])


def _minimum_and_slope(r: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    """The zero of w (Newton on the Chebyshev interpolant) and w' there."""
    series = np.polynomial.Chebyshev.fit(r, w, r.size - 1, domain=[0.0, float(r[-1])])
    slope_series = series.deriv()
    sign = np.nonzero(np.diff(np.sign(w)))[0]
    if sign.size == 0:
        return 0.0, float(slope_series(0.0))
    i = sign[0]
    kappa = float(r[i] - w[i] * (r[i + 1] - r[i]) / (w[i + 1] - w[i]))
    for _ in range(30):
        kappa -= float(series(kappa) / slope_series(kappa))
    return kappa, float(slope_series(kappa))


def _eta_function(d: float, loop: _Loop) -> Any:
    """eta(r, w): the Goldstone LPA' anomalous dimension of
    :func:`~nnqft_sym.rg.derive_anomalous_dimension` at the minimum of w (rho = s r)."""
    expr = derive_anomalous_dimension(sp.nsimplify(d), 1, loop.regulator).expression
    func = sp.lambdify((_R, _U2), expr.subs(sp.Symbol("u_1", real=True), 0), modules="numpy")
    scale = loop.scale

    def eta_of(r: np.ndarray, w: np.ndarray) -> float:
        kappa, slope = _minimum_and_slope(r, w)
        return float(func(kappa * scale, slope / scale))

    return eta_of


def _lpa_prime_solve(d: float, n_comp: Any, loop: _Loop, points: int, kappa: float,
                     slope: float, span: float, previous: Any
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]:
    """The LPA' fixed point: Newton in w at fixed eta, iterated on eta = eta(w) to 1e-13; the
    stability operator adds d(flow)/d(eta) times the gradient of eta(w) (finite differences)."""
    eta_of = _eta_function(d, loop)
    eta = 0.0
    for _ in range(60):
        r, w, jac, dmat = _solve(d, n_comp, loop, points, kappa, slope, span, previous, eta)
        new = eta_of(r, w)
        if abs(new - eta) < 1e-13:
            break
        eta = new
        previous = np.polynomial.Chebyshev.fit(r, w, r.size - 1, domain=[0.0, float(r[-1])])
        kappa, slope = _minimum_and_slope(r, w)
    else:   # pragma: no cover - eta is a strong contraction here
        raise RuntimeError(f"the LPA' anomalous dimension did not converge in d = {d}")
    d2mat = dmat @ dmat
    loop_res = _loop_flow(w, r, dmat, d2mat, n_comp, loop)[0]
    d_flow = w + r * (dmat @ w) - loop_res / (d + 2.0)
    grad = np.empty(w.size)
    for i in range(w.size):
        h = 1e-6 * max(1.0, abs(w[i]))
        up, down = w.copy(), w.copy()
        up[i] += h
        down[i] -= h
        grad[i] = (eta_of(r, up) - eta_of(r, down)) / (2.0 * h)
    return r, w, jac + np.outer(d_flow, grad), dmat, eta


#: the lowest dimension of the untruncated LPA' (d = 2.5: eta = 0.11901, nu = 0.79131)
D_MIN_LPA_PRIME = 2.5
#: below this dimension the continuation in d takes steps of 0.05 and the grid shrinks
D_FINE = 2.5


def _extent(d: float, extent: float) -> float:
    """The grid length in units of kappa*: ``extent`` down to d = 2.5; below, shrunk so that the
    large-field growth r^(2/(d-2)) spans the same range as at d = 2.5 (at least 1.6)."""
    if d >= D_FINE:
        return extent
    return max(1.6, min(extent, extent ** (2.0 * (d - 2.0))))


def full_potential_fixed_point(d: Any = 3, *, n_components: Any = 1,
                               regulator: Any = DEFAULT_REGULATOR, points: int = 80,
                               extent: float = 8.0, lpa_prime: bool = False
                               ) -> FullPotentialFixedPoint:
    r"""The Wilson-Fisher fixed point of the O(N) Wetterich LPA without truncation, nu, omega.

    Parameters
    ----------
    d : number, 2.1 <= d < 4
        Dimension, :data:`D_MIN_FULL` = 2.1 <= d < 4.  Below d = 2.8 the fixed point is
        followed from d = 3 (module docstring).
    n_components : int >= 1 or sympy.oo
        Number N of field components (``sympy.oo``: the rescaled large-N limit).
    regulator : {"litim", "exponential"} or Regulator
        The Wetterich regulator (closed-form ones are fast; others evaluate the threshold
        functions by quadrature at every grid point).
    points : int >= 24
        Chebyshev collocation points M (the error estimate compares with 3 M / 4).
    lpa_prime : bool
        LPA' (:mod:`.anomalous_dimension`): a field-independent :math:`Z_k` from the Goldstone
        leg at the minimum, solved self-consistently with the potential (one field
        component, Litim-type regulators, d >= 2.5); the result's ``eta`` is the anomalous
        dimension.
    extent : float >= 3
        The grid covers :math:`0 \le 	ilde
ho \le` ``extent`` :math:`	imes \kappa^*`.

    Returns
    -------
    FullPotentialFixedPoint

    Raises
    ------
    ValueError, TypeError
        For d outside [2.1, 4), a bad ``n_components``, ``points`` or ``extent``.
    RuntimeError
        If Newton finds no fixed point or the spectrum has not one relevant eigenvalue.

    Examples
    --------
    >>> from nnqft_sym.rg import full_potential_fixed_point
    >>> fp = full_potential_fixed_point(3)
    >>> round(fp.nu, 9), round(fp.omega, 8)    # Bervillier-Juttner-Litim 2007
    (0.649561774, 0.65574594)
    """
    dd = check_spacetime_dimension(d)
    if dd.free_symbols or not D_MIN_FULL <= float(dd) < 4.0:
        raise ValueError(f"d must be a number with {D_MIN_FULL} <= d < 4 (below d = 2.1 the "
                         f"collocation solver is not validated: the fixed-point potential "
                         f"flattens as d -> 2), got {d}")
    n_comp = check_n_components(n_components, numeric=True)
    if isinstance(points, bool) or not isinstance(points, numbers.Integral):
        raise TypeError(f"points must be an integer >= 24, got {points!r}")
    if points < 24:
        raise ValueError(f"points must be an integer >= 24, got {points}")
    if isinstance(extent, bool) or not isinstance(extent, numbers.Real):
        raise TypeError(f"extent must be a number >= 3, got {extent!r}")
    if not extent >= 3.0:
        raise ValueError(f"extent must be a number >= 3, got {extent}")
    reg = get_regulator(regulator)
    if not isinstance(lpa_prime, bool):
        raise TypeError(f"lpa_prime must be True or False, got {lpa_prime!r}")
    if lpa_prime and n_comp != 1:
        raise ValueError("lpa_prime=True is implemented for one field component "
                         f"(n_components=1), got {n_comp}; use lpa_prime_exponents for O(N)")
    target = float(dd)
    if lpa_prime and target < D_MIN_LPA_PRIME:
        raise ValueError(f"lpa_prime=True needs d >= {D_MIN_LPA_PRIME} (validated there; below, "
                         f"the LPA' solve is not continued in d), got {d}")
    start = target if target >= 2.8 else 3.0
    # starting values: truncation 2 about the minimum (kappa*, lambda_2*), in units of s
    from_poly = critical_exponents(sp.nsimplify(start), 2, reg, "minimum",
                                   n_components=n_comp).fixed_point.vector
    step = 0.1 if target >= D_FINE else 0.05
    steps = int(np.ceil(round((start - target) / step, 9)))
    dims = np.linspace(start, target, steps + 1)
    loop = _Loop(reg, start)
    kappa, slope = from_poly[0] / loop.scale, from_poly[1] * loop.scale
    previous = None
    for dim in dims:
        loop = _Loop(reg, dim)
        span = _extent(dim, extent)
        r, w, jac, dmat = _solve(dim, n_comp, loop, points, kappa, slope, span, previous)
        kappa, slope = _minimum_and_slope(r, w)
        previous = np.polynomial.Chebyshev.fit(r, w, r.size - 1, domain=[0.0, float(r[-1])])
    eta = 0.0
    if lpa_prime:
        r, w, jac, dmat, eta = _lpa_prime_solve(target, n_comp, loop, points, kappa, slope, span,
                                                previous)
        kappa, slope = _minimum_and_slope(r, w)
        previous = np.polynomial.Chebyshev.fit(r, w, r.size - 1, domain=[0.0, float(r[-1])])
        coarse = _lpa_prime_solve(target, n_comp, loop, 3 * points // 4, kappa, slope, span,
                                  previous)
    else:
        coarse = _solve(target, n_comp, loop, 3 * points // 4, kappa, slope, span, previous)
    eig, nu, omega = _exponents(jac)
    _, nu_c, omega_c = _exponents(coarse[2])
    s = loop.scale
    weight = 1.0 if n_comp is LARGE_N else float(n_comp) - 1.0
    dw = dmat @ w
    big_w = w + 2.0 * r * dw
    # the potential from the undifferentiated fixed-point equation (in units of s)
    radial = 0.0 if n_comp is LARGE_N else loop(0, big_w)
    u = ((target - 2.0) * r * w + weight * loop(0, w) + radial) / target
    if lpa_prime:   # the undifferentiated LPA' equation
        u = ((target - 2.0 + eta) * r * w
             + (1.0 - eta / (target + 2.0)) * (weight * loop(0, w) + radial)) / target
    return FullPotentialFixedPoint(target, n_comp, reg.name, r * s, u * s, w, kappa * s,
                                   eig, nu, omega, abs(nu - nu_c), abs(omega - omega_c), eta)
