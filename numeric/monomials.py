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

__all__ = ["SLAB_NETS", "STATISTICS", "TAIL_DTYPES", "point_multisets", "MonomialSums"]

#: networks per accumulation slab (sums are added slab by slab, in network order)
SLAB_NETS = 4096
#: the per-multiset statistics accumulated by :class:`MonomialSums`
STATISTICS = ("sum", "sum_abs", "sum_sq")
#: precisions of the heavy-tail diagnostic sums ``sum_abs``, ``sum_sq`` (``sum`` is float64)
TAIL_DTYPES = ("float64", "float32")
#: a float32 diagnostic sum of a slab below this may have lost terms to float32 underflow
#: (below 1.2e-38, 4096 of them): the slab's diagnostic sums of that order are redone in float64
_FLOAT32_FLOOR = 1e-25
#: monomial rows with |row| < 2^e for e in this range go to float32 as they are (the fourth
#: power of 2^27 times 4096 networks stays below the float32 maximum 3.4e38); otherwise every
#: row is first scaled by 2^-e
_FLOAT32_EXPONENTS = (-20, 27)


def check_tail_dtype(tail_dtype: object) -> str:
    """``tail_dtype`` if it is one of :data:`TAIL_DTYPES`, else a ``ValueError`` naming them."""
    if tail_dtype not in TAIL_DTYPES:
        raise ValueError(f"tail_dtype must be one of {TAIL_DTYPES}, got {tail_dtype!r}")
    return str(tail_dtype)


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
    tail_dtype : {"float64", "float32"}
        Precision of the heavy-tail diagnostic sums ``sum_abs`` and ``sum_sq`` (``sum``, the
        estimate, is always float64).  ``"float32"``: their two BLAS products per slab and
        order run in single precision (rows of large or tiny monomials scaled by powers of
        two first, so nothing overflows; a slab whose sums may have underflowed is redone in
        float64) and are accumulated in float64.  Measured at the 6 HMS points, orders 2, 4,
        6: the diagnostic products 1.4x, all sums 1.1x, plain bags at N = 2 3-7 % faster (float64
        stays the default); ``sum_abs``, ``sum_sq`` within a
        relative 1.1e-6 of float64, the diagnostics of :func:`numeric.tail_diagnostics` within
        2e-6 (``n_eff``, ``n_eff_total``) and 3e-5 (``second_moment_spread``), and the same
        heavy-tail flags (ReLU, Erf, Gauss-net, N = 2 to 1000; ``docs/numeric.md``, "Heavy
        tails").  Documented tolerances: 1e-5 and 1e-4.

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

    def __init__(self, n_points: int, orders: tuple[int, ...], tail_dtype: str = "float64"
                 ) -> None:
        self.tail_dtype = check_tail_dtype(tail_dtype)
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
        self._scratch32 = (np.empty((2, len(self._chains[-1][0]), SLAB_NETS), np.float32)
                           if tail_dtype == "float32" else None)

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
        if self._scratch32 is not None:    # |monomial row| < 2^(sum of its points' exponents)
            e_point = np.frexp(np.maximum(rows.max(axis=1), -rows.min(axis=1)))[1]
            exps = {0: np.zeros(1, int)}
            exps.update({h + 1: e_point[chain[0]].sum(axis=1)
                         for h, chain in enumerate(self._chains)})
        for n in self.orders:
            first, second = self._halves[n]
            tot = self._totals[n]
            h = n // 2
            a = mono[h]
            c = a if n % 2 == 0 else mono[h + 1]  # odd: first n // 2, last n // 2 + 1 points
            tot["sum"] += (a @ c.T)[first, second]
            if self._scratch32 is None or not self._add_tail_float32(
                    tot, a, c, exps[h], exps[n - h], first, second):
                self._add_tail_float64(tot, a, c, first, second)
        self.n_nets += m

    def _add_tail_float64(self, tot: dict[str, np.ndarray], a: np.ndarray, c: np.ndarray,
                          first: np.ndarray, second: np.ndarray) -> None:
        """sum |t| and sum t^2 of t = a_i c_j over the slab, in float64."""
        if c is a:
            b = np.abs(a, out=self._scratch[:a.shape[0], :a.shape[1]])
            tot["sum_abs"] += (b @ b.T)[first, second]
            b *= b
            tot["sum_sq"] += (b @ b.T)[first, second]
            return
        a, c = np.abs(a), np.abs(c)
        tot["sum_abs"] += (a @ c.T)[first, second]
        a *= a
        c *= c
        tot["sum_sq"] += (a @ c.T)[first, second]

    def _add_tail_float32(self, tot: dict[str, np.ndarray], a: np.ndarray, c: np.ndarray,
                          ea: np.ndarray, ec: np.ndarray, first: np.ndarray, second: np.ndarray
                          ) -> bool:
        """:meth:`_add_tail_float64` with float32 products, accumulated in float64.  ``ea``,
        ``ec``: per row an exponent e with |row| < 2^e; rows outside 2^_FLOAT32_EXPONENTS are
        scaled by 2^-e first (nothing overflows; undone exactly with ldexp in float64).  False
        (nothing added) if a used sum is below _FLOAT32_FLOOR or not finite."""
        lo, hi = _FLOAT32_EXPONENTS
        scale = bool(min(ea.min(), ec.min()) < lo or max(ea.max(), ec.max()) > hi)
        scaled = []
        for k, (x, e) in enumerate(((a, ea), (c, ec)) if c is not a else ((a, ea),)):
            y = self._scratch32[k, :x.shape[0], :x.shape[1]]
            if scale:
                np.multiply(x, np.ldexp(1.0, -e)[:, None], out=y, casting="same_kind")
                np.abs(y, out=y)
            else:
                np.abs(x, out=y, casting="same_kind")
            scaled.append(y)
        y, z = scaled[0], scaled[-1]
        s_abs = (y @ z.T)[first, second]
        y *= y
        if z is not y:
            z *= z
        s_sq = (y @ z.T)[first, second]
        if not (np.all(s_abs >= _FLOAT32_FLOOR) and np.all(s_sq >= _FLOAT32_FLOOR)
                and np.all(np.isfinite(s_sq))):
            return False
        if scale:
            e = ea[first] + ec[second]
            tot["sum_abs"] += np.ldexp(s_abs.astype(float), e)
            tot["sum_sq"] += np.ldexp(s_sq.astype(float), 2 * e)
        else:
            tot["sum_abs"] += s_abs
            tot["sum_sq"] += s_sq
        return True

    def finish(self) -> dict[int, dict[str, np.ndarray]]:
        """Flush the last partial slab and return ``{order: {statistic: (n_combos,)}}``."""
        if self._buffered:
            self._add_slab(np.concatenate(self._buffer))
            self._buffer, self._buffered = [], 0
        return {n: {s: v.copy() for s, v in tot.items()} for n, tot in self._totals.items()}
