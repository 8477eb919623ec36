r"""Run independent tasks serially, on a local Dask cluster or on a running Dask scheduler.

One *task* is one call ``function(*args)`` returning a dict of NumPy arrays (in the
experiments: one bag of one (width, sigma_W, architecture) point, :func:`numeric.run_bag`).
:func:`run_tasks` executes a mapping ``{key: args}`` and returns the results in the order of
the keys, so whatever the number of workers and the order in which the tasks finish, the
merged result is the same as a serial run (each task is a pure function of its arguments).

Schedulers (:func:`open_client`):

``"serial"``
    In this process, one task after the other (no Dask).
``"threads"``
    In this process, on ``workers`` threads (default: the cores this process may use,
    :func:`default_workers`), each with one BLAS thread.  The tasks spend their time in
    NumPy/SciPy kernels that release the GIL, so two threads run about twice as fast as one
    on two cores; the results are bit-identical to a serial run.
``"processes"``
    A :class:`distributed.LocalCluster` of ``workers`` single-threaded worker processes,
    started for the run and closed after it.
``"tcp://host:port"`` (any address with ``://``)
    A running Dask scheduler, e.g. one started by ``dask-jobqueue`` on SLURM/PBS
    (``docs/distributed.md``); ``workers`` is then decided by the cluster.
a :class:`distributed.Client`
    An existing client (left open).

Connecting to a scheduler address waits at most ``timeout`` seconds (argument of
:func:`open_client` and :func:`run_tasks`; default the environment variable
``NNQFT_SCHEDULER_TIMEOUT``, else :data:`DEFAULT_SCHEDULER_TIMEOUT`), then raises
:class:`SchedulerUnreachableError` naming the address and how to start a scheduler.

Tasks receive only their arguments (seed states, the architecture's ``describe()`` dict,
points): lambdified functions are rebuilt on the worker, never pickled.

Checkpoints.  With ``checkpoint`` (a function key -> path), the *client* writes each result
atomically (:func:`numeric.storage.save_sealed`: temporary file then ``os.replace``, with the
task's identity and a checksum) as soon as it arrives, and tasks whose file exists are
loaded instead of run, after checking the checksum and that the file belongs to the task
(``identity``; a damaged or foreign file raises :class:`nnqft_sym.errors.CheckpointError`
naming it).  A run killed at any point
(a worker dies: Dask reschedules its tasks; the client is interrupted: the rerun computes only
the missing tasks) therefore loses and duplicates nothing, and never leaves a half-written
file.
"""
from __future__ import annotations

import contextlib
import logging
import numbers
import os
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Any, Callable, Hashable, Iterator, Mapping

import numpy as np
from tqdm import tqdm

from nnqft_sym.errors import NnqftError
from nnqft_sym.validation import check_integer

from ._blas import blas_threads
from .storage import load_sealed, save_npz, seal

__all__ = ["SCHEDULERS", "DEFAULT_SCHEDULER_TIMEOUT", "SchedulerUnreachableError",
           "check_scheduler", "default_workers", "scheduler_timeout", "open_client", "run_tasks"]

#: scheduler names besides a scheduler address or a ``distributed.Client``
SCHEDULERS = ("serial", "threads", "processes")
#: seconds to wait for a scheduler address when neither ``timeout`` nor
#: ``NNQFT_SCHEDULER_TIMEOUT`` says otherwise
DEFAULT_SCHEDULER_TIMEOUT = 5.0

Result = dict[str, np.ndarray]


class SchedulerUnreachableError(NnqftError, ConnectionError):
    """No Dask scheduler answered at the given address within the timeout."""


def scheduler_timeout(timeout: Any = None) -> float:
    """Seconds to wait for a scheduler: ``timeout``, else ``$NNQFT_SCHEDULER_TIMEOUT``, else
    :data:`DEFAULT_SCHEDULER_TIMEOUT`.

    Examples
    --------
    >>> scheduler_timeout(2), scheduler_timeout() > 0
    (2.0, True)
    """
    name = "timeout"
    if timeout is None:
        text = os.environ.get("NNQFT_SCHEDULER_TIMEOUT")
        if text is None:
            return DEFAULT_SCHEDULER_TIMEOUT
        name = "NNQFT_SCHEDULER_TIMEOUT"
        try:
            timeout = float(text)
        except ValueError:
            raise ValueError(f"{name} must be a number of seconds > 0, got {text!r}") from None
    if isinstance(timeout, bool) or not isinstance(timeout, numbers.Real):
        raise TypeError(f"{name} must be a number of seconds > 0, got {timeout!r}")
    if not (np.isfinite(timeout) and timeout > 0):
        raise ValueError(f"{name} must be a number of seconds > 0, got {timeout!r}")
    return float(timeout)


