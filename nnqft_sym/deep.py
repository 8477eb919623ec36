r"""Deep networks: layer recursions for the kernel and for the leading 1/N four-point vertex.

A network of depth L has hidden pre-activations :math:`z^{(1)} = W^{(1)} x + b^{(1)}` and
:math:`z^{(l+1)}_i = \sum_j W^{(l+1)}_{ij} g(z^{(l)}_j) + b^{(l+1)}_i` (all hidden layers of
width N, :math:`W^{(1)} \sim \mathcal N(0, \sigma_W^2/d_{in})`, :math:`W^{(l+1)} \sim
\mathcal N(0, \sigma_W^2/N)`, :math:`b \sim \mathcal N(0, \sigma_b^2)`), and output
:math:`f = \sum_j W^{out}_j g(z^{(L)}_j) + b^{out}` with :math:`W^{out} \sim \mathcal
N(0, v_{out}/N)`.  The activation of layer l is :math:`g = n(K^{(l)}(x,x))\,\phi(z)`, with the
architecture's normalisation evaluated at the infinite-width variance of that layer (for l = 1
this is the foundation's :math:`s(x)`).

Everything follows from one exact fact: given layer l, the pre-activations of layer l+1 are
independent across neurons and Gaussian with the *random* covariance
:math:`\hat G^{(l+1)}_{ab} = \sigma_b^2 + (\sigma_W^2/N)\sum_j g_j(x_a) g_j(x_b)`.  Writing
:math:`E\hat G^{(l)} = K^{(l)} + K_1^{(l)}/N + O(N^{-2})` and
:math:`\mathrm{Cov}(\hat G^{(l)}_{ab}, \hat G^{(l)}_{cd}) = V^{(l)}_{(ab)(cd)}/N + O(N^{-2})`
and expanding the Gaussian expectation :math:`M_{ab}(K) = E_K[g_a g_b]` around
:math:`K^{(l)}` gives the recursions (Roberts, Yaida, Hanin, arXiv:2106.10165, ch. 4,
eqs. for the kernel, the four-point vertex and the NLO metric; here for arbitrary inputs, with
derivatives with respect to the *independent* entries :math:`K_{aa}, K_{bb}, K_{ab}`):

.. math::

    K^{(l+1)}_{ab} &= \sigma_b^2 + \sigma_W^2 M_{ab}, \\
    V^{(l+1)}_{(ab)(cd)} &= \sigma_W^4 \Big[M_{abcd} - M_{ab}M_{cd}
        + \sum_{p \in \{aa, bb, ab\}} \sum_{q \in \{cc, dd, cd\}}
        \partial_p M_{ab}\, \partial_q M_{cd}\, V^{(l)}_{pq}\Big], \\
    K^{(l+1)}_{1,ab} &= \sigma_W^2 \Big[\sum_{p} \partial_p M_{ab}\, K^{(l)}_{1,p}
        + \tfrac12 \sum_{p, q} \partial_p\partial_q M_{ab}\, V^{(l)}_{pq}\Big],

with :math:`M_{abcd} = E_{K^{(l)}}[g_a g_b g_c g_d]`, :math:`V^{(1)} = K^{(1)}_1 = 0` (the first
layer is exactly Gaussian), and :math:`\sigma_W^2 \to v_{out}` for the output layer.  The
leading connected four-point function of the output is
:math:`\kappa_4 = [V_{(12)(34)} + V_{(13)(24)} + V_{(14)(23)}]/N`; at L = 1 this is the
foundation's exact :math:`N \kappa_4(t)`.

Non-Gaussian i.i.d. weights after the first layer (:math:`W_{ij} = \sqrt{w/N}\,\xi_{ij}`,
:math:`\xi` of zero third moment and fourth cumulant :math:`\kappa_4 = E\xi^4 - 3`).  Given
layer l the pre-activations of layer l+1 are still independent across neurons with covariance
:math:`\hat G^{(l+1)}`, but no longer Gaussian: one neuron has the fourth cumulant
:math:`(\kappa_4 w^2/N^2)\sum_j g_a g_b g_c g_d = T^{(l+1)}_{abcd}/N + O(N^{-3/2})`,
:math:`T^{(l+1)} = \kappa_4 w^2 M^{(l)}_{abcd}`, and its higher cumulants are
:math:`O(N^{-2})`.  The Edgeworth expansion of a neuron's expectation,
:math:`E[F(z)] = E_{\hat G}[F] + \frac{1}{24 N} T_{cdef} E_{\hat G}[\partial_c\partial_d
\partial_e\partial_f F]` with :math:`E[\partial_c\partial_d\partial_e\partial_f F]` the
second covariance derivatives of :math:`E_{\hat G}[F]` (Price), adds
:math:`\tfrac16 \sum_{p,q} \partial_p\partial_q M_{ab}\, T^{(l)}_{pq}` to the bracket of
:math:`K_1^{(l+1)}`, i.e. :math:`V^{(l)} \to V^{(l)} + T^{(l)}/3` there; the kernel and the
vertex recursion are unchanged at this order (a neuron's own fourth cumulant changes
:math:`\mathrm{Var}\,F` only at :math:`O(1/N)`, and different neurons stay independent given
the previous layer).  Non-Gaussian read-out weights add their :math:`T^{out}` to the output's
connected four-point function: :math:`\kappa_4 = [V_{(12)(34)} + V_{(13)(24)} + V_{(14)(23)}
+ T^{out}_{1234}]/N`.  So the hidden layers' :math:`\kappa_4` reaches the output at 1/N only
through :math:`K_1` (in :math:`G^{(2)}` and :math:`\Delta G^{(n)}`, not in the connected
four-point function); for ReLU at one input it vanishes at 1/N (:math:`E[\mathrm{relu}(z)^2] =
E[z^2]/2` for any symmetric z) and enters at :math:`1/N^2`.  Non-Gaussian biases after the
first layer change the layer law at leading order and are refused.

The pair expectation :math:`M_{ab}` and its first and second derivatives come from the closed forms
of the activation's rule book (:mod:`nnqft_sym.activations`: arc-cosine for
a relu(z) + b relu(-z) such as ReLU, leaky ReLU and |z|, arcsine for a erf(bz), exponential
activations by the moment-generating function; differentiated symbolically) or, for smooth activations, from Price's theorem
(:math:`\partial_{K_{ab}} E[F] = E[\partial_a\partial_b F]`,
:math:`\partial_{K_{aa}} E[F] = \tfrac12 E[\partial_a^2 F]`) with
:func:`nnqft_sym.quadrature.gaussian_expectation` (one function per point, rules scaled to the
variance); the variance derivatives of :math:`E[\phi^2]` above variance 1 use the Gaussian
score identities instead, which do not cancel at large variance.  Four-point expectations go
through the strategy chain :func:`nnqft_sym.expectations.gaussian_moment` (moment-generating
function, closed forms, a Gauss-Hermite product rule for smooth activations, quadrature told the
kinks).
"""
from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from .activations import activation_rules
from .errors import DivergentExpectationError, NoClosedFormError
from .expectations import gaussian_moment
from .moments import covariance_expr, symbolic_points
from .partitions import blocks_with_lowest, mask_bits, pairings, wick_sum
from .priors import ParameterPrior
from .quadrature import gaussian_expectation
from .specification import NetworkSpec as Network
from .specification import S, default_points
from .validation import as_points, broadcast_coordinates, check_deviation_order, relative_to_free

__all__ = [
    "PairExpectation",
    "pair_expectation",
    "product_expectation",
    "layer_kernels",
    "read_variances",
    "weight_fourth_cumulants",
    "kernel_map_gradient",
    "deep_kernel",
    "deep_kernel_expr",
    "layer_kernels_expr",
    "LayerRecursion",
    "layer_recursion",
    "leading_connected_four_point",
    "leading_delta_green",
    "leading_deviation",
    "leading_pairing_coefficients",
    "leading_free_green",
    "leading_connected_three_point",
    "deep_mean_function",
    "leading_mean_correction",
    "mean_field_layers",
]

_SX, _SY, _C = sp.symbols("s_x s_y c", real=True)
_SV = sp.Symbol("s", positive=True)

#: E[phi^2] is differentiated in the variance by Price's theorem below this variance, by the
#: Gaussian score identities above it (see _diagonal_numeric)
_SCORE_MIN_VARIANCE = 1.0
#: above this many distinct input points the recursion runs per point combination
_MAX_DISTINCT = 16


