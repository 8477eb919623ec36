"""LPA beta functions: regulators, threshold functions, one loop in d = 4 - eps, derivation checks.

Independent references: the d-dimensional Gaussian integral, direct radial quadrature of the
Wetterich integrand in momentum p (not the y variable of the implementation), brute-force SymPy
differentiation of the flow equation, the universal one-loop beta function
beta(g) = -eps g + 3 g^2/(16 pi^2) (e.g. Peskin-Schroeder eq. 12.46 with g = lambda).
"""
import math

import mpmath
import numpy as np
import pytest
import sympy as sp

from nnqft_sym.rg import (RHO, TruncatedAction, custom_regulator, exponential_regulator,
                          get_regulator, litim_regulator, loop_measure, lpa_beta_functions,
                          polchinski_lpa, wetterich_lpa)
from nnqft_sym.rg.regulators import K_SCALE, P2
from tests.tolerances import EXACT_RTOL, QUAD_RTOL

D = sp.Symbol("d", positive=True)
EPS = sp.Symbol("eps")
W = sp.Symbol("w", positive=True)


def lam(n):
    return sp.Symbol(f"lambda_{n}", real=True)


KAPPA = sp.Symbol("kappa", real=True)


# ---------------------------------------------------------------------- measure and regulators
@pytest.mark.parametrize("d", [1, 2, 3, 4, 5.5])
def test_loop_measure_against_gaussian_integral(d):
    # int d^dp/(2pi)^d exp(-p^2) = (4 pi)^(-d/2) = v_d * Gamma(d/2)
    v = float(loop_measure(sp.nsimplify(d)))
    assert v * math.gamma(d / 2) == pytest.approx((4 * math.pi) ** (-d / 2), rel=EXACT_RTOL)


def test_litim_threshold_closed_form_symbolic_d():
    reg = litim_regulator()
    c_d = 1 / ((4 * sp.pi) ** (D / 2) * sp.gamma(D / 2 + 1))
    for j in range(4):
        expected = sp.diff(c_d / (1 + W), W, j)
        assert sp.simplify(reg.threshold(j, D, W) - expected) == 0


def _direct_threshold(regulator, order, d, w):
    """(1/2) int d^dp/(2pi)^d k dR/dk / (p^2 + R + w)^(j+1) * (-1)^j j! at k = 1, by quadrature
    over |p| with the regulator differentiated in k symbolically (no y variable)."""
    k, p = K_SCALE, sp.Symbol("p", positive=True)
    expr = regulator.expression(P2, k)
    # (k^2 - p^2) delta(k^2 - p^2) = 0 in the Litim derivative
    dtr_expr = (k * sp.diff(expr, k)).replace(sp.DiracDelta, lambda *args: 0)
    dtr = sp.lambdify(p, dtr_expr.subs({P2: p ** 2}).subs(k, 1), "mpmath")
    rr = sp.lambdify(p, expr.subs({P2: p ** 2}).subs(k, 1), "mpmath")
    sphere = 2 * mpmath.pi ** (d / 2) / mpmath.gamma(d / 2)

    def integrand(q):
        return q ** (d - 1) * dtr(q) / (q ** 2 + rr(q) + w) ** (order + 1)
    upper = 1 if regulator.name == "litim" else mpmath.inf
    # [0, 1e-6] contributes O(1e-6^d) and would hit exp(p^2) - 1 = 0 in floating point
    value = sphere / (2 * mpmath.pi) ** d * 0.5 * mpmath.quad(integrand, [1e-6, 1] if upper == 1 else [1e-6, 1, upper])
    return float((-1) ** order * math.factorial(order) * value)


@pytest.mark.parametrize("reg", [litim_regulator(), exponential_regulator(),
                                 custom_regulator(K_SCALE ** 2 * sp.exp(-P2 / K_SCALE ** 2),
                                                  name="gauss")])
