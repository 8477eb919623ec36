r"""Deep networks past leading order in 1/N: NLO kernel, single-input series, six-point function.

Results on top of the layer recursions of :mod:`nnqft_sym.deep` (Roberts, Yaida, Hanin,
arXiv:2106.10165, ch. 4-5; all hidden layers of width N, Gaussian weights and biases):

* :func:`nlo_kernel` -- the NLO kernel :math:`K_1` on any set of inputs,
  :math:`E[f(x_a) f(x_b)] = K_{ab} + K_{1,ab}/N + O(N^{-2})` (the recursion for :math:`K_1` is
  written out in :mod:`nnqft_sym.deep`).
* :func:`single_input_series` -- at one input x, the coefficients of :math:`1/N^k`,
  :math:`k \le` ``order``, of :math:`E[f^2]`, :math:`E[f^4]`, :math:`E[f^6]` and of the
  connected four- and six-point functions, for any depth: the :math:`O(1/N^2)` correction to
  the four-point function and the leading :math:`O(1/N^2)` six-point function at one input.
* :func:`leading_connected_six_point` -- the leading :math:`O(1/N^2)` connected six-point
  function at distinct inputs, from the recursion of the third cumulant of the layer
  covariances.

The single-input series rests on an exact fact: at one input the whole network is a scalar
Markov chain.  Given layer l, the pre-activations of layer l+1 are i.i.d. Gaussian with the
random variance

.. math::

    \hat G_{l+1} = b_l + w_l \bar F_l, \qquad
    \bar F_l = \frac1N \sum_{k=1}^N F(z_k), \quad z_k \overset{iid}{\sim} N(0, \hat G_l),
    \quad F = (n_l \phi)^2,

(:math:`(w_l, b_l)` the weight variance times N and the bias variance of the layer that reads
layer l, :math:`n_l` the architecture's normalisation at the infinite-width variance), and the
output is :math:`f \mid \hat G_{L+1} \sim N(0, \hat G_{L+1})`, so
:math:`E[f^{2p}] = (2p - 1)!!\, E[\hat G_{L+1}^p]`, :math:`\kappa_4(f) = 3\,\mathrm{Var}\,
\hat G_{L+1}` and :math:`\kappa_6(f) = 15\,\kappa_3(\hat G_{L+1})`.  One step of the chain acts on
a function :math:`\Phi` by the exact expansion of the mean of N i.i.d. variables,

.. math::

    E[\Phi(\hat G_{l+1}) \mid \hat G_l = G] = \sum_{n \ge 0} \frac{w_l^n}{n!}\,
    \Phi^{(n)}(b_l + w_l \mu(G))\, E[(\bar F - \mu)^n]
    = \Phi + \frac{w_l^2 \Phi'' \sigma^2}{2N}
    + \frac{1}{N^2}\Big[\frac{w_l^3 \Phi''' \kappa_3}{6} + \frac{w_l^4 \Phi'''' \sigma^4}{8}\Big]
    + O(N^{-3}),

with :math:`\mu, \sigma^2, \kappa_3, \ldots` the cumulants of :math:`F(z)`,
:math:`z \sim N(0, G)` (:math:`E[(\bar F - \mu)^n]` is the sum over the partitions of n into
blocks of size >= 2 of :math:`\prod_B \kappa_{|B|} N^{1 - |B|}`).  The chain is run backwards
from :math:`\Phi(G) = G^p` on truncated Taylor series ("jets") around the infinite-width
variances :math:`K^{(l)}`; the derivatives of the moments :math:`m_j(G) = E_G[F^j]` in the
variance come from the Gaussian score identity
:math:`\partial_G^i E_G[H] = E_G[H(z)\,\mathrm{He}_{2i}(z/\sqrt G)]/(2G)^i` (no derivative of
the activation, so kinks such as ReLU's are fine).

Closed forms.  For a positively homogeneous activation of degree 1 (ReLU, leaky ReLU, |z|)
:math:`\mu(G) = A\,G` is linear, so :math:`E[\hat G_{l+1}] = b_l + w_l A\, E[\hat G_l]` holds
exactly: at a single input :math:`E[f^2] = K` at every width and depth, :math:`K_1(x, x) = 0`
(off the diagonal :math:`K_1 \ne 0`).  For ReLU, :math:`\hat G_{l+1} = b_l + w_l \hat G_l Y_l`
with :math:`N Y_l \sim \chi^2_{B}`, :math:`B \sim \mathrm{Bin}(N, 1/2)`, independent of
:math:`\hat G_l`, so every moment is a polynomial in 1/N of degree L; at depth 2,

.. math::

    \Delta G^{(4)}(x,x,x,x) = \frac{15}{N}\Big[\frac{w^2 v^2}{16} (K^{(1)})^2
        + \frac{v^2}{4} (K^{(2)})^2\Big] + \frac{75\, w^2 v^2 (K^{(1)})^2}{16\, N^2}

exactly (:math:`w = \sigma_W^2`, :math:`v = v_{out}`).
"""
from __future__ import annotations

import functools
import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from .activations import activation_rules
from .deep import (_check_centred_readout, _check_gaussian_layers, _distinct, _four_point_moments, _layer_normalisation,
                   _pair_statistics, _symmetric_moments, layer_kernels, layer_recursion,
                   pair_expectation, read_variances)
from .partitions import pairings
from .quadrature import gaussian_expectation
from .specification import Z
from .specification import NetworkSpec as Network
from .deep_edgeworth import check_edgeworth_order, edgeworth_moment_series, reader_cumulants
from .priors import ParameterPrior
from .validation import as_points
from .variance_jets import (_central_moment_jets, _compose, _cumulant_jets, _derivative,
                            _moment_jets, _series_mul)

__all__ = ["nlo_kernel", "SingleInputSeries", "single_input_series",
           "leading_connected_six_point", "NextOrderFourPoint", "next_order_four_point"]

