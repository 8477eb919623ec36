r"""Network architectures: the facade over the derivations, and the named families.

:class:`Network` is the specification :class:`nnqft_sym.specification.NetworkSpec`
(hyper-parameters, priors, first-layer sampling; HMS arXiv:2008.08601, ELS arXiv:2108.01403)
plus convenience methods that call the derivation modules (``net.kernel(x, y)`` is
:func:`nnqft_sym.kernels.kernel_numeric`, ``net.green(...)`` is
:func:`nnqft_sym.cumulants.green`, ...).  This module sits above all of them; the derivation
modules take a :class:`~nnqft_sym.specification.NetworkSpec` and call each other directly.
"""
from __future__ import annotations

from dataclasses import asdict, is_dataclass
from typing import Any

import numpy as np
import sympy as sp

from . import frequency_priors
from .couplings import quartic_coupling
from .cumulants import (connected_green, delta_green, delta_green_series, deviation,
                        deviation_series, green)
from .edgeworth import EdgeworthDensity, edgeworth_density
from .kernels import kernel_expr, kernel_numeric
from .moments import neuron_moment
from .ntk import ntk_expr, ntk_numeric
from .parsing import read_srepr
from .priors import FrequencyWeights, NetworkPriors, UniformPhase
from .propagators import IRExpansion, ir_expansion, momentum_propagator
from .specification import GaussianFrequencyPrior, NetworkSpec, S, Z, priors_from_description
from .wick import free_green, gram_matrix

__all__ = [
    "Z",
    "S",
    "Network",
    "GaussNet",
    "ReLUNet",
    "LeakyReLUNet",
    "ErfNet",
    "TanhNet",
    "CosNet",
    "GaussianFrequencyPrior",
    "ARCHITECTURES",
    "make_network",
    "from_description",
]


