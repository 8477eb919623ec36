r"""Exact correlators of one hidden layer under general read-out priors (means, laws, shared scales).

For one hidden layer :math:`f(x) = b + \sum_{i=1}^N W_i\, g_i(x)` with the neurons
:math:`(W_i, g_i)` i.i.d. given a scale :math:`s` shared by the read-out weights
(:class:`nnqft_sym.priors.SharedScale`; :math:`s = 1` without one), the joint cumulants given
:math:`s` are exactly

.. math:: \kappa(f(x_B) \mid s) = \kappa_{|B|}(b) + N\, s^{|B|}\, \kappa(t(x_B)), \qquad
          E[t(x_B)] = E[\theta^{|B|}]\; E\Big[\prod_{a\in B} g(x_a)\Big],

with :math:`t = \theta g` the neuron term of the i.i.d. base weight :math:`\theta`
(``moment(k, fan_in=N)`` of its prior: any standardised law, any mean).  The moments given
:math:`s` follow from the moment-cumulant formula (a subset recursion) as polynomials in
:math:`s`, and :math:`G^{(n)} = \sum_j c_j E[s^j]`.  Cumulants of all orders enter, odd ones
included (a mean, or a skewed law), so odd correlators do not vanish in general.  With i.i.d.
centred Gaussian read-outs this reduces to :mod:`nnqft_sym.cumulants` (tested), which stays the
fast route there.

The reference :math:`G_0^{(n)}` of :math:`\Delta G^{(n)} = G^{(n)} - G_0^{(n)}` is the Gaussian
process of infinite width: the exact mean :math:`E f(x)` (the same at every width) and the GP
kernel as covariance (:meth:`_Engine.gaussian_reference`).  With a shared
scale :math:`\Delta G^{(4)}` tends to :math:`(E s^4 - (E s^2)^2)\,\sum K K` as
:math:`N \to \infty` (independence breaking, DHMSS arXiv:2307.03223), while finite-width
effects alone vanish like :math:`1/N` (HMS arXiv:2008.08601).

Examples
--------
>>> from nnqft_sym import ReLUNet
>>> net = ReLUNet().with_priors(readout_weights={"mean": 2})
>>> round(float(green_general(net, [0.5], 10)), 12) == round(float(2 * net.neuron_moment([0.5])), 12)
True
"""
from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from .moments import is_symbolic_points, neuron_moment, prepare_points
from .partitions import blocks_with_lowest, mask_bits
from .errors import NoClosedFormError
from .priors import SharedScale, SphericalReadout
from .specification import NetworkSpec
from .validation import check_width, relative_to_free

__all__ = ["green_general", "connected_green_general", "delta_green_general",
           "deviation_general", "free_green_general", "mean_function", "series_in_inverse_width"]


def _univariate_cumulants(moments: list[Any]) -> list[Any]:
    """kappa_1..kappa_n from the raw moments mu_0 = 1, mu_1..mu_n."""
    kappa = [sp.Integer(0)]
    for k in range(1, len(moments)):
        kappa.append(moments[k] - sum(sp.binomial(k - 1, j - 1) * kappa[j] * moments[k - j]
                                      for j in range(1, k)))
    return kappa


