r"""Finite-width networks trained by full-batch gradient descent, many at once (vectorised NumPy).

The networks are those of :mod:`nnqft_sym.specification` in the NTK parameterisation
(:mod:`nnqft_sym.ntk`): every weight and bias is a standard normal variable at initialisation
and the scales sit in the forward pass,

.. math::

    z^{(1)} = \frac{\sigma_W}{\sqrt{d_{in}}} w^{(1)} x + \sigma_b b^{(1)}, \quad
    z^{(l+1)} = \sqrt{\frac{\sigma_W^2}{N}}\, w^{(l+1)} g^{(l)} + \sigma_b b^{(l+1)}, \quad
    f = \sqrt{\frac{v_{out}}{N}}\, w^{out} g^{(L)} + \sigma_b b^{out},

:math:`g^{(l)} = n(K^{(l)}(x, x))\,\phi(z^{(l)})`, so at initialisation they are exactly the
project's random networks.  The loss is :math:`L = \tfrac12 \sum_a (f(x_a) - y_a)^2` (sum over
the training set) and one step is :math:`\theta \to \theta - \eta \nabla_\theta L` on every
layer (or on the read-out only).  :math:`\phi'` is the SymPy derivative of the activation,
lambdified; the Jacobian is exact back-propagation.

:func:`train_ensemble` checks the learning rate against the infinite-width tangent kernel
(:func:`nnqft_sym.max_learning_rate`: gradient descent diverges for
:math:`\eta > 2/\lambda_{max}`) and compares with :func:`nnqft_sym.trained_gp` (Lee et al.,
arXiv:1902.06720).  ``parameterisation="standard"`` descends in the weights and biases
themselves, :math:`W = (\sigma_W/\sqrt{n_{in}}) w`, with the step :math:`\eta/N` (the same networks at
initialisation; against ``trained_gp(..., parameterisation="standard")``).
"""
from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from nnqft_sym.activations import activation_rules
from nnqft_sym.deep import layer_kernels, read_variances
from nnqft_sym.errors import NumericalOverflowError
from nnqft_sym.gradient_flow import (check_learning_rate, check_test_inputs, check_training_set,
                                     max_learning_rate)
from nnqft_sym.ntk import check_parameterisation
from nnqft_sym.priors import ParameterPrior
from nnqft_sym.specification import NetworkSpec as Network
from nnqft_sym.validation import as_points, check_integer, check_width

from .conditional import PLAIN, check_estimator
from .sampling import as_seed_sequence
from .statistics import Estimate

__all__ = ["NetworkEnsemble", "TrainedEnsemble", "train_ensemble", "trained_kappa4_coefficient"]

#: floats of work memory per chunk of networks (bounds memory, no effect on the numbers)
_CHUNK_FLOATS = 20_000_000


def _check_trainable(net: Network, what: str) -> None:
    net.require_numeric(what)
    if not net.priors.is_iid_centred_gaussian:
        others = [name for name, prior in net.priors.groups().items()
                  if not (isinstance(prior, ParameterPrior) and prior.is_gaussian and prior.is_centred)]
        raise ValueError(f"{what}: the NTK parameterisation here draws i.i.d. centred Gaussian "
                         f"weights and biases; the groups {others} of this {net.name} are not")
    if net.d_out != 1:
        raise ValueError(f"{what}: one output component (d_out = 1) is trained, got d_out = {net.d_out}")


def _check_width(width: Any) -> int:
    """A numeric hidden-layer width (an integer >= 1; no symbols here)."""
    out = check_width(width)
    if not isinstance(out, int):
        raise TypeError(f"width must be an integer >= 1 (a number of neurons), got {width!r}")
    return out


def _layer_scales(net: Network, width: int) -> list[tuple[float, float]]:
    """(weight scale, bias scale) of layers 1..L and the read-out in the NTK parameterisation."""
    first = (float(np.sqrt(float(net.priors.first_weights.variance) / net.d_in)),
             float(np.sqrt(float(net.priors.first_biases.variance))))
    return [first] + [(float(np.sqrt(w / width)), float(np.sqrt(b))) for w, b in read_variances(net)]


@functools.lru_cache(maxsize=16)
def _derivative_function(activation: Any) -> Callable[[np.ndarray], np.ndarray]:
    return activation_rules(activation).derivative_functions[1]


