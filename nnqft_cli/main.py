"""The ``nnqft`` command: a click group whose sub-commands live in one module each.

Each module in :data:`COMMAND_MODULES` defines a click command (or group) named ``command``;
the group imports them lazily so that ``nnqft --help`` stays fast.
"""
from __future__ import annotations

import click

from .lazy import LazyGroup

#: sub-command name -> module that defines ``command``
COMMAND_MODULES: dict[str, str] = {
    "kernel": "nnqft_cli.kernel",
    "demo": "nnqft_cli.demo",
    "bench": "nnqft_cli.bench",
    "experiment": "nnqft_cli.experiment",
    "diagrams": "nnqft_cli.diagrams",
    "flow": "nnqft_cli.flow",
}


@click.group(cls=LazyGroup, modules=COMMAND_MODULES)
@click.version_option(package_name="nnqft")
def cli() -> None:
    """nnqft: neural networks as statistical field theories (NN-QFT correspondence)."""


if __name__ == "__main__":  # pragma: no cover
    cli()
