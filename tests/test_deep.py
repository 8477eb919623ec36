"""Deep networks: kernel recursion (closed forms, quadrature, Monte Carlo) and the 1/N vertex.

Independent checks: the ReLU angle recursion (Cho & Saul 2009; neural-tangents' ``Relu`` kernel),
the diagonal ReLU recursion K -> sigma_b^2 + sigma_w^2 K / 2, the Gauss-net composition worked
out by hand, scipy ``dblquad`` for tanh, the foundation's exact one-layer correlators (L = 1), and
ensembles of deep networks from ``tests/deep_reference.py``.
"""
from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from scipy import integrate

from nnqft_sym import CosNet, ErfNet, GaussNet, LeakyReLUNet, Network, ReLUNet, Z
from nnqft_sym.deep import (deep_kernel_expr, layer_kernels, layer_recursion,
                            leading_connected_four_point, leading_delta_green, leading_deviation,
                            leading_pairing_coefficients, product_expectation)
from nnqft_sym.quadrature import gaussian_expectation
from tests.deep_reference import sample_deep_outputs, sample_output_covariances
from tests.tolerances import EXACT_RTOL, K_SIGMA, QUAD_RTOL, assert_mc_agrees, mc_mean

TANH = Network(sp.tanh(Z), sigma_w=1.2, sigma_b=0.6, name="tanh-net")


# ---------------------------------------------------------------------- hyper-parameters
def test_depth_and_d_out_validation_and_description():
    net = ReLUNet(depth=3, d_out=2)
    assert net.params["depth"] == 3 and net.params["d_out"] == 2
    assert net.describe()["depth"] == 3 and "depth=3" in repr(net)
    assert net.with_params(sigma_w=2).depth == 3
    with pytest.raises(ValueError, match="depth"):
        ReLUNet(depth=0)
    with pytest.raises(TypeError, match="depth"):
        ReLUNet(depth=2.5)
    with pytest.raises(TypeError, match="d_out"):
        GaussNet(d_out=sp.Symbol("d", positive=True, integer=True))
    with pytest.raises(ValueError, match="cos-net"):
        CosNet(depth=2)


def test_one_layer_results_refuse_deep_networks():
    net = GaussNet(depth=2)
    for call in (lambda: net.deviation_series([0.0, 0.1, 0.2, 0.3]),
                 lambda: net.connected_green([0.0] * 4, 10),
                 lambda: net.neuron_moment([0.0, 0.1])):
        with pytest.raises(ValueError, match="depth"):
            call()
    with pytest.raises(ValueError, match="Gaussian"):
        layer_recursion(CosNet(), [0.0, 0.1])


# ---------------------------------------------------------------------- kernel recursion
@pytest.mark.parametrize("sigma_w,sigma_b", [(1.0, 1.0), (np.sqrt(2.0), 0.3)])
def test_relu_diagonal_recursion(sigma_w, sigma_b):
    x = np.array([0.7, -1.3])
    ks = layer_kernels(ReLUNet(sigma_w=sigma_w, sigma_b=sigma_b, d_in=2, depth=4), x, x)
    expect = sigma_b ** 2 + sigma_w ** 2 * x @ x / 2
    for layer in range(1, 5):
        expect = sigma_b ** 2 + sigma_w ** 2 * expect / 2
        assert ks[layer, 0] == pytest.approx(expect, rel=EXACT_RTOL)


def test_relu_angle_recursion_at_zero_bias():
    """sigma_b -> 0: |K| halves times sigma_w^2 per layer and cos t -> (sin t + (pi - t) cos t) / pi."""
    net = ReLUNet(sigma_w=1.5, sigma_b=1e-12, d_in=2, depth=5)
    x, y = np.array([1.0, 0.2]), np.array([-0.3, 0.8])
    ks = layer_kernels(net, x, y)
    nx, ny = 1.5 ** 2 * x @ x / 2, 1.5 ** 2 * y @ y / 2
    cos_t = x @ y / np.sqrt(x @ x * y @ y)
    for layer in range(1, 6):
        t = np.arccos(cos_t)
        cos_t = (np.sin(t) + (np.pi - t) * cos_t) / np.pi
        nx, ny = 1.5 ** 2 * nx / 2, 1.5 ** 2 * ny / 2
        assert ks[layer, 2] == pytest.approx(np.sqrt(nx * ny) * cos_t, rel=1e-10)