class Network(NetworkSpec):
    r"""Single-hidden-layer network with a SymPy activation (the generic architecture).

    The specification :class:`~nnqft_sym.specification.NetworkSpec` with the derivations as
    methods (this facade calls :mod:`nnqft_sym.kernels`, :mod:`nnqft_sym.cumulants`, ...).

    The parameters, their ranges and the errors are those of
    :class:`~nnqft_sym.specification.NetworkSpec` (``activation``, ``sigma_w``, ``sigma_b``,
    ``d_in``, ``normalisation``, ``name``, ``depth``, ``d_out``).

    Examples
    --------
    >>> import sympy as sp
    >>> from nnqft_sym import Network, Z
    >>> net = Network(sp.tanh(Z), sigma_w=1, sigma_b=sp.Rational(1, 2))
    >>> net.kernel(0.0, 0.0) > 0.25
    True
    """

    def kernel_expr(self, x: Any = None, y: Any = None) -> sp.Expr:
        """The GP kernel K(x, y) as a SymPy expression (see :func:`nnqft_sym.kernels.kernel_expr`)."""
        return kernel_expr(self, x, y)

    def kernel(self, x: Any, y: Any) -> np.ndarray | float:
        """The GP kernel evaluated numerically, broadcasting over ``(..., d_in)`` point arrays."""
        return kernel_numeric(self, x, y)

    def ntk(self, x: Any, y: Any, *, parameterisation: str = "ntk") -> np.ndarray | float:
        """The infinite-width neural tangent kernel, numerically (:func:`nnqft_sym.ntk.ntk_numeric`)."""
        return ntk_numeric(self, x, y, parameterisation=parameterisation)

    def ntk_expr(self, x: Any = None, y: Any = None, *, parameterisation: str = "ntk") -> sp.Expr:
        """The infinite-width neural tangent kernel as SymPy (:func:`nnqft_sym.ntk.ntk_expr`)."""
        return ntk_expr(self, x, y, parameterisation=parameterisation)

    def gram(self, points: Any) -> np.ndarray:
        """The Gram matrix K(x_i, x_j), ``(n, n)``, of points ``(n,)`` or ``(n, d_in)``
        (:func:`nnqft_sym.wick.gram_matrix`)."""
        return gram_matrix(self, points)

    def momentum_propagator(self, p: Any = None) -> sp.Expr:
        """Fourier transform K(p) of a translation-invariant kernel (:mod:`nnqft_sym.propagators`)."""
        return momentum_propagator(self, p)

    def ir_expansion(self) -> IRExpansion:
        """IR form K(p) ~ Z0^-1 / (m0^2 + p^2) (:func:`nnqft_sym.propagators.ir_expansion`)."""
        return ir_expansion(self)

    def free_green(self, points: Any) -> Any:
        """Free (Gaussian-process) n-point function by Wick's theorem (:mod:`nnqft_sym.wick`)."""
        return free_green(self, points)

    def neuron_moment(self, points: Any, dps: int | None = None) -> Any:
        """E[prod_i g(z(x_i))] for one hidden neuron; ``dps`` digits with mpmath (:mod:`nnqft_sym.moments`)."""
        return neuron_moment(self, points, dps=dps)

    def connected_green(self, points: Any, width: Any, **options: Any) -> Any:
        """Exact connected correlator kappa_n at finite width (:mod:`nnqft_sym.cumulants`)."""
        return connected_green(self, points, width, **options)

    def green(self, points: Any, width: Any, **options: Any) -> Any:
        """Exact full Green function G^(n) at finite width (:mod:`nnqft_sym.cumulants`)."""
        return green(self, points, width, **options)

    def delta_green(self, points: Any, width: Any, **options: Any) -> Any:
        """Delta G^(n) = G^(n) - G_0^(n), exact at finite width."""
        return delta_green(self, points, width, **options)

    def deviation(self, points: Any, width: Any, **options: Any) -> Any:
        """m_n = Delta G^(n) / G_0^(n), exact at finite width."""
        return deviation(self, points, width, **options)

    def delta_green_series(self, points: Any, **options: Any) -> dict[int, Any]:
        """Exact coefficients c_k of Delta G^(n) = sum_k c_k / N^k (:mod:`nnqft_sym.cumulants`)."""
        return delta_green_series(self, points, **options)

    def deviation_series(self, points: Any, **options: Any) -> dict[int, Any]:
        """Exact coefficients of m_n = sum_k c_k / N^k (:mod:`nnqft_sym.cumulants`)."""
        return deviation_series(self, points, **options)

    def edgeworth_density(self, points: Any, width: Any, order: int = 1) -> EdgeworthDensity:
        """The Edgeworth density of the outputs at width N (:func:`nnqft_sym.edgeworth.edgeworth_density`)."""
        return edgeworth_density(self, points, width, order)

    def quartic_coupling(self, points: Any, width: Any, cutoff: Any = None) -> Any:
        """Tree-level local quartic coupling u4 = -Delta G^(4) / N_K (:mod:`nnqft_sym.couplings`)."""
        return quartic_coupling(self, points, width, cutoff=cutoff)


# ---------------------------------------------------------------------- the named families
class GaussNet(Network):
    r"""Gauss-net (HMS, ELS): :math:`g(z(x)) = e^{z(x)} / \sqrt{e^{2 s(x)}} = e^{z(x) - s(x)}`.

    The normalisation uses :math:`s(x) = \sigma_b^2 + \sigma_W^2 |x|^2 / d_{in}` for every
    ``d_in`` (ELS arXiv:2108.01403; docs/conventions.md section 1), so that
    :math:`K = \sigma_b^2 + \sigma_W^2 e^{-\sigma_W^2 |x-y|^2/(2 d_{in})}` is translation invariant.

    Examples
    --------
    >>> from nnqft_sym import GaussNet
    >>> net = GaussNet(sigma_w=1, sigma_b=1, d_in=1)
    >>> round(float(net.kernel(0.0, 0.0)), 12)
    2.0
    """

    family = "gauss"

    def __init__(self, *, sigma_w: Any = 1, sigma_b: Any = 1, d_in: Any = 1,
                 name: str | None = None, depth: int = 1, d_out: int = 1) -> None:
        super().__init__(sp.exp(Z), sigma_w=sigma_w, sigma_b=sigma_b, d_in=d_in,
                         normalisation=1 / sp.sqrt(sp.exp(2 * S)), name=name or "Gauss-net", depth=depth, d_out=d_out)

    def _init_kwargs(self) -> dict[str, Any]:
        return {**self.params, "name": self.name}


