"""The ``nnqft`` command: a click group whose sub-commands live in one module each.

Each module in :data:`COMMAND_MODULES` defines a click command (or group) named ``command``;
the group imports them lazily so that ``nnqft --help`` stays fast.
"""
from __future__ import annotations

import importlib

import click

#: sub-command name -> module that defines ``command``
COMMAND_MODULES: dict[str, str] = {
    "kernel": "nnqft_cli.kernel",
    "demo": "nnqft_cli.demo",
    "bench": "nnqft_cli.bench",
    "experiment": "nnqft_cli.experiment",
    "diagrams": "nnqft_cli.diagrams",
}


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMAND_MODULES)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMAND_MODULES:
            return None
        return importlib.import_module(COMMAND_MODULES[name]).command


@click.group(cls=_LazyGroup)
@click.version_option(package_name="nnqft")
def cli() -> None:
    """nnqft: neural networks as statistical field theories (NN-QFT correspondence)."""


if __name__ == "__main__":  # pragma: no cover
    cli()