# ============================================================================ pair expectations
@dataclass(frozen=True)
class PairExpectation:
    r"""The pair expectation :math:`f_2(s_x, s_y, c) = E[\phi(z_x)\phi(z_y)]` and its derivatives.

    ``(z_x, z_y) ~ N(0, [[s_x, c], [c, s_y]])``; ``diagonal`` is :math:`f_1(s) = E[\phi(z)^2]`,
    :math:`z \sim N(0, s)` (the coincident-point limit, needed separately because
    :math:`f_2` need not be differentiable at :math:`c^2 = s_x s_y`).

    Attributes
    ----------
    activation : sympy expression of :data:`nnqft_sym.Z`
    closed_form : sympy expression of ``(s_x, s_y, c)`` or None
        The symbolic :math:`f_2` when one is known (ReLU, Erf, exponential activations);
        None means the numeric path (quadrature; derivatives by Price's theorem).
    """

    activation: sp.Expr
    closed_form: sp.Expr | None

    def value(self, sx: np.ndarray, sy: np.ndarray, c: np.ndarray) -> np.ndarray:
        """:math:`f_2` at arrays of equal shape ``(...)``."""
        if self.closed_form is None:
            cov = np.stack([np.stack([sx, c], -1), np.stack([c, sy], -1)], -2)
            return np.asarray(product_expectation(self.activation, cov))
        return activation_rules(self.activation).pair_function(sx, sy, c)

    def gradient(self, sx: np.ndarray, sy: np.ndarray, c: np.ndarray) -> np.ndarray:
        """``(3, ...)``: derivatives with respect to ``(s_x, s_y, c)`` (needs c^2 < s_x s_y)."""
        if self.closed_form is None:
            return np.stack([0.5 * self._price((2, 0), sx, sy, c),
                             0.5 * self._price((0, 2), sx, sy, c),
                             self._price((1, 1), sx, sy, c)])
        grad = _closed_form_functions(self.closed_form)[1]
        return np.stack([np.broadcast_to(g(sx, sy, c), np.shape(sx)) for g in grad])

    def hessian(self, sx: np.ndarray, sy: np.ndarray, c: np.ndarray) -> np.ndarray:
        """``(3, 3, ...)``: second derivatives with respect to ``(s_x, s_y, c)``."""
        if self.closed_form is None:
            h = self._price
            xx, yy, cc = 0.25 * h((4, 0), sx, sy, c), 0.25 * h((0, 4), sx, sy, c), h((2, 2), sx, sy, c)
            xy = 0.25 * h((2, 2), sx, sy, c)
            xc, yc = 0.5 * h((3, 1), sx, sy, c), 0.5 * h((1, 3), sx, sy, c)
            return np.array([[xx, xy, xc], [xy, yy, yc], [xc, yc, cc]])
        hess = _closed_form_functions(self.closed_form)[2]
        return np.array([[np.broadcast_to(hess[i][j](sx, sy, c), np.shape(sx)) for j in range(3)]
                         for i in range(3)])

    def diagonal(self, s: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:math:`(f_1, f_1', f_1'')` at variances ``s`` (``(...)`` each)."""
        if self.closed_form is None:
            _require_smooth(self.activation)
            return _diagonal_numeric(self.activation, s)
        funcs = _diagonal_functions(self.closed_form)
        return tuple(np.broadcast_to(f(s), np.shape(s)) for f in funcs)

    def _price(self, orders: tuple[int, int], sx, sy, c) -> np.ndarray:
        """E[phi^(i)(z_x) phi^(j)(z_y)] (Price's theorem needs a smooth activation)."""
        _require_smooth(self.activation)
        d = activation_rules(self.activation).derivative_functions
        return _rule_2d(d[orders[0]], d[orders[1]], sx, sy, c)


@functools.lru_cache(maxsize=32)
def pair_expectation(activation: sp.Expr) -> PairExpectation:
    """The :class:`PairExpectation` of an activation (closed form when one is known).

    Examples
    --------
    >>> import sympy as sp
    >>> from nnqft_sym import Z
    >>> pe = pair_expectation(sp.Max(0, Z))
    >>> float(pe.diagonal(2.0)[0])        # E[relu(z)^2] = s / 2
    1.0
    >>> pair_expectation(sp.tanh(Z)).closed_form is None
    True
    """
    return PairExpectation(activation, _pair_closed_form(activation))


def _pair_closed_form(activation: sp.Expr) -> sp.Expr | None:
    try:
        return activation_rules(activation).pair_closed_form()
    except NoClosedFormError:
        return None


@functools.lru_cache(maxsize=32)
def _closed_form_functions(expr: sp.Expr):
    args = (_SX, _SY, _C)
    grad = [sp.diff(expr, v) for v in args]
    hess = [[sp.diff(g, v) for v in args] for g in grad]
    lam = functools.partial(sp.lambdify, args, modules=["scipy", "numpy"])
    return lam(expr), [lam(g) for g in grad], [[lam(h) for h in row] for row in hess]


@functools.lru_cache(maxsize=32)
def _diagonal_functions(expr: sp.Expr):
    diag = sp.simplify(expr.subs(_C, sp.sqrt(_SX * _SY)).subs({_SX: _SV, _SY: _SV}))
    return [sp.lambdify(_SV, sp.diff(diag, _SV, k), modules=["scipy", "numpy"]) for k in range(3)]


def _require_smooth(activation: sp.Expr) -> None:
    kinks = activation_rules(activation).kinks
    if kinks:
        raise ValueError(f"the 1/N vertex of the activation {activation} needs derivatives of its "
                         "pair expectation: available for closed forms (ReLU, Erf, exponential) "
                         "and smooth activations, not for kinks at "
                         f"{list(kinks)}")


def _diagonal_numeric(activation: sp.Expr, s: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r""":math:`(f_1, f_1', f_1'')` of :math:`f_1(s) = E[F(z)]`, :math:`F = \phi^2`,
    :math:`z \sim N(0, s)`, for a smooth activation :math:`\phi` (:func:`_variance_derivatives`)."""
    s = np.asarray(s, dtype=float)
    d = activation_rules(activation).derivative_functions
    f1 = np.asarray(gaussian_expectation([d[0], d[0]], np.broadcast_to(s[..., None, None],
                                                                        s.shape + (2, 2)),
                                         activation=activation))
    f1p, f1pp = _variance_derivatives(
        f1, lambda z: d[0](z) ** 2, lambda z: d[1](z) ** 2 + d[0](z) * d[2](z),
        lambda z: 2 * d[0](z) * d[4](z) + 8 * d[1](z) * d[3](z) + 6 * d[2](z) ** 2, s)
    return f1, f1p, f1pp


def _variance_derivatives(f0: np.ndarray, func, half_second, fourth, s: np.ndarray
                          ) -> tuple[np.ndarray, np.ndarray]:
    r""":math:`(f', f'')` of :math:`f(s) = E[F(z)]`, :math:`z \sim N(0, s)`, for a smooth F.

    ``f0`` is :math:`f(s)`, ``func`` is F, ``half_second`` :math:`F^{(2)}/2` and ``fourth``
    :math:`F^{(4)}`.  Below ``_SCORE_MIN_VARIANCE``, Price's theorem: :math:`f' = E[F^{(2)}]/2`,
    :math:`f'' = E[F^{(4)}]/4`.  Above it, the Gaussian score identities (differentiate the
    density): :math:`f' = (E[F z^2]/s - E[F])/(2s)`,
    :math:`f'' = (E[F z^4]/s^2 - 6E[F z^2]/s + 3E[F])/(4s^2)`.  The derivatives of a
    saturating :math:`\phi^2` are localised with zero integral, so Price's integrals cancel to
    a relative :math:`O(s^{-2})` (measured against mpmath at s = 1000: tanh 5e-5, GELU 0.5 for
    :math:`f_1''`); the score form keeps <= 5e-10 there, and Price's form is the accurate one at
    small s (the score form cancels like :math:`s^{-2}` as s -> 0).
    """
    f1p, f1pp = np.empty_like(f0), np.empty_like(f0)
    price = s < _SCORE_MIN_VARIANCE
    if np.any(price):
        low = s[price]
        f1p[price] = _rule_1d(half_second, low)
        f1pp[price] = 0.25 * _rule_1d(fourth, low)
    if not np.all(price):
        high = s[~price]
        m0 = f0[~price]
        m2 = _rule_1d(lambda z: func(z) * z ** 2, high) / high
        m4 = _rule_1d(lambda z: func(z) * z ** 4, high) / high ** 2
        f1p[~price] = (m2 - m0) / (2 * high)
        f1pp[~price] = (m4 - 6 * m2 + 3 * m0) / (4 * high ** 2)
    return f1p, f1pp


@functools.lru_cache(maxsize=32)
def _mean_closed_form(activation: sp.Expr):
    r"""NumPy functions of :math:`(\mu, \mu', \mu'')`, :math:`\mu(s) = E[\phi(z)]`,
    :math:`z \sim N(0, s)`, from the activation's rule book (zero for an odd activation,
    :math:`(a + b)\sqrt{s/2\pi}` for :math:`a\,\mathrm{relu}(z) + b\,\mathrm{relu}(-z)`, the
    moment-generating function for exponential activations); None without a closed form."""
    try:
        expr = activation_rules(activation).product_closed_form(sp.Matrix([[_SV]]))
    except NoClosedFormError:
        return None
    expr = sp.simplify(expr)
    return [sp.lambdify(_SV, sp.diff(expr, _SV, k), modules=["scipy", "numpy"]) for k in range(3)]


def _mean_statistics(net: Network, s: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r""":math:`(\mu, \mu', \mu'')` of one neuron's mean :math:`\mu(s) = n\,E[\phi(z)]`,
    :math:`z \sim N(0, s)`, at the variances ``s`` (``(m,)``), the normalisation n held at ``s``
    (the infinite-width variance, as in :func:`_pair_statistics`).

    Closed forms where the rule book has one, else (smooth activations) Price's theorem and the
    score identities (:func:`_variance_derivatives`).  At s = 0 the pre-activation is 0 with
    zero fluctuations (its V and K_1 vanish), so the derivatives, which multiply them, are set to
    0 there (ReLU's :math:`\mu' \propto s^{-1/2}` diverges).
    """
    s = np.asarray(s, dtype=float)
    funcs = _mean_closed_form(net.activation)
    if funcs is not None:
        with np.errstate(divide="ignore", invalid="ignore"):
            values = [np.array(np.broadcast_to(f(s), s.shape), dtype=float) for f in funcs]
        for v in values[1:]:
            v[s == 0] = 0.0
    else:
        _require_smooth(net.activation)
        d = activation_rules(net.activation).derivative_functions
        mu = _rule_1d(d[0], s)
        values = [mu, *_variance_derivatives(mu, d[0], lambda z: 0.5 * d[2](z), d[4], s)]
    norm = _layer_normalisation(net, s)
    return tuple(v * norm for v in values)


def _rule_1d(func, s: Any) -> np.ndarray:
    """E[func(z)], z ~ N(0, s), for an array of variances ``s`` (the rules of
    :func:`nnqft_sym.quadrature.gaussian_expectation`, which scale with sqrt(s))."""
    s = np.asarray(s, dtype=float)
    return np.asarray(gaussian_expectation(func, s[..., None, None]))


def _rule_2d(f1, f2, sx, sy, c) -> np.ndarray:
    """E[f1(z_x) f2(z_y)] for arrays of (s_x, s_y, c), by
    :func:`nnqft_sym.quadrature.gaussian_expectation` with one function per point."""
    sx, sy, c = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (sx, sy, c)))
    cov = np.stack([np.stack([sx, c], -1), np.stack([c, sy], -1)], -2)
    return np.asarray(gaussian_expectation([f1, f2], cov))


# ============================================================================ n-point expectations
def product_expectation(activation: sp.Expr, cov: Any) -> np.ndarray:
    r""":math:`E[\prod_i \phi(z_i)]` for :math:`z \sim N(0, C)`, ``cov`` of shape ``(..., n, n)``.

    The strategy chain of :func:`nnqft_sym.expectations.gaussian_moment` (moment-generating
    function, closed forms of the activation's rule book, quadrature told the kinks), with the
    eigen-factor product rule for smooth activations at n >= 3 points of rank >= 3.

    Examples
    --------
    >>> import sympy as sp, numpy as np
    >>> from nnqft_sym import Z
    >>> round(float(product_expectation(sp.exp(Z), np.eye(2))), 12)      # e^{1/2} e^{1/2}
    2.718281828459
    """
    return gaussian_moment(activation, cov, product_rule=True)


def _check_deep(net: Network, what: str, hidden_means: bool = False) -> None:
    net.require_numeric(what)
    if not net.first_layer_is_gaussian:
        raise ValueError(f"{what}: the layer recursion needs Gaussian first-layer pre-activations; "
                         f"{net.name} has the first-layer priors "
                         f"{[p.describe()['law'] for p in (net.priors.first_weights, net.priors.first_biases)]}")
    if not hidden_means:
        _check_hidden_centred(net, what)
    _check_biases(net, what, readout=False)


def _check_biases(net: Network, what: str, readout: bool) -> None:
    """Refuse non-Gaussian biases of nonzero variance after the first layer (the hidden ones,
    and the read-out bias if ``readout``): they change the law of the pre-activations (of the
    output) at leading order, the kernels themselves, which the layer recursion does not cover."""
    biases = [name for name, p in net.priors.groups().items()
              if (name.startswith("hidden_biases") or (readout and name == "readout_bias"))
              and not p.is_gaussian and p.variance != 0]
    if biases:
        raise ValueError(f"{what}: the groups {biases} of this {net.name} are non-Gaussian "
                         "biases after the first layer, which change the law of the "
                         "pre-activations at leading order (the kernel itself), not covered by "
                         "the layer recursion: use Gaussian biases or variance 0")


def _check_hidden_centred(net: Network, what: str) -> None:
    """Refuse means in the groups before the read-out (first and hidden layers), naming them."""
    off_centre = net.priors.shifted_before_readout
    if off_centre:
        raise ValueError(f"{what}: the layer recursion needs centred priors before the read-out "
                         f"(hidden-layer means are not covered; read-out means are); the groups "
                         f"{off_centre} of this {net.name} have nonzero means (mean_field_layers, "
                         "deep_kernel, deep_mean_function and leading_free_green take them at "
                         "infinite width)")


def _check_gaussian_layers(net: Network, what: str) -> None:
    """Past the 1/N vertex (:mod:`nnqft_sym.deep_orders`) the recursions use Gaussian moments of
    the weights and biases after the first layer."""
    laws = {name: p.describe() for name, p in net.priors.groups().items()
            if not name.startswith("first") and not p.is_gaussian}
    if laws:
        raise ValueError(f"{what}: past the leading 1/N order the recursion assumes Gaussian "
                         f"weights and biases after the first layer; the groups {sorted(laws)} "
                         f"of this {net.name} are not (layer_recursion and the leading 1/N "
                         "functions accept non-Gaussian i.i.d. weights)")


def _check_layer_priors(net: Network, what: str) -> None:
    r"""The priors after the first layer that the leading 1/N recursion handles.

    Weights: i.i.d. (:class:`~nnqft_sym.priors.ParameterPrior`) with a law of zero third moment
    and a finite fourth moment (a third moment would shift the kernel at order
    :math:`N^{-1/2}`).  Biases: Gaussian, or of zero variance (a non-Gaussian bias changes the
    law of a layer's pre-activations at leading order, so the kernel itself).
    """
    later = {name: prior for name, prior in net.priors.groups().items()
             if not name.startswith("first")}
    for name, prior in later.items():
        if not isinstance(prior, ParameterPrior):
            raise ValueError(f"{what}: the layer recursion needs i.i.d. priors after the first "
                             f"layer; the group {name} of this {net.name} has the correlated "
                             f"prior {prior.describe()['prior']!r} (shared scales and spherical "
                             "read-outs are exact at depth 1 only)")
    _check_biases(net, what, readout=True)
    for name, prior in later.items():
        if prior.fan_in_scaled and not prior.is_gaussian:
            _weight_fourth_cumulant(prior, f"{what}: {name}")


def _weight_fourth_cumulant(prior: ParameterPrior, what: str) -> float:
    r""":math:`\kappa_4 = E[\xi^4] - 3` of a weight law, checked: zero third moment, finite fourth."""
    if prior.is_gaussian:
        return 0.0
    law = prior.law
    try:
        third, fourth = law.moment(3), law.moment(4)
    except DivergentExpectationError as exc:
        raise ValueError(f"{what}: the 1/N recursion needs the fourth moment of the law "
                         f"{law.name!r}: {exc}") from exc
    if not law.is_symmetric and sp.simplify(third) != 0:
        raise ValueError(f"{what}: the 1/N recursion needs weights with zero third moment "
                         f"(E[xi^3] = 0); the law {law.name!r} has E[xi^3] = {third} (it would "
                         "shift the kernel at order N^(-1/2))")
    return float(fourth) - 3.0


def weight_fourth_cumulants(net: Network) -> list[float]:
    r"""Fourth cumulants :math:`\kappa_4 = E[\xi^4] - 3` of the standardised weights of the layers
    that read layer l = 1..L (hidden layers 2..L, then the read-out), in the order of
    :func:`read_variances`.

    Zero for Gaussian weights; -2 for Rademacher, -6/5 for uniform, 3 for Laplace.

    Raises
    ------
    ValueError
        If a weight law has a nonzero third moment or no finite fourth moment, a bias after the
        first layer is non-Gaussian, or a prior there is not i.i.d.

    Examples
    --------
    >>> from nnqft_sym import ReLUNet
    >>> weight_fourth_cumulants(ReLUNet(depth=2).with_priors(hidden_weights="rademacher"))
    [-2.0, 0.0]
    """
    _check_layer_priors(net, "weight_fourth_cumulants")
    return [_weight_fourth_cumulant(net.priors.layer(layer)[0], f"layer {layer}")
            for layer in range(2, net.depth + 2)]


def _layer_normalisation(net: Network, s: np.ndarray) -> np.ndarray:
    if net.normalisation == 1:
        return np.ones_like(s)
    return np.asarray(net.normalisation_function(s), dtype=float)


def read_variances(net: Network, numeric: bool = True) -> list[tuple[Any, Any]]:
    """(weight variance times N, bias variance) of the layers that read layer l = 1..L, from the priors.

    Hidden layers 2..L and the read-out (``net.priors.layer``): (sigma_W^2, sigma_b^2), ...,
    (v_out, sigma_b^2); floats when ``numeric``.  The kernel recursions here and the control
    variate of :mod:`numeric.conditional` read them.

    Examples
    --------
    >>> from nnqft_sym import ReLUNet
    >>> read_variances(ReLUNet(sigma_w=2, sigma_b=0.5, depth=2))
    [(4.0, 0.25), (4.0, 0.25)]
    """
    layers = [net.priors.layer(layer) for layer in range(2, net.depth + 2)]
    pairs = [(w.variance, b.variance) for w, b in layers]
    return [(float(w), float(b)) for w, b in pairs] if numeric else pairs


def layer_kernels(net: Network, x: Any, y: Any) -> np.ndarray:
    r"""Infinite-width kernels :math:`K^{(1)}, \dots, K^{(L)}` and the output kernel at (x, y).

    Returns an array ``(L + 1, ..., 3)`` holding :math:`(K(x,x), K(y,y), K(x,y))` per layer;
    index 0 is the first-layer pre-activation covariance, index L the output kernel.

    Examples
    --------
    >>> from nnqft_sym import ReLUNet
    >>> ks = layer_kernels(ReLUNet(sigma_w=1, sigma_b=1, depth=2), 1.0, 1.0)
    >>> ks[:, 0].round(12).tolist()     # diagonal recursion K -> sigma_b^2 + sigma_w^2 K / 2
    [2.0, 2.0, 2.0]
    """
    _check_deep(net, "layer_kernels")
    xa, ya = broadcast_coordinates(x, y, net.d_in)
    sb2, sw2 = float(net.priors.first_biases.variance), float(net.priors.first_weights.variance)
    kxx = sb2 + sw2 * np.sum(xa * xa, -1) / net.d_in
    kyy = sb2 + sw2 * np.sum(ya * ya, -1) / net.d_in
    kxy = sb2 + sw2 * np.sum(xa * ya, -1) / net.d_in
    pair = pair_expectation(net.activation)
    out = [np.stack([kxx, kyy, kxy], -1)]
    for w, sb2 in read_variances(net):
        nx, ny = _layer_normalisation(net, kxx), _layer_normalisation(net, kyy)
        kxx, kyy, kxy = (sb2 + w * nx * nx * pair.value(kxx, kxx, kxx),
                         sb2 + w * ny * ny * pair.value(kyy, kyy, kyy),
                         sb2 + w * nx * ny * pair.value(kxx, kyy, kxy))
        out.append(np.stack([kxx, kyy, kxy], -1))
    return np.stack(out)


def deep_kernel(net: Network, x: Any, y: Any) -> np.ndarray | float:
    """Output GP kernel K(x, y) of a network of any depth, broadcasting like :func:`nnqft_sym.kernel_numeric`.

    Examples
    --------
    >>> import numpy as np
    >>> from nnqft_sym import ReLUNet
    >>> net = ReLUNet(sigma_w=np.sqrt(2), sigma_b=0, depth=3)
    >>> round(float(deep_kernel(net, 0.5, 0.5)), 12)    # critical ReLU: K(x,x) preserved
    0.5
    """
    _check_centred_readout(net, "deep_kernel")
    out = (mean_field_layers(net, x, y)[1] if _has_hidden_mean(net) else layer_kernels(net, x, y))[-1, ..., 2]
    return _scalar(out)


def _check_centred_readout(net: Network, what: str) -> None:
    """Refuse read-out means where a result would silently drop them (as
    :func:`nnqft_sym.readout_covariance` does at depth 1)."""
    if _has_readout_mean(net):
        mu_w, mu_b = _readout_means(net)
        raise ValueError(f"{what} needs centred read-out priors (E f f then has mean terms); "
                         f"got means {mu_w} (weights) and {mu_b} (bias): use "
                         "deep_mean_function, leading_free_green and leading_delta_green, which "
                         "take them")


def deep_kernel_expr(net: Network, x: Any = None, y: Any = None) -> sp.Expr:
    r"""The output kernel as a SymPy expression, composing the closed-form pair expectations.

    Available when :math:`E[\phi\phi]` has a closed form (ReLU arc-cosine, Erf arcsine,
    exponential activations); the first layer is :math:`K^{(1)} = \sigma_b^2 + \sigma_W^2
    x\cdot y / d_{in}`.

    Raises
    ------
    NoClosedFormError
        If the activation has no closed-form pair expectation (a ``ValueError``).
    ValueError
        If ``d_in`` is symbolic or the pre-activations are not Gaussian.

    Examples
    --------
    >>> import sympy as sp
    >>> from nnqft_sym import ReLUNet
    >>> k = deep_kernel_expr(ReLUNet(sigma_w=1, sigma_b=1, depth=2), 1, 1)
    >>> sp.nsimplify(k)
    2
    """
    _check_centred_readout(net, "deep_kernel_expr")
    return layer_kernels_expr(net, x, y)[-1][2]


def layer_kernels_expr(net: Network, x: Any = None, y: Any = None) -> list[tuple[sp.Expr, sp.Expr, sp.Expr]]:
    r"""The kernels :math:`(K^{(l)}(x,x), K^{(l)}(y,y), K^{(l)}(x,y))`, l = 1..L and the output, as SymPy.

    The symbolic twin of :func:`layer_kernels` (index 0 the first-layer pre-activation
    covariance, the last the output kernel), composing the closed-form pair expectations.

    Raises
    ------
    NoClosedFormError
        If the activation has no closed-form pair expectation (a ``ValueError``).
    ValueError
        If ``d_in`` is symbolic or the pre-activations are not Gaussian.

    Examples
    --------
    >>> from nnqft_sym import ReLUNet
    >>> [k[2] for k in layer_kernels_expr(ReLUNet(sigma_w=1, sigma_b=0, depth=1), 1, 1)]
    [1, 1/2]
    """
    if not isinstance(net.d_in, int):
        raise ValueError(f"d_in: the symbolic layer kernels (deep_kernel_expr, ntk_expr) need an "
                         f"integer d_in, got {net.d_in}")
    if not net.first_layer_is_gaussian:
        raise ValueError(f"the symbolic layer kernels (deep_kernel_expr, ntk_expr): {net.name} "
                         "has non-Gaussian pre-activations")
    _check_hidden_centred(net, "the symbolic layer kernels (deep_kernel_expr, ntk_expr)")
    pair = pair_expectation(net.activation).closed_form
    if pair is None:
        raise NoClosedFormError(f"no closed-form pair expectation for the activation {net.activation}: "
                         "use numeric points (deep_kernel) for the Gauss-Hermite recursion")
    if x is None and y is None:
        x, y = default_points(net.d_in)
    cov = covariance_expr(net, symbolic_points([x, y], net.d_in))
    kxx, kyy, kxy = cov[0, 0], cov[1, 1], cov[0, 1]
    out = [(kxx, kyy, kxy)]
    diag = sp.simplify(pair.subs(_C, sp.sqrt(_SX * _SY)).subs({_SX: _SV, _SY: _SV}))
    for w, sb2 in read_variances(net, numeric=False):
        nx, ny = net.normalisation.subs(S, kxx), net.normalisation.subs(S, kyy)
        kxx, kyy, kxy = (sb2 + w * nx ** 2 * diag.subs(_SV, kxx),
                         sb2 + w * ny ** 2 * diag.subs(_SV, kyy),
                         sb2 + w * nx * ny * pair.subs({_SX: kxx, _SY: kyy, _C: kxy},
                                                                    simultaneous=True))
        out.append((kxx, kyy, kxy))
    return out


# ============================================================================ 1/N vertex recursion
@dataclass(frozen=True)
class LayerRecursion:
    r"""Layer-by-layer statistics of a deep network on a set of distinct input points.

    Attributes
    ----------
    points : ndarray (m, d_in)
        The distinct inputs; every other array is indexed by them.
    kernels : tuple of ndarray (m, m)
        :math:`K^{(1)}, \dots, K^{(L)}` (pre-activation kernels) and, last, the output kernel.
    vertices : tuple of ndarray (m, m, m, m)
        :math:`V^{(1)} = 0, \dots, V^{(L)}` and the output vertex: :math:`N\,\mathrm{Cov}(\hat
        G_{ab}, \hat G_{cd}) \to V_{abcd}`.
    kernel_corrections : tuple of ndarray (m, m)
        :math:`K_1^{(l)}`: :math:`E\hat G^{(l)} = K^{(l)} + K_1^{(l)}/N + O(N^{-2})`; the last is
        the output's, so :math:`G^{(2)} = K + K_1/N + O(N^{-2})`.
    fourth_cumulants : tuple of ndarray (m, m, m, m)
        :math:`T^{(l)}`: N times the fourth cumulant of one pre-activation of layer l given the
        previous layer, to leading order, :math:`T^{(l)} = \kappa_4^{(l)} w_l^2
        M^{(l-1)}_{abcd}` (zero for Gaussian weights and for the first layer); the last is the
        output's (non-zero for non-Gaussian read-out weights).
    output_mean : ndarray (m,)
        The infinite-width mean :math:`m = \mu_b + \mu_W\, n\,E_{K^{(L)}}[\phi]` of the
        output (read-out weight mean :math:`\mu_W/N` each, bias mean :math:`\mu_b`; zero for a
        centred read-out).
    output_mean_correction : ndarray (m,)
        :math:`m_1`: :math:`E f = m + m_1/N + O(N^{-2})`,
        :math:`m_1 = \mu_W[\mu' K^{(L)}_{1,aa} + \tfrac12 \mu'' (V + T/3)^{(L)}_{(aa)(aa)}]`.
    mean_covariance : ndarray (m, m)
        :math:`C_{ab} = N\,\mathrm{Cov}(\hat m(x_a), \hat m(x_b))` to leading order, with
        :math:`\hat m = \mu_b + \mu_W \bar g` the output's mean given the last hidden layer:
        :math:`\mu_W^2[M_{ab} - \mu_a\mu_b + \mu'_a\mu'_b V^{(L)}_{(aa)(bb)}]`.
    mean_kernel_covariance : ndarray (m, m, m)
        :math:`D_{a,bc} = N\,\mathrm{Cov}(\hat m(x_a), \hat G_{bc})` to leading order,
        :math:`\hat G` the output's covariance given the last hidden layer:
        :math:`\mu_W v_{out}[M_{abc} - \mu_a M_{bc} + \mu'_a \sum_q \partial_q M_{bc}
        V^{(L)}_{(aa)q}]`.

    The last four are the read-out mean's statistics (:func:`layer_recursion`); with
    :math:`\mu_W = 0` they are :math:`\mu_b` and zeros.
    """

    points: np.ndarray
    kernels: tuple[np.ndarray, ...]
    vertices: tuple[np.ndarray, ...]
    kernel_corrections: tuple[np.ndarray, ...]
    fourth_cumulants: tuple[np.ndarray, ...]
    output_mean: np.ndarray | None = None
    output_mean_correction: np.ndarray | None = None
    mean_covariance: np.ndarray | None = None
    mean_kernel_covariance: np.ndarray | None = None

    @property
    def output_kernel(self) -> np.ndarray:
        """Output GP kernel on the distinct points, ``(m, m)``."""
        return self.kernels[-1]

    @property
    def output_vertex(self) -> np.ndarray:
        """Output four-point vertex ``V[a, b, c, d]``, ``(m, m, m, m)``."""
        return self.vertices[-1]

    @property
    def output_kernel_correction(self) -> np.ndarray:
        """Output NLO kernel ``K_1``, ``(m, m)``."""
        return self.kernel_corrections[-1]

    @property
    def output_fourth_cumulant(self) -> np.ndarray:
        """Output ``T``: N times the fourth cumulant of the output given the last hidden layer, ``(m,) * 4``."""
        return self.fourth_cumulants[-1]


def layer_recursion(net: Network, points: Any) -> LayerRecursion:
    """Run the kernel, four-point-vertex and NLO-kernel recursions on the distinct points.

    Parameters
    ----------
    net : Network
        Numeric hyper-parameters, Gaussian first-layer pre-activations, any depth.
    points : array (m, d_in) (or (m,) when d_in = 1)
        Distinct input points (duplicates are allowed but waste work).

    Examples
    --------
    >>> from nnqft_sym import ReLUNet
    >>> rec = layer_recursion(ReLUNet(depth=2), [0.5, -0.5])
    >>> [v.shape for v in rec.vertices]
    [(2, 2, 2, 2), (2, 2, 2, 2), (2, 2, 2, 2)]
    """
    _check_deep(net, "layer_recursion")
    kurtoses = weight_fourth_cumulants(net)
    pts = as_points(points, net.d_in)
    if pts.ndim != 2:
        raise ValueError(f"points must have shape (m, d_in), got {pts.shape}")
    m = pts.shape[0]
    kern = net.preactivation_covariance(pts)
    vertex = np.zeros((m,) * 4)
    fourth = np.zeros((m,) * 4)
    corr = np.zeros((m, m))
    kernels, vertices, corrections, cumulants = [kern], [vertex], [corr], [fourth]
    pair = pair_expectation(net.activation)
    slots = _pair_slots_2d(m)
    for (w, sb2), kurtosis in zip(read_variances(net), kurtoses):
        m2, coef, hess = _pair_statistics(net, pair, kern)
        m4 = _four_point_moments(net, kern)
        new_vertex = w * w * (m4 - m2[:, :, None, None] * m2[None, None, :, :]
                              + _contract_vertex(coef, coef, vertex))
        first = sum(c * corr[p] for c, p in zip(coef, slots))
        # the Gaussian fluctuation V and the fourth cumulant T of the pre-activations enter the
        # kernel correction as V + T / 3 (Edgeworth: E[F] += T_cdef E[d^4 F] / (24 N))
        spread = vertex + fourth / 3.0
        second = 0.5 * sum(hess[i, j] * spread[slots[i] + slots[j]]
                           for i in range(3) for j in range(3))
        corr = w * (first + second)
        kern = sb2 + w * m2
        vertex = new_vertex
        fourth = kurtosis * w * w * m4
        kernels.append(kern)
        vertices.append(vertex)
        corrections.append(corr)
        cumulants.append(fourth)
    means = _readout_mean_statistics(net, pair, kernels[-2], vertices[-2], corrections[-2],
                                     cumulants[-2])
    return LayerRecursion(pts, tuple(kernels), tuple(vertices), tuple(corrections),
                          tuple(cumulants), *means)


def _readout_mean_statistics(net: Network, pair: PairExpectation, kern: np.ndarray,
                             vertex: np.ndarray, corr: np.ndarray, fourth: np.ndarray
                             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r"""The read-out mean's statistics of :class:`LayerRecursion` from the last hidden layer's
    :math:`K, V, K_1, T` (``(m, m)``, ``(m,) * 4``, ``(m, m)``, ``(m,) * 4``).

    Given the last hidden layer the output is :math:`N(\hat m, \hat G)`,
    :math:`\hat m = \mu_b + \mu_W \bar g`, :math:`\bar g = N^{-1}\sum_j g_j`.  One neuron's
    mean given the layer below is :math:`\mu(\hat G^{(L)}_{aa})`, expanded around
    :math:`K^{(L)}` as the NLO kernel is (the Edgeworth term of non-Gaussian weights included:
    :math:`V \to V + T/3`).  Two different neurons are independent given the layer below, so
    their covariance is that of their conditional means, :math:`\mathrm{Cov}(\mu_a(\hat G),
    \mu_b(\hat G)) = \mu'_a \mu'_b V_{(aa)(bb)}/N` -- the inter-neuron term of the vertex
    recursion -- while a neuron with itself gives the single-neuron covariance; the N(N - 1)
    pairs and the N diagonal terms over :math:`N^2` make both O(1/N).
    """
    m = kern.shape[0]
    mu_w, mu_b = _readout_means(net)
    if mu_w == 0:
        return np.full(m, mu_b), np.zeros(m), np.zeros((m, m)), np.zeros((m,) * 3)
    v_out = float(net.priors.readout_weights.variance)
    r = np.arange(m)
    mu, d1, d2 = _mean_statistics(net, np.diagonal(kern).copy())
    spread = vertex + fourth / 3.0
    correction = mu_w * (d1 * corr[r, r] + 0.5 * d2 * spread[r, r, r, r])
    m2, coef, _ = _pair_statistics(net, pair, kern)
    between = vertex[r[:, None], r[:, None], r[None, :], r[None, :]]       # V_(aa)(bb)
    covariance = mu_w ** 2 * (m2 - mu[:, None] * mu[None, :] + d1[:, None] * d1[None, :] * between)
    a = r[:, None, None]
    inter = sum(coef[i][None, :, :] * vertex[(a, a) + tuple(ix[None] for ix in slot)]
                for i, slot in enumerate(_pair_slots_2d(m)))                  # sum_q dM_bc V_(aa)q
    m3 = _symmetric_moments(net, kern, 3)
    mixed = mu_w * v_out * (m3 - mu[:, None, None] * m2[None, :, :] + d1[:, None, None] * inter)
    return np.full(m, mu_b) + mu_w * mu, correction, covariance, mixed


def _pair_slots_2d(m: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Index pairs (aa), (bb), (ab) as broadcastable arrays over (a, b)."""
    a, b = np.arange(m)[:, None], np.arange(m)[None, :]
    a, b = np.broadcast_arrays(a, b)
    return [(a, a), (b, b), (a, b)]


def _pair_statistics(net: Network, pair: PairExpectation, kern: np.ndarray):
    """M_ab, its gradient (3, m, m) w.r.t. (K_aa, K_bb, K_ab) and Hessian (3, 3, m, m)."""
    m = kern.shape[0]
    s = np.diagonal(kern).copy()
    norm = _layer_normalisation(net, s)
    nn = norm[:, None] * norm[None, :]
    off = ~np.eye(m, dtype=bool)
    sx, sy = np.broadcast_arrays(s[:, None], s[None, :])
    m2 = np.empty((m, m))
    coef = np.zeros((3, m, m))
    hess = np.zeros((3, 3, m, m))
    if off.any():
        args = (sx[off], sy[off], kern[off])
        m2[off] = pair.value(*args)
        aligned = _perfectly_correlated(net, *args)
        if aligned.any():
            coef[:, off], hess[:, :, off] = _aligned_derivatives(pair, net, *args, aligned)
        else:
            coef[:, off] = pair.gradient(*args)
            hess[:, :, off] = pair.hessian(*args)
    f1, d1, d2 = pair.diagonal(s)
    idx = np.arange(m)
    m2[idx, idx] = f1
    coef[0, idx, idx] = d1
    hess[0, 0, idx, idx] = d2
    return m2 * nn, coef * nn, hess * nn


def kernel_map_gradient(net: Network, kern: Any) -> tuple[np.ndarray, np.ndarray]:
    r"""The layer map :math:`M_{ab} = n_a n_b E_K[\phi(z_a)\phi(z_b)]` at a kernel and its gradient.

    ``kern`` is a pre-activation kernel ``(m, m)``; returns ``M`` ``(m, m)`` and its derivatives
    ``(3, m, m)`` with respect to the independent entries :math:`(K_{aa}, K_{bb}, K_{ab})`
    (on the diagonal only the first is non-zero: :math:`d M_{aa}/d K_{aa}`), normalisations
    :math:`n_a = n(K_{aa})` held fixed -- the Jacobian of the recursion
    :math:`K^{(l+1)} = \sigma_b^2 + \sigma_W^2 M(K^{(l)})` (Roberts, Yaida, Hanin,
    arXiv:2106.10165, ch. 4).

    Examples
    --------
    >>> import numpy as np
    >>> from nnqft_sym import ReLUNet
    >>> m, grad = kernel_map_gradient(ReLUNet(), np.array([[2.0, 1.0], [1.0, 2.0]]))
    >>> float(m[0, 0]), float(grad[0, 0, 0])      # E[relu(z)^2] = s / 2
    (1.0, 0.5)
    """
    _check_deep(net, "kernel_map_gradient")
    kern = np.asarray(kern, dtype=float)
    m2, coef, _ = _pair_statistics(net, pair_expectation(net.activation), kern)
    return m2, coef


def _perfectly_correlated(net: Network, sx: np.ndarray, sy: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Pairs of distinct points with :math:`c^2 = s_x s_y` (rounding aside) and a positively
    homogeneous activation: collinear inputs at sigma_b = 0, where a closed form such as the
    ReLU arc-cosine kernel has divergent derivatives."""
    if activation_rules(net.activation).homogeneity is None:
        return np.zeros(np.shape(c), dtype=bool)
    return np.abs(c) >= np.sqrt(sx * sy) * (1 - 64 * np.finfo(float).eps)


def _aligned_derivatives(pair: PairExpectation, net: Network, sx: np.ndarray, sy: np.ndarray,
                         c: np.ndarray, aligned: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""Gradient ``(3, k)`` and Hessian ``(3, 3, k)`` of the pair expectation, perfectly
    correlated pairs (``aligned``) included.

    With :math:`\phi(tz) = t^h \phi(z)` (:math:`t > 0`) and :math:`z_y = \pm t z_x`,
    :math:`M = (\pm c)^h A_\pm`, :math:`A_\pm = E[\phi(u)\phi(\pm u)]`, :math:`u \sim N(0, 1)`:
    a smooth function of c alone on the set :math:`c^2 = s_x s_y`.  At sigma_b = 0 the random
    layer covariances of collinear inputs stay on that set (every layer is homogeneous, so
    :math:`g(x_b) = t^h g(x_a)` neuron by neuron), so the derivatives of this extension give the
    exact 1/N recursion there (at L = 1 the ReLU value :math:`m_4 = 5/N` of
    :func:`nnqft_sym.deviation`).
    """
    coef = np.zeros((3,) + np.shape(c))
    hess = np.zeros((3, 3) + np.shape(c))
    free = ~aligned
    coef[:, free] = pair.gradient(sx[free], sy[free], c[free])
    hess[:, :, free] = pair.hessian(sx[free], sy[free], c[free])
    h = activation_rules(net.activation).homogeneity
    sign = np.sign(c[aligned])
    amp = pair.value(np.ones_like(sign), np.ones_like(sign), sign)      # A_+ or A_-
    base = sign * c[aligned]                                            # |c|
    coef[2, aligned] = sign * h * base ** (h - 1) * amp
    hess[2, 2, aligned] = h * (h - 1) * base ** (h - 2) * amp if h >= 2 else 0.0
    return coef, hess


def _four_point_moments(net: Network, kern: np.ndarray) -> np.ndarray:
    """M_abcd = E[g_a g_b g_c g_d] under the layer kernel, for all (m, m, m, m) index tuples."""
    return _symmetric_moments(net, kern, 4)


def _symmetric_moments(net: Network, kern: np.ndarray, order: int) -> np.ndarray:
    """E[g_a1 ... g_a_order] under the layer kernel, the full symmetric ``(m,) * order`` table."""
    m = kern.shape[0]
    multisets = list(itertools.combinations_with_replacement(range(m), order))
    idx = np.array(multisets)
    cov = kern[idx[:, :, None], idx[:, None, :]]
    values = product_expectation(net.activation, cov)
    norm = _layer_normalisation(net, np.diagonal(kern).copy())
    values = values * np.prod(norm[idx], axis=-1)
    out = np.empty((m,) * order)
    for multiset, value in zip(multisets, values):
        for perm in set(itertools.permutations(multiset)):
            out[perm] = value
    return out


def _contract_vertex(coef_ab: np.ndarray, coef_cd: np.ndarray, vertex: np.ndarray) -> np.ndarray:
    """sum_{p in (aa, bb, ab), q in (cc, dd, cd)} coef_p[a, b] coef_q[c, d] V[p, q]."""
    m = vertex.shape[0]
    r = np.arange(m)
    a, b = r[:, None, None, None], r[None, :, None, None]
    c, d = r[None, None, :, None], r[None, None, None, :]
    left, right = [(a, a), (b, b), (a, b)], [(c, c), (d, d), (c, d)]
    out = np.zeros((m,) * 4)
    for i, p in enumerate(left):
        for j, q in enumerate(right):
            out += coef_ab[i][:, :, None, None] * coef_cd[j][None, None, :, :] * vertex[p + q]
    return out


# ============================================================================ output correlators
def _distinct(net: Network, points: Any) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows of ``points`` (..., n, d_in) and the (..., n) index of each point."""
    pts = as_points(points, net.d_in)
    flat = pts.reshape(-1, net.d_in)
    uniq, inverse = np.unique(flat, axis=0, return_inverse=True)
    return uniq, inverse.reshape(pts.shape[:-1])


def leading_pairing_coefficients(net: Network, points: Any) -> dict[tuple[tuple[int, int], ...], np.ndarray]:
    r"""1/N coefficient of :math:`\Delta G^{(n)}` resolved by output-index pairings.

    For a network with ``d_out`` outputs, :math:`\Delta G^{(n)}_{a_1..a_n}(x_1..x_n) =
    N^{-1} \sum_P c_P \prod_{(ij) \in P} \delta_{a_i a_j} + O(N^{-2})`, with, for a pairing P,
    :math:`c_P = \sum_{\{p, q\} \subset P} V_{pq} \prod_{r \ne p, q} K_r + \sum_{p \in P}
    K_{1,p} \prod_{r \ne p} K_r`.  Keys are the pairings of :func:`nnqft_sym.pairings`.

    Examples
    --------
    >>> from nnqft_sym import GaussNet
    >>> coeffs = leading_pairing_coefficients(GaussNet(depth=2), [0.0, 0.1, 0.2, 0.3])
    >>> len(coeffs)
    3
    """
    if _has_readout_mean(net):
        raise ValueError("leading_pairing_coefficients: read-out means correlate the output "
                         "components (they share the mean mu_W gbar of one set of features), so "
                         "the 1/N term is no sum over pairings; use leading_delta_green for one "
                         "output component")
    if not net.priors.readout_weights.is_gaussian:
        raise ValueError("leading_pairing_coefficients: non-Gaussian read-out weights add a "
                         "fourth cumulant of one output component (an index structure "
                         "delta_{a1 a2 a3 a4}, not a pairing); use leading_delta_green for one "
                         "output component")
    return _pairing_coefficients(net, points)


def _pairing_coefficients(net: Network, points: Any) -> dict:
    """The pairing coefficients of :func:`leading_pairing_coefficients` and, for non-Gaussian
    read-out weights, the key ``"fourth_cumulant"``: the sum over the 4-subsets S of the points
    of :math:`T^{out}(S)` times the Wick sum of K over the other points (one output component)."""
    n = as_points(points, net.d_in).shape[-2]
    if n % 2:
        return {}       # odd correlators vanish (centred, zero third moments): no pairing
    with_cumulant = n >= 4 and not net.priors.readout_weights.is_gaussian

    def compute(rec: LayerRecursion, index: np.ndarray) -> dict:
        kern, vert, corr = rec.output_kernel, rec.output_vertex, rec.output_kernel_correction
        out = {}
        for matching in pairings(n):
            pairs = [(index[..., i], index[..., j]) for i, j in matching]
            kvals = [kern[p] for p in pairs]
            total = 0.0
            for u, p in enumerate(pairs):
                rest = np.prod([kv for v, kv in enumerate(kvals) if v != u], axis=0) if n > 2 else 1.0
                total = total + corr[p] * rest
                for v in range(u + 1, len(pairs)):
                    rest2 = (np.prod([kv for t, kv in enumerate(kvals) if t not in (u, v)], axis=0)
                             if n > 4 else 1.0)
                    total = total + vert[p + pairs[v]] * rest2
            out[matching] = total
        if with_cumulant:
            out["fourth_cumulant"] = _fourth_cumulant_terms(rec, index, n)
        return out
    return _over_batch(net, points, compute)


def _fourth_cumulant_terms(rec: LayerRecursion, index: np.ndarray, n: int) -> Any:
    r""":math:`\sum_{|S| = 4} T^{out}(x_S) \sum_{\text{pairings of the rest}} \prod K`."""
    kern, fourth = rec.output_kernel, rec.output_fourth_cumulant
    total = 0.0
    for subset in itertools.combinations(range(n), 4):
        rest = [i for i in range(n) if i not in subset]
        value = fourth[tuple(index[..., i] for i in subset)]
        if rest:
            value = value * wick_sum(lambda i, j, rest=rest: kern[index[..., rest[i]],
                                                                   index[..., rest[j]]], len(rest))
        total = total + value
    return total


def _over_batch(net: Network, points: Any, compute) -> dict:
    """``compute(recursion, index)`` for every point combination of ``points`` (..., n, d_in).

    One recursion on all distinct points when there are at most :data:`_MAX_DISTINCT` of them
    (the vertex needs O(m^4) memory), otherwise one recursion per combination.
    """
    uniq, index = _distinct(net, points)
    if len(uniq) <= _MAX_DISTINCT or index.ndim == 1:
        return compute(layer_recursion(net, uniq), index)
    pts = as_points(points, net.d_in)
    parts = [_over_batch(net, p, compute) for p in pts.reshape(-1, *pts.shape[-2:])]
    return {k: np.reshape([part[k] for part in parts], pts.shape[:-2]) for k in parts[0]}


def _readout_means(net: Network) -> tuple[float, float]:
    r"""(:math:`\mu_W`, :math:`\mu_b`) of the read-out: weight mean :math:`\mu_W/N` each, bias
    mean :math:`\mu_b` (zero for centred, shared-scale and spherical read-outs)."""
    return (_numeric_mean(net.priors.readout_weights), _numeric_mean(net.priors.readout_bias))


def _has_readout_mean(net: Network) -> bool:
    return any(v != 0 for v in _readout_means(net))


def _expand_moment(cumulant, n: int) -> tuple[Any, Any]:
    r"""``(G_0, c_1)`` of :math:`G^{(n)} = G_0 + c_1/N + O(N^{-2})` by the moment-cumulant formula.

    ``cumulant(block)`` gives, for a list of point positions, the pair ``(k_0, k_1)`` of the
    joint cumulant :math:`\kappa = k_0 + k_1/N + O(N^{-2})` (:math:`k_0 = 0` past two points,
    :math:`k_1 = 0` past four: :math:`\kappa_n = O(N^{1 - n/2})` and better).  The subset
    recursion over the block of the lowest point keeps the terms of order 0 and 1 in 1/N.
    """
    memo: dict[int, tuple[Any, Any]] = {0: (1.0, 0.0)}

    def expand(mask: int) -> tuple[Any, Any]:
        if mask not in memo:
            lead, first = 0.0, 0.0
            for block in blocks_with_lowest(mask):
                if block.bit_count() > 4:
                    continue
                k0, k1 = cumulant(mask_bits(block))
                r0, r1 = expand(mask ^ block)
                lead, first = lead + k0 * r0, first + k1 * r0 + k0 * r1
            memo[mask] = (lead, first)
        return memo[mask]
    return expand((1 << n) - 1)


def _recursion_cumulants(rec: LayerRecursion, index: np.ndarray):
    r"""The output cumulants of :func:`_expand_moment` from a :class:`LayerRecursion`.

    By the law of total cumulance over the last hidden layer h (the output is
    :math:`N(\hat m, \hat G)` given h, plus :math:`T^{out}/N` for a non-Gaussian read-out law):
    :math:`\kappa_1 = m + m_1/N`; :math:`\kappa_2 = K + (K_1 + C)/N`; :math:`\kappa_3 =
    \sum_3 \mathrm{Cov}(\hat m, \hat G) = (D_{a,bc} + D_{b,ac} + D_{c,ab})/N`;
    :math:`\kappa_4 = [V_{(ab)(cd)} + V_{(ac)(bd)} + V_{(ad)(bc)} + T^{out}_{abcd}]/N` (the
    mean enters :math:`\kappa_4` through :math:`\kappa(\hat m, \hat m, \hat G) = O(N^{-2})` and
    :math:`\kappa_4(\hat m) = O(N^{-3})` only).
    """
    ix = [index[..., k] for k in range(index.shape[-1])]
    kern, corr, vert = rec.output_kernel, rec.output_kernel_correction, rec.output_vertex

    def cumulant(block: list[int]) -> tuple[Any, Any]:
        p = [ix[k] for k in block]
        if len(p) == 1:
            return rec.output_mean[p[0]], rec.output_mean_correction[p[0]]
        if len(p) == 2:
            return kern[p[0], p[1]], corr[p[0], p[1]] + rec.mean_covariance[p[0], p[1]]
        if len(p) == 3:
            mixed = rec.mean_kernel_covariance
            return 0.0, mixed[p[0], p[1], p[2]] + mixed[p[1], p[0], p[2]] + mixed[p[2], p[0], p[1]]
        a, b, c, d = p
        return 0.0, (vert[a, b, c, d] + vert[a, c, b, d] + vert[a, d, b, c]
                     + rec.output_fourth_cumulant[a, b, c, d])
    return cumulant


def _scalar(out: Any) -> np.ndarray | float:
    out = np.asarray(out, dtype=float)
    return float(out) if out.ndim == 0 else out


def leading_delta_green(net: Network, points: Any) -> np.ndarray | float:
    r"""Coefficient :math:`c_1` of :math:`\Delta G^{(n)} = c_1/N + O(N^{-2})` for one output component.

    Includes both the connected four-point vertex and the NLO correction :math:`K_1` of the
    two-point function (zero at L = 1, where this equals ``net.delta_green_series(points)[1]``).
    With read-out means (weights :math:`\mu_W/N` each, bias :math:`\mu_b`; hidden layers
    centred) every order n >= 1 is non-zero: :math:`G^{(n)}` is expanded by the
    moment-cumulant formula with the cumulants of :class:`LayerRecursion` to O(1/N) (the
    1/N parts of the mean, of the covariance, the connected three- and four-point functions),
    and :math:`G_0^{(n)}` is :func:`leading_free_green`, the Gaussian process of mean
    :func:`deep_mean_function` and kernel K.  At L = 1 this is the exact 1/N coefficient of
    :func:`nnqft_sym.neuron_sums.series_in_inverse_width`.

    Examples
    --------
    >>> import numpy as np
    >>> from nnqft_sym import GaussNet, ReLUNet
    >>> pts = [-0.01, -0.006, 0.002, 0.01]
    >>> net = GaussNet()
    >>> bool(np.isclose(leading_delta_green(net, pts), net.delta_green_series(pts)[1]))
    True
    >>> deep = ReLUNet(depth=2).with_priors(readout_weights={"mean": 0.5}, readout_bias={"mean": 0.3})
    >>> round(leading_delta_green(deep, [0.5]), 6)      # E f = m + m_1 / N: mu_W E[relu] moves
    -0.023509
    """
    if _has_readout_mean(net):
        def compute(rec: LayerRecursion, index: np.ndarray) -> dict:
            return {"c1": _expand_moment(_recursion_cumulants(rec, index), index.shape[-1])[1]}
        return _scalar(_over_batch(net, points, compute)["c1"])
    coeffs = _pairing_coefficients(net, points)
    out = sum(coeffs.values()) if coeffs else np.zeros(as_points(points, net.d_in).shape[:-2])
    return _scalar(out)


def leading_free_green(net: Network, points: Any) -> np.ndarray | float:
    r""":math:`G_0^{(n)}`: the infinite-width Gaussian process of any depth, read-out mean included.

    The Gaussian moment of mean :math:`m(x) =` :func:`deep_mean_function` and covariance the
    GP kernel K of :func:`layer_kernels` (the sum over the partitions of the points into singletons
    and pairs); without read-out means it is :func:`nnqft_sym.free_green` (Wick's theorem; 0 at
    an odd number of points).  The reference of :func:`leading_delta_green` and
    :func:`leading_deviation`; at depth 1 it equals
    :func:`nnqft_sym.neuron_sums.free_green_general`.

    Examples
    --------
    >>> from nnqft_sym import ReLUNet
    >>> net = ReLUNet(sigma_b=0, depth=2).with_priors(readout_bias={"mean": 2})
    >>> round(leading_free_green(net, [1.0, 1.0]), 12)        # m^2 + K = 4 + 1/4
    4.25
    """
    pts = as_points(points, net.d_in)
    n = pts.shape[-2]
    means, kernels = mean_field_layers(net, pts[..., :, None, :], pts[..., None, :, :])
    kmat = kernels[-1, ..., 2]
    if not _has_readout_mean(net):
        if n % 2:
            return _scalar(np.zeros(pts.shape[:-2]))
        return _scalar(wick_sum(lambda i, j: kmat[..., i, j], n))       # G_0 by Wick's theorem
    mean = means[-1, ..., 0][..., :, 0]                               # m(x_i)

    def cumulant(block: list[int]) -> tuple[Any, Any]:
        if len(block) == 1:
            return mean[..., block[0]], 0.0
        return (kmat[..., block[0], block[1]] if len(block) == 2 else 0.0), 0.0
    return _scalar(_expand_moment(cumulant, n)[0])


def leading_deviation(net: Network, points: Any) -> np.ndarray | float:
    r"""Coefficient of :math:`m_n = \Delta G^{(n)}/G_0^{(n)} = c_1/(N G_0^{(n)}) + O(N^{-2})`.

    At L = 1 this equals ``net.deviation_series(points)[1]``; :math:`G_0` is
    :func:`leading_free_green` (odd n needs read-out means, else :math:`G_0 = 0`).

    Examples
    --------
    >>> import numpy as np
    >>> from nnqft_sym import ReLUNet
    >>> pts = [-0.5, 0.1, 0.4, 0.9]
    >>> bool(np.isclose(leading_deviation(ReLUNet(), pts), ReLUNet().deviation_series(pts)[1]))
    True
    """
    pts = as_points(points, net.d_in)
    if not _has_readout_mean(net):
        check_deviation_order(pts.shape[-2], leading=True)
    free = leading_free_green(net, pts)
    return _scalar(relative_to_free(np.asarray(leading_delta_green(net, points)),
                                    np.asarray(free), points, symbolic=False))


def leading_connected_four_point(net: Network, points: Any) -> np.ndarray | float:
    r"""Coefficient of :math:`\kappa_4 = [V_{(12)(34)} + V_{(13)(24)} + V_{(14)(23)}]/N + O(N^{-2})`.

    ``points`` has shape ``(..., 4, d_in)`` (or ``(..., 4)``).  Read-out means do not change
    it at this order (they enter at :math:`O(N^{-2})`, see :func:`leading_delta_green`).

    Examples
    --------
    >>> from nnqft_sym import ReLUNet
    >>> c4 = leading_connected_four_point(ReLUNet(depth=3), [0.3] * 4)
    >>> c4 > 0
    True
    """
    if as_points(points, net.d_in).shape[-2] != 4:
        raise ValueError(f"points: the four-point function needs 4 points, "
                         f"got {as_points(points, net.d_in).shape[-2]}")

    def compute(rec: LayerRecursion, index: np.ndarray) -> dict:
        vert, i = rec.output_vertex, [index[..., k] for k in range(4)]
        return {"c4": vert[i[0], i[1], i[2], i[3]] + vert[i[0], i[2], i[1], i[3]]
                + vert[i[0], i[3], i[1], i[2]] + rec.output_fourth_cumulant[i[0], i[1], i[2], i[3]]}
    return _scalar(_over_batch(net, points, compute)["c4"])


def leading_connected_three_point(net: Network, points: Any) -> np.ndarray | float:
    r"""Coefficient of the connected three-point function :math:`\kappa_3 = c_3/N + O(N^{-2})`.

    With a read-out weight mean :math:`\mu_W` (hidden layers centred),
    :math:`c_3 = D_{a,bc} + D_{b,ac} + D_{c,ab}`, :math:`D_{a,bc} = N\,\mathrm{Cov}(\hat m(x_a),
    \hat G_{bc})` (:class:`LayerRecursion`): the covariance of the output's mean and covariance
    given the last hidden layer (law of total cumulance).  Zero for a centred read-out.  At
    depth 1 it is the exact :math:`\mu_W v_{out} \sum_3 (E[g_a g_b g_c] - E[g_a] E[g_b g_c])`.
    ``points`` has shape ``(..., 3, d_in)`` (or ``(..., 3)``).

    Examples
    --------
    >>> from nnqft_sym import ReLUNet
    >>> net = ReLUNet(depth=2).with_priors(readout_weights={"mean": 0.5})
    >>> round(leading_connected_three_point(net, [0.5, 0.5, 1.0]), 6)
    2.283849
    """
    if as_points(points, net.d_in).shape[-2] != 3:
        raise ValueError(f"points: the three-point function needs 3 points, "
                         f"got {as_points(points, net.d_in).shape[-2]}")

    def compute(rec: LayerRecursion, index: np.ndarray) -> dict:
        return {"c3": _recursion_cumulants(rec, index)([0, 1, 2])[1]}
    return _scalar(_over_batch(net, points, compute)["c3"])


def _has_hidden_mean(net: Network) -> bool:
    return bool(net.priors.shifted_before_readout)


def _numeric_mean(prior: Any) -> float:
    """A prior's mean :math:`\\mu` as a float (0 when centred), refusing a symbolic one."""
    if prior.is_centred:
        return 0.0
    if sp.sympify(prior.mean).free_symbols:
        raise ValueError(f"{prior.group} mean: the deep recursions need a numeric mean, got "
                         f"{prior.mean} (substitute a number)")
    return float(prior.mean)


def mean_field_layers(net: Network, x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    r"""Infinite-width means and kernels of every layer, means of every parameter group allowed.

    With weights :math:`W = \mu_W/n_{in} + \sqrt{v/n_{in}}\,\xi` and biases
    :math:`b = \mu_b + \sqrt{v_b}\,\xi` in every layer, the pre-activations of layer l are, as
    :math:`N \to \infty`, Gaussian over the inputs with mean :math:`m_l` and covariance
    :math:`K_l`: the mean :math:`(\mu_W/N)\sum_j g_j` shared by a layer's neurons and the
    covariance :math:`v_b + (v/N)\sum_j g_j g_j` given the layer below concentrate
    (law of large numbers), so

    .. math:: m_1(x) = \mu_b + \mu_W \tfrac{1}{d_{in}}\textstyle\sum_k x_k, \quad
              K_1 = v_b + v\, x\cdot y/d_{in}, \qquad
              m_{l+1} = \mu_b + \mu_W E[g(z_l)], \quad
              K_{l+1}(x, y) = v_b + v\, E[g(z_l(x))\, g(z_l(y))],

    with :math:`z_l \sim N(m_l, K_l)` (the second moment of g, not its covariance, enters
    :math:`K_{l+1}`), the read-out last.  Non-centred Gaussian expectations by
    :func:`nnqft_sym.quadrature.gaussian_expectation` of the shifted activation (told its
    kinks); with centred first and hidden layers this is :func:`layer_kernels` and the mean of
    :func:`deep_mean_function`.  Only this leading order: the 1/N functions refuse hidden-layer
    means (the shared mean of a layer's neurons correlates them at finite width).

    Parameters
    ----------
    net : Network
        Numeric hyper-parameters and means, Gaussian first layer, any depth.
    x, y : array_like
        Inputs broadcasting like :func:`deep_kernel`.

    Returns
    -------
    means : numpy.ndarray ``(L + 1, ..., 2)``
        :math:`(m_l(x), m_l(y))`; index 0 the first layer's pre-activations, the last the
        output's mean.
    kernels : numpy.ndarray ``(L + 1, ..., 3)``
        :math:`(K_l(x,x), K_l(y,y), K_l(x,y))`, as :func:`layer_kernels`.

    Examples
    --------
    >>> from nnqft_sym import ReLUNet
    >>> net = ReLUNet(sigma_b=0, depth=2).with_priors(hidden_biases={"mean": 1.0})
    >>> means, kernels = mean_field_layers(net, 1.0, 1.0)
    >>> means[:, 0].tolist()            # layer 2: z = 1 + N(0, 1/2) on average
    [0.0, 1.0, 0.0]
    >>> round(float(kernels[2, 0]), 6)  # E[relu(1 + u)^2], u ~ N(0, 1/2)
    1.485802
    """
    _check_deep(net, "mean_field_layers", hidden_means=True)
    if not _has_hidden_mean(net):
        kernels = layer_kernels(net, x, y)
        means = np.zeros(kernels.shape[:-1] + (2,))
        mu_w, mu_b = _readout_means(net)
        last = kernels[net.depth - 1]
        for col, k in ((0, last[..., 0]), (1, last[..., 1])):
            mean = _mean_statistics(net, np.ravel(k))[0].reshape(np.shape(k)) if mu_w else 0.0
            means[-1, ..., col] = mu_b + mu_w * mean
        return means, kernels
    xa, ya = broadcast_coordinates(x, y, net.d_in)
    first_w, first_b = net.priors.first_weights, net.priors.first_biases
    sb2, sw2 = float(first_b.variance), float(first_w.variance)
    mb, mw = _numeric_mean(first_b), _numeric_mean(first_w)
    kern = [sb2 + sw2 * np.sum(a * b, -1) / net.d_in for a, b in ((xa, xa), (ya, ya), (xa, ya))]
    mean = [mb + mw * np.sum(a, -1) / net.d_in for a in (xa, ya)]
    kernels, means = [np.stack(kern, -1)], [np.stack(mean, -1)]
    for layer in range(2, net.depth + 2):
        weights, biases = net.priors.layer(layer)
        w, b = float(weights.variance), float(biases.variance)
        mu_w, mu_b = _numeric_mean(weights), _numeric_mean(biases)
        nx, ny = _layer_normalisation(net, kern[0]), _layer_normalisation(net, kern[1])
        ex, ey, exx, eyy, exy = _shifted_expectations(net.activation, mean, kern)
        mean = [mu_b + mu_w * nx * ex, mu_b + mu_w * ny * ey]
        kern = [b + w * nx * nx * exx, b + w * ny * ny * eyy, b + w * nx * ny * exy]
        kernels.append(np.stack(kern, -1))
        means.append(np.stack(mean, -1))
    return np.stack(means), np.stack(kernels)


def _shifted_expectations(activation: sp.Expr, mean: list[np.ndarray], kern: list[np.ndarray]
                          ) -> tuple[np.ndarray, ...]:
    r""":math:`E\phi(z_x), E\phi(z_y), E\phi(z_x)^2, E\phi(z_y)^2, E\phi(z_x)\phi(z_y)` for
    :math:`(z_x, z_y) \sim N((m_x, m_y), K)`, element by element (one quadrature of the
    shifted activation :math:`\phi(u + m)`, told its shifted kinks, per distinct argument)."""
    rules = activation_rules(activation)
    phi = rules.ufunc
    mx, my = (np.ravel(np.broadcast_to(m, np.shape(kern[2]))) for m in mean)
    kxx, kyy, kxy = (np.ravel(np.broadcast_to(k, np.shape(kern[2]))) for k in kern)
    cache: dict[tuple, float] = {}

    def expect(means: tuple[float, ...], cov: np.ndarray) -> float:
        key = means + tuple(np.round(cov.ravel(), 15))
        if key not in cache:
            funcs = [lambda u, m=m: phi(u + m) for m in means]
            kinks = tuple(sorted({k - m for k in rules.kinks for m in means}))
            cache[key] = float(gaussian_expectation(funcs, cov, kinks=kinks, activation=None))
        return cache[key]

    out = np.empty((5, len(kxy)))
    for i in range(len(kxy)):
        out[0, i] = expect((mx[i],), np.array([[kxx[i]]]))
        out[1, i] = expect((my[i],), np.array([[kyy[i]]]))
        out[2, i] = expect((mx[i], mx[i]), np.full((2, 2), kxx[i]))
        out[3, i] = expect((my[i], my[i]), np.full((2, 2), kyy[i]))
        out[4, i] = expect((mx[i], my[i]), np.array([[kxx[i], kxy[i]], [kxy[i], kyy[i]]]))
    return tuple(row.reshape(np.shape(kern[2])) for row in out)


def deep_mean_function(net: Network, x: Any) -> np.ndarray | float:
    r"""The infinite-width mean :math:`m(x) = \mu_b + \mu_W\, E_{K^{(L)}}[g(x)]` of any depth.

    Read-out weights of mean :math:`\mu_W/N` each and a bias of mean :math:`\mu_b` (hidden layers
    centred): :math:`E f(x) = m(x) + m_1(x)/N + O(N^{-2})` with :math:`m_1` of
    :func:`leading_mean_correction`; :math:`E[g]` is one neuron's mean under the last hidden
    layer's kernel :math:`K^{(L)}(x, x)`.  At depth 1 the mean is exact at every width
    (:func:`nnqft_sym.mean_function`).  ``x`` broadcasts like :func:`deep_kernel`.

    Examples
    --------
    >>> from nnqft_sym import ReLUNet
    >>> net = ReLUNet(sigma_b=0, depth=2).with_priors(readout_weights={"mean": 2}, readout_bias={"mean": 1})
    >>> round(deep_mean_function(net, 1.0), 12)     # 1 + 2 sqrt(K2 / (2 pi)), K2 = 1/2
    1.564189583548
    """
    return _scalar(mean_field_layers(net, x, x)[0][-1, ..., 0])


def leading_mean_correction(net: Network, points: Any) -> np.ndarray | float:
    r"""Coefficient :math:`m_1` of :math:`E f(x) = m(x) + m_1(x)/N + O(N^{-2})` (read-out means).

    :math:`m_1 = \mu_W[\mu' K^{(L)}_{1,xx} + \tfrac12 \mu''(V + T/3)^{(L)}_{(xx)(xx)}]`, with
    :math:`\mu(s) = E[g(z)]`, :math:`z \sim N(0, s)` one neuron's mean at the last hidden
    layer's variance and :math:`K_1, V, T` that layer's NLO kernel, vertex and fourth cumulant
    (:class:`LayerRecursion`): the same expansion as the NLO kernel, for :math:`E[g]` instead
    of :math:`E[g g]`.  Zero at depth 1 (the mean is exact there) and for an odd activation.
    ``points`` has shape ``(m, d_in)`` (or ``(m,)``); returns ``(m,)``.

    Examples
    --------
    >>> from nnqft_sym import ReLUNet
    >>> net = ReLUNet(depth=2).with_priors(readout_weights={"mean": 0.5})
    >>> leading_mean_correction(net, [0.5, 1.0]).round(6).tolist()
    [-0.023509, -0.044077]
    """
    pts = as_points(points, net.d_in)
    if pts.ndim != 2:
        raise ValueError(f"points must have shape (m, d_in), got {pts.shape}")

    def compute(rec: LayerRecursion, index: np.ndarray) -> dict:
        return {"m1": rec.output_mean_correction[index[..., 0]]}
    return _over_batch(net, pts[:, None, :], compute)["m1"]
