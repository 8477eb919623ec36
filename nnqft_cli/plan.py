"""``nnqft plan``: how many networks a target relative error on Delta G^(n) needs (pilot run)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from nnqft_sym import make_network
from numeric.planning import PILOT_BAGS, PILOT_NETS, required_networks
from numeric.storage import save_json

from .options import (CONTEXT_SETTINGS, arch_option, d_in_option, estimator_option, points_option, reported_errors, seed_option, sigma_b_option, sigma_w_option)


@click.command(context_settings=CONTEXT_SETTINGS)
@arch_option(default="relu")
@click.option("--width", type=click.IntRange(min=1), required=True, help="Hidden-layer width N.")
@click.option("--order", type=click.IntRange(min=4), default=4, show_default=True,
              help="Even correlator order n >= 4.")
@click.option("--rel-error", type=click.FloatRange(min=0, max=1, min_open=True), required=True,
              help="Target relative error (one standard error) on Delta G^(n), in (0, 1].")
@d_in_option()
@points_option(help="Inputs: comma-separated numbers (d_in = 1) or points separated by ';' "
                    "with comma-separated coordinates [default: 1.0 in every coordinate].")
@sigma_w_option()
@sigma_b_option()
@click.option("--depth", type=click.IntRange(min=1), default=1, show_default=True,
              help="Hidden layers of width N (> 1: Delta G at leading order in 1/N).")
@estimator_option()
@click.option("--pilot-bags", type=click.IntRange(min=4), default=PILOT_BAGS, show_default=True,
              help="Bags of the pilot run.")
@click.option("--pilot-nets", type=click.IntRange(min=100), default=PILOT_NETS, show_default=True,
              help="Networks per pilot bag.")
@click.option("--n-bags", type=click.IntRange(min=2), default=20, show_default=True,
              help="Bags to split the planned networks into.")
@seed_option()
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Also write the plan as JSON to this file.")
def command(arch: str, width: int, order: int, rel_error: float, d_in: int,
            points: tuple[Any, ...] | None, sigma_w: float, sigma_b: float, depth: int,
            estimator: str | None, pilot_bags: int, pilot_nets: int, n_bags: int, seed: int,
            json_path: Path | None) -> None:
    """Networks a target relative error on Delta G^(n) needs, from a pilot run.

    The pilot measures the variance per network; the exact (depth 1) or leading-order
    Delta G sets the signal; all multisets of the points must reach the target.
    """
    if order % 2:
        raise click.BadParameter(f"expected an even order >= 4, got {order}", param_hint="'--order'")
    with reported_errors(json_path or Path.cwd()):
        net = make_network(arch, sigma_w=sigma_w, sigma_b=sigma_b, d_in=d_in, depth=depth)
        pts = points if points is not None else [[1.0] * d_in]
        plan = required_networks(net, width, pts, order, rel_error, estimator,
                                 pilot_bags=pilot_bags, pilot_nets=pilot_nets, n_bags=n_bags,
                                 rng=seed)
        click.echo(f"{net.name}: {plan}")
        i = plan.combination
        click.echo(f"  set by the multiset {plan.combos[i].tolist()} of the points: Delta G "
                   f"({plan.reference_kind}) {plan.delta_reference[i]:.4g}, variance per network "
                   f"{plan.per_network_variance[i]} (pilot); {plan.seconds_per_network:.3g} s "
                   "per network")
        if json_path is not None:
            save_json(json_path, plan.to_dict())
