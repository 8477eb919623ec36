"""Estimators: measured Green functions and couplings vs the exact finite-width results."""
from __future__ import annotations

import csv
import json

import numpy as np
import pytest
import sympy as sp

import numeric.estimators as estimators
from nnqft_sym import CosNet, ErfNet, GaussNet, ReLUNet
from numeric import (STREAM_VERSION, GreenMeasurement, MonomialSums, fit_power_law, measure,
                     point_multisets, quartic_couplings, run_bag, bag_seed_states,
                     sample_outputs, sextic_couplings)
from tests.tolerances import EXACT_RTOL, K_SIGMA

SPREAD = [-0.5, 0.0, 0.7]                      # generic points: every combination differs
HMS = [-0.01, -0.006, -0.002, 0.002, 0.006, 0.01]


# ---------------------------------------------------------------------- monomials
def test_monomial_sums_equal_brute_force_products():
    f = np.random.default_rng(0).standard_normal((3000, 4))
    acc = MonomialSums(4, (2, 4, 6))
    for part in np.array_split(f, 7):          # uneven streaming
        acc.add(part)
    sums = acc.finish()
    for n in (2, 4, 6):
        t = np.prod(f[:, point_multisets(4, n)], axis=2)
        np.testing.assert_allclose(sums[n]["sum"], t.sum(0), rtol=EXACT_RTOL)
        np.testing.assert_allclose(sums[n]["sum_abs"], np.abs(t).sum(0), rtol=EXACT_RTOL)
        np.testing.assert_allclose(sums[n]["sum_sq"], (t * t).sum(0), rtol=EXACT_RTOL)


def test_monomial_sums_bit_identical_however_streamed():
    f = np.random.default_rng(1).standard_normal((9000, 3))
    results = []
    for parts in (1, 3, 9000):
        acc = MonomialSums(3, (4,))
        for part in np.array_split(f, parts):
            acc.add(part)
        results.append(acc.finish()[4]["sum"])
    assert all(np.array_equal(results[0], r) for r in results[1:])


def test_multiset_counts():
    assert [len(point_multisets(6, n)) for n in (2, 4, 6)] == [21, 126, 462]
    with pytest.raises(ValueError):
        MonomialSums(3, (0,))          # odd orders are measured since 0.4 (tests/test_odd_orders.py)


# ---------------------------------------------------------------------- Delta G^(4), m_4
@pytest.mark.parametrize("net, widths, points, n_nets", [
    (ReLUNet(), (2, 8), SPREAD, 20000),
    (ErfNet(sigma_w=2.0), (1, 4), SPREAD, 20000),
    (GaussNet(sigma_b=0.5, sigma_w=0.5), (2, 10), HMS[::2], 20000),
    (CosNet(sigma_w=1.5), (2, 8), SPREAD, 20000),
], ids=["relu", "erf", "gauss", "cos"])
def test_measured_four_point_deviation_agrees_with_exact(net, widths, points, n_nets):
    res = measure(net, widths, points, orders=(2, 4), n_bags=8, n_nets=n_nets, rng=17)
    e4 = res.estimate(4)
    assert not e4.heavy_tail.any()
    assert np.max(np.abs(e4.z)) < K_SIGMA + 0.5, np.abs(e4.z).max()
    # m_4 = Delta G / G_0 agrees, and the deviation is resolved (not a test of 0 = 0)
    assert np.all(np.abs(e4.deviation - e4.deviation_reference) < (K_SIGMA + 0.5) * e4.deviation_stderr)
    assert np.all(np.abs(e4.deviation_reference[0]) > 3 * e4.deviation_stderr[0])
    assert np.max(np.abs(res.estimate(2).z)) < K_SIGMA + 0.5   # G^(2) = K at every width


