"""Coverage of the Student-t error bars over 100 independent seeds, and the heavy-tail flag
calibrated against it (issue 14, "Error bars that cover"; numbers in docs/numeric.md).

Each configuration is measured once with 100 x 10 bags of 2000 networks; the bags have
independent streams (``SeedSequence(rng, spawn_key=(N, bag))``), so the 100 groups of 10
consecutive bags are 100 independent 10-bag measurements.  For each group and each point
multiset the 95 % t interval ``mean ± t_{0.975, 9} stderr`` should contain the exact
finite-width value 95 % of the time: binomially, with 100 groups, within 3 sigma =
3 sqrt(0.95 0.05 / 100) = 0.065 (the multisets of one group are correlated, so their average
counts as 100 trials, not more).  The normal 1.96 would cover only 91.8 % even for Gaussian
bag means.

Heavy tails: where the per-network products have a heavy tail (ReLU at N = 2, 6-point) a
typical ensemble misses the rare large networks, its mean and error bar are both too small,
and the intervals undercover; the ``heavy_tail`` flag must fire there on most seeds and
rarely where the intervals cover.
"""
from __future__ import annotations

import dataclasses
import functools
import math

import numpy as np
import pytest

from nnqft_sym import ErfNet, ReLUNet
from numeric import GreenMeasurement, measure

#: estimators whose coverage is tested
ESTIMATORS = ("plain", "conditional")
#: configurations (arch, width, order) whose intervals undercover with 10 x 2000 networks and
#: must therefore be flagged, per estimator (the conditional estimator covers everywhere)
UNDERCOVERING = {"plain": {("relu", 2, 6)}, "conditional": set()}

GROUPS, BAGS, NETS = 100, 10, 2000
POINTS = [0.5, 1.0]
NOMINAL = 0.95
TOLERANCE = 3 * math.sqrt(NOMINAL * (1 - NOMINAL) / GROUPS)      # 0.065
NETWORKS = {"relu": ReLUNet(), "erf": ErfNet(),
            # the HMS setting of the ReLU-net (sigma_b = 0: every point measures one variable)
            "relu_hms": ReLUNet(sigma_b=0)}


def _measure_kwargs(estimator: str) -> dict[str, str]:
    """``estimator=`` always (the default of ``measure`` is the best valid one, "conditional")."""
    return {"estimator": estimator}


def _groups(res: GreenMeasurement, n_groups: int) -> list[GreenMeasurement]:
    """The measurement split into ``n_groups`` measurements of consecutive bags."""
    size = res.n_bags // n_groups
    return [dataclasses.replace(
        res, n_bags=size, _cache={},
        bag_stats={n: {s: a[:, g * size:(g + 1) * size] for s, a in st.items()}
                   for n, st in res.bag_stats.items()}) for g in range(n_groups)]


@functools.lru_cache(maxsize=None)
def coverage(estimator: str, arch: str, width: int, points: tuple[float, ...] = tuple(POINTS),
             seed: int = 11) -> dict[int, dict[str, float]]:
    """Per order: t coverage, normal (1.96) coverage and heavy-tail flag rate over the groups
    (averaged over the multisets)."""
    res = measure(NETWORKS[arch], [width], list(points), orders=(4, 6), n_bags=GROUPS * BAGS,
                  n_nets=NETS, rng=seed, **_measure_kwargs(estimator))
    out = {}
    for order in (4, 6):
        ests = [g.estimate(order) for g in _groups(res, GROUPS)]
        out[order] = {"t": float(np.mean([~e.outside_interval for e in ests])),
                      "normal": float(np.mean([np.abs(e.z) < 1.96 for e in ests])),
                      "flagged": float(np.mean([e.heavy_tail for e in ests])),
                      "critical_value": ests[0].critical_value}
    return out


