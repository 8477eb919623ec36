r"""The :class:`Diagram`: a Feynman diagram as a networkx multigraph with external legs.

Conventions (``docs/feynman.md``): the action is :math:`S = S_0 + \sum_k \frac{g_k}{k!}\int
\phi^k`, so an internal vertex of valence :math:`k` carries the factor :math:`-g_k`; a line is
a propagator :math:`K`; an external leg is a node of degree one standing for an external
point :math:`x_i`.  A diagram with :math:`n_k` vertices of valence :math:`k` contributes
:math:`\prod_k (-g_k)^{n_k} / S` times the integral over the internal vertices of the
product of propagators, with :math:`S` its symmetry factor (:mod:`feynman.symmetry`).
"""
from __future__ import annotations

import functools
from collections import Counter
from math import factorial
from typing import Any, Mapping, Sequence

import networkx as nx
import sympy as sp

from nnqft_sym._deprecation import renamed_keywords
from nnqft_sym.parsing import to_sympy
from nnqft_sym.specification import NetworkSpec

from .drawing import draw, tikz
from .evaluate import evaluate_diagram
from .expressions import diagram_latex, momentum_expression, position_expression
from .symmetry import canonical_leaves, line_permutations

__all__ = ["Diagram", "coupling_symbols", "node_colours"]

#: attributes of a generated diagram computed on first use (Diagram._from_labelling)
_LAZY_PARTS = frozenset({"_valences", "_valences_in_input", "_internal", "_attach"})


def coupling_symbols(valences: Sequence[int], prefix: str = "g") -> dict[int, sp.Symbol]:
    """SymPy coupling symbols ``{k: g_k}`` (``prefix`` ``"u"`` gives the NN-QFT ``u4, u6``).

    Plain symbols without assumptions, so that ``sympy.Symbol("g4")`` substitutes into the
    expressions.

    Examples
    --------
    >>> coupling_symbols([4, 6], prefix="u")
    {4: u4, 6: u6}
    """
    if not isinstance(prefix, str) or not prefix.isidentifier():
        raise ValueError(f"prefix must be an identifier such as 'g' or 'u', got {prefix!r}")
    return {int(k): sp.Symbol(f"{prefix}{int(k)}") for k in sorted(set(valences))}


