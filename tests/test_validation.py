"""Bad input gets a clear ValueError/TypeError naming the parameter and the allowed range."""
import numpy as np
import pytest
import sympy as sp

from nnqft_sym import CosNet, GaussNet, Network, ReLUNet, Z, make_network


@pytest.mark.parametrize("kw,exc,match", [
    ({"sigma_w": 0}, ValueError, "sigma_w must be a positive"),
    ({"sigma_w": -1.0}, ValueError, "sigma_w must be a positive"),
    ({"sigma_b": float("nan")}, ValueError, "sigma_b must be a finite real number >= 0"),
    ({"sigma_b": "one"}, TypeError, "sigma_b must be"),
    ({"sigma_w": sp.Symbol("s", negative=True)}, ValueError, "sigma_w must be positive"),
    ({"d_in": 0}, ValueError, "d_in must be an integer >= 1"),
    ({"d_in": 1.5}, TypeError, "d_in must be an integer"),
    ({"d_in": True}, TypeError, "d_in must be an integer"),
])
def test_bad_hyperparameters(kw, exc, match):
    with pytest.raises(exc, match=match):
        GaussNet(**kw)


@pytest.mark.parametrize("width,exc", [(0, ValueError), (-3, ValueError), (2.5, TypeError),
                                       (np.float64(3.0), TypeError), ("10", TypeError)])
def test_bad_width(width, exc):
    with pytest.raises(exc, match="width"):
        GaussNet().green([0.1, 0.2, 0.3, 0.4], width)


def test_numpy_integer_width_is_accepted():
    assert GaussNet().green([0.1, 0.2], np.int64(3)) == pytest.approx(GaussNet().kernel(0.1, 0.2))


@pytest.mark.parametrize("points", [[0.1, 0.2, 0.3], [0.1]])
def test_odd_orders_vanish(points):
    # odd correlators of the centred networks vanish exactly (they used to raise)
    assert GaussNet().green(points, 3) == 0.0
    assert GaussNet().free_green(points) == 0.0


def test_points_of_the_wrong_shape():
    net = GaussNet(d_in=2)
    with pytest.raises(ValueError, match=r"points must have shape \(\.\.\., n, d_in\) with d_in = 2"):
        net.green(np.zeros((4, 3)), 5)
    with pytest.raises(ValueError, match="finite"):
        GaussNet().green([0.1, np.nan], 5)
    with pytest.raises(ValueError, match="x must have shape"):
        net.kernel(np.zeros(3), np.zeros(2))


def test_bad_activation_and_symbolic_numeric_mixups():
    with pytest.raises(ValueError, match="activation may depend only on"):
        Network(sp.Symbol("q") * Z)
    with pytest.raises(TypeError, match="activation must be a SymPy expression"):
        Network(object())
    with pytest.raises(ValueError, match="numeric hyper-parameters"):
        GaussNet(sigma_w=sp.Symbol("sigma_W", positive=True)).kernel(0.0, 0.1)
    with pytest.raises(TypeError, match="unknown hyper-parameter"):
        ReLUNet().with_params(sigma=2)
    with pytest.raises(ValueError, match="family must be one of"):
        make_network("sigmoid")   # tanh is registered since 0.4


def test_with_params_keeps_the_family():
    net = CosNet(sigma_w=sp.Symbol("sigma_W", positive=True)).with_params(sigma_w=2)
    assert isinstance(net, CosNet) and net.sigma_w == 2
    assert float(make_network("relu", sigma_b=0.5).sigma_b) == 0.5


def test_preactivation_variance_of_scalar_and_several_points():
    net = GaussNet(sigma_w=2.0, sigma_b=1.0)
    assert net.preactivation_variance(0.5) == pytest.approx(2.0)
    np.testing.assert_allclose(net.preactivation_variance([0.0, 0.5, 1.0]), [1.0, 2.0, 5.0])
    np.testing.assert_allclose(GaussNet(sigma_w=2.0, d_in=2).preactivation_variance([[0, 1], [1, 1]]),
                               [3.0, 5.0])
