"""``nnqft kernel``: end to end through click's test runner."""
from click.testing import CliRunner

from nnqft_cli.main import cli


def test_kernel_command_gauss_latex():
    result = CliRunner().invoke(cli, ["kernel", "--arch", "gauss", "--d-in", "2", "--latex"])
    assert result.exit_code == 0, result.output
    assert r"\sigma_{W}^{2}" in result.output
    assert "m_0^2 = \\sigma_{W}^{2}" in result.output      # 2 sigma_W^2 / d_in with d_in = 2
    assert r"\begin{tabular}" in result.output


def test_kernel_command_relu_not_translation_invariant():
    result = CliRunner().invoke(cli, ["kernel", "--arch", "relu", "--sigma-w", "1.5", "--no-table"])
    assert result.exit_code == 0, result.output
    assert "not translation invariant" in result.output


def test_kernel_command_rejects_bad_input():
    result = CliRunner().invoke(cli, ["kernel", "--arch", "gauss", "--d-in", "0"])
    assert result.exit_code != 0 and "d-in" in result.output
    result = CliRunner().invoke(cli, ["kernel", "--arch", "softmax"])
    assert result.exit_code != 0
