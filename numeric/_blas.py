"""How many BLAS threads the work of a block may use.

Many of nnqft's products are small (slabs of a few hundred networks, 200 x 200 solves), where a
second OpenBLAS thread costs more than it gains on a busy machine; the estimators, the Bayesian
RG and the thread scheduler limit themselves through :func:`blas_threads`.
"""
from __future__ import annotations

import functools
from contextlib import AbstractContextManager
from typing import Any

from threadpoolctl import ThreadpoolController


@functools.cache
def _controller() -> ThreadpoolController:
    """The loaded BLAS libraries, inspected once (a few ms), when first needed."""
    return ThreadpoolController()


def blas_threads(limit: int) -> AbstractContextManager[Any]:
    """A context in which BLAS uses at most ``limit`` threads (threadpoolctl).

    Examples
    --------
    >>> import numpy as np
    >>> with blas_threads(1):
    ...     float(np.ones((2, 2)) @ np.ones(2) @ np.ones(2))
    4.0
    """
    return _controller().limit(limits=limit, user_api="blas")