def test_gauss_net_composition_by_hand():
    """n(s) = e^{-s}: K^(l+1) = sigma_b^2 + sigma_w^2 exp(K_xy - (K_xx + K_yy)/2)."""
    sw, sb = 1.3, 0.8
    x, y = 0.4, -0.9
    kxx, kyy, kxy = sb ** 2 + sw ** 2 * x * x, sb ** 2 + sw ** 2 * y * y, sb ** 2 + sw ** 2 * x * y
    for _ in range(3):
        kxx, kyy, kxy = (sb ** 2 + sw ** 2, sb ** 2 + sw ** 2,
                         sb ** 2 + sw ** 2 * np.exp(kxy - (kxx + kyy) / 2))
    assert GaussNet(sigma_w=sw, sigma_b=sb, depth=3).kernel(x, y) == pytest.approx(kxy, rel=EXACT_RTOL)


@pytest.mark.parametrize("cls", [ReLUNet, ErfNet, GaussNet])
def test_symbolic_composition_matches_numeric_recursion(cls):
    net = cls(sigma_w=sp.Rational(6, 5), sigma_b=sp.Rational(1, 2), depth=3)
    x, y = sp.symbols("x y", real=True)
    expr = deep_kernel_expr(net, x, y)
    # two routes: SymPy composition of the closed-form layer map against the NumPy recursion
    # (the value itself is checked against hand-composed closed forms above for the Gauss-net)
    for xv, yv in [(0.3, -0.8), (1.1, 1.4)]:
        assert float(expr.subs({x: xv, y: yv})) == pytest.approx(net.kernel(xv, yv), rel=1e-10)
    assert net.kernel_expr(x, y) == expr       # kernels.kernel_expr dispatches for depth > 1


def test_abs_kernel_and_vertex_from_the_closed_form_and_other_kinks_refused():
    """|z|: E[|z_x||z_y|] = (2/pi) (sqrt(sx sy - c^2) + c asin(c / sqrt(sx sy))) (arc-sine kernel).

    |z| = relu(z) + relu(-z) has the closed-form pair moment of the piecewise-linear rule book, so
    its 1/N vertex is computed (it used to be refused); a kinked activation without a closed form
    (hard tanh) is still refused."""
    net = Network(sp.Abs(Z), sigma_w=1.1, sigma_b=0.4, depth=2)
    x, y = 0.3, -0.7
    sb2, sw2 = 0.16, 1.21
    sx, sy, c = sb2 + sw2 * x * x, sb2 + sw2 * y * y, sb2 + sw2 * x * y
    sx, sy, c = (sb2 + sw2 * sx, sb2 + sw2 * sy,
                 sb2 + sw2 * 2 / np.pi * (np.sqrt(sx * sy - c * c) + c * np.arcsin(c / np.sqrt(sx * sy))))
    expect = sb2 + sw2 * 2 / np.pi * (np.sqrt(sx * sy - c * c) + c * np.arcsin(c / np.sqrt(sx * sy)))
    assert net.kernel(x, y) == pytest.approx(expect, rel=QUAD_RTOL)
    delta = leading_delta_green(net, [x, y])
    assert np.isfinite(delta)
    leaky = LeakyReLUNet(slope=-1, sigma_w=1.1, sigma_b=0.4, depth=2)
    assert leading_delta_green(leaky, [x, y]) == pytest.approx(delta, rel=1e-12)
    hard_tanh = Network(sp.Min(1, sp.Max(-1, Z)), sigma_w=1.1, sigma_b=0.4, depth=2)
    with pytest.raises(ValueError, match="kinks"):
        leading_delta_green(hard_tanh, [x, y])


