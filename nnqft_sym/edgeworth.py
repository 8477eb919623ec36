r"""The density of a finite-width network's outputs: the Edgeworth series from the exact cumulants.

At width N the outputs :math:`F = (f(x_1), \dots, f(x_k))` of a one-hidden-layer network are a
sum of N i.i.d. neuron terms plus the read-out bias, so their joint cumulants are exactly known
(:func:`nnqft_sym.cumulants.connected_green`, :mod:`nnqft_sym.neuron_sums`) and fall off as
:math:`\kappa_r = O(N^{1 - r/2})` (odd ones even one half-power faster when the read-out law is
symmetric).  The Edgeworth series (McCullagh, *Tensor Methods in Statistics*, ch. 5; Kolassa,
*Series Approximation Methods in Statistics*, ch. 6) expands the density around the Gaussian
with the exact mean :math:`m = \kappa_1` and covariance :math:`\Sigma = \kappa_2`:

.. math:: p(F) = \Big[\exp\Big(\sum_{r\ge 3} \varepsilon^{w_r}\, \frac{1}{r!}\,
          \kappa^{a_1\cdots a_r}\,(-\partial_{a_1})\cdots(-\partial_{a_r})\Big)\Big]_{\le 2\,\mathrm{order}}
          \phi_\Sigma(F - m) = \phi_\Sigma(F - m)\,\Big[1 + \sum_{1 \le s \le 2\,\mathrm{order}} E_s(F)\Big]

(the exponential expanded in powers of :math:`\varepsilon`, kept through
:math:`\varepsilon^{2\,\mathrm{order}}`), where each product of cumulants meets one Hermite
tensor :math:`h_{a_1\cdots a_n}(F)` of the Gaussian,
:math:`(-\partial)_{a_1\cdots a_n}\phi_\Sigma = \phi_\Sigma\, h_{a_1\cdots a_n}`,
and :math:`w_r` is the power of :math:`N^{-1/2}` of :math:`\kappa_r`.  ``order=1`` keeps every
term through :math:`O(1/N)` (:math:`\kappa_4 h_4/4!`, and :math:`\kappa_3 h_3/3!` plus, for a
skewed read-out law, :math:`\kappa_3\kappa_3 h_6/72`), ``order=2`` every term through
:math:`O(1/N^2)` (adding :math:`\kappa_6 h_6/6!`, :math:`\kappa_4\kappa_4 h_8/1152`,
:math:`\kappa_5 h_5/5!`, :math:`\kappa_3 \kappa_4 h_7/144`, ...).  Evaluated in whitened
coordinates :math:`u = L^{-1}(F - m)`, :math:`\Sigma = L L^T`, where the Hermite tensors are
products of the probabilists' :math:`He_n(u_j)`.  The cumulants are the exact ones at width
N, so the :math:`1/N` corrections of :math:`\Sigma` (a read-out mean) and the :math:`1/N^2`
part of :math:`\kappa_4` are included.  For the NN-QFT reading of this density as an action
see Demirtas, Halverson, Maiti, Schwartz, Stoner, arXiv:2307.03223; docs/density.md.
"""
from __future__ import annotations

import itertools
import math
import numbers
import warnings
from typing import Any

import numpy as np
import sympy as sp

from .cumulants import connected_green
from .errors import CostLimitError, DivergentExpectationError
from .priors import SharedScale, SphericalReadout
from .specification import NetworkSpec
from .validation import _as_float_array, as_points, check_width

__all__ = ["edgeworth_density", "EdgeworthDensity", "GaussianDensity", "MAX_MONOMIAL_PRODUCTS"]

#: limit on the products of monomials formed while expanding the series (about 10 s of work)
MAX_MONOMIAL_PRODUCTS = 5 * 10 ** 6

#: a covariance whose smallest eigenvalue is below this fraction of its largest is singular
_SINGULAR = 1e-12

Polynomial = dict[tuple[int, ...], float]


