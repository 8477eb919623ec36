r"""A truncated effective action: kinetic term from a propagator plus a polynomial potential.

.. math::

    \Gamma_k[\phi] = \int d^dx \left[\tfrac12 \phi\, \Gamma^{(2)}_0(-\partial^2)\, \phi
                     + U_k(\rho)\right], \qquad \rho = \phi^2/2,

with :math:`\Gamma^{(2)}_0(p) = 1/K(p)` (any SymPy momentum propagator, e.g.
``net.momentum_propagator()``) or :math:`p^2 + m^2`, and a potential truncated at
:math:`\rho^N` (:math:`\phi^{2N}`):

- expansion about zero: :math:`U = \sum_{n=1}^N \lambda_n \rho^n / n!`;
- expansion about the running minimum :math:`\kappa`:
  :math:`U = \sum_{n=2}^N \lambda_n (\rho - \kappa)^n / n!` (so :math:`U'(\kappa) = 0`).

In the field normalisation :math:`U = \sum_n u_{2n} \phi^{2n}/(2n)!` the couplings are
:math:`u_{2n} = (2n-1)!!\, \lambda_n` (about zero), e.g. :math:`u_4 = 3 \lambda_2`.

**O(N) fields.** For :math:`N` components :math:`\phi_a` with an O(N)-invariant potential,
:math:`\rho = \phi_a\phi_a/2`; at a constant field the Hessian has the radial eigenvalue
:math:`U' + 2\rho U''` (once) and the Goldstone eigenvalue :math:`U'` (:math:`N - 1` times).
:math:`N = 1` is the :math:`Z_2` scalar; ``n_components=sympy.oo`` is the large-N limit in the
rescaled variables :math:`\rho \to N\rho`, :math:`U \to N U` (only the Goldstone modes
survive, each with weight one).
"""
from __future__ import annotations

import functools
import numbers
from typing import Any

import sympy as sp

from ..parsing import to_sympy
from ..specification import P

__all__ = ["TruncatedAction", "RHO", "PHI", "P"]

#: rho = phi^2 / 2
RHO = sp.Symbol("rho", nonnegative=True)
#: the (constant) field phi
PHI = sp.Symbol("phi", real=True)

EXPANSIONS = ("zero", "minimum")
#: the large-N limit (rescaled variables), accepted as ``n_components``
LARGE_N = sp.oo


def check_truncation(truncation: Any, minimum: int = 1, why: str = "") -> int:
    """Require an integer truncation N >= ``minimum`` (highest power of rho kept); ``why`` says
    what sets the minimum in the error message."""
    if isinstance(truncation, bool) or not isinstance(truncation, numbers.Integral):
        raise TypeError(f"truncation must be an integer (highest power of rho = phi^2/2 kept), "
                        f"got {truncation!r}")
    if truncation < minimum:
        raise ValueError(f"truncation must be an integer >= {minimum}{why}, got {truncation}")
    return int(truncation)


def check_expansion(expansion: Any) -> str:
    """Require ``"zero"`` or ``"minimum"``."""
    if expansion not in EXPANSIONS:
        raise ValueError(f"expansion must be one of {EXPANSIONS}, got {expansion!r}")
    return expansion


def check_n_components(n_components: Any, numeric: bool = False) -> sp.Expr:
    """Require a number of field components N: an integer >= 1, ``sympy.oo`` (the large-N
    limit) or, unless ``numeric``, a SymPy expression (symbolic N, e.g. ``Symbol("N")``).

    Examples
    --------
    >>> check_n_components(3)
    3
    """
    if isinstance(n_components, bool) or isinstance(n_components, str):
        raise TypeError("n_components must be an integer >= 1, sympy.oo or a SymPy expression, "
                        f"got {n_components!r}")
    if isinstance(n_components, numbers.Integral) or (isinstance(n_components, sp.Integer)):
        if int(n_components) < 1:
            raise ValueError(f"n_components must be an integer >= 1, got {n_components}")
        return sp.Integer(int(n_components))
    if n_components is LARGE_N:
        return LARGE_N
    if isinstance(n_components, sp.Expr) and n_components.free_symbols:
        if numeric:
            raise ValueError("n_components must be numeric here (an integer >= 1 or sympy.oo), "
                             f"got {n_components}")
        return n_components
    if isinstance(n_components, sp.Expr) and n_components.is_number:
        raise ValueError(f"n_components must be an integer >= 1 or sympy.oo, got {n_components}")
    raise TypeError("n_components must be an integer >= 1, sympy.oo (large N) or a symbolic SymPy "
                    f"expression, got {n_components!r}")


