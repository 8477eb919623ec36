"""The trapezoidal pair rule of smooth activations (:mod:`nnqft_sym.pair_rules`), which gives the
deep conditional estimator its exact kernel map for tanh-like activations.

References: the polar-coordinate rule :func:`nnqft_sym.quadrature.gaussian_expectation` and
the independent mpmath path :func:`nnqft_sym.quadrature.gaussian_expectation_mp`, at the hard places: large variances (tanh saturates, its poles at +- i pi/2 come
close in the standard variable), nearly coincident and anti-coincident points, tiny variances.
"""
import mpmath
import numpy as np
import pytest
import sympy as sp

from nnqft_sym import Z
from nnqft_sym.pair_rules import TrapezoidPairRule, trapezoid_pair_rule
from nnqft_sym.quadrature import gaussian_expectation, gaussian_expectation_mp

CASES = [(0.5, 0.4, 0.1), (1.0, 1.0, 0.9999), (3.0, 3.0, 2.9), (3.0, 2.0, -1.5),
         (10.0, 10.0, 9.99), (30.0, 20.0, -10.0), (0.01, 0.02, 0.0), (2.0, 2.0, 2.0)]


@pytest.mark.parametrize("name, expr", [
    ("tanh", sp.tanh(Z)), ("gelu", Z * (1 + sp.erf(Z / sp.sqrt(2))) / 2)], ids=["tanh", "gelu"])
def test_pair_rule_against_the_polar_rule(name, expr):
    """Against the polar-coordinate rule of :func:`gaussian_expectation` (radial Gauss-Legendre
    in rho = log(1 + e^x), a different method, ~1e-15)."""
    rule = TrapezoidPairRule(expr)
    phi = sp.lambdify(Z, expr, modules=["scipy", "numpy"])
    sx, sy, c = (np.array(v) for v in zip(*CASES))
    got = rule(sx, sy, c)
    for k, (a, b, r) in enumerate(CASES):
        exact = float(gaussian_expectation([phi, phi], np.array([[a, r], [r, b]])))
        scale = max(1.0, a, b) if name == "gelu" else 1.0
        assert abs(got[k] - exact) < 2e-12 * scale, (name, CASES[k], got[k] - exact)


def test_pair_rule_against_mpmath():
    """One hard case (variance 3, correlation 0.967: tanh's poles at distance 0.9 in the
    standard variable) against the independent mpmath path."""
    value = TrapezoidPairRule(sp.tanh(Z))(np.array([3.0]), np.array([3.0]), np.array([2.9]))[0]
    exact = float(gaussian_expectation_mp(mpmath.tanh, [[3, 2.9], [2.9, 3]], dps=20))
    assert abs(value - exact) < 1e-12


def test_beyond_the_calibrated_variance_the_rule_refines_itself():
    rule = TrapezoidPairRule(sp.tanh(Z), variance=0.1)
    step = rule.step
    value = rule(np.array([40.0]), np.array([40.0]), np.array([39.0]))[0]
    exact = float(gaussian_expectation([np.tanh, np.tanh], np.array([[40.0, 39.0], [39.0, 40.0]])))
    assert abs(value - exact) < 2e-12
    assert rule.step <= step


def test_cached_and_bad_input():
    assert trapezoid_pair_rule(sp.tanh(Z)) is trapezoid_pair_rule(sp.tanh(Z))
    with pytest.raises(ValueError, match="smooth activation"):
        TrapezoidPairRule(sp.Max(0, Z))
    with pytest.raises(ValueError, match="tol must be in"):
        TrapezoidPairRule(sp.tanh(Z), tol=2.0)
    with pytest.raises(ValueError, match="positive variances"):
        trapezoid_pair_rule(sp.tanh(Z))(np.array([-1.0]), np.array([1.0]), np.array([0.0]))
