r"""Tree-level local couplings of the NN-QFT effective action (HMS arXiv:2008.08601, ELS arXiv:2108.01403).

With :math:`\Gamma = \Gamma_0 + \frac{u_4}{4!}\int d^{d_{in}}x\, f^4 + \frac{u_6}{6!}\int d^{d_{in}}x\, f^6`,
the tree-level 4-point function is :math:`\Delta G^{(4)} = -u_4 N_K` with

.. math:: N_K(x_1..x_n) = \int d^{d_{in}}x \prod_{i=1}^n K_W(x, x_i),

so :math:`u_4(x_1..x_4) = -\Delta G^{(4)}(x_1..x_4)/N_K(x_1..x_4)`.  The propagator on the
external legs is the weight kernel :math:`K_W = K - \sigma_b^2` (the constant zero mode would
make the integral over all of input space diverge).  For a Gaussian :math:`K_W = A
e^{-a|x-y|^2}` (Gauss-net) the integral is closed form,

.. math:: N_K = A^n (\pi/(n a))^{d_{in}/2} \exp(-a \sum_i |x_i - \bar x|^2);

otherwise it is done by Gauss-Legendre quadrature on the box :math:`[-\Lambda, \Lambda]^{d_{in}}`
(the HMS Wilsonian input-space cutoff), which then must be given.  In ``d_in = 1`` the box is
cut at the points where the integrand is not smooth (0 and the :math:`x_i`, see
:func:`contact_integral`), so the one :math:`N_K` here is also the one of the Wilsonian flow
(:mod:`nnqft_sym.rg.wilsonian`).

:math:`N_K` is called the *contact integral* (it is the tree-level contact diagram with amputated
vertex); ``normalisation_integral`` is its deprecated name.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from ._deprecation import deprecated_alias
from .cumulants import delta_green
from .moments import is_symbolic_points, symbolic_points
from .propagators import gaussian_weight_kernel, weight_kernel
from .specification import NetworkSpec
from .validation import as_points, check_positive, check_width

__all__ = ["contact_integral", "contact_integrand", "quartic_coupling", "box_rule",
           "normalisation_integral"]

#: Gauss-Legendre nodes per dimension and per unit of cutoff (capped) for N_K quadrature
_NODES_PER_UNIT, _MIN_NODES, _MAX_NODES = 40, 48, 400

#: N_K below this fraction of its Cauchy-Schwarz bound is a zero (rounding of a product that
#: vanishes identically, e.g. ReLU inputs of both signs at sigma_b = 0: 4e-70 instead of 0)
ZERO_CONTACT_TOLERANCE = 64 * float(np.finfo(float).eps)


def contact_integral(net: NetworkSpec, points: Any, cutoff: Any = None) -> Any:
    r"""The contact integral :math:`N_K = \int d^{d_{in}}x \prod_i K_W(x, x_i)` over R^{d_in} (Gaussian kernels) or the box.

    The denominator of the tree-level couplings, :math:`u_4 = -\Delta G^{(4)}/N_K`
    (``normalisation_integral`` is its deprecated name).  With a cutoff and ``d_in = 1`` the
    integrand :math:`\prod_i K_W(x, x_i)` is smooth except at :math:`x = x_i` (where the pair
    covariance is degenerate; ReLU: :math:`|x - x_i|^3`) and at :math:`x = 0` (ReLU at
    :math:`\sigma_b = 0`: a corner); the interval is cut there and each piece gets the
    Gauss-Legendre rule of :func:`box_rule`, so the result agrees with adaptive quadrature with
    these break points to about 1e-12.  For ``d_in > 1`` the tensor rule of :func:`box_rule`.

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
    >>> from nnqft_sym.couplings import contact_integral
    >>> round(float(contact_integral(GaussNet(), [0.0] * 4)), 10)   # (pi/2)^(1/2)
    1.2533141373
    """
    if cutoff is None:
        form = gaussian_weight_kernel(net)
        if form is None:
            raise ValueError(f"the weight kernel of {net.name} is not Gaussian: give an input-space "
                             "cutoff Lambda > 0 (cutoff=...) to integrate over [-Lambda, Lambda]^d_in")
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
    net.require_numeric("contact_integral")
    pts = as_points(points, d)
    n = pts.shape[-2]
    amp, a = float(amp), float(a)
    spread = np.sum((pts - pts.mean(axis=-2, keepdims=True)) ** 2, axis=(-2, -1))
    out = amp ** n * (np.pi / (n * a)) ** (d / 2) * np.exp(-a * spread)
    return float(out) if np.ndim(out) == 0 else out


def _nodes_per_axis(cutoff: float) -> int:
    return int(min(_MAX_NODES, max(_MIN_NODES, _NODES_PER_UNIT * cutoff)))


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
    m = _nodes_per_axis(cutoff)
    if m ** dim > 2_000_000:
        raise ValueError(f"cutoff={cutoff} in dimension {dim} needs {m}^{dim} quadrature nodes; "
                         "use a smaller cutoff")
    t, w = np.polynomial.legendre.leggauss(m)
    grids = np.meshgrid(*([t * cutoff] * dim), indexing="ij")
    nodes = np.stack([g.ravel() for g in grids], axis=-1)          # (M, dim)
    weights = np.prod(np.meshgrid(*([w * cutoff] * dim), indexing="ij"), axis=0).ravel()
    return nodes, weights


def contact_integrand(net: NetworkSpec, nodes: Any, points: Any) -> np.ndarray:
    r""":math:`\prod_i K_W(y, x_i)` at the nodes y, ``(..., M, d_in)``, for points ``(..., n, d_in)``.

    The integrand of :func:`contact_integral` (and, on the faces of the box, of the Wilsonian
    beta function of :mod:`nnqft_sym.rg.wilsonian`); leading axes broadcast.

    Examples
    --------
    >>> import numpy as np
    >>> from nnqft_sym import GaussNet
    >>> value = contact_integrand(GaussNet(), np.zeros((1, 1)), np.zeros((4, 1)))
    >>> round(float(value[0]), 12)                   # K_W(0, 0)^4 = 1
    1.0
    """
    nodes, pts = np.asarray(nodes, dtype=float), np.asarray(points, dtype=float)
    out = np.ones(np.broadcast_shapes(nodes.shape[:-1], pts.shape[:-2] + (1,)))
    for i in range(pts.shape[-2]):
        out = out * weight_kernel(net, nodes, pts[..., i, None, :])
    return out


def _line_rule(cutoff: float, pts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Nodes ``(..., M, 1)`` and weights ``(..., M)`` on [-cutoff, cutoff] for the points
    ``(..., n, 1)``: the interval cut at 0 and at the points inside it, each piece with the
    Gauss-Legendre rule of :func:`box_rule` (a piece of length 0 has weight 0)."""
    t, w = np.polynomial.legendre.leggauss(_nodes_per_axis(cutoff))
    inner = np.clip(pts[..., 0], -cutoff, cutoff)
    ends = np.broadcast_to(np.array([-cutoff, 0.0, cutoff]), inner.shape[:-1] + (3,))
    edges = np.sort(np.concatenate([ends, inner], axis=-1), axis=-1)
    half = (edges[..., 1:] - edges[..., :-1]) / 2
    mid = (edges[..., 1:] + edges[..., :-1]) / 2
    nodes = (mid[..., None] + half[..., None] * t).reshape(mid.shape[:-1] + (-1, 1))
    weights = (half[..., None] * w).reshape(mid.shape[:-1] + (-1,))
    return nodes, weights


