"""Exact zero-dimensional check of the diagram generator and the symmetry factors.

In d = 0 every propagator is 1 and every vertex integral trivial, so each diagram is worth
prod_k (-g_k)^{n_k} / S (labelled legs).  The reference values are computed here, independently
of the package, from Z(J) = int dx exp(-x^2/2 - g4 x^4/4! - g6 x^6/6! + J x) / sqrt(2 pi)
expanded in the couplings with the Gaussian moments int x^(2m) = (2m - 1)!!:
Z and log Z (vacuum diagrams, all / connected), the normalised and connected 2- and 4-point
functions, and the 1PI self-energy and 4-point vertex obtained by a Legendre transform.
"""
from __future__ import annotations

import functools
from math import factorial

import pytest
import sympy as sp

from feynman import generate

x, t, g4, g6 = sp.symbols("x t g4 g6")
ORDER = 6          # total number of vertices kept in the expansion


def gaussian_expectation(poly: sp.Expr) -> sp.Expr:
    """E[poly(x)] for x ~ N(0, 1): x^(2m) -> (2m - 1)!!, odd powers -> 0."""
    out = sp.Integer(0)
    for (power,), coeff in sp.Poly(poly, x).terms():
        if power % 2 == 0:
            out += coeff * sp.factorial2(power - 1)
    return sp.expand(out)


@functools.lru_cache(maxsize=None)
def moment(n: int) -> sp.Expr:
    """Unnormalised <x^n e^{-V}> as a polynomial in t (vertex count), g4, g6, up to t^ORDER."""
    potential = t * (g4 * x ** 4 / 24 + g6 * x ** 6 / 720)
    weight = sum((-potential) ** m / factorial(m) for m in range(ORDER + 1))
    return gaussian_expectation(sp.expand(x ** n * weight))


# power series in t as coefficient lists [c_0, ..., c_ORDER] (polynomials in g4, g6)
def coeffs(expr: sp.Expr) -> list[sp.Expr]:
    poly = sp.expand(expr)
    return [poly.coeff(t, m) for m in range(ORDER + 1)]


def divide(a: list, z: list) -> list:
    """a / z for z_0 = 1."""
    out: list[sp.Expr] = []
    for m in range(ORDER + 1):
        out.append(sp.expand(a[m] - sum(z[k] * out[m - k] for k in range(1, m + 1))))
    return out


def multiply(a: list, b: list) -> list:
    return [sp.expand(sum(a[k] * b[m - k] for k in range(m + 1))) for m in range(ORDER + 1)]


def log(z: list) -> list:
    """log z for z_0 = 1, from (log z)' = z' / z: m l_m = m z_m - sum_k k l_k z_(m-k)."""
    out = [sp.Integer(0)]
    for m in range(1, ORDER + 1):
        out.append(sp.expand(z[m] - sum(k * out[k] * z[m - k] for k in range(1, m)) / m))
    return out


def series(c: list) -> sp.Expr:
    return sum((c[m] * t ** m for m in range(ORDER + 1)), sp.Integer(0))


@functools.lru_cache(maxsize=None)
def reference() -> dict[str, sp.Expr]:
    """Z, log Z, <x^2>, <x^4>, connected W2, W4 and the 1PI Sigma, Gamma4, all as t-series."""
    z = coeffs(moment(0))
    full2 = divide(coeffs(moment(2)), z)
    full4 = divide(coeffs(moment(4)), z)
    full6 = divide(coeffs(moment(6)), z)
    w2 = full2
    w4 = [f - 3 * s for f, s in zip(full4, multiply(full2, full2))]
    # kappa_6 = m6 - 15 m4 m2 + 30 m2^3 (odd moments vanish)
    w6 = [a - 15 * b + 30 * c for a, b, c in zip(full6, multiply(full4, full2),
                                                  multiply(full2, multiply(full2, full2)))]
    # Legendre transform Gamma(phi) = J phi - W(J) with W = W2 J^2/2 + W4 J^4/4! + ...
    a, b, phi, jj = sp.symbols("a b phi jj")
    big_w2, big_w4 = sp.symbols("W2 W4")
    w_of_j = big_w2 * jj ** 2 / 2 + big_w4 * jj ** 4 / 24
    j_of_phi = a * phi + b * phi ** 3
    condition = sp.expand(sp.diff(w_of_j, jj).subs(jj, j_of_phi) - phi)
    sol = sp.solve([condition.coeff(phi, 1), condition.coeff(phi, 3)], [a, b], dict=True)[0]
    gamma = sp.expand((j_of_phi * phi - w_of_j.subs(jj, j_of_phi)).subs(sol))
    gamma2 = 2 * gamma.coeff(phi, 2)       # = 1 / W2
    gamma4 = 24 * gamma.coeff(phi, 4)      # = -W4 / W2^4
    assert sp.simplify(gamma2 - 1 / big_w2) == 0
    assert sp.simplify(gamma4 + big_w4 / big_w2 ** 4) == 0
    one = [sp.Integer(1)] + [sp.Integer(0)] * ORDER
    inv_w2 = divide(one, w2)
    inv_w2_4 = multiply(multiply(inv_w2, inv_w2), multiply(inv_w2, inv_w2))
    return {
        "Z": series(z),
        "logZ": series(log(z)),
        "full2": series(full2),
        "full4": series(full4),
        "W2": series(w2),
        "W4": series(w4),
        "W6": series(w6),
        # Gamma^(2) = G0^-1 - Sigma with G0 = 1; 1PI diagrams give -Gamma^(4) (tree: -g4)
        "Sigma": series([o - i for o, i in zip(one, inv_w2)]),
        "Vertex4": series(multiply(w4, inv_w2_4)),
    }