#: highest order in 1/N of :func:`single_input_series` (the moment jets need Hermite
#: polynomials of degree 4 * order, whose Gaussian integrals cancel more at higher order)
MAX_ORDER = 4


def nlo_kernel(net: Network, points: Any) -> np.ndarray:
    r"""The NLO kernel :math:`K_1`: :math:`E[f(x_a) f(x_b)] = K_{ab} + K_{1,ab}/N + O(N^{-2})`.

    The 1/N correction to the output two-point function of a deep network with all hidden
    layers of width N (Roberts, Yaida, Hanin, arXiv:2106.10165, ch. 4: the NLO metric), from
    the recursion :math:`K^{(l+1)}_{1,ab} = \sigma_W^2[\sum_p \partial_p M_{ab} K^{(l)}_{1,p}
    + \frac12 \sum_{p,q} \partial_p\partial_q M_{ab} V^{(l)}_{pq}]` of
    :func:`nnqft_sym.layer_recursion` (:math:`K_1^{(1)} = 0`).  It vanishes at depth 1 (the
    two-point function of one hidden layer is exactly K at every N) and at a single input for
    positively homogeneous activations of degree 1 such as ReLU (:math:`E[f(x)^2] = K(x, x)` at
    every width there, see :mod:`nnqft_sym.deep_orders`); :func:`single_input_series` gives the
    next coefficients at one input.

    With read-out means (weights :math:`\mu_W/N` each, bias :math:`\mu_b`) this is the 1/N
    coefficient of the connected two-point function,
    :math:`\mathrm{Cov}(f(x_a), f(x_b)) = K_{ab} + (K_{1,ab} + C_{ab})/N`, with
    :math:`C = N\,\mathrm{Cov}(\hat m_a, \hat m_b)` the fluctuation of the output's mean
    given the last hidden layer (:class:`nnqft_sym.LayerRecursion`; :math:`K_1` alone is its
    ``output_kernel_correction``); then it is non-zero at depth 1 too,
    :math:`\mu_W^2 (E[g_a g_b] - E[g_a]E[g_b])`.

    Parameters
    ----------
    net : Network
        Numeric hyper-parameters, Gaussian first-layer pre-activations, Gaussian weights and
        biases after the first layer, any depth.
    points : array (m, d_in) (or (m,) when d_in = 1)
        Input points.

    Returns
    -------
    numpy.ndarray (m, m)
        :math:`K_{1}(x_a, x_b)`.

    Raises
    ------
    ValueError
        If the hyper-parameters are symbolic, the priors are not of the supported kind or the
        points do not have shape (m, d_in).

    Examples
    --------
    >>> import numpy as np
    >>> from nnqft_sym import ReLUNet, nlo_kernel
    >>> k1 = nlo_kernel(ReLUNet(sigma_w=np.sqrt(2), sigma_b=0.5, depth=2), [0.5, 0.2])
    >>> bool(abs(k1[0, 0]) < 1e-12), bool(k1[0, 1] < 0)     # zero on the diagonal for ReLU
    (True, True)
    """
    rec = layer_recursion(net, points)
    return rec.output_kernel_correction + rec.mean_covariance


@dataclass(frozen=True)
class SingleInputSeries:
    r"""Coefficients of :math:`1/N^k` of the output moments of a deep network at one input.

    Every attribute is an array ``(order + 1,)`` whose entry k is the coefficient of
    :math:`N^{-k}` (all hidden layers of width N).

    Attributes
    ----------
    x : ndarray (d_in,)
        The input.
    variance_moments : ndarray (3, order + 1) or None
        Row p - 1: the series of :math:`E[\hat G_{L+1}^p]`, p = 1, 2, 3, where
        :math:`f \mid \hat G_{L+1} \sim N(0, \hat G_{L+1})` (Gaussian weights); None with
        non-Gaussian weights, where the output is not Gaussian given the last layer.
    moments : ndarray (3, order + 1)
        Row p - 1: the series of :math:`E[f^{2p}]` (from ``variance_moments`` when omitted).
    """

    x: np.ndarray
    variance_moments: np.ndarray | None
    moments: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.moments is None:
            object.__setattr__(self, "moments",
                               np.asarray(self.variance_moments) * np.array([[1.0], [3.0], [15.0]]))

    @property
    def order(self) -> int:
        """Highest power of 1/N kept."""
        return self.moments.shape[1] - 1

    @property
    def two_point(self) -> np.ndarray:
        r""":math:`E[f(x)^2] = K + K_1/N + K_2/N^2 + \dots`."""
        return self.moments[0].copy()

    @property
    def four_point(self) -> np.ndarray:
        r""":math:`G^{(4)}(x,x,x,x) = E[f^4]` (:math:`3 E[\hat G^2]` for Gaussian weights)."""
        return self.moments[1].copy()

    @property
    def six_point(self) -> np.ndarray:
        r""":math:`G^{(6)}(x,\dots,x) = E[f^6]` (:math:`15 E[\hat G^3]` for Gaussian weights)."""
        return self.moments[2].copy()

    @property
    def delta_four_point(self) -> np.ndarray:
        r""":math:`\Delta G^{(4)} = E[f^4] - 3K^2` (leading term :func:`nnqft_sym.leading_delta_green`)."""
        out = self.four_point
        out[0] -= 3 * self.two_point[0] ** 2
        return out

    @property
    def connected_four_point(self) -> np.ndarray:
        r""":math:`\kappa_4 = E[f^4] - 3 E[f^2]^2` (:math:`3\,\mathrm{Var}\,\hat G` for Gaussian
        weights; leading term :func:`nnqft_sym.leading_connected_four_point`)."""
        m2, m4, _ = self.moments
        return m4 - 3 * _series_mul(m2, m2)

    @property
    def connected_six_point(self) -> np.ndarray:
        r""":math:`\kappa_6 = E f^6 - 15 E f^4 E f^2 + 30 (E f^2)^3`, of order :math:`1/N^2`
        (:math:`15\,\kappa_3(\hat G)` for Gaussian weights)."""
        m2, m4, m6 = self.moments
        return m6 - 15 * _series_mul(m4, m2) + 30 * _series_mul(_series_mul(m2, m2), m2)

    def evaluate(self, coefficients: Any, width: Any) -> np.ndarray | float:
        r"""The truncated series :math:`\sum_k c_k N^{-k}` of one of the attributes at ``width``.

        Examples
        --------
        >>> import numpy as np
        >>> from nnqft_sym import ReLUNet, single_input_series
        >>> s = single_input_series(ReLUNet(sigma_w=np.sqrt(2), sigma_b=0.5, depth=2), 0.5)
        >>> round(float(s.evaluate(s.delta_four_point, 16)), 10)   # 23.4375/16 + 42.1875/16^2
        1.6296386719
        """
        n = np.asarray(width, dtype=float)
        out = sum(c * n ** (-k) for k, c in enumerate(np.asarray(coefficients, dtype=float)))
        return float(out) if np.ndim(out) == 0 else out


