r"""Conditional (Rao-Blackwellised) Green functions with a martingale control variate.

Given the last hidden layer :math:`h_j(x)` of one network, its output is exactly Gaussian in
the read-out weights and bias, with the *conditional covariance*

.. math:: \hat K(x_a, x_b) = \sigma_b^2 + \frac{v_{out}}{N}\sum_{j=1}^N h_j(x_a)\, h_j(x_b)

(every output component independently, with the same :math:`\hat K`).  Hence
:math:`E[f(x_1)\cdots f(x_n) \mid h] = \mathrm{Wick}_n(\hat K)`, the sum over the
:math:`(n-1)!!` pairings of products of :math:`\hat K`.  Averaging this conditional moment
over networks instead of the product of outputs is unbiased at every width and depth (tower
property) and its variance is never larger (Rao-Blackwell: :math:`\mathrm{Var}\,E[Y|h] =
\mathrm{Var}\,Y - E\,\mathrm{Var}(Y|h)`): it removes the read-out noise.

Control variate.  Write :math:`\Delta = \hat K - K` (:math:`K` the GP kernel,
``net.gram``) and expand :math:`\mathrm{Wick}_n(K + \Delta) = \mathrm{Wick}_n(K) +
L_n(\Delta) + R_n(\Delta)` with :math:`L_n` linear and :math:`R_n` of degree >= 2 in
:math:`\Delta`.  :math:`\Delta = O(N^{-1/2})` carries the noise, while the signal
:math:`\Delta G^{(n)} = O(1/N)` sits in :math:`R_n` (and in :math:`E\Delta` for depth >= 2).
We subtract :math:`L_n(Y)` for a matrix :math:`Y` with :math:`E Y = 0` *exactly*:

* one hidden layer: :math:`E\hat K = K` exactly, so :math:`Y = \Delta`, and the per-network
  term is :math:`t = R_n(\Delta)` (for n = 4, the hafnian of :math:`\Delta`);
* depth L >= 2: :math:`E\hat K = K + O(1/N)`, so :math:`\Delta` is not centred.  Let
  :math:`X_l` be the covariance of the layer-l pre-activations given layer l-1
  (:math:`X_1 = K^{(1)}` deterministic, :math:`X_{L+1} = \hat K`) and :math:`T_l(X)_{ab} =
  \sigma_b^2 + w_l\, n_a n_b\, E_X[\phi(z_a)\phi(z_b)]` the kernel map (:math:`w_l =
  \sigma_W^2`, :math:`v_{out}` for the read-out).  Given layer l-1 the pre-activations of
  layer l are i.i.d. over neurons with covariance :math:`X_l`, so
  :math:`E[X_{l+1} \mid X_l] = T_{l+1}(X_l)` exactly and the martingale differences
  :math:`D_l = X_l - T_l(X_{l-1})` have conditional mean zero.  With the Jacobians
  :math:`J_l` of :math:`T_l` at the infinite-width kernels (deterministic),
  :math:`Y = D_{L+1} + J_{L+1}[D_L + J_L[\dots + J_3[D_2]]]` has :math:`E Y = 0` exactly
  and equals :math:`\Delta` to first order, and :math:`t = R_n(\Delta) + L_n(\Delta - Y)`.

So the estimator of :math:`G^{(n)}` is the bag mean of :math:`\mathrm{Wick}_n(K) + t`,
unbiased at every width and depth, and :math:`\Delta G^{(n)}` is the bag mean of :math:`t`.
Its variance is :math:`\mathrm{Var}(t)/n_{nets}` with :math:`\mathrm{Var}(t) = O(N^{-2})`,
the square of the signal: the relative error of :math:`\Delta G` no longer grows with N (the
plain estimator's variance per network is O(1)).  The control-variate coefficient is fixed
at 1 (the linearisation), never fitted, so no bias enters through it (Owen, "Monte Carlo
theory, methods and examples", 2013, ch. 8, control variates with known mean; Rao-Blackwell:
Casella & Robert, Biometrika 83 (1996) 81).  The deep control variate needs
:math:`T_l` exactly, per network: from the bounded closed forms of the pair expectation
(ReLU and leaky ReLU arc-cosine, Erf arcsine) or, for a smooth activation without one (tanh,
GELU), from :class:`nnqft_sym.pair_rules.TrapezoidPairRule`, a trapezoidal rule in the
eigenbasis of each covariance calibrated to 1e-12 (a 24-point Gauss-Hermite rule is off by 3e-3
for tanh at variance 3, which biased :math:`N\Delta G` visibly).  Kinked activations without a
closed form, and the exponential closed form of a deep Gauss-net (it makes :math:`T_l(X_l)`
itself heavy-tailed, log-normal :math:`X_l`, which inflates the variance), use the conditional
estimator without the control variate (still unbiased).

Read-out means.  With Gaussian read-outs that have means (weights :math:`\mu_W/N` each, bias
:math:`\mu_b`) the output given the last hidden layer is :math:`N(\hat m, \hat K)` with
:math:`\hat m(x) = \mu_b + (\mu_W/N)\sum_j h_j(x)`, and :math:`E[f(x_1)\cdots f(x_n)\mid h]
= M_n(\hat m, \hat K)`, the sum over partitions of the points into singletons
(:math:`\hat m`) and pairs (:math:`\hat K`): :math:`M_n(i_1..i_n) = \hat m_{i_1}
M_{n-1}(\text{rest}) + \sum_j \hat K_{i_1 i_j} M_{n-2}(\text{rest without } i_j)`; odd
orders are non-zero.  For one hidden layer :math:`E\hat m = m` and :math:`E\hat K = K`
exactly (:func:`mean_and_kernel`), so the control variate is the part of :math:`M_n` linear in
:math:`(\hat m - m, \hat K - K)` and :math:`t = M_n(\hat m, \hat K) - M_n(m, K) - L_n`.
Deeper networks with read-out means (hidden layers centred) expand around the infinite-width
:math:`m` and :math:`K` of :mod:`nnqft_sym.deep`; there :math:`E\hat m = m + O(1/N)` is not
exact, so the mean gets no control variate (its linear term stays in :math:`t`, still
unbiased), while the kernel's martingale control variate is kept (a read-out mean does not
change :math:`\hat K`).  Without a mean, odd orders vanish: :math:`t = 0`.

Heavy tails.  Gauss-net features are log-normal; conditioning does not cure that.  For one
hidden layer with an exponential activation the first layer is importance-sampled (widened
normals with exact likelihood-ratio weights, :func:`importance_scale`), which removes the
heavy-tail bias at small widths (docs/numeric.md has the measured numbers).

The per-network terms :math:`t = \mathrm{Wick}_n(\hat K) - \mathrm{Wick}_n(K) - L_n(Y)` come
from the pairing recursion :math:`\mathrm{Wick}_n(i_1..i_n) = \sum_{j \ge 2} \hat K_{i_1 i_j}\,
\mathrm{Wick}_{n-2}(\text{rest})`, vectorised over networks, for every multiset of the points
(:func:`numeric.point_multisets`), and one matrix product for :math:`L_n` (its matrix built
once by the same recursion).  The subtraction of O(1) terms loses about
:math:`\epsilon\, G_0/\Delta G \approx 10^{-12}` relative at N = 1000.
"""
from __future__ import annotations

