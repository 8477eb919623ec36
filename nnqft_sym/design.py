r"""Design a network for a chosen field theory: a propagator from the frequency prior, a local
quartic coupling from a deformation of the parameter density (DHMSS arXiv:2307.03223, Sec. 5).

A network with parameters :math:`\theta` and density :math:`P(\theta)` has the field density
:math:`P[f] = \int d\theta\, P(\theta)\,\delta[f - f_\theta]`.  Deforming the parameter density,

.. math:: P_\lambda(\theta) \propto P(\theta)\,
          \exp\Big(-\frac{\lambda}{4!}\int_V d^dx\, {:}f_\theta(x)^4{:}\Big),

deforms the field density by the same factor, :math:`P_\lambda[f] \propto P[f]\,
e^{-\frac{\lambda}{4!}\int_V {:}f^4{:}}`, exactly and at every width: the action becomes
:math:`S_N[f] + \frac{\lambda}{4!}\int_V {:}f^4{:}`.  At infinite width :math:`S_\infty =
\tfrac12 fK^{-1}f` and the theory is local :math:`\phi^4` theory in the volume V with propagator
:math:`K`.  The deformation couples the neurons (the parameters are no longer independent),
which is what makes a local interaction possible (DHMSS Sec. 4; the i.i.d. cos-net vertex of
:mod:`nnqft_sym.momentum_couplings` has no local part).  Normal ordering,
:math:`{:}f^4{:} = f^4 - 6K_0 f^2 + 3K_0^2` with :math:`K_0 = K(x, x)`, removes the O(lambda)
tadpole, so the propagator stays the target one at first order.

The propagator is set by the i.i.d. frequency prior of a cos-net, :math:`\tilde K(p) =
\sigma_W^2\rho(p)` (:class:`nnqft_sym.CosNet` with :math:`\sigma_b = 0`): a target power
spectrum is realisable iff it is a positive, integrable function of :math:`|p|^2`, and here iff
it is one of the families nnqft samples exactly (:func:`design_network`).

What is verified (tests, notebook 08) is first order in :math:`\lambda`: the connected 4-point
function :math:`-\lambda\int_V \prod_i K(x_i, y)`, its amputation to the local coupling
:math:`\lambda`, and a Monte Carlo of sampled cos-nets whose outputs are reweighted by the
deformation factor.
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from .architectures import CosNet
from .errors import NoClosedFormError
from .frequency_priors import FreeScalarFrequencyPrior, StudentTFrequencyPrior
from .momentum_couplings import PP
from .parsing import parse_expression
from .specification import GaussianFrequencyPrior
from .validation import as_points, check_dimension, check_positive, check_width

__all__ = ["DesignedTheory", "design_network", "deformed_network"]


@dataclass(frozen=True)
class DesignedTheory:
    r"""A cos-net with a deformed parameter density realising a local :math:`\phi^4` theory.

    Attributes
    ----------
    net : CosNet
        The undeformed network (i.i.d. parameters; :math:`\sigma_b = 0`): its kernel is the
        target propagator.
    quartic : float
        :math:`\lambda \geq 0`.
    nodes : numpy.ndarray, shape (Q, d_in)
        Quadrature nodes of the volume V.
    weights : numpy.ndarray, shape (Q,)
        Quadrature weights (:math:`\int_V d^dx \approx \sum_q w_q`).
    normal_ordered : bool
        Whether the deformation is :math:`{:}f^4{:}` (no O(lambda) tadpole).
    """

    net: CosNet
    quartic: float
    nodes: np.ndarray
    weights: np.ndarray
    normal_ordered: bool = True

    @property
    def k0(self) -> float:
        """:math:`K(x, x)`, the normal-ordering constant."""
        return float(self.net.kernel(self.nodes[0], self.nodes[0]))

    def log_weight(self, field: Any) -> np.ndarray:
        r"""The log of the deformation factor, :math:`-\frac{\lambda}{4!}\sum_q w_q {:}f(y_q)^4{:}`.

        Parameters
        ----------
        field : array ``(..., Q)``
            Network outputs at :attr:`nodes` (e.g. one row per sampled network).

        Examples
        --------
        >>> theory = design_network("1/(pp + 1)", 0.5, length=1.0, nodes=4)
        >>> k0 = theory.k0                               # pi: int dp/(p^2 + 1)
        >>> bool(np.isclose(theory.log_weight(np.zeros(4)), -0.5 / 24 * 3 * k0 ** 2 * 2))
        True
        """
        f = np.asarray(field, dtype=float)
        if f.shape[-1:] != self.weights.shape:
            raise ValueError(f"field must have shape (..., {len(self.weights)}) (the outputs at the "
                             f"nodes), got {f.shape}")
        power = f ** 4
        if self.normal_ordered:
            k0 = self.k0
            power = power - 6 * k0 * f ** 2 + 3 * k0 ** 2
        return -self.quartic / 24 * power @ self.weights

    def point_set_couplings(self) -> dict[int, dict[int, np.ndarray]]:
        r"""The action on the nodes as couplings per order in :math:`\lambda`: ``{4: {1: g4}, 2: {1: g2}}``.

        At infinite width the outputs at the nodes are Gaussian with the Gram matrix and the
        deformation is exactly :math:`\sum_{abcd} g_{4,abcd} f_af_bf_cf_d/4! + \sum_{ab}
        g_{2,ab} f_af_b/2` (+ const) with :math:`g_{4,abcd} = \lambda w_a\delta_{abcd}` and, if
        normal ordered, :math:`g_{2,ab} = -\tfrac12\lambda w_a K_0\delta_{ab}`: the input of
        :func:`feynman.point_set_correlator` (its diagrams give every order in lambda).

        Examples
        --------
        >>> theory = design_network("1/(pp + 1)", 0.5, length=1.0, nodes=2)
        >>> c = theory.point_set_couplings()
        >>> bool(np.isclose(c[4][1][0, 0, 0, 0], 0.5 * theory.weights[0]))
        True
        """
        q = len(self.weights)
        idx = np.arange(q)
        g4 = np.zeros((q,) * 4)
        g4[idx, idx, idx, idx] = self.quartic * self.weights
        g2 = np.zeros((q, q))
        if self.normal_ordered:
            g2[idx, idx] = -0.5 * self.quartic * self.weights * self.k0
        return {4: {1: g4}, 2: {1: g2}}

    def contact(self, points: Any) -> np.ndarray:
        r""":math:`\sum_q w_q \prod_i K(x_i, y_q)`: the contact integral over V.

        Examples
        --------
        >>> theory = design_network("1/(pp + 1)", 0.5, length=1.0, nodes=4)
        >>> theory.contact([[0.0] * 4]).shape
        (1,)
        """
        pts = as_points(points, self.net.d_in)
        out = np.ones(pts.shape[:-2] + self.weights.shape)
        for i in range(pts.shape[-2]):
            out = out * self.net.kernel(pts[..., i, None, :], self.nodes)
        return out @ self.weights

    def first_order_four_point(self, points: Any, width: Any = None) -> float | sp.Expr:
        r""":math:`\partial_\lambda G_c^{(4)}` at :math:`\lambda = 0`, per unit :math:`\lambda`.

        ``width=None``: infinite width, :math:`-\sum_q w_q \prod_i K(x_i, y_q)` (Wick).  A width
        N: the exact finite-width derivative :math:`-\frac1{4!}\sum_q w_q\,
        \partial_J \kappa_4` from the full Green functions of the undeformed width-N network up
        to 8 points (:meth:`Network.green`), which differs by O(1/N).  A SymPy symbol N: the
        exact N dependence, a polynomial in 1/N of degree 3 (the 8-point function of N i.i.d.
        neurons has cumulants :math:`\propto N^{1 - k/2}`) whose :math:`N^0` term is the
        infinite-width value.  The deformation couples the neurons, so this connected function
        does not vanish as :math:`N \to \infty` (DHMSS arXiv:2307.03223: non-Gaussianity from
        independence breaking).

        Examples
        --------
        >>> theory = design_network("1/(pp + 1)", 0.5, length=1.0, nodes=4)
        >>> pts = [0.1, -0.2, 0.3, 0.0]
        >>> bool(np.isclose(theory.first_order_four_point(pts), -theory.contact(pts)))
        True
        >>> import sympy as sp
        >>> series = theory.first_order_four_point(pts, sp.Symbol("N", positive=True))
        >>> bool(np.isclose(float(sp.limit(series, sp.Symbol("N", positive=True), sp.oo)),
        ...                 -float(theory.contact(pts))))
        True
        """
        pts = as_points(points, self.net.d_in)
        if pts.ndim != 2 or pts.shape[0] != 4:
            raise ValueError(f"points must be 4 points (4, d_in), got shape {np.shape(points)}")
        if width is None:
            return -float(self.contact(pts))
        width = check_width(width)
        net, k0 = self.net, self.k0
        value = float if isinstance(width, int) else sp.expand
        green = lambda *xs: value(net.green(np.stack(xs), width))  # noqa: E731

        def cov(y: np.ndarray, *xs: np.ndarray) -> float:
            """Cov(prod f(xs), :f(y)^4:) at width N."""
            full = green(*xs, y, y, y, y) - green(*xs) * green(y, y, y, y)
            if self.normal_ordered:
                full -= 6 * k0 * (green(*xs, y, y) - green(*xs) * green(y, y))
            return full

        x = list(pts)
        total = 0.0
        for y, w in zip(self.nodes, self.weights):
            part = cov(y, *x)
            for a, b, c, e in ((0, 1, 2, 3), (0, 2, 1, 3), (0, 3, 1, 2)):
                part -= (cov(y, x[a], x[b]) * green(x[c], x[e])
                         + green(x[a], x[b]) * cov(y, x[c], x[e]))
            total += w * part
        return -total / 24 if isinstance(width, int) else sp.expand(-total / 24)


def _check_deformation(quartic: Any, length: Any, nodes: Any) -> tuple[float, float, int]:
    """Validated (lambda >= 0, finite L > 0, nodes >= 2)."""
    if isinstance(quartic, bool) or not isinstance(quartic, (numbers.Real, sp.Number)):
        raise TypeError(f"quartic must be a real number >= 0, got {quartic!r}")
    quartic = float(quartic)
    if not np.isfinite(quartic) or quartic < 0:
        raise ValueError(f"quartic must be a finite real number >= 0 (the weight "
                         f"exp(-lambda/4! int f^4) is not normalisable for lambda < 0), got {quartic}")
    if isinstance(length, (numbers.Real, sp.Number)) and not isinstance(length, bool) \
            and not np.isfinite(float(length)):
        raise ValueError("length must be finite: in infinite volume int f_theta^4 = oo for every "
                         "cos-net (its output is almost periodic), so the deformed density vanishes")
    length = float(check_positive(length, "length"))
    if isinstance(nodes, bool) or not isinstance(nodes, numbers.Integral):
        raise TypeError(f"nodes must be an integer >= 2, got {nodes!r}")
    if nodes < 2:
        raise ValueError(f"nodes must be an integer >= 2, got {nodes}")
    return quartic, length, int(nodes)


def _box(d_in: int, length: float, nodes: int) -> tuple[np.ndarray, np.ndarray]:
    """Tensor Gauss-Legendre rule with ``nodes`` per axis on [-L, L]^d_in."""
    if nodes ** d_in > 200_000:
        raise ValueError(f"nodes = {nodes} per axis in d_in = {d_in} gives {nodes ** d_in} "
                         "quadrature nodes (> 200000): use fewer nodes")
    t, w = np.polynomial.legendre.leggauss(nodes)
    grids = np.meshgrid(*([length * t] * d_in), indexing="ij")
    weights = np.prod(np.meshgrid(*([length * w] * d_in), indexing="ij"), axis=0).ravel()
    return np.stack([g.ravel() for g in grids], axis=-1), weights


def _match_spectrum(spectrum: sp.Expr, d_in: int, cutoff: float | None) -> tuple[Any, sp.Expr]:
    """(frequency prior, the spectrum's shape) for the families nnqft samples exactly."""
    a_w, m_w, e_w = (sp.Wild(n, exclude=[PP]) for n in "ame")
    form = sp.powsimp(sp.factor(spectrum))
    power = form.match(a_w * (PP + m_w) ** e_w)
    if power and power[e_w].is_number and power[e_w] < 0 and power[m_w].is_positive:
        exponent, m2 = -power[e_w], power[m_w]
        if exponent == 1 and (d_in >= 2 or cutoff is not None):
            if cutoff is None:
                raise ValueError(f"spectrum 1/(p^2 + m^2) is not integrable in d_in = {d_in} >= 2: "
                                 "no probability density of frequencies realises it; give a "
                                 "UV cutoff (cutoff=Lambda) to realise it on |p| < Lambda")
            return FreeScalarFrequencyPrior(mass=float(sp.sqrt(m2)), cutoff=cutoff), None
        if exponent <= sp.Rational(d_in, 2):
            raise ValueError(f"spectrum (p^2 + m^2)^(-{exponent}) is not integrable in "
                             f"d_in = {d_in} (needs an exponent > d_in/2): no probability "
                             "density of frequencies realises it")
        if cutoff is not None:
            raise NoClosedFormError("a cutoff is implemented for the free-scalar spectrum "
                                    "1/(p^2 + m^2) only")
        nu = exponent - sp.Rational(d_in, 2)
        return StudentTFrequencyPrior(nu=float(nu), length_scale=float(sp.sqrt(2 * nu / m2))), None
    gauss = form.match(a_w * sp.exp(-m_w * PP))
    if gauss and gauss[m_w].is_positive and cutoff is None:
        s = 1 / (2 * gauss[m_w])
        required = d_in * s * (2 * sp.pi * s) ** sp.Rational(-d_in, 2)
        if sp.simplify(gauss[a_w] - required) != 0:
            raise NoClosedFormError(
                f"spectrum {spectrum}: a Gaussian spectrum A exp(-p^2/(2 s)) is realised by the "
                f"Gaussian prior only for A = d_in s (2 pi s)^(-d_in/2) = {required} (its variance "
                f"is tied to sigma_W^2/d_in); got A = {gauss[a_w]}")
        return GaussianFrequencyPrior(), d_in * s     # sigma_W^2 = d_in s
    raise NoClosedFormError(
        f"spectrum {spectrum}: realisable by a frequency prior iff it is positive and integrable, "
        "and nnqft samples exactly the families A/(p^2 + m^2) (with a cutoff in d_in >= 2), "
        "A (p^2 + m^2)^(-e) with e > d_in/2 (Student-t / Matern) and A exp(-p^2/(2 s)) with "
        "A = (2 pi s)^(-d_in/2) d_in s (Gaussian prior, whose variance is sigma_W^2/d_in)")


def design_network(spectrum: Any, quartic: Any, *, d_in: int = 1, length: Any = 2.0,
                   nodes: int = 16, cutoff: Any = None, normal_ordered: bool = True
                   ) -> DesignedTheory:
    r"""The network (prior and parameter-density deformation) realising a target local phi^4 theory.

    Parameters
    ----------
    spectrum : SymPy expression or string in ``pp`` (:math:`|p|^2`)
        Target propagator :math:`\tilde K(p)` in the convention
        :math:`K(x) = \int d^dp\, e^{ip\cdot x}\tilde K(p)`.
    quartic : float >= 0
        Target local coupling :math:`\lambda` of :math:`\frac{\lambda}{4!}\int_V {:}f^4{:}`.
    d_in : int >= 1
    length : float > 0
        The volume is :math:`V = [-L, L]^{d_{in}}`; it must be finite (a cos-net output is
        almost periodic, so :math:`\int_{R^d} f^4 = \infty` and the weight would vanish).
    nodes : int >= 2
        Gauss-Legendre nodes per axis on [-L, L] (a tensor rule in ``d_in >= 2``).
    cutoff : float > 0, optional
        UV cutoff of a free-scalar spectrum (required in ``d_in >= 2``).
    normal_ordered : bool

    Returns
    -------
    DesignedTheory

    Raises
    ------
    ValueError
        If the spectrum is not positive or not integrable (no density of frequencies
        realises it), ``quartic < 0`` (:math:`e^{+|\lambda|\int f^4}` is not normalisable),
        or the volume is infinite.
    NoClosedFormError
        For a positive integrable spectrum outside the families nnqft samples exactly.

    Examples
    --------
    >>> theory = design_network("2/(pp + 1)", 0.1)                # d_in = 1: Cauchy prior
    >>> theory.net.frequency_prior, round(float(theory.net.sigma_w) ** 2, 10)
    (StudentTFrequencyPrior(nu=0.5, length_scale=1.0), 6.2831853072)
    """
    d_in = int(check_dimension(d_in))
    quartic, length, nodes = _check_deformation(quartic, length, nodes)
    if cutoff is not None:
        cutoff = float(check_positive(cutoff, "cutoff"))
    expr = parse_expression(spectrum, {"pp": PP}, "spectrum") if isinstance(spectrum, str) \
        else sp.sympify(spectrum) if isinstance(spectrum, sp.Basic) else None
    if expr is None:
        raise TypeError(f"spectrum must be a SymPy expression or a string in pp = |p|^2, "
                        f"got {spectrum!r}")
    if expr.free_symbols - {PP}:
        raise ValueError(f"spectrum may depend on pp = |p|^2 only, got symbols {expr.free_symbols}")
    samples = [expr.subs(PP, v) for v in (0, sp.Rational(1, 3), 1, 7)]
    if not all(s.is_real and s > 0 for s in samples):
        raise ValueError(f"spectrum must be positive (it is sigma_W^2 times a probability density of "
                         f"the frequencies), got {expr}")
    prior, sigma2 = _match_spectrum(expr, d_in, cutoff)
    probe = CosNet(sigma_w=sp.sqrt(sigma2) if sigma2 is not None else 1, sigma_b=0, d_in=d_in,
                   frequency_prior=prior)
    density = prior.density(probe, PP)
    if isinstance(density, sp.Piecewise):
        density = density.args[0][0]
    ratio = sp.simplify(expr / density)
    if ratio.free_symbols or not ratio.is_positive or (
            sigma2 is not None and not sp.simplify(ratio - sigma2) == 0):
        raise NoClosedFormError(f"spectrum {expr} is not sigma_W^2 times the density of the "
                                f"matched prior {prior} (ratio {ratio})")
    net = CosNet(sigma_w=float(sp.sqrt(ratio)), sigma_b=0, d_in=d_in, frequency_prior=prior)
    return DesignedTheory(net, quartic, *_box(d_in, length, nodes), bool(normal_ordered))


def deformed_network(net: CosNet, quartic: Any, *, length: Any = 2.0, nodes: int = 16,
                     normal_ordered: bool = True) -> DesignedTheory:
    r"""The deformation of an existing cos-net (its prior fixes the propagator) by a local phi^4.

    Examples
    --------
    >>> from nnqft_sym import CosNet
    >>> deformed_network(CosNet(sigma_b=0), 0.2).quartic
    0.2
    """
    if getattr(net, "family", None) != "cos":
        raise ValueError(f"net must be a cos-net (the deformation realises a propagator set by "
                         f"its frequency prior), got {getattr(net, 'name', net)!r}")
    quartic, length, nodes = _check_deformation(quartic, length, nodes)
    return DesignedTheory(net, quartic, *_box(int(net.d_in), length, nodes), bool(normal_ordered))
