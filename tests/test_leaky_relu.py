"""Leaky-ReLU-net: closed-form kernel and exact correlators from the a*relu(z) + b*relu(-z)
rule book, checked against mpmath Gaussian integrals, a Monte Carlo of the sampler, and the
limits slope = 0 (ReLU), -1 (|z|) and 1 (linear network)."""
from __future__ import annotations

import mpmath
import numpy as np
import pytest
import sympy as sp

import nnqft_sym as nq
from numeric.sampling import sample_block
from tests.polar_reference import polar_mpmath

SLOPE = 0.1


def _leaky(alpha):
    return lambda z: z if z > 0 else alpha * z


def _rows(xs, sigma_w, sigma_b):
    """z(x) = sigma_b u_0 + sigma_w x u_1 at d_in = 1: the rows l(x) = (sigma_b, sigma_w x)."""
    return [(mpmath.mpf(sigma_b), mpmath.mpf(sigma_w) * mpmath.mpf(x)) for x in xs]


@pytest.mark.parametrize("x,y", [(0.3, -0.5), (1.2, 0.7), (-2.0, 1.5), (0.0, 0.0)])
def test_kernel_matches_mpmath(x, y):
    sw, sb = 1.3, 0.6
    net = nq.LeakyReLUNet(slope=SLOPE, sigma_w=sw, sigma_b=sb)
    with mpmath.workdps(25):
        ref = sb ** 2 + sw ** 2 * float(polar_mpmath(_leaky(mpmath.mpf(SLOPE)),
                                                     _rows([x, y], sw, sb), 1))
    assert net.kernel(x, y) == pytest.approx(ref, rel=1e-13)
    xs, ys = sp.symbols("x y", real=True)
    expr = net.kernel_expr(xs, ys)
    assert not expr.has(sp.Integral)
    assert float(expr.subs({xs: x, ys: y})) == pytest.approx(ref, rel=1e-12)


def test_four_point_neuron_moment_matches_mpmath():
    net = nq.LeakyReLUNet(slope=SLOPE, sigma_w=1.3, sigma_b=0.6)
    f = _leaky(mpmath.mpf(SLOPE))
    with mpmath.workdps(25):
        coincident = float(polar_mpmath(f, _rows([0.4, 0.4, -0.9, -0.9], 1.3, 0.6), 1))
        distinct = float(polar_mpmath(f, _rows([0.4, -0.2, -0.9, 1.1], 1.3, 0.6), 1))
    # exact: the closed form of two coincident groups (symbolic points, no quadrature)
    x, y = sp.symbols("x y", real=True)
    expr = net.neuron_moment([x, x, y, y])
    assert not expr.has(sp.Integral)
    assert float(expr.subs({x: 0.4, y: -0.9})) == pytest.approx(coincident, rel=1e-12)
    assert float(net.neuron_moment([0.4, 0.4, -0.9, -0.9], dps=20)) == pytest.approx(coincident, rel=1e-14)
    # numeric points: the strategy chain (quadrature at four points)
    assert net.neuron_moment([0.4, 0.4, -0.9, -0.9]) == pytest.approx(coincident, rel=1e-9)
    assert net.neuron_moment([0.4, -0.2, -0.9, 1.1]) == pytest.approx(distinct, rel=1e-9)


def test_monte_carlo_of_the_sampler_matches_kernel_and_finite_width_green():
    width, n_nets, k = 8, 200_000, 5.0
    net = nq.LeakyReLUNet(slope=-0.3, sigma_w=1.2, sigma_b=0.5)
    pts = np.array([[0.7], [-0.4]])
    f = sample_block(net, width, pts, n_nets, np.random.SeedSequence(20261201))
    prod = f[:, 0] * f[:, 1]
    assert abs(prod.mean() - net.kernel(0.7, -0.4)) < k * prod.std() / np.sqrt(n_nets)
    fourth = f[:, 0] ** 4
    exact = net.green([0.7] * 4, width)                       # exact at finite width
    assert abs(fourth.mean() - exact) < k * fourth.std() / np.sqrt(n_nets)
    x = sp.Symbol("x", real=True)
    symbolic = net.green([x] * 4, width)
    assert float(symbolic.subs(x, 0.7)) == pytest.approx(exact, rel=1e-9)


