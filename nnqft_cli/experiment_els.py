"""``nnqft experiment els-active``: the ELS active-RG experiment (u4 against sigma_W)."""
from __future__ import annotations

from pathlib import Path

import click

from numeric.experiments import ELS_SIGMAS, HMS_POINTS, els_experiment
from numeric.report import format_estimate

from .options import (CONTEXT_SETTINGS, FloatList, estimator_option, out_option,
                      resolve_scheduler,
                      scheduler_options, seed_option, sigma_b_option, reported_errors)


@click.command(context_settings=CONTEXT_SETTINGS)
@click.option("--sigmas", type=FloatList(min=1e-150),
              default=",".join(f"{s:g}" for s in ELS_SIGMAS), show_default=True, help="Comma-separated sigma_W values (> 0).")
@click.option("--width", type=click.IntRange(min=1), default=100, show_default=True,
              help="Hidden-layer width N (fixed along the flow).")
@click.option("--points", type=FloatList(), default=",".join(f"{p:g}" for p in HMS_POINTS),
              show_default=True, help="Comma-separated inputs (d_in = 1).")
@click.option("--n-bags", type=click.IntRange(min=2), default=30, show_default=True)
@click.option("--n-nets", type=click.IntRange(min=1), default=30000, show_default=True)
@sigma_b_option(default=1.0)
@seed_option()
@estimator_option()
@scheduler_options
@out_option(default=Path("nnqft-output") / "els-active", help="Output folder.")
@click.option("--progress/--no-progress", default=True, show_default=True)
def command(sigmas: tuple[float, ...], width: int, points: tuple[float, ...], n_bags: int,
            n_nets: int, sigma_b: float, seed: int, estimator: str | None, scheduler: str,
            workers: int | None, out: Path, progress: bool) -> None:
    """Gauss-net u4 against sigma_W: the active RG of ELS (arXiv:2108.01403).

    Prints the fitted log-log slope against ELS's 4 - d_in and the exact one.
    """
    scheduler, workers = resolve_scheduler(scheduler, workers)
    with reported_errors(out):
        rg = els_experiment(out, sigmas, width, points, n_bags, n_nets, seed,
                            sigma_b, scheduler=scheduler, workers=workers, progress=progress,
                            estimator=estimator)
    click.echo(f"measured slope {format_estimate(rg.fit.exponent, rg.fit.exponent_err)}; "
               f"exact {rg.fit_exact.exponent:.4f}; flow equation "
               f"sigma_W du4/dsigma_W = (4 - d_in) u4 "
               f"(arXiv:2108.01403): {rg.talk_exponent:g}"
               + ("" if rg.agrees_with_talk else "  (disagrees with that flow equation: see the "
                  "report)"))
    click.echo(f"Estimator: {rg.studies[0].measurement.estimator}")
    click.echo(f"Report: {out / 'report.md'}")