class ReLUNet(Network):
    r"""ReLU-net: :math:`g = \max(0, z)`; kernel from the degree-1 arc-cosine formula.

    Examples
    --------
    >>> from nnqft_sym import ReLUNet
    >>> round(float(ReLUNet(sigma_w=1, sigma_b=1).kernel(1.0, 1.0)), 12)   # 1 + (1 + 1)/2
    2.0
    """

    family = "relu"

    def __init__(self, *, sigma_w: Any = 1, sigma_b: Any = 1, d_in: Any = 1,
                 name: str | None = None, depth: int = 1, d_out: int = 1) -> None:
        super().__init__(sp.Max(0, Z), sigma_w=sigma_w, sigma_b=sigma_b, d_in=d_in,
                         name=name or "ReLU-net", depth=depth, d_out=d_out)

    def _init_kwargs(self) -> dict[str, Any]:
        return {**self.params, "name": self.name}


class LeakyReLUNet(Network):
    r"""Leaky-ReLU-net: :math:`g = \max(0, z) + \alpha \min(0, z)` (slope :math:`\alpha`).

    The kernel and the exact correlators come from the closed forms of the
    :math:`a\,\mathrm{relu}(z) + b\,\mathrm{relu}(-z)` rule book
    (:class:`nnqft_sym.activations.PiecewiseLinearRules`, a = 1, b = -alpha): slope 0 is the
    ReLU-net, slope -1 is :math:`|z|`, slope 1 the linear network.

    Examples
    --------
    >>> from nnqft_sym import LeakyReLUNet
    >>> round(float(LeakyReLUNet(slope=0.1).kernel(1.0, 1.0)), 12)   # 1 + (1 + 0.01) (1 + 1)/2
    2.01
    """

    family = "leaky_relu"

    def __init__(self, *, slope: Any = 0.01, sigma_w: Any = 1, sigma_b: Any = 1, d_in: Any = 1,
                 name: str | None = None, depth: int = 1, d_out: int = 1) -> None:
        if isinstance(slope, bool) or not isinstance(slope, (int, float, np.integer, np.floating,
                                                             sp.Number)):
            raise TypeError(f"slope must be a real number, got {slope!r}")
        self.slope = sp.sympify(slope)
        if not (self.slope.is_real and self.slope.is_finite):
            raise ValueError(f"slope must be a finite real number, got {slope!r}")
        super().__init__(sp.Max(0, Z) + self.slope * sp.Min(0, Z), sigma_w=sigma_w,
                         sigma_b=sigma_b, d_in=d_in, name=name or "leaky-ReLU-net", depth=depth,
                         d_out=d_out)

    @property
    def params(self) -> dict[str, Any]:
        """Hyper-parameters: ``slope`` and those of :class:`Network`."""
        return {"slope": self.slope, **super().params}

    def _init_kwargs(self) -> dict[str, Any]:
        return {**self.params, "name": self.name}


