"""Bad prior scales and boundary inputs: clear errors naming the parameter, range or points."""
from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from click.testing import CliRunner

from nnqft_cli.main import cli
from nnqft_sym import ErfNet, GaussNet, ReLUNet, make_network
from nnqft_sym.validation import check_nonnegative
from numeric import hms_setting, run_study

BIAS_RANGE = "sigma_b must be a finite real number >= 0"


@pytest.mark.parametrize("value,exc,match", [
    (-1, ValueError, BIAS_RANGE),
    (-1e-300, ValueError, BIAS_RANGE),
    (float("nan"), ValueError, BIAS_RANGE),
    (float("inf"), ValueError, BIAS_RANGE),
    (np.float64("nan"), ValueError, BIAS_RANGE),
    (sp.Integer(-2), ValueError, BIAS_RANGE),
    (sp.Symbol("b", negative=True), ValueError, "sigma_b must be >= 0; the symbol b"),
    (sp.I, ValueError, BIAS_RANGE),
    ("0", TypeError, "sigma_b must be a real number >= 0"),
    (True, TypeError, "sigma_b must be a real number >= 0"),
    (None, TypeError, "sigma_b must be a real number >= 0"),
])
@pytest.mark.parametrize("arch", ["gauss", "relu", "erf", "cos"])
def test_bad_sigma_b(arch, value, exc, match):
    with pytest.raises(exc, match=match):
        make_network(arch, sigma_b=value)


@pytest.mark.parametrize("value,exc", [(0, ValueError), (0.0, ValueError), (-1.0, ValueError),
                                       (float("nan"), ValueError), ("1", TypeError)])
def test_sigma_w_must_stay_positive(value, exc):
    with pytest.raises(exc, match="sigma_w must be a positive"):
        ReLUNet(sigma_w=value, sigma_b=0)


def test_with_params_checks_sigma_b_too():
    with pytest.raises(ValueError, match=BIAS_RANGE):
        ReLUNet(sigma_b=0).with_params(sigma_b=-1)


def test_check_nonnegative_accepts_the_boundary_only():
    assert check_nonnegative(0, "sigma_b") == 0
    assert check_nonnegative(sp.Symbol("b", nonnegative=True), "sigma_b").is_nonnegative
    with pytest.raises(ValueError, match="x must be a finite real number >= 0, got -0.5"):
        check_nonnegative(-0.5, "x")


@pytest.mark.parametrize("net", [ReLUNet(sigma_b=0), ErfNet(sigma_b=0), ReLUNet(sigma_b=0, d_in=2)],
                         ids=["relu", "erf", "relu d2"])
def test_deviation_at_a_point_where_f_vanishes_names_the_point(net):
    """x = 0 at sigma_b = 0: f(0) = 0 identically, G_0 = 0 and m_n = 0/0."""
    zero, one = [0.0] * net.d_in, [1.0] * net.d_in
    pts = [zero, zero, one, one] if net.d_in > 1 else [0.0, 0.0, 1.0, 1.0]
    with pytest.raises(ValueError, match=r"undefined at the points .*0\.0.*G_0 = 0"):
        net.deviation(pts, 10)
    with pytest.raises(ValueError, match="G_0 = 0"):
        net.deviation_series(pts)
    batch = np.array([[one] * 4, [zero, zero, one, one]]) if net.d_in > 1 else \
        np.array([[1.0] * 4, [0.0, 0.0, 1.0, 1.0]])
    with pytest.raises(ValueError, match=r"undefined at the points \[\[?0\.0, "):
        net.deviation(batch, 10)
    assert float(net.delta_green(pts, 10)) == 0.0                # Delta G itself is fine


def test_deep_leading_deviation_refuses_a_vanishing_free_function():
    from nnqft_sym.deep import leading_deviation
    with pytest.raises(ValueError, match="G_0 = 0"):
        leading_deviation(ReLUNet(sigma_w=np.sqrt(2), sigma_b=0, depth=2), [0.0, 0.0, 0.5, 0.5])


def test_quartic_coupling_with_a_vanishing_normalisation_names_the_points():
    with pytest.raises(ValueError, match=r"N_K = 0 at the points \[\[0\.0\]"):
        ReLUNet(sigma_b=0).quartic_coupling([0.0, 0.4, 0.6, 0.8], 10, cutoff=1.0)


def test_gauss_net_at_sigma_b_zero_and_x_zero_is_regular():
    """Gauss-net: g(z(0)) = e^0 = 1 at sigma_b = 0, nothing singular."""
    net = GaussNet(sigma_b=0)
    assert np.isfinite(net.deviation([0.0, 0.0, 0.5, 0.5], 10))


def test_run_study_refuses_undefined_deviations_before_sampling(tmp_path):
    net = ReLUNet(sigma_b=0)
    for points in ([0.0, 0.5], [-1.0, 1.0]):      # x = 0, and inputs of both signs (K = 0)
        with pytest.raises(ValueError, match="G_0 = 0"):
            run_study(net, tmp_path, "relu", [3], points, orders=(2, 4), n_bags=2, n_nets=10,
                      progress=False, figures=False)
    assert not (tmp_path / "relu").exists()


@pytest.mark.parametrize("args,match", [
    (["kernel", "relu", "--sigma-b", "-1"], "'--sigma-b': expected 0 or a finite positive number"),
    (["kernel", "relu", "--sigma-b", "nan"], "'--sigma-b': expected 0 or a finite positive number"),
    (["experiment", "hms", "--sigma-b", "nan"], "'--sigma-b': expected 0 or a finite positive number"),
    (["kernel", "relu", "--sigma-w", "0"], "'--sigma-w': expected a finite positive number"),
    (["experiment", "hms", "--sigma-b", "-1"], "'--sigma-b': expected 0 or a finite positive number"),
    (["experiment", "hms", "--sigma-w", "0"], "'--sigma-w': expected a finite positive number"),
    (["experiment", "hms", "--arch", "relu", "--d-in", "4"], "no HMS setting for arch = 'relu', d_in = 4"),
    (["experiment", "hms", "--d-in", "2", "--points", "1,2,3"], "'--points': expected points of d_in = 2 finite coordinates"),
    (["experiment", "hms", "--d-in", "2", "--points", "1,2;3"], "'--points': expected points of d_in = 2 finite coordinates"),
])
def test_cli_bad_prior_options(args, match, tmp_path):
    result = CliRunner().invoke(cli, args + ["--out", str(tmp_path)] if args[0] == "experiment" else args)
    assert result.exit_code != 0
    assert match in result.output


@pytest.mark.parametrize("arch,d_in", [("relu", 0), ("relu", 4), ("tanh", 1), ("gauss", 1.5)])
def test_hms_setting_unknown(arch, d_in):
    with pytest.raises(ValueError, match="no HMS setting .* available"):
        hms_setting(arch, d_in)
