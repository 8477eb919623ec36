"""Odd orders measured by numeric.measure and the conditional estimator with read-out means.

Exact references from nnqft_sym (green_general, the moment-cumulant formula over neurons) and
independent closed forms for ReLU; Monte Carlo within K_SIGMA standard errors at fixed seeds.
"""
import numpy as np
import pytest

from nnqft_sym import ErfNet, ReLUNet
from numeric import (ConditionalSums, MonomialSums, conditional_estimator_valid,
                     exact_green_functions, free_values, measure, point_multisets)

K_SIGMA = 4.0
MEANS = {"readout_weights": {"law": "normal", "mean": 0.5}, "readout_bias": {"mean": 0.3}}
SHIFTED = ReLUNet().with_priors(**MEANS)
POINTS = [0.5, 1.0]


def _relu_moments(x):
    """E relu(z), E relu(z)^2 for z ~ N(0, 1 + x^2) (sigma_W = sigma_b = 1)."""
    s2 = 1.0 + x * x
    return np.sqrt(s2 / (2 * np.pi)), s2 / 2


def test_monomial_sums_of_odd_orders_equal_a_direct_sum():
    rng = np.random.default_rng(0)
    f = rng.standard_normal((5000, 3))
    acc = MonomialSums(3, (1, 2, 3, 5))
    acc.add(f[:1234])
    acc.add(f[1234:])
    sums = acc.finish()
    for n in (1, 3, 5):
        combos = point_multisets(3, n)
        terms = np.prod(f[:, combos], axis=-1)                 # (nets, combos)
        np.testing.assert_allclose(sums[n]["sum"], terms.sum(0), rtol=1e-12, atol=1e-9)
        np.testing.assert_allclose(sums[n]["sum_abs"], np.abs(terms).sum(0), rtol=1e-12)
        np.testing.assert_allclose(sums[n]["sum_sq"], (terms ** 2).sum(0), rtol=1e-12)


def test_exact_odd_references_against_closed_forms():
    """G^(1) = mu_b + mu_W E g at every width; G^(3)(x,x,x) from the neuron expansion."""
    n_width, mw, mb = 7, 0.5, 0.3
    for x in POINTS:
        eg, eg2 = _relu_moments(x)
        free, exact = exact_green_functions(SHIFTED, [n_width], [x], 1)
        assert exact[0, 0] == pytest.approx(mb + mw * eg, rel=1e-12)
        assert free[0] == pytest.approx(mb + mw * eg, rel=1e-12)
        # f = b + S, S = sum_j W_j g_j; E S = mw Eg, E S^2, E S^3 by the i.i.d. neurons
        eg3 = float(np.asarray(SHIFTED.neuron_moment([x, x, x])))
        w1, w2, w3 = mw / n_width, 1 / n_width + (mw / n_width) ** 2, \
            3 * (mw / n_width) / n_width + (mw / n_width) ** 3
        t1, t2, t3 = w1 * eg, w2 * eg2, w3 * eg3
        s1 = n_width * t1
        k2 = n_width * (t2 - t1 ** 2)
        k3 = n_width * (t3 - 3 * t2 * t1 + 2 * t1 ** 3)
        es3 = k3 + 3 * k2 * s1 + s1 ** 3
        es2 = k2 + s1 ** 2
        g3 = es3 + 3 * mb * es2 + 3 * (1 + mb ** 2) * s1 + mb ** 3 + 3 * mb
        _, exact3 = exact_green_functions(SHIFTED, [n_width], [x], 3)
        assert exact3[0, 0] == pytest.approx(g3, rel=1e-10)


def test_centred_odd_orders_are_zero_with_a_warning_not_a_silent_division():
    with pytest.warns(RuntimeWarning, match="odd order of a centred network"):
        res = measure(ErfNet(), [4], POINTS, orders=(1, 3), n_bags=4, n_nets=2000, rng=1,
                      estimator="plain")
        e = res.estimate(3)
    assert np.all(res.free[3] == 0) and np.all(res.reference[3] == 0)
    assert np.all(np.isnan(e.deviation)) and np.all(np.isfinite(e.z))
    assert np.all(np.abs(e.z) < K_SIGMA)
    with pytest.warns(RuntimeWarning, match="G_0 = 0"):
        rows = res.summary()
    assert all(np.isnan(r["mean_deviation"]) and np.isnan(r["background_deviation"]) for r in rows)
    cond = measure(ErfNet(), [4], POINTS, orders=(3,), n_bags=2, n_nets=100, rng=1,
                   estimator="conditional")
    assert np.all(cond.bag_stats[3]["sum"] == 0)          # E[f^3 | h] = 0 exactly


