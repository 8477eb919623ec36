r"""Bayesian RG (BRG-NNFT): Fisher metric, information shells and their equality with Wilson's momentum shells.

Howard, Klinger, Maiti, Stapleton, *Bayesian RG flow in neural network field theories*,
arXiv:2405.17538 (SciPost Phys. Core 8, 027 (2025)).  BRG coarse-grains a network in
*parameter space*: directions whose Fisher information lies below a distinguishability scale
:math:`\Lambda_I` ("sloppy") are integrated out, the others ("stiff") kept.  This module derives,
with SymPy, the pieces needed to see when this *is* the Wilsonian momentum-shell RG.

1. **Kernel as a Fourier transform.**  For cos-net with frequency density :math:`\rho`,
   :math:`K(v) = \sigma_b^2 + \sigma_W^2 \int d^dw\, \rho(w)\cos(w\cdot v)`
   (:func:`kernel_from_frequency_density`), i.e. :math:`K(p) = \sigma_W^2\rho(p)` for
   :math:`p \neq 0`; the free scalar :math:`1/(p^2+m^2)` comes from
   :class:`nnqft_sym.frequency_priors.FreeScalarFrequencyPrior`.
2. **Fisher metric.**  For a Gaussian likelihood :math:`y = f_\theta(x) + \epsilon`,
   :math:`\epsilon \sim N(0, \sigma_n^2)`, the Fisher metric is
   :math:`F_{AB} = E_x[\partial_A f\, \partial_B f]/\sigma_n^2` (:func:`fisher_metric`):
   per neuron :math:`(W^1_j, w_j, b_j)` of cos-net (:func:`cosnet_neuron_fisher_metric`) or any
   activation (:func:`neuron_fisher_metric`, e.g. ReLU) and
   last-layer weights of a random-feature net, :math:`F_{jk} = E_x[h_j h_k]/\sigma_n^2`
   (:func:`last_layer_fisher_metric`).  For inputs uniform on a box of side :math:`L\to\infty`
   the cos features are orthogonal, :math:`F_{jk} \to \delta_{jk}/(2\sigma_n^2)`.
3. **Generalised cos-net** (:class:`GeneralisedCosNet`): :math:`f(x) = \sum_j a_j A(w_j)
   \cos(w_j\cdot x + b_j)` with :math:`w_j` uniform on the ball :math:`|w| < R`,
   :math:`A(w)^2 = V_R\,\rho(w)`, :math:`a_j \sim N(0, 2\sigma_W^2/N)`.  It has the same kernel as
   cos-net with prior :math:`\rho`, and the Fisher information of :math:`a_j` (large box) is
   :math:`\lambda(w_j) = V_R\rho(w_j)/(2\sigma_n^2) = V_R K(w_j)/(2\sigma_n^2\sigma_W^2)`: the
   Fisher eigen-directions are Fourier modes, with information proportional to their power.
   For :math:`\rho` decreasing in :math:`|p|` the information shell
   :math:`\{\lambda < \Lambda_I\}` is the momentum shell :math:`\{|p| > k(\Lambda_I)\}`.
4. **BRG = Wilson** (:meth:`GeneralisedCosNet.brg_wilson_proof`): the propagator of the kept
   modes computed in information space,
   :math:`K^{BRG}_{\Lambda_I}(r) = \sigma_W^2\int_{\Lambda_I}^{\lambda_{max}} d\lambda\, n(\lambda)\,
   2\sigma_n^2\lambda\; a_d(k(\lambda) r)` (:math:`n` = density of Fisher eigenvalues per neuron),
   and Wilson's sharp momentum-shell propagator
   :math:`K_k(r) = \int_{|p|<k} d^dp\, K(p)\, e^{ip\cdot x}` obey the same flow equation
   :math:`dK/d\Lambda_I` and the same boundary condition at :math:`\Lambda_I = \lambda(R)`, hence
   are equal; SymPy checks ``simplify(a - b) == 0`` for both, and that the two shells are the
   same set of momenta.
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass, field
from typing import Any, Sequence

import sympy as sp

from ._deprecation import (deprecated_alias, deprecated_attribute, renamed_keywords,
                           renamed_module_attributes)
from .specification import NetworkSpec, P, Z
from .frequency_priors import _sphere_area, angular_average
from .parsing import to_sympy

__all__ = [
    "kernel_from_frequency_density",
    "fisher_metric",
    "neuron_fisher_metric",
    "cosnet_neuron_fisher_metric",
    "last_layer_fisher_metric",
    "GeneralisedCosNet",
    "BRGWilsonProof",
]

#: separation |x - y|
R_SEP = sp.Symbol("r", positive=True)
#: information (Fisher) cutoff Lambda_I
LAMBDA_I = sp.Symbol("Lambda_I", positive=True)
#: momentum cutoff k
K_MOM = sp.Symbol("k", positive=True)
#: Fisher eigenvalue (integration variable)
LAM = sp.Symbol("lambda", positive=True)
#: noise standard deviation of the Gaussian likelihood (``noise_std``; printed sigma_n)
NOISE_STD = sp.Symbol("sigma_n", positive=True)
#: side of the input box
BOX = sp.Symbol("L", positive=True)

_X = sp.Symbol("x", real=True)


def _check_d_in(d_in: Any) -> int:
    if isinstance(d_in, bool) or not isinstance(d_in, numbers.Integral) or int(d_in) < 1:
        raise ValueError(f"d_in must be an integer >= 1, got {d_in!r}")
    return int(d_in)

#: former module names -> current ones (deprecated aliases for one release)
__getattr__ = renamed_module_attributes(globals(), SIGMA_N="NOISE_STD", NORM="DENSITY_CONSTANT")


# ---------------------------------------------------------------------- 1. kernel = Fourier transform
def kernel_from_frequency_density(net: NetworkSpec, vv: Any) -> sp.Expr:
    r"""cos-net kernel from the Fourier transform of the frequency density (SymPy).

    .. math:: K = \sigma_b^2 + \sigma_W^2\, \Omega_d \int_0^\infty dk\, k^{d-1}\rho(k)\,
              a_d(k\sqrt{vv}),

    with :math:`a_d` the angular average (:func:`nnqft_sym.frequency_priors.angular_average`),
    using only ``net.frequency_prior.density``; compare with ``characteristic`` to check a prior.

    Parameters
    ----------
    net : CosNet
        A cos-net with integer ``d_in`` (hyper-parameters may be symbols).
    vv : SymPy expression
        :math:`|x - y|^2`.

    Returns
    -------
    sympy.Expr
        The evaluated integral (an unevaluated ``Integral`` if SymPy finds no closed form).

    Examples
    --------
    >>> import sympy as sp
    >>> from nnqft_sym import CosNet
    >>> r = sp.Symbol("r", positive=True)
    >>> kernel_from_frequency_density(CosNet(sigma_w=1, sigma_b=1, d_in=1), r ** 2)
    1 + exp(-r**2/2)
    """
    prior = getattr(net, "frequency_prior", None)
    if prior is None:
        raise TypeError(f"net must be a CosNet with a frequency_prior, got {type(net).__name__}")
    d = _check_d_in(net.d_in)
    vv = to_sympy(vv, "vv")
    k = sp.Symbol("k", positive=True)
    integrand = _sphere_area(d) * k ** (d - 1) * prior.density(net, k ** 2) \
        * angular_average(d, k * sp.sqrt(vv))
    integrand = sp.piecewise_fold(integrand)
    upper = sp.oo
    if isinstance(integrand, sp.Piecewise):  # a sharp support |w|^2 < cutoff^2
        (inside, cond), *_ = integrand.args
        roots = [root for root in sp.solve(sp.Eq(cond.lhs, cond.rhs), k) if root.is_positive]
        if len(roots) != 1 or not isinstance(cond, (sp.StrictLessThan, sp.LessThan)):
            raise ValueError(f"cannot read the support of the frequency density from {cond}")
        upper, integrand = roots[0], inside
    value = sp.integrate(integrand, (k, 0, upper), conds="none")
    return net.sigma_b ** 2 + net.sigma_w ** 2 * sp.simplify(value)


# ---------------------------------------------------------------------- 2. Fisher metric
@renamed_keywords(sigma_n="noise_std")
def fisher_metric(model: sp.Expr, params: Sequence[sp.Symbol], x: sp.Symbol = _X,
                  box: Any = BOX, noise_std: Any = NOISE_STD, large_box: bool = False) -> sp.Matrix:
    r"""Fisher metric of a Gaussian likelihood, inputs uniform on :math:`[-L/2, L/2]`.

    .. math:: F_{AB} = \frac{1}{\sigma_n^2}\, \frac{1}{L}\int_{-L/2}^{L/2} dx\,
              \partial_A f(x)\, \partial_B f(x)

    (for :math:`y \sim N(f_\theta(x), \sigma_n^2)` the score is
    :math:`(y - f)\partial_A f/\sigma_n^2`, whose covariance is this).  Entries SymPy cannot
    integrate stay unevaluated ``Integral`` objects.

    Parameters
    ----------
    model : SymPy expression
        :math:`f_\theta(x)`.
    params : sequence of Symbol
        The parameters :math:`\theta^A`.
    x : Symbol
        The input variable of ``model``.
    box : positive expression
        Side :math:`L` of the input box.
    noise_std : positive expression
        Noise standard deviation.
    large_box : bool
        Return the limit :math:`L \to \infty` instead (``box`` must then be a symbol).

    Examples
    --------
    >>> import sympy as sp
    >>> a, x = sp.symbols("a x", real=True)
    >>> fisher_metric(a * x, [a], x, box=2, noise_std=1)
    Matrix([[1/3]])
    """
    params = list(params)
    box, noise_std = to_sympy(box, "box"), to_sympy(noise_std, "noise_std")
    if not params:
        raise ValueError("params must contain at least one parameter symbol")
    grads = [sp.diff(model, th) for th in params]
    n = len(params)
    out = sp.zeros(n, n)
    for i in range(n):
        for j in range(i, n):
            integrand = sp.expand_trig(grads[i] * grads[j]).replace(  # Heaviside^n = Heaviside
                lambda e: e.is_Pow and isinstance(e.base, sp.Heaviside) and e.exp.is_positive,
                lambda e: e.base)
            if integrand.has(sp.Heaviside):  # SymPy integrates the Piecewise form reliably
                integrand = integrand.rewrite(sp.Piecewise)
            avg = sp.integrate(integrand, (x, -box / 2, box / 2)) / box
            entry = sp.simplify(avg / noise_std ** 2)
            if large_box:
                if not isinstance(box, sp.Symbol):
                    raise ValueError("large_box=True needs the box side as a SymPy symbol")
                entry = _large_box_limit(entry, box)
            out[i, j] = out[j, i] = entry
    return out


def neuron_fisher_metric(activation: Any) -> tuple[sp.Matrix, tuple[sp.Symbol, ...]]:
    r"""Fisher metric of one neuron :math:`W\,\phi(w x + b)` in its parameters :math:`(W, w, b)`.

    Inputs uniform on :math:`[-L/2, L/2]` (:math:`d_{in} = 1`), Gaussian likelihood, exact in
    :math:`L` (:func:`fisher_metric`); ``w`` is a positive symbol.

    Parameters
    ----------
    activation : SymPy expression of :data:`nnqft_sym.Z`
        :math:`\phi(z)`, e.g. ``sp.cos(Z)`` or ``sp.Max(0, Z)``.

    Returns
    -------
    (sympy.Matrix, (W, w, b))

    Examples
    --------
    >>> import sympy as sp
    >>> from nnqft_sym import Z
    >>> F, (W, w, b) = neuron_fisher_metric(sp.Max(0, Z))
    >>> F[0, 0].subs({w: 1, b: sp.Rational(1, 2), BOX: 4})   # E[relu(x + 1/2)^2], x ~ U[-2, 2]
    125/(96*sigma_n**2)
    """
    phi = to_sympy(activation, "activation")
    if phi.free_symbols - {Z}:
        raise ValueError(f"activation may depend only on nnqft_sym.Z, found {sorted(map(str, phi.free_symbols))}")
    W, b = sp.symbols("W b", real=True)
    w = sp.Symbol("w", positive=True)
    return fisher_metric(W * phi.subs(Z, w * _X + b), [W, w, b], _X), (W, w, b)


def cosnet_neuron_fisher_metric() -> tuple[sp.Matrix, tuple[sp.Symbol, ...]]:
    r"""Fisher metric of one cos-net neuron :math:`W\cos(w x + b)` (:func:`neuron_fisher_metric` with cos).

    For a large box :math:`F_{WW} \to 1/(2\sigma_n^2)`, :math:`F_{bb} \to W^2/(2\sigma_n^2)`,
    :math:`F_{ww} \simeq W^2 L^2/(24\sigma_n^2)` and the mixed entries stay bounded (they
    oscillate), so the normalised metric :math:`F_{AB}/\sqrt{F_{AA}F_{BB}}` tends to the identity:
    frequencies are the stiffest directions, read-out weight and phase carry :math:`O(1)`
    information each.

    Examples
    --------
    >>> import sympy as sp
    >>> F, (W, w, b) = cosnet_neuron_fisher_metric()
    >>> sp.limit(F[0, 0], BOX, sp.oo)
    1/(2*sigma_n**2)
    """
    return neuron_fisher_metric(sp.cos(Z))


@renamed_keywords(sigma_n="noise_std")
def last_layer_fisher_metric(features: Sequence[sp.Expr], x: sp.Symbol = _X, box: Any = BOX,
                             noise_std: Any = NOISE_STD, large_box: bool = False) -> sp.Matrix:
    r"""Fisher metric of the read-out weights of a random-feature net :math:`f = \sum_j a_j h_j(x)`.

    :math:`F_{jk} = E_x[h_j(x) h_k(x)]/\sigma_n^2`, independent of the weights themselves (the
    model is linear in them); inputs uniform on :math:`[-L/2, L/2]`.

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.Symbol("x", real=True)
    >>> w1, w2 = sp.symbols("w1 w2", positive=True)
    >>> F = last_layer_fisher_metric([sp.cos(w1 * x), sp.cos(w2 * x)], x, large_box=True)
    >>> F[0, 0], F[0, 1]
    (1/(2*sigma_n**2), Piecewise((0, Ne(w1, w2)), (1/(2*sigma_n**2), True)))
    """
    features = list(features)
    weights = sp.symbols(f"a0:{len(features)}", real=True)
    model = sum(a * h for a, h in zip(weights, features))
    return fisher_metric(model, weights, x, box=box, noise_std=noise_std, large_box=large_box)


# ---------------------------------------------------------------------- 3./4. generalised cos-net
#: density constant C of rho(p) = C * shape(p) (kept symbolic in the proof)
DENSITY_CONSTANT = sp.Symbol("C", positive=True)


@dataclass(frozen=True)
class BRGWilsonProof:
    r"""Result of :meth:`GeneralisedCosNet.brg_wilson_proof` (a proof holds when :attr:`holds`).

    Attributes
    ----------
    information_scale : sympy.Expr
        :math:`\lambda(p)`: Fisher information of the read-out weight of a neuron of frequency
        :math:`|w| = p` (large box).
    momentum_cutoff : sympy.Expr
        :math:`k(\Lambda_I)`, the momentum with :math:`\lambda(k) = \Lambda_I`.
    information_density : sympy.Expr
        :math:`n(\lambda)`: density of per-neuron Fisher eigenvalues.
    brg_propagator, wilson_propagator : sympy.Expr
        Position-space propagators of the kept modes: :math:`K^{BRG}_{\Lambda_I}(r)` as an
        integral over Fisher eigenvalues and :math:`K_{k(\Lambda_I)}(r)` as an integral over
        momenta (unevaluated ``Integral`` objects).
    brg_flow, wilson_flow : sympy.Expr
        :math:`dK/d\Lambda_I` from each side.
    monotone : bool
        :math:`d\lambda/dp < 0` proved by SymPy's assumptions (positive symbols).
    level_difference : sympy.Expr
        :math:`\lambda(k(\Lambda_I)) - \Lambda_I`, simplified (0: with monotonicity the
        information shell :math:`\{\lambda(p) < \Lambda_I\}` is the momentum shell
        :math:`\{p > k(\Lambda_I)\}`).
    flow_difference : sympy.Expr
        ``simplify(brg_flow - wilson_flow)``.
    boundary_difference : sympy.Expr
        Both propagators at :math:`\Lambda_I = \lambda_{max} = \lambda(0)` (everything integrated
        out): ``simplify`` of their difference, with :math:`k(\lambda_{max})` substituted.
    """

    information_scale: sp.Expr
    momentum_cutoff: sp.Expr
    information_density: sp.Expr
    brg_propagator: sp.Expr
    wilson_propagator: sp.Expr
    brg_flow: sp.Expr
    wilson_flow: sp.Expr
    monotone: bool
    level_difference: sp.Expr
    flow_difference: sp.Expr
    boundary_difference: sp.Expr

    @property
    def holds(self) -> bool:
        """True when the shells coincide and flows and boundary values agree exactly."""
        return (self.monotone and self.level_difference == 0 and self.flow_difference == 0
                and self.boundary_difference == 0)


@dataclass(frozen=True)
class GeneralisedCosNet:
    r"""Generalised cos-net (BRG-NNFT Sec. 4): frequencies uniform on a ball, the spectrum in the amplitude.

    :math:`f(x) = \sum_{j=1}^N a_j A(w_j)\cos(w_j\cdot x + b_j)`, :math:`w_j \sim U(|w| < R)`,
    :math:`b_j \sim U[-\pi, \pi]`, :math:`a_j \sim N(0, 2\sigma_W^2/N)`,
    :math:`A(w)^2 = V_R\,\rho(w)` with :math:`V_R` the ball volume and
    :math:`\rho = C\cdot` ``shape`` normalised on the ball.  Kernel
    :math:`\sigma_W^2\int\rho(w)\cos(w\cdot v)\,d^dw` (as cos-net with prior :math:`\rho`);
    only the read-out weights :math:`a_j` are trained.

    Parameters
    ----------
    shape : SymPy expression of :data:`P`
        Unnormalised spectrum :math:`\rho(p)/C` on :math:`p < R`; it must decrease with
        :math:`p` for information shells to be momentum shells (checked in the proof).
    d_in : int >= 1
        Input dimension (``d`` is a deprecated alias).
    radius : positive expression
        :math:`R`, the UV cutoff (default: a positive symbol ``R``).
    sigma_w, noise_std : positive expressions
        Output scale :math:`\sigma_W` and noise standard deviation :math:`\sigma_n`
        (``sigma_n`` is a deprecated alias of ``noise_std``).

    Examples
    --------
    >>> GeneralisedCosNet.free_scalar(d_in=1).brg_wilson_proof().holds
    True
    """

    shape: Any
    d_in: int = 1
    radius: Any = field(default_factory=lambda: sp.Symbol("R", positive=True))
    sigma_w: Any = field(default_factory=lambda: sp.Symbol("sigma_W", positive=True))
    noise_std: Any = NOISE_STD

    d = deprecated_attribute("d_in", "d")
    sigma_n = deprecated_attribute("noise_std", "sigma_n")

    def __post_init__(self) -> None:
        object.__setattr__(self, "d_in", _check_d_in(self.d_in))
        shape = to_sympy(self.shape, "shape")
        if not shape.has(P):
            raise ValueError("shape must depend on the momentum symbol nnqft_sym.bayesian_rg.P "
                             "(a flat spectrum gives every mode the same information)")
        object.__setattr__(self, "shape", shape)
        for name in ("radius", "sigma_w", "noise_std"):
            value = to_sympy(getattr(self, name), name)
            if value.is_positive is not True:
                raise ValueError(f"{name} must be positive (a positive number or a symbol "
                                 f"declared positive=True), got {getattr(self, name)!r}")
            object.__setattr__(self, name, value)

    # ------------------------------------------------------------------ constructors
    @classmethod
    @renamed_keywords(d="d_in", sigma_n="noise_std")
    def free_scalar(cls, d_in: int = 1, mass: Any = None, **kwargs: Any) -> "GeneralisedCosNet":
        r"""Free massive scalar: :math:`\rho(p) = C/(p^2 + m^2)` on :math:`p < R` (mass a symbol ``m`` by default)."""
        m = sp.Symbol("m", positive=True) if mass is None else to_sympy(mass, "mass")
        return cls(1 / (P ** 2 + m ** 2), d_in=d_in, **kwargs)

    @classmethod
    @renamed_keywords(d="d_in", sigma_n="noise_std")
    def gaussian(cls, d_in: int = 1, width: Any = None, **kwargs: Any) -> "GeneralisedCosNet":
        r"""Gaussian spectrum :math:`\rho \propto e^{-p^2/(2 s^2)}` (the Gauss-net kernel as :math:`R \to \infty`)."""
        s = sp.Symbol("s", positive=True) if width is None else to_sympy(width, "width")
        return cls(sp.exp(-P ** 2 / (2 * s ** 2)), d_in=d_in, **kwargs)

    @classmethod
    @renamed_keywords(d="d_in", sigma_n="noise_std")
    def power_law(cls, d_in: int = 1, nu: Any = None, length: Any = None,
                  **kwargs: Any) -> "GeneralisedCosNet":
        r"""Matérn / Student-t spectrum :math:`\rho \propto (p^2 + 2\nu/\ell^2)^{-(\nu + d_{in}/2)}`."""
        nu = sp.Symbol("nu", positive=True) if nu is None else to_sympy(nu, "nu")
        ell = sp.Symbol("ell", positive=True) if length is None else to_sympy(length, "length")
        return cls((P ** 2 + 2 * nu / ell ** 2) ** (-(nu + sp.Rational(d_in, 2))), d_in=d_in, **kwargs)

    # ------------------------------------------------------------------ spectral data
    @property
    def ball_volume(self) -> sp.Expr:
        r""":math:`V_R = \Omega_d R^d / d`."""
        return _sphere_area(self.d_in) * self.radius ** self.d_in / self.d_in

    def density_constant(self) -> sp.Expr:
        r"""The value of :math:`C = 1/\int_{|p|<R} d^{d_{in}}p\,` ``shape`` (SymPy; may be an unevaluated integral).

        The constant that normalises the spectral density :math:`\rho = C\cdot` ``shape`` on
        the ball (``normalisation()`` is its deprecated name).
        """
        integral = sp.integrate(_sphere_area(self.d_in) * P ** (self.d_in - 1) * self.shape,
                                (P, 0, self.radius), conds="none")
        return 1 / sp.simplify(integral)

    normalisation = deprecated_alias(density_constant, "normalisation")

    @property
    def density(self) -> sp.Expr:
        r""":math:`\rho(p) = C\cdot` ``shape`` on :math:`p < R`, with the constant kept as the symbol :data:`DENSITY_CONSTANT`."""
        return DENSITY_CONSTANT * self.shape

    @property
    def momentum_propagator(self) -> sp.Expr:
        r""":math:`K(p) = \sigma_W^2\rho(p)` for :math:`0 < p < R` (:math:`K(x) = \int d^dp\, e^{ipx}K(p)`)."""
        return self.sigma_w ** 2 * self.density

    @property
    def amplitude_squared(self) -> sp.Expr:
        r""":math:`A(p)^2 = V_R\,\rho(p)`."""
        return self.ball_volume * self.density

    def information_scale(self) -> sp.Expr:
        r"""Fisher information :math:`\lambda(p)` of the read-out weight of a neuron with :math:`|w| = p`.

        Derived, not assumed: :math:`E_x[A^2\cos^2(p x_1 + b)]/\sigma_n^2` with inputs uniform
        on a box of side :math:`L` (only the coordinate along :math:`w` matters), then
        :math:`L\to\infty`, giving :math:`A(p)^2/(2\sigma_n^2)` for every phase :math:`b`.
        """
        b = sp.Symbol("b", real=True)
        # the box average at a frequency p > 0 (p = 0, a constant feature, is the limit)
        p = sp.Dummy("p", positive=True)
        feature = sp.sqrt(self.amplitude_squared.subs(P, p)) * sp.cos(p * _X + b)
        metric = last_layer_fisher_metric([feature], _X, box=BOX, noise_std=self.noise_std,
                                          large_box=True)
        return sp.simplify(metric[0, 0]).subs(p, P)

    def momentum_cutoff(self) -> sp.Expr:
        r""":math:`k(\Lambda_I)`: the momentum whose information equals :math:`\Lambda_I` (solved for :math:`k^2`)."""
        u = sp.Symbol("u", positive=True)
        # solve log(lambda) = log(Lambda_I): both sides positive, and the logarithm turns power
        # laws into equations linear in log(p^2 + c), avoiding spurious complex branches
        lhs = sp.expand_log(sp.log(self.information_scale().subs(P, sp.sqrt(u))), force=True)
        roots = sp.solve(sp.Eq(lhs, sp.log(LAMBDA_I)), u)
        if len(roots) != 1:
            raise ValueError(f"lambda(p) = Lambda_I must have one solution for p^2 (an information "
                             f"scale monotone in |p|); found {roots}")
        return sp.sqrt(roots[0])

    def brg_momentum_propagator(self) -> sp.Expr:
        r"""Kept modes in momentum space, :math:`K(p)\,1[\lambda(p) \geq \Lambda_I]` (the BRG side)."""
        return sp.Piecewise((self.momentum_propagator, self.information_scale() >= LAMBDA_I),
                            (0, True))

    def wilson_momentum_propagator(self, cutoff: Any = K_MOM) -> sp.Expr:
        r"""Wilson's sharp momentum-shell propagator :math:`K(p)\,1[p \leq k]`."""
        return sp.Piecewise((self.momentum_propagator, P <= cutoff), (0, True))

    # ------------------------------------------------------------------ training: IR -> UV
    def posterior_propagator(self, n_data: Any = None, width: Any = None) -> sp.Expr:
        r"""Momentum-space propagator of the Bayesian posterior after ``n_data`` observations.

        The training side of BRG-NNFT (information flows in, IR -> UV).  In the large box with
        ``n_data`` :math:`\gg` ``width`` and frequencies separated by more than :math:`2\pi/L`,
        the features are orthogonal and each read-out weight is updated independently: prior
        precision :math:`N/(2\sigma_W^2)`, data precision :math:`n\lambda(p)`.  The posterior
        variance of :math:`a_j` times :math:`A(p)^2/2` per unit of the base measure gives

        .. math:: K_{post}(p)^{-1} = K(p)^{-1} + g, \qquad g = \frac{n V_R}{N\sigma_n^2},

        a constant shift of the inverse propagator: for the free scalar the posterior is again a
        free scalar with :math:`m^2 \to m^2 + g Z^{-1}` (mass renormalisation).

        Parameters
        ----------
        n_data, width : positive expressions, optional
            :math:`n` and :math:`N` (default: symbols ``n`` and ``N``).

        Examples
        --------
        >>> import sympy as sp
        >>> net = GeneralisedCosNet.free_scalar(d_in=1)
        >>> n, N = sp.symbols("n N", positive=True)
        >>> g = n * net.ball_volume / (N * net.noise_std ** 2)
        >>> sp.simplify(1 / net.posterior_propagator() - 1 / net.momentum_propagator - g)
        0
        """
        n = sp.Symbol("n", positive=True) if n_data is None else to_sympy(n_data, "n_data")
        width = sp.Symbol("N", positive=True) if width is None else to_sympy(width, "width")
        posterior_variance = 1 / (width / (2 * self.sigma_w ** 2) + n * self.information_scale())
        return sp.simplify(width * posterior_variance * self.amplitude_squared / 2
                           / self.ball_volume)

    # ------------------------------------------------------------------ the proof
    def brg_wilson_proof(self) -> BRGWilsonProof:
        r"""Prove by computation that integrating out the information shell is the momentum-shell flow.

        Steps (each checked by SymPy, see :class:`BRGWilsonProof`):

        1. :math:`\lambda(p)` strictly decreasing and :math:`\lambda(k(\Lambda_I)) = \Lambda_I`:
           the information shell is the momentum shell :math:`p > k(\Lambda_I)`.
        2. Flow: :math:`dK^{BRG}/d\Lambda_I` (Leibniz rule on the integral over Fisher
           eigenvalues) equals :math:`(dK_k/dk)(dk/d\Lambda_I)` (Wilson/Polchinski flow of the free
           propagator, sharp regulator), for every separation :math:`r`.
        3. Boundary: at :math:`\Lambda_I = \lambda(0)` both vanish (:math:`k(\lambda(0)) = 0`).

        Hence :math:`K^{BRG}_{\Lambda_I}(r) = K_{k(\Lambda_I)}(r)` for all
        :math:`\Lambda_I \in [\lambda(R), \lambda(0)]`.
        """
        d, om = self.d_in, _sphere_area(self.d_in)
        lam_p = self.information_scale()
        p_pos = sp.Dummy("p", positive=True)   # decreasing for p > 0
        monotone = bool(sp.simplify(sp.diff(lam_p, P).subs(P, p_pos)).is_negative)
        k_of = self.momentum_cutoff()
        level_difference = _simplify_positive(lam_p.subs(P, k_of) - LAMBDA_I)
        k_lam = k_of.subs(LAMBDA_I, LAM)
        # density of Fisher eigenvalues per neuron from the uniform base measure on the ball:
        # n(lambda) = Omega_d k^(d-1) |dk/dlambda| / V_R, with dk/dlambda < 0 (monotone)
        n_lam = sp.simplify(-om * k_lam ** (d - 1) * sp.diff(k_lam, LAM) / self.ball_volume)
        lam_max = sp.simplify(lam_p.subs(P, 0))
        # BRG: keep the modes with information >= Lambda_I; each carries power A^2 = 2 sigma_n^2 lambda
        brg = self.sigma_w ** 2 * sp.Integral(
            n_lam * 2 * self.noise_std ** 2 * LAM * angular_average(d, k_lam * R_SEP),
            (LAM, LAMBDA_I, lam_max))
        # Wilson: sharp momentum shell of the free propagator
        wilson_k = sp.Integral(om * P ** (d - 1) * self.momentum_propagator
                               * angular_average(d, P * R_SEP), (P, 0, K_MOM))
        brg_flow = sp.diff(brg, LAMBDA_I)
        wilson_flow = sp.diff(wilson_k, K_MOM).subs(K_MOM, k_of) * sp.diff(k_of, LAMBDA_I)
        flow_difference = _simplify_positive(brg_flow - wilson_flow)
        k_ir = sp.simplify(k_of.subs(LAMBDA_I, lam_max))
        boundary_difference = _simplify_positive(brg.subs(LAMBDA_I, lam_max).doit()
                                                 - wilson_k.subs(K_MOM, k_ir).doit())
        return BRGWilsonProof(lam_p, k_of, n_lam, brg, wilson_k.subs(K_MOM, k_of), brg_flow,
                              wilson_flow, monotone, level_difference, flow_difference,
                              boundary_difference)


#: the former keyword names of the constructor (deprecated aliases for one release)
GeneralisedCosNet.__init__ = renamed_keywords(  # type: ignore[method-assign]
    d="d_in", sigma_n="noise_std")(GeneralisedCosNet.__init__)


def _large_box_limit(entry: sp.Expr, box: sp.Symbol) -> sp.Expr:
    """Limit L -> oo of a Fisher-metric entry, branch by branch for a Piecewise (w_j = w_k or not)."""
    entry = sp.piecewise_fold(entry)
    if isinstance(entry, sp.Piecewise):
        return sp.Piecewise(*[(sp.limit(e, box, sp.oo), c) for e, c in entry.args])
    return sp.limit(entry, box, sp.oo)


def _simplify_positive(expr: sp.Expr) -> sp.Expr:
    """``simplify``, then, if needed, power rules valid for positive symbols (all symbols here are)."""
    out = sp.simplify(expr)
    if out == 0:
        return out
    out = sp.powsimp(sp.powdenest(sp.expand_power_base(out, force=True), force=True), force=True)
    out = out.replace(lambda e: e.is_Pow, lambda e: sp.Pow(e.base, sp.cancel(e.exp)))
    return sp.simplify(out)
