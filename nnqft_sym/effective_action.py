r"""The action of a network field theory from its exact connected correlators, on finite point sets.

Demirtas-Halverson-Maiti-Schwartz-Stoner (DHMSS, arXiv:2307.03223, Sec. 3) write the density of
the outputs as an Edgeworth expansion around the Gaussian process and read off an action

.. math:: S[f] = \tfrac12 f K^{-1} f + \sum_{n} \frac{1}{n!} g_n\, f^n ,

with (non-local) couplings :math:`g_n(y_1..y_n)` whose vertices are the amputated connected
correlators.  nnqft uses the sign convention of :mod:`feynman` (a vertex of valence n carries
:math:`-g_n`), so at leading order in 1/N

.. math:: g_4 = -(K^{-1})^{\otimes 4}\, G_c^{(4)}, \qquad
          g_2 = -\tfrac12\, g_4 \cdot K \quad(\text{the tadpole counterterm}),

the second because :math:`G^{(2)} = K` exactly at every width, so the one-loop tadpole of
:math:`g_4` must be cancelled (DHMSS: the Hermite polynomial :math:`He_4` of the Edgeworth series
carries this quadratic term).  The sign is physics, not notation: with
:math:`P[f] \propto e^{-S[f]}` a positive quartic term suppresses large fields and makes
:math:`G_c^{(4)}` negative, so the leading Edgeworth action of DHMSS has the quartic coupling
minus the amputated connected 4-point function, as here.

On a finite point set :math:`x_1..x_M` the outputs :math:`(f(x_1), ..., f(x_M))` are an
M-dimensional random vector and the statement is exact finite-dimensional algebra: :math:`K` is
the :math:`M\times M` Gram matrix and :math:`K^{-1}` its matrix inverse (no measure; on a grid of
spacing h the continuum vertex is :math:`g_4 / h^4`).  Smooth kernels make K ill-conditioned, so
the inverse is regularised explicitly (:func:`regularised_inverse`) and its error reported:
the condition number, the modes kept, the part of the correlator the kept modes cannot
represent (``residual``), a rounding bound :math:`\epsilon\,\kappa_{kept}^n` for n amputated
legs, and the change of the coupling when the regularisation is made one step coarser
(``stability``: the softest kept mode dropped, or a tenfold Tikhonov parameter).

The O(1/N^2) couplings (:math:`g_6`, the :math:`g_4^2` correction) need Feynman diagrams and
live in :mod:`feynman.action`.
"""
from __future__ import annotations

import itertools
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np

from .specification import NetworkSpec
from .validation import as_points, check_integer, check_positive, check_width

__all__ = ["RegularisedInverse", "ActionCouplings", "regularised_inverse", "amputate",
           "vertex_nonlocality",
           "connected_tensor", "action_couplings", "GridStudy", "grid_study",
           "REGULARISATIONS"]

#: the regularisations of :func:`regularised_inverse`
REGULARISATIONS = ("none", "spectral", "tikhonov")

_EPS = float(np.finfo(float).eps)


