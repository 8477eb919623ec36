"""Exact finite-width tables (plain text and LaTeX) for reports, the CLI and notebooks."""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from .cumulants import delta_green_series
from .specification import NetworkSpec
from .validation import as_points, check_even_order, check_width
from .wick import free_green

__all__ = ["ExactRow", "exact_deviation_table", "format_table"]


@dataclass(frozen=True)
class ExactRow:
    """Exact statistics of one order at one width, summarised over all point multisets.

    Attributes
    ----------
    width : int
        Hidden-layer width N.
    order : int
        Correlator order n.
    mean_abs_m : float
        Mean over multisets of |m_n| (<|m_n|> of HMS/ELS, docs/conventions.md section 3).
    max_abs_m : float
        Largest |m_n| over the multisets.
    n_combinations : int
        Number of inequivalent multisets of the points where m_n is defined.
    n_undefined : int
        Multisets left out because :math:`G_0^{(n)} = 0` there, so that m_n is 0/0 (ReLU at
        sigma_b = 0 with inputs of both signs in d_in = 1: K(x, y) = 0 for x y < 0).
    """

    width: int
    order: int
    mean_abs_m: float
    max_abs_m: float
    n_combinations: int
    n_undefined: int = 0


def exact_deviation_table(net: NetworkSpec, points: Any, widths: Sequence[int],
                          orders: Sequence[int] = (4, 6)) -> list[ExactRow]:
    """Exact <|m_n|> over every multiset of ``points`` for each width and order.

    Multisets where :math:`G_0^{(n)} = 0` (m_n undefined) are left out and counted in
    :attr:`ExactRow.n_undefined`.

    Raises
    ------
    ValueError
        If m_n is undefined at every multiset of an order.

    Examples
    --------
    >>> from nnqft_sym import GaussNet
    >>> rows = exact_deviation_table(GaussNet(), [-0.01, 0.0, 0.01], widths=[10, 100], orders=[4])
    >>> [r.n_combinations for r in rows]
    [15, 15]
    """
    pts = as_points(points, net.d_in)
    if pts.ndim != 2:
        raise ValueError("points must be a single set of shape (n_points, d_in)")
    rows = []
    for order in orders:
        check_even_order(order, "order")
        combos = np.array(list(itertools.combinations_with_replacement(range(len(pts)), order)))
        batch = pts[combos]                       # (n_comb, order, d_in)
        free = np.asarray(free_green(net, batch), dtype=float)
        defined = free != 0
        if not defined.any():
            raise ValueError(f"m_{order} = Delta G / G_0 is undefined (G_0 = 0) at every multiset "
                             f"of the points {pts.tolist()}")
        series = delta_green_series(net, batch[defined])
        for width in widths:
            width = check_width(width)
            m = sum(c / width ** k for k, c in series.items()) / free[defined]
            rows.append(ExactRow(width, order, float(np.mean(np.abs(m))), float(np.max(np.abs(m))),
                                 int(defined.sum()), int((~defined).sum())))
    return rows


def format_table(rows: Sequence[ExactRow], latex: bool = False) -> str:
    """Render rows as an aligned plain-text table or a LaTeX ``tabular``."""
    header = ["N", "n", "<|m_n|>", "max |m_n|", "multisets"]
    body = [[str(r.width), str(r.order), f"{r.mean_abs_m:.6g}", f"{r.max_abs_m:.6g}",
             str(r.n_combinations)] for r in rows]
    if latex:
        lines = [r"\begin{tabular}{rrrrr}", r"\hline",
                 r"$N$ & $n$ & $\langle|m_n|\rangle$ & $\max|m_n|$ & multisets \\", r"\hline"]
        lines += [" & ".join(row) + r" \\" for row in body]
        return "\n".join(lines + [r"\hline", r"\end{tabular}"])
    widths = [max(len(h), *(len(row[i]) for row in body)) for i, h in enumerate(header)]
    fmt = "  ".join(f"{{:>{w}}}" for w in widths)
    return "\n".join([fmt.format(*header)] + [fmt.format(*row) for row in body])
