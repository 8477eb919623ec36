"""Bayesian RG of trained infinitely wide networks (numeric.bayesian_rg.trained_flow) against
independent routes: the trained GP and the prior at the ends of the flow, the NTK / NNGP Gram
spectra, dense finite-difference Jacobians of sampled finite networks (F = J^T J / (n sigma^2)),
an explicit parameter-space projection, and the momentum shells of a cos-feature read-out."""
import numpy as np
import pytest
import sympy as sp

from nnqft_sym import ErfNet, ReLUNet, TanhNet, kernel_numeric, ntk_numeric, trained_gp
from numeric.bayesian_rg import (coarse_grain, fisher_modes, linearised_coarse_graining,
                                 momentum_cutoff, trained_brg_flow)
from numeric.bayesian_rg.features import _cos_spectrum
from numeric.training import NetworkEnsemble

X = np.array([-1.0, -0.4, 0.1, 0.7, 1.2])
Y = np.array([0.3, -0.5, 0.2, 0.6, -0.1])
XS = np.array([-1.5, -0.2, 0.4, 1.6])
NETS = [ReLUNet(), ErfNet(depth=2), TanhNet(depth=3, sigma_w=1.3, sigma_b=0.4)]


@pytest.mark.parametrize("net", NETS, ids=lambda n: f"{n.name}-L{n.depth}")
@pytest.mark.parametrize("fisher", ["full", "readout"])
def test_the_flow_runs_from_the_trained_gp_to_the_prior(net, fisher):
    kw = {"steps": 7, "learning_rate": 0.1} if fisher == "full" else {}
    flow = trained_brg_flow(net, X, Y, XS, noise_std=0.3, cutoffs=[1e-12, 1e12], fisher=fisher, **kw)
    gp = trained_gp(net, X, Y, XS, readout_only=fisher == "readout", **kw)
    assert flow.kept.tolist() == [5, 0]
    np.testing.assert_allclose(flow.mean[0], gp.mean, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(flow.covariance[0], gp.covariance, rtol=1e-9, atol=1e-12)
    prior = np.asarray(kernel_numeric(net, XS[:, None], XS[None, :]))
    assert np.all(flow.mean[1] == 0)
    np.testing.assert_allclose(flow.covariance[1], prior, rtol=1e-12)
    assert np.all(flow.kept_two_point[1] == 0)
    # the Fisher spectrum is that of the tangent-kernel (full) or NNGP (read-out) Gram matrix
    gram = (ntk_numeric(net, X[:, None], X[None, :]) if fisher == "full"
            else kernel_numeric(net, X[:, None], X[None, :]))
    np.testing.assert_allclose(flow.information,
                               np.linalg.eigvalsh(gram)[::-1] / (len(X) * 0.3 ** 2), rtol=1e-10)
    # all modes kept: the kept-mode two-point function is the Gram's kernel (Nystrom on X)
    on_train = trained_brg_flow(net, X, Y, X, noise_std=0.3, cutoffs=[1e-12, 1.0], fisher=fisher)
    np.testing.assert_allclose(on_train.kept_two_point[0], gram, rtol=1e-8, atol=1e-12)


def test_intermediate_cutoffs_remove_exactly_the_sloppy_ntk_modes():
    """Mean after coarse graining = Theta(x, X) U diag(1{lambda >= L} / theta) U^T Y (t = inf),
    the loss rises monotonically and the test loss at the ends is that of trained GP and prior."""
    net = ErfNet(depth=2)
    target = np.sin(2 * XS)
    flow = trained_brg_flow(net, X, Y, XS, target, noise_std=0.5)
    theta, vec = np.linalg.eigh(ntk_numeric(net, X[:, None], X[None, :]))
    cross = ntk_numeric(net, XS[:, None], X[None, :])
    for cut, mean, kept in zip(flow.cutoffs, flow.mean, flow.kept):
        keep = theta / (len(X) * 0.25) >= cut
        assert keep.sum() == kept
        np.testing.assert_allclose(mean, cross @ vec[:, keep] @ (vec[:, keep].T @ Y / theta[keep]),
                                   atol=1e-10)
    assert np.all(np.diff(flow.train_loss) >= -1e-12)
    assert flow.train_loss[0] < 1e-10 and flow.kept[0] == 5 and flow.kept[-1] == 0
    gp = trained_gp(net, X, Y, XS)
    assert np.isclose(flow.test_loss[0], np.mean((gp.mean - target) ** 2 + gp.std ** 2))
    prior = np.diagonal(np.asarray(kernel_numeric(net, XS[:, None], XS[None, :])))
    assert np.isclose(flow.test_loss[-1], np.mean(target ** 2 + prior))
    assert np.all(np.isnan(trained_brg_flow(net, X, Y, XS, cutoffs=[1, 2]).test_loss))


def _flat_jacobian(net, width, theta, pts, h=1e-6):
    """Central finite differences of a sampled network's outputs in its standard-normal parameters."""
    def f(par):
        return NetworkEnsemble._from_draws(net, width, par[None]).outputs(pts)[0]
    cols = []
    for i in range(theta.size):
        step = np.zeros_like(theta)
        step[i] = h
        cols.append((f(theta + step) - f(theta - step)) / (2 * h))
    return np.array(cols).T, f


@pytest.mark.parametrize("net", [TanhNet(depth=2), ReLUNet(depth=3, sigma_b=0.5)],
                         ids=["tanh-L2", "relu-L3"])
def test_full_fisher_of_a_sampled_network_is_its_empirical_ntk(net):
    """F = J^T J / (n sigma^2) from finite-difference Jacobians of all parameters: its non-zero
    spectrum equals that of the back-propagated empirical NTK Gram of the same network; the
    parameter directions are the Fisher eigenvectors of the dense P x P matrix."""
    width, sigma = 6, 0.2
    rng = np.random.default_rng(3)
    size = NetworkEnsemble._size(net, width)
    theta = rng.standard_normal(size)
    jac, _ = _flat_jacobian(net, width, theta, X)
    lam, v, u = fisher_modes(jac, sigma)
    ntk_hat = NetworkEnsemble._from_draws(net, width, theta[None]).tangent_kernel(X)[0]
    np.testing.assert_allclose(lam, np.linalg.eigvalsh(ntk_hat)[::-1] / (5 * sigma ** 2), rtol=1e-6)
    dense = jac.T @ jac / (5 * sigma ** 2)
    np.testing.assert_allclose(dense @ v, v * lam, rtol=1e-8, atol=1e-8 * lam[0])
    np.testing.assert_allclose(np.linalg.eigvalsh(dense)[::-1][:5], lam, rtol=1e-8)
    np.testing.assert_allclose(jac @ v, u * np.sqrt(5 * sigma ** 2 * lam), atol=1e-8)


def test_kernel_coarse_graining_equals_the_parameter_space_projection():
    """The linearised network trained by explicit gradient descent in parameter space, its
    displacement projected on the dense Fisher eigenvectors with eigenvalue >= Lambda, against
    linearised_coarse_graining, which only sees the empirical tangent kernel."""
    net, width, sigma = ErfNet(depth=2), 5, 0.3
    rng = np.random.default_rng(7)
    theta0 = rng.standard_normal(NetworkEnsemble._size(net, width))
    pts = np.concatenate([X, XS])
    jac, f = _flat_jacobian(net, width, theta0, pts)
    f0 = f(theta0)
    par = theta0.copy()
    for _ in range(40):                           # gradient descent on 1/2 |f_lin(X) - Y|^2
        par -= 0.05 * jac[:5].T @ (f0[:5] + jac[:5] @ (par - theta0) - Y)
    f1 = f0 + jac @ (par - theta0)
    fisher = jac[:5].T @ jac[:5] / (5 * sigma ** 2)
    lam, vec = np.linalg.eigh(fisher)
    cuts = np.geomspace(lam[-5] / 3, lam[-1] * 3, 6)
    out = linearised_coarse_graining((jac @ jac.T)[None], f0[None], f1[None], 5, sigma, cuts)
    for cut, got in zip(cuts, out):
        stiff = vec[:, lam >= cut]
        expected = f0[5:] + jac[5:] @ stiff @ (stiff.T @ (par - theta0))
        np.testing.assert_allclose(got[0, 5:], expected, atol=1e-8)
        np.testing.assert_allclose(got[0, :5], f0[:5] + jac[:5] @ stiff @ (stiff.T @ (par - theta0)),
                                   atol=1e-8)


def test_ensemble_mean_fisher_trace_is_the_ntk_trace():
    """One hidden layer: the mean of the empirical tangent kernel is the NTK at every width, so
    the ensemble-mean trace of the full Fisher metric equals Tr Theta(X, X)/(n sigma^2) within MC."""
    net, sigma = ErfNet(sigma_b=0.5), 0.5
    ens = NetworkEnsemble.sample(net, 4, 3000, rng=11)
    traces = np.trace(ens.tangent_kernel(X), axis1=1, axis2=2) / (5 * sigma ** 2)
    exact = np.trace(ntk_numeric(net, X[:, None], X[None, :])) / (5 * sigma ** 2)
    assert abs(traces.mean() - exact) < 4 * traces.std(ddof=1) / np.sqrt(traces.size)


def test_cos_readout_fisher_shells_are_momentum_shells():
    """Generalised cos features at the dual-lattice frequencies of a periodic grid: the read-out
    Fisher J^T J/(n sigma^2) on the data is diagonal in the weights with the large-box information
    V_R rho(w)/(2 sigma^2), so every information shell is the momentum shell |w| > k(Lambda) of
    the existing dictionary (BRG = ERG, arXiv:2405.17538)."""
    n, spacing, sigma, mass, radius = 32, 0.5, 0.1, 1.0, 6.5
    w = 2 * np.pi * np.arange(1, n // 2) / (n * spacing)
    _, volume, rho = _cos_spectrum(1, mass, radius)
    amp = np.sqrt(volume * rho(w ** 2))
    phase = np.random.default_rng(0).uniform(-np.pi, np.pi, w.size)
    grid = spacing * np.arange(n)
    feats = amp * np.cos(np.outer(grid, w) + phase)
    lam, v, _ = fisher_modes(feats, sigma)
    assert np.allclose(np.abs(v), np.eye(w.size)[:, np.argsort(-amp)], atol=1e-10)
    info = np.abs(v) @ lam                       # the Fisher eigenvalue of each weight
    np.testing.assert_allclose(info, volume * rho(w ** 2) / (2 * sigma ** 2), rtol=1e-10)
    cuts = np.geomspace(info.min() * 0.9, info.max() * 1.1, 40)
    _, sloppy = coarse_grain(np.ones(w.size), info, cuts, np.zeros(w.size))
    k = momentum_cutoff(cuts, 1, sigma, mass, radius)
    assert np.array_equal(sloppy, w[None, :] > k[:, None])


def test_bad_arguments_are_refused():
    net = ReLUNet()
    with pytest.raises(ValueError, match="fisher"):
        trained_brg_flow(net, X, Y, XS, fisher="hidden")
    with pytest.raises(ValueError, match="noise_std"):
        trained_brg_flow(net, X, Y, XS, noise_std=0)
    with pytest.raises(ValueError, match="cutoffs"):
        trained_brg_flow(net, X, Y, XS, cutoffs=[2.0, 1.0])
    with pytest.raises(ValueError, match="y_test"):
        trained_brg_flow(net, X, Y, XS, y_test=[1.0])
    with pytest.raises(TypeError, match="y_test"):
        trained_brg_flow(net, X, Y, XS, y_test="1, 2, 3, 4")
    with pytest.raises(ValueError, match="y_train"):
        trained_brg_flow(net, X, Y[:2], XS)
    with pytest.raises(ValueError, match="trained_brg_flow needs numeric"):
        trained_brg_flow(ReLUNet(sigma_w=sp.Symbol("s")), X, Y, XS)
    with pytest.raises(ValueError, match="jacobian"):
        fisher_modes(np.full((2, 3), np.nan), 1.0)
    with pytest.raises(ValueError, match="n_train"):
        linearised_coarse_graining(np.zeros((1, 3, 3)), np.zeros((1, 3)), np.zeros((1, 3)), 3,
                                   1.0, [1, 2])
