"""``nnqft flow``: the CLI prints the derived beta functions and the Wilson-Fisher exponents."""
from click.testing import CliRunner

from nnqft_cli.flow import command
from nnqft_cli.main import COMMAND_MODULES


def test_flow_is_registered():
    assert COMMAND_MODULES["flow"] == "nnqft_cli.flow"


def test_flow_latex():
    result = CliRunner().invoke(command, ["--scheme", "wetterich", "--regulator", "litim", "--d", "3",
                                          "--truncation", "2", "--expansion", "minimum", "--latex"])
    assert result.exit_code == 0, result.output
    assert "\\partial_t \\kappa &= - \\kappa + \\frac{1}{2 \\pi^{2}" in result.output


def test_flow_fixed_point_prints_nu_and_sequence():
    result = CliRunner().invoke(command, ["--d", "3", "--truncation", "6", "--expansion", "minimum",
                                          "--fixed-point"])
    assert result.exit_code == 0, result.output
    assert "N =  2: nu = 0.50000000" in result.output
    nu = float(result.output.split("\nnu = ")[1].split()[0])
    assert abs(nu - 0.6496) < 1e-3  # Litim 2002 LPA value at N = 6 within 1e-3


def test_flow_symbolic_dimension_and_polchinski():
    result = CliRunner().invoke(command, ["--scheme", "polchinski", "--d", "4 - eps",
                                          "--truncation", "2"])
    assert result.exit_code == 0, result.output
    assert "d/dt lambda_2 = " in result.output and "eps" in result.output


def test_flow_bad_input():
    runner = CliRunner()
    assert runner.invoke(command, ["--d", "-2"]).exit_code != 0
    assert runner.invoke(command, ["--d", "4-"]).exit_code != 0
    bad = runner.invoke(command, ["--d", "4 - eps", "--fixed-point"])
    assert bad.exit_code != 0 and "numeric" in bad.output
    assert runner.invoke(command, ["--truncation", "1", "--expansion", "minimum"]).exit_code != 0
    lost = runner.invoke(command, ["--scheme", "polchinski", "--d", "3", "--truncation", "4",
                                   "--fixed-point"])
    assert lost.exit_code == 1 and "no Wilson-Fisher fixed point" in lost.output


def test_flow_polchinski_shooting():
    result = CliRunner().invoke(command, ["--scheme", "polchinski", "--d", "3", "--shooting"])
    assert result.exit_code == 0, result.output
    nu = float(result.output.split("\nnu = ")[1].split()[0])
    assert abs(nu - 0.649561773880) < 1e-6   # Bervillier-Juttner-Litim 2007
    bad = CliRunner().invoke(command, ["--d", "3", "--shooting"])
    assert bad.exit_code != 0 and "--scheme polchinski" in bad.output
