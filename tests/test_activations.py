"""The activation rule books (nnqft_sym.activations): families recognised by pattern, and
their closed forms checked against mpmath Gaussian integrals."""
from __future__ import annotations

import mpmath
import numpy as np
import pytest
import sympy as sp

import nnqft_sym as nq
from nnqft_sym import NoClosedFormError, Z
from nnqft_sym.activations import (ErfRules, ExponentialRules, PiecewiseLinearRules,
                                   activation_rules)
from nnqft_sym.expectations import gaussian_moment
from nnqft_sym.quadrature import activation_homogeneity, activation_kinks
from tests.polar_reference import polar_mpmath

ALPHA = sp.Rational(1, 10)


@pytest.mark.parametrize("expr,a,b", [
    (sp.Max(0, Z), 1, 0),
    (sp.Max(ALPHA * Z, Z), 1, -ALPHA),                       # leaky ReLU written with Max
    (sp.Max(0, Z) + ALPHA * sp.Min(0, Z), 1, -ALPHA),
    (sp.Abs(Z), 1, 1),
    (3 * sp.Max(0, Z), 3, 0),                                # scaled ReLU
    (sp.Max(0, Z) * sp.Rational(1, 2), sp.Rational(1, 2), 0),
    (sp.Piecewise((Z, Z > 0), (0, True)), 1, 0),             # ReLU as a Piecewise
    (sp.Piecewise((2 * Z, Z >= 0), (-ALPHA * Z, True)), 2, ALPHA),
    (sp.Max(0, -Z), 0, 1),
    (Z, 1, -1),                                              # the identity
])
def test_piecewise_linear_family_is_recognised_by_pattern(expr, a, b):
    rules = activation_rules(expr)
    assert isinstance(rules, PiecewiseLinearRules)
    assert (sp.nsimplify(rules.a), sp.nsimplify(rules.b)) == (a, b)
    assert rules.homogeneity == 1


@pytest.mark.parametrize("expr,a,b", [(sp.erf(Z), 1, 1), (2 * sp.erf(3 * Z), 2, 3),
                                      (sp.erf(Z / 2), 1, sp.Rational(1, 2))])
def test_erf_family_is_recognised_by_pattern(expr, a, b):
    rules = activation_rules(expr)
    assert isinstance(rules, ErfRules) and (rules.a, rules.b) == (a, b)


@pytest.mark.parametrize("expr", [sp.exp(Z), sp.cosh(Z), sp.cos(2 * Z), sp.exp(Z) + 1])
def test_exponential_family_is_recognised(expr):
    assert isinstance(activation_rules(expr), ExponentialRules)


@pytest.mark.parametrize("expr", [sp.tanh(Z), sp.Max(0, Z) ** 2, sp.Max(0, Z - 1),
                                  sp.Max(0, Z) + 1, sp.erf(Z) + Z, Z * sp.erf(Z),
                                  sp.log(1 + sp.exp(Z))])
def test_other_activations_are_generic(expr):
    rules = activation_rules(expr)
    assert rules.family == "generic"
    with pytest.raises(NoClosedFormError):
        rules.pair_closed_form()


def test_quadrature_names_delegate_to_the_rule_book():
    z = sp.Symbol("z", real=True)
    w = sp.Symbol("w")
    assert activation_kinks(sp.Max(0, z), z) == (0.0,)
    assert activation_kinks(sp.Min(1, sp.Max(-1, w)), w) == (-1.0, 1.0)
    assert activation_homogeneity(sp.Max(0, w) ** 2, w) == 2
    assert activation_homogeneity(sp.tanh(z), z) is None
    assert activation_rules(sp.Abs(Z)).kinks == (0.0,)


def test_derivatives_ufunc_and_parity():
    rules = activation_rules(sp.tanh(Z))
    assert sp.simplify(rules.derivative(1) - 1 / sp.cosh(Z) ** 2) == 0
    assert rules.ufunc(np.array([0.5]))[0] == pytest.approx(np.tanh(0.5), rel=1e-15)
    assert rules.derivative_functions[1](0.0) == pytest.approx(1.0)
    assert rules.is_odd and not activation_rules(sp.Abs(Z)).is_odd