class _Engine:
    """The subset recursions of one request (points fixed, width fixed)."""

    def __init__(self, net: NetworkSpec, points: Any, width: Any, *, real_width: bool = False) -> None:
        net.require_exact_finite_width("exact correlators", "use nnqft_sym.deep for the O(1/N) "
                                       "term of a deep network")
        self.symbolic, self.pts, self.n = prepare_points(net, points, "exact correlators")
        # real_width: the exact polynomial in 1/N evaluated at a real N (the interpolation nodes)
        self.width = float(width) if real_width else check_width(width)
        symbolic_width = isinstance(self.width, sp.Basic) and bool(self.width.free_symbols)
        priors = net.priors
        readout = priors.readout_weights
        self.shared = readout if isinstance(readout, (SharedScale, SphericalReadout)) else None
        if isinstance(readout, SphericalReadout) and (symbolic_width or real_width):
            raise NoClosedFormError("a spherical read-out has exact correlators at integer "
                                    "widths only (its radial moments are not rational in N)")
        base = readout.base if self.shared is not None else readout
        n = self.n
        symbolic_prior = any(bool(sp.sympify(p.moment(2)).free_symbols) or
                             bool(sp.sympify(p.moment(1)).free_symbols)
                             for p in (base, priors.readout_bias))
        if (symbolic_width or symbolic_prior) and not self.symbolic and self.pts.ndim > 2:
            raise ValueError("a symbolic width or prior parameter needs one combination of points "
                             "(shape (n, d_in))")
        self.exact = self.symbolic or symbolic_width or symbolic_prior
        self.weight_moments = [self._number(base.moment(k, fan_in=self.width)) for k in range(n + 1)]
        bias_moments = [priors.readout_bias.moment(k) for k in range(n + 1)]
        self.bias_cumulants = [self._number(c) for c in _univariate_cumulants(bias_moments)]
        self.scale_moments = [self._number(self.shared.scale_moment_at(j, self.width))
                              if self.shared else 1 for j in range(n + 1)]
        self.net = net
        self._given_scale: dict[int, dict[int, Any]] = {}
        self._term_cumulants = self._neuron_term_cumulants()

    def _number(self, value: Any) -> Any:
        return value if self.exact else float(value)

    def _subset(self, mask: int) -> Any:
        idx = mask_bits(mask)
        return [self.pts[i] for i in idx] if self.symbolic else self.pts[..., idx, :]

    def _neuron_term_cumulants(self) -> dict[int, Any]:
        """kappa(t(x_B)) at s = 1 for every non-empty subset B (subset recursion)."""
        moments: dict[int, Any] = {}
        kappa: dict[int, Any] = {}
        self.neuron_moments: dict[int, Any] = {}
        for mask in sorted(range(1, 1 << self.n), key=int.bit_count):
            size = mask.bit_count()
            g = neuron_moment(self.net, self._subset(mask))
            g = self.neuron_moments[mask] = g if self.exact else np.asarray(g, float)
            moments[mask] = self.weight_moments[size] * g
            total = moments[mask]
            for block in blocks_with_lowest(mask):
                if block != mask:
                    total = total - kappa[block] * moments[mask ^ block]
            kappa[mask] = total
        return kappa

    def given_scale(self, mask: int) -> dict[int, Any]:
        """E[f(x_B) | s] as {power of s: coefficient} (memoised subset recursion)."""
        if mask == 0:
            return {0: 1}
        if mask not in self._given_scale:
            out: dict[int, Any] = {}
            for block in blocks_with_lowest(mask):
                size = block.bit_count()
                rest = self.given_scale(mask ^ block)
                for power, coef in rest.items():
                    out[power] = out.get(power, 0) + self.bias_cumulants[size] * coef
                    term = self.width * self._term_cumulants[block] * coef
                    out[power + size] = out.get(power + size, 0) + term
            self._given_scale[mask] = out
        return self._given_scale[mask]

    def moment(self, mask: int) -> Any:
        """G(x_B) = E[prod_{a in B} f(x_a)], the shared scale averaged out."""
        total = sum(coef * self.scale_moments[power] for power, coef in self.given_scale(mask).items())
        return sp.expand(total) if self.exact else total

    def cumulant(self, mask: int, memo: dict[int, Any]) -> Any:
        """The joint cumulant of f over B from the unconditional moments."""
        if mask not in memo:
            total = self.moment(mask)
            for block in blocks_with_lowest(mask):
                if block != mask:
                    total = total - self.cumulant(block, memo) * self.moment(mask ^ block)
            memo[mask] = sp.expand(total) if self.exact else total
        return memo[mask]

    def gaussian_reference(self) -> Any:
        r"""G_0 over all points: the Gaussian process of infinite width (singletons and pairings).

        Its mean is the exact :math:`E f(x)` (width-independent) and its covariance the GP
        kernel :math:`K = \mathrm{Var}\, b + V E[g g]` with :math:`V` the read-out variance
        at unit fan-in (:math:`E[s^2] v` with a shared scale): the :math:`\mu_W^2/N` terms of
        the finite-width covariance vanish as :math:`N \to \infty`.
        """
        mean = {1 << a: self.moment(1 << a) for a in range(self.n)}
        variance = self.net.priors.readout_weights.variance
        bias = self.net.priors.readout_bias.parameter_variance()
        variance, bias = (variance, bias) if self.exact else (float(variance), float(bias))
        memo: dict[int, Any] = {0: 1}

        def reference(mask: int) -> Any:
            if mask not in memo:
                low = mask & -mask
                rest = mask ^ low
                total = mean[low] * reference(rest)
                for b in mask_bits(rest):
                    pair = low | (1 << b)
                    total = total + (bias + variance * self.neuron_moments[pair]) * reference(rest ^ (1 << b))
                memo[mask] = total
            return memo[mask]

        value = reference((1 << self.n) - 1)
        return sp.expand(value) if self.exact else value

    @property
    def full(self) -> int:
        return (1 << self.n) - 1


