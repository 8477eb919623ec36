"""SphericalReadout: the O(N)-invariant read-out P(a) ~ exp(-|a|^2/2 - lambda |a|^4 / N).

Independent routes: the parabolic-cylinder closed form of the radial integrals (mpmath.pcfd),
explicit one- and two-dimensional integrals of the density at N = 1, 2 (scipy), the
Gaussian-moment formula of G^(2), G^(4) at one point, the large-N saddle point of r^2/N, and
Monte Carlo within K_SIGMA standard errors at fixed seeds.
"""
import math

import mpmath
import numpy as np
import pytest
from scipy import integrate

from nnqft_sym import ParameterPrior, ReLUNet, SphericalReadout, from_description
from nnqft_sym.neuron_sums import connected_green_general, green_general
from numeric import exact_green_functions, measure, sample_outputs

K_SIGMA = 4.0
BASE = ParameterPrior("readout_weights", 1, fan_in_scaled=True)


def _net(lam, **kwargs):
    return ReLUNet(**kwargs).with_priors(readout_weights=SphericalReadout(BASE, lam))


def _pcfd_moment(k, n, lam):
    """E r^k from I_m = (1/2)(2 beta)^(-nu/2) Gamma(nu) e^(1/(32 beta)) D_-nu(1/(2 sqrt(2 beta)))."""
    with mpmath.workdps(30):
        beta = mpmath.mpf(lam) / n

        def integral(m):
            nu = mpmath.mpf(m + 1) / 2
            return (2 * beta) ** (-nu / 2) * mpmath.gamma(nu) * mpmath.pcfd(-nu, 1 / (2 * mpmath.sqrt(2 * beta)))
        return float(integral(n - 1 + k) / integral(n - 1))


@pytest.mark.parametrize("n, lam", [(1, 1.0), (4, 1.0), (30, 1.0), (7, 0.3), (50, 2.0)])
def test_radial_moments_against_the_parabolic_cylinder_closed_form(n, lam):
    prior = SphericalReadout(BASE, lam)
    for k in (2, 4, 6):
        assert prior.radial_moment(k, n) == pytest.approx(_pcfd_moment(k, n, lam), rel=1e-12)


def test_weight_moments_at_small_width_against_explicit_integrals():
    lam = 0.7
    prior = SphericalReadout(BASE, lam)
    # N = 1: a scalar with density exp(-a^2/2 - lam a^4)
    dens = lambda a: math.exp(-a * a / 2 - lam * a ** 4)        # noqa: E731
    norm = integrate.quad(dens, -np.inf, np.inf)[0]
    for k in (2, 4, 6):
        direct = integrate.quad(lambda a: a ** k * dens(a), -np.inf, np.inf)[0] / norm
        assert prior.moment(k, 1) == pytest.approx(direct, rel=1e-9)
    # N = 2: E[a1^2 a2^2] = c_4(2) E[g1^2 g2^2] = c_4(2), W = a / sqrt(2)
    dens2 = lambda y, x: math.exp(-(x * x + y * y) / 2 - lam * (x * x + y * y) ** 2 / 2)   # noqa: E731
    norm2 = integrate.dblquad(dens2, -9, 9, -9, 9)[0]
    mixed = integrate.dblquad(lambda y, x: x * x * y * y * dens2(y, x), -9, 9, -9, 9)[0] / norm2
    assert prior.scale_moment_at(4, 2) == pytest.approx(mixed, rel=1e-7)
    fourth = integrate.dblquad(lambda y, x: x ** 4 * dens2(y, x), -9, 9, -9, 9)[0] / norm2
    assert prior.moment(4, 2) == pytest.approx(fourth / 4, rel=1e-7)


def test_one_layer_correlators_against_the_gaussian_moment_formula():
    """f = b + sqrt(v/N) sum a_i g_i: G2 = sb^2 + v c_2 E g^2, and
    G4 = 3 sb^4 + 6 sb^2 v c_2 E g^2 + (v/N)^2 c_4 (3 N E g^4 + 3 N (N - 1) (E g^2)^2)."""
    lam, n, x = 1.3, 5, 0.8
    net = _net(lam)
    prior = net.priors.readout_weights
    c2, c4 = prior.scale_moment_at(2, n), prior.scale_moment_at(4, n)
    s2 = 1 + x * x                                  # relu(z), z ~ N(0, 1 + x^2)
    eg2, eg4 = s2 / 2, 1.5 * s2 ** 2
    assert green_general(net, [x, x], n) == pytest.approx(1 + c2 * eg2, rel=1e-12)
    g4 = 3 + 6 * c2 * eg2 + c4 * (3 * n * eg4 + 3 * n * (n - 1) * eg2 ** 2) / n ** 2
    assert green_general(net, [x] * 4, n) == pytest.approx(g4, rel=1e-12)


