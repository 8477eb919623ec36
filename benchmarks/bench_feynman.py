"""Benchmark: time to enumerate Feynman diagram classes (run by hand).

    python benchmarks/bench_feynman.py            # the standard classes
    python benchmarks/bench_feynman.py --naive    # also the enumerate-then-compare baseline

The generator (:mod:`feynman.generate`) builds multiplicity matrices node by node and
merges the few repeats by canonical key.  The baseline, for comparison, takes the same
candidate matrices and de-duplicates them the straightforward way: every candidate is
compared with networkx's isomorphism test against every class found so far.  Each class is
also checked against the zero-dimensional sum rule (sum of 1/S) for the vacuum classes.
"""
from __future__ import annotations

import argparse
import time
from fractions import Fraction
from math import factorial

import networkx as nx

from feynman import Diagram, generate
from feynman.generate import _adjacencies

CLASSES = [
    ("phi^4 vacuum, 6 vertices, all", 0, {4: 6}, {"connected": False}),
    ("phi^4 vacuum, 6 vertices, connected", 0, {4: 6}, {}),
    ("phi^4 vacuum, 7 vertices, connected", 0, {4: 7}, {}),
    ("phi^4 2-point, 5 vertices, connected", 2, {4: 5}, {}),
    ("phi^4 2-point, 5 vertices, 1PI", 2, {4: 5}, {"one_pi": True}),
    ("phi^4 4-point, 4 vertices, connected", 4, {4: 4}, {}),
    ("phi^4 4-point, 4 vertices, unlabelled legs", 4, {4: 4}, {"labelled_legs": False}),
    ("phi^6 vacuum, 4 vertices, all", 0, {6: 4}, {"connected": False}),
    ("phi^4 + phi^6 4-point, 2+1 vertices, connected", 4, {4: 2, 6: 1}, {}),
]


def vacuum_sum_rule(content: dict[int, int]) -> Fraction:
    """Sum of 1/S over all vacuum diagrams: (sum k n_k - 1)!! / prod (k!^n_k n_k!)."""
    half_edges = sum(k * c for k, c in content.items())
    num = 1
    for odd in range(half_edges - 1, 0, -2):
        num *= odd
    den = 1
    for k, c in content.items():
        den *= factorial(k) ** c * factorial(c)
    return Fraction(num, den)


def naive(legs: int, content: dict[int, int], connected: bool) -> tuple[int, float]:
    """Enumerate-then-compare: pairwise networkx isomorphism tests against all classes."""
    def match(a, b):
        return (a.get("leg"), a.get("valence")) == (b.get("leg"), b.get("valence"))

    start = time.perf_counter()
    classes: list[nx.MultiGraph] = []
    for valences, adj in _adjacencies(legs, content, connected):
        g = Diagram.from_adjacency(legs, valences, adj).graph
        if connected and not nx.is_connected(g):
            continue
        if not any(nx.is_isomorphic(g, h, node_match=match) for h in classes):
            classes.append(g)
    return len(classes), time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--naive", action="store_true",
                        help="also time the enumerate-then-compare baseline (minutes)")
    parser.add_argument("--repeat", type=int, default=3, help="timing repetitions (best of)")
    args = parser.parse_args()
    print(f"{'class':<48} {'diagrams':>8} {'seconds':>8}")
    for name, legs, content, flags in CLASSES:
        best = float("inf")
        for _ in range(max(1, args.repeat)):
            start = time.perf_counter()
            diagrams = generate(legs, content, **flags)
            best = min(best, time.perf_counter() - start)
        check = ""
        if legs == 0 and flags.get("connected") is False:
            total = sum(Fraction(1, d.symmetry_factor) for d in diagrams)
            check = "  sum 1/S exact" if total == vacuum_sum_rule(content) else "  SUM RULE FAILS"
        print(f"{name:<48} {len(diagrams):>8} {best:>8.2f}{check}")
    if args.naive:
        print("\nenumerate-then-compare baseline (same candidates, pairwise nx.is_isomorphic):")
        for name, legs, content, flags in CLASSES[:2]:
            count, seconds = naive(legs, content, flags.get("connected", True))
            print(f"{name:<48} {count:>8} {seconds:>8.2f}")


if __name__ == "__main__":
    main()
