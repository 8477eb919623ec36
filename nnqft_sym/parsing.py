"""A restricted expression parser for strings from users, command lines and files.

nnqft never passes an untrusted string to :func:`sympy.sympify`, :func:`eval` or
:func:`sympy.parsing.sympy_parser.parse_expr` (all of which execute Python). Instead the string
is parsed by Python's :mod:`ast` into a syntax tree *without running it*, the tree is checked
against a whitelist, and the SymPy expression is built node by node:

* numbers (integers, decimals, scientific notation), ``+ - * / **`` (``^`` is read as
  ``**``, with its precedence), unary signs and parentheses;
* the names given by the caller (for example ``z`` and ``s`` for an activation, ``eps`` for
  a dimension ``4 - eps``) and the constants ``pi`` and ``E``;
* calls of the whitelisted functions in :data:`FUNCTIONS` with positional arguments.

Anything else (attribute access, subscripts, keywords, lambdas, comprehensions, strings,
dunder names, unknown names) is refused with a :class:`~nnqft_sym.errors.ParseError` naming
the offending part. The size of the input, the depth of the tree and the size of exact
integer powers are bounded, so a string such as ``10**10**10`` is refused at once instead of
hanging.

References: the threat model is that of ``sympify`` on untrusted input (SymPy documents that
``sympify`` uses ``eval`` and must not be used on unsanitised input).

Examples
--------
>>> import sympy as sp
>>> eps = sp.Symbol("eps")
>>> parse_expression("4 - eps", {"eps": eps})
4 - eps
>>> parse_expression("__import__('os').system('true')", {})
Traceback (most recent call last):
...
nnqft_sym.errors.ParseError: expression: dunder names ('__') are not allowed
"""
from __future__ import annotations

import ast
import math
from collections.abc import Mapping
from typing import Any

import sympy as sp

from .errors import ParseError

__all__ = ["FUNCTIONS", "CONSTANTS", "MAX_LENGTH", "MAX_DEPTH", "MAX_INTEGER_DIGITS",
           "parse_expression", "parse_number"]

#: functions a parsed expression may call (name -> SymPy function)
FUNCTIONS: dict[str, Any] = {
    "Abs": sp.Abs, "abs": sp.Abs, "exp": sp.exp, "log": sp.log, "sqrt": sp.sqrt,
    "sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "sinh": sp.sinh, "cosh": sp.cosh,
    "tanh": sp.tanh, "atan": sp.atan, "asinh": sp.asinh, "erf": sp.erf, "erfc": sp.erfc,
    "Max": sp.Max, "max": sp.Max, "Min": sp.Min, "min": sp.Min, "Heaviside": sp.Heaviside,
    "sign": sp.sign,
}
#: named constants a parsed expression may use
CONSTANTS: dict[str, sp.Expr] = {"pi": sp.pi, "E": sp.E}
#: longest accepted input string, in characters
MAX_LENGTH = 2000
#: deepest accepted syntax tree
MAX_DEPTH = 60
#: largest exact integer a power of two numbers may produce, in decimal digits
MAX_INTEGER_DIGITS = 2000

_BINARY = {ast.Add: sp.Add, ast.Mult: sp.Mul}


def _function_list() -> str:
    return ", ".join(sorted(FUNCTIONS))


def _power(base: sp.Expr, exponent: sp.Expr, name: str) -> sp.Expr:
    """``base ** exponent``, refusing exact numeric powers that would be astronomically large."""
    if base.is_Number and exponent.is_Number:
        b, e = abs(float(base)) if base.is_Float else abs(base), exponent
        if e.is_Integer or e.is_Rational:
            magnitude = abs(float(e)) * (math.log10(float(b)) if b not in (0, 1) and b > 0 else 0.0)
            if not math.isfinite(magnitude) or abs(magnitude) > MAX_INTEGER_DIGITS:
                raise ParseError(f"{name}: the power {base}**{exponent} has about "
                                 f"{abs(magnitude):.3g} digits; at most {MAX_INTEGER_DIGITS} "
                                 "are allowed")
        elif abs(float(e)) * math.log10(max(float(b), 1e-300)) > 308:
            raise ParseError(f"{name}: the power {base}**{exponent} overflows double precision")
    return sp.Pow(base, exponent)


