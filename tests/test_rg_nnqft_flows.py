"""NN-QFT flows (ELS, arXiv:2108.01403): derived flow equations and the active-RG exponents.

Independent references: hand-derived LPA expansion of d_t U = k^d ell(U''/k^2) (below),
direct quadrature of the threshold integrals, the exact finite-width u4 = -Delta G^(4)/N_K of
the core (nnqft_sym.cumulants / couplings) evaluated at moved points.
"""
import math

import numpy as np
import pytest
import sympy as sp

from nnqft_sym import GaussNet
from nnqft_sym.rg import (U4, U6, active_flow, dilation_exponent, exact_active_slope,
                          field_rescaling, gaussnet_flow, gaussnet_regulator, passive_flow)
from nnqft_sym.rg.regulators import K_SCALE, Y
from tests.tolerances import EXACT_RTOL, QUAD_RTOL

ELS_POINTS = [-0.01, -0.006, 0.002, 0.01]   # four of the ELS inputs (docs/conventions.md section 6)
D = sp.Symbol("d", positive=True)


def test_gaussnet_regulator_reproduces_els_propagator():
    reg = gaussnet_regulator()
    assert sp.simplify(reg.propagator_denominator - sp.exp(Y)) == 0      # p^2 + R = k^2 e^y
    assert sp.simplify(reg.scale_derivative - (1 - Y) * sp.exp(Y)) == 0


@pytest.mark.parametrize("d_in", [1, 2, 3])
def test_thresholds_at_zero_against_quadrature_and_gamma_formula(d_in):
    flow = gaussnet_flow(d_in)
    reg = gaussnet_regulator()
    for j, value in flow.thresholds.items():
        gamma_formula = (-1) ** j * math.factorial(j) * (4 * math.pi) ** (-d_in / 2) \
            * j ** (-d_in / 2) * (1 - d_in / (2 * j))
        assert float(value) == pytest.approx(gamma_formula, rel=EXACT_RTOL, abs=1e-300)
        assert reg.threshold_numeric(j, float(d_in), 0.0) == pytest.approx(gamma_formula, rel=QUAD_RTOL, abs=1e-14)


def test_flow_equations_against_hand_expansion():
    # d_t U = k^d ell(U''/k^2), U'' = u4 phi^2/2 + u6 phi^4/24; phi^4 and phi^6 coefficients
    flow = gaussnet_flow(D)
    l1, l2, l3 = (flow.thresholds[j] for j in (1, 2, 3))
    k = K_SCALE
    expected_u4 = k ** (D - 2) * l1 * U6 + 3 * k ** (D - 4) * l2 * U4 ** 2
    expected_u6 = 15 * k ** (D - 4) * l2 * U4 * U6 + 15 * k ** (D - 6) * l3 * U4 ** 3
    point = {D: sp.Rational(3, 2), U4: sp.Rational(-2, 7), U6: sp.Rational(5, 3), k: sp.Rational(9, 5)}
    assert float(sp.N((flow.beta[U4] - expected_u4).subs(point), 30)) == pytest.approx(0, abs=1e-25)
    assert float(sp.N((flow.beta[U6] - expected_u6).subs(point), 30)) == pytest.approx(0, abs=1e-25)
    assert sp.simplify(flow.generated_mass - k ** (D - 2) * l1 * U4) == 0
    # the linear part of the dimensionless flow is the canonical scaling (the talk's exponents)
    dimless = flow.dimensionless()
    assert sp.simplify(sp.diff(dimless[U4], U4).subs({U4: 0, U6: 0}) + (4 - D)) == 0
    assert sp.simplify(sp.diff(dimless[U6], U6).subs({U4: 0, U6: 0}) + (6 - 2 * D)) == 0
    assert "\\partial_t u_{4}" in flow.latex()


@pytest.mark.parametrize("d_in", [1, 2, 3])
def test_field_normalisation(d_in):
    sw = sp.Symbol("sigma_W", positive=True)
    z = field_rescaling(GaussNet(sigma_w=sw, d_in=d_in))
    expected = sw ** (4 - d_in) * sp.Rational(2, d_in) * (sp.Rational(d_in, 2) / sp.pi) ** sp.Rational(d_in, 2)
    assert sp.simplify(z - expected) == 0


