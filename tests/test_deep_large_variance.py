"""The deep-network recursions at large pre-activation variance, against mpmath.

Regression for a fixed composite Gauss-Legendre box in the Price-theorem integrals, which did
not scale with the standard deviation sqrt(s): tanh with sigma_W = 20 gave K_1 = +15282 and
``leading_delta_green`` 3.4e7 (mpmath: -5.80 and 5536; a Monte Carlo of 10^6 networks at N = 16
measured E f^2 = 375.376 +- 0.018 against K + K_1/16 = 375.378).

The reference is independent of :mod:`nnqft_sym`: for a depth-2 network and ONE input x (first
layer variance s_1 = sigma_b^2 + sigma_W^2 x^2), given the first layer the second-layer
pre-activations are Gaussian with the random variance G = sigma_b^2 + (sigma_W^2/N) sum_j
phi(z_j)^2, so with f_1(s) = E_s[phi^2] and f_2(s) = E_s[phi^4] (Roberts, Yaida, Hanin,
arXiv:2106.10165, ch. 4, single input):

    K_2 = sigma_b^2 + sigma_W^2 f_1(s_1),      V_2 = sigma_W^4 [f_2(s_1) - f_1(s_1)^2],
    K   = sigma_b^2 + sigma_W^2 f_1(K_2),      K_1 = sigma_W^2 f_1''(K_2) V_2 / 2,
    V   = sigma_W^4 [f_2(K_2) - f_1(K_2)^2 + f_1'(K_2)^2 V_2],

and the four-point coefficient at x_1 = .. = x_4 = x is 3 (V + 2 K_1 K).  f_1, f_2 are
mp.quad integrals on the real line split at the activation's and the Gaussian's scales, and
f_1', f_1'' are mp.diff finite differences of them at 20 digits.
"""
from __future__ import annotations

import functools

import mpmath as mp
import numpy as np
import pytest
import sympy as sp

from nnqft_sym import Network, Z
from nnqft_sym.deep import (
    deep_kernel,
    layer_kernels,
    layer_recursion,
    leading_delta_green,
    pair_expectation,
)

GELU = Z * (1 + sp.erf(Z / sp.sqrt(2))) / 2
MP_ACTIVATIONS = {"tanh": mp.tanh, "gelu": lambda z: z * (1 + mp.erf(z / mp.sqrt(2))) / 2}
SYMPY_ACTIVATIONS = {"tanh": sp.tanh(Z), "gelu": GELU}
#: deterministic quadrature vs the mpmath reference (relative)
RTOL = 1e-8
DPS = 20


def mp_gauss_mean(func, s):
    """E[func(z)], z ~ N(0, s), by mp.quad split at 0, +-1, +-4 and +-k sqrt(s)."""
    s = mp.mpf(s)
    sd = mp.sqrt(s)
    cuts = sorted({mp.mpf(0)} | {sgn * c for sgn in (1, -1)
                                 for c in [mp.mpf(1), mp.mpf(4)] + [k * sd for k in (1, 2, 4, 8, 16)]})
    return (mp.quad(lambda z: func(z) * mp.exp(-z * z / (2 * s)), [-mp.inf] + cuts + [mp.inf])
            / mp.sqrt(2 * mp.pi * s))


def mp_f1_and_derivatives(phi, s):
    """f_1(s) = E_s[phi^2] and its first two s-derivatives (mp.diff of the mp.quad integral)."""
    with mp.workdps(DPS):
        f1 = lambda v: mp_gauss_mean(lambda z: phi(z) ** 2, v)
        return [float(f1(s)), float(mp.diff(f1, s, 1)), float(mp.diff(f1, s, 2))]


@functools.cache
def mp_depth2_single_input(name, sigma_w, sigma_b, x):
    """K, K_1, V and the four-point coefficient of a depth-2 network at one input (see above)."""
    phi = MP_ACTIVATIONS[name]
    with mp.workdps(DPS):
        sw2, sb2 = mp.mpf(sigma_w) ** 2, mp.mpf(sigma_b) ** 2
        s1 = sb2 + sw2 * mp.mpf(x) ** 2
        f1 = lambda s: mp_gauss_mean(lambda z: phi(z) ** 2, s)
        f2 = lambda s: mp_gauss_mean(lambda z: phi(z) ** 4, s)
        k2 = sb2 + sw2 * f1(s1)
        v2 = sw2 ** 2 * (f2(s1) - f1(s1) ** 2)
        k = sb2 + sw2 * f1(k2)
        k1 = sw2 * mp.diff(f1, k2, 2) * v2 / 2
        v = sw2 ** 2 * (f2(k2) - f1(k2) ** 2 + mp.diff(f1, k2, 1) ** 2 * v2)
        return {"k": float(k), "k1": float(k1), "v": float(v), "c4": float(3 * (v + 2 * k1 * k))}


