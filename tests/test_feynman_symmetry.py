"""Symmetry factors, canonical keys and diagram structure.

Independent references: textbook symmetry factors (Peskin-Schroeder sec. 4.4, Kleinert &
Schulte-Frohlinde "Critical properties of phi^4 theories" ch. 3), brute-force enumeration of
all Wick contractions (orbit-stabiliser: a diagram arises from |G| / S contractions), and
networkx's own isomorphism matcher for the vertex automorphisms and the de-duplication.
"""
from __future__ import annotations

import random
from collections import Counter
from math import factorial, prod

import networkx as nx
import pytest
from networkx.algorithms.isomorphism import MultiGraphMatcher

from feynman import Diagram, canonical_form, generate, multigraph_symmetry_factor


def diagram(edges, legs=0, labelled=True) -> Diagram:
    g = nx.MultiGraph(edges)
    nx.set_node_attributes(g, {i: i for i in range(1, legs + 1)}, "leg")
    return Diagram(g, labelled_legs=labelled)


KNOWN = [
    # (description, edges, legs, labelled, S)
    ("phi4 figure-eight", [("a", "a"), ("a", "a")], 0, True, 8),
    ("phi4 melon (4 lines)", [("a", "b")] * 4, 0, True, 48),
    ("phi4 dumbbell", [("a", "a"), ("a", "b"), ("a", "b"), ("b", "b")], 0, True, 16),
    ("phi4 tadpole", [(1, "a"), ("a", 2), ("a", "a")], 2, True, 2),
    ("phi4 sunset 2-point", [(1, "a"), ("a", "b"), ("a", "b"), ("a", "b"), ("b", 2)], 2,
     True, 6),
    ("phi4 double scoop", [(1, "a"), ("a", 2), ("a", "b"), ("a", "b"), ("b", "b")], 2,
     True, 4),
    ("phi4 two tadpoles in a row", [(1, "a"), ("a", "a"), ("a", "b"), ("b", "b"), ("b", 2)],
     2, True, 4),
    ("phi4 fish, labelled legs", [(1, "a"), (2, "a"), ("a", "b"), ("a", "b"), ("b", 3),
                                  ("b", 4)], 4, True, 2),
    ("phi4 fish, unlabelled legs", [(1, "a"), (2, "a"), ("a", "b"), ("a", "b"), ("b", 3),
                                    ("b", 4)], 4, False, 16),
    ("phi4 contact, unlabelled legs", [(1, "a"), (2, "a"), (3, "a"), (4, "a")], 4, False, 24),
    ("phi6 vacuum three loops", [("a", "a")] * 3, 0, True, 48),
    ("phi6 2-point double tadpole", [(1, "a"), ("a", 2), ("a", "a"), ("a", "a")], 2, True, 8),
    ("phi6 vacuum melon (6 lines)", [("a", "b")] * 6, 0, True, 1440),
    ("free line", [(1, 2)], 2, True, 1),
    ("two free lines, unlabelled", [(1, 2), (3, 4)], 4, False, 8),
    ("two figure-eights", [("a", "a"), ("a", "a"), ("b", "b"), ("b", "b")], 0, True, 128),
]


@pytest.mark.parametrize("edges,legs,labelled,expected",
                         [k[1:] for k in KNOWN], ids=[k[0] for k in KNOWN])
def test_known_symmetry_factors(edges, legs, labelled, expected):
    assert diagram(edges, legs, labelled).symmetry_factor == expected


def test_figure_eight_is_not_just_a_vertex_automorphism():
    """networkx alone sees one vertex automorphism; the half-edge group has order 8."""
    d = diagram([("a", "a"), ("a", "a")])
    assert sum(1 for _ in MultiGraphMatcher(d.graph, d.graph).isomorphisms_iter()) == 1
    assert d.symmetry_factor == 8


# ---------------------------------------------------------------------- brute force
def all_contractions(legs: int, content: dict[int, int]):
    """Every perfect matching of the half-edges, as multiplicity matrices (slow, small cases)."""
    owner = list(range(legs))
    valences = []
    for k, c in sorted(content.items()):
        for _ in range(c):
            owner += [legs + len(valences)] * k
            valences.append(k)
    size = legs + len(valences)

    def matchings(items):
        if not items:
            yield []
            return
        first, rest = items[0], items[1:]
        for i, other in enumerate(rest):
            for tail in matchings(rest[:i] + rest[i + 1:]):
                yield [(first, other)] + tail

    for m in matchings(list(range(len(owner)))):
        adj = [[0] * size for _ in range(size)]
        for a, b in m:
            u, v = owner[a], owner[b]
            adj[u][v] += 1
            if u != v:
                adj[v][u] += 1
        yield valences, adj


