"""Symbolic BRG-NNFT: kernel = Fourier transform of rho, Fisher metrics, BRG = Wilson momentum shells.

Independent checks: closed-form kernels (Gauss-net, Matern, Cauchy), mpmath quadrature of Fisher
entries, hand-computed Fisher metrics, and numerical spot checks of the shell identity.
"""
import mpmath as mp
import numpy as np
import pytest
import sympy as sp

from nnqft_sym import CosNet, Z
from nnqft_sym.bayesian_rg import (BOX, LAMBDA_I, DENSITY_CONSTANT, NOISE_STD, P, GeneralisedCosNet,
                                   cosnet_neuron_fisher_metric, fisher_metric,
                                   kernel_from_frequency_density, last_layer_fisher_metric,
                                   neuron_fisher_metric)
from nnqft_sym.frequency_priors import (FreeScalarFrequencyPrior, StudentTFrequencyPrior,
                                        UniformBallFrequencyPrior)
from tests.tolerances import EXACT_RTOL, QUAD_RTOL

R = sp.Symbol("r", positive=True)
X = sp.Symbol("x", real=True)


def _numerically_equal(a, b, points=(0.13, 0.9, 2.7)):
    for r in points:
        va, vb = complex(a.subs(R, r).evalf(30)), complex(b.subs(R, r).evalf(30))
        assert abs(va - vb) <= EXACT_RTOL * max(1.0, abs(vb)), (r, va, vb)


@pytest.mark.parametrize("net", [
    CosNet(sigma_w=1, sigma_b=1, d_in=1),
    CosNet(sigma_w=2, sigma_b=1, d_in=2),
    CosNet(sigma_w=sp.Symbol("sigma_W", positive=True), sigma_b=1, d_in=3),
])
def test_gaussian_prior_gives_the_gauss_net_kernel(net):
    """docs/conventions.md section 1: K = sigma_b^2 + sigma_W^2 exp(-sigma_W^2 |x-y|^2 / (2 d_in))."""
    kernel = kernel_from_frequency_density(net, R ** 2)
    gauss = net.sigma_b ** 2 + net.sigma_w ** 2 * sp.exp(-net.sigma_w ** 2 * R ** 2 / (2 * net.d_in))
    assert sp.simplify(kernel - gauss) == 0


@pytest.mark.parametrize("prior,d,closed", [
    (FreeScalarFrequencyPrior(mass=2.0, cutoff=np.inf), 1, sp.exp(-2 * R)),
    (StudentTFrequencyPrior(nu=0.5, length_scale=2.0), 3, sp.exp(-R / 2)),
    (StudentTFrequencyPrior(nu=1.5, length_scale=2.0), 1,
     (1 + sp.sqrt(3) * R / 2) * sp.exp(-sp.sqrt(3) * R / 2)),
    (UniformBallFrequencyPrior(radius=2.0), 3,
     3 * (sp.sin(2 * R) - 2 * R * sp.cos(2 * R)) / (2 * R) ** 3),
])
def test_kernel_is_fourier_transform_of_the_density(prior, d, closed):
    """Fourier transform of rho (from ``density`` only) = characteristic = literature closed form."""
    net = CosNet(sigma_w=1, sigma_b=1, d_in=d, frequency_prior=prior)
    kernel = kernel_from_frequency_density(net, R ** 2)
    assert not kernel.has(sp.Integral)
    _numerically_equal(kernel, 1 + closed)
    _numerically_equal(kernel, 1 + prior.characteristic(net, R ** 2))


def test_free_scalar_prior_gives_the_free_propagator():
    """sigma_W^2 rho(p) (p^2 + m^2) is a p-independent constant Z^{-1} inside the cutoff."""
    p = sp.Symbol("p", positive=True)
    for d in (1, 2, 3, 4):
        prior = FreeScalarFrequencyPrior(mass=0.5, cutoff=3.0)
        net = CosNet(sigma_w=2, sigma_b=1, d_in=d, frequency_prior=prior)
        propagator = net.sigma_w ** 2 * prior.density(net, p ** 2)
        inside = sp.piecewise_fold(propagator).args[0][0]
        z_inv = sp.simplify(inside * (p ** 2 + sp.Rational(1, 4)))
        assert not z_inv.has(p)
        assert sp.simplify(z_inv - 4 * prior.density_constant(net)) == 0
        assert propagator.subs(p, 3.5) == 0  # UV cutoff


