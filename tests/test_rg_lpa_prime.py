"""LPA': the anomalous dimension from the two-point flow, the LPA' beta functions and exponents.

Independent references
----------------------
- Berges, Tetradis, Wetterich, Phys. Rep. 363 (2002) 223 (arXiv:hep-ph/0005122), eq. (4.19):
  eta = (16 v_d / d) kappa lambda^2 m^d_{2,2}(0, 2 kappa lambda), Z defined by a Goldstone
  leg at the running minimum kappa, v_d^{-1} = 2^{d+1} pi^{d/2} Gamma(d/2); for the Litim
  regulator m^d_{2,2}(w1, w2) = 1/((1 + w1)^2 (1 + w2)^2), and the threshold functions carry
  (1 - eta/(d+2)).
- Wilson-Fisher epsilon expansion (e.g. Zinn-Justin, Quantum Field Theory and Critical
  Phenomena): eta = (N + 2) eps^2 / (2 (N + 8)^2) + O(eps^3) for O(N) in d = 4 - eps.
- Large N: eta = O(1/N) (spherical model, eta = 0 at N = oo).
"""
import numpy as np
import pytest
import sympy as sp

from nnqft_sym.rg import (ETA, critical_exponents, derive_anomalous_dimension,
                          lpa_beta_functions, lpa_prime_beta_functions, lpa_prime_exponents,
                          threshold_eta_factor)

KAPPA, LAM, LAM3, W = sp.symbols("kappa lambda lambda3 w", real=True)


def _btw_goldstone(d):
    """BTW eq. (4.19) with their v_d and the Litim m_{2,2}(0, 2 kappa lambda)."""
    d = sp.sympify(d)
    v_btw = 1 / (2 ** (d + 1) * sp.pi ** (d / 2) * sp.gamma(d / 2))
    return 16 * v_btw / d * KAPPA * LAM ** 2 / (1 + 2 * KAPPA * LAM) ** 2


@pytest.mark.parametrize("d", [3, sp.Rational(5, 2), sp.Symbol("d", positive=True)])
def test_goldstone_eta_equals_berges_tetradis_wetterich(d):
    eta = derive_anomalous_dimension(d)
    assert sp.simplify(eta.at(KAPPA, 0, LAM, LAM3) - _btw_goldstone(d)) == 0
    # it does not depend on N (a Goldstone leg), nor on U''' at the minimum
    assert sp.simplify(derive_anomalous_dimension(d, 4).at(KAPPA, 0, LAM, LAM3)
                       - _btw_goldstone(d)) == 0


def test_radial_projection_and_its_ising_relation():
    rad = derive_anomalous_dimension(3, 1, projection="radial")
    ising = 16 / (2 ** 4 * sp.pi ** sp.Rational(3, 2) * sp.gamma(sp.Rational(3, 2))) / 3 \
        * KAPPA * LAM ** 2 / (1 + 2 * KAPPA * LAM) ** 4
    # (3 lambda)^2 radial vertex with its symmetry factor: 9/2 times the Ising formula of
    # Tetradis-Wetterich at U''' = 0
    assert sp.simplify(rad.at(KAPPA, 0, LAM, 0) - sp.Rational(9, 2) * ising) == 0
    assert rad.at(KAPPA, 0, LAM, LAM3).has(LAM3)
    # N - 1 Goldstone loops enter the radial leg; at large N they survive (rescaled)
    n = sp.Symbol("N", positive=True)
    sym = derive_anomalous_dimension(3, n, projection="radial").at(KAPPA, 0, LAM, 0)
    assert sp.simplify(sym.subs(n, 1) - rad.at(KAPPA, 0, LAM, 0)) == 0
    assert derive_anomalous_dimension(3, sp.oo, projection="radial").at(KAPPA, 0, LAM, 0) != 0
    assert derive_anomalous_dimension(3, sp.oo).expression == 0