@pytest.mark.parametrize("order,d,w", [(0, 3, 0.2), (1, 3, -0.3), (2, 4, 0.0), (3, 2.5, 1.5)])
def test_threshold_against_direct_momentum_integral(reg, order, d, w):
    direct = _direct_threshold(reg, order, d, w)
    assert reg.threshold_numeric(order, float(d), w) == pytest.approx(direct, rel=QUAD_RTOL)
    value = reg.threshold(order, sp.nsimplify(d), sp.nsimplify(w))
    assert float(sp.N(value)) == pytest.approx(direct, rel=QUAD_RTOL)


@pytest.mark.parametrize("reg", [litim_regulator(), exponential_regulator(),
                                 custom_regulator(K_SCALE ** 2 / (1 + P2 / K_SCALE ** 2) ** 2)])
def test_universal_one_loop_threshold_in_d4(reg):
    # int dy y (r - y r')/(y + r)^3 = [y^2 / (2 (y + r)^2)]_0^oo = 1/2 for every regulator
    assert reg.threshold_numeric(2, 4.0, 0.0) == pytest.approx(1 / (16 * math.pi ** 2), rel=1e-9)


def test_threshold_of_numeric_regulator_is_symbolic_function_with_derivative_chain():
    reg = exponential_regulator()
    ell1 = reg.threshold(1, 3, W)
    assert sp.diff(ell1, W) == reg.threshold(2, 3, W)
    assert float(ell1.subs(W, 0.3).evalf()) == pytest.approx(reg.threshold_numeric(1, 3.0, 0.3))
    assert "ell" in str(reg.threshold(0, D, W))  # symbolic d: unevaluated
    assert np.isnan(reg.threshold_numeric(0, 3.0, -1.5))  # beyond the propagator pole


def test_regulator_errors():
    k, p2, m = K_SCALE, P2, sp.Symbol("m", positive=True)
    with pytest.raises(ValueError, match="depend only"):
        custom_regulator(m ** 2 * sp.exp(-p2 / k ** 2))
    with pytest.raises(ValueError, match="k\\^2 r"):
        custom_regulator(k ** 2 + p2 ** 2)
    with pytest.raises(ValueError, match="infrared"):
        custom_regulator(p2 * sp.exp(-p2 / k ** 2))
    with pytest.raises(TypeError):
        custom_regulator(object())
    with pytest.raises(ValueError, match="regulator must be one of"):
        get_regulator("sharp")
    with pytest.raises(TypeError):
        get_regulator(3)
    with pytest.raises(ValueError, match="order"):
        litim_regulator().threshold(-1, 3, W)


# ---------------------------------------------------------------------- one loop, d = 4 - eps
def _phi4_beta(beta):
    """beta(g) for V = g phi^4/4! at zero mass: g = u4 = 3 lambda_2, lambda_1 = 0."""
    g = sp.Symbol("g")
    sub = {lam(1): 0, lam(2): g / 3}
    sub.update({lam(n): 0 for n in range(3, beta.action.truncation + 1)})
    return g, sp.sympify(beta.field_betas()[4]).subs(sub)


@pytest.mark.parametrize("truncation", [2, 3])
def test_one_loop_beta_function_litim_symbolic(truncation):
    g, bg = _phi4_beta(lpa_beta_functions(4 - EPS, truncation, "litim", "zero"))
    assert sp.simplify(sp.diff(bg, g).subs(g, 0)) == -EPS
    two = sp.simplify((sp.diff(bg, g, 2).subs(g, 0) / 2).subs(EPS, 0))
    assert sp.simplify(two - 3 / (16 * sp.pi ** 2)) == 0


@pytest.mark.parametrize("reg", ["exponential",
                                 custom_regulator(K_SCALE ** 2 * sp.exp(-P2 / K_SCALE ** 2))])
def test_one_loop_beta_function_other_regulators(reg):
    # linear term from the symbolic dimension, g^2 coefficient in d = 4 by quadrature
    g, bg = _phi4_beta(lpa_beta_functions(4 - EPS, 2, reg, "zero"))
    assert sp.simplify(sp.diff(bg, g).subs(g, 0)) == -EPS
    g, bg4 = _phi4_beta(lpa_beta_functions(4, 2, reg, "zero"))
    two = float(sp.N(sp.diff(bg4, g, 2).subs(g, 0) / 2))
    assert two == pytest.approx(3 / (16 * math.pi ** 2), rel=1e-9)


