"""Benchmark of the Dask scale-out (run by hand: ``python benchmarks/bench_distributed.py``).

Issue 7: the speed-up of ``measure(scheduler="processes", workers=W)`` over a serial run (bags
of the HMS Gauss-net), with the cluster start-up timed separately, and the per-task overhead
of the Dask route (trivial tasks).  Also checks that the two runs agree bit for bit.
``--help`` for the options.
"""
from __future__ import annotations

import argparse
import time

import numpy as np
from distributed import Client, LocalCluster

from nnqft_sym import GaussNet
from numeric import HMS_POINTS, measure
from numeric.distributed import run_tasks


def _trivial(index: int) -> dict[str, np.ndarray]:
    return {"index": np.array(index)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--widths", default="10,100", help="comma-separated widths")
    parser.add_argument("--n-bags", type=int, default=8)
    parser.add_argument("--n-nets", type=int, default=30000)
    parser.add_argument("--trivial-tasks", type=int, default=400)
    args = parser.parse_args()
    widths = [int(w) for w in args.widths.split(",")]
    run = {"orders": (2, 4, 6), "n_bags": args.n_bags, "n_nets": args.n_nets, "rng": 0,
           "exact": False}
    n_tasks = len(widths) * args.n_bags

    measure(GaussNet(), [widths[0]], HMS_POINTS, **{**run, "n_bags": 2, "n_nets": 100})  # warm-up
    start = time.perf_counter()
    serial = measure(GaussNet(), widths, HMS_POINTS, **run)
    t_serial = time.perf_counter() - start

    start = time.perf_counter()
    with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                      dashboard_address=":0", silence_logs=40) as cluster, \
            Client(cluster) as client:
        client.wait_for_workers(args.workers)
        t_start = time.perf_counter() - start
        start = time.perf_counter()
        dask = measure(GaussNet(), widths, HMS_POINTS, scheduler=client, **run)
        t_dask = time.perf_counter() - start
        tasks = {i: (i,) for i in range(args.trivial_tasks)}
        run_tasks(_trivial, {i: (i,) for i in range(10)}, scheduler=client)     # warm-up
        start = time.perf_counter()
        run_tasks(_trivial, tasks, scheduler=client)
        t_trivial = time.perf_counter() - start
    same = all(np.array_equal(serial.bag_stats[n][s], dask.bag_stats[n][s])
               for n in serial.orders for s in ("sum", "sum_abs", "sum_sq"))
    print(f"{n_tasks} bags (Gauss-net, widths {widths}, {args.n_nets} networks, 6 points, "
          f"orders 2, 4, 6)")
    print(f"serial            {t_serial:8.2f} s  ({t_serial / n_tasks:.3f} s per bag)")
    print(f"dask, {args.workers} processes {t_dask:8.2f} s  speed-up {t_serial / t_dask:.2f}x "
          f"(cluster start-up {t_start:.2f} s extra; with it {t_serial / (t_dask + t_start):.2f}x)")
    print(f"bit-identical to serial: {same}")
    print(f"per-task overhead (trivial tasks, {args.trivial_tasks} of them): "
          f"{1e3 * t_trivial / args.trivial_tasks:.2f} ms")


if __name__ == "__main__":
    main()
