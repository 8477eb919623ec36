r"""Throughput of the ensemble sampler and of whole bags against the Gaussian-draw floor.

For each architecture and width, :func:`benchmark_sampling` times

- the sampler alone (:func:`numeric.iter_output_chunks`, all outputs of the bag's networks),
- one whole bag (sampling plus the monomial sums of the requested orders,
  :func:`numeric.run_bag`),
- the *floor*: the time NumPy's generator (the sampler's PCG64) needs just to draw the same
  number of Gaussian numbers (first layer ``width * (d_in + 1)``, ``b1``, plus ``width``
  output weights or ``P`` Gram normals per network),
- the *parameter floor*: the time to draw all ``width * (d_in + 2) + 1`` parameters of each
  network (what a direct simulation draws).

From the per-network bag times it extrapolates the full HMS scale (all widths, ``n_full``
networks per width) on ``cores`` cores, assuming bags run in parallel.
Times are CPU seconds of this process (``time.process_time``), which stay meaningful on a
machine shared with other jobs; on an idle machine wall time is about the same.
Used by ``nnqft bench`` and ``benchmarks/bench_sampling.py``; never by unit tests.

:func:`benchmark_estimators` (``nnqft bench --estimators``, ``benchmarks/bench_estimators.py``)
compares the plain and the conditional estimator (:mod:`numeric.conditional`) by the variance
per network of the combination-averaged :math:`\Delta G^{(n)}` times the CPU time per network.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from nnqft_sym.architectures import make_network

from .conditional import ESTIMATORS
from .estimators import bag_seed_states, run_bag
from .monomials import point_multisets
from .paper_settings import hms_setting
from .experiments import HMS_POINTS, HMS_WIDTHS
from .sampling import GRAM_MIN_WIDTH, block_size, iter_output_chunks, seed_from_state

__all__ = ["BenchmarkRow", "gaussian_floor", "benchmark_sampling", "extrapolate",
           "EstimatorBenchmarkRow", "benchmark_estimators", "estimator_gains"]


@dataclass(frozen=True)
class BenchmarkRow:
    """Timing of one (architecture, width): CPU seconds for ``n_nets`` networks.

    ``sampler_seconds`` is the sampler alone, ``seconds`` the whole bag (sampler and monomial
    sums), ``floor_seconds`` and ``parameter_floor_seconds`` the two Gaussian-draw floors.
    """

    arch: str
    width: int
    n_nets: int
    sampler_seconds: float
    seconds: float
    floor_seconds: float
    parameter_floor_seconds: float

    @property
    def nets_per_second(self) -> float:
        """Networks per CPU second of whole bags (sampling and estimators)."""
        return self.n_nets / self.seconds

    @property
    def ratio(self) -> float:
        """Sampler time / Gaussian-draw floor (the normals the sampler draws)."""
        return self.sampler_seconds / self.floor_seconds

    @property
    def parameter_ratio(self) -> float:
        """Sampler time / time to draw all network parameters as normals."""
        return self.sampler_seconds / self.parameter_floor_seconds

    @property
    def bag_ratio(self) -> float:
        """Whole-bag time (sampling and estimators) / Gaussian-draw floor."""
        return self.seconds / self.floor_seconds


def gaussian_floor(n_numbers: int, seed: int = 0) -> float:
    """CPU seconds NumPy's PCG64 generator (the sampler's) needs to draw ``n_numbers`` normals.

    Drawn in slabs of at most 2^20 numbers (the sampler's working sizes), best of 3.

    Examples
    --------
    >>> gaussian_floor(1000) >= 0.0
    True
    """
    rng = np.random.Generator(np.random.PCG64(seed))
    slab = 1 << 20
    best = np.inf
    for _ in range(3):
        start = time.process_time()
        left = n_numbers
        while left > 0:
            rng.standard_normal(min(slab, left))
            left -= slab
        best = min(best, time.process_time() - start)
    return best


def _draws_per_net(width: int, n_points: int, d_in: int = 1) -> int:
    last = width if width < GRAM_MIN_WIDTH else n_points
    return width * (d_in + 1) + 1 + last


def benchmark_sampling(archs: Sequence[str] = ("gauss", "relu", "erf"),
                       widths: Sequence[int] = HMS_WIDTHS, points: Sequence[float] = HMS_POINTS,
                       orders: Sequence[int] = (2, 4, 6), neuron_budget: float = 2e7,
                       min_nets: int = 2000) -> list[BenchmarkRow]:
    """Time one bag per (architecture, width) with about ``neuron_budget`` hidden neurons.

    Examples
    --------
    >>> rows = benchmark_sampling(["relu"], [4], neuron_budget=4e4)
    >>> rows[0].nets_per_second > 0
    True
    """
    rows = []
    for arch in archs:
        net = make_network(arch)
        for width in widths:
            n_nets = int(max(min_nets, neuron_budget // width))
            n_nets = max(n_nets, block_size(width, len(points)))
            state = bag_seed_states(0, width, 1)[0]
            run_bag(net, width, points, min(n_nets, 200), state, orders)      # warm-up
            start = time.process_time()
            for _ in iter_output_chunks(net, width, points, n_nets, seed_from_state(state)):
                pass
            sampler = time.process_time() - start
            start = time.process_time()
            run_bag(net, width, points, n_nets, state, orders)
            seconds = time.process_time() - start
            floor = gaussian_floor(n_nets * _draws_per_net(width, len(points), net.d_in))
            params = gaussian_floor(n_nets * (width * (net.d_in + 2) + 1))
            rows.append(BenchmarkRow(arch, width, n_nets, sampler, seconds, floor, params))
    return rows


def extrapolate(rows: Sequence[BenchmarkRow], n_full: int = 10 ** 6, cores: int = 2
                ) -> dict[str, float]:
    """Seconds for ``n_full`` networks at every benchmarked point, spread over ``cores`` processes.

    Returns ``{"bags", "sampler", "floor", "parameter_floor"}``: whole bags (sampling and
    estimators), the sampler alone and the two floors.

    Examples
    --------
    >>> row = BenchmarkRow("relu", 10, 1000, 0.5, 1.0, 0.25, 0.4)
    >>> extrapolate([row], n_full=2000, cores=2)["bags"]
    1.0
    """
    def total(attr: str) -> float:
        return sum(getattr(r, attr) / r.n_nets for r in rows) * n_full / cores
    return {"bags": total("seconds"), "sampler": total("sampler_seconds"),
            "floor": total("floor_seconds"), "parameter_floor": total("parameter_floor_seconds")}


# ---------------------------------------------------------------------- estimators
@dataclass(frozen=True)
class EstimatorBenchmarkRow:
    r"""Precision per CPU second of one estimator on one (architecture, depth, width, order).

    ``variance`` is the variance *per network* of the estimate of the combination-averaged
    :math:`\Delta G^{(n)}` (bag variance times ``n_nets``, over ``n_bags`` bags), ``seconds``
    the CPU seconds per network of whole bags (sampling and estimator), ``signal`` the
    estimate itself; ``cost = variance * seconds`` is the CPU time needed for a unit variance
    (smaller is better).
    """

    arch: str
    depth: int
    width: int
    order: int
    estimator: str
    n_nets: int
    signal: float
    variance: float
    seconds: float

    @property
    def cost(self) -> float:
        """Variance per network times CPU seconds per network."""
        return self.variance * self.seconds


def benchmark_estimators(archs: Sequence[str] = ("relu", "erf", "gauss"),
                         widths: Sequence[int] = (2, 10, 100, 1000), depths: Sequence[int] = (1,),
                         orders: Sequence[int] = (4, 6), n_bags: int = 8,
                         neuron_budget: float = 2e6, seed: int = 0
                         ) -> list[EstimatorBenchmarkRow]:
    """Time both estimators of :func:`numeric.run_bag` on the HMS settings (arXiv:2008.08601).

    Each (architecture, depth, width) runs ``n_bags`` bags of the same networks (same seeds)
    with the plain and the conditional estimator; a bag holds ``neuron_budget / (width *
    depth)`` networks (between 100 and 20000).

    Examples
    --------
    >>> rows = benchmark_estimators(["relu"], [4], orders=(4,), n_bags=2, neuron_budget=400)
    >>> sorted(r.estimator for r in rows)
    ['conditional', 'plain']
    """
    rows = []
    for arch in archs:
        setting = hms_setting(arch, 1)
        for depth in depths:
            net = setting.network(depth=depth)
            for width in widths:
                n_nets = int(np.clip(neuron_budget / (width * depth), 100, 20000))
                states = bag_seed_states(seed, width, n_bags)
                for estimator in ESTIMATORS:
                    start = time.process_time()
                    bags = [run_bag(net, width, setting.scalar_points, n_nets, s, tuple(orders),
                                    estimator=estimator) for s in states]
                    seconds = (time.process_time() - start) / (n_bags * n_nets)
                    for order in orders:
                        combos = np.asarray(setting.scalar_points)[
                            point_multisets(len(setting.scalar_points), order)]
                        free = float(np.mean(net.free_green(combos)))
                        values = np.array([b[f"sum_{order}"].mean() / n_nets for b in bags]) - free
                        rows.append(EstimatorBenchmarkRow(
                            arch, depth, width, order, estimator, n_nets, float(values.mean()),
                            float(values.var(ddof=1) * n_nets), seconds))
    return rows


def estimator_gains(rows: Sequence[EstimatorBenchmarkRow]) -> list[dict[str, float | int | str]]:
    """Per (architecture, depth, width, order): both costs and the gain plain / conditional."""
    by_key: dict[tuple, dict[str, EstimatorBenchmarkRow]] = {}
    for r in rows:
        by_key.setdefault((r.arch, r.depth, r.width, r.order), {})[r.estimator] = r
    out = []
    for (arch, depth, width, order), pair in by_key.items():
        plain, cond = pair["plain"], pair["conditional"]
        out.append({"arch": arch, "depth": depth, "width": width, "order": order,
                    "delta": cond.signal, "plain_rel_err": np.sqrt(plain.variance) / abs(cond.signal),
                    "conditional_rel_err": np.sqrt(cond.variance) / abs(cond.signal),
                    "plain_cost": plain.cost, "conditional_cost": cond.cost,
                    "plain_us": 1e6 * plain.seconds, "conditional_us": 1e6 * cond.seconds,
                    "gain": plain.cost / cond.cost})
    return out