def test_no_closed_form_raises_for_symbolic_kernel():
    with pytest.raises(ValueError, match="closed-form"):
        TANH.with_params(depth=2).kernel_expr()


def test_tanh_recursion_against_dblquad():
    net = TANH.with_params(depth=2)
    x, y = 0.5, -0.4
    sw2, sb2 = 1.2 ** 2, 0.6 ** 2

    def pair(kxx, kyy, kxy):
        cov = np.array([[kxx, kxy], [kxy, kyy]])
        inv, det = np.linalg.inv(cov), np.linalg.det(cov)

        def integrand(v, u):
            q = inv[0, 0] * u * u + 2 * inv[0, 1] * u * v + inv[1, 1] * v * v
            return np.tanh(u) * np.tanh(v) * np.exp(-q / 2) / (2 * np.pi * np.sqrt(det))
        return integrate.dblquad(integrand, -12, 12, -12, 12, epsabs=1e-13, epsrel=1e-12)[0]

    k1 = [sb2 + sw2 * x * x, sb2 + sw2 * y * y, sb2 + sw2 * x * y]
    k2 = [sb2 + sw2 * integrate.quad(lambda u, s=s: np.tanh(u) ** 2 * np.exp(-u * u / (2 * s))
                                     / np.sqrt(2 * np.pi * s), -30, 30, epsabs=1e-14)[0]
          for s in k1[:2]]
    k2.append(sb2 + sw2 * pair(*k1))
    assert net.kernel(x, y) == pytest.approx(sb2 + sw2 * pair(*k2), rel=QUAD_RTOL)


def test_smooth_four_point_quadrature_matches_gaussian_expectation():
    kern = layer_recursion(ErfNet(depth=2), [-0.5, 0.4, 0.9]).kernels[1]
    cov = kern[np.ix_([0, 1, 2, 2], [0, 1, 2, 2])]
    from scipy.special import erf
    assert product_expectation(sp.erf(Z), cov) == pytest.approx(
        gaussian_expectation(erf, cov), rel=1e-7)


@pytest.mark.parametrize("family,net,depth", [
    ("relu", ReLUNet(sigma_w=1.4, sigma_b=0.5, d_in=2), 3),
    ("tanh", TANH.with_params(d_in=2), 2),
    ("gauss", GaussNet(sigma_w=0.7, sigma_b=0.5, d_in=2), 2),
])
def test_deep_kernel_against_ensemble(family, net, depth):
    """E[f(x) f(y)] of 5000 networks of width 64 vs K + K_1 / N (the O(1/N^2) rest is negligible)."""
    net = net.with_params(depth=depth)
    pts = np.array([[0.3, -0.5], [1.0, 0.2], [-0.7, 0.6]])
    width = 64
    f = sample_deep_outputs(family, pts, width=width, depth=depth, d_out=1, n_nets=5000,
                            sigma_w=float(net.sigma_w), sigma_b=float(net.sigma_b), seed=11)[..., 0]
    kmat = net.kernel(pts[:, None, :], pts[None, :, :])
    rec = layer_recursion(net, pts)
    assert rec.output_kernel == pytest.approx(kmat, rel=EXACT_RTOL)
    iu = np.triu_indices(3)
    est, err = mc_mean(f[:, iu[0]] * f[:, iu[1]])
    assert_mc_agrees(est, err, (kmat + rec.output_kernel_correction / width)[iu],
                     what=f"{family} depth {depth} kernel")


# ---------------------------------------------------------------------- the 1/N vertex
@pytest.mark.parametrize("net,orders", [
    (GaussNet(sigma_w=1.2, sigma_b=0.9), (4, 6)), (ReLUNet(sigma_w=1.3, sigma_b=0.7), (4, 6)),
    (GaussNet(d_in=2), (4, 6)), (ErfNet(), (4,)),
    # the foundation's tanh moments are slow; the smooth (Price) path is covered by Erf here
    # and by the ensemble test of the vertex below
    pytest.param(TANH, (4,), marks=pytest.mark.slow)])
