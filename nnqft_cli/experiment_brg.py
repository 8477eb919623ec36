"""``nnqft experiment brg``: information-shell (Bayesian RG) coarse graining of a trained ensemble."""
from __future__ import annotations

import time
from pathlib import Path

import click

from numeric.bayesian_rg import REFERENCE_SIZES, run_brg_experiment, write_brg_report

from .options import (CONTEXT_SETTINGS, FloatList, out_option, resolve_scheduler,
                      scheduler_options, seed_option, reported_errors)

#: sizes of ``--quick`` (a few seconds)
QUICK = {"n_members": 20, "width": 300, "n_train": 100, "n_test": 100, "n_mc": 20000}


@click.command(context_settings=CONTEXT_SETTINGS)
@click.option("--features", type=click.Choice(["relu", "cos"]), default="relu", show_default=True,
              help="Frozen feature map: ReLU (reference) or generalised cos-net (free scalar).")
@click.option("--n-members", type=click.IntRange(min=3), default=None,
              help=f"Ensemble size [default: {REFERENCE_SIZES['n_members']}; --quick: {QUICK['n_members']}].")
@click.option("--width", type=click.IntRange(min=1), default=None,
              help=f"Number of features N [default: {REFERENCE_SIZES['width']}; --quick: {QUICK['width']}].")
@click.option("--n-train", type=click.IntRange(min=1), default=None,
              help=f"Training points [default: {REFERENCE_SIZES['n_train']}].")
@click.option("--lambdas", type=FloatList(min=0), default=None,
              help="Comma-separated information cutoffs [default: 25 log-spaced over the Fisher spectrum].")
@click.option("--training", type=click.Choice(["ridge", "gd"]), default="ridge", show_default=True)
@click.option("--reset", type=click.Choice(["prior", "mean"]), default="prior", show_default=True,
              help="Reset sloppy weights to a prior draw or to the prior mean 0.")
@click.option("--noise-std", type=click.FloatRange(min=0, min_open=True), default=0.1, show_default=True)
@seed_option()
@click.option("--quick", is_flag=True, help="Small sizes for a smoke run.")
@scheduler_options
@out_option(default=None, help="Output folder [default: nnqft-output/brg-FEATURES].")
@click.option("--checkpoint-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Per-member checkpoints; rerunning the same command resumes "
                   "[default: OUT/members].")
@click.option("--progress/--no-progress", default=True, show_default=True)
def command(features: str, n_members: int | None, width: int | None, n_train: int | None,
            lambdas: tuple[float, ...] | None, training: str, reset: str, noise_std: float,
            seed: int, quick: bool, scheduler: str, workers: int | None, out: Path | None,
            checkpoint_dir: Path | None, progress: bool) -> None:
    """Bayesian RG: reset read-out weights below a Fisher-information cutoff.

    Trains an ensemble, resets the sloppy read-out weights, writes a report and figures.

    The ensemble members run in this process (default) or, with --scheduler, on a Dask
    cluster, with bit-identical results; finished members are checkpointed, so an
    interrupted run resumes.
    """
    scheduler, workers = resolve_scheduler(scheduler, workers)
    sizes = {**REFERENCE_SIZES, **(QUICK if quick else {})}
    sizes.pop("d_in")
    for name, value in (("n_members", n_members), ("width", width), ("n_train", n_train)):
        if value is not None:
            sizes[name] = value
    out = out or Path("nnqft-output") / f"brg-{features}"
    checkpoint_dir = checkpoint_dir or out / "members"
    start = time.perf_counter()
    with reported_errors(out):
        result = run_brg_experiment(features=features, cutoffs=lambdas, training=training,
                                    reset=reset, noise_std=noise_std, seed=seed,
                                    scheduler=scheduler, workers=workers,
                                    checkpoint_dir=checkpoint_dir, progress=progress, **sizes)
    seconds = time.perf_counter() - start
    report = write_brg_report(result, out, seconds)
    click.echo(f"baseline test MSE {result.baseline_loss:.4g} ± {result.baseline_loss_err:.2g}; "
               f"critical cutoff {result.critical_cutoff:.4g}; {seconds:.1f} s")
    click.echo(f"Report: {report}")