def coefficient(series: sp.Expr, content: dict[int, int]) -> sp.Expr:
    """Coefficient of g4^a g6^b (a = content[4], b = content[6]) in a t-series."""
    a, b = content.get(4, 0), content.get(6, 0)
    term = sp.expand(series).coeff(t, a + b)
    return sp.Poly(term, g4, g6).coeff_monomial(g4 ** a * g6 ** b)


def diagram_sum(legs: int, content: dict[int, int], **flags) -> sp.Expr:
    """Sum of the zero-dimensional values of the generated diagrams (per unit couplings)."""
    diagrams = generate(legs, content, **flags)
    sign = (-1) ** sum(content.values())
    if flags.get("labelled_legs", True):
        return sum((sp.Rational(sign, d.symmetry_factor) for d in diagrams), sp.Integer(0))
    # unlabelled legs: each class stands for n!/S_unlabelled labelled contractions
    return sum((sp.Rational(sign * factorial(legs), d.symmetry_factor) for d in diagrams),
               sp.Integer(0))


PHI4 = [{4: v} for v in range(1, 7)]
PHI6 = [{6: v} for v in range(1, 4)]
MIXED = [{4: 1, 6: 1}, {4: 2, 6: 1}, {4: 1, 6: 2}, {4: 3, 6: 1}]


def _id(content: dict[int, int]) -> str:
    return "+".join(f"phi{k}^{c}" for k, c in content.items())


@pytest.mark.parametrize("content", PHI4 + PHI6 + MIXED, ids=_id)
def test_all_vacuum_diagrams_give_z(content):
    assert diagram_sum(0, content, connected=False) == coefficient(reference()["Z"], content)


@pytest.mark.parametrize("content", PHI4 + PHI6 + MIXED, ids=_id)
def test_connected_vacuum_diagrams_give_log_z(content):
    assert diagram_sum(0, content) == coefficient(reference()["logZ"], content)


TWO_POINT = [{4: v} for v in range(1, 6)] + [{6: 1}, {6: 2}, {4: 1, 6: 1}, {4: 2, 6: 1}]
FOUR_POINT = [{4: v} for v in range(1, 5)] + [{6: 1}, {6: 2}, {4: 1, 6: 1}]


@pytest.mark.parametrize("content", TWO_POINT, ids=_id)
@pytest.mark.parametrize("labelled", [True, False])
def test_connected_two_point(content, labelled):
    assert diagram_sum(2, content, labelled_legs=labelled) == coefficient(reference()["W2"],
                                                                           content)


@pytest.mark.parametrize("content", TWO_POINT, ids=_id)
def test_self_energy_is_sum_of_1pi_two_point_diagrams(content):
    assert diagram_sum(2, content, one_pi=True) == coefficient(reference()["Sigma"], content)


@pytest.mark.parametrize("content", FOUR_POINT, ids=_id)
@pytest.mark.parametrize("labelled", [True, False])
def test_connected_four_point(content, labelled):
    assert diagram_sum(4, content, labelled_legs=labelled) == coefficient(reference()["W4"],
                                                                           content)


@pytest.mark.parametrize("content", FOUR_POINT, ids=_id)
def test_1pi_four_point_vertex(content):
    assert diagram_sum(4, content, one_pi=True) == coefficient(reference()["Vertex4"], content)


SIX_POINT = [{4: 1}, {4: 2}, {6: 1}, {4: 1, 6: 1}, {4: 3}]


@pytest.mark.parametrize("content", SIX_POINT, ids=_id)
def test_connected_six_point(content):
    """Order g4^2: the 10 exchange trees (+u4^2), order g6: the contact term (-u6)."""
    assert diagram_sum(6, content) == coefficient(reference()["W6"], content)


def test_six_point_tree_level_values():
    assert coefficient(reference()["W6"], {4: 2}) == 10 == diagram_sum(6, {4: 2})
    assert coefficient(reference()["W6"], {6: 1}) == -1 == diagram_sum(6, {6: 1})


@pytest.mark.parametrize("legs,key", [(2, "full2"), (4, "full4")])
@pytest.mark.parametrize("content", [{4: 1}, {4: 2}, {4: 3}, {6: 1}, {4: 1, 6: 1}], ids=_id)
@pytest.mark.parametrize("labelled", [True, False])
def test_full_correlators_without_vacuum_bubbles(legs, key, content, labelled):
    got = diagram_sum(legs, content, connected=False, labelled_legs=labelled)
    assert got == coefficient(reference()[key], content)


def test_tree_level_zero_vertex_terms():
    """Order zero: one free line for <x^2>, three pairings for <x^4>."""
    assert diagram_sum(2, {}, connected=False) == 1 == coefficient(reference()["full2"], {})
    assert diagram_sum(4, {}, connected=False) == 3 == coefficient(reference()["full4"], {})
    assert generate(4, {}, connected=True) == []


@pytest.mark.slow
@pytest.mark.parametrize("content", [{4: 7}], ids=_id)
def test_connected_vacuum_seven_vertices(content):
    """Same code path as the default phi^4 cases, one order higher (about 4 s more)."""
    global ORDER
    saved = ORDER
    try:
        ORDER = 7
        moment.cache_clear()
        reference.cache_clear()
        assert diagram_sum(0, content) == coefficient(reference()["logZ"], content)
    finally:
        ORDER = saved
        moment.cache_clear()
        reference.cache_clear()
