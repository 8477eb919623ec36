r"""Exact finite-width correlators of one-hidden-layer networks, for every width N.

:math:`f - b^1 = \sum_{i=1}^N t_i` with i.i.d. neuron terms :math:`t_i = W^1_i g_i`, so the
connected correlators are exactly :math:`\kappa_n(f) = N \kappa_n(t)` for :math:`n \ge 3`
(docs/conventions.md section 2), odd ones vanish, and :math:`\kappa_2(f) = K`.  With
:math:`E[t_B] = (|B|-1)!!\, (v_{out}/N)^{|B|/2}\, E[g_B]` one finds
:math:`\kappa_{|B|}(f) = N^{1-|B|/2} c_B` with the N-independent *reduced cumulant*

.. math:: c_B = \sum_{\pi \in P_{even}(B)} (-1)^{|\pi|-1} (|\pi|-1)!
          \prod_{b\in\pi} (|b|-1)!!\, v_{out}^{|b|/2} E[g_b]   \quad (|B| \ge 4),

and :math:`c_{ij} = K(x_i, x_j)`.  Full Green functions follow from the moment-cumulant
formula, :math:`G^{(n)} = \sum_{\pi \in P_{even}} \prod_{B\in\pi} \kappa_{|B|}(x_B)`, which is
a finite polynomial in :math:`1/N`: a partition contributes at order
:math:`N^{-\sum_B (|B|/2 - 1)}`.  :math:`\Delta G^{(n)}` is summed directly over the
partitions with a block of size >= 4 (no cancellation against :math:`G_0`).
"""
from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from .architectures import Network
from .moments import prepare_points
from .partitions import double_factorial, even_set_partitions, moebius_weight
from .validation import check_width
from .wick import kernel_matrix

__all__ = ["connected_green", "green", "delta_green", "deviation",
           "deviation_series", "delta_green_series",
           "reduced_cumulants"]


def _prepare(net: Network, points: Any):
    """Return (symbolic?, points in canonical form, n).

    Deep networks are refused: the exact results here are those of one hidden layer.  With
    ``d_out > 1`` they are the correlators of one output component (all indices equal; see
    :mod:`nnqft_sym.multi_output` for mixed indices).
    """
    if net.depth != 1:
        raise ValueError(f"exact finite-width correlators exist for one hidden layer only, got "
                         f"depth = {net.depth}; use nnqft_sym.deep.leading_delta_green / "
                         "leading_deviation for the O(1/N) term of a deep network")
    return prepare_points(net, points, "exact correlators")


def _subset(pts: Any, block: tuple[int, ...], symbolic: bool) -> Any:
    return [pts[i] for i in block] if symbolic else pts[..., list(block), :]


