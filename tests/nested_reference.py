r"""Exact finite-width output moments of deep networks at one input, by nested conditional
expectation: the tests' reference, independent of :mod:`nnqft_sym.deep` and
:mod:`nnqft_sym.deep_orders` (mpmath, NumPy and SymPy only).

Setting (d_in = 1, every hidden layer of width N, weights N(0, w / N) after the first layer,
biases N(0, b), read-out N(0, w / N)): the first-layer pre-activation at x has variance
:math:`K_1 = b + w x^2`.  Given layer l, the pre-activations of layer l + 1 are i.i.d.
:math:`N(0, \hat G)` with :math:`\hat G = b + (w/N)\sum_k \phi(z_k)^2`, and given the last
hidden layer the output is :math:`N(0, \hat G_{out})`.

* ReLU and its powers, any depth (:func:`relu_moments`, :func:`relu_power_moments`):
  :math:`\mathrm{relu}(z)^2 = \hat G\, \mathrm{relu}(u)^2`, so :math:`\hat G_{l+1} = b + w
  \hat G_l Y_l` with :math:`Y_l = N^{-1}\sum_k \mathrm{relu}(u_k)^2` independent of
  :math:`\hat G_l`; its moments are exact rational functions of N
  (:math:`E[\mathrm{relu}(u)^{2j}] = (2j - 1)!!/2`).
* tanh, depth 2 (:func:`tanh_depth2_moments`): conditionally on
  :math:`\hat G = b + w \bar Y`, :math:`\bar Y` the mean of N i.i.d. :math:`Y = \tanh(z)^2`,
  :math:`z \sim N(0, K_1)`, :math:`E[f^2 \mid \hat G] = b + w M(\hat G)` and
  :math:`E[f^4 \mid \hat G] = 3 (b + w M)^2 + 3 w^2 (M_4 - M^2)/N` with
  :math:`M(G) = E\tanh(\sqrt G u)^2`, :math:`M_4(G) = E\tanh(\sqrt G u)^4`.  The outer
  expectation is exact at every N: the functions of :math:`\bar Y \in [0, 1]` are Chebyshev
  interpolants (geometric convergence: they are analytic off :math:`G \le 0`), and the
  moments :math:`E[\bar Y^k]` come from the N-th power of the moment generating series of
  :math:`Y/N`, whose coefficients are positive (no cancellation), at 50 digits.
"""
from __future__ import annotations

import functools
from typing import Any

import mpmath as mp
import numpy as np
import sympy as sp
from numpy.polynomial import chebyshev, hermite_e

#: Chebyshev degree of the functions of the mean (error about rho^-degree, rho ~ 2.6 for
#: w = 1, b = 1/4)
_DEGREE = 44
_DPS = 50


# ============================================================================ relu^h, any depth
def relu_power_moments(depth: int, w: Any, b: Any, x: Any, width: sp.Symbol,
                       power: int = 1) -> list[sp.Expr]:
    r""":math:`[E f^2, E f^4, E f^6]` at one input of a deep net with :math:`\phi = \mathrm{relu}^h`,
    exact in ``width``.

    :math:`\phi(z)^2 = \hat G^h \mathrm{relu}(u)^{2h}`, so :math:`\hat G_{l+1} = b + w \hat G_l^h Y_l`
    with :math:`Y_l` the mean of N i.i.d. :math:`\mathrm{relu}(u)^{2h}`, independent of
    :math:`\hat G_l`; :math:`E[\mathrm{relu}(u)^{2hj}] = (2hj - 1)!!/2`.
    """
    n = width

    @functools.lru_cache(maxsize=None)
    def y_moments(count: int) -> tuple[sp.Expr, ...]:
        raw = [sp.Integer(1)] + [sp.factorial2(2 * power * j - 1) / 2 for j in range(1, count + 1)]
        sum_raw = _raw_from_cumulants([n * k for k in _cumulants(raw)])     # of N * Y
        return tuple([sp.Integer(1)] + [sum_raw[i] / n ** i for i in range(1, count + 1)])

    @functools.lru_cache(maxsize=None)
    def g_moment(layer: int, p: int) -> sp.Expr:
        """E[G_layer^p]; layer 1 is deterministic, the read-out is layer depth + 1."""
        if layer == 1 or p == 0:
            return (b + w * x ** 2) ** p
        ym = y_moments(p)
        return sp.expand(sum(sp.binomial(p, i) * b ** (p - i) * w ** i
                             * g_moment(layer - 1, power * i) * ym[i] for i in range(p + 1)))
    return [g_moment(depth + 1, 1), 3 * g_moment(depth + 1, 2), 15 * g_moment(depth + 1, 3)]


