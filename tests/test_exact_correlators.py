"""Exact finite-width correlators: closed forms, algebraic identities, and Monte Carlo."""
import itertools

import numpy as np
import pytest
import sympy as sp

from nnqft_sym import CosNet, ErfNet, GaussNet, ReLUNet, double_factorial, pairings
from tests.mc_reference import sample_network_outputs
from tests.tolerances import EXACT_RTOL, assert_mc_agrees, mc_mean

SW, SB = sp.Symbol("sigma_W", positive=True), sp.Symbol("sigma_b", positive=True)
ELS_POINTS = np.array([-0.01, -0.006, -0.002, 0.002, 0.006, 0.01])


@pytest.mark.parametrize("n", [2, 4, 6, 8, 10])
def test_pairing_counts_are_double_factorials(n):
    assert len(pairings(n)) == double_factorial(n - 1)
    assert len(set(pairings(n))) == len(pairings(n))
    for matching in pairings(n):
        assert sorted(itertools.chain.from_iterable(matching)) == list(range(n))


def test_free_green_at_coincident_points():
    """All points equal: G_0^(n) = (n-1)!! K(x,x)^(n/2)."""
    net = ReLUNet(sigma_w=1.5, sigma_b=0.5)
    k = net.kernel(0.3, 0.3)
    for n in (2, 4, 6, 8):
        assert net.free_green([0.3] * n) == pytest.approx(double_factorial(n - 1) * k ** (n // 2), rel=EXACT_RTOL)


def test_free_green_symbolic_matches_numeric():
    xs = sp.symbols("x1:5", real=True)
    net = GaussNet(sigma_w=SW, sigma_b=SB)
    expr = net.free_green(list(xs))
    vals = [0.1, -0.4, 0.7, 0.2]
    num = float(expr.subs({**dict(zip(xs, vals)), SW: 1.3, SB: 0.6}))
    assert num == pytest.approx(GaussNet(sigma_w=1.3, sigma_b=0.6).free_green(vals), rel=EXACT_RTOL)


def test_gauss_net_moment_is_the_physics_md_closed_form():
    """E(prod g) = exp((n-2)/2 sum s_i - sum_{i<j} D_ij), D_ij = sigma_W^2 |x_i - x_j|^2 / (2 d_in)."""
    for d_in in (1, 2):
        xs = [list(sp.symbols(f"x{i}_1:{d_in + 1}", real=True)) for i in range(4)]
        net = GaussNet(sigma_w=SW, sigma_b=SB, d_in=d_in)
        s = [SB ** 2 + SW ** 2 * sum(c ** 2 for c in x) / d_in for x in xs]
        dij = sum(SW ** 2 * sum((a - b) ** 2 for a, b in zip(xs[i], xs[j])) / (2 * d_in)
                  for i, j in itertools.combinations(range(4), 2))
        closed = sp.exp(sp.Rational(4 - 2, 2) * sum(s) - dij)
        assert sp.simplify(net.neuron_moment(xs) - closed) == 0


def test_gauss_net_numeric_moment_matches_closed_form_d3_n6():
    rng = np.random.default_rng(3)
    pts = rng.normal(size=(5, 6, 3))
    net = GaussNet(sigma_w=0.9, sigma_b=0.4, d_in=3)
    s = 0.4 ** 2 + 0.81 * np.sum(pts ** 2, -1) / 3
    diff = pts[:, :, None, :] - pts[:, None, :, :]
    dij = 0.81 * np.sum(diff ** 2, -1) / 6
    closed = np.exp((6 - 2) / 2 * s.sum(-1) - np.triu(dij, 1).sum((-1, -2)))
    np.testing.assert_allclose(net.neuron_moment(pts), closed, rtol=EXACT_RTOL)


def test_second_order_is_the_kernel_at_every_width():
    net = GaussNet(sigma_w=1.1, sigma_b=0.9)
    # the Gauss-net kernel in closed form (HMS arXiv:2008.08601): sigma_b^2 + sigma_W^2 e^{-sigma_W^2 |x-y|^2 / 2}
    kernel = 0.9 ** 2 + 1.1 ** 2 * np.exp(-1.1 ** 2 * 0.5 ** 2 / 2)
    for width in (1, 2, 10, 1000):
        assert net.green([0.2, -0.3], width) == pytest.approx(kernel, rel=EXACT_RTOL)
    n = sp.Symbol("N", positive=True, integer=True)
    x, y = sp.symbols("x y", real=True)
    sym = GaussNet(sigma_w=SW, sigma_b=SB)
    assert sp.simplify(sym.green([x, y], n) - sym.kernel_expr(x, y)) == 0


def test_connected_four_point_is_the_physics_md_formula():
    """G_c^(4) = sigma_W^4 / N [3 E(g1g2g3g4) - E12 E34 - E13 E24 - E14 E23]."""
    net = GaussNet(sigma_w=1.3, sigma_b=0.7, d_in=2)
    pts = np.array([[0.1, 0.2], [-0.3, 0.5], [0.0, -0.4], [0.6, 0.6]])
    e = lambda *idx: net.neuron_moment(pts[list(idx)])  # noqa: E731
    width = 7
    expected = 1.3 ** 4 / width * (3 * e(0, 1, 2, 3) - e(0, 1) * e(2, 3) - e(0, 2) * e(1, 3) - e(0, 3) * e(1, 2))
    assert net.connected_green(pts, width) == pytest.approx(expected, rel=EXACT_RTOL)


def test_six_point_connected_formula():
    """G_c^(6) = sigma_W^6 / N^2 [15 E6 - 3 sum_15 E4 E2 + 2 sum_15 E2 E2 E2] (docs/conventions.md section 2)."""
    net = CosNet(sigma_w=1.0, sigma_b=0.5)  # cos-net: v_out = 2 sigma_W^2
    pts = np.array([0.1, -0.2, 0.35, 0.5, -0.6, 0.05])
    e = lambda idx: net.neuron_moment(pts[list(idx)])  # noqa: E731
    v = 2.0
    e4e2 = sum(e(b) * e(tuple(sorted(set(range(6)) - set(b))))
               for b in itertools.combinations(range(6), 4))
    e2e2e2 = sum(e(a) * e(b) * e(c) for a, b, c in pairings(6))
    width = 5
    expected = v ** 3 / width ** 2 * (15 * e(range(6)) - 3 * e4e2 + 2 * e2e2e2)
    assert net.connected_green(pts, width) == pytest.approx(expected, rel=1e-9)


def test_deviation_series_is_exact_and_finite():
    n_sym = sp.Symbol("N", positive=True)
    net = GaussNet(sigma_w=1.0, sigma_b=1.0)
    series = net.delta_green_series(ELS_POINTS)
    assert sorted(series) == [1, 2]
    for width in (2, 3, 50):
        total = sum(c / width ** k for k, c in series.items())
        assert net.delta_green(ELS_POINTS, width) == pytest.approx(total, rel=EXACT_RTOL)
    # symbolic width: Delta G^(4) is exactly c / N
    xs = sp.symbols("x1:5", real=True)
    sym = GaussNet(sigma_w=SW, sigma_b=SB)
    dg = sym.delta_green(list(xs), n_sym)
    assert sp.simplify(dg * n_sym).has(n_sym) is False


def test_deviation_scales_as_one_over_width():
    net = GaussNet()
    pts = ELS_POINTS[:4]
    m10, m1000 = net.deviation(pts, 10), net.deviation(pts, 1000)
    assert m10 / m1000 == pytest.approx(100, rel=EXACT_RTOL)
    # m_6 = c1/N + c2/N^2: for Gauss-net c2/c1 is large (log-normal features), so the 1/N law
    # only sets in at large width
    c = net.delta_green_series(ELS_POINTS)
    assert c[2] / c[1] > 100
    m6 = [net.deviation(ELS_POINTS, w) for w in (10 ** 6, 2 * 10 ** 6)]
    assert m6[0] / m6[1] == pytest.approx(2, rel=1e-3)


def test_batched_evaluation_equals_loop():
    net = CosNet(sigma_w=1.4, sigma_b=0.3, d_in=2)
    rng = np.random.default_rng(0)
    batch = rng.normal(size=(3, 4, 6, 2))
    out = net.green(batch, 4)
    assert out.shape == (3, 4)
    for i, j in itertools.product(range(3), range(4)):
        assert out[i, j] == pytest.approx(net.green(batch[i, j], 4), rel=1e-13)


@pytest.mark.parametrize("family,cls,sw,sb,d_in", [("gauss", GaussNet, 0.6, 0.5, 1),
                                                   ("gauss", GaussNet, 0.6, 0.5, 2),
                                                   ("cos", CosNet, 1.5, 0.5, 1),
                                                   ("cos", CosNet, 1.5, 0.5, 3),
                                                   ("relu", ReLUNet, 1.2, 0.8, 1),
                                                   ("relu", ReLUNet, 1.2, 0.8, 2),
                                                   ("erf", ErfNet, 1.5, 0.5, 1)])
def test_exact_four_and_six_point_against_monte_carlo(family, cls, sw, sb, d_in):
    """Width 2, 10^6 networks: G^(4) and G^(6) from samples within 4 standard errors."""
    rng = np.random.default_rng(5)
    pts = rng.uniform(-1, 1, size=(6, d_in))
    net = cls(sigma_w=sw, sigma_b=sb, d_in=d_in)
    width = 2
    f = np.concatenate([sample_network_outputs(family, pts, width, 250_000, sw, sb, seed=s)
                        for s in range(4)])
    for idx in [(0, 1, 2, 3), (0, 0, 4, 5), (1, 1, 1, 1)]:
        est, se = mc_mean(np.prod(f[:, list(idx)], axis=1))
        exact = net.green(pts[list(idx)], width)
        assert_mc_agrees(est, se, exact, what=f"G4{idx}")
        # the finite-width deviation is resolved, not just G_0
        assert abs(exact - net.free_green(pts[list(idx)])) > 3 * se
    est, se = mc_mean(np.prod(f, axis=1))
    assert_mc_agrees(est, se, net.green(pts, width), what="G6")


def test_relu_and_erf_pair_closed_forms_vs_symbolic():
    x, y = sp.symbols("x y", real=True)
    for cls in (ReLUNet, ErfNet):
        net = cls(sigma_w=1.2, sigma_b=0.4)
        expr = net.kernel_expr(x, y)
        assert float(expr.subs({x: 0.3, y: -0.8})) == pytest.approx(net.kernel(0.3, -0.8), rel=EXACT_RTOL)


def test_high_precision_moments_agree_with_double_precision():
    """mpmath path (dps = 40): closed forms by SymPy, ReLU by mpmath quadrature."""
    import mpmath
    pts = np.array([-0.5, 0.1, 0.3, 0.8])
    for net in (ReLUNet(sigma_w=1.2, sigma_b=0.8), GaussNet(), CosNet()):
        hp = net.neuron_moment(pts, dps=40)
        assert isinstance(hp, mpmath.mpf) and hp.context.prec >= 53
        with mpmath.workdps(40):
            assert len(mpmath.nstr(hp, 35, strip_zeros=False).replace("-", "").replace(".", "")) >= 35
        assert float(hp) == pytest.approx(net.neuron_moment(pts), rel=1e-13)
    with pytest.raises(ValueError, match="dps"):
        GaussNet().neuron_moment(pts, dps=5)