def green_general(net: NetworkSpec, points: Any, width: Any) -> Any:
    r"""Exact :math:`G^{(n)} = E[f(x_1)\cdots f(x_n)]` of one hidden layer with general read-out priors.

    Examples
    --------
    >>> from nnqft_sym import ReLUNet
    >>> net = ReLUNet()
    >>> bool(abs(green_general(net, [0.1, 0.2, 0.3, 0.4], 5) - net.green([0.1, 0.2, 0.3, 0.4], 5)) < 1e-12)
    True
    """
    engine = _Engine(net, points, width)
    return engine.moment(engine.full)


def connected_green_general(net: NetworkSpec, points: Any, width: Any) -> Any:
    r"""Exact connected :math:`\kappa(f(x_1), \dots, f(x_n))` with general read-out priors.

    Examples
    --------
    >>> from nnqft_sym import ReLUNet
    >>> net = ReLUNet().with_priors(readout_weights={"mean": 1})
    >>> value = connected_green_general(net, [0.5], 4)       # kappa_1 = E f = mu_W E[g]
    >>> bool(abs(value - net.neuron_moment([0.5])) < 1e-12)
    True
    """
    engine = _Engine(net, points, width)
    return engine.cumulant(engine.full, {})


def delta_green_general(net: NetworkSpec, points: Any, width: Any) -> Any:
    r""":math:`\Delta G^{(n)} = G^{(n)} - G_0^{(n)}`, :math:`G_0` the infinite-width Gaussian process (exact mean, GP kernel).

    Examples
    --------
    >>> from nnqft_sym import ReLUNet
    >>> net = ReLUNet()
    >>> pts = [0.1, 0.2, 0.3, 0.4]
    >>> bool(abs(delta_green_general(net, pts, 5) - net.delta_green(pts, 5)) < 1e-12)
    True
    """
    engine = _Engine(net, points, width)
    return engine.moment(engine.full) - engine.gaussian_reference()


def deviation_general(net: NetworkSpec, points: Any, width: Any) -> Any:
    r""":math:`m_n = \Delta G^{(n)}/G_0^{(n)}` with general read-out priors.

    Raises
    ------
    ValueError
        Where :math:`G_0^{(n)} = 0` (naming the points).

    Examples
    --------
    >>> from nnqft_sym import ReLUNet
    >>> net = ReLUNet(sigma_b=0)
    >>> round(float(deviation_general(net, [1.0] * 4, 10)), 12)     # 5/N (HMS)
    0.5
    """
    engine = _Engine(net, points, width)
    free = engine.gaussian_reference()
    return relative_to_free(engine.moment(engine.full) - free, free, points, engine.symbolic)


def free_green_general(net: NetworkSpec, points: Any) -> Any:
    r""":math:`G_0^{(n)}`: the infinite-width Gaussian process (exact mean, GP kernel) at the points.

    Examples
    --------
    >>> from nnqft_sym import ReLUNet
    >>> net = ReLUNet()
    >>> bool(abs(free_green_general(net, [0.1, 0.2, 0.3, 0.4]) - net.free_green([0.1, 0.2, 0.3, 0.4])) < 1e-12)
    True
    """
    return _Engine(net, points, 1).gaussian_reference()


