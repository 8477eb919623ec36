"""Exact first-layer moments with non-Gaussian or shifted priors at d_in = 2, 3 (product rules).

Independent routes: the Gaussian engine (closed forms, Gauss-Hermite) when the laws are
Gaussian and centred, mpmath quadrature over the bias for every atom of a Rademacher weight
vector, the package's sampler, and exact moments of the laws for the Gauss rules.
"""
from __future__ import annotations

import itertools
import math

import mpmath
import numpy as np
import pytest

import numeric
from nnqft_sym import ErfNet, GaussNet, ReLUNet, TanhNet
from nnqft_sym.first_layer_moments import independent_first_layer_moment, law_gauss_rule
from nnqft_sym.laws import STANDARD_NORMAL, StandardLaplace, StandardUniform


@pytest.mark.parametrize("law", [STANDARD_NORMAL, StandardUniform(), StandardLaplace()])
def test_gauss_rules_reproduce_the_exact_moments(law):
    x, w = law_gauss_rule(law, 12)
    for k in range(0, 17, 2):
        assert float(np.sum(w * x ** k)) == pytest.approx(float(law.moment(k)), rel=1e-9)
    assert abs(np.sum(w * x ** 3)) < 1e-12


@pytest.mark.parametrize("net", [ErfNet(d_in=2, sigma_b=0.5), TanhNet(d_in=3, sigma_w=1.5, sigma_b=0.5),
                                 GaussNet(d_in=2, sigma_b=1)])
def test_gaussian_laws_through_the_product_rule_equal_the_gaussian_engine(net):
    pts = np.random.default_rng(1).normal(size=(2, 3, net.d_in)) * 0.7
    pts[1, 1] = pts[1, 0]                                           # a coincident point
    assert independent_first_layer_moment(net, pts) == pytest.approx(net.neuron_moment(pts),
                                                                     rel=1e-8)


def test_rademacher_relu_against_mpmath_over_the_bias():
    """d_in = 2: a sum over the four sign vectors of a one-dimensional mpmath integral over b."""
    sw, sb, mb = 1.3, 0.7, 0.2
    net = ReLUNet(sigma_w=sw, sigma_b=sb, d_in=2).with_priors(first_weights="rademacher",
                                                              first_biases={"mean": mb})
    pts = np.array([[0.3, -0.8], [1.0, 0.4], [-0.5, 0.9]])
    total = mpmath.mpf(0)
    for signs in itertools.product((-1, 1), repeat=2):
        c = [sw / math.sqrt(2) * float(np.dot(signs, p)) for p in pts]
        kinks = sorted(-ci for ci in c)

        def f(b, c=c):
            return mpmath.npdf(b, mb, sb) * mpmath.fprod(max(ci + b, 0) for ci in c)
        total += mpmath.quad(f, [-mpmath.inf] + kinks + [mpmath.inf]) / 4
    assert independent_first_layer_moment(net, pts) == pytest.approx(float(total), rel=1e-11)


@pytest.mark.parametrize("net", [
    TanhNet(d_in=2, sigma_w=1.4, sigma_b=0.6).with_priors(first_weights="uniform",
                                                          first_biases="laplace"),
    ReLUNet(d_in=3, sigma_b=0.5).with_priors(first_weights="rademacher",
                                             first_biases={"law": "uniform", "mean": 0.3}),
], ids=["tanh-uniform-laplace-d2", "relu-rademacher-d3"])
def test_exact_correlators_against_the_sampler(net):
    width, n_nets = 3, 200000
    pts = [[0.3, 0.8, -0.2][: net.d_in], [-0.6, 0.4, 0.5][: net.d_in]]
    f = numeric.sample_outputs(net, width, pts, n_nets, rng=5)
    for combo in ([0, 1], [0, 0, 1, 1]):
        values = np.prod(f[:, combo], axis=1)
        exact = float(net.green([pts[i] for i in combo], width))
        assert abs(values.mean() - exact) < 4.5 * values.std() / math.sqrt(n_nets), combo


def test_refusals():
    with pytest.raises(ValueError, match="kinks.*continuous"):
        ReLUNet(d_in=2).with_priors(first_weights="uniform").green([[0.3, 0.1], [0.3, 0.1]], 4)
    with pytest.raises(ValueError, match="d_in <= 3"):
        TanhNet(d_in=4).with_priors(first_weights="uniform").green([[0.3] * 4, [0.1] * 4], 4)


def test_the_capability_query_agrees_with_the_integral():
    """``has_exact_finite_width`` said True for ReLU with a continuous weight law at d_in = 2,
    whose exact moments are then refused: the query now asks the same check."""
    kinked = ReLUNet(d_in=2).with_priors(first_weights="laplace")
    assert not kinked.has_exact_finite_width
    with pytest.raises(ValueError, match="kinks.*continuous"):
        kinked.require_exact_finite_width("green", "")
    assert ReLUNet(d_in=2).with_priors(first_weights="rademacher").has_exact_finite_width
    assert TanhNet(d_in=2).with_priors(first_weights="laplace").has_exact_finite_width
    assert not TanhNet(d_in=4).with_priors(first_weights="uniform").has_exact_finite_width
