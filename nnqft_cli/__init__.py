"""Command-line layer of nnqft: the only package that sits on top of nnqft_sym, feynman and numeric."""
