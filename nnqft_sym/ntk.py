r"""The infinite-width neural tangent kernel (NTK) of every architecture, at any depth.

Gradient flow on the parameters :math:`\theta` moves the output by
:math:`\partial_t f(x) = -\eta \sum_a \Theta(x, x_a)\, \partial L / \partial f(x_a)` with the
tangent kernel :math:`\Theta(x, y) = \sum_\theta \partial_\theta f(x)\, \partial_\theta f(y)`.
At infinite width it is deterministic and constant during training (Jacot, Gabriel, Hongler,
arXiv:1806.07572; Lee et al., arXiv:1902.06720; Arora et al., arXiv:1904.11955).

Parameterisations (the argument ``parameterisation``)
------------------------------------------------------
``"ntk"`` (the default)
    Every parameter is a standard normal variable and the scales sit in the forward pass:
    :math:`z^{(1)} = (\sigma_W/\sqrt{d_{in}})\, w^{(1)} x + \sigma_b b^{(1)}`,
    :math:`z^{(l+1)} = \sqrt{\sigma_W^2/N}\, w^{(l+1)} g(z^{(l)}) + \sigma_b b^{(l+1)}`,
    :math:`f = \sqrt{v_{out}/N}\, w^{out} g(z^{(L)}) + \sigma_b b^{out}` -- the same random
    function as the project's networks (:mod:`nnqft_sym.specification`), and the kernel that
    governs gradient flow with a width-independent learning rate :math:`\eta`.  The layer
    recursion is

    .. math::

        \Theta^{(1)} = K^{(1)} = \sigma_b^2 + \sigma_W^2\, x\cdot y/d_{in}, \qquad
        \Theta^{(l+1)} = K^{(l+1)} + \sigma_W^2\, \dot K^{(l+1)}\, \Theta^{(l)},

    :math:`\dot K^{(l+1)}(x, y) = n_x n_y E[\phi'(z_x)\phi'(z_y)]` under the layer-l kernel
    (:math:`n` the architecture's normalisation), :math:`\sigma_W^2 \to v_{out}` for the
    read-out.  One hidden layer:
    :math:`\Theta = K + v_{out} E[\phi'\phi'] (\sigma_b^2 + \sigma_W^2 x\cdot y/d_{in})`.
``"standard"``
    The parameters are the weights and biases themselves, with their prior variances
    (:math:`W \sim \mathcal N(0, \sigma_W^2/n_{in})`, ...), and one global learning rate.  The
    tangent kernel then grows like the width N (the read-out and hidden weights contribute
    :math:`N E[g g]` each), so gradient flow needs the learning rate :math:`\eta/N`; returned
    is :math:`\lim_{N\to\infty} \Theta_{std}/N`, the kernel that multiplies :math:`\eta`
    when the learning rate is :math:`\eta/N` (Lee et al. arXiv:1902.06720, appendix on the
    standard parameterisation; Sohl-Dickstein et al. arXiv:2001.07301).  Only the layers of
    fan-in N survive: :math:`\theta^{(1)} = 0`,
    :math:`\theta^{(l+1)} = M^{(l)} + \sigma_W^2 \dot K^{(l+1)} \theta^{(l)}` with
    :math:`M^{(l)} = n_x n_y E[\phi\phi] = (K^{(l+1)} - \sigma_b^2)/\sigma_W^2`; for one hidden
    layer :math:`\theta = E[g g]`, the read-out-only kernel.

Closed forms and quadrature
---------------------------
:math:`\phi'` is the SymPy derivative of the architecture's activation.  When the rule book
(:mod:`nnqft_sym.activations`) has a closed-form pair moment :math:`f_2 = E[\phi\phi]`,
Price's theorem gives :math:`E[\phi'\phi'] = \partial f_2/\partial c`, differentiated in SymPy
in the correlation :math:`\rho = c/\sqrt{s_x s_y}`: the order-0 arc-cosine kernel
:math:`(\pi - \arccos\rho)/(2\pi)` for ReLU (and :math:`a\,\mathrm{relu}(z) + b\,\mathrm{relu}(-z)`),
:math:`4a^2b^2/(\pi\sqrt{(1+2b^2 s_x)(1+2b^2 s_y) - 4b^4c^2})` for :math:`a\,\mathrm{erf}(bz)`;
exponential activations (Gauss-net) use the moment-generating function of :math:`\phi'`, and
everything else quadrature of :math:`\phi'` (:func:`nnqft_sym.expectations.gaussian_moment`).

The cos-net (uniform phase, Gaussian frequencies :math:`w = (\sigma_W/\sqrt{d_{in}}) u`, phase
trained with unit scale): :math:`\phi' = -\sin z = \phi(z + \pi/2)` is a phase shift, which the
uniform phase absorbs, so :math:`E[\phi'\phi'] = E[\phi\phi]` and
:math:`\Theta = K + v_{out} E[gg] (1 + \sigma_W^2 x\cdot y/d_{in})`.  The frequency gradients
bring the factor :math:`x\cdot y`: the cos-net NTK is *not* translation invariant (only its
read-out and phase parts are), so it has no momentum-space form.
"""
from __future__ import annotations

