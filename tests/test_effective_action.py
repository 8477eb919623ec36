"""Couplings of the action from the exact correlators on finite point sets (DHMSS arXiv:2307.03223).

Independent routes: the closed-form zero-dimensional amputation g4 = -kappa_4 / K^4, the exact
matrix inverse (NumPy ``inv``) where K is well conditioned, the tree-level re-derivation of the
4-point function from the amputated vertex, and the regularisation diagnostics against their
definitions.
"""
import numpy as np
import pytest

from nnqft_sym import (CosNet, GaussNet, ReLUNet, action_couplings, amputate, connected_tensor,
                       grid_study, regularised_inverse)
from tests.tolerances import EXACT_RTOL


@pytest.mark.parametrize("net", [GaussNet(), ReLUNet(), CosNet()], ids=lambda n: n.name)
def test_zero_dimensional_amputation_is_the_closed_form(net):
    res = action_couplings(net, [0.4], 10)
    k = float(net.kernel(0.4, 0.4))
    c4 = float(net.connected_green([0.4] * 4, 10))
    assert res.g4[0, 0, 0, 0] == pytest.approx(-c4 / k ** 4, rel=EXACT_RTOL)
    assert res.g2[0, 0] == pytest.approx(c4 / (2 * k ** 3), rel=EXACT_RTOL)   # -(1/2) g4 K


def test_exact_inverse_agrees_with_numpy_and_rederives_the_four_point():
    net, pts = GaussNet(), np.array([-0.8, 0.0, 0.5, 1.3])
    res = action_couplings(net, pts, 7)
    gram = net.gram(pts)
    inv = np.linalg.inv(gram)
    g4 = -np.einsum("ai,bj,ck,dl,ijkl->abcd", inv, inv, inv, inv, res.connected4)
    assert np.allclose(res.g4, g4, rtol=1e-9, atol=1e-12 * np.abs(g4).max())
    assert res.residual <= res.rounding and res.stability is None
    assert res.inverse.condition == pytest.approx(np.linalg.cond(gram), rel=1e-8)
    # symmetric under permutations of the legs, as a vertex must be
    assert np.allclose(res.g4, res.g4.transpose(1, 0, 3, 2))
    assert np.allclose(res.g4, res.g4.transpose(2, 3, 0, 1))


def test_connected_tensor_matches_direct_evaluation():
    net, pts = CosNet(), np.array([0.0, 0.6, 1.1])
    t = connected_tensor(net, pts, 5, 4)
    assert t[2, 0, 1, 1] == pytest.approx(float(net.connected_green(pts[[2, 0, 1, 1]], 5)),
                                          rel=EXACT_RTOL)


def test_spectral_cutoff_reports_what_it_drops():
    kernel = np.diag([1.0, 1e-3, 1e-9])
    inv = regularised_inverse(kernel, regularisation="spectral", rcond=1e-6)
    assert inv.kept == 2 and inv.effective_condition == pytest.approx(1e3)
    assert np.allclose(inv.matrix, np.diag([1.0, 1e3, 0.0]))
    tik = regularised_inverse(kernel, regularisation="tikhonov", rcond=1e-6)
    assert np.allclose(np.diag(tik.matrix), 1 / (np.diag(kernel) + 1e-6))
    assert inv.condition == pytest.approx(1e9)


def test_regularised_amputation_on_a_fine_grid_reports_its_error():
    """10 cos-net points on [-2, 2]: cond 7e6, an exact inverse is refused; the spectral
    inverse keeps the modes above rcond and says how much of G_c it cannot represent, how
    stable the vertex is when the cutoff is lowered, and the rounding bound."""
    net, grid = CosNet(), np.linspace(-2, 2, 10)
    with pytest.raises(ValueError, match="regularise"):
        action_couplings(net, grid, 10)
    coarse = action_couplings(net, grid, 10, regularisation="spectral", rcond=1e-3)
    assert coarse.inverse.kept < 10 and 0 < coarse.residual < 0.2
    # the residual is what it says: the part of G_c outside the kept modes
    recon = amputate(-coarse.g4, coarse.kernel)
    assert coarse.residual == pytest.approx(np.linalg.norm(recon - coarse.connected4)
                                            / np.linalg.norm(coarse.connected4), rel=1e-8)
    finer = action_couplings(net, grid, 10, regularisation="spectral", rcond=1e-4)
    assert finer.residual < coarse.residual
    # but the vertex itself is dominated by the softest kept mode and grows as modes are added
    # (measured ||g4|| = 3e4 at rcond 1e-3, 4e6 at 1e-4): the stability check says so
    assert np.linalg.norm(finer.g4) > 10 * np.linalg.norm(coarse.g4)
    # dropping the softest kept mode changes g4 completely (measured 0.99995)
    assert coarse.stability > 0.9 and coarse.error_estimate == coarse.stability
    assert coarse.inverse.coarser().kept == coarse.inverse.kept - 1
    # the finite-width cos-net vertex is far from local on the grid
    assert coarse.nonlocality > 0.9
    # keeping every mode: the rounding bound reports the noise instead of hiding it
    noisy = action_couplings(net, grid, 10, regularisation="spectral", rcond=1e-9)
    assert noisy.inverse.kept == 10 and noisy.rounding > 1e6 and noisy.error_estimate > 1e6


def test_grid_study_saturates_at_fixed_cutoff():
    """At a fixed spectral cutoff the kept modes saturate as the grid is refined and the
    zero-momentum vertex at the centre changes by less than 10% between the two finest grids
    (measured: -0.00587, -0.00610 for 17 and 25 points)."""
    study = grid_study(CosNet(), 10, -3.0, 3.0, [6, 13, 17, 25], rcond=1e-2)
    assert study.kept.tolist() == [6, 6, 6, 6]
    u = study.zero_momentum
    assert abs(u[-1] - u[-2]) < 0.1 * abs(u[-1])
    assert np.all(study.residuals[1:] < 0.1)


def test_stability_is_small_when_the_softest_mode_carries_nothing():
    """A kernel whose softest mode is orthogonal to G_c: dropping it changes nothing."""
    kernel = np.diag([1.0, 0.5, 1e-3])
    connected = np.zeros((3,) * 4)
    connected[0, 0, 0, 0], connected[1, 1, 0, 0] = 2.0, 0.3
    inverse = regularised_inverse(kernel, regularisation="spectral", rcond=1e-4)
    g4 = -amputate(connected, inverse)
    assert np.allclose(g4, -amputate(connected, inverse.coarser()))
    tikhonov = regularised_inverse(kernel, regularisation="tikhonov", rcond=1e-6)
    assert tikhonov.coarser().rcond == pytest.approx(1e-5)
    assert regularised_inverse(kernel).coarser() is None