def test_one_layer_limit_is_the_exact_one_over_n_term(net, orders):
    rng = np.random.default_rng(3)
    for n in orders:
        pts = rng.normal(size=(2, n, net.d_in))
        pts[1, 1] = pts[1, 0]                            # coincident points too
        exact = np.array([net.delta_green_series(p)[1] for p in pts])
        assert leading_delta_green(net, pts) == pytest.approx(exact, rel=1e-9)
        m_exact = np.array([net.deviation_series(p)[1] for p in pts])
        assert leading_deviation(net, pts) == pytest.approx(m_exact, rel=1e-9)
    # the quadratures differ (composite Gauss-Legendre here, conical rule in the foundation)
    assert leading_connected_four_point(net, pts[0, :4]) == pytest.approx(
        net.connected_green(pts[0, :4], 1), rel=1e-7)


def test_two_point_correction_vanishes_at_one_layer_and_not_beyond():
    pts = [0.2, -0.6]
    assert np.all(layer_recursion(ReLUNet(), pts).output_kernel_correction == 0)
    assert abs(leading_delta_green(ErfNet(depth=2), pts)) > 1e-3


def _bag_stats(values: np.ndarray, n_bags: int = 20) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard error of a statistic computed on ``n_bags`` equal bags (axis 0 = bags)."""
    return values.mean(axis=0), values.std(axis=0, ddof=1) / np.sqrt(n_bags)


def _extrapolate(widths, values, errors):
    """Weighted least-squares fit of a + b / N; returns (a, sigma_a) per component."""
    design = np.stack([np.ones(len(widths)), 1.0 / np.asarray(widths, float)], -1)
    out, sig = [], []
    for y, e in zip(np.moveaxis(values, 0, -1), np.moveaxis(errors, 0, -1)):
        w = 1.0 / e ** 2
        cov = np.linalg.inv(design.T @ (design * w[:, None]))
        coef = cov @ design.T @ (w * y)
        out.append(coef[0])
        sig.append(np.sqrt(cov[0, 0]))
    return np.array(out), np.array(sig)


@pytest.mark.parametrize("family,net,points", [
    ("relu", ReLUNet(sigma_w=1.4, sigma_b=0.5, depth=3), [-0.8, 0.3, 1.1]),
    ("leaky_relu_0.2", LeakyReLUNet(slope=0.2, sigma_w=1.3, sigma_b=0.5, depth=2), [-0.8, 0.3, 1.1]),
    ("gauss", GaussNet(sigma_w=0.7, sigma_b=0.5, depth=2), [-0.4, 0.5, 0.9]),
    ("erf", ErfNet(sigma_w=1.5, sigma_b=0.5, depth=2), [-0.6, 0.7]),
    ("tanh", TANH.with_params(depth=3), [0.2, 1.0]),
])
def test_vertex_and_nlo_kernel_against_deep_ensembles(family, net, points):
    """N Cov(G_hat_ab, G_hat_cd) -> V_(ab)(cd) and N (E G_hat - K) -> K_1 as N -> infinity."""
    pts = np.asarray(points, float)[:, None]
    rec = layer_recursion(net, pts)
    m = len(points)
    pairs = [(a, b) for a in range(m) for b in range(a, m)]
    iv = np.array([[p[0], p[1], q[0], q[1]] for i, p in enumerate(pairs) for q in pairs[i:]])
    widths, n_nets, n_bags = (16, 32, 64), 24000, 20
    vert, vert_err, corr, corr_err = [], [], [], []
    for width in widths:
        g = sample_output_covariances(family, pts, width, net.depth, n_nets, float(net.sigma_w),
                                      float(net.sigma_b), seed=100 + width)
        flat = np.stack([g[:, a, b] for a, b in pairs], -1).reshape(n_bags, -1, len(pairs))
        cov = np.stack([np.cov(bag, rowvar=False) for bag in flat])          # (bags, P, P)
        iu = np.triu_indices(len(pairs))
        v, ve = _bag_stats(width * cov[:, iu[0], iu[1]])
        c, ce = _bag_stats(width * (flat.mean(axis=1) - rec.output_kernel[tuple(np.array(pairs).T)]))
        vert.append(v)
        vert_err.append(ve)
        corr.append(c)
        corr_err.append(ce)
    v_inf, v_sig = _extrapolate(widths, np.array(vert), np.array(vert_err))
    c_inf, c_sig = _extrapolate(widths, np.array(corr), np.array(corr_err))
    assert_mc_agrees(v_inf, v_sig, rec.output_vertex[tuple(iv.T)], what=f"{family} vertex")
    assert_mc_agrees(c_inf, c_sig, rec.output_kernel_correction[tuple(np.array(pairs).T)],
                     what=f"{family} NLO kernel")


def test_pairing_coefficients_sum_to_the_single_output_coefficient():
    # leading_delta_green is this sum by definition, so the reference is the exact single-layer
    # finite-width series of nnqft_sym.cumulants (a subset recursion over neuron moments that
    # shares no code with the layer recursion of nnqft_sym.deep): at L = 1 its 1/N coefficient
    # is the sum over the 15 pairings of the 6 output indices
    pts = [0.1, 0.5, -0.3, 0.9, 0.9, -1.0]
    coeffs = leading_pairing_coefficients(ReLUNet(depth=1, d_out=3), pts)
    assert len(coeffs) == 15
    exact = float(ReLUNet().delta_green_series(pts)[1])
    assert sum(coeffs.values()) == pytest.approx(exact, rel=EXACT_RTOL)
    assert len(leading_pairing_coefficients(ReLUNet(depth=2, d_out=3), pts)) == 15


def test_measured_m4_times_width_tends_to_the_prediction():
    """Direct estimate from the outputs: N (E f^4 - 3 K^2) at one input, extrapolated in 1/N."""
    net = ReLUNet(sigma_w=1.4, sigma_b=0.5, depth=2)
    x = np.array([[0.6]])
    pred = leading_delta_green(net, [0.6] * 4)
    k = net.kernel(0.6, 0.6)
    widths, vals, errs = (8, 16), [], []
    for width in widths:
        f = sample_deep_outputs("relu", x, width, 2, 1, 200000, 1.4, 0.5, seed=width)[:, 0, 0]
        est, err = mc_mean(width * (f ** 4 - 3 * k * k))
        vals.append([est])
        errs.append([err])
    a, sig = _extrapolate(widths, np.array(vals), np.array(errs))
    assert_mc_agrees(a, sig, [pred], k=K_SIGMA, what="N Delta G^(4)")


@pytest.mark.parametrize("depth", [1, 2, 5])
def test_critical_relu_vertex_grows_as_five_per_layer(depth):
    """Single input, sigma_b -> 0, sigma_w^2 = 2: K is preserved and, from E[relu^4] = 3K^2/2,
    E[relu^2] = K/2, dE[relu^2]/dK = 1/2, the recursion V -> 4 (5K^2/4 + V/4) = 5K^2 + V gives
    V / K^2 = 5 L (the linear growth of the ReLU four-point vertex, RYH ch. 5)."""
    net = ReLUNet(sigma_w=np.sqrt(2), sigma_b=1e-9, depth=depth)
    k = net.kernel(0.8, 0.8)
    assert leading_connected_four_point(net, [0.8] * 4) / (3 * k * k) == pytest.approx(5 * depth, rel=1e-8)


def test_many_distinct_points_run_per_combination():
    """Above _MAX_DISTINCT distinct inputs the recursion runs per combination: same numbers."""
    from nnqft_sym import deep
    net = ReLUNet(depth=2)
    pts = np.random.default_rng(4).normal(size=(5, 4))          # 20 distinct points
    together = leading_delta_green(net, pts)
    assert len(np.unique(pts)) > deep._MAX_DISTINCT
    one_by_one = np.array([leading_delta_green(net, p) for p in pts])
    assert together == pytest.approx(one_by_one, rel=EXACT_RTOL)
    assert leading_connected_four_point(net, pts) == pytest.approx(
        [leading_connected_four_point(net, p) for p in pts], rel=EXACT_RTOL)
