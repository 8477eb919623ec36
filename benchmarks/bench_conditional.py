"""Per-network cost of the conditional estimator, with and without Dask's worker environment.

``python benchmarks/bench_conditional.py`` times one bag per width (ReLU-net, Erf-net and
Gauss-net in their HMS settings, arXiv:2008.08601: 6 points, orders 2, 4, 6) with the plain and
the conditional estimator (``numeric.run_bag``) and prints per network the user and system CPU
microseconds and the minor page faults, each in two child processes: one with this shell's
environment and one with the environment Dask gives its worker processes
(``distributed.nanny.pre-spawn-environ``: ``MALLOC_TRIM_THRESHOLD_=65536`` and one BLAS thread),
where every large temporary array is an ``mmap``/``munmap`` pair.  System time comparable to user
time, or page faults per network in the tens, mean temporaries are being allocated per block
(docs/numeric.md, the 2026-12-01 allocation fix).  ``--help`` for the options.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys


def child(archs: list[str], widths: list[int], n_nets: int) -> None:
    """Time the bags in this process; print one JSON row per (arch, width, estimator)."""
    from numeric import bag_seed_states, run_bag
    from numeric.paper_settings import hms_setting
    for arch in archs:
        setting = hms_setting(arch, 1)
        net, points = setting.network(), setting.scalar_points
        for width in widths:
            state = bag_seed_states(0, width, 1)[0]
            for estimator in ("plain", "conditional"):
                run_bag(net, width, points, 200, state, (2, 4, 6), estimator=estimator)  # warm-up
                before = resource.getrusage(resource.RUSAGE_SELF)
                run_bag(net, width, points, n_nets, state, (2, 4, 6), estimator=estimator)
                after = resource.getrusage(resource.RUSAGE_SELF)
                print(json.dumps({
                    "arch": arch, "width": width, "estimator": estimator,
                    "user_us": (after.ru_utime - before.ru_utime) / n_nets * 1e6,
                    "sys_us": (after.ru_stime - before.ru_stime) / n_nets * 1e6,
                    "faults": (after.ru_minflt - before.ru_minflt) / n_nets}), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archs", default="relu,erf,gauss")
    parser.add_argument("--widths", default="2,10,100,1000")
    parser.add_argument("--n-nets", type=int, default=20000, help="networks per timed bag")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    archs, widths = args.archs.split(","), [int(w) for w in args.widths.split(",")]
    if args.child:
        child(archs, widths, args.n_nets)
        return
    import dask.config
    import distributed  # noqa: F401  (registers the distributed.* configuration)
    worker_env = {k: str(v) for k, v in
                  (dask.config.get("distributed.nanny.pre-spawn-environ") or {}).items()}
    print(f"{'environment':<12} {'arch':<6} {'N':>5} {'estimator':<12} {'user us':>8} "
          f"{'sys us':>7} {'faults':>7}   (per network, {args.n_nets} networks per bag)")
    for label, extra in (("this shell", {}), ("Dask worker", worker_env)):
        cmd = [sys.executable, __file__, "--child", "--archs", args.archs, "--widths",
               args.widths, "--n-nets", str(args.n_nets)]
        out = subprocess.run(cmd, env={**os.environ, **extra}, check=True, capture_output=True,
                             text=True).stdout
        for line in out.splitlines():
            r = json.loads(line)
            print(f"{label:<12} {r['arch']:<6} {r['width']:>5} {r['estimator']:<12} "
                  f"{r['user_us']:>8.2f} {r['sys_us']:>7.2f} {r['faults']:>7.2f}")
    print(f"Dask worker environment: {worker_env}")


if __name__ == "__main__":
    main()
