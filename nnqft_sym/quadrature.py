r"""Gaussian expectations of products of activations, :math:`E[\prod_i \phi(z_i)]`, :math:`z \sim N(0, C)`.

The exact finite-width correlators of a one-hidden-layer network need the single-neuron moments
:math:`E[\phi(z(x_1)) \cdots \phi(z(x_n))]` over the jointly Gaussian pre-activations, whose
covariance :math:`C_{ij} = \sigma_b^2 + \sigma_W^2 x_i \cdot x_j / d_{in}` has rank
:math:`r \le d_{in} + 1`.  The integral is done in :math:`r` dimensions.

Method (double precision, :func:`gaussian_expectation`)
-------------------------------------------------------
1. Factor :math:`C = L L^T` with :math:`L` of shape ``(n, r)`` from the eigen-decomposition (rank
   detected with a relative tolerance), so :math:`z = L u`, :math:`u \sim N(0, I_r)`.
2. Polar coordinates :math:`u = \rho\,\omega`.  The sphere :math:`S^{r-1}` is cut by the central
   hyperplanes :math:`\{l_i \cdot \omega = 0\}` (where :math:`z_i` changes sign) into chambers;
   every chamber is a pointed polyhedral cone, triangulated into simplicial cones whose edges
   are at most :data:`_MAX_EDGE_ANGLE` apart.  On a simplicial cone with unit edge rays
   :math:`V` the solid-angle element is :math:`|\det V|\,|Vt|^{-r}\,dt` with :math:`t` on the
   standard simplex, integrated with a collapsed (Duffy) Gauss-Jacobi product rule.
3. Along a ray every :math:`z_i = \rho\,(l_i \cdot \omega)` keeps its sign, so an activation
   with a kink at 0 (ReLU, abs, leaky ReLU) is analytic in :math:`\rho`.  The radial integral
   :math:`\int_0^\infty \rho^{r-1} e^{-\rho^2/2} \prod_i \phi(\rho a_i)\,d\rho` is done in
   :math:`x` with :math:`\rho = \log(1 + e^x)` (like :math:`\log\rho` near 0, so singularities
   of :math:`\phi` at :math:`\rho \propto 1/|a|` stay at a fixed distance from the real axis;
   like :math:`\rho` at large :math:`\rho`, where the Gaussian decays) with composite
   Gauss-Legendre cells over the range where an envelope of the integrand matters; kinks at
   :math:`z = \kappa \ne 0` add the break points :math:`\rho = \kappa / a_i` and, so that their
   order is fixed inside each chamber, the hyperplanes where two break points cross,
   :math:`(\kappa_b l_i - \kappa_a l_j) \cdot \omega = 0`.
4. For a positively homogeneous activation of degree :math:`k` the radial integral is exact:
   :math:`(2\pi)^{-r/2} 2^{(nk + r)/2 - 1}\Gamma((nk + r)/2) \prod_i \phi(a_i)`, and chambers where
   the activation vanishes identically (ReLU: all but one) are skipped.  For an even or odd
   activation (checked numerically) one chamber of each antipodal pair is integrated.
5. A batch of matrices is integrated together: the geometry (distinct rows, simplicial cones)
   is found per matrix and memoised on the exact bytes of the factor rows, identical matrices
   are integrated once, and the radial grids and the function values at the nodes of all
   matrices of the same rank and distinct-row structure are evaluated together (every matrix
   keeps its own nodes, radial grid and reductions, so a batch gives each matrix's value alone
   bit for bit).

With kinks only at 0 every step converges spectrally; the defaults give a relative accuracy of
about 1e-10 for ReLU, Erf, tanh with :math:`n \le 6` and rank :math:`\le 4` (tested), less for
exponentially growing activations and for kinks away from 0 (see ``docs/quadrature.md``).

Divergent or complex expectations raise :class:`nnqft_sym.errors.DivergentExpectationError`:
exactly from the SymPy ``activation`` when it is given (not real on an interval, a real
singularity :math:`|z - z_0|^{-p}` with :math:`k p \ge 1` for k coincident points, growth
:math:`e^{c z^2}` with :math:`2 c \lambda_{max}(C) \ge 1`), and numerically otherwise (a NaN,
infinite or complex value at a node; an integrand not decayed at the ends of the radial range).

High precision (:func:`gaussian_expectation_mp`)
------------------------------------------------
An independent mpmath path for ranks 1 and 2: mpmath's eigen-decomposition and adaptive
Gauss-Legendre quadrature over the arcs of the circle between kink angles, and over the radial
half-line split at the kink radii.

References: the arc-cosine kernel (Cho & Saul 2009) and the arcsine kernel (Williams 1997) are
the closed-form checks of the tests; the Duffy / conical product rule is Stroud,
*Approximate calculation of multiple integrals* (1971), ch. 2.
"""
from __future__ import annotations

import functools
import itertools
import math
import numbers
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import mpmath
import numpy as np
import sympy as sp
from scipy.special import gammaln, roots_jacobi, roots_legendre
from sympy.calculus.util import continuous_domain

from .activations import activation_rules
from .specification import Z
from .errors import DivergentExpectationError

from .parsing import to_sympy

__all__ = [
    "gaussian_expectation",
    "gaussian_expectation_mp",
    "activation_kinks",
    "activation_homogeneity",
]

#: eigenvalues below this fraction of the largest are treated as zero (rank detection)
_RANK_RTOL = 1e-12
#: a negative eigenvalue below -_PSD_RTOL * (largest) means ``cov`` is clearly not PSD
_PSD_RTOL = 1e-9
#: |C - C^T| above _SYMMETRY_RTOL * max|C| means ``cov`` is not symmetric
_SYMMETRY_RTOL = 1e-9
#: two unit directions closer than this are the same ray / hyperplane
_DIRECTION_ATOL = 1e-10
#: simplicial cones are bisected until no two edge rays are further apart than this
_MAX_EDGE_ANGLE = math.pi / 2
#: default Gauss nodes per angular dimension of a simplicial cone, by rank: with a numerical
#: radial integral, and (cheaper per node) for homogeneous activations
_DEFAULT_NODES = {1: 1, 2: 24, 3: 16, 4: 14}
_DEFAULT_NODES_HOMOGENEOUS = {1: 1, 2: 24, 3: 24, 4: 20}
#: above this pre-activation variance the default angular order grows like variance^(1/4) (the
#: angular integrand of a saturating activation varies on a scale 1/sqrt(variance) at the walls)
_VARIANCE_REF = 10.0
#: the radial integral is cut where an envelope of the integrand falls below _RADIAL_CUT times
#: its maximum, searched within rho in [_RHO_MIN, _RHO_MAX]
_RHO_MIN = 1e-18
_RHO_MAX = 24.0
_RADIAL_CUT = 1e-18
#: where the envelope does not decay within that range, the actual integrand at the end of the
#: grid must be below this fraction of its peak, else the expectation is reported divergent
_OPEN_END_RTOL = 1e-12
#: length of one composite Gauss-Legendre cell in x, rho = log(1 + e^x), and its default nodes
_RADIAL_CELL = 2.5
_RADIAL_NODES = 16
#: a growth rate log|phi(z)|/z^2 at |z| = 1e6 below this counts as sub-Gaussian (exp(a z) gives
#: a/1e6, polynomials ~1e-11); a slower super-Gaussian growth is left to the numeric decay check
_SUB_GAUSSIAN_GROWTH = 1e-5
#: floats per work array when evaluating the activation (memory bound of the vectorised path)
_CHUNK = 2_000_000
#: radii on which the envelope of the radial integrand is searched (geometric in [_RHO_MIN, _RHO_MAX])
_RADIAL_SEARCH = 400
#: distinct matrices whose geometry (distinct rows, simplicial cones) is memoised
_GEOMETRY_CACHE = 1024
#: points where an activation is tested for being even or odd
_PARITY_PROBE = np.linspace(0.01, 8.0, 97)
#: mpmath quadrature rule of the high-precision path
_MP_METHOD = "gauss-legendre"
#: fixed radial cut points of the mpmath path (help the rule converge at low degree)
_MP_RADIAL_CUTS = (1, 2, 4, 8)


