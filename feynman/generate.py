r"""Enumeration of Feynman diagrams up to isomorphism.

The generator never enumerates Wick contractions one by one, and never builds a networkx
graph.  It first enumerates the *internal multigraphs* of a class: the lines between the
internal vertices, each vertex coloured by its valence and the number of legs ending on it
(legs are interchangeable at this stage).  Their multiplicity matrices are filled node by
node in breadth-first order: processing a node saturates all its free half-edges at once
(self-loops, lines to nodes already created, lines to new vertices, new vertices of one
colour with non-increasing multiplicities); a branch ends as soon as the half-edges left on
the node cannot fit on the later nodes and the vertices still to create, or a connected
graph would close before its last vertex.  Connected candidates are screened by a cheap
invariant before any canonical form, the profile of a node (colour, self-loops, sorted
multiplicities of its lines) and, once the graph is complete, its second-order profile
(with the neighbours' profiles): the first node must have the largest one, and new vertices
created together with equal colour and multiplicity must come in non-increasing order.
Every class keeps a breadth-first labelling meeting these rules, so none is lost; a
candidate whose first node has the only largest profile and whose twins all differ is the
only candidate of its class and has no automorphism (*rigid*): it needs no canonical form.
The other candidates are merged by the canonical form of :mod:`feynman.symmetry`, which
also gives their automorphisms.  A multigraph with at most two leg assignments (the 2-point
classes, unlabelled legs) is compared with the earlier ones by its canonical form only when
its profiles and second-order profiles coincide with theirs; it gets its automorphisms
directly on the profile cells and yields its one or two diagrams at once, their canonical
labelling and key being computed on first use.  The profiles are coded as integers that
order as the tuples, and the factorials of the line multiplicities are multiplied along
the search.  The labelled legs are then distributed over the leg slots of each internal multigraph, one
assignment per orbit of its automorphism group, the stabiliser giving the automorphisms
that fix every leg.  The symmetry factor is exact:
:math:`S = |\mathrm{Aut}| \prod_{u<v} m_{uv}! \prod_v l_v!\,2^{l_v}` (times the
permutations of interchangeable legs on one vertex and of free lines for unlabelled legs).

The diagrams of a vertex content come in generation order (a fixed order), the contents in
the order of :func:`vertex_combinations`.  Canonical keys of rigid diagrams are computed
when first asked for (comparisons, hashing).

For legs > 0 the diagrams never contain vacuum components (correlators are normalised by
:math:`Z`); for legs = 0 and ``connected=False`` they are all vacuum diagrams (the terms of
:math:`Z` itself).

Cost limit
----------
The number of diagrams grows factorially with the number of half-edges.  Before generating,
:func:`generate` estimates the work of each vertex content by :func:`contraction_estimate`,
:math:`(H - 1)!! / \prod_k (k!)^{n_k}` for :math:`H` half-edges (the Wick contractions up
to relabelling the legs of each vertex), and refuses a content above ``max_contractions``
(default :data:`MAX_CONTRACTIONS` = 2 000 000, at most a few seconds: phi^4 vacuum diagrams
with 8 vertices, four-point diagrams with 6) with a :class:`~nnqft_sym.errors.CostLimitError`.
"""
from __future__ import annotations

import gc
import math
import numbers
from itertools import permutations, product
from operator import mul
from typing import Iterator, Mapping, Sequence

from nnqft_sym.errors import CostLimitError
from nnqft_sym.validation import check_integer

from .diagram import Diagram, _attachment, _bridgeless, _leg_permutations, _sorted_attachment
from .symmetry import _automorphisms, canonical_leaves

__all__ = ["generate", "vertex_combinations", "contraction_estimate", "MAX_CONTRACTIONS"]

#: default ``max_contractions`` of :func:`generate` (see the module docstring)
MAX_CONTRACTIONS = 2_000_000
#: most vertex-count combinations :func:`vertex_combinations` scans
_MAX_COMBINATIONS = 10 ** 6
#: m! and the weights m! 2^m of m self-loops (line_permutations), for the searches
_FACTORIALS = [math.factorial(m) for m in range(17)]
_LOOP_WEIGHTS = [math.factorial(m) << m for m in range(9)]


