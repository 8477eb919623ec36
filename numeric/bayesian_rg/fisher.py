r"""Diagonal Fisher information of the read-out weights, analytic and empirical.

For the Gaussian likelihood :math:`y \sim N(f(x), \sigma_n^2)` of a network
:math:`f = \sum_j a_j h_j` the Fisher information of :math:`a_j` is
:math:`F_{jj} = E_x[h_j(x)^2]/\sigma_n^2` (Howard, Klinger, Maiti, Stapleton arXiv:2405.17538,
Sec. 5; here in closed form over the input distribution instead of a dense Fisher matrix).

:func:`fisher_modes` is the dense Fisher metric of *any* parameter set on a sample of n inputs,
:math:`F = J^T J/(n\sigma_n^2)` (the empirical :math:`E_x`), diagonalised through the
:math:`n\times n` dual :math:`J J^T` (the tangent kernel Gram matrix).
"""
from __future__ import annotations

import numpy as np
import scipy.special as sps

from nnqft_sym.gradient_flow import _NULL_RTOL

from ._common import check_positive, mean_err
from .features import InputDistribution, RandomFeatureMap, sample_feature_map  # noqa: F401 (doctests)

__all__ = ["fisher_diagonal", "empirical_fisher_diagonal", "fisher_modes"]


def fisher_diagonal(fmap: RandomFeatureMap, inputs: InputDistribution,
                    noise_std: float) -> np.ndarray:
    r"""Analytic diagonal Fisher information :math:`F_{jj} = E_x[h_j(x)^2]/\sigma_n^2` of the read-out weights.

    - cos: :math:`A_j^2\,(1 + E_x\cos(2 w_j\cdot x + 2 b_j))/2`, with the closed-form
      average of :meth:`InputDistribution.mean_cos` (Gaussian: damping
      :math:`e^{-2 s^2|w|^2}`; box: :math:`\prod_k \mathrm{sinc}(2 w_k s)`);
    - ReLU, Gaussian inputs: :math:`z = w\cdot x + b \sim N(\mu, \tau^2)`,
      :math:`E[\max(0,z)^2] = (\mu^2 + \tau^2)\Phi(\mu/\tau) + \mu\tau\varphi(\mu/\tau)`;
    - ReLU, box inputs (``d_in = 1``): :math:`(\max(0,z_+)^3 - \max(0,z_-)^3)/(3|w|\,2s)`.

    Returns
    -------
    ndarray, shape (N,)

    Raises
    ------
    ValueError
        ReLU features with box inputs in ``d_in > 1`` (no closed form implemented), or a
        non-positive ``noise_std``.

    Examples
    --------
    >>> fmap = sample_feature_map("relu", 4, 1, np.random.default_rng(1))
    >>> fisher_diagonal(fmap, InputDistribution("gauss", 1, 0.0, 1.0), 1.0).shape
    (4,)
    """
    noise_std = check_positive(noise_std, "noise_std")
    if fmap.w.shape[1] != inputs.d_in:
        raise ValueError(f"feature map has d_in = {fmap.w.shape[1]}, inputs have {inputs.d_in}")
    if fmap.kind == "cos":
        second = 0.5 * fmap.amplitude ** 2 * (1 + inputs.mean_cos(2 * fmap.w, 2 * fmap.b))
    elif inputs.kind == "gauss":
        mu = fmap.b + inputs.center * fmap.w.sum(-1)
        tau = inputs.scale * np.linalg.norm(fmap.w, axis=-1)
        t = mu / tau
        second = (mu ** 2 + tau ** 2) * sps.ndtr(t) + mu * tau * np.exp(-0.5 * t * t) / np.sqrt(2 * np.pi)
    elif inputs.d_in == 1:
        w = fmap.w[:, 0]
        ends = np.stack([w * (inputs.center - inputs.scale), w * (inputs.center + inputs.scale)])
        ends += fmap.b
        hi, lo = np.max(ends, 0), np.min(ends, 0)
        second = (np.maximum(hi, 0) ** 3 - np.maximum(lo, 0) ** 3) / (3 * np.abs(w) * 2 * inputs.scale)
    else:
        raise ValueError("the analytic Fisher information of ReLU features on box inputs is "
                         "implemented for d_in = 1 only; use Gaussian inputs for d_in > 1")
    return second / noise_std ** 2


def empirical_fisher_diagonal(features: np.ndarray, noise_std: float
                              ) -> tuple[np.ndarray, np.ndarray]:
    r"""Empirical :math:`\overline{h_j^2}/\sigma_n^2` over the rows of ``features`` and its standard error."""
    noise_std = check_positive(noise_std, "noise_std")
    mean, err = mean_err(features ** 2)
    return mean / noise_std ** 2, err / noise_std ** 2


def fisher_modes(jacobian: np.ndarray, noise_std: float
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Eigen-decomposition of the empirical Fisher metric :math:`F = J^T J/(n\sigma_n^2)` of all parameters.

    :math:`J_{aA} = \partial f(x_a)/\partial\theta_A` on n inputs.  The non-zero spectrum of F
    is that of the Gram matrix :math:`J J^T/(n\sigma_n^2) = \hat\Theta(X, X)/(n\sigma_n^2)`
    (the empirical tangent kernel; for the read-out alone the NNGP Gram matrix):
    :math:`J J^T = U\,\mathrm{diag}(n\sigma_n^2\lambda)\,U^T` gives the parameter directions
    :math:`v_k = J^T u_k/\sqrt{n\sigma_n^2\lambda_k}` with :math:`F v_k = \lambda_k v_k`, which
    move the outputs on the inputs along the function-space mode
    :math:`J v_k \propto u_k` (Howard, Klinger, Maiti, Stapleton arXiv:2405.17538; Lee et al.
    arXiv:1902.06720 for the tangent kernel).

    Parameters
    ----------
    jacobian : ndarray ``(n, P)``
    noise_std : float > 0

    Returns
    -------
    (ndarray (r,), ndarray (P, r), ndarray (n, r))
        The r non-zero eigenvalues :math:`\lambda_k` (descending), the unit parameter
        directions :math:`v_k` and the function-space modes :math:`u_k`.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> jac = rng.standard_normal((3, 8))
    >>> lam, v, u = fisher_modes(jac, 0.5)
    >>> dense = np.linalg.eigvalsh(jac.T @ jac / (3 * 0.25))[::-1][:3]
    >>> bool(np.allclose(lam, dense)), bool(np.allclose(v.T @ v, np.eye(3)))
    (True, True)
    """
    noise_std = check_positive(noise_std, "noise_std")
    jac = np.asarray(jacobian, dtype=float)
    if jac.ndim != 2 or not np.all(np.isfinite(jac)):
        raise ValueError(f"jacobian must be a finite (n, P) array, got shape {jac.shape}")
    scale = jac.shape[0] * noise_std ** 2
    gram, modes = np.linalg.eigh(jac @ jac.T)
    gram, modes = gram[::-1], modes[:, ::-1]
    keep = gram > _NULL_RTOL * max(jac.shape) * max(float(gram[0]), 0.0)
    gram, modes = gram[keep], modes[:, keep]
    return gram / scale, jac.T @ modes / np.sqrt(gram), modes
