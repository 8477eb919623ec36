"""High-precision references for positively homogeneous activations (independent of nnqft_sym).

For a bivariate Gaussian u ~ N(0, I_2) and rows l_i of a square root of the covariance,
E[prod_i f(l_i . u)] factorises in polar coordinates into an angular integral (split at the
kinks, where some l_i . e(theta) = 0) and the radial Gamma-function integral.
"""
from __future__ import annotations

import mpmath


def polar_mpmath(f, rows, degree):
    r"""E[prod_i f(l_i . u)], u ~ N(0, I_2), for f positively homogeneous of ``degree`` with its
    kink at 0: (1/2pi) int dtheta prod f(l_i . e(theta)) * int_0^inf r^{m+1} e^{-r^2/2} dr,
    the angular integral split where some l_i . e(theta) = 0."""
    m = degree * len(rows)
    radial = 2 ** (mpmath.mpf(m) / 2) * mpmath.gamma(mpmath.mpf(m) / 2 + 1)
    cuts = sorted({float((mpmath.atan2(-l0, l1) + k * mpmath.pi) % (2 * mpmath.pi))
                   for l0, l1 in rows for k in (0, 1)} | {0.0, float(2 * mpmath.pi)})
    angular = mpmath.quad(lambda t: mpmath.fprod(f(l0 * mpmath.cos(t) + l1 * mpmath.sin(t))
                                                 for l0, l1 in rows), cuts)
    return angular * radial / (2 * mpmath.pi)
