"""``nnqft experiment train``: finite networks trained by gradient descent against the trained GP."""
from __future__ import annotations

from pathlib import Path

import click

from numeric.report import format_estimate
from numeric.training_experiment import TRAINING_SET, training_experiment

from .options import (CONTEXT_SETTINGS, FloatList, IntList, arch_option, out_option,
                      reported_errors, resolve_scheduler, scheduler_options, seed_option,
                      sigma_b_option, sigma_w_option)


@click.command(context_settings=CONTEXT_SETTINGS)
@arch_option(default="erf")
@click.option("--widths", type=IntList(min=1), default="8,32,128", show_default=True,
              help="Comma-separated hidden-layer widths N.")
@click.option("--n-nets", type=click.IntRange(min=8), default=1000, show_default=True,
              help="Networks trained per width.")
@click.option("--steps", type=click.IntRange(min=0), default=30, show_default=True,
              help="Full-batch gradient-descent steps.")
@click.option("--learning-rate", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Step size eta (must be < 2 / lambda_max of the NTK on the training inputs) "
                   "[default: 1 / lambda_max].")
@click.option("--depth", type=click.IntRange(min=1), default=1, show_default=True,
              help="Number of hidden layers.")
@click.option("--readout-only", is_flag=True, help="Train only the read-out weights and bias.")
@click.option("--parameterisation", type=click.Choice(["ntk", "standard"]), default="ntk",
              show_default=True,
              help="ntk: standard-normal parameters, scales in the forward pass; standard: the "
                   "weights and biases themselves, step eta/N (not with --brg).")
@click.option("--brg", is_flag=True,
              help="Add the Bayesian RG of the trained network: information shells of the Fisher "
                   "metric of all parameters and of the read-out, at infinite width and measured "
                   "(figures/brg_flow.png, brg_flow.npz, a report section).")
@click.option("--noise-std", type=click.FloatRange(min=0, min_open=True), default=0.1,
              show_default=True, help="sigma_n of the Gaussian likelihood of the Fisher metric (--brg).")
@click.option("--x-train", type=FloatList(), default=",".join(f"{v:g}" for v in TRAINING_SET["x_train"]),
              show_default=True, help="Comma-separated training inputs (d_in = 1).")
@click.option("--y-train", type=FloatList(), default=",".join(f"{v:g}" for v in TRAINING_SET["y_train"]),
              show_default=True, help="Comma-separated targets, one per training input.")
@click.option("--x-test", type=FloatList(), default=",".join(f"{v:g}" for v in TRAINING_SET["x_test"]),
              show_default=True, help="Comma-separated test inputs.")
@sigma_w_option()
@sigma_b_option()
@seed_option()
@scheduler_options
@out_option(default=Path("nnqft-output") / "train", help="Output folder.")
@click.option("--progress/--no-progress", default=True, show_default=True)
def command(arch: str, widths: tuple[int, ...], n_nets: int, steps: int,
            learning_rate: float | None, depth: int, readout_only: bool, parameterisation: str,
            brg: bool,
            noise_std: float, x_train: tuple[float, ...],
            y_train: tuple[float, ...], x_test: tuple[float, ...], sigma_w: float, sigma_b: float,
            seed: int, scheduler: str, workers: int | None, out: Path, progress: bool) -> None:
    """Trained ensembles against the infinite-width trained GP (Lee et al., arXiv:1902.06720).

    Trains --n-nets networks per width (NTK parameterisation, or --parameterisation standard),
    compares their output
    after --steps steps with nnqft_sym.trained_gp and fits the deviation to c N^p; writes the
    ensembles (one task per width on --scheduler; resumable), a figure and report.md to --out.
    With --brg also the Bayesian RG flow of the trained network at any depth (arXiv:2405.17538).
    """
    scheduler, workers = resolve_scheduler(scheduler, workers)
    with reported_errors(out):
        study = training_experiment(out, arch, widths, x_train=x_train, y_train=y_train,
                                    x_test=x_test, n_nets=n_nets, steps=steps,
                                    learning_rate=learning_rate, seed=seed, sigma_w=sigma_w,
                                    sigma_b=sigma_b, depth=depth, readout_only=readout_only,
                                    brg=brg, noise_std=noise_std,
                                    parameterisation=parameterisation, scheduler=scheduler,
                                    workers=workers, progress=progress)
    if study.fit is not None:
        click.echo(f"deviation of the trained mean ~ N^p, p = "
                   f"{format_estimate(study.fit.exponent, study.fit.exponent_err)} "
                   f"(1/N: p = -1)")
    if study.brg_flows is not None:
        flow = study.brg_flows["readout" if readout_only else "full"]
        click.echo("Fisher eigenvalues: " + ", ".join(f"{v:.4g}" for v in flow.information))
    click.echo(f"Report: {out / 'report.md'}")
