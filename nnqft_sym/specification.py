r"""The network specification: hyper-parameters, priors and first-layer sampling, no derivations.

A single-hidden-layer network of width :math:`N` (HMS arXiv:2008.08601, ELS arXiv:2108.01403),

.. math::

    f(x) = \sum_{i=1}^N W^1_i\, g_i(x) + b^1, \qquad
    g_i(x) = n(s(x))\, \phi(z_i(x)), \qquad z_i(x) = W^0_i \cdot x + b^0_i,

with :math:`W^0 \sim \mathcal N(0, \sigma_W^2/d_{in})` (each component),
:math:`b^0 \sim \mathcal N(0, \sigma_b^2)`, :math:`W^1 \sim \mathcal N(0, v_{out}/N)`,
:math:`b^1 \sim \mathcal N(0, \sigma_b^2)`, where :math:`v_{out} = \sigma_W^2` (HMS) unless the
architecture says otherwise.  :math:`s(x) = \mathrm{Var}\, z(x) = \sigma_b^2 +
\sigma_W^2 |x|^2 / d_{in}` and :math:`n(s)` is an optional normalisation that depends on the
input only through :math:`s(x)` (Gauss-net: :math:`n = e^{-s}`).

The activation :math:`\phi` is a SymPy expression of the symbol :data:`Z` and the
normalisation one of :data:`S`; the kernel derivation, the exact finite-width correlators and
the NumPy sampler (:func:`numeric.sample_outputs`) all start from these two expressions.

:class:`NetworkSpec` is what the derivation modules (:mod:`nnqft_sym.kernels`,
:mod:`nnqft_sym.moments`, :mod:`nnqft_sym.cumulants`, ...) take; the convenience methods
(``net.kernel(...)``, ``net.green(...)``, ...) are those of its subclass
:class:`nnqft_sym.Network` in :mod:`nnqft_sym.architectures`, the facade above them.
"""
from __future__ import annotations

import dataclasses
import functools
import warnings
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import sympy as sp

from .first_layer import DrawnFirstLayer, GaussianFirstLayer, affine_preactivations
from .kinks import find_kinks
from .parsing import read_srepr, to_sympy
from .priors import (STANDARD_NORMAL, NetworkPriors, ParameterPrior, PriorChoice, SharedScale, SphericalReadout, as_prior,
                     iid_gaussian_priors, prior_from_description)
from .validation import as_coordinates, as_points, check_dimension, check_nonnegative, check_positive

__all__ = ["Z", "S", "P", "NetworkSpec", "GaussianFrequencyPrior", "default_points", "log_normalisation",
           "priors_from_description"]

#: the pre-activation z = W0 . x + b0 of one hidden neuron
Z = sp.Symbol("z", real=True)

#: the largest d_in of the exact first-layer integral of non-Gaussian or shifted priors
#: (:func:`nnqft_sym.first_layer_moments.independent_first_layer_moment`)
MAX_INTEGRAL_D_IN = 3
#: the variance s(x) = Var z(x) = sigma_b^2 + sigma_W^2 |x|^2 / d_in of the pre-activation
S = sp.Symbol("s", positive=True)
#: the momentum magnitude |p| (= |w| of a frequency), one symbol for the propagators, the RG
#: and the Bayesian RG
P = sp.Symbol("p", nonnegative=True)


def default_points(d_in: Any) -> tuple[Any, Any]:
    """Symbols for two input points: scalars x, y (d_in = 1) or components x_1.., y_1..

    Examples
    --------
    >>> default_points(1)
    (x, y)
    >>> default_points(2)
    ([x_1, x_2], [y_1, y_2])
    """
    if not isinstance(d_in, int):
        raise ValueError("component symbols need an integer d_in")
    if d_in == 1:
        return sp.Symbol("x", real=True), sp.Symbol("y", real=True)
    return (list(sp.symbols(f"x_1:{d_in + 1}", real=True)),
            list(sp.symbols(f"y_1:{d_in + 1}", real=True)))


def check_first_layer_integral(net: "NetworkSpec") -> None:
    """Raise a ``ValueError`` unless the exact first-layer integral of non-Gaussian or shifted
    priors (:func:`nnqft_sym.first_layer_moments.independent_first_layer_moment`) covers ``net``:
    ``d_in`` <= :data:`MAX_INTEGRAL_D_IN`, and at ``d_in`` > 1 a smooth activation or a discrete
    weight law (the capability query :meth:`NetworkSpec.require_exact_finite_width` asks it)."""
    if net.d_in > MAX_INTEGRAL_D_IN:
        raise ValueError(f"d_in: exact moments of a first layer with non-Gaussian or shifted "
                         f"priors are computed for d_in <= {MAX_INTEGRAL_D_IN} (a (d_in + 1)-"
                         f"dimensional product rule), got d_in = {net.d_in}; numeric.measure(..., "
                         "exact=False) measures its correlators (without G_0)")
    weights = net.priors.first_weights
    if net.d_in > 1 and weights.variance != 0 and not weights.law.is_discrete:
        kinks = find_kinks(net.activation, Z)
        if kinks:
            raise ValueError(f"d_in = {net.d_in}: the activation {net.activation} has kinks at "
                             f"{list(kinks)} and the first-layer weight law "
                             f"{weights.law.name!r} is continuous, so the integrand is not smooth "
                             "across hyperplanes of weight space and the product rule would "
                             "converge slowly; exact moments need d_in = 1, a smooth activation "
                             "or a finite weight law (Rademacher, FiniteLaw); numeric.measure(..., "
                             "exact=False) measures its correlators (without G_0)")


