"""HMS / ELS experiment runners and CLI: result folders, resume, reports, the ELS verdict."""
from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

import numeric.estimators as estimators
from nnqft_cli.main import cli
from numeric import GreenMeasurement, els_experiment
from tests.tolerances import K_SIGMA


def test_hms_cli_writes_folder_and_resumes(tmp_path):
    out = tmp_path / "hms"
    args = ["experiment", "hms", "--arch", "relu", "--widths", "2,6", "--n-bags", "3",
            "--n-nets", "1500", "--orders", "2,4", "--workers", "1", "--no-progress",
            "--out", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert (out / "report.md").exists() and (out / "metadata.json").exists()
    assert len(list((out / "relu" / "bags").glob("bag_*.npz"))) == 6
    assert (out / "figures" / "relu_m4_vs_width.png").stat().st_size > 1000
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["parameters"]["n_nets"] == 1500 and "numpy" in meta["versions"]
    assert meta["studies"]["relu"]["seed"]["spawn_key"]            # per-study stream recorded
    report = (out / "report.md").read_text()
    assert "Quartic coupling u4" in report and "u4 measured" in report
    first = GreenMeasurement.load(out / "relu" / "measurement")
    # a second run finds every bag and recomputes none
    calls = []
    real = estimators.run_bag
    estimators.run_bag = lambda *a, **k: (calls.append(a), real(*a, **k))[1]
    try:
        again = CliRunner().invoke(cli, args)
    finally:
        estimators.run_bag = real
    assert again.exit_code == 0 and calls == []
    assert np.array_equal(GreenMeasurement.load(out / "relu" / "measurement").bag_stats[4]["sum"],
                          first.bag_stats[4]["sum"])
    bad = CliRunner().invoke(cli, args[:-2] + ["--n-nets", "1600", "--out", str(out)])
    assert bad.exit_code != 0 and "different run" in bad.output


def test_hms_cli_rejects_bad_lists(tmp_path):
    result = CliRunner().invoke(cli, ["experiment", "hms", "--widths", "2,x", "--out", str(tmp_path)])
    assert result.exit_code != 0 and "comma-separated integers" in result.output


def test_els_active_rg_slope_matches_exact_and_report_explains_the_talk(tmp_path):
    """u4 ~ sigma_W^(d_in - 4) exactly; the talk's flow equation says +(4 - d_in)."""
    rg = els_experiment(tmp_path, sigmas=(1.0, 2.0, 4.0, 8.0), width=10, n_bags=6, n_nets=4000,
                        sigma_b=0.5, progress=False)
    assert rg.fit_exact.exponent == pytest.approx(-3.0, abs=0.02)
    assert abs(rg.fit.exponent - rg.fit_exact.exponent) < (K_SIGMA + 0.5) * rg.fit.exponent_err
    assert not rg.agrees_with_talk
    report = (tmp_path / "report.md").read_text()
    assert "disagrees with the talk's exponent" in report and "sigma_W^(d_in - 4)" in report
    assert (tmp_path / "figures" / "u4_vs_sigma_w.png").exists()
    # the explanation's two ingredients: Delta G^(4) ~ sigma_W^4, N_K ~ sigma_W^(8 - d_in)
    assert rg.delta_fit.exponent == pytest.approx(4.0, abs=0.02)
    assert rg.nk_fit.exponent == pytest.approx(7.0, abs=0.02)
    # independent of the fit code: u4(2 sigma) / u4(sigma) = 2^(d_in - 4) (d_in = 1); sigma_b = 0.5
    # breaks the scaling only at the 0.1 % level on these points
    np.testing.assert_allclose(rg.average_exact[1:] / rg.average_exact[:-1], 2.0 ** -3, rtol=3e-3)


def test_els_cli_smoke(tmp_path):
    result = CliRunner().invoke(cli, ["experiment", "els-active", "--sigmas", "1,3", "--width", "5",
                                      "--n-bags", "2", "--n-nets", "500", "--no-progress",
                                      "--workers", "1", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "measured slope" in result.output and "(arXiv:2108.01403): 3" in result.output
    bad = CliRunner().invoke(cli, ["experiment", "els-active", "--sigmas", "1", "--out", str(tmp_path / "b")])
    assert bad.exit_code != 0 and "at least 2" in bad.output
