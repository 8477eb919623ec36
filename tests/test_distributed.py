"""Dask scale-out: identical results for any scheduler, checkpoints survive dead workers and
interrupted clients, the --scheduler option of the CLI."""
from __future__ import annotations

import os
import time

import numpy as np
import pytest
from click.testing import CliRunner
from distributed import Client, LocalCluster

import numeric.distributed as distributed
from nnqft_cli.main import cli
from nnqft_sym import ErfNet, GaussNet, ReLUNet
from numeric import bag_seed_states, measure, run_bag
from numeric.distributed import check_scheduler, run_tasks
from numeric.estimators import measure_sweep
from numeric.storage import load_npz

SPREAD = [-0.5, 0.0, 0.7]
KW = {"orders": (2, 4), "n_bags": 3, "n_nets": 1500, "rng": 11, "exact": False}


@pytest.fixture(scope="module")
def threads_client():
    """A LocalCluster of 2 in-process workers (fast start; tasks still pickled and scheduled)."""
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                      dashboard_address=":0") as cluster, Client(cluster) as client:
        yield client


def _same(a, b):
    return all(np.array_equal(a.bag_stats[n][s], b.bag_stats[n][s])
               for n in a.orders for s in ("sum", "sum_abs", "sum_sq"))


def _slow_echo(index: int) -> dict[str, np.ndarray]:
    time.sleep(0.3 if index == 0 else 0.0)        # the first task finishes last
    return {"index": np.array(index), "finished": np.array(time.perf_counter())}


def _crash_once(marker: str, *args):
    """Kill the worker process running the first task that gets here (atomic marker file)."""
    try:
        os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return run_bag(*args)
    os._exit(1)


# ---------------------------------------------------------------------- arguments
@pytest.mark.parametrize("scheduler, workers, error, match", [
    ("serial", 2, ValueError, "workers must be 1 with scheduler='serial'"),
    ("procs", 1, ValueError, "scheduler must be 'serial', 'threads', 'processes', a Dask scheduler"),
    (3, 1, TypeError, "scheduler must be a string or a distributed.Client"),
    ("processes", 0, ValueError, "workers must be an integer >= 1"),
])
def test_check_scheduler_rejects_bad_input(scheduler, workers, error, match):
    with pytest.raises(error, match=match):
        check_scheduler(scheduler, workers)
    with pytest.raises(error, match=match):
        measure(ReLUNet(), [2], SPREAD, scheduler=scheduler, workers=workers, **KW)


def test_default_scheduler_follows_workers():
    assert check_scheduler(None, 1) == ("serial", 1)
    assert check_scheduler(None, 2) == ("threads", 2)      # both cores by default, in-process
    assert check_scheduler("tcp://127.0.0.1:8786", 4) == ("tcp://127.0.0.1:8786", 4)


# ---------------------------------------------------------------------- identical results
def test_merge_order_is_the_task_order_not_the_completion_order(threads_client):
    tasks = {("t", i): (i,) for i in range(3)}
    out = run_tasks(_slow_echo, tasks, scheduler=threads_client)
    assert list(out) == list(tasks)
    assert [int(v["index"]) for v in out.values()] == [0, 1, 2]
    finished = [float(v["finished"]) for v in out.values()]
    assert finished[0] > min(finished[1:])         # they really completed in another order


def test_dask_cluster_gives_bit_identical_bags(threads_client):
    """Narrow (direct W1) and wide (Gram) widths, two workers, against the serial run."""
    args = (ErfNet(), [3, 150], SPREAD)
    serial = measure(*args, **KW)
    assert _same(serial, measure(*args, scheduler=threads_client, **KW))


def test_deep_multi_output_bags_identical_on_the_cluster(threads_client):
    args = (ReLUNet(depth=2, d_out=2), [4], SPREAD)
    assert _same(measure(*args, **KW), measure(*args, scheduler=threads_client, **KW))


def test_scheduler_address_connects_to_a_running_scheduler(threads_client):
    address = threads_client.scheduler.address          # what --scheduler tcp://... passes
    args = (ReLUNet(), [3], SPREAD)
    assert _same(measure(*args, **KW), measure(*args, scheduler=address, **KW))


