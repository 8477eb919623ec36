r"""Tree-level predictions of the NN-QFT effective action from the diagram integrals.

:math:`\Delta G^{(4)} = -u_4 N_K` with :math:`N_K` the contact diagram (HMS arXiv:2008.08601),
and the 6-point function :math:`u_4^2\,\text{exchange} - u_6\,\text{contact}` (ELS
arXiv:2108.01403), with the integrals of :mod:`feynman.evaluate`.
"""
from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from nnqft_sym.specification import NetworkSpec

from .evaluate import diagram_integral, diagram_integrals
from .generate import generate

__all__ = ["tree_level_four_point", "tree_level_six_point", "SixPointTree"]


def tree_level_four_point(net: NetworkSpec, points: Any, *, cutoff: float | None = None,
                          nodes: int = 64) -> np.ndarray:
    r""":math:`N_K(x_1..x_4) = \int d^d x \prod_{i=1}^4 K_W(x, x_i)`, so that
    :math:`\Delta G^{(4)} = -u_4 N_K` at tree level.

    Parameters
    ----------
    net : nnqft_sym.Network
    points : array ``(..., 4, d_in)`` (or ``(..., 4)`` for ``d_in = 1``)
    cutoff, nodes
        As in :func:`diagram_integral`.

    Examples
    --------
    >>> from nnqft_sym import GaussNet
    >>> round(float(tree_level_four_point(GaussNet(), [0.0, 0.0, 0.0, 0.0])), 10)  # sqrt(pi/2)
    1.2533141373
    """
    (contact,) = generate(4, {4: 1})
    return diagram_integral(contact, net, points, cutoff=cutoff, nodes=nodes)


class SixPointTree(NamedTuple):
    r"""Tree-level connected 6-point function, split by coupling.

    :math:`\Delta G^{(6)}_{\text{tree}} = u_4^2\,\text{exchange} - u_6\,\text{contact}`.

    Examples
    --------
    >>> float(SixPointTree(np.array(2.0), np.array(0.5)).delta_green(u4=-1.0, u6=2.0))
    1.0
    """

    #: sum over the 10 ways to split the legs 3 + 3 of
    #: :math:`\int\int K K K(y_1, y_2) K K K`, shape ``(...)``
    exchange: np.ndarray
    #: :math:`\int d^d y \prod_{i=1}^6 K_W(y, x_i)`, shape ``(...)``
    contact: np.ndarray

    def delta_green(self, u4: Any, u6: Any) -> np.ndarray:
        """:math:`u_4^2\\,\\text{exchange} - u_6\\,\\text{contact}` (broadcasting)."""
        return np.asarray(u4) ** 2 * self.exchange - np.asarray(u6) * self.contact


def tree_level_six_point(net: NetworkSpec, points: Any, *, cutoff: float | None = None,
                         nodes: int = 48) -> SixPointTree:
    r"""Tree-level 6-point prediction from :math:`u_4` (exchange) and :math:`u_6` (contact).

    Parameters
    ----------
    net : nnqft_sym.Network
    points : array ``(..., 6, d_in)`` (or ``(..., 6)`` for ``d_in = 1``)
    cutoff, nodes
        As in :func:`diagram_integral`.

    Returns
    -------
    SixPointTree
        ``(exchange, contact)`` per unit :math:`u_4^2` and per unit :math:`u_6`.

    Examples
    --------
    >>> from nnqft_sym import GaussNet
    >>> tree = tree_level_six_point(GaussNet(), [[0.0] * 6, [0.1] * 6])
    >>> tree.exchange.shape
    (2,)
    """
    exchange = generate(6, {4: 2}, connected=True)
    contact = generate(6, {6: 1})
    *parts, value = diagram_integrals(exchange + contact, net, points, cutoff=cutoff,
                                      nodes=nodes)
    return SixPointTree(sum(parts), value)
