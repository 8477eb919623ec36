"""Sampler: exact distribution (vs the GP kernel), reproducibility, bounded memory, bad input."""
from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
import sympy as sp

from nnqft_sym import S, CosNet, ErfNet, GaussNet, Network, ReLUNet, Z
from numeric import (block_size, child_seeds, iter_output_chunks, psd_factor, sample_block,
                     sample_outputs)
from numeric import sampling
from tests.tolerances import EXACT_RTOL, assert_mc_agrees

POINTS = np.array([-0.4, 0.0, 0.3])


def _covariance_check(net, width, n_nets, seed):
    """Sample covariance of f against K(x_i, x_j) (G^(2) = K exactly at every width)."""
    f = sample_outputs(net, width, POINTS, n_nets, rng=seed)
    prods = f[:, :, None] * f[:, None, :]
    est, err = prods.mean(0), prods.std(0, ddof=1) / np.sqrt(n_nets)
    xs, ys = np.meshgrid(POINTS, POINTS, indexing="ij")
    exact = net.kernel(xs[..., None], ys[..., None])
    assert_mc_agrees(est, err, exact, what=f"{net.name} N={width} covariance")


@pytest.mark.parametrize("net", [GaussNet(sigma_b=0.5), ReLUNet(), ErfNet(sigma_w=2),
                                 CosNet(sigma_w=1.5)],
                         ids=lambda n: n.name)
@pytest.mark.parametrize("width", [3, 300])   # direct route and Gram route
def test_two_point_function_is_the_kernel(net, width):
    _covariance_check(net, width, 20000 if width < 100 else 4000, seed=5)


def test_custom_activation_is_lambdified_from_sympy():
    net = Network(sp.tanh(Z), sigma_w=1.5, sigma_b=0.5, name="tanh-net")
    _covariance_check(net, 4, 20000, seed=6)


def test_gram_and_direct_routes_sample_the_same_fourth_moment(monkeypatch):
    """Same width through both routes: E f(x)^4 agrees (the exact 4-point function)."""
    net, width, pts = ReLUNet(), 40, np.array([0.2])
    exact = net.green(np.array([0.2] * 4), width)
    for threshold in (1, 10 ** 6):
        monkeypatch.setattr(sampling, "GRAM_MIN_WIDTH", threshold)
        f4 = sample_outputs(net, width, pts, 40000, rng=9)[:, 0] ** 4
        assert_mc_agrees(f4.mean(), f4.std() / np.sqrt(len(f4)), exact, what=f"route {threshold}")


def test_same_seed_same_numbers_for_every_chunk_size():
    net = ErfNet()
    ref = sample_outputs(net, 400, POINTS, 3000, rng=123)
    assert block_size(400, 3) < 3000                   # several stream blocks
    for chunk in (1, 7, 500, 2048, 10 ** 6):
        assert np.array_equal(sample_outputs(net, 400, POINTS, 3000, rng=123, chunk_size=chunk), ref)
    assert np.array_equal(sample_outputs(net, 400, POINTS, 3000, rng=np.random.SeedSequence(123)), ref)
    assert not np.array_equal(sample_outputs(net, 400, POINTS, 3000, rng=124), ref)


def test_seed_sequence_argument_is_not_consumed():
    seq = np.random.SeedSequence(42)
    a = sample_outputs(ReLUNet(), 5, POINTS, 100, rng=seq)
    b = sample_outputs(ReLUNet(), 5, POINTS, 100, rng=seq)
    assert np.array_equal(a, b)
    assert [c.spawn_key for c in child_seeds(seq, 3)] == [(0,), (1,), (2,)]


def test_generator_seed_and_dtype():
    f = sample_outputs(GaussNet(), 4, POINTS, 10, rng=np.random.default_rng(0))
    assert f.shape == (10, 3) and f.dtype == np.float64 and np.all(np.isfinite(f))


def test_chunks_bounded_and_blocks_sized():
    for width in (1, 2, 50, 1000, 10 ** 6):
        assert 1 <= block_size(width, 6) * width * 6 <= max(sampling.BLOCK_ELEMENTS, width * 6)
    sizes = [c.shape[0] for c in iter_output_chunks(ReLUNet(), 1000, POINTS, 1000, rng=1,
                                                    chunk_size=200)]
    assert sum(sizes) == 1000 and max(sizes) <= 200


