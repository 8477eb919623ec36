"""Bad input to odd-order measurements, the conditional estimator with read-out means and
SphericalReadout."""
import numpy as np
import pytest
import sympy as sp
from click.testing import CliRunner

from nnqft_cli.main import cli
from nnqft_sym import ParameterPrior, ReLUNet, SphericalReadout
from nnqft_sym.errors import NoClosedFormError
from nnqft_sym.neuron_sums import green_general, series_in_inverse_width
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


def test_conditional_estimator_refused_for_deep_hidden_means():
    net = ReLUNet(depth=2).with_priors(readout_bias={"mean": 0.3}, hidden_biases={"mean": 0.1})
    with pytest.raises(ValueError, match="estimator 'conditional' needs centred hidden layers "
                                         r"at depth >= 2.*\['hidden_biases_2'\].*use "
                                         "estimator='plain'"):
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


# ---------------------------------------------------------------------- SphericalReadout
BASE = ParameterPrior("readout_weights", 1, fan_in_scaled=True)


@pytest.mark.parametrize("quartic, error, message", [
    (-1, ValueError, "quartic must be a finite real number >= 0, got -1"),
    (float("inf"), ValueError, "finite real number >= 0"),
    (float("nan"), ValueError, "finite real number >= 0"),
    (sp.Symbol("lam"), ValueError, "finite real number >= 0"),
    (1j, ValueError, "finite real number >= 0"),
    ("1/2", TypeError, "quartic must be a number or a SymPy expression, not the string"),
    (None, TypeError, "quartic must be a number or a SymPy expression"),
])
def test_spherical_quartic_names_the_allowed_range(quartic, error, message):
    with pytest.raises(error, match=message):
        SphericalReadout(BASE, quartic)


@pytest.mark.parametrize("base", [
    ParameterPrior("readout_weights", 1, fan_in_scaled=True, mean=1),
    ParameterPrior("readout_weights", 1, fan_in_scaled=True, law="laplace"),
    ParameterPrior("readout_bias", 1),
])
def test_spherical_base_must_be_centred_gaussian_weights(base):
    with pytest.raises(ValueError, match="centred Gaussian weights"):
        SphericalReadout(base, 1)
    with pytest.raises(TypeError, match="base must be a ParameterPrior"):
        SphericalReadout(3, 1)


def test_spherical_refusals_name_the_reason():
    prior = SphericalReadout(BASE, 1)
    with pytest.raises(ValueError, match="the prior object is for the group 'readout_weights'"):
        ReLUNet().with_priors(readout_bias=prior)
    net = ReLUNet().with_priors(readout_weights=prior)
    with pytest.raises(NoClosedFormError, match="integer widths only"):
        green_general(net, [0.5, 0.5], sp.Symbol("N", positive=True))
    with pytest.raises(ValueError, match="not a polynomial in 1/N for a spherical read-out"):
        series_in_inverse_width(net, [0.5, 0.5])
    with pytest.raises(ValueError, match="spherical read-out"):
        net.edgeworth_density([0.5], 4)
    with pytest.raises(ValueError, match="estimator 'conditional' needs a read-out"):
        measure(net, [3], [0.5], orders=(2,), n_bags=2, n_nets=10, estimator="conditional")


def test_study_refuses_an_order_whose_moment_diverges_before_sampling(tmp_path):
    """A Student-t (nu = 5) read-out has no sixth moment: order 6 is refused before any bag is
    drawn, naming the order and the law; the orders that exist run."""
    from nnqft_sym import StandardStudentT
    from nnqft_sym.errors import DivergentExpectationError
    net = ReLUNet().with_priors(readout_weights=StandardStudentT(5))
    with pytest.raises(DivergentExpectationError, match="order 6: G\\^\\(6\\) is infinite.*nu = 5"):
        run_study(net, tmp_path, "relu", [2], [0.5, 1.0], orders=(2, 4, 6), n_bags=2,
                  n_nets=10, progress=False, figures=False)
    assert not (tmp_path / "relu" / "bags").exists()
    study = run_study(net, tmp_path, "relu", [2], [0.5, 1.0], orders=(2, 4), n_bags=2,
                      n_nets=50, progress=False, figures=False)
    assert study.measurement.orders == (2, 4)