def test_fisher_metric_of_a_linear_model_by_hand():
    a, c = sp.symbols("a c", real=True)
    F = fisher_metric(a * X + c, [a, c], X, box=2, noise_std=sp.Rational(1, 2))
    # E[x^2] = 1/3, E[x] = 0, E[1] = 1 on [-1, 1]; divided by sigma_n^2 = 1/4
    assert F == sp.Matrix([[sp.Rational(4, 3), 0], [0, 4]])


def test_cos_neuron_fisher_metric():
    F, (W, w, b) = cosnet_neuron_fisher_metric()
    values = {W: 0.7, w: 1.3, b: 0.4, BOX: 5.0, NOISE_STD: 0.3}
    # each entry against mpmath quadrature of the defining average
    grads = [lambda x: mp.cos(1.3 * x + 0.4), lambda x: -0.7 * x * mp.sin(1.3 * x + 0.4),
             lambda x: -0.7 * mp.sin(1.3 * x + 0.4)]
    for i in range(3):
        for j in range(3):
            exact = mp.quad(lambda x: grads[i](x) * grads[j](x), [-2.5, 2.5]) / 5 / 0.09
            assert float(F[i, j].subs(values)) == pytest.approx(float(exact), rel=QUAD_RTOL)
    assert sp.limit(F[0, 0], BOX, sp.oo) == 1 / (2 * NOISE_STD ** 2)
    assert sp.limit(F[2, 2], BOX, sp.oo) == W ** 2 / (2 * NOISE_STD ** 2)
    assert sp.limit(F[1, 1] / BOX ** 2, BOX, sp.oo) == W ** 2 / (24 * NOISE_STD ** 2)
    for i, j in ((0, 1), (0, 2), (1, 2)):  # normalised metric -> identity
        assert sp.limit(F[i, j] / sp.sqrt(F[i, i] * F[j, j]), BOX, sp.oo) == 0


def test_relu_neuron_fisher_metric_against_quadrature():
    F, (W, w, b) = neuron_fisher_metric(sp.Max(0, Z))
    assert not F.has(sp.Integral)  # closed form (Heaviside products integrated as Piecewise)
    values = {W: 0.8, w: 1.7, b: -0.6, BOX: 3.0, NOISE_STD: 0.4}
    z = lambda x: 1.7 * x - 0.6
    grads = [lambda x: max(0, z(x)), lambda x: 0.8 * x * (z(x) > 0), lambda x: 0.8 * (z(x) > 0)]
    kink = 0.6 / 1.7
    for i in range(3):
        for j in range(3):
            exact = mp.quad(lambda x: grads[i](x) * grads[j](x), [-1.5, kink, 1.5]) / 3 / 0.16
            assert float(F[i, j].subs(values)) == pytest.approx(float(exact), rel=QUAD_RTOL)
    with pytest.raises(ValueError, match="nnqft_sym.Z"):
        neuron_fisher_metric(sp.cos(sp.Symbol("y")))


def test_last_layer_fisher_metric_cos_and_relu_features():
    w1, w2 = sp.symbols("w1 w2", positive=True)
    F = last_layer_fisher_metric([sp.cos(w1 * X), sp.cos(w2 * X)], X, large_box=True)
    assert F[0, 0] == 1 / (2 * NOISE_STD ** 2)
    assert F[0, 1].subs({w1: 1, w2: 2}) == 0 and F[0, 1].subs({w1: 1, w2: 1}) == F[0, 0]
    # ReLU random features max(0, x), max(0, -x) on [-L/2, L/2]: E = L^2/24 each, disjoint supports
    F = last_layer_fisher_metric([sp.Max(0, X), sp.Max(0, -X)], X)
    assert sp.simplify(F - sp.Matrix([[BOX ** 2 / 24, 0], [0, BOX ** 2 / 24]]) / NOISE_STD ** 2) \
        == sp.zeros(2, 2)


