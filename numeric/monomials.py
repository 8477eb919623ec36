r"""Monomial features of network outputs: all products :math:`f(x_{i_1})\cdots f(x_{i_n})`.

The experimental Green function at a multiset :math:`\{i_1 \le \dots \le i_n\}` of the
:math:`P` points is the ensemble average of the monomial :math:`f_{i_1}\cdots f_{i_n}`.
For even :math:`n = 2h` every multiset splits into two halves of :math:`h` points, so its sum
over networks is an entry of the matrix product :math:`A^T A`, where :math:`A` holds the
degree-:math:`h` monomials of each network (built by multiplications, one degree from the
previous).  Likewise :math:`\sum |t| = (|A|^T |A|)_{ab}` and
:math:`\sum t^2 = ((A\circ A)^T (A\circ A))_{ab}`.  An odd :math:`n = 2h + 1` splits into
its first :math:`h` and its last :math:`h + 1` points: the sums are entries of :math:`A_h^T
A_{h+1}` (:math:`A_0` a row of ones, so :math:`n = 1` is the plain sum of the outputs).  Odd
correlators vanish for a centred network and are non-zero with read-out means
(:meth:`nnqft_sym.Network.with_priors`).  Three small BLAS products per slab of
networks replace all per-combination work -- no Python loop over networks or combinations.

:class:`MonomialSums` accumulates these sums in fixed slabs of :data:`SLAB_NETS` networks
(in network order), so that they are bit-identical however the networks are streamed.
"""
from __future__ import annotations

import functools
import itertools

import numpy as np

__all__ = ["SLAB_NETS", "STATISTICS", "point_multisets", "MonomialSums"]

#: networks per accumulation slab (sums are added slab by slab, in network order)
SLAB_NETS = 4096
#: the per-multiset statistics accumulated by :class:`MonomialSums`
STATISTICS = ("sum", "sum_abs", "sum_sq")


