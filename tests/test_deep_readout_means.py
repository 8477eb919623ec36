"""Read-out means of deep networks at leading order in 1/N (nnqft_sym.deep).

Independent references: the exact one-hidden-layer correlators of nnqft_sym.neuron_sums (the
moment-cumulant formula over i.i.d. neurons, exact in N), an exact depth-2 ReLU mean at one
input (a one-dimensional mpmath integral of the characteristic function of the layer-2
variance), the features of the tests' own NumPy sampler (tests/deep_reference.py) and the
package's sampler (numeric.sample_outputs), both within K_SIGMA standard errors at fixed seeds.
"""
from __future__ import annotations

import dataclasses

import mpmath as mp
import numpy as np
import pytest
import sympy as sp
from click.testing import CliRunner

import nnqft_sym as nq
from nnqft_cli.main import cli
from nnqft_sym import Z, neuron_sums
from nnqft_sym.deep import _expand_moment, _mean_statistics, _recursion_cumulants
from numeric import check_estimator, default_estimator, measure, sample_outputs

from .deep_reference import _last_hidden_features

K_SIGMA = 3.5
MEANS = {"readout_weights": {"mean": 0.7}, "readout_bias": {"mean": -0.4}}
GELU = Z * (1 + sp.erf(Z / sp.sqrt(2))) / 2
POINTS = np.array([0.5, 1.0])
#: all multisets of the two points up to order 3
COMBOS = {1: [[0], [1]], 2: [[0, 0], [0, 1], [1, 1]],
          3: [[0, 0, 0], [0, 0, 1], [0, 1, 1], [1, 1, 1]]}


def _one_layer_nets():
    return [nq.ReLUNet(), nq.ErfNet(), nq.GaussNet(), nq.TanhNet(sigma_w=1.2, sigma_b=0.5),
            nq.Network(GELU, name="GELU")]


# ---------------------------------------------------------------------- depth 1: exact
@pytest.mark.parametrize("index", range(5))
def test_depth_one_reduces_to_the_exact_one_over_n_coefficient(index):
    """At L = 1 the leading-order functions equal the exact 1/N coefficient of neuron_sums."""
    net = _one_layer_nets()[index].with_priors(**MEANS)
    for pts in ([0.5], [0.5, 1.0], [0.5, 1.0, -0.3], [0.5, 0.5, 1.0, -0.3],
                [0.5, 1.0, -0.3, 0.2, 0.9]):
        exact = float(neuron_sums.series_in_inverse_width(net, pts)[1])
        assert nq.leading_delta_green(net, pts) == pytest.approx(exact, rel=1e-9, abs=1e-12)
        assert nq.leading_free_green(net, pts) == pytest.approx(
            float(neuron_sums.free_green_general(net, pts)), rel=1e-12)
    # the cumulants one by one: kappa_n = c_n / N + d_n / N^2 exactly at depth 1 (n = 2, 3)
    for pts, value in (([0.5, 1.0], nq.nlo_kernel(net, [0.5, 1.0])[0, 1]),
                       ([0.5, 1.0, -0.3], nq.leading_connected_three_point(net, [0.5, 1.0, -0.3]))):
        y = [n * float(neuron_sums.connected_green_general(net, pts, n)) for n in (10, 20)]
        if len(pts) == 2:
            y = [yi - n * nq.deep_kernel(net.with_priors(readout_weights={"mean": 0},
                                                       readout_bias={"mean": 0}), 0.5, 1.0)
                 for yi, n in zip(y, (10, 20))]
        assert value == pytest.approx(2 * y[1] - y[0], rel=1e-9)      # c = y(1/N -> 0)
    assert nq.deep_mean_function(net, 0.7) == pytest.approx(float(nq.mean_function(net, 0.7)),
                                                             rel=1e-12)
    assert np.all(nq.leading_mean_correction(net, [0.5, 1.0]) == 0)   # exact mean at L = 1