import functools
import itertools
import json
from typing import Any

import numpy as np

from nnqft_sym.architectures import Network, from_description
from nnqft_sym.activations import activation_rules
from nnqft_sym.deep import (deep_mean_function, kernel_map_gradient, layer_kernels,
                             pair_expectation, read_variances)
from nnqft_sym.neuron_sums import free_green_general
from nnqft_sym.pair_rules import trapezoid_pair_rule
from nnqft_sym.priors import ParameterPrior

from ._blas import blas_threads
from .monomials import SLAB_NETS, STATISTICS
from .sampling import _BlockSampler, block_size, child_seeds

__all__ = [
    "ESTIMATORS",
    "PLAIN",
    "CONDITIONAL",
    "IMPORTANCE_WIDTH_SCALE",
    "importance_scale",
    "conditional_estimator_valid",
    "default_estimator",
    "check_estimator",
    "ConditionalSums",
    "KernelFluctuations",
    "mean_and_kernel",
    "conditional_bag_sums",
]

#: the plain monomial estimator (products of sampled outputs, :mod:`numeric.monomials`)
PLAIN = "plain"
#: the conditional (Rao-Blackwellised) estimator with the control variate of this module
CONDITIONAL = "conditional"
#: the estimators :func:`numeric.measure` accepts
ESTIMATORS = (PLAIN, CONDITIONAL)
#: lambda^2 = 1 + IMPORTANCE_WIDTH_SCALE / N: the widened first-layer draw of one-layer Gauss-nets
#: (:func:`importance_scale`; 4.5 measured best of 1.4^2, 1.6^2, 1.8^2 at N = 2)
IMPORTANCE_WIDTH_SCALE = 4.5
#: networks per piece of the pairing recursion (its temporaries stay in cache)
_PIECE = 256


# ---------------------------------------------------------------------- which estimator
def conditional_estimator_valid(net: Network) -> bool:
    """Whether the conditional estimator applies: the read-out is Gaussian given the features.

    The conditional moment :math:`E[f(x_1)\\cdots f(x_n) \\mid h]` is a Wick sum when the
    read-out weights and bias are i.i.d. zero-mean Gaussian and independent of the hidden
    layers (``W_out ~ N(0, v_out/N)``, ``b_out ~ N(0, sigma_b^2)``): the capability query
    ``net.priors.readout_is_centred_gaussian`` of the read-out prior objects.  With i.i.d.
    Gaussian read-outs that have means it is the moment of :math:`N(\\hat m, \\hat K)`
    (module docstring, "Read-out means"), at any depth with centred hidden layers.  A read-out
    law or shared scale (:meth:`nnqft_sym.Network.with_priors`), or means in the hidden layers
    of a deep network, need the plain estimator.  The control variate of a deep network also needs Gaussian
    hidden layers (:class:`KernelFluctuations` turns it off otherwise).

    Examples
    --------
    >>> from nnqft_sym import GaussNet
    >>> conditional_estimator_valid(GaussNet()), conditional_estimator_valid(GaussNet().with_priors(readout_weights="laplace"))
    (True, False)
    >>> conditional_estimator_valid(GaussNet().with_priors(readout_bias={"mean": 1}))
    True
    """
    if not isinstance(net, Network):
        return False
    priors = net.priors
    if priors.readout_is_centred_gaussian:
        return True
    if not (priors.readout_is_gaussian and all(isinstance(p, ParameterPrior) for p in
                                               (priors.readout_weights, priors.readout_bias))):
        return False
    if net.depth == 1:
        return net.has_exact_finite_width
    return net.priors.first_layer_is_gaussian and not net.priors.shifted_before_readout


