r"""Fixed points, stability matrix and critical exponents of truncated LPA flows.

A fixed point :math:`g^*` solves :math:`\beta(g^*) = 0`; the stability matrix
:math:`M_{ij} = \partial\beta_i/\partial g_j|_{g^*}` has eigenvalues :math:`-\theta_i`.
In the :math:`Z_2`-even sector the Wilson-Fisher (WF) fixed point has exactly one relevant
direction, so

.. math::

    \nu = -1/e_{min} \quad (e_{min} < 0 \text{ the only negative eigenvalue}), \qquad
    \omega = \text{the smallest positive (real part of an) eigenvalue}.

**Selection of the Wilson-Fisher fixed point** (documented rule):

1. at the lowest truncation (:math:`N = 2`) all fixed points are found, exactly with
   ``sympy.solve`` when the beta functions are rational (Litim's regulator, Polchinski), or by
   multi-start root finding (SciPy ``root`` with the exact Jacobian) otherwise;
2. a candidate must be non-Gaussian (:math:`\lambda_2 \ne 0`), have exactly one eigenvalue
   of :math:`M` with negative real part, and that one real, and lie in the symmetry-broken
   regime of the dimensionless potential: :math:`\kappa > 0, \lambda_2 > 0` about the minimum,
   :math:`\lambda_1 < 0 < \lambda_2` about zero (Wetterich flow, whose :math:`U` is the
   effective potential; the Polchinski interaction potential :math:`V` has no sign
   constraint: near d = 4 the N = 2 candidate about zero has :math:`\lambda_1 > 0 >
   \lambda_2`, while the untruncated solution of :mod:`.shooting` has the opposite signs); among
   several candidates the one closest to the Gaussian fixed point is taken;
3. for :math:`N > 2` the fixed point of truncation :math:`N-1`, extended by
   :math:`\lambda_N = 0`, starts a Newton-type solve (continuation in :math:`N`); the result
   must again satisfy rule 2.  If it does not (the expansion about zero converges poorly and
   Newton may fall onto the Gaussian fixed point), starting values
   :math:`\lambda_N = \pm 10^{-3} \dots \pm 10^{3}` times its size extrapolated from
   :math:`\lambda_{N-1}, \lambda_{N-2}` are scanned and the WF solution whose other couplings
   are closest to truncation :math:`N-1` is kept.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp
from scipy import optimize

from ..parsing import to_sympy
from .action import check_expansion, check_truncation
from .defaults import DEFAULT_EXPANSION, DEFAULT_REGULATOR, DEFAULT_SCHEME
from .lpa import BetaFunctions, describe_setting, lpa_beta_functions

__all__ = ["FixedPoint", "CriticalExponents", "find_fixed_point", "stability_matrix",
           "critical_exponents"]


@dataclass(frozen=True)
class FixedPoint:
    """A fixed point of a set of beta functions.

    Attributes
    ----------
    couplings : dict
        Coupling symbol -> value (float).
    exact : dict or None
        Coupling symbol -> exact SymPy value, when ``sympy.solve`` found it.
    stability_matrix : numpy.ndarray, shape (n, n)
        :math:`\\partial\\beta_i/\\partial g_j` at the fixed point.
    eigenvalues : numpy.ndarray, shape (n,)
        Eigenvalues of the stability matrix, sorted by real part.
    residual : float
        :math:`\\max_i |\\beta_i| / s_i` at the returned couplings (:math:`s_i` the scale of
        :math:`g_i`, see :func:`find_fixed_point`).
    """

    couplings: dict[sp.Symbol, float]
    exact: dict[sp.Symbol, sp.Expr] | None
    stability_matrix: np.ndarray
    eigenvalues: np.ndarray
    residual: float

    @property
    def vector(self) -> np.ndarray:
        """The couplings as an array in the order of the beta functions."""
        return np.array(list(self.couplings.values()))


@dataclass(frozen=True)
class CriticalExponents:
    r"""Critical exponents of the Wilson-Fisher fixed point of an LPA truncation.

    Attributes
    ----------
    nu : float
        Correlation-length exponent :math:`\nu = -1/e_{min}`.
    omega : float
        Correction-to-scaling exponent: the smallest positive (real part of an) eigenvalue.
        Low truncations can give a complex pair there (e.g. N = 3 about the minimum); its real
        part is reported.
    fixed_point : FixedPoint
        The WF fixed point of the requested truncation.
    sequence : tuple of (int, float, float)
        ``(N, nu, omega)`` for every truncation of the continuation, 2..N.
    d, truncation, scheme, regulator, expansion
        The setting.
    """

    nu: float
    omega: float
    fixed_point: FixedPoint
    sequence: tuple[tuple[int, float, float], ...]
    d: Any
    truncation: int
    scheme: str
    regulator: str | None
    expansion: str

    @property
    def couplings(self) -> dict[sp.Symbol, float]:
        """Fixed-point couplings (symbol -> value)."""
        return self.fixed_point.couplings

    @property
    def eigenvalues(self) -> np.ndarray:
        """Stability-matrix eigenvalues at the fixed point."""
        return self.fixed_point.eigenvalues

    def __repr__(self) -> str:
        return (f"CriticalExponents(nu={self.nu:.6f}, omega={self.omega:.6f}, d={self.d}, "
                f"truncation={self.truncation}, scheme={self.scheme}, "
                f"regulator={self.regulator or 'none'}, expansion={self.expansion})")

    def __str__(self) -> str:
        return (f"nu = {self.nu:.6f}, omega = {self.omega:.6f}  ({self.setting}, "
                f"d = {self.d}, truncation {self.truncation})")

    @property
    def setting(self) -> str:
        """The scheme, regulator and expansion in words, e.g. ``"Wetterich LPA, litim regulator,
        expansion about the minimum"``."""
        return describe_setting(self.scheme, self.regulator, self.expansion)