def test_deep_multi_output_measurement_agrees_with_leading_order():
    """Depth 2, d_out = 2: component 0 measured against G_0 + leading_delta_green / N (no
    exact finite-width formula); at N = 16 the O(1/N^2) remainder is below the error bar."""
    net, points = ReLUNet(depth=2, d_out=2), [-1.0, 0.3, 1.2]
    res = measure(net, [16], points, orders=(2, 4), n_bags=10, n_nets=20000, rng=3,
                  estimator="plain")   # the conditional estimator resolves the 1/N^2 term
    assert res.metadata()["exact_values"] == "leading order in 1/N"
    assert res.metadata()["output_component"] == 0
    e4 = res.estimate(4)
    assert not e4.heavy_tail.any()
    assert np.all(np.abs(e4.deviation_reference) > 3 * e4.deviation_stderr)        # the 1/N deviation is resolved
    assert np.max(np.abs(e4.z)) < K_SIGMA + 0.5, np.abs(e4.z).max()
    assert np.max(np.abs(res.estimate(2).z)) < K_SIGMA + 0.5
    # the bag is the monomials of output component 0 of the sampler's outputs
    state = bag_seed_states(3, 16, 10)[0]
    f = sample_outputs(net, 16, points, 20000, rng=np.random.SeedSequence(**state))
    assert f.shape == (20000, 3, 2)
    np.testing.assert_allclose(res.bag_stats[4]["sum"][0, 0],
                               np.prod(f[:, point_multisets(3, 4), 0], 2).sum(0), rtol=1e-12)


def test_heavy_tails_are_flagged_for_gauss_net():
    """Gauss-net (sigma_b = 1): the 6-point monomials are log-normal-dominated at small N
    (the plain estimator; the conditional one importance-samples, test_conditional_estimator)."""
    res = measure(GaussNet(), [2], HMS, orders=(4, 6), n_bags=4, n_nets=5000, rng=2,
                  estimator="plain")
    e6 = res.estimate(6)
    assert e6.heavy_tail.all()
    assert np.all(e6.deviation < 0.1 * e6.deviation_reference)   # the typical sample is far below the true mean
    summary = [r for r in res.summary() if r["order"] == 6][0]
    assert summary["heavy_fraction"] == 1.0
    light = measure(ReLUNet(), [20], SPREAD, orders=(4,), n_bags=4, n_nets=5000, rng=2)
    assert not light.estimate(4).heavy_tail.any()


# ---------------------------------------------------------------------- reproducibility
def test_measure_reproducible_across_chunk_sizes_and_workers():
    args = (ErfNet(), [3, 200], SPREAD)
    kw = {"orders": (2, 4), "n_bags": 2, "n_nets": 3000, "rng": 5, "exact": False}
    ref = measure(*args, **kw)
    for other in (measure(*args, chunk_size=100, **kw), measure(*args, workers=2, **kw)):
        for n in (2, 4):
            for s in ("sum", "sum_abs", "sum_sq"):
                assert np.array_equal(ref.bag_stats[n][s], other.bag_stats[n][s])
    diff = measure(*args, **{**kw, "rng": 6})
    assert not np.array_equal(ref.bag_stats[4]["sum"], diff.bag_stats[4]["sum"])


def test_bag_seeds_keyed_by_width_and_bag():
    a = measure(ReLUNet(), [3, 7], SPREAD, orders=(2,), n_bags=2, n_nets=500, rng=4, exact=False)
    b = measure(ReLUNet(), [7], SPREAD, orders=(2,), n_bags=3, n_nets=500, rng=4, exact=False)
    assert np.array_equal(a.bag_stats[2]["sum"][1], b.bag_stats[2]["sum"][0, :2])
    seeds = [tuple(s["spawn_key"]) for s in bag_seed_states(4, 7, 3)]
    assert len(set(seeds)) == 3


def test_run_bag_is_pure_and_takes_a_description():
    state = bag_seed_states(9, 4, 1)[0]
    one = run_bag(ReLUNet().describe(), 4, SPREAD, 700, state, (2, 4), estimator="plain")
    two = run_bag(ReLUNet(), 4, SPREAD, 700, state, (2, 4), estimator="plain")
    assert all(np.array_equal(one[k], two[k]) for k in one)
    f = sample_outputs(ReLUNet(), 4, SPREAD, 700, rng=np.random.SeedSequence(9, spawn_key=(4, 0)))
    np.testing.assert_allclose(one["sum_2"], np.prod(f[:, point_multisets(3, 2)], 2).sum(0),
                               rtol=EXACT_RTOL)


