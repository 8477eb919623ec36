r"""n-point functions as sums of diagrams at a given order in the couplings."""
from __future__ import annotations

import numbers
from typing import Any, Mapping, Sequence

import numpy as np
import sympy as sp

from nnqft_sym.specification import NetworkSpec
from nnqft_sym.validation import as_points

from .diagram import Diagram
from .evaluate import diagram_integrals
from .generate import generate

__all__ = ["correlator_diagrams", "correlator", "correlator_value"]


def _contents(order: int | Mapping[int, int], valences: Sequence[int]) -> list[dict[int, int]]:
    """Vertex contents: the mapping itself, or all contents with ``order`` vertices."""
    if isinstance(order, Mapping):
        return [dict(order)]
    if isinstance(order, bool) or not isinstance(order, numbers.Integral) or order < 0:
        raise ValueError(f"order must be an integer >= 0 (number of vertices) or a mapping "
                         f"valence -> count, got {order!r}")
    vals = sorted(set(valences))
    if not vals:
        raise ValueError("valences must list at least one valence")
    out: list[dict[int, int]] = [{}]
    for k in vals:
        out = [{**c, k: m} for c in out for m in range(order + 1)]
    return [{k: m for k, m in c.items() if m} for c in out if sum(c.values()) == order]


def correlator_diagrams(legs: int, order: int | Mapping[int, int], *,
                        valences: Sequence[int] = (4,), connected: bool = True,
                        one_pi: bool = False, labelled_legs: bool = True) -> list[Diagram]:
    """Diagrams of the ``legs``-point function at ``order`` (vertex count or vertex content).

    Examples
    --------
    >>> [d.symmetry_factor for d in correlator_diagrams(2, 2)]
    [4, 6, 4]
    """
    out: list[Diagram] = []
    for content in _contents(order, valences):
        out.extend(generate(legs, content, connected=connected, one_pi=one_pi,
                            labelled_legs=labelled_legs))
    return out


def correlator(legs: int, order: int | Mapping[int, int], propagator: Any = None,
               couplings: Mapping[int, Any] | None = None, *, valences: Sequence[int] = (4,),
               connected: bool = True, one_pi: bool = False) -> sp.Expr:
    r"""Sum of the position-space expressions of the diagrams of an n-point function.

    Parameters
    ----------
    legs : int
        Number of external points :math:`x_1..x_n` (labelled).
    order : int or mapping valence -> count
        Total number of vertices (all contents built from ``valences``) or one vertex content.
    propagator, couplings
        As in :func:`feynman.expressions.position_expression`.
    valences : sequence of int
        Vertex valences allowed when ``order`` is an integer.
    connected, one_pi : bool
        Diagram class (full correlators never contain vacuum bubbles).

    Examples
    --------
    >>> correlator(4, 1)
    -g4*Integral(K(x_1, y_1)*K(x_2, y_1)*K(x_3, y_1)*K(x_4, y_1), (y_1, -oo, oo))
    """
    diagrams = correlator_diagrams(legs, order, valences=valences, connected=connected,
                                   one_pi=one_pi)
    return sp.Add(*(d.expression(propagator, couplings) for d in diagrams))


def correlator_value(net: NetworkSpec, points: Any, order: int | Mapping[int, int],
                     couplings: Mapping[int, float], *, valences: Sequence[int] = (4,),
                     connected: bool = True, one_pi: bool = False, cutoff: float | None = None,
                     nodes: int = 48) -> np.ndarray:
    r"""Numeric sum of the diagrams of an n-point function for an architecture.

    Parameters
    ----------
    net : nnqft_sym.Network
        Numeric hyper-parameters; the propagator is :math:`K_W = K - \sigma_b^2`.
    points : array ``(..., n, d_in)`` (or ``(..., n)`` for ``d_in = 1``)
        The n external points, batched over leading axes (n sets the number of legs).
    order, valences, connected, one_pi
        As in :func:`correlator_diagrams`.
    couplings : mapping valence -> number
    cutoff, nodes
        As in :func:`feynman.evaluate.diagram_integral`.

    Returns
    -------
    ndarray of shape ``(...)``

    Examples
    --------
    >>> from nnqft_sym import GaussNet
    >>> from feynman import tree_level_four_point
    >>> net, pts = GaussNet(), [0.1, 0.0, -0.2, 0.3]
    >>> bool(np.isclose(correlator_value(net, pts, 1, {4: -0.5}),
    ...                 0.5 * tree_level_four_point(net, pts)))
    True
    """
    pts = as_points(points, net.d_in)
    diagrams = correlator_diagrams(pts.shape[-2], order, valences=valences, connected=connected,
                                   one_pi=one_pi)
    total = np.zeros(pts.shape[:-2])
    for diagram, value in zip(diagrams, diagram_integrals(diagrams, net, pts, cutoff=cutoff,
                                                                 nodes=nodes)):
        total = total + float(diagram.weight(couplings)) * value
    return total