def mean_function(net: NetworkSpec, x: Any) -> Any:
    r"""The exact mean :math:`E f(x) = \mu_b + E[s]\,\mu_W\, E[g(x)]` at every width (one hidden layer).

    Examples
    --------
    >>> from nnqft_sym import ReLUNet
    >>> net = ReLUNet(sigma_b=0).with_priors(readout_weights={"mean": 3}, readout_bias={"mean": 1})
    >>> round(float(mean_function(net, 1.0)), 12)           # 1 + 3 E[relu(z)], z ~ N(0, 1)
    2.196826841204
    """
    symbolic = is_symbolic_points([x]) if not isinstance(x, np.ndarray) else False
    points = [x] if symbolic or np.ndim(x) == 0 or (np.ndim(x) == 1 and net.d_in > 1) else x
    return green_general(net, points, 1)


def _series_by_interpolation(net: NetworkSpec, points: Any, quantity: str) -> dict[int, np.ndarray]:
    """The 1/N coefficients at numeric points (any batch shape) from exact values at N = 1..n+1.

    With a symmetric read-out law the value is a polynomial of degree at most n in 1/N, so
    its values at n + 1 real widths (Chebyshev nodes of 1/N in (0, 1)) determine it; the
    coefficients carry the rounding of that solve, about 1e-11 of the largest for n <= 6.
    """
    degree = _Engine(net, points, 1).n
    # Chebyshev nodes of u = 1/N on (0, 1]: the best-conditioned interpolation of the polynomial
    inverse = 0.5 * (1 + np.cos(np.pi * (np.arange(degree + 1) + 0.5) / (degree + 1)))
    values = []
    for u in inverse:
        engine = _Engine(net, points, 1 / u, real_width=True)
        value = engine.moment(engine.full)
        if quantity == "delta_green":
            value = value - engine.gaussian_reference()
        values.append(np.asarray(value, dtype=float))
    stacked = np.stack(values)
    vander = np.vander(inverse, increasing=True)
    coeffs = np.linalg.solve(vander, stacked.reshape(len(values), -1)).reshape(stacked.shape)
    return {k: coeffs[k] for k in range(degree + 1)}


def series_in_inverse_width(net: NetworkSpec, points: Any, quantity: str = "delta_green") -> dict[int, Any]:
    r"""The exact coefficients :math:`c_k` of ``quantity`` :math:`= \sum_k c_k N^{-k}` (general read-out priors).

    ``quantity`` is ``"green"`` or ``"delta_green"``.  Computed with a symbolic width and read
    off as a polynomial in :math:`1/N`; a law with odd moments whose terms go like
    :math:`N^{-k/2}` is refused.

    Examples
    --------
    >>> from nnqft_sym import ReLUNet
    >>> c = series_in_inverse_width(ReLUNet(sigma_b=0), [1.0] * 4)    # 5/N times G_0 = 3 K^2 = 3/4
    >>> round(float(c[1]), 9), max(abs(float(c[k])) for k in (0, 2, 3, 4)) < 1e-9
    (3.75, True)
    """
    if quantity not in ("green", "delta_green"):
        raise ValueError(f"quantity must be 'green' or 'delta_green', got {quantity!r}")
    readout = net.priors.readout_weights
    if isinstance(readout, SphericalReadout):
        raise ValueError(f"{quantity} is not a polynomial in 1/N for a spherical read-out "
                         "(radial moments); use a numeric width")
    base = readout.base if isinstance(readout, SharedScale) else readout
    if not base.law.is_symmetric:
        raise ValueError(f"{quantity} is not a polynomial in 1/N for a read-out law with odd "
                         f"moments (terms N^(-k/2)); use a numeric width")
    if not is_symbolic_points(points):
        return _series_by_interpolation(net, points, quantity)
    width = sp.Symbol("N", positive=True)
    inverse = sp.Symbol("u", positive=True)
    engine = _Engine(net, points, width)
    value = engine.moment(engine.full)
    if quantity == "delta_green":
        value = value - engine.gaussian_reference()
    expr = sp.expand(sp.sympify(value).subs(width, 1 / inverse))
    try:
        poly = sp.Poly(expr, inverse)
    except sp.PolynomialError:
        raise ValueError(f"{quantity} is not a polynomial in 1/N for these priors (a law with "
                         f"odd moments gives powers N^(-k/2)); use a numeric width") from None
    out = {}
    for (k,), coef in zip(poly.monoms(), poly.coeffs()):
        out[int(k)] = coef if engine.symbolic else float(coef)
    return dict(sorted(out.items()))
