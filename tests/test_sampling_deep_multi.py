"""numeric.sample_outputs for deep (depth > 1) and multi-output (d_out > 1) networks."""
import numpy as np
import pytest

import nnqft_sym as nq
from numeric import sample_outputs
from tests.tolerances import assert_mc_agrees, mc_mean

POINTS = np.array([-0.8, 0.1, 0.6])


def test_deep_two_point_function_against_kernel_recursion():
    """E[f(x) f(y)] = K + c_1/N + O(1/N^2) with K from the layer recursion (ReLU, L = 3)."""
    net = nq.ReLUNet(sigma_w=1.3, sigma_b=0.6, depth=3)
    width = 24
    f = sample_outputs(net, width, POINTS, 60_000, rng=1)
    for i, j in [(0, 0), (0, 1), (1, 2)]:
        pts = POINTS[[i, j]]
        pred = net.kernel(POINTS[i], POINTS[j]) + nq.leading_delta_green(net, pts) / width
        est, se = mc_mean(f[:, i] * f[:, j])
        assert_mc_agrees(est, se, pred, k=4.5, what=f"G2({i},{j})")


def test_deep_gauss_net_uses_the_layer_normalisation():
    """Deep Gauss-net: layer l is normalised with its infinite-width variance (deep.layer_kernels)."""
    net = nq.GaussNet(sigma_w=0.9, sigma_b=0.5, depth=2)
    width = 130                                            # >= GRAM_MIN_WIDTH: Gram path
    f = sample_outputs(net, width, POINTS, 20_000, rng=2)
    est, se = mc_mean(f[:, 0] * f[:, 2])
    pred = net.kernel(POINTS[0], POINTS[2]) + nq.leading_delta_green(net, POINTS[[0, 2]]) / width
    assert_mc_agrees(est, se, pred, what="deep Gauss-net G2")


@pytest.mark.parametrize("width", [6, 200])           # direct W1 path and Gram path
def test_multi_output_correlators_and_rotation_invariance(width):
    net = nq.ErfNet(sigma_w=1.5, sigma_b=0.5, d_out=3)
    f = sample_outputs(net, width, POINTS, 80_000, rng=3)
    assert f.shape == (80_000, 3, 3)
    # K_ab = delta_ab K
    est, se = mc_mean(f[:, 0, 0] * f[:, 1, 1])
    assert_mc_agrees(est, se, 0.0, what="cross-component 2-point")
    # mixed-index 4-point functions: the neurons couple different outputs
    for idx, pts in [((0, 0, 1, 1), (0, 1, 1, 2)), ((2, 2, 2, 2), (0, 0, 1, 2)), ((0, 1, 0, 1), (0, 1, 2, 2))]:
        prod = np.prod([f[:, p, a] for p, a in zip(pts, idx)], axis=0)
        est, se = mc_mean(prod)
        exact = nq.green_indexed(net, POINTS[list(pts)], list(idx), width)
        assert_mc_agrees(est, se, exact, what=f"G4 indices {idx}")
    # O(3) invariance: a random rotation of the outputs leaves the 4-point tensor unchanged
    q, _ = np.linalg.qr(np.random.default_rng(0).normal(size=(3, 3)))
    g = np.einsum("ab,npb->npa", q, f)
    for idx in [(0, 0, 1, 1), (0, 1, 0, 1)]:
        prod = np.prod([g[:, 0, a] for a in idx], axis=0)
        est, se = mc_mean(prod)
        assert_mc_agrees(est, se, nq.green_indexed(net, POINTS[[0, 0, 0, 0]], list(idx), width),
                         what=f"rotated G4 {idx}")


def test_deep_multi_output_is_reproducible_across_chunk_sizes():
    net = nq.GaussNet(depth=2, d_out=2)
    a = sample_outputs(net, 16, POINTS, 3000, rng=7, chunk_size=100)
    b = sample_outputs(net, 16, POINTS, 3000, rng=7, chunk_size=5000)
    assert a.shape == (3000, 3, 2) and np.array_equal(a, b)
