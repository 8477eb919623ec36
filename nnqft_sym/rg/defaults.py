"""The default LPA setting, defined once: used by :func:`~nnqft_sym.rg.lpa_beta_functions`,
:func:`~nnqft_sym.rg.critical_exponents` and the ``nnqft flow`` command.

The expansion about the running minimum is the default because its truncations converge to
the LPA exponents (nu -> 0.6496 in d = 3 with the Litim regulator, arXiv:hep-th/0111159) much
faster than the expansion about zero (see docs/rg.md).

Examples
--------
>>> from nnqft_sym.rg import DEFAULT_EXPANSION, DEFAULT_REGULATOR, DEFAULT_SCHEME
>>> DEFAULT_SCHEME, DEFAULT_REGULATOR, DEFAULT_EXPANSION
('wetterich', 'litim', 'minimum')
"""
from __future__ import annotations

__all__ = ["DEFAULT_SCHEME", "DEFAULT_REGULATOR", "DEFAULT_EXPANSION", "DEFAULT_TRUNCATION"]

#: exact RG equation of the LPA flows
DEFAULT_SCHEME = "wetterich"
#: Wetterich regulator
DEFAULT_REGULATOR = "litim"
#: expansion point of the truncated potential
DEFAULT_EXPANSION = "minimum"
#: highest power of rho = phi^2/2 kept when a caller (the CLI) needs a default truncation
DEFAULT_TRUNCATION = 4
