"""Deep networks with non-Gaussian i.i.d. weights after the first layer: the 1/N recursion.

Independent routes:

* depth-2 ReLU at one input, worked out by hand in SymPy (exact in N and in the weights' fourth
  cumulants): for symmetric pre-activations E[relu(z)^(2k)] = E[z^(2k)] / 2, and given the first
  layer the second-layer neurons are independent sums of N independent terms;
* depth-2 tanh at one input, exact at every N by the characteristic function: one second-layer
  pre-activation is b + sum_j a xi_j tanh(z_j) with N i.i.d. terms, so its characteristic
  function is exp(-sigma_b^2 t^2 / 2) psi(t)^N, and E[sech^2] is a Fourier integral with
  the transform pi t / sinh(pi t / 2) of sech^2; the 1/N coefficient by Richardson extrapolation;
* the package's sampler (hidden weights drawn from the prior objects), at finite N against
  the exact depth-2 ReLU moments, and at distinct inputs extrapolated in 1/N.
"""
from __future__ import annotations

import functools

import numpy as np
import pytest
import sympy as sp
from sympy import stats

from nnqft_sym import ReLUNet, TanhNet, exact_single_input_moments
from nnqft_sym.deep import (deep_kernel, layer_recursion, leading_connected_four_point,
                            leading_delta_green, leading_pairing_coefficients,
                            weight_fourth_cumulants)
from nnqft_sym.deep_orders import (leading_connected_six_point, next_order_four_point, nlo_kernel,
                                   single_input_series)
from nnqft_sym.laws import FiniteLaw, StandardStudentT
from nnqft_sym.errors import DivergentExpectationError
from tests.tolerances import EXACT_RTOL, K_SIGMA, assert_mc_agrees, mc_mean

LAWS = {"normal": 0, "rademacher": -2, "uniform": sp.Rational(-6, 5), "laplace": 3}
N = sp.Symbol("N", positive=True)


# ---------------------------------------------------------------------- exact depth-2 ReLU
def relu_depth2_moments(w, b, v, x, k4_hidden, k4_out):
    """(E f^2, E f^4) of a depth-2 ReLU net at one input, exact in N (SymPy), by hand.

    First layer z1 ~ N(0, s1), s1 = b + w x^2, g = relu(z1): E g^2 = s1/2, E g^4 = 3 s1^2/2.
    Second layer z2_i = b_i + sum_j sqrt(w/N) xi_ij g_j, r_i = relu(z2_i); the read-out
    f = b_o + sum_i sqrt(v/N) eta_i r_i, xi and eta of fourth cumulants k4_hidden, k4_out.
    """
    s1 = b + w * x ** 2
    g2, g4 = s1 / 2, 3 * s1 ** 2 / 2
    sum_g2_sq = (N * g4 + N * (N - 1) * g2 ** 2) / N ** 2       # E[(mean_j g_j^2)^2]
    z2_2 = b + w * g2
    t4 = w ** 2 * ((3 + k4_hidden) * g4 / N + 3 * (N - 1) * g2 ** 2 / N)   # E[(sum_j a xi g)^4]
    z2_4 = 3 * b ** 2 + 6 * b * w * g2 + t4
    r2, r4 = z2_2 / 2, z2_4 / 2
    r2r2 = (b ** 2 + 2 * b * w * g2 + w ** 2 * sum_g2_sq) / 4    # E[r_1^2 r_2^2]: independent given layer 1
    s2 = v * r2
    s4 = v ** 2 * ((3 + k4_out) * r4 / N + 3 * (N - 1) * r2r2 / N)
    return sp.expand(b + s2), sp.expand(3 * b ** 2 + 6 * b * s2 + s4)


def _series(expr, order):
    u = sp.Symbol("u")
    ser = sp.series(sp.expand(expr.subs(N, 1 / u)), u, 0, order + 1).removeO()
    return [sp.nsimplify(ser.coeff(u, k)) for k in range(order + 1)]


