r"""One strategy chain for every numeric Gaussian expectation :math:`E[\prod_i g(z_i)]`, z ~ N(0, C).

:func:`gaussian_moment` is used by the single-neuron moments (:mod:`nnqft_sym.moments`, hence
the kernels and the exact correlators), the deep recursions (:mod:`nnqft_sym.deep`) and the
Bayesian RG.  With :math:`g = n(C_{ii})\,\phi(z_i)` and the rule book of :math:`\phi`
(:func:`nnqft_sym.activations.activation_rules`), the first strategy that applies wins:

1. odd :math:`\phi` at an odd number of points: exactly 0;
2. exponential type: the moment-generating function (:mod:`nnqft_sym.gaussian`), with
   :math:`\log n(s)` added inside the exponentials when it is a polynomial in s (Gauss-net far
   from the origin: large exponents of opposite sign cancel before exponentiation);
3. a closed form from the rule book (two points: arc-cosine / arcsine kernels);
4. Gaussian quadrature (:func:`nnqft_sym.quadrature.gaussian_expectation`) told the kinks and the
   homogeneity degree of :math:`\phi`; with ``product_rule=True`` smooth activations at n >= 3
   points of rank >= 3 use a tensor product rule on the eigen-factor of C instead (many small
   integrals of the deep recursion), checked against a coarser rule.

Only :class:`nnqft_sym.errors.NoClosedFormError` moves the chain on to the next strategy.
"""
from __future__ import annotations

import functools
import threading
from typing import Any, Callable

import numpy as np
import sympy as sp

from .activations import ActivationRules, ExponentialRules, activation_rules
from .specification import S, _lambdify, log_normalisation
from .errors import NoClosedFormError
from .gaussian import mgf_product_expectation_numeric
from .quadrature import gaussian_expectation

__all__ = ["gaussian_moment", "log_normalisation_function"]

#: composite Gauss-Legendre rule along the leading eigen-direction of the 3-/4-d product rule:
#: |u| <= _BOX (tail < 1e-18), _CELLS cells of _CELL_NODES nodes
_BOX, _CELLS, _CELL_NODES = 9.0, 36, 8
#: the 3-/4-d product rule is used only up to this leading standard deviation sqrt(lambda_max):
#: beyond it the activation varies faster than its fixed cells resolve (tanh: fine and coarse
#: rules differ by > _HERMITE_RTOL in about half of the cases at 2 to 3, in most beyond 3), and
#: nnqft_sym.quadrature.gaussian_expectation (rules scaled to the variance) is used directly
_PRODUCT_RULE_MAX_SCALE = 2.0
#: Gauss-Hermite nodes of a sub-leading eigen-direction of standard deviation sigma (3- and 4-d
#: integrals of smooth activations): min(_HERMITE_MAX, _HERMITE_MIN + ceil(_HERMITE_PER_SIGMA sigma))
_HERMITE_MIN, _HERMITE_PER_SIGMA, _HERMITE_MAX = 6, 24, 40
#: a 3-/4-d product-rule value whose fine and coarse rules differ by more than this (relative to
#: 1 + |value|) is recomputed with nnqft_sym.quadrature.gaussian_expectation
_HERMITE_RTOL = 1e-6
#: floats per work array of the product rules (bounds memory, no effect on the numbers)
_CHUNK = 4_000_000


def gaussian_moment(activation: sp.Expr, cov: Any, normalisation: sp.Expr = sp.S.One, *,
                    product_rule: bool = False) -> np.ndarray:
    r""":math:`E[\prod_i n(C_{ii})\,\phi(z_i)]` for :math:`z \sim N(0, C)`, ``cov`` of shape ``(..., n, n)``.

    Parameters
    ----------
    activation : sympy expression of :data:`nnqft_sym.Z`
        :math:`\phi`.
    cov : array-like of shape ``(..., n, n)``
        Covariances (symmetric positive semi-definite).
    normalisation : sympy expression of :data:`nnqft_sym.S`, default 1
        :math:`n(s)`, evaluated at each variance :math:`C_{ii}`.
    product_rule : bool, default False
        Smooth activations at n >= 3 points of rank >= 3: the eigen-factor product rule (fast for
        many small integrals) instead of the adaptive quadrature.

    Returns
    -------
    numpy array of shape ``(...)``.

    Examples
    --------
    >>> import numpy as np, sympy as sp
    >>> from nnqft_sym import Z, S
    >>> cov = np.array([[1.0, 0.5], [0.5, 1.0]])
    >>> round(float(gaussian_moment(sp.Max(0, Z), cov)), 12)   # arc-cosine kernel
    0.304498890522
    >>> round(float(gaussian_moment(sp.exp(Z), cov, sp.exp(-S))), 12)   # Gauss-net: e^{c - (s_x + s_y)/2}
    0.606530659713
    """
    cov = np.asarray(cov, dtype=float)
    n = cov.shape[-1]
    rules = activation_rules(activation)
    if n % 2 and rules.is_odd:
        return np.zeros(cov.shape[:-2])
    diag = np.diagonal(cov, axis1=-2, axis2=-1)
    if isinstance(rules, ExponentialRules):
        log_norm = log_normalisation_function(normalisation)
        if log_norm is not None:
            return mgf_product_expectation_numeric(rules.terms, cov, np.sum(log_norm(diag), axis=-1))
    norm = np.prod(_normalisation_function(normalisation)(diag), axis=-1) if normalisation != 1 else 1.0
    return norm * _activation_moment(rules, cov, product_rule)