@functools.lru_cache(maxsize=None)
def _chain(n_points: int, order: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(multisets, parent index into degree order-1, last point) for one degree."""
    combos = list(itertools.combinations_with_replacement(range(n_points), order))
    if order == 1:
        return np.array(combos), np.zeros(n_points, int), np.arange(n_points)
    lookup = {c: i for i, c in
              enumerate(itertools.combinations_with_replacement(range(n_points), order - 1))}
    parent = np.array([lookup[c[:-1]] for c in combos])
    last = np.array([c[-1] for c in combos])
    return np.array(combos), parent, last


@functools.lru_cache(maxsize=None)
def _halves(n_points: int, order: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the two halves of each multiset of ``order``: the first ``order // 2``
    points in the degree ``order // 2`` list, the rest in the degree ``order - order // 2``
    list (the same list for even orders; the empty multiset has index 0)."""
    half = order // 2
    lookups = {k: {c: i for i, c in
                   enumerate(itertools.combinations_with_replacement(range(n_points), k))}
               for k in {half, order - half}}
    combos = itertools.combinations_with_replacement(range(n_points), order)
    pairs = np.array([(lookups[half][c[:half]], lookups[order - half][c[half:]]) for c in combos])
    return pairs[:, 0], pairs[:, 1]


def point_multisets(n_points: int, order: int) -> np.ndarray:
    """All multisets of ``order`` of ``n_points`` point indices, ``(n_combos, order)``.

    Lexicographic order (``itertools.combinations_with_replacement``); there are
    ``binom(n_points + order - 1, order)`` of them.

    Examples
    --------
    >>> point_multisets(3, 2).tolist()
    [[0, 0], [0, 1], [0, 2], [1, 1], [1, 2], [2, 2]]
    >>> len(point_multisets(6, 6))
    462
    """
    if n_points < 1 or order < 1:
        raise ValueError(f"n_points and order must be >= 1, got {n_points}, {order}")
    return _chain(int(n_points), int(order))[0].copy()


class MonomialSums:
    """Streaming sums of the monomials of orders ``orders`` over networks.

    Parameters
    ----------
    n_points : int
        Number of input points P.
    orders : sequence of int
        Correlator orders n >= 1 (odd orders included).

    Examples
    --------
    >>> acc = MonomialSums(2, (2,))
    >>> acc.add(np.array([[1.0, 2.0], [3.0, -1.0]]))
    >>> acc.finish()[2]["sum"].tolist()    # f1 f1, f1 f2, f2 f2 summed over 2 networks
    [10.0, -1.0, 5.0]
    >>> odd = MonomialSums(2, (1, 3))
    >>> odd.add(np.array([[1.0, 2.0], [3.0, -1.0]]))
    >>> [odd.finish()[n]["sum"].tolist() for n in (1, 3)]    # f1, f2; f1^3, f1^2 f2, ...
    [[4.0, 1.0], [28.0, -7.0, 7.0, 7.0]]
    """

    def __init__(self, n_points: int, orders: tuple[int, ...]) -> None:
        self.n_points = int(n_points)
        self.orders = tuple(sorted(set(int(n) for n in orders)))
        if not self.orders or self.orders[0] < 1:
            raise ValueError(f"orders must be integers >= 1, got {orders}")
        self._chains = [_chain(self.n_points, k) for k in range(1, (max(self.orders) + 1) // 2 + 1)]
        self._halves = {n: _halves(self.n_points, n) for n in self.orders}
        self._totals = {n: {s: np.zeros(len(self._halves[n][0])) for s in STATISTICS}
                        for n in self.orders}
        self._buffer: list[np.ndarray] = []
        self._buffered = 0
        self.n_nets = 0
        self._rows = {k + 1: np.empty((len(chain[0]), SLAB_NETS))
                      for k, chain in enumerate(self._chains)}
        self._scratch = np.empty((len(self._chains[-1][0]), SLAB_NETS))

    def add(self, outputs: np.ndarray) -> None:
        """Add networks: ``outputs`` of shape ``(m, P)``."""
        outputs = np.asarray(outputs, dtype=float)
        if outputs.ndim != 2 or outputs.shape[1] != self.n_points:
            raise ValueError(f"outputs must have shape (m, {self.n_points}), got {outputs.shape}")
        self._buffer.append(outputs)
        self._buffered += outputs.shape[0]
        if self._buffered >= SLAB_NETS:
            data = np.concatenate(self._buffer)
            n_full = (data.shape[0] // SLAB_NETS) * SLAB_NETS
            for start in range(0, n_full, SLAB_NETS):
                self._add_slab(data[start:start + SLAB_NETS])
            rest = data[n_full:]
            self._buffer, self._buffered = ([rest] if rest.shape[0] else []), rest.shape[0]

    def _add_slab(self, f: np.ndarray) -> None:
        # monomials as rows (degree-h multisets x networks) in buffers kept across slabs: a
        # degree-h row is the product of a degree-(h-1) row and a row of f, and no large
        # array is allocated per slab (fresh megabyte arrays page-fault every time)
        m = f.shape[0]
        rows = self._rows[1][:, :m]
        rows[...] = f.T
        mono = {0: np.ones((1, m)), 1: rows}
        for degree in range(2, len(self._chains) + 1):
            _, parent, last = self._chains[degree - 1]
            prev, out = mono[degree - 1], self._rows[degree][:, :m]
            for r, (i, j) in enumerate(zip(parent, last)):
                np.multiply(prev[i], rows[j], out=out[r])
            mono[degree] = out
        for n in self.orders:
            first, second = self._halves[n]
            tot = self._totals[n]
            if n % 2 == 0:
                a = mono[n // 2]
                tot["sum"] += (a @ a.T)[first, second]
                b = np.abs(a, out=self._scratch[:a.shape[0], :m])
                tot["sum_abs"] += (b @ b.T)[first, second]
                b *= b
                tot["sum_sq"] += (b @ b.T)[first, second]
                continue
            a, c = mono[n // 2], mono[n // 2 + 1]       # first n // 2 and last n // 2 + 1 points
            tot["sum"] += (a @ c.T)[first, second]
            a, c = np.abs(a), np.abs(c)
            tot["sum_abs"] += (a @ c.T)[first, second]
            a *= a
            c *= c
            tot["sum_sq"] += (a @ c.T)[first, second]
        self.n_nets += m

    def finish(self) -> dict[int, dict[str, np.ndarray]]:
        """Flush the last partial slab and return ``{order: {statistic: (n_combos,)}}``."""
        if self._buffered:
            self._add_slab(np.concatenate(self._buffer))
            self._buffer, self._buffered = [], 0
        return {n: {s: v.copy() for s, v in tot.items()} for n, tot in self._totals.items()}