@pytest.mark.parametrize("hidden,readout", [("rademacher", "normal"), ("uniform", "rademacher"),
                                            ("laplace", "uniform"), ("normal", "laplace")])
def test_relu_depth2_one_input_against_the_exact_moments(hidden, readout):
    w, b, v, x = 2, sp.Rational(1, 4), sp.Rational(3, 2), sp.Rational(1, 2)
    net = ReLUNet(sigma_w=sp.sqrt(2), sigma_b=sp.Rational(1, 2), depth=2).with_priors(
        hidden_weights=hidden, readout_weights={"law": readout, "variance": v})
    two, four = relu_depth2_moments(w, b, v, x, LAWS[hidden], LAWS[readout])
    k = float(deep_kernel(net, 0.5, 0.5))
    assert _series(two, 2) == [sp.nsimplify(k), 0, 0]                 # E f^2 = K at every width
    c4 = _series(four - 3 * two ** 2, 2)
    assert c4[0] == 0
    assert leading_delta_green(net, [0.5] * 4) == pytest.approx(float(c4[1]), rel=EXACT_RTOL)
    assert leading_connected_four_point(net, [0.5] * 4) == pytest.approx(float(c4[1]),
                                                                         rel=EXACT_RTOL)


def test_relu_hidden_fourth_cumulant_enters_one_input_at_one_over_n_squared_only():
    k4h, k4o = sp.symbols("kappa_h kappa_o")
    w, b, v, x = sp.symbols("w b v x", positive=True)
    two, four = relu_depth2_moments(w, b, v, x, k4h, k4o)
    c = _series(four - 3 * two ** 2, 2)
    assert sp.diff(c[1], k4h) == 0                                     # the recursion's claim
    # read-out: T_out = kappa_o v^2 E[relu(z2)^4] = kappa_o v^2 (3/2) K2^2, K2 = b + w s1 / 2
    k2 = b + w * (b + w * x ** 2) / 2
    assert sp.simplify(sp.diff(c[1], k4o) - v ** 2 * sp.Rational(3, 2) * k2 ** 2) == 0
    # hidden: at 1/N^2, through E[relu(z2)^4] = E[z2^4] / 2 in the read-out's own fourth moment
    s1 = b + w * x ** 2
    assert sp.simplify(sp.diff(c[2], k4h) - (3 + k4o) * v ** 2 * w ** 2 * 3 * s1 ** 2 / 4) == 0


# ---------------------------------------------------------------------- exact depth-2 tanh
@functools.lru_cache(maxsize=None)
def _rules():
    """Gauss-Hermite (probabilists') nodes for the first layer, Gauss-Legendre on [0, 30] in t."""
    zh, wh = np.polynomial.hermite_e.hermegauss(120)
    t, wt = np.polynomial.legendre.leggauss(240)
    return zh, wh / wh.sum(), 15.0 * (t + 1), 15.0 * wt     # pi t / sinh(pi t / 2) < 1e-18 beyond 30


def _tanh_depth2_two_point(sw2, sb2, v, x, law, width):
    """E[f(x)^2] of a depth-2 tanh net at finite width, by the characteristic function."""
    s1 = sb2 + sw2 * x ** 2
    zh, wh, t, wt = _rules()
    g = np.tanh(np.sqrt(s1) * zh)                                  # first-layer features
    u = np.sqrt(sw2 / width) * t[:, None] * g[None, :]
    if law == "normal":
        chi = np.exp(-u ** 2 / 2)
    elif law == "rademacher":
        chi = np.cos(u)
    else:                                                           # uniform on [-sqrt 3, sqrt 3]
        chi = np.sinc(np.sqrt(3) * u / np.pi)
    psi = chi @ wh
    phi = np.exp(-sb2 * t ** 2 / 2) * psi ** width
    ft = np.where(t > 0, np.pi * t / np.sinh(np.pi * t / 2 + 1e-300), 2.0)
    sech2 = np.sum(wt * ft * phi) / np.pi
    return sb2 + v * (1.0 - sech2)