@pytest.mark.parametrize("scheduler", ["serial", "threads"])
def test_resume_after_interruption(tmp_path, monkeypatch, scheduler):
    """Serial: exactly the 4 bags before the interruption are on disk; threads: the bags whose
    results arrived before it (never half-written); the resumed run equals the uninterrupted one."""
    kw = {"orders": (2, 4), "n_bags": 3, "n_nets": 800, "rng": 8, "exact": False,
          "scheduler": scheduler}
    ref = measure(ReLUNet(), [2, 5], SPREAD, **kw)
    real, calls = estimators.run_bag, []

    def flaky(*args, **kwargs):
        if len(calls) == 4:
            raise KeyboardInterrupt
        calls.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(estimators, "run_bag", flaky)
    with pytest.raises(KeyboardInterrupt):
        measure(ReLUNet(), [2, 5], SPREAD, checkpoint_dir=tmp_path, **kw)
    saved = len(list(tmp_path.glob("bag_*.npz")))
    assert saved == 4 if scheduler == "serial" else 1 <= saved <= 5
    assert not list(tmp_path.glob("*.tmp"))
    calls.clear()
    monkeypatch.setattr(estimators, "run_bag", lambda *a, **k: (calls.append(a[1]), real(*a, **k))[1])
    resumed = measure(ReLUNet(), [2, 5], SPREAD, checkpoint_dir=tmp_path, **kw)
    assert len(calls) == 6 - saved            # only the missing bags ran
    assert np.array_equal(resumed.bag_stats[4]["sum"], ref.bag_stats[4]["sum"])
    exact = measure(ReLUNet(), [2, 5], SPREAD, checkpoint_dir=tmp_path, **{**kw, "exact": True})
    assert list(tmp_path.glob("exact_order4_part*.npz"))
    cached = measure(ReLUNet(), [2, 5], SPREAD, checkpoint_dir=tmp_path, **{**kw, "exact": True})
    assert np.array_equal(cached.reference[4], exact.reference[4]) and np.all(np.isfinite(cached.reference[4]))
    with pytest.raises(ValueError, match="different run"):
        measure(ReLUNet(), [2, 5], SPREAD, checkpoint_dir=tmp_path, **{**kw, "n_nets": 900})


def test_checkpoints_of_another_random_stream_version_are_refused(tmp_path):
    """A folder written by nnqft 0.1 (stream version 1, no version recorded) is not resumed."""
    kw = {"orders": (2,), "n_bags": 2, "n_nets": 100, "rng": 3, "exact": False}
    measure(ReLUNet(), [2], SPREAD, checkpoint_dir=tmp_path, **kw)
    plan = json.loads((tmp_path / "plan.json").read_text())
    assert plan["sampler"]["STREAM_VERSION"] == STREAM_VERSION
    del plan["sampler"]["STREAM_VERSION"]
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    with pytest.raises(ValueError, match=r"different run \(differs in \['sampler'\]\)"):
        measure(ReLUNet(), [2], SPREAD, checkpoint_dir=tmp_path, **kw)


