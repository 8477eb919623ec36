"""The finite-width output density by the Edgeworth series (nnqft_sym.edgeworth).

Independent references:
- the exact single-point density of a width-N ReLU-net and cos-net (and a ReLU-net with a
  read-out mean) by Fourier inversion of the closed-form N-fold convolution
  (tests/density_reference.py): the L1 and max errors of the Gaussian, Edgeworth order 1 and
  order 2 fall like 1/N, 1/N^2 and 1/N^3 (measured slopes quoted below);
- the exact moments ``net.green`` (the moment-cumulant formula of nnqft_sym, another code path)
  against the moments of the series by Gauss-Hermite quadrature, k = 1 and k = 2;
- samples of ``numeric.sample_outputs``: chi-square goodness of fit per width and the
  log-likelihood of data.

Measured L1 errors (ReLU-net, sigma_W = sigma_b = 1, x = 1; Gaussian / order 1 / order 2):
N = 16: 2.49e-2 / 2.60e-3 / 4.55e-4, N = 32: 1.30e-2 / 6.88e-4 / 6.50e-5,
N = 64: 6.68e-3 / 1.77e-4 / 8.73e-6, N = 128: 3.38e-3 / 4.50e-5 / 1.13e-6.
"""
from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pytest
import sympy as sp
from scipy import stats
from scipy.integrate import cumulative_trapezoid
from scipy.interpolate import RegularGridInterpolator

import nnqft_sym as nq
import numeric
from nnqft_sym import CosNet, ReLUNet, edgeworth_density
from tests.density_reference import exact_density, relu_readout_density

F_GRID = np.linspace(-14.0, 16.0, 3001)
MEAN_NET = ReLUNet().with_priors(readout_weights={"mean": 2})
#: a standardised skewed read-out law: theta = -1/2 or 2 with probabilities 4/5, 1/5
SKEWED = ([-0.5, 2.0], [0.8, 0.2])
SKEWED_NET = ReLUNet().with_priors(readout_weights=nq.FiniteLaw(
    [sp.Rational(-1, 2), 2], [sp.Rational(4, 5), sp.Rational(1, 5)]))


def _exact(case: str, width: int) -> np.ndarray:
    if case == "relu-mean":
        return relu_readout_density(F_GRID, width, mean=2.0)
    if case == "relu-skewed":
        return relu_readout_density(F_GRID, width, law=SKEWED)
    return exact_density(case, F_GRID, width)


def _net(case: str):
    return {"relu": ReLUNet(), "cos": CosNet(), "relu-mean": MEAN_NET,
            "relu-skewed": SKEWED_NET}[case]


def _errors(case: str, width: int) -> np.ndarray:
    """Rows (L1, max) of |density - exact|, columns Gaussian, order 1, order 2."""
    exact = _exact(case, width)
    p1, p2 = (edgeworth_density(_net(case), [1.0], width, order) for order in (1, 2))
    out = []
    for density in (p1.gaussian, p1, p2):
        diff = np.abs(density(F_GRID[:, None]) - exact)
        out.append((np.trapezoid(diff, F_GRID), diff.max()))
    return np.array(out).T


@pytest.mark.parametrize("case,powers", [("relu", [1, 2, 3]), ("cos", [1, 2, 3]),
                                         ("relu-mean", [1, 2, 3]),
                                         ("relu-skewed", [0.5, 1.5, 2.5])])
def test_error_against_the_exact_density_falls_like_a_power_of_n(case, powers):
    """log2 of err(N) / err(2N) at N = 64: about 1 (Gaussian), 2 (order 1), 3 (order 2); half
    a power less for a skewed read-out law, whose kappa_3 is O(N^-1/2) (measured L1 slopes
    0.50, 1.51, 2.53).  A read-out mean gives kappa_3 = O(1/N) and keeps the integer powers."""
    coarse, fine = _errors(case, 64), _errors(case, 128)
    slopes = np.log2(coarse / fine)                       # (L1 / max) x (Gauss, order 1, order 2)
    assert np.all(np.abs(slopes - powers) < 0.25), slopes
    assert np.all(fine[:, 2] < fine[:, 1] / 10) and np.all(fine[:, 1] < fine[:, 0] / 10), fine