def default_workers() -> int:
    """The number of cores this process may run on (``os.sched_getaffinity``, else ``os.cpu_count``).

    Examples
    --------
    >>> default_workers() >= 1
    True
    """
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:                      # not on Linux
        return max(1, os.cpu_count() or 1)


def check_scheduler(scheduler: Any = None, workers: Any = None) -> tuple[Any, int]:
    """Validate ``(scheduler, workers)``.

    ``scheduler=None`` means ``"threads"`` on ``workers`` threads (default: every core,
    :func:`default_workers`; one worker is ``"serial"``).  ``workers=None`` is every core
    for ``"threads"`` and ``"processes"``, 1 otherwise.

    Examples
    --------
    >>> check_scheduler(None, 3), check_scheduler("tcp://10.0.0.1:8786")
    (('threads', 3), ('tcp://10.0.0.1:8786', 1))
    >>> check_scheduler(None, 1)
    ('serial', 1)
    """
    if workers is None:
        workers = default_workers() if scheduler in (None, "threads", "processes") else 1
    workers = check_integer(workers, "workers", 1)
    if scheduler is None:
        scheduler = "serial" if workers == 1 else "threads"
    if isinstance(scheduler, str):
        if scheduler not in SCHEDULERS and "://" not in scheduler:
            raise ValueError(f"scheduler must be 'serial', 'threads', 'processes', a Dask "
                             f"scheduler address such as 'tcp://host:8786', or a "
                             f"distributed.Client; got {scheduler!r}")
        if scheduler == "serial" and workers != 1:
            raise ValueError(f"workers must be 1 with scheduler='serial' (use "
                             f"scheduler='processes' for a local pool), got {workers}")
        return scheduler, workers
    from distributed import Client
    if not isinstance(scheduler, Client):
        raise TypeError(f"scheduler must be a string or a distributed.Client, got "
                        f"{type(scheduler).__name__}")
    return scheduler, workers


@contextlib.contextmanager
def open_client(scheduler: Any, workers: int = 1, timeout: float | None = None) -> Iterator[Any]:
    """A ``distributed.Client`` for ``scheduler`` (see the module docstring); None for serial.

    Clusters and clients opened here are closed on exit; a given client is left open.
    A scheduler address that does not answer within ``timeout`` seconds
    (:func:`scheduler_timeout`) raises :class:`SchedulerUnreachableError`.

    Examples
    --------
    >>> with open_client("serial") as client:
    ...     client is None
    True
    """
    scheduler, workers = check_scheduler(scheduler, workers)
    seconds = scheduler_timeout(timeout)
    if scheduler == "serial":
        yield None
        return
    from distributed import Client, LocalCluster
    if not isinstance(scheduler, str):
        yield scheduler
        return
    if scheduler == "processes":
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                          dashboard_address=":0", silence_logs=logging.WARNING) as cluster, \
                Client(cluster) as client:
            yield client
        return
    try:
        client = Client(scheduler, timeout=seconds)
    except (OSError, TimeoutError):
        raise SchedulerUnreachableError(
            f"no Dask scheduler answered at {scheduler} within {seconds:g} s; "
            f"start one there with `dask scheduler --port PORT` and workers with `dask worker "
            f"{scheduler}` (docs/distributed.md), or wait longer with NNQFT_SCHEDULER_TIMEOUT"
        ) from None
    with client:
        yield client


