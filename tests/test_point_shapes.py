"""The point-shape contract (nnqft_sym.validation.as_points / broadcast_coordinates), issue 12.

Kernel arguments broadcast like NumPy over their leading axes; when d_in = 1 every axis is a
leading axis (a trailing axis of length 1 is a coordinate axis only when both arguments have
one, where the two readings give the same values).  Point sets are ``(..., n, d_in)``.
"""
import numpy as np
import pytest

import nnqft_sym as nq
from nnqft_sym.multi_output import green_indexed
from nnqft_sym.validation import as_points, broadcast_coordinates

X = np.linspace(-0.8, 0.9, 5)
NETS_1D = [nq.GaussNet(), nq.ReLUNet(), nq.ErfNet(), nq.CosNet(), nq.ReLUNet(depth=2),
           nq.Network(nq.Z ** 3, sigma_w=1.2)]


def _loop_gram(net, pts):
    return np.array([[net.kernel(a, b) for b in pts] for a in pts])


@pytest.mark.parametrize("net", NETS_1D, ids=lambda n: f"{n.name}-L{n.depth}")
def test_broadcast_pair_gives_the_gram_matrix(net):
    gram = net.kernel(X[:, None], X[None, :])          # used to be (1, n): the diagonal only
    assert gram.shape == (5, 5)
    np.testing.assert_allclose(gram, _loop_gram(net, X), rtol=1e-12)
    np.testing.assert_allclose(net.gram(X), gram, rtol=1e-12)
    np.testing.assert_allclose(nq.gram_matrix(net, X[:, None]), gram, rtol=1e-12)   # (n, d_in)


def test_d_in_one_shapes_follow_numpy_broadcasting():
    net = nq.GaussNet()
    assert isinstance(net.kernel(0.1, 0.2), float)
    assert net.kernel(X, 0.2).shape == (5,)
    assert net.kernel(0.2, X).shape == (5,)
    assert net.kernel(X, X).shape == (5,)
    assert net.kernel(X[:, None, None], X[None, :]).shape == (5, 1, 5)      # as np.add would
    grid = np.zeros((2, 3, 4))
    assert net.kernel(grid, X[:4]).shape == (2, 3, 4)
    # both arguments end in an axis of length 1: read as the coordinate axis (same values)
    np.testing.assert_allclose(net.kernel(X[:, None], X[:, None]), net.kernel(X, X), rtol=1e-14)
    np.testing.assert_allclose(net.kernel(X[:, None, None], X[None, :, None]), net.kernel(X[:, None], X[None, :]))


def test_d_in_two_shapes():
    net = nq.ReLUNet(d_in=2)
    pts = np.stack([X, X[::-1]], axis=-1)               # (5, 2)
    assert isinstance(net.kernel(pts[0], pts[1]), float)
    assert net.kernel(pts, pts[0]).shape == (5,)
    gram = net.kernel(pts[:, None, :], pts[None, :, :])
    assert gram.shape == (5, 5)
    np.testing.assert_allclose(gram, _loop_gram(net, pts), rtol=1e-12)
    np.testing.assert_allclose(net.gram(pts), gram, rtol=1e-12)
    assert net.kernel(np.zeros((3, 4, 2)), np.zeros((4, 2))).shape == (3, 4)


@pytest.mark.parametrize("x,y", [(np.zeros(3), np.zeros(2)), (np.zeros((2, 3)), np.zeros((4, 1, 1, 2)))])
def test_shapes_that_do_not_broadcast_raise_naming_both(x, y):
    with pytest.raises(ValueError, match=r"x and y must broadcast"):
        nq.GaussNet().kernel(x, y)


def test_d_in_two_needs_a_coordinate_axis():
    net = nq.GaussNet(d_in=2)
    with pytest.raises(ValueError, match=r"x must have shape \(\.\.\., d_in\) with d_in = 2"):
        net.kernel(0.1, np.zeros(2))
    with pytest.raises(ValueError, match="y must have shape"):
        net.kernel(np.zeros(2), np.zeros(3))
    with pytest.raises(ValueError, match=r"points must have shape \(n,\) \(d_in = 1\) or \(n, d_in\)"):
        net.gram(np.zeros(4))
    with pytest.raises(ValueError, match="kernel_matrix takes batches"):
        nq.GaussNet().gram(np.zeros((2, 3, 1)))


def test_empty_broadcast_gives_an_empty_kernel():
    assert nq.GaussNet().kernel(np.zeros(0), 0.1).shape == (0,)


def test_as_points_contract():
    assert as_points(0.3, 1).shape == (1, 1)
    assert as_points(X, 1).shape == (5, 1)
    assert as_points(X[:, None], 1).shape == (5, 1)
    assert as_points(np.zeros((2, 3)), 1).shape == (2, 3, 1)
    assert as_points(np.zeros((2, 3, 1)), 1).shape == (2, 3, 1)
    assert as_points(np.zeros((2, 3, 2)), 2).shape == (2, 3, 2)
    with pytest.raises(ValueError, match=r"\(\.\.\., n, d_in\)"):
        as_points(np.zeros(2), 2)           # one 2-d point or two scalars? refused, not guessed
    xa, ya = broadcast_coordinates(X[:, None], X[None, :], 1)
    assert xa.shape == ya.shape == (5, 5, 1)


@pytest.mark.parametrize("family", [nq.GaussNet, nq.ReLUNet], ids=lambda f: f.__name__)
def test_correlators_of_every_point_shape_agree(family):
    pts = [-0.5, 0.1, 0.4, 0.9]
    net = family()
    ref = net.green(pts, 5)
    for shaped in (np.array(pts), np.array(pts)[:, None]):
        assert net.green(shaped, 5) == pytest.approx(ref, rel=1e-13)
    batch = np.array([pts, pts[::-1], [0.0] * 4])
    expected = [net.green(list(b), 5) for b in batch]
    for shaped in (batch, batch[..., None]):
        np.testing.assert_allclose(net.green(shaped, 5), expected, rtol=1e-12)
        np.testing.assert_allclose(net.connected_green(shaped, 5),
                                   [net.connected_green(list(b), 5) for b in batch], rtol=1e-12)
        np.testing.assert_allclose(net.free_green(shaped), [net.free_green(list(b)) for b in batch], rtol=1e-12)
        np.testing.assert_allclose(net.quartic_coupling(shaped, 5, cutoff=None if family is nq.GaussNet else 3.0),
                                   [net.quartic_coupling(list(b), 5, cutoff=None if family is nq.GaussNet else 3.0)
                                    for b in batch], rtol=1e-10)


def test_d_in_two_point_sets_and_multi_output_and_deep():
    net = nq.GaussNet(d_in=2, d_out=2)
    pts = np.array([[0.1, -0.2], [0.3, 0.0], [-0.4, 0.5], [0.2, 0.2]])
    batch = np.stack([pts, pts[::-1]])
    np.testing.assert_allclose(net.green(batch, 4), [net.green(pts, 4), net.green(pts[::-1], 4)], rtol=1e-12)
    np.testing.assert_allclose(green_indexed(net, batch, [0, 0, 1, 1], 4),
                               [green_indexed(net, p, [0, 0, 1, 1], 4) for p in batch], rtol=1e-12)
    deep = nq.ReLUNet(depth=2)
    np.testing.assert_allclose(nq.leading_delta_green(deep, np.array([[0.1, 0.2, 0.3, 0.4]])[..., None]),
                               [nq.leading_delta_green(deep, [0.1, 0.2, 0.3, 0.4])], rtol=1e-12)
