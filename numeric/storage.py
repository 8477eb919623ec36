"""Atomic result files: write to a temporary file in the same folder, then ``os.replace``.

An interrupted run never leaves a half-written file behind: a file either holds a complete
result or does not exist, which is what resuming from completed bags relies on.
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, Callable

import numpy as np

__all__ = ["atomic_write", "save_npz", "load_npz", "save_json", "load_json", "to_jsonable", "check_plan"]


def atomic_write(path: str | os.PathLike, writer: Callable[[Any], None], mode: str = "wb") -> Path:
    """Call ``writer(file_object)`` on a temporary file and move it to ``path`` atomically.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> atomic_write(d / "a.txt", lambda fh: fh.write("hi"), mode="w").read_text()
    'hi'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, mode) as fh:
            writer(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def save_npz(path: str | os.PathLike, arrays: dict[str, np.ndarray]) -> Path:
    """Atomically save a dict of arrays as ``.npz`` (uncompressed)."""
    return atomic_write(path, lambda fh: np.savez(fh, **arrays))


def load_npz(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Load an ``.npz`` file into a plain dict of arrays."""
    with np.load(path, allow_pickle=False) as data:
        return {k: data[k] for k in data.files}


def to_jsonable(obj: Any) -> Any:
    """Convert NumPy scalars/arrays and tuples recursively to JSON types (NaN -> None)."""
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, (np.bool_, bool)):
        return bool(obj)
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating, float)):
        return None if not np.isfinite(obj) else float(obj)
    return obj


def save_json(path: str | os.PathLike, obj: Any) -> Path:
    """Atomically write ``obj`` (made JSON-friendly by :func:`to_jsonable`) as indented JSON."""
    text = json.dumps(to_jsonable(obj), indent=1, sort_keys=True)
    return atomic_write(path, lambda fh: fh.write(text), mode="w")


def load_json(path: str | os.PathLike) -> Any:
    """Read a JSON file."""
    return json.loads(Path(path).read_text())


def check_plan(folder: str | os.PathLike, plan: dict[str, Any]) -> None:
    """Refuse to resume into a checkpoint folder that holds tasks of a different run.

    The first call writes ``plan.json`` (atomically); later calls compare their plan with it
    and raise a ``ValueError`` naming the settings that differ.

    Examples
    --------
    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> check_plan(folder, {"seed": 1}); check_plan(folder, {"seed": 1})
    >>> check_plan(folder, {"seed": 2})
    Traceback (most recent call last):
    ...
    ValueError: checkpoint folder ... holds tasks of a different run (differs in ['seed']); use another folder or delete it
    """
    from pathlib import Path
    path = Path(folder) / "plan.json"
    plan = to_jsonable(plan)
    if path.exists():
        old = load_json(path)
        if old != plan:
            diff = sorted(k for k in set(old) | set(plan) if old.get(k) != plan.get(k))
            raise ValueError(f"checkpoint folder {folder} holds tasks of a different run "
                             f"(differs in {diff}); use another folder or delete it")
    else:
        save_json(path, plan)
