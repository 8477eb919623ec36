r"""Priors as objects: one object per parameter group, owning its moments and its sampling.

A network's parameters fall into groups: the first-layer weights :math:`W^0` and biases
:math:`b^0`, the weights and biases of every further hidden layer, and the read-out weights
:math:`W^1` and bias :math:`b^1`.  Each group has a prior object (:class:`ParameterPrior` for
the affine family :math:`\theta = \mu + \sqrt{v/n_{in}}\,\xi` of a standardised law
:math:`\xi`; :class:`UniformPhase` and :class:`FrequencyWeights` for the cos-net first layer)
and :class:`NetworkPriors` collects them.  The symbolic derivations read the variances off these
objects, and the sampler (:func:`numeric.sample_outputs`) draws every group through them, so
each prior is stated once.

The capability queries of :class:`NetworkPriors` (:attr:`~NetworkPriors.first_layer_is_gaussian`,
:attr:`~NetworkPriors.readout_is_gaussian`, :attr:`~NetworkPriors.is_iid_centred_gaussian`) are
what derivations and estimators branch on, instead of flags on the architecture: a cos-net is
a network whose first layer has a :class:`FrequencyWeights` prior and a :class:`UniformPhase`
bias.

Conventions (HMS arXiv:2008.08601, ELS arXiv:2108.01403): :math:`v` is the variance at unit
fan-in, :math:`\sigma^2` for a bias and :math:`\sigma_W^2` (or :math:`v_{out}`) for weights,
whose variance is :math:`v/n_{in}` with the fan-in :math:`n_{in}` (``d_in`` for the first
layer, the width N after it).

Examples
--------
>>> import sympy as sp
>>> w = ParameterPrior("readout_weights", variance=sp.Integer(4), fan_in_scaled=True)
>>> w.moment(4, fan_in=sp.Symbol("N"))       # E[W^4] = 3 (v / N)^2
48/N**2
>>> w.sample(np.random.default_rng(0), (3,), fan_in=100).round(3).tolist()
[0.025, -0.026, 0.128]
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from .laws import STANDARD_NORMAL, StandardNormal, as_law, law_from_description, law_from_mapping
from .parsing import read_srepr, to_sympy

__all__ = ["StandardNormal", "STANDARD_NORMAL", "ParameterPrior", "SharedScale", "SphericalReadout", "PriorChoice", "as_prior", "prior_from_description", "UniformPhase",
           "FrequencyWeights", "NetworkPriors", "iid_gaussian_priors", "readout_covariance"]


# ---------------------------------------------------------------------- parameter priors
@dataclass(frozen=True)
class ParameterPrior:
    r"""The prior of one parameter group, i.i.d.: weights :math:`\theta = \mu/n_{in} + \sqrt{v/n_{in}}\,\xi`, biases :math:`\theta = \mu + \sqrt v\,\xi`.

    Parameters
    ----------
    group : str
        The parameter group (``"first_weights"``, ``"hidden_biases"``, ``"readout_weights"``, ...).
    variance : SymPy expression
        :math:`v`, the variance at unit fan-in (:math:`\sigma_W^2`, :math:`\sigma_b^2`,
        :math:`v_{out}`); a symbol is allowed (the derivations stay symbolic).
    fan_in_scaled : bool
        True for weights, whose variance is :math:`v / n_{in}` and mean :math:`\mu / n_{in}`;
        False for biases.
    law : a law of :mod:`nnqft_sym.laws`
        The law of the standardised parameter :math:`\xi` (mean 0, variance 1; default
        :data:`~nnqft_sym.laws.STANDARD_NORMAL`).
    mean : SymPy expression
        :math:`\mu` (default 0).  A weight mean scales as :math:`1/n_{in}`, so that the
        mean of a sum over :math:`n_{in}` inputs stays finite: a read-out mean gives
        :math:`E f(x) = \mu_b + \mu_W E[g(x)]` at every width.

    Examples
    --------
    >>> import sympy as sp
    >>> b = ParameterPrior("readout_bias", variance=sp.Symbol("sigma_b") ** 2)
    >>> b.moment(2), b.is_gaussian, b.is_centred
    (sigma_b**2, True, True)
    >>> w = ParameterPrior("readout_weights", 1, fan_in_scaled=True, mean=2)
    >>> w.moment(1, fan_in=sp.Symbol("N"))
    2/N
    """

    group: str
    variance: Any
    fan_in_scaled: bool = False
    law: Any = STANDARD_NORMAL
    mean: Any = sp.Integer(0)

    def __post_init__(self) -> None:
        object.__setattr__(self, "variance", to_sympy(self.variance, f"{self.group} variance"))
        object.__setattr__(self, "mean", to_sympy(self.mean, f"{self.group} mean"))
        object.__setattr__(self, "law", as_law(self.law, f"{self.group} law"))

    @property
    def is_gaussian(self) -> bool:
        """True when the parameter is Gaussian."""
        return self.law.is_gaussian

    @property
    def is_conditionally_gaussian(self) -> bool:
        """True when the parameter is Gaussian given the network's shared scales (here: Gaussian)."""
        return self.law.is_gaussian

    @property
    def is_centred(self) -> bool:
        """True when the mean is zero."""
        return self.mean == 0

    @property
    def scale(self) -> sp.Expr:
        r"""The standard deviation at unit fan-in, :math:`\sqrt v` (:math:`\sigma_W`, :math:`\sigma_b`)."""
        return sp.sqrt(self.variance)

    def parameter_variance(self, fan_in: Any = 1) -> Any:
        r""":math:`\mathrm{Var}\,\theta = v / n_{in}` for weights, :math:`v` for biases."""
        return self.variance / fan_in if self.fan_in_scaled else self.variance

    def parameter_mean(self, fan_in: Any = 1) -> Any:
        r""":math:`E\,\theta = \mu / n_{in}` for weights, :math:`\mu` for biases."""
        return self.mean / fan_in if self.fan_in_scaled else self.mean

    def moment(self, k: int, fan_in: Any = 1) -> sp.Expr:
        r""":math:`E[\theta^k] = \sum_j \binom{k}{j} (E\theta)^{k-j} (\mathrm{Var}\,\theta)^{j/2} E[\xi^j]` (SymPy)."""
        std = sp.sqrt(self.parameter_variance(fan_in))
        mean = self.parameter_mean(fan_in)
        return sp.expand(sum(sp.binomial(k, j) * mean ** (k - j) * std ** j * self.law.moment(j)
                             for j in range(k + 1) if mean != 0 or j == k))

    def numeric_std(self, fan_in: int = 1) -> float:
        r"""The numeric standard deviation :math:`\sigma / \sqrt{n_{in}}` (weights) or :math:`\sigma`."""
        std = float(self.scale)
        return std / np.sqrt(fan_in) if self.fan_in_scaled else std

    def sample(self, rng: np.random.Generator, size: tuple[int, ...], fan_in: int = 1) -> np.ndarray:
        r"""Draw ``size`` parameters: standardised draws of :attr:`law`, scaled, then shifted by the mean."""
        draws = self.law.sample(rng, size)
        draws *= self.numeric_std(fan_in)
        if not self.is_centred:
            draws += float(self.parameter_mean(fan_in))
        return draws

    def describe(self) -> dict[str, Any]:
        """A JSON-friendly description (:func:`prior_from_description` rebuilds it)."""
        return {"prior": "parameter", "group": self.group, "law": self.law.describe(),
                "variance": sp.srepr(self.variance), "mean": sp.srepr(self.mean),
                "fan_in_scaled": self.fan_in_scaled}


