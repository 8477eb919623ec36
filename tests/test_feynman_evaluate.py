"""Numeric evaluation of diagrams: closed-form Gaussian integrals against SymPy ``integrate``,
SciPy quadrature and the core's N_K; the tree-level 4- and 6-point predictions."""
from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest
import sympy as sp
from scipy import integrate

from feynman import (diagram_integral, evaluate_diagram, gaussian_integral_expr, generate,
                     tree_level_four_point, tree_level_six_point)
from nnqft_sym import CosNet, GaussNet, ReLUNet
from nnqft_sym.couplings import contact_integral

RTOL_EXACT = 1e-12       # closed form vs exact SymPy value (double rounding only)
RTOL_QUAD = 1e-7         # closed form vs adaptive / Gauss-Legendre quadrature


def sympy_contact(points, sigma_w, d_in):
    """int_{R^d} dy prod_i K_W(y, x_i), integrated by SymPy coordinate by coordinate."""
    y = sp.Symbol("y", real=True)
    alpha = sp.Rational(sigma_w) ** 2 / (2 * d_in)
    total = sp.Integer(1)
    for c in range(d_in):
        integrand = sp.exp(-alpha * sum((y - sp.Rational(p[c])) ** 2 for p in points))
        total *= sp.integrate(integrand, (y, -sp.oo, sp.oo))
    return sp.Rational(sigma_w) ** (2 * len(points)) * total


@pytest.mark.parametrize("sigma_w,d_in", [(1, 1), (sp.Rational(3, 2), 1), (2, 2)])
def test_four_point_tree_is_sympy_gaussian_integral(sigma_w, d_in):
    pts = [["1/10", "-1/5"], ["0", "3/10"], ["-1/4", "0"], ["1/2", "1/10"]]
    pts = [p[:d_in] for p in pts]
    exact = sympy_contact(pts, sigma_w, d_in)
    net = GaussNet(sigma_w=sigma_w, d_in=d_in)
    got = tree_level_four_point(net, np.array([[float(sp.Rational(c)) for c in p] for p in pts]))
    assert got == pytest.approx(float(exact), rel=RTOL_EXACT)
    (contact,) = generate(4, {4: 1})
    amp, alpha = sp.Rational(sigma_w) ** 2, sp.Rational(sigma_w) ** 2 / (2 * d_in)
    closed = gaussian_integral_expr(contact, amp, alpha, d_in,
                                    [[sp.Rational(c) for c in p] for p in pts])
    assert sp.simplify((closed - exact).rewrite(sp.erf)) == 0


def test_four_point_tree_matches_core_contact_integral():
    """Delta G^(4) = -u4 N_K: the diagram's integral equals nnqft_sym's N_K."""
    rng = np.random.default_rng(1)
    for net in (GaussNet(sigma_w=1.3, d_in=2), CosNet(sigma_w=0.8, d_in=1)):
        pts = rng.normal(size=(7, 4, net.d_in))
        np.testing.assert_allclose(tree_level_four_point(net, pts),
                                   contact_integral(net, pts), rtol=RTOL_EXACT)
    relu = ReLUNet()
    pts = rng.normal(size=(3, 4))
    np.testing.assert_allclose(tree_level_four_point(relu, pts, cutoff=1.5, nodes=80),
                               contact_integral(relu, pts, cutoff=1.5), rtol=RTOL_QUAD)
    # the coupling inverts the prediction: u4 = -Delta G / N_K
    (contact,) = generate(4, {4: 1})
    u4 = -0.37
    value = evaluate_diagram(contact, GaussNet(), pts, {4: u4})
    np.testing.assert_allclose(-value / contact_integral(GaussNet(), pts), u4, rtol=1e-12)


