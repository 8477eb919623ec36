"""The infinite-width neural tangent kernel: closed forms vs quadrature, vs independent formulas
(Jacot et al. arXiv:1806.07572, Arora et al. arXiv:1904.11955), symbolic vs numeric, and vs the
Jacobian kernels of sampled networks (Monte Carlo within k standard errors)."""
from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from nnqft_sym import (CosNet, ErfNet, GaussNet, LeakyReLUNet, Network, ReLUNet, Z,
                       derivative_pair_expectation, gaussian_moment, ntk_expr, ntk_numeric)
from nnqft_sym.activations import PAIR_SYMBOLS
from nnqft_sym.ntk import _derivative_moment
from numeric.training import NetworkEnsemble
from tests.tolerances import EXACT_RTOL, QUAD_RTOL, assert_mc_agrees, mc_mean

SX, SY, C = PAIR_SYMBOLS
X, Y = sp.symbols("x y", real=True)


def _covariances():
    rng = np.random.default_rng(11)
    out = []
    for _ in range(5):
        a = rng.normal(size=(2, 2))
        out.append(a @ a.T + 0.1 * np.eye(2))
    return out


@pytest.mark.parametrize("activation", [sp.Max(0, Z), sp.Max(0, Z) + sp.Rational(1, 5) * sp.Min(0, Z),
                                        sp.Abs(Z), Z, sp.erf(Z), 3 * sp.erf(2 * Z), sp.exp(Z)])
def test_derivative_closed_form_matches_quadrature_of_phi_prime(activation):
    """Price's theorem on the closed-form pair moment = quadrature of phi' (phi' by SymPy)."""
    form = sp.lambdify((SX, SY, C), derivative_pair_expectation(activation), "numpy")
    phi_prime = sp.diff(activation, Z)
    for cov in _covariances():
        closed = form(cov[0, 0], cov[1, 1], cov[0, 1])
        quad = float(gaussian_moment(phi_prime, cov))
        assert closed == pytest.approx(quad, rel=QUAD_RTOL, abs=1e-12)


def test_relu_and_erf_derivative_kernels_are_the_literature_forms():
    """Order-0 arc-cosine (Cho & Saul 2009) and the Gaussian-derivative form of erf (Williams 1997)."""
    rng = np.random.default_rng(3)
    relu = sp.lambdify((SX, SY, C), derivative_pair_expectation(sp.Max(0, Z)), "numpy")
    erf_form = sp.lambdify((SX, SY, C), derivative_pair_expectation(sp.erf(Z)), "numpy")
    for _ in range(5):
        sx, sy = rng.uniform(0.2, 3.0, 2)
        c = rng.uniform(-1, 1) * np.sqrt(sx * sy)
        theta = np.arccos(c / np.sqrt(sx * sy))
        assert relu(sx, sy, c) == pytest.approx((np.pi - theta) / (2 * np.pi), rel=EXACT_RTOL)
        expected = 4 / (np.pi * np.sqrt((1 + 2 * sx) * (1 + 2 * sy) - 4 * c * c))
        assert erf_form(sx, sy, c) == pytest.approx(expected, rel=EXACT_RTOL)


def test_one_layer_relu_ntk_is_jacot_closed_form():
    """sigma_b = 0, unit inputs at angle t in d_in = 2 (sigma_W = 1):
    Theta = (sin t + 2 (pi - t) cos t) / (4 pi)  (K = (sin t + (pi - t) cos t)/(4 pi), Kdot c)."""
    net = ReLUNet(sigma_w=1, sigma_b=0, d_in=2)
    for t in (0.0, 0.4, 1.3, 2.5, np.pi):
        x, y = np.array([1.0, 0.0]), np.array([np.cos(t), np.sin(t)])
        expected = (np.sin(t) + 2 * (np.pi - t) * np.cos(t)) / (4 * np.pi)
        assert ntk_numeric(net, x, y) == pytest.approx(expected, rel=1e-9, abs=1e-15)