@pytest.mark.parametrize("legs,content", [(0, {4: 2}), (0, {4: 1, 6: 1}), (2, {4: 2}),
                                          (4, {4: 2}), (2, {6: 1}), (0, {6: 2}),
                                          (2, {4: 1, 6: 1}),
                                          pytest.param(4, {4: 1, 6: 1}, marks=pytest.mark.slow)])
def test_orbit_stabiliser_against_all_wick_contractions(legs, content):
    """Each diagram arises from exactly |G| / S contractions; the generator finds them all."""
    counts: Counter = Counter()
    examples = {}
    for valences, adj in all_contractions(legs, content):
        d = Diagram.from_adjacency(legs, valences, adj)
        counts[d.canonical_key] += 1
        examples[d.canonical_key] = d
    group = prod(factorial(k) ** c * factorial(c) for k, c in content.items())
    for key, count in counts.items():
        assert count * examples[key].symmetry_factor == group
    no_bubbles = {k for k, d in examples.items() if not (legs and d.has_vacuum_component)}
    generated = generate(legs, content, connected=False)
    assert {d.canonical_key for d in generated} == no_bubbles
    assert len(generated) == len(no_bubbles)


# ---------------------------------------------------------------------- against networkx
@pytest.mark.parametrize("legs,content,flags", [(0, {4: 4}, {}), (2, {4: 3}, {}),
                                                (4, {4: 3}, {"labelled_legs": False}),
                                                (0, {4: 1, 6: 2}, {"connected": False})])
def test_vertex_automorphisms_and_deduplication_agree_with_networkx(legs, content, flags):
    diagrams = generate(legs, content, **flags)
    labelled = flags.get("labelled_legs", True)

    def match(a, b):
        key = (lambda d: (d.get("leg", 0) if labelled else "leg" in d, d.get("valence")))
        return key(a) == key(b)

    for d in diagrams:
        matcher = MultiGraphMatcher(d.graph, d.graph, node_match=match)
        n_aut = sum(1 for _ in matcher.isomorphisms_iter())
        lines = prod(factorial(m) * (2 ** m if u == v else 1) for u, v, m in d.lines())
        assert d.symmetry_factor == n_aut * lines
    for i, a in enumerate(diagrams):        # pairwise non-isomorphic
        for b in diagrams[i + 1:]:
            assert not nx.is_isomorphic(a.graph, b.graph, node_match=match)


def test_canonical_key_is_invariant_under_relabelling():
    rng = random.Random(7)
    for d in generate(4, {4: 3}) + generate(0, {4: 4, 6: 1}, connected=False):
        names = list(d.graph.nodes)
        shuffled = names[:]
        rng.shuffle(shuffled)
        relabelled = nx.relabel_nodes(d.graph, dict(zip(names, [f"n{i}" for i, _ in
                                                               enumerate(shuffled)])))
        # rebuild with a shuffled insertion order
        g = nx.MultiGraph()
        g.add_nodes_from(sorted(relabelled.nodes(data=True), key=lambda _: rng.random()))
        g.add_edges_from(sorted(relabelled.edges(), key=lambda _: rng.random()))
        again = Diagram(g, labelled_legs=d.labelled_legs)
        assert again.canonical_key == d.canonical_key
        assert again.symmetry_factor == d.symmetry_factor


def test_canonical_key_is_made_of_plain_integers():
    key = generate(4, {4: 2}, one_pi=True)[0].canonical_key

    def flatten(obj):
        if isinstance(obj, tuple):
            for o in obj:
                yield from flatten(o)
        else:
            yield obj

    assert all(type(v) in (int, bool) for v in flatten(key))


def test_leg_labels_matter_only_when_labelled():
    fish = generate(4, {4: 2}, one_pi=True)
    assert len(fish) == 3                                   # s, t, u channels
    assert len(generate(4, {4: 2}, one_pi=True, labelled_legs=False)) == 1
    assert len({d.canonical_key for d in fish}) == 3


