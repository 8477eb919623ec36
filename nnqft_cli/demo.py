"""``nnqft demo``: Gauss-net and ReLU-net ensembles against the exact finite-width theory."""
from __future__ import annotations

from pathlib import Path

import click
import numpy as np

from numeric.experiments import EnsembleStudy, demo
from numeric.report import format_estimate

from .experiment_hms import resolve_scheduler, scheduler_options


def _lines(study: EnsembleStudy) -> list[str]:
    res = study.measurement
    out = [f"\n{res.name}  ({res.n_bags} bags x {res.n_nets} networks per width)",
           f"{'N':>5}  {'quantity':<4}  {'measured':>22}  {'exact':>12}  {'z':>7}"]
    summary = {(r["width"], r["order"]): r for r in res.summary()}
    for i, width in enumerate(res.widths):
        for order in (4, 6):
            r = summary[(width, order)]
            flag = "  HEAVY TAIL: few networks dominate" if r["heavy_fraction"] > 0 else ""
            out.append(f"{width:>5}  m_{order:<2}  {format_estimate(r['mean_m'], r['mean_m_err']):>22}"
                       f"  {r['mean_m_exact']:>12.5g}  {r['mean_m_z']:>7.2f}{flag}")
        q = study.quartic
        z = (q.average[i] - q.average_exact[i]) / q.average_err[i]
        flag = "  HEAVY TAIL: few networks dominate" if q.heavy_tail[i].any() else ""
        out.append(f"{width:>5}  u4    {format_estimate(q.average[i], q.average_err[i]):>22}"
                   f"  {q.average_exact[i]:>12.5g}  {z:>7.2f}{flag}")
    fit = study.width_fit()
    if fit is not None:
        out.append(f"u4 against width: exponent {format_estimate(fit.exponent, fit.exponent_err)}"
                   " (exact: -1)")
    return out


@click.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              default=Path("nnqft-output") / "demo", show_default=True,
              help="Output folder (report.md, figures/, arrays; an interrupted run resumes).")
@click.option("--quick", is_flag=True, help="Tiny ensembles (seconds), e.g. for tests.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True)
@scheduler_options
@click.option("--progress/--no-progress", default=True, show_default=True)
def command(out: Path, quick: bool, seed: int, scheduler: str, workers: int | None,
            progress: bool) -> None:
    """Measure m_4, m_6 and u4 of Gauss-net and ReLU-net ensembles against exact values.

    Reduced HMS scale (widths 2, 5, 20, 100, 500; 20 bags x 30000 networks; about two
    minutes on 2 cores with --scheduler processes).  Values flagged HEAVY TAIL are dominated
    by a few networks.
    """
    scheduler, workers = resolve_scheduler(scheduler, workers)
    studies = demo(out, quick=quick, seed=seed, scheduler=scheduler, workers=workers,
                   progress=progress)
    for study in studies:
        click.echo("\n".join(_lines(study)))
    click.echo(f"\nReport: {out / 'report.md'}  (figures in {out / 'figures'})")
    if not all(np.isfinite(s.quartic.average).all() for s in studies):
        raise click.ClickException("non-finite coupling estimates")