def relu_moments(depth: int, w: Any, b: Any, x: Any, width: sp.Symbol) -> list[sp.Expr]:
    r""":math:`[E f^2, E f^4, E f^6]` of a deep ReLU net at one input, exact in ``width``."""
    return relu_power_moments(depth, w, b, x, width, 1)


def _cumulants(raw: list[sp.Expr]) -> list[sp.Expr]:
    """kappa_1..kappa_n from the raw moments m_0 = 1, m_1..m_n."""
    kappa = []
    for n in range(1, len(raw)):
        kappa.append(raw[n] - sum(sp.binomial(n - 1, k - 1) * kappa[k - 1] * raw[n - k]
                                  for k in range(1, n)))
    return kappa


def _raw_from_cumulants(kappa: list[sp.Expr]) -> list[sp.Expr]:
    raw = [sp.Integer(1)]
    for n in range(1, len(kappa) + 1):
        raw.append(sp.expand(sum(sp.binomial(n - 1, k - 1) * kappa[k - 1] * raw[n - k]
                                 for k in range(1, n + 1))))
    return raw


# ============================================================================ tanh, depth 2
def _tanh_power_mean(power: int, variance: np.ndarray) -> np.ndarray:
    """E[tanh(z)^power], z ~ N(0, variance), Gauss-Hermite with 200 nodes (double precision)."""
    u, weight = hermite_e.hermegauss(200)
    weight = weight / np.sqrt(2 * np.pi)
    return np.tanh(np.sqrt(np.asarray(variance))[..., None] * u) ** power @ weight


@functools.lru_cache(maxsize=8)
def _mean_moments_series(k1: float) -> list[Any]:
    """E[Y^j] / j!, Y = tanh(z)^2, z ~ N(0, k1), j = 0.._DEGREE, at _DPS digits."""
    with mp.workdps(_DPS + 10):
        scale = mp.sqrt(mp.mpf(k1))

        def moment(j):
            def f(u):
                return mp.tanh(scale * u) ** (2 * j) * mp.exp(-u * u / 2)
            return 2 * mp.quad(f, [0, 1, 3, 8, mp.inf]) / mp.sqrt(2 * mp.pi) / mp.factorial(j)
        return [mp.mpf(1)] + [moment(j) for j in range(1, _DEGREE + 1)]


def _mean_moments(k1: float, width: int) -> list[Any]:
    """E[Ybar^k], k = 0.._DEGREE, Ybar the mean of ``width`` i.i.d. Y."""
    with mp.workdps(_DPS):
        base = [c / mp.mpf(width) ** j for j, c in enumerate(_mean_moments_series(k1))]
        result, power, e = None, base, width
        while e:                                    # series power by repeated squaring
            if e & 1:
                result = power if result is None else _truncated_product(result, power)
            power = _truncated_product(power, power)
            e >>= 1
        return [result[k] * mp.factorial(k) for k in range(_DEGREE + 1)]


def _truncated_product(a: list[Any], b: list[Any]) -> list[Any]:
    return [mp.fsum(a[i] * b[k - i] for i in range(k + 1)) for k in range(_DEGREE + 1)]


def _expect(func, moments: list[Any]) -> float:
    """E[func(Ybar)] for a smooth func on [0, 1], by its Chebyshev interpolant."""
    coef = chebyshev.chebinterpolate(lambda t: func((t + 1) / 2), _DEGREE)
    with mp.workdps(_DPS):
        prev, cur = [mp.mpf(1)], [mp.mpf(-1), mp.mpf(2)]   # T_k(2y - 1), coefficients in y
        total = mp.mpf(coef[0]) + mp.mpf(coef[1]) * (2 * moments[1] - 1)
        for k in range(2, _DEGREE + 1):
            nxt = [mp.mpf(0)] * (k + 1)
            for i, c in enumerate(cur):             # 2 (2y - 1) T_{k-1} - T_{k-2}
                nxt[i] += -2 * c
                nxt[i + 1] += 4 * c
            for i, c in enumerate(prev):
                nxt[i] -= c
            prev, cur = cur, nxt
            total += mp.mpf(coef[k]) * mp.fsum(c * moments[i] for i, c in enumerate(cur))
        return float(total)


