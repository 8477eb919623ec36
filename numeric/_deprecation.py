"""Deprecated aliases: the one helper of the project, :mod:`nnqft_sym._deprecation`, re-exported."""
from nnqft_sym._deprecation import (deprecated_alias, deprecated_attribute, renamed_keywords,
                                    renamed_module_attributes, warn_renamed)

__all__ = ["renamed_keywords", "deprecated_attribute", "deprecated_alias", "renamed_module_attributes",
           "warn_renamed"]
