r"""Numeric evaluation of diagrams for a given architecture.

The propagator of the diagrams is the field-dependent part of the GP kernel,
:math:`K_W(x, y) = K(x, y) - \sigma_b^2` (the :math:`K_W` of ELS arXiv:2108.01403, docs/conventions.md section 5; the constant
:math:`\sigma_b^2` is the output-bias zero mode, which is not integrable over
:math:`\mathbb R^d`).

- Gaussian kernels (Gauss-net, cos-net with the Gaussian frequency prior):
  :math:`K_W = \sigma_W^2 e^{-\alpha |x - y|^2}`, :math:`\alpha = \sigma_W^2 / (2 d_{in})`.
  The product of the lines of a diagram is :math:`\sigma_W^{2 I} e^{-\alpha z^T L z}` with
  :math:`L` the weighted graph Laplacian, so the integral over the internal vertices
  :math:`y` on :math:`\mathbb R^{d}` is exact:

  .. math::

      \int d^d y_1 \cdots d^d y_V\, \prod K_W
      = \sigma_W^{2 I} \left(\frac{\pi^V}{\alpha^V \det L_{yy}}\right)^{d/2}
        \exp\Big(-\alpha \sum_{c=1}^{d} x_c^T (L_{xx} - L_{xy} L_{yy}^{-1} L_{yx}) x_c\Big),

  finite whenever every component of the diagram has an external leg.
- Other kernels: tensor Gauss-Legendre quadrature over :math:`[-\Lambda, \Lambda]^{d V}`
  (``cutoff`` :math:`\Lambda` required), with the weight kernel of the architecture
  (:func:`nnqft_sym.propagators.weight_kernel`).

The tree-level predictions built on these integrals are in :mod:`feynman.tree_level`.
"""
from __future__ import annotations

import numbers
import warnings
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

import numpy as np
import sympy as sp

from nnqft_sym.parsing import to_sympy
from nnqft_sym.propagators import gaussian_weight_kernel, weight_kernel
from nnqft_sym.specification import NetworkSpec
from nnqft_sym.validation import as_points

if TYPE_CHECKING:
    from .diagram import Diagram

__all__ = ["gaussian_parameters", "propagator_function", "weight_kernel_propagator",
           "laplacian_blocks",
           "gaussian_integral", "gaussian_integral_expr", "quadrature_integral",
           "diagram_integral", "diagram_integrals", "evaluate_diagram"]

#: tensor-product quadrature refuses grids larger than this many points per batch element
MAX_GRID = 4_000_000
#: factorised quadrature (<= 2 vertices) refuses vertex-vertex matrices larger than this
MAX_LINK = 10_000_000


def gaussian_parameters(net: NetworkSpec) -> tuple[Any, Any] | None:
    r"""Deprecated alias of :func:`nnqft_sym.propagators.gaussian_weight_kernel`.

    ``(amplitude, alpha)`` with :math:`K_W = \text{amplitude}\, e^{-\alpha|x-y|^2}`, or None.

    Examples
    --------
    >>> import warnings
    >>> from nnqft_sym import GaussNet
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", DeprecationWarning)
    ...     gaussian_parameters(GaussNet(sigma_w=2, d_in=1))
    (4, 2)
    """
    warnings.warn("feynman.gaussian_parameters is deprecated; use "
                  "nnqft_sym.propagators.gaussian_weight_kernel", DeprecationWarning, stacklevel=2)
    return gaussian_weight_kernel(net)


def propagator_function(net: NetworkSpec, params: tuple[Any, Any] | None = None
                        ) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    r"""NumPy :math:`K_W(x, y)` broadcasting over ``(..., d_in)`` arrays.

    Closed form for Gaussian kernels (``params`` from
    :func:`nnqft_sym.propagators.gaussian_weight_kernel`, computed if not given),
    :func:`nnqft_sym.propagators.weight_kernel` otherwise.

    Examples
    --------
    >>> from nnqft_sym import GaussNet
    >>> round(float(propagator_function(GaussNet())(np.zeros(1), np.ones(1))), 6)  # e^(-1/2)
    0.606531
    """
    net.require_numeric("propagator_function")
    params = gaussian_weight_kernel(net) if params is None else params
    if params is not None:
        amp, alpha = float(params[0]), float(params[1])
        return lambda x, y: amp * np.exp(-alpha * np.sum((x - y) ** 2, axis=-1))
    return lambda x, y: weight_kernel(net, x, y)


