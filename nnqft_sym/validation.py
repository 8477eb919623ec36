"""Input checks shared by the symbolic core: clear errors that name the parameter and the range.

Every public function of nnqft validates its input here, so that bad input gives a
``ValueError``/``TypeError`` with a message that says what was expected, never a NaN or a
deep traceback.
"""
from __future__ import annotations

import numbers
from typing import Any

import numpy as np
import sympy as sp

__all__ = [
    "relative_to_free",
    "check_positive",
    "check_nonnegative",
    "check_dimension",
    "check_width",
    "check_even_order",
    "check_integer",
    "as_points",
    "as_coordinates",
    "reject_text",
    "check_deviation_order",
    "broadcast_coordinates",
    "is_symbolic",
]


def is_symbolic(value: Any) -> bool:
    """True if ``value`` is a SymPy object with free symbols (not a plain number)."""
    return isinstance(value, sp.Basic) and bool(value.free_symbols)


#: (type error, symbol error, value error) wordings of the two scale checks
_SCALE_WORDING = {
    True: ("a positive real number or a SymPy symbol", "positive; the symbol {} is declared "
           "non-positive", "a positive finite real number (> 0)"),
    False: ("a real number >= 0 or a SymPy symbol", ">= 0; the symbol {} is declared negative "
            "or non-real", "a finite real number >= 0"),
}


def _check_scale(value: Any, name: str, strict: bool) -> sp.Expr:
    """A real number (> 0 if ``strict``, else >= 0) or a SymPy expression not declared otherwise."""
    kind, symbol_rule, number_rule = _SCALE_WORDING[strict]
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, sp.Basic, np.floating, np.integer)):
        raise TypeError(f"{name} must be {kind}, got {value!r}")
    expr = sp.sympify(value)        # numbers and SymPy objects only: strings were refused above
    if expr.free_symbols:
        allowed = expr.is_positive if strict else expr.is_nonnegative
        if allowed is False or expr.is_real is False:
            raise ValueError(f"{name} must be {symbol_rule.format(expr)}")
        return expr
    if not expr.is_real or not expr.is_finite or not (expr > 0 if strict else expr >= 0):
        raise ValueError(f"{name} must be {number_rule}, got {value!r}")
    return expr


def check_positive(value: Any, name: str) -> sp.Expr:
    """Return ``value`` as a SymPy expression, requiring it to be a positive number or a symbol.

    Raises
    ------
    TypeError
        If ``value`` is neither a real number nor a SymPy expression.
    ValueError
        If ``value`` is a number that is not strictly positive and finite, or a symbol
        declared non-positive.

    Examples
    --------
    >>> check_positive(2, "sigma_w")
    2
    """
    return _check_scale(value, name, strict=True)


def check_nonnegative(value: Any, name: str) -> sp.Expr:
    r"""Return ``value`` as a SymPy expression, requiring a number >= 0 or a symbol that may be >= 0.

    Used for the bias scale :math:`\sigma_b`, whose boundary value 0 is the setting of the
    ReLU experiments of HMS (arXiv:2008.08601) and the critical point of deep ReLU nets
    (Roberts, Yaida, Hanin arXiv:2106.10165).

    Raises
    ------
    TypeError
        If ``value`` is neither a real number nor a SymPy expression.
    ValueError
        If ``value`` is a number that is negative, NaN or infinite, or a symbol declared
        negative or non-real.

    Examples
    --------
    >>> check_nonnegative(0, "sigma_b")
    0
    >>> check_nonnegative(sp.Symbol("sigma_b", nonnegative=True), "sigma_b")
    sigma_b
    """
    return _check_scale(value, name, strict=False)


def check_dimension(value: Any, name: str = "d_in") -> int | sp.Symbol:
    """Return an input dimension: an integer >= 1 or a positive integer SymPy symbol."""
    if isinstance(value, sp.Symbol):
        if value.is_positive is False:
            raise ValueError(f"{name} must be >= 1; the symbol {value} is declared non-positive")
        return value
    if isinstance(value, bool) or not isinstance(value, (numbers.Integral, sp.Integer)):
        raise TypeError(f"{name} must be an integer >= 1 (or a SymPy symbol), got {value!r}")
    if int(value) < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value}")
    return int(value)


def check_width(width: Any, name: str = "width") -> int | sp.Expr:
    """Return a hidden-layer width: an integer >= 1, or a SymPy symbol for symbolic 1/N series."""
    if isinstance(width, sp.Basic) and width.free_symbols:
        if width.is_positive is False:
            raise ValueError(f"{name} must be positive; {width} is declared non-positive")
        return width
    if isinstance(width, bool) or not isinstance(width, (numbers.Integral, sp.Integer)):
        raise TypeError(f"{name} must be a positive integer (number of hidden neurons) "
                        f"or a SymPy symbol, got {width!r}")
    if int(width) < 1:
        raise ValueError(f"{name} must be a positive integer >= 1, got {width}")
    return int(width)