def single_input_series(net: Network, x: Any, order: int = 2) -> SingleInputSeries:
    r"""Output moments of a deep network at one input as a series in 1/N, to ``order``.

    The scalar Markov chain of the layer variances (see :mod:`nnqft_sym.deep_orders`): gives
    :math:`E[f^2]`, :math:`E[f^4]`, :math:`E[f^6]`, :math:`\Delta G^{(4)}` and the connected
    four- and six-point functions at :math:`x_1 = \dots = x_n = x`, including the
    :math:`O(1/N^2)` correction to the four-point function and the leading
    :math:`O(1/N^2)` connected six-point function.  The order-1 coefficients agree with
    :func:`nlo_kernel` and :func:`nnqft_sym.leading_delta_green` (the layer recursions).

    Parameters
    ----------
    net : Network
        Numeric hyper-parameters, Gaussian first-layer pre-activations, Gaussian biases after
        the first layer, any depth; all hidden layers have width N.  The weights after the
        first layer may have any symmetric i.i.d. laws (Rademacher, uniform, Laplace,
        Student-t with the moments needed) up to ``order`` 2: the Edgeworth chain of
        :mod:`nnqft_sym.deep_edgeworth`, where ``variance_moments`` is None.
    x : float or array (d_in,)
        The input.
    order : int, default 2
        Highest power of 1/N, 0 to ``MAX_ORDER`` = 4.

    Returns
    -------
    SingleInputSeries

    Raises
    ------
    TypeError
        If ``order`` is not an integer.
    ValueError
        If ``order`` is out of range, ``x`` is not one point, or the network is not of the
        supported kind (as :func:`nnqft_sym.layer_recursion`).

    Examples
    --------
    Deep ReLU: :math:`E[f^2] = K` at every width, and at depth 2 (sigma_W^2 = 2, sigma_b^2 =
    1/4, x = 1/2) :math:`\Delta G^{(4)} = 23.4375/N + 42.1875/N^2` exactly:

    >>> import numpy as np
    >>> from nnqft_sym import ReLUNet, single_input_series
    >>> s = single_input_series(ReLUNet(sigma_w=np.sqrt(2), sigma_b=0.5, depth=2), 0.5)
    >>> (s.two_point.round(10) + 0.0).tolist(), (s.delta_four_point.round(8) + 0.0).tolist()
    ([1.25, 0.0, 0.0], [0.0, 23.4375, 42.1875])

    Rademacher hidden weights change the 1/N^2 term only (the exact value is 27/16):

    >>> r = single_input_series(ReLUNet(sigma_w=np.sqrt(2), sigma_b=0.5, depth=2)
    ...                         .with_priors(hidden_weights="rademacher"), 0.5)
    >>> (r.delta_four_point.round(8) + 0.0).tolist()
    [0.0, 23.4375, 1.6875]
    """
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)):
        raise TypeError(f"order must be an integer from 0 to {MAX_ORDER}, got {order!r}")
    if not 0 <= order <= MAX_ORDER:
        raise ValueError(f"order must be from 0 to {MAX_ORDER}, got {order}")
    order = int(order)
    pts = as_points(x, net.d_in, "x")
    if pts.ndim != 2 or pts.shape[0] != 1:
        raise ValueError(f"x must be one input point (a number or shape (d_in,)), got shape "
                         f"{np.shape(x)}")
    first = float(layer_kernels(net, pts[0], pts[0])[0, 0])      # checks the network
    _check_centred_readout(net, "single_input_series (past the leading 1/N order)")
    if _non_gaussian_weights(net):
        check_edgeworth_order(order, "single_input_series")
        return SingleInputSeries(pts[0].copy(), None, edgeworth_moment_series(net, first, order))
    _check_gaussian_layers(net, "single_input_series")
    degree = 2 * order
    variances = [first]
    moment_jets = []
    for w, b in read_variances(net):
        jets = _moment_jets(net, variances[-1], 2 * order if order else 1, degree)
        moment_jets.append(jets)
        variances.append(b + w * jets[0][0])
    rows = []
    for p in (1, 2, 3):
        top = np.zeros(degree + 1)
        top[: p + 1] = [math.comb(p, i) * variances[-1] ** (p - i) for i in range(min(p, degree) + 1)]
        phi = [top] + [np.zeros(degree + 1) for _ in range(order)]
        for (w, _), jets in zip(reversed(read_variances(net)), reversed(moment_jets)):
            phi = _step_back(phi, jets, w, order, degree)
        rows.append([jet[0] for jet in phi])
    return SingleInputSeries(pts[0].copy(), np.array(rows))


