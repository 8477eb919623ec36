"""The untruncated LPA fixed point by Chebyshev collocation (full_potential_fixed_point).

Reference: Bervillier, Juttner, Litim, Nucl. Phys. B783 (2007) 213 (hep-th/0701172), LPA with
Litim's regulator, d = 3, N = 1: nu = 0.649561773880, omega = 0.655745939193.
"""
import numpy as np
import pytest
import sympy as sp

from nnqft_sym.rg import critical_exponents, full_potential_fixed_point, polchinski_fixed_point


def test_ising_exponents_to_bervillier_juttner_litim():
    fp = full_potential_fixed_point(3)
    assert fp.nu == pytest.approx(0.649561773880, abs=2e-10)
    assert fp.omega == pytest.approx(0.655745939193, abs=2e-9)
    assert fp.nu_error < 1e-9 and fp.omega_error < 1e-8
    # the grid does not matter: larger extent, more points
    other = full_potential_fixed_point(3, points=120, extent=10.0)
    assert other.nu == pytest.approx(fp.nu, abs=1e-10)


def test_potential_against_the_polynomial_truncation():
    fp = full_potential_fixed_point(3, points=120)   # the potential needs more points
    poly = critical_exponents(3, 24)
    kappa, lam2 = list(poly.couplings.values())[:2]
    assert fp.minimum == pytest.approx(kappa, rel=1e-9)
    # u'(kappa) = 0, u''(kappa) = lambda_2 (Chebyshev interpolant of u')
    series = np.polynomial.Chebyshev.fit(fp.rho, fp.derivative, fp.rho.size - 1,
                                         domain=[0.0, fp.rho[-1]])
    assert abs(series(fp.minimum)) < 1e-10
    assert series.deriv()(fp.minimum) == pytest.approx(lam2, rel=1e-8)
    # the potential obeys u' = du/drho
    pot = np.polynomial.Chebyshev.fit(fp.rho, fp.potential, fp.rho.size - 1,
                                      domain=[0.0, fp.rho[-1]])
    inner = fp.rho < 0.5 * fp.rho[-1]
    np.testing.assert_allclose(pot.deriv()(fp.rho[inner]), fp.derivative[inner], atol=1e-8)


def test_equals_polchinski_shooting_by_legendre_equivalence():
    # Morris, JHEP 0507 (2005) 027: Polchinski LPA = Wetterich LPA with Litim's regulator
    pol = polchinski_fixed_point(3.5)
    fp = full_potential_fixed_point(3.5)
    assert fp.nu == pytest.approx(pol.nu, abs=max(10 * pol.nu_error, 1e-8))


def test_other_regulator_and_dimension_agree_with_truncations():
    fp = full_potential_fixed_point(3, regulator="exponential")
    poly = critical_exponents(3, 10, "exponential")
    assert fp.nu == pytest.approx(poly.nu, abs=2e-6)
    two = full_potential_fixed_point(3.5, n_components=2)
    assert two.nu == pytest.approx(critical_exponents(sp.Rational(7, 2), 12, n_components=2).nu,
                                   abs=1e-9)


def test_below_2_8_is_continued_in_d():
    fp = full_potential_fixed_point(2.5)
    assert fp.d == 2.5 and fp.nu_error < 1e-7
    # nu grows monotonically as d decreases towards 2 (Ising class)
    assert full_potential_fixed_point(2.7).nu < fp.nu


def test_down_to_d_2_1_with_two_grids():
    # continuation in d with interpolated starts and a shrinking grid (module docstring)
    coarse = full_potential_fixed_point(2.1, points=64)
    fine = full_potential_fixed_point(2.1, points=80)
    assert fine.nu == pytest.approx(coarse.nu, abs=2e-5)
    assert fine.omega == pytest.approx(coarse.omega, abs=2e-4)
    assert fine.nu == pytest.approx(2.086729, abs=2e-5)      # 120 points: 2.0867291
    # nu grows fast towards d = 2 (the Ising LPA has no fixed point at d = 2)
    assert fine.nu > full_potential_fixed_point(2.2).nu > 1.36
    with pytest.raises(ValueError, match="2.1 <= d < 4"):
        full_potential_fixed_point(2.05)