def _activation_moment(rules: ActivationRules, cov: np.ndarray, product_rule: bool) -> np.ndarray:
    """E[prod_i phi(z_i)]: moment-generating function, closed form, quadrature."""
    if isinstance(rules, ExponentialRules):
        return mgf_product_expectation_numeric(rules.terms, cov)
    if cov.shape[-1] == 2:
        try:
            pair = rules.pair_function
        except NoClosedFormError:
            pass
        else:
            return pair(cov[..., 0, 0], cov[..., 1, 1], cov[..., 0, 1])
    if product_rule and not rules.kinks and cov.shape[-1] > 2:
        return _smooth_product_rule(rules, cov)
    return _quadrature_moment(rules, cov)


#: quadrature values kept per activation (:func:`_quadrature_moment`), at most this many matrices
_MEMO_SIZE = 50_000
_memo: dict[sp.Expr, dict[bytes, float]] = {}
_memo_lock = threading.Lock()


def _quadrature_moment(rules: ActivationRules, cov: np.ndarray) -> np.ndarray:
    """:func:`nnqft_sym.quadrature.gaussian_expectation` of the activation of ``rules``, memoised
    in this process on the activation (an immutable SymPy expression, which fixes the NumPy
    function, kinks and homogeneity degree) and the exact bytes of each matrix: the exact
    correlators (:func:`nnqft_sym.delta_green_series`) integrate the same sub-multisets of points
    again for every subset and piece of combinations (HMS, Erf, 6 points: 7518 matrices in 130
    calls, 582 distinct).  A memoised value is the one the quadrature gave for that matrix in an
    earlier batch, bit-identical to recomputing it (a matrix's value does not depend on its
    batch)."""
    n = cov.shape[-1]
    flat = np.ascontiguousarray(cov, dtype=float).reshape(-1, n, n)
    keys = [m.tobytes() for m in flat]
    with _memo_lock:
        known = _memo.setdefault(rules.activation, {})
        out = np.array([known.get(k, np.nan) for k in keys])
    todo = np.flatnonzero(np.isnan(out))
    if len(todo):
        values = np.asarray(gaussian_expectation(rules.ufunc, flat[todo], kinks=rules.kinks,
                                                 homogeneity=rules.homogeneity,
                                                 activation=rules.activation), dtype=float)
        out[todo] = values
        with _memo_lock:
            if len(known) + len(todo) > _MEMO_SIZE:
                known.clear()
            known.update((keys[i], float(v)) for i, v in zip(todo, values))
    return out.reshape(cov.shape[:-2])


@functools.lru_cache(maxsize=8)
def log_normalisation_function(normalisation: sp.Expr) -> Callable[[np.ndarray], np.ndarray] | None:
    r""":math:`\log n(s)` as a NumPy function when it is a polynomial in s (Gauss-net: -s), else None.

    Examples
    --------
    >>> import numpy as np, sympy as sp
    >>> from nnqft_sym import S
    >>> log_normalisation_function(sp.exp(-S))(np.array([1.0, 2.0]))
    array([-1., -2.])
    >>> log_normalisation_function(1 / sp.sqrt(S)) is None
    True
    """
    log_n = sp.expand(log_normalisation(normalisation))
    if not log_n.is_polynomial(S):
        return None
    func = sp.lambdify(S, log_n, modules="numpy")
    return lambda s: func(s) + np.zeros_like(s)