import functools
from typing import Any

import numpy as np
import sympy as sp

from .activations import PAIR_SYMBOLS, RHO, ExponentialRules, activation_rules, correlation_function
from .deep import layer_kernels, layer_kernels_expr, read_variances
from .errors import NoClosedFormError
from .expectations import gaussian_moment
from .moments import neuron_moment, symbolic_points
from .priors import UniformPhase
from .specification import GaussianFrequencyPrior, S, Z, default_points
from .specification import NetworkSpec as Network
from .validation import broadcast_coordinates

__all__ = ["PARAMETERISATIONS", "check_parameterisation", "derivative_pair_expectation",
           "ntk_numeric", "ntk_expr"]

#: the parameterisations of the tangent kernel; the first is the default
PARAMETERISATIONS = ("ntk", "standard")
_SX, _SY, _C = PAIR_SYMBOLS
#: |c| within this relative distance of sqrt(s_x s_y) is perfect correlation: the order-0
#: arc-cosine kernel has an infinite slope in c there, so a rounded rho = 1 - 1e-16 would
#: cost 1e-8 of the value (collinear inputs at sigma_b = 0)
_ALIGNED_RTOL = 64 * np.finfo(float).eps


def check_parameterisation(parameterisation: Any) -> str:
    """Return ``parameterisation`` if it is one of :data:`PARAMETERISATIONS`.

    Raises
    ------
    TypeError
        If it is not a string.
    ValueError
        If it is not ``"ntk"`` or ``"standard"``.

    Examples
    --------
    >>> check_parameterisation("standard")
    'standard'
    """
    if not isinstance(parameterisation, str):
        raise TypeError(f"parameterisation must be one of {list(PARAMETERISATIONS)} (a string), "
                        f"got {parameterisation!r}")
    if parameterisation not in PARAMETERISATIONS:
        raise ValueError(f"parameterisation must be one of {list(PARAMETERISATIONS)}, "
                         f"got {parameterisation!r}")
    return parameterisation


#: positive stand-ins for s_x, s_y while the square roots are split
_SXP, _SYP = sp.symbols("s_x s_y", positive=True)


@functools.lru_cache(maxsize=32)
def _derivative_correlation_form(activation: sp.Expr) -> sp.Expr:
    r""":math:`E[\phi'\phi'] = \partial_c f_2 = (s_x s_y)^{-1/2}\,\partial_\rho f_2`, an expression
    of ``(s_x, s_y, rho)``: in the correlation the square roots of the arc-cosine forms split
    and the derivative cancels symbolically (no 0/0 at rho = 1)."""
    pair = activation_rules(activation).pair_closed_form()
    form = pair.subs({_SX: _SXP, _SY: _SYP}).subs(_C, RHO * sp.sqrt(_SXP * _SYP))
    form = form.replace(lambda e: e.is_Pow and e.exp == sp.S.Half, lambda e: sp.sqrt(sp.factor(e.base)))
    return sp.simplify(sp.diff(sp.simplify(form), RHO) / sp.sqrt(_SXP * _SYP))


def derivative_pair_expectation(activation: Any) -> sp.Expr:
    r"""Closed form of :math:`E[\phi'(z_x)\phi'(z_y)]` in ``(s_x, s_y, c)`` (:data:`nnqft_sym.activations.PAIR_SYMBOLS`).

    Price's theorem :math:`\partial_c E[\phi(z_x)\phi(z_y)] = E[\phi'(z_x)\phi'(z_y)]` applied
    to the closed-form pair moment of the activation's rule book.

    Raises
    ------
    NoClosedFormError
        If the activation has no closed-form pair moment (then :func:`ntk_numeric` uses quadrature
        of :math:`\phi'`).

    Examples
    --------
    >>> import sympy as sp
    >>> from nnqft_sym import Z
    >>> derivative_pair_expectation(sp.Max(0, Z))     # arc-cosine kernel of order 0
    (pi - acos(c/(sqrt(s_x)*sqrt(s_y))))/(2*pi)
    """
    form = _derivative_correlation_form(activation_rules(activation).activation)
    return sp.simplify(form.subs(RHO, _C / sp.sqrt(_SXP * _SYP))).subs({_SXP: _SX, _SYP: _SY})


