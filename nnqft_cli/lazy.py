"""A click group that imports its sub-commands only when they are used."""
from __future__ import annotations

import importlib
from typing import Any

import click


class LazyGroup(click.Group):
    """Sub-commands given as ``{name: module}``; each module defines a click command ``command``.

    ``summaries`` (``{name: one-line help}``) lets ``--help`` list the sub-commands without
    importing them (a test checks each summary against the command's own help), so
    ``nnqft --help`` imports neither SymPy nor NumPy and each sub-command lives in a module of
    its own.
    """

    def __init__(self, *args: Any, modules: dict[str, str], summaries: dict[str, str],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        missing = set(modules) ^ set(summaries)
        if missing:
            raise ValueError(f"modules and summaries must name the same commands; "
                             f"differ in {sorted(missing)}")
        self.modules = modules
        self.summaries = summaries

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(self.modules)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in self.modules:
            return None
        command = importlib.import_module(self.modules[name]).command
        command.name = name  # the modules' functions are all called ``command`` (sphinx-click reads it)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, self.summaries[name]) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)
