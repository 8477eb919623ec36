r"""The action of a network field theory to O(1/N^2), from its exact correlators and diagrams.

DHMSS (Demirtas-Halverson-Maiti-Schwartz-Stoner, arXiv:2307.03223) construct the action order by
order in the expansion parameter (here :math:`\epsilon = 1/N`): at each order the new coupling
is the amputated exact connected correlator *minus* the diagrams the lower-order couplings
already produce.  With :math:`S = \tfrac12 fK^{-1}f + \sum_n g_n f^n/n!` (vertex :math:`-g_n`,
the convention of :mod:`feynman`), :math:`g_2, g_4 = O(\epsilon)` and :math:`g_6 = O(\epsilon^2)`:

.. math::
    g_4^{(1)} &= -\mathrm{amp}\,G_c^{(4)}, \qquad g_2^{(1)} = -\tfrac12 g_4^{(1)}\!\cdot K, \\
    g_6 &= -\mathrm{amp}\,G_c^{(6)} + \sum_{10\ \text{splits}} g_4^{(1)} K g_4^{(1)}
        \quad(\text{the tree exchange}), \\
    g_4^{(2)} &= D_4^{(2)} - \mathrm{amp}\,G_c^{(4)}\big|_{\epsilon^2}, \qquad
    g_2^{(2)} = D_2^{(2)},

where :math:`D_n^{(2)}` is the sum of the amputated connected :math:`n`-point diagrams of order
:math:`\epsilon^2` built from the couplings already fixed (for :math:`n = 4`: the three one-loop
bubbles of :math:`g_4^{(1)}`, the :math:`g_6` tadpole, and the leg tadpoles, which the
counterterm :math:`g_2^{(1)}` cancels).  The diagrams come from :func:`feynman.generate` with
their exact symmetry factors; on a finite point set every diagram is a tensor contraction
(:func:`point_set_diagram`), and a single point is the exact zero-dimensional theory.

:math:`D_4^{(2)}` is the O(1/N^2) 4-point function the O(1/N) action predicts at one loop; a
one-layer network has no 1/N^2 term in :math:`G_c^{(4)}` (it is exactly :math:`\propto 1/N`), so
:math:`g_4^{(2)} = D_4^{(2)}` is the correction the one-loop diagrams force on the quartic
coupling.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from nnqft_sym.effective_action import (ActionCouplings, action_couplings, amputate,
                                        connected_tensor)
from nnqft_sym.specification import NetworkSpec
from nnqft_sym.validation import check_integer

from .diagram import Diagram
from .generate import generate

__all__ = ["point_set_diagram", "point_set_correlator", "ReconstructedAction",
           "reconstruct_action", "MIN_ORDER"]

#: the order in epsilon = 1/N at which the coupling of each valence starts
MIN_ORDER = {2: 1, 4: 1, 6: 2}

#: the vertex contents of the connected n-point diagrams of order epsilon^2 (n = 2, 4, 6)
_CONTENTS = {2: ({2: 1}, {4: 1}, {2: 2}, {2: 1, 4: 1}, {4: 2}, {6: 1}),
             4: ({4: 1}, {2: 1, 4: 1}, {4: 2}, {6: 1}),
             6: ({6: 1}, {4: 2})}


def point_set_diagram(diagram: Diagram, kernel: np.ndarray, vertices: Mapping[int, Any]
                      ) -> np.ndarray:
    r"""The amputated value of a diagram on a finite point set: a tensor contraction.

    Internal vertices of valence k carry the symmetric tensor ``-vertices[k]`` (shape (M,)*k),
    internal lines the kernel matrix, and external legs are amputated (leg i is the i-th index
    of the result); the result is divided by the symmetry factor.  ``vertices[k]`` may be a
    sequence with one tensor per vertex of valence k, in the diagram's vertex order.

    Returns
    -------
    numpy.ndarray, shape (M,)*legs

    Examples
    --------
    >>> import numpy as np
    >>> from feynman import generate
    >>> (tadpole,) = generate(2, {4: 1})                    # -(1/2) g4 K in zero dimensions
    >>> float(point_set_diagram(tadpole, np.array([[2.0]]), {4: np.full((1,) * 4, 3.0)})[0, 0])
    -3.0
    """
    kernel = np.asarray(kernel, dtype=float)
    n, valences = diagram.legs, diagram.valences
    adj = diagram.adjacency
    slots: list[list[int]] = [[] for _ in valences]
    operands: list[Any] = []
    fresh = itertools.count(n)
    used = {k: 0 for k in set(valences)}
    tensors = []
    for k in valences:
        chosen = vertices[k]
        if isinstance(chosen, (list, tuple)):
            chosen = chosen[used[k]]
        used[k] += 1
        tensors.append(-np.asarray(chosen, dtype=float))
    for leg in range(n):
        (v,) = [j for j in range(len(valences)) if adj[leg][n + j]]
        slots[v].append(leg)
    for u in range(len(valences)):
        for v in range(u, len(valences)):
            for _ in range(adj[n + u][n + v]):
                a, b = next(fresh), next(fresh)
                slots[u].append(a)
                slots[v].append(b)
                operands += [kernel, [a, b]]
    for tensor, idx in zip(tensors, slots):
        operands += [tensor, idx]
    value = np.einsum(*operands, list(range(n)), optimize=True)
    return value / diagram.symmetry_factor


def _order_assignments(valences: tuple[int, ...], total: int) -> list[tuple[int, ...]]:
    """Orders in epsilon, one per vertex (each >= its valence's start), summing to ``total``."""
    ranges = [range(MIN_ORDER[k], total + 1) for k in valences]
    return [orders for orders in itertools.product(*ranges) if sum(orders) == total]


def _diagram_sum(legs: int, kernel: np.ndarray, couplings: Mapping[int, Mapping[int, np.ndarray]],
                 total: int, skip: tuple[int, int] | None = None) -> np.ndarray:
    """Sum of the amputated connected ``legs``-point diagrams of order epsilon^total.

    ``couplings[k][order]`` is the order-``order`` part of g_k; ``skip = (k, order)`` leaves out
    the bare vertex of that coupling (the unknown being solved for)."""
    m = kernel.shape[0]
    out = np.zeros((m,) * legs)
    for content in _CONTENTS[legs]:
        for diagram in generate(legs, content, connected=True):
            for orders in _order_assignments(diagram.valences, total):
                if skip is not None and len(orders) == 1 and (diagram.valences[0], orders[0]) == skip:
                    continue
                if any(o not in couplings.get(k, {}) for k, o in zip(diagram.valences, orders)):
                    continue
                per_valence: dict[int, list[np.ndarray]] = {}
                for k, o in zip(diagram.valences, orders):
                    per_valence.setdefault(k, []).append(couplings[k][o])
                out = out + point_set_diagram(diagram, kernel, per_valence)
    return out


def _dress(amputated: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Attach a propagator K to every leg."""
    return amputate(amputated, kernel)


def point_set_correlator(kernel: Any, couplings: Mapping[int, Mapping[int, Any]], legs: int,
                         order: int, external: Any = None) -> np.ndarray:
    r"""The connected ``legs``-point function of a point-set action at order :math:`\epsilon^{order}`.

    Parameters
    ----------
    kernel : array (M, M)
        The propagator between the M points of the action.
    couplings : mapping valence -> {order: tensor (M,)*valence}
        The couplings of :math:`S = \tfrac12 fK^{-1}f + \sum g_k f^k/k!` split by order
        (valences 2 and 4 start at order 1, 6 at order 2).
    legs : 2, 4 or 6
    order : 1 or 2
    external : array (P, M), optional
        Propagators :math:`K(x_p, y_a)` from P external points to the M points (default:
        the external points are the M points themselves).

    Returns
    -------
    numpy.ndarray, shape (P,)*legs

    Examples
    --------
    >>> import numpy as np
    >>> one = np.array([[1.0]])                      # zero dimensions, K = 1, g4 = 0.1
    >>> float(point_set_correlator(one, {4: {1: np.full((1,) * 4, 0.1)}}, 4, 1)[0, 0, 0, 0])
    -0.1
    """
    kernel = np.asarray(kernel, dtype=float)
    legs = check_integer(legs, "legs", 2)
    if legs not in _CONTENTS or order not in (1, 2):
        raise ValueError(f"legs must be 2, 4 or 6 and order 1 or 2, got legs={legs}, "
                         f"order={order!r}")
    bad = [k for k in couplings if k not in MIN_ORDER]
    if bad:
        raise ValueError(f"couplings: valences must be among {sorted(MIN_ORDER)}, got {bad}")
    legs_kernel = kernel if external is None else np.asarray(external, dtype=float)
    return _dress(_diagram_sum(legs, kernel, couplings, order), legs_kernel)


@dataclass(frozen=True)
class ReconstructedAction:
    r"""The action of a network on a point set to O(1/N^2) (:func:`reconstruct_action`).

    Attributes
    ----------
    leading : nnqft_sym.effective_action.ActionCouplings
        The O(1/N) couplings, the kernel and the regularised inverse with its diagnostics.
    g2, g4 : tuple of numpy.ndarray
        ``(order 1/N, order 1/N^2)`` parts, shapes (M, M) and (M,)*4.
    g6 : numpy.ndarray, shape (M,)*6
        The O(1/N^2) sextic coupling.
    connected6 : numpy.ndarray, shape (M,)*6
        The exact :math:`G_c^{(6)}`.
    one_loop_four_point : numpy.ndarray, shape (M,)*4
        :math:`K^{\otimes 4} D_4^{(2)}`: the O(1/N^2) 4-point function of the O(1/N) action at
        one loop (bubbles, :math:`g_6` tadpole, leg tadpoles with their counterterm).
    exchange_six_point : numpy.ndarray, shape (M,)*6
        The :math:`g_4^2` tree exchange contribution to :math:`G_c^{(6)}` (dressed).
    """

    leading: ActionCouplings
    g2: tuple[np.ndarray, np.ndarray]
    g4: tuple[np.ndarray, np.ndarray]
    g6: np.ndarray
    connected6: np.ndarray
    one_loop_four_point: np.ndarray
    exchange_six_point: np.ndarray

    @property
    def couplings(self) -> dict[int, dict[int, np.ndarray]]:
        """``{valence: {order: tensor}}`` (order in 1/N)."""
        return {2: dict(enumerate(self.g2, 1)), 4: dict(enumerate(self.g4, 1)), 6: {2: self.g6}}

    def predict(self, legs: int, order: int) -> np.ndarray:
        r"""The connected ``legs``-point function of the reconstructed action at order (1/N)^order.

        The sum of the dressed diagrams of exactly that order (``legs`` in 2, 4, 6; order 1
        or 2); for ``legs = 2`` the free propagator K is not included.

        Examples
        --------
        >>> from nnqft_sym import GaussNet
        >>> act = reconstruct_action(GaussNet(), [0.2], 10)
        >>> bool(np.allclose(act.predict(4, 1), act.leading.connected4))
        True
        """
        return point_set_correlator(self.leading.kernel, self.couplings, legs, order)


def reconstruct_action(net: NetworkSpec, points: Any, width: Any, *,
                       regularisation: str = "none", rcond: float = 1e-6,
                       max_error: float = 1e-3) -> ReconstructedAction:
    r"""Couplings :math:`g_2, g_4` to O(1/N^2) and :math:`g_6` at O(1/N^2) on a point set.

    The exact :math:`G_c^{(4)}` and :math:`G_c^{(6)}` at width N are taken as O(1/N) and
    O(1/N^2) (exact for one hidden layer); the prescription of the module docstring
    (DHMSS arXiv:2307.03223) is applied with the diagrams of :func:`feynman.generate`.

    Parameters
    ----------
    net, points, width, regularisation, rcond, max_error
        As in :func:`nnqft_sym.action_couplings`; the inverse is checked for 6 legs.

    Returns
    -------
    ReconstructedAction

    Examples
    --------
    >>> from nnqft_sym import GaussNet
    >>> act = reconstruct_action(GaussNet(), [0.2], 10)      # zero dimensions: numbers
    >>> k, g4 = act.leading.kernel[0, 0], act.g4[0][0, 0, 0, 0]
    >>> c6 = act.connected6[0, 0, 0, 0, 0, 0]
    >>> bool(np.isclose(act.g6[(0,) * 6], -c6 / k ** 6 + 10 * g4 ** 2 * k))
    True
    """
    leading = action_couplings(net, points, width, regularisation=regularisation, rcond=rcond,
                               max_error=max_error)
    kernel, inverse = leading.kernel, leading.inverse
    if regularisation == "none" and inverse.rounding_error(6) > max_error:
        raise ValueError(f"kernel: condition number {inverse.condition:.3g} makes an exact "
                         f"amputation of 6 legs meaningless (rounding bound "
                         f"{inverse.rounding_error(6):.3g} > max_error = {max_error:g}); "
                         "regularise it (regularisation='spectral' or 'tikhonov')")
    connected6 = connected_tensor(net, leading.points, width, 6)
    couplings: dict[int, dict[int, np.ndarray]] = {2: {1: leading.g2}, 4: {1: leading.g4}}
    exchange = _diagram_sum(6, kernel, couplings, 2, skip=(6, 2))
    g6 = -amputate(connected6, inverse) + exchange
    couplings[6] = {2: g6}
    d4 = _diagram_sum(4, kernel, couplings, 2, skip=(4, 2))
    couplings[4][2] = d4
    g2b = _diagram_sum(2, kernel, couplings, 2, skip=(2, 2))
    return ReconstructedAction(leading, (leading.g2, g2b), (leading.g4, d4), g6, connected6,
                               _dress(d4, kernel), _dress(exchange, kernel))