class ErfNet(Network):
    r"""Erf-net: :math:`g = \mathrm{erf}(z)`; kernel from the arcsine formula (Williams 1997).

    Examples
    --------
    >>> from nnqft_sym import ErfNet
    >>> 1.0 < float(ErfNet().kernel(0.5, 0.5)) < 2.0
    True
    """

    family = "erf"

    def __init__(self, *, sigma_w: Any = 1, sigma_b: Any = 1, d_in: Any = 1,
                 name: str | None = None, depth: int = 1, d_out: int = 1) -> None:
        super().__init__(sp.erf(Z), sigma_w=sigma_w, sigma_b=sigma_b, d_in=d_in,
                         name=name or "Erf-net", depth=depth, d_out=d_out)

    def _init_kwargs(self) -> dict[str, Any]:
        return {**self.params, "name": self.name}


class TanhNet(Network):
    r"""Tanh-net: :math:`g = \tanh(z)` (no closed-form kernel: Gauss-Hermite quadrature).

    The :math:`K^\star = 0` universality class of the kernel recursion, critical at
    :math:`(\sigma_b, \sigma_W) = (0, 1)` (Roberts, Yaida, Hanin, arXiv:2106.10165, ch. 5).

    Examples
    --------
    >>> from nnqft_sym import TanhNet
    >>> 0.0 < float(TanhNet(sigma_b=0).kernel(0.5, 0.5)) < 0.25     # E[tanh(z)^2] < E[z^2]
    True
    """

    family = "tanh"

    def __init__(self, *, sigma_w: Any = 1, sigma_b: Any = 1, d_in: Any = 1,
                 name: str | None = None, depth: int = 1, d_out: int = 1) -> None:
        super().__init__(sp.tanh(Z), sigma_w=sigma_w, sigma_b=sigma_b, d_in=d_in,
                         name=name or "tanh-net", depth=depth, d_out=d_out)

    def _init_kwargs(self) -> dict[str, Any]:
        return {**self.params, "name": self.name}


class CosNet(Network):
    r"""cos-net (BRG-NNFT, Howard-Klinger-Maiti-Stapleton 2024): :math:`g = \cos(w\cdot x + b)`.

    Priors: frequencies :math:`w \sim \rho(w)` (default :class:`GaussianFrequencyPrior`),
    phase :math:`b \sim U[-\pi, \pi]`, :math:`W^1 \sim \mathcal N(0, 2\sigma_W^2/N)`,
    :math:`b^1 \sim \mathcal N(0, \sigma_b^2)`.  With this normalisation
    :math:`K(x, y) = \sigma_b^2 + \sigma_W^2\, E_w[\cos(w\cdot(x-y))]`, so
    :math:`K(x, x) = \sigma_b^2 + \sigma_W^2` and the momentum-space propagator is
    :math:`\sigma_W^2 \rho(p)` (the Fourier transform of the frequency density).
    With the Gaussian prior the kernel is exactly the Gauss-net kernel.

    Examples
    --------
    >>> from nnqft_sym import CosNet
    >>> round(float(CosNet(sigma_w=1, sigma_b=1).kernel(0.3, 0.3)), 12)
    2.0
    """

    family = "cos"
    #: the first layer: frequencies from this prior, phases uniform on [-pi, pi]
    frequency_prior: Any = GaussianFrequencyPrior()

    def __init__(self, *, sigma_w: Any = 1, sigma_b: Any = 1, d_in: Any = 1,
                 frequency_prior: Any = None, name: str | None = None, depth: int = 1,
                 d_out: int = 1) -> None:
        super().__init__(sp.cos(Z), sigma_w=sigma_w, sigma_b=sigma_b, d_in=d_in,
                         name=name or "cos-net", depth=depth, d_out=d_out)
        if self.depth != 1:
            raise ValueError(f"depth: cos-net is defined with one hidden layer (uniform-phase "
                             f"random Fourier features); depth must be 1, got {depth}")
        self.frequency_prior = frequency_prior or GaussianFrequencyPrior()

    def _init_kwargs(self) -> dict[str, Any]:
        return {**self.params, "name": self.name, "frequency_prior": self.frequency_prior}

    def describe(self) -> dict[str, Any]:
        """As :meth:`Network.describe`, plus the frequency prior (class name and fields)."""
        prior = self.frequency_prior
        fields = asdict(prior) if is_dataclass(prior) else {}
        return {**super().describe(),
                "frequency_prior": {"class": type(prior).__name__, **fields}}

    def _readout_variance(self) -> sp.Expr:
        r""":math:`v_{out} = 2\sigma_W^2` (the uniform phase halves :math:`E[g g]`)."""
        return 2 * self.sigma_w ** 2

    def _first_layer_priors(self, base: NetworkPriors) -> tuple[FrequencyWeights, UniformPhase]:
        """Frequencies from :attr:`frequency_prior`, phases uniform on [-pi, pi]."""
        return FrequencyWeights(self.frequency_prior, self), UniformPhase()


