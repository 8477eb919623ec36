"""Criticality of deep networks (RYH arXiv:2106.10165, ch. 5) against independent values.

References: closed-form critical points (ReLU sigma_W = sqrt(2), leaky ReLU
sqrt(2/(1 + alpha^2)), tanh sigma_W = 1, erf sigma_W = 1/sigma'(0) = sqrt(pi)/2, all with
sigma_b = 0; RYH §5.2-5.3), the susceptibilities by mpmath quadrature written here, and the
leading four-point vertex of the critical ReLU net, kappa_4 / (3 K^2) = 5 L (RYH ch. 5).
"""
import math

import mpmath
import numpy as np
import pytest
import sympy as sp

from nnqft_sym import (K_STAR_ZERO, NONZERO_FIXED_POINT, SCALE_INVARIANT, LeakyReLUNet, ReLUNet,
                       Z, critical_initialisation, kernel_flow, susceptibilities)
from nnqft_sym.deep import leading_connected_four_point, leading_deviation
from tests.tolerances import EXACT_RTOL, QUAD_RTOL

GELU = Z * (1 + sp.erf(Z / sp.sqrt(2))) / 2
SWISH = Z / (1 + sp.exp(-Z))


def _mp_chi(activation, sigma_b, sigma_w, kernel):
    """(chi_par, chi_perp, next K) by mpmath quadrature of the RYH definitions."""
    f = sp.lambdify(Z, activation, "mpmath")
    fp = sp.lambdify(Z, sp.diff(activation, Z), "mpmath")
    k = mpmath.mpf(kernel)

    def avg(g):
        dens = lambda z: mpmath.exp(-z * z / (2 * k)) / mpmath.sqrt(2 * mpmath.pi * k)  # noqa: E731
        return mpmath.quad(lambda z: g(z) * dens(z), [-mpmath.inf, 0, mpmath.inf])

    sw2 = mpmath.mpf(sigma_w) ** 2
    chi_par = sw2 / (2 * k * k) * avg(lambda z: f(z) ** 2 * (z * z - k))
    chi_perp = sw2 * avg(lambda z: fp(z) ** 2)
    return float(chi_par), float(chi_perp), float(mpmath.mpf(sigma_b) ** 2 + sw2 * avg(lambda z: f(z) ** 2))


# ---------------------------------------------------------------------- closed-form critical points
def test_tanh_is_critical_at_sigma_w_one_in_the_k_star_zero_class():
    crit = critical_initialisation(sp.tanh(Z))
    assert (crit.sigma_b, crit.sigma_w, crit.fixed_point_kernel) == (0, 1, 0)
    assert crit.universality_class == K_STAR_ZERO
    assert (crit.chi_parallel, crit.chi_perp) == (1, 1)


def test_relu_is_critical_at_sigma_w_sqrt2_and_scale_invariant():
    crit = critical_initialisation(sp.Max(0, Z))
    assert crit.sigma_b == 0 and crit.sigma_w == sp.sqrt(2)
    assert crit.universality_class == SCALE_INVARIANT and crit.fixed_point_kernel is None


def test_erf_critical_weight_scale_is_one_over_its_slope():
    # erf'(0) = 2/sqrt(pi)
    crit = critical_initialisation(sp.erf(Z))
    assert crit.sigma_w == sp.sqrt(sp.pi) / 2 and crit.sigma_b == 0
    assert crit.universality_class == K_STAR_ZERO


@pytest.mark.parametrize("slope", [sp.Rational(1, 10), sp.Rational(-1, 2)])
def test_leaky_relu_and_a_network_argument(slope):
    crit = critical_initialisation(LeakyReLUNet(slope=slope))
    assert sp.simplify(crit.sigma_w - sp.sqrt(2 / (1 + slope ** 2))) == 0
    assert crit.universality_class == SCALE_INVARIANT


def test_string_activation_read_by_the_restricted_parser():
    assert critical_initialisation("tanh(z)") == critical_initialisation(sp.tanh(Z))


# ---------------------------------------------------------------------- susceptibilities
@pytest.mark.parametrize("activation, sigma_b, sigma_w, kernel", [
    (sp.tanh(Z), 0.3, 1.2, 0.8), (sp.tanh(Z), 0.0, 1.0, 2.5), (sp.Max(0, Z), 0.5, 1.1, 1.7),
    (sp.erf(Z), 0.2, 0.9, 0.4), (GELU, 0.4, 1.4, 3.0)])
def test_susceptibilities_against_mpmath_quadrature(activation, sigma_b, sigma_w, kernel):
    chi = susceptibilities(activation, sigma_b, sigma_w, kernel)
    ref = _mp_chi(activation, sigma_b, sigma_w, kernel)
    assert (chi.chi_parallel, chi.chi_perp, chi.next_kernel) == pytest.approx(ref, rel=QUAD_RTOL)


def test_susceptibilities_broadcast_over_kernels():
    ks = np.array([0.5, 1.0, 2.0])
    chi = susceptibilities(sp.tanh(Z), 0.1, 1.0, ks)
    assert chi.chi_perp.shape == (3,)
    assert chi.chi_perp[1] == pytest.approx(susceptibilities(sp.tanh(Z), 0.1, 1.0, 1.0).chi_perp,
                                            rel=EXACT_RTOL)


