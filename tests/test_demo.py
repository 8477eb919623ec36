"""``nnqft demo --quick`` end to end: printed comparison, report, figures; and ``nnqft bench``."""
from __future__ import annotations

from click.testing import CliRunner

from nnqft_cli.main import cli


def test_demo_quick_end_to_end(tmp_path):
    out = tmp_path / "demo"
    result = CliRunner().invoke(cli, ["demo", "--quick", "--workers", "1", "--no-progress",
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    for name in ("Gauss-net", "ReLU-net", "m_4", "m_6", "u4", "predictions tested"):
        assert name in result.output
    report = (out / "report.md").read_text()
    assert "## Gauss-net" in report and "## ReLU-net" in report and "![" in report
    assert len(list((out / "figures").glob("*.png"))) >= 8
    assert (out / "gauss" / "green_functions.csv").exists()


def test_bench_command_runs_small():
    result = CliRunner().invoke(cli, ["bench", "--arch", "relu", "--widths", "3,200",
                                      "--budget", "20000", "--cores", "2"])
    assert result.exit_code == 0, result.output
    assert "ratio" in result.output and "extrapolated" in result.output
