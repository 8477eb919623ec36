r"""Exact, streaming sampling of the outputs of single-hidden-layer network ensembles.

For one network, the hidden features :math:`g_i(x_a) = n(s(x_a))\,\phi(W^0_i\cdot x_a + b^0_i)`
(evaluated by the architecture itself, :meth:`nnqft_sym.Network.features`, i.e. the NumPy
function lambdified from its SymPy activation) fix the output up to the last layer,

.. math:: f(x_a) - b^1 = \sum_{i=1}^N W^1_i\, g_i(x_a), \qquad W^1_i \sim \mathcal N(0, v_{out}/N).

Given the features, :math:`f - b^1` is *exactly* Gaussian with covariance
:math:`(v_{out}/N)\, G^T G` (the :math:`P\times P` Gram matrix of the features at the
:math:`P` points).  For wide networks the sampler therefore draws it as :math:`F\xi` with
:math:`F F^T = G^T G` and :math:`\xi` a vector of :math:`P` standard normals, replacing the
:math:`N` output weights by :math:`P` numbers.  :math:`F` comes from a pivoted, semi-definite
Cholesky factorisation (:func:`psd_factor`), which stays accurate to
:math:`O(P\,\epsilon\,\lVert G^TG\rVert)` when the Gram matrix is numerically singular (close
input points, or :math:`N < P`); narrow networks (``width < GRAM_MIN_WIDTH``) draw
:math:`W^1` directly, which is cheaper there.  Both routes sample the same distribution.

Every parameter group is drawn through its prior object (:attr:`nnqft_sym.Network.priors`,
:mod:`nnqft_sym.priors`), the same objects the symbolic derivations read, so each prior is
stated once.  The first layer is drawn by :meth:`nnqft_sym.Network.first_layer_sampler`: one vector of
:math:`d_{in} + 1` standard normals per neuron, multiplied by the :math:`(d_{in}+1)\times P`
design matrix (one matrix product gives all pre-activations, scalings and biases included).
The normalisation of a Gauss-net enters as a shift of the pre-activations
(:attr:`nnqft_sym.Network.normalisation_is_shift`).

Randomness: the networks of a request are cut into *stream blocks* of
:func:`block_size` networks (a function of the width and the number of points only); block
``j`` draws from its own generator seeded by ``seed.spawn(...)[j]``.  Results therefore depend
on the seed, the width, the points and ``n_nets``, and never on the chunk size used to stream
them: the chunk size only groups blocks to bound the working memory (and lets one batched
factorisation serve all the blocks of a chunk).  Within a block the draws come in a fixed
order: first layer (``net.first_layer_sampler``), ``b1``, then the ``N`` output weights or the
``P`` Gram normals (:data:`STREAM_VERSION` 2).
"""
from __future__ import annotations

import numbers
from typing import Any, Iterator, NamedTuple

import numpy as np

from nnqft_sym.architectures import Network
from nnqft_sym.priors import SharedScale, SphericalReadout
from nnqft_sym.validation import as_points, check_integer, check_width

from ._deprecation import renamed_keywords

__all__ = [
    "STREAM_VERSION",
    "BLOCK_ELEMENTS",
    "DEEP_BLOCK_ELEMENTS",
    "MAX_BLOCK_NETS",
    "GRAM_MIN_WIDTH",
    "DEFAULT_CHUNK_NETS",
    "as_seed_sequence",
    "seed_state",
    "seed_from_state",
    "child_seeds",
    "block_size",
    "psd_factor",
    "sample_block",
    "iter_output_chunks",
    "sample_outputs",
]

#: version of the random stream (draw order and block layout); results of different versions
#: are statistically equivalent but not bit-identical, so checkpoints record it.
#: 1: nnqft 0.1.0 (first-layer weights, then biases).  2: one (d_in + 1)-vector of normals per
#: neuron, turned into pre-activations by one matrix product (``Network.sample_preactivations``).
STREAM_VERSION = 2
#: feature values (networks x width x points) held by one stream block (1 MB of float64)
BLOCK_ELEMENTS = 2 ** 17
#: deep networks: hidden weights and features (networks x width x (width + points)) per block
DEEP_BLOCK_ELEMENTS = 2 ** 21
#: upper bound on the networks of one stream block (narrow networks)
MAX_BLOCK_NETS = 8192
#: from this width on, f - b1 is drawn from the Gram matrix instead of the N output weights
GRAM_MIN_WIDTH = 128
#: default number of networks per streamed chunk
DEFAULT_CHUNK_NETS = 8192


