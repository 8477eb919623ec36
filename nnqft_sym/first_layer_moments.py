r"""Single-neuron moments for a first layer of independent weights and bias of any laws (d_in = 1).

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

Examples
--------
>>> from nnqft_sym import ReLUNet
>>> net = ReLUNet(sigma_b=0).with_priors(first_weights="rademacher")
>>> round(float(independent_first_layer_moment(net, [[1.0], [1.0]])), 12)   # E[relu(+-1)^2]
0.5
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .activations import activation_rules
from .specification import NetworkSpec

__all__ = ["independent_first_layer_moment"]


def independent_first_layer_moment(net: NetworkSpec, points: Any) -> np.ndarray | float:
    r""":math:`E[\prod_a g(x_a)]` for independent first-layer weight and bias priors of any laws.

    ``points`` is an array ``(..., n, 1)``; the result has the leading shape.

    Raises
    ------
    ValueError
        For ``d_in > 1`` (the integral would be ``d_in + 1``-dimensional).
    """
    if net.d_in != 1:
        raise ValueError(f"d_in: exact moments of a first layer with non-Gaussian or shifted "
                         f"priors are computed for d_in = 1 only (a 2-dimensional integral), got "
                         f"d_in = {net.d_in}")
    pts = np.asarray(points, dtype=float)
    flat = pts.reshape((-1, pts.shape[-2]))
    out = np.array([_moment(net, x) for x in flat])
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