class _OnBasePrior:
    """Shared by the correlated read-outs built on a :class:`ParameterPrior` ``base``."""

    base: ParameterPrior

    def _check_base(self) -> None:
        if not isinstance(self.base, ParameterPrior):
            raise TypeError(f"base must be a ParameterPrior, got {type(self.base).__name__}")

    @property
    def group(self) -> str:
        """The group of the base prior."""
        return self.base.group

    @property
    def fan_in_scaled(self) -> bool:
        """As the base prior."""
        return self.base.fan_in_scaled


@dataclass(frozen=True)
class SharedScale(_OnBasePrior):
    r"""Read-out weights with a scale shared by the whole layer: :math:`W_i = s\,\theta_i`.

    :math:`s` is drawn once per network from ``scale_law`` (a law of :mod:`nnqft_sym.laws`,
    not standardised: :math:`E[s^k]` is what enters), the :math:`\theta_i` i.i.d. from
    ``base``.  The weights are then not independent, and the connected correlators do not
    vanish as :math:`N \to \infty` (the independence-breaking of DHMSS arXiv:2307.03223):
    given :math:`s` the network is the ``base`` network with its weights scaled by :math:`s`.

    Examples
    --------
    >>> from nnqft_sym.laws import FiniteLaw
    >>> import sympy as sp
    >>> half = sp.Rational(1, 2)
    >>> prior = SharedScale(ParameterPrior("readout_weights", 1, fan_in_scaled=True),
    ...                     FiniteLaw([half, 3 * half], [half, half], standardised=False))
    >>> prior.variance, prior.scale_moment(4)
    (5/4, 41/16)
    """

    base: ParameterPrior
    scale_law: Any

    def __post_init__(self) -> None:
        self._check_base()
        object.__setattr__(self, "scale_law", as_law(self.scale_law, "scale_law", standardised=False))
        if not self.base.is_centred:
            raise ValueError("a shared scale needs centred read-out weights (mean 0); got mean "
                             f"{self.base.mean}")

    is_gaussian = False

    @property
    def is_conditionally_gaussian(self) -> bool:
        """True when the weights are Gaussian given the shared scale."""
        return self.base.is_gaussian

    @property
    def is_centred(self) -> bool:
        """True when the base prior is centred."""
        return self.base.is_centred

    @property
    def variance(self) -> sp.Expr:
        r"""The variance at unit fan-in, :math:`E[s^2]\, v` (centred base)."""
        return self.scale_moment(2) * self.base.variance

    def scale_moment(self, k: int) -> sp.Expr:
        r""":math:`E[s^k]`."""
        return self.scale_law.moment(k)

    def scale_moment_at(self, k: int, width: Any) -> sp.Expr:
        r""":math:`E[s^k]`, the same at every width (:class:`SphericalReadout` has one per width)."""
        return self.scale_moment(k)

    def moment(self, k: int, fan_in: Any = 1) -> sp.Expr:
        r""":math:`E[W^k] = E[s^k]\, E[\theta^k]` of one weight (the weights are correlated)."""
        return sp.expand(self.scale_moment(k) * self.base.moment(k, fan_in))

    def sample_scale(self, rng: np.random.Generator, size: tuple[int, ...]) -> np.ndarray:
        """One scale per network: ``size`` draws of :attr:`scale_law`."""
        return self.scale_law.sample(rng, size)

    def describe(self) -> dict[str, Any]:
        """A JSON-friendly description (:func:`prior_from_description` rebuilds it)."""
        return {"prior": "shared_scale", "group": self.group, "base": self.base.describe(),
                "scale_law": self.scale_law.describe()}


