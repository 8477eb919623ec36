"""``nnqft deep criticality``: end to end through click's test runner."""
from click.testing import CliRunner

from nnqft_cli.main import cli


def test_criticality_relu_prints_the_critical_point_and_class():
    result = CliRunner().invoke(cli, ["deep", "criticality", "--arch", "relu", "--depth", "5"])
    assert result.exit_code == 0, result.output
    assert "sigma_W = sqrt(2)" in result.output and "scale-invariant" in result.output


def test_criticality_tanh_activation_writes_the_figure(tmp_path):
    out = tmp_path / "crit"
    result = CliRunner().invoke(cli, ["deep", "criticality", "--activation", "tanh(z)",
                                      "--depth", "8", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "K*=0" in result.output and "sigma_b = 0, sigma_W = 1" in result.output
    assert (out / "kernel_flow.png").stat().st_size > 0
