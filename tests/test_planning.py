"""numeric.required_networks: the planned ensemble reaches the target relative error on
Delta G^(n) (Monte Carlo with fixed seeds), the estimator keyword is passed on only when it is
not the default, and ``nnqft plan`` prints the plan."""
from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

import numeric.planning as planning
from nnqft_cli.main import cli
from nnqft_sym import ErfNet, GaussNet, ReLUNet
from numeric import NetworkPlan, measure, required_networks

#: the planned error is sigma / sqrt(n) with sigma^2 from 20 pilot bags (about 32 % uncertain)
#: and the achieved one is read from 20 bags (16 %): a factor 2 is about 3 standard deviations
FACTOR = 2.0


@pytest.mark.parametrize("net, width, points, order, rel_error", [
    (ReLUNet(), 3, [1.0], 4, 0.05),
    (ErfNet(), 2, [0.5, 1.0], 4, 0.1),
    (ReLUNet(), 10, [1.0], 6, 0.1),
], ids=["relu-4", "erf-4", "relu-6"])
def test_planned_networks_reach_the_target_relative_error(net, width, points, order, rel_error):
    plan = required_networks(net, width, points, order, rel_error, "plain", rng=5)
    assert isinstance(plan, NetworkPlan) and plan.n_bags * plan.n_nets >= plan.n_networks
    assert plan.n_networks > plan.pilot_bags * plan.pilot_nets        # a real extrapolation
    assert 0 < plan.n_networks_error < plan.n_networks
    assert plan.wall_time > 0 and plan.seconds_per_network > 0
    res = measure(net, [width], points, orders=(order,), n_bags=plan.n_bags, n_nets=plan.n_nets,
                  rng=6, estimator=plan.estimator)
    e = res.estimate(order)
    achieved = e.stderr[0, plan.combination] / abs(e.delta_reference[0, plan.combination])
    assert rel_error / FACTOR < achieved < rel_error * FACTOR, (achieved, plan)
    # the multiset that sets the plan is the hardest: every multiset reaches the target
    assert np.all(e.stderr[0] / np.abs(e.delta_reference[0]) < rel_error * FACTOR)
    # and the pilot's variance per network is that of the planned run, within its error
    planned = e.std[0] ** 2 * plan.n_nets
    assert np.all(np.abs(planned - plan.per_network_variance.value)
                  < 4 * plan.per_network_variance.error + 0.2 * planned)


def test_a_quarter_of_the_plan_misses_the_target_by_about_two():
    plan = required_networks(ReLUNet(), 3, [1.0], 4, 0.05, "plain", rng=5)
    res = measure(ReLUNet(), [3], [1.0], orders=(4,), n_bags=plan.n_bags,
                  n_nets=plan.n_nets // 4, rng=7, estimator="plain")
    e = res.estimate(4)
    assert 1.3 * 0.05 < e.stderr[0, 0] / abs(e.delta_reference[0, 0]) < 3.0 * 0.05


def test_one_combination_and_the_json_form():
    plan = required_networks(ErfNet(), 2, [0.5, 1.0], 4, 0.1, "plain", combination=0,
                             pilot_bags=4, pilot_nets=200)
    assert plan.combination == 0 and plan.combos[0].tolist() == [0, 0, 0, 0]
    assert plan.n_networks == int(np.ceil(plan.required[0]))
    data = json.loads(json.dumps(plan.to_dict()))
    assert data["n_networks"] == plan.n_networks and data["estimator"] == "plain"
    assert "networks" in str(plan) and "plain estimator" in str(plan)


def test_the_plan_is_for_the_estimator_it_names(monkeypatch):
    calls = []

    def recording_measure(*args, estimator, **kwargs):
        calls.append(estimator)
        return measure(*args, estimator=estimator, **kwargs)

    monkeypatch.setattr(planning, "measure", recording_measure)
    best = required_networks(ReLUNet(), 30, [1.0], 4, 0.1, pilot_bags=4, pilot_nets=200)
    plain = required_networks(ReLUNet(), 30, [1.0], 4, 0.1, "plain", pilot_bags=4, pilot_nets=200)
    assert best.estimator == "conditional" and plain.estimator == "plain"
    assert set(calls) == {"conditional", "plain"}
    # at N = 30 the conditional estimator needs far fewer networks (issue 14)
    assert best.n_networks * 10 < plain.n_networks


def test_plan_command(tmp_path):
    out = tmp_path / "plan.json"
    result = CliRunner().invoke(cli, ["plan", "--arch", "relu", "--width", "3", "--order", "4",
                                      "--rel-error", "0.05", "--pilot-bags", "4",
                                      "--pilot-nets", "200", "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert "ReLU-net: Delta G^(4) at N = 3 to 0.05 relative error" in result.output
    assert "s per network" in result.output
    assert json.loads(out.read_text())["width"] == 3


def test_a_heavy_tailed_pilot_says_its_plan_is_a_lower_bound():
    """Gauss-net at x = 1, 6-point: the pilot misses the log-normal tail (its Delta G is
    orders of magnitude below the exact 4.0e9), so its variance and plan are far too small."""
    plan = required_networks(GaussNet(), 10, [1.0], 6, 0.1, pilot_bags=4, pilot_nets=500)
    assert plan.heavy_tail.all() and plan.pilot_z[0] < -100
    assert "lower bound" in str(plan) and "heavy-tailed" in str(plan)
    light = required_networks(ReLUNet(), 10, [1.0], 4, 0.1, pilot_bags=4, pilot_nets=500)
    assert not light.heavy_tail.any() and abs(light.pilot_z[0]) < 5
    assert "lower bound" not in str(light)


def test_a_hidden_timing_slope_still_gives_a_positive_cost(monkeypatch):
    """On a loaded machine the bags of 4 slabs may time no slower than those of 1 (a CI run
    gave seconds_per_network = 0.0): the plan then charges the whole cost of a bag per network
    instead of claiming zero."""
    clock = iter(np.arange(0.0, 1e6, 0.5))                 # every timed run takes 0.5 s
    monkeypatch.setattr(planning.time, "perf_counter", lambda: float(next(clock)))
    plan = required_networks(ReLUNet(), 3, [1.0], 4, 0.05, "plain", rng=5)
    assert plan.seconds_per_network == pytest.approx(0.25 / (4 * planning.SLAB_NETS))
    assert plan.wall_time > 0
