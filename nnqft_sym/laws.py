r"""Laws of standardised parameters :math:`\xi` (mean 0, variance 1) and of shared scales.

A parameter group draws :math:`\theta = \mu/n_{in} + \sigma\,\xi/\sqrt{n_{in}}` (weights) or
:math:`\theta = \mu + \sigma\,\xi` (biases) with i.i.d. :math:`\xi` from one of these laws
(:mod:`nnqft_sym.priors`).  Each law owns its exact moments :math:`E[\xi^k]` (SymPy; a
:class:`~nnqft_sym.errors.DivergentExpectationError` names the first order that diverges) and
its sampler, and describes itself as JSON so that a worker process rebuilds it exactly
(:func:`law_from_description`, which never evaluates a string).

Named laws: :class:`StandardNormal`, :class:`Rademacher` (:math:`\pm 1`),
:class:`StandardUniform` (:math:`U[-\sqrt 3, \sqrt 3]`), :class:`StandardLaplace` (scale
:math:`1/\sqrt 2`), :class:`StandardStudentT` (:math:`\sqrt{(\nu-2)/\nu}\, t_\nu`, moments of
order :math:`k < \nu` only).  A user's law: :class:`FiniteLaw` (values and probabilities) or
:class:`DensityLaw` (a SymPy density on an interval); :func:`as_law` turns a
:mod:`sympy.stats` random variable into one of these.  Laws that are not standardised
(``standardised=False``) are allowed only where a raw law is wanted, for the shared scale of
:class:`nnqft_sym.priors.SharedScale`.

Examples
--------
>>> [StandardUniform().moment(k) for k in (2, 4)], StandardLaplace().moment(4)
([1, 9/5], 6)
>>> StandardStudentT(5).moment(4)
9
>>> StandardStudentT(5).moment(6)
Traceback (most recent call last):
...
nnqft_sym.errors.DivergentExpectationError: E[xi^6] diverges for the standardised Student-t law with nu = 5 (moments of order k < 5 exist)
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Any

import mpmath
import numpy as np
import sympy as sp
from sympy import stats

from .errors import DivergentExpectationError
from .kinks import find_kinks
from .parsing import read_srepr, to_sympy

__all__ = ["XI", "StandardNormal", "STANDARD_NORMAL", "Rademacher", "StandardUniform",
           "StandardLaplace", "StandardStudentT", "FiniteLaw", "DensityLaw", "as_law",
           "law_from_description", "law_from_mapping", "LAWS"]

#: the variable of a :class:`DensityLaw` density
XI = sp.Symbol("xi", real=True)


#: Gauss-Legendre nodes per smooth piece of a law's quadrature rule (:meth:`_Law.rule`)
RULE_NODES = 96


class _Law:
    """What every law shares: a name, exact moments, symmetry, a sampler, a description."""

    name: str = "law"
    is_gaussian: bool = False
    #: True for a law on finitely many values: :meth:`rule` returns its atoms, exactly
    is_discrete = False

    def support_interval(self) -> tuple[float, float]:
        """The support ``(lo, hi)`` as floats (``-inf``/``inf`` for unbounded laws)."""
        return (-math.inf, math.inf)

    def pdf(self, x: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract for continuous laws
        raise NotImplementedError

    def rule(self, breaks: Any = ()) -> tuple[np.ndarray, np.ndarray]:
        r"""Nodes and weights with :math:`E[f(\xi)] \approx \sum_j w_j f(x_j)` for ``f`` smooth between ``breaks``.

        Continuous laws: Gauss-Legendre (:data:`RULE_NODES` nodes) on every piece between the
        break points and the ends of the support, infinite tails mapped to [0, 1); the density
        is folded into the weights.  Finite laws: their atoms.
        """
        x, w = self.rule_rows(np.reshape(np.asarray(breaks, dtype=float), (1, -1)))
        return x[0], w[0]

    def rule_rows(self, breaks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`rule` for every row of ``breaks`` ``(R, m)`` at once: nodes and weights ``(R, K)``."""
        breaks = np.asarray(breaks, dtype=float)
        lo, hi = self.support_interval()
        extra = self._own_breaks()
        rows = breaks.shape[0]
        cuts = np.concatenate([breaks, np.broadcast_to(np.asarray(extra, float), (rows, len(extra)))], 1)
        if cuts.shape[1] == 0:
            cuts = np.zeros((rows, 1)) if math.isinf(lo) and math.isinf(hi) else cuts
        cuts = np.sort(np.clip(cuts, lo, hi), axis=1)
        t, gw = np.polynomial.legendre.leggauss(RULE_NODES)
        nodes, weights = [], []
        edges = cuts
        # finite pieces between consecutive cuts, and from / to finite ends of the support
        left = np.concatenate([np.full((rows, 1), lo), edges], 1)
        right = np.concatenate([edges, np.full((rows, 1), hi)], 1)
        for k in range(left.shape[1]):
            a, b = left[:, k:k + 1], right[:, k:k + 1]
            if math.isinf(lo) and k == 0:
                u, uw = 0.5 * (t + 1), 0.5 * gw
                x = b - u / (1 - u) ** 2
                w = uw * (1 + u) / (1 - u) ** 3
            elif math.isinf(hi) and k == left.shape[1] - 1:
                u, uw = 0.5 * (t + 1), 0.5 * gw
                x = a + u / (1 - u) ** 2
                w = uw * (1 + u) / (1 - u) ** 3
            else:
                x = 0.5 * (b - a) * t + 0.5 * (b + a)
                w = 0.5 * (b - a) * gw
            nodes.append(np.broadcast_to(x, (rows, RULE_NODES)))
            weights.append(np.broadcast_to(w, (rows, RULE_NODES)))
        x, w = np.concatenate(nodes, 1), np.concatenate(weights, 1)
        return x, w * self.pdf(x)

    def _own_breaks(self) -> tuple[float, ...]:
        """Kinks of the density itself (added to every rule)."""
        return ()

    def moment(self, k: int) -> sp.Expr:  # pragma: no cover - abstract
        raise NotImplementedError

    def sample(self, rng: np.random.Generator, size: tuple[int, ...]) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    @property
    def is_symmetric(self) -> bool:
        """True when every odd moment vanishes (the law of ``-xi`` is that of ``xi``)."""
        return True

    def describe(self) -> dict[str, Any]:
        """A JSON-friendly description (:func:`law_from_description` rebuilds the law)."""
        return {"law": self.name}