def stability_matrix(beta: BetaFunctions, point: Any) -> tuple[np.ndarray, np.ndarray]:
    """Stability matrix and its eigenvalues (sorted by real part) at ``point``.

    Examples
    --------
    >>> from nnqft_sym.rg import lpa_beta_functions, stability_matrix
    >>> beta = lpa_beta_functions(3, 1, "litim", "zero")
    >>> stability_matrix(beta, [0.0])[1]    # Gaussian fixed point: dim of phi^2 is 2
    array([-2.])
    """
    _, jac = beta.numeric()
    mat = jac(np.asarray(point, float))
    eig = np.linalg.eigvals(mat)
    eig = eig[np.argsort(eig.real)]
    if np.allclose(eig.imag, 0.0, atol=1e-12):
        eig = eig.real
    return mat, eig


def find_fixed_point(beta: BetaFunctions, guess: Any, tol: float = 1e-13,
                     scale: Any = None) -> FixedPoint:
    """Solve beta = 0 from ``guess`` (SciPy ``root``, hybrid method, exact Jacobian).

    The couplings are solved for in units of ``scale`` (default ``max(1, |guess|)``), since
    beta_i carries the size of g_i and high-order couplings grow like n!.

    Raises
    ------
    RuntimeError
        If the solver does not reach ``max_i |beta_i| / scale_i < 1e-9``.

    Examples
    --------
    >>> from nnqft_sym.rg import lpa_beta_functions, find_fixed_point
    >>> fp = find_fixed_point(lpa_beta_functions(3, 2, "litim", "minimum"), [0.02, 11.0])
    >>> round(float(fp.vector[1]), 4)
    11.1033
    """
    vec, jac = beta.numeric()
    guess = np.asarray(guess, float)
    if guess.shape != (len(beta),):
        raise ValueError(f"guess must have {len(beta)} entries (one per coupling "
                         f"{beta.couplings}), got shape {guess.shape}")
    units = np.maximum(1.0, np.abs(guess)) if scale is None else np.asarray(scale, float)
    with np.errstate(all="ignore"):
        sol = optimize.root(lambda x: vec(x * units) / units, guess / units,
                            jac=lambda x: jac(x * units) * units[None, :] / units[:, None],
                            method="hybr", options={"xtol": tol})
        point = sol.x * units
        values = vec(point) if np.all(np.isfinite(point)) else np.full(len(guess), np.inf)
    residual = float(np.max(np.abs(values) / units))
    if not np.isfinite(residual) or residual > 1e-9:
        raise RuntimeError(f"fixed-point search from {guess} did not converge "
                           f"(max |beta_i|/scale_i = {residual:.3g}): {sol.message}")
    mat, eig = stability_matrix(beta, point)
    return FixedPoint(dict(zip(beta.couplings, map(float, point))), None, mat, eig, residual)


def _is_wilson_fisher(beta: BetaFunctions, fp: FixedPoint) -> bool:
    x = fp.vector
    eig = np.asarray(fp.eigenvalues)
    negative = eig[np.real(eig) < 0]
    if negative.size != 1 or abs(np.imag(negative[0])) > 1e-12 or abs(x[1]) < 1e-10:
        return False
    if beta.scheme == "polchinski":
        return True
    if beta.action.expansion == "minimum":
        return x[0] > 0 and x[1] > 0
    return x[0] < 0 and x[1] > 0


def _lowest_order_fixed_points(beta: BetaFunctions) -> list[FixedPoint]:
    """All fixed points of the N = 2 truncation: exact if SymPy can, else multi-start."""
    exprs = list(beta.beta.values())
    rational = all(e.is_rational_function(*beta.couplings) for e in exprs)
    found: list[FixedPoint] = []
    if rational:
        numerators = [sp.fraction(sp.together(e))[0] for e in exprs]
        for sol in sp.solve(numerators, list(beta.couplings), dict=True):
            if set(sol) != set(beta.couplings):
                continue
            values = [sp.N(sol[g], 30) for g in beta.couplings]
            if not all(v.is_real for v in values):
                continue
            try:
                fp = find_fixed_point(beta, [float(v) for v in values])
            except RuntimeError:  # a root of a numerator where a denominator vanishes
                continue
            found.append(FixedPoint(fp.couplings, {g: sol[g] for g in beta.couplings},
                                    fp.stability_matrix, fp.eigenvalues, fp.residual))
        return found
    grid = [s * v for s in (1.0, -1.0) for v in np.logspace(-3, 1, 6)]
    for start in itertools.product(grid, np.logspace(-3, 2, 8)):
        try:
            fp = find_fixed_point(beta, start)
        except RuntimeError:
            continue
        if not any(np.allclose(fp.vector, other.vector, rtol=1e-7, atol=1e-10) for other in found):
            found.append(fp)
    return found


