r"""Free (Gaussian-process) correlators by Wick's theorem.

:math:`G_0^{(n)}(x_1..x_n) = \sum_{\text{pairings}} \prod_{(i,j)} K(x_i, x_j)`, summed over the
(n-1)!! perfect matchings of :func:`nnqft_sym.partitions.pairings`.  The kernel comes from
:func:`nnqft_sym.kernels.kernel_numeric` (the layer recursion for deep networks); with ``d_out > 1`` this is the
correlator of one output component (mixed indices: :func:`nnqft_sym.multi_output.free_green_indexed`).
"""
from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from .kernels import kernel_expr, kernel_numeric
from .moments import is_symbolic_points, symbolic_points
from .partitions import wick_sum
from .specification import NetworkSpec
from .validation import as_points

__all__ = ["free_green", "wick_sum", "kernel_matrix", "gram_matrix"]


def kernel_matrix(net: NetworkSpec, points: Any) -> np.ndarray:
    """K(x_i, x_j) for numeric points ``(..., n, d_in)`` (see :func:`nnqft_sym.validation.as_points`);
    returns ``(..., n, n)``."""
    pts = as_points(points, net.d_in)
    return np.asarray(kernel_numeric(net, pts[..., :, None, :], pts[..., None, :, :]))


def gram_matrix(net: NetworkSpec, points: Any) -> np.ndarray:
    """The Gram matrix :math:`K(x_i, x_j)` of ``n`` numeric points, an array ``(n, n)``.

    Parameters
    ----------
    net : Network
    points : array-like of shape ``(n,)`` (d_in = 1) or ``(n, d_in)``.

    Raises
    ------
    ValueError
        If ``points`` is not one set of points (for batches use :func:`kernel_matrix`).

    Examples
    --------
    >>> from nnqft_sym import GaussNet
    >>> GaussNet().gram([0.0, 1.0]).round(6).tolist()
    [[2.0, 1.606531], [1.606531, 2.0]]
    """
    if np.ndim(points) > 2 or (net.d_in != 1 and np.ndim(points) != 2):
        raise ValueError(f"points must have shape (n,) (d_in = 1) or (n, d_in) with d_in = "
                         f"{net.d_in}, got shape {np.shape(points)}; kernel_matrix takes batches")
    return kernel_matrix(net, points)


def free_green(net: NetworkSpec, points: Any) -> Any:
    """Free n-point function G_0 of the network's Gaussian process (symbolic or numeric).

    Parameters
    ----------
    net : Network
    points : numeric array (..., n, d_in) / (..., n), or a list of SymPy points.

    Returns
    -------
    numpy array ``(...)`` (float for one combination) or SymPy expression.

    Odd n gives exactly 0 (a centred Gaussian process has no odd moments).

    Examples
    --------
    >>> from nnqft_sym import GaussNet
    >>> round(float(GaussNet().free_green([0.0, 0.0, 0.0, 0.0])), 12)   # 3 K(0)^2 = 3 * 2^2
    12.0
    >>> GaussNet().free_green([0.1, 0.2, 0.3])
    0.0
    """
    if is_symbolic_points(points):
        pts = symbolic_points(points, net.d_in)
        if len(pts) % 2:
            return sp.Integer(0)
        return wick_sum(lambda i, j: kernel_expr(net, pts[i], pts[j]), len(pts))
    pts = as_points(points, net.d_in)
    n = pts.shape[-2]
    if n % 2:
        return 0.0 if pts.ndim == 2 else np.zeros(pts.shape[:-2])
    kmat = kernel_matrix(net, pts)
    out = wick_sum(lambda i, j: kmat[..., i, j], n)
    return float(out) if np.ndim(out) == 0 else out