def test_canonical_form_direct():
    key_a, aut_a, _ = canonical_form([0, 0, 0], [[0, 1, 0], [1, 0, 1], [0, 1, 0]])
    key_b, aut_b, _ = canonical_form([0, 0, 0], [[0, 1, 1], [1, 0, 0], [1, 0, 0]])
    assert key_a == key_b and aut_a == aut_b == 2
    assert canonical_form([0, 0, 0], [[0, 1, 1], [1, 0, 1], [1, 1, 0]])[1] == 6
    assert multigraph_symmetry_factor([0, 0], [[1, 2], [2, 1]]) == 2 * 2 * 2 * 2
    with pytest.raises(ValueError, match="adjacency"):
        canonical_form([0, 0], [[0]])


# ---------------------------------------------------------------------- structure
def test_structure_properties():
    sunset = diagram([(1, "a"), ("a", "b"), ("a", "b"), ("a", "b"), ("b", 2)], 2)
    assert (sunset.loops, sunset.vertex_counts, sunset.is_connected, sunset.is_one_pi) == \
        (2, {4: 2}, True, True)
    chain = diagram([(1, "a"), ("a", "a"), ("a", "b"), ("b", "b"), ("b", 2)], 2)
    assert chain.loops == 2 and not chain.is_one_pi          # the middle line is a bridge
    disconnected = diagram([(1, 2), ("a", "a"), ("a", "a")], 2)
    assert not disconnected.is_connected and disconnected.components == 2
    assert disconnected.has_vacuum_component
    assert not diagram([(1, 2)], 2).is_one_pi                # no vertex: not part of Sigma


def test_loop_order_form_matches_vertex_form():
    by_loops = generate(4, loops=1, valences=(4, 6))
    by_vertices = generate(4, {4: 2}) + generate(4, {6: 1})
    assert {d.canonical_key for d in by_loops} == {d.canonical_key for d in by_vertices}
    assert all(d.loops == 1 for d in by_loops)
    assert all(d.loops == 2 for d in generate(2, loops=2, valences=(4,)))
    assert len(generate(6, loops=0, valences=(4,))) == 10     # the 6-point exchange trees


@pytest.mark.parametrize("call,error,match", [
    (lambda: generate(-1, {4: 1}), ValueError, "legs"),
    (lambda: generate(2.5, {4: 1}), TypeError, "legs"),
    (lambda: generate(2, [4]), TypeError, "vertices"),
    (lambda: generate(2, {4: -1}), ValueError, r"vertices\[4\]"),
    (lambda: generate(2, {0: 1}), ValueError, "valence"),
    (lambda: generate(2), ValueError, "exactly one"),
    (lambda: generate(2, {4: 1}, loops=1), ValueError, "exactly one"),
    (lambda: generate(2, loops=1, connected=False), ValueError, "connected"),
    (lambda: generate(2, loops=1, valences=(2,)), ValueError, "valence"),
    (lambda: generate(2, {4: 1}, connected="yes"), TypeError, "connected"),
    (lambda: Diagram(nx.Graph()), TypeError, "MultiGraph"),
    (lambda: diagram([(1, "a"), (1, "b")], 1), ValueError, "degree 1"),
    (lambda: Diagram.from_adjacency(0, [4], [[1]]), ValueError, "valences"),
    (lambda: Diagram.from_adjacency(0, [2, 2], [[0, 2], [1, 0]]), ValueError, "symmetric"),
])
def test_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_odd_half_edge_count_gives_no_diagrams():
    assert generate(3, {4: 1}, connected=False) == []
    assert generate(1, {4: 1}) == []


def test_direct_automorphisms_match_networkx_on_generated_multigraphs():
    # the automorphisms found on the profile cells (used for the 2-point classes and for
    # unlabelled legs) against networkx's isomorphism matcher on the same coloured multigraph
    from feynman.generate import _leg_distributions, _skeletons
    from feynman.symmetry import _automorphisms

    checked = 0
    for legs, content in ((2, {4: 4}), (4, {4: 3}), (0, {4: 4}), (2, {3: 2, 4: 2})):
        for types in _leg_distributions(content, legs):
            for kinds, adj, rigid, *_ in _skeletons(types, True, legs > 0):
                cells: dict[tuple, list[int]] = {}
                for v, row in enumerate(adj):
                    profile = (kinds[v], row[v], tuple(sorted(m for w, m in enumerate(row)
                                                              if m and w != v)))
                    cells.setdefault(profile, []).append(v)
                found = _automorphisms(adj, list(cells.values()))
                g = nx.MultiGraph()
                g.add_nodes_from((v, {"kind": k}) for v, k in enumerate(kinds))
                for u in range(len(adj)):
                    for v in range(u, len(adj)):
                        g.add_edges_from([(u, v)] * adj[u][v])
                matcher = MultiGraphMatcher(g, g,
                                            node_match=lambda a, b: a["kind"] == b["kind"])
                expected = {tuple(m[v] for v in range(len(adj)))
                            for m in matcher.isomorphisms_iter()}
                assert {tuple(p) for p in found} == expected
                assert len(found) == len(expected)           # no permutation twice
                assert not rigid or len(found) == 1
                checked += not rigid
    assert checked > 20


