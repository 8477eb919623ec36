r"""Single-neuron moments for a first layer of independent weights and bias of any laws (d_in <= 3).

With :math:`z(x) = w x + b`, :math:`w = \mu_W + \sigma_W \xi_w` and :math:`b = \mu_b +
\sigma_b \xi_b` (independent, each of its own law, :mod:`nnqft_sym.laws`), the moment

.. math:: E\Big[\prod_a g(x_a)\Big] = \int d\rho(\xi_w) \int d\rho(\xi_b)\,
          \prod_a n(s(x_a))\, \phi(w x_a + b)

is a two-dimensional integral over the two densities (a sum over atoms for finite laws).  The
inner integral over :math:`\xi_b` is split where :math:`w x_a + b` crosses a kink of
:math:`\phi`; the outer one over :math:`\xi_w` where two kink lines cross or a kink line meets
an end of the bias support, so that every piece is smooth and Gauss-Legendre converges
exponentially (:meth:`nnqft_sym.laws._Law.rule_rows`, about 1e-12 relative for the named laws;
heavy Student-t tails converge more slowly).  A centred Gaussian first layer never comes here:
it has the closed forms and the Gaussian engine (:mod:`nnqft_sym.expectations`), against which
this route is tested.

For ``d_in`` = 2 or 3 the integral is :math:`(d_{in} + 1)`-dimensional,
:math:`z(x) = \sum_k w_k x_k + b`, and is done as a tensor product of one-dimensional rules,
one per weight component, with the bias innermost:

* a finite weight law (Rademacher, :class:`~nnqft_sym.laws.FiniteLaw`) contributes its atoms
  (exact); the bias integral is then split at the kinks as for ``d_in`` = 1, so any activation
  is exact to about 1e-12;
* a continuous weight law contributes the Gauss rule of :data:`GAUSS_NODES` nodes of its own
  measure (:func:`law_gauss_rule`: Golub-Welsch on the recurrence coefficients from the
  discretised Stieltjes procedure, Gautschi 1982, on the law's fine composite rule), and so
  does the bias; the error then falls exponentially only for a smooth activation, so a kinked
  one (ReLU) with continuous weight laws is refused at ``d_in`` > 1 (kinks on oblique
  hyperplanes of weight space).

Above ``d_in`` = 3 the product rule would have :math:`\ge 40^5` nodes and is refused.

Examples
--------
>>> from nnqft_sym import ReLUNet
>>> net = ReLUNet(sigma_b=0).with_priors(first_weights="rademacher")
>>> round(float(independent_first_layer_moment(net, [[1.0], [1.0]])), 12)   # E[relu(+-1)^2]
0.5
>>> net2 = ReLUNet(sigma_b=0, d_in=2).with_priors(first_weights="rademacher")
>>> round(float(independent_first_layer_moment(net2, [[1.0, 1.0], [1.0, 1.0]])), 12)  # w.x in {0, +-sqrt 2}
0.5
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .activations import activation_rules
from .specification import NetworkSpec, check_first_layer_integral

__all__ = ["independent_first_layer_moment", "law_gauss_rule"]

#: nodes of the Gauss rule of a continuous law per dimension at d_in > 1
GAUSS_NODES = 40


def independent_first_layer_moment(net: NetworkSpec, points: Any) -> np.ndarray | float:
    r""":math:`E[\prod_a g(x_a)]` for independent first-layer weight and bias priors of any laws.

    ``points`` is an array ``(..., n, d_in)``; the result has the leading shape.

    Raises
    ------
    ValueError
        For ``d_in`` > :data:`~nnqft_sym.specification.MAX_INTEGRAL_D_IN` = 3, or ``d_in`` > 1 with an activation that
        has kinks and a continuous weight law (see the module).
    """
    check_first_layer_integral(net)
    pts = np.asarray(points, dtype=float)
    if net.d_in == 1:
        flat = pts.reshape((-1, pts.shape[-2]))
        out = np.array([_moment(net, x) for x in flat])
    else:
        flat = pts.reshape((-1,) + pts.shape[-2:])
        out = np.array([_moment_product_rule(net, x) for x in flat])
    out = out.reshape(pts.shape[:-2])
    return float(out) if out.ndim == 0 else out


def _moment(net: NetworkSpec, x: np.ndarray) -> float:
    weights, biases = net.priors.first_weights, net.priors.first_biases
    mw, sw = float(weights.parameter_mean(1)), weights.numeric_std(1)
    mb, sb = float(biases.parameter_mean()), biases.numeric_std()
    kinks = np.asarray(activation_rules(net.activation).kinks, dtype=float)
    s = net.preactivation_variance(x[:, None]) if net.normalisation != 1 else None
    moving = x[x != 0]
    # outer breaks, in w: kink lines k - w x_a crossing each other or an end of the bias support
    w_breaks = [0.0] if moving.size > 1 else []
    if sb > 0 and kinks.size:
        for bound in biases.law.support_interval():
            if np.isfinite(bound):
                w_breaks += list(((kinks[:, None] - mb - sb * bound) / moving[None, :]).ravel())
    if sb == 0 and kinks.size and moving.size:
        w_breaks += list(((kinks[:, None] - mb) / moving[None, :]).ravel())
    if sw > 0:
        xw, ww = weights.law.rule((np.asarray(w_breaks) - mw) / sw)
        w = mw + sw * xw
    else:
        w, ww = np.array([mw]), np.array([1.0])
    if sb > 0:
        breaks = ((kinks[None, :, None] - w[:, None, None] * x[None, None, :] - mb) / sb)
        xb, wb = biases.law.rule_rows(breaks.reshape(len(w), -1))
        b = mb + sb * xb
    else:
        b, wb = np.full((len(w), 1), mb), np.ones((len(w), 1))
    z = w[:, None, None] * x[None, None, :] + b[:, :, None]          # (W, B, n)
    weight = ww[:, None] * wb
    with np.errstate(over="ignore", invalid="ignore"):
        g = np.prod(net.activate(z, s, overwrite_z=True), axis=-1)
        # far tail nodes carry weight 0 (the density underflows) where phi may overflow
        return float(np.sum(np.where(weight > 0, weight * g, 0.0)))


def law_gauss_rule(law: Any, nodes: int = GAUSS_NODES) -> tuple[np.ndarray, np.ndarray]:
    r"""The ``nodes``-point Gauss rule of a law's own measure: :math:`E[f(\xi)] \approx \sum_j
    w_j f(x_j)`, exact for polynomials of degree < 2 ``nodes`` (up to the accuracy of the law's
    composite rule).

    The three-term recurrence of the law's orthogonal polynomials comes from the discretised
    Stieltjes procedure (Gautschi, "On generating orthogonal polynomials", SIAM J. Sci. Stat.
    Comput. 3, 1982) on the law's fine composite rule (:meth:`nnqft_sym.laws._Law.rule`),
    which is stable where the Hankel matrix of the moments is not; the Golub-Welsch
    eigenvalue problem of the Jacobi matrix gives nodes and weights.  Finite laws return their
    atoms.

    Examples
    --------
    >>> from nnqft_sym.laws import STANDARD_NORMAL, StandardUniform
    >>> x, w = law_gauss_rule(STANDARD_NORMAL, 3)         # Gauss-Hermite: 0, +-sqrt(3)
    >>> (np.round(x, 12) + 0.0).tolist(), np.round(w, 12).tolist()
    ([-1.732050807569, 0.0, 1.732050807569], [0.166666666667, 0.666666666667, 0.166666666667])
    >>> x, w = law_gauss_rule(StandardUniform(), 8)
    >>> round(float(np.sum(w * x ** 4)), 12)              # E xi^4 = 9/5
    1.8
    """
    if law.is_discrete:
        return law.rule()
    x, w = law.rule()
    keep = w > 0
    x, w = x[keep], w[keep]
    alpha, beta = np.zeros(nodes), np.zeros(nodes)
    p_prev, p = np.zeros_like(x), np.ones_like(x)
    norm_prev = 1.0
    for k in range(nodes):
        norm = np.sum(w * p * p)
        alpha[k] = np.sum(w * x * p * p) / norm
        beta[k] = norm / norm_prev if k else np.sum(w)
        p_next = (x - alpha[k]) * p - (beta[k] if k else 0.0) * p_prev
        # rescale both polynomials (the recurrence is homogeneous) to keep them O(1)
        scale = np.sqrt(norm)
        p_prev, p, norm_prev = p / scale, p_next / scale, 1.0
    jacobi = np.diag(alpha) + np.diag(np.sqrt(beta[1:]), 1) + np.diag(np.sqrt(beta[1:]), -1)
    values, vectors = np.linalg.eigh(jacobi)
    return values, beta[0] * vectors[0] ** 2


def _moment_product_rule(net: NetworkSpec, x: np.ndarray) -> float:
    """E[prod_a g(w . x_a + b)] at d_in = 2, 3 by a tensor-product rule (see the module)."""
    weights, biases = net.priors.first_weights, net.priors.first_biases
    d = net.d_in
    mw, sw = float(weights.parameter_mean(d)), weights.numeric_std(d)
    mb, sb = float(biases.parameter_mean()), biases.numeric_std()
    kinks = np.asarray(activation_rules(net.activation).kinks, dtype=float)
    s = net.preactivation_variance(x) if net.normalisation != 1 else None
    if sw > 0:
        xw, ww = law_gauss_rule(weights.law)
        grids = np.meshgrid(*([mw + sw * xw] * d), indexing="ij")
        w = np.stack([g.ravel() for g in grids], -1)                 # (W, d)
        wgt = np.prod(np.stack(np.meshgrid(*([ww] * d), indexing="ij"), 0).reshape(d, -1), 0)
    else:
        w, wgt = np.full((1, d), mw), np.ones(1)
    shift = w @ x.T                                                  # (W, n): w . x_a
    if sb == 0:
        b, wb = np.full((len(w), 1), mb), np.ones((len(w), 1))
    elif kinks.size:                                                 # finite weights: split at kinks
        breaks = (kinks[None, :, None] - shift[:, None, :] - mb) / sb
        xb, wb = biases.law.rule_rows(breaks.reshape(len(w), -1))
        b = mb + sb * xb
    else:
        xb, wb1 = law_gauss_rule(biases.law)
        b = np.broadcast_to(mb + sb * xb, (len(w), len(xb)))
        wb = np.broadcast_to(wb1, b.shape)
    total = 0.0
    for start in range(0, len(w), 512):                              # bounded memory
        rows = slice(start, start + 512)
        z = shift[rows, None, :] + b[rows, :, None]                  # (W', B, n)
        weight = wgt[rows, None] * wb[rows]
        with np.errstate(over="ignore", invalid="ignore"):
            g = np.prod(net.activate(z, s, overwrite_z=True), axis=-1)
            total += float(np.sum(np.where(weight > 0, weight * g, 0.0)))
    return total