#: the named families, by the short names used on the command line
ARCHITECTURES: dict[str, type[Network]] = {
    "gauss": GaussNet, "relu": ReLUNet, "leaky_relu": LeakyReLUNet, "erf": ErfNet, "tanh": TanhNet,
    "cos": CosNet,
}


def make_network(family: str, **params: Any) -> Network:
    """Build a named architecture (a key of :data:`ARCHITECTURES`) with hyper-parameters.

    Raises
    ------
    ValueError
        If ``family`` is not one of :data:`ARCHITECTURES`.

    Examples
    --------
    >>> make_network("relu", sigma_w=2).sigma_w
    2
    """
    try:
        cls = ARCHITECTURES[family]
    except KeyError:
        raise ValueError(f"family must be one of {sorted(ARCHITECTURES)}, got {family!r}") from None
    return cls(**params)


def from_description(description: dict[str, Any]) -> Network:
    """Rebuild a network from :meth:`Network.describe` (named families, custom activations, priors).

    Expressions are read by :func:`nnqft_sym.parsing.read_srepr` and the frequency prior is
    looked up among the classes of :mod:`nnqft_sym.frequency_priors`: a description loaded
    from a file (``measurement.json``) never executes code.

    Raises
    ------
    TypeError
        If ``description`` does not come from :meth:`Network.describe`.
    ParseError
        If an expression in it is not an srepr string of whitelisted SymPy classes.

    Examples
    --------
    >>> net = from_description(CosNet(sigma_w=1.5, d_in=2).describe())
    >>> type(net).__name__, net.sigma_w, net.d_in
    ('CosNet', 1.50000000000000, 2)
    """
    try:
        family = description["family"]
        params = {k: (read_srepr(v, k) if isinstance(v, str) else v)
                  for k, v in description.items()
                  if k in ("sigma_w", "sigma_b", "d_in", "depth", "d_out", "slope")}
        extra: dict[str, Any] = {}
        if "frequency_prior" in description:
            spec = dict(description["frequency_prior"])
            extra["frequency_prior"] = _frequency_prior_class(spec.pop("class"))(**spec)
        if family in ARCHITECTURES:
            net = ARCHITECTURES[family](**params, **extra, name=description.get("name"))
        else:
            net = Network(read_srepr(description["activation"], "activation"),
                          normalisation=read_srepr(description["normalisation"], "normalisation"),
                          name=description.get("name"), **params)
        if "priors" in description:
            net = net.with_priors(**priors_from_description(description["priors"]))
        return net
    except (KeyError, TypeError, AttributeError) as exc:
        raise TypeError("description must come from Network.describe() (keys family, activation, "
                        f"normalisation, sigma_w, sigma_b, d_in, ...), got {description!r}") from exc


def _frequency_prior_class(name: Any) -> type:
    """The frequency-prior class called ``name`` (only the priors nnqft defines)."""
    classes = {GaussianFrequencyPrior.__name__: GaussianFrequencyPrior,
               **{n: getattr(frequency_priors, n) for n in frequency_priors.__all__
                  if isinstance(getattr(frequency_priors, n), type)}}
    if name not in classes:
        raise TypeError(f"frequency_prior class must be one of {sorted(classes)}, got {name!r}")
    return classes[name]
