"""Exact single-input moments of deep networks with a degree-1 homogeneous activation
(nnqft_sym.deep_exact), against two independent routes: the cumulant-based reference of
tests/nested_reference.py (symbolic in sigma_W, sigma_b, x and N) and the numeric 1/N series of
nnqft_sym.single_input_series (a different code path: jets of the layer-variance chain)."""
import numpy as np
import pytest
import sympy as sp

from nnqft_sym import GaussNet, LeakyReLUNet, Network, ReLUNet, Z, exact_single_input_moments
from nnqft_sym import single_input_series
import nnqft_sym as nq
from tests.nested_reference import relu_moments


@pytest.mark.parametrize("depth", [1, 2, 3, 4])
def test_symbolic_relu_moments_against_the_cumulant_reference(depth):
    sw, sb, x = sp.symbols("sigma_W sigma_b x", positive=True)
    m = exact_single_input_moments(ReLUNet(sigma_w=sw, sigma_b=sb, depth=depth), x)
    ref = relu_moments(depth, sw ** 2, sb ** 2, x, m.width)
    for got, want in zip((m.two_point, m.four_point, m.six_point), ref):
        assert sp.expand(got - want) == 0


@pytest.mark.parametrize("net", [ReLUNet(sigma_w=np.sqrt(2), sigma_b=0.5, depth=5),
                                 LeakyReLUNet(slope=0.2, sigma_w=1.3, sigma_b=0.4, depth=3),
                                 Network(sp.Abs(Z), sigma_w=0.9, sigma_b=0.7, depth=3)],
                         ids=["relu-5", "leaky-3", "abs-3"])
def test_coefficients_equal_the_numeric_series(net):
    m = exact_single_input_moments(net, 0.5)
    series = single_input_series(net, 0.5, order=4)
    for expr, numeric in ((m.two_point, series.two_point), (m.delta_four_point,
                                                           series.delta_four_point),
                          (m.connected_six_point, series.connected_six_point)):
        exact = [float(c) for c in m.series(expr, 4)]
        assert np.allclose(exact, numeric, rtol=1e-9, atol=1e-9 * max(1, abs(exact[1])))


def test_critical_relu_closed_form_and_latex():
    """Critical ReLU (sigma_b = 0): m_4 = E f^4 / (3 (E f^2)^2) - 1 = (1 + 5/N)^L - 1."""
    for depth in (1, 2, 3):
        m = exact_single_input_moments(ReLUNet(sigma_w=sp.sqrt(2), sigma_b=0, depth=depth), 1)
        ratio = sp.simplify(m.four_point / (3 * m.two_point ** 2) - 1)
        assert sp.simplify(ratio - ((1 + 5 / m.width) ** depth - 1)) == 0
    assert "N" in m.latex(m.delta_four_point)


def test_refused_where_the_chain_does_not_close():
    with pytest.raises(ValueError, match="positively homogeneous"):
        exact_single_input_moments(Network(sp.tanh(Z), depth=2), 0.5)
    with pytest.raises(ValueError, match="positively homogeneous|normalisation"):
        exact_single_input_moments(GaussNet(depth=2), 0.5)
    # symmetric i.i.d. laws are exact too (tests/test_deep_non_gaussian.py); means and
    # shared scales are not
    with pytest.raises(ValueError, match="centred parameters of symmetric laws.*readout_weights"):
        exact_single_input_moments(ReLUNet(depth=2).with_priors(readout_weights={"mean": 1}), 0.5)
    with pytest.raises(ValueError, match="symmetric laws.*shared_scale"):
        exact_single_input_moments(ReLUNet(depth=2).with_priors(
            readout_weights={"shared_scale": "rademacher"}), 0.5)
    # a law without the sixth moment: E f^6 is infinite, the lower orders exact
    m = exact_single_input_moments(ReLUNet(depth=2).with_priors(
        hidden_weights=nq.StandardStudentT(5)), 0.5)
    assert m.divergent_orders == (6,) and "hidden_weights" in m.divergence
    with pytest.raises(nq.DivergentExpectationError):
        _ = m.connected_six_point
