"""Bad input to the leaky-ReLU-net: a clear error naming the parameter."""
import numpy as np
import pytest

import nnqft_sym as nq


@pytest.mark.parametrize("slope", ["0.1", True, None, [0.1]])
def test_slope_of_the_wrong_type_is_a_type_error(slope):
    with pytest.raises(TypeError, match="slope"):
        nq.LeakyReLUNet(slope=slope)


@pytest.mark.parametrize("slope", [np.nan, np.inf, -np.inf])
def test_non_finite_slope_is_a_value_error(slope):
    with pytest.raises(ValueError, match="slope"):
        nq.LeakyReLUNet(slope=slope)


@pytest.mark.parametrize("activation", ["__import__('os').system('true')", "max(0, z)", object()])
def test_rule_book_never_executes_strings(activation):
    with pytest.raises(TypeError, match="activation"):
        nq.activation_rules(activation)
