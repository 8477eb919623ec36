r"""Free (Gaussian-process) correlators by Wick's theorem.

:math:`G_0^{(n)}(x_1..x_n) = \sum_{\text{pairings}} \prod_{(i,j)} K(x_i, x_j)`, summed over the
(n-1)!! perfect matchings of :func:`nnqft_sym.partitions.pairings`.  The kernel comes from
``net.kernel`` (the layer recursion for deep networks); with ``d_out > 1`` this is the
correlator of one output component (mixed indices: :func:`nnqft_sym.multi_output.free_green_indexed`).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .architectures import Network
from .moments import is_symbolic_points, symbolic_points
from .partitions import pairings
from .validation import as_points, check_even_order

__all__ = ["free_green", "wick_sum", "kernel_matrix"]


def wick_sum(pair_value: Any, n: int) -> Any:
    """Sum over the pairings of ``range(n)`` of products of ``pair_value(i, j)``.

    Examples
    --------
    >>> wick_sum(lambda i, j: 1, 6)     # counts the (6-1)!! = 15 pairings
    15
    """
    check_even_order(n)
    total = 0
    for matching in pairings(n):
        term = 1
        for i, j in matching:
            term = term * pair_value(i, j)
        total = total + term
    return total


def kernel_matrix(net: Network, points: Any) -> np.ndarray:
    """K(x_i, x_j) for numeric points ``(..., n, d_in)``; returns ``(..., n, n)``."""
    pts = as_points(points, net.d_in)
    return np.asarray(net.kernel(pts[..., :, None, :], pts[..., None, :, :]))


def free_green(net: Network, points: Any) -> Any:
    """Free n-point function G_0 of the network's Gaussian process (symbolic or numeric).

    Parameters
    ----------
    net : Network
    points : numeric array (..., n, d_in) / (..., n), or a list of SymPy points.

    Returns
    -------
    numpy array ``(...)`` (float for one combination) or SymPy expression.

    Raises
    ------
    ValueError
        If the number of points is odd (odd correlators vanish).

    Examples
    --------
    >>> from nnqft_sym import GaussNet
    >>> round(float(GaussNet().free_green([0.0, 0.0, 0.0, 0.0])), 12)   # 3 K(0)^2 = 3 * 2^2
    12.0
    """
    if is_symbolic_points(points):
        pts = symbolic_points(points, net.d_in)
        check_even_order(len(pts))
        return wick_sum(lambda i, j: net.kernel_expr(pts[i], pts[j]), len(pts))
    pts = as_points(points, net.d_in)
    n = check_even_order(pts.shape[-2])
    kmat = kernel_matrix(net, pts)
    out = wick_sum(lambda i, j: kmat[..., i, j], n)
    return float(out) if np.ndim(out) == 0 else out
