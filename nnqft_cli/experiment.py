"""``nnqft experiment ...``: the simulation experiments, one sub-command module each."""
from __future__ import annotations

import click

from .lazy import LazyGroup

#: experiment name -> module that defines ``command``
EXPERIMENT_MODULES: dict[str, str] = {
    "hms": "nnqft_cli.experiment_hms",
    "els-active": "nnqft_cli.experiment_els",
    "brg": "nnqft_cli.experiment_brg",
}


@click.group(cls=LazyGroup, modules=EXPERIMENT_MODULES)
def command() -> None:
    """Run a simulation experiment and write arrays, figures and a Markdown report."""