def test_zero_field_gives_no_anomalous_dimension():
    for projection in ("goldstone", "radial"):
        assert derive_anomalous_dimension(3, 2, projection=projection).at(0, W, LAM, LAM3) == 0
    lpa = critical_exponents(3, 6, expansion="zero")
    res = lpa_prime_exponents(3, 6, expansion="zero", renormalisation_point="zero")
    assert res.eta == 0.0 and res.nu == pytest.approx(lpa.nu, abs=1e-10)


def test_threshold_factor_from_the_regulator():
    d = sp.Symbol("d", positive=True)
    assert sp.simplify(threshold_eta_factor(d) - (1 - ETA / (d + 2))) == 0
    with pytest.raises(ValueError, match="constant on a finite support"):
        threshold_eta_factor(3, "exponential")


def test_beta_functions_reduce_to_lpa_and_carry_eta():
    lpa = lpa_beta_functions(3, 4, "litim", "minimum", n_components=2)
    prime = lpa_prime_beta_functions(3, 4, n_components=2)
    point = dict(zip(lpa.couplings, (0.03, 7.0, 20.0, -30.0)))
    eta = float(prime.eta.subs(point))
    assert eta == pytest.approx(float(_btw_goldstone(3).subs({KAPPA: 0.03, LAM: 7.0})), rel=1e-12)
    # at zero field eta = 0 identically and the LPA' flow is the LPA flow
    zero = lpa_prime_beta_functions(3, 4, expansion="zero", n_components=2,
                                    renormalisation_point="zero")
    lpa_zero = lpa_beta_functions(3, 4, "litim", "zero", n_components=2)
    at = dict(zip(lpa_zero.couplings, (-0.2, 3.0, 5.0, -9.0)))
    assert zero.eta == 0
    for g in lpa_zero.couplings:
        assert float(zero[g].subs(at)) == pytest.approx(float(lpa_zero[g].subs(at)), rel=1e-12)
    assert "LPA'" in str(prime) and r"\eta &=" in prime.latex()


def test_closed_form_flow_about_zero_at_a_fixed_point():
    # the O(N) flow of the docstring, differentiated by series in rho, at rho_r = 0.05
    d, trunc, n_comp, rho_r = 3, 3, 3, sp.Rational(1, 20)
    beta = lpa_prime_beta_functions(d, trunc, expansion="zero", n_components=n_comp,
                                    renormalisation_point=rho_r)
    lam = beta.couplings
    rho = sp.Symbol("rho", positive=True)
    u = sum(lam[n - 1] * rho ** n / sp.factorial(n) for n in range(1, trunc + 1))
    up, upp = sp.diff(u, rho), sp.diff(u, rho, 2)
    eta = beta.eta
    c_d = 1 / (6 * sp.pi ** 2)
    rhs = (-d * u + (d - 2 + eta) * rho * up
           + (1 - eta / (d + 2)) * c_d * ((n_comp - 1) / (1 + up) + 1 / (1 + up + 2 * rho * upp)))
    point = dict(zip(lam, (-0.1, 0.9, 0.4)))
    series = sp.series(rhs.subs(point), rho, 0, trunc + 1).removeO()
    for n, g in enumerate(lam, start=1):
        assert float(beta[g].subs(point)) == pytest.approx(
            float(sp.factorial(n) * series.coeff(rho, n)), rel=1e-10)
    with pytest.raises(ValueError, match="needs expansion='minimum'"):
        lpa_prime_beta_functions(3, 3, expansion="zero")
    with pytest.raises(ValueError, match="renormalisation_point must be"):
        lpa_prime_beta_functions(3, 3, renormalisation_point=-1)