@pytest.mark.parametrize("depth", [1, 2, 4])
def test_deep_relu_ntk_is_arora_formula(depth):
    """Arora et al. arXiv:1904.11955 (ReLU, c_sigma = 2, no bias, unit inputs):
    Theta^(h) = Theta^(h-1) Sigma_dot^(h) + Sigma^(h), Sigma = kappa_1(rho), Sigma_dot = kappa_0(rho)."""
    net = ReLUNet(sigma_w=np.sqrt(2), sigma_b=0, d_in=2, depth=depth)
    for t in (0.3, 1.0, 2.2):
        x, y = np.array([1.0, 0.0]), np.array([np.cos(t), np.sin(t)])
        rho = np.cos(t)                            # Sigma^(0) = sigma_W^2 x.y / d_in
        sigma, theta = rho, rho
        for _ in range(depth):
            k1 = (np.sqrt(1 - sigma ** 2) + (np.pi - np.arccos(sigma)) * sigma) / np.pi
            k0 = (np.pi - np.arccos(sigma)) / np.pi
            theta, sigma = theta * k0 + k1, k1
        assert ntk_numeric(net, x, y) == pytest.approx(theta, rel=1e-9)


@pytest.mark.parametrize("net", [ReLUNet(), ReLUNet(sigma_b=0, depth=2), ErfNet(sigma_w=1.5),
                                 ErfNet(depth=2), GaussNet(sigma_w=0.7), LeakyReLUNet(slope=sp.Rational(3, 10), depth=2),
                                 CosNet(sigma_w=1.2, sigma_b=0.5), Network(Z, depth=2)],
                         ids=lambda n: f"{n.name}-L{n.depth}")
@pytest.mark.parametrize("parameterisation", ["ntk", "standard"])
def test_symbolic_and_numeric_ntk_agree(net, parameterisation):
    expr = ntk_expr(net, X, Y, parameterisation=parameterisation)
    for x, y in [(0.3, 0.8), (-0.6, 0.2), (0.5, 0.5)]:
        # exact rationals: SymPy then evaluates acos(c / sqrt(s_x s_y)) at exactly 1 on the diagonal
        # (and 40 digits through the nested arc-cosines of the deep recursion)
        value = float(sp.N(expr.subs({X: sp.Rational(str(x)), Y: sp.Rational(str(y))}), 40))
        assert ntk_numeric(net, x, y, parameterisation=parameterisation) == pytest.approx(value, rel=1e-9)


def test_gauss_net_ntk_closed_form():
    """Exponential activation: E[phi' phi'] = E[phi phi], so Theta = K + (K - sigma_b^2) c."""
    sw, sb = 0.8, 0.6
    net = GaussNet(sigma_w=sw, sigma_b=sb)
    for x, y in [(0.1, 0.7), (-1.0, 0.4)]:
        kern = sb ** 2 + sw ** 2 * np.exp(-sw ** 2 * (x - y) ** 2 / 2)
        c = sb ** 2 + sw ** 2 * x * y
        assert ntk_numeric(net, x, y) == pytest.approx(kern + (kern - sb ** 2) * c, rel=EXACT_RTOL)


def test_cos_net_ntk_closed_form_and_not_translation_invariant():
    """cos-net: Theta = sigma_b^2 + sigma_W^2 e^{-sigma_W^2 |x-y|^2 / (2 d)} (2 + sigma_W^2 x.y / d)."""
    sw, sb = 1.3, 0.4
    net = CosNet(sigma_w=sw, sigma_b=sb)
    expected = lambda x, y: sb ** 2 + sw ** 2 * np.exp(-sw ** 2 * (x - y) ** 2 / 2) * (2 + sw ** 2 * x * y)
    for x, y in [(0.1, 0.7), (-1.0, 0.4), (0.0, 0.0)]:
        assert ntk_numeric(net, x, y) == pytest.approx(expected(x, y), rel=EXACT_RTOL)
    assert ntk_numeric(net, 0.0, 0.5) != pytest.approx(ntk_numeric(net, 1.0, 1.5), rel=1e-3)


