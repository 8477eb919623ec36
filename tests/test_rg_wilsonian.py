"""HMS Wilsonian flow lambda(Lambda) at fixed exact Delta G^(4): exact beta function and the
large-cutoff exponents (Gauss 0, Erf -d_in, ReLU -(d_in + 4)), ReLU homogeneity at sigma_b -> 0.

Independent references: finite differences of lambda(Lambda) (the beta function is the exact
boundary formula), the closed-form Gaussian integral for the Gauss-net N_K, the closed form
N_K = (sigma_W^4/2)^4 prod x_i Lambda^5 / 5 for ReLU at sigma_b -> 0 with positive inputs.
"""
import math

import numpy as np
import pytest

from nnqft_sym import ErfNet, GaussNet, ReLUNet
from nnqft_sym.rg import cutoff_contact_integral, wilsonian_flow
from tests.tolerances import QUAD_RTOL

POINTS = [-0.5, -0.2, 0.3, 0.6]


@pytest.mark.parametrize("net", [GaussNet(), ErfNet(), ReLUNet()], ids=["gauss", "erf", "relu"])
def test_beta_function_is_the_derivative_of_the_coupling(net):
    lam, h = 2.0, 1e-5
    up, mid, down = (wilsonian_flow(net, POINTS, 10, [lam * f]) for f in (1 + h, 1.0, 1 - h))
    fd = (np.log(abs(up.coupling[0])) - np.log(abs(down.coupling[0]))) / (math.log1p(h) - math.log1p(-h))
    assert mid.anomalous_scaling[0] == pytest.approx(fd, rel=1e-6, abs=1e-9)
    # lambda * N_K = -Delta G^(4) is the fixed quantity
    nk = cutoff_contact_integral(net, POINTS, lam)
    assert mid.coupling[0] * nk == pytest.approx(-mid.delta_g4, rel=1e-12)


def test_gauss_net_converges_to_the_hms_els_coupling():
    net = GaussNet()
    flow = wilsonian_flow(net, POINTS, 10, [1.0, 3.0, 8.0])
    # all of R: closed-form Gaussian N_K of the core; the cutoff flow freezes (independent routes
    # for N_K: the box quadrature against the closed Gaussian integral; Delta G^(4) cancels)
    assert flow.coupling[-1] == pytest.approx(float(net.quartic_coupling(POINTS, 10)), rel=QUAD_RTOL)
    assert abs(flow.anomalous_scaling[-1]) < 1e-12 < abs(flow.anomalous_scaling[0])
    assert cutoff_contact_integral(net, [0.0] * 4, 8.0) == pytest.approx(math.sqrt(math.pi / 2), rel=1e-12)


@pytest.mark.parametrize("net,exponent", [(ErfNet(), -1.0), (ReLUNet(), -5.0)], ids=["erf", "relu"])
def test_large_cutoff_exponents(net, exponent):
    # Erf: K_W -> const, exponent -d_in; ReLU: K_W ~ |x|, exponent -(d_in + 4); corrections O(1/Lambda)
    e100, e1000 = wilsonian_flow(net, POINTS, 10, [100.0, 1000.0]).anomalous_scaling
    assert abs(e1000 - exponent) < 0.02
    assert (e100 - exponent) / (e1000 - exponent) == pytest.approx(10.0, rel=0.1)


def test_relu_homogeneous_limit_is_exact():
    net = ReLUNet(sigma_w=1.3, sigma_b=1e-6)
    pts = np.array([0.2, 0.3, 0.5, 0.7])
    cutoffs = [0.1, 1.0, 3.0, 10.0]
    flow = wilsonian_flow(net, pts, 10, cutoffs)
    np.testing.assert_allclose(flow.anomalous_scaling, -5.0, atol=1e-6)
    closed = (1.3 ** 4 / 2) ** 4 * np.prod(pts) * 3.0 ** 5 / 5   # K_W = sigma_W^4 x x_i / 2
    assert cutoff_contact_integral(net, pts, 3.0) == pytest.approx(closed, rel=1e-6)
    t = 2.0   # lambda(t Lambda; t x) = t^-(d+4) lambda(Lambda; x)
    moved = wilsonian_flow(net, t * pts, 10, [3.0 * t]).coupling[0]
    assert moved / flow.coupling[2] == pytest.approx(t ** -5, rel=1e-6)


# N_K^Lambda is the core's contact integral itself: tests/test_contact_integral.py checks it
# against the former adaptive quadrature, a closed form and mpmath.


POINTS_2D = [[0.1, 0.0], [0.0, -0.2], [0.3, 0.1], [-0.1, 0.2]]


@pytest.mark.parametrize("net", [GaussNet(d_in=2), ErfNet(d_in=2), ReLUNet(d_in=2)],
                         ids=["gauss", "erf", "relu"])
def test_two_dimensional_box_flow(net):
    # boundary (face) formula vs finite differences of the core's box N_K
    lam, h = 2.0, 1e-4
    down, mid, up = wilsonian_flow(net, POINTS_2D, 10, [lam * (1 - h), lam, lam * (1 + h)]).coupling
    fd = (np.log(abs(up)) - np.log(abs(down))) / (math.log1p(h) - math.log1p(-h))
    beta = wilsonian_flow(net, POINTS_2D, 10, [lam]).anomalous_scaling[0]
    assert beta == pytest.approx(fd, rel=1e-6)


def test_two_dimensional_gauss_net_freezes_at_the_closed_form():
    net = GaussNet(d_in=2)
    flow = wilsonian_flow(net, POINTS_2D, 10, [6.0])
    assert flow.coupling[0] == pytest.approx(float(net.quartic_coupling(POINTS_2D, 10)), rel=1e-9)
    assert abs(flow.anomalous_scaling[0]) < 1e-9


def test_wilsonian_errors():
    with pytest.raises(ValueError, match="4 points"):
        wilsonian_flow(GaussNet(), [0.1, 0.2], 10, [1.0])
    with pytest.raises(ValueError, match="4 points"):
        wilsonian_flow(GaussNet(d_in=2), [[0.1, 0.2]] * 3, 10, [1.0])
    with pytest.raises(ValueError, match="positive"):
        wilsonian_flow(GaussNet(), POINTS, 10, [-1.0])
    with pytest.raises(ValueError, match="cutoff"):
        cutoff_contact_integral(GaussNet(), POINTS, 0.0)