def _pair_mpmath(f, sx, sy, c, homogeneous=True):
    """E[f(z_x) f(z_y)], (z_x, z_y) ~ N(0, [[s_x, c], [c, s_y]])."""
    sx, sy, c = (mpmath.mpf(v) for v in (sx, sy, c))
    rows = [(mpmath.sqrt(sx), 0), (c / mpmath.sqrt(sx), mpmath.sqrt(sy - c * c / sx))]
    if homogeneous:
        return polar_mpmath(f, rows, 1)
    return mpmath.quad(lambda u, v: f(rows[0][0] * u) * f(rows[1][0] * u + rows[1][1] * v)
                       * mpmath.exp(-(u * u + v * v) / 2) / (2 * mpmath.pi),
                       [-mpmath.inf, mpmath.inf], [-mpmath.inf, mpmath.inf])


@pytest.mark.parametrize("expr,f", [
    (sp.Max(0, Z) + ALPHA * sp.Min(0, Z), lambda z: z if z > 0 else z / 10),
    (sp.Abs(Z), abs),
    (2 * sp.Max(0, -Z), lambda z: -2 * z if z < 0 else 0 * z),
    # 20 s of mpmath; the arcsine closed form is also checked against quadrature elsewhere
    pytest.param(2 * sp.erf(3 * Z), lambda z: 2 * mpmath.erf(3 * z), marks=pytest.mark.slow),
])
def test_pair_closed_forms_match_mpmath(expr, f):
    sx, sy, c = 1.3, 0.7, -0.4
    rules = activation_rules(expr)
    closed = float(rules.pair_closed_form().subs(dict(zip(nq.activations.PAIR_SYMBOLS, (sx, sy, c)))))
    with mpmath.workdps(20):
        ref = float(_pair_mpmath(f, "1.3", "0.7", "-0.4", homogeneous=rules.homogeneity == 1))
    assert closed == pytest.approx(ref, rel=1e-12)
    cov = np.array([[sx, c], [c, sy]])
    assert float(gaussian_moment(expr, cov)) == pytest.approx(ref, rel=1e-12)


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5])
def test_coincident_moments_match_mpmath(n):
    rules = activation_rules(sp.Max(0, Z) - sp.Rational(3, 10) * sp.Min(0, Z))   # slope -0.3
    s = sp.Rational(13, 10)
    ref = mpmath.quad(lambda z: (z if z > 0 else -3 * z / 10) ** n * mpmath.npdf(z, 0, mpmath.sqrt(1.3)),
                      [-mpmath.inf, 0, mpmath.inf])
    assert float(rules.coincident_moment(n, s)) == pytest.approx(float(ref), rel=1e-13)
    cov = sp.Matrix(n, n, lambda i, j: s)
    assert float(rules.product_closed_form(cov)) == pytest.approx(float(ref), rel=1e-13)


def test_relu_closed_forms_are_unchanged():
    """The pattern-matched ReLU and Erf pair closed forms are the expressions used before."""
    sx, sy, c = nq.activations.PAIR_SYMBOLS
    relu = (sp.sqrt(sx * sy - c ** 2) + (sp.pi - sp.acos(c / sp.sqrt(sx * sy))) * c) / (2 * sp.pi)
    assert activation_rules(sp.Max(0, Z)).pair_closed_form() == relu
    erf = 2 / sp.pi * sp.asin(2 * c / sp.sqrt((1 + 2 * sx) * (1 + 2 * sy)))
    assert activation_rules(sp.erf(Z)).pair_closed_form() == erf


def test_abs_pair_has_the_arcsine_form():
    """|z|: (a^2 + b^2) J(c) + 2ab J(-c) = (2/pi)(sqrt(s_x s_y - c^2) + c asin(c/sqrt(s_x s_y)))."""
    sx, sy, c = nq.activations.PAIR_SYMBOLS
    pair = activation_rules(sp.Abs(Z)).pair_closed_form()
    ref = 2 / sp.pi * (sp.sqrt(sx * sy - c ** 2) + c * sp.asin(c / sp.sqrt(sx * sy)))
    vals = {sx: sp.Rational(3, 2), sy: sp.Rational(4, 5), c: sp.Rational(-1, 3)}
    assert float((pair - ref).subs(vals)) == pytest.approx(0.0, abs=1e-15)