def test_six_point_tree_against_explicit_splits():
    """Exchange = sum over the 10 splits 3+3 of the double integral (trapezoid rule, which
    converges exponentially for Gaussians on a wide grid)."""
    net = GaussNet(sigma_w=1.0)
    pts = np.array([0.3, -0.2, 0.1, 0.5, -0.4, 0.0])
    tree = tree_level_six_point(net, pts)
    y = np.linspace(-8, 8, 1601)
    h = y[1] - y[0]
    kw = np.exp(-0.5 * (y[:, None] - pts[None, :]) ** 2)           # K_W(y, x_i), (grid, 6)
    link = np.exp(-0.5 * (y[:, None] - y[None, :]) ** 2)            # K_W(y1, y2)
    splits = [s for s in combinations(range(6), 3) if 0 in s]
    assert len(splits) == 10
    total = 0.0
    for left in splits:
        right = [i for i in range(6) if i not in left]
        a, b = kw[:, list(left)].prod(axis=1), kw[:, right].prod(axis=1)
        total += a @ link @ b * h * h
    assert float(tree.exchange) == pytest.approx(total, rel=RTOL_QUAD)
    contact = integrate.quad(lambda t: np.prod(np.exp(-0.5 * (t - pts) ** 2)), -8, 8,
                             epsabs=1e-14)[0]
    assert float(tree.contact) == pytest.approx(contact, rel=RTOL_QUAD)
    assert float(tree.delta_green(2.0, 3.0)) == pytest.approx(4 * total - 3 * contact,
                                                              rel=RTOL_QUAD)


def test_six_point_batch_shape_and_quadrature():
    rng = np.random.default_rng(2)
    pts = rng.normal(size=(2, 3, 6)) * 0.4
    net = GaussNet(sigma_w=0.7)
    exact = tree_level_six_point(net, pts)
    assert exact.exchange.shape == exact.contact.shape == (2, 3)
    quad = tree_level_six_point(net, pts, cutoff=10.0, nodes=90)
    np.testing.assert_allclose(quad.exchange, exact.exchange, rtol=RTOL_QUAD)
    np.testing.assert_allclose(quad.contact, exact.contact, rtol=RTOL_QUAD)


def brute_force_integral(diagram, xs, amp, alpha):
    """Adaptive quadrature of the product of Gaussian lines over the vertices (d = 1)."""
    def f(*ys):
        pts = list(xs) + list(ys)
        value = 1.0
        for u, v, m in diagram.lines():
            value *= (amp * np.exp(-alpha * (pts[u] - pts[v]) ** 2)) ** m
        return value

    box = [[-7, 7]] * len(diagram.valences)
    return integrate.nquad(f, box, opts={"epsabs": 1e-12, "epsrel": 1e-9})[0]


@pytest.mark.parametrize("legs,content", [(2, {4: 1}), (2, {4: 2}), (4, {4: 2}),
                                          (2, {6: 1}), (2, {4: 1, 6: 1})])
def test_closed_form_loop_diagrams_against_quadrature(legs, content):
    """SymPy closed form = vectorised NumPy closed form = adaptive quadrature (d = 1)."""
    rng = np.random.default_rng(3)
    sigma_w = sp.Rational(6, 5)
    amp, alpha = sigma_w ** 2, sigma_w ** 2 / 2          # Gauss-net, d_in = 1
    xs = [sp.Rational(int(v), 10) for v in rng.integers(-5, 6, size=legs)]
    net = GaussNet(sigma_w=sigma_w, d_in=1)
    for d in generate(legs, content):
        exact = float(gaussian_integral_expr(d, amp, alpha, 1, xs))
        numpy_value = diagram_integral(d, net, np.array([float(x) for x in xs]))
        assert float(numpy_value) == pytest.approx(exact, rel=RTOL_EXACT)
        reference = brute_force_integral(d, [float(x) for x in xs], float(amp), float(alpha))
        assert exact == pytest.approx(reference, rel=RTOL_QUAD)


def test_position_expression_doit_gives_closed_form():
    """SymPy evaluates the contact diagram's integral itself; it equals the closed form."""
    (contact,) = generate(4, {4: 1})
    expr = contact.expression(lambda a, b: sp.exp(-(a - b) ** 2), {4: 1})
    xs = sp.symbols("x_1:5", real=True)
    vals = dict(zip(xs, [sp.Rational(1, 3), 0, sp.Rational(-1, 2), 1]))
    done = expr.subs(vals).doit()
    closed = -gaussian_integral_expr(contact, 1, 1, 1, list(vals.values()))
    assert sp.simplify(done - closed) == 0


def test_vacuum_components_need_a_cutoff():
    (bubble,) = generate(0, {4: 1})
    with pytest.raises(ValueError, match="vacuum"):
        diagram_integral(bubble, GaussNet(), np.zeros((0, 1)))


@pytest.mark.parametrize("kwargs,error,match", [
    ({"cutoff": -1.0}, ValueError, "cutoff"),
    ({"cutoff": 1.0, "nodes": 1}, ValueError, "nodes"),
])
def test_bad_evaluation_input(kwargs, error, match):
    with pytest.raises(error, match=match):
        tree_level_four_point(GaussNet(), np.zeros(4), **kwargs)


