"""Bad input to the NTK, the trained GP and the trained ensembles: clear errors of the documented
type naming the parameter (never NaN, a silent wrong answer or a deep traceback)."""
from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
from click.testing import CliRunner

from nnqft_sym import (CosNet, ErfNet, Network, NoClosedFormError, NumericalOverflowError, ReLUNet,
                       StudentTFrequencyPrior, Z, max_learning_rate, nngp_posterior, ntk_expr, ntk_numeric,
                       trained_gp)
from nnqft_cli.main import cli
from numeric import NetworkEnsemble, train_ensemble

X, Y = [-1.0, 0.5, 1.0], [0.1, 0.2, -0.3]


# ---------------------------------------------------------------------- ntk
@pytest.mark.parametrize("value, error", [(1, TypeError), (None, TypeError), ("mup", ValueError),
                                          ("NTK", ValueError)])
def test_ntk_refuses_unknown_parameterisations(value, error):
    with pytest.raises(error, match="parameterisation must be one of"):
        ntk_numeric(ReLUNet(), 0.1, 0.2, parameterisation=value)
    with pytest.raises(error, match="parameterisation must be one of"):
        ntk_expr(ReLUNet(), parameterisation=value)


def test_ntk_refuses_symbolic_hyper_parameters():
    with pytest.raises(ValueError, match="numeric hyper-parameters"):
        ntk_numeric(ReLUNet(sigma_w=sp.Symbol("sigma_W", positive=True)), 0.1, 0.2)


def test_ntk_expr_without_closed_form_names_the_numeric_route():
    with pytest.raises(NoClosedFormError, match="tanh"):
        ntk_expr(Network(sp.tanh(Z)))


def test_ntk_of_cos_net_needs_gaussian_frequencies():
    net = CosNet(frequency_prior=StudentTFrequencyPrior(nu=3))
    with pytest.raises(ValueError, match="GaussianFrequencyPrior"):
        ntk_numeric(net, 0.1, 0.2)


def test_ntk_needs_a_gaussian_first_layer():
    with pytest.raises(ValueError, match="Gaussian first-layer"):
        ntk_numeric(ReLUNet().with_priors(first_biases="uniform"), 0.1, 0.2)


def test_ntk_refuses_points_of_the_wrong_shape():
    with pytest.raises(ValueError, match="d_in"):
        ntk_numeric(ErfNet(d_in=2), np.zeros(3), np.zeros(3))


# ---------------------------------------------------------------------- trained_gp
@pytest.mark.parametrize("kwargs, error, match", [
    ({"t": -1.0}, ValueError, "t must be"),
    ({"t": math.nan}, ValueError, "t must be"),
    ({"t": "1"}, TypeError, "t must be"),
    ({"steps": 1.5}, TypeError, "steps must be an integer"),
    ({"steps": -1}, ValueError, "steps must be an integer"),
    ({"steps": 3, "t": 1.0}, ValueError, "either t"),
    ({"learning_rate": 0}, ValueError, "learning_rate must be"),
    ({"learning_rate": "0.1"}, TypeError, "learning_rate must be"),
    ({"learning_rate": math.inf}, ValueError, "learning_rate must be"),
    ({"readout_only": "yes"}, TypeError, "readout_only"),
    ({"parameterisation": "mu"}, ValueError, "parameterisation"),
])
def test_trained_gp_refuses_bad_options(kwargs, error, match):
    with pytest.raises(error, match=match):
        trained_gp(ErfNet(), X, Y, [0.0], **kwargs)


def test_trained_gp_refuses_a_divergent_gradient_descent():
    bound = max_learning_rate(ErfNet(), X)
    with pytest.raises(ValueError, match="2 / lambda_max"):
        trained_gp(ErfNet(), X, Y, [0.0], steps=10, learning_rate=1.01 * bound)


@pytest.mark.parametrize("x_train, y_train, x_test, error, match", [
    (X, [0.1, 0.2], [0.0], ValueError, "one target per training input"),
    (X, [0.1, math.nan, 0.3], [0.0], ValueError, "y_train must be finite"),
    (X, "abc", [0.0], TypeError, "y_train must be an array of numbers"),
    (X, [[0.1, 0.2, 0.3]], [0.0], ValueError, "y_train must have shape"),
    ([], [], [0.0], ValueError, "x_train must"),
    (X, Y, np.zeros((2, 2, 2)), ValueError, "x_test"),
    ("abc", Y, [0.0], TypeError, "x_train"),
])
def test_trained_gp_and_posterior_refuse_bad_training_sets(x_train, y_train, x_test, error, match):
    with pytest.raises(error, match=match):
        trained_gp(ErfNet(), x_train, y_train, x_test)
    with pytest.raises(error, match=match):
        nngp_posterior(ErfNet(), x_train, y_train, x_test)


@pytest.mark.parametrize("noise, error", [(-0.1, ValueError), ("0", TypeError), (math.inf, ValueError)])
def test_posterior_refuses_bad_noise(noise, error):
    with pytest.raises(error, match="noise"):
        nngp_posterior(ErfNet(), X, Y, [0.0], noise=noise)


