"""Bad input to the exact core gives a clear error of the documented type (issues 12 and 21)."""
import numpy as np
import pytest
import sympy as sp

import nnqft_sym as nq
from nnqft_sym.errors import CostLimitError, NoClosedFormError
from nnqft_sym.moments import covariance_expr, moment_from_covariance
from nnqft_sym.multi_output import (connected_green_indexed, free_green_indexed, green_indexed,
                                    green_pairing_coefficients, invariant_quartic_coupling,
                                    leading_invariant_quartic_coupling)

NET = nq.GaussNet()
MULTI = nq.GaussNet(d_out=2)
FOUR = [0.1, 0.2, 0.3, 0.4]

WIDTH_FUNCTIONS = {
    "green": lambda w: NET.green(FOUR, w),
    "connected_green": lambda w: NET.connected_green(FOUR, w),
    "connected_green_odd": lambda w: NET.connected_green(FOUR[:3], w),
    "delta_green": lambda w: NET.delta_green(FOUR, w),
    "deviation": lambda w: NET.deviation(FOUR, w),
    "quartic_coupling": lambda w: NET.quartic_coupling(FOUR, w),
    "green_indexed": lambda w: green_indexed(MULTI, FOUR, [0, 0, 1, 1], w),
    "green_indexed_odd": lambda w: green_indexed(MULTI, FOUR[:3], [0, 0, 1], w),
    "connected_green_indexed": lambda w: connected_green_indexed(MULTI, FOUR, [0, 0, 1, 1], w),
    "green_pairing_coefficients": lambda w: green_pairing_coefficients(MULTI, FOUR, w),
    "invariant_quartic_coupling": lambda w: invariant_quartic_coupling(MULTI, FOUR, w),
    "leading_invariant_quartic_coupling": lambda w: leading_invariant_quartic_coupling(MULTI, FOUR, w),
}


@pytest.mark.parametrize("name", sorted(WIDTH_FUNCTIONS))
@pytest.mark.parametrize("width,error", [(2.5, TypeError), ("10", TypeError), (True, TypeError),
                                         (sp.Float(2.5), TypeError), (0, ValueError), (-3, ValueError)])
def test_width_errors_are_consistent(name, width, error):
    with pytest.raises(error, match="width must be a positive integer"):
        WIDTH_FUNCTIONS[name](width)


POINT_FUNCTIONS = {
    "green": lambda p: NET.green(p, 3),
    "connected_green": lambda p: NET.connected_green(p, 3),
    "delta_green": lambda p: NET.delta_green(p, 3),
    "deviation": lambda p: NET.deviation(p, 3),
    "delta_green_series": lambda p: NET.delta_green_series(p),
    "free_green": lambda p: NET.free_green(p),
    "neuron_moment": lambda p: NET.neuron_moment(p),
    "quartic_coupling": lambda p: NET.quartic_coupling(p, 3),
    "contact_integral": lambda p: nq.contact_integral(NET, p),
    "gram": lambda p: NET.gram(p),
    "green_indexed": lambda p: green_indexed(MULTI, p, [], 3),
    "free_green_indexed": lambda p: free_green_indexed(MULTI, p, []),
    "leading_delta_green": lambda p: nq.leading_delta_green(nq.ReLUNet(depth=2), p),
}


@pytest.mark.parametrize("name", sorted(POINT_FUNCTIONS))
@pytest.mark.parametrize("empty", [[], np.zeros(0), np.zeros((0, 1)), np.zeros((0, 4))],
                         ids=["list", "(0,)", "(0,1)", "(0,4)"])
def test_empty_point_sets_raise_a_value_error_naming_points(name, empty):
    # used to be ZeroDivisionError / IndexError deep inside
    with pytest.raises(ValueError, match="points must hold at least one point"):
        POINT_FUNCTIONS[name](empty)


@pytest.mark.parametrize("name", sorted(POINT_FUNCTIONS))
@pytest.mark.parametrize("bad", ["0.1", ["0.1", 0.2], np.array(["0.1", "0.2"])], ids=["str", "list", "array"])
def test_strings_are_not_points(name, bad):
    with pytest.raises(TypeError, match="points must be numeric"):
        POINT_FUNCTIONS[name](bad)


def test_kernel_arguments_name_themselves():
    with pytest.raises(TypeError, match="x must be numeric"):
        NET.kernel("0.1", 0.2)
    with pytest.raises(TypeError, match="y must be numeric"):
        NET.kernel(0.1, ["0.2"])
    with pytest.raises(TypeError, match="x must be numeric"):
        NET.kernel(object(), 0.2)
    with pytest.raises(ValueError, match="x must be finite"):
        NET.kernel(np.inf, 0.2)


def test_odd_deviation_is_0_over_0():
    with pytest.raises(ValueError, match="0/0 at an odd number of points"):
        NET.deviation([0.1, 0.2, 0.3], 3)
    with pytest.raises(ValueError, match="0/0"):
        NET.deviation_series([0.1])
    with pytest.raises(ValueError, match="0/0"):
        nq.leading_deviation(nq.ReLUNet(depth=2), [0.1, 0.2, 0.3])


@pytest.mark.parametrize("max_terms,error", [(1.5, TypeError), ("10", TypeError), (0, ValueError)])
def test_max_terms_is_a_positive_integer(max_terms, error):
    with pytest.raises(error, match="max_terms must be an integer >= 1"):
        NET.green(FOUR, 3, max_terms=max_terms)


def test_cost_limit_names_the_argument_that_raises_it():
    with pytest.raises(CostLimitError, match=r"pass max_terms=\.\.\. to allow it"):
        NET.green(np.linspace(0, 1, 18), 3)
    with pytest.raises(CostLimitError, match="max_terms"):
        NET.delta_green_series(np.linspace(0, 1, 18))


def test_no_closed_form_is_its_own_error_and_real_errors_are_not_swallowed(monkeypatch):
    tanh = nq.Network(sp.tanh(nq.Z))
    x, y = sp.symbols("x y", real=True)
    with pytest.raises(NoClosedFormError, match="no closed form"):
        moment_from_covariance(tanh, covariance_expr(tanh, [[x], [y], [x], [y]]))
    with pytest.raises(NoClosedFormError):
        tanh.green([x, y, x, y], 3)
    # the kernel with symbolic d_in chooses its path on NoClosedFormError only
    import nnqft_sym.kernels as kernels

    def broken(net, cov):
        raise ValueError("a genuine input error")
    monkeypatch.setattr(kernels, "moment_from_covariance", broken)
    with pytest.raises(ValueError, match="a genuine input error"):
        nq.ReLUNet(d_in=sp.Symbol("d", positive=True, integer=True)).kernel_expr()


def test_the_high_precision_path_falls_back_only_on_no_closed_form(monkeypatch):
    import nnqft_sym.moments as moments
    tanh = nq.Network(sp.tanh(nq.Z))
    assert float(tanh.neuron_moment([0.3, 0.3], dps=20)) == pytest.approx(tanh.neuron_moment([0.3, 0.3]), rel=1e-8)

    def broken(net, pts):
        raise ValueError("a genuine input error")
    monkeypatch.setattr(moments, "_moment_symbolic", broken)
    with pytest.raises(ValueError, match="a genuine input error"):
        tanh.neuron_moment([0.3, 0.3], dps=20)
