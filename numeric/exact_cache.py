"""On-disk cache of the exact reference values, shared by every run of this user.

:func:`numeric.measure` computes exact values (the width-independent 1/N series of
:func:`nnqft_sym.delta_green_series`, or the leading order of deep networks) by quadrature,
which for Erf-nets at the 6 HMS points and orders 2, 4, 6 takes thousands of small
integrations (27 % of ``nnqft experiment hms --arch erf`` at 4 bags x 5000 networks).  They
depend only on the architecture (activation, hyper-parameters, priors), the points, the
order, the combinations and the code that computes them, never on the widths, seeds or
networks, so they are kept across runs in :func:`exact_cache_dir`, one sealed ``.npz`` file per
piece of combinations (:func:`numeric.storage.save_sealed`: written atomically with the mode
the umask gives, checked against a SHA-256 checksum and against everything it depends on when
read).  A damaged or foreign file is ignored with a warning and recomputed; a cache folder that
cannot be written only costs the recomputation next time.
"""
from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import json
import os
import sys
import warnings
from pathlib import Path
from typing import Any, Mapping

import numpy as np

import nnqft_sym
from nnqft_sym.errors import CheckpointError

from .storage import load_sealed, save_sealed, to_jsonable

__all__ = ["EXACT_CODE_VERSION", "exact_cache_dir", "cached_exact_piece", "store_exact_piece"]

#: version of the code behind the exact values: bump it when the quadrature, the series or
#: their conventions change, so that no run reads values of the old code
EXACT_CODE_VERSION = 1


def _package_version() -> str:
    try:
        return importlib.metadata.version("nnqft")
    except importlib.metadata.PackageNotFoundError:      # a source tree without metadata
        return "unknown"


def exact_cache_dir(environ: Mapping[str, str] | None = None) -> Path | None:
    """Folder of the exact-value cache, or ``None`` when it is switched off.

    ``NNQFT_CACHE_DIR`` if set (an empty value switches the cache off), else
    ``$XDG_CACHE_HOME/nnqft`` or ``~/.cache/nnqft``; the values live in its ``exact``
    subfolder.  ``environ``: the environment to read (default ``os.environ``).

    Examples
    --------
    >>> str(exact_cache_dir({"NNQFT_CACHE_DIR": "/tmp/nnqft-cache"}))
    '/tmp/nnqft-cache/exact'
    >>> str(exact_cache_dir({"XDG_CACHE_HOME": "/var/cache/me"}))
    '/var/cache/me/nnqft/exact'
    >>> exact_cache_dir({"NNQFT_CACHE_DIR": ""}) is None
    True
    """
    environ = os.environ if environ is None else environ
    root = environ.get("NNQFT_CACHE_DIR")
    if root is None:
        base = environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        root = os.path.join(base, "nnqft")
    elif not root:
        return None
    return Path(root) / "exact"


@functools.lru_cache(maxsize=1)
def _source_digest() -> str:
    """SHA-256 of the sources of ``nnqft_sym`` and ``numeric`` (the code behind the values), so
    that an edited source tree (an editable install between releases) never reads values of the
    code before the edit, even where :data:`EXACT_CODE_VERSION` was not bumped."""
    digest = hashlib.sha256()
    for package in (nnqft_sym, sys.modules[__package__]):
        root = Path(package.__file__).parent
        for path in sorted(root.rglob("*.py")):
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _identity(identity: dict[str, Any]) -> dict[str, Any]:
    return {**identity, "code": {"nnqft": _package_version(), "exact": EXACT_CODE_VERSION,
                                 "sources": _source_digest()}}


def _path(folder: Path, identity: dict[str, Any]) -> Path:
    text = json.dumps(to_jsonable(identity), sort_keys=True)
    return folder / f"exact-{hashlib.sha256(text.encode()).hexdigest()[:32]}.npz"


def cached_exact_piece(identity: dict[str, Any], folder: str | os.PathLike | None = None
                       ) -> dict[str, np.ndarray] | None:
    """The cached arrays of one piece of exact values, or ``None`` (not cached, cache off, or
    a damaged or foreign file: then with a ``RuntimeWarning`` naming it).

    ``identity`` is what the values depend on (JSON-friendly: architecture description, points,
    order, combinations, kind of values); the code version is added here.  ``folder``: the
    cache folder (default :func:`exact_cache_dir`).

    Examples
    --------
    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> cached_exact_piece({"order": 4}, folder) is None
    True
    >>> store_exact_piece({"order": 4}, {"free": np.array([3.0])}, folder)
    >>> cached_exact_piece({"order": 4}, folder)["free"].tolist()
    [3.0]
    >>> cached_exact_piece({"order": 6}, folder) is None      # another identity, another file
    True
    """
    folder = exact_cache_dir() if folder is None else Path(folder)
    if folder is None:
        return None
    full = _identity(identity)
    path = _path(folder, full)
    if not (path.exists() or path.is_symlink()):
        return None
    try:
        return load_sealed(path, full)
    except CheckpointError as exc:
        warnings.warn(f"ignoring the exact-value cache file {path} ({exc}); recomputing it",
                      RuntimeWarning, stacklevel=3)
        return None


def store_exact_piece(identity: dict[str, Any], arrays: dict[str, np.ndarray],
                      folder: str | os.PathLike | None = None) -> None:
    """Store one piece of exact values (atomically; mode ``0666 & ~umask``) in ``folder``
    (default :func:`exact_cache_dir`).  A cache folder that cannot be written gives a
    ``RuntimeWarning``, never an error.

    Examples
    --------
    >>> import tempfile
    >>> store_exact_piece({"order": 2}, {"free": np.array([1.0])}, tempfile.mkdtemp())
    """
    folder = exact_cache_dir() if folder is None else Path(folder)
    if folder is None:
        return
    full = _identity(identity)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        save_sealed(_path(folder, full), arrays, full)
    except OSError as exc:
        warnings.warn(f"cannot write the exact-value cache in {folder} ({exc}); the values "
                      "will be recomputed next time", RuntimeWarning, stacklevel=3)
