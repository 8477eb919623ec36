"""Set partitions and pairings: the combinatorics behind Wick's theorem and moment-cumulant formulas.

SymPy's ``wicks`` handles fermionic operators only, so the bosonic pairings are enumerated here.
"""
from __future__ import annotations

from functools import lru_cache
from math import comb, factorial
from typing import Any, Callable, Iterator

from .validation import check_even_order

__all__ = ["mask_bits", "blocks_with_lowest", "pairings", "even_set_partitions", "double_factorial", "moebius_weight", "bell_number",
           "subset_recursion_terms", "wick_sum"]


def double_factorial(n: int) -> int:
    """(n)!! for n >= -1, with (-1)!! = 0!! = 1.

    Examples
    --------
    >>> double_factorial(5)
    15
    """
    if n < -1:
        raise ValueError(f"n must be >= -1, got {n}")
    out = 1
    while n > 1:
        out *= n
        n -= 2
    return out


@lru_cache(maxsize=None)
def pairings(n: int) -> tuple[tuple[tuple[int, int], ...], ...]:
    """All perfect matchings of ``range(n)`` as tuples of pairs (i < j); there are (n-1)!! of them.

    Raises
    ------
    ValueError
        If ``n`` is odd or negative (an odd number of fields has no pairing).

    Examples
    --------
    >>> len(pairings(6))
    15
    >>> pairings(4)
    (((0, 1), (2, 3)), ((0, 2), (1, 3)), ((0, 3), (1, 2)))
    """
    if n < 0 or n % 2:
        raise ValueError(f"pairings need an even number of points >= 0, got {n}")
    return tuple(_pairings(tuple(range(n))))


def _pairings(items: tuple[int, ...]):
    if not items:
        yield ()
        return
    first, rest = items[0], items[1:]
    for k, partner in enumerate(rest):
        remaining = rest[:k] + rest[k + 1:]
        for tail in _pairings(remaining):
            yield ((first, partner),) + tail


@lru_cache(maxsize=None)
def even_set_partitions(items: tuple[int, ...]) -> tuple[tuple[tuple[int, ...], ...], ...]:
    """All partitions of ``items`` into blocks of even size (blocks sorted, first element first).

    Examples
    --------
    >>> len(even_set_partitions((0, 1, 2, 3)))   # 3 pairings + the whole set
    4
    """
    if not items:
        return ((),)
    first, rest = items[0], items[1:]
    out = []
    n = len(rest)
    # choose the companions of `first` (an odd number of them, so the block is even)
    for mask in range(1 << n):
        chosen = tuple(rest[i] for i in range(n) if mask >> i & 1)
        if len(chosen) % 2 == 0:
            continue
        left = tuple(rest[i] for i in range(n) if not mask >> i & 1)
        for tail in even_set_partitions(left):
            out.append(((first,) + chosen,) + tail)
    return tuple(out)


def moebius_weight(n_blocks: int) -> int:
    """(-1)^(k-1) (k-1)!: the weight of a k-block partition in the moment -> cumulant formula."""
    return (-1) ** (n_blocks - 1) * factorial(n_blocks - 1)


def bell_number(n: int) -> int:
    """The number of set partitions of n items (Bell triangle).

    Examples
    --------
    >>> [bell_number(n) for n in range(6)]
    [1, 1, 2, 5, 15, 52]
    """
    row = [1]
    for _ in range(n):
        nxt = [row[-1]]
        for v in row:
            nxt.append(nxt[-1] + v)
        row = nxt
    return row[0]


def subset_recursion_terms(n: int) -> int:
    r"""Products summed by the subset recursions of :mod:`nnqft_sym.cumulants` for n points.

    Cumulants :math:`\kappa(B) = m(B) - \sum_{A \ni \min B,\ A \subsetneq B} \kappa(A)\, m(B \setminus A)`
    over the even subsets B (:math:`2^{|B|-2} - 1` terms each) and the Green function
    :math:`G(B) = \sum_{A \ni \min B} \kappa(A)\, G(B \setminus A)` over the full set and the even
    subsets of the other n - 1 points (:math:`2^{|B|-2}` terms each): about :math:`3^n/4`,
    instead of the Bell-number many set partitions.

    Examples
    --------
    >>> subset_recursion_terms(4), subset_recursion_terms(14)
    (10, 793066)
    """
    if n < 2:
        return 0
    cumulant = sum(comb(n, k) * (2 ** (k - 2) - 1) for k in range(4, n + 1, 2))
    green = sum(comb(n - 1, k) * 2 ** (k - 2) for k in range(2, n, 2))
    green += 2 ** (n - 2) if n % 2 == 0 else 0
    return cumulant + green


def wick_sum(pair_value: Callable[[int, int], Any], n: int) -> Any:
    """Sum over the pairings of ``range(n)`` of products of ``pair_value(i, j)`` (Wick's theorem).

    Examples
    --------
    >>> wick_sum(lambda i, j: 1, 6)     # counts the (6-1)!! = 15 pairings
    15
    """
    check_even_order(n)
    total = 0
    for matching in pairings(n):
        term = 1
        for i, j in matching:
            term = term * pair_value(i, j)
        total = total + term
    return total


def mask_bits(mask: int) -> list[int]:
    """The indices of the set bits of ``mask`` (a subset of points as a bit mask).

    Examples
    --------
    >>> mask_bits(0b1011)
    [0, 1, 3]
    """
    return [i for i in range(mask.bit_length()) if mask >> i & 1]


def blocks_with_lowest(mask: int) -> Iterator[int]:
    """The subsets of ``mask`` that contain its lowest element, ``mask`` itself included.

    The blocks of the subset recursions of the moment-cumulant formula: every set partition
    of ``mask`` has exactly one block with the lowest element.

    Examples
    --------
    >>> [bin(b) for b in blocks_with_lowest(0b111)]
    ['0b111', '0b101', '0b11', '0b1']
    """
    low = mask & -mask
    rest = mask ^ low
    sub = rest
    while True:
        yield sub | low
        if sub == 0:
            return
        sub = (sub - 1) & rest
