r"""The exact quartic vertex of a width-N cos-net in momentum space, and how (non-)local it is.

A cos-net :math:`f(x) = \sum_i W_i \cos(w_i\cdot x + b_i) + b^1` (:class:`nnqft_sym.CosNet`,
:math:`W_i \sim \mathcal N(0, 2\sigma_W^2/N)`, :math:`b_i \sim U[-\pi, \pi]`, :math:`w_i \sim \rho`)
is translation invariant at every width.  Averaging the phase,
:math:`E_b \prod_{k=1}^4 \cos(\theta_k + b) = \tfrac18 \sum_{3} \cos(\theta_1 + \theta_2 -
\theta_3 - \theta_4)`, so with :math:`\varphi(v) = E_w \cos(w\cdot v)` the exact connected
4-point function is

.. math:: G_c^{(4)} = \frac{\sigma_W^4}{N}\Big[\tfrac32 \sum_{3} \varphi(x_1 + x_2 - x_3 - x_4)
          - \sum_{3} \varphi(x_1 - x_2)\varphi(x_3 - x_4)\Big].

In momentum space (:math:`G(x) = \int \prod d^dp_i\, e^{i\sum p_i x_i} \tilde G(p)`, so that
:math:`\tilde K(p) = \sigma_W^2\rho(p)`) both terms are delta functions on the support of
:math:`\rho`:

.. math:: \tilde G_c^{(4)} = \frac{\sigma_W^4}{N}\Big[\tfrac32 \sum_{3}\rho(p_1)
          \delta(p_1 - p_2)\delta(p_1 + p_3)\delta(p_1 + p_4)
          - \sum_{3} \rho(p_1)\rho(p_3)\delta(p_1 + p_2)\delta(p_3 + p_4)\Big]

(sums over the three pairings, shown for :math:`(12)(34)`).  Amputating, with
:math:`\tilde G_c = -(2\pi)^d\,\delta(\textstyle\sum p)\,\Gamma_4 \prod_i \tilde K(p_i)` (a local
:math:`\tfrac{\lambda}{4!}\int f^4` has :math:`\Gamma_4 = \lambda`), the vertex is

.. math:: \Gamma_4 = -\frac{3}{2N\sigma_W^4 (2\pi)^d}\,\frac{\delta\delta}{\rho(p)^3}
          \;+\; \frac{1}{N\sigma_W^4(2\pi)^d}\,\frac{\delta}{\rho(p_1)\rho(p_3)} :

a *forward* part supported on :math:`p_1 = p_2 = -p_3 = -p_4` (codimension 2d inside the
momentum-conservation surface) and a *pair* part on :math:`p_1 = -p_2,\ p_3 = -p_4`
(codimension d).  Neither is a function on the whole surface, so the local part is exactly
zero at every width: the i.i.d. cos-net is maximally non-local (DHMSS arXiv:2307.03223,
Sec. 4: locality needs the independence of the neurons to be broken, see
:mod:`nnqft_sym.design`).  The coefficient functions themselves have a derivative expansion
:math:`\lambda + c\sum_i p_i^2 + \dots` on their supports; for the Gaussian prior
(:math:`\rho \propto e^{-p^2/2s}`, :math:`s = \sigma_W^2/d`) they grow like
:math:`e^{3\sum p^2/8s}` and :math:`e^{\sum p^2/4s}`; for the free-scalar prior
(:math:`\rho \propto 1/(p^2+m^2)`) they are polynomials.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from .parsing import to_sympy
from .specification import NetworkSpec
from .validation import as_points, check_width

__all__ = ["MomentumVertex", "cos_net_momentum_vertex", "cos_net_connected_four_point"]

PP, PP1, PP3 = sp.symbols("pp pp_1 pp_3", nonnegative=True)
#: the default symbolic width
N = sp.Symbol("N", positive=True)
_PAIRINGS = ((0, 1, 2, 3), (0, 2, 1, 3), (0, 3, 1, 2))


def _frequency_density(net: NetworkSpec) -> tuple[sp.Expr, sp.Expr]:
    """The density of w at |w|^2 = pp inside its support, and the support radius (sp.oo if none)."""
    prior = getattr(net, "frequency_prior", None)
    if getattr(net, "family", None) != "cos" or prior is None:
        raise ValueError(f"the momentum-space vertex is exact for cos-nets (translation "
                         f"invariant at every width); got {getattr(net, 'name', net)!r}")
    rho = prior.density(net, PP)
    radius = sp.oo
    if isinstance(rho, sp.Piecewise):
        (inside, condition), *_ = rho.args
        rho = inside
        radius = sp.sqrt(sp.solve(sp.Eq(condition.lhs, condition.rhs), PP)[0]) \
            if isinstance(condition, sp.core.relational.Relational) else sp.oo
    return sp.simplify(rho), radius


@dataclass(frozen=True)
class MomentumVertex:
    r"""The exact momentum-space connected 4-point function and quartic vertex of a cos-net.

    Functions of the squared momenta (SymPy, symbols :data:`PP` = :math:`|p|^2` for the forward
    part, :data:`PP1`, :data:`PP3` = :math:`|p_1|^2, |p_3|^2` for the pair part).

    Attributes
    ----------
    density : sympy.Expr
        :math:`\rho(p)` inside its support.
    support_radius : sympy.Expr
        Radius of the support of :math:`\rho` (``oo`` if unbounded); outside it
        :math:`\tilde K = 0` and the vertex is undefined (no modes there).
    forward_correlator, pair_correlator : sympy.Expr
        Coefficients of :math:`\delta(p_1 - p_2)\delta(p_1 + p_3)\delta(p_1 + p_4)` and of
        :math:`\delta(p_1 + p_2)\delta(p_3 + p_4)` in :math:`\tilde G_c^{(4)}` (one pairing).
    forward_vertex, pair_vertex : sympy.Expr
        The same coefficients in :math:`\Gamma_4` (module docstring).
    d_in : int
    """

    density: sp.Expr
    support_radius: sp.Expr
    forward_correlator: sp.Expr
    pair_correlator: sp.Expr
    forward_vertex: sp.Expr
    pair_vertex: sp.Expr
    d_in: int

    #: codimension of each support inside the momentum-conservation surface (times d_in)
    support_codimension = {"forward": 2, "pair": 1}

    def derivative_expansion(self) -> dict[str, tuple[sp.Expr, sp.Expr]]:
        r"""``{"forward": (lambda, c), "pair": (lambda, c)}``: each coefficient function as
        :math:`\lambda + c \sum_{i=1}^4 p_i^2 + O(p^4)` on its support.

        On the forward support :math:`\sum p_i^2 = 4|p|^2`; on the pair support
        :math:`\sum p_i^2 = 2(|p_1|^2 + |p_3|^2)` (the linear term is symmetric in the two).

        Examples
        --------
        >>> from nnqft_sym import CosNet
        >>> vertex = cos_net_momentum_vertex(CosNet(sigma_w=1, d_in=1), width=10)
        >>> lam, c = vertex.derivative_expansion()["pair"]
        >>> lam, c                    # s = sigma_W^2/d_in = 1: lambda = s/N, c = lambda/(4 s)
        (1/10, 1/40)
        """
        forward = self.forward_vertex
        lam_f = sp.simplify(forward.subs(PP, 0))
        c_f = sp.simplify(sp.diff(forward, PP).subs(PP, 0) / 4)
        pair = self.pair_vertex
        lam_p = sp.simplify(pair.subs({PP1: 0, PP3: 0}))
        c_p = sp.simplify(sp.diff(pair, PP1).subs({PP1: 0, PP3: 0}) / 2)
        return {"forward": (lam_f, c_f), "pair": (lam_p, c_p)}

    def relative_variation(self, momentum: float) -> dict[str, float]:
        r""":math:`|\Gamma(p)/\Gamma(0) - 1|` of each part at :math:`|p_i| = ` ``momentum``.

        The distance of each coefficient function from a constant over the momenta that
        matter (e.g. the rms frequency of the prior); a local vertex would give 0 *and* live
        on the whole momentum-conservation surface, which neither part does.

        Examples
        --------
        >>> from nnqft_sym import CosNet
        >>> vertex = cos_net_momentum_vertex(CosNet(), width=10)
        >>> round(vertex.relative_variation(1.0)["pair"], 6)    # e^{(1 + 1)/2} - 1
        1.718282
        """
        pp = sp.nsimplify(to_sympy(momentum, "momentum")) ** 2
        f, p = self.forward_vertex, self.pair_vertex
        return {"forward": float(abs(f.subs(PP, pp) / f.subs(PP, 0) - 1)),
                "pair": float(abs(p.subs({PP1: pp, PP3: pp}) / p.subs({PP1: 0, PP3: 0}) - 1))}


def cos_net_momentum_vertex(net: NetworkSpec, width: Any = N) -> MomentumVertex:
    r"""The exact momentum-space :math:`\tilde G_c^{(4)}` and :math:`\Gamma_4` of a cos-net.

    Parameters
    ----------
    net : CosNet
        Any frequency prior with a SymPy ``density``; ``sigma_w`` may be symbolic.
    width : int or SymPy symbol
        The width N (default the symbol N).

    Raises
    ------
    ValueError
        If ``net`` is not a cos-net.

    Examples
    --------
    >>> from nnqft_sym import CosNet
    >>> v = cos_net_momentum_vertex(CosNet(sigma_w=1, d_in=1))
    >>> v.forward_vertex
    -3*sqrt(2)*sqrt(pi)*exp(3*pp/2)/(2*N)
    """
    width = check_width(width)
    rho, radius = _frequency_density(net)
    d = int(net.d_in)
    sw = sp.nsimplify(net.sigma_w) if not isinstance(net.sigma_w, sp.Basic) else net.sigma_w
    scale = sw ** 4 / width
    rho1, rho3 = rho.subs(PP, PP1), rho.subs(PP, PP3)
    forward_c = sp.Rational(3, 2) * scale * rho
    pair_c = -scale * rho1 * rho3
    amp = (2 * sp.pi) ** d
    forward_v = sp.simplify(-forward_c / (amp * (sw ** 2 * rho) ** 4))
    pair_v = sp.simplify(-pair_c / (amp * (sw ** 2 * rho1) ** 2 * (sw ** 2 * rho3) ** 2))
    return MomentumVertex(rho, radius, sp.simplify(forward_c), sp.simplify(pair_c), forward_v,
                          pair_v, d)


def cos_net_connected_four_point(net: NetworkSpec, points: Any, width: Any) -> Any:
    r"""The exact :math:`G_c^{(4)}` of a cos-net from the momentum-space form (module docstring).

    The inverse Fourier transform of the delta-function structure, written with the
    characteristic function :math:`\varphi` of the frequency prior; an independent route to
    :meth:`Network.connected_green`.

    Examples
    --------
    >>> import numpy as np
    >>> from nnqft_sym import CosNet
    >>> net, pts = CosNet(), [0.1, -0.4, 0.9, 0.3]
    >>> bool(np.isclose(cos_net_connected_four_point(net, pts, 10), net.connected_green(pts, 10)))
    True
    """
    width = check_width(width)
    _frequency_density(net)
    net.require_numeric("cos_net_connected_four_point")
    pts = as_points(points, net.d_in)
    if pts.shape[-2] != 4:
        raise ValueError(f"points: the 4-point function needs 4 points, got {pts.shape[-2]}")
    phi = lambda v: net.frequency_prior.characteristic(net, np.sum(v * v, axis=-1))  # noqa: E731
    x = [pts[..., i, :] for i in range(4)]
    total = 0.0
    for a, b, c, e in _PAIRINGS:
        total = total + 1.5 * phi(x[a] + x[b] - x[c] - x[e]) - phi(x[a] - x[b]) * phi(x[c] - x[e])
    out = float(net.sigma_w) ** 4 / width * total
    return float(out) if np.ndim(out) == 0 else out