def run_tasks(function: Callable[..., Result], tasks: Mapping[Hashable, tuple], *,
              scheduler: Any = "serial", workers: int = 1,
              checkpoint: Callable[[Hashable], Path] | None = None,
              identity: Callable[[Hashable], dict[str, Any]] | None = None,
              progress: bool = False, desc: str = "tasks", timeout: float | None = None
              ) -> dict[Hashable, Result]:
    """Run ``function(*tasks[key])`` for every key; results in the order of ``tasks``.

    Parameters
    ----------
    function : callable
        Module-level (importable on the workers) pure function returning a dict of arrays.
    tasks : mapping of hashable to tuple
        Arguments of each task (small and picklable: seeds, descriptions, points).
    scheduler, workers
        ``"serial"``, ``"processes"`` (local cluster of ``workers`` processes), a scheduler
        address or a ``distributed.Client`` (see :func:`check_scheduler`).
    checkpoint : callable, optional
        ``key -> path`` of the task's ``.npz`` checkpoint: existing files are loaded instead
        of recomputed, new results are written atomically as they arrive, sealed with the
        task's identity and a checksum (:func:`numeric.storage.seal`).
    identity : callable, optional
        ``key -> dict`` (JSON-friendly): what the task's result depends on (seed state,
        width...).  A checkpoint file with another identity or a wrong checksum raises
        :class:`nnqft_sym.errors.CheckpointError` naming it.  Default ``{"key": repr(key)}``.
    progress : bool
        tqdm bar over tasks.
    desc : str
        Label of the progress bar.
    timeout : float, optional
        Seconds to wait for a scheduler address (:func:`scheduler_timeout`).

    Returns
    -------
    dict
        ``{key: result}`` with the keys in the order of ``tasks``.

    Examples
    --------
    >>> import numpy as np
    >>> out = run_tasks(lambda n: {"x": np.arange(n)}, {"a": (2,), "b": (3,)})
    >>> [v["x"].tolist() for v in out.values()]
    [[0, 1], [0, 1, 2]]
    """
    scheduler, workers = check_scheduler(scheduler, workers)
    timeout = scheduler_timeout(timeout)
    if identity is None:
        identity = _key_identity
    results: dict[Hashable, Result] = {}
    todo = []
    for key in tasks:
        if checkpoint is not None and os.path.lexists(checkpoint(key)):
            results[key] = load_sealed(checkpoint(key), identity(key))
        else:
            todo.append(key)
    bar = tqdm(total=len(tasks), initial=len(tasks) - len(todo), desc=desc,
               disable=not progress, unit="task")

    def store(key: Hashable, out: Result) -> None:
        if checkpoint is not None:
            save_npz(checkpoint(key), seal(out, identity(key)))
        results[key] = out
        bar.update(1)

    try:
        if todo and scheduler == "serial":
            for key in todo:
                store(key, function(*tasks[key]))
        elif todo and scheduler == "threads":
            _run_on_threads(function, tasks, todo, store, workers)
        elif todo:
            with open_client(scheduler, workers, timeout) as client:
                _run_on_client(client, function, tasks, todo, store)
    finally:
        bar.close()
    return {key: results[key] for key in tasks}


def _run_on_threads(function: Callable[..., Result], tasks: Mapping[Hashable, tuple],
                    todo: list[Hashable], store: Callable[[Hashable, Result], None],
                    workers: int) -> None:
    """Run the tasks on ``workers`` threads (one BLAS thread each); store results as they complete.

    On an error the tasks not yet started are cancelled and the error is raised; the
    results stored so far (and their checkpoints) are kept.
    """
    with blas_threads(1), \
            ThreadPoolExecutor(max_workers=workers, thread_name_prefix="nnqft-task") as pool:
        futures = {pool.submit(function, *tasks[key]): key for key in todo}
        try:
            for future in as_completed(futures):
                store(futures[future], future.result())
        finally:
            for future in futures:
                future.cancel()


def _key_identity(key: Hashable) -> dict[str, Any]:
    return {"key": repr(key)}


def _run_on_client(client: Any, function: Callable[..., Result], tasks: Mapping[Hashable, tuple],
                   todo: list[Hashable], store: Callable[[Hashable, Result], None]) -> None:
    """Submit every task, store each result as it completes; cancel the rest on any error."""
    from distributed import as_completed
    futures = {client.submit(function, *tasks[key], pure=False): key for key in todo}
    try:
        for future in as_completed(futures):
            store(futures[future], future.result())
    finally:
        client.cancel([f for f in futures if not f.done()])