@dataclass(frozen=True)
class SphericalReadout(_OnBasePrior):
    r"""O(N)-invariant read-out weights: :math:`W = \sqrt{v/N}\, a` with the density
    :math:`P(a) \propto \exp(-|a|^2/2 - \lambda |a|^4/N)` of the standardised vector
    :math:`a \in \mathbb{R}^N` (independence breaking beyond a shared scale, DHMSS
    arXiv:2307.03223).

    :math:`a = r\,u` with :math:`u` uniform on the sphere and the radius :math:`r` independent of
    it, with density :math:`\propto r^{N-1} e^{-r^2/2 - \lambda r^4/N}`.  Since
    :math:`E[\prod u_i^{k_i}] = E[\prod g_i^{k_i}]/E[\chi_N^K]` (:math:`g` standard normal,
    :math:`K = \sum k_i`), every weight moment is that of i.i.d. standard normals times

    .. math:: c_K(N) = \frac{E[r^K]}{E[\chi_N^K]}, \qquad
              E[r^K] = \frac{I_{N-1+K}}{I_{N-1}}, \quad
              I_m = \int_0^\infty r^m e^{-r^2/2 - \lambda r^4/N}\, dr,

    so the network is exactly a shared-scale network (:class:`SharedScale`) whose "scale
    moments" :math:`c_K(N)` depend on the width.  :math:`I_m` is a parabolic-cylinder function
    (:meth:`radial_moment`: 30-digit quadrature).  As :math:`N \to \infty`,
    :math:`r^2/N \to \rho = (\sqrt{1 + 16\lambda} - 1)/(8\lambda)` and its relative
    fluctuations are :math:`O(N^{-1/2})`: the variance at unit fan-in tends to :math:`\rho v`
    (:attr:`variance`, the GP kernel) and the connected correlators are :math:`O(1/N)` with an
    :math:`O(\lambda)` change of their coefficient; they do not survive infinite width (a
    radius that does not concentrate, :class:`SharedScale`, is what makes them survive).

    Parameters
    ----------
    base : ParameterPrior
        Centred Gaussian read-out weights (``group="readout_weights"``): :math:`v` and the
        fan-in scaling.
    quartic : number
        :math:`\lambda \ge 0` (0: the i.i.d. Gaussian read-out).

    Examples
    --------
    >>> prior = SphericalReadout(ParameterPrior("readout_weights", 1, fan_in_scaled=True), 1)
    >>> round(prior.scale_moment_at(2, 4), 6), round(float(prior.variance), 6)
    (0.350452, 0.390388)
    """

    base: ParameterPrior
    quartic: Any

    def __post_init__(self) -> None:
        self._check_base()
        if not (self.base.is_gaussian and self.base.is_centred and self.base.fan_in_scaled):
            raise ValueError("base of a spherical read-out must be centred Gaussian weights "
                             "(fan_in_scaled=True, mean 0)")
        lam = to_sympy(self.quartic, "quartic")
        if lam.free_symbols or not lam.is_finite or not lam.is_real or not lam >= 0:
            raise ValueError(f"quartic must be a finite real number >= 0, got {self.quartic!r}")
        object.__setattr__(self, "quartic", lam)

    is_gaussian = False
    #: given the radius the weights are uniform on a sphere, not Gaussian
    is_conditionally_gaussian = False
    is_centred = True

    @property
    def limit_ratio(self) -> sp.Expr:
        r""":math:`\rho = \lim r^2/N = (\sqrt{1 + 16\lambda} - 1)/(8\lambda)` (1 at :math:`\lambda = 0`)."""
        lam = self.quartic
        return sp.Integer(1) if lam == 0 else (sp.sqrt(1 + 16 * lam) - 1) / (8 * lam)

    @property
    def variance(self) -> sp.Expr:
        r"""The variance at unit fan-in as :math:`N \to \infty`, :math:`\rho v`."""
        return self.limit_ratio * self.base.variance

    def radial_moment(self, k: int, width: Any) -> float:
        r""":math:`E[r^k] = I_{N-1+k}/I_{N-1}` at width N, with :math:`I_m = \frac12
        \int_0^\infty t^{(m-1)/2} e^{-t/2 - \beta t^2} dt`, :math:`\beta = \lambda/N`:
        tanh-sinh quadrature at 30 digits (mpmath), split around the mode of the integrand
        (the closed form in parabolic-cylinder functions is a test's independent route)."""
        n = int(width)
        with mpmath.workdps(30):
            lam = mpmath.mpf(str(sp.Float(self.quartic, 30)))
            if lam == 0:
                def integral(m: int) -> Any:
                    return mpmath.mpf(2) ** (mpmath.mpf(m - 1) / 2) * mpmath.gamma(mpmath.mpf(m + 1) / 2)
            else:
                beta = lam / n

                def integral(m: int) -> Any:
                    a = mpmath.mpf(m - 1) / 2                   # t^a e^{-t/2 - beta t^2}
                    mode = (-mpmath.mpf(1) / 2 + mpmath.sqrt(mpmath.mpf(1) / 4 + 8 * beta * max(a, 0))) / (4 * beta)
                    spread = 1 / mpmath.sqrt(2 * beta + (a / mode ** 2 if a > 0 else 0))
                    cuts = sorted({mpmath.mpf(0)} | {mode + c * spread for c in (-12, -4, 0, 4, 12)
                                                     if mode + c * spread > 0})
                    return mpmath.quad(lambda t: t ** a * mpmath.exp(-t / 2 - beta * t * t),
                                       cuts + [mpmath.inf]) / 2
            return float(integral(n - 1 + k) / integral(n - 1))

    def scale_moment_at(self, k: int, width: Any) -> float:
        r""":math:`c_k(N) = E[r^k]/E[\chi_N^k]` (the common :math:`e^{1/(32\beta)}` cancels)."""
        n = int(width)
        with mpmath.workdps(30):
            chi = mpmath.mpf(2) ** (mpmath.mpf(k) / 2) * mpmath.gamma(mpmath.mpf(n + k) / 2) \
                / mpmath.gamma(mpmath.mpf(n) / 2)
            return float(mpmath.mpf(self.radial_moment(k, n)) / chi)

    def moment(self, k: int, fan_in: Any = 1) -> Any:
        r""":math:`E[W^k] = c_k(N)\, E[\theta^k]` of one weight at a numeric fan-in N."""
        return self.scale_moment_at(k, fan_in) * float(self.base.moment(k, fan_in))

    def sample_radius(self, rng: np.random.Generator, size: int, width: int) -> np.ndarray:
        r"""``size`` radii :math:`r`: :math:`t = r^2` by rejection from a Gamma(N/2, rate b)
        proposal with its mode on the target's, accepted with probability
        :math:`e^{-\beta (t - t_0)^2}` (exact; acceptance :math:`(1 + 4\lambda\rho^2)^{-1/2}`
        or better)."""
        lam = float(self.quartic)
        shape = width / 2.0
        if lam == 0:
            return np.sqrt(2.0 * rng.standard_gamma(shape, size))
        beta = lam / width
        mode = (-0.5 + np.sqrt(0.25 + 8 * beta * max(shape - 1, 0.0))) / (4 * beta)
        rate = 0.5 if shape <= 1 else max(0.5, (shape - 1) / mode)
        t0 = (rate - 0.5) / (2 * beta)
        out = np.empty(size)
        pending = np.arange(size)
        while pending.size:
            t = rng.standard_gamma(shape, pending.size) / rate
            keep = rng.random(pending.size) < np.exp(-beta * (t - t0) ** 2)
            out[pending[keep]] = t[keep]
            pending = pending[~keep]
        return np.sqrt(out)

    def describe(self) -> dict[str, Any]:
        """A JSON-friendly description (:func:`prior_from_description` rebuilds it)."""
        return {"prior": "spherical", "group": self.group, "base": self.base.describe(),
                "quartic": sp.srepr(self.quartic)}