class Diagram:
    r"""A Feynman diagram with ``n`` external legs and internal vertices of given valences.

    Parameters
    ----------
    graph : networkx.MultiGraph
        Lines are edges (parallel edges and self-loops allowed).  External legs are the nodes
        with a ``leg`` attribute ``1..n`` (each of degree one); every other node is an
        internal vertex whose valence is its degree (a self-loop counts twice).
    labelled_legs : bool
        If True the legs are distinguishable (points :math:`x_1..x_n`); if False they are
        interchangeable (symmetry factors and de-duplication then allow leg permutations).

    Raises
    ------
    TypeError
        If ``graph`` is not an undirected networkx multigraph.
    ValueError
        If leg labels are not ``1..n``, a leg does not have degree one, or a vertex is
        isolated.

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.MultiGraph([("y", "y"), ("y", "y")])          # phi^4 figure-eight
    >>> Diagram(g).symmetry_factor
    8
    >>> g = nx.MultiGraph([(1, "y"), ("y", "z"), ("y", "z"), ("y", "z"), ("z", 2)])
    >>> nx.set_node_attributes(g, {1: 1, 2: 2}, "leg")
    >>> d = Diagram(g)                                         # phi^4 sunset
    >>> d.symmetry_factor, d.loops, d.vertex_counts, d.is_one_pi
    (6, 2, {4: 2}, True)
    """

    def __init__(self, graph: nx.MultiGraph, labelled_legs: bool = True) -> None:
        if not isinstance(graph, nx.MultiGraph) or graph.is_directed():
            raise TypeError(f"graph must be an undirected networkx.MultiGraph, "
                            f"got {type(graph).__name__}")
        if not isinstance(labelled_legs, bool):
            raise TypeError(f"labelled_legs must be a bool, got {labelled_legs!r}")
        legs = {v: d["leg"] for v, d in graph.nodes(data=True) if "leg" in d}
        n = len(legs)
        if sorted(legs.values()) != list(range(1, n + 1)):
            raise ValueError(f"leg labels must be 1..{n}, got {sorted(legs.values())}")
        for v, label in legs.items():
            if graph.degree(v) != 1:
                raise ValueError(f"external leg {label} (node {v!r}) must have degree 1, "
                                 f"has {graph.degree(v)}")
        internal = [v for v in graph.nodes if v not in legs]
        for v in internal:
            if graph.degree(v) < 1:
                raise ValueError(f"internal vertex {v!r} is isolated (valence 0)")
        by_label = sorted(legs, key=legs.get)
        self._init(n, [graph.degree(v) for v in internal],
                   _adjacency(graph, by_label + internal), labelled_legs)

    @classmethod
    def from_adjacency(cls, legs: int, valences: Sequence[int],
                       adjacency: Sequence[Sequence[int]], labelled_legs: bool = True
                       ) -> "Diagram":
        """Build a diagram from a multiplicity matrix over ``legs`` leg nodes then the vertices.

        Examples
        --------
        >>> Diagram.from_adjacency(0, [4], [[2]]).symmetry_factor
        8
        """
        n_nodes = legs + len(valences)
        if len(adjacency) != n_nodes or any(len(r) != n_nodes for r in adjacency):
            raise ValueError(f"adjacency must be {n_nodes} x {n_nodes} "
                             f"({legs} legs + {len(valences)} vertices)")
        for u in range(n_nodes):
            for v in range(n_nodes):
                if adjacency[u][v] < 0 or adjacency[u][v] != adjacency[v][u]:
                    raise ValueError("adjacency must be a symmetric matrix of non-negative "
                                     f"line counts; entry ({u}, {v}) is {adjacency[u][v]}, "
                                     f"({v}, {u}) is {adjacency[v][u]}")
        graph = nx.MultiGraph()
        graph.add_nodes_from((f"x{i + 1}", {"leg": i + 1}) for i in range(legs))
        names = [f"x{i + 1}" for i in range(legs)] + [f"v{j}" for j in range(len(valences))]
        graph.add_nodes_from(names[legs:])
        for u in range(n_nodes):
            for v in range(u, n_nodes):
                graph.add_edges_from([(names[u], names[v])] * int(adjacency[u][v]))
        diagram = cls(graph, labelled_legs)
        if list(diagram._valences_in_input) != list(valences):
            raise ValueError(f"vertex valences {list(valences)} do not match the adjacency "
                             f"(degrees {list(diagram._valences_in_input)})")
        return diagram

    def _init(self, n: int, valences: list[int], adj: list[list[int]],
              labelled_legs: bool) -> None:
        self._valences_in_input = tuple(valences)
        self.labelled_legs = labelled_legs
        self._n = n
        key, automorphisms, self._valences, self._internal, self._attach = _canonical_parts(
            n, valences, adj, labelled_legs)
        self._canonical = (key, automorphisms)

    @classmethod
    def _from_class(cls, legs: int, labelled_legs: bool, valences: tuple[int, ...],
                    internal: tuple[tuple[int, ...], ...], attach: tuple[int, ...],
                    key: tuple | None, automorphisms: int, symmetry_factor: int
                    ) -> "Diagram":
        """A diagram known to the generator, with its symmetry factor.

        ``key`` None: the canonical key is computed when first needed (the generator knows
        the diagram is the only one of its class it produced).
        """
        self = cls.__new__(cls)
        self._valences_in_input = self._valences = valences
        self.labelled_legs = labelled_legs
        self._n = legs
        self._attach = attach
        self._internal = internal
        self._canonical = (key, automorphisms)
        self.symmetry_factor = symmetry_factor      # (a cached_property: no setter)
        return self

    @classmethod
    def _from_labelling(cls, legs: int, labelled_legs: bool, kinds: Sequence[tuple[int, int]],
                        internal: Sequence[Sequence[int]], assignment: Sequence[int],
                        automorphisms: int, symmetry_factor: int) -> "Diagram":
        """A diagram known to the generator in its own labelling: vertex ``v`` of kind
        ``kinds[v] = (valence, legs on it)``, leg ``i`` on vertex ``assignment[i]``.

        The canonical order of the vertices, the leg attachment and the key (what
        :meth:`_from_class` stores) are computed when first needed, exactly as for a diagram
        built from a graph; the symmetry factor is known.
        """
        self = cls.__new__(cls)
        self.labelled_legs = labelled_legs
        self._n = legs
        self._canonical = (None, automorphisms)
        self._pending = (kinds, internal, assignment)
        self.symmetry_factor = symmetry_factor      # (a cached_property: no setter)
        return self

    def __getattr__(self, name: str) -> Any:
        # only reached for a missing attribute: the canonical parts of a diagram from
        # _from_labelling, computed on first use
        if name in _LAZY_PARTS and "_pending" in self.__dict__:
            self._materialise()
            return self.__dict__[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def _materialise(self) -> None:
        kinds, internal, assignment = self.__dict__.pop("_pending")
        key, _, valences, self._internal, self._attach = _canonical_parts(
            self._n, [k for k, _ in kinds], _full_adjacency(self._n, assignment, internal),
            self.labelled_legs)
        self._valences_in_input = self._valences = valences
        self._canonical = (key, self._canonical[1])

    # ------------------------------------------------------------------ structure
    @property
    def legs(self) -> int:
        """Number of external legs."""
        return self._n

    @property
    def valences(self) -> tuple[int, ...]:
        """Valences of the internal vertices ``y1, y2, ...`` (in canonical order)."""
        return self._valences

    @property
    def adjacency(self) -> tuple[tuple[int, ...], ...]:
        """Line multiplicities between nodes ``x1..xn, y1..yV`` (diagonal: self-loops)."""
        return self._adj

    @functools.cached_property
    def _adj(self) -> tuple[tuple[int, ...], ...]:
        return tuple(map(tuple, _full_adjacency(self._n, self._attach, self._internal)))

    @property
    def node_names(self) -> list[str]:
        """Node names ``x1..xn`` (legs) then ``y1..yV`` (internal vertices)."""
        return [f"x{i + 1}" for i in range(self._n)] + [f"y{j + 1}"
                                                       for j in range(len(self._valences))]

    @functools.cached_property
    def graph(self) -> nx.MultiGraph:
        """The diagram as a networkx MultiGraph (legs carry the attribute ``leg``)."""
        names = self.node_names
        g = nx.MultiGraph()
        for i in range(self._n):
            g.add_node(names[i], leg=i + 1)
        for j, k in enumerate(self._valences):
            g.add_node(names[self._n + j], valence=k)
        for u, v, m in self.lines():
            g.add_edges_from([(names[u], names[v])] * m)
        return g

    def lines(self) -> list[tuple[int, int, int]]:
        """``(u, v, multiplicity)`` for ``u <= v`` over node indices (legs first)."""
        size = len(self._adj)
        return [(u, v, self._adj[u][v]) for u in range(size) for v in range(u, size)
                if self._adj[u][v]]

    @property
    def vertex_counts(self) -> dict[int, int]:
        """Number of internal vertices of each valence, e.g. ``{4: 2, 6: 1}``."""
        return dict(sorted(Counter(self._valences).items()))

    @property
    def n_lines(self) -> int:
        """Total number of lines (propagators), external lines included."""
        return sum(m for _, _, m in self.lines())

    @functools.cached_property
    def components(self) -> int:
        """Number of connected components."""
        return len(_components(self._adj))

    @property
    def loops(self) -> int:
        """Loop number: the cyclomatic number lines - nodes + components."""
        return self.n_lines - len(self._adj) + self.components

    @property
    def is_connected(self) -> bool:
        """True if the diagram has exactly one connected component."""
        return self.components == 1

    @functools.cached_property
    def is_one_pi(self) -> bool:
        """One-particle irreducible: connected, at least one vertex, no internal bridge.

        An internal line (between two internal vertices) is a bridge if cutting it
        disconnects the diagram; lines attached to legs are never cut (amputation).
        """
        if not self.is_connected or not self._valences:
            return False
        return _bridgeless(self._internal)

    @property
    def has_vacuum_component(self) -> bool:
        """True if some connected component carries no external leg (a vacuum bubble)."""
        return any(min(comp) >= self._n for comp in _components(self._adj))

    # ------------------------------------------------------------------ symmetry
    @property
    def canonical_key(self) -> tuple:
        """Hashable canonical form: equal keys if and only if the diagrams are isomorphic.

        Isomorphisms fix the leg labels when ``labelled_legs`` is True.  The key is built from
        integers only (no networkx graph hash): ``(legs, labelled_legs, vertex colours,
        code)`` of the internal multigraph (:func:`feynman.symmetry.canonical_leaves`, each
        vertex coloured by its valence and number of legs), then for labelled legs the
        smallest assignment of the legs to canonical vertex positions over the automorphisms
        (``-1`` for a free line) and the free lines as leg pairs, for unlabelled legs the
        number of free lines.
        """
        if self._canonical[0] is None and "_pending" in self.__dict__:
            self._materialise()
        if self._canonical[0] is None:
            self._canonical = (_canonical_parts(self._n, self._valences, self._adj,
                                                self.labelled_legs)[0], self._canonical[1])
        return self._canonical[0]

    @functools.cached_property
    def symmetry_factor(self) -> int:
        """Exact symmetry factor S (order of the half-edge automorphism group)."""
        return self._canonical[1] * line_permutations(self._adj)

    def weight(self, couplings: Mapping[int, Any] | None = None) -> sp.Expr:
        r"""Coupling factor :math:`\prod_k (-g_k)^{n_k} / S` (the zero-dimensional value).

        Examples
        --------
        >>> Diagram.from_adjacency(0, [4], [[2]]).weight()
        -g4/8
        """
        couplings = _couplings(couplings, self._valences)
        out = sp.Rational(1, self.symmetry_factor)
        for k, count in self.vertex_counts.items():
            out *= (-couplings[k]) ** count
        return out

    # ------------------------------------------------------------------ outputs
    def expression(self, propagator: Any = None,
                   couplings: Mapping[int, Any] | None = None) -> sp.Expr:
        """Position-space SymPy expression (see :func:`feynman.expressions.position_expression`)."""
        return position_expression(self, propagator, couplings)

    @renamed_keywords(dimension="d_in")
    def momentum_expression(self, propagator: Any = None,
                            couplings: Mapping[int, Any] | None = None,
                            d_in: Any = None) -> sp.Expr:
        """Momentum-space SymPy expression (see :func:`feynman.expressions.momentum_expression`)."""
        return momentum_expression(self, propagator, couplings, d_in)

    def latex(self, propagator: Any = None, couplings: Mapping[int, Any] | None = None) -> str:
        """LaTeX of the position-space expression (:func:`feynman.expressions.diagram_latex`)."""
        return diagram_latex(self, propagator, couplings)

    def tikz(self, scale: float = 1.0, standalone: bool = False) -> str:
        """TikZ-Feynman source with explicit coordinates (see :func:`feynman.drawing.tikz`)."""
        return tikz(self, scale=scale, standalone=standalone)

    def draw(self, ax: Any = None) -> Any:
        """Draw with matplotlib (see :func:`feynman.drawing.draw`)."""
        return draw(self, ax)

    def evaluate(self, net: NetworkSpec, points: Any, couplings: Mapping[int, Any] | None = None,
                 **options: Any) -> Any:
        """Numeric value for an architecture (see :func:`feynman.evaluate.evaluate_diagram`)."""
        return evaluate_diagram(self, net, points, couplings, **options)

    # ------------------------------------------------------------------ protocol
    def __eq__(self, other: object) -> bool:
        return isinstance(other, Diagram) and self.canonical_key == other.canonical_key

    def __hash__(self) -> int:
        return hash(self.canonical_key)

    def __str__(self) -> str:
        """Compact line list, e.g. ``x1-y1 x2-y1 y1-y1^2`` (``^m``: m parallel lines)."""
        names = self.node_names
        return " ".join(f"{names[u]}-{names[v]}" + (f"^{m}" if m > 1 else "")
                        for u, v, m in self.lines()) or "(empty)"

    def __repr__(self) -> str:
        counts = ", ".join(f"{k}: {c}" for k, c in self.vertex_counts.items())
        return (f"Diagram(legs={self._n}, vertices={{{counts}}}, loops={self.loops}, "
                f"S={self.symmetry_factor})")

    def _latex(self, printer: Any) -> str:
        return self.latex()


def node_colours(legs: int, valences: Sequence[int], labelled_legs: bool
                 ) -> list[tuple[int, int]]:
    """Colours for :func:`feynman.symmetry.canonical_form`: legs ``(0, label or 0)``, vertices
    ``(1, valence)``.

    Examples
    --------
    >>> node_colours(2, [4], labelled_legs=False)
    [(0, 0), (0, 0), (1, 4)]
    """
    return [(0, i + 1 if labelled_legs else 0) for i in range(legs)] + [(1, k) for k in valences]


def _full_adjacency(legs: int, attach: Sequence[int], internal: Sequence[Sequence[int]]
                    ) -> list[list[int]]:
    """The multiplicity matrix over the ``legs`` leg nodes, then the vertices, from each leg's
    attachment (its vertex, or ``-1 - partner`` for a free line) and the internal lines."""
    size = legs + len(internal)
    rows = [[0] * size for _ in range(size)]
    for i, a in enumerate(attach):
        j = legs + a if a >= 0 else -1 - a
        rows[i][j] = rows[j][i] = 1
    for u, row in enumerate(internal):
        rows[legs + u][legs:] = row
    return rows


def _adjacency(graph: nx.MultiGraph, nodes: list[Any]) -> list[list[int]]:
    index = {v: i for i, v in enumerate(nodes)}
    adj = [[0] * len(nodes) for _ in nodes]
    for u, v in graph.edges():
        a, b = index[u], index[v]
        adj[a][b] += 1
        if a != b:
            adj[b][a] += 1
    return adj


def _canonical_parts(n: int, valences: Sequence[int], adj: Sequence[Sequence[int]],
                     labelled_legs: bool) -> tuple[tuple, int, tuple[int, ...], tuple, tuple]:
    """Canonical key, vertex automorphisms, and valences, internal multigraph and leg
    attachment in canonical order, of a diagram given by its multiplicity matrix (legs first).
    """
    size = len(valences)
    # each leg: the vertex it ends on, or -1 - the leg it is joined to (a free line)
    attach = []
    for i in range(n):
        j = next(j for j, m in enumerate(adj[i]) if m)
        attach.append(j - n if j >= n else -1 - j)
    on_vertex = [0] * size
    for a in attach:
        if a >= 0:
            on_vertex[a] += 1
    internal = [row[n:] for row in adj[n:]]
    colours, code, orders = canonical_leaves([(k, e) for k, e in zip(valences, on_vertex)],
                                             internal)
    pairs = tuple((i, -1 - a) for i, a in enumerate(attach) if a < 0 and i < -1 - a)
    if labelled_legs:
        # the canonical ordering puts the smallest leg assignment first; the orderings
        # giving that assignment differ by the automorphisms fixing every leg
        best: tuple = ()
        for order in orders:
            position = [0] * size
            for p, v in enumerate(order):
                position[v] = p
            assignment = tuple(position[a] if a >= 0 else -1 for a in attach)
            if not best or assignment < best[0]:
                best = (assignment, order, 1)
            elif assignment == best[0]:
                best = (assignment, best[1], best[2] + 1)
        assignment, order, automorphisms = best
        tail: tuple = (assignment, pairs)
        canonical_attach = _attachment(assignment, pairs)
    else:
        order = orders[0]
        automorphisms = len(orders) * _leg_permutations(on_vertex, len(pairs))
        tail = (len(pairs),)
        canonical_attach = _sorted_attachment(colours, len(pairs))
    internal_rows = tuple(tuple(internal[u][v] for v in order) for u in order)
    return ((n, labelled_legs, colours, code) + tail, automorphisms,
            tuple(valences[v] for v in order), internal_rows, canonical_attach)


def _leg_permutations(on_vertex: Sequence[int], free_lines: int) -> int:
    """Permutations of interchangeable legs fixing the diagram: legs on one vertex, free lines."""
    out = factorial(free_lines) * 2 ** free_lines
    for e in on_vertex:
        out *= factorial(e)
    return out


def _attachment(assignment: Sequence[int], pairs: Sequence[tuple[int, int]]) -> tuple[int, ...]:
    """Per leg: its vertex position, or ``-1 - partner`` for a leg on a free line."""
    attach = list(assignment)
    for i, j in pairs:
        attach[i], attach[j] = -1 - j, -1 - i
    return tuple(attach)


def _sorted_attachment(colours: Sequence[tuple[int, int]], free_lines: int) -> tuple[int, ...]:
    """Interchangeable legs in canonical order: by vertex position, then the free lines."""
    attach = [p for p, (_, legs) in enumerate(colours) for _ in range(legs)]
    start = len(attach)
    for i in range(start, start + 2 * free_lines, 2):
        attach += [-2 - i, -1 - i]
    return tuple(attach)


def _components(adj: Sequence[Sequence[int]]) -> list[list[int]]:
    """Connected components of a multiplicity matrix (lists of node indices)."""
    seen = [False] * len(adj)
    out = []
    for start in range(len(adj)):
        if seen[start]:
            continue
        seen[start] = True
        stack, comp = [start], [start]
        while stack:
            u = stack.pop()
            for v, m in enumerate(adj[u]):
                if m and not seen[v]:
                    seen[v] = True
                    stack.append(v)
                    comp.append(v)
        out.append(comp)
    return out


def _bridgeless(adj: Sequence[Sequence[int]]) -> bool:
    """True if no single line between two distinct nodes disconnects the (connected) graph."""
    size = len(adj)
    for u in range(size):
        for v in range(u + 1, size):
            if adj[u][v] == 1:
                cut = [list(row) for row in adj]
                cut[u][v] = cut[v][u] = 0
                if len(_components(cut)) > 1:
                    return False
    return True


def _couplings(couplings: Mapping[int, Any] | None, valences: Sequence[int]) -> dict[int, Any]:
    """Validate a valence -> coupling mapping (default: symbols g_k)."""
    if couplings is None:
        return coupling_symbols(valences)
    if not isinstance(couplings, Mapping):
        raise TypeError(f"couplings must map valence -> coupling, got {type(couplings).__name__}")
    missing = sorted(set(valences) - set(couplings))
    if missing:
        raise ValueError(f"couplings lacks the valence(s) {missing}; given {sorted(couplings)}")
    return {int(k): to_sympy(v, f"couplings[{k}]") for k, v in couplings.items()}
