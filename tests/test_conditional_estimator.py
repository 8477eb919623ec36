"""The conditional (Rao-Blackwellised) estimator with its control variate (numeric.conditional).

Strict checks against the exact finite-width values of one hidden layer (net.delta_green, the
exact 1/N series); for deep networks, where only the leading order is known, agreement with the
plain estimator within the combined errors.  Fixed seeds throughout.
"""
import itertools

import numpy as np
import pytest
import sympy as sp

from nnqft_sym import ErfNet, GaussNet, Network, ReLUNet, Z
from nnqft_sym.errors import CheckpointError
from numeric import (CONDITIONAL, PLAIN, ConditionalSums, Estimate, GreenMeasurement,
                     KernelFluctuations, bag_seed_states, measure, run_bag)
from numeric.sampling import _BlockSampler

K_SIGMA = 4.0
TANH = Network(sp.tanh(Z), sigma_w=1.5, sigma_b=0.5)


def _combination_average(e, index=0) -> Estimate:
    """Delta G averaged over the combinations, its error from the spread of the bags."""
    return Estimate.from_samples((e.bag_values[index] - e.free).mean(axis=-1), axis=0)


def _pairings(items):
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for k in range(len(rest)):
        for tail in _pairings(rest[:k] + rest[k + 1:]):
            yield [(first, rest[k])] + tail


def _wick(mat: np.ndarray, combo: tuple[int, ...], linear: np.ndarray | None = None) -> float:
    """Wick sum over all pairings of the positions of ``combo`` by brute force; with ``linear``,
    its derivative in the direction ``linear`` (one factor replaced)."""
    total = 0.0
    for p in _pairings(list(combo)):
        factors = [mat[a, b] for a, b in p]
        if linear is None:
            total += np.prod(factors)
        else:
            total += sum(linear[a, b] * np.prod(factors[:i] + factors[i + 1:])
                         for i, (a, b) in enumerate(p))
    return total


def test_pairing_recursion_equals_brute_force_wick_sum():
    """ConditionalSums against brute-force pairings: with remainder = Delta (no control
    variate) sum / n = Wick(K + Delta); with remainder 0 the linear part L_K(Delta) is removed."""
    rng = np.random.default_rng(4)
    a = rng.standard_normal((3, 3))
    kern = a @ a.T + 3 * np.eye(3)
    d = rng.standard_normal((2, 3, 3)) * 0.1
    d = d + d.transpose(0, 2, 1)
    bare, cv = ConditionalSums(kern, (2, 4, 6)), ConditionalSums(kern, (2, 4, 6))
    bare.add(d, d)
    cv.add(d, np.zeros_like(d))
    for order in (4, 6):
        combos = list(itertools.combinations_with_replacement(range(3), order))
        full = np.array([sum(_wick(kern + d[m], c) for m in range(2)) for c in combos])
        lin = np.array([sum(_wick(kern, c, d[m]) for m in range(2)) for c in combos])
        np.testing.assert_allclose(bare.finish()[order]["sum"], full, rtol=1e-13)
        np.testing.assert_allclose(cv.finish()[order]["sum"], full - lin, rtol=1e-13)
        np.testing.assert_allclose(cv.free[order], [_wick(kern, c) for c in combos], rtol=1e-13)


@pytest.mark.parametrize("net, points", [
    (ReLUNet(sigma_b=0), [0.2, 0.6, 1.0]),
    (ErfNet(), [-1.0, 0.2, 1.0]),
    (TANH, [-1.0, 0.2, 1.0]),
], ids=["relu", "erf", "tanh"])
def test_one_layer_four_point_at_width_1000_to_one_percent(net, points):
    """N = 1000: Delta G^(4) (combination average) to < 1 % from 40000 networks, within
    K_SIGMA standard errors of the exact value; the plain estimator would need ~10^4 x more."""
    res = measure(net, [1000], points, orders=(4,), n_bags=10, n_nets=4000, rng=5)
    assert res.estimator == CONDITIONAL
    e = res.estimate(4)
    avg = _combination_average(e)
    exact = float(e.delta_reference[0].mean())
    assert avg.relative_error < 0.01, avg
    assert abs(avg.z(exact)) < K_SIGMA, (avg, exact)
    assert np.max(np.abs(e.z)) < K_SIGMA + 0.5
    assert not e.heavy_tail.any()


@pytest.mark.parametrize("net, points", [
    (ReLUNet(sigma_b=0), [0.2, 0.7, 1.2]),
    (ErfNet(), [-1.0, 0.2, 1.0]),
], ids=["relu", "erf"])
def test_unbiased_at_small_widths_orders_4_and_6(net, points):
    """N = 2 and 10, orders 4 and 6: within K_SIGMA of the exact finite-width values
    (net.delta_green), and the finite-width deviation is resolved (not 0 = 0)."""
    res = measure(net, [2, 10], points, orders=(2, 4, 6), n_bags=10, n_nets=3000, rng=9)
    for order in (4, 6):
        e = res.estimate(order)
        assert np.max(np.abs(e.z)) < K_SIGMA + 0.5, (order, np.abs(e.z).max())
        signal = np.abs(e.delta_reference) > 1e-12        # (Erf: some vanish by symmetry)
        assert np.all(np.abs(e.delta_reference)[signal] > 3 * e.stderr[signal])
    g2 = res.estimate(2)      # G^(2) = K exactly, and so is its conditional estimate
    np.testing.assert_allclose(g2.mean, g2.reference, rtol=1e-12)