# ---------------------------------------------------------------------- export
def test_tidy_export_roundtrip(tmp_path):
    res = measure(ReLUNet(), [3, 6], SPREAD, orders=(2, 4), n_bags=3, n_nets=1000, rng=1)
    rows = res.rows()
    assert len(rows) == 2 * (6 + 15)
    res.to_csv(tmp_path / "t.csv")
    with open(tmp_path / "t.csv") as fh:
        table = list(csv.DictReader(fh))
    assert len(table) == len(rows)
    assert float(table[7]["z"]) == pytest.approx(rows[7]["z"], rel=1e-15)
    doc = json.loads((tmp_path / "t.json").write_text("") or res.to_json(tmp_path / "t.json").read_text())
    assert doc["metadata"]["seed"] == {"entropy": 1, "spawn_key": []}
    assert {r["order"] for r in doc["summary"]} == {2, 4}
    state = doc["metadata"]["bag_seeds"]["6"][1]          # the stored seed reproduces the bag
    again = run_bag(ReLUNet(), 6, SPREAD, 1000, state, (2, 4))
    assert np.array_equal(again["sum_4"], res.bag_stats[4]["sum"][1, 1])
    res.save(tmp_path / "r")
    back = GreenMeasurement.load(tmp_path / "r")
    assert np.array_equal(back.estimate(4).z, res.estimate(4).z)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"n_bags": 1}, ValueError, "n_bags"),
    ({"n_nets": 0}, ValueError, "n_nets"),
    ({"orders": (0,)}, ValueError, "integer >= 1"),      # odd orders are measured since 0.4
    ({"orders": 4}, TypeError, "orders"),
    ({"widths": []}, ValueError, "widths"),
    ({"widths": [2, 2]}, ValueError, "distinct"),
    ({"widths": [0]}, ValueError, "width"),
    ({"widths": 3}, TypeError, "widths"),
    ({"net": ReLUNet(sigma_b=sp.Symbol("b", positive=True))}, ValueError, "symbolic"),
    ({"workers": 0}, ValueError, "workers"),
])
def test_measure_bad_input(kwargs, error, match):
    args = {"net": ReLUNet(), "widths": [2], "points": SPREAD, "n_bags": 2, "n_nets": 10, **kwargs}
    with pytest.raises(error, match=match):
        measure(**args)


# ---------------------------------------------------------------------- couplings
def test_quartic_coupling_agrees_with_exact_and_scales_as_one_over_n():
    net = GaussNet(sigma_b=0.5)
    res = measure(net, [2, 8, 32], HMS[::2], orders=(4,), n_bags=8, n_nets=15000, rng=3)
    q = quartic_couplings(res)
    np.testing.assert_allclose(q.reference, [net.quartic_coupling(res.points[q.combos], w)
                                         for w in res.widths], rtol=EXACT_RTOL)
    assert np.all(np.abs(q.average - q.average_reference) < (K_SIGMA + 0.5) * q.average_err)
    fit = q.fit_width()
    assert abs(fit.exponent + 1) < (K_SIGMA + 0.5) * fit.exponent_err
    assert fit.exponent_err < 0.3


def test_power_law_fit_recovers_exponent_within_error():
    rng = np.random.default_rng(0)
    x = np.array([1.0, 2, 4, 8, 16])
    pulls = []
    for _ in range(200):
        y = -2.0 * x ** 3 * (1 + 0.05 * rng.standard_normal(5))
        fit = fit_power_law(x, y, 0.05 * 2.0 * x ** 3)
        pulls.append((fit.exponent - 3) / fit.exponent_err)
    assert fit.amplitude < 0
    assert 0.7 < np.std(pulls) < 1.2 and abs(np.mean(pulls)) < 0.3
    for bad in (([1, 2], [1, -1]), ([0, 1], [1, 1]), ([1], [1])):
        with pytest.raises(ValueError):
            fit_power_law(*bad)


def test_connected_six_point_bookkeeping_against_exact_cumulant():
    """G_c^(6) rebuilt from the exact Delta G^(6), Delta G^(4) and K equals kappa_6 of nnqft_sym."""
    net = GaussNet(sigma_b=0.5)
    res = measure(net, [3, 50], [-0.3, 0.0, 0.2], orders=(4, 6), n_bags=4, n_nets=4000, rng=4)
    s6 = sextic_couplings(res)
    pts = res.points[s6.combos]
    kappa6 = np.array([net.connected_green(pts, w) for w in res.widths])
    np.testing.assert_allclose(s6.connected_reference, kappa6, rtol=1e-9, atol=1e-12 * np.abs(kappa6).max())
    assert s6.mean.shape == (2, 28) and np.all(np.isfinite(s6.stderr))
    # kappa_6 and u4^2 are both exactly O(1/N^2), so the extracted u6 scales as N^-2
    np.testing.assert_allclose(s6.reference[0] / s6.reference[1], (50 / 3) ** 2, rtol=1e-9)
