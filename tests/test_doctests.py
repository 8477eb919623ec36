"""Every Examples section in the packages' docstrings runs (numpydoc examples are doctests)."""
import doctest
import importlib
import pkgutil

import pytest

PACKAGES = ["nnqft_sym", "feynman", "numeric", "nnqft_cli"]


def _modules():
    for name in PACKAGES:
        pkg = importlib.import_module(name)
        yield name
        for info in pkgutil.walk_packages(pkg.__path__, prefix=name + "."):
            if not info.name.endswith("__main__"):
                yield info.name


@pytest.mark.parametrize("module_name", sorted(set(_modules())))
def test_docstring_examples(module_name):
    module = importlib.import_module(module_name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} doctest failure(s) in {module_name}"
