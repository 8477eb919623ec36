r"""High-precision continuation of LPA fixed points in the truncation and in the dimension.

The polynomial truncations of the LPA potential have couplings that grow like :math:`n!`, so
beyond :math:`\rho^{14}` (d = 3, about the minimum) double precision cannot resolve the fixed
point (the residual stalls at :math:`10^{-8}`), and below d = 2.8 the lowest truncations have
no Wilson-Fisher fixed point to start from.  This module evaluates the beta functions of the
closed-form schemes (Wetterich with a closed-form regulator such as Litim's, and Polchinski) as
*numbers* in mpmath arithmetic: the Taylor coefficients of the loop term
:math:`\ell(w) = B/(P + w)` (B, P constants of the regulator) about the expansion point follow
from the series reciprocal in :math:`O(N^2)` operations, instead of lambdifying expanded
expressions whose size explodes with the truncation.  The same formulas as the symbolic
derivation in :mod:`.lpa` are used (radial mode :math:`w = U' + 2\rho U''`, N - 1 Goldstone
modes :math:`U'`, canonical scaling, running minimum), and ``tests/test_rg_continuation.py``
checks the two against each other.

Newton steps are taken in mpmath (complex-step Jacobian, exact to the working precision, in
units of the coupling sizes); eigenvalues of the stability matrix come from the rescaled matrix
:math:`D^{-1} M D` (D the coupling sizes), whose entries are of order one, in double precision.

Two continuations:

- in the truncation: truncation :math:`N` starts from :math:`N - 1` extended by
  :math:`\lambda_N = 0` (plus the same scan of starting values as the double-precision rule of
  :mod:`.fixed_points`);
- in the dimension: at a fixed truncation, from :math:`d_0` (where the truncation sequence
  exists) to the target d in adaptive steps with a secant predictor; a step is accepted when
  Newton converges to a Wilson-Fisher point (same selection test) and halved otherwise.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import mpmath
import numpy as np
import sympy as sp

from .action import LARGE_N
from .regulators import Regulator

__all__: list[str] = []


def is_wilson_fisher(scheme: str, expansion: str, x: np.ndarray, eigenvalues: np.ndarray,
                     strict: bool = True) -> bool:
    """The Wilson-Fisher test of :mod:`.fixed_points` (rule 2) on couplings and eigenvalues.

    ``strict=False`` (continuation in d) counts only the *real* eigenvalues with negative real
    part: high truncations below d = 3 have complex pairs of large spurious eigenvalues
    (e.g. -1.2 +- 86i at d = 2.7, truncation 12) that cross the imaginary axis.
    """
    eig = np.asarray(eigenvalues)
    negative = eig[np.real(eig) < 0]
    if not strict:
        negative = negative[np.abs(np.imag(negative)) <= 1e-12]
    if negative.size != 1 or abs(np.imag(negative[0])) > 1e-12 or abs(x[1]) < 1e-10:
        return False
    if scheme == "polchinski":
        return True
    if expansion == "minimum":
        return x[0] > 0 and x[1] > 0
    return x[0] < 0 and x[1] > 0


def closed_form_available(scheme: str, regulator: Regulator | None) -> bool:
    """True when the numeric evaluator covers the scheme (Polchinski or a closed-form regulator)."""
    return scheme == "polchinski" or (regulator is not None and regulator.is_closed_form)


@dataclass
class LpaSystem:
    """The dimensionless LPA beta functions as a function of the coupling vector, in mpmath.

    Coupling order as in :class:`~nnqft_sym.rg.TruncatedAction`: ``(lambda_1..lambda_N)``
    about zero, ``(kappa, lambda_2..lambda_N)`` about the minimum.
    """

    scheme: str
    regulator: Regulator | None
    expansion: str
    truncation: int
    n_components: sp.Expr
    d: Any
    dps: int

    def _constants(self) -> tuple[Any, Any]:
        """(B, P): the Litim-type loop term is B / (P + w)."""
        d = mpmath.mpf(self.d)
        measure = 1 / ((4 * mpmath.pi) ** (d / 2) * mpmath.gamma(d / 2))
        reg = self.regulator
        support = mpmath.mpf(str(sp.N(reg.support, self.dps)))
        q = mpmath.mpf(str(sp.N(reg.scale_derivative, self.dps)))
        p = mpmath.mpf(str(sp.N(reg.propagator_denominator, self.dps)))
        return measure * q * support ** (d / 2) / (d / 2), p

    def values(self, x: list[Any]) -> list[Any]:
        """The beta functions at the couplings ``x`` (mpf or mpc entries)."""
        n = self.truncation
        d = mpmath.mpf(self.d)
        minimum = self.expansion == "minimum"
        lam = [mpmath.mpf(0)] * (n + 3)  # lam[k] = lambda_k, k = 1..N (0 beyond)
        rho0 = x[0] if minimum else mpmath.mpf(0)
        for k in range(1 if not minimum else 2, n + 1):
            lam[k] = x[k - 1]
        factorial = [mpmath.factorial(m) for m in range(n + 2)]
        n_comp = self.n_components
        if self.scheme == "polchinski":
            up = [lam[m + 1] / factorial[m] for m in range(n + 1)]
            upp = [lam[m + 2] / factorial[m] for m in range(n + 1)]
            up_sq = [mpmath.fsum(up[i] * up[m - i] for i in range(m + 1)) for m in range(n + 1)]

            def times_rho(c: list[Any]) -> list[Any]:
                return [rho0 * c[m] + (c[m - 1] if m else 0) for m in range(n + 1)]

            rho_upp, rho_up_sq = times_rho(upp), times_rho(up_sq)
            weight = 1 if n_comp is LARGE_N else mpmath.mpf(int(n_comp))
            radial = 0 if n_comp is LARGE_N else 2
            loop = [factorial[m] * (2 * rho_up_sq[m] - (weight * up[m] + radial * rho_upp[m]))
                    for m in range(n + 1)]
        else:
            base, p = self._constants()

            def mode(taylor: list[Any]) -> list[Any]:  # n-th rho-derivatives of B/(P + w)
                a = [taylor[m] / factorial[m] for m in range(n + 1)]
                inv = [1 / (p + a[0])]
                for m in range(1, n + 1):
                    inv.append(-mpmath.fsum(a[k] * inv[m - k] for k in range(1, m + 1)) * inv[0])
                return [base * factorial[m] * inv[m] for m in range(n + 1)]

            goldstone = [lam[m + 1] for m in range(n + 1)]
            if n_comp is LARGE_N:
                loop = mode(goldstone)
            else:
                radial = [(2 * m + 1) * lam[m + 1] + 2 * rho0 * lam[m + 2] for m in range(n + 1)]
                loop = mode(radial)
                if n_comp != 1:
                    loop = [r + (int(n_comp) - 1) * g for r, g in zip(loop, mode(goldstone))]
        total = [loop[k] + (k * (d - 2) - d) * lam[k] + (d - 2) * rho0 * lam[k + 1]
                 for k in range(n + 1)]
        if minimum:
            beta_kappa = -total[1] / lam[2]
            return [beta_kappa] + [total[k] + lam[k + 1] * beta_kappa for k in range(2, n + 1)]
        return [total[k] for k in range(1, n + 1)]

    def jacobian(self, x: list[Any]) -> mpmath.matrix:
        """Complex-step Jacobian (exact to the working precision)."""
        size = len(x)
        jac = mpmath.matrix(size, size)
        for j in range(size):
            h = mpmath.mpf(10) ** (-self.dps) * max(1, abs(x[j]))
            shifted = [xi + (1j * h if i == j else 0) for i, xi in enumerate(x)]
            for i, value in enumerate(self.values(shifted)):
                jac[i, j] = mpmath.im(value) / h
        return jac


def default_dps(truncation: int) -> int:
    """Working precision of the continuation: enough for couplings growing like n!."""
    return max(30, 2 * truncation + 20)


def newton(system: LpaSystem, guess: list[Any], max_steps: int = 60) -> list[Any]:
    """Damped Newton solve of beta = 0 in units of the coupling sizes.

    Raises
    ------
    RuntimeError
        Without convergence to ``max_i |beta_i| / size_i < 10^(10 - dps)``.
    """
    x = [mpmath.mpf(v) for v in guess]
    tol = mpmath.mpf(10) ** (10 - system.dps)

    def residual(point: list[Any]) -> Any:
        try:
            vals = system.values(point)
        except ZeroDivisionError:
            return mpmath.inf
        return max(abs(v) / max(1, abs(p)) for v, p in zip(vals, point))

    res = residual(x)
    for _ in range(max_steps):
        if res < tol:
            return x
        if not mpmath.isfinite(res):
            break
        units = [max(1, abs(v)) for v in x]
        jac = system.jacobian(x)
        scaled = mpmath.matrix(len(x), len(x))
        for i in range(len(x)):
            for j in range(len(x)):
                scaled[i, j] = jac[i, j] * units[j] / units[i]
        rhs = mpmath.matrix([-v / u for v, u in zip(system.values(x), units)])
        try:
            step = mpmath.lu_solve(scaled, rhs)
        except ZeroDivisionError:
            break
        damping = mpmath.mpf(1)
        while damping > 1e-6:
            trial = [v + damping * s * u for v, s, u in zip(x, step, units)]
            new = residual(trial)
            if new < res:
                x, res = trial, new
                break
            damping /= 2
        else:
            break
    if res < tol:
        return x
    raise RuntimeError(f"high-precision Newton did not converge (max |beta_i|/scale_i = "
                       f"{mpmath.nstr(res, 3)})")


def stability(system: LpaSystem, x: list[Any]) -> tuple[np.ndarray, np.ndarray]:
    """Stability matrix (float) and its eigenvalues sorted by real part, via D^-1 M D."""
    jac = system.jacobian(x)
    units = np.array([float(max(1, abs(v))) for v in x])
    scaled = np.array([[float(jac[i, j]) * units[j] / units[i] for j in range(len(x))]
                       for i in range(len(x))])
    eig = np.linalg.eigvals(scaled)
    eig = eig[np.argsort(eig.real)]
    if np.allclose(eig.imag, 0.0, atol=1e-12):
        eig = eig.real
    matrix = scaled * units[:, None] / units[None, :]
    return matrix, eig


def _wf(system: LpaSystem, x: list[Any], strict: bool = True
        ) -> tuple[bool, np.ndarray, np.ndarray]:
    matrix, eig = stability(system, x)
    vec = np.array([float(v) for v in x])
    return is_wilson_fisher(system.scheme, system.expansion, vec, eig, strict), matrix, eig


def continue_truncation(system: LpaSystem, previous: list[Any]) -> tuple[list[Any], np.ndarray,
                                                                           np.ndarray]:
    """Fixed point of ``system`` (truncation N) from that of N - 1 (rule 3 of
    :mod:`.fixed_points`, in high precision).

    Returns ``(couplings, stability matrix, eigenvalues)``.
    """
    old = [mpmath.mpf(v) for v in previous]
    ratio = abs(old[-1] / old[-2]) if len(old) > 2 and old[-2] != 0 else 1
    unit = max(1, abs(old[-1]) * ratio)
    starts = [0.0] + [s * 10.0 ** e for e in np.arange(-3.0, 3.5, 0.5) for s in (1.0, -1.0)]
    best, best_dist = None, None
    with mpmath.workdps(system.dps):
        for start in starts:
            try:
                x = newton(system, old + [mpmath.mpf(start) * unit])
            except RuntimeError:
                continue
            ok, matrix, eig = _wf(system, x)
            if not ok:
                continue
            if start == 0.0:
                return x, matrix, eig
            dist = sum(((a - b) / (1 + abs(b))) ** 2 for a, b in zip(x[:-1], old))
            if best is None or dist < best_dist:
                best, best_dist = (x, matrix, eig), dist
    if best is None:
        raise RuntimeError("the continuation lost the Wilson-Fisher fixed point at truncation "
                           f"{system.truncation} (precision {system.dps} digits)")
    return best


def continue_dimension(make_system: Callable[[Any], LpaSystem], start: list[Any], d_start: Any,
                       d_target: Any, first_step: float = 0.05, min_step: float = 1e-4
                       ) -> tuple[list[Any], np.ndarray, np.ndarray]:
    """Follow a Wilson-Fisher fixed point from ``d_start`` to ``d_target`` at fixed truncation.

    ``make_system(d)`` gives the :class:`LpaSystem` in dimension ``d``.  Adaptive steps with a
    secant predictor; a step is halved when Newton fails or leaves the Wilson-Fisher branch.

    Raises
    ------
    RuntimeError
        When the step falls below ``min_step``.
    """
    probe = make_system(d_start)
    with mpmath.workdps(probe.dps):
        d_now, d_end = mpmath.mpf(d_start), mpmath.mpf(d_target)
        direction = 1 if d_end > d_now else -1
        x_now, x_before, d_before = [mpmath.mpf(v) for v in start], None, None
        step = mpmath.mpf(first_step)
        result, relevant = None, _relevant(stability(probe, x_now)[1])
        while True:
            if abs(d_end - d_now) <= 1e-30 and result is not None:
                return result
            d_next = d_end if abs(d_end - d_now) <= step else d_now + direction * step
            if x_before is None:
                guess = x_now
            else:
                slope = (d_next - d_now) / (d_now - d_before)
                guess = [a + (a - b) * slope for a, b in zip(x_now, x_before)]
            system = make_system(d_next)
            try:
                x = newton(system, guess)
                ok, matrix, eig = _wf(system, x, strict=False)
            except RuntimeError:
                ok = False
            if ok:  # the relevant eigenvalue must move continuously (no jump to another branch)
                now = _relevant(eig)
                ok = relevant is None or abs(now - relevant) <= 0.05 * abs(relevant)
            if ok:
                relevant = now
                x_before, d_before, x_now, d_now = x_now, d_now, x, d_next
                result = (x, matrix, eig)
                step = min(step * 1.5, mpmath.mpf(0.1))
                if d_now == d_end:
                    return result
            else:
                step /= 2
                if step < min_step:
                    raise RuntimeError(f"the continuation in d lost the Wilson-Fisher fixed point "
                                       f"near d = {mpmath.nstr(d_now, 6)} (truncation "
                                       f"{system.truncation}: the polynomial truncation no "
                                       "longer resolves it; full_potential_fixed_point solves "
                                       "the untruncated LPA)")


def _relevant(eig: np.ndarray) -> float:
    """The real negative (relevant) eigenvalue, or nan."""
    real = [e.real for e in np.asarray(eig) if e.real < 0 and abs(e.imag) <= 1e-12]
    return real[0] if real else float("nan")