class GaussianDensity:
    r"""The normal density :math:`N(m, \Sigma)` of k outputs (the baseline of :class:`EdgeworthDensity`).

    Parameters
    ----------
    mean : array_like
        ``(k,)`` mean.
    covariance : array_like
        ``(k, k)`` positive definite covariance.

    Examples
    --------
    >>> g = GaussianDensity([0.0], [[4.0]])
    >>> round(float(g([[0.0]])[0]), 12)             # 1 / sqrt(2 pi 4)
    0.199471140201
    """

    def __init__(self, mean: Any, covariance: Any) -> None:
        self.mean = np.asarray(mean, dtype=float).reshape(-1)
        self.covariance = np.asarray(covariance, dtype=float)
        k = self.mean.size
        if self.covariance.shape != (k, k):
            raise ValueError(f"covariance must have shape ({k}, {k}) for a mean of {k} entries, "
                             f"got {self.covariance.shape}")
        #: the lower Cholesky factor L, covariance = L L^T (whitening u = L^-1 (f - mean))
        self.factor = np.linalg.cholesky(self.covariance)
        self._whitening = np.linalg.inv(self.factor)
        self._log_norm = -0.5 * k * math.log(2 * math.pi) - float(np.log(np.diag(self.factor)).sum())

    @property
    def dimension(self) -> int:
        """k, the number of outputs (points)."""
        return self.mean.size

    def whiten(self, f: Any, name: str = "f") -> np.ndarray:
        r""":math:`u = L^{-1}(f - m)` for f of shape ``(..., k)`` (checked), same shape."""
        arr = _as_float_array(f, name)
        k = self.dimension
        if arr.ndim == 0 or arr.shape[-1] != k:
            hint = " (one point: pass f[..., None])" if k == 1 else ""
            raise ValueError(f"{name} must have shape (..., {k}): the last axis holds the outputs "
                             f"at the {k} points{hint}, got shape {arr.shape}")
        return (arr - self.mean) @ self._whitening.T

    def log_density(self, f: Any) -> np.ndarray:
        """log p(f), shape ``f.shape[:-1]``."""
        u = self.whiten(f)
        return self._log_norm - 0.5 * np.sum(u * u, axis=-1)

    def __call__(self, f: Any) -> np.ndarray:
        """p(f), shape ``f.shape[:-1]``."""
        return np.exp(self.log_density(f))

    def log_likelihood(self, data: Any) -> float:
        """Sum of log p over the rows of ``data`` (shape ``(n_samples, k)``)."""
        return float(np.sum(self.log_density(_check_data(data, self.dimension))))

    def __repr__(self) -> str:
        return f"GaussianDensity(k={self.dimension})"


class EdgeworthDensity:
    r"""The Edgeworth density of k outputs of a width-N network (built by :func:`edgeworth_density`).

    Attributes
    ----------
    points : numpy.ndarray
        ``(k, d_in)`` the inputs.
    width : int
        N.
    order : int
        1 (through O(1/N)) or 2 (through O(1/N^2)).
    cumulants : dict[int, numpy.ndarray]
        The exact joint cumulants used, ``{r: array of shape (k,) * r}`` for r = 1 .. 2 order + 2
        (r = 1 the mean, r = 2 the covariance).
    gaussian : GaussianDensity
        The Gaussian with the same mean and covariance (the series' leading term).
    weights : dict[int, int]
        The power of :math:`N^{-1/2}` counted for :math:`\kappa_r` when truncating.

    Notes
    -----
    The truncated series is not a positive function: far in the tails (and at very small N) it
    can be zero or negative.  ``__call__`` returns the truncated series as it is (it integrates
    to 1 and reproduces the exact cumulants up to order 2 order + 2);
    :meth:`log_density` and :meth:`log_likelihood` give ``-inf`` where it is <= 0, with a
    ``RuntimeWarning`` saying how many values that concerned.
    """

    def __init__(self, points: np.ndarray, width: int, order: int, cumulants: dict[int, np.ndarray],
                 weights: dict[int, int]) -> None:
        self.points, self.width, self.order = points, width, order
        self.cumulants, self.weights = cumulants, weights
        self.gaussian = GaussianDensity(cumulants[1], cumulants[2])
        self._exponents, self._coefficients = _series_terms(self.gaussian, cumulants, weights,
                                                            2 * order)

    @property
    def dimension(self) -> int:
        """k, the number of outputs (points)."""
        return self.gaussian.dimension

    @property
    def mean(self) -> np.ndarray:
        """The exact mean E f(x_a), ``(k,)``."""
        return self.gaussian.mean

    @property
    def covariance(self) -> np.ndarray:
        """The exact covariance at width N, ``(k, k)`` (the GP kernel K for a centred read-out)."""
        return self.gaussian.covariance

    def correction(self, f: Any) -> np.ndarray:
        r"""The relative correction :math:`p(f)/\phi_\Sigma(f - m) - 1`, shape ``f.shape[:-1]``."""
        u = self.gaussian.whiten(f)
        degree = int(self._exponents.max(initial=0))
        hermite = [np.ones_like(u), u]
        for n in range(1, degree):
            hermite.append(u * hermite[n] - n * hermite[n - 1])
        table = np.stack(hermite[:degree + 1])                  # (degree + 1, ..., k)
        out = np.zeros(u.shape[:-1])
        for alpha, coef in zip(self._exponents, self._coefficients):
            term = np.full(u.shape[:-1], coef)
            for j, power in enumerate(alpha):
                if power:
                    term = term * table[power, ..., j]
            out = out + term
        return out

    def __call__(self, f: Any) -> np.ndarray:
        """The truncated Edgeworth density p(f) for f of shape ``(..., k)``; shape ``f.shape[:-1]``."""
        return self.gaussian(f) * (1 + self.correction(f))

    def log_density(self, f: Any) -> np.ndarray:
        """log p(f), ``-inf`` (with a ``RuntimeWarning``) where the truncated series is <= 0."""
        factor = 1 + self.correction(f)
        bad = factor <= 0
        if np.any(bad):
            warnings.warn(f"Edgeworth density of order {self.order} at width {self.width}: the "
                          f"truncated series is <= 0 at {int(np.sum(bad))} of {factor.size} "
                          "values (far tails or too small a width); log density -inf there",
                          RuntimeWarning, stacklevel=2)
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.gaussian.log_density(f) + np.where(bad, -np.inf, np.log(np.where(bad, 1, factor)))

    def log_likelihood(self, data: Any) -> float:
        """Sum of :meth:`log_density` over the rows of ``data`` (shape ``(n_samples, k)``)."""
        return float(np.sum(self.log_density(_check_data(data, self.dimension))))

    def __repr__(self) -> str:
        return f"EdgeworthDensity(k={self.dimension}, width={self.width}, order={self.order})"


