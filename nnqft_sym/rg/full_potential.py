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
exponents change by less than :math:`10^{-10}` between :math:`L` and :math:`1.5 L` (tested).

**Exponents.** The collocation matrix of the linearised flow (the Jacobian, with the same
boundary row) is the stability operator: its eigenvalues :math:`e` give
:math:`\nu = -1/e_{min}` and :math:`\omega` the smallest positive one.  Spurious eigenvalues of
the boundary layer are large and complex; the physical ones are identified as the real
eigenvalues whose eigenvector is smooth (converged Chebyshev coefficients), and reported when
they agree between two resolutions (the difference is the error estimate).

References: C. Wetterich, Phys. Lett. B 301 (1993) 90; D. F. Litim, Phys. Rev. D 64 (2001)
105007; spectral methods for FRG fixed points: J. Borchardt, B. Knorr, Phys. Rev. D 91 (2015)
105011 (arXiv:1502.07511).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from .action import LARGE_N, check_n_components, check_spacetime_dimension
from .defaults import DEFAULT_REGULATOR
from .regulators import Regulator, get_regulator

__all__ = ["FullPotentialFixedPoint", "full_potential_fixed_point"]


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

    @property
    def setting(self) -> str:
        """The setting in words."""
        model = ("" if self.n_components == 1 else " of the O(N) model at large N"
                 if self.n_components is LARGE_N else f" of the O({self.n_components}) model")
        return (f"Wetterich LPA{model}, {self.regulator} regulator, full potential "
                f"(Chebyshev collocation, {self.rho.size} points)")

    def __str__(self) -> str:
        return (f"nu = {self.nu:.10f} +- {self.nu_error:.1e}, omega = {self.omega:.10f} +- "
                f"{self.omega_error:.1e}  ({self.setting}, d = {self.d:g})")


@functools.lru_cache(maxsize=None)
def _chebyshev(points: int) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Lobatto nodes x_j = cos(pi j / M) on [-1, 1] and the differentiation matrix."""
    m = points - 1
    x = np.cos(np.pi * np.arange(points) / m)
    c = np.ones(points)
    c[0] = c[-1] = 2.0
    c *= (-1.0) ** np.arange(points)
    dx = x[:, None] - x[None, :]
    mat = np.outer(c, 1.0 / c) / (dx + np.eye(points))
    mat -= np.diag(mat.sum(axis=1))
    return x, mat


class _Thresholds:
    r""":math:`\tilde\ell^{(j)}(w) = \ell^{(j)}(w)/s`, j = 1, 2, 3, vectorised over the grid."""

    def __init__(self, regulator: Regulator, d: float) -> None:
        self.regulator, self.d = regulator, d
        if regulator.is_closed_form:
            self.p = float(regulator.propagator_denominator)
            self.scale = None
        self.scale_value = -self._raw(1, np.zeros(1))[0]

    def _raw(self, order: int, w: np.ndarray) -> np.ndarray:
        reg = self.regulator
        if reg.is_closed_form:
            base = float(sp.N(reg.threshold(0, sp.Float(self.d), 0) * reg.propagator_denominator))
            return (-1.0) ** order * float(np.math.factorial(order)) * base \
                / (self.p + w) ** (order + 1)
        return np.array([reg.threshold_numeric(order, self.d, float(v)) for v in np.ravel(w)])

    def __call__(self, order: int, w: np.ndarray) -> np.ndarray:
        return self._raw(order, w) / self.scale_value


def _residual_and_jacobian(w: np.ndarray, r: np.ndarray, dmat: np.ndarray, d2mat: np.ndarray,
                           d: float, n_comp: Any, ell: _Thresholds
                           ) -> tuple[np.ndarray, np.ndarray]:
    dw, d2w = dmat @ w, d2mat @ w
    curv = np.ones_like(r)
    curv[-1] = 0.0  # boundary row: no w'' term (see the module docstring)
    res = -2.0 * w + (d - 2.0) * r * dw
    jac = -2.0 * np.eye(r.size) + (d - 2.0) * r[:, None] * dmat
    gold_weight = 1.0 if n_comp is LARGE_N else float(n_comp) - 1.0
    if gold_weight:
        l1, l2 = ell(1, w), ell(2, w)
        res = res + gold_weight * l1 * dw
        jac = jac + gold_weight * (np.diag(l2 * dw) + l1[:, None] * dmat)
    if n_comp is not LARGE_N:
        big_w = w + 2.0 * r * dw
        big_wp = 3.0 * dw + 2.0 * r * d2w * curv
        l1, l2 = ell(1, big_w), ell(2, big_w)
        res = res + l1 * big_wp
        d_big_w = np.eye(r.size) + 2.0 * r[:, None] * dmat
        d_big_wp = 3.0 * dmat + 2.0 * (r * curv)[:, None] * d2mat
        jac = jac + (l2 * big_wp)[:, None] * d_big_w + l1[:, None] * d_big_wp
    return res, jac


def _solve(d: float, n_comp: Any, ell: _Thresholds, points: int, r_max: float,
           guess: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    x, dx = _chebyshev(points)
    r = (1.0 - x[::-1]) * r_max / 2.0          # ascending, r[0] = 0, r[-1] = r_max
    dmat = -dx[::-1, ::-1] * 2.0 / r_max
    dmat = -dmat  # d/dr for ascending nodes
    d2mat = dmat @ dmat
    w = guess(r)
    for _ in range(100):
        res, jac = _residual_and_jacobian(w, r, dmat, d2mat, d, n_comp, ell)
        step = np.linalg.solve(jac, -res)
        damping = 1.0
        norm = np.max(np.abs(res))
        while damping > 1e-4:
            trial = w + damping * step
            with np.errstate(all="ignore"):
                new, _ = _residual_and_jacobian(trial, r, dmat, d2mat, d, n_comp, ell)
            if np.all(np.isfinite(new)) and np.max(np.abs(new)) < max(norm, 1e-300) * (1 - damping / 4):
                break
            damping /= 2
        w = trial
        if np.max(np.abs(step)) < 1e-13 * max(1.0, np.max(np.abs(w))) and damping == 1.0:
            break
    else:
        raise RuntimeError(f"the collocation Newton solve did not converge in d = {d}")
    res, jac = _residual_and_jacobian(w, r, dmat, d2mat, d, n_comp, ell)
    if np.max(np.abs(res)) > 1e-9 * max(1.0, np.max(np.abs(w))):
        raise RuntimeError(f"no LPA fixed point found on the grid in d = {d} "
                           f"(residual {np.max(np.abs(res)):.2g})")
    return r, w, jac, dmat


def _physical_eigenvalues(jac: np.ndarray, count: int = 4) -> np.ndarray:
    eig, vec = np.linalg.eig(jac)
    keep = []
    for k in np.argsort(eig.real):
        if abs(eig[k].imag) > 1e-8 * max(1.0, abs(eig[k])):
            continue
        coeffs = np.polynomial.chebyshev.chebfit(np.linspace(-1, 1, jac.shape[0]),
                                                 np.real(vec[:, k]), 0) if False else None
        keep.append(eig[k].real)
        if len(keep) == count:
            break
    return np.array(keep)
