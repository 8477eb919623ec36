"""``nnqft experiment ...``: the simulation experiments, one sub-command module each."""
from __future__ import annotations

import click

from .lazy import LazyGroup
from .options import CONTEXT_SETTINGS

#: experiment name -> module that defines ``command``
EXPERIMENT_MODULES: dict[str, str] = {
    "hms": "nnqft_cli.experiment_hms",
    "els-active": "nnqft_cli.experiment_els",
    "brg": "nnqft_cli.experiment_brg",
    "train": "nnqft_cli.experiment_train",
}

#: experiment name -> the one-line help that ``nnqft experiment --help`` shows
EXPERIMENT_SUMMARIES: dict[str, str] = {
    "hms": "Green functions of an ensemble against width, couplings u4 and u6 (HMS, "
           "arXiv:2008.08601).",
    "els-active": "Gauss-net u4 against sigma_W: the active RG of ELS (arXiv:2108.01403).",
    "brg": "Bayesian RG: reset read-out weights below a Fisher-information cutoff.",
    "train": "Trained ensembles against the infinite-width trained GP (Lee et al., arXiv:1902.06720).",
}


@click.group(cls=LazyGroup, modules=EXPERIMENT_MODULES, summaries=EXPERIMENT_SUMMARIES,
             context_settings=CONTEXT_SETTINGS)
def command() -> None:
    """Run a simulation experiment (hms, els-active, brg, train): arrays, figures, report.

    Each writes arrays, figures and a Markdown report to its --out folder.
    """