def test_tanh_sigma_w_20_nlo_kernel_and_four_point_against_mpmath():
    net = Network(sp.tanh(Z), sigma_w=20, sigma_b=1, depth=2)
    ref = mp_depth2_single_input("tanh", 20, 1, 0.002)
    assert ref["k1"] == pytest.approx(-5.8025, rel=1e-4)      # the value quoted in the issue
    rec = layer_recursion(net, [0.002])
    assert rec.output_kernel[0, 0] == pytest.approx(ref["k"], rel=RTOL)
    assert rec.output_kernel_correction[0, 0] == pytest.approx(ref["k1"], rel=RTOL)
    assert rec.output_vertex[0, 0, 0, 0] == pytest.approx(ref["v"], rel=RTOL)
    assert leading_delta_green(net, [0.002] * 4) == pytest.approx(ref["c4"], rel=RTOL)


def test_tanh_sigma_w_20_kernel_against_mpmath_both_routes():
    """The Monte-Carlo-free check of K, through deep_kernel and through layer_recursion."""
    net = Network(sp.tanh(Z), sigma_w=20, sigma_b=1, depth=2)
    ref = mp_depth2_single_input("tanh", 20, 1, 0.002)["k"]
    assert deep_kernel(net, 0.002, 0.002) == pytest.approx(ref, rel=RTOL)
    assert net.kernel(0.002, 0.002) == pytest.approx(ref, rel=RTOL)
    assert layer_recursion(net, [0.002]).output_kernel[0, 0] == pytest.approx(ref, rel=RTOL)


@pytest.mark.parametrize("name,sigma_w,x", [
    ("tanh", 5.0, 0.3),      # layer-2 variance ~ 20: K_1 was off by 6e-4
    ("tanh", 10.0, 0.3),     # ~ 90: off by 24 %
    ("gelu", 1.5, 10.0),     # first-layer variance 226: K_1 was +492.7
])
def test_nlo_kernel_correction_against_mpmath(name, sigma_w, x):
    net = Network(SYMPY_ACTIVATIONS[name], sigma_w=sigma_w, sigma_b=1, depth=2)
    ref = mp_depth2_single_input(name, sigma_w, 1.0, x)
    rec = layer_recursion(net, [x])
    assert rec.output_kernel[0, 0] == pytest.approx(ref["k"], rel=RTOL)
    assert rec.output_kernel_correction[0, 0] == pytest.approx(ref["k1"], rel=RTOL)
    assert rec.output_vertex[0, 0, 0, 0] == pytest.approx(ref["v"], rel=RTOL)


@pytest.mark.parametrize("name", ["tanh", pytest.param("gelu", marks=pytest.mark.slow)])  # same path
def test_variance_derivatives_of_the_pair_expectation_against_mpmath(name):
    """f_1, f_1', f_1'' at variances 1 to 1000 (and below 1, where Price's form is used)."""
    variances = np.array([0.1, 1.0, 30.0, 1000.0])
    values = pair_expectation(SYMPY_ACTIVATIONS[name]).diagonal(variances)
    for i, s in enumerate(variances):
        ref = mp_f1_and_derivatives(MP_ACTIVATIONS[name], s)
        for k in range(3):
            assert values[k][i] == pytest.approx(ref[k], rel=RTOL), (name, s, k)


@pytest.mark.parametrize("sigma_w", [5.0, 20.0])
def test_kernel_routes_agree_at_large_variance(sigma_w):
    """deep_kernel (layer_kernels) and layer_recursion compute the same kernels."""
    net = Network(sp.tanh(Z), sigma_w=sigma_w, sigma_b=1, depth=3)
    pts = [-0.4, 0.7]
    rec = layer_recursion(net, pts)
    for i in range(2):
        for j in range(2):
            per_layer = layer_kernels(net, pts[i], pts[j])[:, 2]
            for layer, kern in enumerate(rec.kernels):
                assert per_layer[layer] == pytest.approx(kern[i, j], rel=1e-12, abs=0)