def _box_nk(net: NetworkSpec, pts: np.ndarray, cutoff: float) -> Any:
    net.require_numeric("contact_integral")
    if net.d_in == 1:
        nodes, weights = _line_rule(cutoff, pts)
        out = np.sum(contact_integrand(net, nodes, pts) * weights, axis=-1)
        diagonal = weight_kernel(net, nodes, nodes)
        bound = np.sum(np.abs(diagonal) ** (pts.shape[-2] / 2) * weights, axis=-1)
    else:
        nodes, weights = box_rule(cutoff, net.d_in)
        out = contact_integrand(net, nodes, pts) @ weights
        bound = (np.abs(weight_kernel(net, nodes, nodes)) ** (pts.shape[-2] / 2)) @ weights
    # Cauchy-Schwarz (K_W is positive semi-definite): |N_K| <= prod_i K_W(x_i, x_i)^(1/2)
    # int K_W(y, y)^(n/2) dy; a value at rounding level of that bound is a zero
    bound = bound * np.prod(np.sqrt(np.abs(weight_kernel(net, pts, pts))), axis=-1)
    zero = np.abs(out) <= ZERO_CONTACT_TOLERANCE * bound
    if np.any(zero):
        where = pts if np.ndim(out) == 0 else pts[tuple(np.argwhere(zero)[0])]
        raise ValueError(f"N_K = 0 at the points {where.tolist()}"
                         f" (|N_K| = {float(np.max(np.abs(out[zero] if np.ndim(out) else out))):.3g}, "
                         f"below {ZERO_CONTACT_TOLERANCE:g} of its Cauchy-Schwarz bound): "
                         "K_W(x, x_i) vanishes for every x or the product does (an input with "
                         "s(x_i) = 0, e.g. x_i = 0 at sigma_b = 0 for ReLU or Erf, where f(x_i) = 0 "
                         "identically; or ReLU inputs of both signs at sigma_b = 0 in d_in = 1), so "
                         "u4 = -Delta G / N_K is undefined")
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
    return -delta_green(net, pts, width) / contact_integral(net, pts, cutoff=cutoff)


normalisation_integral = deprecated_alias(contact_integral, "normalisation_integral")
