"""sigma_b = 0: the HMS ReLU setting (arXiv:2008.08601) and the ReLU critical point.

At sigma_b = 0 a ReLU network is positively homogeneous, f(t x) = t f(x) for t > 0, so on
inputs along one ray from the origin f(x) = |x| F with one random variable F: m_n does not
depend on the points there.  The values m_4 = 5/N and m_6 = 15/N + 44/N^2 are checked against
an independent computation (mpmath Gaussian integrals of relu(u)^k and the cumulants of a sum
of N i.i.d. terms), the kernels at the boundary s(x) = 0 against their limits, the deep
recursion against the depth-linear vertex of Roberts, Yaida, Hanin arXiv:2106.10165, and the
sampler by Monte Carlo.
"""
from __future__ import annotations

import json
import warnings

import mpmath
import numpy as np
import pytest
import sympy as sp
from click.testing import CliRunner

from nnqft_cli.main import cli
from nnqft_sym import ErfNet, GaussNet, ReLUNet, make_network
from nnqft_sym.deep import deep_kernel_expr, layer_kernels, leading_deviation
from numeric import hms_setting, sample_outputs
from tests.tolerances import EXACT_RTOL, QUAD_RTOL, assert_mc_agrees


def _relu_moment(k: int) -> mpmath.mpf:
    """E[relu(u)^k], u ~ N(0, 1), by mpmath quadrature."""
    return mpmath.quad(lambda u: u ** k * mpmath.exp(-u * u / 2), [0, mpmath.inf]) / mpmath.sqrt(2 * mpmath.pi)


def _independent_m4_m6(width: int) -> tuple[float, float]:
    """m_4, m_6 of F = sum_i W1_i relu(u_i) (sigma_W = 1, no biases) from raw moments of t = W1 relu(u)."""
    v = mpmath.mpf(1) / width                           # Var W1
    t2, t4, t6 = (v * _relu_moment(2), 3 * v ** 2 * _relu_moment(4), 15 * v ** 3 * _relu_moment(6))
    k2 = width * t2                                     # cumulants of F = N cumulants of t
    k4 = width * (t4 - 3 * t2 ** 2)
    k6 = width * (t6 - 15 * t4 * t2 + 30 * t2 ** 3)
    m4 = k4 / (3 * k2 ** 2)                             # Delta G^(4) = kappa_4, G_0 = 3 K^2
    m6 = (k6 + 15 * k4 * k2) / (15 * k2 ** 3)           # Delta G^(6) = kappa_6 + 15 kappa_4 K
    return float(m4), float(m6)


@pytest.mark.parametrize("width", [1, 2, 3, 10, 1000])
def test_independent_values_are_five_over_n_and_fifteen_over_n_plus_44_over_n2(width):
    m4, m6 = _independent_m4_m6(width)
    assert m4 == pytest.approx(5 / width, rel=EXACT_RTOL)
    assert m6 == pytest.approx(15 / width + 44 / width ** 2, rel=EXACT_RTOL)


RAYS = [
    ("hms d_in=1", 1, [0.2, 0.4, 0.6, 0.8, 1.0, 1.2]),
    ("negative ray", 1, [-0.3, -0.3, -1.1, -2.0, -0.05, -0.7]),
    ("d_in=2 ray", 2, [[0.5, 0.5], [1.0, 1.0], [0.25, 0.25], [2.0, 2.0], [0.5, 0.5], [1.5, 1.5]]),
    ("d_in=3 ray", 3, [[0.2, 0.1, 0.3], [0.4, 0.2, 0.6], [0.2, 0.1, 0.3], [1.0, 0.5, 1.5],
                       [0.6, 0.3, 0.9], [0.2, 0.1, 0.3]]),
]


@pytest.mark.parametrize("label,d_in,points", RAYS, ids=[r[0] for r in RAYS])
@pytest.mark.parametrize("sigma_w", [1.0, 2.0])
def test_relu_m4_m6_at_sigma_b_zero_on_a_ray(label, d_in, points, sigma_w):
    net = ReLUNet(sigma_w=sigma_w, sigma_b=0, d_in=d_in)
    for width in (2, 10):
        m4, m6 = _independent_m4_m6(width)
        assert net.deviation(points[:4], width) == pytest.approx(m4, rel=QUAD_RTOL)
        assert net.deviation(points, width) == pytest.approx(m6, rel=QUAD_RTOL)
    assert net.deviation_series(points[:4]) == pytest.approx({1: 5.0}, rel=QUAD_RTOL)
    assert net.deviation_series(points) == pytest.approx({1: 15.0, 2: 44.0}, rel=QUAD_RTOL)


