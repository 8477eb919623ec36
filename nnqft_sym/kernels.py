r"""Gaussian-process kernels :math:`K(x, y) = \sigma_b^2 + v_{out} E[g(z(x)) g(z(y))]`.

For ``depth > 1`` both functions dispatch to the layer recursion of :mod:`nnqft_sym.deep`;
for ``d_out > 1`` they give the kernel of one component (:math:`K_{ab} = \delta_{ab} K`).

Derived from the architecture, never typed in: the two-point neuron moment of
:mod:`nnqft_sym.moments` (Gaussian moment-generating function for Gauss-net, phase average
for cos-net, the closed forms of the activation's rule book :mod:`nnqft_sym.activations`:
arc-cosine for :math:`a\,\mathrm{relu}(z) + b\,\mathrm{relu}(-z)` (ReLU, leaky ReLU, :math:`|z|`),
arcsine for :math:`a\,\mathrm{erf}(bz)`; quadrature otherwise, all through
:func:`nnqft_sym.expectations.gaussian_moment`).

For Gaussian pre-activations every kernel is a function of the invariants
:math:`s_x = \sigma_b^2 + \sigma_W^2 |x|^2/d_{in}`, :math:`s_y` and
:math:`c = \sigma_b^2 + \sigma_W^2 x\cdot y/d_{in}`; with a symbolic ``d_in`` the kernel is
returned in terms of the symbols ``|x|^2``, ``|y|^2`` and ``x.y``.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from .deep import deep_kernel, deep_kernel_expr
from .errors import NoClosedFormError
from .moments import moment_from_covariance, neuron_moment, symbolic_points
from .priors import readout_covariance
from .specification import NetworkSpec as Network
from .specification import default_points
from .validation import broadcast_coordinates

__all__ = ["kernel_expr", "kernel_numeric", "default_points", "INVARIANTS"]

#: symbols used when d_in is symbolic: |x|^2, |y|^2, x.y
INVARIANTS = sp.symbols(r"|x|^2 |y|^2 x\cdot{}y", real=True)


def kernel_expr(net: Network, x: Any = None, y: Any = None) -> sp.Expr:
    r"""The GP kernel K(x, y) of ``net`` as a SymPy expression.

    Parameters
    ----------
    net : Network
    x, y : SymPy scalars (d_in = 1) or coordinate lists; default: fresh symbols.  With a
        symbolic ``d_in`` the result is written with :data:`INVARIANTS` instead.

    Examples
    --------
    >>> import sympy as sp
    >>> from nnqft_sym import GaussNet
    >>> x, y = sp.symbols("x y", real=True)
    >>> sw = sp.Symbol("sigma_W", positive=True)
    >>> GaussNet(sigma_w=sw, sigma_b=1).kernel_expr(x, y)
    sigma_W**2*exp(-sigma_W**2*(x - y)**2/2) + 1
    """
    if net.depth != 1:
        return deep_kernel_expr(net, x, y)
    if not isinstance(net.d_in, int):
        return _kernel_invariants(net)
    if x is None and y is None:
        x, y = default_points(net.d_in)
    pts = symbolic_points([x, y], net.d_in)
    moment = neuron_moment(net, pts)
    return readout_covariance(net.priors, moment)


def _kernel_invariants(net: Network) -> sp.Expr:
    """Kernel with symbolic d_in, via the invariants |x|^2, |y|^2, x.y (Gaussian pre-activations)."""
    xx, yy, xy = INVARIANTS
    if not net.first_layer_is_gaussian:
        vv = xx + yy - 2 * xy
        return readout_covariance(net.priors, net.priors.first_weights.characteristic(vv) / 2)
    # the pair (x, y) enters only through its 2 x 2 pre-activation covariance
    sb2, sw2 = net.priors.first_biases.variance, net.priors.first_weights.variance
    d = net.d_in
    sx, sy, c = sb2 + sw2 * xx / d, sb2 + sw2 * yy / d, sb2 + sw2 * xy / d
    try:
        moment = moment_from_covariance(net, [[sx, c], [c, sy]])
    except NoClosedFormError:
        raise ValueError(f"no closed-form kernel for {net.name} with symbolic d_in; "
                         "give an integer d_in") from None
    return readout_covariance(net.priors, moment)


def kernel_numeric(net: Network, x: Any, y: Any) -> np.ndarray | float:
    """K(x, y) for numeric points, with NumPy broadcasting over the leading axes of ``x`` and ``y``.

    ``x`` and ``y`` have shape ``(..., d_in)``; when d_in = 1 every axis is a leading axis
    (scalars and arrays of scalars), so ``K(x[:, None], x[None, :])`` is the Gram matrix.  The
    full contract is :func:`nnqft_sym.validation.broadcast_coordinates`; the result has the
    broadcast leading shape (a float for two single points).

    Examples
    --------
    >>> import numpy as np
    >>> from nnqft_sym import GaussNet
    >>> GaussNet().kernel(np.zeros(3), np.array([0.0, 1.0, 2.0])).round(6)
    array([2.      , 1.606531, 1.135335])
    >>> x = np.linspace(0, 1, 4)
    >>> GaussNet().kernel(x[:, None], x[None, :]).shape
    (4, 4)
    """
    if net.depth != 1:
        return deep_kernel(net, x, y)
    net.require_numeric("kernel")
    xa, ya = broadcast_coordinates(x, y, net.d_in)
    if xa.size == 0:
        return np.zeros(xa.shape[:-1])
    pair = np.stack([xa, ya], axis=-2)  # (..., 2, d_in)
    moment = neuron_moment(net, pair)
    out = readout_covariance(net.priors, np.asarray(moment))
    return float(out) if out.ndim == 0 else out