def test_edgeworth_improves_on_the_gaussian_at_small_width():
    """ReLU-net at x = 1: each order lowers the L1 error already at N = 4 (3.2e-2 vs 7.9e-2)."""
    for width in (4, 8):
        l1 = _errors("relu", width)[0]
        assert l1[2] < l1[1] < l1[0] / 2, (width, l1)


def _gauss_hermite(density, nodes: int = 14):
    """Points f and weights w with sum w h(f) = int p(f) h(f) df for polynomial h (exactly)."""
    u, w = np.polynomial.hermite_e.hermegauss(nodes)
    k = density.dimension
    grid = np.stack(np.meshgrid(*[u] * k, indexing="ij"), -1).reshape(-1, k)
    weight = np.prod(np.stack(np.meshgrid(*[w] * k, indexing="ij"), -1).reshape(-1, k), axis=1)
    weight = weight / (2 * np.pi) ** (k / 2)
    f = density.mean + grid @ np.linalg.cholesky(density.covariance).T
    return f, weight * (1 + density.correction(f))


@pytest.mark.parametrize("order", [1, 2])
@pytest.mark.parametrize("net,points", [(ReLUNet(), [1.0]), (ReLUNet(), [0.5, 1.5]),
                                        (MEAN_NET, [1.0]), (MEAN_NET, [0.5, 1.5]),
                                        (SKEWED_NET, [1.0]), (SKEWED_NET, [0.5, 1.5]),
                                        (CosNet(), [0.0, 0.7]),
                                        (nq.ErfNet(d_in=2), [[0.3, -0.5], [1.0, 0.4]]),
                                        (nq.GaussNet(d_in=2).with_priors(readout_weights={"mean": 1}),
                                         [[0.3, -0.5], [1.0, 0.4]])])
def test_moments_of_the_series_are_the_exact_moments(net, points, order):
    """Normalised, and every moment of degree <= 2 order + 2 equals the exact G^(n) (net.green)."""
    width = 3
    density = edgeworth_density(net, points, width, order)
    f, weight = _gauss_hermite(density)
    # rounding scale: the sum of the absolute terms (the Gauss-net's coefficients are large)
    assert abs(weight.sum() - 1) < 1e-12 * np.abs(weight).sum()
    pts = np.asarray(points, float).reshape(len(points), -1)
    for degree in range(1, 2 * order + 3):
        for combo in itertools.combinations_with_replacement(range(len(points)), degree):
            terms = weight * np.prod(f[:, list(combo)], axis=1)
            exact = net.green(pts[list(combo)], width)
            assert abs(terms.sum() - exact) < 1e-10 * max(1.0, np.abs(terms).sum()), (combo, exact)


def test_normalisation_on_a_grid_and_the_cumulants_used():
    """The trapezoid integral is 1; ``cumulants`` are the exact connected correlators."""
    net = ReLUNet()
    density = edgeworth_density(net, [1.0], 5, order=2)
    assert abs(np.trapezoid(density(F_GRID[:, None]), F_GRID) - 1) < 1e-10
    for r in range(1, 7):
        assert abs(density.cumulants[r].flat[0] - net.connected_green([1.0] * r, 5)) < 1e-12
    assert sorted(density.cumulants) == [1, 2, 3, 4, 5, 6] and density.order == 2
    two = edgeworth_density(net, [0.5, 1.5], 5)
    assert np.allclose(two.covariance, nq.kernel_matrix(net, [0.5, 1.5]), rtol=1e-12)
    assert np.allclose(two.gaussian.covariance, two.covariance) and np.all(two.mean == 0)
    assert two.cumulants[4].shape == (2, 2, 2, 2)
    assert two.cumulants[4][0, 1, 1, 1] == two.cumulants[4][1, 1, 0, 1]


