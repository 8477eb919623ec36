"""A deliberately plain Monte-Carlo sampler for the tests: independent of :mod:`numeric`.

Activations are written out by hand here (on purpose: this is the independent check of the
SymPy-derived library code).
"""
from __future__ import annotations

import numpy as np
from scipy.special import erf

HAND_ACTIVATIONS = {
    "gauss": lambda z, s: np.exp(z - s),
    "relu": lambda z, s: np.maximum(z, 0.0),
    "erf": lambda z, s: erf(z),
}


def sample_network_outputs(family: str, points: np.ndarray, width: int, n_nets: int,
                           sigma_w: float, sigma_b: float, seed: int) -> np.ndarray:
    """f(x) for ``n_nets`` independent networks at ``points`` (n, d_in); returns (n_nets, n)."""
    rng = np.random.default_rng(seed)
    n, d = points.shape
    w0 = rng.normal(0.0, sigma_w / np.sqrt(d), size=(n_nets, width, d))
    if family == "cos":
        b0 = rng.uniform(-np.pi, np.pi, size=(n_nets, width))
        g = np.cos(np.einsum("mwd,nd->mwn", w0, points) + b0[..., None])
        w1 = rng.normal(0.0, np.sqrt(2) * sigma_w / np.sqrt(width), size=(n_nets, width))
    else:
        b0 = rng.normal(0.0, sigma_b, size=(n_nets, width))
        s = sigma_b ** 2 + sigma_w ** 2 * np.sum(points ** 2, axis=1) / d
        z = np.einsum("mwd,nd->mwn", w0, points) + b0[..., None]
        g = HAND_ACTIVATIONS[family](z, s)
        w1 = rng.normal(0.0, sigma_w / np.sqrt(width), size=(n_nets, width))
    b1 = rng.normal(0.0, sigma_b, size=(n_nets, 1))
    return np.einsum("mw,mwn->mn", w1, g) + b1
