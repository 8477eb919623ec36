r"""Canonical forms, automorphism groups and exact symmetry factors of Feynman diagrams.

A Feynman diagram is a perfect matching of half-edges: each vertex of valence :math:`k`
carries :math:`k` half-edges and each external leg one.  Relabelling the half-edges of a
vertex (:math:`k!` ways), exchanging vertices of the same valence (:math:`n_k!` ways) and,
for unlabelled legs, exchanging the legs, form a group :math:`\mathcal G`; the symmetry
factor :math:`S` of a diagram is the order of its stabiliser in :math:`\mathcal G`, i.e. the
number of half-edge permutations that map the diagram onto itself.  By orbit-stabiliser the
number of Wick contractions producing the diagram is :math:`|\mathcal G| / S`, so that the
diagram enters with weight :math:`\prod_k (-g_k)^{n_k} / S` (Peskin-Schroeder sec. 4.4).

Every half-edge automorphism induces an automorphism of the underlying multigraph (a vertex
permutation preserving valences, leg labels and edge multiplicities), every multigraph
automorphism lifts, and the lifts of the identity are exactly the permutations of the
:math:`m` parallel lines of a multi-edge (:math:`m!`), of the :math:`l` self-loops at a vertex
(:math:`l!`) and the flips of each self-loop (:math:`2^l`).  Hence

.. math::

    S = |\mathrm{Aut}_V(G)| \prod_{u<v} m_{uv}! \prod_v l_v!\, 2^{l_v} .

:math:`|\mathrm{Aut}_V(G)|` and a canonical form are computed together by an
individualisation-refinement search (McKay's partition backtracking without pruning; the
nodes are first split by colour and number of self-loops, then cells are split by the
multiset of (cell, multiplicity) of their lines): the leaves of the search tree carrying
the lexicographically smallest adjacency code form one free orbit of the automorphism group
(:func:`canonical_leaves` returns all of them).  The canonical form is a tuple of integers and
strings, independent of networkx and of any hash function.
"""
from __future__ import annotations

from math import factorial
from typing import Hashable, Sequence

__all__ = ["canonical_form", "canonical_leaves", "multigraph_symmetry_factor",
           "line_permutations"]

Colour = Hashable
Adjacency = Sequence[Sequence[int]]


def _refine(cells: list[list[int]], neighbours: list[list[tuple[int, int]]], n: int,
            base: int) -> list[list[int]]:
    """Equitable refinement: split cells by the multiset of (cell, multiplicity) of the lines.

    A pair is encoded as ``cell * base + multiplicity`` (``base`` above every multiplicity).

    All cells split simultaneously, the parts of a cell in sorted signature order, until no
    cell splits; the result depends only on the isomorphism class of the coloured
    multigraph and the input partition.
    """
    cell_of = [0] * n
    count = len(cells)
    while count < n:                    # a discrete partition is equitable
        for i, cell in enumerate(cells):
            for v in cell:
                cell_of[v] = i
        new: list[list[int]] = []
        for cell in cells:
            if len(cell) == 1:
                new.append(cell)
                continue
            groups: dict[tuple, list[int]] = {}
            for v in cell:
                sig = tuple(sorted([cell_of[w] * base + m for w, m in neighbours[v]]))
                group = groups.get(sig)
                if group is None:
                    groups[sig] = [v]
                else:
                    group.append(v)
            if len(groups) == 1:
                new.append(cell)
            else:
                new.extend([groups[sig] for sig in sorted(groups)])
        if len(new) == count:
            return new
        cells, count = new, len(new)
    return cells


def canonical_leaves(colours: Sequence[Colour], adjacency: Adjacency
                     ) -> tuple[tuple, tuple, list[list[int]]]:
    r"""Canonical colours and code of a coloured multigraph, with all its canonical orderings.

    Parameters
    ----------
    colours, adjacency
        As in :func:`canonical_form`.

    Returns
    -------
    colours : tuple
        The node colours in canonical order.
    code : tuple of int
        Upper triangle (diagonal included) of the adjacency matrix in canonical order.
    orders : list of list of int
        Every ordering (``order[i]`` is the node at position ``i``) that yields ``code``:
        they differ by the automorphisms, so there are :math:`|\mathrm{Aut}_V|` of them.

    Examples
    --------
    >>> canonical_leaves(["a", "a", "b"], [[0, 1, 1], [1, 0, 1], [1, 1, 0]])[2]
    [[0, 1, 2], [1, 0, 2]]
    """
    n = len(colours)
    if len(adjacency) != n or (n and set(map(len, adjacency)) != {n}):
        raise ValueError(f"adjacency must be a {n} x {n} matrix matching colours")
    neighbours = [[(w, m) for w, m in enumerate(row) if m and w != v]
                  for v, row in enumerate(adjacency)]
    by_colour: dict[tuple, list[int]] = {}
    for v, c in enumerate(colours):
        cell = by_colour.get((c, adjacency[v][v]))
        if cell is None:
            by_colour[c, adjacency[v][v]] = [v]
        else:
            cell.append(v)
    base = 1 + max(map(max, adjacency)) if n else 1
    cells = _refine([by_colour[c] for c in sorted(by_colour)], neighbours, n, base)
    best: list = [None, []]  # code, orders

    def leaf(part: list[list[int]]) -> None:
        order = [c[0] for c in part]
        code = tuple([row[w] for i, row in enumerate([adjacency[v] for v in order])
                      for w in order[i:]])
        if best[0] is None or code < best[0]:
            best[0], best[1] = code, [order]
        elif code == best[0]:
            best[1].append(order)

    def search(part: list[list[int]]) -> None:
        target = 0                      # the first cell of two or more nodes
        for cell in part:
            if len(cell) > 1:
                break
            target += 1
        else:
            leaf(part)
            return
        head, tail = part[:target], part[target + 1:]
        # individualising a node of the only pair leaves a discrete (equitable) partition
        discrete = len(part) + 1 == n
        for v in cell:
            child = head + [[v], [w for w in cell if w != v]] + tail
            if discrete:
                leaf(child)
            else:
                search(_refine(child, neighbours, n, base))

    search(cells)
    search = None           # (a recursive closure is a reference cycle)
    code, orders = best
    return tuple([colours[v] for v in orders[0]]), code, orders


