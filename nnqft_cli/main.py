"""The ``nnqft`` command: a click group whose sub-commands live in one module each.

Each module in :data:`COMMAND_MODULES` defines a click command (or group) named ``command``;
the group imports them lazily and lists them from :data:`COMMAND_SUMMARIES`, so that
``nnqft --help`` imports no scientific package.
"""
from __future__ import annotations

import os

import click

from .lazy import LazyGroup
from .options import CONTEXT_SETTINGS

#: sub-command name -> module that defines ``command``
COMMAND_MODULES: dict[str, str] = {
    "kernel": "nnqft_cli.kernel",
    "demo": "nnqft_cli.demo",
    "bench": "nnqft_cli.bench",
    "experiment": "nnqft_cli.experiment",
    "diagrams": "nnqft_cli.diagrams",
    "flow": "nnqft_cli.flow",
    "plan": "nnqft_cli.plan",
    "deep": "nnqft_cli.deep",
}

#: sub-command name -> the one-line help that ``nnqft --help`` shows
COMMAND_SUMMARIES: dict[str, str] = {
    "kernel": "GP kernel of an architecture, its momentum propagator and an exact finite-width "
              "table.",
    "demo": "Gauss-net and ReLU-net ensembles against the exact finite-width theory (< 1 min).",
    "bench": "Benchmark the sampler and whole bags against the Gaussian-draw floor.",
    "experiment": "Run a simulation experiment (hms, els-active, brg, train): arrays, figures, report.",
    "diagrams": "Enumerate Feynman diagrams: lines, symmetry factor, loops, expression.",
    "flow": "LPA beta functions, Wilson-Fisher fixed point and critical exponents.",
    "plan": "Networks a target relative error on Delta G^(n) needs, from a pilot run.",
    "deep": "Deep networks at infinite width: criticality and the kernel against depth.",
}


@click.group(cls=LazyGroup, modules=COMMAND_MODULES, summaries=COMMAND_SUMMARIES,
             context_settings=CONTEXT_SETTINGS)
@click.version_option(package_name="nnqft")
def cli() -> None:
    """nnqft: neural networks as statistical field theories (NN-QFT correspondence)."""
    # the command writes PNG files and shows no window: the non-interactive Agg for this process
    # (and its worker processes). The libraries never choose a backend (a notebook keeps its own).
    os.environ["MPLBACKEND"] = "Agg"


if __name__ == "__main__":  # pragma: no cover
    cli()
