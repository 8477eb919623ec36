r"""The output distribution of infinitely wide networks after training on the mean-squared loss.

At infinite width the network trained by gradient flow on
:math:`L = \tfrac12 \sum_{a=1}^n (f(x_a) - y_a)^2` (the *sum* over the training set; with the
mean, replace :math:`\eta` by :math:`\eta/n`) is linear in its parameters, with the constant
tangent kernel :math:`\Theta` of :mod:`nnqft_sym.ntk` (Lee et al., arXiv:1902.06720, eqs. 14-16):

.. math::

    f_t(x) = f_0(x) + A_t(x)\,(Y - f_0(X)), \qquad
    A_t(x) = \Theta(x, X)\, \Theta^{-1} (1 - e^{-\eta \Theta t}),

where :math:`f_0` is the Gaussian process of kernel K at initialisation.  So :math:`f_t` is
Gaussian with mean :math:`A_t(x) Y` and covariance
:math:`K(x, x') - A_t(x) K(X, x') - K(x, X) A_t(x')^T + A_t(x) K(X, X) A_t(x')^T`.
Discrete full-batch gradient descent with step :math:`\eta` replaces
:math:`e^{-\eta\Theta t}` by :math:`(1 - \eta\Theta)^k` after k steps, and converges only for
:math:`\eta < 2/\lambda_{max}(\Theta(X, X))` (:func:`max_learning_rate`).  Directions of zero
eigenvalue of :math:`\Theta(X, X)` (repeated training inputs) never move: :math:`\Theta^{-1}`
is the pseudo-inverse there.

Training the read-out alone (weights and bias of the last layer) has the tangent kernel
K itself (NTK parameterisation), and then :math:`t \to \infty` gives exactly the Bayesian
posterior of the NNGP without noise, :func:`nngp_posterior` (Lee et al., arXiv:1902.06720,
sec. 2.3).  Training all layers gives a different Gaussian, which is *not* a posterior of the
prior GP.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .kernels import kernel_numeric
from .ntk import check_parameterisation, ntk_numeric
from .specification import NetworkSpec as Network
from .validation import as_points, check_integer, check_nonnegative, check_positive

__all__ = ["GaussianPrediction", "TrainingModes", "trained_gp", "training_modes",
           "linearised_prediction", "nngp_posterior", "max_learning_rate", "training_kernel",
           "check_training_set", "check_test_inputs", "check_learning_rate"]

#: eigenvalues of a Gram matrix below this fraction of the largest (times n) count as zero
_NULL_RTOL = 1e-12


@dataclass(frozen=True)
class GaussianPrediction:
    r"""A Gaussian output distribution on test points.

    Attributes
    ----------
    points : ndarray ``(m, d_in)``
        The test inputs.
    mean : ndarray ``(m,)``
        :math:`E f(x_i)`.
    covariance : ndarray ``(m, m)``
        :math:`\mathrm{Cov}(f(x_i), f(x_j))`.
    gain : ndarray ``(m, n)``
        :math:`A` with :math:`f(x) = f_0(x) + A\,(Y - f_0(X))` for the prior draw :math:`f_0`
        (:func:`trained_gp`: :math:`A_t`; :func:`nngp_posterior`:
        :math:`K(x, X)(K(X, X) + \sigma_n^2)^{-1}`, the posterior sample given a prior sample
        and noise-free data); ``mean = gain @ y_train``.
    """

    points: np.ndarray
    mean: np.ndarray
    covariance: np.ndarray
    gain: np.ndarray

    @property
    def std(self) -> np.ndarray:
        """Standard deviations ``(m,)`` (``(..., m)`` for a batch; negative rounding of the diagonal clipped to 0)."""
        return np.sqrt(np.clip(np.diagonal(self.covariance, axis1=-2, axis2=-1), 0.0, None))


def training_kernel(net: Network, x: Any, y: Any, *, parameterisation: str = "ntk",
                    readout_only: bool = False) -> np.ndarray | float:
    r"""The tangent kernel that drives the training: :func:`nnqft_sym.ntk.ntk_numeric`, or the read-out's.

    With ``readout_only`` only the last layer's weights and bias are trained: the kernel is K
    (NTK parameterisation) or :math:`(K - \sigma_b^2)/v_{out} = E[g g]` (standard
    parameterisation, learning rate :math:`\eta/N`, where the bias term is :math:`O(1/N)`).

    Examples
    --------
    >>> from nnqft_sym import ReLUNet
    >>> net = ReLUNet()
    >>> training_kernel(net, 0.5, 0.5, readout_only=True) == net.kernel(0.5, 0.5)
    True
    """
    standard = check_parameterisation(parameterisation) == "standard"
    if not isinstance(readout_only, bool):
        raise TypeError(f"readout_only must be True or False, got {readout_only!r}")
    if not readout_only:
        return ntk_numeric(net, x, y, parameterisation=parameterisation)
    kern = kernel_numeric(net, x, y)
    if not standard:
        return kern
    w, b = net.priors.readout_weights, net.priors.readout_bias
    return (kern - float(b.variance)) / float(w.variance)


def max_learning_rate(net: Network, x_train: Any, *, parameterisation: str = "ntk",
                      readout_only: bool = False) -> float:
    r"""The largest stable step of full-batch gradient descent, :math:`2/\lambda_{max}(\Theta(X, X))`.

    For the loss :math:`\tfrac12\sum_a (f(x_a) - y_a)^2` of the infinite-width network; a
    finite network's tangent kernel fluctuates around :math:`\Theta`, so stay below it.

    Examples
    --------
    >>> from nnqft_sym import ReLUNet
    >>> round(max_learning_rate(ReLUNet(sigma_b=0), [1.0]), 12)     # Theta(1, 1) = 1
    2.0
    """
    x = _training_inputs(net, x_train)
    gram = training_kernel(net, x[:, None], x[None, :], parameterisation=parameterisation,
                           readout_only=readout_only)
    return 2.0 / float(np.max(np.linalg.eigvalsh(np.atleast_2d(gram))))


def trained_gp(net: Network, x_train: Any, y_train: Any, x_test: Any, *, t: Any = None,
               steps: Any = None, learning_rate: Any = 1.0, parameterisation: str = "ntk",
               readout_only: bool = False) -> GaussianPrediction:
    r"""Mean and covariance of the infinitely wide network's output after training.

    Parameters
    ----------
    net : Network
        Numeric hyper-parameters (any architecture with a tangent kernel, any depth).
    x_train : array ``(n, d_in)`` (or ``(n,)`` for d_in = 1)
    y_train : array ``(n,)``
        Targets.
    x_test : array ``(m, d_in)`` (or ``(m,)``)
    t : float >= 0 or ``math.inf``, default None (= inf unless ``steps`` is given)
        Time of the gradient flow :math:`\dot\theta = -\eta \nabla L`.
    steps : int >= 0, optional
        Instead of ``t``: the number of full-batch gradient-descent steps of size
        ``learning_rate`` (needs ``learning_rate < max_learning_rate(...)``).
    learning_rate : float > 0, default 1
        :math:`\eta`.  In the standard parameterisation the step is :math:`\eta/N`.
    parameterisation : {"ntk", "standard"}, default "ntk"
        See :mod:`nnqft_sym.ntk`.
    readout_only : bool, default False
        Train only the read-out (random-feature model); its :math:`t \to \infty` limit is
        :func:`nngp_posterior` with ``noise=0``.

    Returns
    -------
    GaussianPrediction

    Raises
    ------
    TypeError, ValueError
        For inputs of the wrong type, shape or range, both ``t`` and ``steps``, or a
        ``learning_rate`` at which gradient descent diverges.

    Examples
    --------
    >>> import numpy as np
    >>> from nnqft_sym import ErfNet
    >>> net, x, y = ErfNet(), [-0.5, 0.5], [1.0, -1.0]
    >>> pred = trained_gp(net, x, y, x)                  # t = inf: the training set is fitted
    >>> np.round(pred.mean, 10).tolist(), bool(np.allclose(pred.covariance, 0, atol=1e-10))
    ([1.0, -1.0], True)
    >>> prior = trained_gp(net, x, y, [0.0], t=0)       # t = 0: the prior
    >>> float(prior.mean[0]), bool(np.isclose(prior.covariance[0, 0], net.kernel(0.0, 0.0)))
    (0.0, True)
    """
    x, y = check_training_set(net, x_train, y_train)
    xs = check_test_inputs(net, x_test)
    modes = training_modes(net, x, t=t, steps=steps, learning_rate=learning_rate,
                           parameterisation=parameterisation, readout_only=readout_only)
    theta = np.asarray(training_kernel(net, xs[:, None], x[None, :],
                                       parameterisation=parameterisation,
                                       readout_only=readout_only))
    return linearised_prediction(net, x, y, xs, modes.gain(theta))


@dataclass(frozen=True)
class TrainingModes:
    r"""The eigenmodes of the tangent kernel on the training inputs and how far training moves each.

    :math:`\Theta(X, X) = U\,\mathrm{diag}(\lambda)\,U^T`; after training,
    :math:`A_t(x) = \Theta(x, X)\,U\,\mathrm{diag}(c)\,U^T` with
    :math:`c_k = (1 - e^{-\eta\lambda_k t})/\lambda_k` (gradient flow),
    :math:`(1 - (1 - \eta\lambda_k)^s)/\lambda_k` (s steps of gradient descent) or
    :math:`1/\lambda_k` (:math:`t = \infty`); null modes (repeated inputs) have
    :math:`c_k = \eta t` (:math:`\eta s`) or 0 at :math:`t = \infty` (Lee et al.,
    arXiv:1902.06720, eqs. 14-16).

    Attributes
    ----------
    eigenvalues : ndarray ``(n,)``
        :math:`\lambda_k`, ascending (``numpy.linalg.eigh``).
    vectors : ndarray ``(n, n)``
        :math:`U`, the modes as columns.
    factors : ndarray ``(n,)``
        :math:`c_k`.
    live : ndarray ``(n,)`` of bool
        The modes with :math:`\lambda_k > 0` (to rounding).
    """

    eigenvalues: np.ndarray
    vectors: np.ndarray
    factors: np.ndarray
    live: np.ndarray

    def gain(self, theta_test_train: np.ndarray, factors: np.ndarray | None = None) -> np.ndarray:
        r"""The gain :math:`A = \Theta(x, X)\,U\,\mathrm{diag}(c)\,U^T`, ``(m, n)``, with the
        tangent kernel ``theta_test_train`` ``(m, n)`` between test and training inputs;
        ``factors`` ``(n,)`` or ``(..., 1, n)`` replaces :math:`c` (e.g. with coarse-grained
        modes set to 0; the batch gives ``(..., m, n)``)."""
        c = self.factors if factors is None else factors
        return (theta_test_train @ self.vectors) * c @ self.vectors.T


def training_modes(net: Network, x_train: Any, *, t: Any = None, steps: Any = None,
                   learning_rate: Any = 1.0, parameterisation: str = "ntk",
                   readout_only: bool = False) -> TrainingModes:
    r"""The tangent-kernel eigenmodes on ``x_train`` and their training factors (:class:`TrainingModes`).

    The arguments are those of :func:`trained_gp`, which is
    :func:`linearised_prediction` with the gain :meth:`TrainingModes.gain`.

    Examples
    --------
    >>> import numpy as np
    >>> from nnqft_sym import ErfNet
    >>> modes = training_modes(ErfNet(), [-0.5, 0.5])
    >>> bool(np.allclose(modes.factors, 1 / modes.eigenvalues))       # t = inf
    True
    """
    x = _training_inputs(net, x_train)
    eta = check_learning_rate(learning_rate)
    if steps is not None and t is not None:
        raise ValueError("give either t (gradient flow) or steps (gradient descent), not both")
    lam, vec = np.linalg.eigh(np.asarray(training_kernel(
        net, x[:, None], x[None, :], parameterisation=parameterisation,
        readout_only=readout_only)).reshape(len(x), len(x)))
    live = lam > _NULL_RTOL * len(x) * max(float(lam[-1]), 0.0)
    safe = np.where(live, lam, 1.0)
    if steps is not None:
        k = check_integer(steps, "steps", 0)
        bound = 2.0 / float(lam[-1])
        if eta >= bound:
            raise ValueError(f"learning_rate = {eta} makes gradient descent diverge: it must be "
                             f"< 2 / lambda_max = {bound:.6g} (lambda_max = {lam[-1]:.6g}, the "
                             f"largest eigenvalue of the tangent kernel on x_train)")
        factor = np.where(live, (1.0 - (1.0 - eta * safe) ** k) / safe, eta * k)
    else:
        time = _time(t)
        if math.isinf(time):
            factor = np.where(live, 1.0 / safe, 0.0)
        else:
            factor = np.where(live, -np.expm1(-eta * time * safe) / safe, eta * time)
    return TrainingModes(lam, vec, factor, live)


def linearised_prediction(net: Network, x_train: Any, y_train: Any, x_test: Any,
                          gain: Any) -> GaussianPrediction:
    r"""The Gaussian output of :math:`f(x) = f_0(x) + A\,(Y - f_0(X))`, :math:`f_0` the prior GP (kernel K).

    Mean :math:`A Y`, covariance :math:`K(x, x') - A K(X, x') - K(x, X) A^T + A K(X, X) A^T`:
    the trained network of :func:`trained_gp` (:math:`A = A_t`) and its information-shell
    coarse grainings (:func:`numeric.bayesian_rg.trained_brg_flow`, sloppy modes of :math:`A`
    removed).

    Parameters
    ----------
    gain : array ``(m, n)``
        :math:`A`; or ``(..., m, n)`` for several at once (mean ``(..., m)``, covariance
        ``(..., m, m)``).

    Examples
    --------
    >>> import numpy as np
    >>> from nnqft_sym import ReLUNet
    >>> prior = linearised_prediction(ReLUNet(), [0.5], [1.0], [0.0, 1.0], np.zeros((2, 1)))
    >>> prior.mean.tolist(), bool(np.isclose(prior.covariance[0, 1], ReLUNet().kernel(0.0, 1.0)))
    ([0.0, 0.0], True)
    """
    x, y = check_training_set(net, x_train, y_train)
    xs = check_test_inputs(net, x_test)
    gain = np.asarray(gain, dtype=float)
    if gain.ndim < 2 or gain.shape[-2:] != (len(xs), len(x)):
        raise ValueError(f"gain must have shape (m, n) = {(len(xs), len(x))} (or (..., m, n)), "
                         f"got {gain.shape}")
    k_test_train = np.asarray(kernel_numeric(net, xs[:, None], x[None, :])).reshape(len(xs), len(x))
    k_test = np.asarray(kernel_numeric(net, xs[:, None], xs[None, :])).reshape(len(xs), len(xs))
    k_train = np.asarray(kernel_numeric(net, x[:, None], x[None, :])).reshape(len(x), len(x))
    gain_t = np.swapaxes(gain, -1, -2)
    cross = gain @ k_test_train.T
    cov = k_test - cross - np.swapaxes(cross, -1, -2) + gain @ k_train @ gain_t
    return GaussianPrediction(xs, gain @ y, 0.5 * (cov + np.swapaxes(cov, -1, -2)), gain)


def nngp_posterior(net: Network, x_train: Any, y_train: Any, x_test: Any, *,
                   noise: Any = 0.0) -> GaussianPrediction:
    r"""The Bayesian posterior of the NNGP (kernel K) given the training set, for comparison.

    Mean :math:`K(x, X)(K(X, X) + \sigma_n^2)^{-1} Y` and covariance
    :math:`K(x, x') - K(x, X)(K(X, X) + \sigma_n^2)^{-1} K(X, x')`; ``noise`` is
    :math:`\sigma_n^2 \ge 0` (0: exact interpolation, pseudo-inverse on a singular Gram matrix).

    Examples
    --------
    >>> import numpy as np
    >>> from nnqft_sym import ReLUNet
    >>> net, x, y = ReLUNet(), [0.2, 0.9], [1.0, 0.5]
    >>> post = nngp_posterior(net, x, y, [0.5])
    >>> gd = trained_gp(net, x, y, [0.5], readout_only=True)
    >>> bool(np.allclose(post.mean, gd.mean)), bool(np.allclose(post.covariance, gd.covariance))
    (True, True)
    """
    x, y = check_training_set(net, x_train, y_train)
    xs = check_test_inputs(net, x_test)
    var = _number(check_nonnegative, noise, "noise")
    gram = np.asarray(kernel_numeric(net, x[:, None], x[None, :])) + var * np.eye(len(x))
    lam, vec = np.linalg.eigh(gram)
    live = lam > _NULL_RTOL * len(x) * max(float(lam[-1]), 0.0)
    inverse = (vec * np.where(live, 1.0 / np.where(live, lam, 1.0), 0.0)) @ vec.T
    k_cross = np.asarray(kernel_numeric(net, xs[:, None], x[None, :]))
    k_test = np.asarray(kernel_numeric(net, xs[:, None], xs[None, :]))
    gain = k_cross @ inverse
    cov = k_test - gain @ k_cross.T
    return GaussianPrediction(xs, gain @ y, 0.5 * (cov + cov.T), gain)


# ---------------------------------------------------------------------- argument checks
def _training_inputs(net: Network, x_train: Any) -> np.ndarray:
    net.require_numeric("trained_gp")
    x = as_points(x_train, net.d_in, "x_train")
    if x.ndim != 2 or len(x) == 0:
        raise ValueError(f"x_train must have shape (n, d_in) or (n,) with n >= 1, "
                         f"got {np.shape(x_train)}")
    return x


def check_test_inputs(net: Network, x_test: Any) -> np.ndarray:
    """The test inputs as a float array ``(m, d_in)``, checked.

    Raises
    ------
    ValueError
        For a shape other than ``(m, d_in)`` or ``(m,)`` (d_in = 1).

    Examples
    --------
    >>> from nnqft_sym import ReLUNet
    >>> check_test_inputs(ReLUNet(), [0.1, 0.2]).shape
    (2, 1)
    """
    xs = as_points(x_test, net.d_in, "x_test")
    if xs.ndim != 2:
        raise ValueError(f"x_test must have shape (m, d_in) or (m,), got {np.shape(x_test)}")
    return xs


def check_training_set(net: Network, x_train: Any, y_train: Any) -> tuple[np.ndarray, np.ndarray]:
    """The training inputs ``(n, d_in)`` and targets ``(n,)`` as float arrays, checked.

    Raises
    ------
    TypeError
        If the targets are not numbers.
    ValueError
        For wrong shapes, no inputs, a target count that differs from the input count, or
        targets that are not finite.

    Examples
    --------
    >>> from nnqft_sym import ReLUNet
    >>> [a.shape for a in check_training_set(ReLUNet(), [0.1, 0.2], [1.0, 2.0])]
    [(2, 1), (2,)]
    """
    x = _training_inputs(net, x_train)
    if isinstance(y_train, (str, bytes)):
        raise TypeError(f"y_train must be an array of numbers, got the string {y_train!r}")
    try:
        y = np.asarray(y_train, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"y_train must be an array of numbers, got {y_train!r}") from None
    if y.shape != (len(x),):
        raise ValueError(f"y_train must have shape ({len(x)},), one target per training input, "
                         f"got {y.shape}")
    if not np.all(np.isfinite(y)):
        raise ValueError("y_train must be finite (no NaN or infinity)")
    return x, y


def check_learning_rate(value: Any) -> float:
    """A learning rate: a finite number > 0.

    Examples
    --------
    >>> check_learning_rate(0.5)
    0.5
    """
    return _number(check_positive, value, "learning_rate")


def _number(check: Any, value: Any, name: str) -> float:
    """``check`` (:func:`~nnqft_sym.validation.check_positive` or ``check_nonnegative``) as a float."""
    expr = check(value, name)
    if expr.free_symbols:
        raise TypeError(f"{name} must be a number, got the symbolic {value!r}")
    return float(expr)


def _time(value: Any) -> float:
    """t >= 0, or math.inf (also for None)."""
    if value is None or (isinstance(value, (float, np.floating)) and value == math.inf):
        return math.inf
    return _number(check_nonnegative, value, "t")
