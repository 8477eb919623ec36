"""Deprecated aliases of renamed keywords, attributes and functions (one warning text for all packages).

The one deprecation helper of nnqft: :mod:`numeric` and :mod:`feynman` re-export it
(``numeric._deprecation``), so every renamed name warns the same way, for one release.
"""
from __future__ import annotations

import functools
import warnings
from typing import Any, Callable, TypeVar

__all__ = ["renamed_keywords", "deprecated_attribute", "deprecated_alias", "renamed_module_attributes",
           "warn_renamed"]

F = TypeVar("F", bound=Callable[..., Any])


def warn_renamed(old: str, new: str, where: str, stacklevel: int = 3) -> None:
    """Emit the :class:`DeprecationWarning` of a renamed name."""
    warnings.warn(f"{where}: {old!r} is deprecated, use {new!r} (same value)",
                  DeprecationWarning, stacklevel=stacklevel)


def renamed_keywords(**old_to_new: str) -> Callable[[F], F]:
    """Decorator: accept the old keyword names of a function, with a DeprecationWarning.

    Giving both the old and the new name is a :class:`TypeError`.

    Examples
    --------
    >>> import warnings
    >>> @renamed_keywords(d="d_in")
    ... def area(d_in=1):
    ...     return d_in
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     value = area(d=3)
    >>> value, caught[0].category.__name__
    (3, 'DeprecationWarning')
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


def deprecated_alias(func: F, old: str) -> F:
    """The function ``func`` under its former name ``old``, warning on every call.

    Examples
    --------
    >>> import warnings
    >>> def contact(x):
    ...     return 2 * x
    >>> old = deprecated_alias(contact, "normalised")
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     value = old(2)
    >>> value, old.__name__, "contact" in str(caught[0].message)
    (4, 'normalised', True)
    """
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        warn_renamed(old, func.__name__, f"{old}()")
        return func(*args, **kwargs)
    wrapper.__name__ = wrapper.__qualname__ = old
    wrapper.__doc__ = f"Deprecated alias of :func:`{func.__module__}.{func.__qualname__}`."
    return wrapper  # type: ignore[return-value]


def renamed_module_attributes(namespace: dict[str, Any], **old_to_new: str) -> Callable[[str], Any]:
    """A module ``__getattr__`` that serves the former names ``old_to_new`` of module attributes.

    Assign it as ``__getattr__ = renamed_module_attributes(globals(), OLD="NEW")``: reading
    ``module.OLD`` warns and returns ``module.NEW``.

    Examples
    --------
    >>> import warnings
    >>> getter = renamed_module_attributes({"NOISE": 0.5}, SIGMA="NOISE")
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     value = getter("SIGMA")
    >>> value, caught[0].category.__name__
    (0.5, 'DeprecationWarning')
    """
    module = namespace.get("__name__", "module")

    def __getattr__(name: str) -> Any:
        if name in old_to_new:
            warn_renamed(name, old_to_new[name], module)
            return namespace[old_to_new[name]]
        raise AttributeError(f"module {module!r} has no attribute {name!r}")
    return __getattr__