@dataclass(frozen=True)
class PriorChoice:
    r"""What a user chose for one group, resolved against the network's own prior by :func:`as_prior`.

    ``None`` keeps the network's value: ``PriorChoice(law=Rademacher())`` keeps
    :math:`\sigma_W` (and follows it through ``with_params``).

    Examples
    --------
    >>> PriorChoice.from_value({"law": "uniform", "mean": 1}).mean
    1
    """

    law: Any = None
    mean: Any = None
    variance: Any = None
    shared_scale: Any = None
    spherical: Any = None

    _KEYS = ("law", "mean", "variance", "shared_scale", "spherical")

    @classmethod
    def from_value(cls, value: Any, group: str = "prior") -> "PriorChoice":
        """A choice from a law-like value or a mapping with the keys law, mean, variance,
        shared_scale, spherical (the quartic lambda >= 0 of :class:`SphericalReadout`)."""
        if isinstance(value, dict):
            unknown = set(value) - set(cls._KEYS)
            if unknown:
                raise ValueError(f"{group}: unknown key(s) {sorted(unknown)}; allowed: {list(cls._KEYS)}")
            law = value.get("law")
            scale = value.get("shared_scale")
            quartic = value.get("spherical")
            if quartic is not None:
                if scale is not None:
                    raise ValueError(f"{group}: choose shared_scale or spherical, not both")
                if isinstance(quartic, bool):
                    raise ValueError(f"{group} spherical (the quartic lambda) must be a number "
                                     f">= 0, got {quartic!r}")
                quartic = to_sympy(quartic, f"{group} spherical", {})
                if not (quartic.is_number and quartic.is_real and quartic.is_finite
                        and quartic >= 0):
                    raise ValueError(f"{group} spherical (the quartic lambda) must be a finite "
                                     f"number >= 0, got {quartic}")
            variance = value.get("variance")
            if variance is not None:
                variance = to_sympy(variance, f"{group} variance", {})
                if not (variance.is_number and variance.is_real and variance >= 0):
                    raise ValueError(f"{group} variance must be a number >= 0, got {variance}")
            mean = value.get("mean")
            if mean is not None:
                mean = to_sympy(mean, f"{group} mean", {})
                if mean.is_number and not (mean.is_real and mean.is_finite):
                    raise ValueError(f"{group} mean must be a finite real number (or a symbol), "
                                     f"got {mean}")
            return cls(law=None if law is None else law_from_mapping(law, f"{group} law"),
                       mean=mean,
                       variance=variance,
                       shared_scale=None if scale is None else
                       law_from_mapping(scale, f"{group} shared_scale", standardised=False),
                       spherical=quartic)
        return cls(law=as_law(value, f"{group} law"))

    def describe(self) -> dict[str, Any]:
        """A JSON-friendly description."""
        out: dict[str, Any] = {"prior": "choice"}
        if self.law is not None:
            out["law"] = self.law.describe()
        if self.shared_scale is not None:
            out["shared_scale"] = self.shared_scale.describe()
        for key in ("mean", "variance", "spherical"):
            if getattr(self, key) is not None:
                out[key] = sp.srepr(getattr(self, key))
        return out