def test_marginal_of_the_two_point_series_is_the_one_point_series():
    """Cumulants of a marginal are sub-tensors, so integrating f_2 out is the 1-point series."""
    net, width = ReLUNet(), 6
    two = edgeworth_density(net, [1.0, 0.4], width, order=2)
    one = edgeworth_density(net, [1.0], width, order=2)
    f1 = np.linspace(-6, 6, 13)
    u, w = np.polynomial.hermite_e.hermegauss(30)           # f_2 given f_1 is Gaussian in the baseline
    cov = two.covariance
    slope, rest = cov[0, 1] / cov[0, 0], math.sqrt(cov[1, 1] - cov[0, 1] ** 2 / cov[0, 0])
    f2 = slope * f1[:, None] + rest * u[None, :]
    pairs = np.stack(np.broadcast_arrays(f1[:, None], f2), -1)
    marginal = nq.GaussianDensity([0.0], cov[:1, :1])(f1[:, None]) * \
        np.sum(w / math.sqrt(2 * math.pi) * (1 + two.correction(pairs)), axis=1)
    assert np.allclose(marginal, one(f1[:, None]), rtol=1e-10, atol=1e-14)


def _chi_square(counts: np.ndarray, probs: np.ndarray) -> tuple[float, float]:
    n = counts.sum()
    chi2 = float(np.sum((counts - n * probs) ** 2 / (n * probs)))
    return chi2, float(stats.chi2.sf(chi2, counts.size - 1))


@pytest.mark.parametrize("width", [10, 20])
def test_chi_square_on_sampled_outputs_rejects_the_gaussian_not_the_edgeworth_density(width):
    """400000 ReLU-nets at x = 1, 40 equiprobable bins: the Gaussian is rejected (p < 1e-10),
    order 2 is not (p > 1e-3).  Measured chi^2 (39 d.o.f., seed 1), Gaussian / order 1 / order 2:
    N = 5: 2163 / 276 / 129 (all rejected), N = 10: 698 / 59 / 41 (p = 0.38 for order 2),
    N = 20: 234 / 23 / 22, N = 40: 67 (p = 0.003) / 44 / 43: with this many samples the
    Gaussian is resolved as wrong up to N of about 40, the order-2 series from N of about 10."""
    net = ReLUNet()
    f = numeric.sample_outputs(net, width, [1.0], 400_000, rng=1)[:, 0]
    edges = np.quantile(f, np.linspace(0, 1, 41))
    edges[[0, -1]] = -40.0, 40.0
    counts = np.histogram(f, edges)[0]
    grid = np.linspace(-40.0, 40.0, 400_001)
    results = []
    for density in _densities(net, [1.0], width):
        cdf = cumulative_trapezoid(density(grid[:, None]), grid, initial=0.0)
        results.append(_chi_square(counts, np.diff(np.interp(edges, grid, cdf))))
    (chi_g, p_g), (chi_1, _), (chi_2, p_2) = results
    assert p_g < 1e-10 and p_2 > 1e-3, results
    assert chi_2 < chi_1 < chi_g, results


def _densities(net, points, width):
    first = edgeworth_density(net, points, width, 1)
    return first.gaussian, first, edgeworth_density(net, points, width, 2)


def test_chi_square_in_two_dimensions():
    """k = 2 (ReLU-net at x = 0.5, 1.5; N = 40, 400000 networks, 8 x 8 bins of the whitened
    outputs): the Gaussian is rejected, order 2 is not; order 1 and 2 lower chi^2.  Measured
    (63 d.o.f., seed 2): 743 / 98 / 92 (p = 7e-117 / 0.003 / 0.010)."""
    net, points, width = ReLUNet(), [0.5, 1.5], 40
    f = numeric.sample_outputs(net, width, points, 400_000, rng=2)
    gauss, first, second = _densities(net, points, width)
    u = gauss.whiten(f)
    edges = [np.quantile(u[:, j], np.linspace(0, 1, 9)) for j in (0, 1)]
    for e in edges:
        e[[0, -1]] = -12.0, 12.0
    counts = np.histogram2d(u[:, 0], u[:, 1], edges)[0]
    grid = np.linspace(-12.0, 12.0, 801)
    whitened = np.stack(np.meshgrid(grid, grid, indexing="ij"), -1)
    factor = np.linalg.cholesky(gauss.covariance)
    f_grid = gauss.mean + whitened @ factor.T
    results = []
    for density in (gauss, first, second):
        mass = density(f_grid) * np.prod(np.diag(factor))            # density of u
        cdf = cumulative_trapezoid(cumulative_trapezoid(mass, grid, axis=0, initial=0), grid,
                                   axis=1, initial=0)
        corners = RegularGridInterpolator((grid, grid), cdf)(
            np.stack(np.meshgrid(*edges, indexing="ij"), -1))
        probs = corners[1:, 1:] - corners[:-1, 1:] - corners[1:, :-1] + corners[:-1, :-1]
        results.append(_chi_square(counts, probs))
    (chi_g, p_g), (chi_1, _), (chi_2, p_2) = results
    assert p_g < 1e-10 and p_2 > 1e-3 and chi_2 < chi_1 < chi_g, results