@functools.lru_cache(maxsize=8)
def _normalisation_function(normalisation: sp.Expr) -> Callable[[np.ndarray], np.ndarray]:
    return _lambdify(normalisation, S)


# ============================================================================ smooth product rule
def _smooth_product_rule(rules: ActivationRules, cov: np.ndarray) -> np.ndarray:
    """Smooth phi at n >= 3 points: a product rule on the eigen-factor of C (composite
    Gauss-Legendre along the leading direction, Gauss-Hermite along the others) up to a leading
    standard deviation ``_PRODUCT_RULE_MAX_SCALE``, with its error estimated against a coarser
    rule and a fallback to the adaptive quadrature above ``_HERMITE_RTOL``; rank <= 2 and larger
    scales use the adaptive quadrature directly."""
    func = rules.ufunc

    def adaptive(c: np.ndarray) -> np.ndarray:
        return np.asarray(gaussian_expectation(func, c, homogeneity=rules.homogeneity,
                                               activation=rules.activation))
    evals, evecs = np.linalg.eigh(cov)
    evals = np.clip(evals[..., ::-1], 0.0, None)                         # largest first
    evecs = evecs[..., ::-1]
    rank = max(1, int(np.max(np.sum(evals > 1e-12 * evals[..., :1], axis=-1))))
    factor = evecs[..., :rank] * np.sqrt(evals[..., None, :rank])        # (..., n, r)
    if rank <= 2:
        return adaptive(cov)
    direct = np.sqrt(evals[..., 0]) > _PRODUCT_RULE_MAX_SCALE
    value = np.empty(cov.shape[:-2])
    if np.any(direct):
        value[direct] = adaptive(cov[direct])
    if np.all(direct):
        return value
    factor = factor[~direct]
    scales = np.sqrt(np.max(evals[~direct][:, :rank], axis=0))

    def rule(coarse: bool) -> np.ndarray:
        nodes, weights = _anisotropic_rule(rank, scales, coarse)
        out = np.empty(len(factor))
        step = max(1, _CHUNK // (len(weights) * cov.shape[-1]))
        for k in range(0, len(factor), step):
            z = np.einsum("bir,qr->bqi", factor[k:k + step], nodes)
            out[k:k + step] = np.prod(func(z), axis=-1) @ weights
        return out

    ruled = rule(False)
    bad = np.abs(ruled - rule(True)) > _HERMITE_RTOL * (1 + np.abs(ruled))
    if np.any(bad):
        ruled[bad] = adaptive(cov[~direct][bad])
    value[~direct] = ruled
    return value


@functools.lru_cache(maxsize=4)
def _leading_axis_rule(coarse: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Rule for E[F(u)], u ~ N(0, 1): nodes and weights of a composite Gauss-Legendre rule on
    [-_BOX, _BOX]; ``coarse`` uses fewer nodes per cell (an error estimate)."""
    t, w = np.polynomial.legendre.leggauss(_CELL_NODES - 2 * int(coarse))
    edges = np.linspace(-_BOX, _BOX, _CELLS + 1)
    half = np.diff(edges) / 2
    x = ((edges[:-1] + half)[:, None] + half[:, None] * t).ravel()
    w = (half[:, None] * w).ravel() * np.exp(-x * x / 2) / np.sqrt(2 * np.pi)
    return x, w


def _anisotropic_rule(rank: int, scales: np.ndarray, coarse: bool) -> tuple[np.ndarray, np.ndarray]:
    """Product rule for u ~ N(0, I_rank) (rank >= 3) adapted to the standard deviations ``scales``
    of the eigen-directions: the composite Gauss-Legendre rule along the leading direction, and
    Gauss-Hermite with a node count growing with the scale along the others (a direction of
    small variance carries a nearly polynomial integrand)."""
    axes = [_leading_axis_rule(coarse)]
    for sigma in scales[1:]:
        q = int(min(_HERMITE_MAX, _HERMITE_MIN + np.ceil(_HERMITE_PER_SIGMA * sigma)))
        if coarse:
            q = max(2, (3 * q) // 4)
        x, w = np.polynomial.hermite_e.hermegauss(q)
        axes.append((x, w / np.sqrt(2 * np.pi)))
    grids = np.meshgrid(*[a[0] for a in axes], indexing="ij")
    wgrids = np.meshgrid(*[a[1] for a in axes], indexing="ij")
    return (np.stack([g.ravel() for g in grids], -1),
            np.prod(np.stack([g.ravel() for g in wgrids], -1), -1))