def test_readout_means_leave_the_connected_four_point_function_at_one_over_n():
    """kappa_4 = N kappa_4(t) exactly at depth 1: its 1/N coefficient (extrapolated from
    N = 1000, 2000, 4000) does not depend on the means (they enter at 1/N^2)."""
    net = nq.ReLUNet().with_priors(**MEANS)
    pts = [0.5, 1.0, -0.3, 0.2]
    y = [n * float(neuron_sums.connected_green_general(net, pts, n)) for n in (1000, 2000, 4000)]
    c = np.polyfit([1e-3, 5e-4, 2.5e-4], y, 2)[-1]
    assert nq.leading_connected_four_point(net, pts) == pytest.approx(c, rel=1e-8)
    assert nq.leading_connected_four_point(net, pts) == pytest.approx(
        nq.leading_connected_four_point(nq.ReLUNet(), pts), rel=1e-12)


def test_six_points_and_a_non_gaussian_readout_law_at_depth_one():
    net = nq.ReLUNet().with_priors(readout_weights={"law": "laplace", "mean": 0.6},
                                   readout_bias={"mean": 0.2})
    pts = [0.5, 1.0, -0.3, 0.2, 0.9, 0.5]
    exact = float(neuron_sums.series_in_inverse_width(net, pts)[1])
    assert nq.leading_delta_green(net, pts) == pytest.approx(exact, rel=1e-9)


def test_centred_networks_take_the_same_value_through_the_moment_expansion():
    """Without means the partition expansion equals the pairing sum of the centred route."""
    net = nq.ErfNet(depth=2).with_priors(readout_weights="uniform", hidden_weights="rademacher")
    pts = np.array([0.3, -0.5, 0.9, 0.3, -0.5, 0.3])
    rec = nq.layer_recursion(net, np.unique(pts))
    index = np.searchsorted(np.unique(pts), pts)
    for n in (2, 4, 6):
        lead, first = _expand_moment(_recursion_cumulants(rec, index[:n]), n)
        assert first == pytest.approx(nq.leading_delta_green(net, pts[:n]), rel=1e-12)
        assert lead == pytest.approx(nq.free_green(net, pts[:n]), rel=1e-12)


# ---------------------------------------------------------------------- depth 2: the mean
def _exact_relu_layer_two_mean(b: float, ws1: float, width: int, law: str) -> mp.mpf:
    r""":math:`E\,\mathrm{relu}(z_2)` exactly, :math:`z_2 = \beta + \sum_{j \le N} W_j
    \mathrm{relu}(z_{1j})`, :math:`\beta \sim N(0, b)`, :math:`z_1 \sim N(0, s_1)`,
    :math:`W = \sqrt{w/N}\,\xi` (``ws1`` = w s_1): :math:`E\,\mathrm{relu}(X) = E|X|/2` for a
    symmetric X and :math:`E|X| = (2/\pi)\int_0^\infty (1 - \varphi_X(t))\, t^{-2} dt` with
    :math:`\varphi_X = e^{-b t^2/2}\psi^N`, :math:`\psi(t) = E\cos(t W \mathrm{relu}(z_1))`:
    :math:`1/2 + 1/(2\sqrt{1 + t^2 w s_1/N})` for Gaussian :math:`\xi`, :math:`1/2 +
    e^{-t^2 w s_1/(2N)}/2` for Rademacher."""
    if law == "normal":
        psi = lambda t: mp.mpf(1) / 2 + 1 / (2 * mp.sqrt(1 + t * t * ws1 / width))   # noqa: E731
    else:
        psi = lambda t: mp.mpf(1) / 2 + mp.exp(-t * t * ws1 / (2 * width)) / 2     # noqa: E731
    return mp.quad(lambda t: (1 - mp.exp(-b * t * t / 2) * psi(t) ** width) / t ** 2,
                   [0, 0.5, 2, 10, mp.inf]) / mp.pi


