"""One exception hierarchy for nnqft (as pyhf's ``pyhf.exceptions``).

Every error is a subclass of a builtin, so ``except ValueError`` keeps working, and of
:class:`NnqftError`, so callers can catch exactly what they handle. Code that chooses a path
(closed form or quadrature, say) catches the specific class, never a bare ``ValueError``: a
real input error must not be mistaken for "no closed form".

Conventions for input errors, used everywhere:

* a value of the wrong *type* (a string where a number is meant, a float where an integer
  count is meant, ``width=2.5``) raises :class:`TypeError`;
* a value of the right type outside its allowed range (``width=0``, ``sigma_w=-1``,
  ``n_nets=0``) raises :class:`ValueError`;

and the message names the parameter and the allowed range.

Examples
--------
>>> from nnqft_sym.errors import NoClosedFormError, NnqftError
>>> issubclass(NoClosedFormError, ValueError) and issubclass(NoClosedFormError, NnqftError)
True
"""
from __future__ import annotations

__all__ = [
    "NnqftError",
    "NoClosedFormError",
    "ParseError",
    "DivergentExpectationError",
    "CostLimitError",
    "NumericalOverflowError",
    "CheckpointError",
]


class NnqftError(Exception):
    """Base class of every error nnqft raises on purpose."""


class NoClosedFormError(NnqftError, ValueError):
    """A closed form was asked for (or tried first) and does not exist or is not known.

    Raised by the closed-form strategies; the numeric routes catch exactly this class and fall
    back to quadrature.
    """


class ParseError(NnqftError, ValueError):
    """A string could not be read by the restricted expression parser (:mod:`nnqft_sym.parsing`).

    The message says what was allowed. No code in the string is ever executed.
    """


class DivergentExpectationError(NnqftError, ValueError):
    """A Gaussian expectation (kernel, moment) diverges or is not real for this activation.

    For example ``E[1/z(x) 1/z(y)]`` or ``E[exp(z^2/4)^2]`` at a pre-activation variance
    where it is infinite, or ``E[log z ...]`` where the activation is complex.
    """


class CostLimitError(NnqftError, ValueError):
    """A request would take too long or too much memory; the message gives the estimate,
    the documented limit and the argument that raises it."""


class NumericalOverflowError(NnqftError, OverflowError):
    """A numeric result overflows double precision (or underflows to a meaningless value);
    the message names the points or parameters responsible."""


class CheckpointError(NnqftError, ValueError):
    """A checkpoint or run folder is damaged, belongs to another run, or is held by another
    process; the message names the file and what to do about it."""
