"""HMS sextic coupling lambda6(Lambda) at fixed exact connected G_c^(6) with an input-space cutoff.

Independent references: finite differences of lambda6(Lambda) for the beta function; the
closed forms of the exchange and contact integrals for ReLU at sigma_b -> 0 with positive
inputs (K_W(y, x) = s y x for y > 0, s = sigma_W^4/2) and the homogeneity exponent -(d + 6);
the closed-form Gaussian integrals over all of R (cutoff=None) for the Gauss-net limit.
"""
import itertools
import math

import numpy as np
import pytest

from feynman import tree_level_six_point
from feynman.running import sextic_running
from nnqft_sym import ErfNet, GaussNet, ReLUNet

POINTS = [-0.5, -0.2, 0.1, 0.3, 0.6, 0.8]
POSITIVE = np.array([0.2, 0.3, 0.4, 0.5, 0.6, 0.7])
NETS = [GaussNet(), ErfNet(), ReLUNet()]
IDS = ["gauss", "erf", "relu"]


@pytest.mark.parametrize("net", NETS, ids=IDS)
def test_reconstruction_and_quadrature_convergence(net):
    run = sextic_running(net, POINTS, 10, [1.0, 2.0], nodes=48)
    exact = float(net.connected_green(POINTS, 10))
    np.testing.assert_allclose(run.reconstructed_connected_g6(), exact, rtol=1e-12)
    finer = sextic_running(net, POINTS, 10, [1.0, 2.0], nodes=96)
    np.testing.assert_allclose(run.sextic, finer.sextic, rtol=1e-6)
    np.testing.assert_allclose(run.beta, finer.beta, rtol=1e-5,
                               atol=1e-9 * np.max(np.abs(run.sextic)))


@pytest.mark.parametrize("net", NETS, ids=IDS)
def test_connected_part_is_delta_g6_minus_disconnected_pieces(net):
    # the 6-point function held fixed: Delta G^(6) minus the 15 (4 | 2) products Delta G^(4) K
    # (an exact identity at finite N, kappa_6 = Delta G^(6) - sum Delta G^(4) K since kappa_2 = K:
    # the reference goes through the moment-cumulant Green functions, the tested value through the
    # reduced neuron cumulants of nnqft_sym.cumulants.connected_green, two different formulas)
    pts = np.array(POINTS)
    disconnected = 0.0
    for i, j in itertools.combinations(range(6), 2):
        rest = [k for k in range(6) if k not in (i, j)]
        disconnected += float(net.delta_green(pts[rest], 10)) * float(net.kernel(pts[i], pts[j]))
    run = sextic_running(net, POINTS, 10, [2.0], nodes=32)
    assert run.connected_g6 == pytest.approx(float(net.delta_green(POINTS, 10)) - disconnected,
                                             rel=1e-9)


@pytest.mark.parametrize("net", NETS, ids=IDS)
def test_beta_function_is_the_log_derivative(net):
    lam, h = 2.0, 1e-4
    down, mid, up = sextic_running(net, POINTS, 10, [lam * math.exp(-h), lam,
                                                     lam * math.exp(h)], nodes=64).sextic
    fd = (up - down) / (2 * h)
    beta = sextic_running(net, POINTS, 10, [lam], nodes=64).beta[0]
    assert beta == pytest.approx(fd, rel=1e-6)


def test_relu_homogeneous_limit_closed_forms_and_exponent():
    sw = 1.3
    net = ReLUNet(sigma_w=sw, sigma_b=1e-6)
    cutoffs = np.array([0.5, 1.0, 3.0])
    run = sextic_running(net, POSITIVE, 10, cutoffs)
    s, prod = sw ** 4 / 2, np.prod(POSITIVE)
    np.testing.assert_allclose(run.exchange, 10 * s ** 7 * prod * cutoffs ** 10 / 25, rtol=1e-6)
    np.testing.assert_allclose(run.contact, s ** 6 * prod * cutoffs ** 7 / 7, rtol=1e-6)
    # lambda4^2 E is cutoff independent, so lambda6 ~ Lambda^-(d+6) exactly
    np.testing.assert_allclose(run.quartic ** 2 * run.exchange,
                               run.quartic[0] ** 2 * run.exchange[0], rtol=1e-5)
    np.testing.assert_allclose(run.anomalous_scaling, -7.0, atol=1e-4)
    t = 2.0   # lambda6(t Lambda; t x) = t^-(d+6) lambda6(Lambda; x)
    moved = sextic_running(net, t * POSITIVE, 10, [3.0 * t]).sextic[0]
    assert moved / run.sextic[2] == pytest.approx(t ** -7, rel=1e-5)


def test_gauss_net_large_cutoff_limit():
    net = GaussNet()
    run = sextic_running(net, POINTS, 10, [1.0, 8.0])
    tree = tree_level_six_point(net, [POINTS])            # closed form over all of R
    u4 = float(net.quartic_coupling(POINTS[:4], 10))
    limit = (u4 ** 2 * tree.exchange[0] - float(net.connected_green(POINTS, 10))) / tree.contact[0]
    assert run.sextic[-1] == pytest.approx(limit, rel=1e-10)
    assert abs(run.anomalous_scaling[-1]) < 1e-10 < 1e-2 < abs(run.anomalous_scaling[0])


@pytest.mark.slow
def test_relu_large_cutoff_exponent():
    # K_W ~ |y|: lambda4^2 E -> const, C ~ Lambda^(d+6), corrections O(1/Lambda)
    e10, e100 = sextic_running(ReLUNet(), POINTS, 10, [10.0, 100.0]).anomalous_scaling
    assert abs(e100 + 7.0) < 0.3
    assert (e10 + 7.0) / (e100 + 7.0) == pytest.approx(10.0, rel=0.35)


@pytest.mark.parametrize("kwargs,match", [
    (dict(points6=[0.1] * 5), "points6"),
    (dict(quartic_points=(0, 1, 2, 2)), "quartic_points"),
    (dict(quartic_points=(0, 1, 2, 6)), "quartic_points"),
    (dict(cutoffs=[1.0, -1.0]), "cutoffs"),
    (dict(cutoffs=[np.inf]), "cutoffs"),
])
def test_bad_input(kwargs, match):
    args = dict(points6=POINTS, cutoffs=[1.0]) | kwargs
    with pytest.raises(ValueError, match=match):
        sextic_running(GaussNet(), width=10, **args)