@dataclass(frozen=True)
class RegularisedInverse:
    r"""A regularised inverse of a positive semi-definite kernel matrix, with its error budget.

    Attributes
    ----------
    matrix : numpy.ndarray, shape (M, M)
        The (pseudo-)inverse :math:`K^+`.
    method : str
        ``"none"`` (exact inverse), ``"spectral"`` (eigenmodes below ``rcond`` times the largest
        dropped) or ``"tikhonov"`` (:math:`(K + \alpha)^{-1}`, :math:`\alpha` = ``rcond`` times
        the largest eigenvalue).
    rcond : float
        The relative cutoff (0 for ``"none"``).
    condition : float
        Condition number of K (largest over smallest eigenvalue; inf if singular).
    kept : int
        Eigenmodes kept (spectral) or all M (none, Tikhonov).
    effective_condition : float
        Condition number of the inverse actually applied (largest over smallest filter factor).
    eigenvalues : numpy.ndarray, shape (M,)
        Eigenvalues of K, descending.
    eigenvectors : numpy.ndarray, shape (M, M)
        The matching eigenvectors (columns).
    """

    matrix: np.ndarray
    method: str
    rcond: float
    condition: float
    kept: int
    effective_condition: float
    eigenvalues: np.ndarray
    eigenvectors: np.ndarray

    def coarser(self) -> "RegularisedInverse | None":
        r"""The inverse one regularisation step coarser, for a convergence check.

        Spectral: the softest kept mode dropped; Tikhonov: a tenfold parameter; None for the
        exact inverse, a single kept mode, or a Tikhonov parameter that would reach 1.

        Examples
        --------
        >>> inv = regularised_inverse(np.diag([1.0, 1e-2, 1e-9]), regularisation="spectral")
        >>> inv.kept, inv.coarser().kept
        (2, 1)
        """
        values, top = self.eigenvalues, float(self.eigenvalues[0])
        if self.method == "spectral" and self.kept >= 2:
            keep = np.arange(len(values)) < self.kept - 1
            filt = np.where(keep, 1.0 / np.where(keep, values, 1.0), 0.0)
            return _filtered(values, self.eigenvectors, filt, "spectral",
                             float(values[self.kept - 1] / top), self.condition)
        if self.method == "tikhonov" and 10 * self.rcond < 1:
            filt = 1.0 / (np.clip(values, 0.0, None) + 10 * self.rcond * top)
            return _filtered(values, self.eigenvectors, filt, "tikhonov", 10 * self.rcond,
                             self.condition)
        return None

    def rounding_error(self, legs: int) -> float:
        r"""Bound :math:`\epsilon\,\kappa_{eff}^{legs}` on the relative rounding error of an amputation.

        Examples
        --------
        >>> inv = regularised_inverse(np.diag([1.0, 0.01]))
        >>> inv.rounding_error(4) < 1e-7
        True
        """
        return float(_EPS * self.effective_condition ** legs)


def _filtered(values: np.ndarray, vectors: np.ndarray, filt: np.ndarray, method: str,
              rcond: float, condition: float) -> RegularisedInverse:
    """The inverse :math:`V \\mathrm{diag}(filt) V^T` with its diagnostics."""
    nonzero = filt[filt > 0]
    return RegularisedInverse((vectors * filt) @ vectors.T, method, rcond, condition,
                              int(len(nonzero)), float(nonzero.max() / nonzero.min()), values,
                              vectors)


def regularised_inverse(kernel: Any, *, regularisation: str = "none", rcond: float = 1e-6,
                        legs: int = 4, max_error: float = 1e-3) -> RegularisedInverse:
    r"""Invert a symmetric positive semi-definite kernel matrix, explicitly regularised if asked.

    Parameters
    ----------
    kernel : array_like, shape (M, M)
        Symmetric positive semi-definite (a Gram matrix).
    regularisation : {"none", "spectral", "tikhonov"}
        ``"none"``: the exact inverse, refused when its rounding bound for ``legs`` amputated
        legs exceeds ``max_error`` (an ill-conditioned K would give noise, never silently);
        ``"spectral"``: truncated eigen-decomposition (modes with eigenvalue below
        ``rcond * max`` dropped); ``"tikhonov"``: :math:`(K + \alpha I)^{-1}`,
        :math:`\alpha = rcond \cdot \lambda_{max}`.
    rcond : float in (0, 1)
        Relative cutoff of the regularised inverses.
    legs : int >= 1
        Number of legs the inverse will amputate (sets the rounding bound).
    max_error : float > 0
        Largest accepted rounding bound :math:`\epsilon\,\kappa^{legs}` for ``"none"``.

    Returns
    -------
    RegularisedInverse

    Raises
    ------
    ValueError
        If K is not a finite symmetric square matrix, has a negative eigenvalue beyond
        rounding, the method or ``rcond`` is out of range, or (``"none"``) K is too
        ill-conditioned to invert without regularisation.

    Examples
    --------
    >>> import numpy as np
    >>> inv = regularised_inverse(np.array([[2.0, 1.0], [1.0, 2.0]]))
    >>> np.round(inv.matrix * 3, 12).tolist(), inv.method, round(inv.condition, 12)
    ([[2.0, -1.0], [-1.0, 2.0]], 'none', 3.0)
    >>> regularised_inverse(np.diag([1.0, 1e-9]), regularisation="spectral").kept
    1
    """
    k = np.asarray(kernel, dtype=float)
    if k.ndim != 2 or k.shape[0] != k.shape[1] or k.shape[0] == 0:
        raise ValueError(f"kernel must be a square (M, M) matrix with M >= 1, got shape {k.shape}")
    if not np.all(np.isfinite(k)):
        raise ValueError("kernel must be finite (no NaN or inf)")
    if not np.allclose(k, k.T, rtol=1e-10, atol=1e-12 * np.max(np.abs(k))):
        raise ValueError("kernel must be symmetric")
    if regularisation not in REGULARISATIONS:
        raise ValueError(f"regularisation must be one of {REGULARISATIONS}, got {regularisation!r}")
    if isinstance(rcond, bool) or not isinstance(rcond, numbers.Real) or not 0 < rcond < 1:
        raise ValueError(f"rcond must be a real number in (0, 1), got {rcond!r}")
    legs = check_integer(legs, "legs", 1)
    max_error = float(check_positive(max_error, "max_error"))
    values, vectors = np.linalg.eigh((k + k.T) / 2)
    values, vectors = values[::-1], vectors[:, ::-1]
    top = float(values[0])
    if top <= 0 or values[-1] < -1e-10 * top:
        raise ValueError(f"kernel must be positive semi-definite, its eigenvalues span "
                         f"[{values[-1]:.3g}, {top:.3g}]")
    condition = float(top / values[-1]) if values[-1] > 0 else float("inf")
    if regularisation == "none":
        bound = _EPS * condition ** legs
        if not bound <= max_error:
            raise ValueError(
                f"kernel: condition number {condition:.3g} makes an exact amputation of {legs} "
                f"legs meaningless (rounding bound eps*cond^{legs} = {bound:.3g} > max_error = "
                f"{max_error:g}); regularise it (regularisation='spectral' or 'tikhonov' with "
                "rcond=...) or use fewer, more separated points")
        filt, rc = 1.0 / values, 0.0
    elif regularisation == "spectral":
        keep = values > rcond * top
        filt, rc = np.where(keep, 1.0 / np.where(keep, values, 1.0), 0.0), float(rcond)
    else:
        filt, rc = 1.0 / (np.clip(values, 0.0, None) + rcond * top), float(rcond)
    return _filtered(values, vectors, filt, regularisation, rc, condition)


