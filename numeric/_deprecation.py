"""Deprecated aliases of renamed keywords and attributes (one warning text for all of numeric)."""
from __future__ import annotations

import functools
import warnings
from typing import Any, Callable, TypeVar

__all__ = ["renamed_keywords", "deprecated_attribute", "warn_renamed"]

F = TypeVar("F", bound=Callable[..., Any])


def warn_renamed(old: str, new: str, where: str, stacklevel: int = 3) -> None:
    """Emit the :class:`DeprecationWarning` of a renamed name."""
    warnings.warn(f"{where}: {old!r} is deprecated, use {new!r} (same value)",
                  DeprecationWarning, stacklevel=stacklevel)


def renamed_keywords(**old_to_new: str) -> Callable[[F], F]:
    """Decorator: accept the old keyword names of a function, with a DeprecationWarning.

    Giving both the old and the new name is a :class:`TypeError`.
    """
    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            for old, new in old_to_new.items():
                if old in kwargs:
                    if new in kwargs:
                        raise TypeError(f"{func.__name__}() got both {new!r} and its deprecated "
                                        f"alias {old!r}; give {new!r} only")
                    warn_renamed(old, new, f"{func.__name__}()")
                    kwargs[new] = kwargs.pop(old)
            return func(*args, **kwargs)
        return wrapper  # type: ignore[return-value]
    return decorate


def deprecated_attribute(new: str, old: str) -> property:
    """A read-only property ``old`` that warns and returns attribute ``new``."""
    def getter(self: Any) -> Any:
        warn_renamed(old, new, type(self).__name__)
        return getattr(self, new)
    getter.__name__ = old
    return property(getter, doc=f"Deprecated alias of :attr:`{new}`.")