@pytest.mark.parametrize("law", ["normal", "rademacher"])
def test_relu_mean_correction_against_the_exact_depth_two_mean(law):
    """E f = mu_b + mu_W E relu(z_2) exactly: N (E f - m) at N = 250, 500, 1000, extrapolated
    quadratically in 1/N, gives m_1 -- with Rademacher hidden weights its Edgeworth term
    (V -> V + T/3) included."""
    mp.mp.dps = 30
    w, b, mu_w = 1.5, 0.5, 2.0
    net = nq.ReLUNet(sigma_w=np.sqrt(w), sigma_b=np.sqrt(b), depth=2).with_priors(
        hidden_weights=law, readout_weights={"mean": mu_w}, readout_bias={"mean": 0.3})
    predicted = nq.leading_mean_correction(net, [0.5, 1.2])
    for x, value in zip((0.5, 1.2), predicted):
        s1 = b + w * x * x
        k2 = b + w * s1 / 2
        assert nq.deep_mean_function(net, x) == pytest.approx(0.3 + mu_w * np.sqrt(k2 / (2 * np.pi)))
        widths = [250, 500, 1000]
        ys = [n * mu_w * (_exact_relu_layer_two_mean(b, w * s1, n, law) - mp.sqrt(k2 / (2 * mp.pi)))
              for n in widths]
        coef = mp.lu_solve(mp.matrix([[1, mp.mpf(1) / n, mp.mpf(1) / n ** 2] for n in widths]),
                           mp.matrix(ys))
        assert value == pytest.approx(float(coef[0]), rel=1e-6)
        assert abs(value) > 0.03                                    # a real O(1/N) effect


def test_numeric_mean_derivatives_of_polynomial_activations():
    """Price (s < 1) and the score identities (s >= 1) against E[z^2 + z^4] = s + 3 s^2."""
    net = nq.Network(Z ** 2 + Z ** 4, depth=2)
    s = np.array([0.3, 0.9, 1.0, 2.5, 7.0])
    mu, d1, d2 = _mean_statistics(net, s)
    np.testing.assert_allclose(mu, s + 3 * s ** 2, rtol=1e-10)
    np.testing.assert_allclose(d1, 1 + 6 * s, rtol=1e-8)
    np.testing.assert_allclose(d2, np.full_like(s, 6.0), rtol=1e-6)
    gauss = _mean_statistics(nq.GaussNet(depth=2), s)             # e^{-s} e^{s/2}, n fixed
    np.testing.assert_allclose(gauss[1], 0.5 * np.exp(-s / 2), rtol=1e-12)


# ---------------------------------------------------------------------- depth 2: fluctuations
def _fit_intercept(widths, values, errors):
    """Weighted fit values = a + b / N; returns (a, its standard error)."""
    x = np.stack([np.ones(len(widths)), 1.0 / np.asarray(widths, float)], 1)
    weight = 1.0 / np.asarray(errors) ** 2
    cov = np.linalg.inv(x.T @ (weight[:, None] * x))
    beta = cov @ x.T @ (weight * np.asarray(values))
    return beta[0], np.sqrt(cov[0, 0])


@pytest.mark.parametrize("family, activation", [("relu", sp.Max(0, Z)), ("gelu", GELU)])
def test_mean_fluctuations_against_the_features_of_an_independent_sampler(family, activation):
    """N Cov(gbar_a, gbar_b) -> C / mu_W^2 and N Cov(gbar_a, Ghat_bc) -> D / (mu_W v): the
    inter-neuron V terms are needed (without them the fit is > 5 sigma away)."""
    net = nq.Network(activation, depth=2).with_priors(readout_weights={"mean": 1.0})
    pts = POINTS[:, None]
    rec = nq.layer_recursion(net, pts)
    mu, _, _ = _mean_statistics(net, np.diagonal(rec.kernels[-2]).copy())
    m2, m3 = (np.asarray(nq.gaussian_moment(activation, rec.kernels[-2][np.ix_(i, i)]))
              for i in ([0, 1], [0, 1, 1]))
    widths, stats = (8, 16, 32), []
    for width in widths:
        rng = np.random.default_rng(width)
        bags = []
        for _ in range(10):
            g = _last_hidden_features(family, pts, width, 2, 4000, 1.0, 1.0, rng)
            gbar = g.mean(1)
            gram = np.einsum("mja,mjb->mab", g, g) / width
            dev = gbar - gbar.mean(0)
            bags.append([width * (gbar.mean(0)[1] - mu[1]),
                         width * dev[:, 0] @ dev[:, 1] / (len(g) - 1),
                         width * dev[:, 0] @ (gram[:, 1, 1] - gram[:, 1, 1].mean()) / (len(g) - 1)])
        bags = np.array(bags)
        stats.append((bags.mean(0), bags.std(0, ddof=1) / np.sqrt(len(bags))))
    means, errors = np.array([s[0] for s in stats]), np.array([s[1] for s in stats])
    predictions = [rec.output_mean_correction[1], rec.mean_covariance[0, 1],
                   rec.mean_kernel_covariance[0, 1, 1]]
    without_v = [0.0, m2 - mu[0] * mu[1], m3 - mu[0] * rec.kernels[-1][1, 1]]
    for k, (pred, naive) in enumerate(zip(predictions, without_v)):
        a, err = _fit_intercept(widths, means[:, k], errors[:, k])
        assert abs(a - pred) < K_SIGMA * err, (k, a, err, pred)
        if k:
            assert abs(a - naive) > 5 * err, (k, a, err, naive)


