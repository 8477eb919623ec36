r"""Diagram -> SymPy expressions in position and momentum space, and their LaTeX.

Position space: the diagram with legs at :math:`x_1..x_n` and internal vertices
:math:`y_1..y_V` is

.. math::

    \frac{\prod_k (-g_k)^{n_k}}{S} \int d^d y_1 \cdots d^d y_V
    \prod_{\text{lines } (a, b)} K(a, b) .

Momentum space, with the Fourier convention of docs/conventions.md section 4,
:math:`K(x - y) = \int d^d p\, e^{i p (x - y)} \tilde K(p)`: a connected diagram with legs
equals :math:`\int \prod_i d^d p_i\, e^{i \sum_i p_i x_i} (2\pi)^d \delta(\sum_i p_i)\, M`,
where :math:`p_i` flows from leg :math:`i` into the diagram and

.. math::

    M = \frac{\prod_k (-g_k)^{n_k}}{S} (2\pi)^{d (V - 1)} \int \prod_{j=1}^{L} d^d k_j
    \prod_i \tilde K(p_i) \prod_{\text{internal lines}} \tilde K(q_l),

each vertex giving :math:`(2\pi)^d \delta(\cdot)` and one of them the overall conservation;
:math:`q_l` are fixed by momentum conservation at every vertex, with loop momenta
:math:`k_j` on the lines outside a spanning tree and :math:`p_n = -(p_1 + \dots + p_{n-1})`.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Mapping

import networkx as nx
import sympy as sp

from nnqft_sym._deprecation import renamed_keywords
from nnqft_sym.parsing import to_sympy

if TYPE_CHECKING:
    from .diagram import Diagram

__all__ = ["position_symbols", "position_expression", "momentum_expression",
           "diagram_latex"]

#: default propagator symbol K(a, b) / K(p)
K = sp.Function("K")


def position_symbols(diagram: "Diagram") -> tuple[list[sp.Symbol], list[sp.Symbol]]:
    """Real symbols ``x_1..x_n`` (legs) and ``y_1..y_V`` (internal vertices).

    Examples
    --------
    >>> from feynman import generate
    >>> position_symbols(generate(2, {4: 1})[0])
    ([x_1, x_2], [y_1])
    """
    xs = [sp.Symbol(f"x_{i + 1}", real=True) for i in range(diagram.legs)]
    ys = [sp.Symbol(f"y_{j + 1}", real=True) for j in range(len(diagram.valences))]
    return xs, ys


def _propagator(propagator: Any) -> Callable[..., sp.Expr]:
    if propagator is None:
        return K
    if not callable(propagator):
        raise TypeError(f"propagator must be callable (a SymPy Function or a function of the "
                        f"points returning a SymPy expression), got {propagator!r}")
    return propagator


def _integrand(diagram: "Diagram", propagator: Any) -> tuple[sp.Expr, list[sp.Symbol]]:
    prop = _propagator(propagator)
    xs, ys = position_symbols(diagram)
    pts = xs + ys
    integrand = sp.Integer(1)
    for u, v, m in diagram.lines():
        integrand *= to_sympy(prop(pts[u], pts[v]), "propagator(x, y)") ** m
    return integrand, ys


def position_expression(diagram: "Diagram", propagator: Any = None,
                        couplings: Mapping[int, Any] | None = None) -> sp.Expr:
    r"""Position-space expression: vertex factors, :math:`1/S` and the vertex integrals.

    Parameters
    ----------
    diagram : Diagram
    propagator : callable, optional
        ``propagator(a, b)`` for two point symbols (default the undefined function ``K``).
        A concrete SymPy expression (e.g. a Gaussian) makes ``.doit()`` evaluate the
        integrals over the real line (:math:`d = 1`).
    couplings : mapping valence -> coupling, optional
        Default symbols ``g4, g6, ...``.

    Returns
    -------
    sympy.Expr
        An unevaluated ``Integral`` over ``y_1..y_V`` on the whole space (each standing for
        :math:`d^d y`; with a concrete propagator ``.doit()`` integrates over the real line)
        times the weight; a plain product for tree diagrams without internal vertices.

    Examples
    --------
    >>> from feynman import generate
    >>> generate(4, {4: 1})[0].expression()
    -g4*Integral(K(x_1, y_1)*K(x_2, y_1)*K(x_3, y_1)*K(x_4, y_1), (y_1, -oo, oo))
    """
    integrand, ys = _integrand(diagram, propagator)
    body = sp.Integral(integrand, *((y, -sp.oo, sp.oo) for y in ys)) if ys else integrand
    return diagram.weight(couplings) * body


@renamed_keywords(dimension="d_in")
def momentum_expression(diagram: "Diagram", propagator: Any = None,
                        couplings: Mapping[int, Any] | None = None,
                        d_in: Any = None) -> sp.Expr:
    r"""Momentum-space amplitude :math:`M` (coefficient of :math:`(2\pi)^d\delta(\sum p)`).

    Parameters
    ----------
    diagram : Diagram
        Connected, with at least one external leg.
    propagator : callable, optional
        ``propagator(q)`` for a momentum (default the undefined function ``K``).
    couplings : mapping valence -> coupling, optional
    d_in : int or SymPy symbol, optional
        Input dimension :math:`d_{in}`, the dimension of the space the network field lives on
        (default the symbol ``d``); ``dimension`` is a deprecated alias.

    Raises
    ------
    ValueError
        For vacuum or disconnected diagrams (their momentum form carries volume factors).

    Examples
    --------
    >>> from feynman import generate
    >>> tadpole = generate(2, {4: 1})[0]
    >>> tadpole.momentum_expression()
    -g4*K(-p_1)*K(p_1)*Integral(K(k_1), (k_1, -oo, oo))/2
    """
    if diagram.legs == 0 or not diagram.is_connected:
        raise ValueError("momentum_expression needs a connected diagram with external legs; "
                         f"got legs={diagram.legs}, connected={diagram.is_connected}")
    prop = _propagator(propagator)
    d = sp.Symbol("d", positive=True, integer=True) if d_in is None else to_sympy(d_in, "d_in")
    n = diagram.legs
    ps = [sp.Symbol(f"p_{i + 1}", real=True) for i in range(n)]
    lines = [(u, v) for u, v, m in diagram.lines() for _ in range(m)]
    g = nx.MultiGraph()
    g.add_nodes_from(range(len(diagram.adjacency)))
    g.add_edges_from((u, v, {"index": i}) for i, (u, v) in enumerate(lines))
    tree = _tree_lines(g)
    ks: list[sp.Symbol] = []
    q: list[sp.Expr] = []
    unknowns = []
    for i, _ in enumerate(lines):
        if i in tree:
            sym = sp.Dummy(f"q{i}")
            unknowns.append(sym)
            q.append(sym)
        else:
            ks.append(sp.Symbol(f"k_{len(ks) + 1}", real=True))
            q.append(ks[-1])
    # conservation at every node: inflow = outflow; leg i injects p_i
    equations = []
    for node in range(len(diagram.adjacency)):
        net = ps[node] if node < n else sp.Integer(0)
        for i, (u, v) in enumerate(lines):
            if u == v:
                continue
            if v == node:
                net += q[i]
            if u == node:
                net -= q[i]
        equations.append(net)
    (solution,) = sp.linsolve(equations, unknowns + [ps[-1]])
    values = dict(zip(unknowns + [ps[-1]], solution))
    q = [sp.expand(x.subs(values)) for x in q]
    p_in = [sp.expand(p.subs(values)) for p in ps]
    outside, inside = sp.Integer(1), sp.Integer(1)
    for i, (u, _) in enumerate(lines):
        factor = prop(p_in[u] if u < n else q[i])
        if factor.free_symbols & set(ks):
            inside *= factor
        else:
            outside *= factor
    body = (outside * sp.Integral(inside, *((k, -sp.oo, sp.oo) for k in ks))
            if ks else outside)
    prefactor = (2 * sp.pi) ** (d * (len(diagram.valences) - 1))
    return diagram.weight(couplings) * prefactor * body


def _tree_lines(g: nx.MultiGraph) -> set[int]:
    """Indices of the lines of a breadth-first spanning tree."""
    seen = {0}
    out: set[int] = set()
    frontier = [0]
    while frontier:
        nxt = []
        for u in frontier:
            for _, v, data in sorted(g.edges(u, data=True), key=lambda e: e[2]["index"]):
                if v not in seen:
                    seen.add(v)
                    out.add(data["index"])
                    nxt.append(v)
        frontier = nxt
    return out


def diagram_latex(diagram: "Diagram", propagator: Any = None,
                  couplings: Mapping[int, Any] | None = None) -> str:
    r"""LaTeX of the position-space expression with explicit measures :math:`d^d y_j`.

    Examples
    --------
    >>> from feynman import generate
    >>> generate(0, {4: 1}, connected=True)[0].latex()
    '- \\frac{g_{4}}{8} \\int d^{d}y_{1}\\, K^{2}{\\left(y_{1},y_{1} \\right)}'
    """
    integrand, ys = _integrand(diagram, propagator)
    weight = sp.latex(diagram.weight(couplings))
    measure = "".join(rf"d^{{d}}{sp.latex(y)}\, " for y in ys)
    body = sp.latex(integrand)
    return f"{weight} \\int {measure}{body}" if ys else f"{weight}\\, {body}"
