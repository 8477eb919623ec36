r"""Exact finite-width correlators of one-hidden-layer networks, for every width N.

:math:`f - b^1 = \sum_{i=1}^N t_i` with i.i.d. neuron terms :math:`t_i = W^1_i g_i`, so the
connected correlators are exactly :math:`\kappa_n(f) = N \kappa_n(t)` for :math:`n \ge 3`
(docs/conventions.md section 2), odd ones vanish, and :math:`\kappa_2(f) = K`.  With
:math:`E[t_B] = (|B|-1)!!\, (v_{out}/N)^{|B|/2}\, E[g_B]` one finds
:math:`\kappa_{|B|}(f) = N^{1-|B|/2} c_B` with the N-independent *reduced cumulant*

.. math:: c_B = \sum_{\pi \in P_{even}(B)} (-1)^{|\pi|-1} (|\pi|-1)!
          \prod_{b\in\pi} (|b|-1)!!\, v_{out}^{|b|/2} E[g_b]   \quad (|B| \ge 4),

and :math:`c_{ij} = K(x_i, x_j)`.  Full Green functions follow from the moment-cumulant
formula, :math:`G^{(n)} = \sum_{\pi \in P_{even}} \prod_{B\in\pi} \kappa_{|B|}(x_B)`, which is
a finite polynomial in :math:`1/N`: a partition contributes at order
:math:`N^{-\sum_B (|B|/2 - 1)}`.  :math:`\Delta G^{(n)}` is summed directly over the
partitions with a block of size >= 4 (no cancellation against :math:`G_0`).

Both sums are done by subset recursions (:func:`nnqft_sym.partitions.subset_recursion_terms`,
about :math:`3^n/4` products instead of the Bell-number many set partitions); a request
whose estimated cost exceeds ``max_terms`` (default :data:`MAX_TERMS`) raises
:class:`nnqft_sym.errors.CostLimitError` up front (14 points take about 2 s).

Odd correlators vanish exactly (W1 and b1 are centred), so an odd number of points gives 0.
The width may be a SymPy symbol also for numeric points: the result is then the exact
polynomial in :math:`1/N` with the numeric coefficients.
"""
from __future__ import annotations

import functools
from typing import Any

import numpy as np
import sympy as sp

from .errors import CostLimitError
from .kernels import kernel_expr
from .neuron_sums import (connected_green_general, delta_green_general, deviation_general,
                          green_general, series_in_inverse_width)
from .moments import _exp_terms, check_finite_result, is_symbolic_points, neuron_moment, prepare_points
from .partitions import blocks_with_lowest, double_factorial, mask_bits, subset_recursion_terms
from .specification import NetworkSpec
from .validation import (as_points, check_deviation_order, check_integer, check_width,
                         relative_to_free)
from .wick import kernel_matrix

__all__ = ["connected_green", "green", "delta_green", "deviation",
           "deviation_series", "delta_green_series",
           "reduced_cumulants", "MAX_TERMS", "correlator_cost"]

#: default limit on :func:`correlator_cost` (about 30 s of work); raise it with ``max_terms=``
MAX_TERMS = 3 * 10 ** 7

#: cost of one neuron moment relative to one product: closed form (moment-generating function,
#: phase average) or Gaussian quadrature of a rank-2 covariance (x3 per further rank)
_MOMENT_COST, _QUADRATURE_COST = 50, 20_000
#: a SymPy product counts as this many numeric ones
_SYMBOLIC_COST = 200


def correlator_cost(n: int, combinations: int = 1, symbolic: bool = False,
                    net: NetworkSpec | None = None) -> int:
    """Estimated work of an exact n-point correlator, in units of one product of arrays (~1 us).

    ``subset_recursion_terms(n)`` products (each over ``combinations`` point combinations;
    one unit more per 1000 combinations) plus the :math:`2^{n-1}` neuron moments, which cost
    more when ``net`` needs quadrature for them; SymPy terms weigh more.  Compared with
    ``max_terms`` (default :data:`MAX_TERMS`).

    Examples
    --------
    >>> correlator_cost(4) < correlator_cost(14) < MAX_TERMS < correlator_cost(20)
    True
    """
    moment = _MOMENT_COST
    if net is not None and not symbolic and net.first_layer_is_gaussian \
            and _exp_terms(net.activation) is None:
        moment = _QUADRATURE_COST * 3 ** max(min(net.d_in + 1, n) - 2, 0)
    scale = _SYMBOLIC_COST if symbolic else 1 + combinations // 1000
    return (subset_recursion_terms(n) + moment * 2 ** max(n - 1, 0)) * scale