@functools.lru_cache(maxsize=32)
def _derivative_pair_function(activation: sp.Expr):
    """The closed form of E[phi' phi'] as a NumPy function of (s_x, s_y, c), or None."""
    try:
        form = _derivative_correlation_form(activation)
    except NoClosedFormError:
        return None
    return correlation_function(form.subs({_SXP: _SX, _SYP: _SY}))


def _derivative_moment(net: Network, kxx: np.ndarray, kyy: np.ndarray, kxy: np.ndarray) -> np.ndarray:
    r""":math:`\dot K = n(K_{xx}) n(K_{yy}) E[\phi'(z_x)\phi'(z_y)]` for a layer kernel (arrays ``(...)``)."""
    rules = activation_rules(net.activation)
    closed = None if isinstance(rules, ExponentialRules) else _derivative_pair_function(net.activation)
    if closed is not None:
        norm = 1.0 if net.normalisation == 1 else (net.normalisation_function(kxx)
                                                   * net.normalisation_function(kyy))
        scale = np.sqrt(kxx * kyy)
        aligned = np.abs(kxy) >= scale * (1 - _ALIGNED_RTOL)     # collinear inputs, rounded
        kxy = np.where(aligned, np.sign(kxy) * scale, kxy)
        return norm * (closed(kxx, kyy, kxy) + np.zeros(np.shape(kxy)))
    cov = np.stack([np.stack([kxx, kxy], -1), np.stack([kxy, kyy], -1)], -2)
    return gaussian_moment(rules.derivative(1), cov, net.normalisation)


def _is_cos_net(net: Network) -> bool:
    """A uniform-phase first layer (cos-net); only Gaussian frequencies have an NTK here."""
    if not isinstance(net.priors.first_biases, UniformPhase):
        return False
    if not isinstance(net.frequency_prior, GaussianFrequencyPrior):
        raise ValueError(f"ntk: a cos-net's tangent kernel needs Gaussian frequencies "
                         f"w = sigma_W u / sqrt(d_in) (GaussianFrequencyPrior), got "
                         f"{type(net.frequency_prior).__name__}")
    phase_shift = sp.simplify(sp.diff(net.activation, Z) - net.activation.subs(Z, Z + sp.pi / 2))
    if phase_shift != 0:         # the specification admits only cos(z) here
        raise ValueError(f"ntk: phi' must be a phase shift of phi for a uniform-phase first "
                         f"layer, got {net.activation}")
    return True


def ntk_numeric(net: Network, x: Any, y: Any, *, parameterisation: str = "ntk") -> np.ndarray | float:
    r"""The infinite-width tangent kernel :math:`\Theta(x, y)` of ``net``, numerically.

    Parameters
    ----------
    net : Network
        Numeric hyper-parameters; Gaussian centred first layer (any depth) or a cos-net with
        Gaussian frequencies (one hidden layer).
    x, y : array-like ``(..., d_in)``
        Points, broadcast like :func:`nnqft_sym.kernel_numeric`
        (``ntk_numeric(net, x[:, None], x[None, :])`` is the Gram matrix).
    parameterisation : {"ntk", "standard"}, default "ntk"
        See the module docstring: ``"ntk"`` is the kernel for a learning rate :math:`\eta`
        with standard-normal parameters; ``"standard"`` is :math:`\lim \Theta_{std}/N` for the
        learning rate :math:`\eta/N` with the parameters carrying their prior variances.

    Returns
    -------
    float or ndarray of the broadcast leading shape.  With ``d_out > 1`` outputs this is the
    kernel of one component: :math:`\Theta_{ab} = \delta_{ab}\Theta` at infinite width.

    Raises
    ------
    TypeError, ValueError
        For a bad ``parameterisation``, symbolic hyper-parameters, non-Gaussian or off-centre
        first layers, or points of the wrong shape.

    Examples
    --------
    >>> from nnqft_sym import ReLUNet
    >>> net = ReLUNet(sigma_w=1, sigma_b=0)
    >>> round(float(ntk_numeric(net, 1.0, 1.0)), 12)         # K + E[step^2] x.y = 1/2 + 1/2
    1.0
    >>> round(float(ntk_numeric(net, 1.0, 1.0, parameterisation="standard")), 12)   # E[relu^2] = 1/2
    0.5
    """
    standard = check_parameterisation(parameterisation) == "standard"
    if _is_cos_net(net):
        return _cos_ntk(net, x, y, standard)
    layers = layer_kernels(net, x, y)
    theta = np.zeros(layers.shape[1:-1]) if standard else layers[0, ..., 2]
    for layer, (w, sb2) in enumerate(read_variances(net)):
        kdot = _derivative_moment(net, *(layers[layer, ..., k] for k in range(3)))
        new = layers[layer + 1, ..., 2]
        theta = ((new - sb2) / w if standard else new) + w * kdot * theta
    return float(theta) if np.ndim(theta) == 0 else theta