def test_conditional_agrees_with_plain_in_expectation():
    """Same networks (seed), both estimators: equal means within the combined errors, and the
    conditional error is much smaller."""
    kwargs = dict(orders=(4,), n_bags=8, n_nets=4000, rng=21)
    net, points = ErfNet(), [-0.5, 0.5]
    plain = measure(net, [5], points, estimator=PLAIN, **kwargs).estimate(4)
    cond = measure(net, [5], points, estimator=CONDITIONAL, **kwargs).estimate(4)
    pull = (cond.mean - plain.mean) / np.hypot(cond.stderr, plain.stderr)
    assert np.max(np.abs(pull)) < K_SIGMA
    assert np.all(cond.stderr < plain.stderr / 5)


@pytest.mark.parametrize("net", [ReLUNet(depth=2), ReLUNet(depth=3, sigma_w=np.sqrt(2), sigma_b=0),
                                 Network(sp.tanh(Z), depth=2)],
                         ids=["relu-2", "relu-3-critical", "tanh-2"])
def test_deep_conditional_agrees_with_plain(net):
    """Depth >= 2 (no exact finite-width value): conditional and plain estimates of Delta G^(4)
    agree within the combined errors at N = 8 (where the 1/N^2 term is large)."""
    points = [0.3, 1.0]
    plain = measure(net, [8], points, orders=(4,), n_bags=8, n_nets=12000, rng=2,
                    estimator=PLAIN).estimate(4)
    cond = measure(net, [8], points, orders=(4,), n_bags=8, n_nets=2000, rng=3).estimate(4)
    pull = (cond.delta - plain.delta) / np.hypot(cond.stderr, plain.stderr)
    assert np.max(np.abs(pull)) < K_SIGMA, pull
    assert np.all(cond.stderr < plain.stderr)


@pytest.mark.parametrize("net", [ReLUNet(depth=2), Network(sp.tanh(Z), depth=2),
                                 Network(sp.tanh(Z), sigma_w=1.0, sigma_b=0.0, depth=3)],
                         ids=["relu-2", "tanh-2", "tanh-3-critical"])
def test_deep_control_variate_has_zero_mean_and_reduces_the_error(net):
    """Depth >= 2 at N = 64: with the layer control variate and without it (remainder =
    Delta, Y = 0; both unbiased) the bag estimates agree within errors, and the control
    variate shrinks the error several times.  Tanh has no closed-form kernel map: the control
    variate uses the calibrated trapezoidal pair rule (before 0.4 it was switched off)."""
    points, width = np.array([[0.3], [1.0]]), 64
    fl = KernelFluctuations(net, points)
    assert fl.control_variate
    sampler = _BlockSampler(net, width, points, 1000)
    bags = {"cv": [], "bare": []}
    for bag in range(8):
        rng = np.random.default_rng(bag)
        hidden = []
        feats = sampler.features(1000, rng, hidden_grams=hidden)
        delta, rem = fl(width, np.matmul(feats.transpose(0, 2, 1), feats), hidden)
        for name, r in (("cv", rem), ("bare", delta)):
            acc = ConditionalSums(fl.kernel, (4,))
            acc.add(delta, r)
            bags[name].append(acc.finish()[4]["sum"] / 1000 - acc.free[4])
    cv, bare = (Estimate.from_samples(bags[k]) for k in ("cv", "bare"))
    pull = (cv.value - bare.value) / np.hypot(cv.error, bare.error)
    assert np.max(np.abs(pull)) < K_SIGMA
    assert np.all(cv.error < bare.error / 3)


def test_multi_output_uses_the_same_features():
    """d_out = 2: each component is Gaussian given the features with the same covariance, so
    the conditional bag sums equal those of d_out = 1 bit for bit (same feature stream) and
    agree with the exact one-component values."""
    state = bag_seed_states(6, 7, 1)[0]
    one = run_bag(ErfNet(), 7, [0.0, 0.5], 3000, state, (4,), estimator=CONDITIONAL)
    two = run_bag(ErfNet(d_out=2), 7, [0.0, 0.5], 3000, state, (4,), estimator=CONDITIONAL)
    assert all(np.array_equal(one[k], two[k]) for k in one)
    e = measure(ErfNet(d_out=3), [7], [0.0, 0.5], orders=(4,), n_bags=6, n_nets=3000,
                rng=8).estimate(4)
    assert np.max(np.abs(e.z)) < K_SIGMA + 0.5