def test_off_a_ray_m4_depends_on_the_points():
    """On the HMS d_in = 2 set {0.5, 1}^2 the points are not on one ray: m_4 is not 5/N there."""
    pts = hms_setting("relu", 2).points
    m4 = ReLUNet(sigma_b=0, d_in=2).deviation(pts, 10)
    assert 0 < m4 < 0.5 and m4 != pytest.approx(0.5, rel=1e-3)


def test_sigma_b_zero_is_accepted_everywhere_it_is_a_number():
    for value in (0, 0.0, np.float64(0.0), np.int64(0), sp.Integer(0)):
        for arch in ("gauss", "relu", "erf", "cos"):
            assert float(make_network(arch, sigma_b=value).sigma_b) == 0.0
    assert float(ReLUNet().with_params(sigma_b=0).sigma_b) == 0.0


def test_symbolic_nonnegative_sigma_b():
    sb = sp.Symbol("sigma_b", nonnegative=True)
    x, y = sp.symbols("x y", real=True)
    expr = ReLUNet(sigma_b=sb).kernel_expr(x, y)
    zero = ReLUNet(sigma_b=0)
    for a, b in [(0.3, 0.7), (-0.3, 0.7), (-0.2, -0.9)]:
        value = float(expr.subs({sb: 0, x: sp.Float(a), y: sp.Float(b)}))
        assert value == pytest.approx(zero.kernel(a, b), rel=EXACT_RTOL, abs=1e-15)
        assert value == pytest.approx(a * b / 2 if a * b > 0 else 0.0, rel=EXACT_RTOL, abs=1e-15)
    xs, N = sp.symbols("x1:5", real=True), sp.Symbol("N", positive=True)
    m4 = GaussNet(sigma_b=sb).deviation(list(xs), N)          # exact, symbolic in sigma_b
    at = {**dict(zip(xs, [0.1, 0.2, 0.3, 0.4])), N: 10}
    assert float(m4.subs(sb, 0).subs(at)) == pytest.approx(
        GaussNet(sigma_b=0).deviation([0.1, 0.2, 0.3, 0.4], 10), rel=EXACT_RTOL)