def test_ising_three_dimensions_converges_in_the_truncation():
    res = lpa_prime_exponents(3, 8)
    seq = {n: (eta, nu, omega) for n, eta, nu, omega in res.sequence}
    # successive differences shrink; truncation 6 -> 8 below 1e-4
    assert abs(seq[8][1] - seq[6][1]) < 1e-4 < abs(seq[4][1] - seq[2][1])
    assert abs(seq[8][0] - seq[6][0]) < 2e-5
    assert res.eta == pytest.approx(0.04427, abs=5e-5)
    assert res.nu == pytest.approx(0.63679, abs=2e-4)
    # eta > 0 lowers nu below the LPA value (0.6496, Litim hep-th/0203006)
    assert res.nu < critical_exponents(3, 8).nu - 0.01
    # self-consistency: eta is the formula at the fixed point
    kappa, lam2 = list(res.couplings.values())[:2]
    assert res.eta == pytest.approx(float(_btw_goldstone(3).subs({KAPPA: kappa, LAM: lam2})),
                                    rel=1e-12)


def test_epsilon_expansion_coefficient():
    # Richardson extrapolation of eta / eps^2 to eps -> 0 against (N+2)/(2(N+8)^2)
    for n_comp in (1, 3):
        ratio = [lpa_prime_exponents(4 - eps, 3, n_components=n_comp).eta / float(eps) ** 2
                 for eps in (sp.Rational(1, 100), sp.Rational(1, 200))]
        exact = (n_comp + 2) / (2 * (n_comp + 8) ** 2)
        assert abs(ratio[0] - exact) > 1e-4            # the O(eps) correction is visible
        assert 2 * ratio[1] - ratio[0] == pytest.approx(exact, rel=2e-4)


def test_large_n_and_decrease_with_n():
    etas = [lpa_prime_exponents(3, 6, n_components=n).eta for n in (1, 2, 4, 50)]
    assert all(a > b for a, b in zip(etas, etas[1:]))
    assert lpa_prime_exponents(3, 4, n_components=sp.oo).eta == 0.0
    big = lpa_prime_exponents(3, 6, n_components=1000)
    assert 0 < big.eta < 1e-3 and big.nu == pytest.approx(1.0, abs=2e-3)


def test_bad_input():
    with pytest.raises(ValueError, match="projection must be"):
        derive_anomalous_dimension(3, projection="tangent")
    with pytest.raises(ValueError, match="2 < d < 4"):
        lpa_prime_exponents(4.5, 4)
    with pytest.raises(ValueError, match="truncation must be"):
        lpa_prime_exponents(3, 1)
    with pytest.raises(ValueError, match="n_components"):
        lpa_prime_exponents(3, 4, n_components=sp.Symbol("N"))
    assert np.isfinite(lpa_prime_exponents(3, 2).omega)


def test_full_potential_lpa_prime_equals_the_truncation():
    from nnqft_sym.rg import full_potential_fixed_point
    full = full_potential_fixed_point(3, lpa_prime=True)
    poly = lpa_prime_exponents(3, 12)
    # two independent routes: collocation of the untruncated LPA' and truncation 12
    assert full.eta == pytest.approx(poly.eta, abs=1e-6)
    assert full.nu == pytest.approx(poly.nu, abs=5e-6)
    assert full.omega == pytest.approx(poly.omega, abs=5e-5)
    assert full.nu_error < 1e-6 and full.eta > 0
    assert full_potential_fixed_point(3).eta == 0.0
    with pytest.raises(ValueError, match="one field component"):
        full_potential_fixed_point(3, n_components=2, lpa_prime=True)
    with pytest.raises(ValueError, match="d >= 2.5"):
        full_potential_fixed_point(2.2, lpa_prime=True)
    # eta grows as d decreases: d = 3.5 and 2.5, two grids
    low = [full_potential_fixed_point(2.5, lpa_prime=True, points=n) for n in (64, 80)]
    assert low[1].eta == pytest.approx(low[0].eta, abs=5e-6) and low[1].eta > 0.11
    assert 0 < full_potential_fixed_point(3.5, lpa_prime=True).eta < full.eta
