r"""Momentum-space propagators of translation-invariant GP kernels.

Fourier convention of ELS (arXiv:2108.01403; docs/conventions.md section 4): :math:`K(x) = \int d^d p\, e^{i p\cdot x} K(p)`, i.e.
:math:`K(p) = (2\pi)^{-d} \int d^d x\, e^{-i p\cdot x} K(x)`.  For the Gauss-net weight kernel
:math:`K_W = \sigma_W^2 e^{-\sigma_W^2 |x|^2/(2 d_{in})}` this gives
:math:`K(p) = (\sigma_W^2)^{1-d_{in}/2} (d_{in}/2\pi)^{d_{in}/2} e^{-d_{in} p^2/(2\sigma_W^2)}`.
The constant :math:`\sigma_b^2` of the kernel is a pure zero mode,
:math:`\sigma_b^2 \delta^{d}(p)`, and is left out of :func:`momentum_propagator`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from .kernels import kernel_expr, kernel_numeric
from .moments import is_symbolic_points
from .parsing import to_sympy
from .specification import NetworkSpec, P, default_points

__all__ = ["momentum_propagator", "ir_expansion", "IRExpansion", "gaussian_weight_kernel",
           "is_translation_invariant", "weight_kernel", "P"]


def weight_kernel(net: NetworkSpec, x: Any, y: Any) -> Any:
    r"""The weight kernel :math:`K_W(x, y) = K(x, y) - \sigma_b^2`, the propagator of the diagrams.

    The constant :math:`\sigma_b^2` of the kernel (the output bias) is a zero mode: it is left
    out of the external legs of :math:`N_K`, of the Feynman rules and of
    :func:`momentum_propagator`.  Symbolic for SymPy points (from
    :func:`nnqft_sym.kernels.kernel_expr`), else numeric with the broadcasting of
    :func:`nnqft_sym.kernels.kernel_numeric`.

    Examples
    --------
    >>> import sympy as sp
    >>> from nnqft_sym import GaussNet
    >>> x, y = sp.symbols("x y", real=True)
    >>> weight_kernel(GaussNet(sigma_b=3), x, y)
    exp(-(x - y)**2/2)
    >>> round(float(weight_kernel(GaussNet(sigma_b=3), 0.0, 0.0)), 12)
    1.0
    """
    if is_symbolic_points(x) or is_symbolic_points(y):
        return kernel_expr(net, x, y) - net.priors.readout_bias.variance
    return np.asarray(kernel_numeric(net, x, y), dtype=float) - float(net.priors.readout_bias.variance)


def is_translation_invariant(net: NetworkSpec) -> bool:
    r"""True if K(x + a, y + a) = K(x, y) identically (checked symbolically in d_in = 1 or components).

    A cheap numeric test comes first: the kernel is evaluated at random points ``x, y`` and
    hyper-parameters, with and without a random common shift ``a`` (fixed seed); a kernel
    that changes is not translation invariant (ReLU-net, Erf-net), and only kernels that
    pass are proven invariant by symbolic simplification of :math:`\partial_a K(x+a, y+a)`.

    Examples
    --------
    >>> from nnqft_sym import GaussNet, ReLUNet
    >>> is_translation_invariant(GaussNet(d_in=2)), is_translation_invariant(ReLUNet(d_in=5))
    (True, False)
    """
    d = net.d_in if isinstance(net.d_in, int) else 1
    probe = net if isinstance(net.d_in, int) else net.with_params(d_in=1)
    x, y = default_points(d)
    xs, ys = ([x], [y]) if d == 1 else (x, y)
    shifts = sp.symbols(f"a_1:{d + 1}", real=True)
    k = kernel_expr(probe, x, y)
    shifted = k.subs({**{xi: xi + a for xi, a in zip(xs, shifts)},
                      **{yi: yi + a for yi, a in zip(ys, shifts)}}, simultaneous=True)
    if _changes_under_a_random_shift(k, shifted, shifts):
        return False
    return _shift_derivatives_vanish(shifted, shifts)


#: relative change of K under a shift above which the numeric test calls a kernel non-invariant
_SHIFT_TOLERANCE = 1e-10


def _changes_under_a_random_shift(k: sp.Expr, shifted: sp.Expr, shifts: tuple) -> bool:
    """True if K(x + a, y + a) differs from K(x, y) at random numeric points (fixed seed).

    Positive symbols (sigma_W, ...) get values in [0.5, 2], the others in [-1, 1].  False
    when the kernel cannot be evaluated to a number there (the symbolic test decides).
    """
    rng = np.random.default_rng(20210)
    symbols = sorted(shifted.free_symbols, key=str)
    for _ in range(2):
        values = {s: sp.Float(rng.uniform(0.5, 2.0) if s.is_positive else rng.uniform(-1, 1), 30)
                  for s in symbols}
        at, moved = k.evalf(30, subs=values), shifted.evalf(30, subs=values)
        if not (at.is_number and moved.is_number and at.is_finite and moved.is_finite):
            return False
        if abs(complex(moved - at)) > _SHIFT_TOLERANCE * max(1.0, abs(complex(at))):
            return True
    return False


def _shift_derivatives_vanish(shifted: sp.Expr, shifts: tuple) -> bool:
    r"""The symbolic proof: every :math:`\partial K(x + a, y + a)/\partial a_i` simplifies to 0."""
    return all(sp.simplify(sp.diff(shifted, a)) == 0 for a in shifts)


def gaussian_weight_kernel(net: NetworkSpec) -> tuple[sp.Expr, sp.Expr] | None:
    r"""(A, a) if :math:`K - \sigma_b^2 = A\, e^{-a |x - y|^2}` (Gauss-net; cos-net with a Gaussian prior), else None.

    Found by inspecting the derived kernel in d_in = 1 (the form is separable in components).
    Deep networks (depth > 1) are never of this form: the layer recursion composes the
    activation with the previous kernel (deep Gauss-net: an exponential of a Gaussian, still
    translation invariant but not Gaussian); they return None without a (slow) symbolic
    analysis of the composed kernel.
    """
    if net.depth > 1:
        return None
    probe = net.with_params(d_in=1)
    x, y = default_points(1)
    kw = sp.simplify(weight_kernel(probe, x, y))
    log_kw = sp.expand(sp.expand_log(sp.log(kw), force=True))
    if not log_kw.is_polynomial(x, y) or sp.Poly(log_kw, x, y).total_degree() != 2:
        return None
    a = -log_kw.coeff(x, 2)
    amp = sp.exp(log_kw.subs({x: 0, y: 0}))
    if sp.simplify(log_kw - (sp.log(amp) - a * (x - y) ** 2)) != 0:
        return None
    # z(x) depends on x only through sigma_W^2 x.y / d_in, so the exponent of the d_in = 1
    # probe scales as 1/d_in in general dimension
    return sp.simplify(amp), sp.simplify(a / net.d_in)


def momentum_propagator(net: NetworkSpec, p: Any = None) -> sp.Expr:
    r"""K(p) of the weight part of a translation-invariant kernel, in the ELS convention.

    Parameters
    ----------
    net : Network
        Its kernel must be translation invariant (Gauss-net, cos-net).
    p : SymPy expression, optional
        The momentum magnitude (default :data:`P`).

    Raises
    ------
    ValueError
        If the kernel is not translation invariant (ReLU-net, Erf-net, ...), or no transform
        is available.

    Examples
    --------
    >>> import sympy as sp
    >>> from nnqft_sym import GaussNet
    >>> sw = sp.Symbol("sigma_W", positive=True)
    >>> GaussNet(sigma_w=sw, d_in=1).momentum_propagator()
    sqrt(2)*sigma_W*exp(-p**2/(2*sigma_W**2))/(2*sqrt(pi))
    """
    p = P if p is None else to_sympy(p, "p")
    d = net.d_in
    if not net.first_layer_is_gaussian:  # cos-net: K_W(p) = (v_out / 2) rho(p), from the phase average
        return sp.simplify(net.output_variance / 2 * net.priors.first_weights.density(p ** 2))
    if not is_translation_invariant(net):
        raise ValueError(f"the kernel of {net.name} is not translation invariant "
                         "(K(x+a, y+a) != K(x, y)); it has no momentum-space propagator")
    form = gaussian_weight_kernel(net)
    if form is None:
        raise ValueError(f"no Fourier transform implemented for the kernel of {net.name}")
    amp, a = form
    # one Cartesian factor, done by SymPy; a Gaussian is separable, so K(p) = amp * F1^d
    x1, p1 = sp.Symbol("x_1", real=True), sp.Symbol("p_1", real=True)
    f1 = sp.integrate(sp.exp(-a * x1 ** 2 - sp.I * p1 * x1), (x1, -sp.oo, sp.oo), conds="none") / (2 * sp.pi)
    f1 = sp.simplify(f1)
    prefactor = f1.subs(p1, 0)
    decay = sp.simplify(sp.log(f1 / prefactor).subs(p1, 1))  # exponent per unit p_1^2
    return sp.powsimp(amp * prefactor ** d * sp.exp(decay * p ** 2), force=True)


@dataclass(frozen=True)
class IRExpansion:
    r"""Infrared form :math:`K(p) \simeq Z_0^{-1} / (m_0^2 + p^2)` of a momentum propagator.

    Attributes
    ----------
    Z0 : sympy.Expr
        Wave-function renormalisation constant (coefficient of :math:`p^2` in :math:`1/K(p)`).
    m0_squared : sympy.Expr
        Mass squared, :math:`m_0^2 = [1/K](0) / Z_0`.
    propagator : sympy.Expr
        The exact K(p) that was expanded.
    """

    Z0: sp.Expr
    m0_squared: sp.Expr
    propagator: sp.Expr

    @property
    def approximation(self) -> sp.Expr:
        """:math:`Z_0^{-1}/(m_0^2 + p^2)`."""
        return 1 / (self.Z0 * (self.m0_squared + P ** 2))

    def _latex(self, printer: Any) -> str:
        return r"K(p) \simeq \frac{Z_0^{-1}}{m_0^2 + p^2},\quad Z_0 = %s,\quad m_0^2 = %s" % (
            printer._print(self.Z0), printer._print(self.m0_squared))


def ir_expansion(net: NetworkSpec) -> IRExpansion:
    r"""Expand :math:`1/K(p) = Z_0 (m_0^2 + p^2) + O(p^4)` (Gauss-net: :math:`m_0^2 = 2\sigma_W^2/d_{in}`).

    Examples
    --------
    >>> import sympy as sp
    >>> from nnqft_sym import GaussNet
    >>> sw = sp.Symbol("sigma_W", positive=True)
    >>> GaussNet(sigma_w=sw, d_in=3).ir_expansion().m0_squared
    2*sigma_W**2/3
    """
    kp = momentum_propagator(net)
    q = sp.Symbol("q", nonnegative=True)  # q = p^2
    inv = sp.simplify(1 / kp.subs(P, sp.sqrt(q)))
    a0 = sp.simplify(inv.subs(q, 0))
    a1 = sp.simplify(sp.diff(inv, q).subs(q, 0))
    return IRExpansion(Z0=a1, m0_squared=sp.simplify(a0 / a1), propagator=kp)
