"""Bad input to odd-order measurements and the conditional estimator with read-out means."""
import numpy as np
import pytest
from click.testing import CliRunner

from nnqft_cli.main import cli
from nnqft_sym import ReLUNet
from numeric import ConditionalSums, MonomialSums, measure, run_study

SHIFTED = ReLUNet().with_priors(readout_bias={"mean": 0.3})


@pytest.mark.parametrize("orders, error, message", [
    ((0,), ValueError, "order must be an integer >= 1, got 0"),
    ((1, -3), ValueError, "order must be an integer >= 1, got -3"),
    ((1.5,), TypeError, "order must be an integer >= 1, got 1.5"),
    ((True,), TypeError, "order must be an integer >= 1"),
    ("13", TypeError, "orders must be a sequence of integers >= 1"),
    (3, TypeError, "orders must be a sequence of integers >= 1"),
    ((), ValueError, "orders must hold at least one integer >= 1"),
])
def test_measure_orders_name_the_allowed_range(orders, error, message):
    with pytest.raises(error, match=message):
        measure(SHIFTED, [3], [0.5], orders=orders, n_bags=2, n_nets=10)


def test_accumulators_refuse_order_zero():
    with pytest.raises(ValueError, match="orders must be integers >= 1"):
        MonomialSums(2, (0, 2))
    with pytest.raises(ValueError, match="orders must be integers >= 1"):
        ConditionalSums(np.eye(2), (0,))


def test_conditional_sums_need_the_mean_delta_exactly_with_a_mean():
    d = np.zeros((1, 1, 1))
    with pytest.raises(ValueError, match="mean_delta must be given exactly"):
        ConditionalSums(np.eye(1), (1,), mean=np.zeros(1)).add(d, d)
    with pytest.raises(ValueError, match="mean_delta must be given exactly"):
        ConditionalSums(np.eye(1), (2,)).add(d, d, mean_delta=np.zeros((1, 1)))


def test_conditional_estimator_refused_for_deep_readout_means():
    net = ReLUNet(depth=2).with_priors(readout_bias={"mean": 0.3})
    with pytest.raises(ValueError, match="estimator 'conditional' needs a read-out"):
        measure(net, [3], [0.5], orders=(1,), n_bags=2, n_nets=10, estimator="conditional",
                exact=False)


def test_study_refuses_odd_orders_of_a_centred_readout(tmp_path):
    with pytest.raises(ValueError, match="order 3: odd correlators .* vanish exactly"):
        run_study(ReLUNet(), tmp_path, "relu", [2], [0.5, 1.0], orders=(2, 3), n_bags=2,
                  n_nets=10, progress=False, figures=False)


def test_cli_odd_orders_of_a_centred_readout_are_one_clear_error(tmp_path):
    result = CliRunner().invoke(cli, ["experiment", "hms", "--arch", "relu", "--widths", "3",
                                      "--points", "0.5,1.0", "--orders", "1,2", "--n-bags", "2",
                                      "--n-nets", "10", "--no-progress", "--out",
                                      str(tmp_path / "o")])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "order 1: odd correlators" in result.output and "vanish exactly" in result.output
