r"""Run independent tasks serially, on a local Dask cluster or on a running Dask scheduler.

One *task* is one call ``function(*args)`` returning a dict of NumPy arrays (in the
experiments: one bag of one (width, sigma_W, architecture) point, :func:`numeric.run_bag`).
:func:`run_tasks` executes a mapping ``{key: args}`` and returns the results in the order of
the keys, so whatever the number of workers and the order in which the tasks finish, the
merged result is the same as a serial run (each task is a pure function of its arguments).

Schedulers (:func:`open_client`):

``"serial"``
    In this process, one task after the other (no Dask).
``"processes"``
    A :class:`distributed.LocalCluster` of ``workers`` single-threaded worker processes,
    started for the run and closed after it.
``"tcp://host:port"`` (any address with ``://``)
    A running Dask scheduler, e.g. one started by ``dask-jobqueue`` on SLURM/PBS
    (``docs/distributed.md``); ``workers`` is then decided by the cluster.
a :class:`distributed.Client`
    An existing client (left open).

Tasks receive only their arguments (seed states, the architecture's ``describe()`` dict,
points): lambdified functions are rebuilt on the worker, never pickled.

Checkpoints.  With ``checkpoint`` (a function key -> path), the *client* writes each result
atomically (:func:`numeric.save_npz`: temporary file then ``os.replace``) as soon as it
arrives, and tasks whose file exists are loaded instead of run.  A run killed at any point
(a worker dies: Dask reschedules its tasks; the client is interrupted: the rerun computes only
the missing tasks) therefore loses and duplicates nothing, and never leaves a half-written
file.
"""
from __future__ import annotations

import contextlib
import logging
import numbers
from pathlib import Path
from typing import Any, Callable, Hashable, Iterator, Mapping

import numpy as np
from tqdm import tqdm

from .storage import load_npz, save_npz

__all__ = ["SCHEDULERS", "check_scheduler", "open_client", "run_tasks"]

#: scheduler names besides a scheduler address or a ``distributed.Client``
SCHEDULERS = ("serial", "processes")

Result = dict[str, np.ndarray]


def check_scheduler(scheduler: Any = None, workers: Any = 1) -> tuple[Any, int]:
    """Validate ``(scheduler, workers)``; ``None`` means serial for 1 worker, else processes.

    Examples
    --------
    >>> check_scheduler(None, 3), check_scheduler("tcp://10.0.0.1:8786")
    (('processes', 3), ('tcp://10.0.0.1:8786', 1))
    """
    if isinstance(workers, bool) or not isinstance(workers, numbers.Integral) or workers < 1:
        raise ValueError(f"workers must be an integer >= 1, got {workers!r}")
    workers = int(workers)
    if scheduler is None:
        scheduler = "serial" if workers == 1 else "processes"
    if isinstance(scheduler, str):
        if scheduler not in SCHEDULERS and "://" not in scheduler:
            raise ValueError(f"scheduler must be 'serial', 'processes', a Dask scheduler "
                             f"address such as 'tcp://host:8786', or a distributed.Client; "
                             f"got {scheduler!r}")
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
def open_client(scheduler: Any, workers: int = 1) -> Iterator[Any]:
    """A ``distributed.Client`` for ``scheduler`` (see the module docstring); None for serial.

    Clusters and clients opened here are closed on exit; a given client is left open.

    Examples
    --------
    >>> with open_client("serial") as client:
    ...     client is None
    True
    """
    scheduler, workers = check_scheduler(scheduler, workers)
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
    with Client(scheduler) as client:
        yield client


def run_tasks(function: Callable[..., Result], tasks: Mapping[Hashable, tuple], *,
              scheduler: Any = "serial", workers: int = 1,
              checkpoint: Callable[[Hashable], Path] | None = None, progress: bool = False,
              desc: str = "tasks") -> dict[Hashable, Result]:
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
        of recomputed, new results are written atomically as they arrive.
    progress : bool
        tqdm bar over tasks.
    desc : str
        Label of the progress bar.

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
    results: dict[Hashable, Result] = {}
    todo = []
    for key in tasks:
        if checkpoint is not None and checkpoint(key).exists():
            results[key] = load_npz(checkpoint(key))
        else:
            todo.append(key)
    bar = tqdm(total=len(tasks), initial=len(tasks) - len(todo), desc=desc,
               disable=not progress, unit="task")

    def store(key: Hashable, out: Result) -> None:
        if checkpoint is not None:
            save_npz(checkpoint(key), out)
        results[key] = out
        bar.update(1)

    try:
        if todo and scheduler == "serial":
            for key in todo:
                store(key, function(*tasks[key]))
        elif todo:
            with open_client(scheduler, workers) as client:
                _run_on_client(client, function, tasks, todo, store)
    finally:
        bar.close()
    return {key: results[key] for key in tasks}


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