def _without_mean_terms(net, pts, combo):
    """c_1 with the new terms m_1, C, D dropped (the centred recursion's K_1, V, T only)."""
    rec = nq.layer_recursion(net, pts)
    rec = dataclasses.replace(rec, output_mean_correction=0 * rec.output_mean_correction,
                              mean_covariance=0 * rec.mean_covariance,
                              mean_kernel_covariance=0 * rec.mean_kernel_covariance)
    return _expand_moment(_recursion_cumulants(rec, np.asarray(combo)), len(combo))[1]


def _check_sampled_green_functions(net, n_nets, seed):
    widths = (8, 16, 32)
    outputs = [sample_outputs(net, w, POINTS, n_nets, rng=seed + w) for w in widths]
    rejected = []
    for order, combos in COMBOS.items():
        for combo in combos:
            pts = POINTS[combo]
            free = nq.leading_free_green(net, pts)
            prods = [np.prod(f[:, combo], axis=1) for f in outputs]
            values = [w * (p.mean() - free) for w, p in zip(widths, prods)]
            errors = [w * p.std() / np.sqrt(len(p)) for w, p in zip(widths, prods)]
            a, err = _fit_intercept(widths, values, errors)
            predicted = nq.leading_delta_green(net, pts)
            assert abs(a - predicted) < K_SIGMA * err, (order, combo, a, err, predicted)
            rejected.append(abs(a - _without_mean_terms(net, POINTS, combo)) / err)
    assert max(rejected) > 5, rejected


@pytest.mark.parametrize("base", [nq.ReLUNet(depth=2), nq.ErfNet(depth=2)], ids=["relu", "erf"])
def test_package_sampler_green_functions_at_depth_two(base):
    """N (E G_hat - G_0) = a + b/N at N = 8, 16, 32 (1e5 networks each): a is the prediction for
    G^(1), G^(2), G^(3) at every multiset of two points, and the prediction without the mean
    terms (m_1, C, D) is rejected.  mu_W = 2 (not 0.5): the mean terms then stand > 5 sigma
    above the noise at this budget."""
    _check_sampled_green_functions(base.with_priors(readout_weights={"mean": 2.0},
                                                    readout_bias={"mean": 0.3}), 100_000, 100)


@pytest.mark.slow
def test_package_sampler_green_functions_at_the_issue_means():
    """The same at mu_W = 0.5, mu_b = 0.3 (ReLU, 1e6 networks per width, about 20 s): the
    numbers of docs/priors.md (G^(3) 6.8 sigma from the prediction without the mean terms)."""
    _check_sampled_green_functions(nq.ReLUNet(depth=2).with_priors(
        readout_weights={"mean": 0.5}, readout_bias={"mean": 0.3}), 1_000_000, 1000)


# ---------------------------------------------------------------------- measure and the CLI
def test_measure_runs_deep_readout_means_with_odd_orders():
    net = nq.ReLUNet(depth=2).with_priors(readout_weights={"mean": 0.5}, readout_bias={"mean": 0.3})
    assert default_estimator(net) == "conditional"
    with pytest.raises(ValueError, match=r"needs centred hidden layers.*\['hidden_weights_2'\]"):
        check_estimator("conditional", net.with_priors(hidden_weights={"mean": 0.2}))
    res = measure(net, [8, 16], POINTS, orders=(1, 2, 3), n_bags=4, n_nets=5000, rng=7,
                  estimator="plain")
    cond = measure(net, [8, 16], POINTS, orders=(1, 2, 3), n_bags=4, n_nets=5000, rng=7)
    assert res.reference_kind == "leading order in 1/N" and res.estimator == "plain"
    assert cond.estimator == "conditional"
    for n in res.orders:                   # the same networks: unbiased, far more precise
        e, c = res.estimate(n), cond.estimate(n)
        assert np.all(np.abs(c.mean - e.mean) < 4 * np.hypot(c.stderr, e.stderr)), n
        assert np.all(c.stderr < e.stderr / 5), (n, e.stderr / c.stderr)
    for n in res.orders:
        combos = POINTS[:, None][np.array(COMBOS[n])]              # (n_combos, n, 1)
        free = nq.leading_free_green(net, combos)
        np.testing.assert_allclose(res.free[n], free, rtol=1e-12)
        np.testing.assert_allclose(res.reference[n][1], free + nq.leading_delta_green(net, combos) / 16,
                                   rtol=1e-12)
        e = res.estimate(n)
        assert np.all(np.isfinite(e.deviation)) and np.all(np.abs(e.z) < 4), (n, e.z)