def test_non_gaussian_kernel_requires_cutoff_and_shape_is_checked():
    with pytest.raises(ValueError, match="cutoff"):
        tree_level_four_point(ReLUNet(), np.zeros(4))
    with pytest.raises(ValueError, match="4 points"):
        tree_level_four_point(GaussNet(), np.zeros(5))
    with pytest.raises(ValueError, match="symbolic"):
        tree_level_four_point(GaussNet(sigma_w=sp.Symbol("s", positive=True)), np.zeros(4))


def test_correlator_value_reproduces_tree_level_predictions():
    """Summing the diagrams numerically gives u4^2 exchange - u6 contact at order 2 / 1, and
    the contact diagram with the core's u4 = -Delta G^(4)/N_K gives back Delta G^(4)."""
    from feynman import correlator_value

    net = GaussNet(sigma_w=1.2)
    rng = np.random.default_rng(5)
    pts6 = rng.normal(size=(4, 6)) * 0.3
    u4, u6 = -0.8, 1.7
    tree = tree_level_six_point(net, pts6)
    total = (correlator_value(net, pts6, {4: 2}, {4: u4})
             + correlator_value(net, pts6, {6: 1}, {6: u6}))
    np.testing.assert_allclose(total, tree.delta_green(u4, u6), rtol=1e-12)
    pts4 = np.array([0.1, -0.3, 0.2, 0.05])
    exact_delta = float(net.delta_green(pts4, 10))
    u4_core = float(net.quartic_coupling(pts4, 10))
    value = correlator_value(net, pts4, 1, {4: u4_core})
    assert float(value) == pytest.approx(exact_delta, rel=1e-10)


def test_symbolic_expression_with_the_architecture_kernel():
    """expression(propagator=K_W from net.kernel_expr).doit() = the NumPy tree-level value."""
    from feynman import weight_kernel_propagator

    net = GaussNet(sigma_w=sp.Rational(3, 2))
    (contact,) = generate(4, {4: 1})
    expr = contact.expression(weight_kernel_propagator(net), {4: 1})
    xs = sp.symbols("x_1:5", real=True)
    vals = [sp.Rational(1, 10), 0, sp.Rational(-1, 5), sp.Rational(3, 10)]
    done = float(expr.subs(dict(zip(xs, vals))).doit())
    assert -done == pytest.approx(float(tree_level_four_point(net, [float(v) for v in vals])),
                                  rel=RTOL_EXACT)


def test_six_point_quadrature_for_a_non_gaussian_kernel():
    """ReLU-net with cutoff: contact = the core's N_K over 6 points (independent quadrature),
    exchange converged in the number of nodes (algebraically: the arc-cosine kernel is not
    smooth on the diagonal y1 = y2); d_in = 2 Gauss-net quadrature = closed form."""
    rng = np.random.default_rng(6)
    relu = ReLUNet()
    pts = rng.normal(size=(3, 6)) * 0.5
    coarse = tree_level_six_point(relu, pts, cutoff=2.0, nodes=60)
    fine = tree_level_six_point(relu, pts, cutoff=2.0, nodes=120)
    np.testing.assert_allclose(fine.contact, contact_integral(relu, pts, cutoff=2.0),
                               rtol=RTOL_QUAD)
    np.testing.assert_allclose(coarse.exchange, fine.exchange, rtol=RTOL_QUAD)
    net = GaussNet(sigma_w=1.1, d_in=2)
    pts2 = rng.normal(size=(2, 6, 2)) * 0.4
    exact = tree_level_six_point(net, pts2)
    quad = tree_level_six_point(net, pts2, cutoff=7.0, nodes=40)
    np.testing.assert_allclose(quad.exchange, exact.exchange, rtol=RTOL_QUAD)
    np.testing.assert_allclose(quad.contact, exact.contact, rtol=RTOL_QUAD)


def test_quadrature_of_a_three_vertex_diagram_uses_the_full_grid():
    """V = 3 (no factorisation): two-loop 4-point diagrams vs the closed form, d_in = 1."""
    from feynman import quadrature_integral, propagator_function

    net = GaussNet(sigma_w=0.9)
    pts = np.random.default_rng(7).normal(size=(2, 4)) * 0.5
    for d in generate(4, {4: 3}, one_pi=True)[:2]:
        quad = quadrature_integral(d, propagator_function(net), pts[..., None], 7.0, 60)
        np.testing.assert_allclose(quad, diagram_integral(d, net, pts), rtol=1e-6)
