"""Frequency priors of cos-net: normalisation, characteristic functions, exact sampling.

Checked three ways: closed forms (SymPy / literature), deterministic quadrature (mpmath), and
Monte Carlo from the samplers (fixed seeds, within K_SIGMA standard errors).
"""
import mpmath as mp
import numpy as np
import pytest
import sympy as sp

from nnqft_sym import CosNet
from nnqft_sym.frequency_priors import (FreeScalarFrequencyPrior, StudentTFrequencyPrior,
                                        UniformBallFrequencyPrior, angular_average)
from tests.tolerances import EXACT_RTOL, QUAD_RTOL, assert_mc_agrees, mc_mean

K = sp.Symbol("k", positive=True)


def _net(prior, d):
    return CosNet(sigma_w=1, sigma_b=1, d_in=d, frequency_prior=prior)


PRIORS = [
    (FreeScalarFrequencyPrior(mass=1.0, cutoff=np.inf), 1),
    (FreeScalarFrequencyPrior(mass=0.7, cutoff=4.0), 1),
    (FreeScalarFrequencyPrior(mass=0.7, cutoff=4.0), 2),
    (FreeScalarFrequencyPrior(mass=0.7, cutoff=4.0), 3),
    (FreeScalarFrequencyPrior(mass=0.5, cutoff=3.0), 5),
    (StudentTFrequencyPrior(nu=1.5, length_scale=0.8), 1),
    (StudentTFrequencyPrior(nu=0.5, length_scale=2.0), 3),
    (UniformBallFrequencyPrior(radius=2.5), 2),
    (UniformBallFrequencyPrior(radius=2.5), 3),
]


@pytest.mark.parametrize("prior,d", PRIORS)
def test_density_is_normalised(prior, d):
    net = _net(prior, d)
    radial = sp.lambdify(K, prior.radial_density(net, K), "mpmath")
    upper = prior._radial_support(net)
    total = mp.quad(radial, [0, 1, upper if np.isfinite(upper) else mp.inf])
    assert abs(float(total) - 1) < QUAD_RTOL


@pytest.mark.parametrize("prior,d", PRIORS)
def test_radial_cdf_matches_density_and_quantile_inverts_it(prior, d):
    net = _net(prior, d)
    radial = sp.lambdify(K, prior.radial_density(net, K), "mpmath")
    ks = np.array([0.05, 0.5, 1.3, 2.2])
    cdf = prior.radial_cdf(net, ks)
    exact = [float(mp.quad(radial, [0, min(kk, 1.0), kk])) if kk > 1 else float(mp.quad(radial, [0, kk]))
             for kk in np.minimum(ks, prior._radial_support(net))]
    np.testing.assert_allclose(cdf, exact, rtol=QUAD_RTOL, atol=1e-12)
    u = np.linspace(0.01, 0.99, 41)
    np.testing.assert_allclose(prior.radial_cdf(net, prior.radial_quantile(net, u)), u,
                               rtol=0, atol=1e-12)


@pytest.mark.parametrize("prior,d", PRIORS)
def test_characteristic_matches_monte_carlo_of_the_sampler(prior, d):
    net = _net(prior, d)
    rng = np.random.default_rng(1234 + d)
    w = prior.sample(net, rng, (200_000,))
    assert w.shape == (200_000, d)
    vv = np.array([0.0, 0.2, 1.0, 3.0])
    direction = np.zeros(d)
    direction[0] = 1.0
    samples = np.cos(np.multiply.outer(w @ direction, np.sqrt(vv)))
    mean, err = mc_mean(samples)
    exact = prior.characteristic(net, vv)
    assert exact[0] == pytest.approx(1.0, abs=1e-12)
    assert_mc_agrees(mean[1:], err[1:], exact[1:], what=f"{prior} d={d}")


def test_characteristic_quadrature_against_mpmath():
    prior = FreeScalarFrequencyPrior(mass=0.7, cutoff=4.0)
    for d in (1, 2, 3, 4):
        net = _net(prior, d)
        radial = sp.lambdify(K, prior.radial_density(net, K), "mpmath")
        for r in (0.3, 2.0, 9.0):
            if d == 1:
                ang = lambda k: mp.cos(k * r)
            else:
                nu = mp.mpf(d) / 2 - 1
                ang = lambda k: mp.gamma(mp.mpf(d) / 2) * (2 / (k * r)) ** nu * mp.besselj(nu, k * r)
            exact = mp.quad(lambda k: radial(k) * ang(k), mp.linspace(0, 4, 40))
            got = prior.characteristic(net, np.array([r * r]))[0]
            assert abs(got - float(exact)) < 1e-10


