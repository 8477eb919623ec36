"""``nnqft experiment hms``: the HMS experiment (Green-function deviations and couplings vs width)."""
from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Callable

import click

from nnqft_sym.errors import CheckpointError
from numeric.distributed import SchedulerUnreachableError, check_scheduler
from numeric.experiments import HMS_WIDTHS, hms_experiment


def _ints(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(v) for v in text.split(","))
    except ValueError:
        raise click.BadParameter(f"expected comma-separated integers, got {text!r}") from None


def _floats(text: str) -> tuple[float, ...]:
    try:
        return tuple(float(v) for v in text.split(","))
    except ValueError:
        raise click.BadParameter(f"expected comma-separated numbers, got {text!r}") from None


def _points(text: str | None, d_in: int) -> tuple[Any, ...] | None:
    """``--points``: comma-separated numbers (d_in = 1) or ``;``-separated points of d_in
    comma-separated coordinates; None keeps the HMS setting's inputs."""
    if text is None:
        return None
    if d_in == 1 and ";" not in text:
        return _floats(text)
    rows = tuple(_floats(part) for part in text.split(";"))
    if any(len(r) != d_in for r in rows):
        raise click.BadParameter(f"expected points of d_in = {d_in} coordinates separated by ';' "
                                 f"(e.g. 0.5,1;1,1 for d_in = 2), got {text!r}",
                                 param_hint="--points")
    return rows


def scheduler_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--scheduler`` and ``--workers`` (shared by the experiment commands and the demo),
    and turn a damaged or busy checkpoint folder (:class:`nnqft_sym.errors.CheckpointError`)
    or an unreachable scheduler (:class:`numeric.distributed.SchedulerUnreachableError`) into
    one clean error line."""
    callback = command

    @functools.wraps(callback)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return callback(*args, **kwargs)
        except (CheckpointError, SchedulerUnreachableError) as exc:
            raise click.ClickException(str(exc)) from None

    command = click.option(
        "--workers", type=click.IntRange(min=1), default=None,
        help="Worker processes of --scheduler processes [default: 2].")(run)
    return click.option(
        "--scheduler", default="serial", show_default=True, metavar="serial|processes|ADDRESS",
        help="Where the tasks (bags, members) run: in this process, on a local Dask cluster of --workers "
             "processes, or on a running Dask scheduler (e.g. tcp://host:8786, see "
             "docs/distributed.md; waits NNQFT_SCHEDULER_TIMEOUT seconds, default 5, for "
             "it to answer); results are identical.")(command)


def resolve_scheduler(scheduler: str, workers: int | None) -> tuple[str, int]:
    """``(scheduler, workers)`` for :func:`numeric.measure`, or a click error naming the option."""
    if workers is None:
        workers = 2 if scheduler == "processes" else 1
    try:
        return check_scheduler(scheduler, workers)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--scheduler/--workers") from None


@click.command()
@click.option("--arch", type=click.Choice(["gauss", "relu", "erf"]), default="gauss", show_default=True)
@click.option("--widths", default=",".join(map(str, HMS_WIDTHS)), show_default=True,
              help="Comma-separated widths N.")
@click.option("--d-in", type=click.IntRange(min=1), default=1, show_default=True,
              help="Input dimension; 1, 2 and 3 have HMS settings (numeric.hms_setting).")
@click.option("--points", default=None,
              help="Inputs: comma-separated numbers (d_in = 1) or points separated by ';' with "
                   "comma-separated coordinates [default: the HMS setting of ARCH and d_in].")
@click.option("--orders", default="2,4,6", show_default=True, help="Comma-separated even orders.")
@click.option("--n-bags", type=click.IntRange(min=2), default=20, show_default=True)
@click.option("--n-nets", type=click.IntRange(min=1), default=30000, show_default=True)
@click.option("--sigma-w", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Weight scale > 0 [default: the HMS setting's, 1].")
@click.option("--sigma-b", type=click.FloatRange(min=0), default=None,
              help="Bias scale >= 0 [default: the HMS setting's: 0 for relu, 1 otherwise].")
@click.option("--cutoff", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Input-space cutoff of the vertex integrals for non-Gaussian kernels [default: 1].")
@click.option("--depth", type=click.IntRange(min=1), default=1, show_default=True,
              help="Hidden layers of width N (> 1: reference values at leading order in 1/N).")
@click.option("--d-out", type=click.IntRange(min=1), default=1, show_default=True,
              help="Output components (component 0 is measured).")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True)
@scheduler_options
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder [default: nnqft-output/hms-ARCH].")
@click.option("--progress/--no-progress", default=True, show_default=True)
def command(arch: str, widths: str, d_in: int, points: str | None, orders: str, n_bags: int,
            n_nets: int, sigma_w: float | None, sigma_b: float | None, cutoff: float | None,
            depth: int, d_out: int,
            seed: int, scheduler: str, workers: int | None, out: Path | None,
            progress: bool) -> None:
    """Green functions of ARCH ensembles against width, couplings u4 and u6, report and figures.

    Inputs, sigma_W and sigma_b default to the HMS setting of ARCH at --d-in (the report
    names it).

    Resumes from the completed bags when re-run with the same folder and settings.
    """
    out = out or Path("nnqft-output") / f"hms-{arch}"
    scheduler, workers = resolve_scheduler(scheduler, workers)
    try:
        study = hms_experiment(out, arch, _ints(widths), _points(points, d_in), _ints(orders),
                               n_bags, n_nets, seed, sigma_w, sigma_b, d_in=d_in, depth=depth,
                               d_out=d_out,
                               scheduler=scheduler, workers=workers, progress=progress,
                               cutoff=cutoff)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    for row in study.measurement.summary():
        if row["order"] > 2:
            click.echo(f"N={row['width']:>5} n={row['order']}  <|m|>={row['mean_abs_m']:.4g}  "
                       f"{'exact' if depth == 1 else 'leading 1/N'}={row['mean_abs_m_exact']:.4g}"
                       f"  background={row['background_m']:.3g}"
                       + ("  HEAVY TAIL" if row["heavy_fraction"] > 0 else ""))
    click.echo(f"Report: {out / 'report.md'}")