@pytest.mark.parametrize("estimator", ESTIMATORS)
@pytest.mark.parametrize("arch, width", [("relu", 2), ("relu", 10), ("erf", 2), ("erf", 10)])
@pytest.mark.parametrize("order", [4, 6])
def test_t_intervals_cover_where_not_flagged(estimator, arch, width, order):
    c = coverage(estimator, arch, width)[order]
    assert c["critical_value"] == pytest.approx(2.2622, abs=1e-4)      # t_{0.975} with 9 dof
    if (arch, width, order) in UNDERCOVERING[estimator]:
        assert c["flagged"] >= 0.8, c                                 # the miss is flagged
    else:
        assert abs(c["t"] - NOMINAL) <= TOLERANCE, c
        assert c["flagged"] <= 0.4, c                                 # and covering is not
    assert c["normal"] <= c["t"]                                      # 1.96 is narrower


def test_conditional_estimator_covers_where_the_plain_one_misses():
    """The same HMS configuration with the conditional estimator: the read-out noise that made
    the plain 6-point estimate heavy-tailed is integrated out, and the intervals cover."""
    c = coverage("conditional", "relu_hms", 2, (1.0,), seed=3)
    for order in (4, 6):
        assert abs(c[order]["t"] - NOMINAL) <= TOLERANCE, c[order]
    assert c[6]["flagged"] <= 0.4, c[6]


@pytest.mark.parametrize("estimator", ["plain"])
def test_relu_hms_six_point_is_a_flagged_miss(estimator):
    """ReLU at N = 2, sigma_b = 0 (the HMS setting), 6-point: before nnqft 0.4 its error bars
    were read with the normal law (z = -3.7 at 20 x 30000 networks, seed 0); the t intervals
    still undercover there (82 %, about 5 binomial sigma below 95 %) and the flag fires on
    nearly every seed; its 4-point intervals cover."""
    c = coverage(estimator, "relu_hms", 2, (1.0,), seed=3)
    assert c[6]["t"] < NOMINAL - TOLERANCE, c[6]
    assert c[6]["flagged"] >= 0.9, c[6]
    assert abs(c[4]["t"] - NOMINAL) <= TOLERANCE, c[4]


@pytest.mark.parametrize("estimator", ["plain"])
def test_demo_scale_known_miss_is_flagged(estimator):
    """Issue 14: the ReLU-net in its HMS setting at N = 2, 20 bags x 30000 (the demo's scale),
    seed 0, 6-point: z = -3.72 (t p-value 0.0015) with n_eff = 17 -- a miss that must carry
    the flag (the intermediate rule n_eff < 8 or spread > 1.5 left it unflagged); its
    4-point estimate (z = -2.2, n_eff = 160) is not flagged."""
    res = measure(NETWORKS["relu_hms"], [2], [1.0], orders=(4, 6), n_bags=20, n_nets=30000,
                  rng=0, **_measure_kwargs(estimator))
    e6, e4 = res.estimate(6), res.estimate(4)
    if estimator == "plain":
        assert e6.z[0, 0] == pytest.approx(-3.716, abs=1e-3)
        assert e6.p_value[0, 0] < 0.01 and e6.outside_interval[0, 0]
    assert e6.heavy_tail.all()
    assert not e4.heavy_tail.any()


@pytest.mark.slow
@pytest.mark.parametrize("estimator", ["plain"])
def test_demo_scale_coverage_over_100_seeds(estimator):
    """The same configuration over 100 seeds (about 2 minutes): the 6-point intervals cover
    91 % and are flagged on every seed; the 4-point ones cover 96 %, flagged on 14 %."""
    res = measure(NETWORKS["relu_hms"], [2], [1.0], orders=(4, 6), n_bags=100 * 20,
                  n_nets=30000, rng=3, **_measure_kwargs(estimator))
    groups = _groups(res, 100)
    e6 = [g.estimate(6) for g in groups]
    e4 = [g.estimate(4) for g in groups]
    assert np.mean([~e.outside_interval for e in e6]) < NOMINAL
    assert np.mean([e.heavy_tail for e in e6]) >= 0.9
    assert abs(np.mean([~e.outside_interval for e in e4]) - NOMINAL) <= TOLERANCE
    assert np.mean([e.heavy_tail for e in e4]) <= 0.4
