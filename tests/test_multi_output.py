"""Multi-output networks: O(d_out) pairing structure of the exact correlators, ensembles at
d_out = 2 and 3, invariance of the measured 2- and 4-point tensors under random rotations."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
import sympy as sp

from nnqft_sym import GaussNet, ReLUNet
from nnqft_sym.multi_output import (connected_green_indexed, connected_pairing_coefficients,
                                    delta_green_pairing_coefficients, free_green_indexed,
                                    green_indexed, green_pairing_coefficients,
                                    invariant_quartic_coupling, pairing_delta, pairing_tensor)
from nnqft_sym.couplings import contact_integral
from nnqft_sym.partitions import pairings
from tests.deep_reference import sample_deep_outputs
from tests.tolerances import EXACT_RTOL, assert_mc_agrees, mc_mean


@pytest.mark.parametrize("net", [GaussNet(d_out=3), ReLUNet(sigma_w=1.3, sigma_b=0.6, d_out=2)])
def test_pairing_coefficients_sum_to_the_single_output_results(net):
    pts = np.random.default_rng(0).normal(size=(3, 6))          # batch of 3 six-point sets
    assert sum(connected_pairing_coefficients(net, pts).values()) == pytest.approx(
        net.connected_green(pts, 1), rel=EXACT_RTOL)
    assert sum(green_pairing_coefficients(net, pts, 5).values()) == pytest.approx(
        net.green(pts, 5), rel=EXACT_RTOL)
    assert sum(delta_green_pairing_coefficients(net, pts, 5).values()) == pytest.approx(
        net.delta_green(pts, 5), rel=EXACT_RTOL)


def test_connected_four_point_is_the_index_resolved_formula():
    """c_(12)(34) = v^2 [E(g1 g2 g3 g4) - E(g1 g2) E(g3 g4)] (and cyclically)."""
    net = ReLUNet(sigma_w=1.2, sigma_b=0.4, d_out=2)
    pts = np.array([-0.7, 0.1, 0.5, 1.2])
    coeffs = connected_pairing_coefficients(net, pts)
    v2 = 1.2 ** 4
    e4 = net.neuron_moment(pts)
    for (i, j), (k, l) in pairings(4):
        expect = v2 * (e4 - net.neuron_moment(pts[[i, j]]) * net.neuron_moment(pts[[k, l]]))
        assert coeffs[((i, j), (k, l))] == pytest.approx(expect, rel=EXACT_RTOL)


def test_symbolic_pairing_coefficients_match_numeric():
    x = sp.symbols("x1:5", real=True)
    vals = {x[0]: 0.1, x[1]: -0.3, x[2]: 0.4, x[3]: 0.2}
    sym = connected_pairing_coefficients(GaussNet(d_out=2), list(x))
    num = connected_pairing_coefficients(GaussNet(d_out=2), list(vals.values()))
    for key in num:
        assert float(sym[key].subs(vals)) == pytest.approx(num[key], rel=EXACT_RTOL)


def test_free_theory_is_delta_times_kernel():
    net = GaussNet(d_out=3)
    k = net.kernel(0.1, 0.4)
    assert free_green_indexed(net, [0.1, 0.4], [1, 1]) == pytest.approx(k)
    assert free_green_indexed(net, [0.1, 0.4], [0, 2]) == 0.0
    pts = [0.1, 0.4, -0.2, 0.3]
    assert free_green_indexed(net, pts, [0, 1, 0, 1]) == pytest.approx(
        net.kernel(0.1, -0.2) * net.kernel(0.4, 0.3))


@pytest.mark.parametrize("family,net", [("relu", ReLUNet(sigma_w=1.3, sigma_b=0.6, d_out=2)),
                                        ("gauss", GaussNet(sigma_w=0.6, sigma_b=0.5, d_out=3))])
def test_exact_indexed_correlators_against_ensemble(family, net):
    width, d_out = 3, net.d_out
    pts = np.array([-0.5, 0.2, 0.6, 1.0])
    f = sample_deep_outputs(family, pts[:, None], width, 1, d_out, 200000, float(net.sigma_w),
                            float(net.sigma_b), seed=7)
    for idx in [(0, 0, 1, 1), (0, 1, 0, 1), (0, 1, 1, 0), (0, 0, 0, 0), (1, 1, 1, 1),
                (0, 1, d_out - 1, d_out - 1)]:
        est, err = mc_mean(np.prod([f[:, i, a] for i, a in enumerate(idx)], axis=0))
        exact = green_indexed(net, pts, list(idx), width)
        if all(pairing_delta(m, idx) == 0 for m in pairings(4)):
            assert exact == 0.0
            continue
        assert_mc_agrees(est, err, exact, what=f"{family} G4{idx}")
    # the mixed-index connected function is O(1/N) and nonzero: outputs share hidden features
    assert abs(connected_green_indexed(net, pts, [0, 0, 1, 1], width)) > 1e-3


def test_measured_tensors_are_invariant_under_random_rotations():
    """As the Symmetry-via-Duality check: rotate the sampled outputs by random R in O(d_out);
    the measured 2- and 4-point tensors stay equal to the exact invariant tensors."""
    net, width, d_out = GaussNet(sigma_w=1.0, sigma_b=0.8, d_out=3), 4, 3
    pts = np.array([-0.4, 0.1, 0.3, 0.8])
    f = sample_deep_outputs("gauss", pts[:, None], width, 1, d_out, 60000, 1.0, 0.8, seed=21)
    exact4 = pairing_tensor(green_pairing_coefficients(net, pts, width), d_out)
    exact2 = pairing_tensor(green_pairing_coefficients(net, pts[[0, 3]], width), d_out)
    rng = np.random.default_rng(5)
    for _ in range(2):
        rot, _r = np.linalg.qr(rng.normal(size=(d_out, d_out)))
        g = f @ rot.T
        prod4 = np.einsum("ma,mb,mc,md->mabcd", g[:, 0], g[:, 1], g[:, 2], g[:, 3])
        est, err = mc_mean(prod4)
        assert_mc_agrees(est, err, exact4, what="rotated 4-point tensor")
        est, err = mc_mean(np.einsum("ma,mb->mab", g[:, 0], g[:, 3]))
        assert_mc_agrees(est, err, exact2, what="rotated 2-point tensor")
    # and the exact tensor is invariant identically
    rot4 = np.einsum("ai,bj,ck,dl,ijkl->abcd", rot, rot, rot, rot, exact4)
    assert rot4 == pytest.approx(exact4, abs=1e-12)


def test_invariant_quartic_coupling():
    net = GaussNet(d_out=3)
    pts = np.array([-0.01, -0.006, 0.002, 0.01])
    q = invariant_quartic_coupling(net, pts, 10)
    assert q.coupling == pytest.approx(GaussNet().quartic_coupling(pts, 10), rel=EXACT_RTOL)
    # the line above is the independent check (single-output exact u4 from the cumulants against
    # the pairing coefficients); this loop only pins the definition lambda_P = -3 Delta G_P / N_K
    delta = delta_green_pairing_coefficients(net, pts, 10)
    nk = contact_integral(net, pts)
    for m, lam in q.pairing_couplings.items():
        assert lam == pytest.approx(-3 * delta[m] / nk, rel=EXACT_RTOL)
    assert 0 < q.anisotropy < 1e-4
    same = invariant_quartic_coupling(net, [0.3] * 4, 10)     # all pairings equal by symmetry
    assert same.anisotropy == pytest.approx(0.0, abs=1e-12)


def test_bad_input():
    net = GaussNet(d_out=2)
    with pytest.raises(ValueError, match="range"):
        green_indexed(net, [0.0, 0.1], [0, 2], 5)
    with pytest.raises(ValueError, match="indices"):
        green_indexed(net, [0.0, 0.1], [0, 1, 1], 5)
    with pytest.raises(ValueError, match="depth"):
        connected_pairing_coefficients(GaussNet(depth=2, d_out=2), [0.0] * 4)
    with pytest.raises(ValueError, match="4 points"):
        invariant_quartic_coupling(net, [0.0] * 6, 5)
    assert connected_pairing_coefficients(net, [0.0] * 3) == {}    # odd: no pairing, zero tensor
    assert list(itertools.islice(pairings(2), 1)) == [((0, 1),)]


def test_leading_invariant_coupling_of_deep_networks():
    from nnqft_sym.deep import leading_delta_green
    from nnqft_sym.multi_output import leading_invariant_quartic_coupling
    pts = np.array([-0.3, -0.1, 0.2, 0.4])
    one = ReLUNet(sigma_w=1.2, sigma_b=0.5, d_out=2)
    exact = invariant_quartic_coupling(one, pts, 7, cutoff=3.0)
    lead = leading_invariant_quartic_coupling(one, pts, 7, cutoff=3.0)
    assert lead.coupling == pytest.approx(exact.coupling, rel=1e-9)     # Delta G4 = c/N at L = 1
    deep = GaussNet(sigma_w=0.7, sigma_b=0.5, d_out=2, depth=2)
    q = leading_invariant_quartic_coupling(deep, pts, 7, cutoff=3.0)
    nk = contact_integral(deep, pts, cutoff=3.0)
    # the projection algebra only (mean of the three lambda_P = single-output u4); both sides use
    # leading_pairing_coefficients, whose values test_deep_mixed_index_four_point_against_ensembles
    # checks against sampled ensembles
    assert q.coupling == pytest.approx(-leading_delta_green(deep, pts) / 7 / nk, rel=1e-12)


def test_deep_mixed_index_four_point_against_ensembles():
    """Depth 2, d_out = 2, one input: N (E[f_0(x)^2 f_1(x)^2] - K^2) -> c_((01)(23)) of the
    recursion (only the pairing (01)(23) survives the indices (0, 0, 1, 1)), extrapolated in 1/N.
    The measurement also excludes independent outputs (0) and the single-output value (3 c)."""
    from nnqft_sym.deep import leading_pairing_coefficients
    net = ReLUNet(sigma_w=1.4, sigma_b=0.5, depth=2, d_out=2)
    pred = leading_pairing_coefficients(net, [0.6] * 4)[((0, 1), (2, 3))]
    k = net.kernel(0.6, 0.6)
    vals, errs = [], []
    for width in (16, 32):
        f = sample_deep_outputs("relu", np.array([[0.6]]), width, 2, 2, 100000, 1.4, 0.5,
                                seed=50 + width)
        est, err = mc_mean(width * (f[:, 0, 0] ** 2 * f[:, 0, 1] ** 2 - k * k))
        vals.append(est)
        errs.append(err)
    a, sig = 2 * vals[1] - vals[0], np.hypot(2 * errs[1], errs[0])   # a + b/N through both
    assert_mc_agrees(a, sig, pred, what="mixed-index N Delta G4")
    assert abs(a) > 3 * sig and abs(a - 3 * pred) > 4 * sig