def _step_back(phi: list[np.ndarray], moments: list[np.ndarray], w: float, order: int,
               degree: int) -> list[np.ndarray]:
    r"""One step of the chain backwards: the series (in 1/N) of jets of
    :math:`E[\Phi(\hat G_{l+1}) \mid \hat G_l = G]` at :math:`K^{(l)}` from that of
    :math:`\Phi` at :math:`K^{(l+1)}`."""
    kappa = _cumulant_jets(moments)
    central = _central_moment_jets(kappa, order) if order else {}
    inner = w * moments[0].copy()
    inner[0] = 0.0
    out = [np.zeros(degree + 1) for _ in range(order + 1)]
    for k_prime, jet in enumerate(phi):
        out[k_prime] += _compose(jet, inner)
        for (n, r), c_nr in central.items():
            if k_prime + r <= order:
                shifted = _compose(_derivative(jet, n), inner)
                out[k_prime + r] += w ** n / math.factorial(n) * _series_mul(shifted, c_nr)
    return out


def _non_gaussian_weights(net: Network, readout_only: bool = False) -> bool:
    """True when the only non-Gaussian groups after the first layer are i.i.d. weights (prior
    objects scaled by the fan-in; the biases are checked by :func:`nnqft_sym.layer_kernels`),
    and, with ``readout_only``, the read-out weights alone."""
    laws = [(name, p) for name, p in net.priors.groups().items()
            if not name.startswith("first") and not p.is_gaussian]
    return bool(laws) and all(isinstance(p, ParameterPrior) and p.fan_in_scaled
                              and not (readout_only and name != "readout_weights")
                              for name, p in laws)


# ============================================================================ leading six-point
#: above this many distinct points the six-point recursion is refused (O(m^6) tensors, and
#: six-point Gaussian moments of rank m at every layer)
MAX_SIX_POINT_DISTINCT = 4


def leading_connected_six_point(net: Network, points: Any) -> np.ndarray | float:
    r"""Coefficient c of the connected six-point function :math:`\kappa_6 = c/N^2 + O(N^{-3})`.

    With :math:`N^2 \kappa_3(\hat G_p, \hat G_q, \hat G_r) \to U_{pqr}` the leading third
    cumulant of the layer covariances (p, q, r pairs of inputs), the output is Gaussian given
    the last hidden layer, so :math:`\kappa_6(f_1 \dots f_6) = \sum_{\pi} U^{out}_{\pi_1 \pi_2
    \pi_3}/N^2` over the 15 pairings :math:`\pi`.  The law of total cumulance over one layer
    (given layer l: mean :math:`\mu(\hat G)`, covariance :math:`C(\hat G)/N` and third
    cumulant :math:`\kappa_3^F(\hat G)/N^2` of the mean of N i.i.d. :math:`F_p = g_a g_b`),
    expanded around :math:`K^{(l)}` with :math:`a_p = \partial\mu_p`,
    :math:`H_p = \partial^2 \mu_p`, gives the recursion (Roberts, Yaida, Hanin,
    arXiv:2106.10165, ch. 4, the six-point vertex; here for arbitrary inputs)

    .. math::

        U^{(l+1)}_{pqr} = w^3 \Big[\kappa^F_{3,pqr}
            + \sum_{(p|qr)} a_p^T V^{(l)} \partial C_{qr}
            + \sum_{stu} a_{p,s} a_{q,t} a_{r,u} U^{(l)}_{stu}
            + \sum_{(pq|r)} a_p^T V^{(l)} H_r V^{(l)} a_q\Big],

    :math:`U^{(1)} = 0`, sums over the three ways to single out one of p, q, r, derivatives
    with respect to the independent covariance entries.  The derivatives of the four-point
    moments in :math:`\partial C` come from Price's theorem for smooth activations and, for
    positively homogeneous ones (ReLU), from Price's theorem off the diagonal plus Euler's
    identity :math:`2 C_{ii}\partial_{C_{ii}} E + \sum_{j \ne i} C_{ij}\partial_{C_{ij}} E = h_i E`.
    At depth 1 this is the exact one-layer :math:`N^2 \kappa_6`; at one input it equals
    ``single_input_series(net, x).connected_six_point[2]``.

    Parameters
    ----------
    net : Network
        As :func:`nnqft_sym.layer_recursion`; smooth or positively homogeneous activation.
        Hidden and read-out weights may have symmetric i.i.d. laws: the read-out law adds
        :math:`\kappa_6^\xi v^3 M_6 + \kappa_4^\xi v^3 \sum_{(4|2)} N\,\mathrm{Cov}(\bar A_4,
        \bar A_2)` (law of total cumulance over the last hidden layer), the hidden laws do not
        enter at this order.
    points : array (..., 6, d_in) (or (..., 6))
        Six inputs with at most ``MAX_SIX_POINT_DISTINCT`` = 4 distinct ones per combination.

    Raises
    ------
    ValueError
        If there are not six points, more than 4 distinct ones, or the activation has kinks
        and is not positively homogeneous.

    Examples
    --------
    >>> import numpy as np
    >>> from nnqft_sym import ReLUNet, leading_connected_six_point
    >>> net = ReLUNet(sigma_w=np.sqrt(2), sigma_b=0.5, depth=2)
    >>> round(leading_connected_six_point(net, [0.5] * 6), 6)     # = the single-input chain
    2204.0625
    """
    _check_centred_readout(net, "leading_connected_six_point (past the leading 1/N order)")
    # the read-out law's (kappa_4, kappa_6); its sixth moment must exist
    law = reader_cumulants(net, 2)[-1] if _non_gaussian_weights(net) else None
    if law is None:
        _check_gaussian_layers(net, "leading_connected_six_point")
    pts = as_points(points, net.d_in)
    if pts.shape[-2] != 6:
        raise ValueError(f"points: the six-point function needs 6 points, got {pts.shape[-2]}")
    rules = activation_rules(net.activation)
    if rules.kinks and rules.homogeneity is None:
        raise ValueError(f"leading_connected_six_point: the activation {net.activation} has kinks "
                         f"at {list(rules.kinks)} and is not positively homogeneous; the "
                         "derivatives of its four-point moments are not available")
    batch = pts.reshape(-1, 6, net.d_in)
    out = np.empty(len(batch))
    for n, combination in enumerate(batch):
        uniq, index = _distinct(net, combination)
        if len(uniq) > MAX_SIX_POINT_DISTINCT:
            raise ValueError(f"points: at most {MAX_SIX_POINT_DISTINCT} distinct inputs per "
                             f"six-point combination, got {len(uniq)}")
        stats = _beyond_leading(net, uniq, next_order=False, readout_law=law)
        u_out = stats.third_cumulant
        out[n] = sum(u_out[tuple(index[k] for pair in matching for k in pair)]
                     for matching in pairings(6))
        if stats.readout_law_part is not None:
            out[n] += stats.readout_law_part[tuple(index)]
    result = out.reshape(pts.shape[:-2])
    return float(result) if result.ndim == 0 else result