def default_estimator(net: Network) -> str:
    """The best valid estimator of ``net``: ``"conditional"`` when valid, else ``"plain"``.

    Examples
    --------
    >>> from nnqft_sym import ReLUNet
    >>> default_estimator(ReLUNet(depth=3))
    'conditional'
    """
    return CONDITIONAL if conditional_estimator_valid(net) and net.has_gp_kernel else PLAIN


def check_estimator(estimator: Any, net: Network | None = None) -> str:
    """Validate an ``estimator`` argument; ``None`` means :func:`default_estimator` of ``net``.

    Raises
    ------
    TypeError
        If ``estimator`` is not a string (or None).
    ValueError
        If it is not one of :data:`ESTIMATORS`, or ``"conditional"`` for a network whose
        read-out is not Gaussian given its features.

    Examples
    --------
    >>> check_estimator("plain"), check_estimator(None, None)
    ('plain', 'plain')
    >>> check_estimator("foo")
    Traceback (most recent call last):
    ...
    ValueError: estimator must be one of 'plain', 'conditional' (or None for the best valid one), got 'foo'
    """
    if estimator is None:
        return PLAIN if net is None else default_estimator(net)
    if not isinstance(estimator, str):
        raise TypeError(f"estimator must be one of {', '.join(map(repr, ESTIMATORS))} or None, "
                        f"got {estimator!r}")
    if estimator not in ESTIMATORS:
        raise ValueError(f"estimator must be one of {', '.join(map(repr, ESTIMATORS))} "
                         f"(or None for the best valid one), got {estimator!r}")
    if estimator == CONDITIONAL and net is not None and not conditional_estimator_valid(net):
        if isinstance(net, Network) and net.depth > 1 and net.priors.shifted_before_readout:
            raise ValueError(f"estimator 'conditional' needs centred hidden layers at depth "
                             f">= 2 (its expansion point comes from the 1/N recursion); the "
                             f"groups {net.priors.shifted_before_readout} of this {net.name} have "
                             "means: use estimator='plain' (the default for it)")
        raise ValueError(f"estimator 'conditional' needs a read-out that is Gaussian given the "
                         f"features; {net.name} has none: use estimator='plain'")
    if estimator == CONDITIONAL and net is not None and not net.has_gp_kernel:
        raise ValueError(f"estimator 'conditional' subtracts the infinite-width kernel, which is "
                         f"not computable for this {net.name} (its first-layer priors); use "
                         "estimator='plain'")
    return estimator


# ---------------------------------------------------------------------- pairing recursion
@functools.lru_cache(maxsize=None)
def _recursion(n_points: int, order: int) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    """For each multiset of ``order`` (lexicographic), per partner position j = 1..order-1:
    the flat index ``i_1 * P + i_j`` of the pair and the index of the remaining multiset in the
    list of degree ``order - 2`` (0 for the empty multiset)."""
    combos = list(itertools.combinations_with_replacement(range(n_points), order))
    lookup = {c: i for i, c in
              enumerate(itertools.combinations_with_replacement(range(n_points), order - 2))}
    out = []
    for j in range(1, order):
        pair = np.array([c[0] * n_points + c[j] for c in combos])
        rest = np.array([lookup[c[1:j] + c[j + 1:]] for c in combos])
        out.append((pair, rest))
    return tuple(out)


@functools.lru_cache(maxsize=None)
def _singleton_step(n_points: int, order: int) -> tuple[np.ndarray, np.ndarray]:
    """For each multiset of ``order`` (lexicographic): its first point ``i_1`` and the index of
    the remaining multiset in the list of degree ``order - 1`` (0 for the empty multiset)."""
    combos = list(itertools.combinations_with_replacement(range(n_points), order))
    lookup = {c: i for i, c in
              enumerate(itertools.combinations_with_replacement(range(n_points), order - 1))}
    return np.array([c[0] for c in combos]), np.array([lookup[c[1:]] for c in combos])


