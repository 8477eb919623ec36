"""Diagram counts and exact sums of 1/S against literature numbers and zero-dimensional QFT.

Independent references:

- Numbers of connected phi^4 vacuum diagrams with V vertices, i.e. connected 4-regular
  multigraphs with loops: 1, 2, 4, 10, 28, 97, 359, 1635, 8296 (OEIS A085549).
- Connected phi^4 two-point diagrams with V vertices and interchangeable legs (connected graphs
  with two vertices of degree 1 and V of degree 4): 1, 3, 8, 30, 118, 548 (OEIS A361135,
  Kleinert, Pelster, Kastening and Bachmann, Phys. Rev. E 62 (2000) 1537, Table II); with
  labelled legs (rooted at an oriented edge, OEIS A352174): 1, 3, 10, 39, 174.
- Connected phi^4 four-point diagrams with labelled legs: 1, 7, 42, 255, 1592, 10441
  (the counts of the Rust generator feyngraph, measured in ``benchmarks/bench_feynman.py``).
- The sums of prod(-g)/S are the Taylor coefficients of log Z, W2 = <x^2> and
  W4 = <x^4> - 3 <x^2>^2 of Z_n(g) = int dx x^n exp(-x^2/2 - g x^4/4!) / sqrt(2 pi), whose
  coefficients are exact rationals (-1)^V (4V + n - 1)!! / (V! 24^V): computed here with
  Fractions, independently of the package.

Every diagram is also rebuilt from its networkx graph: the lazily computed key, symmetry factor,
connectedness and 1PI flag of the generator equal the ones computed from the graph.
"""
from __future__ import annotations

from fractions import Fraction
from math import factorial

import pytest

from feynman import Diagram, generate

ORDER = 9


def double_factorial(n: int) -> int:
    out = 1
    for k in range(n, 0, -2):
        out *= k
    return out


def moment_series(n: int) -> list[Fraction]:
    """Coefficients of g^V in int x^n e^{-x^2/2 - g x^4/24} / sqrt(2 pi)."""
    return [Fraction((-1) ** v * double_factorial(4 * v + n - 1), factorial(v) * 24 ** v)
            for v in range(ORDER + 1)]


def divide(a: list[Fraction], z: list[Fraction]) -> list[Fraction]:
    out: list[Fraction] = []
    for m in range(ORDER + 1):
        out.append(a[m] - sum((z[k] * out[m - k] for k in range(1, m + 1)), Fraction(0)))
    return out


def multiply(a: list[Fraction], b: list[Fraction]) -> list[Fraction]:
    return [sum((a[k] * b[m - k] for k in range(m + 1)), Fraction(0)) for m in range(ORDER + 1)]


def log(z: list[Fraction]) -> list[Fraction]:
    out = [Fraction(0)]
    for m in range(1, ORDER + 1):
        out.append(z[m] - sum((k * out[k] * z[m - k] for k in range(1, m)), Fraction(0)) / m)
    return out


Z = moment_series(0)
W2 = divide(moment_series(2), Z)
W4 = [f - 3 * s for f, s in zip(divide(moment_series(4), Z), multiply(W2, W2))]
LOG_Z = log(Z)

VACUUM = {1: 1, 2: 2, 3: 4, 4: 10, 5: 28, 6: 97, 7: 359, 8: 1635, 9: 8296}
TWO_POINT_UNLABELLED = {1: 1, 2: 3, 3: 8, 4: 30, 5: 118, 6: 548}
TWO_POINT = {1: 1, 2: 3, 3: 10, 4: 39, 5: 174}
FOUR_POINT = {1: 1, 2: 7, 3: 42, 4: 255, 5: 1592, 6: 10441}


def inverse_sum(diagrams: list[Diagram]) -> Fraction:
    return sum((Fraction(1, d.symmetry_factor) for d in diagrams), Fraction(0))


def check_against_graph(diagrams: list[Diagram]) -> None:
    keys = set()
    for d in diagrams:
        again = Diagram(d.graph, d.labelled_legs)
        assert again.canonical_key == d.canonical_key
        assert again.symmetry_factor == d.symmetry_factor
        assert again.is_connected == d.is_connected and again.is_one_pi == d.is_one_pi
        keys.add(d.canonical_key)
    assert len(keys) == len(diagrams)          # pairwise non-isomorphic


@pytest.mark.parametrize("vertices", [v for v in VACUUM if v <= 8])
def test_connected_vacuum_counts_and_log_z(vertices):
    diagrams = generate(0, {4: vertices}, max_contractions=10 ** 7)
    assert len(diagrams) == VACUUM[vertices]
    assert (-1) ** vertices * inverse_sum(diagrams) == LOG_Z[vertices]
    if vertices <= 6:
        check_against_graph(diagrams)


@pytest.mark.slow
def test_connected_vacuum_nine_vertices():
    diagrams = generate(0, {4: 9}, max_contractions=10 ** 8)
    assert len(diagrams) == VACUUM[9] == 8296
    assert -inverse_sum(diagrams) == LOG_Z[9]


@pytest.mark.parametrize("vertices", list(TWO_POINT))
def test_connected_two_point_counts_and_w2(vertices):
    diagrams = generate(2, {4: vertices})
    assert len(diagrams) == TWO_POINT[vertices]
    assert (-1) ** vertices * inverse_sum(diagrams) == W2[vertices]
    check_against_graph(diagrams)


@pytest.mark.parametrize("vertices", list(TWO_POINT_UNLABELLED))
def test_connected_two_point_unlabelled_counts(vertices):
    diagrams = generate(2, {4: vertices}, labelled_legs=False, max_contractions=10 ** 6)
    assert len(diagrams) == TWO_POINT_UNLABELLED[vertices]
    # a class with interchangeable legs stands for 2!/S labelled contractions
    assert (-1) ** vertices * 2 * inverse_sum(diagrams) == W2[vertices]
    if vertices <= 4:
        check_against_graph(diagrams)


@pytest.mark.parametrize("vertices", list(FOUR_POINT))
def test_connected_four_point_counts_and_w4(vertices):
    diagrams = generate(4, {4: vertices}, max_contractions=10 ** 7)
    assert len(diagrams) == FOUR_POINT[vertices]
    assert (-1) ** vertices * inverse_sum(diagrams) == W4[vertices]
    if vertices <= 4:
        check_against_graph(diagrams)


def test_by_loops_is_by_vertices():
    """phi^4 four-point diagrams with L loops have L + 1 vertices."""
    by_loops = generate(4, loops=4, max_contractions=10 ** 7)
    assert [d.canonical_key for d in by_loops] == [
        d.canonical_key for d in generate(4, {4: 5}, max_contractions=10 ** 7)]
    assert {d.loops for d in by_loops} == {4}