def _check_data(data: Any, k: int) -> np.ndarray:
    arr = _as_float_array(data, "data")
    if arr.ndim != 2 or arr.shape[1] != k:
        raise ValueError(f"data must have shape (n_samples, {k}) (one row per network, one column "
                         f"per point), got shape {arr.shape}")
    return arr


def _check_order(order: Any) -> int:
    if isinstance(order, bool) or not isinstance(order, numbers.Integral):
        raise TypeError(f"order must be the integer 1 (through O(1/N)) or 2 (through O(1/N^2)), "
                        f"got {order!r}")
    if int(order) not in (1, 2):
        raise ValueError(f"order must be 1 (through O(1/N)) or 2 (through O(1/N^2)), got {order}")
    return int(order)


def _cumulant_weights(net: NetworkSpec, largest: int) -> dict[int, int]:
    """Power of N^(-1/2) of kappa_r: r - 2, or r - 1 for odd r under a symmetric read-out law.

    With W = mu/N + sigma theta/sqrt(N), an odd moment of a symmetric theta vanishes, so the
    leading term of E[W^r] for odd r has one factor mu/N: kappa_r(f) = O(N^((1 - r)/2)).
    """
    symmetric = net.priors.readout_weights.law.is_symmetric
    return {r: r - 1 if (symmetric and r % 2) else r - 2 for r in range(3, largest + 1)}


def _check_network(net: NetworkSpec) -> None:
    if not isinstance(net, NetworkSpec):
        raise TypeError(f"net must be a network (nnqft_sym.Network), got {type(net).__name__}")
    net.require_exact_finite_width("edgeworth_density", "the exact cumulants that the series "
                                   "needs are known for one hidden layer only")
    net.require_numeric("edgeworth_density")
    priors = net.priors
    if isinstance(priors.readout_weights, SphericalReadout):
        raise ValueError("net: edgeworth_density needs the cumulants as a series in 1/N; a "
                         "spherical read-out's radial moments are not (use i.i.d. read-out "
                         "weights)")
    if isinstance(priors.readout_weights, SharedScale):
        raise ValueError("net: edgeworth_density expands in 1/N, but with a shared read-out scale "
                         "the non-Gaussian cumulants stay finite as N -> oo (independence "
                         "breaking, arXiv:2307.03223); use i.i.d. read-out weights")
    if not priors.readout_bias.is_gaussian:
        raise ValueError("net: edgeworth_density expands in 1/N, but a non-Gaussian read-out bias "
                         f"({priors.readout_bias.law.name}) has cumulants of order 1 at "
                         "every width; use a Gaussian read-out bias (any mean)")


