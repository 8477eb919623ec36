"""The trained Gaussian process of Lee et al. (arXiv:1902.06720) against independent routes:
the prior at t = 0, the NNGP posterior for read-out-only training at t -> inf, the linear ODE
integrated by SciPy, and the gradient-descent recursion run step by step."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from nnqft_sym import (ErfNet, GaussNet, ReLUNet, max_learning_rate, nngp_posterior, ntk_numeric,
                       trained_gp)

X_TRAIN = np.array([-1.0, -0.3, 0.4, 1.0])
Y_TRAIN = np.array([0.6, -0.2, 0.3, -0.5])
X_TEST = np.array([-0.6, 0.0, 0.7, 1.5])
NETS = [ErfNet(), ReLUNet(depth=2), GaussNet(sigma_w=0.8)]
IDS = ["erf", "relu-L2", "gauss"]


def _gram(func, a, b):
    return np.asarray(func(a[:, None], b[None, :]))


def _propagator(net, eta, t=None, steps=None):
    """M with (f(X), f(x)) -> M (f_0(X), f_0(x)) + const, by SciPy's ODE solver or by the GD loop."""
    n, m = len(X_TRAIN), len(X_TEST)
    pts = np.concatenate([X_TRAIN, X_TEST])
    theta = _gram(lambda a, b: ntk_numeric(net, a, b), pts, X_TRAIN)           # (n + m, n)

    def flow(_, v):
        state = v.reshape(n + m, n + m + 1)                 # columns: M and the constant part
        drive = state[:n].copy()
        drive[:, -1] -= Y_TRAIN
        return (-eta * theta @ drive).ravel()
    start = np.hstack([np.eye(n + m), np.zeros((n + m, 1))])
    if steps is None:
        sol = solve_ivp(flow, (0, t), start.ravel(), rtol=1e-11, atol=1e-13, method="DOP853")
        out = sol.y[:, -1].reshape(n + m, n + m + 1)
    else:
        out = start
        for _ in range(steps):
            out = out + flow(0, out.ravel()).reshape(out.shape)
    return out[:, :-1], out[:, -1]


@pytest.mark.parametrize("net", NETS, ids=IDS)
def test_t_zero_is_the_prior(net):
    pred = trained_gp(net, X_TRAIN, Y_TRAIN, X_TEST, t=0.0)
    np.testing.assert_array_equal(pred.mean, 0.0)
    np.testing.assert_allclose(pred.covariance, _gram(net.kernel, X_TEST, X_TEST), rtol=1e-13)


@pytest.mark.parametrize("net", NETS, ids=IDS)
def test_readout_training_at_infinite_time_is_the_nngp_posterior(net):
    """Exact: Theta = K for the read-out, and K(x,X)K^-1 (I - e^{-eta K t}) -> the posterior."""
    trained = trained_gp(net, X_TRAIN, Y_TRAIN, X_TEST, readout_only=True)
    post = nngp_posterior(net, X_TRAIN, Y_TRAIN, X_TEST)
    np.testing.assert_allclose(trained.mean, post.mean, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(trained.covariance, post.covariance, rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize("net", NETS, ids=IDS)
def test_training_all_layers_interpolates_but_is_not_the_posterior(net):
    pred = trained_gp(net, X_TRAIN, Y_TRAIN, X_TRAIN)
    np.testing.assert_allclose(pred.mean, Y_TRAIN, atol=1e-9)
    np.testing.assert_allclose(pred.covariance, 0.0, atol=1e-9)
    test = trained_gp(net, X_TRAIN, Y_TRAIN, X_TEST)
    post = nngp_posterior(net, X_TRAIN, Y_TRAIN, X_TEST)
    assert np.max(np.abs(test.covariance - post.covariance)) > 1e-4


@pytest.mark.parametrize("net", NETS, ids=IDS)
def test_gradient_flow_matches_the_integrated_linear_ode(net):
    eta, t = 0.7, 1.3
    prop, const = _propagator(net, eta, t=t)
    pts = np.concatenate([X_TRAIN, X_TEST])
    kern = _gram(net.kernel, pts, pts)
    n = len(X_TRAIN)
    pred = trained_gp(net, X_TRAIN, Y_TRAIN, X_TEST, t=t, learning_rate=eta)
    np.testing.assert_allclose(pred.mean, const[n:], rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(pred.covariance, (prop @ kern @ prop.T)[n:, n:], rtol=1e-7, atol=1e-10)


@pytest.mark.parametrize("net", NETS, ids=IDS)
def test_gradient_descent_steps_match_the_recursion(net):
    eta, steps = 0.8 * max_learning_rate(net, X_TRAIN), 25
    prop, const = _propagator(net, eta, steps=steps)
    pts = np.concatenate([X_TRAIN, X_TEST])
    kern = _gram(net.kernel, pts, pts)
    n = len(X_TRAIN)
    pred = trained_gp(net, X_TRAIN, Y_TRAIN, X_TEST, steps=steps, learning_rate=eta)
    np.testing.assert_allclose(pred.mean, const[n:], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(pred.covariance, (prop @ kern @ prop.T)[n:, n:], rtol=1e-8, atol=1e-12)


def test_long_time_tends_to_infinite_time():
    net = ErfNet()
    late = trained_gp(net, X_TRAIN, Y_TRAIN, X_TEST, t=1e5)
    limit = trained_gp(net, X_TRAIN, Y_TRAIN, X_TEST, t=math.inf)
    np.testing.assert_allclose(late.mean, limit.mean, rtol=1e-8)
    np.testing.assert_allclose(late.covariance, limit.covariance, rtol=1e-6, atol=1e-12)


def test_repeated_training_inputs_fit_the_average_target():
    """A zero mode of Theta(X, X) never moves (pseudo-inverse): two targets at one input -> their mean."""
    pred = trained_gp(ReLUNet(), [0.5, 0.5, -0.5], [1.0, 3.0, 0.0], [0.5])
    assert pred.mean[0] == pytest.approx(2.0, rel=1e-10)
    assert np.all(np.isfinite(pred.covariance))


def test_posterior_with_noise_is_ridge_regression():
    net, noise = ErfNet(), 0.1
    post = nngp_posterior(net, X_TRAIN, Y_TRAIN, X_TEST, noise=noise)
    kxx = _gram(net.kernel, X_TRAIN, X_TRAIN) + noise * np.eye(len(X_TRAIN))
    kxs = _gram(net.kernel, X_TEST, X_TRAIN)
    chol = np.linalg.cholesky(kxx)
    alpha = np.linalg.solve(chol.T, np.linalg.solve(chol, Y_TRAIN))
    np.testing.assert_allclose(post.mean, kxs @ alpha, rtol=1e-10)
    assert np.all(post.std > 0)


def test_standard_parameterisation_trains_like_the_readout_kernel_at_one_layer():
    """One hidden layer, learning rate eta / N: Theta_std / N -> E[gg]; with bias-free
    read-out (sigma_b = 0) this is K / v_out, i.e. read-out training at learning rate eta / v_out."""
    net = ErfNet(sigma_w=1.5, sigma_b=0)
    std = trained_gp(net, X_TRAIN, Y_TRAIN, X_TEST, t=2.0, learning_rate=0.4,
                     parameterisation="standard")
    readout = trained_gp(net, X_TRAIN, Y_TRAIN, X_TEST, t=2.0, learning_rate=0.4 / 1.5 ** 2,
                         readout_only=True)
    np.testing.assert_allclose(std.mean, readout.mean, rtol=1e-10)
    np.testing.assert_allclose(std.covariance, readout.covariance, rtol=1e-9, atol=1e-13)
