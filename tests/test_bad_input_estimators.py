"""Bad input to the estimator choice of numeric.measure / run_bag and --estimator on the CLI."""
import pytest
from click.testing import CliRunner

from nnqft_cli.main import cli
from nnqft_sym import ReLUNet
from numeric import bag_seed_states, check_estimator, measure, run_bag


@pytest.mark.parametrize("estimator, error", [
    ("foo", ValueError), ("Plain", ValueError), ("", ValueError), (3, TypeError),
    (["plain"], TypeError),
])
def test_measure_refuses_unknown_estimators_naming_the_allowed_values(estimator, error):
    with pytest.raises(error, match=r"estimator must be one of 'plain', 'conditional'"):
        measure(ReLUNet(), [3], [0.5], orders=(2,), n_bags=2, n_nets=10, estimator=estimator)


def test_run_bag_and_check_estimator_refuse_unknown_estimators():
    with pytest.raises(ValueError, match=r"'plain', 'conditional'.*got 'foo'"):
        run_bag(ReLUNet(), 3, [0.5], 10, bag_seed_states(0, 3, 1)[0], (2,), estimator="foo")
    with pytest.raises(TypeError, match="estimator"):
        check_estimator(1.5)


def test_cli_estimator_option_refuses_unknown_values(tmp_path):
    result = CliRunner().invoke(cli, ["experiment", "hms", "--estimator", "foo",
                                      "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "--estimator" in result.output and "plain" in result.output