def amputate(tensor: Any, inverse: Any) -> np.ndarray:
    r"""Contract every axis of an (M, ..., M) tensor with a matrix: :math:`(K^{+})^{\otimes n} T`.

    Examples
    --------
    >>> import numpy as np
    >>> amputate(np.ones((2, 2)), 2 * np.eye(2)).tolist()
    [[4.0, 4.0], [4.0, 4.0]]
    """
    out = np.asarray(tensor, dtype=float)
    inv = np.asarray(getattr(inverse, "matrix", inverse), dtype=float)
    for axis in range(out.ndim):
        out = np.moveaxis(np.tensordot(inv, out, axes=([1], [axis])), 0, axis)
    return out


def vertex_nonlocality(vertex: Any) -> float:
    r"""Off-diagonal fraction :math:`\|V - V_{diag}\| / \|V\|` of a vertex tensor (0: local).

    :math:`V_{diag}` keeps the entries with all indices equal, the only ones a local vertex
    :math:`\lambda\,\delta(y_1 - y_2)\cdots` has on a point set.

    Examples
    --------
    >>> import numpy as np
    >>> local = np.zeros((2,) * 4); local[0, 0, 0, 0] = local[1, 1, 1, 1] = 1.0
    >>> vertex_nonlocality(local), round(vertex_nonlocality(np.ones((2,) * 4)), 6)
    (0.0, 0.935414)
    """
    v = np.asarray(vertex, dtype=float)
    off = v.copy()
    idx = np.arange(v.shape[0])
    off[(idx,) * v.ndim] = 0.0
    total = float(np.linalg.norm(v))
    return float(np.linalg.norm(off) / total) if total else 0.0


def connected_tensor(net: NetworkSpec, points: Any, width: Any, order: int) -> np.ndarray:
    r"""The exact connected n-point function on a point set as a symmetric tensor (M,)*n.

    Each multiset of indices is computed once (:meth:`Network.connected_green`) and copied to
    its permutations.

    Examples
    --------
    >>> from nnqft_sym import CosNet
    >>> t = connected_tensor(CosNet(), [0.0, 0.5], 10, 4)
    >>> t.shape, bool(np.isclose(t[0, 1, 0, 0], t[0, 0, 0, 1]))
    ((2, 2, 2, 2), True)
    """
    order = check_integer(order, "order", 2)
    pts = _point_set(net, points)
    m = pts.shape[0]
    combos = list(itertools.combinations_with_replacement(range(m), order))
    values = np.asarray(net.connected_green(pts[np.array(combos)], width), dtype=float).reshape(-1)
    out = np.empty((m,) * order)
    for combo, value in zip(combos, values):
        for perm in set(itertools.permutations(combo)):
            out[perm] = value
    return out


