"""O(N) LPA flows (``n_components``): the Z2 case unchanged, closed forms, literature exponents.

References
----------
- D. F. Litim, Nucl. Phys. B631 (2002) 128 (hep-th/0203006), "Critical exponents from optimised
  renormalisation group flows": LPA with the optimised (Litim) regulator for all N in d = 3;
  nu = 0.6496 (N = 1), 0.7082 (N = 2), 0.7611 (N = 3), 0.8043 (N = 4).
- C. Bervillier, A. Juttner, D. F. Litim, Nucl. Phys. B783 (2007) 213 (hep-th/0701172):
  N = 1, nu = 0.649561773880, omega = 0.655745939193.
- large N (spherical model, exact in the LPA): nu = 1/(d - 2), omega = 4 - d.
"""
import pytest
import sympy as sp

from nnqft_sym.rg import (RHO, critical_exponents, full_potential_fixed_point, litim_regulator,
                          lpa_beta_functions)

LITIM_2002_NU = {1: 0.6496, 2: 0.7082, 3: 0.7611, 4: 0.8043}


def test_one_component_is_the_z2_flow_bit_for_bit():
    for scheme, expansion in (("wetterich", "minimum"), ("wetterich", "zero"),
                              ("polchinski", "zero")):
        default = lpa_beta_functions(3, 6, "litim", expansion, scheme=scheme)
        one = lpa_beta_functions(3, 6, "litim", expansion, scheme=scheme, n_components=1)
        assert default.beta == one.beta
    # the values of critical_exponents(3, 12) before O(N) support (bit-identical)
    res = critical_exponents(3, 12, n_components=1)
    assert res.nu == 0.6495596018044595 and res.omega == 0.655744203688979


def _series_betas(expr_rhs, truncation, d):
    """Beta functions about zero from the series of a closed-form right-hand side in rho."""
    lam = sp.symbols(f"lambda_1:{truncation + 1}", real=True)
    u = sum(lam[n - 1] * RHO ** n / sp.factorial(n) for n in range(1, truncation + 1))
    rhs = expr_rhs(u)
    series = sp.series(rhs, RHO, 0, truncation + 1).removeO()
    return lam, [sp.factorial(n) * series.coeff(RHO, n) for n in range(1, truncation + 1)]


@pytest.mark.parametrize("n_comp", [2, 3, 7])
def test_wetterich_litim_matches_the_closed_form_flow(n_comp):
    d, trunc = 3, 3
    c_d = litim_regulator().threshold(0, d, 0)   # c_d / (1 + 0)
    assert sp.simplify(c_d - 1 / (6 * sp.pi ** 2)) == 0

    def rhs(u):
        up, upp = sp.diff(u, RHO), sp.diff(u, RHO, 2)
        return (-d * u + (d - 2) * RHO * up
                + c_d * ((n_comp - 1) / (1 + up) + 1 / (1 + up + 2 * RHO * upp)))

    lam, expected = _series_betas(rhs, trunc, d)
    beta = lpa_beta_functions(d, trunc, "litim", "zero", n_components=n_comp)
    point = {g: v for g, v in zip(lam, (0.1, 0.7, -0.3))}
    for g, exp in zip(lam, expected):
        assert float(beta[g].subs(point)) == pytest.approx(float(exp.subs(point)), rel=1e-12)


def test_polchinski_matches_the_closed_form_flow():
    d, trunc, n_comp = 3, 3, 4

    def rhs(v):
        vp, vpp = sp.diff(v, RHO), sp.diff(v, RHO, 2)
        return -d * v + (d - 2) * RHO * vp - (n_comp * vp + 2 * RHO * vpp) + 2 * RHO * vp ** 2

    lam, expected = _series_betas(rhs, trunc, d)
    beta = lpa_beta_functions(d, trunc, expansion="zero", scheme="polchinski", n_components=n_comp)
    for g, exp in zip(lam, expected):
        assert sp.expand(beta[g] - exp) == 0


def test_symbolic_n_specialises_to_numeric_n():
    n = sp.Symbol("N", positive=True)
    sym = lpa_beta_functions(3, 4, "litim", "minimum", n_components=n)
    num = lpa_beta_functions(3, 4, "litim", "minimum", n_components=5)
    point = dict(zip(num.couplings, (0.08, 6.0, 30.0, -40.0)))
    for g in num.couplings:
        assert float(sym[g].subs(n, 5).subs(point)) == pytest.approx(float(num[g].subs(point)),
                                                                     rel=1e-12)
    assert "N" in sym.latex()


@pytest.mark.parametrize("n_comp", [1, 2, 3, 4])
def test_nu_in_three_dimensions_against_litim_2002(n_comp):
    poly = critical_exponents(3, 18, n_components=n_comp)
    full = full_potential_fixed_point(3, n_components=n_comp)
    # two independent methods: the polynomial truncation (about the minimum) and collocation
    # (truncation 18 converges more slowly for N > 1: 3e-8 in nu for N = 2)
    assert poly.nu == pytest.approx(full.nu, abs=1e-7)
    assert poly.omega == pytest.approx(full.omega, abs=1e-6)
    assert full.nu == pytest.approx(LITIM_2002_NU[n_comp], abs=5e-5)
    assert "O(%d)" % n_comp in str(poly) or n_comp == 1


def test_large_n_limit_is_exact():
    for d in (3, sp.Rational(7, 2)):
        res = critical_exponents(d, 6, n_components=sp.oo)
        assert res.nu == pytest.approx(float(1 / (d - 2)), abs=1e-12)
        assert res.omega == pytest.approx(float(4 - d), abs=1e-10)
    full = full_potential_fixed_point(3, n_components=sp.oo)
    assert full.nu == pytest.approx(1.0, abs=1e-10) and full.omega == pytest.approx(1.0, abs=1e-8)
    # finite N approaches it like 1/N
    assert abs(critical_exponents(3, 8, n_components=1000).nu - 1.0) < 1.5e-3
    # large-N flow: the minimum decouples, beta_kappa = -(d - 2) kappa + c_d
    beta = lpa_beta_functions(3, 2, n_components=sp.oo)
    kappa = beta.couplings[0]
    assert sp.simplify(beta[kappa] - (-kappa + 1 / (6 * sp.pi ** 2))) == 0


def test_printed_setting_names_the_model():
    beta = lpa_beta_functions(3, 2, n_components=3)
    assert "O(3) model" in str(beta)
    assert "n_components=3" in repr(critical_exponents(3, 3, n_components=3))