def _exact_cumulants(net: NetworkSpec, pts: np.ndarray, width: int, largest: int) -> dict[int, np.ndarray]:
    """Every joint cumulant tensor of order 1..largest (one batched exact call per order)."""
    k = pts.shape[0]
    out = {}
    for r in range(1, largest + 1):
        multisets = list(itertools.combinations_with_replacement(range(k), r))
        values = np.atleast_1d(np.asarray(connected_green(net, pts[np.array(multisets)], width),
                                          dtype=float))
        lookup = dict(zip(multisets, values))
        tensor = np.empty((k,) * r)
        for index in itertools.product(range(k), repeat=r):
            tensor[index] = lookup[tuple(sorted(index))]
        out[r] = tensor
    return out


def _multiply(a: Polynomial, b: Polynomial, budget: list[int]) -> Polynomial:
    budget[0] -= len(a) * len(b)
    if budget[0] < 0:
        raise CostLimitError(f"points: the Edgeworth series needs more than "
                             f"{MAX_MONOMIAL_PRODUCTS:.2g} products of monomials; use fewer "
                             "points or order=1")
    out: Polynomial = {}
    for alpha, x in a.items():
        for beta, y in b.items():
            key = tuple(i + j for i, j in zip(alpha, beta))
            out[key] = out.get(key, 0.0) + x * y
    return out


def _series_terms(gaussian: GaussianDensity, cumulants: dict[int, np.ndarray],
                  weights: dict[int, int], top: int) -> tuple[np.ndarray, np.ndarray]:
    r"""Exponents and coefficients of :math:`\sum_{1 \le s \le top} E_s` as a polynomial in He(u).

    :math:`P_j = \sum_{w_r = j} \sum_{|\alpha| = r} \tilde\kappa_\alpha t^\alpha/\alpha!` (whitened
    cumulants), :math:`E_0 = 1`, :math:`E_s = \frac1s \sum_{j=1}^s j P_j E_{s-j}` (the power
    series of :math:`\exp \sum_j \varepsilon^j P_j`), then :math:`t^\alpha \to He_\alpha(u)`.
    """
    k = gaussian.dimension
    inverse = gaussian._whitening
    by_weight: dict[int, Polynomial] = {}
    for r, weight in weights.items():
        if weight > top:
            continue
        tensor = cumulants[r]
        for _ in range(r):                       # contract every index with L^-1
            tensor = np.tensordot(tensor, inverse, axes=([0], [1]))
        poly = by_weight.setdefault(weight, {})
        for index in itertools.combinations_with_replacement(range(k), r):
            value = float(tensor[index])
            if value != 0.0:
                alpha = tuple(index.count(j) for j in range(k))
                poly[alpha] = poly.get(alpha, 0.0) + value / math.prod(map(math.factorial, alpha))
    budget = [MAX_MONOMIAL_PRODUCTS]
    series: list[Polynomial] = [{(0,) * k: 1.0}]
    for s in range(1, top + 1):
        term: Polynomial = {}
        for j in range(1, s + 1):
            if by_weight.get(j) and series[s - j]:
                for alpha, value in _multiply(by_weight[j], series[s - j], budget).items():
                    term[alpha] = term.get(alpha, 0.0) + j * value / s
        series.append(term)
    total: Polynomial = {}
    for term in series[1:]:
        for alpha, value in term.items():
            total[alpha] = total.get(alpha, 0.0) + value
    exponents = np.array(list(total), dtype=int).reshape(-1, k)
    return exponents, np.array(list(total.values()), dtype=float)