# ============================================================================ public API
def gaussian_expectation(func: Callable[[np.ndarray], np.ndarray], cov: Any, *,
                         kinks: Sequence[float] = (), homogeneity: int | None = None,
                         nodes: int | None = None, activation: Any = None) -> np.ndarray | float:
    r"""Expectation :math:`E[\prod_{i=1}^n \phi_i(z_i)]` for :math:`z \sim N(0, C)`.

    Parameters
    ----------
    func : callable or sequence of n callables
        Vectorised NumPy activation :math:`\phi` (the same at every point), or one function
        :math:`\phi_i` per point (e.g. derivatives of an activation, Price's theorem); each is
        called on float arrays of any shape.
    cov : array_like, shape (..., n, n)
        Symmetric positive semi-definite covariance matrices, possibly rank-deficient (rank
        detected relative to the largest eigenvalue; tiny negative eigenvalues are clipped).
    kinks : sequence of float, optional
        Points where :math:`\phi` is not smooth.  A kink at 0 is always handled (the domain is
        always split where some :math:`z_i` changes sign); non-zero kinks add radial break
        points and crossing hyperplanes (costly at rank 3 and 4).
    homogeneity : int, optional
        Degree :math:`k \ge 0` if :math:`\phi(tz) = t^k \phi(z)` for :math:`t > 0`; the radial
        integral is then done exactly.
    nodes : int, optional
        Gauss nodes per angular dimension of each simplicial cone (and per radial cell);
        by default set by the rank (:data:`_DEFAULT_NODES`) and, for non-homogeneous
        activations, raised by :math:`(\max_i C_{ii} / 10)^{1/4}` above variance 10.
    activation : sympy expression of one symbol, optional
        The SymPy form of ``func`` (or of the activation whose derivatives ``func`` holds).
        When given, the expectation is first checked exactly: an activation that is not real
        on an interval, a non-integrable singularity (``|phi| ~ |z - z0|^(-p)`` with k p >= 1 for k
        coincident points; every pole), or growth :math:`e^{c z^2}` with
        :math:`2 c \lambda_{max}(C) \ge 1` raise :class:`DivergentExpectationError` naming it.

    Returns
    -------
    numpy.ndarray or float
        Shape ``cov.shape[:-2]``; a float for a single matrix.

    Raises
    ------
    TypeError
        If ``func`` is not a callable (or a sequence of them) or ``nodes`` / ``homogeneity``
        are not integers.
    ValueError
        If ``cov`` is not a finite symmetric PSD array of shape (..., n, n), or ``kinks`` are
        not finite reals, or ``nodes`` < 1, ``homogeneity`` < 0, or a sequence ``func`` does
        not have n entries.
    DivergentExpectationError
        (a ``ValueError``) If the expectation is infinite or not real: found from
        ``activation`` (above), or numerically, without it, when a function is NaN, infinite
        or complex at a node, or the integrand has not decayed (to 1e-12 of its peak) at
        radius 1e-18 or 24 in units of the standard deviation.

    Examples
    --------
    >>> import numpy as np
    >>> from nnqft_sym.quadrature import gaussian_expectation
    >>> relu = lambda z: np.maximum(z, 0.0)
    >>> cov = np.array([[1.0, 0.5], [0.5, 1.0]])
    >>> t = np.arccos(0.5)
    >>> exact = (np.sin(t) + (np.pi - t) * np.cos(t)) / (2 * np.pi)   # arc-cosine kernel
    >>> bool(abs(gaussian_expectation(relu, cov, kinks=(0.0,), homogeneity=1) - exact) < 1e-14)
    True
    >>> dtanh = lambda z: 1.0 / np.cosh(z) ** 2       # E[tanh'(z_1) z_2^2 tanh'(z_2)], variance 100
    >>> value = gaussian_expectation([dtanh, lambda z: z * z * dtanh(z)],
    ...                              100.0 * np.array([[1.0, 0.5], [0.5, 1.0]]))
    >>> round(value, 6)
    0.005879
    >>> import sympy as sp
    >>> from nnqft_sym.errors import DivergentExpectationError
    >>> z = sp.Symbol("z", real=True)
    >>> try:                                           # E[exp(z^2/4)^2] at variance 1.01
    ...     gaussian_expectation(lambda z: np.exp(z ** 2 / 4), np.full((2, 2), 1.01),
    ...                          activation=sp.exp(z ** 2 / 4))
    ... except DivergentExpectationError as exc:
    ...     print(str(exc)[:64])
    the Gaussian expectation of the activation exp(z**2/4) diverges:
    """
    cov = _check_covariance(cov)
    kinds, which = _check_funcs(func, cov.shape[-1])
    kink_values = _check_kinks(kinks)
    if homogeneity is not None:
        if isinstance(homogeneity, bool) or not isinstance(homogeneity, numbers.Integral):
            raise TypeError(f"homogeneity must be a non-negative integer or None, got {homogeneity!r}")
        if homogeneity < 0:
            raise ValueError(f"homogeneity must be a non-negative integer, got {homogeneity}")
        homogeneity = int(homogeneity)
        kink_values = ()  # a homogeneous activation is smooth away from 0
    kink_values = tuple(k for k in kink_values if k != 0.0)
    if nodes is not None:
        if isinstance(nodes, bool) or not isinstance(nodes, numbers.Integral):
            raise TypeError(f"nodes must be a positive integer or None, got {nodes!r}")
        if nodes < 1:
            raise ValueError(f"nodes must be a positive integer (>= 1), got {nodes}")
    batch_shape = cov.shape[:-2]
    n = cov.shape[-1]
    flat = cov.reshape(-1, n, n)
    factors = _low_rank_factors(flat)
    f0 = np.array([float(_values(f, np.zeros(1))[0]) for f in kinds])[which]
    sides = (np.array([_values(f, np.array([1.0, -1.0])) for f in kinds])
             if homogeneity is not None else None)
    parities = np.array([_parity(f) for f in kinds])
    if activation is not None:
        _check_activation(activation, flat)
    try:
        out = _expectations(kinds, which, factors, f0, sides, parities, kink_values, homogeneity,
                            nodes)
    except DivergentExpectationError as exc:
        if activation is None or str(activation) in str(exc):
            raise
        raise DivergentExpectationError(f"activation {activation}: {exc}") from None
    out = out.reshape(batch_shape)
    return float(out) if out.ndim == 0 else out


def _expectations(kinds: list[Callable], which: np.ndarray, factors: list[np.ndarray],
                  f0: np.ndarray, sides: np.ndarray | None, parities: np.ndarray,
                  kink_values: tuple[float, ...], homogeneity: int | None, nodes: int | None
                  ) -> np.ndarray:
    """:func:`gaussian_expectation` for the factors ``L`` of the matrices.

    The geometry (distinct rows, simplicial cones) is found per matrix, memoised across
    matrices and calls (:func:`_row_structure`, :func:`_cone_geometry`); identical factors are
    integrated once; the radial grids and function values of each group of matrices with the
    same rank, functions per distinct row and numbers of nodes are evaluated together
    (:func:`_cone_sums`), each matrix's value bit-identical to integrating it alone.
    """
    out = np.zeros(len(factors))
    groups: dict[tuple, list[_ConeProblem]] = {}
    first_of: dict[tuple, int] = {}
    copies: list[tuple[int, int]] = []
    for b, lmat in enumerate(factors):
        key = (lmat.shape, lmat.tobytes())
        if key in first_of:     # a repeated matrix (e.g. the same multiset of points)
            copies.append((b, first_of[key]))
            continue
        first_of[key] = b
        active = np.sum(lmat * lmat, axis=1) > 0.0
        r = lmat.shape[1]
        bad_zero = which[~active][~np.isfinite(f0[~active])]
        if len(bad_zero):   # some z_i = 0 identically, where a function is not finite
            _node_values(kinds[int(bad_zero[0])], np.zeros(1))
        zero_factor = float(np.prod(f0[~active]))
        if r == 0 or zero_factor == 0.0:
            out[b] = zero_factor
            continue
        rows, counts, kind = _row_structure(lmat[active], which[active])
        # an even or odd integrand: integrate over one of each antipodal pair of chambers
        parity = int(np.prod(parities[kind] ** counts))
        symmetry = 1 + parity if parity else 1
        if symmetry == 0:
            continue
        cones = _cone_geometry(rows, kink_values, bool(parity))
        if homogeneity is not None:
            cones = _live_cones(cones, rows, sides[kind])
        if not len(cones):
            continue
        if nodes is not None:
            q_angle = int(nodes)
        elif homogeneity is not None:
            q_angle = _DEFAULT_NODES_HOMOGENEOUS[r]
        else:   # a saturating activation at large variance is close to a step: more nodes
            variance = float(np.max(np.sum(rows * rows, axis=1)))
            growth = max(1.0, variance / _VARIANCE_REF) ** 0.25
            q_angle = int(math.ceil(_DEFAULT_NODES[r] * growth))
        q_radius = _RADIAL_NODES if nodes is None else int(nodes)
        group = (r, tuple(kind.tolist()), q_angle, q_radius)
        groups.setdefault(group, []).append(
            _ConeProblem(b, rows, counts, cones, symmetry * zero_factor))
    for (_, kind, q_angle, q_radius), problems in groups.items():
        problems.sort(key=lambda p: tuple(p.counts))   # equal powers together (_product)
        values = _cone_sums([kinds[k] for k in kind], problems, (q_angle, q_radius),
                            homogeneity, kink_values)
        for problem, value in zip(problems, values):
            out[problem.index] = problem.factor * value
    for b, first in copies:
        out[b] = out[first]
    return out


