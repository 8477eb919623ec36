"""Result files and checkpoint folders that cannot lie.

Atomic files.  Every file is written to a temporary file in the same folder, then moved into
place with ``os.replace``: an interrupted run never leaves a half-written file behind, a
file either holds a complete result or does not exist.  Files get the permissions the umask
gives (``0644`` under umask ``022``), so collaborators can read the results.  The temporary
name records the writer's pid; :func:`clean_orphans` removes those of dead writers (a run
killed with ``kill -9``).

Checkpoint folders (:func:`checkpoint_folder`).  A folder of per-task checkpoints (bags,
ensemble members) is

* *locked*: one process at a time (``fcntl.flock`` on ``.lock``, non-blocking; the kernel
  releases it when the holder dies, so a killed run never blocks the next one);
* *planned*: ``plan.json`` records the settings every file depends on and a different run is
  refused (:func:`check_plan`);
* made of *sealed* files (:func:`save_sealed`, :func:`load_sealed`): each file carries the
  identity of the task it was computed for (seed state, width, orders...) and a SHA-256
  checksum of its arrays and identity, so a file that was damaged, replaced by another
  task's file, or written by another version is refused with one line naming it.

Every such refusal is a :class:`nnqft_sym.errors.CheckpointError` that names the file and
says what to do (delete it: only that task is recomputed).
"""
from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import math
import os
import re
import tempfile
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np

from nnqft_sym.errors import CheckpointError

__all__ = ["atomic_write", "save_npz", "load_npz", "save_json", "load_json", "to_jsonable",
           "check_plan", "clean_orphans", "lock_folder", "checkpoint_folder", "seal",
           "save_sealed", "load_sealed", "IDENTITY_KEY", "CHECKSUM_KEY"]

#: array of a sealed file holding its identity (JSON text)
IDENTITY_KEY = "_identity"
#: array of a sealed file holding the SHA-256 of its other arrays and its identity
CHECKSUM_KEY = "_sha256"
#: name of the lock file of a checkpoint folder
LOCK_NAME = ".lock"
_TMP = re.compile(r"^\..+\.pid(\d+)\.[^.]+\.tmp$")


def _umask() -> int:
    """The process umask (read without changing it where ``/proc`` allows)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write(path: str | os.PathLike, writer: Callable[[Any], None], mode: str = "wb") -> Path:
    """Call ``writer(file_object)`` on a temporary file and move it to ``path`` atomically.

    The file gets the mode ``0666 & ~umask``, as ``open()`` would give it.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> atomic_write(d / "a.txt", lambda fh: fh.write("hi"), mode="w").read_text()
    'hi'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.pid{os.getpid()}.", suffix=".tmp",
                               dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_umask())
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


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:      # another user's live process
        return True
    return True


def clean_orphans(folder: str | os.PathLike) -> list[Path]:
    """Delete the temporary files that dead writers left in ``folder``; return their paths.

    A writer killed between creating its temporary file and moving it into place (``kill
    -9``) leaves ``.<name>.pid<pid>.<random>.tmp``; files of live processes are kept.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / ".bag.npz.pid999999999.x1.tmp").write_bytes(b"half")
    >>> [p.name for p in clean_orphans(d)], list(d.iterdir())
    (['.bag.npz.pid999999999.x1.tmp'], [])
    """
    removed = []
    folder = Path(folder)
    if not folder.is_dir():
        return removed
    for path in folder.iterdir():
        match = _TMP.match(path.name)
        if match and path.is_file() and not _alive(int(match.group(1))):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                removed.append(path)
    return removed


