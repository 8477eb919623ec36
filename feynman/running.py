r"""Running of the HMS sextic coupling with an input-space cutoff (HMS arXiv:2008.08601).

With the vertex integrals cut off at :math:`\Lambda` (box :math:`[-\Lambda, \Lambda]^{d}`),
the tree-level connected 6-point function is

.. math::

    G_c^{(6)} = \lambda_4(\Lambda)^2\, E(\Lambda) - \lambda_6(\Lambda)\, C(\Lambda),

:math:`E` the sum over the 10 splittings of the legs 3 + 3 of the exchange integral and
:math:`C = \int d^dy \prod_{i=1}^6 K_W(y, x_i)` (:func:`feynman.tree_level_six_point`, with the
propagator :math:`K_W = K - \sigma_b^2`, the same as :func:`nnqft_sym.rg.wilsonian_flow`).
Keeping the exact finite-width :math:`G_c^{(6)}` fixed (:func:`nnqft_sym.connected_green`, order
:math:`1/N^2`; the full :math:`\Delta G^{(6)} = G_c^{(6)} + \sum_{15} \Delta G^{(4)} K` also holds
the disconnected :math:`O(1/N)` pieces, which the tree-level formula reproduces with the
quartic coupling alone, so they must not enter :math:`\lambda_6`; ``numeric.sextic_couplings``
subtracts them the same way) and taking :math:`\lambda_4(\Lambda)`
from the quartic Wilsonian flow at **four of the six points** (default: the first four,
``quartic_points=(0, 1, 2, 3)``; HMS define both couplings on one set of inputs),

.. math::

    \lambda_6(\Lambda) = \frac{\lambda_4^2 E - G_c^{(6)}}{C}, \qquad
    \beta_6 = \Lambda\frac{d\lambda_6}{d\Lambda}
            = \frac{2\lambda_4\beta_4 E + \lambda_4^2 \dot E - \lambda_6 \dot C}{C},

with :math:`\beta_4` the exact boundary formula of the quartic flow and
:math:`\dot E, \dot C = d/d\ln\Lambda` by central differences in :math:`\ln\Lambda`
(the Gauss-Legendre nodes scale with :math:`\Lambda`, so the quadrature is smooth in it).

Exact limits (derived from the growth of :math:`K_W`; tested):

- ReLU at :math:`\sigma_b \to 0`: homogeneity :math:`K_W(ty, tx) = t^2 K_W(y, x)`,
  :math:`G_c^{(n)}(tx) = t^n G_c^{(n)}(x)` give
  :math:`\lambda_6(t\Lambda; tx_i) = t^{-(d+6)}\lambda_6(\Lambda; x_i)`; in d = 1 with positive
  inputs (:math:`K_W = s\,y x_i`, :math:`s = \sigma_W^4/2`, for :math:`y > 0`, else 0)
  :math:`E = 10 s^7 \prod x_i\,\Lambda^{10}/25`, :math:`C = s^6\prod x_i\,\Lambda^7/7`,
  :math:`\lambda_4^2 E` is independent of :math:`\Lambda` and :math:`\beta_6/\lambda_6 = -7`
  at every cutoff;
- large cutoff: Gauss-net :math:`\beta_6 \to 0` (all integrals converge); Erf-net
  :math:`\beta_6/\lambda_6 \to -d` (:math:`\lambda_4^2 E \to` const, :math:`C \propto
  \Lambda^d`); ReLU-net :math:`\to -(d + 6)`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from nnqft_sym.cumulants import connected_green
from nnqft_sym.rg import wilsonian_flow
from nnqft_sym.specification import NetworkSpec
from nnqft_sym.validation import as_points

from .tree_level import tree_level_six_point

__all__ = ["SexticRunning", "sextic_running"]

_LOG_STEP = 1e-4


@dataclass(frozen=True)
class SexticRunning:
    r"""The HMS sextic coupling :math:`\lambda_6(\Lambda)` and its beta function.

    Attributes
    ----------
    cutoffs : numpy.ndarray
    quartic, quartic_beta : numpy.ndarray
        :math:`\lambda_4(\Lambda)` and :math:`\Lambda\,d\lambda_4/d\Lambda` (exact, from
        :func:`nnqft_sym.rg.wilsonian_flow` at ``quartic_points``).
    sextic, beta : numpy.ndarray
        :math:`\lambda_6(\Lambda)` and :math:`\Lambda\,d\lambda_6/d\Lambda`.
    exchange, contact : numpy.ndarray
        :math:`E(\Lambda)`, :math:`C(\Lambda)`.
    connected_g6 : float
        The fixed exact connected :math:`G_c^{(6)}`.
    quartic_points : tuple of int
        Indices of the four points defining :math:`\lambda_4`.
    """

    cutoffs: np.ndarray
    quartic: np.ndarray
    quartic_beta: np.ndarray
    sextic: np.ndarray
    beta: np.ndarray
    exchange: np.ndarray
    contact: np.ndarray
    connected_g6: float
    quartic_points: tuple[int, ...]

    @property
    def anomalous_scaling(self) -> np.ndarray:
        r""":math:`\beta_6/\lambda_6 = d\ln\lambda_6/d\ln\Lambda`."""
        return self.beta / self.sextic

    def reconstructed_connected_g6(self) -> np.ndarray:
        r""":math:`\lambda_4^2 E - \lambda_6 C` at every cutoff (equals ``connected_g6``)."""
        return self.quartic ** 2 * self.exchange - self.sextic * self.contact


def _tree(net: NetworkSpec, pts: np.ndarray, cutoff: float, nodes: int) -> tuple[float, float]:
    tree = tree_level_six_point(net, pts[None], cutoff=cutoff, nodes=nodes)
    return float(tree.exchange[0]), float(tree.contact[0])


def sextic_running(net: NetworkSpec, points6: Any, width: int, cutoffs: Any, *,
                   quartic_points: Sequence[int] = (0, 1, 2, 3),
                   nodes: int | None = None) -> SexticRunning:
    r""":math:`\lambda_6(\Lambda)` and :math:`\beta_6` at fixed exact :math:`G_c^{(6)}`.

    Parameters
    ----------
    net : nnqft_sym.Network
        Numeric hyper-parameters.
    points6 : array ``(6,)`` (d_in = 1) or ``(6, d_in)``
        The inputs :math:`x_1..x_6`.
    width : int
        Hidden-layer width N (exact finite-width :math:`G_c^{(6)}`).
    cutoffs : array of positive floats
    quartic_points : four distinct indices into ``points6``
        The points at which :math:`\lambda_4(\Lambda)` is defined.
    nodes : int, optional
        Gauss-Legendre nodes per integration variable of :math:`E, C`; default
        :math:`\min(400, \max(48, \lceil 16\Lambda\rceil))` per cutoff (the kernels vary on
        the scale of the inputs, O(1)).

    Returns
    -------
    SexticRunning

    Raises
    ------
    ValueError
        For a wrong number of points, bad ``quartic_points`` or non-positive cutoffs.

    Examples
    --------
    >>> from nnqft_sym import ReLUNet
    >>> from feynman.running import sextic_running
    >>> run = sextic_running(ReLUNet(sigma_b=0), [0.2, 0.3, 0.4, 0.5, 0.6, 0.7], 10, [1.0])
    >>> round(float(run.anomalous_scaling[0]), 4)       # -(d_in + 6) at sigma_b = 0
    -7.0
    """
    net.require_numeric("sextic_running")
    pts = as_points(points6, net.d_in, "points6")
    if pts.shape[:-1] != (6,):
        raise ValueError(f"points6 must hold 6 points of dimension d_in = {net.d_in}, "
                         f"got shape {np.shape(points6)}")
    idx = tuple(int(i) for i in quartic_points)
    if len(idx) != 4 or len(set(idx)) != 4 or not all(0 <= i < 6 for i in idx):
        raise ValueError("quartic_points must be four distinct indices in 0..5, "
                         f"got {quartic_points}")
    cutoffs = np.atleast_1d(np.asarray(cutoffs, float))
    if cutoffs.ndim != 1 or cutoffs.size == 0 or np.any(~(cutoffs > 0)) or \
            np.any(~np.isfinite(cutoffs)):
        raise ValueError(f"cutoffs must be positive finite numbers, got {cutoffs}")
    flat = pts[:, 0] if net.d_in == 1 else pts
    quartic = wilsonian_flow(net, flat[list(idx)], width, cutoffs)
    gc6 = float(connected_green(net, flat, width))
    step = np.exp(_LOG_STEP)
    ex, co, dex, dco = (np.empty(cutoffs.size) for _ in range(4))
    for j, lam in enumerate(cutoffs):
        m = int(min(400, max(48, np.ceil(16 * lam)))) if nodes is None else nodes
        ex[j], co[j] = _tree(net, pts, lam, m)
        (e_up, c_up), (e_dn, c_dn) = (_tree(net, pts, lam * f, m) for f in (step, 1 / step))
        dex[j] = (e_up - e_dn) / (2 * _LOG_STEP)
        dco[j] = (c_up - c_dn) / (2 * _LOG_STEP)
    lam4, beta4 = quartic.coupling, quartic.beta
    sextic = (lam4 ** 2 * ex - gc6) / co
    beta = (2 * lam4 * beta4 * ex + lam4 ** 2 * dex - sextic * dco) / co
    return SexticRunning(cutoffs, lam4, beta4, sextic, beta, ex, co, gc6, idx)
