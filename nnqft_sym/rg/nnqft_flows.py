r"""NN-QFT flows of ELS (arXiv:2108.01403, "active RG"; docs/conventions.md section 5), derived here.

**Setting (ELS).**  The Gauss-net propagator :math:`K(p) \propto e^{-p^2/k^2}` with
:math:`k^2 = 2\sigma_W^2/d_{in}` looks like a UV-regularised massive propagator; ELS define

.. math:: \Gamma_k''(p) + R_k(p) := k^2 e^{p^2/k^2}

in the field normalisation where the propagator is :math:`K_k(p) = e^{-p^2/k^2}/k^2`.  With
the kinetic term :math:`p^2` this is the regulator :math:`R_k = k^2 r(p^2/k^2)`,
:math:`r(y) = e^y - y` (:func:`gaussnet_regulator`): :math:`P(y) = y + r = e^y`,
:math:`Q = r - y r' = (1 - y) e^y`.  The LPA Wetterich flow of the interaction potential
:math:`U = u_4\phi^4/4! + u_6\phi^6/6!` (the mass :math:`u_2 = k^2` sits in :math:`k^2e^{y}`)
is derived with :func:`nnqft_sym.rg.wetterich_lpa`; the threshold functions at
:math:`w = 0` are done by SymPy:

.. math:: \ell^{(j)}(0) = (-1)^j j!\, v_d \int_0^\infty dy\, y^{d/2-1} (1-y) e^{-jy}
          = (-1)^j j!\,(4\pi)^{-d/2} j^{-d/2}\left(1 - \tfrac{d}{2j}\right), \quad j \ge 1

(:math:`j = 0`, the vacuum energy, diverges and drops out).  Result (:func:`gaussnet_flow`):

.. math::

    \partial_t u_4 = k^{d-2}\ell'(0)\, u_6 + 3 k^{d-4}\ell''(0)\, u_4^2, \qquad
    \partial_t u_6 = 15 k^{d-4}\ell''(0)\, u_4 u_6 + 15 k^{d-6}\ell'''(0)\, u_4^3 ,

and the generated mass :math:`\partial_t u_2 = k^{d-2}\ell'(0) u_4` must be dropped: the exact
2-point function of the network is :math:`K` at every width, which the definition above
imposes.  For the dimensionless :math:`\tilde u_{2n} = k^{(n-1)d - 2n} u_{2n}` the canonical
terms are :math:`-(4-d)\tilde u_4` and :math:`-(6-2d)\tilde u_6`.

**Active RG.**  Varying :math:`\sigma_W` moves :math:`k \propto \sigma_W`.  The Gauss-net
family has an exact dilation symmetry (:func:`dilation_exponent`):
:math:`K_W(x,y;t\sigma_W) = t^2 K_W(tx,ty;\sigma_W)` and all single-neuron moments depend on
:math:`\sigma_W x` only, so at every width
:math:`u_n(x_i; t\sigma_W) = t^{d_{in}-n} u_n(t x_i; \sigma_W)` for the network-field couplings
:math:`u_4 = -\Delta G^{(4)}/N_K` that HMS/ELS measure.  At coincident points

.. math:: \sigma_W \frac{d u_4}{d\sigma_W} = (d_{in} - 4)\, u_4, \qquad
          \sigma_W \frac{d u_6}{d\sigma_W} = (d_{in} - 6)\, u_6 ,

exactly, with no loop corrections (the active flow is a symmetry of the family, not a
coarse-graining); at the ELS points (:math:`|x| \le 0.01`) the moved points
:math:`t x_i` add a drift, -3.05 instead of -3 at :math:`\sigma_W = 20`
(:func:`exact_active_slope`).

**Which normalisation: ELS vs the exact result.**  ELS's
:math:`\sigma_W du_4/d\sigma_W = (4 - d_{in}) u_4`, :math:`(6 - 2d_{in}) u_6` is dimensional
analysis of the local couplings in the ELS field normalisation (propagator
:math:`K_k = e^{-p^2/k^2}/k^2`, mass dimension of :math:`u_{2n}` is :math:`2n - (n-1)d`):
constant dimensionless couplings, equivalently the linear part of the derived dimensionless
flow above.  The network's propagator is :math:`K(p) = Z_\sigma K_k(p)`,
:math:`Z_\sigma = \sigma_W^{4-d}(2/d)(d/2\pi)^{d/2}` (:func:`field_rescaling`); with
:math:`f = \sqrt{Z_\sigma}\,\phi`, :math:`u^{ELS}_{2n} = Z_\sigma^n u_{2n}`, and
:math:`d_{in} - 4 + 2(4 - d_{in}) = 4 - d_{in}`, :math:`d_{in} - 6 + 3(4 - d_{in}) = 6 - 2d_{in}`:
the two statements agree once the normalisation is fixed.  For the couplings as measured
(:math:`u_4 = -\Delta G^{(4)}/N_K`), ELS's exponent has the wrong sign: the exact slope is
:math:`d_{in} - 4 = -3`, not :math:`+3`.

**Passive RG.**  Fixed network (:math:`m_0`, :math:`Z_0` from the IR expansion
:math:`K^{-1} \simeq Z_0(m_0^2 + p^2)`), varying the regulator scale :math:`k`: the
dimensionful LPA flow of :math:`u_4^{net}, u_6^{net}` with a regulator on that kinetic term
(:func:`passive_flow`).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp
from scipy import integrate

from .._deprecation import deprecated_alias, deprecated_attribute
from ..architectures import GaussNet
from ..multi_output import invariant_quartic_coupling
from ..parsing import to_sympy
from ..propagators import ir_expansion, momentum_propagator
from ..specification import NetworkSpec
from .action import P, TruncatedAction, check_spacetime_dimension
from .lpa import wetterich_lpa
from .regulators import K_SCALE, P2, Y, Regulator, custom_regulator, loop_measure

__all__ = ["gaussnet_regulator", "GaussNetFlow", "FlowSolution", "gaussnet_flow",
           "field_rescaling", "field_normalisation", "dilation_exponent", "active_flow", "passive_flow",
           "exact_active_slope", "U4", "U6", "MultiOutputCouplings", "multi_output_couplings"]

#: the quartic and sextic couplings of phi^4/4! and phi^6/6!
U4 = sp.Symbol("u_4", real=True)
U6 = sp.Symbol("u_6", real=True)


def gaussnet_regulator() -> Regulator:
    r"""ELS: :math:`p^2 + R_k(p) = k^2 e^{p^2/k^2}`, i.e. :math:`r(y) = e^y - y`.

    Examples
    --------
    >>> from nnqft_sym.rg import gaussnet_regulator
    >>> gaussnet_regulator().propagator_denominator
    exp(y)
    """
    return custom_regulator(K_SCALE ** 2 * sp.exp(P2 / K_SCALE ** 2) - P2, name="gaussnet")


@functools.lru_cache(maxsize=None)
def _threshold_at_zero(order: int, d: sp.Expr) -> sp.Expr:
    """ell^(j)(0) of the Gauss-net regulator by SymPy integration (j >= 1)."""
    reg = gaussnet_regulator()
    integrand = Y ** (d / 2 - 1) * reg.scale_derivative / reg.propagator_denominator ** (order + 1)
    value = sp.integrate(sp.simplify(integrand), (Y, 0, sp.oo), conds="none")
    return sp.simplify((-1) ** order * sp.factorial(order) * loop_measure(d) * value)


@dataclass(frozen=True)
class GaussNetFlow:
    r"""Derived LPA flow of the ELS truncation :math:`U = u_4\phi^4/4! + u_6\phi^6/6!`.

    Attributes
    ----------
    d_in : sympy.Expr
        Input dimension :math:`d_{in}`, the spacetime dimension of this flow (``d`` is a
        deprecated alias).
    beta : dict
        ``{U4: d u4/dt, U6: d u6/dt}`` (dimensionful, contain ``k``), canonical normalisation.
    generated_mass : sympy.Expr
        :math:`\partial_t u_2` that the truncation generates and the exact 2-point function
        forbids (dropped).
    thresholds : dict
        ``j -> ell^(j)(0)``, j = 1, 2, 3.
    """

    d_in: sp.Expr
    beta: dict[sp.Symbol, sp.Expr]
    generated_mass: sp.Expr
    thresholds: dict[int, sp.Expr]

    d = deprecated_attribute("d_in", "d")

    @property
    def canonical_dimensions(self) -> dict[sp.Symbol, sp.Expr]:
        """Mass dimensions of u4 and u6: 4 - d_in and 6 - 2 d_in."""
        return {U4: 4 - self.d_in, U6: 6 - 2 * self.d_in}

    def dimensionless(self) -> dict[sp.Symbol, sp.Expr]:
        r"""Flows of :math:`\tilde u = k^{-[u]} u` written in the dimensionless couplings."""
        dims = self.canonical_dimensions
        sub = {U4: K_SCALE ** dims[U4] * U4, U6: K_SCALE ** dims[U6] * U6}
        return {g: sp.simplify(-dims[g] * g + K_SCALE ** (-dims[g])
                               * self.beta[g].subs(sub, simultaneous=True))
                for g in (U4, U6)}

    def latex(self) -> str:
        """The two flow equations as a LaTeX ``aligned`` block."""
        rows = [r"\partial_t %s &= %s" % (sp.latex(g), sp.latex(b)) for g, b in self.beta.items()]
        return "\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}"


def gaussnet_flow(d_in: Any, n_components: Any = 1) -> GaussNetFlow:
    r"""Derive the ELS flow equations of :math:`u_4, u_6` (see the module docstring).

    Parameters
    ----------
    d_in : int or sympy expression
        Input dimension.
    n_components : int >= 1 or sympy expression
        Number of output components (O(N) flow of :math:`U = u_4 (f\cdot f)^2/4! +
        u_6 (f\cdot f)^3/6!`, N = ``d_out``); default 1.

    Examples
    --------
    >>> import sympy as sp
    >>> from nnqft_sym.rg import gaussnet_flow, U4, U6
    >>> flow = gaussnet_flow(1)
    >>> sp.expand(flow.dimensionless()[U4]).coeff(U4, 1)     # -(4 - d_in)
    -3
    """
    action = TruncatedAction(check_spacetime_dimension(d_in, "d_in"), 3, "zero",
                             n_components=n_components)
    reg = gaussnet_regulator()
    beta = wetterich_lpa(action, reg, dimensionless=False)
    lam = action.lambdas
    thresholds = {j: _threshold_at_zero(j, action.d) for j in (1, 2, 3)}
    # the ELS point: no mass deviation (u2 = k^2 exactly); lambda_2 = u4/3, lambda_3 = u6/15
    point = {lam[1]: 0, lam[2]: U4 / 3, lam[3]: U6 / 15}

    def closed(expr: sp.Expr) -> sp.Expr:
        expr = expr.subs(point)
        repl = {reg.threshold(j, action.d, sp.Integer(0)): thresholds[j] for j in thresholds}
        return sp.simplify(expr.xreplace(repl))

    out = {U4: closed(3 * beta[lam[2]]), U6: closed(15 * beta[lam[3]])}
    return GaussNetFlow(action.d, out, closed(beta[lam[1]]), thresholds)


def field_rescaling(net: NetworkSpec) -> sp.Expr:
    r""":math:`Z_\sigma = K(p) / K_k(p)`, :math:`K_k = e^{-p^2/k^2}/k^2`, :math:`k^2 = m_0^2`.

    The factor :math:`Z_\sigma` that rescales the network field to the ELS field
    (propagator :math:`K_k`); ``field_normalisation`` is its deprecated name.

    Derived from ``net.momentum_propagator()`` and its IR expansion; raises ``ValueError`` if
    the ratio depends on p (the network's propagator is not of the ELS form).

    Examples
    --------
    >>> import sympy as sp
    >>> from nnqft_sym import GaussNet
    >>> from nnqft_sym.rg import field_rescaling
    >>> sw = sp.Symbol("sigma_W", positive=True)
    >>> field_rescaling(GaussNet(sigma_w=sw, d_in=1))
    sqrt(2)*sigma_W**3/sqrt(pi)
    """
    kp = momentum_propagator(net, P)
    k2 = ir_expansion(net).m0_squared
    ratio = sp.simplify(kp / (sp.exp(-P ** 2 / k2) / k2))
    if ratio.has(P):
        raise ValueError(f"{net.name}: K(p) is not proportional to exp(-p^2/k^2)/k^2 "
                         f"(ratio {ratio}); the ELS active flow needs a Gauss-net-like kernel")
    return ratio


field_normalisation = deprecated_alias(field_rescaling, "field_normalisation")


def _atol(start: np.ndarray) -> float:
    """Absolute tolerance relative to the size of the initial couplings."""
    return 1e-14 * max(float(np.max(np.abs(start))), 1e-300)


@dataclass(frozen=True)
class FlowSolution:
    """A flow integrated with ``solve_ivp``.

    Attributes
    ----------
    scale : numpy.ndarray
        The flow parameter at the output points (sigma_W for the active flow, k for passive).
    u4, u6 : numpy.ndarray
        Couplings of the network field (:math:`u^{net}`) along the flow.
    canonical_u4, canonical_u6 : numpy.ndarray
        The same in the ELS normalisation (propagator :math:`e^{-p^2/k^2}/k^2`); equal to
        ``u4, u6`` for the passive flow.
    """

    scale: np.ndarray
    u4: np.ndarray
    u6: np.ndarray
    canonical_u4: np.ndarray
    canonical_u6: np.ndarray


def dilation_exponent(net: NetworkSpec, order: int) -> sp.Expr:
    r"""Exponent :math:`\gamma_n` of the active flow :math:`\sigma_W du_n/d\sigma_W = \gamma_n u_n`.

    Derived from the dilation symmetry of the family: the weight kernel obeys
    :math:`K_W(x, y; t\sigma_W) = t^2 K_W(tx, ty; \sigma_W)` (checked symbolically on
    ``net.kernel_expr``), and the single-neuron moments depend on :math:`\sigma_W x` only, so
    :math:`\Delta G^{(n)}(x_i; t\sigma_W) = t^n \Delta G^{(n)}(t x_i; \sigma_W)` and
    :math:`N_K^{(n)}(x_i; t\sigma_W) = t^{2n - d} N_K^{(n)}(t x_i; \sigma_W)`, hence
    :math:`u_n(x_i; t\sigma_W) = t^{d - n} u_n(t x_i; \sigma_W)`: at coincident points
    :math:`\gamma_n = d_{in} - n` exactly (network-field normalisation).

    The property holds for every single-hidden-layer architecture here (Gauss-, ReLU-, Erf-net:
    :math:`z = W^0\cdot x + b^0` depends on :math:`\sigma_W` only through :math:`\sigma_W x`).
    For kernels that need an input-space cutoff :math:`\Lambda` in :math:`N_K`, the cutoff
    moves too (:math:`\Lambda \to t\Lambda`).

    Raises
    ------
    ValueError
        If the weight kernel is not dilation covariant.

    Examples
    --------
    >>> from nnqft_sym import GaussNet
    >>> from nnqft_sym.rg import dilation_exponent
    >>> dilation_exponent(GaussNet(d_in=1), 4), dilation_exponent(GaussNet(d_in=1), 6)
    (-3, -5)
    """
    t = sp.Symbol("t", positive=True)
    sigma = sp.Symbol("sigma_W", positive=True)
    d = net.d_in
    symbolic = net.with_params(sigma_w=sigma)
    xs = [sp.Symbol(f"x_{i}", real=True) for i in range(d)]
    ys = [sp.Symbol(f"y_{i}", real=True) for i in range(d)]
    weight = symbolic.kernel_expr(xs, ys) - symbolic.sigma_b ** 2
    scaled = weight.subs(sigma, t * sigma)
    moved = t ** 2 * weight.subs({**{x: t * x for x in xs}, **{y: t * y for y in ys}},
                                 simultaneous=True)
    if sp.simplify(scaled - moved) != 0:
        raise ValueError(f"{net.name}: the weight kernel is not dilation covariant, "
                         "K_W(x, y; t sigma_W) != t^2 K_W(t x, t y; sigma_W)")
    return to_sympy(d, "d_in") - order


def active_flow(net: NetworkSpec, u4: float, u6: float, sigmas: Any, rtol: float = 1e-12
                ) -> FlowSolution:
    r"""Integrate the active flow :math:`\sigma_W du_n/d\sigma_W = \gamma_n u_n` (solve_ivp).

    :math:`\gamma_n` from :func:`dilation_exponent` (network-field couplings, e.g. the exact or
    measured :math:`u_4 = -\Delta G^{(4)}/N_K`); the ELS-normalised couplings
    :math:`u^{ELS}_{2n} = Z_\sigma^n u_{2n}` (:func:`field_rescaling`) are returned too and
    follow ELS's (arXiv:2108.01403) :math:`(4 - d_{in})`, :math:`(6 - 2 d_{in})`.

    The dilation acts on the inputs only, so a network with ``d_out > 1`` outputs flows the
    same way: pass the O(d_out)-invariant coupling of :func:`multi_output_couplings` as ``u4``.

    Parameters
    ----------
    net : GaussNet
        Numeric hyper-parameters; its :math:`\sigma_W` is the starting point.
    u4, u6 : float
        Couplings at the start.
    sigmas : array of float
        Output values of :math:`\sigma_W`.

    Examples
    --------
    >>> from nnqft_sym import GaussNet
    >>> from nnqft_sym.rg import active_flow
    >>> sol = active_flow(GaussNet(sigma_w=1.0, d_in=1), -0.1, 0.01, [1.0, 2.0])
    >>> ratio = sol.u4[-1] / sol.u4[0], sol.canonical_u4[-1] / sol.canonical_u4[0]
    >>> tuple(round(float(r), 9) for r in ratio)
    (0.125, 8.0)
    """
    net.require_numeric("active_flow")
    s0 = float(net.sigma_w)
    sigma_sym = sp.Symbol("sigma_W", positive=True)
    z_of = sp.lambdify(sigma_sym, field_rescaling(net.with_params(sigma_w=sigma_sym)), "numpy")
    gammas = np.array([float(dilation_exponent(net, 4)), float(dilation_exponent(net, 6))])
    sigmas = np.atleast_1d(np.asarray(sigmas, float))
    if np.any(sigmas <= 0):
        raise ValueError("sigmas must be positive")
    start = np.array([u4, u6], float)
    sol = integrate.solve_ivp(lambda _, y: gammas * y, (np.log(s0), float(np.log(sigmas[-1]))),
                              start, t_eval=np.log(sigmas), rtol=rtol, atol=_atol(start),
                              method="DOP853")
    if not sol.success:
        raise RuntimeError(f"active flow failed: {sol.message}")
    z = np.asarray(z_of(sigmas), float)
    return FlowSolution(sigmas, sol.y[0], sol.y[1], sol.y[0] * z ** 2, sol.y[1] * z ** 3)


def passive_flow(net: NetworkSpec, u4: float, u6: float, ks: Any, regulator: Any = "litim",
                 rtol: float = 1e-10, n_components: Any = 1) -> FlowSolution:
    r"""Integrate the passive flow in :math:`k` for a fixed network, from ``ks[0]`` through ``ks``.

    The kinetic term is the IR expansion :math:`Z_0(m_0^2 + p^2)` of ``net``; the regulator
    :math:`R_k = Z_0 k^2 r(p^2/k^2)`; the couplings are those of the network field
    (:math:`u_4 = 3\lambda_2`, :math:`u_6 = 15\lambda_3`, mass deviation kept at zero).
    ``n_components`` = N gives the O(N) flow of :math:`u_4 (f\cdot f)^2/4! + u_6 (f\cdot f)^3/6!`
    for a network with ``d_out = N`` outputs (start it from :func:`multi_output_couplings`).

    Examples
    --------
    >>> from nnqft_sym import GaussNet
    >>> from nnqft_sym.rg import passive_flow
    >>> sol = passive_flow(GaussNet(sigma_w=1.0, d_in=1), -0.1, 0.0, [10.0, 1e-3])
    >>> bool(abs(sol.u4[-1] - sol.u4[0]) < 1e-3)       # O(u4^2) running
    True
    """
    net.require_numeric("passive_flow")
    ir = ir_expansion(net)
    action = TruncatedAction(net.d_in, 3, "zero",
                             kinetic=ir.Z0 * (ir.m0_squared + P ** 2), n_components=n_components)
    beta = wetterich_lpa(action, regulator, dimensionless=False)
    lam = action.lambdas
    point = {lam[1]: 0, lam[2]: U4 / 3, lam[3]: U6 / 15}
    exprs = [(3 * beta[lam[2]]).subs(point), (15 * beta[lam[3]]).subs(point)]
    func = sp.lambdify((K_SCALE, U4, U6), exprs, "numpy")
    ks = np.atleast_1d(np.asarray(ks, float))
    if np.any(ks <= 0):
        raise ValueError("ks must be positive")

    def rhs(log_k: float, y: np.ndarray) -> np.ndarray:
        return np.asarray(func(np.exp(log_k), y[0], y[1]), float)

    sol = integrate.solve_ivp(rhs, (float(np.log(ks[0])), float(np.log(ks[-1]))),
                              np.array([u4, u6], float), t_eval=np.log(ks), rtol=rtol,
                              atol=_atol(np.array([u4, u6])), method="DOP853")
    if not sol.success:
        raise RuntimeError(f"passive flow failed near k = {np.exp(sol.t[-1]):.4g}: {sol.message} "
                           "(the coupling is too strong for the truncation: the flow runs into "
                           "the propagator pole)")
    return FlowSolution(ks, sol.y[0], sol.y[1], sol.y[0], sol.y[1])


@dataclass(frozen=True)
class MultiOutputCouplings:
    r"""Starting couplings of the O(N) flows of a network with ``d_out = N`` outputs.

    Attributes
    ----------
    n_components : int
        N = ``d_out``.
    u4 : float
        The O(d_out)-invariant tree-level coupling :math:`\lambda` of
        :math:`\frac{\lambda}{4!}\int (f\cdot f)^2` (:math:`u_4 = 3\lambda_2` in the
        :math:`\rho = f\cdot f/2` expansion of the flows).
    anisotropy : float
        Spread of the per-pairing couplings relative to :math:`|u_4|` (zero for a local
        :math:`(f\cdot f)^2` vertex; see :mod:`nnqft_sym.multi_output`).
    """

    n_components: int
    u4: float
    anisotropy: float


def multi_output_couplings(net: NetworkSpec, points: Any, width: Any,
                           cutoff: Any = None) -> MultiOutputCouplings:
    r"""The O(d_out)-invariant quartic coupling of a multi-output network, for the O(N) flows.

    Reads :func:`nnqft_sym.multi_output.invariant_quartic_coupling` (exact finite-width vertex
    at four ``points``) and pairs it with N = ``net.d_out``, the input of
    ``passive_flow(..., n_components=N)`` and ``lpa_beta_functions(..., n_components=N)``.

    Examples
    --------
    >>> from nnqft_sym import GaussNet
    >>> from nnqft_sym.rg import multi_output_couplings, passive_flow
    >>> net = GaussNet(sigma_w=1.0, d_in=1, d_out=3)
    >>> start = multi_output_couplings(net, [-0.01, -0.006, 0.002, 0.01], 10)
    >>> start.n_components
    3
    >>> sol = passive_flow(net, start.u4, 0.0, [10.0, 9.0], n_components=start.n_components)
    >>> len(sol.u4)
    2
    """
    quartic = invariant_quartic_coupling(net, points, width, cutoff=cutoff)
    return MultiOutputCouplings(int(net.d_out), float(np.asarray(quartic.coupling)),
                                float(np.asarray(quartic.anisotropy)))


def exact_active_slope(points: Any, width: int, sigmas: Any, sigma_b: float = 1.0,
                       d_in: int = 1) -> tuple[np.ndarray, np.ndarray]:
    r"""Exact :math:`u_4(\sigma_W) = -\Delta G^{(4)}/N_K` of Gauss-nets and its log-log slope.

    Returns ``(u4, slope)`` with ``slope = d ln|u4| / d ln sigma_W`` (centred differences on the
    ``sigmas`` grid, one-sided at the ends).

    Examples
    --------
    >>> from nnqft_sym.rg import exact_active_slope
    >>> u4, slope = exact_active_slope([0.0, 0.0, 0.0, 0.0], 10, [1.0, 2.0, 4.0])
    >>> [round(float(s), 10) for s in slope]     # exactly d_in - 4 at coincident points
    [-3.0, -3.0, -3.0]
    """
    sigmas = np.asarray(sigmas, float)
    if sigmas.ndim != 1 or sigmas.size < 2 or np.any(np.diff(sigmas) <= 0):
        raise ValueError("sigmas must be an increasing 1-d array of at least 2 values")
    u4 = np.array([float(GaussNet(sigma_w=float(s), sigma_b=sigma_b, d_in=d_in)
                         .quartic_coupling(points, width)) for s in sigmas])
    slope = np.gradient(np.log(np.abs(u4)), np.log(sigmas))
    return u4, slope
