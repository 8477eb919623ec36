r"""Tree-level local couplings of the NN-QFT effective action (HMS arXiv:2008.08601, ELS arXiv:2108.01403).

With :math:`\Gamma = \Gamma_0 + \frac{u_4}{4!}\int d^{d}x\, f^4 + \frac{u_6}{6!}\int d^{d}x\, f^6`,
the tree-level 4-point function is :math:`\Delta G^{(4)} = -u_4 N_K` with

.. math:: N_K(x_1..x_n) = \int d^{d_{in}}x \prod_{i=1}^n K_W(x, x_i),

so :math:`u_4(x_1..x_4) = -\Delta G^{(4)}(x_1..x_4)/N_K(x_1..x_4)`.  The propagator on the
external legs is the weight kernel :math:`K_W = K - \sigma_b^2` (the constant zero mode would
make the integral over all of input space diverge).  For a Gaussian :math:`K_W = A
e^{-a|x-y|^2}` (Gauss-net) the integral is closed form,

.. math:: N_K = A^n (\pi/(n a))^{d/2} \exp(-a \sum_i |x_i - \bar x|^2);

otherwise it is done by Gauss-Legendre quadrature on the box :math:`[-\Lambda, \Lambda]^{d}`
(the HMS Wilsonian input-space cutoff), which then must be given.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from .cumulants import delta_green
from .moments import is_symbolic_points, symbolic_points
from .propagators import gaussian_weight_kernel, weight_kernel
from .specification import NetworkSpec
from .validation import as_points, check_positive, check_width

__all__ = ["normalisation_integral", "quartic_coupling", "box_rule"]

#: Gauss-Legendre nodes per dimension and per unit of cutoff (capped) for N_K quadrature
_NODES_PER_UNIT, _MIN_NODES, _MAX_NODES = 40, 48, 400


def normalisation_integral(net: NetworkSpec, points: Any, cutoff: Any = None) -> Any:
    r""":math:`N_K = \int d^{d_{in}}x \prod_i K_W(x, x_i)` over R^d (Gaussian kernels) or the box.

    Parameters
    ----------
    net : Network
    points : numeric array ``(..., n, d_in)`` (or ``(..., n)``), or a list of SymPy points.
    cutoff : positive float, optional
        Input-space cutoff Lambda; integrate over ``[-Lambda, Lambda]^d_in``.  Required when
        the weight kernel is not Gaussian.

    Raises
    ------
    ValueError
        If the weight kernel is not Gaussian and no cutoff is given, or a box integral
        vanishes (an input with :math:`K_W(x, x_i) = 0` for every x, naming the points).

    Examples
    --------
    >>> from nnqft_sym import GaussNet
    >>> from nnqft_sym.couplings import normalisation_integral
    >>> round(float(normalisation_integral(GaussNet(), [0.0] * 4)), 10)   # (pi/2)^(1/2)
    1.2533141373
    """
    if cutoff is None:
        form = gaussian_weight_kernel(net)
        if form is None:
            raise ValueError(f"the weight kernel of {net.name} is not Gaussian: give an input-space "
                             "cutoff Lambda > 0 (cutoff=...) to integrate over [-Lambda, Lambda]^d")
        return _gaussian_nk(net, points, *form)
    cutoff = float(check_positive(cutoff, "cutoff"))
    if is_symbolic_points(points):
        raise ValueError("a cutoff integral is numeric: pass numeric points")
    return _box_nk(net, as_points(points, net.d_in), cutoff)


def _gaussian_nk(net: NetworkSpec, points: Any, amp: sp.Expr, a: sp.Expr) -> Any:
    d = net.d_in
    if is_symbolic_points(points):
        pts = symbolic_points(points, d)
        n = len(pts)
        mean = [sum(p[k] for p in pts) / n for k in range(d)]
        spread = sum((p[k] - mean[k]) ** 2 for p in pts for k in range(d))
        return sp.simplify(amp ** n * (sp.pi / (n * a)) ** sp.Rational(d, 2) * sp.exp(-a * spread))
    net.require_numeric("normalisation_integral")
    pts = as_points(points, d)
    n = pts.shape[-2]
    amp, a = float(amp), float(a)
    spread = np.sum((pts - pts.mean(axis=-2, keepdims=True)) ** 2, axis=(-2, -1))
    out = amp ** n * (np.pi / (n * a)) ** (d / 2) * np.exp(-a * spread)
    return float(out) if np.ndim(out) == 0 else out


def box_rule(cutoff: float, dim: int) -> tuple[np.ndarray, np.ndarray]:
    r"""Tensor Gauss-Legendre nodes ``(M, dim)`` and weights ``(M,)`` on :math:`[-\Lambda, \Lambda]^{dim}`.

    The rule of every box integral of :math:`N_K` (here and on the faces of the box in
    :mod:`nnqft_sym.rg.wilsonian`): 40 nodes per unit of cutoff per dimension, at least 48
    and at most 400.

    Raises
    ------
    ValueError
        If the rule would need more than 2 million nodes.

    Examples
    --------
    >>> nodes, weights = box_rule(1.0, 2)
    >>> nodes.shape, round(float(weights.sum()), 12)      # 48^2 nodes, area 4
    ((2304, 2), 4.0)
    """
    m = int(min(_MAX_NODES, max(_MIN_NODES, _NODES_PER_UNIT * cutoff)))
    if m ** dim > 2_000_000:
        raise ValueError(f"cutoff={cutoff} in dimension {dim} needs {m}^{dim} quadrature nodes; "
                         "use a smaller cutoff")
    t, w = np.polynomial.legendre.leggauss(m)
    grids = np.meshgrid(*([t * cutoff] * dim), indexing="ij")
    nodes = np.stack([g.ravel() for g in grids], axis=-1)          # (M, dim)
    weights = np.prod(np.meshgrid(*([w * cutoff] * dim), indexing="ij"), axis=0).ravel()
    return nodes, weights


def _box_nk(net: NetworkSpec, pts: np.ndarray, cutoff: float) -> Any:
    net.require_numeric("normalisation_integral")
    nodes, weights = box_rule(cutoff, net.d_in)
    integrand = np.ones(pts.shape[:-2] + (len(nodes),))
    for i in range(pts.shape[-2]):
        integrand = integrand * weight_kernel(net, nodes, pts[..., i, None, :])
    out = integrand @ weights
    if np.any(out == 0):
        where = pts if np.ndim(out) == 0 else pts[tuple(np.argwhere(out == 0)[0])]
        raise ValueError(f"N_K = 0 at the points {where.tolist()}: K_W(x, x_i) vanishes for every x "
                         "(an input with s(x_i) = 0, e.g. x_i = 0 at sigma_b = 0 for ReLU or Erf, "
                         "where f(x_i) = 0 identically), so u4 = -Delta G / N_K is undefined")
    return float(out) if np.ndim(out) == 0 else out


def quartic_coupling(net: NetworkSpec, points: Any, width: Any, cutoff: Any = None) -> Any:
    r"""Exact tree-level local quartic coupling :math:`u_4 = -\Delta G^{(4)} / N_K` at width N.

    ``Delta G^(4)`` is the exact finite-width value (:func:`nnqft_sym.cumulants.delta_green`),
    so this is the prediction the measured couplings of HMS / ELS are compared with.

    Examples
    --------
    >>> from nnqft_sym import GaussNet
    >>> u4 = GaussNet().quartic_coupling([-0.01, -0.006, 0.002, 0.01], 10)
    >>> u4 < 0
    True
    """
    check_width(width)
    pts = points
    if not is_symbolic_points(points):
        pts = as_points(points, net.d_in)
        if pts.shape[-2] != 4:
            raise ValueError(f"points: the quartic coupling needs 4 points, got {pts.shape[-2]}")
    elif len(points) != 4:
        raise ValueError(f"points: the quartic coupling needs 4 points, got {len(points)}")
    return -delta_green(net, pts, width) / normalisation_integral(net, pts, cutoff=cutoff)
