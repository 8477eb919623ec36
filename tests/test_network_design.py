"""Designing a network for a local phi^4 theory (DHMSS arXiv:2307.03223, Sec. 5), at first order
in lambda.

Independent routes: the kernels of the realised priors against the Fourier integrals of the
target spectra in closed form; the amputation (matrix inverse) of the first-order 4-point
function on the quadrature nodes, which must be the local coupling lambda; feynman's contact
diagram on the same box; the exact finite-width derivative from 8-point Green functions; and a
Monte Carlo of sampled cos-nets whose outputs are reweighted by the deformation factor
(linearised: d<F>/d lambda = -Cov(F, I)).
"""
import itertools

import numpy as np
import pytest
import scipy.special

from feynman import correlator_value
from nnqft_sym import (FreeScalarFrequencyPrior, GaussianFrequencyPrior, StudentTFrequencyPrior,
                       amputate, design_network, regularised_inverse,
                       vertex_nonlocality)
from tests.tolerances import assert_mc_agrees


def test_cauchy_spectrum_gives_the_exponential_kernel():
    theory = design_network("1/(pp + 1)", 0.2)
    assert theory.net.frequency_prior == StudentTFrequencyPrior(nu=0.5, length_scale=1.0)
    for x in (0.0, 0.4, 1.7):          # int dp e^{ipx} / (p^2 + 1) = pi e^{-|x|}
        assert float(theory.net.kernel(x, 0.0)) == pytest.approx(np.pi * np.exp(-x), rel=1e-10)


def test_matern_and_gaussian_and_free_scalar_spectra():
    matern = design_network("(pp + 3)**(-2)", 0.1)
    r = 0.8      # int dp e^{ipr} / (p^2 + a^2)^2 = pi (1 + a r) e^{-a r} / (2 a^3), a = sqrt 3
    a = np.sqrt(3.0)
    assert float(matern.net.kernel(r, 0.0)) == pytest.approx(np.pi * (1 + a * r) * np.exp(-a * r)
                                                             / (2 * a ** 3), rel=1e-10)
    gauss = design_network("exp(-pp/2)/sqrt(2*pi)", 0.1)
    assert isinstance(gauss.net.frequency_prior, GaussianFrequencyPrior)
    assert float(gauss.net.kernel(r, 0.0)) == pytest.approx(np.exp(-r ** 2 / 2), rel=1e-10)
    free = design_network("1/(pp + 4)", 0.1, d_in=3, cutoff=5.0, length=0.5, nodes=4)
    assert free.net.frequency_prior == FreeScalarFrequencyPrior(mass=2.0, cutoff=5.0)
    # sigma_W^2 = int_{|p| < 5} d^3p / (p^2 + 4) = 4 pi (5 - 2 atan(5/2))
    assert float(free.net.sigma_w) ** 2 == pytest.approx(4 * np.pi * (5 - 2 * np.arctan(2.5)),
                                                        rel=1e-10)
    assert free.nodes.shape == (64, 3) and free.weights.sum() == pytest.approx(1.0)
    # d = 2: int d^2p e^{ipx} / (p^2 + 1)^2 = pi r K_1(r)
    plane = design_network("(pp + 1)**(-2)", 0.1, d_in=2, nodes=3)
    assert float(plane.net.kernel([r, 0.0], [0.0, 0.0])) == pytest.approx(
        np.pi * r * scipy.special.k1(r), rel=1e-8)


def test_first_order_couplings_are_local_with_the_intended_lambda():
    """On the quadrature nodes y_a, G_c^(4) = -lambda sum_e w_e K_ae K_be K_ce K_de; amputating
    it gives lambda w_a delta_abcd: the continuum vertex lambda delta(y1-y2)delta(y1-y3)delta(y1-y4)."""
    lam = 0.3
    theory = design_network("1/(pp + 1)", lam, length=1.0, nodes=5)
    y = theory.nodes
    m = len(y)
    g = np.empty((m,) * 4)
    for idx in itertools.product(range(m), repeat=4):
        g[idx] = lam * theory.first_order_four_point(y[list(idx)])
    kernel = theory.net.gram(y)
    inverse = regularised_inverse(kernel)
    g4 = -amputate(g, inverse)
    local = np.zeros_like(g4)
    for a in range(m):
        local[a, a, a, a] = lam * theory.weights[a]
    assert np.allclose(g4, local, atol=1e-8 * lam)
    assert vertex_nonlocality(g4) < 1e-7
    # the continuum zero-momentum vertex sum_bcd g4_abcd / w_a is lambda at every node
    assert np.allclose(g4.sum(axis=(1, 2, 3)) / theory.weights, lam)


