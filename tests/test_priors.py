"""Priors as objects (nnqft_sym.priors): moments, the network's groups, and one statement of each prior.

Independent references: sympy.stats moments of the Normal and Uniform laws, the ReLU closed
form E[relu(z)^2] = K/2 of the kernel recursion written out by hand, and Monte Carlo.
"""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import sympy as sp
from sympy import stats

import nnqft_sym as nq
import numeric
from nnqft_sym import CosNet, ErfNet, GaussNet, ReLUNet
from nnqft_sym.priors import (FrequencyWeights, NetworkPriors, ParameterPrior, UniformPhase,
                              iid_gaussian_priors, readout_covariance)

MU, SIG, N = sp.symbols("mu sigma N", positive=True)


@pytest.mark.parametrize("k", range(0, 9))
def test_parameter_moments_equal_sympy_stats(k):
    prior = ParameterPrior("readout_weights", SIG ** 2, fan_in_scaled=True, mean=MU)
    theta = stats.Normal("theta", MU / N, SIG / sp.sqrt(N))     # a weight's mean scales as 1/fan-in
    assert sp.simplify(prior.moment(k, fan_in=N) - stats.E(theta ** k)) == 0


@pytest.mark.parametrize("k", range(0, 9))
def test_uniform_phase_moments_equal_sympy_stats(k):
    b = stats.Uniform("b", -sp.pi, sp.pi)
    assert sp.simplify(UniformPhase().moment(k) - stats.E(b ** k)) == 0


def test_groups_of_a_deep_network_carry_its_hyper_parameters():
    net = ReLUNet(sigma_w=2, sigma_b=sp.Rational(1, 2), depth=3, d_in=2)
    priors = net.priors
    assert list(priors.groups()) == ["first_weights", "first_biases", "hidden_weights_2",
                                     "hidden_biases_2", "hidden_weights_3", "hidden_biases_3",
                                     "readout_weights", "readout_bias"]
    assert priors.first_weights.parameter_variance(net.d_in) == 2     # sigma_W^2 / d_in
    assert priors.first_biases.variance == sp.Rational(1, 4)
    assert priors.layer(3) == (priors.hidden_weights[1], priors.hidden_biases[1])
    assert priors.layer(4) == (priors.readout_weights, priors.readout_bias)
    assert priors.is_iid_centred_gaussian and priors.readout_is_gaussian
    with pytest.raises(ValueError, match="layer must be between 2 and 4"):
        priors.layer(5)


def test_cos_net_first_layer_is_frequencies_and_uniform_phases():
    net = CosNet(sigma_w=3)
    assert isinstance(net.priors.first_weights, FrequencyWeights)
    assert isinstance(net.priors.first_biases, UniformPhase)
    assert net.priors.readout_weights.variance == 18                  # v_out = 2 sigma_W^2
    assert net.output_variance == 18
    assert not net.priors.first_layer_is_gaussian and not net.priors.is_iid_centred_gaussian
    assert net.priors.readout_is_gaussian
    # the phase prior's variance pi^2/3, checked by sampling through the object
    draws = net.priors.first_biases.sample(np.random.default_rng(0), (200000,))
    assert abs(draws.var() - np.pi ** 2 / 3) < 5 * np.pi ** 2 / 3 * np.sqrt(0.8 / 200000)


def test_parameter_prior_samples_have_its_moments():
    prior = ParameterPrior("hidden_weights", sp.Integer(9), fan_in_scaled=True)
    draws = prior.sample(np.random.default_rng(1), (400000,), fan_in=4)   # N(0, 9/4)
    assert abs(draws.mean()) < 5 * 1.5 / np.sqrt(400000)
    assert abs(np.mean(draws ** 4) - float(prior.moment(4, fan_in=4))) < 5 * np.sqrt(96 * 1.5 ** 8 / 400000)


def test_readout_covariance_is_the_kernel_rule():
    priors = iid_gaussian_priors(sp.Symbol("sigma_W"), sp.Symbol("sigma_b"))
    m = sp.Symbol("M")
    assert readout_covariance(priors, m) == sp.Symbol("sigma_b") ** 2 + sp.Symbol("sigma_W") ** 2 * m
    off_centre = dataclasses.replace(priors, readout_bias=ParameterPrior("readout_bias", 1, mean=1))
    with pytest.raises(ValueError, match="centred read-out"):
        readout_covariance(off_centre, 0.5)


class _PerLayerReLU(ReLUNet):
    """A depth-2 ReLU net whose second hidden layer and read-out have their own scales.

    This exercises the seam: only the prior objects change, and both the kernel recursion and
    the sampler must follow them.
    """

    @property
    def priors(self) -> NetworkPriors:
        base = super().priors
        return dataclasses.replace(
            base,
            hidden_weights=(ParameterPrior("hidden_weights", sp.Integer(3), fan_in_scaled=True),),
            hidden_biases=(ParameterPrior("hidden_biases", sp.Rational(1, 4)),),
            readout_weights=ParameterPrior("readout_weights", sp.Rational(3, 2), fan_in_scaled=True))


def test_kernel_recursion_and_sampler_read_the_same_priors():
    net = _PerLayerReLU(sigma_w=1, sigma_b=1, depth=2)
    x = 0.7
    k1 = 1 + x ** 2                          # sigma_b^2 + sigma_W^2 x^2
    k2 = 0.25 + 3 * k1 / 2                   # E[relu(z)^2] = K/2
    k_out = 1 + 1.5 * k2 / 2
    assert float(net.kernel(x, x)) == pytest.approx(k_out, rel=1e-12)
    # E[f(x)^2] equals the recursion at every width for ReLU (E[relu^2 | K_hat] is linear in K_hat)
    f = numeric.sample_outputs(net, 6, [x], 200000, rng=3)[:, 0]
    second = f ** 2
    assert abs(second.mean() - k_out) < 4 * second.std() / np.sqrt(second.size)


def test_standard_priors_leave_the_exact_results_unchanged():
    """The exact correlators read their variances from the priors; check against HMS closed forms."""
    net = GaussNet(sigma_w=sp.Symbol("sigma_W", positive=True), sigma_b=1)
    x, y = sp.symbols("x y", real=True)
    sw = sp.Symbol("sigma_W", positive=True)
    assert sp.simplify(net.kernel_expr(x, y) - (1 + sw ** 2 * sp.exp(-sw ** 2 * (x - y) ** 2 / 2))) == 0
    erf = ErfNet(sigma_w=1, sigma_b=0)
    # Erf at sigma_b = 0: K(x, x) = (2/pi) asin(2 x^2 / (1 + 2 x^2)) (Williams 1997)
    assert float(erf.kernel(0.5, 0.5)) == pytest.approx(2 / np.pi * np.arcsin(0.5 / 1.5), rel=1e-12)


def test_exact_results_refuse_deep_networks_through_one_capability_query():
    net = ReLUNet(depth=2)
    for call in (lambda: net.green([0.1, 0.2], 5), lambda: net.neuron_moment([0.1, 0.2]),
                 lambda: nq.connected_green_indexed(ReLUNet(depth=2, d_out=2), [0.1, 0.2], [0, 1], 5)):
        with pytest.raises(ValueError, match="exact finite-width results exist for one hidden layer only"):
            call()