@dataclass(frozen=True)
class _BeyondLeading:
    """Output statistics past leading order on the distinct points (pair slots over (m, m))."""

    kernel: np.ndarray             # K, (m, m)
    correction: np.ndarray         # K_1
    second_correction: Any         # K_2 (None unless next_order)
    vertex_correction: Any         # V_1, (m,) * 4: N Cov(G^) = V + V_1 / N
    third_cumulant: np.ndarray     # U, (m,) * 6: N^2 kappa_3(G^)
    readout_law_part: Any = None   # the read-out law's terms (see _beyond_leading); None if 0


def _beyond_leading(net: Network, points: np.ndarray, next_order: bool,
                    readout_law: tuple[float, float] | None = None) -> _BeyondLeading:
    r"""The layer-to-layer recursion of U (and, with ``next_order``, of K_2 and V_1).

    Per layer, with :math:`\delta = \hat G - K`, :math:`E\delta = K_1/N + K_2/N^2`,
    :math:`\mathrm{Cov}\,\delta = V/N + V_1/N^2`, :math:`\kappa_3(\delta) = U/N^2`, and
    :math:`a, H, T, Q` the derivatives of :math:`\mu_p = E F_p`, :math:`C` the covariance of F
    (see :func:`leading_connected_six_point` and :func:`next_order_four_point`):

    .. math::

        K_2' &= w [a K_2 + \tfrac12 H : (V_1 + K_1 K_1) + \tfrac16 T : U + \tfrac12 T : K_1 V
                  + \tfrac18 Q : V V], \\
        V_1' &= w^2 [\nabla C \cdot K_1 + \tfrac12 \nabla^2 C : V + a V_1 a
                  + \tfrac12 (a \cdot H : U + \mathrm{sym}) + (a V H K_1 + \mathrm{sym})
                  + \tfrac12 \mathrm{tr}(H V H V) + \tfrac12 (a V\, T : V + \mathrm{sym})].

    ``readout_law``: the read-out weights' (:math:`\kappa_4`, :math:`\kappa_6`).  Given the
    last hidden layer the read-out sum then has the cumulants :math:`\kappa_2 = b + v\bar A_2`,
    :math:`\kappa_4^\xi v^2 \bar A_4/N` and :math:`\kappa_6^\xi v^3 \bar A_6/N^2`
    (:math:`\bar A_k` the mean over neurons of the products of k features), and
    ``readout_law_part`` is their part of the output, from the last hidden layer's statistics
    (hidden-layer laws do not enter these orders):

    - without ``next_order``, of :math:`N^2\kappa_6` (``(m,) * 6``, law of total cumulance):
      :math:`\kappa_6^\xi v^3 M_6 + \kappa_4^\xi v^3 \sum_{(4|2)} N\,\mathrm{Cov}(\bar A_4,
      \bar A_2)` over the 15 splits, :math:`N\,\mathrm{Cov} = M_6 - M_4 M_2 + \partial M_4
      \cdot V \cdot \partial M_2` (one neuron, and two through the shared layer below);
    - with ``next_order``, of the :math:`1/N^2` coefficient of :math:`\kappa_4` (``(m,) * 4``,
      Gaussian hidden weights): :math:`\kappa_4^\xi v^2 (\partial M_4 \cdot K_1 + \tfrac12
      \partial^2 M_4 : V)`, the 1/N part of one neuron's :math:`E[g_a g_b g_c g_d]`.
    """
    rec = layer_recursion(net, points)
    m = len(points)
    pair = pair_expectation(net.activation)
    upper = np.triu(np.ones((m, m), dtype=bool))                 # independent entries i <= j
    u = np.zeros((m,) * 6)
    k2 = np.zeros((m, m)) if next_order else None
    v1 = np.zeros((m,) * 4) if next_order else None
    law_part = None
    readers = read_variances(net)
    for layer, ((w, _), kern, vert, k1) in enumerate(zip(readers, rec.kernels, rec.vertices,
                                                         rec.kernel_corrections)):
        mu, coef, hess = _pair_statistics(net, pair, kern)
        a = _slot_gradient(coef, m) * upper                       # d mu_ab / d C_ij, (m,)*4
        h = _slot_hessian(hess, m)
        m4, m6 = _four_point_moments(net, kern), _symmetric_moments(net, kern, 6)
        new_u = _feature_third_cumulant(mu, m4, m6)
        last = readout_law is not None and any(readout_law) and layer == len(readers) - 1
        if last:
            law_part = np.zeros((m,) * (4 if next_order else 6))
            if not next_order:
                cov_42 = m6 - np.einsum("abcd,ef->abcdef", m4, mu)
        new_k2 = np.zeros((m, m))
        new_v1 = np.zeros((m,) * 4)
        if np.any(vert):                                          # past the Gaussian first layer
            dm4 = _four_point_gradient(net, kern) * upper         # d M_abcd / d C_ij, (m,)*6
            dc = dm4 - np.einsum("abij,cd->abcdij", a, mu) - np.einsum("ab,cdij->abcdij", mu, a)
            av = np.einsum("abkl,klij->abij", a, vert) * upper    # a_p^T V over slots
            new_u += _sym3(np.einsum("abij,cdefij->abcdef", av, dc))
            new_u += _sym3(np.einsum("abijkl,cdij,efkl->abcdef", h, av, av, optimize=True))
            new_u += np.einsum("abij,cdkl,efmn,ijklmn->abcdef", a, a, a, u, optimize=True)
            if last and not next_order:
                cov_42 += np.einsum("abcdij,efij->abcdef", dm4, av)
            if next_order:
                t3, q4 = _pair_high_derivatives(net, kern)
                new_k2 = (np.einsum("abij,ij->ab", a, k2)
                          + 0.5 * np.einsum("abijkl,ijkl->ab", h, v1 + np.multiply.outer(k1, k1))
                          + np.einsum("abijklmn,ijklmn->ab", t3, u) / 6
                          + 0.5 * np.einsum("abijklmn,ij,klmn->ab", t3, k1, vert, optimize=True)
                          + np.einsum("abijklmnop,ijkl,mnop->ab", q4, vert, vert,
                                      optimize=True) / 8)
                hess4 = _four_point_hessian(net, kern)
                if last:
                    law_part = readout_law[0] * w ** 2 * (
                        np.einsum("abcdij,ij->abcd", dm4, k1)
                        + 0.5 * np.einsum("abcdijkl,ijkl->abcd", hess4, vert))
                d2c = (hess4
                       - np.einsum("abijkl,cd->abcdijkl", h, mu)
                       - np.einsum("ab,cdijkl->abcdijkl", mu, h)
                       - np.einsum("abij,cdkl->abcdijkl", a, a)
                       - np.einsum("cdij,abkl->abcdijkl", a, a))
                hu = np.einsum("cdklmn,ijklmn->cdij", h, u)       # (H_q : U)_s
                hk = np.einsum("cdijkl,kl->cdij", h, k1)          # (H_q K_1)_s
                tv = np.einsum("cdijklmn,klmn->cdij", t3, vert)   # (T_q : V)_s
                new_v1 = (np.einsum("abcdij,ij->abcd", dc, k1)
                          + 0.5 * np.einsum("abcdijkl,ijkl->abcd", d2c, vert)
                          + np.einsum("abij,ijkl,cdkl->abcd", a, v1, a, optimize=True)
                          + 0.5 * (np.einsum("abij,cdij->abcd", a, hu)
                                   + np.einsum("cdij,abij->abcd", a, hu))
                          + np.einsum("abij,cdij->abcd", av, hk)
                          + np.einsum("cdij,abij->abcd", av, hk)
                          + 0.5 * np.einsum("abijkl,klmn,cdmnop,opij->abcd", h, vert, h, vert,
                                            optimize=True)
                          + 0.5 * (np.einsum("abkl,cdkl->abcd", av, tv)
                                   + np.einsum("cdkl,abkl->abcd", av, tv)))
        if last and not next_order:
            letters = "abcdef"
            for i, j in itertools.combinations(range(6), 2):
                rest = "".join(c for k, c in enumerate(letters) if k not in (i, j))
                law_part += np.einsum(f"{rest}{letters[i]}{letters[j]}->{letters}", cov_42)
            law_part = w ** 3 * (readout_law[1] * m6 + readout_law[0] * law_part)
        u = w ** 3 * new_u
        if next_order:
            k2, v1 = w * new_k2, w ** 2 * new_v1
    return _BeyondLeading(rec.kernels[-1], rec.kernel_corrections[-1], k2, v1, u, law_part)