@pytest.mark.parametrize("net,expected", [
    (ReLUNet(sigma_b=0), 0.0), (ErfNet(sigma_b=0), 0.0), (GaussNet(sigma_b=0, sigma_w=1.5), 2.25),
    (ReLUNet(sigma_b=0, d_in=3), 0.0), (ErfNet(sigma_b=0, d_in=2), 0.0),
], ids=["relu", "erf", "gauss", "relu d3", "erf d2"])
def test_kernel_at_a_zero_norm_input_is_the_limit(net, expected):
    """x = 0 at sigma_b = 0: z(0) = 0 identically, so K(0, y) = sigma_W^2 E[g(0) g(z_y)]."""
    zero = np.zeros(net.d_in)
    others = np.array([zero, np.full(net.d_in, 0.7), np.full(net.d_in, -1.3)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        k00 = net.kernel(zero, zero)
        k0y = net.kernel(np.broadcast_to(zero, others.shape), others)
    assert k00 == pytest.approx(expected, abs=1e-15)
    if expected == 0:
        assert np.all(k0y == 0)
    sym = net.kernel_expr([0] * net.d_in if net.d_in > 1 else 0,
                          [sp.Rational(7, 10)] * net.d_in if net.d_in > 1 else sp.Rational(7, 10))
    assert float(sym) == pytest.approx(float(net.kernel(zero, np.full(net.d_in, 0.7))), abs=1e-14)


def test_deep_relu_kernel_at_criticality_is_the_arccosine_angle_map():
    """sigma_W^2 = 2, sigma_b = 0: norms are preserved and cos(angle) follows
    rho -> (sqrt(1 - rho^2) + (pi - arccos rho) rho) / pi at every layer (arXiv:2106.10165)."""
    x, y = np.array([1.0, 0.2]), np.array([-0.3, 0.8])
    for depth in (1, 2, 5):
        net = ReLUNet(sigma_w=np.sqrt(2), sigma_b=0, d_in=2, depth=depth)
        kxx, kyy = x @ x, y @ y                          # sigma_W^2 |x|^2 / d_in
        rho = x @ y / np.sqrt(kxx * kyy)
        for _ in range(depth):
            rho = (np.sqrt(1 - rho ** 2) + (np.pi - np.arccos(rho)) * rho) / np.pi
        assert net.kernel(x, y) == pytest.approx(rho * np.sqrt(kxx * kyy), rel=EXACT_RTOL)
        assert net.kernel(x, x) == pytest.approx(kxx, rel=EXACT_RTOL)
        assert net.kernel(np.zeros(2), y) == 0.0
        if depth <= 2:                                   # the composed closed form grows fast
            assert float(deep_kernel_expr(net, list(x), list(y))) == pytest.approx(
                net.kernel(x, y), rel=EXACT_RTOL)
    ks = layer_kernels(ReLUNet(sigma_w=np.sqrt(2), sigma_b=0, depth=4), 0.5, -0.5)
    assert np.all(np.isfinite(ks))


@pytest.mark.parametrize("depth", [1, 2, 3, 4])
def test_deep_relu_vertex_grows_linearly_with_depth(depth):
    """Critical ReLU (sigma_W^2 = 2, sigma_b = 0) on a ray: V^(l+1) = V^(l) + 5 K^2, so
    m_4 = 5 L / N + O(1/N^2) (the L/N depth-to-width ratio of arXiv:2106.10165)."""
    net = ReLUNet(sigma_w=np.sqrt(2), sigma_b=0, depth=depth)
    pts = [[0.2, 0.4, 0.6, 0.8], [0.3, 0.3, 0.3, 0.3]]
    assert leading_deviation(net, pts) == pytest.approx([5.0 * depth] * 2, rel=1e-9)
    if depth == 1:
        assert leading_deviation(net, pts[0]) == pytest.approx(
            net.deviation_series(pts[0])[1], rel=1e-9)


def test_sampler_at_sigma_b_zero_is_exactly_homogeneous_and_matches_exact_moments():
    net, width, pts = ReLUNet(sigma_b=0), 3, np.array([0.2, 0.6, 1.0])
    f = sample_outputs(net, width, pts, 40000, rng=11)
    assert np.allclose(f / pts, (f / pts)[:, :1], rtol=1e-12, atol=1e-15)   # f(x) = x F
    g2 = f[:, 2] ** 2
    assert_mc_agrees(g2.mean(), g2.std(ddof=1) / np.sqrt(len(g2)), net.kernel(1.0, 1.0), what="K")
    f4 = f[:, 1] ** 2 * f[:, 2] ** 2
    exact4 = net.green([0.6, 0.6, 1.0, 1.0], width)
    assert exact4 == pytest.approx(3 * net.kernel(0.6, 1.0) ** 2 * (1 + 5 / width), rel=QUAD_RTOL)
    assert_mc_agrees(f4.mean(), f4.std(ddof=1) / np.sqrt(len(f4)), exact4, what="G4")


@pytest.mark.parametrize("width", [4, 130])          # direct route and Gram route (N >= 128)
def test_deep_critical_relu_sampler_preserves_the_kernel(width):
    """On a ray E f(x) f(y) = K(x, y) = 2 x y exactly at every width (E[relu(z)^2] = s/2)."""
    net, pts = ReLUNet(sigma_w=np.sqrt(2), sigma_b=0, depth=3), np.array([0.3, 0.7])
    f = sample_outputs(net, width, pts, 20000 if width < 100 else 1500, rng=12)
    prod = f[:, 0] * f[:, 1]
    assert net.kernel(0.3, 0.7) == pytest.approx(2 * 0.3 * 0.7, rel=EXACT_RTOL)
    assert_mc_agrees(prod.mean(), prod.std(ddof=1) / np.sqrt(len(prod)), 2 * 0.3 * 0.7,
                     what=f"deep N={width}")


def test_quartic_coupling_at_sigma_b_zero_is_minus_300_over_n():
    """K_W(x, y) = x y / 2 on the positive axis: N_K = prod x_i / 80 on [-1, 1], so
    u4 = -(5/N)(3/4) prod x_i / N_K = -300 / N for any positive inputs."""
    net = ReLUNet(sigma_b=0)
    for width in (5, 10):
        assert net.quartic_coupling([0.2, 0.4, 0.6, 1.2], width, cutoff=1.0) == pytest.approx(
            -300 / width, rel=1e-8)


def test_cli_kernel_relu_sigma_b_zero():
    result = CliRunner().invoke(cli, ["kernel", "relu", "--sigma-b", "0", "--sigma-w", "1"])
    assert result.exit_code == 0, result.output
    lines = [line.split() for line in result.output.splitlines()]
    row = next(r for r in lines if r[:2] == ["2", "4"])       # N = 2, n = 4: max |m_4| = 5/2
    assert float(row[3]) == pytest.approx(2.5, rel=1e-6)
    row = next(r for r in lines if r[:2] == ["2", "6"])       # 15/2 + 44/4
    assert float(row[3]) == pytest.approx(18.5, rel=1e-6)
    assert "G_0 = 0" in result.output                         # mixed-sign multisets left out


def test_cli_experiment_hms_relu_runs_at_its_setting(tmp_path):
    out = tmp_path / "hms"
    result = CliRunner().invoke(cli, ["experiment", "hms", "--arch", "relu", "--widths", "3,20",
                                      "--orders", "2,4", "--n-bags", "2", "--n-nets", "400",
                                      "--no-progress", "--out", str(out)])
    assert result.exit_code == 0, result.output
    meta = json.loads((out / "metadata.json").read_text())["parameters"]
    assert meta["sigma_b"] == 0.0 and meta["points"] == [0.2, 0.4, 0.6, 0.8, 1.0, 1.2]
    assert "exact=1.667" in result.output and "exact=0.25" in result.output     # 5/N


def test_rank_one_neuron_moments_at_sigma_b_zero():
    """d_in = 1, sigma_b = 0: z(x_i) = w x_i with one Gaussian w, a rank-1 covariance.
    Erf: a 1-d mpmath integral; Gauss-net: the closed form exp((n-2)/2 sum s_i - sum D_ij)."""
    pts = [0.3, -0.5, 0.7, 1.1]
    sw = 1.3
    exact = mpmath.quad(lambda w: mpmath.exp(-w * w / (2 * sw ** 2)) / mpmath.sqrt(2 * mpmath.pi * sw ** 2)
                        * mpmath.fprod(mpmath.erf(w * x) for x in pts), [-mpmath.inf, 0, mpmath.inf])
    assert ErfNet(sigma_w=sw, sigma_b=0).neuron_moment(pts) == pytest.approx(float(exact), rel=QUAD_RTOL)
    s = [sw ** 2 * x ** 2 for x in pts]
    d = sum(sw ** 2 * (a - b) ** 2 / 2 for i, a in enumerate(pts) for b in pts[i + 1:])
    closed = np.exp((len(pts) - 2) / 2 * sum(s) - d)
    assert GaussNet(sigma_w=sw, sigma_b=0).neuron_moment(pts) == pytest.approx(closed, rel=EXACT_RTOL)


def test_erf_sampler_at_sigma_b_zero_matches_the_kernel():
    net, pts = ErfNet(sigma_w=1.5, sigma_b=0), np.array([-0.8, 0.0, 0.4])
    f = sample_outputs(net, 5, pts, 20000, rng=13)
    assert np.all(f[:, 1] == 0)                          # f(0) = 0 identically (no biases)
    prods = f[:, :, None] * f[:, None, :]
    xs, ys = np.meshgrid(pts, pts, indexing="ij")
    exact = net.kernel(xs[..., None], ys[..., None])
    err = prods.std(0, ddof=1) / np.sqrt(len(f))
    mask = exact != 0
    assert_mc_agrees(prods.mean(0)[mask], err[mask], exact[mask], what="erf sigma_b = 0")


def test_cli_els_active_accepts_sigma_b_zero(tmp_path):
    """At sigma_b = 0 a Gauss-net on the 0.01-scale inputs is Gaussian to O(1e-5) (g ~ e^0):
    larger inputs give a resolvable u4."""
    result = CliRunner().invoke(cli, ["experiment", "els-active", "--sigma-b", "0", "--sigmas", "1,1.5",
                                      "--points=-0.6,-0.2,0.2,0.6", "--width", "3", "--n-bags", "2",
                                      "--n-nets", "2000", "--no-progress", "--out", str(tmp_path / "els")])
    assert result.exit_code == 0, result.output
    meta = json.loads((tmp_path / "els" / "metadata.json").read_text())["parameters"]
    assert meta["sigma_b"] == 0.0


def test_measured_deviation_where_the_free_function_vanishes_is_flagged_not_a_silent_nan():
    """ReLU at sigma_b = 0 and x = 0: f(0) = 0 identically, so G_0 = 0 and m_n is 0/0 at the
    combinations touching x = 0.  measure() used to emit numpy's bare 'invalid value
    encountered in divide' and a NaN; now a warning names the points, and the other
    combinations keep their values."""
    import warnings

    from numeric import measure

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = measure(ReLUNet(depth=2, sigma_b=0), [8], [0.0, 1.0], orders=(4,), n_bags=2,
                      n_nets=200, rng=0)
        est = res.estimate(4)
    messages = [str(w.message) for w in caught]
    assert not any("invalid value encountered" in m for m in messages), messages
    assert any("m_4 = Delta G / G_0 is undefined" in m and "use delta" in m for m in messages)
    touching = (est.combos == 0).any(axis=-1)
    assert np.all(np.isnan(est.deviation[0, touching]))
    assert np.all(np.isfinite(est.deviation[0, ~touching])) and np.all(est.delta[0, touching] == 0)