# ---------------------------------------------------------------------- seeds
def as_seed_sequence(rng: Any, name: str = "seed") -> np.random.SeedSequence:
    """Normalise an ``rng`` argument (int >= 0, SeedSequence, Generator or None) to a SeedSequence.

    The one helper behind every ``rng=`` of :mod:`numeric` (as networkx's
    ``np_random_state``).  An int gives the same stream on every run (and the same as
    ``SeedSequence(int)``); a Generator contributes fresh entropy drawn from it; ``None``
    draws entropy from the operating system (recorded in :func:`seed_state` so that the run
    can be repeated).  ``name`` is the parameter named in the error message (``"rng"`` at
    every ``rng=`` of :mod:`numeric`).

    Examples
    --------
    >>> as_seed_sequence(7).entropy
    7
    """
    if isinstance(rng, np.random.SeedSequence):
        return rng
    if rng is None:
        return np.random.SeedSequence()
    if isinstance(rng, np.random.Generator):
        return np.random.SeedSequence(int(rng.integers(0, 2 ** 63)))
    if isinstance(rng, bool) or not isinstance(rng, numbers.Integral):
        raise TypeError(f"{name} must be a non-negative int, a numpy SeedSequence or Generator, "
                        f"or None, got {rng!r}")
    if int(rng) < 0:
        raise ValueError(f"{name} must be a non-negative int, got {rng}")
    return np.random.SeedSequence(int(rng))


def seed_state(seq: np.random.SeedSequence) -> dict[str, Any]:
    """JSON-friendly state of a SeedSequence: ``{"entropy": int, "spawn_key": [ints]}``."""
    return {"entropy": int(seq.entropy), "spawn_key": [int(k) for k in seq.spawn_key]}


def seed_from_state(state: dict[str, Any]) -> np.random.SeedSequence:
    """Inverse of :func:`seed_state`.

    Examples
    --------
    >>> seq = np.random.SeedSequence(5).spawn(3)[2]
    >>> seed_from_state(seed_state(seq)).generate_state(2).tolist() == seq.generate_state(2).tolist()
    True
    """
    try:
        return np.random.SeedSequence(int(state["entropy"]),
                                      spawn_key=tuple(int(k) for k in state["spawn_key"]))
    except (KeyError, TypeError) as exc:
        raise TypeError("seed state must be a dict with 'entropy' (int) and 'spawn_key' "
                        f"(list of ints), got {state!r}") from exc


def child_seeds(seq: np.random.SeedSequence, n: int) -> list[np.random.SeedSequence]:
    """The first ``n`` children ``seq.spawn(n)`` would give, without mutating ``seq``.

    ``SeedSequence.spawn`` counts the children already spawned, so calling it twice on the
    same object gives different streams; this helper always returns children ``0..n-1``.

    Examples
    --------
    >>> seq = np.random.SeedSequence(3)
    >>> [c.spawn_key for c in child_seeds(seq, 2)] == [c.spawn_key for c in seq.spawn(2)]
    True
    """
    return [np.random.SeedSequence(seq.entropy, spawn_key=tuple(seq.spawn_key) + (i,),
                                   pool_size=seq.pool_size) for i in range(n)]


