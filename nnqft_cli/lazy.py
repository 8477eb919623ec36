"""A click group that imports its sub-commands only when they are used."""
from __future__ import annotations

import importlib
from typing import Any

import click


class LazyGroup(click.Group):
    """Sub-commands given as ``{name: module}``; each module defines a click command ``command``.

    Keeping the import lazy keeps ``nnqft --help`` fast and lets each sub-command live in a
    module of its own.
    """

    def __init__(self, *args: Any, modules: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.modules = modules

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(self.modules)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in self.modules:
            return None
        return importlib.import_module(self.modules[name]).command
