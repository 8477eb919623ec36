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
   are closest to truncation :math:`N-1` is kept;
4. for closed-form schemes (Litim's and other closed-form regulators, Polchinski), as soon as
   the double-precision Newton step from :math:`\lambda_N = 0` fails, rule 3 continues in
   mpmath (:mod:`.continuation`; the couplings grow like :math:`n!` and double precision
   stalls beyond :math:`\rho^{14}` in d = 3), and when the sequence cannot start in the
   requested d it runs in d = 3 and the fixed point is followed in d.  Where double precision
   converged, the results are unchanged bit for bit.

O(N) models (``n_components``): the same rules; at truncation 2 the fixed points of
:math:`N \ne 1` are found by multi-start (``sympy.solve`` of the higher-degree O(N) numerators
takes minutes), with the starting grid of :math:`\kappa` scaled by N.
"""
from __future__ import annotations

import itertools
import numbers
from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np
import sympy as sp
from scipy import optimize

from ..parsing import to_sympy
from .action import (LARGE_N, TruncatedAction, check_expansion, check_n_components, check_spacetime_dimension,
                     check_truncation)
from .continuation import (LpaSystem, closed_form_available, continue_dimension, continue_truncation,
                           default_dps, is_wilson_fisher)
from .defaults import DEFAULT_EXPANSION, DEFAULT_REGULATOR, DEFAULT_SCHEME
from .lpa import BetaFunctions, describe_setting, lpa_beta_functions
from .regulators import get_regulator

#: the dimension where the truncation sequence starts when it cannot start in the requested d
D_START = sp.Integer(3)

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
    d, truncation, scheme, regulator, expansion, n_components
        The setting (``n_components`` is the number N of field components).
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
    n_components: Any = 1

    @property
    def couplings(self) -> dict[sp.Symbol, float]:
        """Fixed-point couplings (symbol -> value)."""
        return self.fixed_point.couplings

    @property
    def eigenvalues(self) -> np.ndarray:
        """Stability-matrix eigenvalues at the fixed point."""
        return self.fixed_point.eigenvalues

    def __repr__(self) -> str:
        components = "" if self.n_components == 1 else f", n_components={self.n_components}"
        return (f"CriticalExponents(nu={self.nu:.6f}, omega={self.omega:.6f}, d={self.d}, "
                f"truncation={self.truncation}, scheme={self.scheme}, "
                f"regulator={self.regulator or 'none'}, expansion={self.expansion}{components})")

    def __str__(self) -> str:
        return (f"nu = {self.nu:.6f}, omega = {self.omega:.6f}  ({self.setting}, "
                f"d = {self.d}, truncation {self.truncation})")

    @property
    def setting(self) -> str:
        """The scheme, regulator and expansion in words, e.g. ``"Wetterich LPA, litim regulator,
        expansion about the minimum"``."""
        return describe_setting(self.scheme, self.regulator, self.expansion, self.n_components)



#: below this dimension polynomial truncations are refused (validated against the full potential
#: down to d = 2.7; at d = 2.5 a direct sequence picked a spurious branch)
D_MIN_POLYNOMIAL = sp.Rational(27, 10)

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
    return is_wilson_fisher(beta.scheme, beta.action.expansion, fp.vector, fp.eigenvalues)


def _lowest_order_fixed_points(beta: BetaFunctions) -> list[FixedPoint]:
    """All fixed points of the N = 2 truncation: exact if SymPy can (one field component),
    else multi-start (the O(N) systems have numerators of higher degree, where
    ``sympy.solve`` takes minutes); the starting grid of the first coupling grows with N."""
    exprs = list(beta.beta.values())
    n_comp = beta.action.n_components
    rational = n_comp == 1 and all(e.is_rational_function(*beta.couplings) for e in exprs)
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
    size = 1.0 if n_comp is LARGE_N else float(n_comp)
    grid = [s * v * size for s in (1.0, -1.0) for v in np.logspace(-3, 1, 6)]
    for start in itertools.product(grid, np.logspace(-3, 2, 8)):
        try:
            fp = find_fixed_point(beta, start)
        except RuntimeError:
            continue
        if not any(np.allclose(fp.vector, other.vector, rtol=1e-7, atol=1e-10) for other in found):
            found.append(fp)
    return found


def _continue(beta: BetaFunctions, previous: FixedPoint, scan: bool = True) -> FixedPoint:
    """Fixed point of truncation N from that of N - 1 (rule 3): start with lambda_N = 0; if
    Newton leaves the WF branch, scan starting values of lambda_N (unless ``scan`` is false)
    and keep the WF solution closest to the previous couplings."""
    old = previous.vector
    # size of the new coupling: geometric extrapolation of the last two
    ratio = abs(old[-1] / old[-2]) if len(old) > 2 and old[-2] != 0 else 1.0
    units = np.append(np.maximum(1.0, np.abs(old)), max(1.0, abs(old[-1]) * ratio))
    starts = [0.0]
    if scan:
        starts += [s * 10.0 ** e for e in np.arange(-3.0, 3.5, 0.5) for s in (1.0, -1.0)]
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


def _from_high_precision(system: LpaSystem, x: list[Any], names: tuple[sp.Symbol, ...],
                         matrix: np.ndarray, eig: np.ndarray) -> FixedPoint:
    with mpmath.workdps(system.dps):
        vals = system.values(x)
        residual = float(max(abs(v) / max(1, abs(p)) for v, p in zip(vals, x)))
    return FixedPoint(dict(zip(names, (float(v) for v in x))), None, matrix, eig, residual)


def _exponents(fp: FixedPoint) -> tuple[float, float]:
    """nu from the real negative eigenvalue, omega the smallest positive real part."""
    eig = np.asarray(fp.eigenvalues)
    relevant = [e.real for e in eig if e.real < 0 and abs(e.imag) <= 1e-12]
    positive = np.real(eig)[np.real(eig) > 0]
    return (float(-1.0 / relevant[0]) if relevant else np.nan,
            float(positive.min()) if positive.size else np.nan)


def _truncation_sequence(dd: sp.Expr, truncation: int, regulator: Any, expansion: str,
                         scheme: str, n_comp: sp.Expr, dps: int | None
                         ) -> tuple[FixedPoint, list[tuple[int, float, float]], str | None]:
    """Rules 1-3 in dimension ``dd``: double precision while Newton from lambda_N = 0 stays
    on the WF branch, then the high-precision continuation of :mod:`.continuation`."""
    sequence: list[tuple[int, float, float]] = []
    beta = lpa_beta_functions(dd, 2, regulator, expansion, scheme=scheme, n_components=n_comp)
    reg = beta.regulator
    candidates = [c for c in _lowest_order_fixed_points(beta) if _is_wilson_fisher(beta, c)]
    if not candidates:
        raise RuntimeError(f"no Wilson-Fisher fixed point at truncation 2 in d = {dd}")
    fp = min(candidates, key=lambda c: float(np.linalg.norm(c.vector)))
    sequence.append((2, *_exponents(fp)))
    high = closed_form_available(scheme, reg)
    x_high: list[Any] | None = None
    for n in range(3, truncation + 1):
        if x_high is None:
            beta = lpa_beta_functions(dd, n, regulator, expansion, scheme=scheme,
                                      n_components=n_comp)
            try:
                fp = _continue(beta, fp, scan=not high)
            except RuntimeError:
                if not high:
                    raise
                x_high = list(fp.vector)
        if x_high is not None:
            system = LpaSystem(scheme, reg, expansion, n, n_comp, dd,
                               dps or default_dps(truncation))
            x_high, matrix, eig = continue_truncation(system, x_high)
            names = TruncatedAction(dd, n, expansion).couplings
            fp = _from_high_precision(system, x_high, names, matrix, eig)
        sequence.append((n, *_exponents(fp)))
    return fp, sequence, None if scheme == "polchinski" else reg.name


def critical_exponents(d: Any, truncation: int, regulator: Any = DEFAULT_REGULATOR,
                       expansion: str = DEFAULT_EXPANSION, *, scheme: str = DEFAULT_SCHEME,
                       n_components: Any = 1, dps: int | None = None) -> CriticalExponents:
    r"""Wilson-Fisher fixed point, :math:`\nu` and :math:`\omega` of an LPA truncation.

    Parameters
    ----------
    d : number
        Dimension (numeric, e.g. 3; below the start dimension ``D_START`` = 3 of the
        continuation in d, any d > 2).
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
    n_components : int >= 1 or sympy.oo
        Number of field components N (O(N) model; default 1, the Ising class); ``sympy.oo``
        is the rescaled large-N limit, where :math:`\nu = 1/(d-2)` exactly.
    dps : int, optional
        Decimal digits of the high-precision continuation (default ``max(30, 2 N + 20)``),
        used for closed-form schemes once double precision no longer converges.

    Returns
    -------
    CriticalExponents
        With ``nu``, ``omega``, the fixed-point couplings and the sequence over truncations
        2..N (continuation, see the module docstring for the selection rule).  When the
        sequence cannot start in ``d`` (no Wilson-Fisher point at the lowest truncations, e.g.
        d < 2.8), it runs in d = 3 and the fixed point of the requested truncation is
        followed in d (:mod:`.continuation`); then ``sequence`` holds the requested truncation
        only.

    Raises
    ------
    ValueError
        For a symbolic ``d`` or ``n_components``, a truncation < 2, or d < 2.7
        (:data:`D_MIN_POLYNOMIAL`: use :func:`full_potential_fixed_point` there).
    RuntimeError
        If no Wilson-Fisher fixed point is found or the continuation loses it.

    Examples
    --------
    >>> from nnqft_sym.rg import critical_exponents
    >>> round(critical_exponents(3, 6).nu, 3)   # Litim, expansion about the minimum
    0.65
    >>> round(critical_exponents(3, 8, n_components=3).nu, 3)   # Heisenberg, LPA
    0.761
    """
    check_truncation(truncation, 2)
    check_expansion(expansion)
    n_comp = check_n_components(n_components, numeric=True)
    if dps is not None and (isinstance(dps, bool) or not isinstance(dps, numbers.Integral)):
        raise TypeError(f"dps must be an integer number of digits >= 16, got {dps!r}")
    if dps is not None and dps < 16:
        raise ValueError(f"dps must be an integer number of digits >= 16, got {dps}")
    dd = to_sympy(d, "d")
    if dd.free_symbols:
        raise ValueError(f"critical_exponents needs a numeric d, got {d}")
    if not (dd.is_real and dd > 2):
        raise ValueError(f"d must be a number > 2 (the Wilson-Fisher fixed point of the LPA lives "
                         f"in 2 < d < 4), got {d}")
    dd = check_spacetime_dimension(dd)
    if dd < D_MIN_POLYNOMIAL:
        raise ValueError(f"critical_exponents: d = {d} is below {D_MIN_POLYNOMIAL}, where polynomial "
                         "truncations of the LPA are not trustworthy (they lose the fixed point or "
                         "pick a spurious branch: d = 2.5, truncation 12 gave nu = 4.1 against "
                         "0.8653 untruncated); use full_potential_fixed_point(d) (2.1 <= d < 4)")
    try:
        fp, sequence, reg_name = _truncation_sequence(dd, truncation, regulator, expansion,
                                                      scheme, n_comp, dps)
    except RuntimeError:
        reg = None if scheme == "polchinski" else get_regulator(regulator)
        if dd >= D_START or not closed_form_available(scheme, reg):
            raise
        fp, sequence, reg_name = _truncation_sequence(D_START, truncation, regulator, expansion,
                                                      scheme, n_comp, dps)
        digits = dps or default_dps(truncation)
        x, matrix, eig = continue_dimension(
            lambda dim: LpaSystem(scheme, reg, expansion, truncation, n_comp, dim, digits),
            list(fp.vector), D_START, sp.N(dd, digits))
        fp = _from_high_precision(LpaSystem(scheme, reg, expansion, truncation, n_comp,
                                            sp.N(dd, digits), digits),
                                  x, tuple(fp.couplings), matrix, eig)
        sequence = [(truncation, *_exponents(fp))]
    return CriticalExponents(sequence[-1][1], sequence[-1][2], fp, tuple(sequence), dd,
                             truncation, scheme, reg_name, expansion, n_comp)
