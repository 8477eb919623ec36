"""High-precision continuation of the LPA truncations (nnqft_sym.rg.continuation).

Failure cases before the continuation: ``critical_exponents(3, 15)`` raised "lost the
Wilson-Fisher fixed point" (double precision stalls at a residual 3e-8), about zero already at
14, and no start below d = 2.8.  Reference values: Bervillier, Juttner, Litim, Nucl. Phys. B783
(2007) 213 (hep-th/0701172): nu = 0.649561773880, omega = 0.655745939193 (LPA, Litim).
"""
import mpmath
import numpy as np
import pytest
import sympy as sp

from nnqft_sym.rg import critical_exponents, full_potential_fixed_point, get_regulator, lpa_beta_functions
from nnqft_sym.rg.continuation import LpaSystem

NU_BJL, OMEGA_BJL = 0.649561773880, 0.655745939193


@pytest.mark.parametrize("scheme,expansion,n_comp", [
    ("wetterich", "minimum", 1), ("wetterich", "zero", 3), ("wetterich", "minimum", sp.oo),
    ("polchinski", "zero", 2), ("polchinski", "minimum", 1)])
def test_numeric_evaluator_equals_the_symbolic_beta_functions(scheme, expansion, n_comp):
    d = sp.Rational(27, 10)
    beta = lpa_beta_functions(d, 5, "litim", expansion, scheme=scheme, n_components=n_comp)
    reg = get_regulator("litim") if scheme == "wetterich" else None
    system = LpaSystem(scheme, reg, expansion, 5, sp.sympify(n_comp), d, 30)
    x = np.random.default_rng(1).uniform(0.1, 1.0, 5)
    with mpmath.workdps(30):
        values = [float(v) for v in system.values([mpmath.mpf(v) for v in x])]
    np.testing.assert_allclose(values, beta.numeric()[0](x), rtol=1e-13, atol=1e-13)


def test_truncation_15_and_about_zero_14_no_longer_lose_the_fixed_point():
    res = critical_exponents(3, 15)
    assert res.nu == pytest.approx(NU_BJL, abs=1e-6)
    assert [n for n, _, _ in res.sequence] == list(range(2, 16))
    zero = critical_exponents(3, 14, expansion="zero")
    assert zero.nu == pytest.approx(NU_BJL, abs=1e-4)


def test_truncation_30_in_three_dimensions():
    res = critical_exponents(3, 30)
    assert res.nu == pytest.approx(0.649561773887, abs=2e-12)
    assert res.omega == pytest.approx(0.6557459396, abs=1e-10)
    assert res.nu == pytest.approx(NU_BJL, abs=1e-10)
    assert res.omega == pytest.approx(OMEGA_BJL, abs=1e-9)


def test_d_2_8_truncation_12():
    res = critical_exponents(sp.Rational(14, 5), 12)
    assert res.nu == pytest.approx(0.7100110, abs=1e-7)
    assert res.omega == pytest.approx(0.7537632, abs=1e-7)


def test_below_2_8_the_fixed_point_is_followed_in_d():
    # the truncation sequence cannot start in d = 2.7 (selection fails at truncation 3);
    # the truncation-16 fixed point followed from d = 3 approaches the untruncated LPA
    res = critical_exponents(sp.Rational(27, 10), 16)
    assert len(res.sequence) == 1 and res.sequence[0][0] == 16
    full = full_potential_fixed_point(2.7)
    assert res.nu == pytest.approx(full.nu, abs=1e-3)


def test_below_the_validated_dimension_polynomial_truncations_are_refused():
    """d = 2.5, truncation 12 used to return nu = 4.1 (a spurious branch; the untruncated LPA
    gives 0.8653), and d = 2.1 lost the fixed point: both now name the full-potential solver."""
    for d, n in ((sp.Rational(5, 2), 12), (sp.Rational(21, 10), 6), (2.69, 8)):
        with pytest.raises(ValueError, match="full_potential_fixed_point"):
            critical_exponents(d, n)
