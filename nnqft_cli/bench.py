"""``nnqft bench``: networks per second of the sampler and its ratio to the Gaussian-draw floor."""
from __future__ import annotations

import click

from numeric.benchmark import benchmark_estimators, benchmark_sampling, estimator_gains, extrapolate
from numeric.experiments import HMS_WIDTHS

from .options import CONTEXT_SETTINGS, IntList, arch_option


@click.command(context_settings=CONTEXT_SETTINGS)
@arch_option(default=("gauss", "relu", "erf"), multiple=True)
@click.option("--widths", type=IntList(min=1), default=",".join(map(str, HMS_WIDTHS)),
              show_default=True, help="Comma-separated widths N >= 1.")
@click.option("--budget", type=click.FloatRange(min=1e3), default=2e7, show_default=True,
              help="Hidden neurons per timed bag (sets the networks per width; at most 2e6 with --estimators).")
@click.option("--cores", type=click.IntRange(min=1), default=2, show_default=True,
              help="Cores assumed for the full-scale extrapolation.")
@click.option("--estimators", is_flag=True,
              help="Compare the plain and the conditional estimator instead: variance of "
                   "Delta G^(4), Delta G^(6) per network times CPU time per network "
                   "(--widths default 2,10,100,1000; --depths).")
@click.option("--depths", type=IntList(min=1), default="1", show_default=True,
              help="Hidden layers (with --estimators).")
def command(arch: tuple[str, ...], widths: tuple[int, ...], budget: float, cores: int,
            estimators: bool, depths: tuple[int, ...]) -> None:
    """Benchmark the sampler and whole bags against the Gaussian-draw floor.

    Orders 2, 4, 6 on the 6 HMS points (arXiv:2008.08601).  With --estimators: precision per
    CPU second of the plain and the conditional estimator (numeric.benchmark_estimators).
    """
    if estimators:
        ctx = click.get_current_context()
        if ctx.get_parameter_source("widths") == click.core.ParameterSource.DEFAULT:
            widths = (2, 10, 100, 1000)
        estimator_table(arch, widths, depths, budget)
        return
    archs, width_list = arch, list(widths)
    rows = benchmark_sampling(archs, width_list, neuron_budget=budget)
    click.echo("CPU time. ratio: sampler time / time to draw the normals it draws; param. ratio: "
               "/ time to draw all 3N+1 network parameters; bag ratio: sampling + estimators / floor")
    click.echo(f"{'arch':<6} {'N':>5} {'nets':>8} {'sampler nets/s':>14} {'bag nets/s':>10} "
               f"{'floor nets/s':>12} {'ratio':>6} {'param. ratio':>12} {'bag ratio':>9}")
    for r in rows:
        click.echo(f"{r.arch:<6} {r.width:>5} {r.n_nets:>8} {r.n_nets / r.sampler_seconds:>14.4g} "
                   f"{r.nets_per_second:>10.4g} {r.n_nets / r.floor_seconds:>12.4g} {r.ratio:>6.2f} "
                   f"{r.parameter_ratio:>12.2f} {r.bag_ratio:>9.2f}")
    t = extrapolate(rows, cores=cores)
    click.echo(f"\nFull HMS scale ({len(archs)} activations x {len(width_list)} widths x 10^6 "
               f"networks, orders 2, 4, 6) on {cores} cores, extrapolated: {t['bags'] / 60:.2f} min "
               f"with the estimators; sampler alone {t['sampler'] / 60:.2f} min = "
               f"{t['sampler'] / t['floor']:.2f} x the floor ({t['floor'] / 60:.2f} min) and "
               f"{t['sampler'] / t['parameter_floor']:.2f} x the parameter floor "
               f"({t['parameter_floor'] / 60:.2f} min)")


def estimator_table(archs: tuple[str, ...], widths: tuple[int, ...], depths: tuple[int, ...],
                     budget: float) -> None:
    """Print the plain-vs-conditional table of :func:`numeric.benchmark.estimator_gains`."""
    rows = estimator_gains(benchmark_estimators(archs, widths, depths,
                                                neuron_budget=min(budget, 2e6)))
    click.echo("cost = variance of the combination-averaged Delta G^(n) per network x CPU s per "
               "network; gain = plain cost / conditional cost; rel. err. per network")
    click.echo(f"{'arch':<6} {'L':>2} {'N':>5} {'n':>2} {'Delta G':>10} {'plain rel':>10} "
               f"{'cond rel':>9} {'plain us':>9} {'cond us':>8} {'gain':>10}")
    for r in rows:
        click.echo(f"{r['arch']:<6} {r['depth']:>2} {r['width']:>5} {r['order']:>2} "
                   f"{r['delta']:>10.3g} {r['plain_rel_err']:>10.3g} "
                   f"{r['conditional_rel_err']:>9.3g} {r['plain_us']:>9.3g} "
                   f"{r['conditional_us']:>8.3g} {r['gain']:>10.3g}")