def test_scale_invariant_chi_equal_at_every_kernel():
    chi = susceptibilities(sp.Max(0, Z), 0, 1.5, np.array([0.1, 1.0, 10.0]))
    assert np.allclose(chi.chi_parallel, 1.5 ** 2 / 2, rtol=EXACT_RTOL)
    assert np.allclose(chi.chi_perp, 1.5 ** 2 / 2, rtol=EXACT_RTOL)


def test_gelu_nonzero_fixed_point_checked_by_mpmath():
    crit = critical_initialisation(GELU)
    assert crit.universality_class == NONZERO_FIXED_POINT
    k = crit.fixed_point_kernel
    chi_par, chi_perp, nxt = _mp_chi(GELU, crit.sigma_b, crit.sigma_w, k)
    assert chi_par == pytest.approx(1.0, abs=1e-8) and chi_perp == pytest.approx(1.0, abs=1e-8)
    assert nxt == pytest.approx(k, rel=1e-8)
    # measured here: C_b = sigma_b^2 = 0.17292, C_W = sigma_W^2 = 1.98305, K* = 3.56155
    assert (crit.sigma_b ** 2, crit.sigma_w ** 2, k) == pytest.approx((0.17292, 1.98305, 3.56155),
                                                                       abs=1e-5)
    # found here: the mismatch chi_par - chi_perp vanishes at (3 + sqrt(17))/2 to 30 mpmath digits
    assert k == pytest.approx((3 + math.sqrt(17)) / 2, rel=1e-11)


@pytest.mark.slow
def test_swish_nonzero_fixed_point_checked_by_mpmath():
    crit = critical_initialisation(SWISH)
    assert crit.universality_class == NONZERO_FIXED_POINT
    chi_par, chi_perp, nxt = _mp_chi(SWISH, crit.sigma_b, crit.sigma_w, crit.fixed_point_kernel)
    assert (chi_par, chi_perp) == pytest.approx((1.0, 1.0), abs=1e-8)
    assert nxt == pytest.approx(crit.fixed_point_kernel, rel=1e-8)


# ---------------------------------------------------------------------- kernel against depth
def test_kernel_flow_critical_relu_constant_off_critical_geometric():
    assert np.allclose(kernel_flow(sp.Max(0, Z), 0, math.sqrt(2), 6, 0.7), 2 * 0.49, rtol=EXACT_RTOL)
    flow = kernel_flow(sp.Max(0, Z), 0, 1.2, 6, 0.7)
    assert np.allclose(flow[1:] / flow[:-1], 1.2 ** 2 / 2, rtol=EXACT_RTOL)


def test_kernel_flow_critical_tanh_decays_like_one_over_two_l():
    # K^(l+1) = K - 2 K^2 + O(K^3) (a_1 = -2): K^(l) ~ 1/(2 l) at large l (RYH §5.3)
    flow = kernel_flow(sp.tanh(Z), 0, 1, 199, 1.0)
    assert flow[-1] * 2 * len(flow) == pytest.approx(1.0, abs=0.05)
    assert np.all(np.diff(flow) < 0)


def test_kernel_flow_off_critical_tanh_reaches_a_nonzero_fixed_point():
    flow = kernel_flow(sp.tanh(Z), 0.3, 1.5, 60, 1.0)
    k_star = flow[-1]
    chi = susceptibilities(sp.tanh(Z), 0.3, 1.5, k_star)
    assert chi.next_kernel == pytest.approx(k_star, rel=1e-9)
    assert chi.chi_parallel < 1                       # an attractive fixed point, not critical


# ---------------------------------------------------------------------- the four-point vertex
def test_critical_relu_normalised_four_point_grows_as_five_per_layer():
    for depth in range(1, 5):
        net = ReLUNet(sigma_w=math.sqrt(2), sigma_b=0, depth=depth)
        assert leading_deviation(net, [0.8] * 4) == pytest.approx(5 * depth, rel=1e-10)


def test_four_point_vertex_linear_at_criticality_exponential_off_it():
    depths = np.arange(1, 7)
    critical = [leading_connected_four_point(ReLUNet(sigma_w=math.sqrt(2), sigma_b=0, depth=L),
                                             [0.8] * 4) for L in depths]
    assert np.allclose(np.diff(critical, 2), 0.0, atol=1e-9 * critical[-1])   # linear in L
    sigma_w = 1.6
    off = np.array([leading_connected_four_point(ReLUNet(sigma_w=sigma_w, sigma_b=0, depth=L),
                                                 [0.8] * 4) for L in depths])
    # kappa_4 = 15 L K^(L)^2 with K^(L) ~ chi^L: log(kappa_4 / L) is a line of slope 2 ln chi
    slope, _ = np.polyfit(depths, np.log(off / depths), 1)
    chi = susceptibilities(sp.Max(0, Z), 0, sigma_w, 1.0).chi_parallel
    assert slope == pytest.approx(2 * math.log(chi), rel=1e-8)
    assert slope == pytest.approx(2 * math.log(sigma_w ** 2 / 2), rel=1e-8)
