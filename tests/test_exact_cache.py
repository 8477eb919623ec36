"""The on-disk cache of exact reference values across runs (numeric.exact_cache)."""
import os

import numpy as np
import pytest

import numeric.estimators as estimators
import numeric.exact_cache as exact_cache
from nnqft_sym import ErfNet, ReLUNet
from numeric import measure

POINTS = [0.3, 1.1]


def _reference(net, points=POINTS, orders=(2, 4)):
    res = measure(net, [3, 40], points, orders, n_bags=2, n_nets=10, scheduler="serial")
    return {n: res.reference[n] for n in orders}


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A fresh cache folder, and a count of the exact computations."""
    monkeypatch.setenv("NNQFT_CACHE_DIR", str(tmp_path / "cache"))
    calls = []
    compute = estimators._exact_series

    def counted(net, combos):
        calls.append(len(combos))
        return compute(net, combos)
    monkeypatch.setattr(estimators, "_exact_series", counted)
    return tmp_path / "cache" / "exact", calls


def test_second_run_reads_the_cache_and_equals_the_computation(cache, monkeypatch):
    folder, calls = cache
    first = _reference(ErfNet())
    assert calls and len(list(folder.glob("exact-*.npz"))) == len(calls)
    n_calls = len(calls)
    again = _reference(ErfNet())
    assert len(calls) == n_calls                          # nothing recomputed
    monkeypatch.setenv("NNQFT_CACHE_DIR", "")             # cache off: computed afresh
    fresh = _reference(ErfNet())
    assert len(calls) > n_calls
    for n in first:
        assert np.array_equal(first[n], again[n]) and np.array_equal(first[n], fresh[n])


@pytest.mark.parametrize("change", ["prior", "points", "order", "hyper-parameter", "code",
                                    "edited sources"])
def test_everything_the_values_depend_on_is_in_the_key(cache, monkeypatch, change):
    _, calls = cache
    base = _reference(ReLUNet())
    n_calls = len(calls)
    net, points, orders = ReLUNet(), POINTS, (2, 4)
    if change == "prior":
        net = ReLUNet().with_priors(readout_bias={"mean": 1})
    elif change == "points":
        points = [0.3, 1.2]
    elif change == "order":
        orders = (2, 6)
    elif change == "hyper-parameter":
        net = ReLUNet(sigma_b=0.5)
    elif change == "code":
        monkeypatch.setattr(exact_cache, "EXACT_CODE_VERSION", exact_cache.EXACT_CODE_VERSION + 1)
    else:                        # an edited source tree without a bumped EXACT_CODE_VERSION
        monkeypatch.setattr(exact_cache, "_source_digest", lambda: "edited")
    other = _reference(net, points, orders)
    assert len(calls) > n_calls                           # recomputed, not read
    if change in ("code", "edited sources"):                                  # same values, computed again
        assert all(np.array_equal(base[n], other[n]) for n in base)
    elif change != "order":
        assert not np.array_equal(base[4], other[4])


def test_files_are_written_atomically_with_the_umask(cache):
    folder, _ = cache
    old = os.umask(0o027)
    try:
        _reference(ReLUNet())
    finally:
        os.umask(old)
    files = list(folder.iterdir())
    assert files and all(f.name.startswith("exact-") and f.suffix == ".npz" for f in files)
    assert {f.stat().st_mode & 0o777 for f in files} == {0o640}   # no temporary left behind


@pytest.mark.parametrize("damage", ["truncated", "garbage", "foreign"])
def test_a_damaged_cache_file_is_ignored_with_a_warning_and_recomputed(cache, damage):
    folder, calls = cache
    good = _reference(ReLUNet(), orders=(4,))
    (path,) = folder.glob("exact-*.npz")
    if damage == "truncated":
        path.write_bytes(path.read_bytes()[:100])
    elif damage == "garbage":
        path.write_bytes(b"not an npz file")
    else:                              # a valid sealed file of another piece under this name
        exact_cache.store_exact_piece({"other": 1}, {"free": np.zeros(3)}, folder)
        (other,) = [p for p in folder.glob("exact-*.npz") if p != path]
        os.replace(other, path)
    n_calls = len(calls)
    with pytest.warns(RuntimeWarning, match="ignoring the exact-value cache file"):
        again = _reference(ReLUNet(), orders=(4,))
    assert len(calls) == n_calls + 1 and np.array_equal(again[4], good[4])
    n_calls = len(calls)
    assert np.array_equal(_reference(ReLUNet(), orders=(4,))[4], good[4])   # repaired file
    assert len(calls) == n_calls


def test_an_unwritable_cache_folder_only_warns(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("x")                            # the cache root is a file: mkdir fails
    monkeypatch.setenv("NNQFT_CACHE_DIR", str(blocker))
    with pytest.warns(RuntimeWarning, match="cannot write the exact-value cache"):
        values = _reference(ReLUNet(), orders=(2,))
    monkeypatch.setenv("NNQFT_CACHE_DIR", "")
    assert np.array_equal(values[2], _reference(ReLUNet(), orders=(2,))[2])