@dataclass(frozen=True)
class _ConeProblem:
    """One matrix's cone quadrature: ``factor`` times the sum over ``cones`` (C, r, r) of the
    Gaussian integral of prod_i func_i(rows_i . u)^counts_i (rows (n, r), distinct)."""

    index: int
    rows: np.ndarray
    counts: np.ndarray
    cones: np.ndarray
    factor: float


def gaussian_expectation_mp(func: Callable[[Any], Any], cov: Any, *, kinks: Sequence[float] = (),
                            dps: int = 30, homogeneity: int | None = None,
                            activation: Any = None) -> mpmath.mpf:
    r"""High-precision :math:`E[\prod_i \phi(z_i)]` for ONE covariance of rank <= 2, or 3 (mpmath).

    An independent check of :func:`gaussian_expectation`: the covariance is factored with
    :func:`mpmath.eigsy` at ``dps`` digits, and the integral is done with mpmath's adaptive
    Gauss-Legendre quadrature, over the line (rank 1) or in polar coordinates (rank 2: the circle split at
    the angles where some :math:`z_i` vanishes or two kink radii cross; the radial half-line
    split at the kink radii :math:`\rho = \kappa / (l_i \cdot \omega)`).  Rank 3 is done for
    positively homogeneous activations (``homogeneity`` given, radial integral exact) in
    spherical coordinates of a generic frame: the polar angle split where some
    :math:`z_i` vanishes, the azimuth split at the intersections of those great circles.

    Parameters
    ----------
    func : callable
        Activation taking and returning mpmath numbers (e.g. ``mpmath.erf``).
    cov : array_like, shape (n, n)
        One symmetric PSD covariance matrix of rank 1 or 2 (rank 3 with ``homogeneity``).
    kinks : sequence of float, optional
        Points where ``func`` is not smooth (0 is always treated as one).
    dps : int, optional
        Decimal digits of the computation (>= 15).
    homogeneity : int, optional
        Degree :math:`k \ge 0` of a positively homogeneous activation (needed at rank 3).
    activation : sympy expression of one symbol, optional
        The SymPy form of ``func``: when given, the expectation is first checked for
        divergence exactly, as in :func:`gaussian_expectation`.

    Returns
    -------
    mpmath.mpf

    Raises
    ------
    ValueError
        If ``cov`` is not one symmetric PSD matrix, or its rank exceeds 2 (3 with
        ``homogeneity``), or ``dps`` < 15.
    DivergentExpectationError
        (a ``ValueError``) If ``activation`` shows the expectation to be infinite or not real.

    Examples
    --------
    >>> import mpmath
    >>> from nnqft_sym.quadrature import gaussian_expectation_mp
    >>> relu = lambda z: max(z, 0)
    >>> value = gaussian_expectation_mp(relu, [[1.0, 1.0], [1.0, 1.0]], kinks=(0.0,), dps=20)
    >>> mpmath.nstr(value, 15)    # E[relu(z)^2] = 1/2
    '0.5'
    """
    if not callable(func):
        raise TypeError(f"func must be a callable on mpmath numbers, got {type(func).__name__}")
    if isinstance(dps, bool) or not isinstance(dps, numbers.Integral) or dps < 15:
        raise ValueError(f"dps must be an integer >= 15, got {dps!r}")
    cov = _check_covariance(cov)
    if cov.ndim != 2:
        raise ValueError(f"cov must be ONE (n, n) matrix for the mpmath path, got shape {cov.shape}")
    kink_values = tuple(sorted(set(_check_kinks(kinks)) | {0.0}))
    if homogeneity is not None and (isinstance(homogeneity, bool) or not
                                    isinstance(homogeneity, numbers.Integral) or homogeneity < 0):
        raise ValueError(f"homogeneity must be a non-negative integer or None, got {homogeneity!r}")
    if activation is not None:
        _check_activation(activation, cov[None])
    with mpmath.workdps(dps):
        lmat = _mp_factor(cov, max_rank=2 if homogeneity is None else 3)
        if lmat and len(lmat[0]) == 3:
            value = _mp_sphere(func, *_mp_distinct(lmat), int(homogeneity))
        else:
            value = _mp_expectation(func, lmat, kink_values)
    return +value


def activation_kinks(expr: Any, z: sp.Symbol) -> tuple[float, ...]:
    r"""Real points where the SymPy activation ``expr(z)`` is not infinitely differentiable.

    Recognises ``Max``/``Min``, ``Abs``, ``Heaviside``, ``sign`` and ``Piecewise`` break points
    (anywhere in the expression tree); smooth activations (exp, erf, tanh, cos, sigmoid,
    softplus, ...) give ``()``.

    Parameters
    ----------
    expr : sympy expression
        The activation as an expression of ``z``.
    z : sympy.Symbol
        The pre-activation symbol.

    Returns
    -------
    tuple of float
        Sorted distinct real kink locations.

    Raises
    ------
    TypeError
        If ``z`` is not a SymPy symbol or ``expr`` cannot be sympified.

    Examples
    --------
    >>> import sympy as sp
    >>> from nnqft_sym.quadrature import activation_kinks
    >>> z = sp.Symbol("z", real=True)
    >>> activation_kinks(sp.Max(0, z), z)
    (0.0,)
    >>> activation_kinks(sp.Min(1, sp.Max(-1, z)), z)     # hard tanh
    (-1.0, 1.0)
    >>> activation_kinks(sp.erf(z), z)
    ()
    """
    return activation_rules(_sympify_activation(expr, z).xreplace({z: Z})).kinks


def activation_homogeneity(expr: Any, z: sp.Symbol) -> int | None:
    r"""Degree :math:`k` if ``expr`` is positively homogeneous: :math:`\phi(tz) = t^k \phi(z)`, :math:`t > 0`.

    Parameters
    ----------
    expr : sympy expression
        The activation as an expression of ``z``.
    z : sympy.Symbol
        The pre-activation symbol.

    Returns
    -------
    int or None
        The degree (a non-negative integer), or ``None`` if ``expr`` is not positively
        homogeneous of integer degree.

    Raises
    ------
    TypeError
        If ``z`` is not a SymPy symbol or ``expr`` cannot be sympified.

    Examples
    --------
    >>> import sympy as sp
    >>> from nnqft_sym.quadrature import activation_homogeneity
    >>> z = sp.Symbol("z", real=True)
    >>> activation_homogeneity(sp.Max(0, z), z), activation_homogeneity(sp.Max(0, z)**2, z)
    (1, 2)
    >>> activation_homogeneity(sp.Abs(z), z), activation_homogeneity(sp.tanh(z), z)
    (1, None)
    """
    return activation_rules(_sympify_activation(expr, z).xreplace({z: Z})).homogeneity


