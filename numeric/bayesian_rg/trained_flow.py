r"""Bayesian RG of trained infinitely wide networks at any depth: information shells of the full Fisher metric.

At infinite width a network trained by gradient flow on the squared loss is linear in its
parameters, :math:`f_t(x) = f_0(x) + J(x)\,\delta\theta_t` with a constant Jacobian whose
Gram matrix is the tangent kernel :math:`J(x) J(y)^T = \Theta(x, y)` (:mod:`nnqft_sym.ntk`,
Lee et al. arXiv:1902.06720).  The Fisher metric of *all* parameters for the Gaussian
likelihood of noise :math:`\sigma_n^2` on the n training inputs,
:math:`F = J(X)^T J(X)/(n\sigma_n^2)` (the empirical :math:`E_x`, the convention of
:func:`~numeric.bayesian_rg.fisher_diagonal`; the total Fisher of the n points is n F), has
the non-zero eigenvalues :math:`\lambda_k = \theta_k/(n\sigma_n^2)` of the NTK Gram matrix
:math:`\Theta(X, X) = U\,\mathrm{diag}(\theta)\,U^T`, with parameter directions
:math:`v_k \propto J^T u_k` that move the function along the NTK eigenmode :math:`u_k`
(:func:`~numeric.bayesian_rg.fisher_modes`).  Training moves the parameters only in the span of
the :math:`v_k`: :math:`\delta\theta_t = \sum_k v_k\,\sqrt{n\sigma_n^2\lambda_k}\,c_k\,
u_k^T (Y - f_0(X))` with the factors :math:`c_k` of :class:`nnqft_sym.TrainingModes`.

**Information-shell coarse graining** (Howard, Klinger, Maiti, Stapleton arXiv:2405.17538):
the components of :math:`\delta\theta` along sloppy directions, :math:`\lambda_k < \Lambda`, are
reset to their prior (initial) values, with :func:`~numeric.bayesian_rg.coarse_grain` applied
to the mode amplitudes.  The coarse-grained network is again Gaussian,
:math:`f_\Lambda = f_0 + A_\Lambda (Y - f_0(X))`,
:math:`A_\Lambda = \Theta(x, X)\,U\,\mathrm{diag}(c_k 1\{\lambda_k \ge \Lambda\})\,U^T`
(:func:`nnqft_sym.linearised_prediction`): at :math:`\Lambda \to 0` the trained GP of
:func:`nnqft_sym.trained_gp`, above the largest eigenvalue the prior.  Raising :math:`\Lambda`
is the information-theoretic UV -> IR flow; training is its inverse.

``fisher="readout"`` uses the Fisher metric of the read-out weights and bias alone, whose Gram
matrix is the NNGP kernel K (the parameter set of the random-feature experiment
:func:`~numeric.bayesian_rg.run_brg_experiment`), and the network trained in the read-out
only; ``"full"`` the tangent kernel of every layer, any depth and activation.

The *kept-mode two-point function* is the prior covariance of the linearised output restricted
to the kept parameter directions, :math:`G_\Lambda(x, y) = \Theta(x, X)\,U\,
\mathrm{diag}(1\{\lambda_k \ge \Lambda\}/\theta_k)\,U^T\,\Theta(X, y)` (the parameters are
standard normal: NTK parameterisation); on the training inputs
:math:`\sum_{\lambda_k \ge \Lambda} \theta_k u_k u_k^T`.  For a translation-invariant kernel whose
Gram eigenmodes are plane waves this is Wilson's sharp momentum-shell propagator.

:func:`linearised_coarse_graining` is the same coarse graining of a *finite* network, in the
eigenbasis of its own empirical Fisher metric (the measured counterpart).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from nnqft_sym.gradient_flow import (_NULL_RTOL, check_test_inputs, check_training_set,
                                     linearised_prediction, training_kernel, training_modes)
from nnqft_sym.specification import NetworkSpec as Network
from nnqft_sym.validation import reject_text

from ._common import check_choice, check_cutoffs, check_positive
from .coarse_graining import coarse_grain

__all__ = ["FISHER_METRICS", "TrainedBRGFlow", "trained_brg_flow", "default_cutoffs",
           "linearised_coarse_graining"]

#: the parameter sets whose Fisher metric defines the information shells
FISHER_METRICS = ("full", "readout")


@dataclass(frozen=True)
class TrainedBRGFlow:
    r"""The output field theory of a trained infinitely wide network along the information-shell flow.

    ``L`` cutoffs, ``n`` training inputs, ``m`` test inputs.

    Attributes
    ----------
    fisher : str
        ``"full"`` (all parameters) or ``"readout"``.
    cutoffs : ndarray ``(L,)``
        Information cutoffs :math:`\Lambda`.
    information : ndarray ``(n,)``
        Fisher eigenvalues :math:`\lambda_k = \theta_k/(n\sigma_n^2)`, descending (0 for null
        modes).
    kept : ndarray ``(L,)`` of int
        Number of modes with :math:`\lambda_k \ge \Lambda`.
    points : ndarray ``(m, d_in)``
    mean, covariance : ndarray ``(L, m)``, ``(L, m, m)``
        The coarse-grained trained GP.
    kept_two_point : ndarray ``(L, m, m)``
        :math:`G_\Lambda(x_i, x_j)`, the prior two-point function of the kept directions.
    train_loss : ndarray ``(L,)``
        :math:`\frac1n\sum_a E[(f_\Lambda(x_a) - y_a)^2]` on the training set.
    test_loss : ndarray ``(L,)``
        The same on the test inputs against ``y_test`` (NaN without it).
    """

    fisher: str
    cutoffs: np.ndarray
    information: np.ndarray
    kept: np.ndarray
    points: np.ndarray
    mean: np.ndarray
    covariance: np.ndarray
    kept_two_point: np.ndarray
    train_loss: np.ndarray
    test_loss: np.ndarray


def default_cutoffs(information: np.ndarray, count: int = 25) -> np.ndarray:
    r"""``count`` log-spaced cutoffs from a tenth of the smallest positive Fisher eigenvalue to 10 times the largest.

    Examples
    --------
    >>> np.round(default_cutoffs(np.array([4.0, 1.0, 0.0]), 3), 12).tolist()
    [0.1, 2.0, 40.0]
    """
    positive = np.asarray(information, dtype=float)
    positive = positive[positive > 0]
    if positive.size == 0:
        raise ValueError("information: no positive Fisher eigenvalue to place cutoffs at")
    return np.geomspace(positive.min() / 10, positive.max() * 10, count)


def trained_brg_flow(net: Network, x_train: Any, y_train: Any, x_test: Any, y_test: Any = None, *,
                     noise_std: float = 0.1, cutoffs: Any = None, fisher: str = "full",
                     t: Any = None, steps: Any = None, learning_rate: Any = 1.0
                     ) -> TrainedBRGFlow:
    r"""Information-shell coarse graining of the trained infinite-width network (module docstring).

    Parameters
    ----------
    net : Network
        Numeric hyper-parameters, any architecture with a tangent kernel, any depth.
    x_train, y_train, x_test
        As for :func:`nnqft_sym.trained_gp`.
    y_test : array ``(m,)``, optional
        Targets of the test loss.
    noise_std : float > 0
        :math:`\sigma_n` of the Gaussian likelihood that defines the Fisher metric.
    cutoffs : increasing sequence of float > 0, optional
        Default :func:`default_cutoffs` of the Fisher spectrum.
    fisher : {"full", "readout"}
        The Fisher metric of all parameters (network trained in every layer) or of the read-out
        (network trained in the read-out only).
    t, steps, learning_rate
        Training time (default :math:`t = \infty`), as for :func:`nnqft_sym.trained_gp`
        (NTK parameterisation).

    Returns
    -------
    TrainedBRGFlow

    Raises
    ------
    TypeError, ValueError
        For bad inputs (naming the parameter), as :func:`nnqft_sym.trained_gp`.

    Examples
    --------
    >>> from nnqft_sym import ReLUNet, trained_gp
    >>> net, x, y = ReLUNet(depth=2), [-1.0, 0.0, 1.0], [0.5, -0.5, 0.2]
    >>> flow = trained_brg_flow(net, x, y, [0.5], cutoffs=[1e-9, 1e9])
    >>> gp = trained_gp(net, x, y, [0.5])
    >>> bool(np.isclose(flow.mean[0, 0], gp.mean[0])), flow.kept.tolist(), float(flow.mean[1, 0])
    (True, [3, 0], 0.0)
    """
    net.require_numeric("trained_brg_flow")
    fisher = check_choice(fisher, "fisher", FISHER_METRICS)
    noise_std = check_positive(noise_std, "noise_std")
    x, y = check_training_set(net, x_train, y_train)
    xs = check_test_inputs(net, x_test)
    target = None if y_test is None else _check_targets(y_test, len(xs))
    readout = fisher == "readout"
    modes = training_modes(net, x, t=t, steps=steps, learning_rate=learning_rate,
                           readout_only=readout)
    n = len(x)
    information = np.where(modes.live, modes.eigenvalues, 0.0) / (n * noise_std ** 2)
    cuts = default_cutoffs(information) if cutoffs is None else check_cutoffs(cutoffs)
    factors, sloppy = coarse_grain(modes.factors, information, cuts, np.zeros(n))
    theta_test, theta_train = (np.asarray(training_kernel(net, a[:, None], x[None, :],
                                                          readout_only=readout)).reshape(len(a), n)
                               for a in (xs, x))
    inverse = np.where(modes.live, 1.0 / np.where(modes.live, modes.eigenvalues, 1.0), 0.0)
    test = linearised_prediction(net, x, y, xs, modes.gain(theta_test, factors[:, None, :]))
    train = linearised_prediction(net, x, y, x, modes.gain(theta_train, factors[:, None, :]))
    kept_2pt = modes.gain(theta_test, np.where(sloppy, 0.0, inverse)[:, None, :]) @ theta_test.T
    train_loss = _expected_loss(train.mean, train.std, y)
    test_loss = (np.full(cuts.size, np.nan) if target is None
                 else _expected_loss(test.mean, test.std, target))
    order = np.argsort(information)[::-1]
    return TrainedBRGFlow(fisher, cuts, information[order], (~sloppy).sum(1), xs, test.mean,
                          test.covariance, kept_2pt, train_loss, test_loss)


def _check_targets(y_test: Any, m: int) -> np.ndarray:
    """``y_test`` as a finite float array ``(m,)``; the messages name it."""
    reject_text(y_test, "y_test")
    try:
        target = np.asarray(y_test, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"y_test must be an array of numbers, got {y_test!r}") from None
    if target.shape != (m,) or not np.all(np.isfinite(target)):
        raise ValueError(f"y_test must be a finite array of shape ({m},), one target per test "
                         f"input, got shape {target.shape}")
    return target


def _expected_loss(mean: np.ndarray, std: np.ndarray, target: np.ndarray) -> np.ndarray:
    """:math:`\\frac1m\\sum_i E[(f_i - y_i)^2]` of Gaussian outputs, ``(L, m)`` -> ``(L,)``."""
    return np.mean((mean - target) ** 2 + std ** 2, axis=-1)


def linearised_coarse_graining(tangent_kernel: np.ndarray, initial: np.ndarray, final: np.ndarray,
                               n_train: int, noise_std: float, cutoffs: Any) -> np.ndarray:
    r"""Information-shell coarse graining of finite networks in their own full-parameter Fisher eigenbasis.

    For each network the empirical tangent kernel :math:`\hat\Theta` at initialisation on the
    points :math:`(X, x)` (training inputs first) gives the Fisher metric
    :math:`\hat F = J(X)^T J(X)/(n\sigma_n^2)` of all its parameters
    (:func:`~numeric.bayesian_rg.fisher_modes`).  Projecting the trained displacement
    :math:`\delta\theta` on the directions with :math:`\hat\lambda_k \ge \Lambda` moves the
    outputs by :math:`J(x) P_\Lambda \delta\theta = \hat\Theta(x, X)\,\hat U_\Lambda\,
    \mathrm{diag}(1/\hat\theta_k)\,\hat U_\Lambda^T\,J(X)\delta\theta`, and in the linearised
    (lazy) regime :math:`J(X)\delta\theta = f_T(X) - f_0(X)`; exact for a model linear in its
    parameters (read-out training).

    Parameters
    ----------
    tangent_kernel : ndarray ``(n_nets, n + m, n + m)``
        :meth:`numeric.training.NetworkEnsemble.tangent_kernel` at initialisation.
    initial, final : ndarray ``(n_nets, n + m)``
        Outputs before and after training on the same points.
    n_train : int
        n.
    noise_std : float > 0
    cutoffs : increasing sequence of float > 0, ``(L,)``

    Returns
    -------
    ndarray ``(L, n_nets, n + m)``
        :math:`f_0(x) + J(x) P_\Lambda \delta\theta` on all the points (training inputs first).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> jac = rng.standard_normal((4, 10))                  # a linear model, 3 + 1 points
    >>> theta0, step = rng.standard_normal(10), rng.standard_normal(3)
    >>> dtheta = jac[:3].T @ step                           # a displacement in the span of J(X)^T
    >>> out = linearised_coarse_graining((jac @ jac.T)[None], (jac @ theta0)[None],
    ...                                  (jac @ (theta0 + dtheta))[None], 3, 1.0, [1e-9, 1e9])
    >>> bool(np.isclose(out[0, 0, 3], jac[3] @ (theta0 + dtheta))), bool(np.isclose(out[1, 0, 3], jac[3] @ theta0))
    (True, True)
    """
    noise_std = check_positive(noise_std, "noise_std")
    cuts = check_cutoffs(cutoffs)
    kern = np.asarray(tangent_kernel, dtype=float)
    f0, f1 = np.asarray(initial, dtype=float), np.asarray(final, dtype=float)
    n = int(n_train)
    if kern.ndim != 3 or kern.shape[1] != kern.shape[2] or not 0 < n < kern.shape[1] \
            or f0.shape != kern.shape[:2] or f1.shape != f0.shape:
        raise ValueError(f"tangent_kernel (n_nets, n + m, n + m), initial and final (n_nets, n + m) "
                         f"with 0 < n_train < n + m are needed, got {kern.shape}, {f0.shape}, "
                         f"{f1.shape} and n_train = {n_train}")
    theta, vec = np.linalg.eigh(kern[:, :n, :n])                       # (k, n), (k, n, n)
    live = theta > _NULL_RTOL * n * theta[:, -1:]
    info = np.where(live, theta, 0.0) / (n * noise_std ** 2)
    inverse = np.where(live, 1.0 / np.where(live, theta, 1.0), 0.0)
    coeff = np.einsum("kab,ka->kb", vec, f1[:, :n] - f0[:, :n]) * inverse   # (k, n)
    cross = np.einsum("kia,kab->kib", kern[:, :, :n], vec)                 # (k, n + m, n)
    kept = np.where(info[None] >= cuts[:, None, None], coeff[None], 0.0)    # (L, k, n)
    return f0[None] + np.einsum("kib,lkb->lki", cross, kept)
