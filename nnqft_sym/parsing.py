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
from collections.abc import Iterable, Mapping
from typing import Any

import sympy as sp
from sympy.core.assumptions import _assume_defined
from sympy.functions.elementary.piecewise import ExprCondPair

from .errors import ParseError

__all__ = ["FUNCTIONS", "CONSTANTS", "MAX_LENGTH", "MAX_DEPTH", "MAX_INTEGER_DIGITS",
           "SREPR_CLASSES", "SREPR_CONSTANTS", "parse_expression", "parse_number", "read_srepr", "to_sympy"]

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


# ---------------------------------------------------------------------- srepr descriptions
#: SymPy classes a :func:`read_srepr` string may construct (name -> class)
SREPR_CLASSES: dict[str, Any] = {
    **{cls.__name__: cls for cls in (
        sp.Symbol, sp.Dummy, sp.Integer, sp.Rational, sp.Float, sp.Add, sp.Mul, sp.Pow,
        sp.Tuple, sp.Piecewise, ExprCondPair, sp.StrictGreaterThan, sp.GreaterThan,
        sp.StrictLessThan, sp.LessThan, sp.Equality, sp.Unequality, sp.And, sp.Or, sp.Not,
        sp.asin, sp.acos, sp.acosh, sp.atanh, sp.cot, sp.sec, sp.csc, sp.sinc, sp.erfi,
        sp.re, sp.im)},
    **{f.__name__: f for f in FUNCTIONS.values() if isinstance(f, type)},
}
#: named SymPy singletons a :func:`read_srepr` string may use
SREPR_CONSTANTS: dict[str, sp.Basic] = {
    "pi": sp.pi, "E": sp.E, "I": sp.I, "oo": sp.oo, "zoo": sp.zoo, "nan": sp.nan,
    "true": sp.true, "false": sp.false, "EulerGamma": sp.EulerGamma,
}
#: the classes whose first argument is a string (a name, or the digits of a Float)
_TEXT_ARGUMENT = (sp.Symbol, sp.Dummy, sp.Float)
#: keywords a :func:`read_srepr` call may pass (all take a bool or an int)
_SREPR_KEYWORDS = frozenset(_assume_defined) | {"precision", "dummy_index"}
#: longest accepted srepr string and deepest accepted tree (descriptions of deep nets nest more)
MAX_SREPR_LENGTH = 200_000
MAX_SREPR_DEPTH = 400


def _srepr_value(node: ast.AST, name: str, depth: int) -> Any:
    """One whitelisted node of an ``srepr`` tree: a SymPy object, an int or a bool."""
    if depth > MAX_SREPR_DEPTH:
        raise ParseError(f"{name}: nested more than {MAX_SREPR_DEPTH} levels deep")
    if isinstance(node, ast.Constant) and type(node.value) in (int, bool):
        if type(node.value) is int and abs(node.value) >= 10 ** MAX_INTEGER_DIGITS:
            raise ParseError(f"{name}: integer literal with more than {MAX_INTEGER_DIGITS} digits")
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        value = _srepr_value(node.operand, name, depth + 1)
        if isinstance(value, bool):
            raise ParseError(f"{name}: cannot negate a bool")
        return -value
    if isinstance(node, ast.Name) and node.id in SREPR_CONSTANTS:
        return SREPR_CONSTANTS[node.id]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
            and node.func.id in SREPR_CLASSES:
        cls = SREPR_CLASSES[node.func.id]
        args: list[Any] = []
        for i, arg in enumerate(node.args):
            if (i == 0 and issubclass(cls, _TEXT_ARGUMENT) and isinstance(arg, ast.Constant)
                    and isinstance(arg.value, str)):
                args.append(arg.value)          # a symbol's name or a Float's digits: inert
            elif isinstance(arg, ast.Starred):
                raise ParseError(f"{name}: starred arguments are not allowed")
            else:
                args.append(_srepr_value(arg, name, depth + 1))
        kwargs: dict[str, Any] = {}
        for kw in node.keywords:
            if kw.arg not in _SREPR_KEYWORDS or not (
                    isinstance(kw.value, ast.Constant) and type(kw.value.value) in (int, bool)):
                raise ParseError(f"{name}: keyword {kw.arg!r} is not allowed in {cls.__name__}()")
            kwargs[kw.arg] = kw.value.value
        if cls is sp.Pow and len(args) == 2 and not kwargs:
            return _power(to_sympy(args[0], name), to_sympy(args[1], name), name)
        try:
            return cls(*args, **kwargs)
        except (TypeError, ValueError, sp.SympifyError) as exc:
            raise ParseError(f"{name}: {cls.__name__}(...) is not valid: {exc}") from None
    what = f"the call {ast.unparse(node.func)[:60]}()" if isinstance(node, ast.Call) \
        else f"{type(node).__name__} {ast.unparse(node)[:60]!r}"
    raise ParseError(f"{name}: {what} is not allowed in a description; only the SymPy "
                     f"classes {', '.join(sorted(SREPR_CLASSES))} and the constants "
                     f"{', '.join(sorted(SREPR_CONSTANTS))} are")