# ============================================================================ input checks
def _check_covariance(cov: Any) -> np.ndarray:
    try:
        arr = np.asarray(cov, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"cov must be a numeric array of shape (..., n, n), "
                        f"got {type(cov).__name__}") from exc
    if arr.ndim < 2 or arr.shape[-1] != arr.shape[-2] or arr.shape[-1] < 1:
        raise ValueError(f"cov must have shape (..., n, n) with n >= 1, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError("cov must be finite (no NaN or inf)")
    scale = np.max(np.abs(arr), axis=(-2, -1), keepdims=True)
    asym = np.max(np.abs(arr - np.swapaxes(arr, -1, -2)), axis=(-2, -1), keepdims=True)
    if np.any(asym > _SYMMETRY_RTOL * scale):
        raise ValueError(f"cov must be symmetric (|C - C^T| <= {_SYMMETRY_RTOL:g} max|C|), "
                         f"got an asymmetry of {float(np.max(asym)):.3g}")
    return 0.5 * (arr + np.swapaxes(arr, -1, -2))


def _check_funcs(func: Any, n: int) -> tuple[list[Callable], np.ndarray]:
    """The distinct callables and, per point, the index of its callable (``func`` is one
    callable for every point or a sequence of ``n``)."""
    if callable(func):
        return [func], np.zeros(n, dtype=int)
    try:
        funcs = list(func)
    except TypeError:
        funcs = None
    if funcs is None or not all(callable(f) for f in funcs):
        raise TypeError(f"func must be a vectorised callable or a sequence of them, "
                        f"got {type(func).__name__}")
    if len(funcs) != n:
        raise ValueError(f"func: a sequence needs one callable per point, n = {n}, "
                         f"got {len(funcs)}")
    kinds: list[Callable] = []
    which = []
    for f in funcs:
        if not any(f is g for g in kinds):
            kinds.append(f)
        which.append(next(k for k, g in enumerate(kinds) if f is g))
    return kinds, np.array(which, dtype=int)


def _check_kinks(kinks: Any) -> tuple[float, ...]:
    try:
        values = tuple(float(k) for k in kinks)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"kinks must be a sequence of real numbers, got {kinks!r}") from exc
    if not all(math.isfinite(k) for k in values):
        raise ValueError(f"kinks must be finite real numbers, got {kinks!r}")
    return tuple(sorted(set(values)))


def _low_rank_factors(cov: np.ndarray) -> list[np.ndarray]:
    """``L`` with ``C = L L^T``, shape (n, rank), from the eigen-decomposition of each matrix."""
    evals, evecs = np.linalg.eigh(cov)
    top = np.maximum(evals[:, -1], 0.0)
    bad = evals[:, 0] < -_PSD_RTOL * np.maximum(top, np.max(np.abs(evals), axis=1))
    if np.any(bad):
        first = int(np.argmax(bad))
        raise ValueError(f"cov must be positive semi-definite: matrix {first} has eigenvalue "
                         f"{evals[first, 0]:.3g} (largest {evals[first, -1]:.3g})")
    factors = []
    for lam, vec, lam_max, mat in zip(evals, evecs, top, cov):
        keep = lam > _RANK_RTOL * lam_max if lam_max > 0 else np.zeros(len(lam), bool)
        lmat = vec[:, keep] * np.sqrt(lam[keep])
        lmat[np.diag(mat) <= _RANK_RTOL * lam_max] = 0.0   # z_i = 0 identically
        factors.append(lmat)
    return factors


# ============================================================================ geometry
def _distinct_directions(vectors: np.ndarray, up_to_sign: bool) -> np.ndarray:
    """Unit vectors with duplicates removed (``up_to_sign``: v and -v are the same line)."""
    out: list[np.ndarray] = []
    for v in vectors / np.linalg.norm(vectors, axis=1, keepdims=True):
        if not any(np.linalg.norm(v - w) < _DIRECTION_ATOL
                   or (up_to_sign and np.linalg.norm(v + w) < _DIRECTION_ATOL) for w in out):
            out.append(v)
    return np.array(out)


def _crossing_normals(lact: np.ndarray, kinks: tuple[float, ...]) -> np.ndarray:
    """Normals of the hyperplanes where z_i = 0, and where two kink radii kappa/a_i cross."""
    rows = [lact]
    if kinks:
        pairs = []
        for i, j in itertools.combinations(range(len(lact)), 2):
            for ka, kb in itertools.product(kinks, repeat=2):
                pairs.append(kb * lact[i] - ka * lact[j])
        pairs = np.array(pairs).reshape(-1, lact.shape[1])
        scale = np.max(np.abs(lact)) * max(abs(k) for k in kinks)
        rows.append(pairs[np.linalg.norm(pairs, axis=1) > 1e-9 * scale])
    return _distinct_directions(np.concatenate(rows), up_to_sign=True)


def _values(func: Callable, z: np.ndarray) -> np.ndarray:
    """func(z) as a float array of z's shape (a constant activation may return a scalar)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        raw = np.asarray(func(z))
    if np.iscomplexobj(raw):
        raw = np.where(raw.imag == 0, raw.real, np.nan)
    return np.broadcast_to(raw.astype(float), np.shape(z))


def _node_values(func: Callable, z: np.ndarray) -> np.ndarray:
    """:func:`_values` at quadrature nodes: a NaN, infinite or complex value raises
    DivergentExpectationError naming the point."""
    vals = _values(func, z)
    bad = ~np.isfinite(vals)
    if np.any(bad):
        where = float(np.broadcast_to(z, vals.shape)[bad].flat[0])
        kind = "is infinite" if np.isinf(vals[bad].flat[0]) else "is not a real number"
        raise DivergentExpectationError(
            f"the Gaussian expectation of {_names([func])} is not finite and real: the function "
            f"{kind} at z = {where:.6g} (a pole, a complex value or a value outside its domain)")
    return vals


def _names(funcs: list[Callable]) -> str:
    """The functions' names for messages."""
    return ", ".join(getattr(f, "__name__", type(f).__name__) for f in funcs)


def _parity(func: Callable) -> int:
    """+1 if func is even, -1 if odd (checked on _PARITY_PROBE), else 0."""
    plus = _values(func, _PARITY_PROBE)
    minus = _values(func, -_PARITY_PROBE)
    for sign in (1, -1):
        if np.allclose(minus, sign * plus, rtol=1e-14, atol=0.0):
            return sign
    return 0


