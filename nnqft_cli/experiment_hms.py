"""``nnqft experiment hms``: the HMS experiment (Green-function deviations and couplings vs width)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from numeric.experiments import HMS_WIDTHS, hms_experiment

from .options import (CONTEXT_SETTINGS, IntList, arch_option, d_in_option, estimator_option,
                      out_option, parse_priors, points_option, prior_option, resolve_scheduler,
                      scheduler_options, seed_option, sigma_b_option, sigma_w_option,
                      reported_errors)

#: highest order of --orders: the exact order-n values sum (n-1)!! pairings over every multiset of
#: the points (order 10 on the 6 HMS points: 18 s; order 12: 110 s and 0.6 GB; 40 would not end)
MAX_ORDER = 10


@click.command(context_settings=CONTEXT_SETTINGS)
@arch_option(default="gauss")
@click.option("--widths", type=IntList(min=1), default=",".join(map(str, HMS_WIDTHS)),
              show_default=True, help="Comma-separated widths N.")
@d_in_option()
@points_option(help="Inputs: comma-separated numbers (d_in = 1) or points separated by ';' "
                    "with comma-separated coordinates [default: the HMS setting of --arch and "
                    "--d-in, numeric.hms_setting].")
@click.option("--orders", type=IntList(min=1, max=MAX_ORDER), default="2,4,6",
              show_default=True,
              help=f"Comma-separated orders 1..{MAX_ORDER}; odd orders need a read-out mean "
                   "(a --prior file), they vanish exactly otherwise.")
@click.option("--n-bags", type=click.IntRange(min=2), default=20, show_default=True)
@click.option("--n-nets", type=click.IntRange(min=1), default=30000, show_default=True)
@sigma_w_option(default=None, help="Weight scale > 0 [default: the HMS setting's, 1].")
@sigma_b_option(default=None,
                help="Bias scale >= 0 [default: the HMS setting's: 0 for relu, 1 otherwise].")
@click.option("--cutoff", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Input-space cutoff of the vertex integrals for non-Gaussian kernels [default: 1].")
@click.option("--depth", type=click.IntRange(min=1), default=1, show_default=True,
              help="Hidden layers of width N (> 1: reference values at leading order in 1/N).")
@click.option("--d-out", type=click.IntRange(min=1), default=1, show_default=True,
              help="Output components (component 0 is measured).")
@prior_option()
@seed_option()
@estimator_option()
@scheduler_options
@out_option(default=None, help="Output folder [default: nnqft-output/hms-ARCH].")
@click.option("--progress/--no-progress", default=True, show_default=True)
def command(arch: str, widths: tuple[int, ...], d_in: int, points: tuple[Any, ...] | None,
            orders: tuple[int, ...], n_bags: int, n_nets: int, sigma_w: float | None,
            sigma_b: float | None, cutoff: float | None, depth: int, d_out: int,
            priors: tuple[str, ...], seed: int, estimator: str | None, scheduler: str,
            workers: int | None,
            out: Path | None, progress: bool) -> None:
    """Green functions of an ensemble against width, couplings u4 and u6 (HMS, arXiv:2008.08601).

    Inputs, sigma_W and sigma_b default to the HMS setting of --arch at --d-in (the report
    names it). Writes arrays, figures and a report; resumes from the completed bags when re-run
    with the same folder and settings.
    """
    out = out or Path("nnqft-output") / f"hms-{arch}"
    scheduler, workers = resolve_scheduler(scheduler, workers)
    chosen_priors = parse_priors(priors)
    with reported_errors(out):
        study = hms_experiment(out, arch, widths, points, orders, n_bags,
                               n_nets, seed, sigma_w, sigma_b, d_in=d_in, depth=depth,
                               d_out=d_out,
                               scheduler=scheduler, workers=workers, progress=progress,
                               cutoff=cutoff, priors=chosen_priors or None, estimator=estimator)
    for row in study.measurement.summary():
        if row["order"] > 2:
            click.echo(f"N={row['width']:>5} n={row['order']}  <|m|>={row['mean_abs_deviation']:.4g}  "
                       f"{'exact' if depth == 1 else 'leading 1/N'}={row['mean_abs_deviation_reference']:.4g}"
                       f"  background={row['background_deviation']:.3g}"
                       + ("  HEAVY TAIL" if row["heavy_fraction"] > 0 else ""))
    click.echo(f"Estimator: {study.measurement.estimator}")
    click.echo(f"Report: {out / 'report.md'}")
