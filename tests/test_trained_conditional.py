"""The conditional estimator of the connected four-point function of read-out-trained ensembles
(TrainedEnsemble.connected_four_point(estimator="conditional")): the exact per-network linear
map of read-out gradient descent, the exact initial cumulant at finite width
(nnqft_sym connected_green), the plain k-statistic on the same networks, and the plug-in of
the exact conditional moments E[f^k | h]."""
from __future__ import annotations

import numpy as np
import pytest

from nnqft_sym import ErfNet, ReLUNet, max_learning_rate
from numeric.training import NetworkEnsemble, train_ensemble, trained_kappa4_coefficient
from tests.tolerances import assert_mc_agrees

X_TRAIN = np.array([-1.0, -0.3, 0.4, 1.0])
Y_TRAIN = np.array([0.6, -0.2, 0.3, -0.5])
X_TEST = np.array([-0.6, 0.0, 0.7, 1.5])
QUADS = [[0, 1, 2, 3], [0, 0, 1, 1], [3, 3, 3, 2], [1, 1, 1, 1]]


@pytest.mark.parametrize("net, parameterisation, x_train", [
    (ErfNet(), "ntk", X_TRAIN),
    (ReLUNet(depth=2, sigma_b=0.5), "ntk", X_TRAIN),
    (ErfNet(sigma_b=0.7), "standard", X_TRAIN),
    (ReLUNet(), "ntk", np.array([-1.0, 0.4, 0.4, 1.0])),     # a zero mode of T (repeated input)
], ids=["erf", "relu-L2", "erf-standard", "relu-zero-mode"])
def test_readout_map_reproduces_the_trained_outputs_exactly(net, parameterisation, x_train):
    """c + B . theta_0 with the networks' own read-out draws equals train_ensemble's outputs."""
    width, steps, n_nets = 3, 25, 40
    ens = NetworkEnsemble.sample(net, width, n_nets, rng=4, parameterisation=parameterisation)
    largest = np.linalg.eigvalsh(ens.tangent_kernel(x_train, readout_only=True,
                                                    parameterisation=parameterisation)).max()
    scale = width if parameterisation == "standard" else 1
    eta = min(0.5 * max_learning_rate(net, x_train, readout_only=True,  # every network converges
                                      parameterisation=parameterisation), scale / largest)
    step = eta / scale
    result = train_ensemble(net, width, x_train, Y_TRAIN, X_TEST, n_nets=n_nets, steps=steps,
                            learning_rate=eta, readout_only=True, rng=4,
                            parameterisation=parameterisation)
    offset, matrix, variances = ens.readout_training_map(x_train, Y_TRAIN, X_TEST, step, steps)
    theta = np.concatenate([ens.weights[-1][:, 0, :], ens.biases[-1]], axis=1)
    np.testing.assert_allclose(offset + np.einsum("npi,ni->np", matrix, theta), result.final,
                               rtol=0, atol=1e-10)
    np.testing.assert_allclose(result.conditional_mean, offset, rtol=0, atol=1e-13)
    np.testing.assert_allclose(result.conditional_covariance,
                               np.einsum("npi,i,nqi->npq", matrix, variances, matrix), atol=1e-13)
    # at steps = 0 the map is the identity on the output: c = 0, B Sigma B^T = K_hat
    zero = ens.readout_training_map(x_train, Y_TRAIN, X_TEST, step, 0)
    np.testing.assert_array_equal(zero[0], 0.0)
    np.testing.assert_allclose(np.einsum("npi,i,nqi->npq", zero[1], zero[2], zero[1]),
                               result.feature_kernel, rtol=1e-12, atol=1e-14)


def test_conditional_covariance_is_the_monte_carlo_spread_over_read_outs():
    """Independent of the linear algebra: one network's hidden layer kept, 20000 read-outs
    redrawn and trained by gradient_step; their mean and covariance against (m_hat, S_hat)."""
    net, width, steps = ErfNet(), 4, 15
    eta = 0.5 * max_learning_rate(net, X_TRAIN, readout_only=True)
    one = NetworkEnsemble.sample(net, width, 1, rng=9)
    many = NetworkEnsemble.sample(net, width, 20_000, rng=10)
    for layer in range(net.depth):
        many.weights[layer][:] = one.weights[layer]
        many.biases[layer][:] = one.biases[layer]
    mean, matrix, variances = one.readout_training_map(X_TRAIN, Y_TRAIN, X_TEST, eta, steps)
    cov = np.einsum("npi,i,nqi->npq", matrix, variances, matrix)[0]
    for _ in range(steps):
        many.gradient_step(X_TRAIN, Y_TRAIN, eta, readout_only=True)
    out = many.outputs(X_TEST)
    assert_mc_agrees(out.mean(axis=0), out.std(axis=0, ddof=1) / np.sqrt(len(out)), mean[0],
                     what="conditional mean")
    d = out - out.mean(axis=0)
    prod = d[:, :, None] * d[:, None, :]
    assert_mc_agrees(np.cov(out, rowvar=False), prod.std(axis=0, ddof=1) / np.sqrt(len(out)), cov,
                     what="conditional covariance")


