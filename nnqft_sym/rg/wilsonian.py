r"""HMS Wilsonian flow with an input-space cutoff (Halverson-Maiti-Stoner, arXiv:2008.08601).

HMS define the local quartic coupling with the input-space integral cut off at :math:`\Lambda`,

.. math:: \lambda(\Lambda) = -\frac{\Delta G^{(4)}(x_1..x_4)}{N_K^\Lambda(x_1..x_4)}, \qquad
          N_K^\Lambda = \int_{-\Lambda}^{\Lambda} d^{d_{in}}x \prod_{i=1}^4 K_W(x, x_i),

which keeps the measured :math:`\Delta G^{(4)}` fixed while :math:`\Lambda` moves.  Its beta
function follows exactly from Leibniz' rule:

.. math:: \beta(\lambda) = \Lambda\frac{d\lambda}{d\Lambda}
          = -\lambda\, \frac{\Lambda\, \oint_{\partial\,\mathrm{box}} \prod_i K_W(x, x_i)}
                           {N_K^\Lambda}

(``d_in = 1``: the two end points :math:`\pm\Lambda`; ``d_in > 1``: the :math:`2 d_{in}` faces of
the box :math:`[-\Lambda, \Lambda]^{d_{in}}`).

Large-cutoff behaviour, from the growth of :math:`K_W(x, x_i)` in :math:`|x|` (exact):

- Gauss-net: :math:`K_W` decays like :math:`e^{-\sigma_W^2 x^2/2d_{in}}`, :math:`N_K` converges,
  :math:`\beta/\lambda \to 0` (faster than any power);
- Erf-net: :math:`K_W \to` const, :math:`N_K \propto \Lambda^{d_{in}}`, :math:`\beta/\lambda \to -d_{in}`;
- ReLU-net: :math:`K_W \propto |x|`, :math:`N_K \propto \Lambda^{d_{in}+4}`,
  :math:`\beta/\lambda \to -(d_{in} + 4)`.  At :math:`\sigma_b \to 0` the ReLU network is
  homogeneous, :math:`f(tx) = t f(x)`, so :math:`\Delta G^{(4)}(tx_i) = t^4 \Delta G^{(4)}(x_i)`,
  :math:`K_W(tx, ty) = t^2 K_W(x, y)` and :math:`\lambda(t\Lambda; t x_i) = t^{-(d_{in}+4)}
  \lambda(\Lambda; x_i)` exactly.  In ``d_in = 1`` with all :math:`x_i > 0` even more holds:
  :math:`K_W(x, x_i) = \sigma_W^4 x x_i/2` (the arc-cosine kernel at :math:`\theta = 0`, times
  :math:`\sigma_W^2`) for :math:`x > 0` and 0 for :math:`x < 0`, so
  :math:`N_K^\Lambda = (\sigma_W^4/2)^4 \prod_i x_i\, \Lambda^5/5` and
  :math:`\beta/\lambda = -5` at every :math:`\Lambda` (points of both signs give
  :math:`N_K = 0`: the coupling does not exist).

:math:`N_K^\Lambda` is the core's contact integral :func:`nnqft_sym.couplings.contact_integral`
with ``cutoff=Lambda`` (``d_in = 1``: Gauss-Legendre pieces between the break points 0 and
:math:`x_i`; ``d_in > 1``: the tensor rule :func:`nnqft_sym.couplings.box_rule`); the boundary
integral uses its integrand :func:`nnqft_sym.couplings.contact_integrand` and, on the faces,
the same node density.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._deprecation import deprecated_alias
from ..couplings import box_rule, contact_integral, contact_integrand
from ..cumulants import delta_green
from ..specification import NetworkSpec
from ..validation import as_points

__all__ = ["WilsonianFlow", "cutoff_contact_integral", "wilsonian_flow", "cutoff_normalisation"]


def _check(net: NetworkSpec, points: Any) -> np.ndarray:
    """Four points of shape (4, d_in)."""
    net.require_numeric("the Wilsonian flow")
    pts = as_points(points, net.d_in)
    if pts.shape[:-1] != (4,):
        raise ValueError("points: the quartic coupling needs 4 points of dimension d_in, "
                         f"got shape {np.shape(points)}")
    return pts


def _boundary_integral(net: NetworkSpec, pts: np.ndarray, cutoff: float) -> float:
    r""":math:`dN_K^\Lambda/d\Lambda`: the integrand summed over the 2 d_in faces of the box."""
    d_in = net.d_in
    if d_in == 1:
        return float(np.sum(contact_integrand(net, np.array([[cutoff], [-cutoff]]), pts)))
    face, weights = box_rule(cutoff, d_in - 1)
    total = 0.0
    for axis in range(d_in):
        for sign in (1.0, -1.0):
            nodes = np.insert(face, axis, sign * cutoff, axis=1)
            total += float(contact_integrand(net, nodes, pts) @ weights)
    return total


def cutoff_contact_integral(net: NetworkSpec, points: Any, cutoff: float) -> float:
    r""":math:`N_K^\Lambda = \int_{[-\Lambda, \Lambda]^{d_{in}}} d^{d_{in}}x \prod_i K_W(x, x_i)` at four points.

    The core's :func:`nnqft_sym.couplings.contact_integral` with ``cutoff=Lambda`` (one
    definition of :math:`N_K`); ``cutoff_normalisation`` is its deprecated name.

    Examples
    --------
    >>> import math
    >>> from nnqft_sym import GaussNet
    >>> from nnqft_sym.rg import cutoff_contact_integral
    >>> round(cutoff_contact_integral(GaussNet(), [0.0] * 4, 10.0) / math.sqrt(math.pi / 2), 10)
    1.0
    """
    pts = _check(net, points)
    cutoff = float(cutoff)
    if not cutoff > 0:
        raise ValueError(f"cutoff must be > 0, got {cutoff}")
    return float(contact_integral(net, pts, cutoff=cutoff))


@dataclass(frozen=True)
class WilsonianFlow:
    r"""The HMS coupling and its beta function on a grid of cutoffs.

    Attributes
    ----------
    cutoffs : numpy.ndarray
        :math:`\Lambda` values.
    coupling : numpy.ndarray
        :math:`\lambda(\Lambda)`.
    beta : numpy.ndarray
        :math:`\Lambda\, d\lambda/d\Lambda` (exact boundary formula).
    delta_g4 : float
        The fixed :math:`\Delta G^{(4)}` (exact, finite width).
    """

    cutoffs: np.ndarray
    coupling: np.ndarray
    beta: np.ndarray
    delta_g4: float

    @property
    def anomalous_scaling(self) -> np.ndarray:
        r""":math:`\beta/\lambda = d\ln\lambda/d\ln\Lambda`."""
        return self.beta / self.coupling


def wilsonian_flow(net: NetworkSpec, points: Any, width: int, cutoffs: Any) -> WilsonianFlow:
    r""":math:`\lambda(\Lambda)` and :math:`\beta(\Lambda)` at fixed exact :math:`\Delta G^{(4)}`.

    Parameters
    ----------
    net : Network
        Numeric hyper-parameters.
    points : array ``(4,)`` (d_in = 1) or ``(4, d_in)``
        The inputs :math:`x_1..x_4`.
    width : int
        Hidden-layer width N (exact finite-width :math:`\Delta G^{(4)}`).
    cutoffs : array of positive floats

    Examples
    --------
    >>> from nnqft_sym import ErfNet
    >>> from nnqft_sym.rg import wilsonian_flow
    >>> flow = wilsonian_flow(ErfNet(), [-0.5, -0.2, 0.3, 0.6], 10, [400.0])
    >>> round(float(flow.anomalous_scaling[0]), 1)     # -> -d_in for an Erf-net
    -1.0
    """
    pts = _check(net, points)
    cutoffs = np.atleast_1d(np.asarray(cutoffs, float))
    if np.any(cutoffs <= 0):
        raise ValueError("cutoffs must be positive")
    dg4 = float(delta_green(net, pts, width))
    nk = np.array([cutoff_contact_integral(net, pts, lam) for lam in cutoffs])
    boundary = np.array([_boundary_integral(net, pts, lam) for lam in cutoffs])
    coupling = -dg4 / nk
    beta = -coupling * cutoffs * boundary / nk
    return WilsonianFlow(cutoffs, coupling, beta, dg4)


cutoff_normalisation = deprecated_alias(cutoff_contact_integral, "cutoff_normalisation")