def test_slope_zero_is_the_relu_net():
    leaky, relu = nq.LeakyReLUNet(slope=0, sigma_w=1.4, sigma_b=0.3), nq.ReLUNet(sigma_w=1.4, sigma_b=0.3)
    assert leaky.activation == relu.activation
    x = np.linspace(-2, 2, 5)
    assert np.array_equal(leaky.kernel(x[:, None], x[None, :]), relu.kernel(x[:, None], x[None, :]))
    assert leaky.kernel_expr() == relu.kernel_expr()
    assert leaky.green([0.3, -0.7, 1.1, 0.2], 6) == relu.green([0.3, -0.7, 1.1, 0.2], 6)


def test_slope_minus_one_is_the_absolute_value():
    sw, sb, x, y = 1.1, 0.8, 0.9, -1.7
    net = nq.LeakyReLUNet(slope=-1, sigma_w=sw, sigma_b=sb)
    assert nq.activations.activation_rules(net.activation).b == 1
    sx, sy, c = sb ** 2 + sw ** 2 * x * x, sb ** 2 + sw ** 2 * y * y, sb ** 2 + sw ** 2 * x * y
    # E|z_x||z_y| = (2/pi)(sqrt(s_x s_y - c^2) + c arcsin(c / sqrt(s_x s_y)))
    absz = 2 / np.pi * (np.sqrt(sx * sy - c * c) + c * np.arcsin(c / np.sqrt(sx * sy)))
    assert net.kernel(x, y) == pytest.approx(sb ** 2 + sw ** 2 * absz, rel=1e-14)
    # a route comparison, not a reference: the value is checked against the closed form above;
    # this checks that Abs(z) written directly is recognised as the same piecewise-linear family
    assert net.kernel(x, y) == pytest.approx(nq.Network(sp.Abs(nq.Z), sigma_w=sw, sigma_b=sb).kernel(x, y),
                                             rel=1e-14)


def test_slope_one_is_the_linear_network():
    sw, sb, d = 1.3, 0.4, 2
    net = nq.LeakyReLUNet(slope=1, sigma_w=sw, sigma_b=sb, d_in=d)
    x, y = np.array([0.5, -1.2]), np.array([2.0, 0.3])
    c = sb ** 2 + sw ** 2 * x @ y / d
    assert net.kernel(x, y) == pytest.approx(sb ** 2 + sw ** 2 * c, rel=1e-13)
    xs, ys = sp.symbols("x y", real=True)
    k = nq.LeakyReLUNet(slope=1, sigma_w=sw, sigma_b=sb).kernel_expr(xs, ys)
    assert float(k.subs({xs: 0.5, ys: -1.2})) == pytest.approx(sb ** 2 + sw ** 2 * (sb ** 2 - 0.6 * sw ** 2),
                                                              rel=1e-13)


def test_registry_description_and_deep_kernel():
    assert nq.ARCHITECTURES["leaky_relu"] is nq.LeakyReLUNet
    net = nq.make_network("leaky_relu", slope=0.2, sigma_w=1.5, depth=2)
    back = nq.from_description(net.describe())
    assert isinstance(back, nq.LeakyReLUNet) and back.slope == net.slope
    assert net.with_params(slope=0.3).slope == sp.Float(0.3)
    # depth 2: K2 = sb^2 + sw^2 E[phi(z1) phi(z2)] under the layer-1 kernel (closed form twice)
    one = nq.LeakyReLUNet(slope=0.2, sigma_w=1.5)
    k11, k22, k12 = one.kernel(0.4, 0.4), one.kernel(-1.0, -1.0), one.kernel(0.4, -1.0)
    with mpmath.workdps(25):
        rows = [(mpmath.sqrt(k11), 0), (k12 / mpmath.sqrt(k11), mpmath.sqrt(k22 - k12 ** 2 / k11))]
        ref = 1 + 1.5 ** 2 * float(polar_mpmath(_leaky(mpmath.mpf("0.2")), rows, 1))
    assert net.kernel(0.4, -1.0) == pytest.approx(ref, rel=1e-12)