def test_deferred_diagrams_get_the_canonical_labelling():
    # 2-point diagrams of multigraphs with a single leg orbit are labelled canonically only
    # when first inspected: the result is what a diagram rebuilt from its graph gets
    diagrams = generate(2, {4: 4})
    deferred = [d for d in diagrams if "_pending" in d.__dict__]
    assert len(deferred) >= 10
    for d in deferred:
        kinds, internal, assignment = d.__dict__["_pending"]     # the generator's labelling
        size = 2 + len(kinds)
        adj = [[0] * size for _ in range(size)]
        for i, a in enumerate(assignment):
            adj[i][2 + a] = adj[2 + a][i] = 1
        for u, row in enumerate(internal):
            adj[2 + u][2:] = row
        as_generated = Diagram.from_adjacency(2, [k for k, _ in kinds], adj)
        key, factor = d.canonical_key, d.symmetry_factor
        assert (key, factor) == (as_generated.canonical_key, as_generated.symmetry_factor)
        again = Diagram(d.graph, labelled_legs=True)
        assert (key, factor) == (again.canonical_key, again.symmetry_factor)
        assert str(d) == str(again) and d.valences == again.valences
        assert d == again and hash(d) == hash(again)
    fresh = [d for d in generate(2, {4: 4}) if "_pending" in d.__dict__]
    assert len(fresh) == len(deferred)
    assert {hash(d) for d in fresh} == {hash(d) for d in deferred}      # hashing materialises


@pytest.mark.parametrize("legs, kwargs", [
    (2, dict(loops=4)), (4, dict(loops=2)), (4, dict(loops=2, labelled_legs=False)),
    (0, dict(vertices={4: 3}, connected=False)), (2, dict(vertices={3: 2, 4: 1})),
    (6, dict(vertices={4: 2}, connected=False)),
])
def test_generation_leaves_no_reference_cycles(legs, kwargs):
    # the searches recurse through closures, which are unbound when done: a generated class
    # and the search's tables are freed by reference counting, not left to the cyclic
    # garbage collector (whose pass over them cost about 10 % of a small class)
    import gc

    enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        assert generate(legs, **kwargs)
        assert gc.collect() == 0                    # nothing unreachable was left behind
    finally:
        if enabled:
            gc.enable()


def test_new_vertex_options_are_every_pattern_once():
    # against a brute force over all multiplicity sequences: per kind a non-increasing
    # sequence (at most `left` vertices, multiplicities at most `half`), summing to r
    from itertools import product as cartesian

    from feynman.generate import _new_vertex_options

    def sequences(cap, slots):
        out = [()]
        for n in range(1, slots + 1):
            out += [s for s in cartesian(range(1, cap + 1), repeat=n)
                    if all(a >= b for a, b in zip(s, s[1:]))]
        return out

    checked = 0
    for half in ([4], [3, 4], [2, 0, 3], [1, 2, 5]):
        factorials = [factorial(m) for m in range(max(half) + 1)]
        for left in cartesian(range(3), repeat=len(half)):
            for r in range(7):
                expected = set()
                for choice in cartesian(*[sequences(h, c) if h else [()]
                                          for h, c in zip(half, left)]):
                    if sum(map(sum, choice)) == r:
                        expected.add(tuple((i, m, j > 0 and m == seq[j - 1])
                                           for i, seq in enumerate(choice)
                                           for j, m in enumerate(seq)))
                got = _new_vertex_options(r, half, list(left), factorials)
                assert len(got) == len({p for p, _, _ in got})           # each once
                assert {p for p, _, _ in got} == expected
                for pattern, weight, used in got:
                    assert weight == prod(factorial(m) for _, m, _ in pattern)
                    assert used == sum(half[i] for i, _, _ in pattern)
                checked += 1
    assert checked > 300
