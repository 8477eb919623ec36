r"""Training of the read-out layer: Bayesian posterior mean (ridge) or exact gradient descent."""
from __future__ import annotations

import numpy as np

from nnqft_sym.validation import check_integer

from ._common import check_positive

__all__ = ["ridge_readout", "gradient_descent_readout"]


def ridge_readout(features: np.ndarray, y: np.ndarray, prior_variance: float,
                  noise_std: float) -> np.ndarray:
    r"""Bayesian posterior mean of the read-out weights (ridge regression), dual form.

    Prior :math:`a \sim N(0, v I)`, likelihood :math:`y \sim N(Ha, \sigma_n^2 I)`:
    :math:`\bar a = v H^T (v H H^T + \sigma_n^2 I)^{-1} y` (an :math:`n\times n` solve).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> H, y = rng.standard_normal((5, 20)), rng.standard_normal(5)
    >>> a = ridge_readout(H, y, 1.0, 0.1)
    >>> bool(np.allclose(a, np.linalg.solve(H.T @ H + 0.01 * np.eye(20), H.T @ y)))
    True
    """
    v = check_positive(prior_variance, "prior_variance")
    noise_std = check_positive(noise_std, "noise_std")
    gram = features @ features.T
    gram *= v
    gram[np.diag_indices_from(gram)] += noise_std ** 2
    return v * (features.T @ np.linalg.solve(gram, y))


def gradient_descent_readout(features: np.ndarray, y: np.ndarray, a0: np.ndarray, steps: int,
                             learning_rate: float | None = None) -> np.ndarray:
    r"""``steps`` steps of plain gradient descent on :math:`L(a) = \frac{1}{2n}|Ha - y|^2` from ``a0``.

    With :math:`G = HH^T/n = U\,\mathrm{diag}(s)\,U^T` and :math:`r_0 = Ha_0 - y`, the iterates
    are exactly :math:`a_T = a_0 - \frac{1}{n} H^T U\,\mathrm{diag}\big((1 - (1 - \eta s)^T)/s\big)
    U^T r_0` (:math:`\eta T` where :math:`s = 0`).  Default :math:`\eta = 1/s_{max}`.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> H, y, a = rng.standard_normal((6, 10)), rng.standard_normal(6), np.zeros(10)
    >>> eta = 0.05
    >>> loop = a.copy()
    >>> for _ in range(30):
    ...     loop -= eta * H.T @ (H @ loop - y) / 6
    >>> bool(np.allclose(gradient_descent_readout(H, y, a, 30, eta), loop))
    True
    """
    steps = check_integer(steps, "steps", 0)
    n = features.shape[0]
    s, u = np.linalg.eigh(features @ features.T / n)
    s = np.maximum(s, 0.0)
    eta = 1.0 / s[-1] if learning_rate is None else check_positive(learning_rate, "learning_rate")
    if eta * s[-1] >= 2:
        raise ValueError(f"learning_rate = {eta} diverges: it must be < 2 / s_max = {2 / s[-1]}")
    small = s < 1e-300
    with np.errstate(divide="ignore"):  # eta * s = 1 gives log1p(-1) = -inf: (1 - 0^T) / s
        decay = -np.expm1(steps * np.log1p(-eta * s))
    coeff = np.where(small, eta * steps, decay / np.where(small, 1, s))
    r0 = features @ a0 - y
    return a0 - features.T @ (u @ (coeff * (u.T @ r0))) / n
