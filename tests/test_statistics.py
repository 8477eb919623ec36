"""numeric.Estimate: the printing rule, mean and standard error against NumPy, z, broadcasting."""
import json

import numpy as np
import pytest

from numeric import Estimate, format_value_error, fit_power_law
from numeric.report import format_estimate


# ---------------------------------------------------------------------- printing
@pytest.mark.parametrize("value,error,text", [
    (1.23456, 0.0123, "1.235 ± 0.012"),        # error: 2 significant digits, value: same place
    (0.123456, 0.00321, "0.1235 ± 0.0032"),
    (-0.0996, 0.0996, "-0.10 ± 0.10"),         # the error rounds up to 0.10: two digits, not three
    (12345.6, 123.0, "12350 ± 120"),           # errors >= 100 round both to tens, hundreds, ...
    (3.0, 1.0, "3.0 ± 1.0"),
    (2.5, float("nan"), "2.5 ± nan"),          # no error bar: value with 4 significant digits
    (2.5, 0.0, "2.5 ± 0"),
])
def test_printed_form_is_pinned(value, error, text):
    assert str(Estimate(value, error)) == text
    assert format_value_error(value, error) == text
    assert format_estimate(value, error) == text           # the reports use the same rule


def test_format_spec_and_digits():
    e = Estimate(1.23456, 0.0123)
    assert f"{e}" == "1.235 ± 0.012"
    assert f"{e:.2f}" == "1.23 ± 0.01"
    assert e.to_string(digits=1) == "1.23 ± 0.01"
    assert f"{Estimate([1.0, 2.0], 0.5):.1f}" == "[1.0 ± 0.5, 2.0 ± 0.5]"


def test_arrays_print_element_by_element():
    e = Estimate(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([0.1, 0.25]))
    assert str(e) == "[[1.00 ± 0.10, 2.00 ± 0.25], [3.00 ± 0.10, 4.00 ± 0.25]]"


# ---------------------------------------------------------------------- from_samples
def test_from_samples_is_numpy_mean_and_standard_error_of_the_mean():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(7, 3, 4))
    for axis in (0, 1, 2):
        e = Estimate.from_samples(x, axis=axis)
        n = x.shape[axis]
        np.testing.assert_array_equal(e.value, x.mean(axis=axis))
        np.testing.assert_allclose(e.error, x.std(axis=axis, ddof=1) / np.sqrt(n), rtol=1e-15)
        assert e.n_samples == n and e.shape == x.mean(axis=axis).shape


def test_from_samples_standard_error_covers_the_true_mean():
    """Monte Carlo: 2000 bags of N(0.3, 1); the mean is within 4 standard errors of 0.3 and the
    error is 1 / sqrt(2000) to 5%."""
    x = np.random.default_rng(1).normal(0.3, 1.0, 2000)
    e = Estimate.from_samples(x)
    assert abs(e.z(0.3)) < 4
    assert e.error == pytest.approx(1 / np.sqrt(2000), rel=0.05)


# ---------------------------------------------------------------------- z, broadcasting, arithmetic
def test_z_and_relative_error_broadcast():
    e = Estimate(np.array([[1.0, 2.0, 3.0]]), np.array([[0.5], [1.0]]))
    assert e.shape == (2, 3)
    np.testing.assert_array_equal(e.z(np.array([1.0, 1.0, 1.0])), [[0, 2, 4], [0, 1, 2]])
    np.testing.assert_array_equal(e.relative_error, [[0.5, 0.25, 0.5 / 3], [1, 0.5, 1 / 3]])
    assert e[1, 2].value == 3.0 and e[1, 2].error == 1.0
    assert isinstance(Estimate(2.0, 0.5).z(1.0), float)


def test_arithmetic_with_exact_constants_only():
    e = Estimate(np.array([2.0, -4.0]), 0.5, n_samples=5)
    m = (e - 1.0) / np.array([2.0, -2.0])              # m_n = (G - G_0) / G_0 with G_0 exact
    np.testing.assert_array_equal(m.value, [0.5, 2.5])
    np.testing.assert_array_equal(m.error, [0.25, 0.25])
    assert m.n_samples == 5
    assert (-e).value.tolist() == [-2.0, 4.0] and (3 * e).error == 1.5


def test_to_dict_is_json_friendly_and_round_trips():
    e = Estimate(np.array([1.0, 2.0]), np.array([0.1, 0.2]), n_samples=4)
    doc = json.loads(json.dumps(e.to_dict()))
    back = Estimate.from_dict(doc)
    np.testing.assert_array_equal(back.value, e.value)
    np.testing.assert_array_equal(back.error, e.error)
    assert back.n_samples == 4
    assert json.dumps(Estimate(1.5, 0.25).to_dict()) == '{"value": 1.5, "error": 0.25, "n_samples": null}'


def test_power_law_fit_exposes_estimates():
    fit = fit_power_law([1, 2, 4, 8], [3.0, 0.8, 0.18, 0.05])
    assert fit.exponent_estimate.value == fit.exponent
    assert fit.exponent_estimate.error == fit.exponent_err
    assert fit.amplitude_estimate.value == fit.amplitude
    assert str(fit).startswith(f"exponent {fit.exponent_estimate} (chi2/dof")