@pytest.mark.parametrize("net, width, gain", [(ErfNet(), 4, 30), (ReLUNet(), 3, 2)],
                         ids=["erf", "relu"])
def test_conditional_kappa4_at_initialisation_is_the_exact_cumulant_and_far_tighter(net, width,
                                                                                   gain):
    """steps = 0: 3 k2(K_hat, K_hat) (coincident) and its distinct-point version against the
    exact finite-width kappa_4, with errors ``gain`` times smaller than the plain ones (measured
    about 100 for the bounded Erf features, 3 to 4.5 for ReLU, whose heavy-tailed K_hat dominates)."""
    result = train_ensemble(net, width, X_TRAIN, Y_TRAIN, X_TEST, n_nets=20_000, steps=0,
                            readout_only=True, rng=5)
    exact = [float(net.connected_green([X_TEST[i] for i in q], width)) for q in QUADS]
    cond = result.connected_four_point(trained=False, estimator="conditional", indices=QUADS)
    plain = result.connected_four_point(trained=False, indices=QUADS)
    assert_mc_agrees(cond.value, cond.error, exact, what=f"{net.name} conditional kappa_4")
    assert_mc_agrees(plain.value, plain.error, exact, what=f"{net.name} plain kappa_4")
    assert np.all(cond.error < plain.error / gain)
    # steps = 0: the trained ensemble is the initial one, both estimators
    np.testing.assert_allclose(result.connected_four_point(estimator="conditional").value,
                               result.connected_four_point(trained=False,
                                                           estimator="conditional").value,
                               rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("net, fraction", [(ErfNet(), 0.5), (ReLUNet(), 0.125)],
                         ids=["erf", "relu"])
def test_conditional_kappa4_after_training_agrees_with_the_plain_k_statistic(net, fraction):
    """The same trained networks (width 4, 30 steps): both unbiased estimators agree within
    errors (the errors combined in quadrature, an upper bound since they are correlated) and the
    conditional variance is smaller (the factor is printed: about 2 to 30 here).  ReLU at a
    smaller step: at half the infinite-width bound 2.7 % of the width-4 networks have a read-out
    kernel above 2 / eta and diverge (finite, 1e13 after 30 steps)."""
    eta = fraction * max_learning_rate(net, X_TRAIN, readout_only=True)
    result = train_ensemble(net, 4, X_TRAIN, Y_TRAIN, X_TEST, n_nets=20_000, steps=30,
                            learning_rate=eta, readout_only=True, rng=6)
    cond = result.connected_four_point(estimator="conditional", indices=QUADS)
    plain = result.connected_four_point(indices=QUADS)
    assert_mc_agrees(cond.value - plain.value, np.hypot(cond.error, plain.error), 0.0,
                     what="conditional - plain")
    factor = (plain.error / cond.error) ** 2
    print("variance reduction factor", np.round(factor, 1))
    assert np.all(factor > 1.5)
    # the default (coincident) path equals the indexed one at (i, i, i, i)
    coincident = result.connected_four_point(estimator="conditional")
    np.testing.assert_allclose(coincident.value[1], cond.value[3], rtol=1e-12)


def test_conditional_kappa4_equals_the_plug_in_of_the_exact_conditional_moments():
    """kappa_4 from the network averages of E[f^k | h] = m^4 + 6 m^2 s + 3 s^2, ... (raw
    moments, one bag of all networks) equals the total-cumulance k-statistic up to its
    O(1/n_nets) plug-in bias, far below the statistical error."""
    net = ErfNet()
    eta = 0.5 * max_learning_rate(net, X_TRAIN, readout_only=True)
    result = train_ensemble(net, 4, X_TRAIN, Y_TRAIN, X_TEST, n_nets=20_000, steps=30,
                            learning_rate=eta, readout_only=True, rng=7)
    m = result.conditional_mean
    s = np.einsum("nii->ni", result.conditional_covariance)
    mu1, mu2 = m.mean(0), (m ** 2 + s).mean(0)
    mu3, mu4 = (m ** 3 + 3 * m * s).mean(0), (m ** 4 + 6 * m ** 2 * s + 3 * s ** 2).mean(0)
    plug_in = mu4 - 4 * mu3 * mu1 - 3 * mu2 ** 2 + 12 * mu2 * mu1 ** 2 - 6 * mu1 ** 4
    cond = result.connected_four_point(estimator="conditional")
    one_bag = result.connected_four_point(estimator="conditional", n_bags=2)
    assert np.all(np.abs(plug_in - one_bag.value) < 0.05 * cond.error)
    assert_mc_agrees(plug_in, cond.error, cond.value, what="plug-in vs bags")


def test_conditional_estimator_bad_input():
    net = ErfNet()
    full = train_ensemble(net, 3, X_TRAIN, Y_TRAIN, X_TEST, n_nets=40, steps=2, rng=0)
    with pytest.raises(ValueError, match="readout_only=True"):
        full.connected_four_point(estimator="conditional")
    readout = train_ensemble(net, 3, X_TRAIN, Y_TRAIN, X_TEST, n_nets=40, steps=2,
                             readout_only=True, rng=0)
    with pytest.raises(ValueError, match="estimator"):
        readout.connected_four_point(estimator="exact")
    for bad in ([0, 1, 2], [[0, 1, 2, 4]], [[-1, 0, 0, 0]], [[0.5, 0, 0, 0]]):
        with pytest.raises(ValueError, match="indices"):
            readout.connected_four_point(estimator="conditional", indices=bad, n_bags=4)
    with pytest.raises(ValueError, match="n_bags"):
        readout.connected_four_point(estimator="conditional", n_bags=20)
    ens = NetworkEnsemble.sample(net, 3, 2, rng=0)
    with pytest.raises(ValueError, match="learning_rate"):
        ens.readout_training_map(X_TRAIN, Y_TRAIN, X_TEST, -0.1, 3)
    with pytest.raises(ValueError, match="targets"):
        ens.readout_training_map(X_TRAIN, Y_TRAIN[:2], X_TEST, 0.1, 3)
    with pytest.raises(ValueError, match="steps"):
        ens.readout_training_map(X_TRAIN, Y_TRAIN, X_TEST, 0.1, -1)


@pytest.fixture(scope="module")
def kappa4_coefficient():
    net = ErfNet()
    xs = np.linspace(-1.5, 1.5, 5)
    eta = 0.25 * max_learning_rate(net, X_TRAIN, readout_only=True)
    return net, xs, eta, trained_kappa4_coefficient(net, X_TRAIN, Y_TRAIN, xs, steps=30,
                                                    learning_rate=eta)


def _scaled_kappa4(net, width, xs, eta, seed, n_nets=10_000):
    result = train_ensemble(net, width, X_TRAIN, Y_TRAIN, xs, n_nets=n_nets, steps=30,
                            learning_rate=eta, readout_only=True, rng=seed)
    kappa = result.connected_four_point(estimator="conditional")
    return width * kappa.value, width * kappa.error


def test_trained_kappa4_coefficient_against_the_conditional_measurement(kappa4_coefficient):
    """The 1/N law 3 J C J / N (delta method on the trained-GP variance of each network's own
    kernel) against the conditional estimator at N = 32 (10000 networks, 30 steps) at the
    outer test points x = -1.5, 1.5, where the O(1/N^2) remainder is about 1 % (measured to
    N = 512); at steps = 0 the exact initial N kappa_4 (1e-12); bad input."""
    net, xs, eta, coefficient = kappa4_coefficient
    value, error = _scaled_kappa4(net, 32, xs, eta, 12)
    outer = [0, -1]
    assert_mc_agrees(value[outer], error[outer], coefficient[outer],
                     what="N kappa_4 after read-out training")
    initial = trained_kappa4_coefficient(net, X_TRAIN, Y_TRAIN, xs, steps=0, learning_rate=eta)
    exact = [32 * float(net.connected_green([v] * 4, 32)) for v in xs]
    np.testing.assert_allclose(initial, exact, rtol=1e-12)
    assert np.all(coefficient < 0.2 * initial)     # training removes most of the non-Gaussianity
    with pytest.raises(ValueError, match="depth"):
        trained_kappa4_coefficient(ErfNet(depth=2), X_TRAIN, Y_TRAIN, xs, steps=3,
                                   learning_rate=eta)
    with pytest.raises(ValueError, match="learning_rate"):
        trained_kappa4_coefficient(net, X_TRAIN, Y_TRAIN, xs, steps=3, learning_rate=10.0)


@pytest.mark.slow
def test_trained_kappa4_coefficient_extrapolated_at_every_test_point(kappa4_coefficient):
    """All five test points: N kappa_4 = c + d/N measured at N = 16 and 64 (10000 networks
    each) and extrapolated, (4 c_64 - c_16) / 3 = c + O(1/N^2); between the training inputs
    d (about 0.007) is large next to c (about 0.0004), so N = 32 alone is not enough there."""
    net, xs, eta, coefficient = kappa4_coefficient
    small, small_err = _scaled_kappa4(net, 16, xs, eta, 11)
    large, large_err = _scaled_kappa4(net, 64, xs, eta, 12)
    assert_mc_agrees((4 * large - small) / 3, np.hypot(4 * large_err, small_err) / 3, coefficient,
                     what="N kappa_4 after read-out training, extrapolated")
