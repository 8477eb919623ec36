"""Bad input to nnqft_sym.nlo_kernel and nnqft_sym.single_input_series: clear errors."""
import numpy as np
import pytest
import sympy as sp

import nnqft_sym as nq

NET = nq.ReLUNet(depth=2)


@pytest.mark.parametrize("order", [1.5, True, "2", None])
def test_order_of_the_wrong_type(order):
    with pytest.raises(TypeError, match="order must be an integer from 0 to 4"):
        nq.single_input_series(NET, 0.5, order=order)


@pytest.mark.parametrize("order", [-1, 5])
def test_order_out_of_range(order):
    with pytest.raises(ValueError, match="order must be from 0 to 4"):
        nq.single_input_series(NET, 0.5, order=order)


def test_more_than_one_input():
    with pytest.raises(ValueError, match="x must be one input point"):
        nq.single_input_series(NET, [0.5, 0.2])


@pytest.mark.parametrize("x, error", [("a", TypeError), (np.nan, ValueError)])
def test_input_not_a_finite_number(x, error):
    with pytest.raises(error, match="x must be"):
        nq.single_input_series(NET, x)


@pytest.mark.parametrize("net, match", [
    (nq.ReLUNet(depth=2, sigma_w=sp.Symbol("s")), "numeric hyper-parameters"),
    (NET.with_priors(hidden_weights={"mean": 1.0}), "centred priors before the read-out"),
    (nq.CosNet(), "Gaussian first-layer pre-activations"),
])
def test_unsupported_networks(net, match):
    with pytest.raises(ValueError, match=match):
        nq.single_input_series(net, 0.5)
    with pytest.raises(ValueError, match=match):
        nq.nlo_kernel(net, [0.5, 0.2])


def test_readout_means_refused_past_leading_order_only():
    net = NET.with_priors(readout_weights={"mean": 1.0})
    with pytest.raises(ValueError, match="single_input_series .* needs centred read-out priors"):
        nq.single_input_series(net, 0.5)
    # the leading 1/N recursion takes them (tests/test_deep_readout_means.py)
    assert np.all(np.isfinite(nq.nlo_kernel(net, [0.5, 0.2])))


def test_non_gaussian_hidden_weights_refused_past_their_orders_only():
    net = NET.with_priors(hidden_weights="laplace")
    with pytest.raises(ValueError, match="carried to order 1/N\\^2, got order = 3"):
        nq.single_input_series(net, 0.5, order=3)
    assert np.all(np.isfinite(nq.single_input_series(net, 0.5).moments))   # to 1/N^2
    with pytest.raises(ValueError, match="assumes Gaussian weights"):
        nq.next_order_four_point(nq.TanhNet(depth=2).with_priors(hidden_weights="laplace"),
                                 [0.5] * 4)
    # the leading 1/N recursion takes them (tests/test_deep_non_gaussian.py)
    assert np.all(np.isfinite(nq.nlo_kernel(net, [0.5, 0.2])))


def test_divergent_activation():
    with pytest.raises(nq.DivergentExpectationError, match="diverges"):
        nq.single_input_series(nq.Network(sp.exp(nq.Z ** 2 / 4), depth=2), 0.5)


@pytest.mark.parametrize("points, error", [([[[0.1]]], ValueError), ("x", TypeError)])
def test_nlo_kernel_points(points, error):
    with pytest.raises(error, match="points must"):
        nq.nlo_kernel(NET, points)


def test_six_point_needs_six_points():
    with pytest.raises(ValueError, match="needs 6 points, got 4"):
        nq.leading_connected_six_point(NET, [0.1, 0.2, 0.3, 0.4])


def test_six_point_at_most_four_distinct_inputs():
    with pytest.raises(ValueError, match="at most 4 distinct inputs"):
        nq.leading_connected_six_point(NET, [0.1, 0.2, 0.3, 0.4, 0.5, 0.5])


def test_six_point_kinked_non_homogeneous_activation():
    net = nq.Network(sp.Max(0, nq.Z - 1), depth=2)
    with pytest.raises(ValueError, match="not positively homogeneous"):
        nq.leading_connected_six_point(net, [0.5] * 6)


@pytest.mark.parametrize("net, points, match", [
    (nq.ReLUNet(depth=2), [0.5] * 4, "has kinks"),
    (nq.TanhNet(depth=2), [0.5] * 3, "needs 4 points, got 3"),
])
def test_next_order_four_point_refusals(net, points, match):
    with pytest.raises(ValueError, match=match):
        nq.next_order_four_point(net, points)