def test_closed_forms():
    # Cauchy = free scalar in d = 1 without cutoff: E cos(w v) = exp(-m |v|)
    net = _net(FreeScalarFrequencyPrior(mass=1.3, cutoff=np.inf), 1)
    vv = np.array([0.0, 0.5, 4.0])
    np.testing.assert_allclose(net.frequency_prior.characteristic(net, vv),
                               np.exp(-1.3 * np.sqrt(vv)), rtol=EXACT_RTOL)
    # ... which is the Student-t prior with nu = 1/2, ell = 1/m (Matern-1/2 = exponential kernel)
    student = StudentTFrequencyPrior(nu=0.5, length_scale=1 / 1.3)
    np.testing.assert_allclose(student.characteristic(net, vv), np.exp(-1.3 * np.sqrt(vv)),
                               rtol=EXACT_RTOL)
    p = sp.Symbol("p", positive=True)
    assert sp.simplify(student.density(net, p ** 2)
                       - net.frequency_prior.density(net, p ** 2)) == 0
    # Matern-3/2 (Rasmussen-Williams Eq. 4.17): (1 + sqrt3 r/l) exp(-sqrt3 r/l)
    st = StudentTFrequencyPrior(nu=1.5, length_scale=0.8)
    r = np.array([0.1, 1.0, 2.5])
    np.testing.assert_allclose(st.characteristic(_net(st, 2), r ** 2),
                               (1 + np.sqrt(3) * r / 0.8) * np.exp(-np.sqrt(3) * r / 0.8),
                               rtol=EXACT_RTOL)
    # normalisation constants in closed form
    fs = FreeScalarFrequencyPrior(mass=1.0, cutoff=2.0)
    assert sp.simplify(fs.density_constant(_net(fs, 1)) - 1 / (2 * sp.atan(2))) == 0
    assert sp.simplify(fs.density_constant(_net(fs, 3)) - 1 / (4 * sp.pi * (2 - sp.atan(2)))) == 0


def test_angular_average():
    t = sp.Symbol("t", positive=True)
    assert sp.simplify(angular_average(3, t) - sp.sin(t) / t) == 0
    assert sp.simplify(angular_average(2, t) - sp.besselj(0, t)) == 0
    x = np.array([0.0, 0.4, 3.0])
    np.testing.assert_allclose(angular_average(3, x), [1.0, np.sin(0.4) / 0.4, np.sin(3) / 3],
                               rtol=EXACT_RTOL)
    for d in (1, 2, 3, 5):  # small-argument expansion 1 - t^2 / (2d)
        assert float(angular_average(d, 1e-3)) == pytest.approx(1 - 1e-6 / (2 * d), rel=1e-10)


def test_sympy_characteristic_with_cutoff_is_the_radial_integral():
    prior = FreeScalarFrequencyPrior(mass=1.0, cutoff=3.0)
    net = _net(prior, 3)
    v = sp.Symbol("v", positive=True)
    expr = prior.characteristic(net, v ** 2)
    assert isinstance(expr, sp.Integral)
    value = float(expr.subs(v, 1.5).evalf())
    assert value == pytest.approx(float(prior.characteristic(net, np.array([2.25]))[0]), abs=1e-10)


def test_cosnet_samples_its_first_layer_from_the_prior():
    prior = StudentTFrequencyPrior(nu=0.5, length_scale=2.0)
    net = CosNet(sigma_w=2, sigma_b=1, d_in=1, frequency_prior=prior)
    w, b = net.sample_first_layer(np.random.default_rng(7), (100_000,))
    assert w.shape == (100_000, 1) and np.all(np.abs(b) <= np.pi)
    mean, err = mc_mean(np.cos(1.5 * w[:, 0]))
    assert_mc_agrees(mean, err, np.exp(-1.5 / 2.0), what="Cauchy frequencies via CosNet")


@pytest.mark.parametrize("kwargs,exc", [
    (dict(mass=0.0, cutoff=1.0), ValueError),
    (dict(mass=1.0, cutoff=-2.0), ValueError),
    (dict(mass="a", cutoff=1.0), TypeError),
])
def test_free_scalar_bad_parameters(kwargs, exc):
    with pytest.raises(exc):
        FreeScalarFrequencyPrior(**kwargs)


def test_bad_input():
    with pytest.raises(ValueError, match="not normalisable"):
        FreeScalarFrequencyPrior(mass=1.0, cutoff=np.inf).density(_net(None, 2), sp.Integer(1))
    with pytest.raises(ValueError, match="nu"):
        StudentTFrequencyPrior(nu=-1.0)
    with pytest.raises(ValueError, match="radius"):
        UniformBallFrequencyPrior(radius=0)
    with pytest.raises(ValueError, match="d_in"):
        StudentTFrequencyPrior().density(CosNet(d_in=sp.Symbol("d", positive=True)), sp.Integer(1))
    with pytest.raises(ValueError, match="d_in must be"):
        angular_average(0, 1.0)