def as_prior(value: Any, default: Any) -> Any:
    """The prior of a group from a user's value and the network's own prior ``default`` of that group.

    ``value`` is a prior object (used as it is, after checking its group), a
    :class:`PriorChoice`, a mapping with the keys ``law``, ``mean``, ``variance``,
    ``shared_scale``, or a law-like value (:func:`nnqft_sym.laws.as_law`).

    Examples
    --------
    >>> default = ParameterPrior("readout_bias", 4)
    >>> as_prior("laplace", default).variance, as_prior("laplace", default).law.name
    (4, 'laplace')
    """
    group = default.group
    if isinstance(value, (ParameterPrior, SharedScale, SphericalReadout)):
        if value.group != group or value.fan_in_scaled != getattr(default, "fan_in_scaled", None):
            raise ValueError(f"{group}: the prior object is for the group {value.group!r} "
                             f"(fan_in_scaled={value.fan_in_scaled}); build it for {group!r}")
        return value
    choice = value if isinstance(value, PriorChoice) else PriorChoice.from_value(value, group)
    if not isinstance(default, ParameterPrior):
        raise ValueError(f"{group}: this network's {group} prior ({default.describe()}) is fixed "
                         f"by its architecture (cos-net phases and frequencies) and cannot be replaced")
    prior = ParameterPrior(group, default.variance if choice.variance is None else choice.variance,
                           fan_in_scaled=default.fan_in_scaled,
                           law=default.law if choice.law is None else choice.law,
                           mean=default.mean if choice.mean is None else choice.mean)
    if choice.spherical is not None:
        if group != "readout_weights":
            raise ValueError(f"{group}: a spherical prior is supported for the read-out weights only")
        if not (prior.is_gaussian and prior.is_centred):
            raise ValueError(f"{group}: a spherical read-out needs the normal law and mean 0 "
                             f"(its radial law replaces them), got law {prior.law.name!r} and "
                             f"mean {prior.mean}")
        return SphericalReadout(prior, choice.spherical)
    if choice.shared_scale is None:
        return prior
    if group != "readout_weights":
        raise ValueError(f"{group}: a shared scale is supported for the read-out weights only")
    return SharedScale(prior, choice.shared_scale)


