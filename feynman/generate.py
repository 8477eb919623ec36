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
also gives their automorphisms.  With legs, canonical forms are compared only among
candidates with the same multiset of node profiles, and a multigraph whose leg assignments
form a single orbit (the 2-point classes, unlabelled legs) gets its automorphisms directly
on the profile cells, its canonical labelling and key being computed on first use.  The
labelled legs are then distributed over the leg slots of each internal multigraph, one
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
from itertools import product
from typing import Iterator, Mapping, Sequence

from nnqft_sym.errors import CostLimitError
from nnqft_sym.validation import check_integer

from .diagram import Diagram, _attachment, _bridgeless, _leg_permutations, _sorted_attachment
from .symmetry import _automorphisms, canonical_leaves, line_permutations

__all__ = ["generate", "vertex_combinations", "contraction_estimate", "MAX_CONTRACTIONS"]

#: default ``max_contractions`` of :func:`generate` (see the module docstring)
MAX_CONTRACTIONS = 2_000_000
#: most vertex-count combinations :func:`vertex_combinations` scans
_MAX_COMBINATIONS = 10 ** 6


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
    arrangements: dict[tuple[int, ...], list[tuple[int, ...]]] = {}
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
            # deferrable: candidates by their profiles, [kinds, adj, canonical (colours, code)
            # or None until a candidate with the same profiles needs it]
            buckets: dict[tuple, list[list]] = {}
            for kinds, adj, rigid, profiles in _skeletons(types, connected, legs > 0, patterns):
                if rigid:       # the only candidate of its class, no automorphism
                    if one_pi and not (may_be_one_pi and _bridgeless(adj)):
                        continue
                    _label(found, legs, labelled_legs, kinds, None, None, adj, free_lines,
                           arrangements)
                    continue
                if deferrable:
                    canonical = _deferred(found, buckets, legs, labelled_legs, kinds, adj,
                                          profiles, one_pi, arrangements)
                    if canonical is None:
                        continue        # a repeat, not 1PI, or already labelled
                    colours, code, orders = canonical
                else:
                    colours, code, orders = canonical_leaves(kinds, adj)
                    if (colours, code) in seen:
                        continue
                    seen.add((colours, code))
                order = orders[0]
                internal = tuple([tuple([row[v] for v in order])
                                  for row in [adj[u] for u in order]])
                if one_pi and not (may_be_one_pi and _bridgeless(internal)):
                    continue
                _label(found, legs, labelled_legs, colours, code, orders, internal,
                       free_lines, arrangements)
    return found


def _deferred(found: list[Diagram], buckets: dict[tuple, list[list]], legs: int,
              labelled_legs: bool, kinds: tuple, adj: tuple, profiles: list[tuple] | None,
              one_pi: bool,
              arrangements: dict[tuple[int, ...], list[tuple[int, ...]]]
              ) -> tuple[tuple, tuple, list[list[int]]] | None:
    """A non-rigid candidate with legs: drop it if it repeats an earlier one, else label it.

    Candidates are compared by their canonical forms only when their profiles (the multiset
    of (kind, self-loops, multiplicities) of the nodes, an isomorphism invariant; ``profiles``
    from the search or None) coincide.
    A new multigraph whose leg assignments form one orbit of its automorphisms (unlabelled
    legs, or at most two assignments: the 2-point classes) yields its single diagram at once,
    with the automorphisms found directly on the profile cells and the canonical labelling
    left to :meth:`Diagram._from_labelling`.  Otherwise returns its
    :func:`~feynman.symmetry.canonical_leaves` for :func:`_label`; None when done (a repeat,
    not 1PI, or labelled here).
    """
    if profiles is None:                      # (the search's are kept for connected ones)
        profiles = []
        for v, row in enumerate(adj):
            multiplicities = sorted([m for m in row if m], reverse=True)
            if row[v]:
                multiplicities.remove(row[v])
            profiles.append((kinds[v], row[v], tuple(multiplicities)))
    groups: dict[tuple, list[int]] = {}
    for v, profile in enumerate(profiles):
        group = groups.get(profile)
        if group is None:
            groups[profile] = [v]
        else:
            group.append(v)
    bucket = buckets.setdefault(tuple(sorted([(p, len(g)) for p, g in groups.items()])), [])
    canonical = None
    if bucket:
        canonical = canonical_leaves(kinds, adj)
        form = canonical[:2]
        for entry in bucket:
            if entry[2] is None:
                entry[2] = canonical_leaves(entry[0], entry[1])[:2]
            if entry[2] == form:
                return None
    entry = [kinds, adj, None if canonical is None else canonical[:2]]
    bucket.append(entry)
    if one_pi and not _bridgeless(adj):
        return None
    if canonical is not None:
        return canonical
    on_vertex = [e for _, e in kinds]
    slots = tuple([v for v, e in enumerate(on_vertex) for _ in range(e)])
    automorphisms = 0
    if labelled_legs:
        assignments = arrangements.get(slots)
        if assignments is None:
            assignments = arrangements[slots] = _multiset_permutations(list(slots))
        if len(assignments) <= 2:
            auts = _automorphisms(adj, list(groups.values()))
            first = assignments[0]
            if len({tuple([perm[a] for a in first]) for perm in auts}) == len(assignments):
                automorphisms = len(auts) // len(assignments)
    else:
        automorphisms = len(_automorphisms(adj, list(groups.values()))) * _leg_permutations(
            on_vertex, 0)
    if automorphisms:
        found.append(Diagram._from_labelling(legs, labelled_legs, kinds, adj, slots,
                                             automorphisms,
                                             automorphisms * line_permutations(adj)))
        return None
    canonical = canonical_leaves(kinds, adj)
    entry[2] = canonical[:2]
    return canonical


