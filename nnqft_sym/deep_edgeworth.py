r"""The single-input chain of a deep network with non-Gaussian i.i.d. weights, to order 1/N^2.

With :math:`W_{ij} = \sqrt{w/N}\,\xi_{ij}` after the first layer and :math:`\xi` of a
symmetric law with cumulants :math:`\kappa_4, \kappa_6`, the pre-activations of layer l+1
are, given layer l, i.i.d. with the cumulants

.. math:: \kappa_2 = b + w A_1, \qquad \kappa_4 = \frac{\tau}{N},\ \tau = \kappa_4 w^2 A_2,
          \qquad \kappa_6 = \frac{\upsilon}{N^2},\ \upsilon = \kappa_6 w^3 A_3,

where :math:`A_r = \frac1N\sum_j \phi(z_j)^{2r}` are the power means of the features of
layer l (the Gaussian chain of :mod:`nnqft_sym.deep_orders` has only :math:`A_1`).  The
Edgeworth series of one neuron's expectation, with the heat equation
:math:`E_G[H^{(2k)}] = 2^k \partial_G^k M_H(G)`, :math:`M_H(G) = E_G[H]`, is

.. math:: E[H(z) \mid l] = M_H + \frac{\tau}{6N} M_H'' + \frac{1}{N^2}\Big[\frac{\upsilon}{90}
          M_H''' + \frac{\tau^2}{72} M_H''''\Big] + O(N^{-3}),

so no derivative of the activation is needed (the score identity of
:mod:`nnqft_sym.variance_jets` gives the G-derivatives, kinks included).  A function of the
state :math:`(G, \tau, \upsilon)` of layer l+1 is carried as
:math:`\Phi = \Phi_0(G) + [\alpha(G) + \beta(G)\,\tau]/N + \Phi_2/N^2` (jets in G about the
infinite-width variance, :math:`\Phi_2` a number at the infinite-width state), and one step
back is the expansion of the mean of N i.i.d. features (mean, covariance and third cumulant
of :math:`(\phi^2, \phi^4)` under the conditional law above).  The read-out is the last step,
:math:`\Phi(G) = E[f^{2p} \mid G, \tau, \upsilon]`.  Reduces to the Gaussian chain for
Gaussian weights (tested), and equals the exact power-sum chain of
:func:`nnqft_sym.exact_single_input_moments` for ReLU (tested).
"""
from __future__ import annotations

import math
import numpy as np

from .deep import read_variances, weight_fourth_cumulants
from .errors import DivergentExpectationError
from .specification import NetworkSpec as Network
from .variance_jets import _compose, _derivative, _moment_jets, _series_mul

__all__: list[str] = []

#: the orders in 1/N this chain carries (the 1/N^3 terms need kappa_8 and more state)
MAX_EDGEWORTH_ORDER = 2
_JET_DEGREE = 4


def reader_cumulants(net: Network, order: int) -> list[tuple[float, float]]:
    r"""(:math:`\kappa_4`, :math:`\kappa_6`) of the standardised weights of every layer that
    reads a hidden layer (hidden layers 2..L, then the read-out); 0 for Gaussian weights, and
    0 where ``order`` does not reach them (:math:`\kappa_4` enters at 1/N, :math:`\kappa_6`
    at 1/N^2).  :math:`\kappa_4` is :func:`nnqft_sym.weight_fourth_cumulants` (which refuses
    laws with a third moment: the series here has no odd cumulants)."""
    layers = range(2, net.depth + 2)
    fourth = weight_fourth_cumulants(net) if order >= 1 else [0.0] * len(layers)
    if order < 2:
        return [(k4, 0.0) for k4 in fourth]
    out = []
    for layer, k4 in zip(layers, fourth):
        law = net.priors.layer(layer)[0].law
        try:
            m6 = float(law.moment(6))
        except DivergentExpectationError as exc:
            raise DivergentExpectationError(
                f"the 1/N^2 terms need E[xi^6] of the weights reading layer {layer - 1}: {exc}"
            ) from None
        out.append((k4, m6 - 15.0 * (k4 + 3.0) + 30.0))
    return out