def _distinct_rows(lact: np.ndarray, which: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows of L up to rounding (repeated input points) with the same function index ``which``:
    the distinct rows, their multiplicities and their function indices."""
    tol = 1e-12 * np.max(np.abs(lact))
    rows: list[np.ndarray] = []
    counts: list[int] = []
    kinds: list[int] = []
    for row, kind in zip(lact, which):
        for k, other in enumerate(rows):
            if kinds[k] == kind and np.max(np.abs(row - other)) <= tol:
                counts[k] += 1
                break
        else:
            rows.append(row)
            counts.append(1)
            kinds.append(int(kind))
    return np.array(rows), np.array(counts), np.array(kinds)


def _simplicial_cones(normals: np.ndarray, r: int, half: bool = False) -> list[np.ndarray]:
    """Simplicial cones (columns = unit edge rays) tiling R^r, each inside one chamber.

    With ``half``, only one chamber of each antipodal pair (C, -C) is kept.
    """
    if r == 1:
        cones = [np.array([[1.0]]), np.array([[-1.0]])][:1 if half else 2]
    elif r == 2:
        cones = _arc_cones(normals, half)
    else:
        cones = []
        rays, chambers = _chambers(normals, r)
        for ids in chambers:
            if half and normals[0] @ rays[list(ids)].sum(axis=0) < 0:
                continue
            for simplex in _triangulate(list(ids), r, rays, normals):
                cones.append(rays[simplex].T)
    return [piece for cone in cones for piece in _bisect(cone)]


def _arc_cones(normals: np.ndarray, half: bool) -> list[np.ndarray]:
    """Arcs of the circle between consecutive angles where some l_i . omega = 0."""
    angles = np.arctan2(normals[:, 1], normals[:, 0]) + 0.5 * np.pi
    cuts = np.sort(np.mod(np.concatenate([angles, angles + np.pi]), 2 * np.pi))
    cuts = np.append(cuts, cuts[0] + 2 * np.pi)
    stop = len(cuts) // 2 if half else len(cuts) - 1   # the cut set is symmetric under +pi
    cones = []
    for a, b in zip(cuts[:stop], cuts[1:stop + 1]):
        if b - a > _DIRECTION_ATOL:
            cones.append(np.array([[np.cos(a), np.cos(b)], [np.sin(a), np.sin(b)]]))
    return cones


def _chambers(normals: np.ndarray, r: int) -> tuple[np.ndarray, list[tuple[int, ...]]]:
    """Extreme rays of the arrangement and, for each chamber, the indices of its rays."""
    m = len(normals)
    if m > 20:
        raise ValueError(f"too many hyperplanes ({m}) for the chamber enumeration at rank {r}: "
                         f"use fewer points or drop non-zero kinks")
    candidates = []
    for subset in itertools.combinations(range(m), r - 1):
        _, sing, vt = np.linalg.svd(normals[list(subset)])
        if sing[-1] > 1e-9:
            candidates.extend([vt[-1], -vt[-1]])
    rays = _distinct_directions(np.array(candidates), up_to_sign=False)
    prod = normals @ rays.T
    signs = np.where(np.abs(prod) < 1e-9, 0, np.sign(prod)).astype(np.int8)
    chambers = []
    for sigma in itertools.product((1, -1), repeat=m):
        ok = np.all(np.array(sigma, dtype=np.int8)[:, None] * signs >= 0, axis=0)
        ids = np.flatnonzero(ok)
        if len(ids) >= r and np.linalg.matrix_rank(rays[ids], tol=1e-9) == r:
            chambers.append(tuple(ids))
    return rays, chambers


def _triangulate(ids: list[int], dim: int, rays: np.ndarray, normals: np.ndarray
                 ) -> list[list[int]]:
    """Pulling triangulation of the cone spanned by ``rays[ids]`` (a face of dimension ``dim``)."""
    if len(ids) == dim:
        return [ids]
    apex = ids[0]
    on = np.abs(normals @ rays[ids].T) < 1e-9
    facets = set()
    for row in on:
        face = tuple(i for i, flag in zip(ids, row) if flag)
        if apex in face or len(face) < dim - 1:
            continue
        if np.linalg.matrix_rank(rays[list(face)], tol=1e-9) == dim - 1:
            facets.add(face)
    return [[apex] + tail for face in sorted(facets)
            for tail in _triangulate(list(face), dim - 1, rays, normals)]


def _bisect(cone: np.ndarray) -> list[np.ndarray]:
    """Split a simplicial cone along its longest edge until all edges are <= _MAX_EDGE_ANGLE."""
    r = cone.shape[1]
    if r == 1:
        return [cone]
    gram = np.clip(cone.T @ cone, -1.0, 1.0)
    i, j = np.unravel_index(np.argmin(gram), gram.shape)
    if np.arccos(gram[i, j]) <= _MAX_EDGE_ANGLE + 1e-12:
        return [cone]
    mid = cone[:, i] + cone[:, j]
    mid /= np.linalg.norm(mid)
    left, right = cone.copy(), cone.copy()
    left[:, i] = mid
    right[:, j] = mid
    return _bisect(left) + _bisect(right)


def _live_cones(cones: np.ndarray, rows: np.ndarray, sides: np.ndarray) -> np.ndarray:
    """Drop cones (C, r, r) where a homogeneous integrand vanishes (ReLU: z_i < 0 for some i);
    ``sides`` (rows, 2) holds each row's function at +1 and -1."""
    a = cones.sum(axis=2) @ rows.T                            # (C, rows) inside each cone
    values = np.where(a > 0, sides[:, 0], sides[:, 1])
    return cones[np.all(values != 0.0, axis=1)]


@functools.lru_cache(maxsize=_GEOMETRY_CACHE)
def _row_structure_of(shape: tuple[int, int], data: bytes, which: bytes
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rows, counts, kind = _distinct_rows(np.frombuffer(data).reshape(shape),
                                        np.frombuffer(which, dtype=int))
    for arr in (rows, counts, kind):
        arr.setflags(write=False)
    return rows, counts, kind


def _row_structure(lact: np.ndarray, which: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`_distinct_rows`, memoised on the exact bytes of its arguments (read-only arrays)."""
    lact = np.ascontiguousarray(lact, dtype=float)
    return _row_structure_of(lact.shape, lact.tobytes(),
                             np.ascontiguousarray(which, dtype=int).tobytes())


@functools.lru_cache(maxsize=_GEOMETRY_CACHE)
def _cone_geometry_of(shape: tuple[int, int], data: bytes, kinks: tuple[float, ...],
                      half: bool) -> np.ndarray:
    rows = np.frombuffer(data).reshape(shape)
    r = shape[1]
    cones = _simplicial_cones(_crossing_normals(rows, kinks), r, half=half)
    out = np.stack(cones) if cones else np.empty((0, r, r))
    out.setflags(write=False)
    return out


def _cone_geometry(rows: np.ndarray, kinks: tuple[float, ...], half: bool) -> np.ndarray:
    """Simplicial cones (C, r, r) of the crossing hyperplanes of the distinct ``rows``
    (:func:`_simplicial_cones`), memoised on the exact bytes of the rows (read-only array)."""
    rows = np.ascontiguousarray(rows, dtype=float)
    return _cone_geometry_of(rows.shape, rows.tobytes(), kinks, half)


# ============================================================================ quadrature rules
@functools.lru_cache(maxsize=None)
def _simplex_rule(d: int, q: int) -> tuple[np.ndarray, np.ndarray]:
    """Collapsed Gauss-Jacobi rule on the standard d-simplex: barycentric points (Q, d+1), weights."""
    if d == 0:
        return np.ones((1, 1)), np.ones(1)
    axes = []
    for k in range(1, d + 1):
        alpha = d - k
        x, w = roots_jacobi(q, alpha, 0.0)
        axes.append(((1.0 + x) / 2.0, w / 2.0 ** (alpha + 1)))
    grids = np.meshgrid(*[a[0] for a in axes], indexing="ij")
    wgrid = np.meshgrid(*[a[1] for a in axes], indexing="ij")
    xs = [g.ravel() for g in grids]
    weights = np.prod([w.ravel() for w in wgrid], axis=0)
    bary = np.empty((len(weights), d + 1))
    rest = np.ones(len(weights))
    for k in range(d):
        bary[:, k] = rest * xs[k]
        rest = rest * (1.0 - xs[k])
    bary[:, d] = rest
    return bary, weights


@functools.lru_cache(maxsize=None)
def _legendre01(q: int) -> tuple[np.ndarray, np.ndarray]:
    x, w = roots_legendre(q)
    return (1.0 + x) / 2.0, w / 2.0


def _radial_grids(funcs: list[Callable], rows: np.ndarray, counts: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per matrix (rows (B, n, r), counts (B, n)): the range [x_lo, x_hi] in x, rho = log(1 + e^x),
    where the radial integrand matters, its number of cells, and whether the envelope had not
    decayed at the upper end of the search range.

    The envelope rho^r exp(-rho^2/2) prod_i max_{|z| <= rho |l_i|} |func_i(z)|^(count_i) bounds the
    integrand (per unit x) on every ray; the range keeps what exceeds _RADIAL_CUT of its maximum.
    """
    r = rows.shape[2]
    rho = np.geomspace(_RHO_MIN, _RHO_MAX, _RADIAL_SEARCH)
    z = rho[None, :, None] * np.linalg.norm(rows, axis=2)[:, None, :]      # (B, rho, n)
    size = np.empty_like(z)
    with np.errstate(over="ignore", invalid="ignore"):
        for f in {id(f): f for f in funcs}.values():    # each distinct function once
            cols = [i for i, g in enumerate(funcs) if g is f]
            zf = z[:, :, cols]
            size[:, :, cols] = np.maximum(np.abs(_values(f, zf)), np.abs(_values(f, -zf)))
        size = np.maximum.accumulate(np.nan_to_num(size, nan=np.inf), axis=1)
        log_env = (r * np.log(rho) - 0.5 * rho ** 2
                   + np.sum(counts[:, None, :] * np.log(np.maximum(size, 1e-300)), axis=2))
    keep = log_env >= np.max(log_env, axis=1, keepdims=True) + math.log(_RADIAL_CUT)
    first = np.argmax(keep, axis=1)
    last = len(rho) - 1 - np.argmax(keep[:, ::-1], axis=1)
    lo = rho[np.maximum(first - 1, 0)]
    hi = rho[np.minimum(last + 1, len(rho) - 1)]
    x_lo = np.array([math.log(math.expm1(v)) for v in lo])
    x_hi = np.array([math.log(math.expm1(v)) for v in hi])
    cells = np.array([max(1, math.ceil((b - a) / _RADIAL_CELL)) for a, b in zip(x_lo, x_hi)])
    return x_lo, x_hi, cells, last == len(rho) - 1


# ============================================================================ integration
def _angular_nodes(cones: np.ndarray, q: int) -> tuple[np.ndarray, np.ndarray]:
    """Unit directions (C, Q, r) and solid-angle weights (C, Q) covering each simplicial cone."""
    r = cones.shape[1]
    if r == 2:   # arcs: Gauss-Legendre in the angle (the integrand is analytic in it)
        ccw = cones[:, 0, 0] * cones[:, 1, 1] - cones[:, 1, 0] * cones[:, 0, 1] >= 0
        first = np.where(ccw[:, None], cones[:, :, 0], cones[:, :, 1])
        start = np.arctan2(first[:, 1], first[:, 0])
        width = np.arccos(np.clip(np.sum(cones[:, :, 0] * cones[:, :, 1], axis=1), -1.0, 1.0))
        x01, w01 = _legendre01(q)
        theta = start[:, None] + width[:, None] * x01
        omega = np.stack([np.cos(theta), np.sin(theta)], axis=-1)
        return omega, width[:, None] * w01
    bary, tw = _simplex_rule(r - 1, q)
    raw = np.einsum("qk,cjk->cqj", bary, cones)              # V t
    norm = np.linalg.norm(raw, axis=2)
    jac = np.abs(np.linalg.det(cones))[:, None] / norm ** r   # solid-angle element
    return raw / norm[..., None], jac * tw


def _cone_sums(funcs: list[Callable], problems: list[_ConeProblem], nodes: tuple[int, int],
               homogeneity: int | None, kinks: tuple[float, ...]) -> np.ndarray:
    """Sum over each problem's simplicial cones of the Gaussian integral of
    prod_i funcs_i(l_i . u)^counts_i, for problems of one rank and one function per distinct row,
    evaluated together in blocks of about _CHUNK floats."""
    n, r = problems[0].rows.shape
    per_cone = nodes[0] ** (r - 1) if r > 2 else nodes[0] if r == 2 else 1
    out = np.empty(len(problems))
    start = 0
    while start < len(problems):    # a block: at most _CHUNK directions x rows (at least one)
        stop, size = start + 1, len(problems[start].cones) * per_cone
        while (stop < len(problems) and (stop - start + 1) * _RADIAL_SEARCH * n <= _CHUNK
               and (size + len(problems[stop].cones) * per_cone) * n <= _CHUNK):
            size += len(problems[stop].cones) * per_cone
            stop += 1
        out[start:stop] = _block_cone_sums(funcs, problems[start:stop], nodes, homogeneity, kinks)
        start = stop
    return out


def _block_cone_sums(funcs: list[Callable], problems: list[_ConeProblem], nodes: tuple[int, int],
                     homogeneity: int | None, kinks: tuple[float, ...]) -> np.ndarray:
    """:func:`_cone_sums` for one block.  The function values at the nodes of all its matrices
    are computed together; the angular nodes, directions and contractions are done per matrix
    with the same NumPy/BLAS calls on the same arrays as for a matrix alone, so that a value
    does not depend on the batch (bit for bit)."""
    rows = np.stack([p.rows for p in problems])                      # (B, n, r)
    counts = np.stack([p.counts for p in problems])                  # (B, n)
    r = rows.shape[2]
    a, weights = [], []
    for p in problems:
        omega, weight = _angular_nodes(p.cones, nodes[0])
        a.append((omega @ p.rows.T).reshape(-1, len(p.rows)))     # (directions, distinct rows)
        weights.append(weight.ravel() * (2 * np.pi) ** (-r / 2))
    sizes = [len(x) for x in a]
    owner = np.repeat(np.arange(len(problems)), sizes)               # matrix of each direction
    ends = np.cumsum(sizes)
    a = np.concatenate(a)
    if homogeneity is not None:
        values = _product(funcs, a, np.ones((1, 1)), counts, owner)[:, 0]
        out = np.empty(len(problems))
        for b, (p, weight, stop) in enumerate(zip(problems, weights, ends)):
            nk = int(np.sum(p.counts)) * homogeneity
            radial = math.exp(((nk + r) / 2 - 1) * math.log(2) + gammaln((nk + r) / 2))
            out[b] = float(radial * weight @ values[stop - sizes[b]:stop].copy())
        return out
    values = _radial_integrals(funcs, a, owner, rows, counts, nodes[1], kinks)
    return np.array([float(weight @ values[stop - size:stop].copy())
                     for weight, stop, size in zip(weights, ends, sizes)])


def _product(funcs: list[Callable], a: np.ndarray, rho: np.ndarray, counts: np.ndarray,
             owner: np.ndarray | None = None, check: bool = True) -> np.ndarray:
    """prod_i funcs_i(rho a_i)^counts_i for directions ``a`` (D, n) and radii ``rho`` (D or 1, M):
    ``counts`` (n,), or (B, n) per matrix with ``owner`` (D,) the matrix of each direction; with
    ``check``, values that are not finite reals raise DivergentExpectationError."""
    out = None
    for i, f in enumerate(funcs):
        vals = (_node_values if check else _values)(f, a[:, i:i + 1] * rho)
        powers = np.unique(counts[..., i])
        if len(powers) == 1:
            if powers[0] > 1:
                vals = vals ** int(powers[0])
        else:   # matrices with different powers: each distinct exponent once (x**2 is x*x)
            vals = np.array(vals)                # _values may return a read-only view
            for power in powers[powers > 1]:
                mine = (counts[:, i] == power)[owner]
                vals[mine] = vals[mine] ** int(power)
        out = vals if out is None else out * vals
    return out


def _radial_integrals(funcs: list[Callable], a: np.ndarray, owner: np.ndarray, rows: np.ndarray,
                      counts: np.ndarray, q: int, kinks: tuple[float, ...]) -> np.ndarray:
    r"""int_0^inf rho^(r-1) exp(-rho^2/2) prod_i funcs_i(rho a_i) d rho for every direction (row of
    ``a``), on the radial grid of its matrix ``owner`` (rows (B, n, r), counts (B, n)).

    The directions of a matrix are cut into the pieces of :data:`_CHUNK` floats a matrix alone
    would use; the function values of many pieces with the same number of cells are computed
    together, and each piece is contracted with its weights by the same BLAS call as alone."""
    n, r = rows.shape[1:]
    x_lo, x_hi, cells, open_hi = _radial_grids(funcs, rows, counts)
    x01, w01 = _legendre01(q)
    out = np.empty(len(a))
    peak = np.zeros(len(rows))
    first = np.searchsorted(owner, np.arange(len(rows)))
    last = np.searchsorted(owner, np.arange(len(rows)), side="right")
    for m in np.unique(cells):         # matrices with the same number of cells, together
        mats = np.flatnonzero(cells == m)
        grid = np.stack([np.linspace(x_lo[b], x_hi[b], m + 1) for b in mats])
        if not kinks:                  # nodes and weights per matrix, shared by its directions
            rho_m, w_m, density_m = _radial_rule(grid, x01, w01, r)
        step = max(1, _CHUNK // (q * (m + n * len(kinks))))     # directions per piece
        pieces = [(k, start, min(start + step, last[b])) for k, b in enumerate(mats)
                  for start in range(first[b], last[b], step)]
        begin = 0
        while begin < len(pieces):     # pieces of at most _CHUNK floats in all, together
            stop, size = begin + 1, pieces[begin][2] - pieces[begin][1]
            while stop < len(pieces) and size + pieces[stop][2] - pieces[stop][1] <= step:
                size += pieces[stop][2] - pieces[stop][1]
                stop += 1
            group = pieces[begin:stop]
            d = np.concatenate([np.arange(lo, hi) for _, lo, hi in group])
            mine = np.repeat([k for k, _, _ in group], [hi - lo for _, lo, hi in group])
            block = a[d]
            if kinks:   # split every ray at its kink radii kappa / a_i > 0
                bounds = grid[mine]
                with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                    radii = np.concatenate([kappa / block for kappa in kinks], axis=1)
                    xs = np.where(radii > 0, np.log(np.expm1(np.where(radii > 0, radii, 1.0))),
                                  bounds[:, -1:])
                bounds = np.sort(np.concatenate(
                    [bounds, np.clip(xs, bounds[:, :1], bounds[:, -1:])], axis=1), axis=1)
                rho, w, density = _radial_rule(bounds, x01, w01, r)
            elif len(group) == 1:        # one matrix (a large one): its row, broadcast
                rho, density = rho_m[mine[:1]], density_m[mine[:1]]
            else:
                rho, density = rho_m[mine], density_m[mine]
            with np.errstate(over="ignore"):    # an overflow is refused below
                vals = _product(funcs, block, rho, counts, owner[d])
            at = 0
            for k, lo, hi in group:     # each piece as alone (same shapes, same reductions)
                piece = slice(at, at + hi - lo)
                if not kinks:
                    out[lo:hi] = vals[piece].copy() @ w_m[k]
                elif hi - lo == 1:
                    out[lo:hi] = vals[piece].copy() @ w[at]
                else:
                    out[lo:hi] = np.sum(vals[piece] * w[piece], axis=1)
                at += hi - lo
            np.maximum.at(peak, owner[d], np.max(np.abs(vals * density), axis=1))
            begin = stop
    _check_decay(funcs, a, owner, counts, r, np.where(open_hi, x_hi, np.nan), peak)
    if not np.all(np.isfinite(out)):        # the product overflowed inside the grid
        raise DivergentExpectationError(
            f"the Gaussian expectation of {_names(funcs)} is beyond double precision: the "
            "product of the activation values overflows on the quadrature grid")
    return out


def _radial_rule(bounds: np.ndarray, x01: np.ndarray, w01: np.ndarray, r: int
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Composite Gauss-Legendre nodes in x in the cells ``bounds`` (B, cells + 1): their radii
    rho = log(1 + e^x) (B, cells * q), weights times the radial density, and the density per
    unit x."""
    q = len(x01)
    lo, width = bounds[:, :-1], np.diff(bounds, axis=1)
    x = (lo[..., None] + width[..., None] * x01).reshape(len(lo), -1)
    rho, density = _radial_density(x, r)
    w = np.repeat(width, q, axis=1) * np.tile(w01, width.shape[1]) * density
    return rho, w, density


def _radial_density(x: np.ndarray, r: int) -> tuple[np.ndarray, np.ndarray]:
    """The radius rho = log(1 + e^x) and the radial Gaussian density rho^(r-1) exp(-rho^2/2)
    per unit x (the Jacobian d rho / dx = 1 / (1 + e^-x) included)."""
    rho = np.logaddexp(0.0, x)
    return rho, rho ** (r - 1) * np.exp(-0.5 * rho * rho) / (1.0 + np.exp(-x))


def _check_decay(funcs: list[Callable], a: np.ndarray, owner: np.ndarray, counts: np.ndarray,
                 r: int, top: np.ndarray, peak: np.ndarray) -> None:
    """Raise DivergentExpectationError if the radial integrand (per unit x) on some direction
    (row of ``a``) is still above _OPEN_END_RTOL times the peak of its matrix ``owner`` at
    rho = _RHO_MIN (a singularity at z = 0) or, for the matrices whose envelope had not decayed by
    _RHO_MAX, at the top ``top`` of their grid (NaN for the others): growth that the Gaussian does
    not beat, or a decay too slow to integrate in double precision."""
    bottom = np.full(len(peak), math.log(math.expm1(_RHO_MIN)))
    for end, where in ((bottom, "small |z| (a singularity at z = 0)"),
                       (top, "large |z| (growth the Gaussian does not beat, e.g. exp(c z^2) "
                             "with 2 c var >= 1)")):
        d = np.flatnonzero(np.isfinite(end)[owner])
        if not len(d):
            continue
        x = end[owner[d]][:, None]
        with np.errstate(over="ignore", invalid="ignore"):
            rho, density = _radial_density(x, r)
            tail = (np.abs(_product(funcs, a[d], rho, counts, owner[d], check=False))
                    * density)[:, 0]
        bad = ~np.isfinite(tail) | (tail > _OPEN_END_RTOL * peak[owner[d]])
        if np.any(bad):
            radius = float(rho[np.argmax(bad), 0])
            raise DivergentExpectationError(
                f"the Gaussian expectation of {_names(funcs)} diverges: the integrand does not "
                f"decay at {where}, at radius {radius:.3g} in units of the standard "
                "deviation it is still above "
                f"{_OPEN_END_RTOL:g} of its peak (a finite expectation that decays this slowly "
                "is beyond double-precision quadrature too)")


# ============================================================================ mpmath path
def _mp_factor(cov: np.ndarray, max_rank: int) -> list[list[Any]]:
    n = cov.shape[0]
    mat = mpmath.matrix([[mpmath.mpf(float(v)) for v in row] for row in cov])
    evals, evecs = mpmath.eigsy(mat)
    lam = [evals[i] for i in range(n)]
    top = max(max(lam), mpmath.mpf(0))
    bad = min(lam) < -_PSD_RTOL * max(top, max(abs(v) for v in lam))
    if bad:
        raise ValueError(f"cov must be positive semi-definite: eigenvalue {mpmath.nstr(min(lam), 5)}")
    keep = [i for i in range(n) if top > 0 and lam[i] > _RANK_RTOL * top]
    if len(keep) > max_rank:
        raise ValueError(f"gaussian_expectation_mp supports cov of rank <= 2 (3 for a homogeneous "
                         f"activation, homogeneity=k), got rank {len(keep)}")
    rows = []
    for i in range(n):
        if cov[i, i] <= _RANK_RTOL * float(top):
            rows.append([mpmath.mpf(0)] * len(keep))
        else:
            rows.append([evecs[i, k] * mpmath.sqrt(lam[k]) for k in keep])
    return rows


def _mp_expectation(func: Callable, lmat: list[list[Any]], kinks: tuple[float, ...]) -> Any:
    r = len(lmat[0]) if lmat else 0
    if r == 0:
        return mpmath.fprod(func(mpmath.mpf(0)) for _ in lmat)
    lmat, counts = _mp_distinct(lmat)

    def along(direction: list[Any]) -> Any:
        """(2 pi)^(-r/2) int_0^inf rho^(r-1) e^(-rho^2/2) prod func(rho a_i) d rho."""
        a = [mpmath.fsum(li * di for li, di in zip(row, direction)) for row in lmat]
        breaks = sorted({k / ai for k in kinks if k != 0 for ai in a if ai != 0 and k / ai > 0})

        def integrand(rho: Any) -> Any:
            return (rho ** (r - 1) * mpmath.exp(-rho * rho / 2)
                    * mpmath.fprod(func(rho * ai) ** c for ai, c in zip(a, counts)))

        cuts = sorted(set(breaks) | {mpmath.mpf(c) for c in _MP_RADIAL_CUTS})
        return (mpmath.quad(integrand, [0] + cuts + [mpmath.inf], method=_MP_METHOD)
                / (2 * mpmath.pi) ** (mpmath.mpf(r) / 2))

    if r == 1:
        return along([mpmath.mpf(1)]) + along([mpmath.mpf(-1)])
    # rank 2: angles where z_i = 0 or where two kink radii kappa_a/a_i = kappa_b/a_j cross
    normals = [row for row in lmat if row[0] != 0 or row[1] != 0]
    nonzero = [k for k in kinks if k != 0]
    for li, lj in itertools.combinations(list(normals), 2):
        for ka, kb in itertools.product(nonzero, repeat=2):
            normals.append([kb * li[0] - ka * lj[0], kb * li[1] - ka * lj[1]])
    cuts = set()
    for nx, ny in normals:
        if abs(nx) + abs(ny) > mpmath.mpf(10) ** (-mpmath.mp.dps // 2):
            theta = mpmath.atan2(ny, nx) + mpmath.pi / 2
            for t in (theta, theta + mpmath.pi):
                cuts.add(t % (2 * mpmath.pi))
    cuts = sorted(cuts)
    if not cuts:
        cuts = [mpmath.mpf(0)]
    points = cuts + [cuts[0] + 2 * mpmath.pi]
    return mpmath.quad(lambda th: along([mpmath.cos(th), mpmath.sin(th)]), points, method=_MP_METHOD)


def _mp_distinct(lmat: list[list[Any]]) -> tuple[list[list[Any]], list[int]]:
    """Repeated rows (input points) once, with their multiplicities."""
    tol = mpmath.mpf(10) ** (-mpmath.mp.dps // 2)
    distinct: list[list[Any]] = []
    counts: list[int] = []
    for row in lmat:
        for k, other in enumerate(distinct):
            if max(abs(x - y) for x, y in zip(row, other)) <= tol:
                counts[k] += 1
                break
        else:
            distinct.append(row)
            counts.append(1)
    return distinct, counts


def _mp_sphere(func: Callable, lmat: list[list[Any]], counts: list[int], degree: int) -> Any:
    """Rank 3, homogeneous activation: Gamma-function radial factor times an integral over S^2."""
    nk = sum(counts) * degree
    radial = (2 ** (mpmath.mpf(nk + 3) / 2 - 1) * mpmath.gamma(mpmath.mpf(nk + 3) / 2)
              / (2 * mpmath.pi) ** mpmath.mpf(1.5))
    # a generic orthonormal frame, so that no great circle l_i . omega = 0 meets the poles
    frame = mpmath.qr(mpmath.matrix([[1, 0.3, 0.2], [0.1, 1, 0.7], [0.5, 0.4, 1]]))[0]
    rows = [[mpmath.fsum(row[a] * frame[a, b] for a in range(3)) for b in range(3)]
            for row in lmat]
    cuts = set()
    for li, lj in itertools.combinations(rows, 2):   # azimuths of great-circle intersections
        cross = [li[1] * lj[2] - li[2] * lj[1], li[2] * lj[0] - li[0] * lj[2],
                 li[0] * lj[1] - li[1] * lj[0]]
        if max(abs(c) for c in cross) > mpmath.mpf(10) ** (-mpmath.mp.dps // 2):
            phi = mpmath.atan2(cross[1], cross[0])
            cuts.update({phi % (2 * mpmath.pi), (phi + mpmath.pi) % (2 * mpmath.pi)})
    cuts = sorted(cuts) or [mpmath.mpf(0)]

    def polar(phi: Any) -> Any:
        cphi, sphi = mpmath.cos(phi), mpmath.sin(phi)
        roots = sorted(mpmath.atan2(-l[2], l[0] * cphi + l[1] * sphi) % mpmath.pi for l in rows)

        def integrand(theta: Any) -> Any:
            st, ct = mpmath.sin(theta), mpmath.cos(theta)
            return st * mpmath.fprod(func(st * (l[0] * cphi + l[1] * sphi) + ct * l[2]) ** c
                                     for l, c in zip(rows, counts))

        return mpmath.quad(integrand, [0] + roots + [mpmath.pi], method=_MP_METHOD)

    return radial * mpmath.quad(polar, cuts + [cuts[0] + 2 * mpmath.pi], method=_MP_METHOD)


# ============================================================================ divergence analysis
@dataclass(frozen=True)
class _Obstructions:
    """What can make Gaussian expectations of products of an activation infinite or complex."""

    expr: sp.Expr
    #: a description of where the activation is not real (None: real everywhere, or unknown)
    not_real: str | None
    #: isolated real singular points z0 and their orders p, |phi| ~ |z - z0|^(-p)
    singular: tuple[tuple[float, float], ...]
    #: Gaussian growth rate c = lim log|phi(z)| / z^2 at |z| -> oo (max over both sides)
    growth: float


@functools.lru_cache(maxsize=64)
def _obstructions(expr: sp.Expr) -> _Obstructions:
    """Analyse a SymPy activation of one symbol (cached): its non-real set and isolated
    singular points from :func:`sympy.calculus.util.continuous_domain` (when SymPy can say),
    the order of each singular point from |phi| at distances 1e-6 and 1e-10 (30 digits), and the
    growth rate from log|phi(+-1e6)| / 1e12."""
    symbols = sorted(expr.free_symbols, key=str)
    if len(symbols) != 1:
        return _Obstructions(expr, None, (), -math.inf)
    z = symbols[0]
    zr = sp.Dummy("z", real=True)
    real_expr = expr.subs(z, zr)
    not_real, singular = None, []
    try:
        bad = sp.Complement(sp.S.Reals, continuous_domain(real_expr, zr, sp.S.Reals))
    except Exception:   # SymPy cannot determine the domain (erf, Piecewise, ...): skip it
        bad = sp.S.EmptySet
    if isinstance(bad, sp.FiniteSet):
        points = [p for p in bad if p.is_real]
    else:
        points = []
        pieces = bad.args if isinstance(bad, sp.Union) else (bad,)
        if any(isinstance(piece, sp.Interval) for piece in pieces):
            not_real = f"not real (or not defined) for z in {bad}"
        else:
            points = [p for piece in pieces if isinstance(piece, sp.FiniteSet) for p in piece]
    for z0 in points:
        orders = []
        for side in (1, -1):
            near = [abs(sp.N(real_expr.subs(zr, z0 + side * sp.Rational(1, 10 ** k)), 30))
                    for k in (6, 10)]
            if near[0] == 0 or near[1] == 0 or not all(v.is_finite for v in near):
                orders.append(math.inf if any(v.is_infinite or v is sp.zoo for v in near) else 0.0)
                continue
            orders.append(float(sp.log(near[1] / near[0]) / sp.log(sp.Integer(10) ** 4)))
        singular.append((float(z0), max(orders)))
    growth = -math.inf
    for side in (1, -1):
        value = abs(sp.N(real_expr.subs(zr, side * 10 ** 6), 30))
        if value.is_finite and value != 0:
            growth = max(growth, float(sp.log(value) / 10 ** 12))
        elif value.is_infinite or value is sp.zoo or value is sp.nan:
            growth = math.inf
    return _Obstructions(expr, not_real, tuple(singular), growth)


def _activation_obstructions(activation: Any) -> _Obstructions:
    if not isinstance(activation, sp.Expr):
        raise TypeError(f"activation must be a SymPy expression or None, "
                        f"got {type(activation).__name__}")
    return _obstructions(activation)


def _check_activation(activation: Any, flat: np.ndarray) -> None:
    """:func:`_check_integrable` for every matrix of ``flat`` (m, n, n)."""
    obstructions = _activation_obstructions(activation)
    if (obstructions.not_real is None and not obstructions.singular
            and obstructions.growth <= _SUB_GAUSSIAN_GROWTH):
        return   # nothing can diverge: skip the per-matrix work
    lam_max = np.linalg.eigvalsh(flat)[:, -1]
    for b, lmat in enumerate(_low_rank_factors(flat)):
        counts = np.ones(1, dtype=int)
        active = np.sum(lmat * lmat, axis=1) > 0.0
        if obstructions.singular and active.any():
            counts = _distinct_rows(lmat[active], np.zeros(int(active.sum()), dtype=int))[1]
        _check_integrable(obstructions, float(lam_max[b]), int(np.max(counts)))


def _check_integrable(obstructions: _Obstructions, lam_max: float, multiplicity: int) -> None:
    """Raise DivergentExpectationError if E[prod_i phi(z_i)] is infinite or not real for a
    covariance with largest eigenvalue ``lam_max`` and ``multiplicity`` coincident points."""
    expr = obstructions.expr
    if obstructions.not_real is not None:
        raise DivergentExpectationError(
            f"the Gaussian expectation of the activation {expr} is not real: the activation is "
            f"{obstructions.not_real}, where every Gaussian puts positive probability")
    for z0, order in obstructions.singular:
        if multiplicity * order >= 1.0 - 1e-3:
            raise DivergentExpectationError(
                f"the Gaussian expectation of the activation {expr} diverges: it is singular at "
                f"z = {z0:g} like |z - z0|^(-{order:.3g}), and a product with {multiplicity} "
                f"factor(s) at the same point is integrable only if {multiplicity} * "
                f"{order:.3g} < 1 (a pole never is)")
    # E[exp(c sum_i z_i^2)] = E[exp(c u^T L^T L u)] is finite iff 2 c lambda_max(C) < 1
    if obstructions.growth > _SUB_GAUSSIAN_GROWTH and 2 * obstructions.growth * lam_max >= 1.0:
        raise DivergentExpectationError(
            f"the Gaussian expectation of the activation {expr} diverges: it grows like "
            f"exp({obstructions.growth:.4g} z^2), and E[exp(c sum_i z_i^2)] is finite only if "
            f"2 c lambda_max(C) < 1, here 2 c lambda_max = "
            f"{2 * obstructions.growth * lam_max:.4g} (lambda_max(C) = {lam_max:.4g})")


# ============================================================================ symbolic helpers
def _sympify_activation(expr: Any, z: Any) -> sp.Expr:
    if not isinstance(z, sp.Symbol):
        raise TypeError(f"z must be a SymPy Symbol, got {z!r}")
    return to_sympy(expr, "expr")