def _feature_third_cumulant(mu: np.ndarray, m4: np.ndarray, m6: np.ndarray) -> np.ndarray:
    """kappa_3(F_p, F_q, F_r), F_ab = g_a g_b, from the layer's moments ``mu`` = E F (``(m, m)``),
    ``m4``, ``m6`` (:func:`nnqft_sym.deep._symmetric_moments`), ``(m,) * 6``."""
    return (m6 - _sym3(np.einsum("ab,cdef->abcdef", mu, m4))
            + 2 * np.einsum("ab,cd,ef->abcdef", mu, mu, mu))


def _sym3(t: np.ndarray) -> np.ndarray:
    """t[p, q, r] + t[q, p, r] + t[r, q, p] over the pair slots p = (0, 1), q = (2, 3), r = (4, 5):
    the sum over which pair is singled out of a t symmetric in its last two pairs."""
    return (t + np.transpose(t, (2, 3, 0, 1, 4, 5)) + np.transpose(t, (4, 5, 2, 3, 0, 1)))


def _slot_gradient(coef: np.ndarray, m: int) -> np.ndarray:
    """``(3, m, m)`` local derivatives of mu_ab in (C_aa, C_bb, C_ab) as ``(m, m, m, m)`` over slots."""
    out = np.zeros((m,) * 4)
    for a, b in itertools.product(range(m), repeat=2):
        slots = _local_slots(a, b)
        for k, (i, j) in enumerate(slots):
            out[a, b, i, j] += coef[k, a, b]
    return out


def _slot_hessian(hess: np.ndarray, m: int) -> np.ndarray:
    """``(3, 3, m, m)`` local second derivatives as ``(m,) * 6`` over pairs of slots."""
    out = np.zeros((m,) * 6)
    for a, b in itertools.product(range(m), repeat=2):
        slots = _local_slots(a, b)
        for k, (i, j) in enumerate(slots):
            for k2, (i2, j2) in enumerate(slots):
                out[a, b, i, j, i2, j2] += hess[k, k2, a, b]
    return out


def _local_slots(a: int, b: int) -> list[tuple[int, int]]:
    """The independent entries (i <= j) that (K_aa, K_bb, K_ab) of the pair (a, b) are; on the
    diagonal only the first derivative is non-zero (the recursion's convention)."""
    if a == b:
        return [(a, a)]
    return [(a, a), (b, b), (min(a, b), max(a, b))]


