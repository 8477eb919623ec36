"""Bad input for the O(N) LPA, the continuation and the full-potential solver: clear errors."""
import pytest
import sympy as sp
from click.testing import CliRunner

from nnqft_cli.flow import command
from nnqft_sym import GaussNet

from nnqft_sym.rg import (TruncatedAction, critical_exponents, full_potential_fixed_point,
                          lpa_beta_functions, multi_output_couplings, passive_flow)


@pytest.mark.parametrize("bad,error", [(0, ValueError), (-2, ValueError), (2.5, TypeError),
                                       ("3", TypeError), (True, TypeError),
                                       (sp.Rational(3, 2), ValueError)])
def test_n_components_refused(bad, error):
    with pytest.raises(error, match="n_components"):
        lpa_beta_functions(3, 2, n_components=bad)
    with pytest.raises(error, match="n_components"):
        TruncatedAction(3, 2, n_components=bad)


def test_critical_exponents_needs_numeric_n_and_d_above_two():
    with pytest.raises(ValueError, match="n_components must be numeric"):
        critical_exponents(3, 4, n_components=sp.Symbol("N"))
    with pytest.raises(ValueError, match="d must be a number > 2"):
        critical_exponents(2, 4)
    with pytest.raises(ValueError, match="dps"):
        critical_exponents(3, 4, dps=5)
    with pytest.raises(TypeError, match="dps"):
        critical_exponents(3, 4, dps=30.0)


@pytest.mark.parametrize("kwargs,error,match", [
    (dict(d=2.0), ValueError, "2.1 <= d < 4"), (dict(d=4), ValueError, "2.1 <= d < 4"),
    (dict(d=sp.Symbol("d")), ValueError, "2.1 <= d < 4"),
    (dict(points=10), ValueError, "points"), (dict(points=40.5), TypeError, "points"),
    (dict(extent=1.0), ValueError, "extent"), (dict(extent="8"), TypeError, "extent"),
    (dict(n_components=0), ValueError, "n_components"),
    (dict(regulator="sharp"), ValueError, "regulator")])
def test_full_potential_refuses(kwargs, error, match):
    with pytest.raises(error, match=match):
        full_potential_fixed_point(**{"d": 3, **kwargs})


def test_cli_refuses_bad_components_and_combinations():
    runner = CliRunner()
    for args, text in ((["--n-components", "0"], "--n-components"),
                       (["--n-components", "2.5"], "--n-components"),
                       (["--n-components", "N", "--fixed-point"], "numeric --n-components"),
                       (["--full-potential", "--scheme", "polchinski"], "wetterich"),
                       (["--full-potential", "--d", "2"], "2.1 <= d < 4"),
                       (["--shooting", "--scheme", "polchinski", "--n-components", "2"],
                        "one-component")):
        result = runner.invoke(command, ["--d", "3", *args] if "--d" not in args else args)
        assert result.exit_code != 0 and text in result.output, (args, result.output)


def test_multi_output_flow_inputs_refused():
    net = GaussNet(sigma_w=1.0, d_in=1, d_out=2)
    with pytest.raises(TypeError, match="width"):
        multi_output_couplings(net, [-0.01, -0.006, 0.002, 0.01], 2.5)
    with pytest.raises(ValueError, match="n_components"):
        passive_flow(net, -0.01, 0.0, [10.0, 1.0], n_components=0)