def test_feynman_contact_diagram_on_the_same_box():
    lam = 0.3
    theory = design_network("exp(-pp/2)/sqrt(2*pi)", lam, length=1.5, nodes=32)
    pts = np.array([[0.1, -0.2, 0.3, 0.0], [0.5, 0.5, -0.5, 1.0]])
    feyn = correlator_value(theory.net, pts, {4: 1}, {4: lam}, cutoff=1.5, nodes=32)
    ours = np.array([lam * theory.first_order_four_point(p) for p in pts])
    assert np.allclose(feyn, ours, rtol=1e-10)


def test_finite_width_first_order_approaches_infinite_width_as_one_over_n():
    theory = design_network("1/(pp + 1)", 0.3, length=1.0, nodes=6)
    pts = [0.1, -0.2, 0.3, 0.0]
    inf = theory.first_order_four_point(pts)
    gaps = [n * (theory.first_order_four_point(pts, n) - inf) for n in (200, 2000)]
    assert gaps[1] == pytest.approx(gaps[0], rel=0.05)


def test_exact_n_dependence_of_the_independence_breaking_four_point_function():
    """Symbolic N: a polynomial of degree 3 in 1/N whose N^0 term is the infinite-width Wick
    contraction -sum_q w_q prod_i K(x_i, y_q) (an independent route: no 8-point function), and
    whose values are the exact integer-width ones; at N = 1 the four-point function is 23x the
    infinite-width one, and it does not vanish as N -> oo (the coupling breaks independence)."""
    import sympy as sp
    theory = design_network("1/(pp + 1)", 0.5, length=1.0, nodes=4)
    pts = [0.1, -0.2, 0.3, 0.0]
    n, t = sp.Symbol("N", positive=True), sp.Symbol("t")
    series = theory.first_order_four_point(pts, n)
    poly = sp.Poly(sp.expand(series.subs(n, 1 / t)), t)
    assert poly.degree() == 3
    wick = -float(theory.contact(pts))
    assert float(poly.coeff_monomial(1)) == pytest.approx(wick, rel=1e-12)
    assert wick < -1
    for width in (1, 2, 7):
        assert float(series.subs(n, width)) == pytest.approx(
            theory.first_order_four_point(pts, width), rel=1e-12)
    assert float(series.subs(n, 1)) / wick == pytest.approx(22.96, abs=0.01)


def test_monte_carlo_reweighting_of_sampled_cos_nets():
    """Reweighting width-50 cos-nets by exp(-lambda I), to first order in lambda: measured
    -47.0 +- 1.7 at 400k networks against the exact finite-width -45.85 (and -39.23 at
    infinite width)."""
    from numeric.sampling import sample_outputs
    theory = design_network("1/(pp + 1)", 0.3, length=1.0, nodes=6)
    pts, width = np.array([0.1, -0.2, 0.3, 0.0]), 50
    out = sample_outputs(theory.net, width, np.concatenate([pts, theory.nodes[:, 0]]),
                         300_000, rng=1)
    pairings = ((0, 1, 2, 3), (0, 2, 1, 3), (0, 3, 1, 2))

    def derivative(block):
        f, weight = block[:, :4], -theory.log_weight(block[:, 4:]) / theory.quartic
        dev = weight - weight.mean()
        cov = lambda g: -np.mean((g - g.mean()) * dev)  # noqa: E731
        value = cov(f[:, 0] * f[:, 1] * f[:, 2] * f[:, 3])
        for a, b, c, e in pairings:
            ab, ce = f[:, a] * f[:, b], f[:, c] * f[:, e]
            value -= cov(ab) * ce.mean() + ab.mean() * cov(ce)
        return value

    blocks = np.array([derivative(b) for b in np.split(out, 20)])
    est, err = blocks.mean(), blocks.std(ddof=1) / np.sqrt(20)
    assert_mc_agrees(est, err, theory.first_order_four_point(pts, width), what="d G_c / d lambda")