@dataclass
class NetworkEnsemble:
    r"""``n_nets`` networks of width N, their parameters in the NTK or the standard parameterisation.

    Attributes
    ----------
    net : Network
    width : int
    weights : list of ndarray
        Layer l = 1..L and the read-out: ``(n_nets, fan_out, fan_in)`` (the read-out has
        ``fan_out = 1``).
    biases : list of ndarray
        ``(n_nets, fan_out)`` per layer.
    parameterisation : {"ntk", "standard"}
        What ``weights`` and ``biases`` hold: the standard normal variables, with the scales in
        the forward pass (``"ntk"``), or the weights and biases themselves (``"standard"``,
        :math:`W = (\sigma_W/\sqrt{n_{in}})\,w`, :math:`B = \sigma_b b`).  The same random
        functions; :meth:`gradient_step` descends in the stored parameters.

    Examples
    --------
    >>> from nnqft_sym import ReLUNet
    >>> ens = NetworkEnsemble.sample(ReLUNet(depth=2), 8, 5, rng=0)
    >>> [w.shape for w in ens.weights]
    [(5, 8, 1), (5, 8, 8), (5, 1, 8)]
    >>> ens.outputs([0.1, 0.5]).shape
    (5, 2)
    """

    net: Network
    width: int
    weights: list[np.ndarray]
    biases: list[np.ndarray]
    parameterisation: str = "ntk"

    @classmethod
    def sample(cls, net: Network, width: int, n_nets: int, rng: Any = None, *,
               parameterisation: str = "ntk") -> "NetworkEnsemble":
        """Draw the networks: standard normals, network after network (weights then biases,
        layer after layer), so that the numbers of a network do not depend on ``n_nets``;
        the same draws in both parameterisations."""
        _check_trainable(net, "NetworkEnsemble")
        width = _check_width(width)
        n_nets = check_integer(n_nets, "n_nets", 1)
        gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(
            as_seed_sequence(rng, "rng"))
        return cls._from_draws(net, width, gen.standard_normal((n_nets, cls._size(net, width))),
                               parameterisation)

    @staticmethod
    def _shapes(net: Network, width: int) -> list[tuple[tuple[int, int], int]]:
        fans = [net.d_in] + [width] * net.depth + [1]
        return [((fans[k + 1], fans[k]), fans[k + 1]) for k in range(len(fans) - 1)]

    @classmethod
    def _size(cls, net: Network, width: int) -> int:
        return sum(w[0] * w[1] + b for w, b in cls._shapes(net, width))

    @classmethod
    def _from_draws(cls, net: Network, width: int, draws: np.ndarray,
                    parameterisation: str = "ntk") -> "NetworkEnsemble":
        standard = check_parameterisation(parameterisation) == "standard"
        scales = _layer_scales(net, width)
        weights, biases, k = [], [], 0
        for ((rows, cols), nb), (ws, bs) in zip(cls._shapes(net, width), scales):
            weights.append(draws[:, k:k + rows * cols].reshape(-1, rows, cols).copy())
            k += rows * cols
            biases.append(draws[:, k:k + nb].copy())
            k += nb
            if standard:
                weights[-1] *= ws
                biases[-1] *= bs
        return cls(net, width, weights, biases, "standard" if standard else "ntk")

    # ------------------------------------------------------------------ forward and backward
    @functools.cached_property
    def _scales(self) -> list[tuple[float, float]]:
        return _layer_scales(self.net, self.width)

    @functools.cached_property
    def _forward_scales(self) -> list[tuple[float, float]]:
        """The factors of the stored parameters in the forward pass (1 in the standard one)."""
        if self.parameterisation == "standard":
            return [(1.0, 1.0)] * len(self._scales)
        return self._scales

    def _norms(self, pts: np.ndarray) -> list[np.ndarray]:
        """n(K^(l)(x, x)) per hidden layer and point, ``(P,)`` each (ones without normalisation)."""
        if self.net.normalisation == 1:
            return [np.ones(len(pts))] * self.net.depth
        variances = layer_kernels(self.net, pts, pts)[:, :, 0]
        return [np.asarray(self.net.normalisation_function(variances[l]), dtype=float)
                for l in range(self.net.depth)]

    def _forward(self, pts: np.ndarray) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray]]:
        """Outputs ``(n, P)``, the inputs of every layer and the hidden pre-activations."""
        norms = self._norms(pts)
        h = np.broadcast_to(pts, (self.weights[0].shape[0],) + pts.shape)
        inputs, zs = [h], []
        for layer in range(self.net.depth):
            (ws, bs), w, b = self._forward_scales[layer], self.weights[layer], self.biases[layer]
            z = ws * np.einsum("npj,nij->npi", h, w) + bs * b[:, None, :]
            zs.append(z)
            h = norms[layer][:, None] * self.net.activation_function(z)
            inputs.append(h)
        ws, bs = self._forward_scales[-1]
        f = ws * np.einsum("npj,nj->np", h, self.weights[-1][:, 0, :]) + bs * self.biases[-1]
        return f, inputs, zs

    def _deltas(self, pts: np.ndarray, zs: list[np.ndarray]) -> list[np.ndarray]:
        """df/dz of every layer, ``(n, P, fan_out)``; the read-out's is 1."""
        norms, deriv = self._norms(pts), _derivative_function(self.net.activation)
        delta = np.ones(zs[-1].shape[:2] + (1,))
        out = [delta]
        for layer in range(self.net.depth - 1, -1, -1):
            ws = self._forward_scales[layer + 1][0]
            back = ws * np.einsum("npi,nij->npj", delta, self.weights[layer + 1])
            delta = back * norms[layer][:, None] * deriv(zs[layer])
            out.append(delta)
        return out[::-1]

    def outputs(self, points: Any) -> np.ndarray:
        """f(x) of every network at ``points`` (``(P, d_in)`` or ``(P,)``): ``(n_nets, P)``."""
        return self._forward(self._points(points))[0]

    def _points(self, points: Any) -> np.ndarray:
        pts = as_points(points, self.net.d_in)
        if pts.ndim != 2:
            raise ValueError(f"points must have shape (P, d_in) or (P,), got {np.shape(points)}")
        return pts

    def tangent_kernel(self, points: Any, *, readout_only: bool = False,
                       parameterisation: str = "ntk") -> np.ndarray:
        r"""The empirical tangent kernel :math:`\hat\Theta(x_p, x_q) = \sum_\theta \partial_\theta f(x_p)\partial_\theta f(x_q)`.

        Exact back-propagation; ``(n_nets, P, P)``.  With ``parameterisation="ntk"`` the
        parameters are the standard normals (its mean over networks is
        :func:`nnqft_sym.ntk_numeric` exactly at every width for one hidden layer, up to
        :math:`O(1/N)` for deeper networks); with ``"standard"`` they are the weights and
        biases themselves (the same networks; :math:`\partial f/\partial W = \delta\, g`
        without the forward-pass scale), whose kernel grows like N.
        """
        standard = check_parameterisation(parameterisation) == "standard"
        pts = self._points(points)
        _, inputs, zs = self._forward(pts)
        deltas = self._deltas(pts, zs)
        layers = range(len(deltas) - 1, len(deltas)) if readout_only else range(len(deltas))
        total = 0.0
        for layer in layers:
            ws, bs = (1.0, 1.0) if standard else self._scales[layer]
            grams = ws ** 2 * np.einsum("npj,nqj->npq", inputs[layer], inputs[layer]) + bs ** 2
            total = total + np.einsum("npi,nqi->npq", deltas[layer], deltas[layer]) * grams
        return total

    def readout_training_map(self, points: Any, targets: Any, test_points: Any,
                             learning_rate: float, steps: int
                             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        r"""The exact per-network linear map of read-out-only gradient descent.

        With the hidden features fixed, the output is linear in the read-out parameters
        :math:`\theta = (w^{out}, b^{out})` (stored coordinates, :attr:`parameterisation`):
        :math:`f(x) = \phi(x)\cdot\theta` with :math:`\phi(x) = (s_W h(x), s_b)`, the forward-pass
        scales :math:`s` (1 in the standard parameterisation) and :math:`h` the last hidden layer.
        ``steps`` steps of :meth:`gradient_step` (``readout_only=True``) at ``learning_rate``
        :math:`\eta` keep :math:`\theta_k - \theta_0 = \Phi^T u_k` in the row space of the
        training features :math:`\Phi`, with :math:`u_{k+1} = (1 - \eta T) u_k + \eta (Y - \Phi\theta_0)`,
        :math:`T = \Phi\Phi^T`; hence, exactly (no inverse of :math:`T`, zero modes included),

        .. math::

            f_k(x) = c(x) + B(x)\cdot\theta_0, \quad c = A Y, \quad B = \phi(x) - A\Phi, \quad
            A = \eta\, T(x, X) \sum_{j<k} (1 - \eta T)^j.

        Given the features, :math:`\theta_0` is centred Gaussian with the variances returned,
        so :math:`f_k` is Gaussian with mean :math:`c` and covariance :math:`B\,\mathrm{diag}(v)B^T`
        (the random-feature model; Lee et al. arXiv:1902.06720 at every width).

        Returns
        -------
        offset : ndarray ``(n_nets, m)``
            :math:`c(x)` at the ``m`` test points.
        matrix : ndarray ``(n_nets, m, N + 1)``
            :math:`B(x)`: read-out weights then the read-out bias.
        variances : ndarray ``(N + 1,)``
            The prior variances of the stored read-out parameters.

        Examples
        --------
        >>> from nnqft_sym import ErfNet
        >>> ens = NetworkEnsemble.sample(ErfNet(), 4, 3, rng=0)
        >>> c, B, v = ens.readout_training_map([0.5], [1.0], [0.5, 1.5], 0.1, 10)
        >>> c.shape, B.shape, v.shape
        ((3, 2), (3, 2, 5), (5,))
        """
        train, test = self._points(points), self._points(test_points)
        targets = np.asarray(targets, dtype=float)
        if targets.shape != (len(train),):
            raise ValueError(f"targets must have shape ({len(train)},), one per point, "
                             f"got {targets.shape}")
        steps = check_integer(steps, "steps", 0)
        learning_rate = check_learning_rate(learning_rate)
        return self._readout_map(self._readout_features(train), self._readout_features(test),
                                 targets, learning_rate, steps)

    def _readout_map(self, phi_train: np.ndarray, phi_test: np.ndarray, targets: np.ndarray,
                     learning_rate: float, steps: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`readout_training_map` from the read-out features on both sets of points."""
        kern = np.einsum("npi,nqi->npq", phi_train, phi_train)
        gain = np.einsum("npi,nqi->npq", phi_test, phi_train) @ _step_sum(kern, learning_rate,
                                                                           steps)
        offset = gain @ targets
        matrix = phi_test - gain @ phi_train
        ws, bs = self._scales[-1]
        if self.parameterisation == "standard":
            variances = np.array([ws ** 2] * self.width + [bs ** 2])
        else:
            variances = np.ones(self.width + 1)
        return offset, matrix, variances

    def _readout_features(self, pts: np.ndarray) -> np.ndarray:
        """phi(x) = (s_W h(x), s_b) in the stored coordinates, ``(n_nets, P, N + 1)``."""
        _, inputs, _ = self._forward(pts)
        fw, fb = self._forward_scales[-1]
        bias = np.full(inputs[-1].shape[:2] + (1,), fb)
        return np.concatenate([fw * inputs[-1], bias], axis=-1)

    def gradient_step(self, points: Any, targets: Any, learning_rate: float,
                      readout_only: bool = False) -> np.ndarray:
        r"""One full-batch step on :math:`\tfrac12\sum_a (f(x_a) - y_a)^2`, in place; returns the
        losses ``(n_nets,)`` before the step.

        ``points`` ``(P, d_in)`` or ``(P,)``, ``targets`` ``(P,)``; the step descends in the
        stored parameters (:attr:`parameterisation`); no learning-rate check here
        (:func:`train_ensemble` does it).
        """
        points = self._points(points)
        targets = np.asarray(targets, dtype=float)
        if targets.shape != (len(points),):
            raise ValueError(f"targets must have shape ({len(points)},), one per point, "
                             f"got {targets.shape}")
        f, inputs, zs = self._forward(points)
        residual = f - targets
        deltas = self._deltas(points, zs)
        first = len(deltas) - 1 if readout_only else 0
        for layer in range(first, len(deltas)):
            ws, bs = self._forward_scales[layer]
            self.weights[layer] -= learning_rate * ws * np.einsum(
                "np,npi,npj->nij", residual, deltas[layer], inputs[layer])
            self.biases[layer] -= learning_rate * bs * np.einsum("np,npi->ni", residual, deltas[layer])
        return 0.5 * np.sum(residual ** 2, axis=-1)


@dataclass(frozen=True)
class TrainedEnsemble:
    r"""Outputs of an ensemble of networks before and after training.

    Attributes
    ----------
    points : ndarray ``(m, d_in)``
        The test inputs.
    initial, final : ndarray ``(n_nets, m)``
        :math:`f_0(x)` and :math:`f_k(x)` after ``steps`` steps, per network.
    initial_train : ndarray ``(n_nets, n)``
        :math:`f_0` on the training inputs (with ``initial``, the linearised prediction
        :math:`f_0(x) + A(Y - f_0(X))` of each network: a control variate).
    final_loss : ndarray ``(n_nets,)``
        The training loss after the last step.
    width, steps : int
    learning_rate : float
    final_train : ndarray ``(n_nets, n)`` or None
        :math:`f_k` on the training inputs (recorded with ``tangent_kernel=True``).
    tangent_kernel : ndarray ``(n_nets, n + m, n + m)`` or None
        With ``train_ensemble(..., tangent_kernel=True)``: each network's empirical tangent
        kernel at initialisation (of the trained parameters) on the training inputs followed
        by the test inputs (:meth:`NetworkEnsemble.tangent_kernel`; the eigenbasis of its
        full-parameter Fisher metric, :func:`numeric.bayesian_rg.linearised_coarse_graining`).
    conditional_mean : ndarray ``(n_nets, m)`` or None
        Read-out-only training: the exact mean :math:`\hat m(x)` of each trained network's
        output given its hidden features (:meth:`NetworkEnsemble.readout_training_map`).
    conditional_covariance : ndarray ``(n_nets, m, m)`` or None
        Read-out-only training: the covariance :math:`\hat S(x, x')` of the trained output
        given the features.
    feature_kernel : ndarray ``(n_nets, m, m)`` or None
        Read-out-only training: :math:`\hat K(x, x') = \sigma_b^2 + (v_{out}/N)\,h(x)\cdot h(x')`,
        the covariance of the initial output given the features (its conditional mean is 0).
    """

    points: np.ndarray
    initial: np.ndarray
    final: np.ndarray
    initial_train: np.ndarray
    final_loss: np.ndarray
    width: int
    steps: int
    learning_rate: float
    final_train: np.ndarray | None = None
    tangent_kernel: np.ndarray | None = None
    conditional_mean: np.ndarray | None = None
    conditional_covariance: np.ndarray | None = None
    feature_kernel: np.ndarray | None = None

    @property
    def mean(self) -> np.ndarray:
        """Ensemble mean of the trained output, ``(m,)``."""
        return self.final.mean(axis=0)

    @property
    def mean_error(self) -> np.ndarray:
        """Standard error of :attr:`mean`, ``(m,)``."""
        return self.final.std(axis=0, ddof=1) / np.sqrt(len(self.final))

    @property
    def covariance(self) -> np.ndarray:
        """Ensemble covariance of the trained output, ``(m, m)``."""
        return np.cov(self.final, rowvar=False).reshape(len(self.points), len(self.points))

    def connected_four_point(self, *, trained: bool = True, n_bags: int = 20,
                             estimator: str | None = None, indices: Any = None) -> Estimate:
        r"""The connected four-point function of the output, :math:`\kappa_4(x, x, x, x)` at each test point.

        Per bag of networks an unbiased estimate, the bags' mean and its standard error: the
        non-Gaussianity of the trained (``trained=True``) or initial ensemble.  At
        initialisation it is exactly ``net.connected_green([x] * 4, width)`` (one hidden layer,
        tested).

        ``estimator="plain"`` (default): Fisher's k-statistic of the outputs (the joint
        k-statistic at distinct points).  ``estimator="conditional"`` (read-out-only training,
        :attr:`conditional_mean` recorded): given the hidden features the output is exactly
        Gaussian, :math:`N(\hat m, \hat S)`, so its conditional cumulants beyond the second
        vanish and the law of total cumulance leaves

        .. math::

            \kappa(f_a, f_b, f_c, f_d) = \kappa(\hat m_a, \hat m_b, \hat m_c, \hat m_d)
            + \sum_{6\ \mathrm{pairs}} \kappa(\hat S_{ab}, \hat m_c, \hat m_d)
            + \sum_{3\ \mathrm{pairings}} \kappa(\hat S_{ab}, \hat S_{cd}),

        cumulants over networks of the per-network conditional moments, each estimated by its
        unbiased joint k-statistic per bag: unbiased at every bag size (no plug-in bias), with the
        read-out noise integrated out exactly (Rao-Blackwell; the idea of
        :mod:`numeric.conditional` for trained random-feature models).

        Parameters
        ----------
        trained : bool
        n_bags : int >= 2
            At least 4 networks per bag.
        estimator : {"plain", "conditional"}, optional
        indices : array_like of int ``(k, 4)``, optional
            Test-point indices of the four arguments (distinct points allowed); default
            ``(i, i, i, i)`` for every test point, ``(m,)`` values.  Given: ``(k,)`` values.

        Raises
        ------
        ValueError
            For too few networks per bag, indices out of range, or ``"conditional"`` on an
            ensemble trained in every layer (its output is not Gaussian given the features).

        Examples
        --------
        >>> from nnqft_sym import ReLUNet
        >>> ens = train_ensemble(ReLUNet(), 2, [0.5], [1.0], n_nets=400, steps=0, rng=0)
        >>> ens.connected_four_point(n_bags=4).value.shape
        (1,)
        >>> ens = train_ensemble(ReLUNet(), 2, [0.5], [1.0], n_nets=400, steps=5,
        ...                      readout_only=True, rng=0)
        >>> ens.connected_four_point(n_bags=4, estimator="conditional").value.shape
        (1,)
        """
        n_bags = check_integer(n_bags, "n_bags", 2)
        estimator = check_estimator(estimator)
        if estimator != PLAIN and self.conditional_mean is None:
            raise ValueError("estimator='conditional' needs read-out-only training "
                             "(train_ensemble(..., readout_only=True)): trained in every layer, "
                             "the output is not Gaussian given the hidden features")
        samples = self.final if trained else self.initial
        if len(samples) < 4 * n_bags:
            raise ValueError(f"n_bags: {n_bags} bags need at least {4 * n_bags} networks "
                             f"(4 per bag), got {len(samples)}")
        quads = None if indices is None else self._point_indices(indices)
        if estimator == PLAIN:
            bags = np.array_split(samples, n_bags)
            if quads is None:                               # the original path, bit for bit
                return Estimate.from_samples(np.array([_k_statistic_4(b) for b in bags]))
            return Estimate.from_samples(np.array([_joint_k4(b, quads) for b in bags]))
        if quads is None:
            quads = np.repeat(np.arange(len(self.points))[:, None], 4, axis=1)
        if trained:
            mean, cov = self.conditional_mean, self.conditional_covariance
        else:
            mean, cov = np.zeros_like(self.conditional_mean), self.feature_kernel
        values = [_conditional_k4(m, c, quads)
                  for m, c in zip(np.array_split(mean, n_bags), np.array_split(cov, n_bags))]
        return Estimate.from_samples(np.array(values))

    def _point_indices(self, indices: Any) -> np.ndarray:
        quads = np.asarray(indices)
        if quads.ndim == 1:
            quads = quads[None, :]
        if (quads.ndim != 2 or quads.shape[1] != 4 or not np.issubdtype(quads.dtype, np.integer)
                or np.any(quads < 0) or np.any(quads >= len(self.points))):
            raise ValueError(f"indices must be integers in [0, {len(self.points) - 1}] (test "
                             f"points), shape (k, 4); got {np.asarray(indices).tolist()!r}")
        return quads

    @property
    def covariance_error(self) -> np.ndarray:
        """Standard error of :attr:`covariance` (from the spread of the centred products), ``(m, m)``."""
        d = self.final - self.mean
        prod = d[:, :, None] * d[:, None, :]
        return prod.std(axis=0, ddof=1) / np.sqrt(len(self.final))


def train_ensemble(net: Network, width: int, x_train: Any, y_train: Any, x_test: Any = None, *,
                   n_nets: int = 1000, steps: int = 100, learning_rate: Any = None,
                   readout_only: bool = False, tangent_kernel: bool = False,
                   parameterisation: str = "ntk", rng: Any = None) -> TrainedEnsemble:
    r"""Train ``n_nets`` networks of width N by full-batch gradient descent on the squared loss.

    Parameters
    ----------
    net : Network
        Numeric, i.i.d. centred Gaussian priors (Gaussian first layer), any depth, d_out = 1.
    width : int >= 1
        N, the width of every hidden layer.
    x_train : array ``(n, d_in)`` (or ``(n,)``); y_train : array ``(n,)``
    x_test : array ``(m, d_in)``, optional
        Where the outputs are recorded (default: the training inputs).
    n_nets : int >= 1
    steps : int >= 0
    learning_rate : float, optional
        :math:`\eta`; default a quarter of the largest stable step :math:`2/\lambda_{max}` of
        the infinite-width tangent kernel on ``x_train``.  In the standard parameterisation
        each step is :math:`\eta/N` and :math:`\lambda_{max}` that of
        ``ntk_numeric(..., parameterisation="standard")`` (the limit of
        :math:`\Theta_{std}/N`), so the result approaches
        ``trained_gp(..., parameterisation="standard")``.
    readout_only : bool
        Train only the read-out weights and bias (a linear model in its parameters); each
        network's exact Gaussian given its features is then recorded
        (:attr:`TrainedEnsemble.conditional_mean`, ``conditional_covariance``, ``feature_kernel``,
        for ``connected_four_point(estimator="conditional")``).
    tangent_kernel : bool
        Also record each network's empirical tangent kernel at initialisation on the training
        then the test inputs, of the trained parameters (:attr:`TrainedEnsemble.tangent_kernel`;
        no effect on the draws).
    parameterisation : {"ntk", "standard"}
        Gradient descent in the standard normal variables (:mod:`nnqft_sym.ntk`, the default)
        or in the weights and biases themselves (learning rate :math:`\eta/N`); the same
        networks at initialisation.
    rng : int, SeedSequence, Generator or None
        Reproducible: the same seed gives the same networks whatever the chunking.

    Raises
    ------
    ValueError
        If ``learning_rate >= 2/lambda_max`` (gradient descent of the infinite-width network
        diverges), or for bad shapes and ranges.
    NumericalOverflowError
        If the training of some finite network diverged anyway (its tangent kernel fluctuates
        above :math:`\lambda_{max}`): lower the learning rate.

    Examples
    --------
    >>> import numpy as np
    >>> from nnqft_sym import ErfNet, trained_gp
    >>> net, x, y = ErfNet(), [-0.5, 0.5], [0.5, -0.5]
    >>> ens = train_ensemble(net, 256, x, y, n_nets=200, steps=200, rng=1)
    >>> bool(np.all(np.abs(ens.mean - y) < 1e-3))          # the training set is fitted
    True
    """
    _check_trainable(net, "train_ensemble")
    width = _check_width(width)
    n_nets = check_integer(n_nets, "n_nets", 1)
    steps = check_integer(steps, "steps", 0)
    for name, flag in (("readout_only", readout_only), ("tangent_kernel", tangent_kernel)):
        if not isinstance(flag, bool):
            raise TypeError(f"{name} must be True or False, got {flag!r}")
    x, y = check_training_set(net, x_train, y_train)
    xs = x if x_test is None else check_test_inputs(net, x_test)
    standard = check_parameterisation(parameterisation) == "standard"
    eta, bound = _stable_learning_rate(net, x, learning_rate, readout_only, parameterisation)
    step = eta / width if standard else eta
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(
        as_seed_sequence(rng, "rng"))
    size = NetworkEnsemble._size(net, width)
    work = size + 4 * (len(x) + len(xs)) * width * (net.depth + 1)
    chunk = max(1, _CHUNK_FLOATS // work)
    initial, final, initial_train, losses, kernels, final_train = [], [], [], [], [], []
    cond_mean, cond_cov, feature_kernels = [], [], []
    for start in range(0, n_nets, chunk):
        count = min(chunk, n_nets - start)
        ens = NetworkEnsemble._from_draws(net, width, gen.standard_normal((count, size)),
                                          parameterisation)
        if tangent_kernel:
            kernels.append(ens.tangent_kernel(np.concatenate([x, xs]), readout_only=readout_only,
                                              parameterisation=parameterisation))
        if readout_only:                    # the exact Gaussian of each network given h
            phi = ens._readout_features(xs)
            offset, matrix, variances = ens._readout_map(ens._readout_features(x), phi, y, step,
                                                         steps)
            cond_mean.append(offset)
            cond_cov.append(np.einsum("npi,i,nqi->npq", matrix, variances, matrix))
            feature_kernels.append(np.einsum("npi,i,nqi->npq", phi, variances, phi))
        initial.append(ens.outputs(xs))
        initial_train.append(ens.outputs(x))
        with np.errstate(over="ignore", invalid="ignore"):
            for _ in range(steps):
                _check_converging(ens.gradient_step(x, y, step, readout_only), width, eta, bound)
            loss = 0.5 * np.sum((ens.outputs(x) - y) ** 2, axis=-1)
            _check_converging(loss, width, eta, bound,
                              0.5 * np.sum((initial_train[-1] - y) ** 2, axis=-1))
        final.append(ens.outputs(xs))
        if tangent_kernel:
            final_train.append(ens.outputs(x))
        losses.append(loss)
    return TrainedEnsemble(xs, np.concatenate(initial), np.concatenate(final),
                           np.concatenate(initial_train), np.concatenate(losses), width, steps, eta,
                           np.concatenate(final_train) if tangent_kernel else None,
                           np.concatenate(kernels) if tangent_kernel else None,
                           *([np.concatenate(a) for a in (cond_mean, cond_cov, feature_kernels)]
                             if readout_only else [None] * 3))


def trained_kappa4_coefficient(net: Network, x_train: Any, y_train: Any, x_test: Any, *,
                               steps: int, learning_rate: float) -> np.ndarray:
    r"""The 1/N coefficient of the connected four-point function after read-out training, one hidden layer.

    After ``steps`` gradient-descent steps on the read-out (NTK parameterisation) a network is
    exactly Gaussian given its features, :math:`N(\hat m, \hat S)` with :math:`\hat m =
    A(\hat K) Y`, :math:`\hat S = S(\hat K)` the trained-GP mean and covariance
    (:func:`nnqft_sym.trained_gp`, ``readout_only=True``) evaluated on the network's own kernel
    :math:`\hat K = \sigma_b^2 + (v_{out}/N)\sum_j g_j g_j^T` on the test point and the
    training inputs.  By the law of total cumulance
    :math:`\kappa_4 = \kappa_4(\hat m) + 6\kappa(\hat S, \hat m, \hat m) + 3\,\mathrm{Var}\,\hat S`;
    :math:`\hat K` is a mean of N i.i.d. terms with :math:`\mathrm{Cov}(\hat K_{ab}, \hat K_{cd})
    = C_{ab,cd}/N`, so the first two are :math:`O(N^{-3})` and :math:`O(N^{-2})` (cumulants of
    smooth functions of a sample mean) and

    .. math:: \kappa_4(x, x, x, x) = \frac{3}{N} \sum J_{ab} C_{ab,cd} J_{cd} + O(N^{-2}),
              \quad J = \partial S(x, x) / \partial K \text{ at the GP kernel}.

    :math:`C_{ab,cd} = v_{out}^2 E[g_a g_b g_c g_d] - K'_{ab} K'_{cd}` (:math:`K' = K - \sigma_b^2`)
    with the symmetric fourth moment read off the exact initial cumulant,
    :math:`N\kappa_4^{(0)}(a,b,c,d) = 3 v_{out}^2 E[g_a g_b g_c g_d] - \sum_{3} K'K'`
    (``net.connected_green``); :math:`J` by complex-step differentiation (exact to rounding).
    At ``steps = 0`` it is :math:`N\kappa_4^{(0)}(x, x, x, x)`.  Returned: the coefficient
    :math:`c(x)` of :math:`\kappa_4 = c/N + O(N^{-2})`, ``(m,)``.

    Parameters
    ----------
    net : Network
        One hidden layer, numeric, i.i.d. centred Gaussian priors, d_out = 1.
    x_train, y_train, x_test : array_like
        As for :func:`train_ensemble`.
    steps : int >= 0
    learning_rate : float
        :math:`\eta`, below ``max_learning_rate(net, x_train, readout_only=True)``.

    Raises
    ------
    ValueError
        For depth > 1 (the kernel is then not a mean of i.i.d. terms), a learning rate at which
        gradient descent diverges, or bad shapes.

    Examples
    --------
    >>> from nnqft_sym import ErfNet
    >>> net = ErfNet()
    >>> c0 = trained_kappa4_coefficient(net, [0.5], [1.0], [1.5], steps=0, learning_rate=0.1)
    >>> bool(abs(c0[0] - 8 * float(net.connected_green([1.5] * 4, 8))) < 1e-12)
    True
    """
    _check_trainable(net, "trained_kappa4_coefficient")
    if net.depth != 1:
        raise ValueError(f"trained_kappa4_coefficient: one hidden layer (depth = 1), got depth = "
                         f"{net.depth}")
    x, y = check_training_set(net, x_train, y_train)
    xs = check_test_inputs(net, x_test)
    steps = check_integer(steps, "steps", 0)
    eta, _ = _stable_learning_rate(net, x, check_learning_rate(learning_rate), True, "ntk")
    bias = read_variances(net)[-1][1]
    n = len(x)
    out = []
    for point in xs:
        pts = np.concatenate([point[None, :], x])
        kern = np.asarray(net.gram(pts), dtype=float)
        prime = kern - bias
        quads = itertools.combinations_with_replacement(range(n + 1), 4)
        kappa = {q: float(net.connected_green([pts[i] for i in q], 1)) for q in quads}
        fourth = np.empty((n + 1,) * 4)
        for q in itertools.product(range(n + 1), repeat=4):
            a, b, c, d = q
            fourth[q] = (kappa[tuple(sorted(q))] + prime[a, b] * prime[c, d]
                         + prime[a, c] * prime[b, d] + prime[a, d] * prime[b, c]) / 3
        cov = fourth - np.einsum("ab,cd->abcd", prime, prime)
        jac = np.zeros((n + 1, n + 1))
        for a, b in itertools.combinations_with_replacement(range(n + 1), 2):
            step = np.zeros((n + 1, n + 1), dtype=complex)
            step[a, b] += 0.5e-30j
            step[b, a] += 0.5e-30j
            jac[a, b] = jac[b, a] = _trained_variance(kern + step, eta, steps).imag / 1e-30
        out.append(3 * np.einsum("ab,abcd,cd->", jac, cov, jac))
    return np.array(out)


def _stable_learning_rate(net: Network, x: np.ndarray, learning_rate: Any, readout_only: bool,
                          parameterisation: str) -> tuple[float, float]:
    """``(eta, 2 / lambda_max)``: ``learning_rate`` (default a quarter of the bound) checked
    against the largest stable step of the infinite-width tangent kernel on ``x``."""
    bound = max_learning_rate(net, x, readout_only=readout_only, parameterisation=parameterisation)
    eta = bound / 4 if learning_rate is None else check_learning_rate(learning_rate)
    if eta >= bound:
        raise ValueError(f"learning_rate = {eta} makes gradient descent diverge: it must be "
                         f"< 2 / lambda_max = {bound:.6g}, lambda_max the largest eigenvalue of "
                         f"the infinite-width tangent kernel on x_train")
    return eta, bound


def _step_sum(kern: np.ndarray, eta: float, steps: int) -> np.ndarray:
    """eta sum_{j<k} (1 - eta T)^j for kernels ``(..., n, n)``, by Horner's rule (no inverse)."""
    eye = np.eye(kern.shape[-1])
    total = np.zeros_like(kern)
    for _ in range(steps):
        total = eye + total - eta * kern @ total
    return eta * total


def _trained_variance(kern: np.ndarray, eta: float, steps: int) -> Any:
    """S(x, x) = K_xx - 2 A K_Xx + A K_XX A^T, A = K_xX eta sum (1 - eta K_XX)^j: the trained-GP
    variance at the first point of ``kern`` (read-out training; analytic, for complex steps)."""
    gain = kern[0, 1:] @ _step_sum(kern[1:, 1:], eta, steps)
    return kern[0, 0] - 2 * gain @ kern[1:, 0] + gain @ kern[1:, 1:] @ gain


#: a trained network whose loss ends this many times above its initial loss (and above 1) has
#: diverged: gradient descent below 2 / lambda_max of its own tangent kernel lowers the loss
DIVERGED_LOSS_RATIO = 100.0


def _check_converging(loss: np.ndarray, width: int, eta: float, bound: float,
                      initial: np.ndarray | None = None) -> None:
    """Refuse non-finite losses, and (after training) losses that grew by more than
    :data:`DIVERGED_LOSS_RATIO`: a finite network whose tangent kernel exceeds 2 / eta diverged
    (at N = 4 a few per cent of ReLU networks reach outputs of 1e13 at half the bound)."""
    bad = ~np.isfinite(loss)
    if initial is not None:
        with np.errstate(invalid="ignore"):
            bad |= loss > DIVERGED_LOSS_RATIO * np.maximum(initial, 1.0)
    if np.any(bad):
        raise NumericalOverflowError(
            f"train_ensemble: gradient descent diverged for {int(np.sum(bad))} of {len(loss)} "
            f"networks of width {width} at learning_rate = {eta} (below 2 / lambda_max = "
            f"{bound:.6g} of the infinite-width kernel, but the finite-width tangent kernel "
            f"fluctuates above it): lower learning_rate")


def _k_statistic_4(samples: np.ndarray) -> np.ndarray:
    """Fisher's unbiased estimator of the fourth cumulant along axis 0 (``n >= 4`` rows)."""
    n = len(samples)
    d = samples - samples.mean(axis=0)
    m2, m4 = np.mean(d ** 2, axis=0), np.mean(d ** 4, axis=0)
    return n * n * ((n + 1) * m4 - 3 * (n - 1) * m2 ** 2) / ((n - 1) * (n - 2) * (n - 3))


def _central(samples: np.ndarray) -> np.ndarray:
    return samples - samples.mean(axis=0)


def _joint_k2(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Unbiased joint second cumulant (k-statistic) along axis 0 of centred ``a``, ``b``."""
    n = len(a)
    return n / (n - 1) * np.mean(a * b, axis=0)


def _joint_k3(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Unbiased joint third cumulant along axis 0 of centred samples (``n >= 3``)."""
    n = len(a)
    return n * n / ((n - 1) * (n - 2)) * np.mean(a * b * c, axis=0)


def _joint_k4_of(a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Unbiased joint fourth cumulant along axis 0 of centred samples (``n >= 4``): the
    polarisation of Fisher's k4, ``3 m2^2 -> m_ab m_cd + m_ac m_bd + m_ad m_bc``."""
    n = len(a)
    m = functools.partial(np.mean, axis=0)
    pairs = m(a * b) * m(c * d) + m(a * c) * m(b * d) + m(a * d) * m(b * c)
    return n * n * ((n + 1) * m(a * b * c * d) - (n - 1) * pairs) / ((n - 1) * (n - 2) * (n - 3))


def _joint_k4(samples: np.ndarray, quads: np.ndarray) -> np.ndarray:
    """The joint k-statistic of the outputs ``(n, m)`` at each index quadruple ``(k, 4)``."""
    d = _central(samples)
    return _joint_k4_of(*(d[:, quads[:, i]] for i in range(4)))


def _conditional_k4(mean: np.ndarray, cov: np.ndarray, quads: np.ndarray) -> np.ndarray:
    """kappa_4 of outputs that are N(mean, cov) given the features, by the law of total
    cumulance with unbiased joint k-statistics over the networks (``mean (n, m)``,
    ``cov (n, m, m)``): one estimate per index quadruple."""
    dm, dc = _central(mean), _central(cov)
    mi = [dm[:, quads[:, i]] for i in range(4)]

    def s(i: int, j: int) -> np.ndarray:
        return dc[:, quads[:, i], quads[:, j]]

    total = _joint_k4_of(*mi)
    for (i, j), (k, l) in (((0, 1), (2, 3)), ((0, 2), (1, 3)), ((0, 3), (1, 2))):
        total = total + _joint_k3(s(i, j), mi[k], mi[l]) + _joint_k3(s(k, l), mi[i], mi[j])
        total = total + _joint_k2(s(i, j), s(k, l))
    return total
