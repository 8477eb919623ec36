r"""A statistical estimate with its error: :class:`Estimate`, the one "mean ± standard error".

Every Monte-Carlo number of :mod:`numeric` (Green functions, deviations :math:`m_n`,
couplings, fitted exponents) is a value with a standard error; :class:`Estimate` holds both
(floats or broadcasting NumPy arrays), prints them as ``value ± error`` and gives z-scores
against reference values.  :meth:`Estimate.from_samples` is the single "mean and standard
error of the mean" of the package: the bags of HMS (arXiv:2008.08601) are independent
samples of the quantity measured, and its error is their standard deviation (``ddof=1``)
divided by :math:`\sqrt{n_{bags}}`.

Intervals.  With ``n_samples`` independent samples the studentised deviation
:math:`t = (\bar x - \mu)/\hat\sigma_{\bar x}` follows Student's t with ``n_samples - 1``
degrees of freedom (for normally distributed samples), not the normal law: with 10 bags
:math:`|t| < 1.96` holds only 91.8 % of the time, with 20 bags 93.5 %.  :meth:`Estimate.z`
is this t statistic (the name is kept); :meth:`Estimate.critical_value`,
:meth:`Estimate.interval`, :meth:`Estimate.p_value` and :meth:`Estimate.covers` use the
Student-t quantiles with ``n_samples - 1`` degrees of freedom (the normal ones when
``n_samples`` is unknown), so a 95 % interval covers 95 % of the time (``docs/numeric.md``,
"Error bars that cover", gives the measured coverage).

Printing rule (as netket's ``Stats``): the error is rounded to two significant digits and
the value to the same decimal place, ``1.235 ± 0.012``; an error of 100 or more rounds both
to tens, hundreds, ... (``12350 ± 120``).  A zero or non-finite error prints the value with
four significant digits (``0.1235 ± nan``).
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special  # the t and normal quantiles (scipy.stats costs ~1 s to import)

__all__ = ["Estimate", "format_value_error", "critical_value", "two_sided_p_value",
           "DEFAULT_CONFIDENCE"]

#: confidence of the intervals and of the "outside the interval" flags
DEFAULT_CONFIDENCE = 0.95


def format_value_error(value: float, error: float, digits: int = 2) -> str:
    """``value ± error`` with ``digits`` significant digits of the error (module rule).

    Examples
    --------
    >>> format_value_error(0.123456, 0.00321), format_value_error(12345.6, 123.0)
    ('0.1235 ± 0.0032', '12350 ± 120')
    >>> format_value_error(-0.0996, 0.0996), format_value_error(2.5, float("nan"))
    ('-0.10 ± 0.10', '2.5 ± nan')
    """
    value, error = float(value), float(error)
    if not (math.isfinite(error) and error > 0 and math.isfinite(value)):
        return f"{value:.4g} ± {error:.2g}"
    rounded = float(f"{error:.{digits - 1}e}")         # the error to `digits` significant digits
    decimals = digits - 1 - math.floor(math.log10(rounded))
    if decimals >= 0:
        return f"{value:.{decimals}f} ± {rounded:.{decimals}f}"
    unit = 10.0 ** -decimals
    return f"{round(value / unit) * unit:.0f} ± {round(rounded / unit) * unit:.0f}"


def _check_confidence(confidence: Any) -> float:
    if isinstance(confidence, bool) or not isinstance(confidence, numbers.Real):
        raise TypeError(f"confidence must be a number in (0, 1), got {confidence!r}")
    if not 0.0 < float(confidence) < 1.0:
        raise ValueError(f"confidence must be a number in (0, 1), got {confidence!r}")
    return float(confidence)


def _check_n_samples(n_samples: Any) -> int | None:
    if n_samples is None:
        return None
    if isinstance(n_samples, bool) or not isinstance(n_samples, numbers.Integral):
        raise TypeError(f"n_samples must be an integer >= 2 or None, got {n_samples!r}")
    if n_samples < 2:
        raise ValueError(f"n_samples must be an integer >= 2 or None, got {n_samples}")
    return int(n_samples)


def critical_value(n_samples: int | None, confidence: float = DEFAULT_CONFIDENCE) -> float:
    """Two-sided critical value of the studentised mean of ``n_samples`` samples.

    The ``(1 + confidence) / 2`` quantile of Student's t with ``n_samples - 1`` degrees of
    freedom; of the normal law when ``n_samples`` is None (unknown).

    Raises
    ------
    TypeError, ValueError
        ``n_samples`` not an integer >= 2 (or None), ``confidence`` not in (0, 1).

    Examples
    --------
    >>> round(critical_value(10), 4), round(critical_value(20), 4), round(critical_value(None), 4)
    (2.2622, 2.093, 1.96)
    """
    n = _check_n_samples(n_samples)
    q = 0.5 * (1.0 + _check_confidence(confidence))
    return float(special.ndtri(q) if n is None else special.stdtrit(n - 1, q))


def two_sided_p_value(t: Any, n_samples: int | None) -> float | np.ndarray:
    """Two-sided p-value of a studentised deviation ``t`` from ``n_samples`` samples
    (Student's t with ``n_samples - 1`` degrees of freedom; normal if ``n_samples`` is None).

    Examples
    --------
    >>> round(two_sided_p_value(1.96, None), 4), round(two_sided_p_value(1.96, 10), 4)
    (0.05, 0.0816)
    """
    n = _check_n_samples(n_samples)
    t = np.abs(np.asarray(t, dtype=float))
    p = 2.0 * (special.ndtr(-t) if n is None else special.stdtr(n - 1, -t))
    return _plain(p)


def _as_number_or_array(x: Any, name: str) -> float | np.ndarray:
    if isinstance(x, Estimate):
        raise TypeError(f"{name} must be a number or an array of numbers, got an Estimate")
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number or an array of numbers, got {x!r}") from None
    return float(arr) if arr.ndim == 0 else arr


@dataclass(frozen=True, eq=False)
class Estimate:
    """A value and its standard error (floats or arrays that broadcast together).

    Parameters
    ----------
    value : float or array_like
        The estimate.
    error : float or array_like
        Its standard error (broadcasts with ``value``).
    n_samples : int, optional
        Number of independent samples (bags) it was computed from.

    Examples
    --------
    >>> e = Estimate(1.23456, 0.0123, n_samples=20)
    >>> print(e)
    1.235 ± 0.012
    >>> f"{e:.2f}", round(e.z(1.2), 3), round(e.relative_error, 4)
    ('1.23 ± 0.01', 2.81, 0.01)
    >>> print(Estimate([1.0, 2.0], 0.5) / 2)
    [0.50 ± 0.25, 1.00 ± 0.25]
    """

    value: float | np.ndarray
    error: float | np.ndarray
    n_samples: int | None = None

    def __post_init__(self) -> None:
        value = _as_number_or_array(self.value, "value")
        error = _as_number_or_array(self.error, "error")
        try:
            np.broadcast_shapes(np.shape(value), np.shape(error))
        except ValueError:
            raise ValueError(f"value and error must broadcast together, got shapes "
                             f"{np.shape(value)} and {np.shape(error)}") from None
        if self.n_samples is not None:
            if isinstance(self.n_samples, bool) or not isinstance(self.n_samples, numbers.Integral):
                raise TypeError(f"n_samples must be an integer >= 1 or None, got {self.n_samples!r}")
            if self.n_samples < 1:
                raise ValueError(f"n_samples must be an integer >= 1 or None, got {self.n_samples}")
        object.__setattr__(self, "value", value)
        object.__setattr__(self, "error", error)
        if self.n_samples is not None:
            object.__setattr__(self, "n_samples", int(self.n_samples))

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_samples(cls, samples: Any, axis: int = 0) -> "Estimate":
        """Mean over ``axis`` and standard error of the mean (``std(ddof=1) / sqrt(n)``).

        Raises
        ------
        ValueError
            If ``samples`` holds fewer than 2 samples along ``axis``.

        Examples
        --------
        >>> e = Estimate.from_samples([[1.0, 10.0], [3.0, 14.0]])
        >>> e.value.tolist(), e.error.tolist(), e.n_samples
        ([2.0, 12.0], [1.0, 2.0], 2)
        """
        samples = np.asarray(samples, dtype=float)
        if samples.ndim == 0:
            raise ValueError("samples must be an array with a sample axis, got a scalar")
        n = samples.shape[axis]
        if n < 2:
            raise ValueError(f"samples must hold at least 2 samples along axis {axis}, got {n}")
        return cls(samples.mean(axis=axis), samples.std(axis=axis, ddof=1) / np.sqrt(n),
                   n_samples=n)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Estimate":
        """Inverse of :meth:`to_dict` (``None`` entries of a JSON file read as NaN)."""
        def arr(x: Any) -> Any:
            return np.nan if x is None else (np.array(x, dtype=float) if isinstance(x, list) else x)
        return cls(arr(data["value"]), arr(data["error"]), data.get("n_samples"))

    # ------------------------------------------------------------------ derived numbers
    @property
    def shape(self) -> tuple[int, ...]:
        """Broadcast shape of value and error (``()`` for a scalar estimate)."""
        return np.broadcast_shapes(np.shape(self.value), np.shape(self.error))

    @property
    def relative_error(self) -> float | np.ndarray:
        """``error / |value|`` (inf where the value is 0)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return _plain(np.abs(self.error) / np.abs(self.value))

    def z(self, reference: Any) -> float | np.ndarray:
        """z-score ``(value - reference) / error`` against a reference value.

        With an error from ``n_samples`` samples this is a Student-t statistic with
        ``n_samples - 1`` degrees of freedom: compare it with :meth:`critical_value`
        (2.09 for 20 bags, not 1.96) or use :meth:`p_value` / :meth:`covers`."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return _plain((self.value - np.asarray(reference, float)) / self.error)

    # ------------------------------------------------------------------ intervals (Student t)
    def critical_value(self, confidence: float = DEFAULT_CONFIDENCE) -> float:
        """Two-sided critical value of :meth:`z` (:func:`critical_value` of ``n_samples``)."""
        return critical_value(self.n_samples, confidence)

    def interval(self, confidence: float = DEFAULT_CONFIDENCE
                 ) -> tuple[float | np.ndarray, float | np.ndarray]:
        """``(low, high)``: ``value -/+ critical_value * error``, Student t with
        ``n_samples - 1`` degrees of freedom.

        Examples
        --------
        >>> lo, hi = Estimate(1.0, 0.1, n_samples=10).interval()
        >>> round(lo, 4), round(hi, 4)
        (0.7738, 1.2262)
        """
        half = self.critical_value(confidence) * np.abs(np.asarray(self.error, float))
        return _plain(self.value - half), _plain(self.value + half)

    def p_value(self, reference: Any) -> float | np.ndarray:
        """Two-sided p-value of :meth:`z` against ``reference`` (:func:`two_sided_p_value`).

        Examples
        --------
        >>> round(Estimate(1.2, 0.1, n_samples=20).p_value(1.0), 3)
        0.06
        """
        return two_sided_p_value(self.z(reference), self.n_samples)

    def covers(self, reference: Any, confidence: float = DEFAULT_CONFIDENCE) -> bool | np.ndarray:
        """Whether :meth:`interval` contains ``reference`` (``|z| <= critical_value``).

        Examples
        --------
        >>> Estimate(1.2, 0.1, n_samples=20).covers(1.0), Estimate(1.2, 0.1).covers(1.0)
        (True, False)
        """
        inside = np.abs(np.asarray(self.z(reference), float)) <= self.critical_value(confidence)
        return bool(inside) if inside.ndim == 0 else inside

    def __getitem__(self, index: Any) -> "Estimate":
        shape = self.shape
        return Estimate(np.broadcast_to(self.value, shape)[index],
                        np.broadcast_to(self.error, shape)[index], self.n_samples)

    # ------------------------------------------------------------------ exact arithmetic
    # (only with exact constants: the error of a sum of two estimates needs their correlation)
    def _constant(self, other: Any) -> np.ndarray:
        if isinstance(other, Estimate):
            raise TypeError("combining two Estimates needs their correlation; combine the "
                            "samples and use Estimate.from_samples")
        return np.asarray(other, dtype=float)

    def __neg__(self) -> "Estimate":
        return Estimate(-self.value, self.error, self.n_samples)

    def __add__(self, other: Any) -> "Estimate":
        return Estimate(self.value + self._constant(other), self.error, self.n_samples)

    __radd__ = __add__

    def __sub__(self, other: Any) -> "Estimate":
        return Estimate(self.value - self._constant(other), self.error, self.n_samples)

    def __rsub__(self, other: Any) -> "Estimate":
        return Estimate(self._constant(other) - self.value, self.error, self.n_samples)

    def __mul__(self, other: Any) -> "Estimate":
        c = self._constant(other)
        return Estimate(self.value * c, self.error * np.abs(c), self.n_samples)

    __rmul__ = __mul__

    def __truediv__(self, other: Any) -> "Estimate":
        c = self._constant(other)
        with np.errstate(divide="ignore", invalid="ignore"):
            return Estimate(self.value / c, self.error / np.abs(c), self.n_samples)

    # ------------------------------------------------------------------ output
    def to_string(self, digits: int = 2) -> str:
        """``value ± error`` with ``digits`` significant digits of the error (module rule);
        arrays print as nested lists of such strings."""
        if not self.shape:
            return format_value_error(self.value, self.error, digits)
        shape = self.shape
        cells = np.frompyfunc(lambda v, e: format_value_error(v, e, digits), 2, 1)(
            np.broadcast_to(self.value, shape), np.broadcast_to(self.error, shape))
        return _nested(cells.tolist())

    def __str__(self) -> str:
        return self.to_string()

    def __format__(self, spec: str) -> str:
        """Empty spec: :meth:`__str__`; otherwise the float spec applies to value and error."""
        if not spec:
            return str(self)
        if self.shape:
            shape = self.shape
            cells = np.frompyfunc(lambda v, e: f"{v:{spec}} ± {e:{spec}}", 2, 1)(
                np.broadcast_to(self.value, shape), np.broadcast_to(self.error, shape))
            return _nested(cells.tolist())
        return f"{self.value:{spec}} ± {self.error:{spec}}"

    def __repr__(self) -> str:
        n = "" if self.n_samples is None else f", n_samples={self.n_samples}"
        return f"Estimate({self.value!r}, {self.error!r}{n})"

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly ``{"value", "error", "n_samples"}`` (arrays as nested lists).

        Examples
        --------
        >>> Estimate(np.array([1.0, 2.0]), 0.1, 4).to_dict()
        {'value': [1.0, 2.0], 'error': 0.1, 'n_samples': 4}
        """
        def plain(x: Any) -> Any:
            return x.tolist() if isinstance(x, np.ndarray) else float(x)
        return {"value": plain(self.value), "error": plain(self.error), "n_samples": self.n_samples}


def _plain(x: Any) -> float | np.ndarray:
    """A 0-d result as a Python float, arrays unchanged."""
    return float(x) if np.ndim(x) == 0 else x


def _nested(cells: Any) -> str:
    if isinstance(cells, list):
        return "[" + ", ".join(_nested(c) for c in cells) + "]"
    return str(cells)