def reduced_cumulants(net: Network, points: Any) -> dict[tuple[int, ...], Any]:
    r"""The N-independent reduced cumulants :math:`c_B` for every even subset B of the points.

    ``kappa_{|B|}(f)(x_B) = N^{1 - |B|/2} c_B``; for pairs ``c_{ij} = K(x_i, x_j)``.
    Keys are sorted index tuples.
    """
    symbolic, pts, n = _prepare(net, points)
    v = net.output_variance
    v = v if symbolic else float(v)
    kmat = None if symbolic else kernel_matrix(net, pts)
    moments: dict[tuple[int, ...], Any] = {}

    def t_moment(block: tuple[int, ...]) -> Any:  # E[t_b] N^{|b|/2}
        if block not in moments:
            moments[block] = (double_factorial(len(block) - 1) * v ** (len(block) // 2)
                              * net.neuron_moment(_subset(pts, block, symbolic)))
        return moments[block]

    out: dict[tuple[int, ...], Any] = {}
    for size in range(2, n + 1, 2):
        for block in _blocks(n, size):
            if size == 2:
                i, j = block
                out[block] = (net.kernel_expr(pts[i], pts[j]) if symbolic else kmat[..., i, j])
                continue
            total = 0
            for part in even_set_partitions(block):
                term = moebius_weight(len(part))
                for b in part:
                    term = term * t_moment(b)
                total = total + term
            out[block] = sp.simplify(total) if symbolic and n <= 4 else total
    return out


def _blocks(n: int, size: int):
    from itertools import combinations
    return combinations(range(n), size)


def _series(net: Network, points: Any, include_free: bool) -> tuple[bool, dict[int, Any]]:
    """Coefficients of N^-k of G^(n) (k = 0 is the free part, included on request)."""
    symbolic, pts, n = _prepare(net, points)
    cum = reduced_cumulants(net, pts)
    coeffs: dict[int, Any] = {}
    for part in even_set_partitions(tuple(range(n))):
        k = sum(len(b) // 2 - 1 for b in part)
        if k == 0 and not include_free:
            continue
        term = 1
        for b in part:
            term = term * cum[b]
        coeffs[k] = coeffs.get(k, 0) + term
    return symbolic, coeffs


def _finish(symbolic: bool, value: Any) -> Any:
    if symbolic:
        return value
    return float(value) if np.ndim(value) == 0 else value


def _relative_to_free(value: Any, free: Any, points: Any, symbolic: bool) -> Any:
    r"""``value / free`` for :math:`m_n = \Delta G^{(n)} / G_0^{(n)}`, refusing a vanishing :math:`G_0^{(n)}`
    (``points`` as the caller received them, to name the combination).

    :math:`G_0^{(n)} = 0` where an input has :math:`K(x, x) = 0` (ReLU or Erf at
    :math:`\sigma_b = 0` and :math:`x = 0`, where :math:`f(x) = 0` identically) or where the
    kernel vanishes between the points (ReLU at :math:`\sigma_b = 0`, d_in = 1, inputs of
    both signs); :math:`m_n` is 0/0 there.

    Raises
    ------
    ValueError
        Naming the first point combination where :math:`G_0^{(n)} = 0`.
    """
    zero = (sp.sympify(free).is_zero is True) if symbolic else (np.asarray(free) == 0)
    if np.any(zero):
        where = (points if symbolic or np.ndim(zero) == 0
                 else np.asarray(points, dtype=float)[tuple(np.argwhere(zero)[0])])
        raise ValueError(f"m_n = Delta G / G_0 is undefined at the points {np.asarray(where).tolist()}: "
                         "G_0 = 0 there (e.g. x = 0 at sigma_b = 0 for ReLU or Erf, where f(x) = 0 "
                         "identically, or ReLU inputs of both signs at sigma_b = 0, where K(x, y) "
                         "= 0); use delta_green instead")
    return value / free


def _sum_series(coeffs: dict[int, Any], width: Any) -> Any:
    width = check_width(width)
    inv = (sp.Integer(1) / width) if isinstance(width, sp.Basic) else 1.0 / width
    return sum(c * inv ** k for k, c in coeffs.items())


def delta_green_series(net: Network, points: Any) -> dict[int, Any]:
    r"""Exact coefficients :math:`c_k` with :math:`\Delta G^{(n)} = \sum_{k\ge1} c_k N^{-k}`.

    The series is finite: k runs from 1 to n/2 - 1.

    Examples
    --------
    >>> from nnqft_sym import GaussNet
    >>> sorted(GaussNet().delta_green_series([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]))
    [1, 2]
    """
    symbolic, coeffs = _series(net, points, include_free=False)
    return {k: _finish(symbolic, c) for k, c in sorted(coeffs.items())}


def deviation_series(net: Network, points: Any) -> dict[int, Any]:
    r"""Exact coefficients of :math:`m_n = \Delta G^{(n)}/G_0^{(n)} = \sum_{k\ge1} c_k N^{-k}`.

    Examples
    --------
    >>> from nnqft_sym import GaussNet
    >>> net = GaussNet()
    >>> c = net.deviation_series([0.1, 0.2, 0.3, 0.4])
    >>> bool(abs(c[1] / 10 - net.deviation([0.1, 0.2, 0.3, 0.4], 10)) < 1e-12)
    True
    """
    symbolic, coeffs = _series(net, points, include_free=True)
    free = coeffs.pop(0)
    return {k: _finish(symbolic, _relative_to_free(c, free, points, symbolic))
            for k, c in sorted(coeffs.items())}


def connected_green(net: Network, points: Any, width: Any) -> Any:
    r"""Exact connected correlator :math:`\kappa_n(f) = N \kappa_n(t)` (n >= 4), or K for n = 2.

    Examples
    --------
    >>> from nnqft_sym import GaussNet
    >>> net = GaussNet()
    >>> bool(abs(net.connected_green([0.0] * 4, 10) - 2 * net.connected_green([0.0] * 4, 20)) < 1e-12)
    True
    """
    symbolic, pts, n = _prepare(net, points)
    width = check_width(width)
    c = reduced_cumulants(net, pts)[tuple(range(n))]
    power = 1 - n // 2
    return _finish(symbolic, c * (sp.sympify(width) ** power if symbolic else float(width) ** power))


def green(net: Network, points: Any, width: Any) -> Any:
    """Exact full Green function G^(n) = E[f(x_1)...f(x_n)] at width N (moment-cumulant formula).

    Examples
    --------
    >>> from nnqft_sym import ReLUNet
    >>> net = ReLUNet()
    >>> bool(abs(net.green([0.3, -0.2], 7) - net.kernel(0.3, -0.2)) < 1e-14)   # G^(2) = K
    True
    """
    symbolic, coeffs = _series(net, points, include_free=True)
    return _finish(symbolic, _sum_series(coeffs, width))


def delta_green(net: Network, points: Any, width: Any) -> Any:
    r""":math:`\Delta G^{(n)} = G^{(n)} - G_0^{(n)}`, summed without cancellation."""
    symbolic, coeffs = _series(net, points, include_free=False)
    return _finish(symbolic, _sum_series(coeffs, width))


def deviation(net: Network, points: Any, width: Any) -> Any:
    r""":math:`m_n = \Delta G^{(n)} / G_0^{(n)}` (exact).

    Examples
    --------
    >>> from nnqft_sym import GaussNet
    >>> round(GaussNet().deviation([-0.01, -0.006, 0.002, 0.01], 10), 6)
    1.339746
    """
    symbolic, coeffs = _series(net, points, include_free=True)
    free = coeffs.pop(0)
    return _finish(symbolic, _relative_to_free(_sum_series(coeffs, width), free, points, symbolic))
