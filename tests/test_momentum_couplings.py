"""Exact momentum-space quartic vertex of cos-nets (any frequency prior) and its locality.

Independent routes: the position-space exact correlators of ``net.connected_green`` (neuron
expectations, a different code path) against the inverse Fourier transform of the delta
structure; mpmath Fourier integrals of the prior density against the characteristic function
(the convention K(x) = int dp e^{ipx} K(p)); hand-derived closed forms of the Gaussian prior;
mpmath derivatives of the coefficient functions; a Monte Carlo of width-2 cos-nets.
"""
import mpmath as mp
import numpy as np
import pytest
import sympy as sp

from nnqft_sym import (CosNet, FreeScalarFrequencyPrior, StudentTFrequencyPrior,
                       UniformBallFrequencyPrior, cos_net_connected_four_point,
                       cos_net_momentum_vertex)
from nnqft_sym.momentum_couplings import PP, PP1, PP3
from tests.tolerances import EXACT_RTOL, assert_mc_agrees

PRIORS = [None, FreeScalarFrequencyPrior(mass=1.0, cutoff=4.0), StudentTFrequencyPrior(),
          UniformBallFrequencyPrior(radius=2.0)]


@pytest.mark.parametrize("d_in", [1, 2])
@pytest.mark.parametrize("prior", PRIORS, ids=lambda p: type(p).__name__)
def test_delta_structure_reproduces_the_exact_position_space_correlator(prior, d_in):
    net = CosNet(sigma_w=1.3, d_in=d_in, frequency_prior=prior)
    pts = np.random.default_rng(3).normal(size=(6, 4, d_in))
    assert np.allclose(cos_net_connected_four_point(net, pts, 7), net.connected_green(pts, 7),
                       rtol=1e-10, atol=1e-14)


def test_gaussian_prior_closed_forms():
    """rho = (2 pi s)^(-d/2) e^{-p^2/2s}, s = sigma^2/d: Gamma_forward = -3 (2 pi s)^{3d/2} e^{3p^2/2s}
    / (2 N sigma^4 (2 pi)^d), Gamma_pair = s^d e^{(p1^2 + p3^2)/2s} / (N sigma^4)."""
    sigma, d, n = sp.Rational(3, 2), 2, 10
    s = sigma ** 2 / d
    v = cos_net_momentum_vertex(CosNet(sigma_w=sigma, d_in=d), width=n)
    forward = -3 * (2 * sp.pi * s) ** 3 * sp.exp(3 * PP / (2 * s)) / (2 * n * sigma ** 4 * (2 * sp.pi) ** 2)
    pair = s ** 2 * sp.exp((PP1 + PP3) / (2 * s)) / (n * sigma ** 4)
    assert sp.simplify(v.forward_vertex - forward) == 0
    assert sp.simplify(v.pair_vertex - pair) == 0
    lam_f, c_f = v.derivative_expansion()["forward"]
    lam_p, c_p = v.derivative_expansion()["pair"]
    assert sp.simplify(c_f - lam_f * 3 / (8 * s)) == 0 and sp.simplify(c_p - lam_p / (4 * s)) == 0


@pytest.mark.parametrize("prior", PRIORS[:3], ids=lambda p: type(p).__name__)
def test_density_is_the_fourier_transform_of_the_kernel(prior):
    """K(x) - sigma_b^2 = sigma^2 int dp e^{ipx} rho(p) in d = 1 (mpmath quadrature)."""
    net = CosNet(sigma_w=1.0, sigma_b=0.5, frequency_prior=prior)
    v = cos_net_momentum_vertex(net, width=5)
    rho = sp.lambdify(PP, v.density, "mpmath")
    top = mp.inf if v.support_radius == sp.oo else mp.mpf(float(v.support_radius))
    for x in (0.3, 1.1):
        integrand = lambda p: rho(p ** 2) * mp.cos(p * x)  # noqa: E731
        integral = 2 * (mp.quadosc(integrand, [0, mp.inf], omega=x) if top == mp.inf
                        else mp.quad(integrand, [0, 1, top]))
        assert float(integral) == pytest.approx(float(net.kernel(x, 0.0)) - 0.25, rel=1e-8)


def test_derivative_expansion_matches_mpmath_derivatives():
    net = CosNet(frequency_prior=StudentTFrequencyPrior(nu=1.5, length_scale=0.7), d_in=1)
    v = cos_net_momentum_vertex(net, width=4)
    lam, c = v.derivative_expansion()["forward"]
    f = sp.lambdify(PP, v.forward_vertex, "mpmath")
    assert float(lam) == pytest.approx(float(f(0)), rel=EXACT_RTOL)
    # on the forward support sum_i p_i^2 = 4 |p|^2
    assert float(c) == pytest.approx(float(mp.diff(lambda t: f(t / 4), 0)), rel=1e-8)
    lam_p, c_p = v.derivative_expansion()["pair"]
    g = sp.lambdify((PP1, PP3), v.pair_vertex, "mpmath")
    assert float(c_p) == pytest.approx(float(mp.diff(lambda t: g(t / 4, t / 4), 0)), rel=1e-8)


def test_the_two_parts_have_opposite_signs_and_no_local_part():
    v = cos_net_momentum_vertex(CosNet(), width=10)
    lam_f, _ = v.derivative_expansion()["forward"]
    lam_p, _ = v.derivative_expansion()["pair"]
    assert lam_f < 0 < lam_p
    assert v.support_codimension == {"forward": 2, "pair": 1}
    # uniform-ball prior: flat coefficient functions, still supported on the delta sets
    flat = cos_net_momentum_vertex(CosNet(frequency_prior=UniformBallFrequencyPrior()), width=10)
    assert flat.relative_variation(0.5) == {"forward": 0.0, "pair": 0.0}


def test_monte_carlo_of_width_two_cos_nets():
    from numeric.sampling import sample_outputs
    net, width = CosNet(), 2
    pts = np.array([0.0, 0.4, 0.9, -0.5])
    f = sample_outputs(net, width, pts, 400_000, rng=11)
    pairings = [(0, 1, 2, 3), (0, 2, 1, 3), (0, 3, 1, 2)]

    def connected(g):
        return np.mean(g[:, 0] * g[:, 1] * g[:, 2] * g[:, 3]) - sum(
            np.mean(g[:, a] * g[:, b]) * np.mean(g[:, c] * g[:, e]) for a, b, c, e in pairings)

    blocks = np.array([connected(g) for g in np.split(f, 20)])
    assert_mc_agrees(blocks.mean(), blocks.std(ddof=1) / np.sqrt(20),
                     cos_net_connected_four_point(net, pts, width), what="G_c^(4)")
