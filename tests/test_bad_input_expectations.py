"""Clear errors from the Gaussian-expectation engine for bad or impossible requests."""
from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from nnqft_sym import Network, Z
from nnqft_sym.errors import DivergentExpectationError, NnqftError
from nnqft_sym.quadrature import gaussian_expectation


def test_one_function_per_point_needs_n_callables():
    with pytest.raises(ValueError, match="one callable per point, n = 2, got 3"):
        gaussian_expectation([np.tanh] * 3, np.eye(2))
    with pytest.raises(TypeError, match="func must be a vectorised callable or a sequence"):
        gaussian_expectation([np.tanh, "tanh"], np.eye(2))
    with pytest.raises(TypeError, match="func must be a vectorised callable or a sequence"):
        gaussian_expectation(3.0, np.eye(2))


def test_activation_must_be_a_sympy_expression():
    with pytest.raises(TypeError, match="activation must be a SymPy expression"):
        gaussian_expectation(np.tanh, np.eye(2), activation="tanh(z)")


def test_divergence_is_a_value_error_of_the_hierarchy_naming_the_activation():
    with pytest.raises(ValueError) as info:
        Network(1 / Z).kernel(0.1, 0.1)
    assert isinstance(info.value, DivergentExpectationError)
    assert isinstance(info.value, NnqftError)
    assert "1/z" in str(info.value) and "pole" in str(info.value)


@pytest.mark.parametrize("activation", [sp.log(Z), sp.sqrt(Z)])
def test_complex_activation_is_an_error_not_nan(activation):
    with pytest.raises(DivergentExpectationError, match="not real"):
        Network(activation).kernel(np.array([0.1, 0.2]), np.array([0.1, -0.3]))


def test_function_not_real_at_zero_variance_point_raises():
    """sigma_b = 0 and x = 0: z = 0 identically, where 1/z is infinite."""
    with pytest.raises(DivergentExpectationError, match="infinite at z = 0"):
        gaussian_expectation(lambda z: 1.0 / z, np.zeros((2, 2)))
