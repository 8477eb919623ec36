r"""Frequency priors :math:`\rho(w)` for cos-net (BRG-NNFT, Howard-Klinger-Maiti-Stapleton 2024).

A cos-net hidden unit is :math:`\cos(w\cdot x + b)` with :math:`b \sim U[-\pi, \pi]` and
:math:`w \sim \rho`.  Its GP kernel is :math:`K(x, y) = \sigma_b^2 + \sigma_W^2
E_w[\cos(w\cdot(x - y))]`, the Fourier transform of :math:`\rho`, so the momentum-space
propagator is :math:`K(p) = \sigma_W^2 \rho(p)` in the convention
:math:`K(x) = \int d^d p\, e^{ip\cdot x} K(p)` (arXiv:2405.17538, Sec. 4; the Gauss-net propagator of docs/conventions.md section 4
is the Gaussian case).  Choosing :math:`\rho` chooses the field theory.

Every prior here is isotropic, a frozen dataclass with the interface of
:class:`nnqft_sym.GaussianFrequencyPrior`:

- ``characteristic(net, vv)``: :math:`E[\cos(w\cdot v)]` as a function of :math:`|v|^2`
  (SymPy if ``vv`` is SymPy, NumPy otherwise);
- ``density(net, pp)``: the normalised density of :math:`w` at :math:`|w|^2 = pp` (SymPy);
- ``sample(net, rng, size)``: exact draws of shape ``size + (d_in,)``: the radius by inversion
  of the radial CDF, the direction uniform on the sphere.

Priors
------
:class:`FreeScalarFrequencyPrior`
    :math:`\rho(w) \propto 1/(|w|^2 + m^2)` on :math:`|w| < \Lambda`: the free scalar
    propagator with a sharp UV cutoff (needed for :math:`d \geq 2`; in :math:`d = 1` the
    cutoff may be infinite, giving the Cauchy prior and :math:`K \propto e^{-m|x-y|}`).
:class:`StudentTFrequencyPrior`
    multivariate Student-t with :math:`2\nu` degrees of freedom: a power-law spectrum
    :math:`\rho \propto (|w|^2 + 2\nu/\ell^2)^{-(\nu + d/2)}` whose kernel is the Matérn
    kernel of smoothness :math:`\nu` and length :math:`\ell`.
:class:`UniformBallFrequencyPrior`
    uniform on the ball :math:`|w| < R`: the base measure of the generalised cos-net of
    :mod:`nnqft_sym.bayesian_rg`.
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.special as sps
import sympy as sp

from ._deprecation import deprecated_alias, renamed_keywords
from .specification import NetworkSpec
from .validation import check_positive

__all__ = [
    "angular_average",
    "FreeScalarFrequencyPrior",
    "StudentTFrequencyPrior",
    "UniformBallFrequencyPrior",
]

_K = sp.Symbol("k", positive=True)  # radial integration variable |w|


# ---------------------------------------------------------------------- shared geometry
def _input_dimension(net: NetworkSpec) -> int:
    d = getattr(net, "d_in", None)
    if isinstance(d, bool) or not isinstance(d, numbers.Integral) or int(d) < 1:
        raise ValueError(f"these frequency priors need an integer input dimension d_in >= 1, "
                         f"got d_in = {d!r}")
    return int(d)


def _sphere_area(d: int) -> sp.Expr:
    r"""Area :math:`\Omega_d = 2\pi^{d/2}/\Gamma(d/2)` of the unit sphere in :math:`R^d`."""
    return 2 * sp.pi ** sp.Rational(d, 2) / sp.gamma(sp.Rational(d, 2))


@renamed_keywords(d="d_in")
def angular_average(d_in: int, t: Any) -> Any:
    r"""Average of :math:`\cos(t\, n\cdot e)` over unit vectors :math:`n` uniform on the sphere.

    Equals :math:`\Gamma(d/2)\,(2/t)^{d/2-1} J_{d/2-1}(t)` (:math:`d = d_{in}`): :math:`\cos t` in :math:`d = 1`,
    :math:`J_0(t)` in :math:`d = 2`, :math:`\sin t / t` in :math:`d = 3`.  SymPy in, SymPy out;
    NumPy otherwise.

    Parameters
    ----------
    d_in : int >= 1
        Input dimension (the frequencies live in :math:`R^{d_{in}}`); ``d`` is a deprecated
        alias.
    t : SymPy expression or array_like
        :math:`|w|\,|v|`.

    Examples
    --------
    >>> import sympy as sp
    >>> from nnqft_sym.frequency_priors import angular_average
    >>> angular_average(3, sp.Symbol("t", positive=True))
    sin(t)/t
    >>> float(angular_average(1, 0.5)) == float(__import__("numpy").cos(0.5))
    True
    """
    if isinstance(d_in, bool) or not isinstance(d_in, numbers.Integral) or d_in < 1:
        raise ValueError(f"d_in must be an integer >= 1, got {d_in!r}")
    d = int(d_in)
    if isinstance(t, sp.Basic):
        if d == 1:
            return sp.cos(t)
        if d == 3:
            return sp.sin(t) / t
        nu = sp.Rational(d, 2) - 1
        return sp.gamma(sp.Rational(d, 2)) * (2 / t) ** nu * sp.besselj(nu, t)
    t = np.asarray(t, dtype=float)
    if d == 1:
        return np.cos(t)
    nu = d / 2 - 1
    small = np.abs(t) < 1e-8
    safe = np.where(small, 1.0, t)
    out = sps.gamma(d / 2) * (2 / safe) ** nu * sps.jv(nu, safe)
    return np.where(small, 1.0, out)


class _IsotropicPrior:
    r"""Shared machinery of isotropic frequency priors.

    A subclass defines the normalised radial CDF and its inverse (NumPy), the normalised
    density (SymPy) and, where known, a closed-form characteristic function.  Everything else
    (the radial density, the characteristic function as a radial Fourier integral, exact
    sampling) is derived here once.
    """

    # --- to be provided by subclasses ------------------------------------------------------
    def density(self, net: NetworkSpec, pp: Any) -> sp.Expr:  # pragma: no cover - abstract
        raise NotImplementedError

    def radial_cdf(self, net: NetworkSpec, k: np.ndarray) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def _radial_support(self, net: NetworkSpec) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    def _closed_characteristic(self, net: NetworkSpec, vv: Any) -> Any:
        return None

    # --- derived ---------------------------------------------------------------------------
    def _density_inside(self, net: NetworkSpec, pp: Any) -> sp.Expr:
        """The density's expression inside its support (subclasses with a cutoff override)."""
        return self.density(net, pp)

    def radial_density(self, net: NetworkSpec, k: Any) -> sp.Expr:
        r"""Density of :math:`|w|` at ``k`` inside the support: :math:`\Omega_d k^{d-1} \rho(k^2)` (SymPy)."""
        d = _input_dimension(net)
        return _sphere_area(d) * k ** (d - 1) * self._density_inside(net, k ** 2)

    def radial_quantile(self, net: NetworkSpec, u: np.ndarray) -> np.ndarray:
        """Inverse of :meth:`radial_cdf` on a finite support (subclasses override with closed forms).

        Vectorised bisection to bracket the root within 2^-16 of the support, then safeguarded
        Newton steps with the radial density (converged to double precision).
        """
        u = np.asarray(u, dtype=float)
        lo = np.zeros_like(u)
        hi = np.full_like(u, self._radial_support(net))
        for _ in range(16):
            mid = 0.5 * (lo + hi)
            below = self.radial_cdf(net, mid) < u
            lo = np.where(below, mid, lo)
            hi = np.where(below, hi, mid)
        k = 0.5 * (lo + hi)
        for _ in range(8):
            pdf = self._radial_pdf_numeric(net, k)
            step = (self.radial_cdf(net, k) - u) / np.where(pdf > 0, pdf, np.inf)
            k = np.clip(k - step, lo, hi)
        return k

    def sample(self, net: NetworkSpec, rng: np.random.Generator, size: tuple[int, ...]) -> np.ndarray:
        """Exact draws of shape ``size + (d_in,)``: radius by inverse CDF, direction uniform."""
        d = _input_dimension(net)
        radius = self.radial_quantile(net, rng.uniform(size=size))
        direction = rng.standard_normal(tuple(size) + (d,))
        direction /= np.linalg.norm(direction, axis=-1, keepdims=True)
        return radius[..., None] * direction

    def characteristic(self, net: NetworkSpec, vv: Any) -> Any:
        r""":math:`E[\cos(w\cdot v)]` as a function of :math:`vv = |v|^2`.

        SymPy input gives the closed form when known, else the radial Fourier integral
        :math:`\int_0^{k_{max}} dk\, \Omega_d k^{d-1}\rho(k)\, a_d(k|v|)` (unevaluated
        ``Integral``); NumPy input gives a composite Gauss-Legendre quadrature of the same
        integral (relative accuracy ~1e-10 for smooth densities).
        """
        closed = self._closed_characteristic(net, vv)
        if closed is not None:
            return closed
        d = _input_dimension(net)
        if isinstance(vv, sp.Basic):
            integrand = self.radial_density(net, _K) * angular_average(d, _K * sp.sqrt(vv))
            return sp.Integral(integrand, (_K, 0, self._sympy_support(net)))
        return self._numeric_characteristic(net, np.asarray(vv, dtype=float), d,
                                            self._radial_support(net))

    def truncated_characteristic(self, net: NetworkSpec, vv: Any, k: float) -> np.ndarray:
        r""":math:`E[\cos(w\cdot v)\, 1\{|w| \leq k\}]` (NumPy): the kernel of the modes inside a momentum ball.

        ``sigma_w**2 * truncated_characteristic(net, vv, k)`` is Wilson's sharp momentum-shell
        propagator :math:`\int_{|p| \leq k} d^dp\, K(p)\, e^{ip\cdot v}` in position space.

        Examples
        --------
        >>> import numpy as np
        >>> from nnqft_sym import CosNet
        >>> prior = UniformBallFrequencyPrior(radius=2.0)
        >>> net = CosNet(d_in=1, frequency_prior=prior)
        >>> bool(np.isclose(prior.truncated_characteristic(net, 0.0, 1.0), 0.5))
        True
        """
        d = _input_dimension(net)
        k = float(k)
        if not k >= 0:
            raise ValueError(f"k must be a momentum >= 0, got {k}")
        upper = min(k, self._radial_support(net))
        return self._numeric_characteristic(net, np.asarray(vv, dtype=float), d, upper)

    def _sympy_support(self, net: NetworkSpec) -> sp.Expr:
        return sp.oo

    def _numeric_characteristic(self, net: NetworkSpec, vv: np.ndarray, d: int, upper: float
                                ) -> np.ndarray:
        if not np.isfinite(upper):
            raise ValueError("numeric characteristic by quadrature needs a finite support; "
                             "this prior should provide a closed form")
        if upper == 0:
            return np.zeros(np.shape(vv))
        r = np.sqrt(np.maximum(vv, 0.0))
        r_max = float(np.max(r)) if r.size else 0.0
        nodes, weights = self._quadrature(net, upper, r_max)
        pdf = self._radial_pdf_numeric(net, nodes)
        vals = angular_average(d, np.multiply.outer(r, nodes))
        return vals @ (weights * pdf)

    def _radial_pdf_numeric(self, net: NetworkSpec, k: np.ndarray) -> np.ndarray:
        func = sp.lambdify(_K, self.radial_density(net, _K), modules=["scipy", "numpy"])
        return np.broadcast_to(np.asarray(func(k), dtype=float), np.shape(k))

    def _quadrature(self, net: NetworkSpec, upper: float, r_max: float) -> tuple[np.ndarray, np.ndarray]:
        # panels: geometric near 0 (the density may vary on a small scale) and one per half
        # oscillation of cos(k r_max) so that each panel sees a smooth integrand
        n_osc = int(np.ceil(upper * r_max / np.pi)) + 1
        edges = np.unique(np.concatenate([upper * np.geomspace(1e-6, 1.0, 40),
                                          np.linspace(0.0, upper, n_osc + 1)]))
        x, w = np.polynomial.legendre.leggauss(24)
        a, b = edges[:-1, None], edges[1:, None]
        nodes = (0.5 * (b - a) * x + 0.5 * (b + a)).ravel()
        weights = (0.5 * (b - a) * w).ravel()
        return nodes, weights


