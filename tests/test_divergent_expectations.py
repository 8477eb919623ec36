"""Divergent or complex Gaussian expectations are detected, convergent hard ones still computed.

Before the check, ``Network(1/Z).kernel(0.1, 0.1)`` returned 7.9e17 (the radial cut at 1e-18),
``Network(exp(Z**2/4)).kernel(0.1, 0.1)`` returned 76.05 (E[exp(z^2/2)] diverges for s >= 1;
here s = 1.01), and ``log(z)``, ``sqrt(z)`` gave NaN with a NumPy warning.

Exact conditions used as references: E[exp(c sum_i z_i^2)] = det(I - 2 c C)^(-1/2) when
2 c lambda_max(C) < 1 and infinite otherwise; a pole |z - z0|^(-1) is never integrable against
a Gaussian.
"""
from __future__ import annotations

import warnings

import mpmath as mp
import numpy as np
import pytest
import sympy as sp

from nnqft_sym import Network, Z
from nnqft_sym.deep import layer_recursion
from nnqft_sym.errors import DivergentExpectationError
from nnqft_sym.quadrature import gaussian_expectation

RTOL = 1e-9


@pytest.fixture(autouse=True)
def _no_numpy_warnings():
    """A detected divergence is an error, never a NumPy warning on the side."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        yield


@pytest.mark.parametrize("activation,reason", [
    (1 / Z, "singular at z = 0"),
    (1 / (Z - sp.Rational(3, 10)), "singular at z = 0.3"),
    (sp.exp(Z ** 2 / 4), "grows like exp"),
    (sp.log(Z), "not real"),
    (sp.sqrt(Z), "not real"),
    (sp.asin(Z), "not real"),
])
def test_kernel_of_a_divergent_or_complex_activation_raises(activation, reason):
    net = Network(activation)
    with pytest.raises(DivergentExpectationError, match=reason) as info:
        net.kernel(0.1, 0.1)
    assert str(activation) in str(info.value)
    with pytest.raises(DivergentExpectationError):
        net.kernel(0.1, -0.3)


def test_growth_condition_is_two_c_lambda_max_below_one():
    """exp(z^2/4): the kernel diagonal E[exp(z^2/2)] is finite iff s < 1 (lambda_max = 2 s).

    (Just below s = 1 the integrand decays too slowly for double-precision quadrature, and the
    numeric decay check reports that: s = 0.95 raises too, by design.)"""
    z = sp.Symbol("z", real=True)
    phi = sp.exp(z ** 2 / 4)
    func = sp.lambdify(z, phi, "numpy")
    for s, finite in [(0.5, True), (0.8, True), (1.0, False), (1.01, False)]:
        cov = np.full((2, 2), s)
        if finite:
            assert gaussian_expectation(func, cov, activation=phi) == pytest.approx(
                1 / np.sqrt(1 - s), rel=1e-8)
        else:
            with pytest.raises(DivergentExpectationError, match="2 c lambda_max"):
                gaussian_expectation(func, cov, activation=phi)


def test_convergent_hard_case_exp_z2_over_8_against_mpmath():
    """exp(z^2/8) at s = 1.01: E[phi^2] = E[exp(z^2/4)] is finite (2 c lambda_max = 0.505)."""
    net = Network(sp.exp(Z ** 2 / 8))
    s = 1.01
    with mp.workdps(30):
        ref = mp.quad(lambda t: mp.exp(t * t / 4 - t * t / (2 * s)), [-mp.inf, 0, mp.inf]) \
            / mp.sqrt(2 * mp.pi * s)
    assert float(ref) == pytest.approx(1 / np.sqrt(1 - s / 2), rel=1e-14)
    assert net.kernel(0.1, 0.1) == pytest.approx(1 + float(ref), rel=RTOL)
    cov = net.preactivation_covariance(np.array([[0.1], [-0.3]]))
    exact = 1 / np.sqrt(np.linalg.det(np.eye(2) - cov / 4))
    assert net.kernel(0.1, -0.3) == pytest.approx(1 + exact, rel=RTOL)


def test_four_point_moment_diverges_where_the_kernel_does_not():
    """exp(z^2/8) at s = 1.01: four coincident points give lambda_max = 4 s, 2 c lambda = 1.01."""
    net = Network(sp.exp(Z ** 2 / 8))
    assert np.isfinite(net.kernel(0.1, 0.1))
    with pytest.raises(DivergentExpectationError, match="2 c lambda_max = 1.01"):
        net.neuron_moment([0.1] * 4)


def test_deep_routes_detect_divergence():
    net = Network(sp.exp(Z ** 2 / 4), sigma_w=1, sigma_b=1, depth=2)
    with pytest.raises(DivergentExpectationError, match="grows like exp"):
        net.kernel(0.1, 0.1)
    with pytest.raises(DivergentExpectationError, match="grows like exp"):
        layer_recursion(net, [0.1])
    with pytest.raises(DivergentExpectationError, match="singular"):
        layer_recursion(Network(1 / Z, depth=2), [0.1, 0.5])


def test_removable_singularity_is_not_divergent():
    """sin(z)/z is singular only in form: the kernel is finite (against mpmath)."""
    net = Network(sp.sin(Z) / Z)
    s = 1.01
    with mp.workdps(20):
        ref = mp.quad(lambda t: mp.sinc(t) ** 2 * mp.exp(-t * t / (2 * s)), [-mp.inf, 0, mp.inf]) \
            / mp.sqrt(2 * mp.pi * s)
    assert net.kernel(0.1, 0.1) == pytest.approx(1 + float(ref), rel=RTOL)


@pytest.mark.parametrize("func,cov", [
    (lambda z: 1.0 / z, np.full((2, 2), 1.01)),                 # pole at 0, rank 1
    (lambda z: 1.0 / z, np.array([[1.0, 0.3], [0.3, 1.0]])),   # pole at 0, rank 2
    (lambda z: np.exp(z ** 2 / 4), np.full((2, 2), 1.01)),      # super-Gaussian growth
    (np.log, np.full((2, 2), 1.0)),                              # complex for z < 0
    (np.sqrt, np.array([[1.0, 0.3], [0.3, 1.0]])),
    (lambda z: np.sqrt(z + 0j), np.eye(2)),                      # complex values returned
])
def test_numeric_safety_net_without_the_symbolic_activation(func, cov):
    with pytest.raises(DivergentExpectationError):
        gaussian_expectation(func, cov)


@pytest.mark.parametrize("activation", [1 / Z, sp.exp(Z ** 2 / 4), sp.log(Z)])
def test_high_precision_route_detects_divergence(activation):
    """neuron_moment(dps=...) used to return 58547.1, 2.8e1427298 and a complex number."""
    with pytest.raises(DivergentExpectationError):
        Network(activation).neuron_moment([0.1, 0.1], dps=20)