# ---------------------------------------------------------------------- derivation cross-checks
def _brute_force(action, flow_rhs):
    """beta functions by direct differentiation of the dimensionless flow in rho."""
    u = action.potential(RHO)
    d = action.d
    rhs = -d * u + (d - 2) * RHO * sp.diff(u, RHO) + flow_rhs(u)
    rho0 = action.expansion_point
    der = [sp.diff(rhs, RHO, n).subs(RHO, rho0) for n in range(action.truncation + 1)]
    if action.expansion == "zero":
        return {lam(n): der[n] for n in range(1, action.truncation + 1)}
    bk = -der[1] / lam(2)
    out = {KAPPA: bk}
    for n in range(2, action.truncation + 1):
        out[lam(n)] = der[n] + (lam(n + 1) if n < action.truncation else 0) * bk
    return out


@pytest.mark.parametrize("expansion", ["zero", "minimum"])
def test_wetterich_litim_against_brute_force_differentiation(expansion):
    action = TruncatedAction(D, 4, expansion)
    c_d = 1 / ((4 * sp.pi) ** (D / 2) * sp.gamma(D / 2 + 1))
    ref = _brute_force(action, lambda u: c_d / (1 + sp.diff(u, RHO) + 2 * RHO * sp.diff(u, RHO, 2)))
    beta = wetterich_lpa(action, "litim")
    point = {D: sp.Rational(7, 2), KAPPA: sp.Rational(1, 30), lam(1): sp.Rational(-1, 7),
             lam(2): sp.Rational(5, 2), lam(3): sp.Rational(11, 3), lam(4): sp.Rational(-13, 4)}
    for g, expr in beta.beta.items():
        assert float(sp.N((expr - ref[g]).subs(point), 30)) == pytest.approx(0.0, abs=1e-20)


@pytest.mark.parametrize("expansion", ["zero", "minimum"])
def test_polchinski_against_brute_force_differentiation(expansion):
    action = TruncatedAction(D, 4, expansion)
    # -V'' + V'^2 with V'(phi) = phi U_rho: -(U' + 2 rho U'') + 2 rho U'^2
    ref = _brute_force(action, lambda u: -(sp.diff(u, RHO) + 2 * RHO * sp.diff(u, RHO, 2))
                       + 2 * RHO * sp.diff(u, RHO) ** 2)
    beta = polchinski_lpa(action)
    for g, expr in beta.beta.items():
        assert sp.simplify(expr - ref[g]) == 0


@pytest.mark.parametrize("scheme", ["wetterich", "polchinski"])
def test_dimensionful_and_dimensionless_flows_agree(scheme):
    # lambda_n = k^(d - n (d - 2)) lambda~_n; d/dt lambda~ = -dim * lambda~ + k^-dim beta_n
    d, k, n_max = sp.Integer(3), K_SCALE, 3
    dimful = lpa_beta_functions(d, n_max, "litim", "zero", scheme=scheme, dimensionless=False)
    dimless = lpa_beta_functions(d, n_max, "litim", "zero", scheme=scheme)
    dims = {n: d - n * (d - 2) for n in range(1, n_max + 1)}
    sub = {lam(n): k ** dims[n] * lam(n) for n in range(1, n_max + 1)}
    for n in range(1, n_max + 1):
        from_dimful = -dims[n] * lam(n) + k ** (-dims[n]) * dimful[lam(n)].subs(sub, simultaneous=True)
        assert sp.simplify(from_dimful - dimless[lam(n)]) == 0