def check_integer(value: Any, name: str, minimum: int = 0) -> int:
    """Require a plain integer (not a bool) ``>= minimum``: counts, sizes, numbers of samples.

    Raises
    ------
    TypeError
        If ``value`` is not an integer.
    ValueError
        If it is smaller than ``minimum``.

    Examples
    --------
    >>> check_integer(3, "n_members", 1)
    3
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer >= {minimum}, got {value!r}")
    if int(value) < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value}")
    return int(value)


def check_even_order(n: int, name: str = "number of points") -> int:
    """Require an even correlator order: odd correlators of these networks vanish identically."""
    if isinstance(n, bool) or not isinstance(n, (numbers.Integral,)):
        raise TypeError(f"{name} must be an integer, got {n!r}")
    if n < 2 or n % 2:
        raise ValueError(f"{name} must be an even integer >= 2 (odd correlators vanish exactly "
                         f"because W1 is symmetric), got {n}")
    return int(n)


def reject_text(value: Any, name: str) -> None:
    """Raise a ``TypeError`` naming ``name`` if ``value`` is, or contains, a string.

    Points are numbers or SymPy symbols; a string is never read as either (NumPy would turn
    ``"0.1"`` into a float and SymPy would *execute* ``"__import__('os')..."``).

    Examples
    --------
    >>> reject_text([[0.1], [0.2]], "points")
    >>> reject_text(["0.1", "0.2"], "points")
    Traceback (most recent call last):
    ...
    TypeError: points must be numeric (numbers or SymPy expressions), not strings (got '0.1')
    """
    if isinstance(value, (str, bytes)):
        raise TypeError(f"{name} must be numeric (numbers or SymPy expressions), not strings "
                        f"(got {value[:80]!r})")
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "US":
            raise TypeError(f"{name} must be numeric (numbers or SymPy expressions), not strings "
                            f"(got an array of dtype {value.dtype})")
        if value.dtype.kind != "O":
            return
        value = value.ravel()                  # object array (also 0-d): look item by item
    elif isinstance(value, (list, tuple)):
        try:                                   # plain numbers: one vectorised look
            kind = np.asarray(value).dtype.kind
        except (TypeError, ValueError):        # ragged: look item by item
            kind = "O"
        if kind not in "OUS":
            return
    else:
        return
    for item in value:
        reject_text(item, name)


def _as_float_array(value: Any, name: str) -> np.ndarray:
    reject_text(value, name)
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be numeric array-like (a number, or nested lists / an array "
                        f"of numbers), got {type(value).__name__}") from exc
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    return arr


def as_points(points: Any, d_in: int, name: str = "points", *,
              allow_empty: bool = False) -> np.ndarray:
    """Convert numeric point sets to a float array of shape ``(..., n, d_in)``.

    The shape contract of every function that takes a *set* of ``n`` points (correlators,
    moments, couplings): the last axis holds the ``d_in`` coordinates, the one before it the
    ``n`` points, all earlier axes are batch axes (one result per combination).

    When ``d_in == 1`` there is no coordinate axis to write: ``(..., n)`` is read as ``n`` scalar
    points and a scalar as one point.  An explicit trailing axis of length 1 on an array of
    ``ndim >= 2`` is read as the coordinate axis (``(..., n, 1)`` is the same as ``(..., n)``):
    the other reading, a batch of one-point sets, is the one-point function, which vanishes
    for every network here.  When ``d_in > 1`` the array must have ``ndim >= 2``.

    An empty point set is refused unless ``allow_empty`` (vacuum diagrams have n = 0).

    Raises
    ------
    TypeError
        If ``points`` is a string, holds strings or is not numeric.
    ValueError
        If the array does not end in ``d_in`` coordinates, holds no point, or holds NaN or
        infinities.

    Examples
    --------
    >>> as_points([0.1, 0.2, 0.3], 1).shape
    (3, 1)
    >>> as_points([[0.1, 0.2], [0.3, 0.4]], 2).shape
    (2, 2)
    """
    arr = _as_float_array(points, name)
    if d_in == 1 and (arr.ndim < 2 or arr.shape[-1] != 1):
        arr = arr.reshape(arr.shape + (1,)) if arr.ndim else arr.reshape(1, 1)
    if arr.ndim < 2 or arr.shape[-1] != d_in:
        raise ValueError(f"{name} must have shape (..., n, d_in) with d_in = {d_in}, "
                         f"got shape {np.shape(points)}")
    if arr.size == 0 and not allow_empty:
        raise ValueError(f"{name} must hold at least one point (n >= 1 and no empty batch axis), "
                         f"got shape {np.shape(points)}")
    return arr


def as_coordinates(x: Any, d_in: int, name: str, *,
                   coordinate_axis: bool | None = None) -> np.ndarray:
    """Numeric single points as a float array ``(..., d_in)``: the leading axes broadcast.

    Unlike :func:`as_points` there is no axis of n points: this is the contract for the two
    arguments of a kernel (see :func:`broadcast_coordinates`).  When ``d_in > 1`` the last axis
    holds the coordinates.  When ``d_in == 1`` a scalar is one point, and whether a trailing
    axis of length 1 is a coordinate axis is said by ``coordinate_axis`` (``None``: it is, when
    the array has ``ndim >= 1`` and ends in 1; ``False``: every axis is a leading axis).

    Examples
    --------
    >>> as_coordinates([0.1, 0.2], 1, "x").shape
    (2, 1)
    >>> as_coordinates([[0.1], [0.2]], 1, "x", coordinate_axis=False).shape
    (2, 1, 1)
    """
    arr = _as_float_array(x, name)
    if d_in == 1:
        if coordinate_axis is None:
            coordinate_axis = arr.ndim >= 1 and arr.shape[-1] == 1
        return arr if coordinate_axis else arr[..., None]
    if arr.shape[-1:] != (d_in,):
        raise ValueError(f"{name} must have shape (..., d_in) with d_in = {d_in} (the last axis "
                         f"holds the coordinates), got shape {np.shape(x)}")
    return arr


def broadcast_coordinates(x: Any, y: Any, d_in: int,
                          names: tuple[str, str] = ("x", "y")) -> tuple[np.ndarray, np.ndarray]:
    """The two point arguments of a kernel as broadcast float arrays ``(..., d_in)``.

    NumPy broadcasting over the leading axes: ``K(x[:, None], x[None, :])`` is the Gram matrix.
    When ``d_in > 1`` the last axis of each argument holds the coordinates.  When ``d_in == 1``
    every axis is a leading axis (the result has the broadcast shape of ``x`` and ``y``, as for
    a NumPy ufunc), except that when *both* arguments end in an axis of length 1 that axis is
    read as the coordinate axis and dropped from the result; the two readings then give the
    same values and differ only by that trailing axis of length 1, so this is unambiguous.

    Raises
    ------
    ValueError
        If the leading shapes do not broadcast (the message names both arguments).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.linspace(0, 1, 3)
    >>> [a.shape for a in broadcast_coordinates(x[:, None], x[None, :], 1)]
    [(3, 3, 1), (3, 3, 1)]
    """
    flag = None
    if d_in == 1:
        shapes = [np.shape(v) for v in (x, y)]
        flag = all(len(s) >= 1 and s[-1] == 1 for s in shapes)
    xa = as_coordinates(x, d_in, names[0], coordinate_axis=flag)
    ya = as_coordinates(y, d_in, names[1], coordinate_axis=flag)
    try:
        return tuple(np.broadcast_arrays(xa, ya))
    except ValueError:
        raise ValueError(f"{names[0]} and {names[1]} must broadcast over their leading axes: got "
                         f"shapes {np.shape(x)} and {np.shape(y)} (d_in = {d_in})") from None


def check_deviation_order(n: int, leading: bool = False) -> None:
    """Refuse :math:`m_n` at an odd number ``n`` of points, where :math:`\\Delta G` and
    :math:`G_0` both vanish exactly (``leading``: the 1/N coefficient of a deep network).

    Examples
    --------
    >>> check_deviation_order(4)
    """
    if n % 2:
        use = "leading_delta_green" if leading else "delta_green"
        raise ValueError(f"points: m_n = Delta G / G_0 is 0/0 at an odd number of points "
                         f"(both vanish exactly), got n = {n}; use {use}, which is 0")


def relative_to_free(value: Any, free: Any, points: Any, symbolic: bool) -> Any:
    r"""``value / free`` for :math:`m_n = \Delta G^{(n)} / G_0^{(n)}`, refusing a vanishing :math:`G_0^{(n)}`
    (``points`` as the caller received them, to name the combination).

    :math:`G_0^{(n)} = 0` where an input has :math:`K(x, x) = 0` (ReLU or Erf at
    :math:`\sigma_b = 0` and :math:`x = 0`, where :math:`f(x) = 0` identically) or where the
    kernel vanishes between the points (ReLU at :math:`\sigma_b = 0`, d_in = 1, inputs of
    both signs); :math:`m_n` is 0/0 there.

    Raises
    ------
    ValueError
        Naming the first point combination where :math:`G_0^{(n)} = 0`.

    Examples
    --------
    >>> relative_to_free(6.0, 3.0, [0.1, 0.2], symbolic=False)
    2.0
    """
    zero = (sp.sympify(free).is_zero is True) if symbolic else (np.asarray(free) == 0)
    if np.any(zero):
        where = (points if symbolic or np.ndim(zero) == 0
                 else np.asarray(points, dtype=float)[tuple(np.argwhere(zero)[0])])
        raise ValueError(f"m_n = Delta G / G_0 is undefined at the points {np.asarray(where).tolist()}: "
                         "G_0 = 0 there (e.g. x = 0 at sigma_b = 0 for ReLU or Erf, where f(x) = 0 "
                         "identically, or ReLU inputs of both signs at sigma_b = 0, where K(x, y) "
                         "= 0); use delta_green instead")
    return value / free