@dataclass(frozen=True)
class StandardNormal(_Law):
    r"""The standard normal law :math:`\xi \sim \mathcal N(0, 1)`.

    Examples
    --------
    >>> [STANDARD_NORMAL.moment(k) for k in range(7)]
    [1, 0, 1, 0, 3, 0, 15]
    """

    name: str = "normal"
    is_gaussian: bool = True

    def moment(self, k: int) -> sp.Expr:
        r""":math:`E[\xi^k] = (k - 1)!!` for even ``k``, 0 for odd ``k``."""
        return sp.Integer(0) if k % 2 else sp.factorial2(k - 1) if k else sp.Integer(1)

    def sample(self, rng: np.random.Generator, size: tuple[int, ...]) -> np.ndarray:
        """``size`` standard normals (``rng.standard_normal``)."""
        return rng.standard_normal(size)

    def pdf(self, x: np.ndarray) -> np.ndarray:
        """The density."""
        return np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)


#: the standard normal law (the default of every parameter group)
STANDARD_NORMAL = StandardNormal()


@dataclass(frozen=True)
class Rademacher(_Law):
    r""":math:`\xi = \pm 1` with probability 1/2 each (all even moments 1).

    Examples
    --------
    >>> Rademacher().sample(np.random.default_rng(0), (6,)).tolist()
    [1.0, 1.0, 1.0, -1.0, -1.0, -1.0]
    """

    name: str = "rademacher"
    is_discrete = True

    def moment(self, k: int) -> sp.Expr:
        r""":math:`E[\xi^k] = 1` for even ``k``, 0 for odd."""
        return sp.Integer(0) if k % 2 else sp.Integer(1)

    def sample(self, rng: np.random.Generator, size: tuple[int, ...]) -> np.ndarray:
        """``size`` signs (from ``rng.integers(0, 2)``)."""
        return 2.0 * rng.integers(0, 2, size) - 1.0

    def rule_rows(self, breaks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The two atoms, exactly (for every row)."""
        rows = np.shape(breaks)[0]
        return np.tile([-1.0, 1.0], (rows, 1)), np.full((rows, 2), 0.5)


@dataclass(frozen=True)
class StandardUniform(_Law):
    r""":math:`\xi \sim U[-\sqrt 3, \sqrt 3]` (mean 0, variance 1)."""

    name: str = "uniform"

    def moment(self, k: int) -> sp.Expr:
        r""":math:`E[\xi^k] = 3^{k/2}/(k + 1)` for even ``k``, 0 for odd."""
        return sp.Integer(0) if k % 2 else sp.Integer(3) ** (k // 2) / (k + 1)

    def sample(self, rng: np.random.Generator, size: tuple[int, ...]) -> np.ndarray:
        """``size`` draws ``rng.uniform(-sqrt 3, sqrt 3)``."""
        return rng.uniform(-math.sqrt(3), math.sqrt(3), size)

    def support_interval(self) -> tuple[float, float]:
        """``(-sqrt 3, sqrt 3)``."""
        return (-math.sqrt(3), math.sqrt(3))

    def pdf(self, x: np.ndarray) -> np.ndarray:
        """The density ``1 / (2 sqrt 3)`` on the support."""
        return np.where(np.abs(x) <= math.sqrt(3), 1 / (2 * math.sqrt(3)), 0.0)


@dataclass(frozen=True)
class StandardLaplace(_Law):
    r"""Laplace law with scale :math:`1/\sqrt 2` (mean 0, variance 1)."""

    name: str = "laplace"

    def moment(self, k: int) -> sp.Expr:
        r""":math:`E[\xi^k] = k!/2^{k/2}` for even ``k``, 0 for odd."""
        return sp.Integer(0) if k % 2 else sp.factorial(k) / sp.Integer(2) ** (k // 2)

    def sample(self, rng: np.random.Generator, size: tuple[int, ...]) -> np.ndarray:
        """``size`` draws ``rng.laplace(0, 1/sqrt 2)``."""
        return rng.laplace(0.0, 1 / math.sqrt(2), size)

    def pdf(self, x: np.ndarray) -> np.ndarray:
        """The density ``exp(-sqrt 2 |x|) / sqrt 2``."""
        return np.exp(-math.sqrt(2) * np.abs(x)) / math.sqrt(2)

    def _own_breaks(self) -> tuple[float, ...]:
        """The density's kink at 0."""
        return (0.0,)


@dataclass(frozen=True)
class StandardStudentT(_Law):
    r"""Student-t with :math:`\nu > 2` degrees of freedom, scaled to variance 1.

    :math:`\xi = \sqrt{(\nu - 2)/\nu}\; t_\nu`; the moment of order :math:`k` exists for
    :math:`k < \nu` only.

    Examples
    --------
    >>> StandardStudentT(7).max_order
    6
    """

    nu: Any = 5
    name: str = field(default="student_t", init=False)

    def __post_init__(self) -> None:
        nu = to_sympy(self.nu, "nu")
        if not (nu.is_number and nu.is_real and nu > 2):
            raise ValueError(f"nu (degrees of freedom of the Student-t law) must be a number > 2 "
                             f"(the variance must be finite), got {self.nu!r}")
        object.__setattr__(self, "nu", nu)

    @property
    def max_order(self) -> int:
        """The highest order k of a finite moment (k < nu)."""
        return int(sp.ceiling(self.nu)) - 1

    def moment(self, k: int) -> sp.Expr:
        r""":math:`E[\xi^k] = (\nu-2)^{k/2}\,\Gamma(\tfrac{k+1}{2})\Gamma(\tfrac{\nu-k}{2}) / (\sqrt\pi\,\Gamma(\tfrac\nu2))`, even ``k < nu``."""
        if k % 2:
            return sp.Integer(0)
        if k >= self.nu:
            raise DivergentExpectationError(
                f"E[xi^{k}] diverges for the standardised Student-t law with nu = {self.nu} "
                f"(moments of order k < {self.nu} exist)")
        nu = self.nu
        return sp.simplify((nu - 2) ** sp.Rational(k, 2) * sp.gamma(sp.Rational(k + 1, 2))
                           * sp.gamma((nu - k) / 2) / (sp.sqrt(sp.pi) * sp.gamma(nu / 2)))

    def sample(self, rng: np.random.Generator, size: tuple[int, ...]) -> np.ndarray:
        """``size`` draws ``sqrt((nu - 2)/nu) * rng.standard_t(nu)``."""
        nu = float(self.nu)
        return rng.standard_t(nu, size) * math.sqrt((nu - 2) / nu)

    def pdf(self, x: np.ndarray) -> np.ndarray:
        """The density of the scaled t law."""
        nu = float(self.nu)
        c = math.sqrt((nu - 2) / nu)
        return np.exp(math.lgamma((nu + 1) / 2) - math.lgamma(nu / 2)) / math.sqrt(nu * math.pi) \
            / c * (1 + (x / c) ** 2 / nu) ** (-(nu + 1) / 2)

    def describe(self) -> dict[str, Any]:
        """A JSON-friendly description."""
        return {"law": self.name, "nu": sp.srepr(self.nu)}


@dataclass(frozen=True)
class FiniteLaw(_Law):
    r"""A law on finitely many values with given probabilities (exact SymPy numbers).

    Parameters
    ----------
    values, probabilities : sequences of numbers
        The support and the probabilities (non-negative, summing to 1).
    standardised : bool
        Require mean 0 and variance 1 (default); ``False`` for a shared scale.

    Examples
    --------
    >>> law = FiniteLaw([-2, 1], [sp.Rational(1, 3), sp.Rational(2, 3)], standardised=False)
    >>> law.moment(1), law.moment(2), law.moment(3)
    (0, 2, -2)
    """

    values: tuple = ()
    probabilities: tuple = ()
    standardised: bool = True
    name: str = field(default="finite", init=False)
    is_discrete = True

    def __post_init__(self) -> None:
        values = tuple(to_sympy(v, "values") for v in self.values)
        probs = tuple(to_sympy(p, "probabilities") for p in self.probabilities)
        if not values or len(values) != len(probs):
            raise ValueError(f"values and probabilities must be non-empty and of equal length, "
                             f"got {len(values)} and {len(probs)}")
        if any(not (p.is_number and p >= 0) for p in probs) or sp.simplify(sum(probs) - 1) != 0:
            raise ValueError(f"probabilities must be non-negative numbers summing to 1, got {probs}")
        if any(not (v.is_number and v.is_real) for v in values):
            raise ValueError(f"values must be real numbers, got {values}")
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "probabilities", probs)
        if self.standardised:
            _check_standardised(self, "FiniteLaw")

    def moment(self, k: int) -> sp.Expr:
        r""":math:`E[\xi^k] = \sum_i p_i v_i^k`."""
        return sp.expand(sum(p * v ** k for v, p in zip(self.values, self.probabilities)))

    @property
    def is_symmetric(self) -> bool:
        """True when the law is invariant under xi -> -xi."""
        weights: dict[sp.Expr, sp.Expr] = {}
        for v, p in zip(self.values, self.probabilities):
            weights[v] = weights.get(v, 0) + p
        return all(sp.simplify(weights.get(-v, 0) - p) == 0 for v, p in weights.items())

    def rule_rows(self, breaks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The atoms and their probabilities, exactly (for every row)."""
        rows = np.shape(breaks)[0]
        return (np.tile([float(v) for v in self.values], (rows, 1)),
                np.tile([float(p) for p in self.probabilities], (rows, 1)))

    def sample(self, rng: np.random.Generator, size: tuple[int, ...]) -> np.ndarray:
        """``size`` draws (``rng.choice`` over the values)."""
        values = np.array([float(v) for v in self.values])
        probs = np.array([float(p) for p in self.probabilities])
        return values[rng.choice(len(values), size=size, p=probs / probs.sum())]

    def describe(self) -> dict[str, Any]:
        """A JSON-friendly description."""
        return {"law": self.name, "values": [sp.srepr(v) for v in self.values],
                "probabilities": [sp.srepr(p) for p in self.probabilities],
                "standardised": self.standardised}


@dataclass(frozen=True)
class DensityLaw(_Law):
    r"""A continuous law with density :math:`\rho(\xi)` (SymPy, in :data:`XI`) on ``support``.

    Moments are integrated by SymPy where it finds a closed form and by mpmath (30 digits)
    otherwise; a moment whose integral diverges raises
    :class:`~nnqft_sym.errors.DivergentExpectationError`.  Sampling is by numerical inversion
    of the distribution function (SciPy's PINV, u-resolution 1e-12).

    Examples
    --------
    >>> law = DensityLaw(sp.exp(-sp.Abs(XI) * sp.sqrt(2)) / sp.sqrt(2))    # the Laplace law
    >>> law.moment(4)
    6
    """

    density: Any = None
    support: tuple = (-sp.oo, sp.oo)
    standardised: bool = True
    name: str = field(default="density", init=False)

    def __post_init__(self) -> None:
        density = to_sympy(self.density, "density", {"xi": XI})
        if density.free_symbols - {XI}:
            raise ValueError(f"density may depend only on the symbol xi, found "
                             f"{sorted(map(str, density.free_symbols - {XI}))}")
        lo, hi = (to_sympy(b, "support") for b in self.support)
        if not (lo.is_extended_real and hi.is_extended_real and lo < hi):
            raise ValueError(f"support must be an interval (a, b) with a < b, got {self.support}")
        object.__setattr__(self, "density", density)
        object.__setattr__(self, "support", (lo, hi))
        total = self._integral(0)
        if abs(float(total) - 1) > 1e-10:
            raise ValueError(f"density must integrate to 1 over the support, got {total}")
        if self.standardised:
            _check_standardised(self, "DensityLaw")

    def _integral(self, k: int) -> sp.Expr:
        lo, hi = self.support
        exact = sp.integrate(XI ** k * self.density, (XI, lo, hi))
        if exact.is_number and exact.is_finite:
            return sp.nsimplify(exact) if exact.is_Float else exact
        if exact in (sp.oo, -sp.oo, sp.zoo, sp.nan):
            raise DivergentExpectationError(f"E[xi^{k}] diverges for the density {self.density}")
        return self._numeric_integral(k)

    def _numeric_integral(self, k: int) -> sp.Expr:
        func = sp.lambdify(XI, XI ** k * self.density, "mpmath")
        lo, hi = (mpmath.mpf(float(b)) if b.is_finite else (mpmath.inf if b > 0 else -mpmath.inf)
                  for b in self.support)
        with mpmath.workdps(30):
            try:
                value = mpmath.quad(func, [lo, 0, hi] if lo < 0 < hi else [lo, hi], error=False)
            except (ValueError, ZeroDivisionError, OverflowError) as exc:
                raise DivergentExpectationError(f"E[xi^{k}] of the density {self.density}: "
                                                f"the integral does not converge ({exc})") from None
        if not mpmath.isfinite(value):
            raise DivergentExpectationError(f"E[xi^{k}] diverges for the density {self.density}")
        return sp.Float(str(value), 25)

    def moment(self, k: int) -> sp.Expr:
        r""":math:`E[\xi^k] = \int \xi^k \rho(\xi)\, d\xi` (cached)."""
        return _density_moment(self, k)

    @property
    def is_symmetric(self) -> bool:
        """True when the density is even and the support symmetric."""
        lo, hi = self.support
        return lo == -hi and sp.simplify(self.density - self.density.subs(XI, -XI)) == 0

    @functools.cached_property
    def _sampler(self) -> Any:
        from scipy.stats.sampling import NumericalInversePolynomial
        pdf = sp.lambdify(XI, self.density, "numpy")

        class _Dist:
            def pdf(self, x: float) -> float:
                return float(pdf(x))

        lo, hi = (float(b) for b in self.support)
        return NumericalInversePolynomial(_Dist(), domain=(lo, hi), u_resolution=1e-12)

    def support_interval(self) -> tuple[float, float]:
        """The support as floats."""
        lo, hi = (float(b) for b in self.support)
        return lo, hi

    @functools.cached_property
    def _pdf(self) -> Any:
        return sp.lambdify(XI, self.density, "numpy")

    def _own_breaks(self) -> tuple[float, ...]:
        """The density's own kinks (``Abs``, ``Piecewise``, ...)."""
        return _density_kinks(self.density)

    def pdf(self, x: np.ndarray) -> np.ndarray:
        """The density, lambdified."""
        return np.broadcast_to(np.asarray(self._pdf(x), dtype=float), np.shape(x))

    def sample(self, rng: np.random.Generator, size: tuple[int, ...]) -> np.ndarray:
        """``size`` draws by numerical inversion of the distribution function, with uniforms from ``rng``."""
        return self._sampler.ppf(rng.uniform(size=size))

    def describe(self) -> dict[str, Any]:
        """A JSON-friendly description."""
        return {"law": self.name, "density": sp.srepr(self.density),
                "support": [sp.srepr(b) for b in self.support], "standardised": self.standardised}


@functools.lru_cache(maxsize=64)
def _density_kinks(density: sp.Expr) -> tuple[float, ...]:
    return find_kinks(density, XI)


@functools.lru_cache(maxsize=256)
def _density_moment(law: DensityLaw, k: int) -> sp.Expr:
    return law._integral(k)


def _check_standardised(law: _Law, what: str) -> None:
    mean, second = law.moment(1), law.moment(2)
    if abs(float(mean)) > 1e-12 or abs(float(second) - 1) > 1e-12:
        raise ValueError(f"{what}: the law of a standardised parameter xi must have mean 0 and "
                         f"variance 1 (the scale sigma and the mean mu of the group are set "
                         f"separately), got mean {mean} and E[xi^2] = {second}; rescale it, or "
                         f"pass standardised=False for a shared scale")


#: the named laws, by the names of their descriptions and of ``--prior``
LAWS: dict[str, type] = {"normal": StandardNormal, "rademacher": Rademacher,
                         "uniform": StandardUniform, "laplace": StandardLaplace,
                         "student_t": StandardStudentT}


def as_law(value: Any, name: str = "law", standardised: bool = True) -> _Law:
    r"""A law object from a law, a law name, or a :mod:`sympy.stats` random variable.

    ``sympy.stats.Normal(name, 0, 1)`` gives :data:`STANDARD_NORMAL` (the default network,
    random stream included); other finite random variables give a :class:`FiniteLaw`, other
    continuous univariate ones a :class:`DensityLaw` (their density and support).

    Raises
    ------
    TypeError
        For anything else.
    ValueError
        If the law is not standardised (mean 0, variance 1) and ``standardised`` is True.

    Examples
    --------
    >>> from sympy import stats
    >>> as_law(stats.Normal("xi", 0, 1)) is STANDARD_NORMAL
    True
    >>> as_law(stats.Rademacher("r")).moment(2)
    1
    >>> as_law("laplace")
    StandardLaplace(name='laplace')
    """
    if isinstance(value, _Law):
        if standardised and getattr(value, "standardised", True) is False:
            raise ValueError(f"{name}: the law must be standardised (mean 0, variance 1), got "
                             f"one created with standardised=False")
        return value
    if isinstance(value, str):
        if value not in LAWS:
            raise ValueError(f"{name}: unknown law {value!r}; allowed: {sorted(LAWS)}")
        return LAWS[value]()
    if isinstance(value, sp.Basic) and isinstance(value, stats.rv.RandomSymbol):
        return _from_random_symbol(value, name, standardised)
    raise TypeError(f"{name} must be a law of nnqft_sym.laws, a law name {sorted(LAWS)} or a "
                    f"sympy.stats random variable, got {type(value).__name__} {value!r}")


def _from_random_symbol(rv: Any, name: str, standardised: bool) -> _Law:
    dist = getattr(rv.pspace, "distribution", None)
    if isinstance(dist, stats.crv_types.NormalDistribution) and dist.mean == 0 and dist.std == 1:
        return STANDARD_NORMAL
    if isinstance(rv.pspace, stats.frv.FinitePSpace) or isinstance(dist, stats.frv.SingleFiniteDistribution):
        pmf = stats.density(rv)
        values, probs = zip(*sorted(pmf.items(), key=lambda item: item[0]))
        return FiniteLaw(values, probs, standardised=standardised)
    if isinstance(rv.pspace, stats.crv.SingleContinuousPSpace):
        support = dist.set
        density = sp.simplify(stats.density(rv)(XI))
        return DensityLaw(density, (support.inf, support.sup), standardised=standardised)
    raise TypeError(f"{name}: only univariate finite or continuous sympy.stats random variables "
                    f"are supported, got {rv} with the probability space {type(rv.pspace).__name__}")


def law_from_mapping(value: Any, name: str = "law", standardised: bool = True) -> _Law:
    """A law from a user's mapping (a prior file) or any value :func:`as_law` takes.

    Mappings: ``{"law": "student_t", "nu": 5}``, ``{"law": "finite", "values": [...],
    "probabilities": [...]}``, ``{"law": "density", "density": "exp(-abs(xi))/2",
    "support": ["-oo", "oo"]}``; numbers may be given as strings, which are read by the
    restricted parser (numbers and ``xi`` only, never evaluated).

    Examples
    --------
    >>> law_from_mapping({"law": "finite", "values": ["1/2", "3/2"], "probabilities": [0.5, 0.5]},
    ...                  standardised=False).moment(2)
    1.25000000000000
    """
    if not isinstance(value, dict):
        return as_law(value, name, standardised)
    kind = value.get("law")
    extra = set(value) - {"law", "nu", "values", "probabilities", "density", "support"}
    if extra:
        raise ValueError(f"{name}: unknown key(s) {sorted(extra)} in a law")
    if kind == "student_t":
        return StandardStudentT(to_sympy(value.get("nu", 5), f"{name} nu", {}))
    if kind == "finite":
        return FiniteLaw([to_sympy(v, f"{name} values", {}) for v in value.get("values", ())],
                         [to_sympy(p, f"{name} probabilities", {}) for p in value.get("probabilities", ())],
                         standardised=standardised)
    if kind == "density":
        support = tuple(to_sympy(b, f"{name} support", {}) for b in value.get("support", ("-oo", "oo")))
        return DensityLaw(value.get("density"), support, standardised=standardised)
    if kind in LAWS:
        return as_law(kind, name, standardised)
    raise ValueError(f"{name}: unknown law {kind!r}; allowed: {sorted(LAWS) + ['finite', 'density']}")


def law_from_description(description: dict[str, Any]) -> _Law:
    """Rebuild a law from :meth:`describe` output (strings are read by :func:`nnqft_sym.read_srepr`).

    Examples
    --------
    >>> law_from_description(StandardStudentT(7).describe()).moment(4)   # kurtosis 3 + 6/(nu - 4)
    5
    """
    if not isinstance(description, dict) or "law" not in description:
        raise TypeError(f"a law description must be a dict with a 'law' key, got {description!r}")
    kind = description["law"]
    if kind == "student_t":
        return StandardStudentT(read_srepr(description["nu"], "nu"))
    if kind in LAWS:
        return LAWS[kind]()
    if kind == "finite":
        return FiniteLaw([read_srepr(v, "values") for v in description["values"]],
                         [read_srepr(p, "probabilities") for p in description["probabilities"]],
                         standardised=bool(description.get("standardised", True)))
    if kind == "density":
        return DensityLaw(read_srepr(description["density"], "density"),
                          tuple(read_srepr(b, "support") for b in description["support"]),
                          standardised=bool(description.get("standardised", True)))
    raise ValueError(f"unknown law {kind!r} in a description; allowed: "
                     f"{sorted(LAWS) + ['finite', 'density']}")
