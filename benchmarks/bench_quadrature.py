"""Benchmark of :func:`nnqft_sym.quadrature.gaussian_expectation`: time per matrix and accuracy.

Typical use: all 4- and 6-point multisets of 6 input points (as in HMS/ELS), one covariance
matrix per multiset, evaluated as one vectorised batch.  For every (activation, n, rank) the
script times a batch at the default number of nodes, and estimates the accuracy as the largest
relative change on a few matrices when the nodes are raised by half (the rules converge
spectrally, so this bounds the error of the default run).

Run by hand (not part of the test suite)::

    python benchmarks/bench_quadrature.py                 # ~50 matrices per configuration
    python benchmarks/bench_quadrature.py --batch 10 --rank4-batch 2    # quick look
"""
from __future__ import annotations

import argparse
import itertools
import time

import numpy as np
from scipy.special import erf

from nnqft_sym.quadrature import _DEFAULT_NODES, gaussian_expectation

ACTIVATIONS = {
    "relu": (lambda z: np.maximum(z, 0.0), {"homogeneity": 1}),
    "erf": (erf, {}),
}


def multiset_covariances(n: int, d_in: int, batch: int, seed: int = 0) -> np.ndarray:
    """Covariances (sigma_W = sigma_b = 1) of the first ``batch`` n-point multisets of 6 points."""
    rng = np.random.default_rng(seed)
    points = rng.uniform(-1.0, 1.0, (6, d_in))
    combos = list(itertools.combinations_with_replacement(range(6), n))
    chosen = [combos[i] for i in rng.permutation(len(combos))[:batch]]
    pts = points[np.array(chosen)]                                   # (batch, n, d_in)
    return 1.0 + np.einsum("bid,bjd->bij", pts, pts) / d_in


def run(batch: int, rank4_batch: int, checks: int) -> list[dict]:
    rows = []
    for name, (func, kw) in ACTIVATIONS.items():
        for n in (4, 6):
            for d_in in (1, 2, 3):
                rank = d_in + 1
                size = rank4_batch if (rank == 4 and name != "relu") else batch
                covs = multiset_covariances(n, d_in, size)
                start = time.perf_counter()
                values = gaussian_expectation(func, covs, **kw)
                elapsed = time.perf_counter() - start
                finer = int(round(1.5 * _DEFAULT_NODES[rank]))
                ref = gaussian_expectation(func, covs[:checks], nodes=finer, **kw)
                change = float(np.max(np.abs(values[:checks] / ref - 1.0)))
                rows.append({"activation": name, "n": n, "rank": rank, "batch": size,
                             "ms_per_matrix": 1e3 * elapsed / size, "rel_change": change})
                print(f"{name:5s} n={n} rank={rank} batch={size:3d}  "
                      f"{1e3 * elapsed / size:9.2f} ms/matrix   "
                      f"rel. change at 1.5x nodes: {change:.1e}", flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=50, help="matrices per configuration")
    parser.add_argument("--rank4-batch", type=int, default=5,
                        help="matrices for the (slow) non-homogeneous rank-4 configurations")
    parser.add_argument("--checks", type=int, default=2,
                        help="matrices re-run with 1.5x nodes for the accuracy estimate")
    args = parser.parse_args()
    run(args.batch, args.rank4_batch, args.checks)


if __name__ == "__main__":
    main()
