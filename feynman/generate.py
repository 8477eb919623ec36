r"""Enumeration of Feynman diagrams up to isomorphism.

The generator builds multiplicity matrices node by node, never enumerating Wick
contractions one by one.  Nodes are processed in creation order (the labelled legs first);
processing a node saturates all its free half-edges at once: some self-loops, lines to nodes
already created, and lines to new vertices.  New vertices of the same valence are
interchangeable, so only non-increasing multiplicity patterns are tried.  Every diagram is
reached (its breadth-first order from the legs is one branch), and the few labelled
duplicates that remain are merged by their canonical key (:mod:`feynman.symmetry`), which
also yields the exact symmetry factors.

For legs > 0 the diagrams never contain vacuum components (correlators are normalised by
:math:`Z`); for legs = 0 and ``connected=False`` they are all vacuum diagrams (the terms of
:math:`Z` itself).
"""
from __future__ import annotations

import numbers
from itertools import product
from typing import Iterator, Mapping, Sequence

from nnqft_sym.validation import check_integer

from .diagram import Diagram, node_colours
from .symmetry import canonical_form

__all__ = ["generate", "vertex_combinations"]


def generate(legs: int, vertices: Mapping[int, int] | None = None, *, loops: int | None = None,
             valences: Sequence[int] = (4,), connected: bool = True, one_pi: bool = False,
             labelled_legs: bool = True) -> list[Diagram]:
    r"""All Feynman diagrams of a class, each once, sorted by vertex content and canonical key.

    Parameters
    ----------
    legs : int >= 0
        Number of external legs.
    vertices : mapping valence -> count, optional
        Internal vertex content, e.g. ``{4: 2, 6: 1}``.  Give either ``vertices`` or ``loops``.
    loops : int >= 0, optional
        Loop order of connected diagrams; all vertex contents with that loop number built
        from ``valences`` are generated (requires ``connected=True``).
    valences : sequence of int >= 3
        Allowed valences when ``loops`` is given.
    connected : bool
        Keep only connected diagrams (default True).
    one_pi : bool
        Keep only one-particle-irreducible diagrams (implies connected).
    labelled_legs : bool
        Distinguishable legs (default) or interchangeable legs.

    Returns
    -------
    list of Diagram

    Raises
    ------
    TypeError, ValueError
        For counts or valences of the wrong type or range, or both/neither of ``vertices``
        and ``loops``.

    Examples
    --------
    >>> [d.symmetry_factor for d in generate(0, {4: 1})]
    [8]
    >>> [d.symmetry_factor for d in generate(4, {4: 2}, one_pi=True)]
    [2, 2, 2]
    >>> len(generate(2, loops=2, valences=(4,)))
    3
    """
    legs = check_integer(legs, "legs")
    for name, flag in (("connected", connected), ("one_pi", one_pi),
                       ("labelled_legs", labelled_legs)):
        if not isinstance(flag, bool):
            raise TypeError(f"{name} must be a bool, got {flag!r}")
    if (vertices is None) == (loops is None):
        raise ValueError("give exactly one of vertices={valence: count} or loops=L")
    if loops is not None:
        if not (connected or one_pi):
            raise ValueError("loops=L classifies connected diagrams: use connected=True "
                             "or give vertices={valence: count}")
        contents = vertex_combinations(legs, check_integer(loops, "loops"), valences)
    else:
        contents = [_check_vertices(vertices)]
    out: list[Diagram] = []
    for content in contents:
        out.extend(_generate_content(legs, content, connected or one_pi, one_pi,
                                     labelled_legs))
    return out


