r"""Exact Gaussian expectations of exponential-type activations (the moment-generating function).

For :math:`z \sim \mathcal N(0, C)`, :math:`E[e^{a^T z}] = e^{a^T C a / 2}` (complex :math:`a`
allowed).  An activation that is a finite sum :math:`\phi(z) = \sum_k c_k e^{\alpha_k z}`
(exp, cosh, sinh, cos, sin, their products and constants) therefore has closed-form
products :math:`E[\prod_i \phi(z_i)] = \sum_{k_1..k_n} \prod_i c_{k_i}
\exp(\tfrac12 \sum_{ij} \alpha_{k_i} \alpha_{k_j} C_{ij})`.  This is how the Gauss-net kernel
and its exact finite-width correlators are *derived* here (checked against direct SymPy
integration in the tests).
"""
from __future__ import annotations

import itertools
from typing import Any, Sequence

import numpy as np
import sympy as sp

__all__ = ["exponential_terms", "mgf_product_expectation", "mgf_product_expectation_numeric"]


def exponential_terms(expr: sp.Expr, z: sp.Symbol) -> list[tuple[sp.Expr, sp.Expr]] | None:
    """Write ``expr`` as ``sum_k c_k exp(alpha_k z)``; return ``[(c_k, alpha_k)]`` or ``None``.

    Examples
    --------
    >>> import sympy as sp
    >>> z = sp.Symbol("z", real=True)
    >>> sorted(exponential_terms(sp.cosh(z), z), key=str)
    [(1/2, -1), (1/2, 1)]
    >>> exponential_terms(sp.tanh(z), z) is None
    True
    """
    rewritten = sp.expand(sp.powsimp(sp.expand(expr.rewrite(sp.exp))))
    terms: dict[sp.Expr, sp.Expr] = {}
    for term in sp.Add.make_args(rewritten):
        coeff, rest = term.as_independent(z, as_Add=False)
        if rest == 1:
            alpha = sp.Integer(0)
        else:
            rest = sp.powsimp(rest)
            if not isinstance(rest, sp.exp):
                return None
            arg = sp.expand(rest.args[0])
            alpha = sp.diff(arg, z)
            if alpha.has(z):
                return None
            coeff = coeff * sp.exp(sp.expand(arg - alpha * z))
        terms[alpha] = terms.get(alpha, 0) + coeff
    return [(sp.simplify(c), a) for a, c in terms.items() if c != 0]


def mgf_product_expectation(terms: Sequence[tuple[Any, Any]], cov: Any) -> sp.Expr:
    """E[prod_i phi(z_i)] for ``z ~ N(0, cov)`` (SymPy ``cov`` n x n) and phi given by ``terms``."""
    cov = sp.Matrix(cov)
    n = cov.shape[0]
    total = sp.Integer(0)
    for choice in itertools.product(range(len(terms)), repeat=n):
        coeff = sp.Mul(*[terms[k][0] for k in choice])
        alphas = [terms[k][1] for k in choice]
        quad = sum(alphas[i] * alphas[j] * cov[i, j] for i in range(n) for j in range(n))
        total += coeff * sp.exp(sp.expand(quad) / 2)
    return total


def mgf_product_expectation_numeric(terms: Sequence[tuple[complex, complex]],
                                    cov: np.ndarray, log_prefactor: Any = 0.0) -> np.ndarray:
    """Vectorised NumPy version: ``cov`` of shape ``(..., n, n)``, returns ``(...)`` (real part).

    The result is multiplied by ``exp(log_prefactor)`` inside each exponential, so that large
    exponents of opposite sign (Gauss-net far from the origin) cancel before exponentiation.
    """
    n = cov.shape[-1]
    coeffs = np.array([complex(c) for c, _ in terms])
    alphas = np.array([complex(a) for _, a in terms])
    total = np.zeros(cov.shape[:-2], dtype=complex)
    for choice in itertools.product(range(len(terms)), repeat=n):
        a = alphas[list(choice)]
        quad = np.einsum("i,...ij,j->...", a, cov, a)
        total = total + np.prod(coeffs[list(choice)]) * np.exp(quad / 2 + log_prefactor)
    return total.real