def test_working_memory_bounded_for_a_wide_request():
    """5000 x 2000 networks x 3 points would be 240 MB of features at once; streaming peaks far lower."""
    tracemalloc.start()
    sample_outputs(ReLUNet(), 5000, POINTS, 2000, rng=0, chunk_size=256)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 60e6, f"peak traced memory {peak / 1e6:.0f} MB"


@pytest.mark.parametrize("rank", [1, 3, 6])
def test_psd_factor_reconstructs_singular_and_ill_conditioned_gram_matrices(rank):
    rng = np.random.default_rng(rank)
    g = rng.standard_normal((50, rank, 6))
    # nearly collinear columns, as the features at points 0.004 apart
    g = g[..., :1] + 1e-7 * np.cumsum(g, axis=-1)
    c = np.einsum("bki,bkj->bij", g, g)
    f = psd_factor(c)
    scale = np.einsum("bii->b", c)[:, None, None]
    assert np.max(np.abs(f @ np.swapaxes(f, -1, -2) - c) / scale) < 50 * np.finfo(float).eps


def test_psd_factor_matches_lapack_on_well_conditioned_matrices():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((20, 6, 6))
    c = a @ np.swapaxes(a, -1, -2) + 6 * np.eye(6)
    f = psd_factor(c)
    np.testing.assert_allclose(f @ np.swapaxes(f, -1, -2), c, rtol=EXACT_RTOL)


def test_sample_block_is_deterministic_given_its_seed():
    seq = np.random.SeedSequence(3)
    pts = POINTS[:, None]
    assert np.array_equal(sample_block(ErfNet(), 200, pts, 10, seq), sample_block(ErfNet(), 200, pts, 10, seq))


@pytest.mark.parametrize("kwargs, error, match", [
    ({"width": 0}, ValueError, "width"),
    ({"width": 2.5}, TypeError, "width"),
    ({"width": True}, TypeError, "width"),
    ({"n_nets": 0}, ValueError, "n_nets"),
    ({"n_nets": 1.5}, TypeError, "n_nets"),
    ({"points": [0.0, np.nan]}, ValueError, "finite"),
    ({"points": np.zeros((2, 2, 1))}, ValueError, "points"),
    ({"chunk_size": 0}, ValueError, "chunk_size"),
    ({"rng": -1}, ValueError, "rng"),
    ({"rng": "a"}, TypeError, "rng"),
    ({"net": "gauss"}, TypeError, "net"),
    ({"net": GaussNet(sigma_w=sp.Symbol("s", positive=True))}, ValueError, "symbolic"),
])
def test_bad_input(kwargs, error, match):
    args = {"net": ReLUNet(), "width": 3, "points": POINTS, "n_nets": 10, "rng": 0, **kwargs}
    chunk = args.pop("chunk_size", None)
    with pytest.raises(error, match=match):
        if chunk is None:
            sample_outputs(**args)
        else:
            sample_outputs(**args, chunk_size=chunk)


# ---------------------------------------------------------------------- first layer and normalisation
@pytest.mark.parametrize("net", [GaussNet(sigma_w=1.5, d_in=3), ReLUNet(sigma_b=0.3),
                                 CosNet(sigma_w=2.0, d_in=2)], ids=lambda n: f"{n.name}-{n.d_in}")
