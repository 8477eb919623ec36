"""A plain NumPy ensemble sampler of deep, multi-output networks for the tests (independent of
:mod:`numeric` and of :mod:`nnqft_sym.deep`).

Priors (``nnqft_sym.architectures``): first layer W ~ N(0, sigma_w^2 / d_in), hidden layers
W ~ N(0, sigma_w^2 / N), biases N(0, sigma_b^2), output W ~ N(0, sigma_w^2 / N) (v_out = sigma_w^2
for these families).  Activations are written out by hand; the Gauss-net normalisation of layer
l uses the infinite-width variance of that layer, derived by hand: s_1(x) = sigma_b^2 +
sigma_w^2 |x|^2 / d_in, and s_l = sigma_b^2 + sigma_w^2 for l >= 2 (E[e^{2z - 2s}] = 1).
"""
from __future__ import annotations

import numpy as np
from scipy.special import erf

HAND_ACTIVATIONS = {
    "gauss": lambda z, s: np.exp(z - s),
    "relu": lambda z, s: np.maximum(z, 0.0),
    "leaky_relu_0.2": lambda z, s: np.where(z > 0.0, z, 0.2 * z),
    "erf": lambda z, s: erf(z),
    "tanh": lambda z, s: np.tanh(z),
    "gelu": lambda z, s: 0.5 * z * (1.0 + erf(z / np.sqrt(2.0))),
}


def _last_hidden_features(family, points, width, depth, n_nets, sigma_w, sigma_b, rng):
    """g(z^(L)) of ``n_nets`` networks: (n_nets, width, n)."""
    n, d = points.shape
    act = HAND_ACTIVATIONS[family]
    s = sigma_b ** 2 + sigma_w ** 2 * np.sum(points ** 2, axis=1) / d
    w = rng.normal(0.0, sigma_w / np.sqrt(d), size=(n_nets, width, d))
    b = rng.normal(0.0, sigma_b, size=(n_nets, width, 1))
    g = act(np.einsum("mwd,nd->mwn", w, points) + b, s)
    for _ in range(depth - 1):
        s = np.full(n, sigma_b ** 2 + sigma_w ** 2)
        w = rng.normal(0.0, sigma_w / np.sqrt(width), size=(n_nets, width, width))
        b = rng.normal(0.0, sigma_b, size=(n_nets, width, 1))
        g = act(np.einsum("mij,mjn->min", w, g) + b, s)
    return g


def sample_deep_outputs(family: str, points: np.ndarray, width: int, depth: int, d_out: int,
                        n_nets: int, sigma_w: float, sigma_b: float, seed: int,
                        chunk: int = 2000) -> np.ndarray:
    """Outputs f_a(x) of ``n_nets`` independent networks: (n_nets, n, d_out)."""
    rng = np.random.default_rng(seed)
    out = []
    for start in range(0, n_nets, chunk):
        m = min(chunk, n_nets - start)
        g = _last_hidden_features(family, points, width, depth, m, sigma_w, sigma_b, rng)
        w = rng.normal(0.0, sigma_w / np.sqrt(width), size=(m, d_out, width))
        b = rng.normal(0.0, sigma_b, size=(m, 1, d_out))
        out.append(np.einsum("maw,mwn->mna", w, g) + b)
    return np.concatenate(out)


def sample_output_covariances(family: str, points: np.ndarray, width: int, depth: int,
                              n_nets: int, sigma_w: float, sigma_b: float, seed: int,
                              chunk: int = 2000) -> np.ndarray:
    """The conditional output covariance G_hat_ab = sigma_b^2 + (sigma_w^2 / N) sum_j g_j(a) g_j(b)
    of ``n_nets`` networks, (n_nets, n, n).  Given the last hidden layer the output is exactly
    Gaussian with this covariance, so E[G_hat] = G^(2) and N Cov(G_hat_ab, G_hat_cd) is the
    four-point vertex at finite N."""
    rng = np.random.default_rng(seed)
    out = []
    for start in range(0, n_nets, chunk):
        m = min(chunk, n_nets - start)
        g = _last_hidden_features(family, points, width, depth, m, sigma_w, sigma_b, rng)
        out.append(sigma_b ** 2 + sigma_w ** 2 / width * np.einsum("mja,mjb->mab", g, g))
    return np.concatenate(out)