def tanh_depth2_moments(w: float, b: float, x: float, width: int) -> tuple[float, float]:
    r""":math:`(E f^2, E f^4)` of the depth-2 tanh net at one input and width N, exact."""
    k1 = b + w * x * x
    moments = _mean_moments(k1, width)

    def m2(y):
        return _tanh_power_mean(2, b + w * y)

    def m4(y):
        return _tanh_power_mean(4, b + w * y)
    two = b + w * _expect(m2, moments)
    four = (3 * _expect(lambda y: (b + w * m2(y)) ** 2, moments)
            + 3 * w * w * _expect(lambda y: m4(y) - m2(y) ** 2, moments) / width)
    return two, four


def tanh_depth2_kernel(w: float, b: float, x: float) -> float:
    """Infinite-width output kernel of the depth-2 tanh net at one input."""
    k2 = b + w * float(_tanh_power_mean(2, b + w * x * x))
    return b + w * float(_tanh_power_mean(2, k2))


def series_coefficients(widths: list[int], values: list[float], degree: int) -> np.ndarray:
    """Least-squares coefficients c_0..c_degree of values ~ sum_k c_k / N^k."""
    inv = 1.0 / np.asarray(widths, dtype=float)
    return np.polynomial.polynomial.polyfit(inv, np.asarray(values), degree)


# ============================================================================ tanh, depth 2, two inputs
@functools.lru_cache(maxsize=4)
def _hermite_rule(nodes: int) -> tuple[np.ndarray, np.ndarray]:
    """Probabilists' Gauss-Hermite nodes and weights normalised to N(0, 1)."""
    u, weight = hermite_e.hermegauss(nodes)
    return u, weight / np.sqrt(2 * np.pi)


def _pair_mean(func, cov: np.ndarray, nodes: int = 240) -> float:
    """E[func(z_a, z_b)], z ~ N(0, cov) (2 x 2), tensor Gauss-Hermite (tanh's poles at
    +- i pi/2 make the rule converge slowly: 240 nodes for ~1e-12)."""
    u, weight = _hermite_rule(nodes)
    chol = np.linalg.cholesky(cov)
    ua, ub = np.meshgrid(u, u, indexing="ij")
    za = chol[0, 0] * ua
    zb = chol[1, 0] * ua + chol[1, 1] * ub
    return float(np.einsum("i,j,ij->", weight, weight, func(za, zb)))


def tanh_depth2_nlo_kernel(w: float, b: float, xa: float, xb: float, step: float = 2e-3) -> float:
    r"""The 1/N coefficient of :math:`E[f(x_a) f(x_b)]`, depth-2 tanh net, :math:`x_a \ne x_b`.

    Nested: :math:`E[f_a f_b] = b + w E[M_{ab}(\hat G)]`, :math:`\hat G = b + w \bar F` with
    :math:`\bar F` the mean of N i.i.d. :math:`F = (h_a^2, h_b^2, h_a h_b)`, so the
    coefficient is :math:`(w^3/2) \sum_{pq} \partial_p\partial_q M_{ab}\,\mathrm{Cov}(F_p, F_q)`;
    the Hessian by central differences (Richardson-extrapolated), every integral by
    Gauss-Hermite.
    """
    c1 = np.array([[b + w * xa * xa, b + w * xa * xb], [b + w * xa * xb, b + w * xb * xb]])
    feats = [lambda za, zb: np.tanh(za) ** 2, lambda za, zb: np.tanh(zb) ** 2,
             lambda za, zb: np.tanh(za) * np.tanh(zb)]
    mean = np.array([_pair_mean(f, c1) for f in feats])
    cov = np.array([[_pair_mean(lambda za, zb, f=f, g=g: f(za, zb) * g(za, zb), c1)
                     for g in feats] for f in feats]) - np.outer(mean, mean)
    k2 = np.array([b + w * mean[0], b + w * mean[1], b + w * mean[2]])

    def m_ab(v):
        return _pair_mean(lambda za, zb: np.tanh(za) * np.tanh(zb),
                          np.array([[v[0], v[2]], [v[2], v[1]]]))

    def hessian(h):
        out = np.empty((3, 3))
        eye = np.eye(3) * h
        for p in range(3):
            for q in range(3):
                out[p, q] = (m_ab(k2 + eye[p] + eye[q]) - m_ab(k2 + eye[p] - eye[q])
                             - m_ab(k2 - eye[p] + eye[q]) + m_ab(k2 - eye[p] - eye[q])) / (4 * h * h)
        return out
    hess = (4 * hessian(step / 2) - hessian(step)) / 3
    return 0.5 * w ** 3 * float(np.sum(hess * cov))