def _check_positive_number(value: Any, name: str, allow_inf: bool = False) -> float:
    if allow_inf and (value == np.inf or value == sp.oo):
        return np.inf
    expr = check_positive(value, name)
    if expr.free_symbols:
        raise ValueError(f"{name} must be a number (> 0) for a frequency prior, got {value!r}")
    return float(expr)


# ---------------------------------------------------------------------- free scalar
@dataclass(frozen=True)
class FreeScalarFrequencyPrior(_IsotropicPrior):
    r"""Free-scalar prior :math:`\rho(w) = C / (|w|^2 + m^2)` for :math:`|w| < \Lambda`.

    With it the cos-net propagator is :math:`K(p) = \sigma_W^2\rho(p) = Z^{-1}/(p^2 + m^2)`,
    :math:`Z^{-1} = \sigma_W^2 C`, the free massive scalar with a sharp UV cutoff
    :math:`\Lambda`.  The density constant is :math:`C^{-1} = \Omega_d I_d(\Lambda)`,
    :math:`I_d(k) = \int_0^k s^{d-1} ds/(s^2 + m^2) = \frac{k^d}{d(k^2+m^2)}\,
    {}_2F_1(1, 1; d/2 + 1; k^2/(k^2+m^2))`.  In :math:`d \geq 2` the cutoff must be finite
    (:math:`\rho` is not normalisable otherwise); in :math:`d = 1` it may be ``inf``.

    Parameters
    ----------
    mass : float > 0
        :math:`m`.
    cutoff : float > 0 or inf
        :math:`\Lambda` (the radius of the support).

    Examples
    --------
    >>> import numpy as np
    >>> from nnqft_sym import CosNet
    >>> from nnqft_sym.frequency_priors import FreeScalarFrequencyPrior
    >>> prior = FreeScalarFrequencyPrior(mass=1.0, cutoff=np.inf)
    >>> net = CosNet(sigma_w=1, sigma_b=1, d_in=1, frequency_prior=prior)
    >>> bool(np.isclose(prior.characteristic(net, 4.0), np.exp(-2.0), rtol=1e-12))
    True
    """

    mass: float = 1.0
    cutoff: float = 10.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "mass", _check_positive_number(self.mass, "mass"))
        object.__setattr__(self, "cutoff",
                           _check_positive_number(self.cutoff, "cutoff", allow_inf=True))

    def _check(self, net: NetworkSpec) -> int:
        d = _input_dimension(net)
        if d >= 2 and not np.isfinite(self.cutoff):
            raise ValueError(f"the free-scalar prior 1/(|w|^2 + m^2) is not normalisable in "
                             f"d_in = {d} >= 2: give a finite cutoff > 0")
        return d

    def _radial_support(self, net: NetworkSpec) -> float:
        self._check(net)
        return self.cutoff

    def _sympy_support(self, net: NetworkSpec) -> sp.Expr:
        return sp.oo if not np.isfinite(self.cutoff) else sp.nsimplify(self.cutoff)

    def _m(self) -> sp.Expr:
        return sp.nsimplify(self.mass)

    def density_constant(self, net: NetworkSpec) -> sp.Expr:
        r"""The density constant :math:`C = 1/(\Omega_d I_d(\Lambda))` of :math:`\rho = C/(|w|^2 + m^2)`, a SymPy number.

        ``normalisation(net)`` is its deprecated name.

        Examples
        --------
        >>> import sympy as sp
        >>> from nnqft_sym import CosNet
        >>> prior = FreeScalarFrequencyPrior(mass=1.0, cutoff=2.0)
        >>> prior.density_constant(CosNet(d_in=1, frequency_prior=prior))   # 1/(2 arctan 2)
        1/(2*atan(2))
        """
        d = self._check(net)
        m = self._m()
        integral = sp.integrate(_K ** (d - 1) / (_K ** 2 + m ** 2), (_K, 0, self._sympy_support(net)))
        return sp.simplify(1 / (_sphere_area(d) * integral))

    normalisation = deprecated_alias(density_constant, "normalisation")

    def _density_inside(self, net: NetworkSpec, pp: Any) -> sp.Expr:
        return self.density_constant(net) / (pp + self._m() ** 2)

    def density(self, net: NetworkSpec, pp: Any) -> sp.Expr:
        """Density at ``|w|^2 = pp``: C / (pp + m^2) inside the cutoff, 0 outside (SymPy)."""
        inside = self._density_inside(net, pp)
        if not np.isfinite(self.cutoff):
            return inside
        return sp.Piecewise((inside, pp < sp.nsimplify(self.cutoff) ** 2), (0, True))

    def _radial_integral(self, d: int, k: np.ndarray) -> np.ndarray:
        k = np.asarray(k, dtype=float)
        m2 = self.mass ** 2
        if d == 1:
            return np.arctan(k / self.mass) / self.mass
        if d == 2:
            return 0.5 * np.log1p(k * k / m2)
        # k <= m: hypergeometric series at t <= 1/2 (no cancellation); k > m: the recursion
        # I_d = k^(d-2)/(d-2) - m^2 I_(d-2), whose leading term dominates there
        small = k <= self.mass
        ks = np.where(small, k, 0.0)
        t = ks * ks / (ks * ks + m2)
        series = ks ** d / (d * (ks * ks + m2)) * sps.hyp2f1(1.0, 1.0, d / 2 + 1, t)
        kl = np.where(small, self.mass, k)
        return np.where(small, series,
                        kl ** (d - 2) / (d - 2) - m2 * self._radial_integral(d - 2, kl))

    def radial_cdf(self, net: NetworkSpec, k: np.ndarray) -> np.ndarray:
        """``P(|w| <= k)`` (NumPy)."""
        d = self._check(net)
        k = np.clip(np.asarray(k, dtype=float), 0.0, self.cutoff)
        if not np.isfinite(self.cutoff):  # d = 1 Cauchy
            return 2 / np.pi * np.arctan(k / self.mass)
        return self._radial_integral(d, k) / self._radial_integral(d, self.cutoff)

    def radial_quantile(self, net: NetworkSpec, u: np.ndarray) -> np.ndarray:
        """Inverse radial CDF: closed form in d = 1, 2, bisection otherwise."""
        d = self._check(net)
        u = np.asarray(u, dtype=float)
        m = self.mass
        if d == 1:
            top = np.pi / 2 if not np.isfinite(self.cutoff) else np.arctan(self.cutoff / m)
            return m * np.tan(u * top)
        if d == 2:
            return m * np.sqrt(np.expm1(u * np.log1p((self.cutoff / m) ** 2)))
        return super().radial_quantile(net, u)

    def _closed_characteristic(self, net: NetworkSpec, vv: Any) -> Any:
        d = self._check(net)
        if d == 1 and not np.isfinite(self.cutoff):
            if isinstance(vv, sp.Basic):
                return sp.exp(-self._m() * sp.sqrt(vv))
            return np.exp(-self.mass * np.sqrt(np.maximum(np.asarray(vv, dtype=float), 0.0)))
        return None

    def _radial_pdf_numeric(self, net: NetworkSpec, k: np.ndarray) -> np.ndarray:
        d = self._check(net)
        norm = 1.0 / self._radial_integral(d, self.cutoff)
        return norm * k ** (d - 1) / (k * k + self.mass ** 2)