# ---------------------------------------------------------------------- blocks
def block_size(width: int, n_points: int, depth: int = 1) -> int:
    """Networks per stream block: ``BLOCK_ELEMENTS // (width * n_points)`` clipped to [1, 8192].

    Deep networks (``depth > 1``) also hold ``width x width`` hidden weights per network: their
    blocks hold ``DEEP_BLOCK_ELEMENTS // (width * (width + n_points))`` networks.

    Examples
    --------
    >>> block_size(1000, 6), block_size(2, 6), block_size(64, 6, depth=3)
    (21, 8192, 468)
    """
    if depth > 1:
        return int(max(1, min(MAX_BLOCK_NETS, DEEP_BLOCK_ELEMENTS // (width * (width + n_points)))))
    return int(max(1, min(MAX_BLOCK_NETS, BLOCK_ELEMENTS // (width * n_points))))


def psd_factor(gram: np.ndarray) -> np.ndarray:
    r"""Batched pivoted Cholesky factor of positive semi-definite matrices.

    Returns ``F`` of shape ``(..., P, P)`` with :math:`F F^T = C` up to
    :math:`O(P\,\epsilon\,\max_i C_{ii})`, also for singular or numerically singular ``C``
    (where LAPACK's Cholesky fails): at each step the largest remaining diagonal element is
    the pivot, and the factorisation stops (zero columns) once it falls below
    ``P * eps * max(diag C)``.  Vectorised over the leading axes (no Python loop over
    matrices; ``P`` steps).

    Examples
    --------
    >>> g = np.array([[1.0, 1.0], [1.0, 1.0 + 1e-12]])
    >>> f = psd_factor(g @ g.T)
    >>> bool(np.allclose(f @ f.T, g @ g.T, rtol=0, atol=1e-14))
    True
    """
    c = np.array(gram, dtype=float, copy=True)
    shape = c.shape
    p = shape[-1]
    c = c.reshape(-1, p, p)
    rows = np.arange(c.shape[0])
    diag = np.diagonal(c, axis1=1, axis2=2)  # a view: follows the updates of c
    tol = p * np.finfo(float).eps * diag.max(axis=1)
    factor = np.zeros_like(c)
    for k in range(p):
        piv = diag.argmax(axis=1)
        d = diag[rows, piv]
        ok = d > tol
        col = c[rows, :, piv] / np.sqrt(np.where(ok, d, 1.0))[:, None]
        col[~ok] = 0.0
        factor[:, :, k] = col
        c -= col[:, :, None] * col[:, None, :]
    return factor.reshape(shape)


def _layer_variances(net: Network, points: np.ndarray) -> list[np.ndarray | None]:
    """Infinite-width pre-activation variances of hidden layers 1..L at the points, ``(P,)`` each.

    They set the position-dependent normalisation n(s) of every layer (Gauss-net), exactly as
    the kernel recursion of :mod:`nnqft_sym.deep` assumes (layer 1: :math:`s(x)`); ``None``
    for architectures without a normalisation.
    """
    if not net._normalised:
        return [None] * net.depth
    if net.depth == 1:
        return [net.preactivation_variance(points)]
    from nnqft_sym.deep import mean_field_layers      # layer_kernels, hidden-layer means allowed
    return list(mean_field_layers(net, points, points)[1][:net.depth, :, 0])


class _BlockSampler:
    """What every stream block of one request shares: first-layer plan, variances, work buffer.

    The pre-activations of a block are drawn into one reused buffer (and activated in place),
    so that streaming allocates no large array per block.
    """

    def __init__(self, net: Network, width: int, points: np.ndarray, block_nets: int) -> None:
        self.net, self.width, self.n_points = net, width, points.shape[0]
        readout = net.priors.readout_weights
        #: the i.i.d. part of the read-out weights (the base of a shared scale or a sphere)
        self.readout_base = (readout.base if isinstance(readout, (SharedScale, SphericalReadout))
                             else readout)
        self.shared_scale = readout if isinstance(readout, SharedScale) else None
        self.spherical = readout if isinstance(readout, SphericalReadout) else None
        #: f - b1 drawn from the P x P Gram matrix (wide nets, i.i.d. centred Gaussian read-out)
        self.gram_route = (width >= GRAM_MIN_WIDTH and self.shared_scale is None
                           and self.spherical is None and readout.is_gaussian and readout.is_centred)
        self.first_layer = net.first_layer_sampler(points)
        self.variances = _layer_variances(net, points)
        self._buffer = np.empty((block_nets, width, self.n_points))

    def features(self, n_nets: int, rng: np.random.Generator,
                 hidden_grams: list[np.ndarray] | None = None) -> np.ndarray:
        """Last-hidden-layer features ``(n_nets, N, P)`` of ``n_nets`` networks (the first draws of a block).

        Draws the first layer and, for deep nets, per further hidden layer its ``N x N``
        weights then its ``N`` biases; the read-out is drawn by :meth:`draw` afterwards, so a
        caller that conditions on the features (and skips the read-out) sees the same
        features as the sampler for the same block seed.  The result lives in the block's
        reused buffer for depth 1: copy it before the next call if it must be kept.
        ``hidden_grams``, if a list, receives the Gram matrices ``(n_nets, P, P)`` of the
        features of hidden layers 1..L-1 (those read by a further hidden layer).
        """
        net, width = self.net, self.width
        z = self.first_layer.sample(rng, (n_nets, width), out=self._buffer[:n_nets])
        feats = net.activate(z, self.variances[0], overwrite_z=True)
        for layer in range(2, net.depth + 1):
            if hidden_grams is not None:
                hidden_grams.append(np.matmul(feats.transpose(0, 2, 1), feats))
            weights, biases = net.priors.layer(layer)
            w = weights.sample(rng, (n_nets, width, width), fan_in=width)
            z = np.matmul(w, feats)
            del w
            z += biases.sample(rng, (n_nets, width, 1))
            feats = net.activate(z, self.variances[layer - 1], overwrite_z=True)
        return feats

    def draw(self, n_nets: int, seq: np.random.SeedSequence) -> "_BlockDraws":
        """All random draws of one stream block (:class:`_BlockDraws`).

        Draw order (part of the reproducibility contract, :data:`STREAM_VERSION`): first
        layer (the ``d_in + 1`` normals of one neuron after another, see
        :meth:`nnqft_sym.Network.first_layer_sampler`); for deep nets, per further hidden
        layer its ``N x N`` weights then its ``N`` biases; then ``b1``; with a shared scale,
        one scale per network; then either the ``N`` standardised output weights (the
        unscaled contraction is kept) or, on the Gram route, ``P`` standard normals ``xi``
        (kept with the unscaled Gram matrices ``G^T G``).  With ``d_out > 1`` the output
        draws carry a trailing output axis.
        """
        net, width = self.net, self.width
        rng = np.random.Generator(np.random.PCG64(seq))
        feats = self.features(n_nets, rng)
        out_axis = () if net.d_out == 1 else (net.d_out,)
        b1 = net.priors.readout_bias.sample(rng, (n_nets,) + out_axis)
        scale = None if self.shared_scale is None else self.shared_scale.sample_scale(rng, (n_nets,))
        if not self.gram_route:
            xi = self.readout_base.law.sample(rng, (n_nets, width) + out_axis)
            if self.spherical is not None:      # a = r xi / |xi|: r drawn after xi
                norm = np.sqrt(np.einsum("bn...,bn...->b...", xi, xi))
                radius = self.spherical.sample_radius(rng, norm.size, width).reshape(norm.shape)
                scale = radius / norm
            shift = None
            if not self.readout_base.is_centred:
                mean = float(self.readout_base.parameter_mean(width))
                shift = mean * feats.sum(axis=1)
                shift = shift if not out_axis else shift[..., None]
            return _BlockDraws(b1, np.einsum("bn...,bnp->bp...", xi, feats), None, shift, scale)
        gram = np.matmul(feats.transpose(0, 2, 1), feats)
        return _BlockDraws(b1, gram, rng.standard_normal((n_nets, self.n_points) + out_axis))


class _BlockDraws(NamedTuple):
    """The draws of one block: bias, unscaled contraction (or Gram matrices and their normals),
    the read-out mean's shift and the shared scales (``None`` when absent)."""

    b1: np.ndarray
    value: np.ndarray
    xi: np.ndarray | None
    shift: np.ndarray | None = None
    scale: np.ndarray | None = None


def _outputs(net: Network, width: int, parts: list[_BlockDraws]) -> np.ndarray:
    """Assemble the outputs of consecutive blocks (one batched PSD factorisation for all)."""
    def stack(k: int) -> np.ndarray:
        return parts[0][k] if len(parts) == 1 else np.concatenate([p[k] for p in parts])

    b1 = stack(0)
    if parts[0].xi is None:
        out = stack(1)
    else:
        out = np.einsum("bpq,bq...->bp...", psd_factor(stack(1)), stack(2))
    readout = net.priors.readout_weights
    base = readout.base if isinstance(readout, (SharedScale, SphericalReadout)) else readout
    out *= np.sqrt(float(base.variance) / width)
    if parts[0].shift is not None:
        out += stack(3)
    if parts[0].scale is not None:      # (n,) shared or (n, d_out) spherical: not over points
        scale = stack(4)
        out *= scale.reshape(scale.shape[:1] + (1,) * (out.ndim - scale.ndim) + scale.shape[1:])
    out += b1[:, None, ...]
    return out


def sample_block(net: Network, width: int, points: np.ndarray, n_nets: int,
                 seq: np.random.SeedSequence) -> np.ndarray:
    """Outputs ``(n_nets, P)`` of one stream block drawn from its own SeedSequence ``seq``.

    ``points`` must already be an array ``(P, d_in)``; the draw order is documented in the
    module docstring.  Factorisations are elementwise per network, so a block gives the same
    numbers alone or assembled with others (:func:`iter_output_chunks`).

    Examples
    --------
    >>> from nnqft_sym import ReLUNet
    >>> sample_block(ReLUNet(), 200, np.zeros((2, 1)), 3, np.random.SeedSequence(0)).shape
    (3, 2)
    """
    return _outputs(net, width, [_BlockSampler(net, width, points, n_nets).draw(n_nets, seq)])


# ---------------------------------------------------------------------- public samplers
def _check_request(net: Any, width: Any, points: Any, n_nets: Any, chunk_size: Any
                   ) -> tuple[int, np.ndarray, int, int]:
    if not isinstance(net, Network):
        raise TypeError(f"net must be an nnqft_sym.Network (e.g. GaussNet()), got {type(net).__name__}")
    net.require_numeric("sampling")
    width = check_width(width)
    if not isinstance(width, int):
        raise TypeError(f"width must be a positive integer for sampling, got {width!r}")
    pts = as_points(points, net.d_in)
    if pts.ndim != 2:
        raise ValueError(f"points must have shape (P, d_in) or (P,) for d_in = 1, got {np.shape(points)}")
    return (width, pts, check_integer(n_nets, "n_nets", 1),
            check_integer(chunk_size, "chunk_size", 1))


@renamed_keywords(seed="rng")
def iter_output_chunks(net: Network, width: int, points: Any, n_nets: int, rng: Any = None,
                       chunk_size: int = DEFAULT_CHUNK_NETS) -> Iterator[np.ndarray]:
    """Stream the outputs of ``n_nets`` networks in chunks of about ``chunk_size`` networks.

    Each yielded array has shape ``(m, P)``; their concatenation is the same for every
    ``chunk_size`` (chunks are whole groups of stream blocks, see :func:`block_size`).
    ``rng`` is an int, SeedSequence, Generator or None (:func:`as_seed_sequence`); ``seed=``
    is its deprecated alias.

    Examples
    --------
    >>> from nnqft_sym import ErfNet
    >>> sum(c.shape[0] for c in iter_output_chunks(ErfNet(), 5, [0.0, 0.5], 1000, rng=1,
    ...                                            chunk_size=300))
    1000
    """
    width, pts, n_nets, chunk_size = _check_request(net, width, points, n_nets, chunk_size)
    seq = as_seed_sequence(rng, "rng")
    bsize = block_size(width, pts.shape[0], net.depth)
    n_blocks = -(-n_nets // bsize)
    blocks = child_seeds(seq, n_blocks)
    per_chunk = max(1, chunk_size // bsize)
    sampler = _BlockSampler(net, width, pts, min(bsize, n_nets))
    for start in range(0, n_blocks, per_chunk):
        yield _outputs(net, width, [sampler.draw(min(bsize, n_nets - j * bsize), blocks[j])
                                    for j in range(start, min(n_blocks, start + per_chunk))])


def sample_outputs(net: Network, width: int, points: Any, n_nets: int, rng: Any = None, *,
                   chunk_size: int = DEFAULT_CHUNK_NETS) -> np.ndarray:
    """Outputs f(x_a) of ``n_nets`` independent networks of the given width: ``(n_nets, P)``.

    Deep networks (``net.depth > 1``, every hidden layer of width N) and multi-output networks
    are sampled with the same streaming and reproducibility guarantees; with ``net.d_out > 1``
    the result has shape ``(n_nets, P, d_out)``.

    Parameters
    ----------
    net : Network
        The architecture (numeric hyper-parameters).
    width : int
        Hidden-layer width N >= 1.
    points : array_like
        ``(P, d_in)`` inputs (or ``(P,)`` for d_in = 1).
    n_nets : int
        Number of networks (>= 1).
    rng : int, SeedSequence, Generator or None
        Random stream (:func:`as_seed_sequence`); an int gives identical numbers on every run
        and for every ``chunk_size``.
    chunk_size : int
        Networks processed at once (bounds the working memory; no effect on the numbers).

    Returns
    -------
    numpy.ndarray
        float64 array ``(n_nets, P)`` (``(n_nets, P, d_out)`` when ``d_out > 1``).

    Raises
    ------
    TypeError, ValueError
        For a non-network, a symbolic network, a bad width, points, ``n_nets`` or ``chunk_size``.

    Examples
    --------
    >>> from nnqft_sym import GaussNet
    >>> f = sample_outputs(GaussNet(), 10, [-0.01, 0.0, 0.01], 20000, rng=0)
    >>> f.shape
    (20000, 3)
    >>> bool(abs(f[:, 1].var() / 2.0 - 1) < 0.05)   # K(0, 0) = sigma_b^2 + sigma_W^2 = 2
    True
    """
    width, pts, n_nets, chunk_size = _check_request(net, width, points, n_nets, chunk_size)
    out = np.empty((n_nets, pts.shape[0]) + (() if net.d_out == 1 else (net.d_out,)))
    start = 0
    for chunk in iter_output_chunks(net, width, pts, n_nets, rng, chunk_size):
        out[start:start + chunk.shape[0]] = chunk
        start += chunk.shape[0]
    return out
