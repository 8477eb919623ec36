r"""Kinks of piecewise expressions: where an activation or a density is not infinitely differentiable.

Used by the activation rule books (:mod:`nnqft_sym.activations`, the break points of the
kinked quadrature) and by the laws of :mod:`nnqft_sym.laws` (the break points of their
quadrature rules).

Examples
--------
>>> import sympy as sp
>>> z = sp.Symbol("z", real=True)
>>> find_kinks(sp.Max(0, z) + sp.Abs(z - 1), z)
(0.0, 1.0)
"""
from __future__ import annotations

import itertools

import sympy as sp

__all__ = ["find_kinks"]


def find_kinks(expr: sp.Expr, z: sp.Symbol) -> tuple[float, ...]:
    """Sorted distinct real points where ``expr(z)`` is not infinitely differentiable
    (Max/Min, Abs, Heaviside, sign and Piecewise break points anywhere in the tree)."""
    points: set[float] = set()
    for node in sp.preorder_traversal(expr):
        if isinstance(node, (sp.Max, sp.Min)):
            for a, b in itertools.combinations(node.args, 2):
                points.update(_real_roots(a - b, z))
        elif isinstance(node, (sp.Abs, sp.Heaviside, sp.sign)):
            points.update(_real_roots(node.args[0], z))
        elif isinstance(node, sp.Piecewise):
            for _, cond in node.args:
                if cond in (sp.true, sp.false):
                    continue
                for rel in cond.atoms(sp.core.relational.Relational):
                    points.update(_real_roots(rel.lhs - rel.rhs, z))
    return tuple(sorted(points))


def _real_roots(expr: sp.Expr, z: sp.Symbol) -> set[float]:
    if not expr.has(z):
        return set()
    roots = sp.solveset(sp.Eq(expr, 0), z, domain=sp.S.Reals)
    if not isinstance(roots, sp.FiniteSet):
        raise ValueError(f"cannot locate the kinks of the activation: {expr} = 0 has solution set "
                         f"{roots}; pass kinks explicitly")
    return {float(v) for v in roots}
