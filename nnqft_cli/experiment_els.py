"""``nnqft experiment els-active``: the ELS active-RG experiment (u4 against sigma_W)."""
from __future__ import annotations

from pathlib import Path

import click

from numeric.experiments import ELS_SIGMAS, HMS_POINTS, els_experiment
from numeric.report import format_estimate

from .experiment_hms import _floats, resolve_scheduler, scheduler_options


@click.command()
@click.option("--sigmas", default=",".join(f"{s:g}" for s in ELS_SIGMAS), show_default=True,
              help="Comma-separated sigma_W values.")
@click.option("--width", type=click.IntRange(min=1), default=100, show_default=True,
              help="Hidden-layer width N (fixed along the flow).")
@click.option("--points", default=",".join(f"{p:g}" for p in HMS_POINTS), show_default=True)
@click.option("--n-bags", type=click.IntRange(min=2), default=30, show_default=True)
@click.option("--n-nets", type=click.IntRange(min=1), default=30000, show_default=True)
@click.option("--sigma-b", type=click.FloatRange(min=0), default=1.0, show_default=True,
              help="Bias scale >= 0 of the Gauss-net.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True)
@scheduler_options
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              default=Path("nnqft-output") / "els-active", show_default=True)
@click.option("--progress/--no-progress", default=True, show_default=True)
def command(sigmas: str, width: int, points: str, n_bags: int, n_nets: int, sigma_b: float,
            seed: int, scheduler: str, workers: int | None, out: Path, progress: bool) -> None:
    """Gauss-net u4 against sigma_W: fitted log-log slope vs the talk's 4 - d_in and the exact one."""
    scheduler, workers = resolve_scheduler(scheduler, workers)
    try:
        rg = els_experiment(out, _floats(sigmas), width, _floats(points), n_bags, n_nets, seed,
                            sigma_b, scheduler=scheduler, workers=workers, progress=progress)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"measured slope {format_estimate(rg.fit.exponent, rg.fit.exponent_err)}; "
               f"exact {rg.fit_exact.exponent:.4f}; talk {rg.talk_exponent:g}"
               + ("" if rg.agrees_with_talk else "  (disagrees with the talk: see the report)"))
    click.echo(f"Report: {out / 'report.md'}")
