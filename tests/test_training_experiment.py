"""``nnqft experiment train`` and numeric.training_experiment: report, figure, resume."""
from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from nnqft_sym.errors import CheckpointError

from nnqft_cli.main import cli
from numeric.training_experiment import training_experiment


def test_experiment_writes_report_figure_and_resumes(tmp_path):
    first = training_experiment(tmp_path, "erf", [4, 16], n_nets=60, steps=8, seed=2)
    assert (tmp_path / "report.md").read_text().startswith("# Trained ensembles")
    assert (tmp_path / "figures" / "training.png").stat().st_size > 0
    assert (tmp_path / "width_16" / "ensemble.npz").exists()
    again = training_experiment(tmp_path, "erf", [4, 16], n_nets=60, steps=8, seed=2)   # resumed
    for a, b in zip(first.ensembles, again.ensembles):
        np.testing.assert_array_equal(a.final, b.final)
    np.testing.assert_array_equal(first.deviation, again.deviation)


def test_cli_runs_and_reports_the_fit(tmp_path):
    result = CliRunner().invoke(cli, ["experiment", "train", "--widths", "4,16", "--n-nets", "50",
                                      "--steps", "5", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "Report:" in result.output
    assert "N x D" in (tmp_path / "report.md").read_text()


def test_threads_scheduler_gives_the_serial_result(tmp_path):
    serial = training_experiment(tmp_path / "serial", "relu", [3, 6], n_nets=16, steps=4, seed=1)
    threads = training_experiment(tmp_path / "threads", "relu", [3, 6], n_nets=16, steps=4, seed=1,
                                  scheduler="threads", workers=2)
    for a, b in zip(serial.ensembles, threads.ensembles):
        np.testing.assert_array_equal(a.final, b.final)


def test_a_checkpoint_of_other_settings_is_refused(tmp_path):
    training_experiment(tmp_path, "erf", [4], n_nets=16, steps=3, seed=0)
    with pytest.raises(CheckpointError, match="ensemble.npz"):
        training_experiment(tmp_path, "erf", [4], n_nets=16, steps=5, seed=0)


def test_brg_section_measured_flow_matches_infinite_width_and_resumes(tmp_path):
    """--brg: the networks coarse-grained in their own Fisher eigenbasis (read-out training: a
    linear model, so linearised_coarse_graining is exact per network) reproduce the infinite-width
    flow of the read-out Fisher metric within Monte Carlo error, at every cutoff; the run resumes
    bit-identically and refuses the checkpoints of a run without --brg."""
    kw = dict(n_nets=400, steps=40, seed=3, readout_only=True, brg=True, noise_std=0.2)
    study = training_experiment(tmp_path, "relu", [64], **kw)
    flow = study.brg_flows["readout"]
    measured = study.brg_measured[0]                              # (L, nets, n + m)
    n = len(study.y_train)
    mean, err = measured.mean(1)[:, n:], measured.std(1, ddof=1)[:, n:] / np.sqrt(400)
    # width 64: the empirical Fisher spectrum fluctuates across the cutoffs next to its
    # eigenvalues, so compare where every infinite-width eigenvalue is a factor 2 from the cutoff
    info = flow.information[flow.information > 0]
    far = np.all(np.abs(np.log(flow.cutoffs[:, None] / info[None])) > np.log(2), axis=1)
    assert far.sum() >= 8 and len(set(flow.kept[far])) >= 3 and flow.kept[far].min() == 0 and flow.kept[far].max() == n
    z = (mean - flow.mean) / np.where(err > 0, err, np.inf)
    assert np.max(np.abs(z[far])) < 3.5
    # at the top cutoff every network is back at its initialisation; at the bottom it is trained
    np.testing.assert_allclose(measured[-1, :, n:], study.ensembles[0].initial)
    np.testing.assert_allclose(measured[0, :, n:], study.ensembles[0].final, atol=1e-8)
    text = (tmp_path / "report.md").read_text()
    assert "## Bayesian RG of the trained network" in text
    assert (tmp_path / "figures" / "brg_flow.png").stat().st_size > 0
    arrays = np.load(tmp_path / "brg_flow.npz")
    np.testing.assert_array_equal(arrays["readout_mean"], flow.mean)
    again = training_experiment(tmp_path, "relu", [64], **kw)
    np.testing.assert_array_equal(again.brg_measured[0], measured)
    with pytest.raises(CheckpointError, match="ensemble.npz"):
        training_experiment(tmp_path, "relu", [64], **{**kw, "brg": False})


def test_cli_brg_option_reports_the_flow_at_depth(tmp_path):
    result = CliRunner().invoke(cli, ["experiment", "train", "--widths", "8", "--n-nets", "16",
                                      "--steps", "3", "--depth", "2", "--brg", "--noise-std",
                                      "0.5", "--no-progress", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "Fisher eigenvalues:" in result.output
    assert "kept (full)" in (tmp_path / "report.md").read_text()
    bad = CliRunner().invoke(cli, ["experiment", "train", "--brg", "--noise-std", "0",
                                   "--out", str(tmp_path / "bad")])
    assert bad.exit_code != 0 and "noise-std" in bad.output


def test_standard_parameterisation_from_the_cli_matches_its_trained_gp(tmp_path):
    """``--parameterisation standard``: the networks of train_ensemble(parameterisation=
    "standard") against trained_gp(..., parameterisation="standard") (issue 18: training in both
    parameterisations); a checkpoint of the NTK run is not reused."""
    from nnqft_sym import ErfNet, trained_gp
    from numeric import TRAINING_SET, train_ensemble

    ntk = tmp_path / "ntk"
    CliRunner().invoke(cli, ["experiment", "train", "--widths", "256", "--n-nets", "400",
                             "--steps", "10", "--out", str(ntk)])
    result = CliRunner().invoke(cli, ["experiment", "train", "--widths", "256", "--n-nets", "400",
                                      "--steps", "10", "--parameterisation", "standard",
                                      "--out", str(tmp_path / "std")])
    assert result.exit_code == 0, result.output
    assert "standard parameterisation" in (tmp_path / "std" / "report.md").read_text()
    study = training_experiment(tmp_path / "std", "erf", [256], n_nets=400, steps=10,
                                parameterisation="standard")                    # resumed
    eta = study.ensembles[0].learning_rate
    expected = trained_gp(ErfNet(), TRAINING_SET["x_train"], TRAINING_SET["y_train"],
                          TRAINING_SET["x_test"], steps=10, learning_rate=eta,
                          parameterisation="standard")
    np.testing.assert_allclose(study.prediction.mean, expected.mean, rtol=1e-12)
    direct = train_ensemble(ErfNet(), 256, TRAINING_SET["x_train"], TRAINING_SET["y_train"],
                            TRAINING_SET["x_test"], n_nets=400, steps=10, learning_rate=eta,
                            parameterisation="standard",
                            rng=np.random.SeedSequence(0, spawn_key=(256,)))
    np.testing.assert_array_equal(study.ensembles[0].final, direct.final)
    ens = study.ensembles[0]
    z = np.abs(ens.mean - expected.mean) / ens.mean_error
    assert z.max() < 4.5, z.max()
    with pytest.raises(CheckpointError, match="ensemble.npz"):     # the NTK run's ensembles
        training_experiment(ntk, "erf", [256], n_nets=400, steps=10, parameterisation="standard")


def test_brg_needs_the_ntk_parameterisation(tmp_path):
    with pytest.raises(ValueError, match="parameterisation='ntk'"):
        training_experiment(tmp_path, "erf", [4], n_nets=16, steps=2, brg=True,
                            parameterisation="standard")


def test_readout_only_report_uses_the_conditional_kappa4(tmp_path):
    """Read-out training: the report's kappa_4 columns come from the conditional estimator
    (TrainedEnsemble.connected_four_point(estimator="conditional")), which at initialisation
    matches the exact one-hidden-layer value far more tightly than the plain k-statistic."""
    from nnqft_sym import ErfNet

    study = training_experiment(tmp_path, "erf", [8], n_nets=2000, steps=5, readout_only=True)
    assert "the conditional estimator" in (tmp_path / "report.md").read_text()
    ens = study.ensembles[0]
    where = int(np.argmax(study.prediction.std))
    x = float(study.prediction.points[where, 0])
    exact = float(ErfNet().connected_green([x] * 4, 8))
    cond = ens.connected_four_point(trained=False, n_bags=20, estimator="conditional")[where]
    plain = ens.connected_four_point(trained=False, n_bags=20)[where]
    assert abs(cond.value - exact) < 4 * cond.error
    assert cond.error < plain.error / 3
    again = training_experiment(tmp_path, "erf", [8], n_nets=2000, steps=5, readout_only=True)
    np.testing.assert_array_equal(again.ensembles[0].conditional_covariance,
                                  ens.conditional_covariance)          # resumed from disk
