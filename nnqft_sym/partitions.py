"""Set partitions and pairings: the combinatorics behind Wick's theorem and moment-cumulant formulas.

SymPy's ``wicks`` handles fermionic operators only, so the bosonic pairings are enumerated here.
"""
from __future__ import annotations

from functools import lru_cache
from math import factorial

__all__ = ["pairings", "even_set_partitions", "double_factorial", "moebius_weight"]


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