def test_lambda_zero_is_the_default_network():
    pts = [0.3, 0.9, 1.4, 0.3]
    for n in (2, 9):
        assert green_general(_net(0), pts, n) == pytest.approx(ReLUNet().green(pts, n), rel=1e-12)


def test_exact_width_dependence_of_the_connected_four_point_function():
    """N kappa_4 -> a finite limit: the connected 4-point is O(1/N) for lambda = O(1) (the radius
    concentrates); its coefficient moves with lambda: N (c_4 - c_2^2) -> -8 lam rho^4 / (1 + 4
    lam rho^2) (saddle point of r^2 = N rho, rho = (sqrt(1 + 16 lam) - 1) / (8 lam))."""
    lam = 1.0
    prior = SphericalReadout(BASE, lam)
    rho = (math.sqrt(1 + 16 * lam) - 1) / (8 * lam)
    assert float(prior.variance) == pytest.approx(rho, rel=1e-15)
    assert prior.scale_moment_at(2, 20000) == pytest.approx(rho, rel=1e-3)
    n = 20000
    gap = n * (prior.scale_moment_at(4, n) - prior.scale_moment_at(2, n) ** 2)
    assert gap == pytest.approx(-8 * lam * rho ** 4 / (1 + 4 * lam * rho ** 2), rel=2e-3)
    # N kappa_4(x,x,x,x) = 3 c_4 E g^4 + 3 (E g^2)^2 (N (c_4 - c_2^2) - c_4) -> at x = 1
    # (E g^2 = 1, E g^4 = 6): 18 rho^2 - 3 rho^2 + 3 gap (15 at lambda = 0, HMS)
    limit = 15 * rho ** 2 - 24 * lam * rho ** 4 / (1 + 4 * lam * rho ** 2)
    net = _net(lam)
    scaled = [n * connected_green_general(net, [1.0] * 4, n) for n in (100, 10000)]
    assert scaled[1] == pytest.approx(limit, rel=1e-3)
    assert abs(scaled[1] - limit) < 0.02 * abs(scaled[0] - limit)      # the rest is O(1/N)
    # at fixed N the change is O(lambda): linear for small lambda
    k0 = connected_green_general(_net(0), [1.0] * 4, 6)
    d1 = connected_green_general(_net(1e-5), [1.0] * 4, 6) - k0
    d2 = connected_green_general(_net(2e-5), [1.0] * 4, 6) - k0
    assert d2 / d1 == pytest.approx(2.0, rel=1e-3) and d1 < 0


def test_radius_sampler_against_the_radial_moments():
    prior = SphericalReadout(BASE, 1.5)
    for n in (1, 3, 40):
        r2 = prior.sample_radius(np.random.default_rng(n), 100000, n) ** 2
        for k in (1, 2):
            t = r2 ** k
            z = (t.mean() - prior.radial_moment(2 * k, n)) / (t.std() / math.sqrt(t.size))
            assert abs(z) < K_SIGMA, (n, k, z)


def test_sampled_networks_match_the_exact_correlators():
    net = _net(1.0)
    assert from_description(net.describe()).priors.readout_weights == net.priors.readout_weights
    res = measure(net, [3, 20], [0.5, 1.0], orders=(2, 4), n_bags=10, n_nets=6000, rng=4)
    assert res.estimator == "plain"
    for n in res.orders:
        assert np.all(np.abs(res.estimate(n).z) < K_SIGMA), (n, res.estimate(n).z)
    # Delta G^(2) != 0: c_2(N) differs from its limit rho; resolved at N = 3
    e2 = res.estimate(2)
    assert np.all(np.abs(e2.delta_reference[0]) > 3 * e2.stderr[0])
    free, exact = exact_green_functions(net, [3], [0.5], 2)
    assert exact[0, 0] == pytest.approx(green_general(net, [0.5, 0.5], 3), rel=1e-12)
    f = sample_outputs(net, 4, [0.7], 200000, rng=3)[:, 0]
    z = ((f ** 2).mean() - green_general(net, [0.7, 0.7], 4)) / ((f ** 2).std() / math.sqrt(f.size))
    assert abs(z) < K_SIGMA