@pytest.mark.parametrize("law", ["normal", "rademacher", "uniform"])
def test_tanh_depth2_nlo_kernel_against_the_characteristic_function(law):
    sw, sb, x = 1.2, 0.5, 0.7
    net = TanhNet(sigma_w=sw, sigma_b=sb, depth=2).with_priors(hidden_weights=law)
    k = float(deep_kernel(net, x, x))
    widths = (400, 800, 1600)
    a = [n * (_tanh_depth2_two_point(sw ** 2, sb ** 2, sw ** 2, x, law, n) - k) for n in widths]
    # a(N) = K_1 + c_2 / N + c_3 / N^2: eliminate c_2 and c_3 (Richardson on 1/N)
    inv = 1.0 / np.array(widths)
    coef = np.linalg.solve(np.vander(inv, 3, increasing=True), a)
    k1 = float(nlo_kernel(net, [x])[0, 0])
    assert coef[0] == pytest.approx(k1, rel=1e-6, abs=1e-8)
    if law != "normal":      # the fourth-cumulant term is a visible part of K_1
        gauss = float(nlo_kernel(TanhNet(sigma_w=sw, sigma_b=sb, depth=2), [x])[0, 0])
        assert abs(k1 - gauss) > 0.1 * abs(gauss)


def _sech2_mean(variance_scale, sb2, law, width, feature_var):
    """E[sech^2(b + sum_j sqrt(w/N) xi_j tanh(u_j))], u_j i.i.d. N(0, feature_var), b ~ N(0, sb2)."""
    zh, wh, t, wt = _rules()
    g = np.tanh(np.sqrt(feature_var) * zh)
    u = np.sqrt(variance_scale / width) * t[:, None] * g[None, :]
    chi = np.cos(u) if law == "rademacher" else np.exp(-u ** 2 / 2)
    phi = np.exp(-sb2 * t ** 2 / 2) * (chi @ wh) ** width
    ft = np.where(t > 0, np.pi * t / np.sinh(np.pi * t / 2 + 1e-300), 2.0)
    return np.sum(wt * ft * phi) / np.pi


def test_tanh_depth3_last_hidden_layer_law_against_the_nested_characteristic_function():
    """Depth 3, Gaussian layer 2, Rademacher layer 3: given layer 1 (the mean Ybar of N i.i.d.
    tanh(z1)^2) the layer-2 neurons are i.i.d. N(0, b + w Ybar), so one layer-3 neuron has the
    characteristic function exp(-b t^2/2) psi(t; Ybar)^N; the outer expectation over Ybar is the
    nested reference's exact one (tests/nested_reference.py)."""
    from tests.nested_reference import _expect, _mean_moments
    sw, sb, x = 1.2, 0.5, 0.7
    w, b = sw ** 2, sb ** 2
    net = TanhNet(sigma_w=sw, sigma_b=sb, depth=3).with_priors(hidden_weights=["normal", "rademacher"])
    k = float(deep_kernel(net, x, x))
    widths = (400, 800, 1600)
    a = []
    for n in widths:
        moments = _mean_moments(b + w * x * x, n)
        def tanh2(ys, n=n):
            return np.array([1.0 - _sech2_mean(w, b, "rademacher", n, b + w * y) for y in ys])
        mean = _expect(tanh2, moments)
        a.append(n * (b + w * mean - k))
    coef = np.linalg.solve(np.vander(1.0 / np.array(widths), 3, increasing=True), a)
    k1 = float(nlo_kernel(net, [x])[0, 0])
    assert coef[0] == pytest.approx(k1, rel=1e-5)
    swapped = float(nlo_kernel(net.with_priors(hidden_weights=["rademacher", "normal"]), [x])[0, 0])
    assert abs(k1 - swapped) > 0.02                                     # the layer is resolved