def edgeworth_density(net: NetworkSpec, points: Any, width: Any, order: int = 1) -> EdgeworthDensity:
    r"""The density of :math:`(f(x_1), \dots, f(x_k))` at width N: the Edgeworth series to O(1/N^order).

    The series around the Gaussian with the exact mean and covariance, whose corrections are
    Hermite tensors (with respect to that covariance) contracted with the exact joint
    cumulants of orders 3 .. 2 order + 2 (:mod:`nnqft_sym.edgeworth`, docs/density.md).
    ``order=1`` keeps every term through O(1/N) (:math:`\kappa_4 h_4/4!`, and
    :math:`\kappa_3 h_3/3!` when the read-out priors give odd cumulants, e.g. a mean);
    ``order=2`` every term through O(1/N^2) (:math:`\kappa_6 h_6/6!`,
    :math:`\kappa_4 \kappa_4 h_8/1152`, and the odd ones).  The truncation error is
    :math:`O(N^{-order-1})` for a symmetric read-out law (:math:`O(N^{-order-1/2})` for a
    skewed one).

    Parameters
    ----------
    net : Network
        One hidden layer with exact finite-width correlators and numeric hyper-parameters,
        any first-layer and i.i.d. read-out-weight prior, a Gaussian read-out bias.
    points : array_like
        One set of k distinct inputs, ``(k, d_in)`` (or ``(k,)`` for d_in = 1).
    width : int
        Hidden-layer width N >= 1.
    order : int
        1 or 2.

    Returns
    -------
    EdgeworthDensity
        Callable on f of shape ``(..., k)``; with ``log_density``, ``log_likelihood``,
        ``cumulants``, ``gaussian`` (the baseline), ``order``.

    Raises
    ------
    TypeError
        For a non-network, an ``order`` or ``width`` that is not an integer (also a SymPy
        symbol: the density is numeric).
    ValueError
        For a deep network, symbolic hyper-parameters, a shared read-out scale or a
        non-Gaussian read-out bias (no expansion in 1/N), an order not in {1, 2}, a width < 1,
        points not of shape ``(k, d_in)``, or a singular covariance (coincident points, or
        outputs that are exact multiples of each other).
    DivergentExpectationError
        When a read-out law lacks the moments the cumulants up to order 2 order + 2 need.
    CostLimitError
        When the series has too many terms (many points at ``order=2``).

    References
    ----------
    P. McCullagh, *Tensor Methods in Statistics* (1987), ch. 5; J. E. Kolassa, *Series
    Approximation Methods in Statistics* (2006), ch. 6; Demirtas, Halverson, Maiti, Schwartz,
    Stoner, arXiv:2307.03223 (the NN-QFT motivation).

    Examples
    --------
    >>> import numpy as np
    >>> from nnqft_sym import ReLUNet, edgeworth_density
    >>> p = edgeworth_density(ReLUNet(), [1.0], 4, order=2)
    >>> f = np.linspace(-12, 12, 4001)[:, None]
    >>> round(float(np.trapezoid(p(f), f[:, 0])), 9)                      # normalised
    1.0
    >>> round(float(4 * p.cumulants[4][0, 0, 0, 0]), 6)     # N kappa_4 = 3 E g^4 - 3 (E g^2)^2 = 18 - 3
    15.0
    >>> bool(p([[0.0]])[0] > p.gaussian([[0.0]])[0])                       # sharper peak at small N
    True
    """
    _check_network(net)
    order = _check_order(order)
    if isinstance(width, sp.Basic) and width.free_symbols:
        raise TypeError(f"width must be a positive integer: the density is numeric, got the "
                        f"symbol {width}")
    width = check_width(width)
    pts = as_points(points, net.d_in)
    if pts.ndim != 2:
        raise ValueError(f"points must be one set of k inputs of shape (k, d_in) = (k, {net.d_in})"
                         f", got shape {np.shape(points)} (batches of point sets are not supported)")
    weights = _cumulant_weights(net, 2 * order + 2)
    try:
        cumulants = _exact_cumulants(net, pts, width, 2 * order + 2)
    except DivergentExpectationError as exc:
        raise DivergentExpectationError(f"net: edgeworth_density of order {order} needs the "
                                        f"cumulants up to order {2 * order + 2}: {exc}") from None
    eigenvalues = np.linalg.eigvalsh(cumulants[2])
    if eigenvalues[0] <= _SINGULAR * max(eigenvalues[-1], 0.0) or eigenvalues[-1] <= 0:
        raise ValueError(f"points: the covariance of the outputs at these {pts.shape[0]} points is "
                         f"singular (eigenvalues {eigenvalues.min():.3g} .. {eigenvalues.max():.3g}):"
                         " coincident points, or outputs that are exact multiples of each other "
                         "(e.g. a ReLU-net at sigma_b = 0 on a ray); the density does not exist")
    return EdgeworthDensity(pts, width, order, cumulants, weights)