def prior_from_description(description: dict[str, Any]) -> ParameterPrior | SharedScale | PriorChoice:
    """Rebuild a :class:`ParameterPrior` or :class:`SharedScale` from its :meth:`describe` output.

    Strings are read by :func:`nnqft_sym.read_srepr` (never evaluated).

    Examples
    --------
    >>> prior = ParameterPrior("readout_bias", 2, mean=1)
    >>> prior_from_description(prior.describe()) == prior
    True
    """
    if not isinstance(description, dict):
        raise TypeError(f"a prior description must be a dict, got {type(description).__name__}")
    kind = description.get("prior")
    if kind == "shared_scale":
        return SharedScale(prior_from_description(description["base"]),
                           law_from_description(description["scale_law"]))
    if kind == "spherical":
        return SphericalReadout(prior_from_description(description["base"]),
                                read_srepr(description["quartic"], "quartic"))
    if kind == "choice":
        return PriorChoice(
            law=law_from_description(description["law"]) if "law" in description else None,
            shared_scale=(law_from_description(description["shared_scale"])
                          if "shared_scale" in description else None),
            **{k: read_srepr(description[k], k) for k in ("mean", "variance", "spherical")
               if k in description})
    if kind == "parameter":
        return ParameterPrior(str(description["group"]),
                              read_srepr(description["variance"], "variance"),
                              fan_in_scaled=bool(description["fan_in_scaled"]),
                              law=law_from_description(description["law"]),
                              mean=read_srepr(description["mean"], "mean"))
    raise ValueError(f"unknown prior kind {kind!r}; allowed: 'parameter', 'shared_scale', "
                     "'spherical'")


@dataclass(frozen=True)
class UniformPhase:
    r"""Phases :math:`b \sim U[-\pi, \pi]`: the first-layer biases of a cos-net.

    Examples
    --------
    >>> UniformPhase().moment(2), UniformPhase().is_gaussian
    (pi**2/3, False)
    """

    group: str = "first_biases"
    is_gaussian: bool = False
    is_centred: bool = True

    @property
    def variance(self) -> sp.Expr:
        r""":math:`\mathrm{Var}\, b = \pi^2/3`."""
        return self.moment(2)

    def moment(self, k: int, fan_in: Any = 1) -> sp.Expr:
        r""":math:`E[b^k] = \pi^k / (k + 1)` for even ``k``, 0 for odd ``k``."""
        return sp.Integer(0) if k % 2 else sp.pi ** k / (k + 1)

    def sample(self, rng: np.random.Generator, size: tuple[int, ...], fan_in: int = 1) -> np.ndarray:
        """``size`` phases, ``rng.uniform(-pi, pi, size)``."""
        return rng.uniform(-np.pi, np.pi, size)

    def describe(self) -> dict[str, Any]:
        """A JSON-friendly description."""
        return {"group": self.group, "law": "uniform phase on [-pi, pi]"}