@functools.lru_cache(maxsize=64)
def _power_derivatives(activation: sp.Expr, power: int, count: int = 3):
    """NumPy functions of phi^power and its first ``count - 1`` derivatives."""
    expr = activation ** power
    return [sp.lambdify(Z, sp.diff(expr, Z, k), modules=["scipy", "numpy"]) for k in range(count)]


def _four_point_gradient(net: Network, kern: np.ndarray) -> np.ndarray:
    r""":math:`\partial M_{abcd}/\partial C_{ij}` (independent entries, i <= j), ``(m,) * 6``."""
    m = kern.shape[0]
    norm = _layer_normalisation(net, np.diagonal(kern).copy())
    degree = activation_rules(net.activation).homogeneity
    out = np.zeros((m,) * 6)
    for multiset in itertools.combinations_with_replacement(range(m), 4):
        distinct = sorted(set(multiset))
        powers = [multiset.count(i) for i in distinct]
        cov = kern[np.ix_(distinct, distinct)]
        funcs = [_power_derivatives(net.activation, k) for k in powers]
        factor = float(np.prod([norm[i] ** k for i, k in zip(distinct, powers)]))
        grad = {}
        for x, y in itertools.combinations(range(len(distinct)), 2):        # Price, i != j
            parts = [f[0] for f in funcs]
            parts[x], parts[y] = funcs[x][1], funcs[y][1]
            grad[(x, y)] = float(gaussian_expectation(parts, cov))
        for x in range(len(distinct)):
            if degree is None:                                           # Price, smooth
                parts = [f[0] for f in funcs]
                parts[x] = funcs[x][2]
                grad[(x, x)] = 0.5 * float(gaussian_expectation(parts, cov))
            else:                                                        # Euler, homogeneous
                value = float(gaussian_expectation([f[0] for f in funcs], cov))
                off = sum(cov[x, y] * grad[(min(x, y), max(x, y))]
                          for y in range(len(distinct)) if y != x)
                grad[(x, x)] = (degree * powers[x] * value - off) / (2 * cov[x, x])
        for perm in set(itertools.permutations(multiset)):
            for (x, y), value in grad.items():
                out[perm + (distinct[x], distinct[y])] = factor * value
    return out


# ============================================================================ 1/N^2 four-point
@dataclass(frozen=True)
class NextOrderFourPoint:
    r"""The :math:`1/N^2` coefficients of the four-point function of a deep network.

    Attributes
    ----------
    delta_green : float or ndarray
        :math:`c_2` of :math:`\Delta G^{(4)} = c_1/N + c_2/N^2 + O(N^{-3})`.
    connected : float or ndarray
        :math:`c_2` of :math:`\kappa_4 = c_1/N + c_2/N^2 + O(N^{-3})`.
    """

    delta_green: Any
    connected: Any


def next_order_four_point(net: Network, points: Any) -> NextOrderFourPoint:
    r"""The :math:`O(1/N^2)` correction to the four-point function of a deep network.

    All hidden layers of width N, any depth, distinct inputs.  With
    :math:`\delta = \hat G - K` the fluctuation of a layer's covariance,
    :math:`E\delta = K_1/N + K_2/N^2`, :math:`N\,\mathrm{Cov}\,\delta = V + V_1/N`,
    :math:`N^2\kappa_3(\delta) \to U` (:math:`K_1, V` of :func:`nnqft_sym.layer_recursion`,
    :math:`U` of :func:`leading_connected_six_point`), and :math:`\hat G' = b + w \bar F(\hat G)`
    given the layer, expanding :math:`\mu_p(\hat G) = E[F_p]` and :math:`C_{pq}(\hat G) =
    N\,\mathrm{Cov}(\bar F_p, \bar F_q)` around K (gradient :math:`a_p`, second to fourth
    derivatives :math:`H_p, T_p, Q_p` in the independent covariance entries) gives

    .. math::

        K_2' &= w\big[a_p K_2 + \tfrac12 H_p : (V_1 + K_1 K_1) + \tfrac16 T_p : U
            + \tfrac12 T_p : K_1 V + \tfrac18 Q_p : V V\big], \\
        V_{1,pq}' &= w^2\big[\nabla C_{pq}\cdot K_1 + \tfrac12 \nabla^2 C_{pq} : V
            + a_p V_1 a_q + \tfrac12 (a_p \cdot H_q : U + a_q \cdot H_p : U)
            + a_p V H_q K_1 + a_q V H_p K_1 \\
            &\qquad + \tfrac12 \mathrm{tr}(H_p V H_q V)
            + \tfrac12 (a_p V\, T_q : V + a_q V\, T_p : V)\big],

    from :math:`K_2 = V_1 = 0` at the first hidden layer (exactly Gaussian), and, the output
    being Gaussian given the last hidden layer,
    :math:`E[f_a f_b f_c f_d] = \sum_{(pq)} (E\hat G_p E\hat G_q + \mathrm{Cov}(\hat G_p,
    \hat G_q))` over the three pairings, from which :math:`\Delta G^{(4)}` and
    :math:`\kappa_4` to :math:`O(1/N^2)` (zero at depth 1, where the one-layer results are exact
    at 1/N).  At one input this equals :func:`single_input_series`.  The derivatives come from
    Price's theorem, so the activation must be smooth (no kinks; at one input
    :func:`single_input_series` covers ReLU).

    Parameters
    ----------
    net : Network
        Smooth activation, otherwise as :func:`nnqft_sym.layer_recursion`; Gaussian hidden
        weights, and a read-out law of any symmetric i.i.d. kind (it adds
        :math:`\kappa_4^\xi v^2 (\partial M_4 \cdot K_1 + \tfrac12 \partial^2 M_4 : V)` of
        the last hidden layer).
    points : array (..., 4, d_in) (or (..., 4))
        Four inputs, at most ``MAX_SIX_POINT_DISTINCT`` = 4 distinct ones per combination.

    Returns
    -------
    NextOrderFourPoint

    Raises
    ------
    ValueError
        If the activation has kinks, there are not four points or more than four distinct ones.

    Examples
    --------
    >>> from nnqft_sym import TanhNet, next_order_four_point, single_input_series
    >>> net = TanhNet(sigma_w=1, sigma_b=0.5, depth=2)
    >>> c2 = next_order_four_point(net, [1.0] * 4)
    >>> round(c2.delta_green, 8), round(float(single_input_series(net, 1.0).delta_four_point[2]), 8)
    (-0.02021815, -0.02021815)
    """
    kinks = activation_rules(net.activation).kinks
    if kinks:
        raise ValueError(f"next_order_four_point: the activation {net.activation} has kinks at "
                         f"{list(kinks)}; its third and fourth covariance derivatives need a "
                         "smooth activation (at one input use single_input_series)")
    _check_centred_readout(net, "next_order_four_point (past the leading 1/N order)")
    law = reader_cumulants(net, 1)[-1] if _non_gaussian_weights(net, readout_only=True) else None
    if law is None:
        _check_gaussian_layers(net, "next_order_four_point")
    pts = as_points(points, net.d_in)
    if pts.shape[-2] != 4:
        raise ValueError(f"points: the four-point function needs 4 points, got {pts.shape[-2]}")
    batch = pts.reshape(-1, 4, net.d_in)
    delta, conn = np.empty(len(batch)), np.empty(len(batch))
    for n, combination in enumerate(batch):
        uniq, index = _distinct(net, combination)
        if len(uniq) > MAX_SIX_POINT_DISTINCT:
            raise ValueError(f"points: at most {MAX_SIX_POINT_DISTINCT} distinct inputs, got "
                             f"{len(uniq)}")
        stats = _beyond_leading(net, uniq, next_order=True, readout_law=law)
        kern, corr, kern2, cov1 = (stats.kernel, stats.correction, stats.second_correction,
                                   stats.vertex_correction)
        delta[n] = conn[n] = 0.0
        for (i, j), (k, l) in pairings(4):
            p, q = (index[i], index[j]), (index[k], index[l])
            conn[n] += cov1[p + q]
            delta[n] += cov1[p + q] + corr[p] * corr[q] + kern[p] * kern2[q] + kern2[p] * kern[q]
        if stats.readout_law_part is not None:
            extra = stats.readout_law_part[tuple(index)]
            conn[n] += extra
            delta[n] += extra
    shape = pts.shape[:-2]

    def shaped(a):
        return float(a[0]) if not shape else a.reshape(shape)
    return NextOrderFourPoint(shaped(delta), shaped(conn))