def check_spacetime_dimension(d: Any, name: str = "d") -> sp.Expr:
    """Require a positive number or a SymPy expression (symbolic dimension, e.g. 4 - eps).

    Strings are refused (``TypeError``): parse them with :func:`nnqft_sym.parse_expression`.
    ``name`` is the parameter named in error messages.

    Examples
    --------
    >>> check_spacetime_dimension(3.5)
    7/2
    """
    if isinstance(d, bool) or not isinstance(d, (numbers.Real, sp.Basic)):
        raise TypeError(f"{name} must be a positive number or a SymPy expression, got {d!r}")
    d = sp.nsimplify(d) if isinstance(d, float) else to_sympy(d, name)
    if not d.free_symbols and not (d.is_real and d > 0):
        raise ValueError(f"{name} must be a positive real dimension, got {d}")
    return d


class TruncatedAction:
    r"""Truncated effective action :math:`\Gamma_k` in the local potential approximation.

    Parameters
    ----------
    d : number or sympy expression
        Dimension of (input) space; may be symbolic.
    truncation : int >= 1
        Highest power :math:`N` of :math:`\rho = \phi^2/2` kept.
    expansion : {"zero", "minimum"}
        Expansion point of the potential.
    kinetic : sympy expression of :data:`P`, optional
        :math:`\Gamma^{(2)}_0(p)`; default :math:`p^2`.  Use :meth:`from_propagator` for
        :math:`1/K(p)`.
    n_components : int >= 1, sympy.oo or sympy expression
        Number :math:`N` of field components (O(N) symmetry; default 1, the :math:`Z_2` scalar).

    Examples
    --------
    >>> from nnqft_sym.rg import TruncatedAction, PHI
    >>> act = TruncatedAction(3, 2)
    >>> act.potential_phi().expand()
    lambda_1*phi**2/2 + lambda_2*phi**4/8
    >>> act.field_couplings()[4]
    3*lambda_2
    """

    def __init__(self, d: Any, truncation: int, expansion: str = "zero",
                 kinetic: Any = None, n_components: Any = 1) -> None:
        self.d = check_spacetime_dimension(d)
        self.truncation = (check_truncation(truncation, 2, " for the expansion about the running "
                                            "minimum (use expansion='zero' for truncation 1)")
                           if expansion == "minimum" else check_truncation(truncation, 1))
        self.expansion = check_expansion(expansion)
        kinetic = P ** 2 if kinetic is None else to_sympy(kinetic, "kinetic")
        if not isinstance(kinetic, sp.Expr):
            raise TypeError("kinetic must be a SymPy expression of the momentum P, "
                            f"got {kinetic!r}")
        self.kinetic = kinetic
        self.n_components = check_n_components(n_components)

    @classmethod
    def from_propagator(cls, propagator: Any, momentum: sp.Symbol, d: Any, truncation: int,
                        expansion: str = "zero") -> "TruncatedAction":
        r"""Kinetic term :math:`\Gamma^{(2)}_0(p) = 1/K(p)` from a momentum-space propagator.

        Examples
        --------
        >>> import sympy as sp
        >>> from nnqft_sym.rg import TruncatedAction
        >>> q, m = sp.symbols("q m", positive=True)
        >>> TruncatedAction.from_propagator(1 / (q**2 + m**2), q, 3, 2).kinetic
        m**2 + p**2
        """
        propagator = to_sympy(propagator, "propagator")
        if propagator.is_zero:
            raise ValueError("propagator must be non-zero")
        return cls(d, truncation, expansion, kinetic=sp.simplify(1 / propagator.subs(momentum, P)))

    # ------------------------------------------------------------------ couplings
    @functools.cached_property
    def kappa(self) -> sp.Symbol | None:
        """The running minimum :math:`\\kappa` (``None`` for the expansion about zero)."""
        return sp.Symbol("kappa", real=True) if self.expansion == "minimum" else None

    @functools.cached_property
    def lambdas(self) -> dict[int, sp.Expr]:
        r""":math:`\lambda_n = U^{(n)}(\rho_0)` for n = 1..N+1 (:math:`\lambda_1 = 0` about the
        minimum, :math:`\lambda_{N+1} = 0` by truncation)."""
        out: dict[int, sp.Expr] = {n: sp.Symbol(f"lambda_{n}", real=True)
                                   for n in range(1, self.truncation + 1)}
        if self.expansion == "minimum":
            out[1] = sp.Integer(0)
        out[self.truncation + 1] = sp.Integer(0)
        out[self.truncation + 2] = sp.Integer(0)
        return out

    @property
    def couplings(self) -> tuple[sp.Symbol, ...]:
        """The running couplings, in order: (lambda_1..lambda_N) or (kappa, lambda_2..lambda_N)."""
        lams = [self.lambdas[n] for n in range(1, self.truncation + 1)]
        if self.expansion == "minimum":
            return (self.kappa, *lams[1:])
        return tuple(lams)

    @property
    def expansion_point(self) -> sp.Expr:
        """:math:`\\rho_0`: 0 or :math:`\\kappa`."""
        return self.kappa if self.kappa is not None else sp.Integer(0)

    # ------------------------------------------------------------------ potential
    def potential(self, rho: sp.Expr = RHO) -> sp.Expr:
        """:math:`U(\\rho)` (without the field-independent constant)."""
        x = rho - self.expansion_point
        return sum((self.lambdas[n] * x ** n / sp.factorial(n)
                    for n in range(1, self.truncation + 1)), sp.Integer(0))

    def potential_phi(self, phi: sp.Expr = PHI) -> sp.Expr:
        """:math:`U(\\phi^2/2)`."""
        return self.potential(phi ** 2 / 2)

    def field_couplings(self) -> dict[int, sp.Expr]:
        r""":math:`u_{2n}` = coefficient of :math:`\phi^{2n}/(2n)!` in :math:`U` (about
        :math:`\phi = 0`), as expressions of the running couplings; keys 2, 4, ..., 2N."""
        poly = sp.Poly(sp.expand(self.potential_phi()), PHI)
        return {n: sp.factor(poly.coeff_monomial(PHI ** n) * sp.factorial(n))
                for n in range(2, 2 * self.truncation + 1, 2)}

    def curvature_derivatives(self) -> list[sp.Expr]:
        r"""Taylor data of the field curvature :math:`w(\rho) = U''(\phi) = U' + 2\rho U''`:
        :math:`w^{(m)}(\rho_0) = (2m+1)\lambda_{m+1} + 2\rho_0\lambda_{m+2}`, m = 0..N."""
        rho0 = self.expansion_point
        return [(2 * m + 1) * self.lambdas[m + 1] + 2 * rho0 * self.lambdas[m + 2]
                for m in range(self.truncation + 1)]

    def goldstone_derivatives(self) -> list[sp.Expr]:
        r"""Taylor data of the Goldstone curvature :math:`U'(\rho)`:
        :math:`\lambda_{m+1}`, m = 0..N (O(N) fields, see the module docstring)."""
        return [self.lambdas[m + 1] for m in range(self.truncation + 1)]

    def inverse_propagator(self, p: sp.Expr = P, rho: sp.Expr = RHO) -> sp.Expr:
        r""":math:`\Gamma^{(2)}(p; \rho) = \Gamma^{(2)}_0(p) + U'(\rho) + 2\rho U''(\rho)`."""
        u = self.potential(RHO)
        curv = sp.diff(u, RHO) + 2 * RHO * sp.diff(u, RHO, 2)
        return self.kinetic.subs(P, p) + curv.subs(RHO, rho)

    def kinetic_coefficients(self) -> tuple[sp.Expr, sp.Expr]:
        r"""(Z, m^2) for a kinetic term :math:`Z p^2 + m^2`; ``ValueError`` for any other form."""
        p2 = sp.Symbol("p2_", nonnegative=True)
        expr = sp.expand(sp.simplify(self.kinetic.subs(P, sp.sqrt(p2))))
        if expr.free_symbols and p2 in expr.free_symbols:
            poly = sp.Poly(expr, p2) if expr.is_polynomial(p2) else None
            if poly is not None and poly.degree() == 1:
                return poly.coeff_monomial(p2), poly.coeff_monomial(1)
        raise ValueError("the LPA flows with a p^2 regulator need a kinetic term Z p^2 + m^2, "
                         f"got {self.kinetic}; for the Gauss-net propagator k^2 exp(p^2/k^2) use "
                         "nnqft_sym.rg.gaussnet_flow")

    def __repr__(self) -> str:
        components = "" if self.n_components == 1 else f", n_components={self.n_components}"
        return (f"TruncatedAction(d={self.d}, truncation={self.truncation}, "
                f"expansion={self.expansion!r}, kinetic={self.kinetic}{components})")

    def _latex(self, printer: Any) -> str:
        return (r"\Gamma_k = \int d^{%s}x\,\left[\tfrac12 \phi\,(%s)\,\phi + %s\right]"
                % (printer._print(self.d), printer._print(self.kinetic.subs(P, sp.Symbol("p"))),
                   printer._print(self.potential())))