def test_dimensionful_flow_with_mass_and_wave_function_factor():
    z, m = sp.symbols("Z m", positive=True)
    action = TruncatedAction(3, 2, kinetic=z * sp.Symbol("p", nonnegative=True) ** 2 + m ** 2)
    beta = wetterich_lpa(action, "litim", dimensionless=False)
    k = K_SCALE
    # d_t U = c_3 k^5 / (k^2 + (m^2 + U'')/Z): phi^2 coefficient
    expected = -3 * lam(2) * k ** 5 / (6 * sp.pi ** 2 * z * k ** 4 * (1 + (m ** 2 + lam(1)) / (z * k ** 2)) ** 2)
    assert sp.simplify(beta[lam(1)] - expected) == 0
    with pytest.raises(ValueError, match="dimensionless"):
        wetterich_lpa(action, "litim")
    action_bad = TruncatedAction(3, 2, kinetic=sp.exp(sp.Symbol("p", nonnegative=True) ** 2))
    with pytest.raises(ValueError, match="Z p\\^2 \\+ m\\^2"):
        wetterich_lpa(action_bad, dimensionless=False)


def test_truncated_action_object():
    q, m = sp.symbols("q m", positive=True)
    act = TruncatedAction.from_propagator(1 / (q ** 2 + m ** 2), q, D, 3, "minimum")
    p = sp.Symbol("p", nonnegative=True)
    assert sp.simplify(act.kinetic - (p ** 2 + m ** 2)) == 0
    assert act.couplings == (KAPPA, lam(2), lam(3))
    # U'(kappa) = 0 and Gamma2 at the minimum is p^2 + m^2 + 2 kappa lambda_2
    assert sp.diff(act.potential(), RHO).subs(RHO, KAPPA) == 0
    assert sp.simplify(act.inverse_propagator(p, KAPPA) - (p ** 2 + m ** 2 + 2 * KAPPA * lam(2))) == 0
    zero = TruncatedAction(3, 3)
    assert zero.field_couplings() == {2: lam(1), 4: 3 * lam(2), 6: 15 * lam(3)}
    assert "Gamma_k" in sp.latex(zero)


@pytest.mark.parametrize("kwargs,exc,match", [
    (dict(d=3, truncation=0), ValueError, "truncation"),
    (dict(d=3, truncation=1, expansion="minimum"), ValueError, ">= 2"),
    (dict(d=3, truncation=2.0), TypeError, "truncation"),
    (dict(d=3, truncation=2, expansion="maximum"), ValueError, "expansion"),
    (dict(d=-1, truncation=2), ValueError, "positive"),
    (dict(d="three", truncation=2), TypeError, "d must"),
    (dict(d=3, truncation=2, scheme="wilson"), ValueError, "scheme"),
])
def test_bad_input(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        lpa_beta_functions(**kwargs)


def test_latex_golden_strings():
    assert lpa_beta_functions(3, 1, "litim", "zero").latex() == (
        "\\begin{aligned}\n\\partial_t \\lambda_{1} &= - 2 \\lambda_{1}\n\\end{aligned}")
    assert lpa_beta_functions(3, 2, "litim", "minimum").latex() == (
        "\\begin{aligned}\n\\partial_t \\kappa &= - \\kappa + \\frac{1}{2 \\pi^{2} \\left(2 "
        "\\kappa \\lambda_{2} + 1\\right)^{2}} \\\\\n\\partial_t \\lambda_{2} &= \\frac{3 "
        "\\lambda_{2}^{2}}{\\pi^{2} \\left(2 \\kappa \\lambda_{2} + 1\\right)^{3}} - "
        "\\lambda_{2}\n\\end{aligned}")
    assert "\\ell^{(1)}_{exponential}" in lpa_beta_functions(3, 2, "exponential").latex()


@pytest.mark.parametrize("scheme", ["wetterich", "polchinski"])
def test_field_betas_about_the_minimum(scheme):
    """field_betas works for both expansions: at kappa = 0 the flows of u_{2n}(phi = 0) about the
    minimum equal those about zero at lambda_1 = 0 (the same truncated polynomial potential)."""
    about_min = lpa_beta_functions(3, 3, "litim", "minimum", scheme=scheme)
    about_zero = lpa_beta_functions(3, 3, "litim", "zero", scheme=scheme)
    fm, fz = about_min.field_betas(), about_zero.field_betas()
    assert sorted(fm) == sorted(fz) == [2, 4, 6]
    for n in fm:
        assert sp.simplify(fm[n].subs(about_min.action.kappa, 0)
                           - fz[n].subs(about_zero.action.lambdas[1], 0)) == 0