# ---------------------------------------------------------------------- Student-t / Matérn
@dataclass(frozen=True)
class StudentTFrequencyPrior(_IsotropicPrior):
    r"""Power-law prior: multivariate Student-t with :math:`2\nu` degrees of freedom, scale :math:`1/\ell`.

    .. math::
        \rho(w) = \frac{\Gamma(\nu + d/2)}{\Gamma(\nu)\,(2\pi\nu)^{d/2}}\,\ell^d
        \Big(1 + \frac{\ell^2 |w|^2}{2\nu}\Big)^{-(\nu + d/2)}
        \;\propto\; (|w|^2 + 2\nu/\ell^2)^{-(\nu + d/2)},

    whose characteristic function is the Matérn kernel
    :math:`\frac{2^{1-\nu}}{\Gamma(\nu)} (\sqrt{2\nu}\, r/\ell)^\nu K_\nu(\sqrt{2\nu}\, r/\ell)`
    (Rasmussen & Williams 2006, Eq. 4.14-4.15).  :math:`\nu = 1/2` in :math:`d = 1` is the
    Cauchy prior, i.e. the free scalar of mass :math:`1/\ell` without cutoff.

    Parameters
    ----------
    nu : float > 0
        Smoothness :math:`\nu` (tail :math:`\rho \sim |w|^{-(2\nu + d)}`).
    length_scale : float > 0
        :math:`\ell`.

    Examples
    --------
    >>> import numpy as np
    >>> from nnqft_sym import CosNet
    >>> from nnqft_sym.frequency_priors import StudentTFrequencyPrior
    >>> net = CosNet(d_in=2, frequency_prior=StudentTFrequencyPrior(nu=0.5, length_scale=2.0))
    >>> bool(np.isclose(net.frequency_prior.characteristic(net, 1.0), np.exp(-0.5), rtol=1e-12))
    True
    """

    nu: float = 1.5
    length_scale: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "nu", _check_positive_number(self.nu, "nu"))
        object.__setattr__(self, "length_scale",
                           _check_positive_number(self.length_scale, "length_scale"))

    def _radial_support(self, net: NetworkSpec) -> float:
        return np.inf

    def density(self, net: NetworkSpec, pp: Any) -> sp.Expr:
        """Normalised Student-t density at ``|w|^2 = pp`` (SymPy)."""
        d = _input_dimension(net)
        nu, ell = sp.nsimplify(self.nu), sp.nsimplify(self.length_scale)
        half_d = sp.Rational(d, 2)
        return (sp.gamma(nu + half_d) / (sp.gamma(nu) * (2 * sp.pi * nu) ** half_d) * ell ** d
                * (1 + ell ** 2 * pp / (2 * nu)) ** (-(nu + half_d)))

    def radial_cdf(self, net: NetworkSpec, k: np.ndarray) -> np.ndarray:
        r"""``P(|w| <= k)``: :math:`t = \ell^2 k^2/(2\nu + \ell^2 k^2)` is Beta(d/2, nu) distributed."""
        d = _input_dimension(net)
        z = (self.length_scale * np.asarray(k, dtype=float)) ** 2
        return sps.betainc(d / 2, self.nu, z / (2 * self.nu + z))

    def radial_quantile(self, net: NetworkSpec, u: np.ndarray) -> np.ndarray:
        """Inverse radial CDF via the inverse regularised incomplete beta function."""
        d = _input_dimension(net)
        t = sps.betaincinv(d / 2, self.nu, np.asarray(u, dtype=float))
        return np.sqrt(2 * self.nu * t / (1 - t)) / self.length_scale

    def _closed_characteristic(self, net: NetworkSpec, vv: Any) -> Any:
        if isinstance(vv, sp.Basic):
            nu, ell = sp.nsimplify(self.nu), sp.nsimplify(self.length_scale)
            s = sp.sqrt(2 * nu * vv) / ell
            return 2 ** (1 - nu) / sp.gamma(nu) * s ** nu * sp.besselk(nu, s)
        vv = np.asarray(vv, dtype=float)
        s = np.sqrt(2 * self.nu * np.maximum(vv, 0.0)) / self.length_scale
        safe = np.where(s > 0, s, 1.0)
        out = 2 ** (1 - self.nu) / sps.gamma(self.nu) * safe ** self.nu * sps.kv(self.nu, safe)
        return np.where(s > 0, out, 1.0)