def test_sample_preactivations_are_the_first_layer_of_sample_first_layer(net):
    """Same generator state: the design-matrix product equals w . x + b of the drawn layer."""
    pts = np.random.default_rng(1).standard_normal((5, net.d_in))
    z = net.sample_preactivations(np.random.default_rng(11), (4, 9), pts)
    w, b = net.sample_first_layer(np.random.default_rng(11), (4, 9))
    assert z.shape == (4, 9, 5)
    np.testing.assert_allclose(z, np.einsum("...d,nd->...n", w, pts) + b[..., None],
                               rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("net", [GaussNet(sigma_w=1.5, sigma_b=0.5, d_in=3), ErfNet(sigma_w=2.0)],
                         ids=lambda n: n.name)
def test_sampled_preactivations_have_the_prior_covariance(net):
    """Cov z(x_a) z(x_b) = sigma_b^2 + sigma_W^2 x_a . x_b / d_in (Monte Carlo, 4 sigma)."""
    pts = np.random.default_rng(2).standard_normal((4, net.d_in))
    z = net.sample_preactivations(np.random.default_rng(12), (200_000,), pts)
    prods = z[:, :, None] * z[:, None, :]
    assert_mc_agrees(prods.mean(0), prods.std(0, ddof=1) / np.sqrt(len(z)),
                     net.preactivation_covariance(pts), what=f"{net.name} Cov z")


@pytest.mark.parametrize("activation, normalisation, expected", [
    (sp.exp(Z), 1 / sp.sqrt(sp.exp(2 * S)), True),     # Gauss-net: e^{z - s}
    (sp.exp(Z), sp.exp(-S / 3), True),
    (sp.exp(2 * Z), sp.exp(-S), False),                 # e^{2(z - s)} = n^2 e^{2z}
    (sp.tanh(Z), sp.exp(-S), False),
    (sp.tanh(Z), 1, False),
])
def test_normalisation_is_shift_is_decided_symbolically(activation, normalisation, expected):
    assert Network(activation, normalisation=normalisation).normalisation_is_shift is expected


@pytest.mark.parametrize("net", [GaussNet(sigma_w=1.3), Network(sp.tanh(Z), normalisation=sp.exp(-S / 2))],
                         ids=["shift", "product"])
@pytest.mark.parametrize("layout", ["contiguous", "transposed"])
def test_activate_in_place_equals_the_normalised_activation(net, layout):
    """overwrite_z=True (the sampler's path) gives n(s) phi(z), for any memory layout of z."""
    phi = sp.lambdify(Z, net.activation, "scipy")
    n = sp.lambdify(S, net.normalisation, "numpy")
    s = np.array([1.2, 1.7, 2.5])
    z = np.random.default_rng(4).standard_normal((7, 5, 3))
    if layout == "transposed":
        z = np.ascontiguousarray(z.transpose(1, 0, 2)).transpose(1, 0, 2)
    expected = n(s) * phi(z)
    np.testing.assert_allclose(net.activate(z.copy(), s), expected, rtol=1e-13)
    work = z.copy(order="K")
    np.testing.assert_allclose(net.activate(work, s, overwrite_z=True), expected, rtol=1e-13)


def test_custom_product_normalisation_is_sampled_with_the_kernel():
    """A normalisation that is not a shift (tanh-net times e^{-s/2}): G^(2) = K on both routes."""
    net = Network(sp.tanh(Z), sigma_w=1.5, sigma_b=0.5, normalisation=sp.exp(-S / 2), name="tanh-n")
    assert not net.normalisation_is_shift
    _covariance_check(net, 3, 20000, seed=8)
    _covariance_check(net, 300, 4000, seed=8)


def test_first_layer_plan_reuses_its_scratch_and_writes_into_out():
    """Same generator state, any block sizes in any order: identical pre-activations."""
    net, pts = ReLUNet(d_in=2, sigma_w=1.7), np.random.default_rng(5).standard_normal((3, 2))
    plan = net.first_layer_sampler(pts)
    rng_a, rng_b = np.random.default_rng(21), np.random.default_rng(21)
    out = np.empty((40, 6, 3))
    for n in (40, 7, 40, 1):
        fresh = net.sample_preactivations(rng_a, (n, 6), pts)
        got = plan.sample(rng_b, (n, 6), out=out[:n])
        assert np.shares_memory(got, out)
        assert np.array_equal(got, fresh)


@pytest.mark.parametrize("out, error", [(np.empty((4, 6, 3), dtype=np.float32), TypeError),
                                        (np.empty((4, 3, 6)).transpose(0, 2, 1), TypeError),
                                        (np.empty((4, 6, 2)), ValueError)])
def test_first_layer_plan_rejects_bad_out(out, error):
    for net in (GaussNet(), CosNet()):
        with pytest.raises(error, match="out"):
            net.first_layer_sampler(POINTS).sample(np.random.default_rng(0), (4, 6), out=out)


@pytest.mark.parametrize("activation", [sp.exp(Z), sp.Max(0, Z), sp.erf(Z), sp.cos(Z), sp.tanh(Z),
                                        sp.Min(1, Z), sp.tanh(2 * Z), Z, Z * sp.exp(-Z ** 2)],
                         ids=str)
def test_in_place_activation_equals_the_lambdified_activation(activation):
    """overwrite_z evaluates phi in place where it is one ufunc, and falls back otherwise."""
    net = Network(activation)
    z = np.random.default_rng(6).standard_normal((5, 8, 3)) * 2
    expected = sp.lambdify(Z, activation, ["scipy", "numpy"])(z.copy())
    work = z.copy()
    got = net.activate(work, None, overwrite_z=True)
    np.testing.assert_array_equal(got, np.broadcast_to(expected, z.shape))
    if net._activation_ufunc is not None:       # exp, max, erf, cos, tanh, min: one ufunc
        assert got is work
    assert np.array_equal(net.activate(z.copy(), None), got)
