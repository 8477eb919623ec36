"""Finite-width ensembles trained by gradient descent (numeric.training) against the exact
linear model of read-out-only training at every width and the infinite-width trained GP
(Lee et al. arXiv:1902.06720) as the width grows."""
from __future__ import annotations

import numpy as np
import pytest

from nnqft_sym import ErfNet, ReLUNet, max_learning_rate, trained_gp
from numeric import training
from numeric.training import NetworkEnsemble, train_ensemble
from tests.tolerances import assert_mc_agrees, mc_mean

X_TRAIN = np.array([-1.0, -0.3, 0.4, 1.0])
Y_TRAIN = np.array([0.6, -0.2, 0.3, -0.5])
X_TEST = np.array([-0.6, 0.0, 0.7])


@pytest.mark.parametrize(("net", "fraction"), [(ErfNet(), 0.5), (ReLUNet(depth=2), 0.25)],
                         ids=["erf", "relu-L2"])
def test_readout_training_is_the_exact_linear_model_at_every_width(net, fraction):
    """Read-out only: f is linear in the trained parameters, so after k steps
    f_k(x) = f_0(x) + T(x,X) T^-1 (1 - (1 - eta T)^k) (Y - f_0(X)) exactly, with the network's
    own read-out tangent kernel T (the features are fixed) -- per network, at width 3.  (At
    half the bound 5 of these 50 depth-2 ReLU nets diverge, which train_ensemble refuses.)"""
    width, steps, n_nets = 3, 40, 50
    eta = fraction * max_learning_rate(net, X_TRAIN, readout_only=True)
    result = train_ensemble(net, width, X_TRAIN, Y_TRAIN, X_TEST, n_nets=n_nets, steps=steps,
                            learning_rate=eta, readout_only=True, rng=4)
    ens = NetworkEnsemble.sample(net, width, n_nets, rng=4)            # the same networks
    pts = np.concatenate([X_TRAIN, X_TEST])
    kern = ens.tangent_kernel(pts, readout_only=True)
    f0 = ens.outputs(pts)
    n = len(X_TRAIN)
    for k in range(n_nets):
        lam, vec = np.linalg.eigh(kern[k, :n, :n])
        factor = (1 - (1 - eta * lam) ** steps) / lam
        gain = kern[k, n:, :n] @ vec @ np.diag(factor) @ vec.T
        expected = f0[k, n:] + gain @ (Y_TRAIN - f0[k, :n])
        np.testing.assert_allclose(result.final[k], expected, rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(result.initial, f0[:, n:], rtol=1e-13)


def test_readout_training_ensemble_matches_trained_gp_at_large_width():
    net = ErfNet()
    eta = 0.5 * max_learning_rate(net, X_TRAIN, readout_only=True)
    result = train_ensemble(net, 128, X_TRAIN, Y_TRAIN, X_TEST, n_nets=3000, steps=30,
                            learning_rate=eta, readout_only=True, rng=12)
    pred = trained_gp(net, X_TRAIN, Y_TRAIN, X_TEST, steps=30, learning_rate=eta, readout_only=True)
    assert_mc_agrees(result.mean, result.mean_error, pred.mean, what="read-out trained mean")
    assert_mc_agrees(result.covariance, result.covariance_error, pred.covariance,
                     what="read-out trained covariance")


def _deviation(net, width, eta, steps, n_nets, seed):
    """Mean of f_k(x) minus each network's infinite-width linearised prediction
    f_0(x) + A (Y - f_0(X)) (a control variate with mean E f_k - A Y), and its standard error."""
    pred = trained_gp(net, X_TRAIN, Y_TRAIN, X_TEST, steps=steps, learning_rate=eta)
    result = train_ensemble(net, width, X_TRAIN, Y_TRAIN, X_TEST, n_nets=n_nets, steps=steps,
                            learning_rate=eta, rng=seed)
    linear = result.initial + (Y_TRAIN - result.initial_train) @ pred.gain.T
    return (*mc_mean(result.final - linear), result, pred)


def test_trained_ensemble_approaches_the_infinite_width_prediction_like_one_over_width():
    """Erf-net, all layers trained: E f_k - A Y = c / N + ..., measured (1000 networks each,
    eta = 1 / lambda_max, 30 steps): N * deviation at N = 8 and N = 128 agree within errors,
    |deviation| falls by more than 6 from N = 8 to 128 (1/N: 16; 1/sqrt(N): 4), and at N = 128
    the plain ensemble mean and covariance agree with trained_gp within 4 standard errors."""
    net = ErfNet()
    eta = 0.5 * max_learning_rate(net, X_TRAIN)
    small, small_err, _, _ = _deviation(net, 8, eta, 30, 1000, 21)
    large, large_err, result, pred = _deviation(net, 128, eta, 30, 1000, 22)
    assert np.linalg.norm(small) > 6 * np.linalg.norm(large)
    scaled_gap = np.abs(8 * small - 128 * large)
    assert np.all(scaled_gap < 4 * np.hypot(8 * small_err, 128 * large_err))
    assert_mc_agrees(result.mean, result.mean_error, pred.mean, what="trained mean, N = 128")
    assert_mc_agrees(result.covariance, result.covariance_error, pred.covariance,
                     what="trained covariance, N = 128")


def test_training_is_reproducible_and_independent_of_chunking(monkeypatch):
    net = ReLUNet()
    kwargs = dict(n_nets=6, steps=5, learning_rate=0.1)
    first = train_ensemble(net, 4, X_TRAIN, Y_TRAIN, X_TEST, rng=3, **kwargs)
    again = train_ensemble(net, 4, X_TRAIN, Y_TRAIN, X_TEST, rng=3, **kwargs)
    np.testing.assert_array_equal(first.final, again.final)
    monkeypatch.setattr(training, "_CHUNK_FLOATS", 1)               # one network per chunk
    chunked = train_ensemble(net, 4, X_TRAIN, Y_TRAIN, X_TEST, rng=3, **kwargs)
    np.testing.assert_array_equal(first.final, chunked.final)
    fewer = train_ensemble(net, 4, X_TRAIN, Y_TRAIN, X_TEST, rng=3, **{**kwargs, "n_nets": 2})
    np.testing.assert_array_equal(first.final[:2], fewer.final)


def test_default_learning_rate_is_a_quarter_of_the_bound_and_lowers_the_loss():
    net = ErfNet()
    result = train_ensemble(net, 64, X_TRAIN, Y_TRAIN, n_nets=20, steps=300, rng=0)
    assert result.learning_rate == pytest.approx(max_learning_rate(net, X_TRAIN) / 4)
    initial_loss = 0.5 * np.sum((result.initial - Y_TRAIN) ** 2, axis=-1)   # x_test = x_train
    assert np.all(result.final_loss < 0.5 * initial_loss)
    assert result.points.shape == (4, 1)


@pytest.mark.parametrize("net, width", [(ReLUNet(), 3), (ErfNet(), 2)], ids=["relu", "erf"])
def test_connected_four_point_at_initialisation_is_the_exact_finite_width_cumulant(net, width):
    """steps = 0: the k-statistic estimator against nnqft_sym's exact kappa_4 at width N."""
    result = train_ensemble(net, width, X_TRAIN, Y_TRAIN, X_TEST, n_nets=40_000, steps=0, rng=5)
    kappa = result.connected_four_point(trained=False)
    exact = [float(net.connected_green([x] * 4, width)) for x in X_TEST]
    assert_mc_agrees(kappa.value, kappa.error, exact, what=f"{net.name} kappa_4")
    np.testing.assert_array_equal(result.connected_four_point().value, kappa.value)


def test_gradient_descent_matches_a_hand_written_one_layer_relu_loop():
    """Independent of NetworkEnsemble's back-propagation: the gradients of
    f = sqrt(v/N) w1 . relu(s0 u x + sb b0) + sb b1 written out by hand, 15 steps."""
    net, width, n_nets, eta = ReLUNet(sigma_w=1.2, sigma_b=0.7), 5, 3, 0.05
    ens = NetworkEnsemble.sample(net, width, n_nets, rng=8)
    u, b0 = ens.weights[0][:, :, 0].copy(), ens.biases[0].copy()
    w1, b1 = ens.weights[1][:, 0, :].copy(), ens.biases[1][:, 0].copy()
    s0, sb, a = 1.2, 0.7, 1.2 / np.sqrt(width)
    for _ in range(15):
        ens.gradient_step(X_TRAIN, Y_TRAIN, eta)
        z = s0 * u[:, :, None] * X_TRAIN + sb * b0[:, :, None]                  # (n, N, P)
        f = a * np.einsum("ni,nip->np", w1, np.maximum(z, 0)) + sb * b1[:, None]
        r = f - Y_TRAIN
        step = (z > 0) * (a * w1[:, :, None])
        u, b0, w1, b1 = (u - eta * np.einsum("np,nip->ni", r, step * s0 * X_TRAIN),
                         b0 - eta * np.einsum("np,nip->ni", r, step * sb),
                         w1 - eta * a * np.einsum("np,nip->ni", r, np.maximum(z, 0)),
                         b1 - eta * sb * r.sum(axis=1))
    np.testing.assert_allclose(ens.weights[0][:, :, 0], u, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(ens.biases[0], b0, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(ens.weights[1][:, 0, :], w1, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(ens.biases[1][:, 0], b1, rtol=1e-12, atol=1e-14)


def test_recorded_tangent_kernels_leave_the_draws_unchanged():
    """tangent_kernel=True records each network's initial tangent kernel on (x_train, x_test)
    (that of NetworkEnsemble.sample with the same seed) and the trained outputs on x_train,
    without changing any number of the run."""
    net, x, y, xs = ErfNet(depth=2), [-0.5, 0.5], [0.3, -0.2], [0.0, 1.0, 2.0]
    plain = train_ensemble(net, 5, x, y, xs, n_nets=6, steps=4, rng=9)
    rec = train_ensemble(net, 5, x, y, xs, n_nets=6, steps=4, rng=9, tangent_kernel=True)
    np.testing.assert_array_equal(plain.final, rec.final)
    assert plain.tangent_kernel is None and rec.tangent_kernel.shape == (6, 5, 5)
    fresh = NetworkEnsemble.sample(net, 5, 6, rng=9)
    np.testing.assert_allclose(rec.tangent_kernel, fresh.tangent_kernel(x + xs), rtol=1e-12)
    np.testing.assert_allclose(0.5 * np.sum((rec.final_train - y) ** 2, axis=1), rec.final_loss,
                               rtol=1e-12)
    with pytest.raises(TypeError, match="tangent_kernel"):
        train_ensemble(net, 5, x, y, tangent_kernel="yes")


def test_standard_parameterisation_same_networks_and_kernels():
    """The standard parameterisation stores W = scale * w: the same outputs and tangent kernels."""
    net = ErfNet(depth=2, sigma_b=0.7)
    a = NetworkEnsemble.sample(net, 5, 4, rng=2)
    b = NetworkEnsemble.sample(net, 5, 4, rng=2, parameterisation="standard")
    pts = [-0.7, 0.2, 1.1]
    np.testing.assert_allclose(a.outputs(pts), b.outputs(pts), rtol=1e-12)
    for par in ("ntk", "standard"):
        np.testing.assert_allclose(a.tangent_kernel(pts, parameterisation=par),
                                   b.tangent_kernel(pts, parameterisation=par), rtol=1e-11)
    np.testing.assert_allclose(b.weights[1], a.weights[1] * np.sqrt(1.0 / 5), rtol=1e-15)


def test_standard_gradient_step_is_the_gradient_in_the_weights():
    """One step in the standard parameterisation moves every weight and bias by -eta dL/dW,
    the derivative taken by central finite differences of the loss in the stored W."""
    net, pts, targets, eta = ReLUNet(depth=2, sigma_b=0.5), [-0.6, 0.3, 0.9], [0.2, -0.1, 0.4], 0.01
    ens = NetworkEnsemble.sample(net, 4, 1, rng=5, parameterisation="standard")

    def loss(e):
        return 0.5 * np.sum((e.outputs(pts)[0] - targets) ** 2)

    before = [w.copy() for w in ens.weights] + [b.copy() for b in ens.biases]
    grads = []
    for arr in ens.weights + ens.biases:
        grad = np.zeros(arr.size)
        for i in range(arr.size):
            orig = arr.flat[i]
            arr.flat[i] = orig + 1e-6
            up = loss(ens)
            arr.flat[i] = orig - 1e-6
            grad[i] = (up - loss(ens)) / 2e-6
            arr.flat[i] = orig
        grads.append(grad.reshape(arr.shape))
    ens.gradient_step(pts, targets, eta)
    for old, new, grad in zip(before, ens.weights + ens.biases, grads):
        np.testing.assert_allclose(new - old, -eta * grad, atol=1e-8)


def test_standard_training_approaches_the_standard_trained_gp():
    """Erf, one hidden layer, N = 1024, steps of eta / N: the ensemble mean and variance
    against trained_gp(parameterisation="standard") (which differs from the NTK one here)."""
    net, x, y, xs = ErfNet(), [-1.0, -0.3, 0.4, 1.0], [0.6, -0.2, 0.3, -0.5], [-1.5, 0.0, 1.5]
    eta = 0.5 * max_learning_rate(net, x, parameterisation="standard")
    ens = train_ensemble(net, 1024, x, y, xs, n_nets=600, steps=20, learning_rate=eta, rng=4,
                         parameterisation="standard")
    pred = trained_gp(net, x, y, xs, steps=20, learning_rate=eta, parameterisation="standard")
    other = trained_gp(net, x, y, xs, t=20 * eta)                 # NTK parameterisation
    mean, err = mc_mean(ens.final)
    assert_mc_agrees(mean, err, pred.mean, what="standard-parameterisation trained mean")
    assert np.max(np.abs(mean - other.mean) / err) > 20           # not the NTK prediction
    var_err = np.diagonal(ens.covariance_error)
    assert_mc_agrees(np.diagonal(ens.covariance), var_err, np.diagonal(pred.covariance),
                     what="standard-parameterisation trained variance")
    with pytest.raises(ValueError, match="diverge"):
        train_ensemble(net, 8, x, y, learning_rate=4 * eta, parameterisation="standard")
    with pytest.raises(ValueError, match="parameterisation"):
        train_ensemble(net, 8, x, y, parameterisation="mean-field")