def vertex_combinations(legs: int, loops: int, valences: Sequence[int]) -> list[dict[int, int]]:
    r"""Vertex contents of connected diagrams with ``legs`` legs and ``loops`` loops.

    For a connected diagram :math:`L = I - V + 1` and :math:`2I + n = \sum_k k n_k`, so
    :math:`\sum_k (k/2 - 1)\, n_k = L - 1 + n/2`.

    Examples
    --------
    >>> vertex_combinations(4, 1, (4, 6))
    [{4: 2}, {6: 1}]
    """
    legs = check_integer(legs, "legs")
    loops = check_integer(loops, "loops")
    vals = sorted({_check_valence(k, minimum=3) for k in valences})
    if not vals:
        raise ValueError("valences must list at least one valence >= 3")
    target2 = 2 * (loops - 1) + legs          # sum_k (k - 2) n_k
    out: list[dict[int, int]] = []
    if target2 < 0:
        return out
    ranges = [range(target2 // (k - 2) + 1) for k in vals]
    for counts in product(*ranges):
        if sum((k - 2) * c for k, c in zip(vals, counts)) == target2:
            content = {k: c for k, c in zip(vals, counts) if c}
            if content or (legs == 2 and loops == 0):
                out.append(content)
    return sorted(out, key=lambda c: sorted(c.items()))


# ---------------------------------------------------------------------- the generator
def _generate_content(legs: int, content: dict[int, int], connected: bool, one_pi: bool,
                      labelled_legs: bool) -> list[Diagram]:
    found: dict[tuple, Diagram] = {}
    seen: set[tuple] = set()
    for valences, adj in _adjacencies(legs, content, connected):
        key = canonical_form(node_colours(legs, valences, labelled_legs), adj)[0]
        if key in seen:
            continue
        seen.add(key)
        diagram = Diagram.from_adjacency(legs, valences, adj, labelled_legs)
        if connected and not diagram.is_connected:
            continue
        if one_pi and not diagram.is_one_pi:
            continue
        found[diagram.canonical_key] = diagram
    return [found[k] for k in sorted(found)]


def _adjacencies(legs: int, content: dict[int, int], connected: bool
                 ) -> Iterator[tuple[list[int], list[list[int]]]]:
    """Labelled multiplicity matrices covering every diagram of the class (with repeats)."""
    total = legs + sum(content.values())
    if (legs + sum(k * c for k, c in content.items())) % 2:
        return
    adj = [[0] * total for _ in range(total)]
    kind: list[int] = [1] * legs            # valence of each created node
    free: list[int] = [1] * legs
    remaining = dict(content)

    def new_patterns(r: int, vals: list[int]) -> Iterator[list[tuple[int, int]]]:
        """Ways to give r half-edges to new vertices: (valence, multiplicity) lists."""
        if r == 0:
            yield []
            return
        if not vals:
            return
        k, rest = vals[0], vals[1:]
        # non-increasing multiplicities m_1 >= m_2 >= ... for at most remaining[k] vertices

        def seqs(r_left: int, cap: int, slots: int) -> Iterator[list[int]]:
            yield []
            if slots == 0:
                return
            for m in range(min(cap, r_left), 0, -1):
                for tail in seqs(r_left - m, m, slots - 1):
                    yield [m] + tail

        for seq in seqs(r, k, remaining[k]):
            used = sum(seq)
            for tail in new_patterns(r - used, rest):
                yield [(k, m) for m in seq] + tail

    def process(p: int) -> Iterator[tuple[list[int], list[list[int]]]]:
        created = len(kind)
        if p == created:
            if not any(remaining.values()):
                yield list(kind[legs:]), [row[:] for row in adj]
                return
            if created and (legs or connected):
                return          # a new component would be a vacuum bubble or disconnected
            for k in sorted(remaining):
                if remaining[k]:
                    _create(k)
                    yield from process(p)
                    _uncreate(k)
            return
        f = free[p]
        if f == 0:
            yield from process(p + 1)
            return
        free[p] = 0
        for loops in range(f // 2, -1, -1):
            adj[p][p] += loops
            yield from to_existing(p, p + 1, f - 2 * loops)
            adj[p][p] -= loops
        free[p] = f

    def to_existing(p: int, q: int, r: int) -> Iterator[tuple[list[int], list[list[int]]]]:
        if q == len(kind):
            vals = sorted(k for k, c in remaining.items() if c)
            for pattern in new_patterns(r, vals):
                for k, m in pattern:
                    _create(k)
                    node = len(kind) - 1
                    adj[p][node] = adj[node][p] = m
                    free[node] -= m
                yield from process(p + 1)
                for k, m in reversed(pattern):
                    node = len(kind) - 1
                    adj[p][node] = adj[node][p] = 0
                    free[node] += m
                    _uncreate(k)
            return
        cap = min(free[q], r)
        for m in range(cap, -1, -1):
            adj[p][q] = adj[q][p] = m
            free[q] -= m
            yield from to_existing(p, q + 1, r - m)
            free[q] += m
        adj[p][q] = adj[q][p] = 0

    def _create(k: int) -> None:
        remaining[k] -= 1
        kind.append(k)
        free.append(k)

    def _uncreate(k: int) -> None:
        kind.pop()
        free.pop()
        remaining[k] += 1

    yield from process(0)


# ---------------------------------------------------------------------- validation
def _check_valence(k: object, minimum: int = 1) -> int:
    if isinstance(k, bool) or not isinstance(k, numbers.Integral):
        raise TypeError(f"a vertex valence must be an integer >= {minimum}, got {k!r}")
    if k < minimum:
        raise ValueError(f"a vertex valence must be an integer >= {minimum}, got {k}")
    return int(k)


def _check_vertices(vertices: object) -> dict[int, int]:
    if not isinstance(vertices, Mapping):
        raise TypeError(f"vertices must map valence -> count, e.g. {{4: 2, 6: 1}}, "
                        f"got {vertices!r}")
    out = {}
    for k, c in vertices.items():
        count = check_integer(c, f"vertices[{k}]")
        if count:
            out[_check_valence(k)] = count
    return out
