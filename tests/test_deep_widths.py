"""N Delta G^(4) of deep networks measured against the width, next to the exact 1/N series
(numeric.deep_widths; issue 17's measurements).

Independent references: the exact single-input series of nnqft_sym.single_input_series, itself
checked against a nested conditional expectation (tests/test_deep_nested.py); for depth-2 ReLU
at sigma_W^2 = 2, sigma_b^2 = 1/4, x = 1/2 it is exactly 23.4375/N + 42.1875/N^2.
"""
import json

import numpy as np
import pytest
import sympy as sp
from click.testing import CliRunner

from nnqft_cli.main import cli
from nnqft_sym import Network, ReLUNet, Z
from numeric import deep_width_study

K_SIGMA = 4.0


def test_depth_two_relu_measures_the_exact_next_order():
    st = deep_width_study(ReLUNet(sigma_w=np.sqrt(2), sigma_b=0.5, depth=2), [8, 16, 32],
                          n_bags=8, budget=1.5e5, rng=3)
    assert st.estimator == "conditional"
    assert st.leading == pytest.approx(23.4375) and st.next_order == pytest.approx(42.1875)
    assert st.truncation_bias == pytest.approx(0, abs=1e-9)     # the series ends at 1/N^2
    assert np.max(np.abs(st.z(2))) < K_SIGMA
    assert np.max(np.abs(st.z(1))) > K_SIGMA                   # the leading order alone fails
    fit = st.fit()
    assert abs(fit["b"] - 42.1875) < K_SIGMA * fit["b_err"]
    assert abs(fit["a"] - 23.4375) < K_SIGMA * fit["a_err"]
    rows = st.rows()
    assert [r["width"] for r in rows] == [8, 16, 32] and "fit a + b/N" in st.markdown()


def test_depth_three_tanh_against_the_series():
    st = deep_width_study(Network(sp.tanh(Z), sigma_w=1.5, sigma_b=0.5, depth=3), [8, 16, 32],
                          n_bags=8, budget=1e5, rng=4)
    assert np.max(np.abs(st.z(2))) < K_SIGMA


def test_cli_writes_report_figure_and_json(tmp_path):
    out = tmp_path / "study"
    run = CliRunner().invoke(cli, ["deep", "finite-width", "--arch", "erf", "--depth", "2",
                                   "--widths", "8,16", "--n-bags", "4", "--budget", "2e4",
                                   "--out", str(out)])
    assert run.exit_code == 0, run.output
    assert "leading + next" in run.output
    doc = json.loads((out / "study.json").read_text())
    assert len(doc["rows"]) == 2 and doc["network"]["depth"] == 2
    assert (out / "n_delta_g4_vs_width.png").stat().st_size > 0 and (out / "report.md").exists()


@pytest.mark.parametrize("kwargs, match", [
    ({"widths": [16]}, "at least two widths"),
    ({"widths": [16, 0]}, "widths"),
    ({"n_bags": 1}, "n_bags"),
    ({"budget": 0}, "budget"),
    ({"x": float("nan")}, "x must be a finite number"),
])
def test_bad_input(kwargs, match):
    args = {"net": ReLUNet(depth=2), "widths": [8, 16], **kwargs}
    with pytest.raises(ValueError, match=match):
        deep_width_study(**args)


def test_cli_bad_x_is_one_line():
    run = CliRunner().invoke(cli, ["deep", "finite-width", "--x", "nan", "--widths", "8,16"])
    assert run.exit_code != 0 and "x must be a finite number" in run.output
    assert "Traceback" not in run.output