def _build(node: ast.AST, names: Mapping[str, Any], name: str, depth: int) -> sp.Expr:
    """Turn one whitelisted syntax-tree node into a SymPy expression (no evaluation of code)."""
    if depth > MAX_DEPTH:
        raise ParseError(f"{name}: the expression is nested more than {MAX_DEPTH} levels deep")
    if isinstance(node, ast.Expression):
        return _build(node.body, names, name, depth + 1)
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ParseError(f"{name}: only numbers, names and arithmetic are allowed, "
                             f"got the literal {value!r}")
        if isinstance(value, int):
            if abs(value) >= 10 ** MAX_INTEGER_DIGITS:
                raise ParseError(f"{name}: integer literal with more than "
                                 f"{MAX_INTEGER_DIGITS} digits")
            return sp.Integer(value)
        if not math.isfinite(value):
            raise ParseError(f"{name}: the number {value!r} is not finite")
        return sp.Float(value)
    if isinstance(node, ast.Name):
        ident = node.id
        if ident.startswith("_"):
            raise ParseError(f"{name}: names starting with '_' are not allowed ({ident!r})")
        if ident in names:
            return names[ident]
        if ident in CONSTANTS:
            return CONSTANTS[ident]
        allowed = sorted(set(names) | set(CONSTANTS))
        raise ParseError(f"{name}: unknown name {ident!r}; allowed names are "
                         f"{', '.join(allowed)} and the functions {_function_list()}")
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.UAdd, ast.USub)):
        operand = _build(node.operand, names, name, depth + 1)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp):
        left = _build(node.left, names, name, depth + 1)
        right = _build(node.right, names, name, depth + 1)
        op = type(node.op)
        if op in _BINARY:
            return _BINARY[op](left, right)
        if op is ast.Sub:
            return sp.Add(left, -right)
        if op is ast.Div:
            if right == 0:
                raise ParseError(f"{name}: division by zero")
            return sp.Mul(left, sp.Pow(right, -1))
        if op is ast.Pow:
            return _power(left, right, name)
        raise ParseError(f"{name}: the operator {op.__name__} is not allowed "
                         "(use + - * / ** and parentheses)")
    if isinstance(node, ast.Call):
        func = node.func
        if not isinstance(func, ast.Name) or func.id not in FUNCTIONS or node.keywords:
            raise ParseError(f"{name}: calls are allowed only of the functions "
                             f"{_function_list()}, with positional arguments")
        args = [_build(a, names, name, depth + 1) for a in node.args]
        if any(isinstance(a, ast.Starred) for a in node.args) or not args:
            raise ParseError(f"{name}: {func.id}() needs plain positional arguments")
        try:
            return FUNCTIONS[func.id](*args)
        except (TypeError, ValueError) as exc:
            raise ParseError(f"{name}: {func.id}{tuple(args)} is not valid: {exc}") from None
    raise ParseError(f"{name}: {type(node).__name__} is not allowed; only numbers, the names "
                     f"{', '.join(sorted(set(names) | set(CONSTANTS)))}, + - * / ** and the "
                     f"functions {_function_list()} are")


def parse_expression(text: str, names: Mapping[str, Any], name: str = "expression") -> sp.Expr:
    """Parse an untrusted string into a SymPy expression without executing any code.

    Parameters
    ----------
    text
        The string, e.g. ``"4 - eps"`` or ``"tanh(z)"``.
    names
        The symbols the string may use, as ``{name: sympy object}``; nothing else is looked
        up (``pi`` and ``E`` are always available).
    name
        The parameter or option the string came from, used in error messages.

    Returns
    -------
    sympy.Expr

    Raises
    ------
    TypeError
        If ``text`` is not a string.
    ParseError
        (a ``ValueError``) if the string is not a whitelisted arithmetic expression, is longer
        than :data:`MAX_LENGTH` characters, nested deeper than :data:`MAX_DEPTH`, or asks for
        an exact number with more than :data:`MAX_INTEGER_DIGITS` digits.

    Examples
    --------
    >>> import sympy as sp
    >>> z = sp.Symbol("z")
    >>> parse_expression("0.5*z + Max(0, z)^2", {"z": z})
    0.5*z + Max(0, z)**2
    >>> parse_expression("10**10**10", {})
    Traceback (most recent call last):
    ...
    nnqft_sym.errors.ParseError: expression: the power 10**10000000000 has about 1e+10 digits; at most 2000 are allowed
    """
    if not isinstance(text, str):
        raise TypeError(f"{name} must be a string, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ParseError(f"{name}: the expression has {len(text)} characters; at most "
                         f"{MAX_LENGTH} are allowed")
    if "__" in text:
        raise ParseError(f"{name}: dunder names ('__') are not allowed")
    try:  # '^' means power (as in the papers), with the precedence of '**'
        tree = ast.parse(text.strip().replace("^", "**"), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise ParseError(f"{name}: cannot read {text!r} as an arithmetic expression "
                         "(numbers, names, + - * / ** and function calls)") from None
    try:
        return _build(tree, names, name, 0)
    except RecursionError:
        raise ParseError(f"{name}: the expression is nested too deeply") from None


def parse_number(text: str, name: str = "number") -> sp.Expr:
    """Parse an untrusted string that must denote a real number (``"3"``, ``"1/2"``, ``"1e-3"``,
    ``"sqrt(2)"``); no names other than ``pi`` and ``E`` are allowed.

    Raises
    ------
    ParseError
        If the string is not a finite real number.

    Examples
    --------
    >>> parse_number("3/2")
    3/2
    """
    value = parse_expression(text, {}, name)
    if not (value.is_real and value.is_finite):
        raise ParseError(f"{name} must be a finite real number, got {text!r}")
    return value