@dataclass(frozen=True)
class FrequencyWeights:
    r"""First-layer weight vectors (frequencies) :math:`w \sim \rho(w)` drawn whole (cos-net).

    The frequency prior (:class:`nnqft_sym.GaussianFrequencyPrior` or one of
    :mod:`nnqft_sym.frequency_priors`) fixes the kernel through its characteristic function
    :math:`E[\cos(w\cdot v)]`; ``network`` supplies :math:`\sigma_W` and ``d_in`` to it.

    Examples
    --------
    >>> from nnqft_sym import CosNet
    >>> prior = CosNet().priors.first_weights
    >>> prior.sample(np.random.default_rng(0), (4,)).shape, prior.is_gaussian
    ((4, 1), True)
    """

    frequency_prior: Any
    network: Any = field(compare=False, repr=False)
    group: str = "first_weights"
    is_centred: bool = True

    @property
    def is_gaussian(self) -> bool:
        """True for the Gaussian frequency prior (random Fourier features of the Gauss kernel)."""
        return type(self.frequency_prior).__name__ == "GaussianFrequencyPrior"

    def characteristic(self, vv: Any) -> Any:
        r""":math:`E[\cos(w\cdot v)]` as a function of :math:`|v|^2` (SymPy or NumPy, matching ``vv``)."""
        return self.frequency_prior.characteristic(self.network, vv)

    def density(self, pp: Any) -> sp.Expr:
        r"""The density of :math:`w` at :math:`|w|^2 = pp` (SymPy)."""
        return self.frequency_prior.density(self.network, pp)

    def sample(self, rng: np.random.Generator, size: tuple[int, ...], fan_in: int = 1) -> np.ndarray:
        """Frequencies of shape ``size + (d_in,)``."""
        return self.frequency_prior.sample(self.network, rng, tuple(size))

    def describe(self) -> dict[str, Any]:
        """A JSON-friendly description."""
        return {"group": self.group, "law": type(self.frequency_prior).__name__}


# ---------------------------------------------------------------------- the network's priors
@dataclass(frozen=True)
class NetworkPriors:
    r"""The priors of every parameter group of a network.

    ``hidden_weights[l - 2]`` and ``hidden_biases[l - 2]`` belong to hidden layer
    :math:`l = 2, \dots, L` (empty for one hidden layer).

    Examples
    --------
    >>> from nnqft_sym import CosNet, ReLUNet
    >>> priors = ReLUNet(sigma_w=2, depth=3).priors
    >>> len(priors.hidden_weights), priors.readout_weights.variance
    (2, 4)
    >>> priors.first_layer_is_gaussian, CosNet().priors.first_layer_is_gaussian
    (True, False)
    """

    first_weights: Any
    first_biases: Any
    readout_weights: ParameterPrior
    readout_bias: ParameterPrior
    hidden_weights: tuple[ParameterPrior, ...] = ()
    hidden_biases: tuple[ParameterPrior, ...] = ()

    def groups(self) -> dict[str, Any]:
        """Every prior by group name (hidden layers as ``hidden_weights_2``, ``hidden_biases_2``, ...)."""
        out = {"first_weights": self.first_weights, "first_biases": self.first_biases}
        for layer, (w, b) in enumerate(zip(self.hidden_weights, self.hidden_biases), start=2):
            out[f"hidden_weights_{layer}"], out[f"hidden_biases_{layer}"] = w, b
        out["readout_weights"], out["readout_bias"] = self.readout_weights, self.readout_bias
        return out

    @property
    def first_layer_is_gaussian(self) -> bool:
        r"""True when :math:`z(x) = W^0\cdot x + b^0` is jointly Gaussian over inputs."""
        return bool(self.first_weights.is_gaussian and self.first_biases.is_gaussian)

    @property
    def readout_is_gaussian(self) -> bool:
        """True when the output is Gaussian given the last hidden layer (read-out weights and bias Gaussian)."""
        return bool(self.readout_weights.is_gaussian and self.readout_bias.is_gaussian)

    @property
    def readout_is_centred_gaussian(self) -> bool:
        """True when the read-out weights and bias are i.i.d. zero-mean Gaussian (odd correlators vanish)."""
        return all(isinstance(p, ParameterPrior) and p.is_gaussian and p.is_centred
                   for p in (self.readout_weights, self.readout_bias))

    @property
    def shifted_before_readout(self) -> list[str]:
        """The groups before the read-out (first and hidden layers) that have nonzero means.

        Examples
        --------
        >>> from nnqft_sym import ReLUNet
        >>> ReLUNet(depth=2).with_priors(hidden_biases={"mean": 1}, readout_bias={"mean": 1}
        ...                              ).priors.shifted_before_readout
        ['hidden_biases_2']
        """
        return [name for name, p in self.groups().items()
                if not name.startswith("readout") and not p.is_centred]

    @property
    def is_iid_centred_gaussian(self) -> bool:
        """True when every group is i.i.d. zero-mean Gaussian (the setting of the exact results)."""
        return all(isinstance(p, ParameterPrior) and p.is_gaussian and p.is_centred
                   for p in self.groups().values())

    def layer(self, layer: int) -> tuple[ParameterPrior, ParameterPrior]:
        """``(weights, biases)`` of hidden layer ``layer`` >= 2 (``depth + 1``: the read-out)."""
        if layer == len(self.hidden_weights) + 2:
            return self.readout_weights, self.readout_bias
        if not 2 <= layer <= len(self.hidden_weights) + 1:
            raise ValueError(f"layer must be between 2 and {len(self.hidden_weights) + 2} "
                             f"(the read-out), got {layer}")
        return self.hidden_weights[layer - 2], self.hidden_biases[layer - 2]

    def describe(self) -> dict[str, dict[str, Any]]:
        """JSON-friendly descriptions of every group (for reports and metadata)."""
        return {name: prior.describe() for name, prior in self.groups().items()}