@pytest.mark.parametrize("net", [
    GeneralisedCosNet.free_scalar(d_in=1),
    GeneralisedCosNet.free_scalar(d_in=2),
    GeneralisedCosNet.free_scalar(d_in=3),
    GeneralisedCosNet.gaussian(d_in=3),
    GeneralisedCosNet.power_law(d_in=2),
])
def test_integrating_out_the_information_shell_is_the_momentum_shell_flow(net):
    proof = net.brg_wilson_proof()
    assert proof.monotone
    assert proof.level_difference == 0
    assert proof.flow_difference == 0
    assert proof.boundary_difference == 0
    assert proof.holds
    # the information of a mode is proportional to its power: lambda(p) = V_R K(p) / (2 sigma_n^2 sigma_W^2)
    assert sp.simplify(proof.information_scale - net.ball_volume * net.momentum_propagator
                       / (2 * net.noise_std ** 2 * net.sigma_w ** 2)) == 0


def test_free_scalar_information_to_momentum_dictionary_and_shells_numerically():
    net = GeneralisedCosNet.free_scalar(d_in=3)
    m, Rb = sp.Symbol("m", positive=True), net.radius
    k = net.momentum_cutoff()
    c_val = sp.Integer(1)
    values = {m: 0.6, Rb: 4.0, DENSITY_CONSTANT: c_val, NOISE_STD: 0.5, net.sigma_w: 1.2}
    # k^2 = V_R C / (2 sigma_n^2 Lambda_I) - m^2
    expected = sp.sqrt(net.ball_volume * DENSITY_CONSTANT / (2 * NOISE_STD ** 2 * LAMBDA_I) - m ** 2)
    assert sp.simplify(k - expected) == 0
    brg = net.brg_momentum_propagator().subs(values)
    wilson = net.wilson_momentum_propagator(k).subs(values)
    rng = np.random.default_rng(3)
    for lam in (2.0, 10.0, 60.0):
        for p in rng.uniform(0, 4.0, 25):
            assert float(brg.subs({LAMBDA_I: lam, P: p})) == float(wilson.subs({LAMBDA_I: lam, P: p}))


def test_non_monotone_spectrum_is_not_a_momentum_shell_and_bad_input():
    # information peaked at p = 1: an information shell is not a momentum shell, the proof fails
    proof = GeneralisedCosNet(P ** 2 * sp.exp(-P ** 2), d_in=1).brg_wilson_proof()
    assert not proof.monotone and not proof.holds
    with pytest.raises(ValueError, match="depend on the momentum"):
        GeneralisedCosNet(sp.Integer(1), d_in=1)
    with pytest.raises(ValueError, match="radius"):
        GeneralisedCosNet.free_scalar(radius=sp.Symbol("R_neg", negative=True))
    with pytest.raises(ValueError, match="d_in must be"):
        GeneralisedCosNet.free_scalar(d_in=0)
    with pytest.raises(TypeError, match="CosNet"):
        kernel_from_frequency_density(object(), R ** 2)


def test_posterior_is_a_mass_renormalised_free_scalar():
    """Training (Bayesian update) shifts the inverse propagator by g = n V_R / (N sigma_n^2)."""
    n, N, m = sp.symbols("n N m", positive=True)
    net = GeneralisedCosNet.free_scalar(d_in=2)
    g = n * net.ball_volume / (N * net.noise_std ** 2)
    z_inv = net.sigma_w ** 2 * DENSITY_CONSTANT
    post = net.posterior_propagator()
    assert sp.simplify(post - z_inv / (P ** 2 + m ** 2 + g * z_inv)) == 0
    assert net.posterior_propagator(n_data=0) == sp.simplify(net.momentum_propagator)
    gauss = GeneralisedCosNet.gaussian(d_in=1)
    assert sp.simplify(1 / gauss.posterior_propagator() - 1 / gauss.momentum_propagator
                       - n * gauss.ball_volume / (N * gauss.noise_std ** 2)) == 0