def _mul(a, b):
    """Product of power series in lambda truncated at lambda^2 (coefficient arrays)."""
    return np.array([a[0] * b[0], a[0] * b[1] + a[1] * b[0],
                     a[0] * b[2] + a[1] * b[1] + a[2] * b[0]])


def _joint_cumulant(moment, indices):
    """kappa(f_i1, ..., f_in) from the moments (series in lambda) by the set-partition formula."""
    from math import factorial

    from sympy.utilities.iterables import multiset_partitions
    total = np.zeros(3)
    for blocks in multiset_partitions(list(range(len(indices)))):
        term = np.array([(-1.0) ** (len(blocks) - 1) * factorial(len(blocks) - 1), 0, 0])
        for block in blocks:
            term = _mul(term, moment(tuple(sorted(indices[i] for i in block))))
        total = total + term
    return total


@pytest.mark.parametrize("normal_ordered", [True, False])
def test_second_order_in_lambda_matches_the_one_loop_diagrams(normal_ordered):
    """At infinite width the outputs at two nodes are Gaussian; the deformed moments to
    O(lambda^2) by exact Gauss-Hermite quadrature (Wick, no diagrams) give the 2-, 4- and
    6-point cumulants, against feynman's tree, one-loop and two-loop diagrams of the point-set
    action (g4 = lambda w delta, g2 = -lambda w K0 delta / 2 when normal ordered)."""
    import functools

    from feynman import point_set_correlator
    lam = 0.2
    theory = design_network("1/(pp + 1)", lam, length=1.0, nodes=2, normal_ordered=normal_ordered)
    kernel = theory.net.gram(theory.nodes)
    z, w = np.polynomial.hermite_e.hermegauss(14)
    z1, z2 = np.meshgrid(z, z, indexing="ij")
    weights = (np.outer(w, w) / (2 * np.pi)).ravel()
    f = np.linalg.cholesky(kernel) @ np.stack([z1.ravel(), z2.ravel()])
    action = -theory.log_weight(f.T) / lam                       # I(f)
    expansion = [np.ones_like(action), -action, action ** 2 / 2]  # e^{-lambda I} to lambda^2
    norm = np.array([c @ weights for c in expansion])
    inverse_norm = np.array([1.0, -norm[1], norm[1] ** 2 - norm[2]])   # 1/norm, norm[0] = 1

    @functools.lru_cache(maxsize=None)
    def moment(idx):
        mono = np.prod([f[i] for i in idx], axis=0) if idx else np.ones_like(action)
        return _mul(np.array([(mono * c) @ weights for c in expansion]), inverse_norm)

    point_set = theory.point_set_couplings()
    for legs, indices in ((2, (0, 1)), (4, (0, 0, 1, 1)), (4, (0, 1, 1, 1)),
                          (6, (0, 0, 0, 1, 1, 1))):
        exact = _joint_cumulant(moment, indices)
        for order in ((1, 2) if legs < 6 else (2,)):
            diagrams = point_set_correlator(kernel, point_set, legs, order)[indices]
            assert exact[order] * lam ** order == pytest.approx(diagrams, rel=1e-9, abs=1e-12), \
                (legs, indices, order)


def test_point_set_exchange_is_feynmans_continuum_six_point_tree():
    """The O(lambda^2) 6-point function of the designed theory, dressed with K(x, y_q), is
    lambda^2 times feynman's exchange integral on the same Gauss-Legendre box (independent
    evaluator: feynman.evaluate's quadrature of the position-space diagrams)."""
    from feynman import point_set_correlator, tree_level_six_point
    lam, length, nodes = 0.3, 1.5, 12
    theory = design_network("exp(-pp/2)/sqrt(2*pi)", lam, length=length, nodes=nodes)
    x = np.array([0.1, -0.2, 0.3, 0.0, 0.5, -0.4])
    external = theory.net.kernel(x[:, None, None], theory.nodes[None, :, :])
    ours = point_set_correlator(theory.net.gram(theory.nodes), theory.point_set_couplings(), 6, 2,
                                external=external)[tuple(range(6))]
    tree = tree_level_six_point(theory.net, x, cutoff=length, nodes=nodes)
    assert ours == pytest.approx(lam ** 2 * float(tree.exchange), rel=1e-9)