def read_srepr(text: str, name: str = "expression") -> sp.Basic:
    """Rebuild a SymPy object from :func:`sympy.srepr` text without executing any code.

    The inverse of ``sympy.srepr`` for the expressions nnqft stores (activations,
    normalisations, hyper-parameters with their assumptions, exact Floats): the text is parsed
    by :mod:`ast` and only calls of the classes in :data:`SREPR_CLASSES` with int, bool or
    SymPy arguments are made (a string is accepted only as the name of a ``Symbol``/``Dummy``
    or the digits of a ``Float``).  Use it where ``sympify(srepr_text)`` would be used on
    text from a file or another process.

    Raises
    ------
    TypeError
        If ``text`` is not a string.
    ParseError
        If the text is not such an srepr string (for example it calls ``__import__``).

    Examples
    --------
    >>> import sympy as sp
    >>> s = sp.Symbol("s", positive=True)
    >>> read_srepr(sp.srepr(sp.exp(-s) / 2)) == sp.exp(-s) / 2
    True
    >>> read_srepr("Symbol('s', positive=True)").is_positive
    True
    >>> read_srepr("__import__('os').system('true')")
    Traceback (most recent call last):
    ...
    nnqft_sym.errors.ParseError: expression: the call __import__('os').system() is not allowed in a description; only the SymPy classes ...
    """
    if not isinstance(text, str):
        raise TypeError(f"{name} must be an srepr string, got {type(text).__name__}")
    if len(text) > MAX_SREPR_LENGTH:
        raise ParseError(f"{name}: {len(text)} characters; at most {MAX_SREPR_LENGTH} are allowed")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise ParseError(f"{name}: cannot read {text[:80]!r} as an srepr string") from None
    try:
        return to_sympy(_srepr_value(tree.body, name, 0), name)
    except RecursionError:
        raise ParseError(f"{name}: the expression is nested too deeply") from None


# ---------------------------------------------------------------------- non-string input
def to_sympy(value: Any, name: str, names: Mapping[str, Any] | None = None) -> sp.Basic:
    """Convert a number or SymPy object to SymPy, never executing a string.

    This is ``sympy.sympify(value, strict=True)`` (numbers, NumPy scalars, fractions and
    SymPy objects; no strings, no containers, no arbitrary objects) with errors that name
    the parameter.  Containers are refused because ``sympify(strict=True)`` converts the
    items of a tuple *without* ``strict``, so a tuple of strings would be executed.
    A string is read with the restricted :func:`parse_expression` when ``names`` (the symbols
    it may use) is given, and refused otherwise.

    Raises
    ------
    TypeError
        If ``value`` is a string (and ``names`` is ``None``) or cannot be converted.
    ParseError
        If ``value`` is a string that :func:`parse_expression` refuses.

    Examples
    --------
    >>> to_sympy(0.5, "sigma_w")
    0.500000000000000
    >>> to_sympy("4 - eps", "d", {"eps": sp.Symbol("eps")})
    4 - eps
    >>> to_sympy("3", "d")
    Traceback (most recent call last):
    ...
    TypeError: d must be a number or a SymPy expression, not the string '3'
    """
    if isinstance(value, (str, bytes)):
        if names is not None and isinstance(value, str):
            return parse_expression(value, names, name)
        raise TypeError(f"{name} must be a number or a SymPy expression, not the string "
                        f"{value[:80]!r}")
    if isinstance(value, Iterable) and not isinstance(value, sp.Basic):
        # sympify(strict=True) converts the items of a tuple non-strictly: never pass one on
        raise TypeError(f"{name} must be a number or a SymPy expression, got "
                        f"{type(value).__name__} {_short(value)}")
    try:
        return sp.sympify(value, strict=True)
    except (sp.SympifyError, TypeError):
        raise TypeError(f"{name} must be a number or a SymPy expression, got "
                        f"{type(value).__name__} {_short(value)}") from None


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