def test_hms_cli_with_deep_readout_means_and_odd_orders(tmp_path):
    prior = tmp_path / "prior.toml"
    prior.write_text("[readout_weights]\nmean = 0.5\n\n[readout_bias]\nmean = 0.3\n")
    out = tmp_path / "run"
    result = CliRunner().invoke(cli, ["experiment", "hms", "--arch", "erf", "--depth", "2",
                                      "--widths", "4,8", "--n-bags", "2", "--n-nets", "300",
                                      "--orders", "1,3", "--points", "0.5,1", "--prior", str(prior),
                                      "--out", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    report = (out / "report.md").read_text()
    assert "Reference values: leading order in 1/N" in report
    assert "| 4 | 1 |" in report and "| 8 | 3 |" in report


# ---------------------------------------------------------------------- refusals
@pytest.mark.parametrize("priors, group", [
    ({"hidden_weights": {"mean": 0.5}}, "hidden_weights_2"),
    ({"hidden_biases": {"mean": 0.1}}, "hidden_biases_2"),
    ({"first_biases": {"mean": 0.1}}, "first_biases"),
])
def test_hidden_layer_means_are_refused_naming_the_group(priors, group):
    net = nq.ReLUNet(depth=2).with_priors(**priors)
    for call in (lambda: nq.leading_delta_green(net, [0.5, 1.0]),
                 lambda: nq.leading_mean_correction(net, [0.5]),
                 lambda: nq.layer_kernels(net, 0.5, 1.0),
                 lambda: nq.layer_kernels_expr(net, 1, 1)):
        with pytest.raises(ValueError, match=f"hidden-layer means are not covered.*'{group}'"):
            call()
    # the leading order (infinite width) takes them
    assert np.isfinite(nq.deep_mean_function(net, 0.5)) and np.isfinite(nq.deep_kernel(net, 0.5, 1.0))


def test_functions_that_would_drop_readout_means_refuse_them():
    net = nq.ReLUNet(depth=2, d_out=2).with_priors(readout_weights={"mean": 0.5})
    with pytest.raises(ValueError, match="deep_kernel needs centred read-out priors"):
        nq.deep_kernel(net, 0.5, 1.0)
    with pytest.raises(ValueError, match="deep_kernel needs centred read-out priors"):
        nq.free_green(net, [0.5, 1.0])
    with pytest.raises(ValueError, match="read-out means correlate the output components"):
        nq.deep.leading_pairing_coefficients(net, [0.5, 1.0])
    with pytest.raises(ValueError, match="single_input_series .*needs centred read-out"):
        nq.single_input_series(net, 0.5)
    with pytest.raises(ValueError, match="three-point function needs 3 points"):
        nq.leading_connected_three_point(net, [0.5, 1.0])


@pytest.mark.parametrize("mean", [float("nan"), float("inf"), 1j])
def test_a_mean_must_be_a_finite_real_number(mean):
    with pytest.raises(ValueError, match="readout_weights mean must be a finite real number"):
        nq.ReLUNet(depth=2).with_priors(readout_weights={"mean": mean})


def test_a_symbolic_mean_is_refused_by_the_numeric_recursion():
    net = nq.ReLUNet(depth=2).with_priors(readout_weights={"mean": sp.Symbol("mu")})
    with pytest.raises(ValueError, match="readout_weights mean: the deep recursions need a "
                                         "numeric mean, got mu"):
        nq.leading_delta_green(net, [0.5])


# ---------------------------------------------------------------------- hidden-layer means
HIDDEN_MEANS = dict(first_biases={"mean": 0.3}, hidden_weights={"mean": 0.8},
                    hidden_biases={"mean": -0.2}, readout_weights={"mean": 0.5},
                    readout_bias={"mean": 0.3})


def test_mean_field_layers_equal_the_closed_forms_without_hidden_means():
    """The quadrature of the shifted activation against the closed-form recursion (a mean of
    1e-300 takes the hidden-mean route with the centred numbers)."""
    x, y = np.array([0.5, 1.0]), np.array([1.0, -0.3])
    for base in (nq.ReLUNet(depth=3), nq.GaussNet(depth=2), nq.ErfNet(depth=2)):
        net = base.with_priors(readout_weights={"mean": 0.5})
        tiny = net.with_priors(hidden_biases={"mean": 1e-300})
        for a, b in zip(nq.mean_field_layers(net, x, y), nq.mean_field_layers(tiny, x, y)):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    # E[relu(1 + u)^2], u ~ N(0, 1/2), closed form
    net = nq.ReLUNet(sigma_b=0, depth=2).with_priors(hidden_biases={"mean": 1.0})
    means, kernels = nq.mean_field_layers(net, 1.0, 1.0)
    t = 1 / np.sqrt(0.5)
    from scipy.stats import norm
    exact = 1.5 * norm.cdf(t) + 1.0 * np.sqrt(0.5) * norm.pdf(t)
    assert kernels[2, 0] == pytest.approx(exact, rel=1e-12) and means[1, 0] == 1.0


@pytest.mark.parametrize("base, widths", [(nq.ReLUNet(depth=2), (16, 32, 64)),
                                          (nq.GaussNet(sigma_w=0.5, sigma_b=0.5, depth=2), (32, 64))],
                         ids=["relu", "gauss"])
def test_mean_field_against_the_package_sampler(base, widths):
    """E f and Cov(f(x), f(y)) of sampled networks with means in every group, fitted by
    a + b/N, agree with the mean-field recursion; dropping the hidden means is rejected (the
    Gauss-net exercises the sampler's normalisation at the mean-field variances)."""
    net = base.with_priors(**HIDDEN_MEANS)
    means, kernels = nq.mean_field_layers(net, POINTS[:, None], POINTS[None, :])
    predicted = np.concatenate([means[-1, :, 0, 0], kernels[-1, ..., 2].ravel()])
    readout_only = base.with_priors(readout_weights=HIDDEN_MEANS["readout_weights"],
                                    readout_bias=HIDDEN_MEANS["readout_bias"])
    ignored = np.concatenate([nq.deep_mean_function(readout_only, POINTS),   # hidden means dropped
                              nq.layer_kernels(base, POINTS[:, None], POINTS[None, :])[-1, ..., 2].ravel()])
    values, errors = [], []
    for width in widths:
        f = sample_outputs(net, width, POINTS, 20000, rng=width)
        dev = f - f.mean(0)
        products = np.stack([dev[:, a] * dev[:, b] for a in range(2) for b in range(2)], 1)
        values.append(np.concatenate([f.mean(0), products.sum(0) / (len(f) - 1)]))
        errors.append(np.concatenate([f.std(0), products.std(0)]) / np.sqrt(len(f)))
    values, errors = np.array(values), np.array(errors)
    rejected = []
    for k in range(6):
        a, err = _fit_intercept(widths, values[:, k], errors[:, k])
        assert abs(a - predicted[k]) < K_SIGMA * err, (k, a, err, predicted[k])
        rejected.append(abs(a - ignored[k]) / err)
    assert min(rejected[:2]) > 5 and max(rejected) > 10, rejected


def test_measure_with_hidden_means_needs_exact_false():
    net = nq.ReLUNet(depth=2).with_priors(**HIDDEN_MEANS)
    with pytest.raises(ValueError, match=r"measure: .*groups \['first_biases', 'hidden_weights_2', "
                                         r"'hidden_biases_2'\] have means.*exact=False"):
        measure(net, [8], POINTS, orders=(1, 2), n_bags=2, n_nets=100)
    res = measure(net, [8], POINTS, orders=(1, 2), n_bags=2, n_nets=100, exact=False)
    np.testing.assert_allclose(res.free[1], nq.mean_field_layers(net, POINTS, POINTS)[0][-1, :, 0],
                               rtol=1e-12)
