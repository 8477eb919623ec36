"""The exact core gives the exact answer or says why not (issues 12 and 21).

Symbolic width with numeric points, closed forms at coincident points (checked against mpmath
quadrature), odd correlators, overflow, and the cost of many points.
"""
import time

import mpmath
import numpy as np
import pytest
import sympy as sp

import nnqft_sym as nq
from nnqft_sym.errors import CostLimitError, NoClosedFormError, NumericalOverflowError
from nnqft_sym.moments import covariance_expr, moment_from_covariance, relu_moment_closed_form
from nnqft_sym.multi_output import connected_green_indexed, free_green_indexed, green_indexed
from nnqft_sym.partitions import double_factorial, even_set_partitions, moebius_weight

N = sp.Symbol("N", positive=True)
FAMILIES = [nq.GaussNet, nq.ReLUNet, nq.ErfNet]
POINTS = {2: [0.3, -0.2], 4: [-0.5, 0.1, 0.4, 0.9], 6: [-0.6, -0.3, 0.0, 0.2, 0.5, 0.7]}


# ------------------------------------------------------------------ symbolic width, numeric points
@pytest.mark.parametrize("family", FAMILIES, ids=lambda f: f.__name__)
@pytest.mark.parametrize("order", [2, 4, 6])
def test_symbolic_width_gives_the_exact_polynomial_in_inverse_width(family, order):
    net, pts = family(), POINTS[order]
    for func in (nq.green, nq.connected_green, nq.delta_green, nq.deviation):
        expr = func(net, pts, N)
        assert isinstance(expr, sp.Expr) and expr.free_symbols <= {N}
        # a polynomial in 1/N of degree <= n/2 - 1 (connected: the single power N^(1 - n/2))
        eps = sp.Symbol("eps", positive=True)
        poly = sp.Poly(sp.expand(expr.subs(N, 1 / eps)), eps)
        assert poly.degree() <= max(order // 2 - 1, 0)
        for width in (1, 7, 1000):
            assert float(expr.subs(N, width)) == pytest.approx(func(net, pts, width), rel=1e-12, abs=1e-14)


def test_symbolic_width_for_couplings_and_multi_output():
    net = nq.GaussNet()
    pts = [-0.01, -0.006, 0.002, 0.01]
    u4 = net.quartic_coupling(pts, N)
    for width in (2, 10, 100):
        assert float(u4.subs(N, width)) == pytest.approx(net.quartic_coupling(pts, width), rel=1e-12)
    multi = nq.ReLUNet(d_out=2)
    for idx in ([0, 0, 1, 1], [0, 0, 0, 0]):
        g = green_indexed(multi, POINTS[4], idx, N)
        k = connected_green_indexed(multi, POINTS[4], idx, N)
        for width in (3, 10):
            assert float(g.subs(N, width)) == pytest.approx(green_indexed(multi, POINTS[4], idx, width), rel=1e-12)
            assert float(k.subs(N, width)) == pytest.approx(
                connected_green_indexed(multi, POINTS[4], idx, width), rel=1e-12)


def test_symbolic_width_batched_points_give_an_array_of_expressions():
    net = nq.GaussNet()
    batch = np.array([POINTS[4], [0.0, 0.1, 0.2, 0.3]])
    out = net.green(batch, N)
    assert out.shape == (2,)
    np.testing.assert_allclose([float(e.subs(N, 7)) for e in out], net.green(batch, 7), rtol=1e-12)


# ------------------------------------------------------------------ closed forms at coincident points
def _relu_pair_mpmath(a, b, sx, sy, c):
    """E[relu(z1)^a relu(z2)^b] in polar coordinates, the angular integral by mpmath quadrature.

    z1 = sqrt(sx) r cos(phi), z2 = sqrt(sy) r cos(phi - theta), cos(theta) = c / sqrt(sx sy);
    the radial integral is int_0^inf r^(m+1) e^(-r^2/2) dr / (2 pi) = 2^(m/2) Gamma(m/2 + 1) / (2 pi).
    """
    theta = mpmath.acos(c / mpmath.sqrt(sx * sy))
    m = a + b
    radial = mpmath.mpf(2) ** (mpmath.mpf(m) / 2) * mpmath.gamma(mpmath.mpf(m) / 2 + 1) / (2 * mpmath.pi)
    angular = mpmath.quad(lambda p: mpmath.cos(p) ** a * mpmath.cos(p - theta) ** b,
                          [theta - mpmath.pi / 2, mpmath.pi / 2])
    return mpmath.sqrt(sx) ** a * mpmath.sqrt(sy) ** b * radial * angular


@pytest.mark.parametrize("n", range(1, 8))
def test_relu_single_point_moments_match_mpmath(n):
    s = mpmath.mpf("1.09")
    ref = mpmath.quad(lambda u: (mpmath.sqrt(s) * u) ** n * mpmath.exp(-u * u / 2), [0, mpmath.inf])
    ref /= mpmath.sqrt(2 * mpmath.pi)
    assert float(relu_moment_closed_form(n)) * float(s) ** (n / 2) == pytest.approx(float(ref), rel=1e-13)
    if n % 2 == 0:
        assert relu_moment_closed_form(n) == sp.Rational(double_factorial(n - 1), 2)


@pytest.mark.parametrize("a,b", [(1, 1), (2, 1), (1, 2), (2, 2), (3, 1), (1, 3), (3, 3), (4, 2)])
def test_relu_two_point_moments_with_multiplicities_match_mpmath(a, b):
    net = nq.ReLUNet(sigma_w=1, sigma_b=1)
    x, y = sp.Rational(3, 10), sp.Rational(-1, 2)
    expr = moment_from_covariance(net, covariance_expr(net, [[x]] * a + [[y]] * b))   # closed form
    assert not expr.has(sp.Integral) and not expr.free_symbols
    cov = covariance_expr(net, [[x], [y]])
    ref = _relu_pair_mpmath(a, b, *(mpmath.mpf(str(sp.N(v, 30))) for v in (cov[0, 0], cov[1, 1], cov[0, 1])))
    assert float(expr) == pytest.approx(float(ref), rel=1e-10)
    # the numeric route (quadrature) agrees with the closed form
    assert net.neuron_moment([0.3] * a + [-0.5] * b) == pytest.approx(float(expr), rel=1e-8)


def test_relu_connected_green_at_coincident_symbolic_points():
    x = sp.Symbol("x", real=True)
    net = nq.ReLUNet()
    k4 = net.connected_green([x] * 4, N)              # used to raise "no closed form"
    # kappa_4 = [3 E relu^4 - 3 (E relu^2)^2] / N = (9/2 - 3/4) s^2 / N, s = 1 + x^2
    assert sp.simplify(k4 - sp.Rational(15, 4) * (1 + x ** 2) ** 2 / N) == 0
    assert float(k4.subs({x: 0.3, N: 10})) == pytest.approx(net.connected_green([0.3] * 4, 10), rel=1e-8)
    g6 = net.green([x, x, x, -x, -x, -x], N)
    assert float(g6.subs({x: 0.4, N: 5})) == pytest.approx(net.green([0.4] * 3 + [-0.4] * 3, 5), rel=1e-8)


def test_relu_high_precision_moment_uses_the_closed_form():
    net = nq.ReLUNet()
    value = net.neuron_moment([0.3, 0.3, 0.3, -0.5], dps=30)
    ref = _relu_pair_mpmath(3, 1, mpmath.mpf("1.09"), mpmath.mpf("1.25"), mpmath.mpf("0.85"))
    assert abs(value - ref) < mpmath.mpf(10) ** -14 * abs(ref)


def test_odd_activations_vanish_at_odd_orders_and_erf_has_the_arcsine_closed_form():
    x, y = sp.symbols("x y", real=True)
    net = nq.ErfNet()
    assert net.neuron_moment([x, x, y]) == 0
    assert net.neuron_moment([0.1, 0.1, 0.4]) == 0.0
    s = 1 + x ** 2
    assert sp.simplify(net.neuron_moment([x, x]) - 2 / sp.pi * sp.asin(2 * s / (1 + 2 * s))) == 0


def test_three_distinct_relu_points_and_erf_quartic_have_no_closed_form():
    x, y, z = sp.symbols("x y z", real=True)
    relu = nq.ReLUNet()
    with pytest.raises(NoClosedFormError):
        moment_from_covariance(relu, covariance_expr(relu, [[x], [y], [z]]))
    erf = nq.ErfNet()
    with pytest.raises(NoClosedFormError):
        moment_from_covariance(erf, covariance_expr(erf, [[x]] * 4))


# ------------------------------------------------------------------ odd numbers of points
ODD = [0.1, -0.3, 0.5]


@pytest.mark.parametrize("family", FAMILIES + [nq.CosNet], ids=lambda f: f.__name__)
def test_odd_correlators_are_exactly_zero(family):
    net = family()
    for value in (net.green(ODD, 5), net.connected_green(ODD, 5), net.delta_green(ODD, 5),
                  net.free_green(ODD), net.green([0.2], 5)):
        assert value == 0.0 and isinstance(value, float)
    assert net.delta_green_series(ODD) == {}
    np.testing.assert_array_equal(net.green(np.zeros((2, 3, 5)), 4), np.zeros((2, 3)))
    x = sp.Symbol("x", real=True)
    assert net.green([x, 0, 1], N) == 0
    multi = family(d_out=2)
    assert green_indexed(multi, ODD, [0, 1, 1], 5) == 0.0
    assert connected_green_indexed(multi, ODD, [0, 0, 1], 5) == 0.0
    assert free_green_indexed(multi, ODD, [0, 0, 0]) == 0.0


def test_deep_odd_correlators_are_zero():
    assert nq.leading_delta_green(nq.ReLUNet(depth=2), ODD) == 0.0


# ------------------------------------------------------------------ overflow
def _log_gauss_moment(points):
    """log E[prod g(x_i)] for the Gauss-net (sigma_w = sigma_b = 1, d_in = 1) in mpmath."""
    xs = [mpmath.mpf(p) for p in points]
    cov = [[1 + a * b for b in xs] for a in xs]
    return sum(sum(row) for row in cov) / 2 - sum(cov[i][i] for i in range(len(xs)))


@pytest.mark.parametrize("points", [[20, 20.01, 20.02, 20.03], [30.0] * 6])
def test_gauss_net_overflow_is_reported_not_inf_or_nan(points):
    # the exact single-neuron moment is not moderate: E[g^4] ~ e^{4 s}, s = 1 + x^2 ~ 401
    assert _log_gauss_moment(points) > mpmath.log(mpmath.mpf("1.8e308"))
    with pytest.raises(NumericalOverflowError, match="points .*(20|30)"):
        nq.GaussNet().green(points, 10)
    with pytest.raises(NumericalOverflowError):
        nq.GaussNet().deviation(points, 10)


def test_gauss_net_far_but_finite_points_match_mpmath():
    pts = ["5", "5.01", "5.02", "5.03"]
    with mpmath.workdps(40):
        e = lambda idx: mpmath.exp(_log_gauss_moment([pts[i] for i in idx]))
        xs = [mpmath.mpf(p) for p in pts]
        kern = lambda i, j: 1 + mpmath.exp(-(xs[i] - xs[j]) ** 2 / 2)
        c4 = 3 * e((0, 1, 2, 3)) - (e((0, 1)) * e((2, 3)) + e((0, 2)) * e((1, 3)) + e((0, 3)) * e((1, 2)))
        free = kern(0, 1) * kern(2, 3) + kern(0, 2) * kern(1, 3) + kern(0, 3) * kern(1, 2)
    net = nq.GaussNet()
    got = net.green([float(p) for p in pts], 10)
    assert np.isfinite(got) and got > 1e40
    assert got == pytest.approx(float(free + c4 / 10), rel=1e-9)
    assert net.delta_green([float(p) for p in pts], 10) == pytest.approx(float(c4 / 10), rel=1e-9)


# ------------------------------------------------------------------ many points
def _green_by_partitions(net, pts, width):
    """Independent reference: G = sum over even set partitions of prod kappa (the old formula)."""
    v = float(net.output_variance)
    moments = {}

    def t_moment(b):
        if b not in moments:
            moments[b] = double_factorial(len(b) - 1) * v ** (len(b) // 2) * net.neuron_moment([pts[i] for i in b])
        return moments[b]

    def cumulant(block):
        if len(block) == 2:
            return net.kernel(pts[block[0]], pts[block[1]])
        total = 0.0
        for part in even_set_partitions(block):
            term = moebius_weight(len(part))
            for b in part:
                term *= t_moment(b)
            total += term
        return total * width ** (1 - len(block) // 2)

    total = 0.0
    for part in even_set_partitions(tuple(range(len(pts)))):
        term = 1.0
        for b in part:
            term *= cumulant(b)
        total += term
    return total


@pytest.mark.parametrize("family", [nq.GaussNet, nq.ReLUNet], ids=lambda f: f.__name__)
def test_subset_recursion_matches_the_partition_sum(family):
    net = family()
    pts = list(np.linspace(-0.7, 0.8, 8))
    assert net.green(pts, 3) == pytest.approx(_green_by_partitions(net, pts, 3), rel=1e-11)


def test_many_points_finish_or_refuse_up_front():
    net = nq.GaussNet()
    start = time.perf_counter()
    with pytest.raises(CostLimitError, match=r"n = 20 points.*max_terms"):
        net.green(np.linspace(0, 1, 20), 10)
    assert time.perf_counter() - start < 1.0        # refused before any work
    value = net.green(np.linspace(0, 0.3, 14), 10)   # used to take 90 s
    assert np.isfinite(value) and value > 0
    with pytest.raises(CostLimitError, match="max_terms"):
        net.green(POINTS[6], 10, max_terms=100)
    assert net.green(POINTS[6], 10, max_terms=10 ** 6) == pytest.approx(net.green(POINTS[6], 10))
    with pytest.raises(CostLimitError, match="points.*max_terms"):
        green_indexed(nq.GaussNet(d_out=2), np.linspace(0, 1, 14), [0] * 14, 10)
    with pytest.raises(CostLimitError, match="max_terms = 10"):
        green_indexed(nq.GaussNet(d_out=2), POINTS[6], [0] * 6, 10, max_terms=10)


def test_memory_error_becomes_a_cost_limit_error(monkeypatch):
    import nnqft_sym.cumulants as cumulants

    def exhausted(*args, **kwargs):
        raise MemoryError
    monkeypatch.setattr(cumulants, "_reduced_by_mask", exhausted)
    with pytest.raises(CostLimitError, match=r"points.*shape \(2, 4\)"):
        nq.GaussNet().green(np.zeros((2, 4)), 10)


def test_exponential_type_coincident_points_by_the_moment_generating_function():
    x = sp.Symbol("x", real=True)
    net = nq.Network(sp.cosh(nq.Z), sigma_w=1, sigma_b=1)
    expr = net.neuron_moment([x] * 3 + [sp.Rational(-1, 2)])
    s, c, t = mpmath.mpf("1.09"), mpmath.mpf("0.85"), mpmath.mpf("1.25")
    # z1 = sqrt(s) u, z2 = c u / sqrt(s) + r v with r^2 = t - c^2 / s; E_v[cosh(a + r v)] =
    # cosh(a) e^{r^2/2}, and the u integral of E[cosh(z1)^3 cosh(z2)] by mpmath quadrature
    r2 = t - c ** 2 / s
    phi = lambda u: mpmath.exp(-u * u / 2) / mpmath.sqrt(2 * mpmath.pi)
    ref = mpmath.quad(lambda u: phi(u) * mpmath.cosh(mpmath.sqrt(s) * u) ** 3
                      * mpmath.cosh(c / mpmath.sqrt(s) * u) * mpmath.exp(r2 / 2), [-mpmath.inf, 0, mpmath.inf])
    assert float(expr.subs(x, sp.Rational(3, 10))) == pytest.approx(float(ref), rel=1e-10)
