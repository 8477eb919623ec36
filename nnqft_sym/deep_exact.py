r"""Exact finite-width output moments of deep networks with a positively homogeneous activation, at one input.

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

from dataclasses import dataclass
from math import factorial, prod
from typing import Any

import sympy as sp
from sympy.utilities.iterables import partitions

from .activations import activation_rules
from .deep import layer_kernels_expr, read_variances
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
    width : sympy.Symbol
        The symbol N (all hidden layers of width N).
    """

    two_point: sp.Expr
    four_point: sp.Expr
    six_point: sp.Expr
    width: sp.Symbol

    @property
    def delta_four_point(self) -> sp.Expr:
        r""":math:`\Delta G^{(4)} = E f^4 - 3 (E f^2)^2` (the connected four-point function at one input)."""
        return sp.expand(self.four_point - 3 * self.two_point ** 2)

    @property
    def connected_six_point(self) -> sp.Expr:
        r""":math:`\kappa_6 = E f^6 - 15 E f^4 E f^2 + 30 (E f^2)^3`."""
        m2, m4, m6 = self.two_point, self.four_point, self.six_point
        return sp.expand(m6 - 15 * m4 * m2 + 30 * m2 ** 3)

    def series(self, expr: sp.Expr, order: int = 4) -> list[sp.Expr]:
        r"""The coefficients of :math:`N^{-k}`, k = 0..order, of one of the moments (exact: the
        moments are polynomials in 1/N)."""
        t = sp.Symbol("t")
        poly = sp.Poly(sp.expand(expr.subs(self.width, 1 / t)), t)
        return [sp.simplify(poly.coeff_monomial(t ** k)) for k in range(order + 1)]

    def latex(self, expr: sp.Expr) -> str:
        """LaTeX of one of the moments, collected in powers of 1/N."""
        t = sp.Symbol("t")
        collected = sp.collect(sp.expand(expr.subs(self.width, 1 / t)), t)
        return sp.latex(collected.subs(t, 1 / self.width))


def _gaussian_power_moments(activation: sp.Expr, count: int) -> list[sp.Expr]:
    """m_r = E[phi(u)^(2r)], r = 0..count, for a degree-1 homogeneous activation."""
    z = sorted(activation.free_symbols, key=str)[0] if activation.free_symbols else sp.Symbol("z")
    up, down = activation.subs(z, 1), activation.subs(z, -1)
    return [sp.Integer(1)] + [sp.nsimplify((up ** (2 * r) + down ** (2 * r)) / 2)
                              * sp.factorial2(2 * r - 1) for r in range(1, count + 1)]


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
        Activation with :math:`\phi(tz) = t\phi(z)` for t > 0 (ReLU, leaky ReLU, :math:`|z|`), Gaussian
        parameters (i.i.d. centred), normalisation 1, any depth; hyper-parameters may be
        symbolic.
    x : number or sequence (d_in,), optional
        The input (symbolic when omitted).

    Returns
    -------
    SingleInputMoments
        Polynomials in 1/N (the symbol ``N``) exact at every width.

    Raises
    ------
    ValueError
        For an activation that is not degree-1 homogeneous, non-Gaussian or shifted priors, or a
        normalisation other than 1.

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
    """
    rules = activation_rules(net.activation)
    if rules.homogeneity != 1 or set(rules.kinks) - {0.0}:
        raise ValueError(f"exact_single_input_moments needs a positively homogeneous activation of "
                         f"degree 1 (ReLU, leaky ReLU, |z|); {net.activation} is not (use "
                         "single_input_series for the 1/N series)")
    if not net.priors.is_iid_centred_gaussian:
        raise ValueError("exact_single_input_moments needs i.i.d. centred Gaussian parameters; "
                         f"{net.name} has other priors")
    if net.normalisation != 1:
        raise ValueError(f"exact_single_input_moments needs normalisation 1, got {net.normalisation}")
    g = layer_kernels_expr(net, x, x)[0][0]          # the first-layer pre-activation variance
    m = _gaussian_power_moments(net.activation, 3)
    y = [s / WIDTH ** k for k, s in enumerate(_sum_moments(m, 3, WIDTH))]
    moments = [sp.Integer(1), g, g ** 2, g ** 3]     # E[G_1^p], p = 0..3 (deterministic)
    for w, b in read_variances(net, numeric=False):
        moments = [sp.expand(sum(sp.binomial(p, k) * b ** (p - k) * w ** k * moments[k] * y[k]
                                 for k in range(p + 1))) for p in range(4)]
    return SingleInputMoments(moments[1], 3 * moments[2], 15 * moments[3], WIDTH)
