"""``nnqft deep``: deep networks at infinite width (criticality, RYH arXiv:2106.10165 ch. 5).

Examples::

    nnqft deep criticality --arch relu --out results/criticality
    nnqft deep criticality --activation "tanh(z)" --depth 40
    nnqft deep finite-width --arch tanh --depth 3 --widths 16,32,64,128 --out results/tanh3
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import click
import sympy as sp

from .options import (CONTEXT_SETTINGS, IntList, arch_option, estimator_option, out_option,
                      reported_errors, seed_option, sigma_b_option, sigma_w_option)

#: the weight scale relative to the critical one, and the added bias variance, of the flows
#: drawn around criticality
_SIGMA_W_FACTORS = (0.9, 1.1)
_EXTRA_BIAS_VARIANCE = 0.01


@click.group(name="deep", context_settings=CONTEXT_SETTINGS)
def command() -> None:
    """Deep networks at infinite width: criticality and the kernel against depth."""


def _settings(crit: Any) -> list[tuple[str, float, float]]:
    """(label, sigma_b, sigma_W): the critical point, sigma_W 10 % off, and a small bias."""
    sb, sw = float(crit.sigma_b), float(crit.sigma_w)
    out = [("critical", sb, sw)]
    out += [(f"sigma_W x {f:g}", sb, sw * f) for f in _SIGMA_W_FACTORS]
    out.append((f"sigma_b^2 + {_EXTRA_BIAS_VARIANCE:g}", math.sqrt(sb * sb + _EXTRA_BIAS_VARIANCE),
                sw))
    return out


def _figure(flows: list[tuple[str, float, float, Any]], title: str) -> Any:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 4))
    for label, sb, sw, flow in flows:
        ax.plot(range(1, len(flow) + 1), flow, marker="o", markersize=2.5,
                label=f"{label}: sigma_b = {sb:.4g}, sigma_W = {sw:.4g}")
    ax.set_xlabel("layer l")
    ax.set_ylabel("K^(l)(x, x)")
    ax.set_yscale("log")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7)
    return fig


@command.command(name="criticality", context_settings=CONTEXT_SETTINGS)
@arch_option(default=None)
@click.option("--activation", default=None, metavar="EXPR",
              help="Activation as an expression of z, e.g. 'tanh(z)' (read by the restricted "
                   "parser, never executed); instead of --arch.")
@click.option("--depth", type=click.IntRange(min=1), default=30, show_default=True,
              help="Hidden layers of the kernel flow in the figure.")
@click.option("--x", "x", type=float, default=1.0, show_default=True,
              help="The input x (d_in = 1) whose kernel K(x, x) flows.")
@out_option(None, "Folder for the figure kernel_flow.png (no figure if not given).")
def criticality(arch: str | None, activation: str | None, depth: int, x: float,
                out: Path | None) -> None:
    """Critical initialisation, universality class and the kernel against depth."""
    from nnqft_sym import critical_initialisation, kernel_flow, make_network

    if (arch is None) == (activation is None):
        raise click.UsageError("give exactly one of --arch and --activation")
    with reported_errors(out or Path(".")):
        source = make_network(arch) if arch is not None else activation
        crit = critical_initialisation(source)
        click.echo(f"activation: {crit.activation}")
        click.echo(f"universality class: {crit.universality_class}")
        click.echo(f"critical sigma_b = {crit.sigma_b}, sigma_W = {crit.sigma_w}"
                   + ("" if isinstance(crit.sigma_w, float)
                      else f"  ({float(crit.sigma_b):.10g}, {float(crit.sigma_w):.10g})"))
        click.echo("fixed-point kernel: " + ("every K (line of fixed points)"
                                             if crit.fixed_point_kernel is None
                                             else f"K* = {crit.fixed_point_kernel}"))
        click.echo(f"chi_parallel = {crit.chi_parallel}, chi_perp = {crit.chi_perp} at K*")
        flows = [(label, sb, sw, kernel_flow(crit.activation, sb, sw, depth, x))
                 for label, sb, sw in _settings(crit)]
        for label, *_, flow in flows:
            click.echo(f"  {label:18s} K^(1) = {flow[0]:.6g}, K^({len(flow)}) = {flow[-1]:.6g}")
        if out is not None:
            from numeric.plots import save_figure

            out.mkdir(parents=True, exist_ok=True)
            title = (f"kernel flow, {sp.sstr(crit.activation)} ({crit.universality_class}), "
                     f"x = {x:g}")
            path = save_figure(_figure(flows, title), out / "kernel_flow.png")
            click.echo(f"figure: {path}")


@command.command(name="finite-width", context_settings=CONTEXT_SETTINGS)
@arch_option(default="relu")
@click.option("--depth", type=click.IntRange(min=1), default=2, show_default=True,
              help="Hidden layers (all of width N).")
@sigma_w_option(default=None, help="Weight scale sigma_W [default: the critical one for ReLU "
                                   "(sqrt 2), else 1.5].")
@sigma_b_option(default=0.5)
@click.option("--widths", type=IntList(min=1), default="16,32,64,128,256", show_default=True,
              help="Comma-separated widths N (at least two).")
@click.option("--x", "x", type=float, default=0.5, show_default=True, help="The input (d_in = 1).")
@click.option("--n-bags", type=click.IntRange(min=2), default=16, show_default=True,
              help="Bags per width (Student-t errors over bags).")
@click.option("--budget", type=click.FloatRange(min=1, min_open=False), default=1e6,
              show_default=True, help="Neurons per bag: budget / (N * depth) networks.")
@estimator_option()
@seed_option()
@out_option(None, "Folder for report.md, study.json and the figure (nothing written if not given).")
def finite_width(arch: str, depth: int, sigma_w: float | None, sigma_b: float, widths: tuple[int, ...],
                 x: float, n_bags: int, budget: float, estimator: str | None, seed: int,
                 out: Path | None) -> None:
    """N Delta G^(4)(x,x,x,x) measured against N, with the exact leading and next order."""
    import json

    from nnqft_sym import make_network
    from numeric import deep_width_study
    from numeric.storage import atomic_write

    with reported_errors(out or Path(".")):
        if sigma_w is None:
            sigma_w = math.sqrt(2) if arch == "relu" else 1.5
        net = make_network(arch, sigma_w=sigma_w, sigma_b=sigma_b, depth=depth)
        study = deep_width_study(net, widths, x, n_bags=n_bags, budget=budget, rng=seed,
                                 estimator=estimator, progress=True)
        text = study.markdown()
        click.echo(text)
        if out is not None:
            from numeric.plots import save_figure

            out.mkdir(parents=True, exist_ok=True)
            fig = save_figure(study.plot(), out / "n_delta_g4_vs_width.png")
            atomic_write(out / "report.md", lambda f: f.write(text + "\n"), mode="w")
            doc = {"network": net.describe(), "x": x, "rows": study.rows(), "fit": study.fit(),
                   "leading": study.leading, "next_order": study.next_order,
                   "truncation_bias": study.truncation_bias, "seed": seed}
            atomic_write(out / "study.json", lambda f: json.dump(doc, f, indent=1, default=str),
                         mode="w")
            click.echo(f"figure: {fig}")