def _continue(beta: BetaFunctions, previous: FixedPoint) -> FixedPoint:
    """Fixed point of truncation N from that of N - 1 (rule 3): start with lambda_N = 0; if
    Newton leaves the WF branch, scan starting values of lambda_N and keep the WF solution
    closest to the previous couplings."""
    old = previous.vector
    # size of the new coupling: geometric extrapolation of the last two
    ratio = abs(old[-1] / old[-2]) if len(old) > 2 and old[-2] != 0 else 1.0
    units = np.append(np.maximum(1.0, np.abs(old)), max(1.0, abs(old[-1]) * ratio))
    starts = [0.0] + [s * 10.0 ** e for e in np.arange(-3.0, 3.5, 0.5) for s in (1.0, -1.0)]
    best: FixedPoint | None = None
    for start in starts:
        try:
            fp = find_fixed_point(beta, np.append(old, start * units[-1]), scale=units)
        except RuntimeError:
            continue
        if not _is_wilson_fisher(beta, fp):
            continue
        if start == 0.0:
            return fp
        dist = np.linalg.norm((fp.vector[:-1] - old) / (1.0 + np.abs(old)))
        if best is None or dist < np.linalg.norm((best.vector[:-1] - old) / (1.0 + np.abs(old))):
            best = fp
    if best is None:
        hint = ("; the polynomial truncations of the Polchinski LPA do not converge (Morris "
                "1994): use polchinski_fixed_point (shooting)" if beta.scheme == "polchinski"
                else "")
        raise RuntimeError(f"the continuation lost the Wilson-Fisher fixed point at truncation "
                           f"{beta.action.truncation}{hint}")
    return best


def critical_exponents(d: Any, truncation: int, regulator: Any = DEFAULT_REGULATOR,
                       expansion: str = DEFAULT_EXPANSION, *, scheme: str = DEFAULT_SCHEME
                       ) -> CriticalExponents:
    r"""Wilson-Fisher fixed point, :math:`\nu` and :math:`\omega` of an LPA truncation.

    Parameters
    ----------
    d : number
        Dimension (numeric, e.g. 3).
    truncation : int >= 2
        Highest power of :math:`\rho = \phi^2/2` kept.
    regulator : {"litim", "exponential"} or Regulator
        Wetterich regulator (ignored for Polchinski); default
        :data:`~nnqft_sym.rg.DEFAULT_REGULATOR`.
    expansion : {"minimum", "zero"}
        Expansion point of the potential; default :data:`~nnqft_sym.rg.DEFAULT_EXPANSION`, the
        same as :func:`~nnqft_sym.rg.lpa_beta_functions` and ``nnqft flow``.
    scheme : {"wetterich", "polchinski"}
        Default :data:`~nnqft_sym.rg.DEFAULT_SCHEME`.

    Returns
    -------
    CriticalExponents
        With ``nu``, ``omega``, the fixed-point couplings and the sequence over truncations
        2..N (continuation, see the module docstring for the selection rule).

    Raises
    ------
    ValueError
        For a symbolic ``d`` or a truncation < 2.
    RuntimeError
        If no Wilson-Fisher fixed point is found or the continuation loses it.

    Examples
    --------
    >>> from nnqft_sym.rg import critical_exponents
    >>> round(critical_exponents(3, 6).nu, 3)   # Litim, expansion about the minimum
    0.65
    """
    check_truncation(truncation, 2)
    check_expansion(expansion)
    dd = to_sympy(d, "d")
    if dd.free_symbols:
        raise ValueError(f"critical_exponents needs a numeric d, got {d}")
    sequence: list[tuple[int, float, float]] = []
    fp: FixedPoint | None = None
    for n in range(2, truncation + 1):
        beta = lpa_beta_functions(dd, n, regulator, expansion, scheme=scheme)
        if fp is None:
            candidates = [c for c in _lowest_order_fixed_points(beta) if _is_wilson_fisher(beta, c)]
            if not candidates:
                raise RuntimeError(f"no Wilson-Fisher fixed point at truncation 2 in d = {d}")
            fp = min(candidates, key=lambda c: float(np.linalg.norm(c.vector)))
        else:
            fp = _continue(beta, fp)
        eig = np.real(fp.eigenvalues)
        sequence.append((n, float(-1.0 / eig[0]), float(eig[1]) if eig.size > 1 else np.nan))
    reg_name = None if scheme == "polchinski" else beta.regulator.name
    return CriticalExponents(sequence[-1][1], sequence[-1][2], fp, tuple(sequence), dd,
                             truncation, scheme, reg_name, expansion)
