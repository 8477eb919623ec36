"""Amputated O(1/N) quartic vertex: exact recovery of a local vertex, re-convolution, 1/N scaling.

Independent reference: a synthetic theory with a known local vertex u delta(y1-y2)delta(y1-y3)
delta(y1-y4), whose tree-level 4-point function is built directly (not by the amputation code).
"""
import numpy as np
import pytest

from nnqft_sym import CosNet, GaussNet
from nnqft_sym.rg import amputated_quartic_vertex, local_template

GRID = np.linspace(-4.0, 4.0, 7)


class _LocalTheory:
    """A 'network' whose connected 4-point function is the tree of a local vertex u(y) on GRID."""

    d_in = 1

    def __init__(self, u):
        self.base = GaussNet()
        self.u = np.asarray(u, float)

    def require_numeric(self, what):
        pass

    def kernel(self, x, y):
        return self.base.kernel(x, y)

    def connected_green(self, points, width):
        h = GRID[1] - GRID[0]
        # legs[p, i, e] = K(x_{p,i}, y_e); G[p] = -h sum_e u_e prod_i legs[p, i, e]
        legs = np.asarray(self.base.kernel(points[:, :, None, None], GRID[None, None, :, None]))
        return -h * np.einsum("e,pe->p", self.u, np.prod(legs, axis=1))


@pytest.mark.parametrize("u", [np.full(7, -0.7), np.linspace(-1.0, 0.5, 7)])
def test_local_vertex_is_recovered_exactly(u):
    amp = amputated_quartic_vertex(_LocalTheory(u), GRID, 10)
    h = GRID[1] - GRID[0]
    idx = np.arange(7)
    np.testing.assert_allclose(amp.vertex[idx, idx, idx, idx] * h ** 3, u, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(amp.integrated_vertex, u, rtol=1e-8, atol=1e-10)
    assert amp.nonlocality < 1e-8
    if np.allclose(u, u[0]):
        assert amp.local_coupling == pytest.approx(u[0], rel=1e-10)
        assert amp.residual < 1e-10


def test_cosnet_vertex_reconvolves_and_scales_like_one_over_n():
    net = CosNet()
    amp10 = amputated_quartic_vertex(net, GRID, 10)
    amp100 = amputated_quartic_vertex(net, GRID, 100)
    h = GRID[1] - GRID[0]
    kern = h * np.asarray(net.kernel(GRID[:, None, None], GRID[None, :, None]))
    back = -np.einsum("ai,bj,ck,dl,ijkl->abcd", kern, kern, kern, kern, amp10.vertex)
    np.testing.assert_allclose(back, amp10.connected, rtol=1e-8, atol=1e-9 * np.abs(amp10.connected).max())
    np.testing.assert_allclose(100 * amp100.vertex, 10 * amp10.vertex, rtol=1e-10)
    # the cos-net vertex is strongly non-local: the local template explains only part of G_c
    assert amp10.nonlocality > 0.9 and 0.3 < amp10.residual < 0.95 and amp10.local_coupling < 0
    t = local_template(np.eye(3), 2.0)
    assert t[1, 1, 1, 1] == 2.0 and t[0, 1, 1, 1] == 0.0


def test_amputation_errors():
    with pytest.raises(ValueError, match="condition number"):
        amputated_quartic_vertex(GaussNet(), np.linspace(-1, 1, 12), 10)
    with pytest.raises(ValueError, match="equally spaced"):
        amputated_quartic_vertex(GaussNet(), [0.0, 1.0, 3.0], 10)
    with pytest.raises(ValueError, match="d_in = 1"):
        amputated_quartic_vertex(GaussNet(d_in=2), GRID, 10)
