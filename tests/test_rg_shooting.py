"""Polchinski LPA fixed point by shooting against literature values and the Wetterich LPA.

References
----------
- C. Bervillier, A. Juttner, D. F. Litim, Nucl. Phys. B783 (2007) 213 (hep-th/0701172):
  LPA (Litim regulator) nu = 0.649561773880, omega = 0.655745939193; equal for the
  Polchinski LPA by the Legendre-transform equivalence (T. R. Morris, JHEP 0507 (2005) 027).
- D. F. Litim, Nucl. Phys. B631 (2002) 128: nu = 0.6496.
- epsilon expansion: nu = 1/2 + eps/12 + O(eps^2), omega = eps + O(eps^2).
"""
import numpy as np
import pytest

from nnqft_sym.rg import critical_exponents, polchinski_fixed_point
from nnqft_sym.rg.shooting import _outcome

NU_LPA = 0.649561773880
OMEGA_LPA = 0.655745939193


@pytest.fixture(scope="module")
def fp3():
    return polchinski_fixed_point(3)


def test_exponents_match_literature(fp3):
    assert fp3.nu == pytest.approx(NU_LPA, abs=1e-6)
    assert fp3.omega == pytest.approx(OMEGA_LPA, abs=1e-5)
    # the error estimate is honest: it bounds the actual deviation
    assert abs(fp3.nu - NU_LPA) < 10 * fp3.nu_error + 1e-9
    assert abs(fp3.omega - OMEGA_LPA) < 10 * fp3.omega_error
    assert fp3.nu_error < 1e-6 and fp3.omega_error < 1e-5


def test_equivalence_with_wetterich_litim(fp3):
    # same universality numbers from two different flow equations and two methods
    wett = critical_exponents(3, 10, "litim", "minimum")
    assert fp3.nu == pytest.approx(wett.nu, abs=2e-5)
    assert fp3.omega == pytest.approx(wett.omega, abs=2e-4)


def test_fixed_point_solves_the_ode(fp3):
    # residual of f'' = -b f + a phi f' + 2 f f' by finite differences of the dense solution
    phi = np.linspace(0.2, 5.0, 49)
    h = 1e-3
    f, fp = fp3.solution(phi)
    fpp = (fp3.solution(phi + h)[1] - fp3.solution(phi - h)[1]) / (2 * h)
    res = fpp - (-2.5 * f + 0.5 * phi * fp + 2 * f * fp)
    assert np.max(np.abs(res)) < 1e-6
    assert fp3.potential_at_zero == pytest.approx(-fp3.sigma / 3)


def test_shooting_brackets_the_global_solution(fp3):
    # slightly above and below sigma*: opposite singular fates
    assert _outcome(3.0, fp3.sigma - 1e-6) == -_outcome(3.0, fp3.sigma + 1e-6) != 0
    assert fp3.sigma < 0


def test_epsilon_expansion_near_four():
    eps = 0.01
    fp = polchinski_fixed_point(4 - eps)
    assert abs(fp.nu - (0.5 + eps / 12)) < 3 * eps ** 2
    assert abs(fp.omega - eps) < 3 * eps ** 2


@pytest.mark.parametrize("kwargs,match", [
    (dict(d=2.5), "d must"), (dict(d=4.0), "d must"),
    (dict(d=3, matching=0.5), "matching"), (dict(d=3, window=(1.0, -1.0)), "window"),
])
def test_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        polchinski_fixed_point(**kwargs)


def test_solution_outside_range_is_refused(fp3):
    with pytest.raises(ValueError, match="phi"):
        fp3.solution([6.0])
