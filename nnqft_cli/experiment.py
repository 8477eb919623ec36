"""``nnqft experiment ...``: the simulation experiments, one sub-command module each."""
from __future__ import annotations

import importlib

import click

#: experiment name -> module that defines ``command``
EXPERIMENT_MODULES: dict[str, str] = {
    "hms": "nnqft_cli.experiment_hms",
    "els-active": "nnqft_cli.experiment_els",
}


class _LazyExperiments(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(EXPERIMENT_MODULES)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in EXPERIMENT_MODULES:
            return None
        return importlib.import_module(EXPERIMENT_MODULES[name]).command


@click.group(cls=_LazyExperiments)
def command() -> None:
    """Run a simulation experiment and write arrays, figures and a Markdown report."""