def weight_kernel_propagator(net: NetworkSpec) -> Callable[[Any, Any], sp.Expr]:
    r"""SymPy propagator :math:`K_W(a, b) = K(a, b) - \sigma_b^2` (:func:`nnqft_sym.propagators.weight_kernel`).

    For :meth:`feynman.Diagram.expression`: the points are scalars for ``d_in = 1`` or
    coordinate lists otherwise.

    Examples
    --------
    >>> import sympy as sp
    >>> from nnqft_sym import GaussNet
    >>> a, b = sp.symbols("a b", real=True)
    >>> weight_kernel_propagator(GaussNet(sigma_w=2))(a, b)
    4*exp(-2*(a - b)**2)
    """
    return lambda a, b: sp.simplify(weight_kernel(net, a, b))


def laplacian_blocks(diagram: "Diagram") -> tuple[sp.Matrix, sp.Matrix, sp.Matrix]:
    r"""Exact blocks ``(L_yy, L_yx, L_xx)`` of the line Laplacian (self-loops drop out).

    Examples
    --------
    >>> from feynman import generate
    >>> laplacian_blocks(generate(4, {4: 1})[0])[0]          # one vertex, four legs
    Matrix([[4]])
    """
    n, size = diagram.legs, len(diagram.adjacency)
    lap = sp.zeros(size, size)
    for u, v, m in diagram.lines():
        if u != v:
            lap[u, v] -= m
            lap[v, u] -= m
            lap[u, u] += m
            lap[v, v] += m
    return lap[n:, n:], lap[n:, :n], lap[:n, :n]


def _gaussian_data(diagram: "Diagram") -> tuple[sp.Expr, sp.Matrix]:
    """``(det L_yy, Schur complement)``; ValueError for vacuum components."""
    lyy, lyx, lxx = laplacian_blocks(diagram)
    if diagram.has_vacuum_component:
        raise ValueError("the diagram has a vacuum component: its integral over R^d is "
                         "proportional to the volume; give a cutoff")
    if lyy.shape[0] == 0:
        return sp.Integer(1), lxx
    det = lyy.det()
    return det, lxx - lyx.T * lyy.inv() * lyx


def gaussian_integral_expr(diagram: "Diagram", amplitude: Any, alpha: Any, d_in: Any,
                           points: Any = None) -> sp.Expr:
    r"""Exact SymPy value of the vertex integrals of a diagram with a Gaussian propagator.

    Parameters
    ----------
    diagram : Diagram
    amplitude, alpha : SymPy expressions or numbers
        :math:`K = \text{amplitude}\, e^{-\alpha |x - y|^2}`.
    d_in : int or SymPy symbol
        Dimension of the integration space.
    points : sequence, optional
        The leg positions: scalars or SymPy symbols for ``d_in = 1``, coordinate sequences
        otherwise (default symbols ``x_1..x_n``, which needs ``d_in = 1`` or symbolic
        distances).

    Examples
    --------
    >>> import sympy as sp
    >>> from feynman import generate
    >>> contact = generate(2, {2: 1})[0]          # int dy K(x1, y) K(y, x2)
    >>> gaussian_integral_expr(contact, 1, 1, 1)
    sqrt(2)*sqrt(pi)*exp(-(x_1 - x_2)**2/2)/2
    """
    det, schur = _gaussian_data(diagram)
    n, n_vertices = diagram.legs, len(diagram.valences)
    if points is None:
        points = [sp.Symbol(f"x_{i + 1}", real=True) for i in range(n)]
    if len(points) != n:
        raise ValueError(f"points must list {n} leg positions, got {len(points)}")

    def dist2(a: Any, b: Any) -> sp.Expr:
        if isinstance(a, (list, tuple, sp.MatrixBase)):
            return sum((to_sympy(ai, "points") - to_sympy(bi, "points")) ** 2
                       for ai, bi in zip(a, b))
        return (to_sympy(a, "points") - to_sympy(b, "points")) ** 2

    exponent = sum((-schur[i, j] * dist2(points[i], points[j])
                    for i in range(n) for j in range(i + 1, n)), sp.Integer(0))
    amplitude, alpha = to_sympy(amplitude, "amplitude"), to_sympy(alpha, "alpha")
    d_in = to_sympy(d_in, "d_in")
    prefactor = amplitude ** diagram.n_lines * (sp.pi ** n_vertices
                                                / (alpha ** n_vertices * det)) ** (d_in / 2)
    return prefactor * sp.exp(-alpha * exponent)


def gaussian_integral(diagram: "Diagram", amplitude: float, alpha: float,
                      points: np.ndarray) -> np.ndarray:
    """Vectorised closed form of :func:`gaussian_integral_expr` for points ``(..., n, d)``.

    Examples
    --------
    >>> from feynman import generate
    >>> contact = generate(4, {4: 1})[0]
    >>> round(float(gaussian_integral(contact, 1.0, 0.5, np.zeros((4, 1)))), 10)  # sqrt(pi/2)
    1.2533141373
    """
    det, schur = _gaussian_data(diagram)
    n_vertices, d = len(diagram.valences), points.shape[-1]
    s = np.array(schur.tolist(), dtype=float)
    quad = np.einsum("...id,ij,...jd->...", points, s, points)
    prefactor = amplitude ** diagram.n_lines * (np.pi ** n_vertices
                                                / (alpha ** n_vertices * float(det))) ** (d / 2)
    return prefactor * np.exp(-alpha * quad)