def test_bag_sums_do_not_depend_on_chunk_size_and_reproduce():
    state = bag_seed_states(1, 30, 1)[0]
    a = run_bag(ReLUNet(), 30, [0.2, 0.9], 5000, state, (4, 6), chunk_size=700)
    b = run_bag(ReLUNet(), 30, [0.2, 0.9], 5000, state, (4, 6), chunk_size=8192)
    assert all(np.array_equal(a[k], b[k]) for k in a)


def test_estimator_recorded_and_resume_refuses_another_estimator(tmp_path):
    folder = tmp_path / "bags"
    kwargs = dict(orders=(4,), n_bags=2, n_nets=500, rng=3, checkpoint_dir=folder)
    first = measure(ReLUNet(), [4], [0.5, 1.0], **kwargs)
    assert first.metadata()["estimator"] == CONDITIONAL
    assert {r["estimator"] for r in first.rows()} == {CONDITIONAL}
    assert {r["estimator"] for r in first.summary()} == {CONDITIONAL}
    again = measure(ReLUNet(), [4], [0.5, 1.0], **kwargs)          # resumes from the bag files
    assert np.array_equal(again.bag_stats[4]["sum"], first.bag_stats[4]["sum"])
    with pytest.raises(CheckpointError, match="estimator"):
        measure(ReLUNet(), [4], [0.5, 1.0], estimator=PLAIN, **kwargs)
    first.save(tmp_path / "r")
    assert GreenMeasurement.load(tmp_path / "r").estimator == CONDITIONAL
    assert measure(ReLUNet(), [4], [0.5], orders=(2,), n_bags=2, n_nets=10,
                   estimator=PLAIN).metadata()["estimator"] == PLAIN


def test_gauss_net_importance_sampling_is_unbiased_and_tames_the_tails():
    """One-layer Gauss-net at N = 2 (log-normal features): the widened first-layer draw with
    exact likelihood-ratio weights (importance_scale) has mean weight 1 and recovers the exact
    Delta G^(4) and Delta G^(6), where the plain estimator sits far below (heavy tails)."""
    from numeric.conditional import _tilted_features, importance_scale
    net, points = GaussNet(), np.array([-0.01, 0.0, 0.01])
    scale = importance_scale(net, 2)
    assert scale > 1.5 and importance_scale(net, 10 ** 6) == pytest.approx(1.0, abs=1e-5)
    sampler = _BlockSampler(net, 2, points[:, None], 20000)
    _, weights = _tilted_features(sampler, net.preactivation_design(points), 20000,
                                  np.random.default_rng(0), scale, np.empty((20000, 2, 2)))
    mean_weight = Estimate.from_samples(weights)
    assert abs(mean_weight.z(1.0)) < K_SIGMA
    res = measure(net, [2], points, orders=(4, 6), n_bags=10, n_nets=4000, rng=12)
    for order in (4, 6):
        avg = _combination_average(res.estimate(order))
        exact = float(res.estimate(order).delta_reference[0].mean())
        assert abs(avg.z(exact)) < K_SIGMA and avg.relative_error < 0.2, (order, avg, exact)


@pytest.mark.parametrize("mean", [None, np.array([0.3, -0.2, 0.1, 0.0, 0.5, 0.2])])
def test_a_slab_allocates_no_large_temporaries(mean):
    """The pairing recursion works in reused scratch arrays: a warm slab of 4096 networks at
    6 points and orders up to 6 (462 multisets, ~1 MB per temporary) peaks below 1 MB of new
    memory (fresh temporaries peaked at 5.3 MB and page-faulted, worst under Dask's
    MALLOC_TRIM_THRESHOLD_), and no scratch value is read before it is written."""
    import tracemalloc

    from numeric.monomials import SLAB_NETS
    rng = np.random.default_rng(0)
    p = 6
    kernel = np.eye(p) + 0.5
    d = 0.01 * rng.standard_normal((SLAB_NETS, p, p))
    d = d + d.transpose(0, 2, 1)
    extra = {} if mean is None else {"mean_delta": 0.01 * rng.standard_normal((SLAB_NETS, p))}
    orders = (2, 4, 6) if mean is None else (1, 3, 4, 5)
    rem = 0.1 * d
    warm = ConditionalSums(kernel, orders, mean)
    warm.add(d, rem, **extra)                        # allocates the scratch arrays once
    tracemalloc.start()
    try:
        warm.add(d, rem, **extra)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000
    poisoned = ConditionalSums(kernel, orders, mean)
    for _ in range(2):        # scratch filled with NaN between slabs: nothing is read unwritten
        poisoned.add(d, rem, **extra)
        for buf in poisoned._scratch.values():
            buf.fill(np.nan)
    one, two = warm.finish(), poisoned.finish()
    assert all(np.array_equal(one[n][s], two[n][s]) for n in orders for s in one[n])