def test_standard_parameterisation_one_layer_is_readout_kernel():
    net = ErfNet(sigma_w=1.4, sigma_b=0.3)
    for x, y in [(0.1, 0.7), (-1.0, 0.4)]:
        expected = (net.kernel(x, y) - 0.09) / 1.4 ** 2
        assert ntk_numeric(net, x, y, parameterisation="standard") == pytest.approx(expected, rel=EXACT_RTOL)


def test_ntk_broadcasts_and_is_symmetric_positive():
    net = ErfNet(d_in=2, depth=2)
    pts = np.array([[0.3, -0.5], [0.8, 0.1], [-0.2, 0.4], [0.0, 0.0]])
    gram = ntk_numeric(net, pts[:, None, :], pts[None, :, :])
    assert gram.shape == (4, 4)
    np.testing.assert_allclose(gram, gram.T, rtol=1e-13)
    assert np.all(np.linalg.eigvalsh(gram) > 0)
    assert gram[0, 1] == pytest.approx(ntk_numeric(net, pts[0], pts[1]), rel=1e-13)


def test_ntk_facade_methods():
    net = ReLUNet(depth=2)
    assert net.ntk(0.2, 0.9) == ntk_numeric(net, 0.2, 0.9)
    assert sp.simplify(net.ntk_expr() - ntk_expr(net)) == 0


# ---------------------------------------------------------------------- vs sampled networks
def _ntk_gram(net, pts, parameterisation="ntk"):
    a, b = (pts[:, None], pts[None, :]) if net.d_in == 1 else (pts[:, None, :], pts[None, :, :])
    return ntk_numeric(net, a, b, parameterisation=parameterisation)


@pytest.mark.parametrize("net, width", [(ReLUNet(), 3), (ErfNet(sigma_w=1.3), 1),
                                        (GaussNet(sigma_w=0.7), 4), (ErfNet(d_in=2), 5),
                                        (LeakyReLUNet(slope=0.2), 2)],
                         ids=["relu", "erf", "gauss", "erf-d2", "leaky"])
def test_ntk_is_mean_jacobian_kernel_at_every_width_one_layer(net, width):
    """One hidden layer: E[Theta_hat] = Theta exactly at every width (sums of i.i.d. neurons)."""
    pts = np.array([-0.7, 0.2, 0.9]) if net.d_in == 1 else np.array([[0.3, -0.5], [0.8, 0.1]])
    kernels = NetworkEnsemble.sample(net, width, 20_000, rng=7).tangent_kernel(pts)
    mean, err = mc_mean(kernels)
    assert_mc_agrees(mean, err, _ntk_gram(net, pts), what=f"{net.name} NTK")


@pytest.mark.parametrize("net", [ReLUNet(depth=2), Network(sp.tanh(Z), depth=2),
                                 GaussNet(sigma_w=0.8, depth=2)], ids=["relu", "tanh", "gauss"])
def test_deep_ntk_vs_jacobian_kernel_at_large_width(net):
    """Depth 2, width 128: the O(1/N) bias of E[Theta_hat] is below the Monte-Carlo error
    (the Gauss-net normalises layer 2 with n(K^(2)(x, x)), in the recursion and the sampler)."""
    pts = np.array([-0.7, 0.9])
    kernels = NetworkEnsemble.sample(net, 128, 1_500, rng=8).tangent_kernel(pts)
    mean, err = mc_mean(kernels)
    assert_mc_agrees(mean, err, _ntk_gram(net, pts), what=f"{net.name} deep NTK")