def _label(found: list[Diagram], legs: int, labelled_legs: bool, colours: tuple,
           code: tuple | None, orders: list[list[int]] | None, internal: tuple,
           free_lines: int, arrangements: dict[tuple[int, ...], list[tuple[int, ...]]]
           ) -> None:
    """Append the diagrams of one internal multigraph: its leg assignments up to automorphisms.

    ``code`` and ``orders`` None: a rigid multigraph (no automorphism), whose canonical keys
    are left to be computed lazily.  ``arrangements`` caches the distinct orderings of each
    multiset of leg slots.
    """
    valences = tuple([k for k, _ in colours])
    lines = line_permutations(internal)
    on_vertex = [e for _, e in colours]
    make = Diagram._from_class
    if not labelled_legs:
        automorphisms = (1 if orders is None else len(orders)) * _leg_permutations(
            on_vertex, free_lines)
        found.append(make(legs, False, valences, internal,
                          _sorted_attachment(colours, free_lines),
                          None if code is None else (legs, False, colours, code, free_lines),
                          automorphisms, automorphisms * lines))
        return
    slots = tuple([p for p, e in enumerate(on_vertex) for _ in range(e)]
                  + [-1] * (2 * free_lines))
    assignments = arrangements.get(slots)
    if assignments is None:
        assignments = arrangements[slots] = _multiset_permutations(list(slots))
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


def _multiset_permutations(items: list[int]) -> list[tuple[int, ...]]:
    """Distinct orderings of ``items`` in lexicographic order."""
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
    return out