def _pair_features(za, zb):
    """F = (g_a^2, g_b^2, g_a g_b) of tanh at the two inputs, stacked on a leading axis."""
    ga, gb = np.tanh(za), np.tanh(zb)
    return np.stack([ga * ga, gb * gb, ga * gb])


def _pair_cumulants(g3: np.ndarray, nodes: int = 240) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean (3,), covariance (3, 3) and third cumulant (3, 3, 3) of F under N(0, G), G from
    its independent entries (G_aa, G_bb, G_ab), by tensor Gauss-Hermite."""
    u, weight = _hermite_rule(nodes)
    chol = np.linalg.cholesky(np.array([[g3[0], g3[2]], [g3[2], g3[1]]]))
    ua, ub = np.meshgrid(u, u, indexing="ij")
    f = _pair_features(chol[0, 0] * ua, chol[1, 0] * ua + chol[1, 1] * ub).reshape(3, -1)
    ww = np.outer(weight, weight).ravel()
    mean = f @ ww
    d = f - mean[:, None]
    dw = d * ww
    pair = (d[:, None, :] * d[None, :, :]).reshape(9, -1)
    return mean, dw @ d.T, (pair @ dw.T).reshape(3, 3, 3)


def tanh_depth2_six_point_vertex(w: float, b: float, xa: float, xb: float,
                                 step: float = 4e-3) -> np.ndarray:
    r""":math:`U_{pqr} = N^2 \kappa_3(\hat G^{out}_p, \hat G^{out}_q, \hat G^{out}_r)`, depth-2
    tanh net, two inputs, slots (aa, bb, ab): the law of total cumulance over the second
    hidden layer, :math:`\hat G^{(2)} = b + w \bar F^{(1)}` (covariance
    :math:`w^2 C_1/N`, third cumulant :math:`w^3 \kappa_{3,1}/N^2`) and
    :math:`\hat G^{out} = b + w \bar F^{(2)}`:

    .. math::

        U = w^3 [\kappa_3^F + \textstyle\sum_{(p|qr)} \nabla\mu_p^T w^2 C_1 \nabla C_{qr}
            + \nabla\mu^{\otimes 3} w^3 \kappa_{3,1}
            + \sum_{(pq|r)} \nabla\mu_p^T w^2 C_1 \nabla^2\mu_r w^2 C_1 \nabla\mu_q]

    at :math:`K^{(2)}`; gradients and Hessians by Richardson-extrapolated central differences.
    """
    c1 = np.array([b + w * xa * xa, b + w * xb * xb, b + w * xa * xb])
    mean1, cov1, k31 = _pair_cumulants(c1)
    k2 = b + w * mean1
    mean2, cov2, k32 = _pair_cumulants(k2)
    v = w * w * cov1

    def grad(func, h):
        return np.stack([(func(k2 + h * e) - func(k2 - h * e)) / (2 * h) for e in np.eye(3)], -1)

    def hess(func, h):
        eye = np.eye(3) * h
        return np.stack([np.stack([(func(k2 + eye[s] + eye[t]) - func(k2 + eye[s] - eye[t])
                                    - func(k2 - eye[s] + eye[t]) + func(k2 - eye[s] - eye[t]))
                                   / (4 * h * h) for t in range(3)], -1) for s in range(3)], -1)

    def richardson(op, func):
        return (4 * op(func, step / 2) - op(func, step)) / 3

    dmu = richardson(grad, lambda g: _pair_cumulants(g)[0])               # (p, s)
    dcov = richardson(grad, lambda g: _pair_cumulants(g)[1])              # (q, r, s)
    hmu = richardson(hess, lambda g: _pair_cumulants(g)[0])               # (p, s, t)
    av = dmu @ v                                                          # (p, t)
    single = np.einsum("pt,qrt->pqr", av, dcov)
    curve = np.einsum("rst,ps,qt->rpq", hmu, av, av)

    def sym3(t):
        return t + np.transpose(t, (1, 0, 2)) + np.transpose(t, (2, 1, 0))
    through = np.einsum("ps,qt,ru,stu->pqr", dmu, dmu, dmu, w ** 3 * k31)
    return w ** 3 * (k32 + sym3(single) + through + sym3(curve))


def six_point_from_vertex(u: np.ndarray, index: list[int]) -> float:
    """:math:`\\sum_\\pi U_{\\pi}` over the 15 pairings of six points labelled 0 (x_a) or 1 (x_b)."""
    slot = {(0, 0): 0, (1, 1): 1, (0, 1): 2, (1, 0): 2}
    items = list(range(6))

    def matchings(rest):
        if not rest:
            yield []
            return
        first = rest[0]
        for k in rest[1:]:
            left = [r for r in rest if r not in (first, k)]
            for m in matchings(left):
                yield [(first, k)] + m
    total = 0.0
    for match in matchings(items):
        s = [slot[(index[i], index[j])] for i, j in match]
        total += u[s[0], s[1], s[2]]
    return float(total)


def _central_derivative(func, x: np.ndarray, order: int, h: float) -> np.ndarray:
    """Tensor of the ``order``-th derivatives of ``func`` (array-valued) at ``x``, by nested
    central differences (derivative axes last)."""
    if order == 0:
        return np.asarray(func(x))
    return np.stack([(_central_derivative(func, x + h * e, order - 1, h)
                      - _central_derivative(func, x - h * e, order - 1, h)) / (2 * h)
                     for e in np.eye(len(x))], -1)


def _richardson_derivative(func, x: np.ndarray, order: int, h: float) -> np.ndarray:
    return (4 * _central_derivative(func, x, order, h / 2) - _central_derivative(func, x, order, h)) / 3


def tanh_depth2_next_order_four_point(w: float, b: float, xa: float, xb: float
                                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Depth-2 tanh net, two inputs, slots (aa, bb, ab): the output kernel ``K`` (3,), its
    corrections ``K_1``, ``K_2`` (3,) and the 1/N^2 part ``V_1`` (3, 3) of
    :math:`N\,\mathrm{Cov}(\hat G^{out})`, from the expansion of
    :math:`E[\mu(\hat G)]` and :math:`\mathrm{Cov}(\mu(\hat G)) + E[C(\hat G)]/N` in the exact
    cumulants of :math:`\hat G = b + w \bar F^{(1)}` (covariance :math:`w^2 C_1/N`, third
    cumulant :math:`w^3\kappa_{3,1}/N^2`); every derivative by Richardson-extrapolated nested
    central differences of Gauss-Hermite integrals."""
    c1 = np.array([b + w * xa * xa, b + w * xb * xb, b + w * xa * xb])
    mean1, cov1, k31 = _pair_cumulants(c1)
    k2 = b + w * mean1
    v, u = w * w * cov1, w ** 3 * k31

    def mean(g):                  # 160 nodes: the rule's error is smooth in g, ~1e-10
        return _pair_cumulants(g, nodes=160)[0]

    def cov(g):
        return _pair_cumulants(g, nodes=160)[1]
    mu = _pair_cumulants(k2)[0]
    a = _richardson_derivative(mean, k2, 1, 1e-2)                 # (p, s)
    hh = _richardson_derivative(mean, k2, 2, 1e-2)                # (p, s, t)
    t3 = _richardson_derivative(mean, k2, 3, 2e-2)
    q4 = _richardson_derivative(mean, k2, 4, 3e-2)
    d2c = _richardson_derivative(cov, k2, 2, 1e-2)                # (p, q, s, t)
    kern = b + w * mu
    corr = 0.5 * w * np.einsum("pst,st->p", hh, v)
    kern2 = w * (np.einsum("pstu,stu->p", t3, u) / 6 + np.einsum("pstuv,st,uv->p", q4, v, v) / 8)
    hu = np.einsum("qtu,stu->qs", hh, u)
    tv = np.einsum("qsuv,uv->qs", t3, v)
    cov_next = 0.5 * w * w * (np.einsum("pqst,st->pq", d2c, v) + a @ hu.T + hu @ a.T
                              + np.einsum("pst,tu,quv,vs->pq", hh, v, hh, v)
                              + a @ v @ tv.T + tv @ v @ a.T)
    return kern, corr, kern2, cov_next


def four_point_from_slots(kern, corr, kern2, cov_next, labels: list[int]) -> tuple[float, float]:
    """(1/N^2 coefficient of Delta G^(4), of kappa_4) at four points labelled 0 (x_a) or 1 (x_b)."""
    slot = {(0, 0): 0, (1, 1): 1, (0, 1): 2, (1, 0): 2}
    delta = conn = 0.0
    for (i, j), (k, l) in (((0, 1), (2, 3)), ((0, 2), (1, 3)), ((0, 3), (1, 2))):
        p, q = slot[(labels[i], labels[j])], slot[(labels[k], labels[l])]
        conn += cov_next[p, q]
        delta += cov_next[p, q] + corr[p] * corr[q] + kern[p] * kern2[q] + kern2[p] * kern[q]
    return float(delta), float(conn)