# ---------------------------------------------------------------------- uniform ball
@dataclass(frozen=True)
class UniformBallFrequencyPrior(_IsotropicPrior):
    r"""Uniform prior on the ball :math:`|w| < R`: the base measure of the generalised cos-net.

    Characteristic function :math:`\Gamma(d/2 + 1)\,(2/t)^{d/2} J_{d/2}(t)`, :math:`t = R|v|`
    (:math:`\sin t/t` in :math:`d = 1`).  Exact sampling :math:`|w| = R\,u^{1/d}`.

    Examples
    --------
    >>> import numpy as np
    >>> from nnqft_sym import CosNet
    >>> from nnqft_sym.frequency_priors import UniformBallFrequencyPrior
    >>> net = CosNet(d_in=1, frequency_prior=UniformBallFrequencyPrior(radius=2.0))
    >>> bool(np.isclose(net.frequency_prior.characteristic(net, 0.25), np.sin(1.0)))
    True
    """

    radius: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "radius", _check_positive_number(self.radius, "radius"))

    def _radial_support(self, net: NetworkSpec) -> float:
        return self.radius

    def _sympy_support(self, net: NetworkSpec) -> sp.Expr:
        return sp.nsimplify(self.radius)

    def volume(self, net: NetworkSpec) -> sp.Expr:
        r"""Volume :math:`\Omega_d R^d / d` of the ball (SymPy)."""
        d = _input_dimension(net)
        return _sphere_area(d) * sp.nsimplify(self.radius) ** d / d

    def _density_inside(self, net: NetworkSpec, pp: Any) -> sp.Expr:
        return 1 / self.volume(net)

    def density(self, net: NetworkSpec, pp: Any) -> sp.Expr:
        """1/volume inside the ball, 0 outside (SymPy)."""
        return sp.Piecewise((1 / self.volume(net), pp < sp.nsimplify(self.radius) ** 2), (0, True))

    def radial_cdf(self, net: NetworkSpec, k: np.ndarray) -> np.ndarray:
        d = _input_dimension(net)
        return np.clip(np.asarray(k, dtype=float) / self.radius, 0.0, 1.0) ** d

    def radial_quantile(self, net: NetworkSpec, u: np.ndarray) -> np.ndarray:
        d = _input_dimension(net)
        return self.radius * np.asarray(u, dtype=float) ** (1.0 / d)

    def _closed_characteristic(self, net: NetworkSpec, vv: Any) -> Any:
        d = _input_dimension(net)
        if isinstance(vv, sp.Basic):
            t = sp.nsimplify(self.radius) * sp.sqrt(vv)
            if d == 1:
                return sp.sin(t) / t
            return sp.gamma(sp.Rational(d, 2) + 1) * (2 / t) ** sp.Rational(d, 2) \
                * sp.besselj(sp.Rational(d, 2), t)
        t = self.radius * np.sqrt(np.maximum(np.asarray(vv, dtype=float), 0.0))
        safe = np.where(t > 1e-8, t, 1.0)
        out = sps.gamma(d / 2 + 1) * (2 / safe) ** (d / 2) * sps.jv(d / 2, safe)
        return np.where(t > 1e-8, out, 1.0)

    def _radial_pdf_numeric(self, net: NetworkSpec, k: np.ndarray) -> np.ndarray:
        d = _input_dimension(net)
        return d * k ** (d - 1) / self.radius ** d