@pytest.mark.parametrize("estimator", ["plain", "conditional"])
def test_odd_and_even_orders_with_readout_means_match_the_exact_values(estimator):
    res = measure(SHIFTED, [3, 12], POINTS, orders=(1, 2, 3, 4, 5), n_bags=10, n_nets=4000,
                  rng=31, estimator=estimator)
    for n in res.orders:
        e = res.estimate(n)
        assert np.all(np.abs(e.z[np.isfinite(e.z)]) < K_SIGMA), (n, e.z)
        assert np.all(np.isfinite(e.deviation))               # G_0 != 0 with means
    # G^(3) is O(1) and its 1/N part is resolved: Delta G within errors, not just G
    e3 = res.estimate(3)
    assert np.all(np.abs(e3.delta_reference) > 3 * e3.stderr) or estimator == "plain"


def test_conditional_estimator_with_means_is_exact_at_order_one_and_far_more_precise():
    assert conditional_estimator_valid(SHIFTED)
    assert conditional_estimator_valid(ReLUNet(depth=2).with_priors(readout_bias={"mean": 1}))
    assert not conditional_estimator_valid(ReLUNet(depth=2).with_priors(
        readout_bias={"mean": 1}, hidden_biases={"mean": 1}))
    assert not conditional_estimator_valid(ReLUNet().with_priors(
        readout_weights={"law": "laplace", "mean": 1}))
    kwargs = dict(orders=(1, 3), n_bags=8, n_nets=4000, rng=5)
    plain = measure(SHIFTED, [10], POINTS, estimator="plain", **kwargs)
    cond = measure(SHIFTED, [10], POINTS, estimator="conditional", **kwargs)
    e1 = cond.estimate(1)
    np.testing.assert_allclose(e1.mean, e1.reference, rtol=1e-12)   # E[f | h] - CV = m
    ratio = plain.estimate(3).stderr / cond.estimate(3).stderr
    assert np.all(ratio > 20), ratio


def test_conditional_sums_with_a_mean_against_gaussian_moments():
    """M_n of N(m_hat, K_hat) by the recursion against an explicit formula at one point."""
    k, mean = np.array([[2.0]]), np.array([0.7])
    acc = ConditionalSums(k, (1, 2, 3, 4, 5), mean=mean)
    dk, dm = np.array([[[0.3]]]), np.array([[-0.2]])
    acc.add(dk, dk, mean_delta=dm, mean_remainder=dm)           # no control variate
    out = acc.finish()
    m, v = 0.5, 2.3
    exact = {1: m, 2: m ** 2 + v, 3: m ** 3 + 3 * m * v, 4: m ** 4 + 6 * m ** 2 * v + 3 * v ** 2,
             5: m ** 5 + 10 * m ** 3 * v + 15 * m * v ** 2}
    for n, value in exact.items():
        assert out[n]["sum"][0] == pytest.approx(value, rel=1e-12)
    # with the control variate the linear part in (dm, dk) is removed: the remainder is O(d^2)
    cv = ConditionalSums(k, (3,), mean=mean)
    cv.add(dk * 1e-4, np.zeros_like(dk), mean_delta=dm * 1e-4)
    base = mean[0] ** 3 + 3 * mean[0] * 2.0
    assert abs(cv.finish()[3]["sum"][0] - base) < 1e-7


def test_free_values_include_the_mean_terms():
    combos = np.array([[[0.5]], [[1.0]]])
    eg = np.array([_relu_moments(x)[0] for x in (0.5, 1.0)])
    np.testing.assert_allclose(free_values(SHIFTED, combos), 0.3 + 0.5 * eg, rtol=1e-12)