def test_sweep_equals_separate_serial_measurements(threads_client, tmp_path):
    nets = [GaussNet(sigma_w=1.0, sigma_b=0.5), GaussNet(sigma_w=2.0, sigma_b=0.5)]
    swept = measure_sweep(nets, [5], SPREAD, (2, 4), 3, 1000, [1, 2], scheduler=threads_client,
                          checkpoint_dirs=[tmp_path / "a", tmp_path / "b"])
    for net, seed, res in zip(nets, [1, 2], swept):
        alone = measure(net, [5], SPREAD, (2, 4), 3, 1000, seed)
        assert _same(alone, res) and np.array_equal(alone.reference[4], res.reference[4])
    assert len(list(tmp_path.glob("*/bag_*.npz"))) == 6
    with pytest.raises(ValueError, match="one entry per network"):
        measure_sweep(nets, [5], SPREAD, rngs=[1])
    with pytest.raises(ValueError, match="distinct"):
        measure_sweep(nets, [5], SPREAD, checkpoint_dirs=[tmp_path, tmp_path])


# ---------------------------------------------------------------------- failures
def test_interrupted_client_resumes_without_lost_or_duplicated_bags(threads_client, tmp_path,
                                                                    monkeypatch):
    args = (ReLUNet(), [2, 5], SPREAD)
    reference = measure(*args, **KW)
    real, saved = distributed.save_npz, []

    def interrupt_after_two(path, arrays):
        if len(saved) == 2:
            raise KeyboardInterrupt              # Ctrl-C while the third result is stored
        saved.append(path)
        return real(path, arrays)

    monkeypatch.setattr(distributed, "save_npz", interrupt_after_two)
    with pytest.raises(KeyboardInterrupt):
        measure(*args, checkpoint_dir=tmp_path, scheduler=threads_client, **KW)
    assert len(list(tmp_path.glob("bag_*.npz"))) == 2 and not list(tmp_path.glob("*.tmp"))
    saved.clear()
    monkeypatch.setattr(distributed, "save_npz", lambda p, a: (saved.append(p), real(p, a))[1])
    resumed = measure(*args, checkpoint_dir=tmp_path, scheduler=threads_client, **KW)
    assert len(saved) == 4                       # exactly the 6 - 2 missing bags ran
    assert len(set(saved)) == 4 and len(list(tmp_path.glob("bag_*.npz"))) == 6
    assert _same(resumed, reference)


def test_killed_worker_process_is_rescheduled_and_nothing_is_lost(tmp_path):
    """A worker process dies in the middle of a task; Dask reruns it elsewhere; one
    LocalCluster of 2 worker processes also covers the process route."""
    net, pts, state = ErfNet(), np.array(SPREAD)[:, None], bag_seed_states(3, 4, 4)
    marker = str(tmp_path / "killed")
    tasks = {(4, a): (marker, net.describe(), 4, pts, 2000, s, (2, 4)) for a, s in enumerate(state)}
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                      silence_logs=40) as cluster, Client(cluster) as client:
        out = run_tasks(_crash_once, tasks, scheduler=client,
                        checkpoint=lambda key: tmp_path / f"bag_{key[1]}.npz")
    assert os.path.exists(marker)                # a worker really died
    for (w, a), result in out.items():
        expected = run_bag(net, w, pts, 2000, state[a], (2, 4))
        assert all(np.array_equal(result[k], expected[k]) for k in expected)
        stored = load_npz(tmp_path / f"bag_{a}.npz")
        assert all(np.array_equal(stored[k], expected[k]) for k in expected)
    assert not list(tmp_path.glob("*.tmp"))


# ---------------------------------------------------------------------- CLI
@pytest.mark.slow   # 13 s; processes and deep multi-output runs are covered separately
def test_hms_cli_deep_multi_output_with_processes(tmp_path):
    out = tmp_path / "deep"
    args = ["experiment", "hms", "--arch", "relu", "--depth", "3", "--d-out", "2",
            "--widths", "3,8", "--points", "-0.5,0.7", "--n-bags", "3", "--n-nets", "800",
            "--orders", "2,4", "--no-progress", "--out", str(out)]
    result = CliRunner().invoke(cli, args + ["--scheduler", "processes", "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert "leading 1/N" in result.output
    assert "leading order in 1/N" in (out / "report.md").read_text()
    serial = tmp_path / "serial"
    again = CliRunner().invoke(cli, args[:-1] + [str(serial)])
    assert again.exit_code == 0, again.output
    a = load_npz(out / "relu" / "measurement.npz")
    b = load_npz(serial / "relu" / "measurement.npz")
    assert all(np.array_equal(a[k], b[k]) for k in a)


@pytest.mark.parametrize("extra, match", [
    (["--scheduler", "nowhere"], "scheduler must be"),
    (["--scheduler", "serial", "--workers", "3"], "workers must be 1"),
])
def test_cli_rejects_bad_scheduler(tmp_path, extra, match):
    for command in (["experiment", "hms"], ["experiment", "els-active"], ["demo"]):
        result = CliRunner().invoke(cli, command + extra + ["--out", str(tmp_path)])
        assert result.exit_code != 0 and match in result.output, result.output