def generate(legs: int, vertices: Mapping[int, int] | None = None, *, loops: int | None = None,
             valences: Sequence[int] = (4,), connected: bool = True, one_pi: bool = False,
             labelled_legs: bool = True, max_contractions: int = MAX_CONTRACTIONS
             ) -> list[Diagram]:
    r"""All Feynman diagrams of a class, each once, by vertex content in generation order.

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
    max_contractions : int >= 1
        Refuse a vertex content whose :func:`contraction_estimate` exceeds this (default
        :data:`MAX_CONTRACTIONS`); raise it to generate larger classes, which may take long.

    Returns
    -------
    list of Diagram

    Raises
    ------
    TypeError, ValueError
        For counts or valences of the wrong type or range, or both/neither of ``vertices``
        and ``loops``.
    CostLimitError
        If a vertex content is estimated to need more than ``max_contractions``
        contractions (e.g. ``generate(4, {4: 12})``, ``loops=40``, ``generate(400, {4: 1})``).

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
    max_contractions = check_integer(max_contractions, "max_contractions", 1)
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
    for content in contents:
        estimate = contraction_estimate(legs, content)
        if estimate > max_contractions:
            raise CostLimitError(
                f"generate(legs={legs}, vertices={content}) needs {_scientific(estimate)} "
                f"contractions (contraction_estimate), more than max_contractions="
                f"{max_contractions}; pass a larger max_contractions=... to generate it "
                "anyway (it may take very long), or ask for fewer vertices, loops or legs")
    out: list[Diagram] = []
    # the diagrams form no reference cycles: pausing the cyclic garbage collector while
    # tens of thousands of them are created saves about a third of the time
    collecting = gc.isenabled()
    gc.disable()
    try:
        for content in contents:
            out.extend(_generate_content(legs, content, connected or one_pi, one_pi,
                                         labelled_legs))
    finally:
        if collecting:
            gc.enable()
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
    scanned = math.prod(len(r) for r in ranges)
    if scanned > _MAX_COMBINATIONS:
        raise CostLimitError(f"loops={loops} with legs={legs} and valences {vals} has "
                             f"{scanned:.3g} vertex-count combinations to scan (more than "
                             f"{_MAX_COMBINATIONS:.0e}); ask for fewer loops")
    for counts in product(*ranges):
        if sum((k - 2) * c for k, c in zip(vals, counts)) == target2:
            content = {k: c for k, c in zip(vals, counts) if c}
            if content or (legs == 2 and loops == 0):
                out.append(content)
    return sorted(out, key=lambda c: sorted(c.items()))


def contraction_estimate(legs: int, content: Mapping[int, int]) -> float:
    r"""Cost estimate of :func:`generate` for one vertex content: :math:`(H-1)!!/\prod_k (k!)^{n_k}`.

    :math:`H = \text{legs} + \sum_k k\, n_k` half-edges; the double factorial counts the
    Wick contractions, the division the relabellings of each vertex's legs.  The generator's
    work grows with it (about 0.05-10 microseconds per unit).  Computed from
    log-gamma functions, so it is instant for any input (``inf`` beyond double range); 0 when
    no diagram exists (odd :math:`H`).

    Examples
    --------
    >>> round(contraction_estimate(4, {4: 1}), 3), round(contraction_estimate(0, {4: 6}))
    (4.375, 1655)
    """
    half_edges = legs + sum(k * c for k, c in content.items())
    if half_edges % 2:
        return 0.0
    # (H - 1)!! = H! / (2^(H/2) (H/2)!)
    log_estimate = (math.lgamma(half_edges + 1) - half_edges / 2 * math.log(2)
                    - math.lgamma(half_edges / 2 + 1)
                    - sum(c * math.lgamma(k + 1) for k, c in content.items()))
    return math.exp(log_estimate) if log_estimate < 709 else math.inf


def _scientific(x: float) -> str:
    """``x`` as ``about 1.23e+45``, or ``more than 1e+308``."""
    return f"about {x:.3g}" if math.isfinite(x) else "more than 1e+308"


# ---------------------------------------------------------------------- the generator
def _generate_content(legs: int, content: dict[int, int], connected: bool, one_pi: bool,
                      labelled_legs: bool) -> list[Diagram]:
    """The diagrams of one vertex content, in generation order."""
    if (legs + sum(k * c for k, c in content.items())) % 2:
        return []
    n_vertices = sum(content.values())
    if connected and n_vertices + legs == 0:
        return []                             # the empty diagram has no component
    found: list[Diagram] = []
    layouts: dict[tuple, tuple] = {}          # leg slots of vertex colours (_layout)
    patterns: dict[tuple, list] = {}          # new-vertex patterns of the searches
    for free_lines in range(legs // 2 + 1):
        if connected and free_lines and (n_vertices or legs != 2):
            continue                          # a free line is a component of its own
        if n_vertices == 0 and 2 * free_lines != legs:
            continue
        may_be_one_pi = not one_pi or (n_vertices and free_lines == 0)
        for types in _leg_distributions(content, legs - 2 * free_lines):
            # one diagram per multigraph, or at most two leg assignments (2-point): worth
            # finding the automorphisms directly and deferring the canonical labelling
            # (labelled: at most two assignments iff legs <= 2 or all legs on one vertex)
            deferrable = legs > 0 and free_lines == 0 and (
                not labelled_legs or legs <= 2 or any(e == legs for _, e in types))
            seen: set[tuple] = set()
            # deferrable: the candidates so far by their profiles (see _deferred)
            buckets: dict[tuple, list[list]] = {}
            for kinds, adj, rigid, profiles, lines in _skeletons(types, connected, legs > 0,
                                                                 patterns):
                if rigid:       # the only candidate of its class, no automorphism
                    if one_pi and not (may_be_one_pi and _bridgeless(adj)):
                        continue
                    _label(found, legs, labelled_legs, kinds, None, None, adj, lines, free_lines,
                           layouts)
                    continue
                if deferrable:
                    _deferred(found, buckets, legs, labelled_legs, kinds, adj, profiles, lines,
                              one_pi, layouts)
                    continue
                colours, code, orders = canonical_leaves(kinds, adj)
                if (colours, code) in seen:
                    continue
                seen.add((colours, code))
                order = orders[0]
                internal = tuple([tuple([row[v] for v in order])
                                  for row in [adj[u] for u in order]])
                if one_pi and not (may_be_one_pi and _bridgeless(internal)):
                    continue
                _label(found, legs, labelled_legs, colours, code, orders, internal, lines,
                       free_lines, layouts)
    return found


def _deferred(found: list[Diagram], buckets: dict[tuple, list[list]], legs: int,
              labelled_legs: bool, kinds: tuple, adj: tuple, profiles: list | None,
              lines: int, one_pi: bool, layouts: dict[tuple, tuple]) -> None:
    """A non-rigid candidate with at most two leg assignments: drop it if it repeats an
    earlier one, else append its diagrams.

    Candidates are compared by their canonical forms only when two isomorphism invariants
    coincide: the multiset of node profiles (kind, self-loops, multiplicities; ``profiles``
    from the search or None), then the second-order profiles
    (:func:`_second_order_profiles`, computed only for candidates that share a bucket).
    The leg assignments of a new multigraph (unlabelled legs, or at most two assignments:
    the 2-point classes) give its diagrams at once: one if the automorphisms, found
    directly on the profile cells, map one assignment onto the other, else two, each fixed
    by every automorphism.  The canonical labelling is left to
    :meth:`Diagram._from_labelling`.
    """
    if profiles is None:                      # (the search's are kept for connected ones)
        profiles = _profiles(kinds, adj)
    groups: dict[tuple, list[int]] = {}
    for v, profile in enumerate(profiles):
        group = groups.get(profile)
        if group is None:
            groups[profile] = [v]
        else:
            group.append(v)
    key = tuple(sorted(profiles))
    # [kinds, adj, profiles, second-order profiles, canonical form], the last two on demand
    entry = [kinds, adj, profiles, None, None]
    bucket = buckets.get(key)
    if bucket is None:
        buckets[key] = [entry]
    else:
        entry[3] = _second_order_profiles(adj, profiles)
        for other in bucket:
            if other[3] is None:
                other[3] = _second_order_profiles(other[1], other[2])
            if other[3] != entry[3]:
                continue
            if entry[4] is None:
                entry[4] = canonical_leaves(kinds, adj)[:2]
            if other[4] is None:
                other[4] = canonical_leaves(other[0], other[1])[:2]
            if other[4] == entry[4]:
                return
        bucket.append(entry)
    if one_pi and not _bridgeless(adj):
        return
    _, on_vertex, slots, assignments = _layout(layouts, kinds, 0, labelled_legs)
    auts = _automorphisms(adj, list(groups.values()))
    if not labelled_legs:
        automorphisms = len(auts) * _leg_permutations(on_vertex, 0)
        found.append(Diagram._from_labelling(legs, False, kinds, adj, slots, automorphisms,
                                             automorphisms * lines))
        return
    if len(assignments) == 2:
        first, second = slots
        for perm in auts:
            if perm[first] == second:
                break
        else:       # two assignments, each fixed by every automorphism: two diagrams
            for assignment in assignments:
                found.append(Diagram._from_labelling(legs, True, kinds, adj, assignment,
                                                     len(auts), len(auts) * lines))
            return
    automorphisms = len(auts) // len(assignments)
    found.append(Diagram._from_labelling(legs, True, kinds, adj, slots, automorphisms,
                                         automorphisms * lines))


def _profiles(kinds: Sequence[tuple[int, int]], adj: Sequence[Sequence[int]]) -> list[tuple]:
    """Node profiles (kind, self-loops, multiplicities of the other lines, decreasing)."""
    out = []
    for v, row in enumerate(adj):
        multiplicities = sorted([m for m in row if m], reverse=True)
        if row[v]:
            multiplicities.remove(row[v])
        out.append((kinds[v], row[v], tuple(multiplicities)))
    return out


def _second_order_profiles(adj: Sequence[Sequence[int]], profiles: Sequence[tuple]) -> list:
    """Sorted second-order profiles: each node's profile with the sorted (multiplicity,
    profile) of its neighbours (an isomorphism invariant finer than the profiles)."""
    return sorted([(profiles[v], sorted([(m, profiles[w]) for w, m in enumerate(row)
                                         if m and w != v]))
                   for v, row in enumerate(adj)])


def _label(found: list[Diagram], legs: int, labelled_legs: bool, colours: tuple,
           code: tuple | None, orders: list[list[int]] | None, internal: tuple, lines: int,
           free_lines: int, layouts: dict[tuple, tuple]) -> None:
    """Append the diagrams of one internal multigraph: its leg assignments up to automorphisms.

    ``code`` and ``orders`` None: a rigid multigraph (no automorphism), whose canonical keys
    are left to be computed lazily; ``lines`` is its
    :func:`~feynman.symmetry.line_permutations`.  ``layouts`` caches the leg slots of the
    vertex colours (:func:`_layout`).
    """
    valences, on_vertex, slots, assignments = _layout(layouts, colours, free_lines,
                                                      labelled_legs)
    make = Diagram._from_class
    if not labelled_legs:
        automorphisms = (1 if orders is None else len(orders)) * _leg_permutations(
            on_vertex, free_lines)
        found.append(make(legs, False, valences, internal,
                          _sorted_attachment(colours, free_lines),
                          None if code is None else (legs, False, colours, code, free_lines),
                          automorphisms, automorphisms * lines))
        return
    if orders is None or len(orders) == 1:
        if not free_lines:                # no automorphism: every assignment is a diagram
            if code is None:
                found.extend([make(legs, True, valences, internal, assignment, None, 1, lines)
                              for assignment in assignments])
            else:
                key = (legs, True, colours, code)
                found.extend([make(legs, True, valences, internal, assignment,
                                   key + (assignment, ()), 1, lines)
                              for assignment in assignments])
            return
        maps = []
    else:
        # automorphisms as permutations of the canonical positions
        first = orders[0]
        maps = []
        for order in orders[1:]:
            position = [0] * len(order)
            for p, v in enumerate(order):
                position[v] = p
            maps.append([position[v] for v in first] + [-1])    # [-1]: a free line's end
    for assignment in assignments:
        automorphisms = 1
        for perm in maps:
            image = tuple([perm[a] for a in assignment])
            if image < assignment:
                break
            automorphisms += image == assignment
        else:
            free = [i for i, a in enumerate(assignment) if a < 0]
            for pairs in _pairings(free):
                found.append(make(legs, True, valences, internal,
                                  _attachment(assignment, pairs),
                                  None if code is None
                                  else (legs, True, colours, code, assignment, pairs),
                                  automorphisms, automorphisms * lines))


def _layout(layouts: dict[tuple, tuple], colours: tuple, free_lines: int, labelled_legs: bool
            ) -> tuple[tuple[int, ...], list[int], tuple[int, ...], list[tuple[int, ...]]]:
    """Valences, legs on each vertex, leg slots (vertex of each leg, -1 for a free line's
    end) and, for labelled legs, the distinct assignments of the legs to the slots, of
    vertices coloured ``colours`` (memoised in ``layouts``, within one call)."""
    key = (colours, free_lines)
    layout = layouts.get(key)
    if layout is None:
        on_vertex = [e for _, e in colours]
        slots = tuple([p for p, e in enumerate(on_vertex) for _ in range(e)]
                      + [-1] * (2 * free_lines))
        assignments: list[tuple[int, ...]] = []
        if labelled_legs:       # one table per multiset of slots
            assignments = layouts.get(slots)
            if assignments is None:
                assignments = layouts[slots] = _multiset_permutations(list(slots))
        layout = layouts[key] = (tuple([k for k, _ in colours]), on_vertex, slots, assignments)
    return layout


def _multiset_permutations(items: list[int]) -> list[tuple[int, ...]]:
    """Distinct orderings of ``items`` in lexicographic order."""
    if len(items) <= 6:         # at most 720 orderings: itertools and a set are quicker
        return sorted(set(permutations(items)))
    counts: dict[int, int] = {}
    for x in items:
        counts[x] = counts.get(x, 0) + 1
    values = sorted(counts)
    size = len(items)
    current: list[int] = []
    out: list[tuple[int, ...]] = []

    def extend() -> None:
        if len(current) == size:
            out.append(tuple(current))
            return
        for x in values:
            if counts[x]:
                counts[x] -= 1
                current.append(x)
                extend()
                current.pop()
                counts[x] += 1

    extend()
    extend = None           # (a recursive closure is a reference cycle)
    return out


def _pairings(items: list[int]) -> Iterator[tuple[tuple[int, int], ...]]:
    """Perfect matchings of ``items`` as sorted tuples of sorted pairs."""
    if not items:
        yield ()
        return
    first, rest = items[0], items[1:]
    for i, partner in enumerate(rest):
        for tail in _pairings(rest[:i] + rest[i + 1:]):
            yield ((first, partner),) + tail


def _leg_distributions(content: dict[int, int], legs: int) -> list[dict[tuple[int, int], int]]:
    """Ways to end ``legs`` legs on the vertices: counts of vertex kinds (valence, legs on it)."""
    valences = sorted(content)
    out: list[dict[tuple[int, int], int]] = []

    def spread(i: int, left: int, prefix: dict[tuple[int, int], int]) -> None:
        if i == len(valences):
            if left == 0:
                out.append(prefix)
            return
        k = valences[i]
        for counts in _compositions(content[k], min(k, left), left, i == len(valences) - 1):
            here = dict(prefix)
            here.update({(k, e): c for e, c in enumerate(counts) if c})
            spread(i + 1, left - sum(e * c for e, c in enumerate(counts)), here)

    spread(0, legs, {})
    spread = None           # (a recursive closure is a reference cycle)
    return out


def _compositions(total: int, top: int, budget: int, exact: bool) -> list[list[int]]:
    """Counts ``c_0..c_top`` with sum ``total`` (how many vertices carry 0..top legs) using
    at most ``budget`` legs (exactly ``budget`` if ``exact``), ``c_top`` varying slowest."""
    out: list[list[int]] = []
    counts = [0] * (top + 1)

    def choose(e: int, vertices: int, left: int) -> None:
        if e == 0:
            if not exact or left == 0:
                counts[0] = vertices
                out.append(counts[:])
            return
        for c in range(min(vertices, left // e) + 1):
            counts[e] = c
            choose(e - 1, vertices - c, left - c * e)
        counts[e] = 0

    choose(top, total, budget)
    choose = None           # (a recursive closure is a reference cycle)
    return out


def _skeletons(types: dict[tuple[int, int], int], connected: bool, legs_everywhere: bool,
               patterns: dict[tuple, list] | None = None) -> list[tuple]:
    """Labelled internal multigraphs covering every class with these vertex kinds (repeats):
    ``(kinds, adjacency, rigid, profiles, lines)``: the node profiles of a connected
    non-rigid one (integer codes, else None) and its :func:`~feynman.symmetry.line_permutations`.

    A kind is ``(valence, legs on the vertex)``; a vertex of kind ``(k, e)`` has ``k - e``
    internal half-edges.  Nodes are created in breadth-first order and each processed node
    saturates its free half-edges at once: self-loops, lines to nodes already created, lines
    to new vertices (new vertices of one kind with non-increasing multiplicities).  Connected
    graphs are screened by a cheap invariant, the profile (kind, self-loops, multiplicities of
    the other lines in decreasing order), before any canonical form: the first node must have
    the largest profile, and two new vertices created together with the same kind and
    multiplicity must come in non-increasing profile order.  Every class keeps a
    breadth-first labelling meeting both rules.  A complete graph is screened again by the
    second-order profile (the profile, then the sorted multiplicities and profiles of the
    neighbours) in the same way.  A connected graph whose first node has the only largest
    (second-order) profile and whose twins all have distinct ones has a single such
    labelling: it is flagged rigid (the only candidate of its class, no automorphism).
    With ``legs_everywhere`` every component must carry a leg (no vacuum bubbles).
    Branches whose half-edges cannot fit (on the later nodes and the vertices still to
    create) or whose connected component would close too early are cut at once.

    A profile is coded as one integer that orders as the tuple (kind, self-loops,
    multiplicities in decreasing order): the kind and the self-loops in the high digits,
    then, in base ``total + 1``, how many lines of each multiplicity the node has (the
    larger multiplicities in the higher digits; comparing these counts from the top is
    comparing the decreasingly sorted multiplicities lexicographically).  The product of
    the factorials of :func:`~feynman.symmetry.line_permutations` is kept along the search.

    The search is a plain recursion appending to the returned list (no generator frames
    between the levels); the order of the candidates is the depth-first order of the search.
    ``patterns`` memoises the ways to give half-edges to new vertices (a function of the
    half-edges and the kinds left), shared by the searches of one vertex content with the
    same kinds.
    """
    out: list[tuple] = []
    total = sum(types.values())
    if sum((k - e) * c for (k, e), c in types.items()) % 2:
        return out
    kinds = sorted(types)
    half = [k - e for k, e in kinds]              # internal half-edges of each kind
    most = max(half, default=0)                   # largest multiplicity of a line
    if connected and total > 1 and not min(half):
        return out                                # a vertex with legs only: isolated
    base = total + 1                              # digits: counts of one multiplicity
    digit = [0] + [base ** (m - 1) for m in range(1, most + 1)]
    digit_of = digit.__getitem__
    kind_of = kinds.__getitem__
    loop_unit = base ** most
    kind_unit = loop_unit * (most // 2 + 1)
    pair_unit = kind_unit * len(kinds)           # above every profile code
    factorials = (_FACTORIALS if most < len(_FACTORIALS)
                  else [math.factorial(m) for m in range(most + 1)])
    loop_weights = (_LOOP_WEIGHTS if most // 2 < len(_LOOP_WEIGHTS)
                    else [math.factorial(m) << m for m in range(most // 2 + 1)])
    adj = [[0] * total for _ in range(total)]
    # the created nodes are 0 .. created - 1 (kind indices); the entries of the others are
    # unused (free 0)
    kind = [0] * total
    free = [0] * total
    tied = [False] * total              # created together with the previous node, same kind/m
    profiles: list[int] = []
    created = 0
    pending = 0                         # free half-edges of the created nodes, sum(free)
    ambiguous = 0                       # nodes whose profile ties the root's or a twin's
    weight = 1                          # line_permutations of the lines so far
    left = [types[t] for t in kinds]    # vertices of each kind not yet created
    # internal half-edges of the vertices not yet created
    capacity = sum(h * c for h, c in zip(half, left))
    # the ways to create new vertices, shared by a caller among searches with these kinds
    patterns = {} if patterns is None else patterns.setdefault(tuple(kinds), {})

    def second_order_screen() -> bool | None:
        """None if a complete graph breaks the rules for the second-order profile (the
        profile, then the sorted (multiplicity, profile) of the neighbours); else rigidity.
        Only nodes of equal profiles are compared, so only theirs are computed.

        A pair (m, profile) is coded m * (pair_unit + profile), which orders as the pair and
        is 0 for a node that is not a neighbour; nodes of equal profiles have as many
        non-neighbours and equal self-loops, and elements common to two sorted lists of one
        length do not change their order, so the self entry and the zeros may stay in."""
        shifted = [pair_unit + x for x in profiles]
        second: dict[int, list] = {}
        root = profiles[0]
        rigid = True
        for v in range(1, total):
            prof = profiles[v]
            against = [0] if prof == root else []
            if tied[v] and prof == profiles[v - 1]:
                against.append(v - 1)
            if not against:
                continue
            for u in (v, *against):
                if u not in second:
                    second[u] = sorted(map(mul, adj[u], shifted))
            s = second[v]
            for u in against:
                if s > second[u]:
                    return None
                rigid = rigid and s != second[u]
        return rigid

    def saturate(p: int) -> None:
        """Screen the completed node ``p - 1`` (connected graphs) and the following ones
        left without free half-edges, then give the next node all its missing lines, or
        emit the graph / start a component when no node is left."""
        nonlocal ambiguous, pending, weight, created, capacity
        screened = 0                    # profiles pushed here
        ties = 0
        while True:
            if connected and p:
                row = adj[p - 1]
                loops = row[p - 1]
                prof = (kind[p - 1] * kind_unit + loops * loop_unit
                        + sum(map(digit_of, row)) - digit[loops])
                tie = False
                if p > 1:
                    first = profiles[0]
                    if prof > first or (tied[p - 1] and prof > profiles[p - 2]):
                        break
                    tie = prof == first or (tied[p - 1] and prof == profiles[p - 2])
                profiles.append(prof)
                screened += 1
                ties += tie
                ambiguous += tie
            if p < created and free[p] == 0:
                p += 1                  # nothing to give: screen it and go on
                continue
            if p < created:
                # node p: its self-loops, then its lines to the later nodes
                f = free[p]
                free[p] = 0
                pending -= f
                top = f // 2
                if connected and p:   # more self-loops than the first node or the twin
                    if kind[p] == kind[0]:
                        top = min(top, adj[0][0])
                    if tied[p]:
                        top = min(top, adj[p - 1][p - 1])
                row = adj[p]
                # half-edges the other lines can take (nodes up to p have no free one left)
                room = pending + capacity
                early = connected and created < total   # a closed component: too early
                start = weight
                for loops in range(top, -1, -1):
                    r = f - 2 * loops
                    if r > room:
                        break
                    row[p] = loops
                    weight = start * loop_weights[loops]
                    if r:
                        lines(p, p + 1, r, pending)
                    elif not (early and not pending):
                        saturate(p + 1)
                weight = start
                row[p] = 0
                free[p] = f
                pending += f
            elif created == total:      # complete: emitted unless the screen rejects it
                if not connected:
                    rigid = False
                elif not ambiguous:
                    rigid = True
                else:
                    rigid = second_order_screen()
                if rigid is not None:
                    out.append((tuple(map(kind_of, kind)), tuple(map(tuple, adj)), rigid,
                                profiles[:] if connected and not rigid else None, weight))
            elif not (created and connected):   # a new component: its first vertex
                roots = [i for i in range(len(kinds))
                         if left[i] and (connected or kinds[i][1] or not legs_everywhere)]
                if connected:
                    roots = roots[-1:]        # the largest kind (first entry of the profile)
                for i in roots:
                    left[i] -= 1
                    kind[created] = i
                    free[created] = half[i]
                    tied[created] = False
                    capacity -= half[i]
                    pending += half[i]
                    created += 1
                    saturate(p)               # p == 0 when connected: nothing to screen
                    created -= 1
                    pending -= half[i]
                    capacity += half[i]
                    free[created] = 0
                    left[i] += 1
            break
        if screened:
            ambiguous -= ties
            del profiles[len(profiles) - screened:]

    def lines(p: int, q: int, r: int, after: int) -> None:
        """Give the ``r > 0`` remaining half-edges of ``p`` to nodes ``q, q + 1, ...``
        (created ones first, then new vertices); ``after`` is ``sum(free[q:created])``."""
        nonlocal pending, weight, created, capacity
        while q < created and not free[q]:
            q += 1
        row = adj[p]
        start = weight
        if q == created:
            key = (r, *left)
            options = patterns.get(key)
            if options is None:
                options = patterns[key] = _new_vertex_options(r, half, left, factorials)
            for pattern, factor, used in options:
                for i, m, tie in pattern:
                    left[i] -= 1
                    kind[created] = i
                    free[created] = half[i] - m
                    tied[created] = tie
                    row[created] = adj[created][p] = m
                    created += 1
                capacity -= used
                pending += used - r
                weight = start * factor
                saturate(p + 1)
                pending -= used - r
                capacity += used
                for i, _, _ in pattern:
                    created -= 1
                    left[i] += 1
                    free[created] = 0
                    row[created] = adj[created][p] = 0
            weight = start
            return
        column = adj[q]
        f = free[q]
        rest = after - f
        low = r - rest - capacity           # the rest must fit after q
        before = pending
        early = connected and created < total
        for m in range(min(f, r), max(low, 0) - 1, -1):
            row[q] = column[p] = m
            free[q] = f - m
            pending = before - m
            weight = start * factorials[m]
            if m < r:
                lines(p, q + 1, r - m, rest)
            elif not (early and not pending):
                saturate(p + 1)         # else the component would close too early
        free[q] = f
        pending = before
        weight = start
        row[q] = column[p] = 0

    saturate(0)
    # the nested functions refer to each other through their cells, a reference cycle:
    # unbinding them frees the search at once, without the garbage collector
    saturate = lines = None     # noqa: F811 (ruff misses the use of lines in saturate)
    return out


def _new_vertex_options(r: int, half: list[int], left: list[int], factorials: list[int]
                        ) -> list[tuple[tuple[tuple[int, int, bool], ...], int, int]]:
    """The ways to give ``r`` half-edges to new vertices, in the search order of
    :func:`_skeletons`.

    ``half`` and ``left`` give the internal half-edges and the vertices left of each kind.
    A pattern takes vertices of the kinds in order, the multiplicities of one kind
    non-increasing (at most ``half`` and ``left`` of them), summing to ``r``; patterns come
    in depth-first pre-order (fewer vertices of a kind first, then larger multiplicities
    first).  Each is returned as its new vertices (kind index, multiplicity, created
    together with the previous one of the same kind and multiplicity), the product of the
    factorials of the multiplicities, and the internal half-edges of the new vertices.
    """
    available = [i for i, c in enumerate(left) if c and half[i]]
    out: list[tuple[tuple[tuple[int, int, bool], ...], int, int]] = []
    chosen: list[tuple[int, int, bool]] = []

    def place(j: int, rest: int, cap: int, slots: int, previous: int) -> None:
        """Vertices of kind ``available[j]``: none more (go on with the next kind), then one
        more of each multiplicity, from the largest."""
        if rest == 0:
            out.append((tuple(chosen), math.prod([factorials[m] for _, m, _ in chosen]),
                        sum([half[i] for i, _, _ in chosen])))
            return
        if j + 1 < len(available):
            following = available[j + 1]
            place(j + 1, rest, half[following], left[following], 0)
        if slots:
            i = available[j]
            for m in range(min(cap, rest), 0, -1):
                chosen.append((i, m, m == previous))
                place(j, rest - m, m, slots - 1, m)
                chosen.pop()

    if r == 0:
        out.append(((), 1, 0))
    elif available:
        place(0, r, half[available[0]], left[available[0]], 0)
    place = None            # (a recursive closure is a reference cycle)
    return out


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
