"""Bad input to numeric.required_networks and nnqft plan: one clear error naming the parameter."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from nnqft_cli.main import cli
from nnqft_sym import ErfNet, ReLUNet
from numeric import critical_value, required_networks, two_sided_p_value
from numeric import Estimate

NET = ReLUNet()
FAST = {"pilot_bags": 4, "pilot_nets": 100}


@pytest.mark.parametrize("kwargs, error, match", [
    ({"net": "relu"}, TypeError, "net must be an nnqft_sym.Network"),
    ({"width": 2.5}, TypeError, "width"),
    ({"width": 0}, ValueError, "width"),
    ({"order": 3}, ValueError, "order"),
    ({"order": 2}, ValueError, "order must be an even integer >= 4"),
    ({"order": 4.0}, TypeError, "order"),
    ({"rel_error": "0.1"}, TypeError, r"rel_error must be a number in \(0, 1\]"),
    ({"rel_error": True}, TypeError, "rel_error"),
    ({"rel_error": 0.0}, ValueError, r"rel_error must be a number in \(0, 1\]"),
    ({"rel_error": -0.1}, ValueError, "rel_error"),
    ({"rel_error": 1.5}, ValueError, "rel_error"),
    ({"rel_error": float("nan")}, ValueError, "rel_error"),
    ({"rel_error": float("inf")}, ValueError, "rel_error"),
    ({"estimator": 1}, TypeError, "estimator must be one of .plain., .conditional."),
    ({"estimator": "bogus"}, ValueError, "estimator"),
    ({"pilot_bags": 3}, ValueError, "pilot_bags must be an integer >= 4"),
    ({"pilot_nets": 10}, ValueError, "pilot_nets must be an integer >= 100"),
    ({"pilot_nets": 150.0}, TypeError, "pilot_nets"),
    ({"n_bags": 1}, ValueError, "n_bags must be an integer >= 2"),
    ({"combination": 5}, ValueError, r"combination must be an index in \[0, 0\]"),
    ({"combination": -1}, ValueError, "combination"),
    ({"combination": 0.0}, TypeError, "combination"),
    ({"points": "1.0"}, TypeError, "points"),
])
def test_required_networks_refuses_bad_input(kwargs, error, match):
    args = {"net": NET, "width": 3, "points": [1.0], "order": 4, "rel_error": 0.1, **FAST}
    args.update(kwargs)
    with pytest.raises(error, match=match):
        required_networks(**args)


@pytest.mark.filterwarnings("error::RuntimeWarning")    # refused before the pilot samples
def test_zero_signal_is_refused():
    """sigma_b = 0 at x = 0: erf(0) = 0, every output is 0 and Delta G^(4) = 0 exactly."""
    with pytest.raises(ValueError, match=r"reference Delta G\^\(4\) is 0"):
        required_networks(ErfNet(sigma_b=0), 3, [0.0], 4, 0.1, **FAST)


def test_unknown_estimators_are_refused_naming_the_allowed_values():
    with pytest.raises(ValueError, match="conditional"):
        required_networks(ReLUNet(), 3, [1.0], 4, 0.1, "other", **FAST)


@pytest.mark.parametrize("call, error, match", [
    (lambda: critical_value(1), ValueError, "n_samples must be an integer >= 2"),
    (lambda: critical_value(2.0), TypeError, "n_samples"),
    (lambda: critical_value(10, 1.0), ValueError, r"confidence must be a number in \(0, 1\)"),
    (lambda: critical_value(10, "0.95"), TypeError, "confidence"),
    (lambda: two_sided_p_value(1.0, 1), ValueError, "n_samples"),
    (lambda: Estimate(1.0, 0.1, n_samples=1).interval(), ValueError, "n_samples"),
    (lambda: Estimate(1.0, 0.1, 10).covers(1.0, confidence=0), ValueError, "confidence"),
])
def test_interval_helpers_refuse_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()


@pytest.mark.parametrize("args, match", [
    (["--width", "3", "--rel-error", "0.1", "--order", "5"], "even order"),
    (["--width", "3", "--rel-error", "0"], "--rel-error"),
    (["--width", "0", "--rel-error", "0.1"], "--width"),
    (["--rel-error", "0.1"], "--width"),
    (["--width", "3", "--rel-error", "0.1", "--estimator", "bogus"], "estimator"),
    (["--width", "3", "--rel-error", "0.1", "--pilot-bags", "2"], "--pilot-bags"),
])
def test_plan_command_refuses_bad_input(args, match):
    result = CliRunner().invoke(cli, ["plan", *args])
    assert result.exit_code != 0
    assert match in result.output and "Traceback" not in result.output