def _skeletons(types: dict[tuple[int, int], int], connected: bool, legs_everywhere: bool,
               patterns: dict[tuple, list] | None = None) -> list[tuple]:
    """Labelled internal multigraphs covering every class with these vertex kinds (repeats):
    ``(kinds, adjacency, rigid, profiles)``, the node profiles of a connected non-rigid one
    (else None).

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

    The search is a plain recursion appending to the returned list (no generator frames
    between the levels); the order of the candidates is the depth-first order of the search.
    ``patterns`` memoises the ways to give half-edges to new vertices (a function of the
    half-edges and the kinds left), shared by the searches of one vertex content.
    """
    out: list[tuple] = []
    total = sum(types.values())
    if sum((k - e) * c for (k, e), c in types.items()) % 2:
        return out
    kinds = sorted(types)
    adj = [[0] * total for _ in range(total)]
    kind: list[tuple[int, int]] = []
    free: list[int] = []
    tied: list[bool] = []               # created together with the previous node, same kind/m
    profiles: list[tuple] = []
    ambiguous = [0]                     # nodes whose profile ties the root's or a twin's
    remaining = dict(types)
    # internal half-edges of the vertices not yet created
    capacity = [sum((k - e) * c for (k, e), c in types.items())]
    if patterns is None:        # the ways to create new vertices, shared by a caller
        patterns = {}

    def second_order_screen() -> bool | None:
        """None if a complete graph breaks the rules for the second-order profile (the
        profile, then the sorted (multiplicity, profile) of the neighbours); else rigidity.
        Only nodes of equal profiles are compared, so only theirs are computed."""
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
                    second[u] = sorted([(m, profiles[w]) for w, m in enumerate(adj[u])
                                        if m and w != u])
            s = second[v]
            for u in against:
                if s > second[u]:
                    return None
                rigid = rigid and s != second[u]
        return rigid

    def saturate(p: int) -> None:
        """Screen the completed node ``p - 1`` (connected graphs), then give node ``p`` all
        its missing lines, or emit the graph / start a component when no node is left."""
        screened = connected and p
        if screened:
            row = adj[p - 1]
            prof = (kind[p - 1], row[p - 1],
                    sorted([m for m in row if m], reverse=True))
            if row[p - 1]:
                prof[2].remove(row[p - 1])
            tie = False
            if p > 1:
                first = profiles[0]
                if prof > first:
                    return
                tie = prof == first
                if tied[p - 1]:
                    twin = profiles[p - 2]
                    if prof > twin:
                        return
                    tie = tie or prof == twin
            profiles.append(prof)
            ambiguous[0] += tie
        created = len(kind)
        if p == created:
            if created == total:
                if not connected:
                    out.append((tuple(kind), tuple(map(tuple, adj)), False, None))
                elif not ambiguous[0]:
                    out.append((tuple(kind), tuple(map(tuple, adj)), True, None))
                else:
                    rigid = second_order_screen()
                    if rigid is not None:
                        out.append((tuple(kind), tuple(map(tuple, adj)), rigid, None if rigid
                                    else [(k, l, tuple(m)) for k, l, m in profiles]))
            elif not (created and connected):
                roots = [t for t in kinds
                         if remaining[t] and (connected or t[1] or not legs_everywhere)]
                if connected:
                    roots = roots[-1:]        # the largest kind (first entry of the profile)
                for t in roots:
                    _create(t, False)
                    saturate(p)               # p == 0 when connected: nothing to screen
                    _uncreate(t)
        elif free[p] == 0:
            saturate(p + 1)
        else:
            f = free[p]
            free[p] = 0
            top = f // 2
            if connected and p:   # more self-loops than the first node or the twin: rejected
                if kind[p] == kind[0]:
                    top = min(top, adj[0][0])
                if tied[p]:
                    top = min(top, adj[p - 1][p - 1])
            row = adj[p]
            room = sum(free) + capacity[0]    # half-edges the other lines can take (nodes
            #                                   up to p have no free one left)
            for loops in range(top, -1, -1):
                r = f - 2 * loops
                if r > room:
                    break
                row[p] = loops
                if r:
                    lines(p, p + 1, r)
                elif not (connected and created < total and not any(free)):
                    saturate(p + 1)
            row[p] = 0
            free[p] = f
        if screened:
            ambiguous[0] -= tie
            profiles.pop()

    def lines(p: int, q: int, r: int) -> None:
        """Give the ``r > 0`` remaining half-edges of ``p`` to nodes ``q, q + 1, ...``
        (created ones first, then new vertices)."""
        created = len(kind)
        while q < created and not free[q]:
            q += 1
        row = adj[p]
        if q == created:
            key = (r, tuple([(t, remaining[t]) for t in kinds if remaining[t] and t[0] > t[1]]))
            options = patterns.get(key)
            if options is None:
                options = patterns[key] = _new_vertex_patterns(*key)
            for pattern in options:
                previous = None
                for t, m in pattern:
                    _create(t, (t, m) == previous)
                    previous = (t, m)
                    node = len(kind) - 1
                    row[node] = adj[node][p] = m
                    free[node] -= m
                saturate(p + 1)
                for t, _ in reversed(pattern):
                    node = len(kind) - 1
                    row[node] = adj[node][p] = 0
                    _uncreate(t)
            return
        column = adj[q]
        f = free[q]
        low = r - sum(free[q + 1:]) - capacity[0]   # the rest must fit after q
        for m in range(min(f, r), max(low, 0) - 1, -1):
            row[q] = column[p] = m
            free[q] = f - m
            if m < r:
                lines(p, q + 1, r - m)
            elif not (connected and created < total and not any(free)):
                saturate(p + 1)         # else the component would close too early
        free[q] = f
        row[q] = column[p] = 0

    def _create(t: tuple[int, int], tie: bool) -> None:
        capacity[0] -= t[0] - t[1]
        remaining[t] -= 1
        kind.append(t)
        free.append(t[0] - t[1])
        tied.append(tie)

    def _uncreate(t: tuple[int, int]) -> None:
        kind.pop()
        free.pop()
        tied.pop()
        remaining[t] += 1
        capacity[0] += t[0] - t[1]

    saturate(0)
    return out


def _new_vertex_patterns(r: int, ts: tuple[tuple[tuple[int, int], int], ...]
                         ) -> list[list[tuple[tuple[int, int], int]]]:
    """Ways to give ``r`` half-edges to new vertices of the kinds ``ts`` ((kind, how many
    are left) pairs): lists of (kind, multiplicity), the multiplicities of one kind
    non-increasing, in the search order of :func:`_skeletons`."""
    if r == 0:
        return [[]]
    if not ts:
        return []
    (t, left), rest = ts[0], ts[1:]
    out = []

    def seqs(r_left: int, cap: int, slots: int) -> list[list[int]]:
        """Non-increasing multiplicities (at most ``cap``, sum at most ``r_left``) of up to
        ``slots`` new vertices, in the search order."""
        found: list[list[int]] = [[]]
        if slots:
            for m in range(min(cap, r_left), 0, -1):
                found.extend([[m] + tail for tail in seqs(r_left - m, m, slots - 1)])
        return found

    for seq in seqs(r, t[0] - t[1], left):
        for tail in _new_vertex_patterns(r - sum(seq), rest):
            out.append([(t, m) for m in seq] + tail)
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
