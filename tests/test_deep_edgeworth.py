"""The 1/N^2 single-input series with non-Gaussian weights after the first layer
(nnqft_sym.deep_edgeworth, reached through single_input_series).

Independent references:
- Gaussian weights: the Gaussian variance chain of nnqft_sym.deep_orders (another code path);
- ReLU with Rademacher / uniform / Laplace weights: the exact power-sum chain of
  exact_single_input_moments (polynomials in 1/N, no expansion);
- tanh at depth 1 with a non-Gaussian read-out: the exact one-layer moments (net.green with a
  symbolic width, nnqft_sym.neuron_sums);
- tanh at depth 2 with non-Gaussian hidden weights: E f^2 at finite N from the characteristic
  function of one second-layer neuron (tests/test_deep_non_gaussian.py), extrapolated in 1/N;
  this exercises the Edgeworth terms M_1'', M_1''', M_1'''' that vanish for ReLU.
"""
from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import nnqft_sym as nq
from nnqft_sym.deep import layer_kernels
from nnqft_sym.deep_edgeworth import edgeworth_moment_series
from tests.test_deep_non_gaussian import _tanh_depth2_two_point


@pytest.mark.parametrize("net", [nq.ReLUNet(sigma_w=np.sqrt(2), sigma_b=0.5, depth=2),
                                 nq.TanhNet(sigma_w=1.2, sigma_b=0.5, depth=3),
                                 nq.ErfNet(sigma_w=1.5, sigma_b=0.3, depth=2)],
                         ids=lambda n: n.name)
def test_gaussian_weights_reduce_to_the_gaussian_chain(net):
    x = 0.7
    first = float(layer_kernels(net, np.array([x]), np.array([x]))[0, 0])
    series = nq.single_input_series(net, x, 2)
    assert series.variance_moments is not None
    assert np.allclose(edgeworth_moment_series(net, first, 2), series.moments, rtol=1e-12,
                       atol=1e-12)


@pytest.mark.parametrize("hidden,readout", [("rademacher", "normal"), ("normal", "rademacher"),
                                            ("uniform", "laplace"), ("rademacher", "rademacher")])
def test_relu_against_the_exact_power_sum_chain(hidden, readout):
    sw, sb, x = sp.sqrt(2), sp.Rational(1, 2), sp.Rational(1, 2)
    exact = nq.exact_single_input_moments(nq.ReLUNet(sigma_w=sw, sigma_b=sb, depth=3).with_priors(
        hidden_weights=hidden, readout_weights=readout), x)
    reference = np.array([[float(c) for c in exact.series(m, 2)]
                          for m in (exact.two_point, exact.four_point, exact.six_point)])
    net = nq.ReLUNet(sigma_w=float(sw), sigma_b=0.5, depth=3).with_priors(
        hidden_weights=hidden, readout_weights=readout)
    series = nq.single_input_series(net, 0.5, 2)
    assert series.variance_moments is None
    assert np.allclose(series.moments, reference, rtol=1e-10, atol=1e-10)
    assert np.allclose(series.connected_six_point, [float(c) for c in exact.series(
        exact.connected_six_point, 2)], rtol=1e-10, atol=1e-9)