@pytest.mark.parametrize("d_in,t", [(1, 2.5), (1, 0.3), (2, 1.7)])
def test_dilation_identity_of_exact_finite_width_u4(d_in, t):
    # u4(x; t sigma) = t^(d - 4) u4(t x; sigma), exact at finite width (core formulas)
    pts = np.array(ELS_POINTS) if d_in == 1 else np.array([[0.1, 0.0], [0.0, -0.2], [0.3, 0.1], [-0.1, 0.2]])
    base = GaussNet(sigma_w=1.3, sigma_b=1.0, d_in=d_in)
    lhs = base.with_params(sigma_w=1.3 * t).quartic_coupling(pts, 10)
    rhs = t ** float(dilation_exponent(base, 4)) * base.quartic_coupling(t * pts, 10)
    assert float(lhs) == pytest.approx(float(rhs), rel=EXACT_RTOL)


def test_exact_active_slope_vs_talk():
    sigmas = [1.0, 1.5, 2.0, 5.0, 10.0, 20.0]
    # coincident points: exactly d_in - 4 = -3 (the talk's +3 has the opposite sign)
    _, slope0 = exact_active_slope([0.0] * 4, 10, sigmas)
    np.testing.assert_allclose(slope0, -3.0, atol=1e-9)
    # ELS points: the dilation moves them, a drift of a few per cent at sigma_W = 20
    u4, slope = exact_active_slope(ELS_POINTS, 10, sigmas)
    assert np.all(u4 < 0)
    assert np.all((slope < -3.0) & (slope > -3.06))
    assert abs(slope[0] + 3.0) < 1e-3
    # the ELS-normalised coupling Z^2 u4 has slope d ln Z^2 / d ln sigma + slope = +3 at x -> 0
    sw = sp.Symbol("sigma_W", positive=True)
    z = field_rescaling(GaussNet(sigma_w=sw, d_in=1))
    assert sp.simplify(sw * sp.diff(sp.log(z ** 2), sw)) + (-3) == 3


def test_active_flow_integrates_to_the_exact_power_law():
    sigmas = np.array([1.0, 2.0, 4.0, 10.0])
    u4_exact, _ = exact_active_slope([0.0] * 4, 20, sigmas)
    sol = active_flow(GaussNet(sigma_w=1.0, d_in=1), u4_exact[0], 1e-3, sigmas)
    np.testing.assert_allclose(sol.u4, u4_exact, rtol=1e-9)
    np.testing.assert_allclose(sol.canonical_u4 / sol.canonical_u4[0], sigmas ** 3, rtol=1e-9)
    np.testing.assert_allclose(sol.canonical_u6 / sol.canonical_u6[0], sigmas ** 4, rtol=1e-9)
    with pytest.raises(ValueError, match="positive"):
        active_flow(GaussNet(sigma_w=1.0), -0.1, 0.0, [1.0, -2.0])


def test_passive_flow_perturbative_and_decoupling():
    net = GaussNet(sigma_w=1.0, d_in=1)
    ks = [30.0, 3.0, 0.3, 0.03, 0.003]
    small, double = (passive_flow(net, u4, 0.0, ks) for u4 in (-1e-3, -2e-3))
    # one-loop structure: the shift of u4 is O(u4^2), the generated u6 is O(u4^3)
    shift_ratio = (double.u4[-1] + 2e-3) / (small.u4[-1] + 1e-3)
    assert shift_ratio == pytest.approx(4.0, rel=1e-2)
    assert double.u6[-1] / small.u6[-1] == pytest.approx(8.0, rel=1e-2)
    # the massive theory (m0^2 = 2 sigma_W^2/d_in) freezes for k << m0
    assert abs(small.u4[-1] - small.u4[-2]) < 1e-4 * abs(small.u4[-1] + 1e-3)
    assert abs(small.u4[-1] + 1e-3) < 1e-3 * 1e-3
    with pytest.raises(ValueError, match="positive"):
        passive_flow(net, -1e-3, 0.0, [1.0, 0.0])