def _gauss_legendre_grid(nodes: int, cutoff: float, dims: int) -> tuple[np.ndarray, np.ndarray]:
    """Tensor Gauss-Legendre nodes ``(nodes**dims, dims)`` and weights on the cube."""
    xi, wi = np.polynomial.legendre.leggauss(nodes)
    xi, wi = xi * cutoff, wi * cutoff
    grid = np.stack(np.meshgrid(*([xi] * dims), indexing="ij"), -1).reshape(-1, dims)
    weights = np.prod(np.stack(np.meshgrid(*([wi] * dims), indexing="ij"), -1)
                      .reshape(-1, dims), axis=-1)
    return grid, weights


def _lines_factor(propagator: Callable, a: np.ndarray, b: np.ndarray, m: int) -> np.ndarray:
    shape = np.broadcast_shapes(a.shape, b.shape)
    return propagator(np.broadcast_to(a, shape), np.broadcast_to(b, shape)) ** m


def quadrature_integral(diagram: "Diagram", propagator: Callable[[np.ndarray, np.ndarray],
                                                                   np.ndarray],
                        points: np.ndarray, cutoff: float, nodes: int = 64) -> np.ndarray:
    r"""Vertex integrals on :math:`[-\Lambda, \Lambda]^{dV}` by tensor Gauss-Legendre quadrature.

    ``points`` has shape ``(..., n, d)``; the result has shape ``(...)``.  Diagrams with at most
    two vertices (trees of the 4- and 6-point functions, one-loop bubbles) are factorised:
    per-vertex products of leg propagators on a ``nodes**d`` grid, contracted with the
    vertex-vertex propagator matrix; larger ones use the full ``nodes**(d V)`` grid.

    Examples
    --------
    >>> from feynman import generate
    >>> contact = generate(4, {4: 1})[0]
    >>> def gauss(x, y):
    ...     return np.exp(-0.5 * np.sum((x - y) ** 2, axis=-1))
    >>> round(float(quadrature_integral(contact, gauss, np.zeros((4, 1)), 8.0, 64)), 10)
    1.2533141373
    """
    n, n_vertices, d = diagram.legs, len(diagram.valences), points.shape[-1]
    batch = points.shape[:-2]
    flat = points.reshape((-1, n, d))[:, None]                       # (b, 1, n, d)
    if n_vertices <= 2:
        if nodes ** (2 * d) > MAX_LINK:
            raise ValueError(f"quadrature grid (nodes**d)**2 = {nodes}**{2 * d} exceeds "
                             f"{MAX_LINK}; lower nodes or use a Gaussian kernel")
        grid, weights = _gauss_legendre_grid(nodes, cutoff, d)      # (G, d), (G,)
        legs_only = np.ones(flat.shape[0])
        per_vertex = [np.broadcast_to(weights, (flat.shape[0], len(weights))).copy()
                      for _ in range(n_vertices)]
        link = None
        for u, v, m in diagram.lines():
            if v < n:                                                # leg - leg
                legs_only = legs_only * _lines_factor(propagator, flat[:, 0, u],
                                                      flat[:, 0, v], m)
            elif u < n:                                              # leg - vertex
                per_vertex[v - n] *= _lines_factor(propagator, flat[:, :, u], grid[None], m)
            elif u == v:                                             # self-loops
                per_vertex[v - n] *= _lines_factor(propagator, grid, grid, m)[None]
            else:                                                    # vertex - vertex
                link = _lines_factor(propagator, grid[:, None], grid[None, :], m)
        if n_vertices == 0:
            out = legs_only
        elif n_vertices == 1:
            out = legs_only * per_vertex[0].sum(-1)
        elif link is None:
            out = legs_only * per_vertex[0].sum(-1) * per_vertex[1].sum(-1)
        else:
            out = legs_only * np.sum((per_vertex[0] @ link) * per_vertex[1], axis=-1)
        return out.reshape(batch)
    dims = n_vertices * d
    if nodes ** dims > MAX_GRID:
        raise ValueError(f"quadrature grid nodes**(d*V) = {nodes}**{dims} exceeds {MAX_GRID}; "
                         f"lower nodes or use a Gaussian kernel")
    grid, weights = _gauss_legendre_grid(nodes, cutoff, dims)
    grid = grid.reshape(-1, n_vertices, d)
    out = np.empty(flat.shape[0])
    chunk = max(1, MAX_GRID // grid.shape[0])
    for start in range(0, flat.shape[0], chunk):
        pts = flat[start:start + chunk]                              # (b, 1, n, d)
        integrand = np.ones((pts.shape[0], grid.shape[0]))
        for u, v, m in diagram.lines():
            a = pts[:, :, u] if u < n else grid[None, :, u - n]
            c = pts[:, :, v] if v < n else grid[None, :, v - n]
            integrand = integrand * _lines_factor(propagator, a, c, m)
        out[start:start + chunk] = integrand @ weights
    return out.reshape(batch)


def diagram_integral(diagram: "Diagram", net: NetworkSpec, points: Any, *, cutoff: float | None = None,
                     nodes: int = 64) -> np.ndarray:
    r"""The vertex integrals of a diagram (no coupling factors, no :math:`1/S`) for a network.

    Parameters
    ----------
    diagram : Diagram
    net : nnqft_sym.Network
        Architecture with numeric hyper-parameters.
    points : array ``(..., n, d_in)`` (or ``(..., n)`` for ``d_in = 1``)
        Leg positions, batched over leading axes.
    cutoff : float > 0, optional
        Input-space cutoff :math:`\Lambda`; required for non-Gaussian kernels, optional
        (quadrature instead of the closed form) for Gaussian ones.
    nodes : int
        Gauss-Legendre nodes per integration variable.

    Returns
    -------
    ndarray of shape ``(...)``

    Examples
    --------
    >>> from nnqft_sym import ReLUNet
    >>> from feynman import generate
    >>> contact = generate(4, {4: 1})[0]
    >>> diagram_integral(contact, ReLUNet(), [[0.0, 0.1, 0.2, 0.3]], cutoff=1.0).shape
    (1,)
    """
    (out,) = diagram_integrals([diagram], net, points, cutoff=cutoff, nodes=nodes)
    return out


def diagram_integrals(diagrams: Sequence["Diagram"], net: NetworkSpec, points: Any, *,
                      cutoff: float | None = None, nodes: int = 64) -> list[np.ndarray]:
    """:func:`diagram_integral` for several diagrams (the kernel is analysed once).

    Examples
    --------
    >>> from nnqft_sym import GaussNet
    >>> from feynman import generate
    >>> [v.shape for v in diagram_integrals(generate(2, {4: 1}), GaussNet(), [[0.0, 0.1]])]
    [(1,)]
    """
    net.require_numeric("diagram_integral")
    pts = as_points(points, net.d_in, allow_empty=True)      # vacuum diagrams have no legs
    for diagram in diagrams:
        if pts.shape[-2] != diagram.legs:
            raise ValueError(f"points must hold {diagram.legs} points on axis -2, "
                             f"got shape {pts.shape}")
    params = gaussian_weight_kernel(net)
    if cutoff is None:
        if params is None:
            raise ValueError(f"{net.name} has no closed-form Gaussian kernel: give an input-space "
                             f"cutoff > 0 for the quadrature")
        return [gaussian_integral(d, float(params[0]), float(params[1]), pts) for d in diagrams]
    if isinstance(cutoff, bool) or not isinstance(cutoff, numbers.Real) or not cutoff > 0 \
            or not np.isfinite(cutoff):
        raise ValueError(f"cutoff must be a positive finite number, got {cutoff!r}")
    if isinstance(nodes, bool) or not isinstance(nodes, numbers.Integral) or nodes < 2:
        raise ValueError(f"nodes must be an integer >= 2, got {nodes!r}")
    prop = propagator_function(net, params)
    return [quadrature_integral(d, prop, pts, float(cutoff), int(nodes)) for d in diagrams]


def evaluate_diagram(diagram: "Diagram", net: NetworkSpec, points: Any,
                     couplings: Mapping[int, float] | None = None, **options: Any) -> np.ndarray:
    r"""Numeric value of a diagram: weight :math:`\prod(-g_k)^{n_k}/S` times its integral.

    ``couplings`` maps valences to numbers; None gives the value per unit couplings
    (:math:`\prod (-1)^{n_k} / S` times the integral).  ``options`` go to
    :func:`diagram_integral`.

    Examples
    --------
    >>> from nnqft_sym import GaussNet
    >>> from feynman import generate
    >>> tadpole = generate(2, {4: 1})[0]                      # -g4/2 int K K(y, y) K
    >>> round(float(evaluate_diagram(tadpole, GaussNet(), [0.0, 0.0], {4: 2.0})), 10)
    -1.7724538509
    """
    couplings = {k: 1.0 for k in diagram.vertex_counts} if couplings is None else couplings
    weight = float(diagram.weight(couplings))
    return weight * diagram_integral(diagram, net, points, **options)