@pytest.mark.parametrize("readout", ["rademacher", "laplace", "uniform"])
def test_tanh_depth_one_read_out_law_against_the_exact_one_layer_moments(readout):
    n, t, x = sp.Symbol("N", positive=True), sp.Symbol("t"), 0.7
    net = nq.TanhNet(sigma_w=1.2, sigma_b=0.5).with_priors(readout_weights=readout)
    series = nq.single_input_series(net, x, 2)
    for order, row in ((4, series.four_point), (6, series.six_point)):
        exact = sp.Poly(sp.expand(net.green(np.full((order, 1), x), n).subs(n, 1 / t)), t)
        assert np.allclose(row, [float(exact.coeff_monomial(t ** k)) for k in range(3)],
                           rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("law", ["normal", "rademacher", "uniform"])
def test_tanh_depth2_hidden_law_second_order_kernel_against_the_characteristic_function(law):
    """K_2 of E f^2 = K + K_1/N + K_2/N^2: N^2 (E f^2 - K - K_1/N) at N = 50 .. 800, Richardson in
    1/N (the reference's quadrature limits it to ~3e-5 relative)."""
    sw, sb, x = 1.2, 0.5, 0.7
    net = nq.TanhNet(sigma_w=sw, sigma_b=sb, depth=2).with_priors(hidden_weights=law)
    k, k1, k2 = nq.single_input_series(net, x, 2).two_point
    widths = np.array([50, 100, 200, 400, 800])
    a = [w * w * (_tanh_depth2_two_point(sw ** 2, sb ** 2, sw ** 2, x, law, int(w)) - k - k1 / w)
         for w in widths]
    extrapolated = np.linalg.solve(np.vander(1.0 / widths, 5, increasing=True), a)[0]
    assert extrapolated == pytest.approx(k2, rel=2e-4)
    if law != "normal":      # the non-Gaussian terms are a visible part of K_2
        gauss = nq.single_input_series(nq.TanhNet(sigma_w=sw, sigma_b=sb, depth=2), x, 2)
        assert abs(k2 - gauss.two_point[2]) > 0.5 * abs(k2)


def test_orders_and_divergent_moments_are_refused_with_the_reason():
    net = nq.TanhNet(depth=2).with_priors(hidden_weights=nq.StandardStudentT(5))
    first = nq.single_input_series(net, 0.7, 1)           # E xi^4 exists: 1/N is fine
    assert first.two_point[1] == pytest.approx(float(nq.nlo_kernel(net, [0.7])[0, 0]), rel=1e-10)
    with pytest.raises(nq.DivergentExpectationError, match="xi\\^6.*reading layer 1"):
        nq.single_input_series(net, 0.7, 2)
    with pytest.raises(ValueError, match="order 1/N\\^2, got order = 3"):
        nq.single_input_series(nq.TanhNet(depth=2).with_priors(hidden_weights="uniform"), 0.7, 3)


# ---------------------------------------------------------------------- leading six-point, read-out laws
@pytest.mark.parametrize("readout", ["rademacher", "laplace", "uniform"])
@pytest.mark.parametrize("hidden", ["normal", "rademacher"])
def test_leading_six_point_with_weight_laws_equals_the_single_input_chain(readout, hidden):
    """At one input against the Edgeworth chain (itself checked against exact references);
    the hidden law does not enter at this order, the read-out law does."""
    net = nq.TanhNet(sigma_w=1.2, sigma_b=0.5, depth=3).with_priors(hidden_weights=hidden,
                                                                     readout_weights=readout)
    chain = nq.single_input_series(net, 0.7, 2).connected_six_point[2]
    assert nq.leading_connected_six_point(net, [0.7] * 6) == pytest.approx(chain, rel=1e-10)
    gauss = nq.leading_connected_six_point(nq.TanhNet(sigma_w=1.2, sigma_b=0.5, depth=3), [0.7] * 6)
    assert abs(chain - gauss) > 0.1 * abs(gauss)


@pytest.mark.parametrize("net", [nq.TanhNet(sigma_w=1.2, sigma_b=0.5).with_priors(readout_weights="laplace"),
                                 nq.ReLUNet(sigma_w=1.1, sigma_b=0.4).with_priors(readout_weights="rademacher")],
                         ids=lambda n: n.name)
def test_leading_six_point_with_a_read_out_law_at_distinct_points_is_exact_at_depth_one(net):
    """At depth 1 N^2 kappa_6 is exact at every width (nnqft_sym.neuron_sums, symbolic N)."""
    n = sp.Symbol("N", positive=True)
    pts = np.array([0.3, 0.3, -0.5, 0.9, 0.9, 0.1])[:, None]
    exact = sp.Poly(sp.expand(net.connected_green(pts, n) * n ** 2), n)
    assert all(abs(float(exact.coeff_monomial(n ** k))) < 1e-12 for k in (1, 2))
    assert nq.leading_connected_six_point(net, pts) == pytest.approx(
        float(exact.coeff_monomial(1)), rel=1e-10)


def test_leading_six_point_of_relu_with_a_rademacher_read_out_at_depth_two():
    """N^2 kappa_6 = 8505/16 exactly (exact_single_input_moments)."""
    net = nq.ReLUNet(sigma_w=np.sqrt(2), sigma_b=0.5, depth=2).with_priors(readout_weights="rademacher")
    assert nq.leading_connected_six_point(net, [0.5] * 6) == pytest.approx(8505 / 16, rel=1e-10)


# ---------------------------------------------------------------------- 1/N^2 four-point, read-out laws
@pytest.mark.parametrize("readout", ["rademacher", "laplace", "uniform"])
@pytest.mark.parametrize("depth", [2, 3])
def test_next_order_four_point_with_a_read_out_law_equals_the_single_input_chain(readout, depth):
    net = nq.TanhNet(sigma_w=1.2, sigma_b=0.5, depth=depth).with_priors(readout_weights=readout)
    c2 = nq.next_order_four_point(net, [0.7] * 4)
    chain = nq.single_input_series(net, 0.7, 2)
    assert c2.connected == pytest.approx(chain.connected_four_point[2], rel=1e-9)
    assert c2.delta_green == pytest.approx(chain.delta_four_point[2], rel=1e-9)


def test_next_order_four_point_read_out_term_at_distinct_points_is_linear_in_kappa4():
    """The read-out law enters as kappa_4 times one tensor: Laplace (3) against Rademacher (-2);
    symmetric in the points; hidden laws are still refused."""
    pts = [0.3, -0.5, 0.3, -0.5]
    base = nq.TanhNet(sigma_w=1.2, sigma_b=0.5, depth=2)
    value = {law: nq.next_order_four_point(base.with_priors(readout_weights=law), pts).connected
             for law in ("normal", "rademacher", "laplace")}
    unit = (value["rademacher"] - value["normal"]) / -2.0
    assert abs(unit) > 1e-3
    assert value["laplace"] - value["normal"] == pytest.approx(3.0 * unit, rel=1e-9)
    swapped = nq.next_order_four_point(base.with_priors(readout_weights="laplace"),
                                       [-0.5, 0.3, 0.3, -0.5]).connected
    assert swapped == pytest.approx(value["laplace"], rel=1e-10)
    with pytest.raises(ValueError, match="assumes Gaussian weights"):
        nq.next_order_four_point(base.with_priors(hidden_weights="laplace"), pts)


def test_a_skewed_weight_law_is_refused_not_expanded_without_its_third_cumulant():
    """The Edgeworth chain has no odd cumulants: a law with E xi^3 != 0 (which shifts the
    kernel at order N^(-1/2)) used to be expanded silently; it is refused as by the 1/N
    recursion (weight_fourth_cumulants)."""
    from nnqft_sym.laws import FiniteLaw
    skewed = FiniteLaw([-1 / sp.sqrt(2), sp.sqrt(2)], [sp.Rational(2, 3), sp.Rational(1, 3)])
    net = nq.TanhNet(depth=2).with_priors(hidden_weights=skewed)
    for order in (1, 2):
        with pytest.raises(ValueError, match="zero third moment"):
            nq.single_input_series(net, 0.5, order)