def _prepare(net: NetworkSpec, points: Any, max_terms: Any = MAX_TERMS, odd_is_zero: bool = True):
    """Return (symbolic?, points in canonical form, n), after the cost check (none for an odd n
    when the caller answers 0 without work).

    Deep networks are refused: the exact results here are those of one hidden layer.  With
    ``d_out > 1`` they are the correlators of one output component (all indices equal; see
    :mod:`nnqft_sym.multi_output` for mixed indices).
    """
    net.require_exact_finite_width("exact correlators", "use nnqft_sym.deep.leading_delta_green / "
                                   "leading_deviation for the O(1/N) term of a deep network")
    max_terms = check_integer(max_terms, "max_terms", 1)
    symbolic, pts, n = prepare_points(net, points, "exact correlators")
    combos = 1 if symbolic else int(np.prod(pts.shape[:-2]))
    cost = 0 if odd_is_zero and n % 2 else correlator_cost(n, combos, symbolic, net)
    if cost > max_terms:
        raise CostLimitError(
            f"points: an exact correlator of n = {n} points"
            f"{'' if combos == 1 else f' at {combos} combinations'} costs about {cost:.2g} "
            f"products ({subset_recursion_terms(n):.3g} subset-recursion terms, "
            f"{2 ** (n - 1)} neuron moments), over max_terms = {max_terms:.3g}; pass "
            "max_terms=... to allow it (about 1e6 products per second)")
    return symbolic, pts, n


def _zero(symbolic: bool, pts: Any, width: Any = 1) -> Any:
    """The vanishing value: SymPy 0 for symbolic points or a symbolic width, else 0.0 / zeros."""
    if symbolic or (isinstance(width, sp.Basic) and pts.ndim == 2):
        return sp.Integer(0)
    return 0.0 if pts.ndim == 2 else np.zeros(pts.shape[:-2])