class ConditionalSums:
    r"""Streaming sums over networks of the conditional terms :math:`t` at every multiset.

    Parameters
    ----------
    kernel : (P, P) array
        The GP kernel :math:`K` at the points (the expansion point of the Wick sums).
    orders : sequence of int
        Orders n >= 1 (odd ones vanish without a mean).
    mean : (P,) array, optional
        The exact mean :math:`m = E f` at the points when the read-out has a mean (module
        docstring, "Read-out means"); the conditional moments are then those of
        :math:`N(\hat m, \hat K)` and :meth:`add` takes :math:`\hat m - m` per network.

    :meth:`add` takes per network :math:`\Delta = \hat K - K` and the remainder
    :math:`\Delta - Y` (module docstring); :meth:`finish` returns, per order and in the layout
    of :class:`numeric.MonomialSums`, ``sum`` :math:`= n_{nets}\,\mathrm{Wick}_n(K) + \sum t`
    (so ``sum / n_nets`` estimates :math:`G^{(n)}`) and ``sum_abs``, ``sum_sq`` of the terms
    :math:`t` that carry :math:`\Delta G` (their Kish :math:`n_{eff}` is the heavy-tail
    diagnostic).  Sums are added in fixed slabs of :data:`numeric.SLAB_NETS` networks, so they
    do not depend on how the networks are streamed.

    Examples
    --------
    >>> k = np.array([[2.0, 1.0], [1.0, 2.0]])
    >>> acc = ConditionalSums(k, (4,))
    >>> d = np.array([[[0.1, 0.0], [0.0, -0.1]]])
    >>> acc.add(d, d)                  # remainder = Delta: no control variate
    >>> round(float(acc.finish()[4]["sum"][0]), 12)     # Wick_4(K + d)(x1,x1,x1,x1) = 3 * 2.1^2
    13.23
    >>> cv = ConditionalSums(k, (4,))
    >>> cv.add(d, np.zeros_like(d))    # Y = Delta: minus L_4(d) = 3 * 2 * (2 * 0.1)
    >>> round(float(cv.finish()[4]["sum"][0]), 12)
    12.03
    >>> shifted = ConditionalSums(k, (1, 3), mean=np.array([1.0, 0.0]))
    >>> dm = np.array([[0.5, 0.0]])
    >>> shifted.add(d, d, mean_delta=dm, mean_remainder=dm)   # E[f^3] of N(1.5, 2.1)
    >>> [round(float(shifted.finish()[n]["sum"][0]), 12) for n in (1, 3)]
    [1.5, 12.825]
    """

    def __init__(self, kernel: np.ndarray, orders: tuple[int, ...],
                 mean: np.ndarray | None = None) -> None:
        self.kernel = np.asarray(kernel, dtype=float)
        self.n_points = self.kernel.shape[0]
        self.orders = tuple(sorted(set(int(n) for n in orders)))
        if not self.orders or self.orders[0] < 1:
            raise ValueError(f"orders must be integers >= 1, got {orders}")
        self.mean = None if mean is None else np.asarray(mean, dtype=float)
        p = self.n_points
        flat = self.kernel.reshape(-1)
        # Wick_k(K) (or the moments of N(m, K)) and the matrix of its linear part L_k, by the
        # recursion; the linear part acts on (Delta K flat, Delta m): (n_combos, P*P [+ P])
        size = p * p + (0 if self.mean is None else p)
        eye = np.eye(size)
        self._free, self._linear = {0: np.ones(1)}, {0: np.zeros((1, size))}
        top = max(self.orders)
        for k in range(1, top + 1):
            if self.mean is None and k % 2:
                continue                             # centred: odd moments vanish
            steps = _recursion(p, k) if k >= 2 else ()
            free = sum(flat[pair] * self._free[k - 2][rest] for pair, rest in steps)
            linear = sum(eye[pair] * self._free[k - 2][rest][:, None]
                         + flat[pair][:, None] * self._linear[k - 2][rest]
                         for pair, rest in steps)
            if self.mean is not None:
                first, rest = _singleton_step(p, k)
                free = free + self.mean[first] * self._free[k - 1][rest]
                linear = (linear + eye[p * p + first] * self._free[k - 1][rest][:, None]
                          + self.mean[first][:, None] * self._linear[k - 1][rest])
            self._free[k], self._linear[k] = free, linear
        for n in self.orders:
            if n not in self._free:                  # an odd order of a centred read-out
                self._free[n] = np.zeros(len(_singleton_step(p, n)[0]))
        self._totals = {n: {s: np.zeros(len(self._free[n])) for s in STATISTICS}
                        for n in self.orders}
        self._buffer: list[tuple[np.ndarray, ...]] = []
        self._buffered = 0
        self.n_nets = 0
        self._flat_kernel = self.kernel.reshape(p * p, 1)
        self._rows = max(len(f) for f in self._free.values())     # rows of the scratch arrays
        self._scratch: dict[str, np.ndarray] = {}

    @property
    def free(self) -> dict[int, np.ndarray]:
        """:math:`\\mathrm{Wick}_n(K)` at every multiset, per order (G_0 of the expansion point)."""
        return {n: self._free[n].copy() for n in self.orders}

    def add(self, delta: np.ndarray, remainder: np.ndarray,
            weights: np.ndarray | None = None, mean_delta: np.ndarray | None = None,
            mean_remainder: np.ndarray | None = None) -> None:
        """Add networks: ``delta`` and ``remainder`` of shape ``(m, P, P)``; ``weights`` ``(m,)``
        are likelihood ratios of an importance-sampled draw (default 1); ``mean_delta``
        ``(m, P)`` is :math:`\\hat m - m` (required with a ``mean``) and ``mean_remainder``
        its part outside the control variate (default 0: :math:`E \\hat m = m` exactly at
        depth 1, so the control variate of the mean is :math:`\\hat m - m` itself)."""
        delta = np.asarray(delta, float)
        weights = np.ones(delta.shape[0]) if weights is None else np.asarray(weights, float)
        if (mean_delta is None) != (self.mean is None):
            raise ValueError("mean_delta must be given exactly when ConditionalSums has a mean")
        parts: tuple[np.ndarray, ...] = (delta, np.asarray(remainder, float), weights)
        if mean_delta is not None:
            mean_delta = np.asarray(mean_delta, float)
            parts += (mean_delta, np.zeros_like(mean_delta) if mean_remainder is None
                      else np.asarray(mean_remainder, float))
        self._buffer.append(parts)
        self._buffered += delta.shape[0]
        if self._buffered >= SLAB_NETS:
            if len(self._buffer) > 1:            # one block: its slabs are views, no copy
                parts = tuple(np.concatenate([b[i] for b in self._buffer])
                              for i in range(len(parts)))
            n_full = (parts[0].shape[0] // SLAB_NETS) * SLAB_NETS
            for start in range(0, n_full, SLAB_NETS):
                self._add_slab(*(x[start:start + SLAB_NETS] for x in parts))
            rest = parts[0].shape[0] - n_full
            self._buffer = [tuple(x[n_full:].copy() for x in parts)] if rest else []
            self._buffered = rest

    def _add_slab(self, delta: np.ndarray, remainder: np.ndarray, weights: np.ndarray,
                  mean_delta: np.ndarray | None = None,
                  mean_remainder: np.ndarray | None = None) -> None:
        # pieces of _PIECE networks keep the (n_combos x networks) temporaries in cache; the
        # linear parts are small products (n_combos x P^2 by P^2 x 256), on one BLAS thread:
        # a second OpenBLAS thread made them up to 70x slower on a busy 2-core machine
        with blas_threads(1):
            for start in range(0, delta.shape[0], _PIECE):
                piece = slice(start, start + _PIECE)
                if mean_delta is None:
                    self._add_piece(delta[piece], remainder[piece], weights[piece])
                else:
                    self._add_shifted_piece(delta[piece], remainder[piece], weights[piece],
                                            mean_delta[piece], mean_remainder[piece])
        self.n_nets += delta.shape[0]

    def _work(self, name: str, rows: int, m: int) -> np.ndarray:
        """A reused C-contiguous ``(rows, m)`` scratch array (``m <= _PIECE``).

        The pieces allocate no large array: fresh ~1 MB temporaries page-faulted on every
        piece, and under Dask's ``MALLOC_TRIM_THRESHOLD_`` (every worker process) each one is
        an ``mmap``/``munmap`` pair, which made system time exceed user time."""
        buf = self._scratch.get(name)
        if buf is None or buf.size < rows * m:
            buf = self._scratch[name] = np.empty(rows * max(m, _PIECE))
        return buf[:rows * m].reshape(rows, m)

    def _add_terms(self, k: int, moments: np.ndarray, y: np.ndarray, weights: np.ndarray) -> None:
        """Accumulate :math:`t = M_k(\\hat K) - M_k(K) - L_k(Y)` of one piece at order ``k``."""
        rows, m = moments.shape
        t = np.subtract(moments, self._free[k][:, None], out=self._work("t", rows, m))
        work = np.matmul(self._linear[k], y, out=self._work("lin", rows, m))
        t -= work
        t *= weights
        tot, part = self._totals[k], self._work("part", 1, rows)[0]
        tot["sum"] += np.add.reduce(t, axis=1, out=part)
        tot["sum_abs"] += np.add.reduce(np.abs(t, out=work), axis=1, out=part)
        tot["sum_sq"] += np.add.reduce(np.multiply(t, t, out=work), axis=1, out=part)

    def _gather_product(self, name: str, a: np.ndarray, ia: np.ndarray, b: np.ndarray,
                        ib: np.ndarray) -> np.ndarray:
        """``a[ia] * b[ib]`` into reused scratch (``mode="clip"``: ``take`` with ``out`` and
        the default ``mode="raise"`` buffers a fresh copy; the indices are valid)."""
        m = a.shape[1]
        u = self._work(name, self._rows, m)[:len(ia)]
        v = self._work(name + "'", self._rows, m)[:len(ia)]
        np.take(a, ia, axis=0, out=u, mode="clip")
        np.take(b, ib, axis=0, out=v, mode="clip")
        u *= v
        return u

    def _add_piece(self, delta: np.ndarray, remainder: np.ndarray, weights: np.ndarray) -> None:
        m, p = delta.shape[0], self.n_points
        top = max(self.orders) // 2 * 2                               # odd orders: t = 0
        if top == 0:
            return
        pp = p * p
        a = np.add(delta.reshape(m, pp).T, self._flat_kernel, out=self._work("a", pp, m))  # K_hat
        y = np.subtract(delta.reshape(m, pp).T, remainder.reshape(m, pp).T,
                        out=self._work("y", pp, m))                 # the control variate's Y
        wick = {0: np.ones((1, m))}
        for k in range(2, top + 1, 2):
            acc = self._work(f"m{k}", len(self._free[k]), m)
            acc.fill(0.0)
            for pair, rest in _recursion(p, k):      # in place: no temporaries per step
                acc += self._gather_product("u", a, pair, wick[k - 2], rest)
            wick[k] = acc
            if k in self.orders:
                self._add_terms(k, acc, y, weights)

    def _add_shifted_piece(self, delta: np.ndarray, remainder: np.ndarray, weights: np.ndarray,
                           mean_delta: np.ndarray, mean_remainder: np.ndarray) -> None:
        # the moments of N(m_hat, K_hat): M_k = m_hat(i_1) M_{k-1}(rest) + sum_j K_hat(i_1, i_j)
        # M_{k-2}(rest without i_j), vectorised over the networks of the piece
        m, p = delta.shape[0], self.n_points
        pp = p * p
        a = np.add(delta.reshape(m, pp).T, self._flat_kernel, out=self._work("a", pp, m))
        mu = np.add(mean_delta.T, self.mean[:, None], out=self._work("mu", p, m))   # m_hat
        y = self._work("y", pp + p, m)
        np.subtract(delta.reshape(m, pp).T, remainder.reshape(m, pp).T, out=y[:pp])
        np.subtract(mean_delta.T, mean_remainder.T, out=y[pp:])
        moments = {0: np.ones((1, m))}
        for k in range(1, max(self.orders) + 1):
            first, rest = _singleton_step(p, k)
            acc = self._work(f"m{k}", len(first), m)
            np.copyto(acc, self._gather_product("u", mu, first, moments[k - 1], rest))
            if k >= 2:
                for pair, rest2 in _recursion(p, k):
                    acc += self._gather_product("u", a, pair, moments[k - 2], rest2)
            moments[k] = acc
            if k in self.orders:
                self._add_terms(k, acc, y, weights)

    def finish(self) -> dict[int, dict[str, np.ndarray]]:
        """Flush the last partial slab and return ``{order: {statistic: (n_combos,)}}``."""
        if self._buffered:
            size = len(self._buffer[0])
            self._add_slab(*(np.concatenate([b[i] for b in self._buffer]) for i in range(size)))
            self._buffer, self._buffered = [], 0
        out = {}
        for n, tot in self._totals.items():
            out[n] = {s: v.copy() for s, v in tot.items()}
            out[n]["sum"] = self.n_nets * self._free[n] + tot["sum"]
        return out


# ---------------------------------------------------------------------- kernel maps
def mean_and_kernel(net: Network, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""The mean :math:`m = E f` ``(P,)`` and the covariance :math:`K` ``(P, P)`` of the
    infinite-width Gaussian process :math:`G_0` of one hidden layer (any read-out mean).

    :math:`m(x) = \mu_b + \mu_W E[g(x)]` and :math:`K = \sigma_b^2 + v\, E[g g]`, read off
    the exact :math:`G_0^{(1)}` and :math:`G_0^{(2)}` (:func:`nnqft_sym.free_green_general`),
    so they are the expansion point of the reference values of :func:`numeric.measure`.  At
    depth 1 :math:`E\hat m = m` and :math:`E\hat K = K` exactly.

    Examples
    --------
    >>> from nnqft_sym import ReLUNet
    >>> net = ReLUNet(sigma_b=0).with_priors(readout_bias={"mean": 2})
    >>> m, k = mean_and_kernel(net, np.array([[1.0]]))
    >>> float(m[0]), float(k[0, 0])                  # mu_b; v E[relu(z)^2] = 1/2
    (2.0, 0.5)
    """
    pts = np.asarray(points, float)
    p = pts.shape[0]
    mean = np.asarray(free_green_general(net, pts[:, None, :]), float).reshape(p)
    index = np.stack(np.meshgrid(np.arange(p), np.arange(p), indexing="ij"), axis=-1)
    second = np.asarray(free_green_general(net, pts[index.reshape(-1, 2)]), float).reshape(p, p)
    return mean, second - np.outer(mean, mean)


class KernelFluctuations:
    r"""What a network's hidden Gram matrices give the conditional estimator: :math:`\Delta` and
    :math:`\Delta - Y` (module docstring), for one architecture at fixed points.

    Parameters
    ----------
    net : Network
        Numeric architecture, any depth.
    points : (P, d_in) array

    Attributes
    ----------
    kernel : (P, P) array, the output GP kernel ``net.gram(points)`` (with read-out means:
        the covariance of :math:`G_0`, :func:`mean_and_kernel`)
    mean : (P,) array or None, the exact mean :math:`E f` when the read-out has a mean
    control_variate : bool, whether :math:`Y` is used (always at depth 1; deep networks
        need the kernel map exactly: a closed form or a smooth activation, module docstring)

    Examples
    --------
    >>> from nnqft_sym import ReLUNet
    >>> fl = KernelFluctuations(ReLUNet(depth=2), np.array([[0.5], [1.0]]))
    >>> fl.control_variate, fl.kernel.shape
    (True, (2, 2))
    """

    def __init__(self, net: Network, points: np.ndarray) -> None:
        self.net = net
        self.mean: np.ndarray | None = None
        if net.priors.readout_is_centred_gaussian:
            self.kernel = np.asarray(net.gram(points), dtype=float)
        else:                               # a Gaussian read-out with a mean
            if net.depth == 1:
                self.mean, self.kernel = mean_and_kernel(net, points)
            else:                           # the infinite-width m and K (nnqft_sym.deep)
                pts = np.asarray(points, float)
                self.mean = np.asarray(deep_mean_function(net, pts), float).reshape(len(pts))
                self.kernel = layer_kernels(net, pts[:, None, :], pts[None, :, :])[-1, ..., 2]
            self._readout_means = (float(net.priors.readout_bias.parameter_mean()),
                                   float(net.priors.readout_weights.mean))
        # (weight variance times N, bias variance) of the layers reading layer 1..L, from the priors
        layers = read_variances(net)
        self.weights = [w for w, _ in layers]
        self.bias_variances = [b for _, b in layers]
        self.control_variate = True
        if net.depth == 1:
            return
        if not _gaussian_centred_layers(net):    # the kernel maps assume Gaussian layers
            self.control_variate = False
            return
        pts = np.asarray(points, float)
        kernels = layer_kernels(net, pts[:, None, :], pts[None, :, :])[..., 2]   # (L+1, P, P)
        self.layer_kernels = kernels
        rules = activation_rules(net.activation)
        closed = pair_expectation(net.activation)
        if rules.family == "exponential" or (rules.kinks and closed.closed_form is None):
            self.control_variate = False
            return
        # closed forms (ReLU, Erf) or, for a smooth activation, the trapezoidal rule (~1e-12)
        self._pair = (closed.value if closed.closed_form is not None
                      else trapezoid_pair_rule(net.activation))
        # (weight, normalisation n_a n_b, Jacobian coefficients (3, P, P)) of T_2 .. T_{L+1}
        self.maps = []
        for layer, w in enumerate(self.weights):
            kern = kernels[layer]
            _, coef = kernel_map_gradient(net, kern)
            norm = (np.asarray(net.normalisation_function(np.diagonal(kern)), float)
                    if net.normalisation != 1 else np.ones(len(kern)))
            self.maps.append((w, np.outer(norm, norm), w * coef))

    def mean_delta(self, width: int, feature_sums: np.ndarray) -> np.ndarray | None:
        r""":math:`\hat m - m` ``(m, P)`` from the sums :math:`\sum_j h_j(x)` ``(m, P)`` of the
        last hidden layer (``None`` without a read-out mean): :math:`\hat m = \mu_b +
        (\mu_W/N) \sum_j h_j` (a weight mean scales as :math:`1/n_{in}`)."""
        if self.mean is None:
            return None
        bias, weight = self._readout_means
        return bias + (weight / width) * feature_sums - self.mean

    def _pair_values(self, x: np.ndarray) -> np.ndarray:
        """:math:`E_X[\\phi(z_a)\\phi(z_b)]` for covariance matrices ``x`` ``(m, P, P)``."""
        d = np.diagonal(x, axis1=1, axis2=2)
        sx, sy = np.broadcast_arrays(d[:, :, None], d[:, None, :])
        bound = np.sqrt(sx * sy)
        c = np.clip(x, -bound, bound)
        idx = np.arange(x.shape[1])
        c[:, idx, idx] = d                     # exactly coincident on the diagonal
        return np.asarray(self._pair(sx, sy, c), float)

    def _kernel_map(self, layer: int, x: np.ndarray) -> np.ndarray:
        w, norm, _ = self.maps[layer]
        return self.bias_variances[layer] + w * norm * self._pair_values(x)

    def _jacobian(self, layer: int, d: np.ndarray) -> np.ndarray:
        coef = self.maps[layer][2]
        diag = np.diagonal(d, axis1=1, axis2=2)
        return coef[0] * diag[:, :, None] + coef[1] * diag[:, None, :] + coef[2] * d

    def __call__(self, width: int, gram: np.ndarray, hidden_grams: list[np.ndarray]
                 ) -> tuple[np.ndarray, np.ndarray]:
        r"""``(Delta, Delta - Y)`` ``(m, P, P)`` from the last hidden layer's Gram matrices
        :math:`H^T H` ``gram`` and those of the hidden layers 1..L-1 (``hidden_grams``)."""
        k_hat = self.bias_variances[-1] + (self.weights[-1] / width) * gram
        delta = k_hat - self.kernel
        if self.net.depth == 1:
            return delta, np.zeros_like(delta)
        if not self.control_variate:
            return delta, delta
        # X_2 .. X_L (hidden pre-activation covariances given the layer before), X_{L+1} = K_hat
        xs = [self.bias_variances[l] + (self.weights[l] / width) * g for l, g in enumerate(hidden_grams)]
        xs.append(k_hat)
        y = xs[0] - self.layer_kernels[1]                       # D_2
        for layer in range(1, len(xs)):                         # Horner: Y = D + J[Y]
            y = xs[layer] - self._kernel_map(layer, xs[layer - 1]) + self._jacobian(layer, y)
        return delta, delta - y


def _gaussian_centred_layers(net: Network) -> bool:
    """Every group i.i.d. Gaussian and, except the read-out, centred: the kernel maps of the
    control variate are exact (a read-out mean does not change the conditional covariance)."""
    return all(isinstance(p, ParameterPrior) and p.is_gaussian
               and (p.is_centred or name.startswith("readout"))
               for name, p in net.priors.groups().items())


@functools.lru_cache(maxsize=16)
def _cached_fluctuations(description: str, points: bytes, shape: tuple[int, int]
                         ) -> KernelFluctuations:
    """One :class:`KernelFluctuations` per architecture, points and process (the Jacobians take a
    symbolic differentiation)."""
    return KernelFluctuations(from_description(json.loads(description)),
                              np.frombuffer(points).reshape(shape))


def importance_scale(net: Network, width: int) -> float:
    r"""Scale :math:`\lambda` of the widened first-layer draw of the conditional estimator.

    Gauss-net features :math:`e^{z - s}` are log-normal, so the conditional terms are dominated
    by rare first layers with large standard normals :math:`u` (:math:`z = u \cdot D`).  For
    one hidden layer with an exponential activation the first-layer normals are drawn from
    :math:`N(0, \lambda^2)` instead, :math:`\lambda^2 = 1 +`
    :data:`IMPORTANCE_WIDTH_SCALE` / N, and every network is weighted by the exact
    likelihood ratio :math:`\prod_{j,k} \lambda\, e^{-u_{jk}^2 (1 - \lambda^{-2})/2}` (an
    unbiased importance-sampling estimate, Owen ch. 9).  The second moment of the weights is
    :math:`(\lambda/\sqrt{2 - \lambda^{-2}})^{N (d_{in}+1)}`, bounded in N by this choice, while
    the Gaussian factor tames the log-normal tails (measured, 6 HMS points, Delta G^(4): the
    per-bag spread falls 4.5x at N = 2 and 6x at N = 10, and the heavy-tail bias at N = 2, 55
    against the exact 80, disappears).  Every other network: 1 (no reweighting).  A fixed
    function of the architecture and the width, never of the data, so no bias enters.

    Examples
    --------
    >>> from nnqft_sym import GaussNet, ReLUNet
    >>> round(importance_scale(GaussNet(), 2), 4), importance_scale(ReLUNet(), 2)
    (1.8028, 1.0)
    """
    if (net.depth == 1 and net.first_layer_is_design
            and activation_rules(net.activation).family == "exponential"):
        return float(np.sqrt(1.0 + IMPORTANCE_WIDTH_SCALE / width))
    return 1.0


def _tilted_features(sampler: _BlockSampler, design: np.ndarray, n_nets: int,
                     rng: np.random.Generator, scale: float, normals: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray]:
    """First-layer features of ``n_nets`` networks drawn with normals of standard deviation
    ``scale`` (:func:`importance_scale`; ``design`` is ``net.preactivation_design(points)``) and
    their likelihood-ratio weights ``(n_nets,)``; ``normals`` ``(>= n_nets, N, d_in + 1)`` is
    reused scratch (the features live in the sampler's block buffer)."""
    net = sampler.net
    u = rng.standard_normal(out=normals[:n_nets])          # reused buffers: no page faults
    u *= scale
    log_weight = (u.shape[1] * u.shape[2] * np.log(scale)
                  - 0.5 * (1.0 - scale ** -2) * np.einsum("nwk,nwk->n", u, u))
    z = np.matmul(u, design, out=sampler._buffer[:n_nets])
    feats = net.activate(z, sampler.variances[0], overwrite_z=True)
    return feats, np.exp(log_weight)


def conditional_bag_sums(net: Network, width: int, points: np.ndarray, n_nets: int,
                         seq: np.random.SeedSequence, orders: tuple[int, ...]
                         ) -> dict[int, dict[str, np.ndarray]]:
    """:class:`ConditionalSums` of ``n_nets`` networks streamed block by block.

    The networks are those of :func:`numeric.sample_outputs` with the same seed (the same
    stream blocks and feature draws, :meth:`_BlockSampler.features`; one-layer Gauss-nets draw
    a widened first layer instead, :func:`importance_scale`); their read-outs are not drawn.
    The working memory is one stream block.

    Examples
    --------
    >>> from nnqft_sym import ErfNet
    >>> s = conditional_bag_sums(ErfNet(), 5, np.array([[0.0], [0.5]]), 100,
    ...                          np.random.SeedSequence(1), (2, 4))
    >>> s[4]["sum"].shape
    (5,)
    """
    pts = np.ascontiguousarray(points, dtype=float)
    fluct = _cached_fluctuations(json.dumps(net.describe(), sort_keys=True), pts.tobytes(),
                                 pts.shape)
    acc = ConditionalSums(fluct.kernel, orders, fluct.mean)
    bsize = block_size(width, pts.shape[0], net.depth)
    n_blocks = -(-n_nets // bsize)
    sampler = _BlockSampler(net, width, pts, min(bsize, n_nets))
    scale = importance_scale(net, width)
    design = net.preactivation_design(pts) if scale != 1.0 else None
    normals = (np.empty((min(bsize, n_nets), width, design.shape[0])) if design is not None
               else None)
    for j, block in enumerate(child_seeds(seq, n_blocks)):
        rng = np.random.Generator(np.random.PCG64(block))
        hidden: list[np.ndarray] = []
        size = min(bsize, n_nets - j * bsize)
        if scale == 1.0:
            feats, weights = sampler.features(size, rng, hidden_grams=hidden), None
        else:
            feats, weights = _tilted_features(sampler, design, size, rng, scale, normals)
        gram = np.matmul(feats.transpose(0, 2, 1), feats)
        mean_delta = None if fluct.mean is None else fluct.mean_delta(width, feats.sum(axis=1))
        # depth >= 2: E m_hat = m + O(1/N), so no control variate for the mean (remainder = delta)
        acc.add(*fluct(width, gram, hidden), weights, mean_delta=mean_delta,
                mean_remainder=mean_delta if net.depth > 1 and mean_delta is not None else None)
    return acc.finish()