def _pair_high_derivatives(net: Network, kern: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""Third and fourth derivatives of :math:`\mu_{ab} = n_a n_b E[\phi_a \phi_b]` in the
    independent entries, ``(m,) * 8`` and ``(m,) * 10`` over (pair, slots), by Price's theorem:
    :math:`\partial_{aa}^i \partial_{bb}^j \partial_{ab}^k \mu = E[\phi^{(2i+k)}(z_a)
    \phi^{(2j+k)}(z_b)]/2^{i+j}`, and :math:`\partial_{aa}^r E[\phi^2] = E[(\phi^2)^{(2r)}]/2^r`."""
    m = kern.shape[0]
    norm = _layer_normalisation(net, np.diagonal(kern).copy())
    single = _power_derivatives(net.activation, 1, 9)
    square = _power_derivatives(net.activation, 2, 9)
    out = {3: np.zeros((m,) * 8), 4: np.zeros((m,) * 10)}
    for a, b in itertools.product(range(m), repeat=2):
        slots = _local_slots(a, b)
        cov = kern[np.ix_([a, b], [a, b])]
        cache: dict[tuple[int, ...], float] = {}
        for order, tensor in out.items():
            for choice in itertools.product(range(len(slots)), repeat=order):
                counts = tuple(choice.count(k) for k in range(3))
                if counts not in cache:
                    if a == b:
                        value = float(gaussian_expectation(square[2 * order], [[kern[a, a]]]))
                        cache[counts] = value / 2 ** order
                    else:
                        i, j, k = counts
                        value = float(gaussian_expectation(
                            [single[2 * i + k], single[2 * j + k]], cov))
                        cache[counts] = value / 2 ** (i + j)
                index = (a, b) + tuple(x for c in choice for x in slots[c])
                tensor[index] = norm[a] * norm[b] * cache[counts]
    return out[3], out[4]


def _four_point_hessian(net: Network, kern: np.ndarray) -> np.ndarray:
    r""":math:`\partial_s \partial_t M_{abcd}` over independent entries s, t (Price's theorem),
    ``(m,) * 8``."""
    m = kern.shape[0]
    norm = _layer_normalisation(net, np.diagonal(kern).copy())
    out = np.zeros((m,) * 8)
    for multiset in itertools.combinations_with_replacement(range(m), 4):
        distinct = sorted(set(multiset))
        powers = [multiset.count(i) for i in distinct]
        cov = kern[np.ix_(distinct, distinct)]
        funcs = [_power_derivatives(net.activation, k, 5) for k in powers]
        factor = float(np.prod([norm[i] ** k for i, k in zip(distinct, powers)]))
        slots = [(x, y) for x in range(len(distinct)) for y in range(x, len(distinct))]
        values = {}
        for s1, s2 in itertools.combinations_with_replacement(range(len(slots)), 2):
            order = [0] * len(distinct)
            for x in slots[s1] + slots[s2]:
                order[x] += 1
            weight = (0.5 if slots[s1][0] == slots[s1][1] else 1.0) * (
                0.5 if slots[s2][0] == slots[s2][1] else 1.0)
            value = weight * float(gaussian_expectation(
                [f[k] for f, k in zip(funcs, order)], cov))
            values[(s1, s2)] = values[(s2, s1)] = value
        for perm in set(itertools.permutations(multiset)):
            for (s1, s2), value in values.items():
                i = tuple(distinct[x] for x in slots[s1] + slots[s2])
                out[perm + i] = factor * value
    return out
