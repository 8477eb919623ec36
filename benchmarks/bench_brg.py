"""Benchmark of the BRG experiment (run by hand: ``python benchmarks/bench_brg.py``).

Target (issue 6): an ensemble of 100 members with the public reference code's sizes (frozen
ReLU feature map of width 2000, d_in = 2, 200 training and 200 test points) in under a minute
and a few hundred MB; the reference code needs about 4 minutes and 4 GB for *one* member
because it builds a dense Fisher matrix.  Here the diagonal Fisher information is analytic.

Reports wall time, peak memory allocated by Python/NumPy (``tracemalloc``) and the process's
peak resident set size, for both feature maps and a larger configuration.  BLAS runs on one
thread unless ``OPENBLAS_NUM_THREADS`` is set (the 200 x 200 solves are faster single-threaded
on a shared 2-core machine).
"""
from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import resource  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402

from numeric.bayesian_rg import REFERENCE_SIZES, run_brg_experiment  # noqa: E402

CONFIGS = {
    "reference": dict(n_members=100, width=REFERENCE_SIZES["width"],
                      n_train=REFERENCE_SIZES["n_train"], n_test=REFERENCE_SIZES["n_test"]),
    "large": dict(n_members=100, width=5000, n_train=1500, n_test=500),
}


def run(config: str, features: str) -> dict:
    """Time one experiment; return the figures."""
    tracemalloc.start()
    start = time.perf_counter()
    result = run_brg_experiment(features=features, progress=False, seed=0, **CONFIGS[config])
    seconds = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"config": config, "features": features, "seconds": seconds,
            "peak_traced_mb": peak / 2 ** 20,
            "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "critical_cutoff": result.critical_cutoff, "baseline_loss": result.baseline_loss}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", default="reference,large")
    parser.add_argument("--features", default="relu,cos")
    args = parser.parse_args()
    print(f"{'config':>10} {'features':>8} {'seconds':>8} {'peak MB':>8} {'RSS MB':>8} "
          f"{'Lambda_c':>10} {'baseline':>9}")
    for config in args.configs.split(","):
        for features in args.features.split(","):
            row = run(config, features)
            print(f"{row['config']:>10} {row['features']:>8} {row['seconds']:8.1f} "
                  f"{row['peak_traced_mb']:8.1f} {row['max_rss_mb']:8.1f} "
                  f"{row['critical_cutoff']:10.4g} {row['baseline_loss']:9.4g}")


if __name__ == "__main__":
    main()