@contextlib.contextmanager
def lock_folder(folder: str | os.PathLike) -> Iterator[Path]:
    """Hold the exclusive lock of ``folder`` (created if needed) for the ``with`` block.

    Non-blocking: if another process (or another open lock in this one) holds it, raise
    :class:`~nnqft_sym.errors.CheckpointError` naming the folder and the holder's pid.  The
    lock is an ``fcntl.flock`` on ``folder/.lock``, released by the kernel when its holder
    dies, so a killed run never blocks the next one.

    Examples
    --------
    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> with lock_folder(folder):
    ...     with lock_folder(folder):
    ...         pass
    Traceback (most recent call last):
    ...
    nnqft_sym.errors.CheckpointError: folder ... is in use by another run (pid ...); wait ...
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise CheckpointError(f"checkpoint folder {folder} is a file, not a folder; "
                              "delete it or choose another folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as exc:
        raise CheckpointError(f"cannot write into folder {folder} ({exc.strerror}); "
                              "choose another folder") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "unknown"
            raise CheckpointError(f"folder {folder} is in use by another run (pid {holder}); "
                                  "wait for it to finish or use another folder") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield folder
    finally:
        os.close(fd)             # releases the lock


def save_npz(path: str | os.PathLike, arrays: dict[str, np.ndarray]) -> Path:
    """Atomically save a dict of arrays as ``.npz`` (uncompressed)."""
    return atomic_write(path, lambda fh: np.savez(fh, **arrays))


def _damaged(path: Path, what: str) -> CheckpointError:
    return CheckpointError(f"checkpoint file {path} {what}; delete it to recompute it")


def load_npz(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Load an ``.npz`` file into a plain dict of arrays.

    A missing, empty, truncated or foreign file raises
    :class:`~nnqft_sym.errors.CheckpointError` naming it.
    """
    path = Path(path)
    if path.is_dir():
        raise _damaged(path, "is a folder, not a file")
    try:
        data = np.load(path, allow_pickle=False)
        if not isinstance(data, np.lib.npyio.NpzFile):
            raise _damaged(path, "holds a single array, not an .npz archive")
        with data:
            return {k: data[k] for k in data.files}
    except CheckpointError:
        raise
    except FileNotFoundError:
        raise CheckpointError(f"file {path} does not exist") from None
    except EOFError:
        raise _damaged(path, "is empty") from None
    except Exception:            # zipfile.BadZipFile, ValueError (pickled data), OSError...
        raise _damaged(path, "is not a readable .npz archive") from None


def _checksum(arrays: dict[str, np.ndarray], identity_text: str) -> str:
    digest = hashlib.sha256(identity_text.encode())
    for key in sorted(arrays):
        arr = np.ascontiguousarray(arrays[key])
        digest.update(f"\0{key}\0{arr.dtype.str}\0{arr.shape}\0".encode())
        digest.update(arr.tobytes())
    return digest.hexdigest()


def _identity_text(identity: dict[str, Any]) -> str:
    return json.dumps(to_jsonable(identity), sort_keys=True)


def seal(arrays: dict[str, np.ndarray], identity: dict[str, Any]) -> dict[str, np.ndarray]:
    """``arrays`` plus their ``identity`` (JSON text) and a SHA-256 checksum of both.

    ``identity`` (JSON-friendly) says what the arrays were computed from; :func:`load_sealed`
    refuses the file for any other identity and when the checksum does not match.

    Examples
    --------
    >>> sorted(seal({"x": np.arange(3)}, {"seed": 1}))
    ['_identity', '_sha256', 'x']
    """
    arrays = {k: np.asarray(v) for k, v in arrays.items()}
    if IDENTITY_KEY in arrays or CHECKSUM_KEY in arrays:
        raise ValueError(f"arrays must not use the reserved names {IDENTITY_KEY}, {CHECKSUM_KEY}")
    text = _identity_text(identity)
    return {**arrays, IDENTITY_KEY: np.array(text), CHECKSUM_KEY: np.array(_checksum(arrays, text))}


def save_sealed(path: str | os.PathLike, arrays: dict[str, np.ndarray],
                identity: dict[str, Any]) -> Path:
    """Atomically save ``arrays`` sealed with their ``identity`` (:func:`seal`) as ``.npz``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "bag.npz"
    >>> _ = save_sealed(p, {"x": np.arange(3)}, {"seed": 1})
    >>> load_sealed(p, {"seed": 1})["x"].tolist()
    [0, 1, 2]
    >>> load_sealed(p, {"seed": 2})
    Traceback (most recent call last):
    ...
    nnqft_sym.errors.CheckpointError: checkpoint file ... another task (differs in ['seed']); ...
    """
    return save_npz(path, seal(arrays, identity))