def _cos_ntk(net: Network, x: Any, y: Any, standard: bool) -> np.ndarray | float:
    """cos-net: Theta = K + v_out E[gg] (1 + sigma_W^2 x.y / d_in); standard: E[gg]."""
    net.require_numeric("ntk")
    xa, ya = broadcast_coordinates(x, y, net.d_in)
    moment = np.asarray(neuron_moment(net, np.stack([xa, ya], axis=-2)))
    if standard:
        theta = moment
    else:
        v_out, sb2 = float(net.priors.readout_weights.variance), float(net.priors.readout_bias.variance)
        grad = 1.0 + float(net.sigma_w) ** 2 * np.sum(xa * ya, -1) / net.d_in
        theta = sb2 + v_out * moment * (1.0 + grad)
    return float(theta) if np.ndim(theta) == 0 else theta


def ntk_expr(net: Network, x: Any = None, y: Any = None, *, parameterisation: str = "ntk") -> sp.Expr:
    r"""The infinite-width tangent kernel :math:`\Theta(x, y)` as a SymPy expression.

    The symbolic twin of :func:`ntk_numeric` (same recursion, same parameterisations), from the
    closed-form pair moments (:func:`nnqft_sym.deep.layer_kernels_expr`) and
    :func:`derivative_pair_expectation`.

    Parameters
    ----------
    net : Network
        Integer ``d_in``; hyper-parameters may be symbols.
    x, y : SymPy scalars (d_in = 1) or coordinate lists; default: fresh symbols.
    parameterisation : {"ntk", "standard"}, default "ntk"

    Raises
    ------
    NoClosedFormError
        If the activation has no closed-form pair moment (use :func:`ntk_numeric` with numbers).

    Examples
    --------
    >>> import sympy as sp
    >>> from nnqft_sym import ErfNet
    >>> x, y = sp.symbols("x y", real=True)
    >>> theta = ErfNet(sigma_w=1, sigma_b=0).ntk_expr(x, y)
    >>> sp.simplify(theta.subs({x: 0, y: 0}))
    0
    >>> round(float(theta.subs({x: 1, y: 1})), 10)     # (2/pi)(asin(2/3) + 2/sqrt(5))
    1.0339690891
    """
    standard = check_parameterisation(parameterisation) == "standard"
    if _is_cos_net(net):
        return _cos_ntk_expr(net, x, y, standard)
    layers = layer_kernels_expr(net, x, y)
    kdot_form = derivative_pair_expectation(net.activation)
    theta = sp.Integer(0) if standard else layers[0][2]
    for layer, (w, sb2) in enumerate(read_variances(net, numeric=False)):
        kxx, kyy, kxy = layers[layer]
        norm = net.normalisation.subs(S, kxx) * net.normalisation.subs(S, kyy)
        kdot = norm * kdot_form.subs({_SX: kxx, _SY: kyy, _C: kxy}, simultaneous=True)
        new = layers[layer + 1][2]
        theta = ((new - sb2) / w if standard else new) + w * kdot * theta
    return theta


def _cos_ntk_expr(net: Network, x: Any, y: Any, standard: bool) -> sp.Expr:
    if not isinstance(net.d_in, int):
        raise ValueError("ntk_expr needs an integer d_in")
    if x is None and y is None:
        x, y = default_points(net.d_in)
    pts = symbolic_points([x, y], net.d_in)
    moment = neuron_moment(net, pts)
    if standard:
        return moment
    grad = 1 + net.sigma_w ** 2 * sum(a * b for a, b in zip(*pts)) / net.d_in
    return net.priors.readout_bias.variance + net.priors.readout_weights.variance * moment * (1 + grad)