def test_standard_parameterisation_jacobian_kernel_exact_at_every_width():
    """One hidden layer, parameters with their prior variances: E[Theta_std] =
    N E[gg] + 1 + v_out Kdot (1 + x.y) exactly; / N it tends to the 'standard' NTK."""
    net, width = ErfNet(), 16
    pts = np.array([-0.5, 0.8])
    kernels = NetworkEnsemble.sample(net, width, 20_000, rng=5).tangent_kernel(
        pts, parameterisation="standard")
    s = 1 + pts ** 2
    kdot = _derivative_moment(net, np.broadcast_to(s[:, None], (2, 2)),
                              np.broadcast_to(s[None, :], (2, 2)), 1 + np.outer(pts, pts))
    exact = width * _ntk_gram(net, pts, "standard") + 1 + kdot * (1 + np.outer(pts, pts))
    mean, err = mc_mean(kernels)
    assert_mc_agrees(mean, err, exact, what="standard-parameterisation Jacobian kernel")


def test_cos_net_ntk_vs_sampled_cos_nets():
    """Sampled by hand: w = sigma_W u / sqrt(d), phase uniform, read-out sqrt(2 sigma_W^2 / N) w1."""
    sw, sb, width, n_nets = 1.1, 0.5, 4, 40_000
    net = CosNet(sigma_w=sw, sigma_b=sb)
    rng = np.random.default_rng(9)
    pts = np.array([-0.4, 0.3, 1.0])
    u = rng.standard_normal((n_nets, width))
    b = rng.uniform(-np.pi, np.pi, (n_nets, width))
    w1 = rng.standard_normal((n_nets, width))
    z = sw * u[:, :, None] * pts + b[:, :, None]                     # (n, N, P)
    vout = 2 * sw ** 2
    jac_read = np.sqrt(vout / width) * np.cos(z)
    jac_phase = -np.sqrt(vout / width) * w1[:, :, None] * np.sin(z)
    jac_freq = jac_phase * sw * pts
    kern = sb ** 2 + sum(np.einsum("nip,niq->npq", j, j) for j in (jac_read, jac_phase, jac_freq))
    mean, err = mc_mean(kern)
    assert_mc_agrees(mean, err, _ntk_gram(net, pts), what="cos-net NTK")


def test_jacobian_kernel_matches_finite_differences():
    """Back-propagation of numeric.training vs central finite differences of the forward pass."""
    pts = np.array([-0.7, 0.2, 0.9])
    for net in (ErfNet(), GaussNet(), Network(sp.tanh(Z), depth=2)):
        ens = NetworkEnsemble.sample(net, 4, 3, rng=1)
        columns = []
        for arr in ens.weights + ens.biases:
            for idx in np.ndindex(arr.shape[1:]):
                where = (slice(None),) + idx
                old = arr[where].copy()
                arr[where] = old + 1e-6
                up = ens.outputs(pts)
                arr[where] = old - 1e-6
                down = ens.outputs(pts)
                arr[where] = old
                columns.append((up - down) / 2e-6)
        jac = np.stack(columns, -1)
        np.testing.assert_allclose(ens.tangent_kernel(pts), np.einsum("npk,nqk->npq", jac, jac),
                                   rtol=1e-7, atol=1e-9)


def test_symbolic_hyper_parameters_give_the_closed_forms_exactly():
    sw, sb = sp.symbols("sigma_W sigma_b", positive=True)
    kern = sb ** 2 + sw ** 2 * sp.exp(-sw ** 2 * (X - Y) ** 2 / 2)
    c = sb ** 2 + sw ** 2 * X * Y
    assert sp.simplify(GaussNet(sigma_w=sw, sigma_b=sb).ntk_expr(X, Y) - (kern + (kern - sb ** 2) * c)) == 0
    cos = CosNet(sigma_w=sw, sigma_b=sb).ntk_expr(X, Y)
    assert sp.simplify(cos - (sb ** 2 + (kern - sb ** 2) * (2 + sw ** 2 * X * Y))) == 0
    assert sp.simplify(ReLUNet(sigma_w=sw, sigma_b=0).ntk_expr(1, 1)) == sw ** 4    # K = Kdot c = sw^4/2
