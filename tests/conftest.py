"""Shared test configuration: tolerances live in one place (see :mod:`tests.tolerances`)."""
import os
import tempfile

import pytest

import matplotlib

matplotlib.use("Agg")
os.environ.setdefault("MPLBACKEND", "Agg")
# the exact-value cache of numeric.exact_cache: never the user's ~/.cache (tests compute what
# they check); each test gets a fresh folder (_fresh_exact_cache), so no test reads another's
os.environ["NNQFT_CACHE_DIR"] = tempfile.mkdtemp(prefix="nnqft-test-cache-")


@pytest.fixture(autouse=True)
def _fresh_exact_cache(tmp_path_factory, monkeypatch):
    """A fresh, empty exact-value cache folder for every test (numeric.exact_cache)."""
    monkeypatch.setenv("NNQFT_CACHE_DIR", str(tmp_path_factory.mktemp("exact-cache")))