# ---------------------------------------------------------------------- reduction, refusals
def test_gaussian_priors_reduce_exactly_to_the_default():
    net = TanhNet(sigma_w=1.1, sigma_b=0.4, depth=3)
    stated = net.with_priors(hidden_weights=stats.Normal("xi", 0, 1),
                             readout_weights=stats.Normal("xi", 0, 1))
    pts = [0.3, -0.8, 1.1]
    a, b = layer_recursion(net, pts), layer_recursion(stated, pts)
    for x, y in zip(a.kernel_corrections + a.vertices, b.kernel_corrections + b.vertices):
        assert np.array_equal(x, y)
    assert all(not np.any(t) for t in b.fourth_cumulants)
    assert weight_fourth_cumulants(stated) == [0.0, 0.0, 0.0]


def test_fourth_cumulant_tensor_and_six_point_bookkeeping():
    """T_out = kappa_4 v^2 M4 of the last layer, and Delta G^(6) at 1/N gains sum_S T(S) K."""
    net = ReLUNet(sigma_w=1.3, sigma_b=0.6, depth=2)
    rad = net.with_priors(readout_weights="rademacher")
    pts = [0.2, -0.5, 0.9]
    rec, rec_g = layer_recursion(rad, pts), layer_recursion(net, pts)
    assert np.allclose(rec.output_vertex, rec_g.output_vertex, rtol=EXACT_RTOL)
    # M4 at the output's kernel input: T / (kappa v^2); at a = b = c = d it is E[relu(z)^4] = 3 K2^2 / 2
    k2 = rec.kernels[1]
    assert rec.output_fourth_cumulant[1, 1, 1, 1] == pytest.approx(-2 * 1.69 ** 2 * 1.5 * k2[1, 1] ** 2)
    six = [0.2, 0.2, -0.5, 0.9, 0.9, -0.5]
    idx = [0, 0, 1, 2, 2, 1]
    from itertools import combinations
    extra = 0.0
    kern, t = rec.output_kernel, rec.output_fourth_cumulant
    for s in combinations(range(6), 4):
        i, j = [k for k in range(6) if k not in s]
        extra += t[tuple(idx[k] for k in s)] * kern[idx[i], idx[j]]
    assert leading_delta_green(rad, six) - leading_delta_green(net, six) == pytest.approx(
        extra, rel=1e-9)


def test_refusals_name_the_group_and_the_reason():
    net = ReLUNet(depth=2)
    with pytest.raises(ValueError, match="third moment"):
        skewed = FiniteLaw([-1 / sp.sqrt(2), sp.sqrt(2)], [sp.Rational(2, 3), sp.Rational(1, 3)])
        layer_recursion(net.with_priors(hidden_weights=skewed), [0.5])
    with pytest.raises(ValueError, match="fourth moment"):
        layer_recursion(net.with_priors(hidden_weights=StandardStudentT(4)), [0.5])
    with pytest.raises(ValueError, match="hidden_biases_2.*leading order"):
        deep_kernel(net.with_priors(hidden_biases="uniform"), 0.5, 0.5)
    with pytest.raises(ValueError, match="readout_bias.*leading order"):
        layer_recursion(net.with_priors(readout_bias="laplace"), [0.5])
    with pytest.raises(ValueError, match="shared_scale"):
        layer_recursion(net.with_priors(readout_weights={"shared_scale": "rademacher"}), [0.5])
    with pytest.raises(ValueError, match="delta_"):
        leading_pairing_coefficients(net.with_priors(readout_weights="uniform"), [0.1, 0.2])
    rademacher = net.with_priors(hidden_weights="rademacher")
    past = "past the leading 1/N order the recursion assumes Gaussian weights"
    with pytest.raises(ValueError, match="single_input_series: .*carried to order 1/N\\^2"):
        single_input_series(rademacher, 0.5, order=3)     # to 1/N^2: tests/test_deep_edgeworth.py
    # the leading six-point function takes weight laws (tests/test_deep_edgeworth.py); the
    # hidden law does not enter it
    assert leading_connected_six_point(rademacher, [0.5] * 6) == pytest.approx(
        leading_connected_six_point(net, [0.5] * 6), rel=1e-12)
    with pytest.raises(ValueError, match="next_order_four_point: " + past):
        next_order_four_point(TanhNet(depth=2).with_priors(hidden_weights="uniform"), [0.5] * 4)
    # a Student-t law with a finite fourth moment is accepted: kappa_4 = 6 / (nu - 4)
    assert weight_fourth_cumulants(net.with_priors(hidden_weights=StandardStudentT(7)))[0] == \
        pytest.approx(2.0)
    # zero-variance non-Gaussian biases are harmless: K = x^2 / 2^2 at sigma_W = 1, sigma_b = 0
    assert float(deep_kernel(ReLUNet(sigma_b=0, depth=2).with_priors(hidden_biases="uniform"),
                             0.5, 0.5)) == pytest.approx(0.0625)


