"""Tolerances and statistical asserts shared by the test suite (one place, as in neural-tangents)."""
from __future__ import annotations

import numpy as np

#: closed form vs closed form, or vs mpmath
EXACT_RTOL = 1e-10
#: closed form vs deterministic quadrature
QUAD_RTOL = 1e-8
#: number of standard errors a Monte-Carlo estimate may deviate from an exact value
K_SIGMA = 4.0


def mc_mean(samples: np.ndarray, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard error of i.i.d. samples along ``axis``."""
    samples = np.asarray(samples)
    n = samples.shape[axis]
    return samples.mean(axis=axis), samples.std(axis=axis, ddof=1) / np.sqrt(n)


def assert_mc_agrees(estimate, stderr, exact, k: float = K_SIGMA, what: str = "") -> None:
    """Assert |estimate - exact| <= k * stderr elementwise (stderr must be positive)."""
    estimate, stderr, exact = map(np.asarray, (estimate, stderr, exact))
    assert np.all(stderr > 0), f"{what}: standard error must be positive"
    z = np.abs(estimate - exact) / stderr
    assert np.all(z <= k), f"{what}: z-scores {np.round(z, 2)} exceed {k} (est {estimate}, exact {exact})"