def _automorphisms(adjacency: Adjacency, cells: Sequence[Sequence[int]]) -> list[list[int]]:
    """Every node permutation that maps each cell onto itself and keeps the multiplicities.

    ``cells`` must be a partition invariant under the automorphisms (e.g. by colour and a
    degree profile); then these are exactly the automorphisms.  The nodes of one-node cells
    are fixed; the others are mapped by backtracking, those of the smallest cells first,
    each image checked against every node already mapped.  ``image[v]`` is the image of
    ``v``.
    """
    n = len(adjacency)
    image = list(range(n))
    mapped = []                         # the fixed nodes first, then the nodes mapped so far
    moving = []
    for cell in cells:
        if len(cell) == 1:
            mapped.append(cell[0])
        else:
            moving.append(cell)
    if not moving:
        return [image]
    moving.sort(key=len)
    order = [v for cell in moving for v in cell]
    targets = [cell for cell in moving for _ in cell]       # the images allowed to each
    used = [False] * n
    out: list[list[int]] = []
    last = len(order) - 1

    def extend(k: int) -> None:
        v = order[k]
        row = adjacency[v]
        loops = row[v]
        for w in targets[k]:
            if used[w]:
                continue
            target = adjacency[w]
            if target[w] != loops:
                continue
            for u in mapped:
                if row[u] != target[image[u]]:
                    break
            else:
                image[v] = w
                if k == last:
                    out.append(image[:])
                    continue
                used[w] = True
                mapped.append(v)
                extend(k + 1)
                mapped.pop()
                used[w] = False
        image[v] = v

    extend(0)
    extend = None               # (a recursive closure is a reference cycle)
    return out


def canonical_form(colours: Sequence[Colour], adjacency: Adjacency
                   ) -> tuple[tuple, int, list[int]]:
    r"""Canonical form and vertex-automorphism count of a coloured multigraph.

    Parameters
    ----------
    colours : sequence of mutually comparable hashables
        Colour of each node (automorphisms preserve colours).
    adjacency : square symmetric integer matrix (sequence of sequences)
        ``adjacency[u][v]`` is the number of lines between ``u`` and ``v``;
        ``adjacency[v][v]`` the number of self-loops at ``v``.

    Returns
    -------
    key : tuple
        ``(colours in canonical order, upper triangle of the permuted adjacency)``; two
        coloured multigraphs are isomorphic if and only if their keys are equal.
    automorphisms : int
        Number of colour- and multiplicity-preserving node permutations.
    order : list of int
        A canonical ordering: ``order[i]`` is the node placed at position ``i``.

    Examples
    --------
    >>> canonical_form(["a", "a"], [[0, 3], [3, 0]])[1]     # two nodes joined by 3 lines
    2
    >>> canonical_form(["a", "b"], [[0, 1], [1, 0]])[0] == canonical_form(
    ...     ["b", "a"], [[0, 1], [1, 0]])[0]
    True
    """
    canonical_colours, code, orders = canonical_leaves(colours, adjacency)
    return (canonical_colours, code), len(orders), orders[0]


def multigraph_symmetry_factor(colours: Sequence[Colour], adjacency: Adjacency) -> int:
    r"""Exact symmetry factor :math:`|\mathrm{Aut}_V| \prod m_{uv}! \prod l_v!\,2^{l_v}`.

    Parameters
    ----------
    colours, adjacency
        As in :func:`canonical_form`; external legs that are labelled must carry distinct
        colours, unlabelled ones a common colour.

    Examples
    --------
    >>> multigraph_symmetry_factor(["v4"], [[2]])       # phi^4 figure-eight
    8
    >>> multigraph_symmetry_factor(["v4", "v4"], [[0, 4], [4, 0]])   # phi^4 "melon"
    48
    """
    _, automorphisms, _ = canonical_form(colours, adjacency)
    return automorphisms * line_permutations(adjacency)


def line_permutations(adjacency: Adjacency) -> int:
    r"""Half-edge automorphisms fixing every node.

    :math:`\prod_{u<v} m_{uv}! \prod_v l_v!\,2^{l_v}`: they permute the parallel lines of
    each multi-edge and permute and flip the self-loops.

    Examples
    --------
    >>> line_permutations([[2]])            # two self-loops: 2! * 2^2
    8
    """
    out = 1
    for u, row in enumerate(adjacency):
        loops = row[u]
        if loops:
            out *= factorial(loops) << loops
        for m in row[u + 1:]:
            if m > 1:
                out *= factorial(m)
    return out
