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
