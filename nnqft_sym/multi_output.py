r"""Multi-output networks: O(d_out) index structure of the exact finite-width correlators.

A network with ``d_out`` outputs, :math:`f_a(x) = \sum_{i=1}^N W^1_{ai} g_i(x) + b^1_a`
(:math:`W^1_{ai} \sim \mathcal N(0, v_{out}/N)` and :math:`b^1_a \sim \mathcal N(0,
\sigma_b^2)` independent for every a and i), shares the hidden features :math:`g_i` between
its outputs.  The neuron terms :math:`t_{a,i} = W^1_{ai} g_i` are i.i.d. over i, so for
:math:`n \ge 3` the joint cumulants are :math:`\kappa(f_{a_1}(x_1), \dots, f_{a_n}(x_n)) =
N \kappa(t_{a_1}, \dots, t_{a_n})`, and Isserlis' theorem for the Gaussian :math:`W^1`
gives :math:`E[\prod_{k\in b} t_{a_k}] = (v_{out}/N)^{|b|/2} E[g_b]
\sum_{P \in \mathrm{pairings}(b)} \prod_{(ij)\in P}\delta_{a_i a_j}`.  Every correlator is
therefore a combination of the :math:`(n-1)!!` pairing tensors, the only O(d_out)-invariant
tensors of even rank,

.. math:: \kappa_n = N^{1 - n/2} \sum_P c_P \prod_{(ij)\in P}\delta_{a_i a_j},\qquad
          c_P = \sum_{\sigma \in \Pi(P)} (-1)^{|\sigma|-1}(|\sigma|-1)!
          \prod_{\beta\in\sigma} v_{out}^{|\beta|} E[g_{\cup\beta}],

where :math:`\sigma` runs over the set partitions of the pairs of P (a block :math:`\beta` is
a set of pairs; :math:`\cup\beta` the points they hold).  E.g. the connected four-point function
has :math:`c_{(12)(34)} = v_{out}^2 [E(g_1g_2g_3g_4) - E(g_1g_2)E(g_3g_4)]`, and summing the
:math:`c_P` (all indices equal) gives back the single-output result of
:mod:`nnqft_sym.cumulants`.  The free theory is :math:`K_{ab}(x, y) = \delta_{ab} K(x, y)`.

The O(d_out)-invariant local quartic coupling of :math:`\Gamma \supset
\frac{\lambda}{4!}\int (f\cdot f)^2` (tree level, whose four-point vertex is
:math:`\frac{\lambda}{3}(\delta_{ab}\delta_{cd} + \delta_{ac}\delta_{bd} + \delta_{ad}\delta_{bc})`)
is read off pairing by pairing, :math:`\lambda_P = -3\,\Delta G_P / N_K`; their mean (the
projection on the invariant) equals the single-output :math:`u_4`, and their spread measures
how far the measured vertex is from the local :math:`(f\cdot f)^2` form.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp
from sympy.utilities.iterables import multiset_partitions

from .couplings import contact_integral
from .cumulants import MAX_TERMS
from .deep import leading_pairing_coefficients
from .errors import CostLimitError
from .kernels import kernel_expr, kernel_numeric
from .moments import neuron_moment, prepare_points
from .partitions import bell_number, double_factorial, moebius_weight, pairings
from .specification import NetworkSpec
from .validation import as_points, check_integer, check_width

__all__ = [
    "Pairing",
    "pairing_delta",
    "pairing_tensor",
    "connected_pairing_coefficients",
    "green_pairing_coefficients",
    "delta_green_pairing_coefficients",
    "free_green_indexed",
    "connected_green_indexed",
    "green_indexed",
    "InvariantQuartic",
    "invariant_quartic_coupling",
    "leading_invariant_quartic_coupling",
]

#: a perfect matching of range(n): a tuple of index pairs (i < j), as in nnqft_sym.pairings
Pairing = tuple[tuple[int, int], ...]


# ---------------------------------------------------------------------- index tensors
def pairing_delta(matching: Pairing, indices: Any) -> np.ndarray | int:
    r""":math:`\prod_{(ij)\in P} \delta_{a_i a_j}` for output indices ``indices`` ``(..., n)``.

    Examples
    --------
    >>> pairing_delta(((0, 1), (2, 3)), [1, 1, 0, 0])
    1
    >>> pairing_delta(((0, 2), (1, 3)), [1, 1, 0, 0])
    0
    """
    idx = np.asarray(indices)
    out = np.ones(idx.shape[:-1], dtype=int)
    for i, j in matching:
        out = out * (idx[..., i] == idx[..., j])
    return int(out) if out.ndim == 0 else out


def pairing_tensor(coefficients: dict[Pairing, Any], d_out: int) -> np.ndarray:
    r"""Assemble :math:`T_{a_1..a_n} = \sum_P c_P \prod_{(ij)\in P}\delta_{a_i a_j}`.

    ``coefficients`` maps pairings of ``range(n)`` to arrays ``(...)``; returns
    ``(..., d_out, ..., d_out)`` with n output axes.

    Examples
    --------
    >>> t = pairing_tensor({((0, 1),): 2.0}, 3)
    >>> t.tolist()
    [[2.0, 0.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 2.0]]
    """
    n = 2 * len(next(iter(coefficients)))
    grid = np.stack(np.meshgrid(*([np.arange(d_out)] * n), indexing="ij"), -1)
    out = 0.0
    for matching, value in coefficients.items():
        out = out + np.asarray(value, dtype=float)[(...,) + (None,) * n] * pairing_delta(matching, grid)
    return out


# ---------------------------------------------------------------------- exact coefficients
_DEEP_ADVICE = "use nnqft_sym.deep.leading_pairing_coefficients for the O(1/N) term of a deep network"


def _prepare(net: NetworkSpec, points: Any, max_terms: Any = MAX_TERMS):
    """(symbolic?, points, n) after the cost check: (n-1)!! pairings times Bell(n/2) partitions."""
    if not net.priors.readout_is_centred_gaussian:
        raise ValueError("multi-output correlators with mixed indices need i.i.d. zero-mean Gaussian "
                         "read-out priors (the pairing structure of the output indices); the "
                         "correlators of one component are nnqft_sym.green / connected_green")
    max_terms = check_integer(max_terms, "max_terms", 1)
    symbolic, pts, n = prepare_points(net, points, "multi-output correlators")
    if n % 2 == 0:
        cost = double_factorial(n - 1) * bell_number(n // 2)
        if cost > max_terms:
            raise CostLimitError(f"points: multi-output correlators of n = {n} points sum "
                                 f"{cost:.3g} pairing terms ((n-1)!! pairings times the Bell "
                                 f"number B(n/2) partitions of each), over max_terms = "
                                 f"{max_terms:.3g}; pass max_terms=... to allow it")
    return symbolic, pts, n


def _zero(symbolic: bool, pts: Any, idx: np.ndarray) -> Any:
    """The vanishing odd correlator, with the broadcast batch shape of points and indices."""
    if symbolic:
        return sp.Integer(0)
    out = np.zeros(np.broadcast_shapes(pts.shape[:-2], idx.shape[:-1]))
    return float(out) if out.ndim == 0 else out


class _Moments:
    """Memoised v_out^{|b|/2} E[g_b] and kernel values on subsets of the points.

    The caches belong to the instance (one request), so they are freed with it.
    """

    def __init__(self, net: NetworkSpec, pts: Any, symbolic: bool) -> None:
        self.net, self.pts, self.symbolic = net, pts, symbolic
        v = net.priors.readout_weights.variance
        self.v = v if symbolic else float(v)
        self.neuron = functools.lru_cache(maxsize=None)(self._neuron)
        self.kernel = functools.lru_cache(maxsize=None)(self._kernel)
        self.reduced = functools.lru_cache(maxsize=None)(self._reduced)

    def subset(self, block: tuple[int, ...]) -> Any:
        return [self.pts[i] for i in block] if self.symbolic else self.pts[..., list(block), :]

    def _neuron(self, block: tuple[int, ...]) -> Any:
        return self.v ** (len(block) // 2) * neuron_moment(self.net, self.subset(block))

    def _kernel(self, pair: tuple[int, int]) -> Any:
        i, j = pair
        if self.symbolic:
            return kernel_expr(self.net, self.pts[i], self.pts[j])
        return np.asarray(kernel_numeric(self.net, self.pts[..., i, :], self.pts[..., j, :]))

    def _reduced(self, pairs: tuple[tuple[int, int], ...]) -> Any:
        """c_{B, P_B}: the reduced cumulant of the points of ``pairs`` on that pairing."""
        if len(pairs) == 1:
            return self.kernel(pairs[0])
        total = 0
        for sigma in multiset_partitions(list(pairs)):
            term = moebius_weight(len(sigma))
            for beta in sigma:
                term = term * self.neuron(tuple(sorted(i for p in beta for i in p)))
            total = total + term
        return total


def _finish(symbolic: bool, value: Any) -> Any:
    if symbolic:
        return sp.simplify(value)
    if isinstance(value, sp.Basic) or (isinstance(value, np.ndarray) and value.dtype == object):
        return value      # a SymPy width with numeric points: exact polynomial in 1/N
    return float(value) if np.ndim(value) == 0 else np.asarray(value)


def connected_pairing_coefficients(net: NetworkSpec, points: Any, *,
                                   max_terms: int = MAX_TERMS) -> dict[Pairing, Any]:
    r"""Reduced connected coefficients :math:`c_P`: :math:`\kappa_n = N^{1-n/2}\sum_P c_P\prod\delta`.

    For n = 2 the single coefficient is the kernel K.  Exact for one hidden layer.

    Examples
    --------
    >>> import numpy as np
    >>> from nnqft_sym import GaussNet
    >>> net = GaussNet()
    >>> pts = [-0.01, -0.006, 0.002, 0.01]
    >>> c = connected_pairing_coefficients(net, pts)
    >>> bool(np.isclose(sum(c.values()), net.connected_green(pts, 1)))
    True
    """
    net.require_exact_finite_width("connected_pairing_coefficients", _DEEP_ADVICE)
    symbolic, pts, n = _prepare(net, points, max_terms)
    if n % 2:
        return {}       # no pairing: the odd correlators vanish
    mom = _Moments(net, pts, symbolic)
    return {m: _finish(symbolic, mom.reduced(m)) for m in pairings(n)}


def green_pairing_coefficients(net: NetworkSpec, points: Any, width: Any,
                               include_free: bool = True, *,
                               max_terms: int = MAX_TERMS) -> dict[Pairing, Any]:
    r"""Exact full Green function :math:`G^{(n)}_{a_1..a_n}` resolved by pairings.

    :math:`G_P = \sum_{\sigma \in \Pi(P)} \prod_{\beta \in \sigma} N^{1-|\beta|} c_{\beta}`
    (moment-cumulant formula; a block of one pair contributes K).  With
    ``include_free=False`` the partition into single pairs (the free part) is left out, which
    gives :math:`\Delta G_P` without cancellation.

    Examples
    --------
    >>> from nnqft_sym import ReLUNet
    >>> g = green_pairing_coefficients(ReLUNet(d_out=2), [0.1, 0.2], 5)
    >>> list(g)
    [((0, 1),)]
    """
    net.require_exact_finite_width("green_pairing_coefficients", _DEEP_ADVICE)
    width = check_width(width)
    symbolic, pts, n = _prepare(net, points, max_terms)
    if n % 2:
        return {}       # no pairing: the odd correlators vanish
    inv = sp.Integer(1) / width if symbolic or isinstance(width, sp.Basic) else 1.0 / width
    mom = _Moments(net, pts, symbolic)
    out = {}
    for matching in pairings(n):
        total = 0
        for sigma in multiset_partitions(list(matching)):
            if not include_free and all(len(beta) == 1 for beta in sigma):
                continue
            term = 1
            for beta in sigma:
                term = term * mom.reduced(tuple(beta)) * inv ** (len(beta) - 1)
            total = total + term
        out[matching] = _finish(symbolic, total)
    return out


def delta_green_pairing_coefficients(net: NetworkSpec, points: Any, width: Any, *,
                                     max_terms: int = MAX_TERMS) -> dict[Pairing, Any]:
    r""":math:`\Delta G_P = G_P - \prod_{(ij)\in P} K(x_i, x_j)`, exact at width N."""
    return green_pairing_coefficients(net, points, width, include_free=False, max_terms=max_terms)


# ---------------------------------------------------------------------- explicit indices
def _check_indices(net: NetworkSpec, indices: Any, n: int) -> np.ndarray:
    idx = np.asarray(indices)
    if idx.shape[-1:] != (n,) or not np.issubdtype(idx.dtype, np.integer):
        raise ValueError(f"indices must be integers of shape (..., {n}) (one output index per "
                         f"point), got {indices!r}")
    if idx.size and (idx.min() < 0 or idx.max() >= net.d_out):
        raise ValueError(f"indices must lie in range(d_out) = range({net.d_out}), got {indices!r}")
    return idx


def _contract(coefficients: dict[Pairing, Any], indices: np.ndarray) -> Any:
    out = sum(value * pairing_delta(m, indices) for m, value in coefficients.items())
    return float(out) if np.ndim(out) == 0 and not isinstance(out, sp.Basic) else out


def free_green_indexed(net: NetworkSpec, points: Any, indices: Any, *,
                       max_terms: int = MAX_TERMS) -> Any:
    r"""Free :math:`G_0^{(n)}` with output indices: Wick's theorem with :math:`\delta_{ab} K`.

    Examples
    --------
    >>> from nnqft_sym import GaussNet
    >>> free_green_indexed(GaussNet(d_out=2), [0.0] * 4, [0, 0, 1, 1])   # K(0, 0)^2
    4.0
    """
    symbolic, pts, n = _prepare(net, points, max_terms)
    mom = _Moments(net, pts, symbolic)
    idx = _check_indices(net, indices, n)
    if n % 2:
        return _zero(symbolic, pts, idx)
    coeffs = {m: (sp.Mul(*[mom.kernel(p) for p in m]) if symbolic
                  else np.prod([mom.kernel(p) for p in m], axis=0)) for m in pairings(n)}
    return _contract(coeffs, idx)


def connected_green_indexed(net: NetworkSpec, points: Any, indices: Any, width: Any, *,
                            max_terms: int = MAX_TERMS) -> Any:
    r"""Exact connected :math:`\kappa(f_{a_1}(x_1), \dots, f_{a_n}(x_n))` at width N (one hidden layer).

    Examples
    --------
    >>> from nnqft_sym import GaussNet
    >>> net = GaussNet(d_out=2)
    >>> k_mixed = connected_green_indexed(net, [0.0] * 4, [0, 0, 1, 1], 10)
    >>> k_same = connected_green_indexed(net, [0.0] * 4, [0, 0, 0, 0], 10)
    >>> round(k_same / k_mixed, 12)    # coincident points: (E4 - E2^2) sums to 3 (E4) - 3 E2^2
    3.0
    """
    width = check_width(width)
    symbolic, pts, n = _prepare(net, points, max_terms)
    idx = _check_indices(net, indices, n)
    if n % 2:
        return _zero(symbolic, pts, idx)
    coeffs = connected_pairing_coefficients(net, points, max_terms=max_terms)
    scale = (sp.sympify(width) ** (1 - n // 2) if isinstance(width, sp.Basic)
             else float(width) ** (1 - n // 2))
    return _contract({m: v * scale for m, v in coeffs.items()}, idx)


def green_indexed(net: NetworkSpec, points: Any, indices: Any, width: Any, *,
                  max_terms: int = MAX_TERMS) -> Any:
    r"""Exact :math:`E[f_{a_1}(x_1)\cdots f_{a_n}(x_n)]` at width N (one hidden layer).

    Examples
    --------
    >>> from nnqft_sym import ReLUNet
    >>> green_indexed(ReLUNet(d_out=3), [0.1, 0.2], [0, 1], 4)     # delta_ab K
    0.0
    """
    width = check_width(width)
    symbolic, pts, n = _prepare(net, points, max_terms)
    idx = _check_indices(net, indices, n)
    if n % 2:
        return _zero(symbolic, pts, idx)
    return _contract(green_pairing_coefficients(net, points, width, max_terms=max_terms), idx)


# ---------------------------------------------------------------------- invariant coupling
@dataclass(frozen=True)
class InvariantQuartic:
    r"""Tree-level O(d_out)-invariant quartic couplings at four points.

    Attributes
    ----------
    pairing_couplings : dict
        :math:`\lambda_P = -3\,\Delta G_P / N_K` for the three pairings P of (0, 1, 2, 3).
    coupling : float or ndarray
        :math:`\lambda` of :math:`\frac{\lambda}{4!}\int(f\cdot f)^2`: the projection of the
        vertex on the invariant tensor, the mean of the :math:`\lambda_P` (equal to the
        single-output :math:`u_4`).
    anisotropy : float or ndarray
        :math:`(\max_P \lambda_P - \min_P \lambda_P)/|\lambda|`: zero for a purely local
        :math:`(f\cdot f)^2` vertex.
    """

    pairing_couplings: dict[Pairing, Any]
    coupling: Any
    anisotropy: Any


def invariant_quartic_coupling(net: NetworkSpec, points: Any, width: Any,
                               cutoff: Any = None) -> InvariantQuartic:
    r"""O(d_out)-invariant quartic coupling of the :math:`(f\cdot f)^2` term from the exact vertex.

    ``points`` are four numeric inputs ``(..., 4, d_in)``; ``cutoff`` as in
    :func:`nnqft_sym.couplings.contact_integral`.

    Examples
    --------
    >>> import numpy as np
    >>> from nnqft_sym import GaussNet
    >>> pts = [-0.01, -0.006, 0.002, 0.01]
    >>> q = invariant_quartic_coupling(GaussNet(d_out=3), pts, 10)
    >>> bool(np.isclose(q.coupling, GaussNet().quartic_coupling(pts, 10)))
    True
    """
    net.require_exact_finite_width("invariant_quartic_coupling", _DEEP_ADVICE)
    pts = _four_points(net, points)
    width = check_width(width)
    # at four points and one hidden layer Delta G_P is exactly c_P / N: a SymPy width divides
    return _per_width(_invariant(delta_green_pairing_coefficients(net, pts, 1),
                                 contact_integral(net, pts, cutoff=cutoff)), width)


def leading_invariant_quartic_coupling(net: NetworkSpec, points: Any, width: Any,
                                       cutoff: Any = None) -> InvariantQuartic:
    r"""The same couplings from the O(1/N) vertex of any depth, :math:`\Delta G_P \approx c_P/N`.

    Uses :func:`nnqft_sym.deep.leading_pairing_coefficients` (exact at depth 1, where
    :math:`\Delta G^{(4)}` is exactly :math:`c_P/N`).  For a deep network the weight kernel is not
    Gaussian, so ``cutoff`` is needed for :math:`N_K`.

    Examples
    --------
    >>> import numpy as np
    >>> from nnqft_sym import GaussNet
    >>> pts = [-0.01, -0.006, 0.002, 0.01]
    >>> a = leading_invariant_quartic_coupling(GaussNet(d_out=2), pts, 10).coupling
    >>> bool(np.isclose(a, invariant_quartic_coupling(GaussNet(d_out=2), pts, 10).coupling))
    True
    """
    pts = _four_points(net, points)
    width = check_width(width)
    return _per_width(_invariant(leading_pairing_coefficients(net, pts),
                                 contact_integral(net, pts, cutoff=cutoff)), width)


def _four_points(net: NetworkSpec, points: Any) -> np.ndarray:
    pts = as_points(points, net.d_in)
    if pts.shape[-2] != 4:
        raise ValueError(f"points: the quartic coupling needs 4 points, got {pts.shape[-2]}")
    return pts


def _per_width(q: InvariantQuartic, width: Any) -> InvariantQuartic:
    """Couplings at width N from those at N = 1 (they scale as 1/N; the anisotropy does not)."""
    if isinstance(width, sp.Basic):
        scale = (lambda v: sp.Float(v, 17) / width if np.ndim(v) == 0
                 else np.asarray(v, dtype=object) / width)
    else:
        scale = (lambda v: v / width)
    return InvariantQuartic({m: scale(v) for m, v in q.pairing_couplings.items()},
                            scale(q.coupling), q.anisotropy)


def _invariant(delta: dict[Pairing, Any], nk: Any) -> InvariantQuartic:
    lam = {m: -3.0 * np.asarray(v) / nk for m, v in delta.items()}
    values = np.stack(list(lam.values()))
    mean = values.mean(axis=0)
    spread = (values.max(axis=0) - values.min(axis=0)) / np.abs(mean)
    as_out = (lambda a: float(a) if np.ndim(a) == 0 else a)
    return InvariantQuartic({m: as_out(v) for m, v in lam.items()}, as_out(mean), as_out(spread))