def load_sealed(path: str | os.PathLike, identity: dict[str, Any]) -> dict[str, np.ndarray]:
    """Load a file of :func:`save_sealed`, checking its checksum and that it belongs to ``identity``.

    Raises
    ------
    nnqft_sym.errors.CheckpointError
        Naming the file: unreadable, not sealed (another version), checksum mismatch
        (damaged or edited), or computed for another identity (e.g. a copy of another bag).
    """
    path = Path(path)
    arrays = load_npz(path)
    try:
        text = str(arrays.pop(IDENTITY_KEY)[()])
        stored = str(arrays.pop(CHECKSUM_KEY)[()])
    except KeyError:
        raise _damaged(path, "has no identity or checksum (damaged, or written by an older "
                             "version)") from None
    if _checksum(arrays, text) != stored:
        raise _damaged(path, "fails its checksum (damaged or edited)")
    try:
        own = json.loads(text)
    except ValueError:
        raise _damaged(path, "has an unreadable identity") from None
    expected = json.loads(_identity_text(identity))
    if own != expected:
        diff = (sorted(k for k in set(own) | set(expected) if own.get(k) != expected.get(k))
                if isinstance(own, dict) else ["identity"])
        raise _damaged(path, f"was computed for another task (differs in {diff})")
    return arrays


def to_jsonable(obj: Any) -> Any:
    """Convert NumPy scalars/arrays and tuples recursively to JSON types (NaN -> None)."""
    kind = type(obj)             # fast paths for the exact builtin types (tidy tables)
    if kind is float:
        return obj if math.isfinite(obj) else None
    if kind is str or kind is int or kind is bool or obj is None:
        return obj
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
    """Read a JSON file; an unreadable one raises :class:`~nnqft_sym.errors.CheckpointError`."""
    path = Path(path)
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise CheckpointError(f"file {path} does not exist") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise CheckpointError(f"file {path} is not readable JSON ({type(exc).__name__}); "
                              "delete it (its folder is then recomputed or rewritten)") from None


def check_plan(folder: str | os.PathLike, plan: dict[str, Any]) -> None:
    """Refuse to resume into a checkpoint folder that holds tasks of a different run.

    The first call writes ``plan.json`` (atomically); later calls compare their plan with it
    and raise a :class:`~nnqft_sym.errors.CheckpointError` (a ``ValueError``) naming the
    settings that differ.

    Examples
    --------
    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> check_plan(folder, {"seed": 1}); check_plan(folder, {"seed": 1})
    >>> check_plan(folder, {"seed": 2})
    Traceback (most recent call last):
    ...
    nnqft_sym.errors.CheckpointError: checkpoint folder ... different run (differs in ['seed']); ...
    """
    path = Path(folder) / "plan.json"
    plan = to_jsonable(plan)
    if path.exists():
        old = load_json(path)
        if not isinstance(old, dict):
            raise CheckpointError(f"file {path} is not a plan; delete its folder {folder} "
                                  "to start afresh")
        if old != plan:
            diff = sorted(k for k in set(old) | set(plan) if old.get(k) != plan.get(k))
            raise CheckpointError(f"checkpoint folder {folder} holds tasks of a different run "
                                  f"(differs in {diff}); use another folder or delete it")
    else:
        save_json(path, plan)


@contextlib.contextmanager
def checkpoint_folder(folder: str | os.PathLike, plan: dict[str, Any]) -> Iterator[Path]:
    """Lock ``folder``, remove orphaned temporary files, check ``plan``; yield the folder.

    The ``with`` block is the only writer of the folder (:func:`lock_folder`); see the
    module docstring.

    Examples
    --------
    >>> import tempfile
    >>> with checkpoint_folder(tempfile.mkdtemp(), {"seed": 1}) as folder:
    ...     sorted(p.name for p in folder.iterdir())
    ['.lock', 'plan.json']
    """
    with lock_folder(folder) as path:
        clean_orphans(path)
        check_plan(path, plan)
        yield path
