r"""The O(1/N) quartic vertex of the width-N action by amputation, and how non-local it is.

At order :math:`1/N` the action is :math:`S = \tfrac12 f K^{-1} f + \tfrac1{4!}\int V_4 f^4 + \dots`
and the connected 4-point function is the tree :math:`G_c^{(4)}(x_1..x_4) =
-\int \prod_i dy_i\, K(x_i, y_i)\, V_4(y_1..y_4)`, so the vertex follows by amputating the four
legs with the inverse kernel.  On a uniform grid :math:`y_a` (spacing :math:`h`, ``d_in = 1``)
with :math:`\mathcal K_{ab} = h K(y_a, y_b)`:

.. math:: V_4 = -(\mathcal K^{-1})^{\otimes 4}\, G_c^{(4)} .

:math:`G_c^{(4)}` is exact at finite width (core :mod:`nnqft_sym.cumulants`), so :math:`V_4` is the
exact O(1/N) vertex of the discretised theory (:math:`G_c^{(4)} \propto 1/N` exactly).  A local
vertex :math:`u\,\delta(y_1 - y_2)\delta(y_1 - y_3)\delta(y_1 - y_4)` is, on the grid,
:math:`u\,\delta_{abcd}/h^3`, with the template
:math:`T_{abcd} = \sum_e h\, K_{ae}K_{be}K_{ce}K_{de}`
in correlator space.  Reported:

- ``local_coupling``: the least-squares local fit
  :math:`u_{fit} = -\langle T, G\rangle/\langle T, T\rangle`
  (the grid analogue of HMS/ELS :math:`u_4 = -\Delta G^{(4)}/N_K`);
- ``integrated_vertex``: :math:`u(y_a) = h^3\sum_{bcd} V_{abcd}` (zero-momentum vertex at each
  point; equal to :math:`u` for a local vertex);
- ``nonlocality``: :math:`\|V - V_{diag}\| / \|V\|` (Frobenius; 0 for a local vertex) and the
  correlator-space residual :math:`\|G + u_{fit} T\| / \|G\|`.

Findings (tests, ``docs/rg.md``): for the cos-net (translation-invariant correlators) on
[-4, 4] the vertex is far from local, :math:`\|V - V_{diag}\|/\|V\| \approx 0.99`, and the best
local quartic explains the 4-point function only partly (residual 0.6-0.8); for the Gauss-net
:math:`G_c^{(4)}` grows like :math:`e^{\sum_i s(x_i)}` away from the origin (the finite-width
correlators are not translation invariant), so a grid amputation is dominated by its edges.

The grid spacing must not be much finer than the kernel's correlation length: the Gauss-net
kernel matrix has exponentially small eigenvalues (condition number ~600 for 10 points on
[-4, 4] at sigma_W = 1, ~1e17 for 20), and its inverse is then meaningless; the condition number
is returned and a ``ValueError`` raised above ``max_condition``.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..effective_action import amputate, vertex_nonlocality

__all__ = ["AmputatedVertex", "amputated_quartic_vertex", "local_template"]


@dataclass(frozen=True)
class AmputatedVertex:
    r"""The amputated quartic vertex on a grid and its locality diagnostics.

    Attributes
    ----------
    grid : numpy.ndarray, shape (M,)
    spacing : float
    vertex : numpy.ndarray, shape (M, M, M, M)
        :math:`V_4` (continuum normalisation: a local vertex is :math:`u\delta_{abcd}/h^3`).
    connected : numpy.ndarray, shape (M, M, M, M)
        The exact :math:`G_c^{(4)}` on the grid.
    local_coupling : float
        Least-squares local coupling :math:`u_{fit}`.
    integrated_vertex : numpy.ndarray, shape (M,)
        :math:`h^3 \sum_{bcd} V_{abcd}`.
    nonlocality : float
        :math:`\|V - V_{diag}\|/\|V\|`.
    residual : float
        :math:`\|G_c + u_{fit} T\| / \|G_c\|`.
    condition : float
        Condition number of the kernel matrix.
    """

    grid: np.ndarray
    spacing: float
    vertex: np.ndarray
    connected: np.ndarray
    local_coupling: float
    integrated_vertex: np.ndarray
    nonlocality: float
    residual: float
    condition: float


def _kernel_matrix(net: Any, grid: np.ndarray) -> np.ndarray:
    return np.asarray(net.kernel(grid[:, None, None], grid[None, :, None]), float)


def local_template(kernel: np.ndarray, spacing: float) -> np.ndarray:
    r""":math:`T_{abcd} = \sum_e h K_{ae}K_{be}K_{ce}K_{de}`: the 4-point function of a unit
    local vertex (up to the sign), on the grid.

    Examples
    --------
    >>> import numpy as np
    >>> from nnqft_sym.rg import local_template
    >>> float(local_template(np.eye(2), 0.5)[0, 0, 0, 0])
    0.5
    """
    return spacing * np.einsum("ae,be,ce,de->abcd", kernel, kernel, kernel, kernel)


def _amputate(kernel: np.ndarray, spacing: float, connected: np.ndarray) -> np.ndarray:
    return -amputate(connected, np.linalg.inv(spacing * kernel))


def _diagnostics(grid: np.ndarray, spacing: float, kernel: np.ndarray, connected: np.ndarray,
                 condition: float) -> AmputatedVertex:
    vertex = _amputate(kernel, spacing, connected)
    template = local_template(kernel, spacing)
    u_fit = -float(np.sum(template * connected) / np.sum(template * template))
    residual = float(np.linalg.norm(connected + u_fit * template) / np.linalg.norm(connected))
    nonlocality = vertex_nonlocality(vertex)
    integrated = spacing ** 3 * vertex.sum(axis=(1, 2, 3))
    return AmputatedVertex(grid, spacing, vertex, connected, u_fit, integrated, nonlocality,
                           residual, condition)


def amputated_quartic_vertex(net: Any, grid: Any, width: int,
                             max_condition: float = 1e8) -> AmputatedVertex:
    r"""Amputate the exact :math:`G_c^{(4)}` of ``net`` at width N on a uniform 1-d grid.

    Parameters
    ----------
    net : Network
        Numeric hyper-parameters, ``d_in = 1``.
    grid : array of M >= 2 equally spaced floats
    width : int
    max_condition : float
        Refuse kernel matrices with a larger condition number (the inverse would be noise).

    Raises
    ------
    ValueError
        For ``d_in != 1``, a non-uniform grid, or an ill-conditioned kernel matrix.

    Examples
    --------
    >>> import numpy as np
    >>> from nnqft_sym import CosNet
    >>> from nnqft_sym.rg import amputated_quartic_vertex
    >>> amp = amputated_quartic_vertex(CosNet(), np.linspace(-4, 4, 6), 10)
    >>> bool(amp.local_coupling < 0 and amp.nonlocality > 0.9 and amp.residual > 0.5)
    True
    """
    net.require_numeric("amputated_quartic_vertex")
    if net.d_in != 1:
        raise ValueError("amputation is implemented on 1-d grids (d_in = 1), "
                         f"got d_in = {net.d_in}")
    grid = np.asarray(grid, float)
    steps = np.diff(grid) if grid.ndim == 1 else np.array([])
    if grid.ndim != 1 or grid.size < 2 or not np.allclose(steps, steps[0]) or steps[0] <= 0:
        raise ValueError("grid must be an increasing, equally spaced 1-d array of >= 2 points")
    spacing = float(steps[0])
    kernel = _kernel_matrix(net, grid)
    condition = float(np.linalg.cond(kernel))
    if condition > max_condition:
        raise ValueError(f"the kernel matrix on this grid has condition number {condition:.3g} "
                         f"> {max_condition:.3g}: use a coarser grid (spacing >~ 1/sigma_W)")
    m = grid.size
    combos = np.array(list(itertools.product(range(m), repeat=4)))
    connected = np.asarray(net.connected_green(grid[combos], width), float).reshape((m,) * 4)
    return _diagnostics(grid, spacing, kernel, connected, condition)
