"""``python -m nnqft_cli``: the same as the ``nnqft`` command."""
from .main import cli

cli()