@functools.lru_cache(maxsize=32)
def log_normalisation(normalisation: sp.Expr) -> sp.Expr:
    r"""The one :math:`\log n(s)` of a normalisation :math:`n(s)`, simplified (Gauss-net: ``-s``).

    Used by the sampler (the pre-activation shift) and by the exact expectations (inside the
    moment-generating function).

    Examples
    --------
    >>> log_normalisation(1 / sp.sqrt(sp.exp(2 * S)))
    -s
    """
    return sp.simplify(sp.expand_log(sp.log(normalisation), force=True))

class NetworkSpec:
    r"""Single-hidden-layer network with a SymPy activation (the generic architecture).

    Parameters
    ----------
    activation : sympy expression or str
        :math:`\phi(z)` as an expression of :data:`nnqft_sym.Z`, or a string such as
        ``"tanh(z)"`` read by the restricted parser :func:`nnqft_sym.parse_expression`
        (name ``z``; never executed).
    sigma_w, sigma_b : number or SymPy symbol
        Weight and bias scales :math:`\sigma_W > 0` and :math:`\sigma_b \ge 0`
        (:math:`\sigma_b = 0`: no biases, the setting of the HMS ReLU experiments).
    d_in : int >= 1 or SymPy symbol
        Input dimension.
    normalisation : sympy expression or str, optional
        :math:`n(s)` as an expression of :data:`nnqft_sym.S` multiplying the activation
        (default 1); a string is parsed as for ``activation`` (name ``s``).
    name : str, optional
        Short name used in reports and LaTeX.
    depth : int >= 1
        Number of hidden layers L, each of width N (default 1).  Hidden layer l >= 2 has
        weights :math:`W \sim \mathcal N(0, \sigma_W^2/N)` and biases
        :math:`b \sim \mathcal N(0, \sigma_b^2)`; the output layer keeps
        :math:`W \sim \mathcal N(0, v_{out}/N)`.  The normalisation of layer l is
        :math:`n(K^{(l)}(x, x))` with the infinite-width pre-activation variance of that layer
        (:mod:`nnqft_sym.deep`), which is :math:`s(x)` for l = 1.
    d_out : int >= 1
        Number of output components (default 1); each has its own output weights and bias
        and all share the hidden features (:mod:`nnqft_sym.multi_output`).  Correlators
        without output indices are those of one component.

    Raises
    ------
    TypeError, ValueError
        If a hyper-parameter is of the wrong type or out of range, or ``activation`` is not
        an expression of ``Z`` alone.

    Examples
    --------
    >>> import sympy as sp
    >>> spec = NetworkSpec(sp.tanh(Z), sigma_w=1, sigma_b=sp.Rational(1, 2))
    >>> spec.params["sigma_b"], spec.first_layer_is_gaussian
    (1/2, True)
    """

    #: short family name; subclasses override
    family: str = "custom"
    #: the frequency prior of a cos-net's first-layer weights (``None``: Gaussian weights); the
    #: first-layer prior objects themselves are ``priors.first_weights`` and ``priors.first_biases``
    frequency_prior: Any = None

    def __init__(self, activation: Any, *, sigma_w: Any = 1, sigma_b: Any = 1, d_in: Any = 1,
                 normalisation: Any = 1, name: str | None = None, depth: int = 1,
                 d_out: int = 1) -> None:
        self.sigma_w = check_positive(sigma_w, "sigma_w")
        self.sigma_b = check_nonnegative(sigma_b, "sigma_b")
        self.d_in = check_dimension(d_in, "d_in")
        self.depth = _check_count(depth, "depth", "number of hidden layers")
        self.d_out = _check_count(d_out, "d_out", "number of output components")
        self.activation = _expression_of(activation, Z, "activation")
        self.normalisation = _expression_of(normalisation, S, "normalisation")
        self.name = name or self.family

    # ------------------------------------------------------------------ description
    @property
    def params(self) -> dict[str, Any]:
        """Hyper-parameters as a dict (``sigma_w``, ``sigma_b``, ``d_in``, ``depth``, ``d_out``)."""
        return {"sigma_w": self.sigma_w, "sigma_b": self.sigma_b, "d_in": self.d_in,
                "depth": self.depth, "d_out": self.d_out}

    def _init_kwargs(self) -> dict[str, Any]:
        return {"activation": self.activation, "normalisation": self.normalisation,
                "name": self.name, **self.params}

    def with_params(self, **params: Any) -> "NetworkSpec":
        """A copy with some hyper-parameters replaced (e.g. numbers for symbols).

        Examples
        --------
        >>> from nnqft_sym import GaussNet
        >>> GaussNet(sigma_w=2).with_params(sigma_w=3).sigma_w
        3
        """
        unknown = set(params) - set(self.params)
        if unknown:
            raise TypeError(f"unknown hyper-parameter(s) {sorted(unknown)}; "
                            f"allowed: {sorted(self.params)}")
        return type(self)(**{**self._init_kwargs(), **params})._with_overrides(self._prior_overrides)

    #: groups whose prior was set by :meth:`with_priors` (group name -> prior object)
    _prior_overrides: dict[str, Any] = {}

    def _with_overrides(self, overrides: dict[str, Any]) -> "NetworkSpec":
        if overrides:
            self._prior_overrides = dict(overrides)
            self.__dict__.pop("priors", None)
        return self

    def with_priors(self, **groups: Any) -> "NetworkSpec":
        r"""A copy of the network with the priors of some parameter groups replaced.

        Parameters
        ----------
        first_weights, first_biases, readout_weights, readout_bias, hidden_weights, hidden_biases
            For each group, the law of the standardised parameter :math:`\xi` (a
            :mod:`sympy.stats` random variable, a law of :mod:`nnqft_sym.laws` or a law name
            such as ``"laplace"``), a prior object (:class:`~nnqft_sym.priors.ParameterPrior`,
            :class:`~nnqft_sym.priors.SharedScale`), or a dict with the keys ``law``,
            ``mean``, ``variance`` and (read-out weights) ``shared_scale``
            (:func:`nnqft_sym.priors.as_prior`).  The parameter is
            :math:`\mu/n_{in} + \sqrt{v/n_{in}}\,\xi` (weights) or :math:`\mu + \sqrt v\,\xi`
            (biases), with the network's :math:`v` (:math:`\sigma_W^2`, :math:`\sigma_b^2`,
            :math:`v_{out}`) unless ``variance`` is given.  ``hidden_weights`` and
            ``hidden_biases`` take one value for every hidden layer after the first, or a
            sequence of ``depth - 1`` values.

        Raises
        ------
        TypeError
            For an unknown group or a value of the wrong kind.
        ValueError
            For a law that is not standardised, or a prior whose group does not match.

        Examples
        --------
        >>> from sympy import stats
        >>> from nnqft_sym import ReLUNet
        >>> net = ReLUNet().with_priors(readout_weights=stats.Normal("xi", 0, 1))
        >>> net.priors == ReLUNet().priors
        True
        >>> ReLUNet().with_priors(readout_weights="rademacher").priors.readout_weights.law
        Rademacher(name='rademacher')
        """
        overrides = dict(self._prior_overrides)
        for group, value in groups.items():
            if group in ("hidden_weights", "hidden_biases"):
                values = tuple(value) if isinstance(value, (list, tuple)) else (value,) * (self.depth - 1)
                if len(values) != self.depth - 1:
                    raise ValueError(f"{group}: {self.depth - 1} hidden layers after the first "
                                     f"(depth = {self.depth}) need {self.depth - 1} priors, got {len(values)}")
                overrides[group] = tuple(_choice(v, group) for v in values)
            elif group in _PRIOR_GROUPS:
                overrides[group] = _choice(value, group)
            else:
                raise TypeError(f"unknown parameter group {group!r}; allowed: "
                                f"{sorted(_PRIOR_GROUPS + ('hidden_weights', 'hidden_biases'))}")
        net = type(self)(**self._init_kwargs())._with_overrides(overrides)
        _ = net.priors  # resolve now: a bad choice fails here, naming its group
        return net

    def describe(self) -> dict[str, Any]:
        """A JSON-friendly description, enough to rebuild the network with :func:`nnqft_sym.from_description`.

        This is what a remote worker receives instead of the (unpicklable) lambdified functions.
        Expressions are written with :func:`sympy.srepr` and read back by
        :func:`nnqft_sym.parsing.read_srepr`, which constructs only whitelisted SymPy classes
        (never ``sympify``/``eval``), so a description from a file cannot run code.

        Raises
        ------
        ParseError
            If the activation or normalisation uses a SymPy function outside
            :data:`nnqft_sym.parsing.SREPR_CLASSES` (a worker could not rebuild it).

        Examples
        --------
        >>> from nnqft_sym import ReLUNet, from_description
        >>> from_description(ReLUNet(sigma_w=2, depth=2).describe())
        ReLUNet(sigma_w=2, sigma_b=1, d_in=1, depth=2, d_out=1)
        """
        out = {"family": self.family, "name": self.name,
               "activation": sp.srepr(self.activation),
               "normalisation": sp.srepr(self.normalisation),
               **{k: (int(v) if isinstance(v, int) else sp.srepr(to_sympy(v, k)))
                  for k, v in self.params.items()}}
        if self._prior_overrides:
            out["priors"] = {group: ([p.describe() for p in value] if isinstance(value, tuple)
                                     else value.describe())
                             for group, value in self._prior_overrides.items()}
        for key in ("activation", "normalisation"):  # refuse now what a worker could not read
            read_srepr(out[key], key)
        return out

    @property
    def is_symbolic(self) -> bool:
        """True if a hyper-parameter is a SymPy symbol (numeric methods then refuse to run)."""
        return any(isinstance(v, sp.Basic) and v.free_symbols for v in self.params.values())

    def require_numeric(self, what: str) -> None:
        """Raise a ``ValueError`` if hyper-parameters are symbolic (``what`` names the caller)."""
        if self.is_symbolic:
            raise ValueError(f"{what} needs numeric hyper-parameters; this {self.name} has "
                             f"symbolic ones {self.params}: use net.with_params(...) first")
        if not isinstance(self.d_in, int):
            raise ValueError(f"{what} needs an integer d_in, got {self.d_in}")

    @property
    def has_exact_finite_width(self) -> bool:
        """True when the exact one-hidden-layer results apply (:meth:`require_exact_finite_width` passes).

        Examples
        --------
        >>> from nnqft_sym import ReLUNet
        >>> ReLUNet().has_exact_finite_width, ReLUNet(depth=3).has_exact_finite_width
        (True, False)
        """
        try:
            self.require_exact_finite_width("", "")
        except ValueError:
            return False
        return True

    @property
    def has_gp_kernel(self) -> bool:
        """True when the infinite-width kernel K (the free propagator) is computable.

        A centred Gaussian first layer or a cos-net's phases always are; other first-layer
        priors need the exact first-layer integral (:func:`check_first_layer_integral`), and
        the deep recursion needs a Gaussian first layer.  Without a kernel the correlators can
        still be measured, with no G_0 (``numeric.measure(..., exact=False)``).

        Examples
        --------
        >>> from nnqft_sym import ErfNet, ReLUNet
        >>> ReLUNet(d_in=2).with_priors(first_weights="laplace").has_gp_kernel
        False
        >>> ErfNet(d_in=2).with_priors(first_weights="laplace").has_gp_kernel
        True
        """
        first = (self.priors.first_weights, self.priors.first_biases)
        if self.first_layer_is_design or not all(isinstance(p, ParameterPrior) for p in first):
            return True
        if self.depth > 1:
            return self.first_layer_is_gaussian
        try:
            check_first_layer_integral(self)
        except ValueError:
            return False
        return True

    def require_exact_finite_width(self, what: str, instead: str) -> None:
        r"""Raise a ``ValueError`` unless the exact one-hidden-layer results apply (``what`` names the caller).

        The capability query of the exact finite-width results (:mod:`nnqft_sym.cumulants`,
        :mod:`nnqft_sym.neuron_sums`, :mod:`nnqft_sym.multi_output`, :mod:`nnqft_sym.moments`):
        one hidden layer of i.i.d. neurons (given a shared read-out scale) whose single-neuron
        moments are known exactly: a centred Gaussian first layer, or a cos-net's
        frequencies and uniform phases.  Any read-out prior is allowed.  ``instead`` is the
        advice for a network that fails it.

        Examples
        --------
        >>> from nnqft_sym import ReLUNet
        >>> ReLUNet(depth=2).require_exact_finite_width("green", "use nnqft_sym.deep")
        Traceback (most recent call last):
        ...
        ValueError: green: exact finite-width results exist for one hidden layer only, got depth = 2; use nnqft_sym.deep
        """
        if self.depth != 1:
            raise ValueError(f"{what}: exact finite-width results exist for one hidden layer only, "
                             f"got depth = {self.depth}; {instead}")
        first = (self.priors.first_weights, self.priors.first_biases)
        if all(isinstance(p, ParameterPrior) for p in first) and not self.first_layer_is_design:
            try:        # the integral of independent_first_layer_moment must cover the network
                check_first_layer_integral(self)
            except ValueError as exc:
                raise ValueError(f"{what}: {exc}") from None

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v}" for k, v in self.params.items())
        return f"{type(self).__name__}({args})"

    def _latex(self, printer: Any) -> str:
        extra = "".join(r",\ %s=%d" % (label, value) for label, value in
                        ((r"L", self.depth), (r"d_{out}", self.d_out)) if value != 1)
        return (r"\mathrm{%s}(\sigma_W=%s,\ \sigma_b=%s,\ d_{in}=%s%s)"
                % (self.name, printer._print(self.sigma_w), printer._print(self.sigma_b),
                   printer._print(self.d_in), extra))

    # ------------------------------------------------------------------ priors
    @property
    def output_variance(self) -> sp.Expr:
        r""":math:`v_{out}`: ``W1 ~ N(0, v_out / N)``.  HMS: :math:`\sigma_W^2`.

        The variance of :attr:`priors` ``.readout_weights`` at unit fan-in; architectures
        whose read-out is normalised otherwise override :meth:`_readout_variance`.
        """
        return self.priors.readout_weights.variance

    def _readout_variance(self) -> sp.Expr:
        """The read-out weight variance at unit fan-in that :attr:`priors` is built with (HMS: sigma_W^2)."""
        return self.sigma_w ** 2

    @functools.cached_property
    def priors(self) -> NetworkPriors:
        r"""The prior object of every parameter group (:mod:`nnqft_sym.priors`).

        I.i.d. zero-mean Gaussian weights and biases from :math:`\sigma_W`, :math:`\sigma_b`
        (per hidden layer for deep nets) and the read-out variance :math:`v_{out}`; the
        derivations read their variances here and the sampler draws through them.

        Examples
        --------
        >>> from nnqft_sym import ReLUNet
        >>> ReLUNet(sigma_w=2, sigma_b=0).priors.readout_bias.variance
        0
        """
        base = iid_gaussian_priors(self.sigma_w, self.sigma_b, depth=self.depth,
                                   readout_variance=self._readout_variance())
        weights, biases = self._first_layer_priors(base)
        base = dataclasses.replace(base, first_weights=weights, first_biases=biases)
        resolved = {group: (tuple(as_prior(v, d) for v, d in zip(value, getattr(base, group)))
                            if isinstance(value, tuple) else as_prior(value, getattr(base, group)))
                    for group, value in self._prior_overrides.items()}
        return dataclasses.replace(base, **resolved)

    def _first_layer_priors(self, base: NetworkPriors) -> tuple[Any, Any]:
        """The first-layer ``(weights, biases)`` priors (Gaussian; cos-net overrides)."""
        return base.first_weights, base.first_biases

    @property
    def first_layer_is_gaussian(self) -> bool:
        r"""True when z(x) = W0.x + b0 is jointly Gaussian over inputs (Gaussian W0 and b0).

        The capability query of :attr:`priors` (``priors.first_layer_is_gaussian``): a
        frequency prior with uniform phases :math:`b \sim U[-\pi, \pi]` (cos-net) is not
        Gaussian, and its closed forms (the phase average) hold for :math:`\phi = \cos z` only.

        Raises
        ------
        ValueError
            If the first layer has uniform phases and the activation is not ``cos(z)``.

        Examples
        --------
        >>> from nnqft_sym import CosNet, GaussNet
        >>> GaussNet().first_layer_is_gaussian, CosNet().first_layer_is_gaussian
        (True, False)
        """
        if self.priors.first_layer_is_gaussian:
            return True
        if isinstance(self.priors.first_biases, ParameterPrior):   # a non-Gaussian parameter law
            return False
        if self.activation != sp.cos(Z):
            raise ValueError(f"activation: a first layer with a frequency prior and uniform phases "
                             f"(cos-net) needs the activation cos(z), got {self.activation}; "
                             f"use Network for other activations (Gaussian first layer)")
        return False

    @property
    def preactivation_is_gaussian(self) -> bool:
        """Deprecated alias of :attr:`first_layer_is_gaussian`."""
        warnings.warn("preactivation_is_gaussian is deprecated; use first_layer_is_gaussian",
                      DeprecationWarning, stacklevel=2)
        return self.first_layer_is_gaussian

    @property
    def _first_layer_variances(self) -> tuple[Any, Any]:
        """Variances of one first-layer weight component and of the bias: sigma_W^2 / d_in, sigma_b^2."""
        priors = self.priors
        return (priors.first_weights.parameter_variance(self.d_in),
                priors.first_biases.parameter_variance())

    def preactivation_variance(self, x: Any) -> Any:
        r""":math:`s(x) = \sigma_b^2 + \sigma_W^2 |x|^2 / d_{in}` (numeric array ``(...)`` from ``(..., d_in)``).

        Examples
        --------
        >>> from nnqft_sym import GaussNet
        >>> GaussNet(sigma_w=2, sigma_b=1).preactivation_variance([0.0, 0.5]).tolist()
        [1.0, 2.0]
        """
        self.require_numeric("preactivation_variance")
        pts = as_coordinates(x, self.d_in, "x")
        out = self._preactivation_covariance(pts[..., None, :], pts[..., None, :])[..., 0, 0]
        return float(out) if out.ndim == 0 else out

    def preactivation_covariance(self, points: Any) -> np.ndarray:
        r"""Covariance :math:`C_{ij} = \sigma_b^2 + \sigma_W^2 x_i\cdot x_j/d_{in}` of z at n points.

        ``points`` has shape ``(..., n, d_in)`` (or ``(..., n)`` for d_in = 1); returns ``(..., n, n)``.
        """
        self.require_numeric("preactivation_covariance")
        pts = as_points(points, self.d_in)
        return self._preactivation_covariance(pts, pts)

    def _preactivation_covariance(self, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
        """``Var b0 + Var W0_k * x_i . y_j`` for point arrays ``(..., n, d_in)`` and ``(..., m, d_in)``."""
        bias = float(self.priors.first_biases.variance)
        weight = float(self.priors.first_weights.variance)
        return bias + weight * np.einsum("...id,...jd->...ij", xs, ys) / self.d_in

    def sample_first_layer(self, rng: np.random.Generator, size: tuple[int, ...]
                           ) -> tuple[np.ndarray, np.ndarray]:
        r"""Draw first-layer weights ``(size + (d_in,))`` and biases ``(size)`` from the prior.

        A jointly Gaussian, centred first layer (:attr:`first_layer_is_design`) draws one
        array of ``size + (d_in + 1,)`` standard normals (the weights, then the bias, of one
        neuron after another), scaled by the standard deviations of :attr:`priors`
        (:math:`\sigma_W/\sqrt{d_{in}}` and :math:`\sigma_b`); :meth:`sample_preactivations`
        draws exactly the same numbers.  Any other first layer (cos-net) draws the weights of
        every neuron from ``priors.first_weights``, then the biases from ``priors.first_biases``.

        Examples
        --------
        >>> from nnqft_sym import ReLUNet
        >>> w, b = ReLUNet(d_in=2).sample_first_layer(np.random.default_rng(0), (4, 3))
        >>> w.shape, b.shape
        ((4, 3, 2), (4, 3))
        """
        self.require_numeric("sample_first_layer")
        size = tuple(size)
        priors = self.priors
        if not self.first_layer_is_design:
            weights = priors.first_weights
            w = (weights.sample(rng, size + (self.d_in,), fan_in=self.d_in)
                 if isinstance(weights, ParameterPrior) else weights.sample(rng, size))
            return w, priors.first_biases.sample(rng, size)
        w_scale = priors.first_weights.numeric_std(self.d_in)
        b_scale = priors.first_biases.numeric_std()
        raw = rng.standard_normal(size + (self.d_in + 1,))
        return raw[..., :-1] * w_scale, raw[..., -1] * b_scale

    @property
    def first_layer_is_design(self) -> bool:
        """True when the first layer is centred Gaussian (drawn through the design matrix; closed forms apply).

        Examples
        --------
        >>> from nnqft_sym import ReLUNet
        >>> ReLUNet().first_layer_is_design, ReLUNet().with_priors(first_biases="uniform").first_layer_is_design
        (True, False)
        """
        first = (self.priors.first_weights, self.priors.first_biases)
        return all(isinstance(p, ParameterPrior) and p.law == STANDARD_NORMAL and p.is_centred
                   for p in first)

    def preactivation_design(self, points: Any) -> np.ndarray:
        r"""Design matrix :math:`D` ``(d_in + 1, P)`` of the first layer at ``P`` points.

        With the standard normals :math:`u = (\sqrt{d_{in}}\,W^0/\sigma_W,\ b^0/\sigma_b)` of
        one neuron, :math:`z(x_a) = \sum_k u_k D_{ka}`: the rows are
        :math:`\sigma_W x_a/\sqrt{d_{in}}` and a last row :math:`\sigma_b`.

        Raises
        ------
        ValueError
            If the first layer is not a centred Gaussian one (cos-net).

        Examples
        --------
        >>> from nnqft_sym import GaussNet
        >>> GaussNet(sigma_w=2, sigma_b=1).preactivation_design([0.0, 0.5]).tolist()
        [[0.0, 1.0], [1.0, 1.0]]
        """
        self.require_numeric("preactivation_design")
        if not self.first_layer_is_design:
            raise ValueError(f"preactivation_design needs a centred Gaussian first layer; this "
                             f"{self.name} has the priors {self.priors.first_weights.describe()} "
                             f"and {self.priors.first_biases.describe()}")
        w_scale = self.priors.first_weights.numeric_std(self.d_in)
        b_scale = self.priors.first_biases.numeric_std()
        pts = as_points(points, self.d_in)
        return np.vstack([pts.T * w_scale, np.full((1, pts.shape[0]), b_scale)])

    def first_layer_sampler(self, points: Any) -> GaussianFirstLayer | DrawnFirstLayer:
        """A plan drawing first-layer pre-activations at fixed ``points`` (:mod:`nnqft_sym.first_layer`).

        A centred Gaussian first layer gives a :class:`~nnqft_sym.first_layer.GaussianFirstLayer`
        built on :meth:`preactivation_design`; any other prior (cos-net frequencies and
        phases) a :class:`~nnqft_sym.first_layer.DrawnFirstLayer` drawing through
        :attr:`priors`.  Both draw exactly the numbers of :meth:`sample_first_layer`.

        Examples
        --------
        >>> from nnqft_sym import ReLUNet
        >>> plan = ReLUNet().first_layer_sampler([0.0, 0.5])
        >>> plan.sample(np.random.default_rng(0), (100, 8)).shape
        (100, 8, 2)
        """
        self.require_numeric("first_layer_sampler")
        if self.first_layer_is_design:
            return GaussianFirstLayer(self.preactivation_design(points))
        return DrawnFirstLayer(self.sample_first_layer, as_points(points, self.d_in))

    def sample_preactivations(self, rng: np.random.Generator, size: tuple[int, ...],
                              points: Any) -> np.ndarray:
        r"""Pre-activations :math:`z(x_a) = W^0\cdot x_a + b^0` of freshly drawn first layers.

        Draws the same numbers as :meth:`sample_first_layer` and returns ``size + (P,)``
        (:meth:`first_layer_sampler` for many draws at the same points).

        Examples
        --------
        >>> from nnqft_sym import GaussNet
        >>> net, pts = GaussNet(d_in=2), np.array([[0.1, 0.2], [0.3, -0.4]])
        >>> z = net.sample_preactivations(np.random.default_rng(3), (5, 7), pts)
        >>> w, b = net.sample_first_layer(np.random.default_rng(3), (5, 7))
        >>> bool(np.allclose(z, w @ pts.T + b[..., None], rtol=1e-14, atol=1e-15))
        True
        """
        return self.first_layer_sampler(points).sample(rng, size)

    # ------------------------------------------------------------------ numeric features
    @functools.cached_property
    def activation_function(self) -> Callable[[np.ndarray], np.ndarray]:
        """:math:`\\phi` lambdified to NumPy (from the SymPy definition, never hand-copied)."""
        return _lambdify(self.activation, Z)

    @functools.cached_property
    def normalisation_function(self) -> Callable[[np.ndarray], np.ndarray]:
        """:math:`n(s)` lambdified to NumPy."""
        return _lambdify(self.normalisation, S)

    def features(self, w: np.ndarray, b: np.ndarray, points: Any) -> np.ndarray:
        """Hidden features g(x) for sampled first layers.

        ``w``: ``(..., d_in)``, ``b``: ``(...)``, ``points``: ``(n, d_in)``; returns ``(..., n)``.

        Examples
        --------
        >>> from nnqft_sym import GaussNet
        >>> net, pts = GaussNet(d_in=2), np.array([[0.1, 0.2], [0.3, -0.4]])
        >>> g = net.features(*net.sample_first_layer(np.random.default_rng(3), (5,)), pts)
        >>> z = net.sample_preactivations(np.random.default_rng(3), (5,), pts)
        >>> bool(np.allclose(g, np.exp(z - net.preactivation_variance(pts)), rtol=1e-13))
        True
        """
        pts = as_points(points, self.d_in)
        return self.activate(affine_preactivations(w, b, pts), self.preactivation_variance(pts) if self._normalised else None)

    @functools.cached_property
    def _normalised(self) -> bool:
        return self.normalisation != 1

    @functools.cached_property
    def normalisation_is_shift(self) -> bool:
        r"""True when :math:`n(s)\,\phi(z) = \phi(z + \log n(s))` identically (exponential activations).

        The normalisation is then a shift of the pre-activation, which the sampler adds to
        :math:`z` (one addition, and no overflow of :math:`\phi(z)` before the normalisation
        brings it down).  Decided symbolically from the two SymPy definitions.

        Examples
        --------
        >>> from nnqft_sym import GaussNet, ErfNet
        >>> GaussNet().normalisation_is_shift, ErfNet().normalisation_is_shift
        (True, False)
        """
        if not self._normalised:
            return False
        shifted = self.activation.subs(Z, Z + self._log_normalisation)
        return sp.simplify(sp.expand_log(shifted - self.normalisation * self.activation, force=True)) == 0

    @functools.cached_property
    def _log_normalisation(self) -> sp.Expr:
        """:math:`\\log n(s)`, simplified (Gauss-net: ``-s``): the shift that is checked and applied."""
        return log_normalisation(self.normalisation)

    @functools.cached_property
    def log_normalisation_function(self) -> Callable[[np.ndarray], np.ndarray]:
        r""":math:`\log n(s)` lambdified to NumPy (simplified first: Gauss-net gives ``-s``)."""
        return _lambdify(self._log_normalisation, S)

    def activate(self, z: np.ndarray, s: np.ndarray | None, *, overwrite_z: bool = False) -> np.ndarray:
        """g = n(s) phi(z) for pre-activations ``z`` (..., n) with variances ``s`` (n,) per point.

        ``s`` is ignored (and may be ``None``) when the architecture has no normalisation.
        When :attr:`normalisation_is_shift` the normalisation enters as
        :math:`\\phi(z + \\log n(s))` (Gauss-net: :math:`e^{z - s}`, finite wherever the
        normalised feature is), otherwise as the product.  With ``overwrite_z=True`` the
        memory of ``z`` may be reused for the shift and for the result (in place whenever
        :math:`\\phi` is a single NumPy/SciPy ufunc); the sampler does this layer by layer.

        Examples
        --------
        >>> from nnqft_sym import GaussNet, ReLUNet
        >>> float(GaussNet().activate(np.array([800.0]), np.array([700.0]))[0])   # e^{100}
        2.6881171418161356e+43
        >>> z = np.array([[-1.0, 2.0]])
        >>> out = ReLUNet().activate(z, None, overwrite_z=True)
        >>> out.tolist(), out is z
        ([[0.0, 2.0]], True)
        """
        shift = self._normalised and self.normalisation_is_shift
        if shift:
            if overwrite_z:
                _add_over_last_axis(z, self.log_normalisation_function(s))
            else:
                z, overwrite_z = z + self.log_normalisation_function(s), True
        if overwrite_z and self._activation_ufunc is not None:
            ufunc, constants = self._activation_ufunc
            out = ufunc(z, *constants, out=z)
        else:
            out = self.activation_function(z)
        if self._normalised and not shift:
            if out is z and not overwrite_z:          # e.g. phi(z) = z returns its input
                out = out.copy()
            out *= self.normalisation_function(s)
        return out

    @functools.cached_property
    def _activation_ufunc(self) -> tuple[np.ufunc, tuple[float, ...]] | None:
        """``(ufunc, constants)`` with phi(z) = ufunc(z, *constants), read off the lambdified code.

        Found when the activation is F(z) and the lambdified code calls one ufunc (exp, erf,
        tanh, ...), or it is Max/Min(c, z) (``maximum``/``minimum``); else ``None``.
        """
        func = self.activation_function
        code = getattr(func, "__code__", None)
        if code is None:
            return None
        ufuncs = [func.__globals__.get(name) for name in code.co_names]
        ufuncs = [u for u in ufuncs if isinstance(u, np.ufunc)]
        if len(ufuncs) != 1:
            return None
        expr, ufunc = self.activation, ufuncs[0]
        if ufunc.nin == 1 and expr.args == (Z,):
            return ufunc, ()
        if ufunc.nin == 2 and isinstance(expr, (sp.Max, sp.Min)) and len(expr.args) == 2 \
                and Z in expr.args:
            other = next(a for a in expr.args if a != Z)
            if other.is_number:
                return ufunc, (float(other),)
        return None


@dataclass(frozen=True)
class GaussianFrequencyPrior:
    r"""Isotropic Gaussian prior on the cos-net frequencies, :math:`w \sim \mathcal N(0, \sigma_W^2/d_{in})`.

    Its characteristic function :math:`E[\cos(w\cdot v)] = e^{-\sigma_W^2 |v|^2/(2 d_{in})}`
    makes the cos-net kernel equal to the Gauss-net kernel (random Fourier features).
    """

    def characteristic(self, net: NetworkSpec, vv: Any) -> Any:
        """E[cos(w.v)] as a function of ``|v|^2`` (SymPy or NumPy, matching ``vv``)."""
        mod = sp if isinstance(vv, sp.Basic) else np
        return mod.exp(-net.sigma_w ** 2 * vv / (2 * net.d_in)) if mod is sp else \
            np.exp(-float(net.sigma_w) ** 2 * vv / (2 * net.d_in))

    def density(self, net: NetworkSpec, pp: Any) -> sp.Expr:
        """Density of w at ``|w|^2 = pp`` (SymPy)."""
        var = net.sigma_w ** 2 / net.d_in
        return (2 * sp.pi * var) ** (-sp.Integer(net.d_in) / 2 if isinstance(net.d_in, int)
                                     else -net.d_in / 2) * sp.exp(-pp / (2 * var))

    def sample(self, net: NetworkSpec, rng: np.random.Generator, size: tuple[int, ...]) -> np.ndarray:
        """Draw frequencies of shape ``size + (d_in,)``."""
        w = rng.standard_normal(size + (net.d_in,))
        w *= float(net.sigma_w) / np.sqrt(net.d_in)
        return w


# ---------------------------------------------------------------------- helpers
#: the parameter groups :meth:`NetworkSpec.with_priors` takes one prior for
_PRIOR_GROUPS = ("first_weights", "first_biases", "readout_weights", "readout_bias")


def _choice(value: Any, group: str) -> Any:
    """A prior object as it is; anything else as a :class:`~nnqft_sym.priors.PriorChoice`."""
    if isinstance(value, (ParameterPrior, SharedScale, SphericalReadout, PriorChoice)):
        return value
    return PriorChoice.from_value(value, group)


def priors_from_description(description: dict[str, Any]) -> dict[str, Any]:
    """The ``with_priors`` arguments of the ``"priors"`` entry of :meth:`NetworkSpec.describe`.

    Examples
    --------
    >>> from nnqft_sym import ReLUNet
    >>> described = ReLUNet().with_priors(readout_bias="laplace").describe()["priors"]
    >>> priors_from_description(described)["readout_bias"].law
    StandardLaplace(name='laplace')
    """
    if not isinstance(description, dict):
        raise TypeError(f"the priors of a description must be a dict, got {description!r}")
    return {group: (tuple(prior_from_description(d) for d in value) if isinstance(value, list)
                    else prior_from_description(value))
            for group, value in description.items()}


def _add_over_last_axis(z: np.ndarray, shift: np.ndarray) -> None:
    """``z += shift`` in place for ``shift`` along the last axis.

    A contiguous ``(..., N, P)`` array is updated as ``(..., N * P)`` rows plus the shift tiled
    N times: NumPy's inner loop then runs over N * P elements instead of the P (about 6) of a
    plain broadcast, which is several times faster.
    """
    if z.ndim >= 2 and z.flags.c_contiguous:
        rows = z.reshape(z.shape[:-2] + (-1,))
        rows += np.tile(shift, z.shape[-2])
    else:
        z += shift


def _check_count(value: Any, name: str, what: str) -> int:
    """An integer >= 1 (``depth``, ``d_out``); symbols are not allowed here."""
    out = check_dimension(value, name)
    if not isinstance(out, int):
        raise TypeError(f"{name} ({what}) must be an integer >= 1, got the symbol {value!r}")
    return out


def _expression_of(expr: Any, symbol: sp.Symbol, name: str) -> sp.Expr:
    """``expr`` as a SymPy expression of ``symbol``; a string is read by the restricted parser
    (names ``z`` and ``s``), never executed."""
    wanted = f"{name} must be a SymPy expression of {symbol} (or a string such as 'tanh({symbol})')"
    try:
        out = to_sympy(expr, name, {"z": Z, "s": S})
    except TypeError:
        out = None
    if not isinstance(out, sp.Expr):
        raise TypeError(f"{wanted}, got {type(expr).__name__} {expr!r}")
    extra = out.free_symbols - {symbol}
    if extra:
        raise ValueError(f"{name} may depend only on the symbol {symbol} "
                         f"(nnqft_sym.{'Z' if symbol is Z else 'S'}), found {sorted(map(str, extra))}")
    return out


def _lambdify(expr: sp.Expr, symbol: sp.Symbol) -> Callable[[np.ndarray], np.ndarray]:
    func = sp.lambdify(symbol, expr, modules=["scipy", "numpy"])
    if not expr.has(symbol):  # constants: broadcast to the input's shape
        value = float(expr)
        return lambda arr: np.full(np.shape(arr), value)
    return func
