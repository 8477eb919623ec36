r"""Exact finite-width output moments of deep networks with a positively homogeneous activation, at one input.

Gaussian parameters use the scalar chain below; i.i.d. parameters of any symmetric laws
(Rademacher, uniform, Laplace, Student-t with the moments needed, in any group) use the exact
chain of the features' power sums (``_power_sum_moments``), of which the scalar chain is the
Gaussian case.

For :math:`\phi(tz) = t\,\phi(z)` (t > 0: ReLU, leaky ReLU, :math:`|z|`) the whole depth collapses to a
scalar Markov chain that closes on polynomials.  Given layer l, the pre-activations of layer
l+1 are i.i.d. :math:`N(0, \hat G_{l+1})` with

.. math:: \hat G_{l+1} = b_l + \frac{w_l}{N}\sum_{j=1}^N \phi(z_j)^2
          = b_l + w_l\, \hat G_l\, Y_l, \qquad
          Y_l = \frac1N \sum_{j=1}^N \phi(u_j)^2,\ u_j \sim N(0, 1),

with :math:`Y_l` independent of :math:`\hat G_l` (homogeneity: :math:`\phi(z)^2 = \hat G\,
\phi(u)^2`).  Hence :math:`E[\hat G_{l+1}^p] = \sum_k \binom{p}{k} b_l^{p-k} w_l^k\,
E[\hat G_l^k]\, E[Y^k]`, where :math:`E[(\sum_j \xi_j)^k]` is the sum over set partitions of
the k factors, :math:`(N)_{|\pi|} \prod_{B \in \pi} m_{|B|}`, and :math:`m_r = E[\phi(u)^{2r}] =
(\phi(1)^{2r} + \phi(-1)^{2r})(2r - 1)!!/2`.  The output is Gaussian given the last hidden
layer, :math:`E f^{2p} = (2p - 1)!!\,E[\hat G_{L+1}^p]`.  Every moment is therefore an exact
polynomial in 1/N and in the hyper-parameters, at every depth and width: the closed form behind
the numbers of :func:`nnqft_sym.single_input_series` for these activations (the same chain,
Roberts-Yaida-Hanin arXiv:2106.10165 ch. 4-5 to the orders they give).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from math import factorial, prod
from typing import Any

import numpy as np
import sympy as sp
from sympy.utilities.iterables import multiset_partitions, partitions

from .activations import activation_rules
from .deep import layer_kernels_expr, read_variances
from .errors import DivergentExpectationError
from .parsing import to_sympy
from .priors import ParameterPrior
from .specification import NetworkSpec as Network

__all__ = ["SingleInputMoments", "exact_single_input_moments"]

#: the symbol of the hidden width in the returned expressions
WIDTH = sp.Symbol("N", positive=True, integer=True)


@dataclass(frozen=True)
class SingleInputMoments:
    r"""Exact :math:`E f^2, E f^4, E f^6` at one input as SymPy expressions in the width ``N``.

    Attributes
    ----------
    two_point, four_point, six_point : sympy.Expr
        :math:`E f^2, E f^4, E f^6`; ``sympy.oo`` for a moment that diverges because a
        parameter law lacks the moment it needs (Student-t with few degrees of freedom: the
        even moment is then infinite, see :attr:`divergent_orders`).
    width : sympy.Symbol
        The symbol N (all hidden layers of width N).
    divergence : str
        Why the infinite moments diverge (the first law moment missing); empty if none does.
    """

    two_point: sp.Expr
    four_point: sp.Expr
    six_point: sp.Expr
    width: sp.Symbol
    divergence: str = ""

    @property
    def divergent_orders(self) -> tuple[int, ...]:
        """The orders 2p among 2, 4, 6 whose moment :math:`E f^{2p}` is infinite."""
        return tuple(2 * p for p, m in enumerate(
            (self.two_point, self.four_point, self.six_point), start=1) if m is sp.oo)

    def _finite(self, order: int, what: str) -> None:
        if any(k <= order for k in self.divergent_orders):
            raise DivergentExpectationError(
                f"{what} needs E f^{order}, which diverges: {self.divergence} (finite moments: "
                f"E f^k for k < {min(self.divergent_orders)})")

    @property
    def delta_four_point(self) -> sp.Expr:
        r""":math:`\Delta G^{(4)} = E f^4 - 3 (E f^2)^2` (the connected four-point function at one input)."""
        self._finite(4, "the connected four-point function")
        return sp.expand(self.four_point - 3 * self.two_point ** 2)

    @property
    def connected_six_point(self) -> sp.Expr:
        r""":math:`\kappa_6 = E f^6 - 15 E f^4 E f^2 + 30 (E f^2)^3`."""
        self._finite(6, "the connected six-point function")
        m2, m4, m6 = self.two_point, self.four_point, self.six_point
        return sp.expand(m6 - 15 * m4 * m2 + 30 * m2 ** 3)

    def series(self, expr: sp.Expr, order: int = 4) -> list[sp.Expr]:
        r"""The coefficients of :math:`N^{-k}`, k = 0..order, of one of the moments (exact: the
        moments are polynomials in 1/N)."""
        if expr is sp.oo:
            raise DivergentExpectationError(f"this moment diverges: {self.divergence}")
        t = sp.Symbol("t")
        poly = sp.Poly(sp.expand(expr.subs(self.width, 1 / t)), t)
        return [sp.simplify(poly.coeff_monomial(t ** k)) for k in range(order + 1)]

    def latex(self, expr: sp.Expr) -> str:
        """LaTeX of one of the moments, collected in powers of 1/N."""
        t = sp.Symbol("t")
        collected = sp.collect(sp.expand(expr.subs(self.width, 1 / t)), t)
        return sp.latex(collected.subs(t, 1 / self.width))


def _even_power_factor(activation: sp.Expr, m: int) -> sp.Expr:
    r""":math:`c_m = E[\phi(z)^{2m}]/E[z^{2m}] = (\phi(1)^{2m} + \phi(-1)^{2m})/2` for a
    symmetric pre-activation z and a degree-1 homogeneous activation."""
    z = sorted(activation.free_symbols, key=str)[0] if activation.free_symbols else sp.Symbol("z")
    up, down = activation.subs(z, 1), activation.subs(z, -1)
    return sp.nsimplify((up ** (2 * m) + down ** (2 * m)) / 2)


def _gaussian_power_moments(activation: sp.Expr, count: int) -> list[sp.Expr]:
    """m_r = E[phi(u)^(2r)], r = 0..count, for a degree-1 homogeneous activation."""
    return [sp.Integer(1)] + [_even_power_factor(activation, r) * sp.factorial2(2 * r - 1)
                              for r in range(1, count + 1)]


def _sum_moments(m: list[sp.Expr], count: int, width: sp.Symbol) -> list[sp.Expr]:
    """E[(xi_1 + ... + xi_N)^k], k = 0..count, of i.i.d. xi with moments m, exact in N."""
    out = [sp.Integer(1)]
    for k in range(1, count + 1):
        total = sp.Integer(0)
        for part in partitions(k):
            blocks = sum(part.values())
            # set partitions of k labelled factors with these block sizes
            ways = factorial(k) // prod(factorial(s) ** c * factorial(c) for s, c in part.items())
            total += ways * sp.ff(width, blocks) * prod(m[s] ** c for s, c in part.items())
        out.append(sp.expand(total))
    return out


def exact_single_input_moments(net: Network, x: Any = None) -> SingleInputMoments:
    r"""Exact :math:`E f(x)^{2p}`, p = 1, 2, 3, of a deep network with a positively homogeneous activation.

    Parameters
    ----------
    net : Network
        Activation with :math:`\phi(tz) = t\phi(z)` for t > 0 (ReLU, leaky ReLU, :math:`|z|`),
        i.i.d. parameters of symmetric laws in every group (Gaussian by default; Rademacher,
        uniform, Laplace, ... through :meth:`~nnqft_sym.Network.with_priors`: the power-sum
        chain of the module), normalisation 1, any depth; hyper-parameters may be symbolic.
    x : number or sequence (d_in,), optional
        The input (symbolic when omitted).

    Returns
    -------
    SingleInputMoments
        Polynomials in 1/N (the symbol ``N``) exact at every width.

    Raises
    ------
    ValueError
        For an activation that is not degree-1 homogeneous, priors that are not i.i.d. with
        symmetric laws (means, shared scales, spherical read-outs), or a normalisation other
        than 1.
    DivergentExpectationError
        If a law lacks a moment that a moment needs and nnqft cannot decide whether it enters
        (a symbolic input or hyper-parameter multiplies it).  Otherwise such a moment is
        returned as ``sympy.oo`` (it is infinite: the parameter enters with a positive
        coefficient) and the finite orders are still returned; the connected functions and
        :meth:`SingleInputMoments.series` of an infinite moment raise this error, naming the
        law.

    Examples
    --------
    Depth-2 ReLU at sigma_W^2 = 2, sigma_b^2 = 1/4, x = 1/2: N Delta G^(4) = 23.4375 + 42.1875/N
    exactly (no higher orders):

    >>> import sympy as sp
    >>> from nnqft_sym import ReLUNet
    >>> m = exact_single_input_moments(ReLUNet(sigma_w=sp.sqrt(2), sigma_b=sp.Rational(1, 2),
    ...                                        depth=2), sp.Rational(1, 2))
    >>> m.series(m.delta_four_point, 3)
    [0, 375/16, 675/16, 0]
    >>> m.latex(m.two_point)
    '\\frac{5}{4}'

    Rademacher hidden weights (fourth cumulant -2) leave the 1/N term and change the 1/N^2 one:

    >>> r = exact_single_input_moments(ReLUNet(sigma_w=sp.sqrt(2), sigma_b=sp.Rational(1, 2),
    ...                                        depth=2).with_priors(hidden_weights="rademacher"),
    ...                                sp.Rational(1, 2))
    >>> r.series(r.delta_four_point, 3)
    [0, 375/16, 27/16, 0]

    A Student-t read-out with nu = 5 has E xi^4 but not E xi^6: E f^4 is exact, E f^6 infinite:

    >>> from nnqft_sym import StandardStudentT
    >>> t = exact_single_input_moments(ReLUNet(sigma_w=sp.sqrt(2), sigma_b=sp.Rational(1, 2),
    ...                                        depth=2).with_priors(readout_weights=StandardStudentT(5)),
    ...                                sp.Rational(1, 2))
    >>> t.series(t.delta_four_point, 3), t.six_point, t.divergent_orders
    ([0, 951/16, 2295/16, 0], oo, (6,))
    """
    rules = activation_rules(net.activation)
    if rules.homogeneity != 1 or set(rules.kinks) - {0.0}:
        raise ValueError(f"exact_single_input_moments needs a positively homogeneous activation of "
                         f"degree 1 (ReLU, leaky ReLU, |z|); {net.activation} is not (use "
                         "single_input_series for the 1/N series)")
    if net.normalisation != 1:
        raise ValueError(f"exact_single_input_moments needs normalisation 1, got {net.normalisation}")
    if not net.priors.is_iid_centred_gaussian:
        return _power_sum_moments(net, x)
    g = layer_kernels_expr(net, x, x)[0][0]          # the first-layer pre-activation variance
    m = _gaussian_power_moments(net.activation, 3)
    y = [s / WIDTH ** k for k, s in enumerate(_sum_moments(m, 3, WIDTH))]
    moments = [sp.Integer(1), g, g ** 2, g ** 3]     # E[G_1^p], p = 0..3 (deterministic)
    for w, b in read_variances(net, numeric=False):
        moments = [sp.expand(sum(sp.binomial(p, k) * b ** (p - k) * w ** k * moments[k] * y[k]
                                 for k in range(p + 1))) for p in range(4)]
    return SingleInputMoments(moments[1], 3 * moments[2], 15 * moments[3], WIDTH)


# ---------------------------------------------------------------------- any symmetric i.i.d. laws
def _power_sum_moments(net: Network, x: Any) -> SingleInputMoments:
    r"""The exact chain for i.i.d. parameters of symmetric laws: the state of a layer is the
    power sums :math:`S_m = \sum_j \phi(z_j)^{2m}` of its features.

    For a symmetric pre-activation :math:`E[\phi(z)^{2m}] = c_m E[z^{2m}]`,
    :math:`c_m = (\phi(1)^{2m} + \phi(-1)^{2m})/2`.  Given layer l, the neurons of layer l+1
    are i.i.d. with :math:`z = b + \sum_j a\,\xi_j g_j`, so :math:`E[z^{2k}]` is a sum over the
    set partitions of the 2k factors into even blocks (equal indices) of
    :math:`\prod_B E[\xi^{|B|}]` times an augmented monomial symmetric function of the
    :math:`g_j^2`, which is a polynomial in the power sums (Moebius inversion over set
    partitions); and a product of power sums of layer l+1 has the expectation
    :math:`\sum_\pi (N)_{|\pi|} \prod_{B \in \pi} E[\phi(z)^{2 \sum_{k \in B} m_k}]`.
    The first layer's neurons are i.i.d. with :math:`z = \sum_d w_d x_d + b`; the output is
    the same sum over the read-out weights.  Every moment is a polynomial in 1/N.
    """
    priors = net.priors
    for name, prior in priors.groups().items():
        if not isinstance(prior, ParameterPrior) or not prior.is_centred \
                or not prior.law.is_symmetric:
            raise ValueError(f"exact_single_input_moments needs i.i.d. centred parameters of "
                             f"symmetric laws; the group {name} of this {net.name} has "
                             f"{prior.describe()}")
    @functools.cache
    def c(m: int) -> sp.Expr:
        return _even_power_factor(net.activation, m)

    if x is None:
        coords = [sp.Symbol(f"x_{k + 1}", real=True) for k in range(net.d_in)] if net.d_in > 1 \
            else [sp.Symbol("x", real=True)]
    else:
        coords = [sp.nsimplify(to_sympy(v, "x"))
                  for v in np.atleast_1d(np.asarray(x, dtype=object)).ravel()]
    if len(coords) != net.d_in:
        raise ValueError(f"x must have d_in = {net.d_in} coordinates, got {len(coords)}")
    # the first layer: i.i.d. neurons, E z^{2m} from the inputs' power sums sum_d x_d^{2r}
    first_w, first_b = priors.first_weights, priors.first_biases
    inputs = {r: sum(v ** (2 * r) for v in coords) for r in range(1, 4)}

    def first_moment(m: int) -> sp.Expr:
        poly = _biased_sum_moment(m, first_w, first_b, net.d_in)
        return sp.expand(sum(coef * sp.Mul(*[inputs[r] for r in key]) for key, coef in poly.items()))

    readers = [priors.layer(layer) for layer in range(2, net.depth + 2)]
    out: list[sp.Expr] = []
    divergence = ""
    for p in (1, 2, 3):
        if divergence:           # E f^(2p - 2) = oo, so E f^(2p) = oo too (Lyapunov)
            out.append(sp.oo)
            continue
        w_out, b_out = readers[-1]
        poly = _biased_sum_moment(p, w_out, b_out, WIDTH)                  # in S of layer L
        for w, b in reversed(readers[:-1]):                                # layers L .. 2
            poly = _expect_layer(poly, lambda m, w=w, b=b: {key: c(m) * coef for key, coef in
                                                            _biased_sum_moment(m, w, b, WIDTH).items()})
        value = sp.expand(_expect_layer(poly, lambda m: {(): c(m) * first_moment(m)}).get(
            (), sp.Integer(0)))
        infinite = sp.expand(value - value.subs(_DIVERGENT, 0)).subs(_DIVERGENT, 1)
        if infinite != 0:
            divergence = _divergence_reason(net, 2 * p)
            if not infinite.is_positive:
                raise DivergentExpectationError(
                    f"E f^{2 * p} needs a moment that diverges ({divergence}) with the factor "
                    f"{infinite}, which nnqft cannot show to be nonzero for these symbolic "
                    "inputs or hyper-parameters; give numbers")
            out.append(sp.oo)
        else:
            out.append(value)
    return SingleInputMoments(out[0], out[1], out[2], WIDTH, divergence)


#: stands for a moment of a parameter law that diverges (Student-t with nu <= k): a positive
#: infinite number, tracked so that a moment it does not reach (a zero coefficient) stays finite
_DIVERGENT = sp.Symbol("divergent_moment", positive=True)


def _law_moment(law: Any, k: int) -> sp.Expr:
    """``law.moment(k)``, or :data:`_DIVERGENT` where it diverges."""
    try:
        return law.moment(k)
    except DivergentExpectationError:
        return _DIVERGENT


def _divergence_reason(net: Network, order: int) -> str:
    """The groups of ``net`` whose law lacks a moment of order <= ``order`` (for the message)."""
    missing = []
    for name, prior in net.priors.groups().items():
        for k in range(2, order + 1, 2):
            try:
                prior.law.moment(k)
            except DivergentExpectationError as exc:
                missing.append(f"{name}: {exc}")
                break
    return "; ".join(missing)


def _poly_mul(a: dict, b: dict) -> dict:
    out: dict = {}
    for ka, ca in a.items():
        for kb, cb in b.items():
            key = tuple(sorted(ka + kb))
            out[key] = out.get(key, 0) + ca * cb
    return out


def _biased_sum_moment(m: int, weights: ParameterPrior, bias: ParameterPrior, fan_in: Any) -> dict:
    r""":math:`E[(b + \sum_j a \xi_j g_j)^{2m} \mid g]` as a polynomial in the power sums
    :math:`S_r = \sum_j g_j^{2r}` (keys: sorted tuples of r)."""
    out: dict = {}
    for k in range(m + 1):
        bias_moment = sp.expand(bias.variance ** (m - k) * _law_moment(bias.law, 2 * (m - k)))
        if bias_moment == 0:
            continue
        for key, coef in _sum_moment(k, weights, fan_in).items():
            out[key] = out.get(key, 0) + sp.binomial(2 * m, 2 * k) * bias_moment * coef
    return out


def _sum_moment(k: int, weights: ParameterPrior, fan_in: Any) -> dict:
    r""":math:`E[(\sum_j a \xi_j g_j)^{2k} \mid g]`, :math:`a^2 = v / n_{in}`, in power sums."""
    if k == 0:
        return {(): sp.Integer(1)}
    a2 = weights.variance / fan_in
    out: dict = {}
    for blocks in multiset_partitions(list(range(2 * k))):
        sizes = [len(b) for b in blocks]
        if any(size % 2 for size in sizes):
            continue
        coef = a2 ** k * sp.Mul(*[_law_moment(weights.law, size) for size in sizes])
        for key, mobius in _augmented_monomial([size // 2 for size in sizes]).items():
            out[key] = out.get(key, 0) + coef * mobius
    return out


@functools.lru_cache(maxsize=None)
def _augmented_monomial_cached(parts: tuple[int, ...]) -> tuple[tuple[tuple[int, ...], int], ...]:
    out: dict = {}
    for sigma in multiset_partitions(list(range(len(parts)))):
        sign = prod((-1) ** (len(c) - 1) * factorial(len(c) - 1) for c in sigma)
        key = tuple(sorted(sum(parts[i] for i in c) for c in sigma))
        out[key] = out.get(key, 0) + sign
    return tuple(out.items())


def _augmented_monomial(parts: list[int]) -> dict:
    r""":math:`\sum_{j_1, \dots, j_p \text{ distinct}} \prod_i x_{j_i}^{\lambda_i}` in power sums."""
    return dict(_augmented_monomial_cached(tuple(parts)))


def _expect_layer(poly: dict, neuron_moment) -> dict:
    r"""E over one layer of a polynomial in its power sums :math:`S_m = \sum_i \phi(z_i)^{2m}`,
    the neurons i.i.d. given the layer below: ``neuron_moment(m)`` is
    :math:`E[\phi(z)^{2m}]` as a polynomial in the power sums of the layer below."""
    out: dict = {}
    for key, coef in poly.items():
        if not key:
            out[()] = out.get((), 0) + coef
            continue
        for blocks in multiset_partitions(list(range(len(key)))):
            term = {(): coef * sp.ff(WIDTH, len(blocks))}
            for block in blocks:
                term = _poly_mul(term, neuron_moment(sum(key[i] for i in block)))
            for k2, c2 in term.items():
                out[k2] = out.get(k2, 0) + c2
    return {k: sp.expand(v) for k, v in out.items()}
