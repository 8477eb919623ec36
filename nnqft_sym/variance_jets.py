r"""Taylor jets of the single-input variance chain (:mod:`nnqft_sym.deep_orders`).

A jet is the array of Taylor coefficients of a function of the layer variance G about its
infinite-width value.  The moments :math:`m_j(G) = E_G[(n\phi)^{2j}]` get their jets from the
Gaussian score identity :math:`\partial_G^i E_G[H] = E_G[H(z)\,\mathrm{He}_{2i}(z/\sqrt G)]/
(2G)^i`, so kinked activations need no derivative.  Shared by the Gaussian chain
(:func:`nnqft_sym.single_input_series`) and the chain of non-Gaussian weights
(:mod:`nnqft_sym.deep_edgeworth`).
"""
from __future__ import annotations

import math

import numpy as np
from numpy.polynomial import hermite_e
from sympy.utilities.iterables import partitions

from .quadrature import gaussian_expectation
from .specification import NetworkSpec as Network

__all__: list[str] = []


def _series_mul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Product of two series in 1/N truncated at their common length (also the jet product)."""
    return np.convolve(a, b)[: len(a)]


def _compose(outer: np.ndarray, inner: np.ndarray) -> np.ndarray:
    """Jet of outer(P' + inner(t)) from the jets of outer at P' and of inner (inner[0] = 0)."""
    out = np.zeros_like(inner)
    for coefficient in outer[::-1]:
        out = _series_mul(out, inner)
        out[0] += coefficient
    return out


def _derivative(jet: np.ndarray, n: int) -> np.ndarray:
    """Jet of the n-th derivative (Taylor coefficients; degrees above the input's are zero)."""
    out = np.zeros_like(jet)
    for i in range(len(jet) - n):
        out[i] = jet[i + n] * math.perm(i + n, n)
    return out


def _moment_jets(net: Network, variance: float, count: int, degree: int) -> list[np.ndarray]:
    r"""Taylor jets in G at ``variance`` of :math:`m_j(G) = E_G[(n\phi)^{2j}]`, j = 1..count.

    :math:`\partial_G^i m_j = E_G[F^j \mathrm{He}_{2i}(z/\sqrt G)]/(2G)^i` (score identity).
    """
    act = net.activation_function
    norm = 1.0 if net.normalisation == 1 else float(net.normalisation_function(variance))
    root = math.sqrt(variance)
    jets = []
    for j in range(1, count + 1):
        jet = np.empty(degree + 1)
        for i in range(degree + 1):
            he = hermite_e.HermiteE.basis(2 * i)

            def integrand(z, j=j, he=he):
                return (norm * act(z)) ** (2 * j) * he(z / root)
            value = gaussian_expectation(integrand, [[variance]])
            jet[i] = value / (2 * variance) ** i / math.factorial(i)
        jets.append(jet)
    return jets


def _cumulant_jets(moments: list[np.ndarray]) -> list[np.ndarray]:
    """Jets of the cumulants kappa_1..kappa_n of F from those of its raw moments."""
    kappa: list[np.ndarray] = []
    for n in range(1, len(moments) + 1):
        value = moments[n - 1].copy()
        for k in range(1, n):
            lower = moments[n - k - 1]
            value -= math.comb(n - 1, k - 1) * _series_mul(kappa[k - 1], lower)
        kappa.append(value)
    return kappa


def _central_moment_jets(kappa: list[np.ndarray], order: int) -> dict[tuple[int, int], np.ndarray]:
    r"""Jets of the coefficients :math:`C_{n,r}` of :math:`E[(\bar F - \mu)^n] = \sum_r C_{n,r} N^{-r}`
    for :math:`2 \le n \le 2\,` ``order``, :math:`r \le` ``order``."""
    out: dict[tuple[int, int], np.ndarray] = {}
    for n in range(2, 2 * order + 1):
        for parts in partitions(n):
            if 1 in parts:
                continue
            blocks = sum(parts.values())
            r = n - blocks
            if r > order:
                continue
            count = math.factorial(n)
            term = np.zeros_like(kappa[0])
            term[0] = 1.0
            for size, mult in parts.items():
                count //= math.factorial(size) ** mult * math.factorial(mult)
                for _ in range(mult):
                    term = _series_mul(term, kappa[size - 1])
            out[(n, r)] = out.get((n, r), 0.0) + count * term
    return out
