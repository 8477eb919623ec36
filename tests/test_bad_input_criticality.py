"""Bad input to nnqft_sym.criticality: clear errors of the documented type, never NaN or a hang."""
import numpy as np
import pytest
import sympy as sp

from nnqft_sym import GaussNet, ParseError, Z, critical_initialisation, kernel_flow, susceptibilities


def test_string_activation_is_never_executed():
    with pytest.raises(ParseError):
        critical_initialisation("__import__('os').system('true')")


def test_activation_with_other_symbols_is_refused():
    with pytest.raises(ValueError, match="activation"):
        critical_initialisation(sp.Symbol("a") * sp.tanh(Z))


@pytest.mark.parametrize("activation", [sp.Integer(1), sp.tanh(sp.Symbol("z"))])
def test_constant_or_foreign_symbol_activation_is_refused(activation):
    # a constant has no susceptibility; Symbol("z") is not nnqft_sym.Z
    with pytest.raises(ValueError, match="non-constant expression of nnqft_sym.Z"):
        critical_initialisation(activation)


@pytest.mark.parametrize("activation", [[1, 2], None, {"z": 1}])
def test_activation_of_wrong_type(activation):
    with pytest.raises(TypeError, match="activation"):
        critical_initialisation(activation)


def test_normalised_network_is_refused():
    with pytest.raises(ValueError, match="normalisation"):
        critical_initialisation(GaussNet())


@pytest.mark.parametrize("activation", [1 / (1 + sp.exp(-Z)), sp.log(1 + sp.exp(Z))])
def test_activation_without_critical_point_says_so(activation):
    # sigmoid and softplus have no critical initialisation (RYH arXiv:2106.10165 §5.3)
    with pytest.raises(ValueError, match="no critical initialisation"):
        critical_initialisation(activation)


@pytest.mark.parametrize("kernel", [0.0, -1.0, np.nan, np.inf, [1.0, -2.0]])
def test_kernel_out_of_range(kernel):
    with pytest.raises(ValueError, match="kernel"):
        susceptibilities(sp.tanh(Z), 0, 1, kernel)


@pytest.mark.parametrize("kernel", ["1", True, None])
def test_kernel_of_wrong_type(kernel):
    with pytest.raises(TypeError, match="kernel"):
        susceptibilities(sp.tanh(Z), 0, 1, kernel)


def test_scales_out_of_range_and_of_wrong_type():
    with pytest.raises(ValueError, match="sigma_w"):
        susceptibilities(sp.tanh(Z), 0, 0, 1.0)
    with pytest.raises(ValueError, match="sigma_b"):
        susceptibilities(sp.tanh(Z), -1, 1, 1.0)
    with pytest.raises(TypeError, match="sigma_w"):
        susceptibilities(sp.tanh(Z), 0, "1", 1.0)
    with pytest.raises(ValueError, match="numbers"):
        susceptibilities(sp.tanh(Z), 0, sp.Symbol("s", positive=True), 1.0)


def test_depth_checked():
    with pytest.raises(TypeError, match="depth"):
        kernel_flow(sp.tanh(Z), 0, 1, 2.5)
    with pytest.raises(ValueError, match="depth"):
        kernel_flow(sp.tanh(Z), 0, 1, 0)


def test_cli_refuses_bad_input_in_one_line():
    from click.testing import CliRunner

    from nnqft_cli.main import cli
    runner = CliRunner()
    for args, message in [([], "exactly one of --arch and --activation"),
                          (["--arch", "relu", "--activation", "tanh(z)"], "exactly one"),
                          (["--activation", "__import__('os')"], "not allowed"),
                          (["--arch", "gauss"], "normalisation"),
                          (["--arch", "sigmoid"], "Invalid value for '--arch'"),   # tanh is registered since 0.4
                          (["--activation", "tanh(z)", "--depth", "0"], "--depth")]:
        result = runner.invoke(cli, ["deep", "criticality", *args])
        assert result.exit_code != 0 and message in result.output, (args, result.output)
        assert "Traceback" not in result.output