# ---------------------------------------------------------------------- Monte Carlo
def test_sampler_four_point_against_exact_depth2_relu_at_width_8():
    """The package's sampler (Rademacher hidden and read-out weights) at N = 8 against the exact
    E f^4 of the hand formula, at every order in 1/N."""
    from numeric import sample_outputs
    net = ReLUNet(sigma_w=np.sqrt(2), sigma_b=0.5, depth=2).with_priors(
        hidden_weights="rademacher", readout_weights="rademacher")
    width = 8
    f = sample_outputs(net, width, [[0.5]], 200000, rng=7)[:, 0]
    two, four = relu_depth2_moments(2, sp.Rational(1, 4), 2, sp.Rational(1, 2), -2, -2)
    est, err = mc_mean(f ** 4)
    assert_mc_agrees(est, err, float(four.subs(N, width)), what="E f^4, Rademacher")
    gauss = relu_depth2_moments(2, sp.Rational(1, 4), 2, sp.Rational(1, 2), 0, 0)[1]
    assert abs(est - float(gauss.subs(N, width))) > 5 * err          # the test has power


def test_sampler_nlo_kernel_with_rademacher_hidden_weights_at_distinct_inputs():
    """N (E G_hat - K) -> K_1 (with the fourth-cumulant term) from the sampler's features."""
    from numeric.sampling import _BlockSampler
    sw, sb = 1.2, 0.5
    net = TanhNet(sigma_w=sw, sigma_b=sb, depth=2).with_priors(hidden_weights="rademacher")
    pts = np.array([[0.7], [-0.3]])
    rec = layer_recursion(net, pts)
    gauss = nlo_kernel(TanhNet(sigma_w=sw, sigma_b=sb, depth=2), pts)
    iu = np.triu_indices(2)
    widths, n_nets, chunk = (8, 16, 32), 60000, 10000
    vals, errs = [], []
    for width in widths:
        sampler = _BlockSampler(net, width, pts, chunk)
        ghat = []
        for part in range(n_nets // chunk):                              # bounded memory
            feats = sampler.features(chunk, np.random.default_rng([width, part]))
            ghat.append(sb ** 2 + sw ** 2 / width * np.einsum("mja,mjb->mab", feats, feats))
        ghat = np.concatenate(ghat)
        est, err = mc_mean(width * (ghat[:, iu[0], iu[1]] - rec.output_kernel[iu]))
        vals.append(est)
        errs.append(err)
    design = np.stack([np.ones(3), 1.0 / np.array(widths)], -1)
    fit, sig = [], []
    for y, e in zip(np.array(vals).T, np.array(errs).T):
        wgt = 1.0 / e ** 2
        cov = np.linalg.inv(design.T @ (design * wgt[:, None]))
        fit.append((cov @ design.T @ (wgt * y))[0])
        sig.append(np.sqrt(cov[0, 0]))
    fit, sig = np.array(fit), np.array(sig)
    assert_mc_agrees(fit, sig, rec.output_kernel_correction[iu], k=K_SIGMA, what="K_1, Rademacher")
    assert np.max(np.abs(fit - gauss[iu]) / sig) > 5                    # the kappa_4 term is seen


@pytest.mark.parametrize("law", ["laplace", "uniform"])
def test_depth_one_read_out_law_equals_the_exact_one_layer_result(law):
    """At depth 1 the connected four-point function is exactly c / N (nnqft_sym.neuron_sums)."""
    net = ReLUNet(sigma_w=1.3, sigma_b=0.6).with_priors(readout_weights=law)
    pts = [0.4, 0.4, -0.7, 1.1]
    exact = 7 * float(net.connected_green(pts, 7))
    assert leading_connected_four_point(net, pts) == pytest.approx(exact, rel=1e-9)
    assert leading_delta_green(net, pts) == pytest.approx(7 * float(net.delta_green(pts, 7)),
                                                          rel=1e-9)


# ---------------------------------------------------------------------- exact power-sum chain
@pytest.mark.parametrize("depth,d_in,x", [(3, 1, sp.Rational(2, 3)),
                                         (2, 2, [sp.Rational(1, 2), sp.Rational(-2, 3)])])
def test_power_sum_chain_reduces_to_the_gaussian_chain(depth, d_in, x):
    from nnqft_sym.deep_exact import _power_sum_moments
    from nnqft_sym import exact_single_input_moments
    net = ReLUNet(sigma_w=sp.Rational(3, 2), sigma_b=sp.Rational(1, 3), depth=depth, d_in=d_in)
    a, b = exact_single_input_moments(net, x), _power_sum_moments(net, x)
    for name in ("two_point", "four_point", "six_point"):
        assert sp.expand(getattr(a, name) - getattr(b, name)) == 0


@pytest.mark.parametrize("hidden,readout", [("rademacher", "rademacher"), ("uniform", "laplace")])
def test_power_sum_chain_equals_the_hand_formula_at_depth_2(hidden, readout):
    from nnqft_sym import exact_single_input_moments
    net = ReLUNet(sigma_w=sp.sqrt(2), sigma_b=sp.Rational(1, 2), depth=2).with_priors(
        hidden_weights=hidden, readout_weights=readout)
    m = exact_single_input_moments(net, sp.Rational(1, 2))
    two, four = relu_depth2_moments(2, sp.Rational(1, 4), 2, sp.Rational(1, 2), LAWS[hidden],
                                    LAWS[readout])
    assert sp.simplify(m.two_point - two) == 0
    assert sp.simplify(m.four_point.subs(m.width, N) - four) == 0


def test_power_sum_chain_one_over_n_equals_the_recursion_at_depth_3():
    """Two independent routes to the 1/N coefficient: the exact chain and the Edgeworth recursion."""
    from nnqft_sym import exact_single_input_moments
    net = ReLUNet(sigma_w=sp.Rational(7, 5), sigma_b=sp.Rational(1, 2), depth=3).with_priors(
        hidden_weights=["uniform", "rademacher"], readout_weights="laplace")
    m = exact_single_input_moments(net, sp.Rational(3, 5))
    c = m.series(m.delta_four_point, 3)
    assert float(c[1]) == pytest.approx(leading_delta_green(net, [0.6] * 4), rel=1e-10)
    assert m.series(m.two_point, 3)[1:] == [0, 0, 0]


def test_power_sum_chain_against_the_sampler_with_every_law_non_gaussian():
    """Depth 3 at N = 4 (every order in 1/N), every group non-Gaussian: Rademacher first-layer
    weights, hidden biases and read-out, uniform hidden weights and other biases, 3e5 networks."""
    from numeric import sample_outputs
    from nnqft_sym import exact_single_input_moments
    base = ReLUNet(sigma_w=1.2, sigma_b=0.5, depth=3)
    net = base.with_priors(first_weights="rademacher", first_biases="uniform",
                           hidden_weights="uniform", hidden_biases="rademacher",
                           readout_weights="rademacher", readout_bias="uniform")
    m, gauss = exact_single_input_moments(net, 0.8), exact_single_input_moments(base, 0.8)
    width = 4
    f = sample_outputs(net, width, [[0.8]], 300000, rng=11)[:, 0]
    for power, exact, other in ((2, m.two_point, gauss.two_point), (4, m.four_point, gauss.four_point),
                                (6, m.six_point, gauss.six_point)):
        est, err = mc_mean(f ** power)
        assert_mc_agrees(est, err, float(exact.subs(m.width, width)), what=f"E f^{power}")
        if power > 2:                                   # E f^2 = K for every symmetric law
            assert abs(est - float(other.subs(m.width, width))) > 20 * err


# ---------------------------------------------------------------------- Student-t: the orders that exist
def test_student_t_read_out_gives_the_finite_moments_and_says_which_diverge():
    """nu = 5: E xi^4 exists, E xi^6 does not.  E f^2 and E f^4 are returned (they used to be
    refused because E f^6 was computed too); E f^6 is +infinity and its cumulant refuses.

    Independent route at depth 2 (only the read-out law differs from Gaussian): given the last
    hidden layer the read-out sum has E f^4 = 3 E[K_h^2] + kappa_4 (v/N)^2 N E[phi(z)^4] with
    kappa_4 = 6/(nu - 4) = 6, E[phi(z)^4] = E[z^4]/2 for ReLU (z symmetric) and E[z^4] the
    fourth moment of a depth-1 network built from the first two layers (the Gaussian scalar
    chain, another code path)."""
    sw, sb, x = sp.sqrt(2), sp.Rational(1, 2), sp.Rational(1, 2)
    gauss = ReLUNet(sigma_w=sw, sigma_b=sb, depth=2)
    m = exact_single_input_moments(gauss.with_priors(readout_weights=StandardStudentT(5)), x)
    assert m.divergent_orders == (6,) and m.six_point is sp.oo
    assert "readout_weights" in m.divergence and "xi^6" in m.divergence
    width = m.width
    z4 = exact_single_input_moments(ReLUNet(sigma_w=sw, sigma_b=sb, depth=1), x).four_point
    expected = exact_single_input_moments(gauss, x).four_point + 6 * (2 / width) ** 2 * width * z4 / 2
    assert sp.simplify(m.four_point - expected) == 0
    assert m.two_point == sp.Rational(5, 4)
    assert m.series(m.delta_four_point, 3) == [0, sp.Rational(951, 16), sp.Rational(2295, 16), 0]
    with pytest.raises(DivergentExpectationError, match="six-point.*E f\\^6.*nu = 5"):
        _ = m.connected_six_point
    with pytest.raises(DivergentExpectationError, match="diverges"):
        m.series(m.six_point)


def test_student_t_at_depth_one_agrees_with_the_one_layer_engine():
    """Depth 1, Student-t nu = 5 read-out: E f^4 against nnqft_sym.neuron_sums (net.green)."""
    net = ReLUNet(sigma_w=1.3, sigma_b=0.6).with_priors(readout_weights=StandardStudentT(5))
    m = exact_single_input_moments(net, sp.Rational(2, 5))
    for n in (1, 3, 40):
        assert float(m.four_point.subs(m.width, n)) == pytest.approx(
            float(net.green([0.4] * 4, n)), rel=1e-10)
    assert m.divergent_orders == (6,)


def test_a_divergent_first_layer_moment_that_the_input_does_not_reach_stays_finite():
    """A first-layer Student-t nu = 3 weight: E f^4 = oo at x != 0, but at x = 0 (no bias) the
    weight never enters and every moment is 0; a symbolic x is refused, not guessed."""
    net = ReLUNet(sigma_w=sp.sqrt(2), sigma_b=0, depth=2).with_priors(
        first_weights=StandardStudentT(3))
    assert exact_single_input_moments(net, 0).four_point == 0
    m = exact_single_input_moments(net, sp.Rational(1, 2))
    assert m.two_point == sp.Rational(1, 2) and m.divergent_orders == (4, 6)
    with pytest.raises(DivergentExpectationError, match="first_weights.*give numbers"):
        exact_single_input_moments(net)