def _output_function(p: int, variance: float, tau: float, upsilon: float
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    r"""(:math:`\Phi_0`, :math:`\alpha`, :math:`\beta`, :math:`\Phi_2`) of
    :math:`E[f^{2p} \mid G, \tau, \upsilon]`: the Edgeworth series of :math:`z^{2p}`, exact."""
    c = math.prod(range(1, 2 * p, 2))                      # (2p - 1)!!
    power = np.zeros(_JET_DEGREE + 1)                      # jet of c G^p about the variance
    for i in range(min(p, _JET_DEGREE) + 1):
        power[i] = c * math.comb(p, i) * variance ** (p - i)
    beta = _derivative(power, 2) / 6.0
    third = _derivative(power, 3)[0]
    fourth = _derivative(power, 4)[0]
    return power, np.zeros(_JET_DEGREE + 1), beta, upsilon * third / 90.0 + tau ** 2 * fourth / 72.0


def _step_back(phi: tuple[np.ndarray, np.ndarray, np.ndarray, float], moments: list[np.ndarray],
               w: float, k4: float, state: tuple[float, float]
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    r"""E[Phi(state of layer l+1) | layer l] as a function of the state of layer l.

    ``moments``: jets of :math:`M_1, M_2, M_3` about :math:`K_l`; ``w``, ``k4``: the variance
    and fourth cumulant of the weights reading layer l; ``state``: (:math:`\tau_l`,
    :math:`\upsilon_l`) at infinite width, where :math:`\Phi_2` is evaluated."""
    phi0, alpha, beta, phi2 = phi
    tau, upsilon = state
    m1, m2, m3 = (jet[: _JET_DEGREE + 1] for jet in moments)
    inner = w * m1.copy()
    inner[0] = 0.0
    comp = lambda jet: _compose(jet, inner)                         # noqa: E731  f(b + w M_1(G))
    c11 = m2 - _series_mul(m1, m1)
    c12 = m3 - _series_mul(m1, m2)
    k111 = m3 - 3 * _series_mul(m2, m1) + 2 * _series_mul(_series_mul(m1, m1), m1)
    d1m1 = [_derivative(np.asarray(moments[0], float), n) for n in range(5)]
    m1pp = d1m1[2][: _JET_DEGREE + 1]
    m2pp = _derivative(np.asarray(moments[1], float), 2)[0]
    # the new functions of layer l (jets in G about K_l)
    new_phi0 = comp(phi0)
    new_alpha = (comp(alpha) + 0.5 * w ** 2 * _series_mul(comp(_derivative(phi0, 2)), c11)
                 + k4 * w ** 2 * _series_mul(comp(beta), m2))
    new_beta = w / 6.0 * _series_mul(comp(_derivative(phi0, 1)), m1pp)
    # the 1/N^2 terms at the infinite-width state (G = K_l, tau_l, upsilon_l)
    f = [_derivative(phi0, n)[0] for n in range(5)]
    a1, a2 = _derivative(alpha, 1)[0], _derivative(alpha, 2)[0]
    b0, b1, b2 = beta[0], _derivative(beta, 1)[0], _derivative(beta, 2)[0]
    mu1_1 = tau * d1m1[2][0] / 6.0                                   # N (mu_1 - M_1) at O(1)
    mu1_2 = upsilon * d1m1[3][0] / 90.0 + tau ** 2 * d1m1[4][0] / 72.0
    c11_1 = tau * (m2pp - 2 * m1[0] * d1m1[2][0]) / 6.0              # N (C_11 - C_11^G)
    mu2_1 = tau * m2pp / 6.0
    new_phi2 = (phi2
                + f[1] * w * mu1_2 + 0.5 * f[2] * w ** 2 * (c11_1 + mu1_1 ** 2)
                + f[3] * w ** 3 * (k111[0] + 3 * mu1_1 * c11[0]) / 6.0 + f[4] * w ** 4 * c11[0] ** 2 / 8.0
                + a1 * w * mu1_1 + 0.5 * a2 * w ** 2 * c11[0]
                + k4 * w ** 2 * (b0 * mu2_1 + b1 * w * (mu1_1 * m2[0] + c12[0])
                                 + 0.5 * b2 * w ** 2 * c11[0] * m2[0]))
    return new_phi0, new_alpha, new_beta, float(new_phi2)


def edgeworth_moment_series(net: Network, first_variance: float, order: int) -> np.ndarray:
    r"""Rows p = 1, 2, 3: the coefficients of :math:`N^{-k}`, k <= ``order`` <= 2, of
    :math:`E[f^{2p}]` at one input whose first-layer pre-activation variance is
    ``first_variance`` (the caller checks the network)."""
    readers = read_variances(net)
    cumulants = reader_cumulants(net, order)
    degree = _JET_DEGREE + 4
    variances, states, jets = [first_variance], [(0.0, 0.0)], []
    for (w, b), (k4, k6) in zip(readers, cumulants):
        m = _moment_jets(net, variances[-1], 3, degree)
        jets.append(m)
        variances.append(b + w * m[0][0])
        states.append((k4 * w ** 2 * m[1][0], k6 * w ** 3 * m[2][0]))
    rows = []
    for p in (1, 2, 3):
        phi = _output_function(p, variances[-1], *states[-1])
        for layer in range(len(readers) - 1, -1, -1):       # the reader of layer l = layer + 1
            (w, _), (k4, _) = readers[layer], cumulants[layer]
            phi = _step_back(phi, jets[layer], w, k4, states[layer])
        phi0, alpha, beta, phi2 = phi
        # layer 1 is exactly Gaussian: tau = upsilon = 0 there, no fluctuation
        rows.append([phi0[0], alpha[0], phi2][: order + 1])
    return np.array(rows)


def check_edgeworth_order(order: int, what: str) -> None:
    """Refuse orders past :data:`MAX_EDGEWORTH_ORDER` for non-Gaussian weights."""
    if order > MAX_EDGEWORTH_ORDER:
        raise ValueError(f"{what}: with non-Gaussian weights after the first layer the series is "
                         f"carried to order 1/N^{MAX_EDGEWORTH_ORDER}, got order = {order} (the "
                         "next order needs the eighth cumulants and more state)")