def _point_set(net: NetworkSpec, points: Any) -> np.ndarray:
    pts = as_points(points, net.d_in)
    if pts.ndim != 2:
        raise ValueError(f"points must be one point set of shape (M, d_in) (or (M,) for d_in = 1), "
                         f"got shape {np.shape(points)}")
    if len(np.unique(pts, axis=0)) != len(pts):
        raise ValueError("points must be distinct (a repeated point makes K singular)")
    return pts


@dataclass(frozen=True)
class ActionCouplings:
    r"""Leading-order (O(1/N)) couplings of the action on a point set (:func:`action_couplings`).

    Attributes
    ----------
    points : numpy.ndarray, shape (M, d_in)
    width : int
    kernel : numpy.ndarray, shape (M, M)
        :math:`K = G^{(2)}` on the points.
    inverse : RegularisedInverse
        The inverse used for the amputation and its diagnostics.
    connected4 : numpy.ndarray, shape (M, M, M, M)
        The exact :math:`G_c^{(4)}`.
    g4 : numpy.ndarray, shape (M, M, M, M)
        :math:`-(K^{+})^{\otimes 4} G_c^{(4)}`.
    g2 : numpy.ndarray, shape (M, M)
        The tadpole counterterm :math:`-\tfrac12 \sum_{cd} g_{4,abcd} K_{cd}`.
    residual : float
        :math:`\|K^{\otimes 4} g_4 + G_c^{(4)}\| / \|G_c^{(4)}\|`: the part of the 4-point
        function the kept modes cannot represent (0 up to rounding without regularisation).
    rounding : float
        Rounding bound :math:`\epsilon\,\kappa_{eff}^4`.
    stability : float or None
        :math:`\|g_4 - g_4'\| / \|g_4\|` with :math:`g_4'` one regularisation step coarser
        (spectral: the softest kept mode dropped; Tikhonov: a tenfold parameter); None without
        regularisation or with a single kept mode.  Large means the vertex is dominated by
        the softest modes, i.e. not converged in the cutoff.
    """

    points: np.ndarray
    width: int
    kernel: np.ndarray
    inverse: RegularisedInverse
    connected4: np.ndarray
    g4: np.ndarray
    g2: np.ndarray
    residual: float
    rounding: float
    stability: float | None

    @property
    def nonlocality(self) -> float:
        """:func:`vertex_nonlocality` of g4 (0 for a local vertex)."""
        return vertex_nonlocality(self.g4)

    @property
    def error_estimate(self) -> float:
        """The largest of ``residual``, ``rounding`` and ``stability``: how far to trust g4."""
        return max(self.residual, self.rounding, self.stability or 0.0)


def action_couplings(net: NetworkSpec, points: Any, width: Any, *, regularisation: str = "none",
                     rcond: float = 1e-6, max_error: float = 1e-3) -> ActionCouplings:
    r"""The O(1/N) couplings :math:`g_4, g_2` of the action of ``net`` on a finite point set.

    Parameters
    ----------
    net : Network
        Numeric hyper-parameters (any architecture with exact connected correlators).
    points : array ``(M, d_in)`` (or ``(M,)`` for ``d_in = 1``) of distinct points
    width : int >= 1
    regularisation, rcond, max_error
        As in :func:`regularised_inverse` (with ``legs = 4``).

    Returns
    -------
    ActionCouplings

    Raises
    ------
    TypeError, ValueError
        Bad width or points; an ill-conditioned K without regularisation.

    References
    ----------
    DHMSS arXiv:2307.03223 (Sec. 3, the Edgeworth action and its couplings).

    Examples
    --------
    >>> from nnqft_sym import GaussNet
    >>> single = action_couplings(GaussNet(), [0.3], 10)            # zero dimensions
    >>> k, c4 = single.kernel[0, 0], single.connected4[0, 0, 0, 0]
    >>> bool(np.isclose(single.g4[0, 0, 0, 0], -c4 / k ** 4))
    True
    >>> grid = action_couplings(GaussNet(), np.linspace(-1, 1, 5), 10,
    ...                         regularisation="spectral", rcond=1e-4)
    >>> grid.inverse.kept <= 5 and grid.error_estimate < 1
    True
    """
    width = check_width(width)
    if not isinstance(width, int):
        raise TypeError(f"width must be a positive integer for the numeric couplings, got {width!r}")
    net.require_numeric("action_couplings")
    pts = _point_set(net, points)
    kernel = np.asarray(net.gram(pts), dtype=float)
    inverse = regularised_inverse(kernel, regularisation=regularisation, rcond=rcond, legs=4,
                                  max_error=max_error)
    connected = connected_tensor(net, pts, width, 4)
    g4 = -amputate(connected, inverse)
    g2 = -0.5 * np.einsum("abcd,cd->ab", g4, kernel)
    scale = float(np.linalg.norm(connected)) or 1.0
    residual = float(np.linalg.norm(amputate(g4, kernel) + connected) / scale)
    coarser = inverse.coarser()
    stability = None if coarser is None else float(
        np.linalg.norm(g4 + amputate(connected, coarser)) / (np.linalg.norm(g4) or 1.0))
    return ActionCouplings(pts, width, kernel, inverse, connected, g4, g2, residual,
                           inverse.rounding_error(4), stability)


