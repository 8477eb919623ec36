"""Markdown tables for the experiment reports (measured ± error next to exact, with z-scores)."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .statistics import format_value_error

__all__ = ["markdown_table", "format_estimate", "versions"]


def format_estimate(value: float, error: float, digits: int = 2) -> str:
    """``value ± error`` with ``digits`` significant digits of the error: the printing rule
    of :class:`numeric.Estimate` (:func:`numeric.format_value_error`).

    Examples
    --------
    >>> format_estimate(0.123456, 0.00321)
    '0.1235 ± 0.0032'
    """
    return format_value_error(value, error, digits)


def markdown_table(rows: Sequence[dict[str, Any]], columns: Sequence[str],
                   headers: Sequence[str] | None = None) -> str:
    """A GitHub Markdown table of ``rows`` (floats printed with 4 significant digits).

    Examples
    --------
    >>> print(markdown_table([{"a": 1, "b": 0.5}], ["a", "b"]))
    | a | b |
    |---|---|
    | 1 | 0.5 |
    """
    headers = list(columns if headers is None else headers)

    def cell(v: Any) -> str:
        if isinstance(v, (float, np.floating)):
            return "nan" if not np.isfinite(v) else f"{v:.4g}"
        return str(v)

    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(cell(r[c]) for c in columns) + " |" for r in rows]
    return "\n".join(lines)


def versions() -> dict[str, str]:
    """Versions of Python, NumPy, SciPy, SymPy, matplotlib and nnqft (for the metadata)."""
    import platform
    from importlib import metadata

    import matplotlib
    import scipy
    import sympy

    try:
        nnqft = metadata.version("nnqft")
    except metadata.PackageNotFoundError:
        nnqft = "not installed (source tree)"
    return {"python": platform.python_version(), "numpy": np.__version__,
            "scipy": scipy.__version__, "sympy": sympy.__version__,
            "matplotlib": matplotlib.__version__, "nnqft": nnqft}
