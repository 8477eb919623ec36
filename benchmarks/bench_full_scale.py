"""The real full HMS scale, timed (run by hand: ``python benchmarks/bench_full_scale.py``).

Issue 3's target: 3 activations (Gauss, ReLU, Erf) x 10 widths x 10^6 networks, orders 2, 4, 6
on the 6 HMS points, in under 5 minutes on 2 cores.  All bags go to one local Dask cluster as a
single batch (``numeric.measure_sweep``); the wall time printed includes the cluster start-up.
Exact values are not computed (``exact=False``): this times the simulation.
``--help`` for the options.
"""
from __future__ import annotations

import argparse
import time

from nnqft_sym import make_network
from numeric import HMS_POINTS, HMS_WIDTHS, measure_sweep


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--n-bags", type=int, default=20)
    parser.add_argument("--n-nets", type=int, default=50000, help="networks per bag")
    parser.add_argument("--archs", default="gauss,relu,erf")
    parser.add_argument("--estimator", default="plain", choices=("plain", "conditional"),
                        help="plain (the Green-function sums; the figure compared with the "
                             "papers' codes) or conditional (measure's default)")
    args = parser.parse_args()
    nets = [make_network(a) for a in args.archs.split(",")]
    start = time.perf_counter()
    results = measure_sweep(nets, HMS_WIDTHS, HMS_POINTS, (2, 4, 6), n_bags=args.n_bags,
                            n_nets=args.n_nets, rngs=list(range(len(nets))),
                            scheduler="processes", workers=args.workers, progress=True,
                            exact=False, estimator=args.estimator)
    wall = time.perf_counter() - start
    total = len(nets) * len(HMS_WIDTHS) * args.n_bags * args.n_nets
    print(f"{len(nets)} activations x {len(HMS_WIDTHS)} widths x {args.n_bags * args.n_nets} "
          f"networks ({total:.3g} networks), orders 2, 4, 6 on {len(HMS_POINTS)} points, "
          f"{args.workers} worker processes, {args.estimator} estimator: {wall:.0f} s = {wall / 60:.2f} min wall time "
          f"(cluster start-up included)")
    for net, res in zip(nets, results):
        shape = res.bag_stats[6]["sum"].shape
        print(f"  {net.name}: 6-point sums of {shape[0]} widths x {shape[1]} bags x "
              f"{shape[2]} combinations")


if __name__ == "__main__":
    main()