@dataclass(frozen=True)
class GridStudy:
    r"""Convergence of the amputated quartic vertex on refined 1-d grids (:func:`grid_study`).

    Attributes
    ----------
    sizes : numpy.ndarray, shape (R,)
        Grid sizes M.
    spacings : numpy.ndarray, shape (R,)
    conditions, kept, residuals, stabilities : numpy.ndarray, shape (R,)
        Per grid: condition number of K, modes kept, :attr:`ActionCouplings.residual`,
        :attr:`ActionCouplings.stability`.
    zero_momentum : numpy.ndarray, shape (R,)
        The continuum zero-momentum vertex at the grid point nearest the centre,
        :math:`u(y_a) = \sum_{bcd} g_{4,abcd} / h` (equal to :math:`\lambda` for a local
        vertex :math:`\lambda\,\delta\delta\delta`).
    """

    sizes: np.ndarray
    spacings: np.ndarray
    conditions: np.ndarray
    kept: np.ndarray
    residuals: np.ndarray
    stabilities: np.ndarray
    zero_momentum: np.ndarray


def grid_study(net: NetworkSpec, width: Any, lower: float, upper: float, sizes: Any, *,
               regularisation: str = "spectral", rcond: float = 1e-6) -> GridStudy:
    r"""Amputate :math:`G_c^{(4)}` on equally spaced grids of ``[lower, upper]`` (``d_in = 1``).

    Shows what refining a grid does to the regularised inverse and to the continuum
    zero-momentum vertex: condition number, modes kept, residual, stability, and
    :math:`u(y_a)` near the centre.

    Raises
    ------
    ValueError
        For ``d_in != 1``, ``lower >= upper`` or a grid size below 2.

    Examples
    --------
    >>> from nnqft_sym import CosNet
    >>> study = grid_study(CosNet(), 10, -2.0, 2.0, [3, 5], rcond=1e-8)
    >>> study.kept.tolist()
    [3, 5]
    """
    if net.d_in != 1:
        raise ValueError(f"grid_study works on 1-d grids (d_in = 1), got d_in = {net.d_in}")
    lower, upper = float(lower), float(upper)
    if not (np.isfinite(lower) and np.isfinite(upper) and lower < upper):
        raise ValueError(f"need finite lower < upper, got [{lower}, {upper}]")
    sizes = [check_integer(int(m) if isinstance(m, np.integer) else m, "sizes[i]", 2)
             for m in np.atleast_1d(np.asarray(sizes, dtype=object))]
    rows = []
    for m in sizes:
        grid = np.linspace(lower, upper, m)
        h = grid[1] - grid[0]
        res = action_couplings(net, grid, width, regularisation=regularisation, rcond=rcond)
        centre = int(np.argmin(np.abs(grid - (lower + upper) / 2)))
        rows.append((m, h, res.inverse.condition, res.inverse.kept, res.residual,
                     res.stability if res.stability is not None else 0.0,
                     float(res.g4[centre].sum() / h)))
    cols = list(zip(*rows))
    return GridStudy(*(np.array(c) for c in cols))