def readout_covariance(priors: NetworkPriors, moment: Any) -> Any:
    r"""The output covariance :math:`\mathrm{Var}\,b^1 + v_{out}\, E[g(x) g(y)]` given the neuron moment.

    With centred i.i.d. read-out priors, :math:`E[f(x) f(y)] = \mathrm{Var}\,b^1 + N\,
    \mathrm{Var}\,W^1\, E[g(x) g(y)]` at every width: the GP kernel from the single-neuron
    moment ``moment`` (SymPy, a float or a NumPy array; the result has the same kind).

    Raises
    ------
    ValueError
        If a read-out prior has a nonzero mean (the kernel then has mean terms).

    Examples
    --------
    >>> readout_covariance(iid_gaussian_priors(2, 1), 0.5)
    3.0
    """
    w, b = priors.readout_weights, priors.readout_bias
    if not (w.is_centred and b.is_centred):
        raise ValueError("readout_covariance needs centred read-out priors; got means "
                         f"{w.mean} (weights) and {b.mean} (bias)")
    if isinstance(moment, sp.Basic):
        return b.variance + w.variance * moment
    return float(b.variance) + float(w.variance) * moment


def iid_gaussian_priors(sigma_w: Any, sigma_b: Any, *, depth: int = 1,
                        readout_variance: Any = None) -> NetworkPriors:
    r"""I.i.d. zero-mean Gaussian priors with one :math:`\sigma_W` and one :math:`\sigma_b`.

    First layer :math:`W^0 \sim \mathcal N(0, \sigma_W^2/d_{in})`, :math:`b^0 \sim
    \mathcal N(0, \sigma_b^2)`; hidden layers :math:`\mathcal N(0, \sigma_W^2/N)` and
    :math:`\mathcal N(0, \sigma_b^2)`; read-out :math:`\mathcal N(0, v_{out}/N)` with
    ``readout_variance`` :math:`v_{out}` (default :math:`\sigma_W^2`) and
    :math:`b^1 \sim \mathcal N(0, \sigma_b^2)` (HMS arXiv:2008.08601).

    Examples
    --------
    >>> iid_gaussian_priors(2, 1, depth=2).hidden_weights[0].variance
    4
    """
    sw2, sb2 = to_sympy(sigma_w, "sigma_w") ** 2, to_sympy(sigma_b, "sigma_b") ** 2
    vout = sw2 if readout_variance is None else to_sympy(readout_variance, "readout_variance")
    return NetworkPriors(
        first_weights=ParameterPrior("first_weights", sw2, fan_in_scaled=True),
        first_biases=ParameterPrior("first_biases", sb2),
        hidden_weights=tuple(ParameterPrior("hidden_weights", sw2, fan_in_scaled=True)
                             for _ in range(depth - 1)),
        hidden_biases=tuple(ParameterPrior("hidden_biases", sb2) for _ in range(depth - 1)),
        readout_weights=ParameterPrior("readout_weights", vout, fan_in_scaled=True),
        readout_bias=ParameterPrior("readout_bias", sb2))