@pytest.mark.parametrize("net,points,width", [(ReLUNet(), [1.0], 3), (ReLUNet(), [1.0], 5),
                                              (ReLUNet(), [0.5, 1.5], 10),
                                              (MEAN_NET, [1.0], 10), (CosNet(), [0.0, 1.0], 10)])
def test_log_likelihood_of_sampled_data_prefers_the_edgeworth_density(net, points, width):
    """20000 sampled networks: both orders give a larger log-likelihood than the Gaussian."""
    data = numeric.sample_outputs(net, width, points, 20_000, rng=3)
    gauss, first, second = _densities(net, points, width)
    baseline = gauss.log_likelihood(data)
    assert first.log_likelihood(data) > baseline + 10
    assert second.log_likelihood(data) > baseline + 10


@pytest.mark.parametrize("width", [5, 10])
def test_expected_log_likelihood_gap_to_the_exact_density(width):
    """The expected log-likelihood per sample falls short of the exact density's by the
    Kullback-Leibler divergence KL(exact || model), computed by quadrature (ReLU-net at x = 1).
    Measured, Gaussian / order 1 / order 2: N = 3: 1.39e-2 / 3.91e-3 / 4.84e-3 (order 2 no
    better at N = 3), N = 5: 6.59e-3 / 9.09e-4 / 3.91e-4, N = 10: 2.12e-3 / 1.16e-4 / 1.68e-5,
    N = 40: 1.67e-4 / 1.29e-6 / 2.73e-8."""
    exact = _exact("relu", width)
    kl = []
    for density in _densities(ReLUNet(), [1.0], width):
        model = density(F_GRID[:, None])
        keep = exact > 1e-300
        assert np.all(model[keep] > 0)
        kl.append(np.trapezoid(exact[keep] * np.log(exact[keep] / model[keep]), F_GRID[keep]))
    assert 0 < kl[2] < kl[1] / 2 < kl[0] / 8, kl


def test_nonpositive_series_gives_minus_infinity_with_a_warning():
    """A read-out mean at N = 2: kappa_3 h_3 / 6 + kappa_4 h_4 / 24 is < -1 for f in about
    (-3.59, -2.81), in the left tail of the right-skewed output."""
    density = edgeworth_density(MEAN_NET, [1.0], 2, order=1)
    tail = np.array([[-3.2], [0.5]])
    assert density(tail)[0] < 0 < density(tail)[1]
    with pytest.warns(RuntimeWarning, match="<= 0 at 1 of 2 values"):
        logs = density.log_density(tail)
    assert logs[0] == -np.inf and np.isfinite(logs[1])
    with pytest.warns(RuntimeWarning):
        assert density.log_likelihood(tail) == -np.inf
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isfinite(density.log_likelihood(np.array([[0.5], [1.0]])))


def test_exported_and_repr():
    assert nq.edgeworth_density is edgeworth_density
    density = edgeworth_density(ReLUNet(), [1.0, 0.5], 7, order=2)
    assert repr(density) == "EdgeworthDensity(k=2, width=7, order=2)"
    assert isinstance(density.gaussian, nq.GaussianDensity)
    assert density(np.zeros((3, 4, 2))).shape == (3, 4)
    assert np.all(ReLUNet().edgeworth_density([1.0, 0.5], 7, 2)(np.ones((3, 2))) == density(np.ones((3, 2))))
