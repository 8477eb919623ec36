r"""Information-shell coarse graining and its momentum-shell (Wilson) dictionary.

Weights with Fisher information below a cutoff :math:`\Lambda` are reset; for generalised
cos-nets the cutoff maps to a momentum :math:`k(\Lambda)` and the integrated-out ensemble to
Wilson's sharp-cutoff propagator (Howard, Klinger, Maiti, Stapleton arXiv:2405.17538; the
BRG = ERG statement of :meth:`nnqft_sym.bayesian_rg.GeneralisedCosNet.brg_wilson_proof`).
"""
from __future__ import annotations

import numpy as np

from .features import _cos_spectrum

__all__ = ["coarse_grain", "momentum_cutoff", "wilson_propagator"]


def coarse_grain(weights: np.ndarray, fisher: np.ndarray, cutoffs: np.ndarray,
                 replacement: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""Reset the weights with Fisher information below each cutoff.

    Parameters
    ----------
    weights, fisher, replacement : ndarray, shape (N,)
        Trained weights, their Fisher information, and the values of reset weights (a prior
        draw, or zeros for the prior mean).
    cutoffs : ndarray, shape (L,)

    Returns
    -------
    (ndarray (L, N), ndarray (L, N) of bool)
        Coarse-grained weights per cutoff and the reset masks :math:`F_{jj} < \Lambda`.

    Examples
    --------
    >>> a, masks = coarse_grain(np.array([1., 2.]), np.array([0.5, 3.]), np.array([1., 5.]),
    ...                         np.zeros(2))
    >>> a.tolist(), masks.sum(1).tolist()
    ([[0.0, 2.0], [0.0, 0.0]], [1, 2])
    """
    masks = fisher[None, :] < np.asarray(cutoffs, dtype=float)[:, None]
    return np.where(masks, replacement[None, :], weights[None, :]), masks


def momentum_cutoff(lam: np.ndarray, d_in: int, noise_std: float, mass: float,
                    radius: float) -> np.ndarray:
    r"""Large-box dictionary :math:`k(\Lambda)` of the generalised free-scalar cos-net.

    :math:`\lambda(k) = V_R\rho(k)/(2\sigma_n^2) = \Lambda \Rightarrow
    k^2 = V_R C/(2\sigma_n^2\Lambda) - m^2`, clipped to :math:`[0, R]`
    (:meth:`nnqft_sym.bayesian_rg.GeneralisedCosNet.momentum_cutoff`).
    """
    _, volume, rho = _cos_spectrum(int(d_in), float(mass), float(radius))
    c = rho(0.0) * mass ** 2
    k2 = volume * c / (2 * noise_std ** 2 * np.asarray(lam, dtype=float)) - mass ** 2
    return np.sqrt(np.clip(k2, 0.0, radius ** 2))


def wilson_propagator(separations: np.ndarray, k: float, d_in: int, sigma_w: float, mass: float,
                      radius: float) -> np.ndarray:
    r"""Wilson's sharp momentum-shell free propagator :math:`\sigma_W^2\int_{|p|<k} d^dp\,\rho(p)\cos(p\Delta)` at ``separations``."""
    net, _, _ = _cos_spectrum(int(d_in), float(mass), float(radius))
    return sigma_w ** 2 * net.frequency_prior.truncated_characteristic(
        net, np.asarray(separations, dtype=float) ** 2, k)



def _shell_average(samples: np.ndarray, fisher: np.ndarray, cutoffs: np.ndarray,
                   inclusive: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Mean of ``samples * 1{fisher < cutoff}`` over the last axis and its standard error, per cutoff.

    ``samples``: (P, n), ``fisher``: (n,), ``cutoffs``: (L,) -> (L, P) twice.  Sorting once and
    taking cumulative sums costs O(n log n) for all cutoffs (``inclusive``: ``<=``).
    """
    n = fisher.size
    order = np.argsort(fisher, kind="stable")
    zero = np.zeros((samples.shape[0], 1))
    first = np.concatenate([zero, np.cumsum(samples[:, order], axis=1)], axis=1)
    second = np.concatenate([zero, np.cumsum(samples[:, order] ** 2, axis=1)], axis=1)
    counts = np.searchsorted(fisher[order], cutoffs, side="right" if inclusive else "left")
    mean = first[:, counts].T / n
    var = (second[:, counts].T / n - mean ** 2) * n / (n - 1)
    return mean, np.sqrt(np.maximum(var, 0.0) / n)