def _guard_memory(func):
    """Turn a ``MemoryError`` of a huge request into a :class:`CostLimitError` with the estimate."""
    @functools.wraps(func)
    def wrapper(net: NetworkSpec, points: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return func(net, points, *args, **kwargs)
        except MemoryError:
            symbolic = is_symbolic_points(points)
            shape = (len(points), 1) if symbolic else np.shape(as_points(points, net.d_in))
            n, combos = shape[-2], int(np.prod(shape[:-2]))
            raise CostLimitError(
                f"points: {func.__name__} at points of shape {np.shape(points)} ran out of memory "
                f"(estimated cost {correlator_cost(n, combos, symbolic, net):.3g} products over "
                f"{combos} combinations of {n} points); use fewer points or combinations per call"
            ) from None
    return wrapper


def _general_priors(general: Any):
    """Route a network whose read-out is not i.i.d. centred Gaussian to :mod:`nnqft_sym.neuron_sums`."""
    def decorate(func):
        @functools.wraps(func)
        def wrapper(net: NetworkSpec, points: Any, *args: Any, **kwargs: Any) -> Any:
            if net.priors.readout_is_centred_gaussian:
                return func(net, points, *args, **kwargs)
            if general is None:
                raise ValueError(f"{func.__name__}: with the read-out priors of this {net.name} "
                                 f"({net.priors.readout_weights.describe()['prior']} weights) the "
                                 "reference G_0 depends on N; use deviation(points, width) with a "
                                 "numeric or symbolic width")
            kwargs.pop("max_terms", None)
            return general(net, points, *args)
        return wrapper
    return decorate


def _submasks_with(mask: int):
    """Subsets A of ``mask`` that contain its lowest element and leave an even remainder."""
    return (block for block in blocks_with_lowest(mask) if block.bit_count() % 2 == 0)


def _reduced_by_mask(net: NetworkSpec, pts: Any, n: int, symbolic: bool) -> dict[int, Any]:
    """Reduced cumulants c_B keyed by bit mask, for every even subset B (|B| >= 2)."""
    v, sb2 = net.priors.readout_weights.variance, net.priors.readout_bias.variance
    v, sb2 = (v, sb2) if symbolic else (float(v), float(sb2))
    kmat = None if symbolic else kernel_matrix(net, pts)
    moment: dict[int, Any] = {}
    kappa: dict[int, Any] = {}   # cumulants of the neuron term t (reduced), pairs included
    out: dict[int, Any] = {}
    masks = sorted((m for m in range(1, 1 << n) if m.bit_count() % 2 == 0), key=int.bit_count)
    for mask in masks:
        idx = mask_bits(mask)
        size = len(idx)
        if size == 2:
            i, j = idx
            out[mask] = kernel_expr(net, pts[i], pts[j]) if symbolic else kmat[..., i, j]
            kappa[mask] = moment[mask] = out[mask] - sb2
            continue
        sub = [pts[i] for i in idx] if symbolic else pts[..., idx, :]
        moment[mask] = double_factorial(size - 1) * v ** (size // 2) * neuron_moment(net, sub)
        total = moment[mask]
        for a in _submasks_with(mask):
            if a != mask:
                total = total - kappa[a] * moment[mask ^ a]
        if symbolic and n <= 4:
            total = sp.simplify(total)
        kappa[mask] = out[mask] = total
    return out


@_guard_memory
def reduced_cumulants(net: NetworkSpec, points: Any, *,
                      max_terms: int = MAX_TERMS) -> dict[tuple[int, ...], Any]:
    r"""The N-independent reduced cumulants :math:`c_B` for every even subset B of the points.

    ``kappa_{|B|}(f)(x_B) = N^{1 - |B|/2} c_B``; for pairs ``c_{ij} = K(x_i, x_j)``.
    Keys are sorted index tuples (none for fewer than 2 points).

    Examples
    --------
    >>> from nnqft_sym import GaussNet
    >>> sorted(reduced_cumulants(GaussNet(), [0.1, 0.2, 0.3, 0.4]), key=len)[-2:]
    [(2, 3), (0, 1, 2, 3)]
    """
    symbolic, pts, n = _prepare(net, points, max_terms, odd_is_zero=False)
    return {tuple(mask_bits(m)): value for m, value in _reduced_by_mask(net, pts, n, symbolic).items()}


def _series(net: NetworkSpec, points: Any, max_terms: Any) -> tuple[bool, Any, dict[int, Any]]:
    """Coefficients of N^-k of G^(n), k = 0 (the free part, Wick) .. n/2 - 1; empty if n is odd."""
    symbolic, pts, n = _prepare(net, points, max_terms)
    if n % 2:
        return symbolic, pts, {}
    cum = _reduced_by_mask(net, pts, n, symbolic)
    memo: dict[int, list[Any]] = {0: [1]}

    def full(mask: int) -> list[Any]:
        if mask not in memo:
            coeffs: list[Any] = [0] * (mask.bit_count() // 2)
            for a in _submasks_with(mask):
                shift = a.bit_count() // 2 - 1
                for k, value in enumerate(full(mask ^ a)):
                    coeffs[k + shift] = coeffs[k + shift] + cum[a] * value
            memo[mask] = coeffs
        return memo[mask]
    coeffs = {k: c for k, c in enumerate(full((1 << n) - 1))}
    if not symbolic:
        for c in coeffs.values():
            check_finite_result(c, pts, "the exact correlator")
    return symbolic, pts, coeffs


def _finish(symbolic: bool, value: Any) -> Any:
    if symbolic or isinstance(value, sp.Basic):
        return value
    if isinstance(value, np.ndarray) and value.dtype == object:
        return value
    return float(value) if np.ndim(value) == 0 else value



def _exact_float(value: Any) -> Any:
    """A NumPy coefficient as SymPy numbers (object array for batches), for a symbolic width."""
    if np.ndim(value) == 0:
        return sp.Float(float(value), 17) if not isinstance(value, sp.Basic) else value
    return np.frompyfunc(lambda c: sp.Float(float(c), 17), 1, 1)(np.asarray(value, dtype=float))


def _power_of_width(width: Any, power: int, symbolic: bool) -> Any:
    if isinstance(width, sp.Basic) or symbolic:
        return sp.sympify(width) ** power
    return float(width) ** power


def _sum_series(coeffs: dict[int, Any], width: Any, symbolic: bool, zero: Any) -> Any:
    """sum_k c_k N^-k; with a SymPy width and numeric points the exact polynomial in 1/N."""
    if not coeffs:
        return zero
    if isinstance(width, sp.Basic) and not symbolic:
        coeffs = {k: _exact_float(c) for k, c in coeffs.items()}
    return sum(c * _power_of_width(width, -k, symbolic) for k, c in coeffs.items())


@_guard_memory
@_general_priors(lambda net, points: series_in_inverse_width(net, points, 'delta_green'))
def delta_green_series(net: NetworkSpec, points: Any, *, max_terms: int = MAX_TERMS) -> dict[int, Any]:
    r"""Exact coefficients :math:`c_k` with :math:`\Delta G^{(n)} = \sum_{k\ge1} c_k N^{-k}`.

    The series is finite: k runs from 1 to n/2 - 1 (no term for n <= 2 or odd n).

    Examples
    --------
    >>> from nnqft_sym import GaussNet
    >>> sorted(GaussNet().delta_green_series([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]))
    [1, 2]
    """
    symbolic, _, coeffs = _series(net, points, max_terms)
    return {k: _finish(symbolic, c) for k, c in sorted(coeffs.items()) if k >= 1}


@_guard_memory
@_general_priors(None)
def deviation_series(net: NetworkSpec, points: Any, *, max_terms: int = MAX_TERMS) -> dict[int, Any]:
    r"""Exact coefficients of :math:`m_n = \Delta G^{(n)}/G_0^{(n)} = \sum_{k\ge1} c_k N^{-k}`.

    Raises
    ------
    ValueError
        For an odd number of points, where m_n is 0/0.

    Examples
    --------
    >>> from nnqft_sym import GaussNet
    >>> net = GaussNet()
    >>> c = net.deviation_series([0.1, 0.2, 0.3, 0.4])
    >>> bool(abs(c[1] / 10 - net.deviation([0.1, 0.2, 0.3, 0.4], 10)) < 1e-12)
    True
    """
    symbolic, pts, coeffs = _series(net, points, max_terms)
    check_deviation_order(len(pts) if symbolic else pts.shape[-2])
    free = coeffs[0]
    return {k: _finish(symbolic, relative_to_free(c, free, points, symbolic))
            for k, c in sorted(coeffs.items()) if k >= 1}


@_guard_memory
@_general_priors(connected_green_general)
def connected_green(net: NetworkSpec, points: Any, width: Any, *, max_terms: int = MAX_TERMS) -> Any:
    r"""Exact connected correlator :math:`\kappa_n(f) = N \kappa_n(t)` (n >= 4).

    K for n = 2, and 0 for odd n.

    Examples
    --------
    >>> from nnqft_sym import GaussNet
    >>> net = GaussNet()
    >>> bool(abs(net.connected_green([0.0] * 4, 10) - 2 * net.connected_green([0.0] * 4, 20)) < 1e-12)
    True
    >>> net.connected_green([0.1, 0.2, 0.3], 10)
    0.0
    """
    width = check_width(width)
    symbolic, pts, n = _prepare(net, points, max_terms)
    if n % 2:
        return _zero(symbolic, pts, width)
    c = _reduced_by_mask(net, pts, n, symbolic)[(1 << n) - 1]
    if not symbolic:
        check_finite_result(c, pts, "the exact connected correlator")
        if isinstance(width, sp.Basic):
            c = _exact_float(c)
    return _finish(symbolic, c * _power_of_width(width, 1 - n // 2, symbolic))


@_guard_memory
@_general_priors(green_general)
def green(net: NetworkSpec, points: Any, width: Any, *, max_terms: int = MAX_TERMS) -> Any:
    """Exact full Green function G^(n) = E[f(x_1)...f(x_n)] at width N (moment-cumulant formula).

    ``points`` follow :func:`nnqft_sym.validation.as_points` (or are SymPy points); ``width`` is
    a positive integer or a SymPy symbol.  Odd n gives exactly 0.

    Raises
    ------
    CostLimitError
        If :func:`correlator_cost` exceeds ``max_terms``.
    NumericalOverflowError
        If the exact value exceeds double precision (Gauss-net far from the origin).

    Examples
    --------
    >>> from nnqft_sym import ReLUNet
    >>> net = ReLUNet()
    >>> bool(abs(net.green([0.3, -0.2], 7) - net.kernel(0.3, -0.2)) < 1e-14)   # G^(2) = K
    True
    """
    width = check_width(width)
    symbolic, pts, coeffs = _series(net, points, max_terms)
    return _finish(symbolic, _sum_series(coeffs, width, symbolic, _zero(symbolic, pts, width)))


@_guard_memory
@_general_priors(delta_green_general)
def delta_green(net: NetworkSpec, points: Any, width: Any, *, max_terms: int = MAX_TERMS) -> Any:
    r""":math:`\Delta G^{(n)} = G^{(n)} - G_0^{(n)}`, summed without cancellation (0 for odd n)."""
    width = check_width(width)
    symbolic, pts, coeffs = _series(net, points, max_terms)
    coeffs = {k: c for k, c in coeffs.items() if k >= 1}
    return _finish(symbolic, _sum_series(coeffs, width, symbolic, _zero(symbolic, pts, width)))


@_guard_memory
@_general_priors(deviation_general)
def deviation(net: NetworkSpec, points: Any, width: Any, *, max_terms: int = MAX_TERMS) -> Any:
    r""":math:`m_n = \Delta G^{(n)} / G_0^{(n)}` (exact).

    Raises
    ------
    ValueError
        For an odd number of points, where m_n is 0/0.

    Examples
    --------
    >>> from nnqft_sym import GaussNet
    >>> round(GaussNet().deviation([-0.01, -0.006, 0.002, 0.01], 10), 6)
    1.339746
    """
    width = check_width(width)
    symbolic, pts, coeffs = _series(net, points, max_terms)
    check_deviation_order(len(pts) if symbolic else pts.shape[-2])
    free = coeffs.pop(0)
    delta = _sum_series(coeffs, width, symbolic, _zero(symbolic, pts, width))
    if isinstance(width, sp.Basic) and not symbolic:
        free = _exact_float(free)
    return _finish(symbolic, relative_to_free(delta, free, points, symbolic))
