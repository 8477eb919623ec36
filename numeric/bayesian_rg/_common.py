"""Argument checks and the mean-and-standard-error helper shared by :mod:`numeric.bayesian_rg` (private)."""
from __future__ import annotations

import numbers
from typing import Any, Sequence

import numpy as np

from nnqft_sym.validation import reject_text


def check_positive(value: Any, name: str) -> float:
    """A positive finite real number (not a bool), as ``float``; the message names ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a positive real number, got {value!r}")
    if not (np.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive finite number, got {value}")
    return float(value)


def check_choice(value: Any, name: str, allowed: Sequence[str]) -> str:
    """One of the strings ``allowed``; the message names ``name`` and lists them."""
    if value not in allowed:
        raise ValueError(f"{name} must be {' or '.join(repr(a) for a in allowed)}, got {value!r}")
    return value


def check_cutoffs(cutoffs: Any) -> np.ndarray:
    """Information cutoffs: an increasing 1-d sequence of at least 2 positive finite numbers."""
    reject_text(cutoffs, "cutoffs")
    try:
        out = np.asarray(cutoffs, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"cutoffs must be a sequence of positive numbers, got {cutoffs!r}") from None
    if out.ndim != 1 or out.size < 2 or not np.all(np.isfinite(out)) or not np.all(out > 0) \
            or np.any(np.diff(out) <= 0):
        raise ValueError("cutoffs must be an increasing 1-d sequence of at least 2 positive numbers")
    return out


def mean_err(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean over axis 0 and its standard error (the one such helper of the BRG experiment)."""
    return values.mean(0), values.std(0, ddof=1) / np.sqrt(values.shape[0])