# ---------------------------------------------------------------------- train_ensemble
@pytest.mark.parametrize("kwargs, error, match", [
    ({"width": 2.5}, TypeError, "width"),
    ({"width": 0}, ValueError, "width"),
    ({"width": sp.Symbol("N", positive=True)}, TypeError, "width"),
    ({"n_nets": 1.5}, TypeError, "n_nets"),
    ({"n_nets": 0}, ValueError, "n_nets"),
    ({"steps": -1}, ValueError, "steps"),
    ({"steps": 2.0}, TypeError, "steps"),
    ({"learning_rate": -0.1}, ValueError, "learning_rate"),
    ({"learning_rate": 10.0}, ValueError, "2 / lambda_max"),
    ({"readout_only": 1}, TypeError, "readout_only"),
])
def test_train_ensemble_refuses_bad_options(kwargs, error, match):
    options = {"width": 4, "n_nets": 3, "steps": 2, **kwargs}
    with pytest.raises(error, match=match):
        train_ensemble(ReLUNet(), options.pop("width"), X, Y, rng=0, **options)


@pytest.mark.parametrize("net, match", [
    (ReLUNet(d_out=2), "d_out"),
    (ReLUNet().with_priors(readout_weights="laplace"), "centred Gaussian"),
    (CosNet(), "centred Gaussian"),
    (ReLUNet(sigma_w=sp.Symbol("s", positive=True)), "numeric hyper-parameters"),
])
def test_train_ensemble_refuses_networks_it_cannot_train(net, match):
    with pytest.raises(ValueError, match=match):
        train_ensemble(net, 4, X, Y, n_nets=2, steps=1, rng=0)
    with pytest.raises(ValueError, match=match):
        NetworkEnsemble.sample(net, 4, 2, rng=0)


def test_train_ensemble_reports_a_finite_network_that_diverges():
    """Below 2 / lambda_max of the infinite-width kernel, a width-1 ReLU network's own tangent
    kernel can exceed it: the loss overflows and the error says to lower the learning rate."""
    net = ReLUNet(sigma_b=0)
    bound = max_learning_rate(net, X)
    with pytest.raises(NumericalOverflowError, match="lower learning_rate"):
        train_ensemble(net, 1, X, Y, n_nets=100, steps=2000, learning_rate=0.99 * bound, rng=0)


def test_tangent_kernel_refuses_bad_points_and_parameterisations():
    ens = NetworkEnsemble.sample(ErfNet(), 3, 2, rng=0)
    with pytest.raises(ValueError, match="parameterisation"):
        ens.tangent_kernel([0.1], parameterisation="mu")
    with pytest.raises(ValueError, match="points must have shape"):
        ens.tangent_kernel(np.zeros((2, 2, 2)))


# ---------------------------------------------------------------------- nnqft experiment train
@pytest.mark.parametrize("args, message", [
    (["--arch", "cos"], "centred Gaussian"),
    (["--learning-rate", "100"], "2 / lambda_max"),
    (["--y-train", "1,2"], "one target per training input"),
])
def test_cli_train_reports_bad_runs_in_one_line(tmp_path, args, message):
    result = CliRunner().invoke(cli, ["experiment", "train", "--widths", "4", "--n-nets", "12",
                                      "--steps", "2", "--out", str(tmp_path), *args])
    assert result.exit_code == 1, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and message in errors[0], result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("option, value", [("--widths", "0"), ("--n-nets", "7"), ("--steps", "-1"),
                                           ("--learning-rate", "0"), ("--depth", "0")])
def test_cli_train_options_name_themselves(tmp_path, option, value):
    result = CliRunner().invoke(cli, ["experiment", "train", option, value, "--out", str(tmp_path)])
    assert result.exit_code == 2 and f"'{option}'" in result.output, result.output


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_non_finite_points_are_refused_by_name(bad):
    with pytest.raises(ValueError, match="x must be finite"):
        ntk_numeric(ErfNet(), bad, 0.2)
    with pytest.raises(ValueError, match="x_train must be finite"):
        trained_gp(ErfNet(), [0.1, bad], [1.0, 2.0], [0.0])
    with pytest.raises(ValueError, match="x_test must be finite"):
        trained_gp(ErfNet(), [0.1, 0.2], [1.0, 2.0], [bad])
    with pytest.raises(ValueError, match="x_train must be finite"):
        train_ensemble(ErfNet(), 2, [0.1, bad], [1.0, 2.0], n_nets=2, steps=1, rng=0)


def test_gradient_step_refuses_mismatched_targets():
    ens = NetworkEnsemble.sample(ErfNet(), 3, 2, rng=0)
    with pytest.raises(ValueError, match="targets must have shape"):
        ens.gradient_step([0.1, 0.2], [1.0], 0.1)


def test_ntk_expr_needs_an_integer_d_in():
    with pytest.raises(ValueError, match="integer d_in"):
        ntk_expr(ReLUNet(d_in=sp.Symbol("d", positive=True, integer=True)))


def test_finite_networks_that_diverge_below_the_infinite_width_bound_are_refused() -> None:
    """Read-out training of ReLU nets at N = 4 with half the infinite-width bound: some finite
    tangent kernels exceed 2/eta and those networks reach outputs ~1e13 with finite losses,
    which used to be returned silently (found while measuring the trained kappa_4)."""
    from nnqft_sym import max_learning_rate
    from numeric import TRAINING_SET

    x, y = np.array(TRAINING_SET["x_train"]), np.array(TRAINING_SET["y_train"])
    bound = max_learning_rate(ReLUNet(), x, readout_only=True)
    with pytest.raises(NumericalOverflowError, match="diverged for .* of 2000 networks of width 4"):
        train_ensemble(ReLUNet(), 4, x, y, n_nets=2000, steps=30, learning_rate=bound / 2,
                       readout_only=True, rng=0)
    fine = train_ensemble(ReLUNet(), 4, x, y, n_nets=2000, steps=30, learning_rate=bound / 4,
                          readout_only=True, rng=0)
    assert fine.final_loss.max() < 10
