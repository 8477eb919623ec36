"""Tests of :mod:`nnqft_sym.quadrature` against independent references.

References: the arc-cosine kernel (ReLU, n = 2), the arcsine kernel (Erf, n = 2), the
absolute-value kernel E|z1||z2|, exact half-Gaussian moments (rank 1), the moment-generating
function (exp activation), Isserlis' theorem (identity activation), the independent mpmath
path, convergence in the number of nodes, and fixed-seed Monte Carlo.
"""
import itertools
import math

import mpmath
import numpy as np
import pytest
import sympy as sp
from scipy.integrate import quad
from scipy.special import erf

from nnqft_sym.quadrature import (_DEFAULT_NODES, _DEFAULT_NODES_HOMOGENEOUS,
                                  activation_homogeneity, activation_kinks,
                                  gaussian_expectation, gaussian_expectation_mp)

# ---------------------------------------------------------------- tolerances (one place)
TOL = {
    "closed_form": 1e-11,     # double path vs a closed form (relative)
    "default_accuracy": 1e-8,  # the promised relative accuracy of the defaults
    "mp_agreement": 1e-9,     # double path vs the mpmath path (relative)
    "convergence": 1e-10,     # change when the number of nodes doubles (relative)
    "mc_sigmas": 4.0,         # Monte-Carlo agreement in standard errors
}


def relu(z):
    return np.maximum(z, 0.0)


def hard_tanh(z):
    return np.clip(z, -1.0, 1.0)


def network_cov(points, sigma_w=1.0, sigma_b=1.0):
    """C_ij = sigma_b^2 + sigma_W^2 x_i . x_j / d_in for points of shape (n, d_in)."""
    pts = np.asarray(points, dtype=float)
    return sigma_b ** 2 + sigma_w ** 2 * pts @ pts.T / pts.shape[1]


def random_points(seed, n, d_in):
    return np.random.default_rng(seed).uniform(-1.0, 1.0, (n, d_in))


def rel_err(value, exact):
    return abs(value / exact - 1.0)


def isserlis(cov):
    """E[z_1 ... z_n] by Wick/Isserlis: sum over perfect matchings of products of C_ij."""
    idx = list(range(cov.shape[0]))

    def matchings(rest):
        if not rest:
            yield []
            return
        first = rest[0]
        for k in range(1, len(rest)):
            for tail in matchings(rest[1:k] + rest[k + 1:]):
                yield [(first, rest[k])] + tail

    return sum(math.prod(cov[i, j] for i, j in m) for m in matchings(idx))


def monte_carlo(func, cov, samples, seed):
    """Fixed-seed estimate of E[prod func(z_i)] with its standard error."""
    rng = np.random.default_rng(seed)
    evals, evecs = np.linalg.eigh(cov)
    chol = evecs * np.sqrt(np.clip(evals, 0.0, None))      # cov = chol chol^T, any rank
    vals = np.empty(0)
    for _ in range(samples // 500_000):
        z = rng.standard_normal((500_000, len(cov))) @ chol.T
        vals = np.concatenate([vals, np.prod(func(z), axis=1)])
    return vals.mean(), vals.std(ddof=1) / math.sqrt(len(vals))


# ---------------------------------------------------------------- closed forms, n = 2
def arc_cosine(sx, sy, c):
    t = math.acos(max(-1.0, min(1.0, c / math.sqrt(sx * sy))))
    return math.sqrt(sx * sy) * (math.sin(t) + (math.pi - t) * math.cos(t)) / (2 * math.pi)


TWO_POINT = [np.array([[1.3, 0.4], [0.4, 0.9]]), np.array([[2.0, -1.1], [-1.1, 0.8]]),
             np.array([[0.5, 0.5], [0.5, 0.5]]),             # rank 1, equal points
             np.array([[1.0, -1.0], [-1.0, 1.0]]),           # rank 1, opposite points
             network_cov([[-0.01], [0.006]]), network_cov([[0.3], [2.5]], sigma_w=2.0)]


@pytest.mark.parametrize("cov", TWO_POINT)
@pytest.mark.parametrize("path", [{"homogeneity": 1}, {"kinks": (0.0,)}])
def test_relu_two_point_matches_arc_cosine_kernel(cov, path):
    exact = arc_cosine(cov[0, 0], cov[1, 1], cov[0, 1])
    value = gaussian_expectation(relu, cov, **path)
    assert abs(value - exact) <= TOL["closed_form"] * max(abs(exact), cov[0, 0])


@pytest.mark.parametrize("cov", TWO_POINT)
def test_erf_two_point_matches_arcsine_kernel(cov):
    sx, sy, c = cov[0, 0], cov[1, 1], cov[0, 1]
    exact = 2 / math.pi * math.asin(2 * c / math.sqrt((1 + 2 * sx) * (1 + 2 * sy)))
    assert rel_err(gaussian_expectation(erf, cov), exact) < TOL["closed_form"]


@pytest.mark.parametrize("variance", [100.0, 1000.0])
def test_erf_two_point_at_large_variance(variance):
    # erf is then close to a step: the default order grows with the variance
    cov = variance * np.array([[1.3, 0.4], [0.4, 0.9]])
    sx, sy, c = cov[0, 0], cov[1, 1], cov[0, 1]
    exact = 2 / math.pi * math.asin(2 * c / math.sqrt((1 + 2 * sx) * (1 + 2 * sy)))
    assert rel_err(gaussian_expectation(erf, cov), exact) < TOL["closed_form"]


@pytest.mark.parametrize("cov", TWO_POINT[:2] + TWO_POINT[4:])
def test_abs_two_point_matches_closed_form(cov):
    # E|z1||z2| = (2/pi) (sqrt(sx sy - c^2) + c arcsin(c / sqrt(sx sy)))
    sx, sy, c = cov[0, 0], cov[1, 1], cov[0, 1]
    exact = 2 / math.pi * (math.sqrt(max(sx * sy - c * c, 0.0))
                           + c * math.asin(c / math.sqrt(sx * sy)))
    z = sp.Symbol("z", real=True)
    kw = {"kinks": activation_kinks(sp.Abs(z), z), "homogeneity": activation_homogeneity(sp.Abs(z), z)}
    assert rel_err(gaussian_expectation(np.abs, cov, **kw), exact) < TOL["closed_form"]


@pytest.mark.parametrize("cov", TWO_POINT[:2] + TWO_POINT[4:])
def test_leaky_relu_from_sympy_matches_arc_cosine_combination(cov):
    # lrelu(z) = relu(z) - alpha relu(-z): four arc-cosine kernels (c -> -c for mixed signs);
    # the activation comes from SymPy, kinks and degree from the helpers
    alpha = 0.1
    z = sp.Symbol("z", real=True)
    expr = sp.Max(z, alpha * z)
    func = sp.lambdify(z, expr, "numpy")
    sx, sy, c = cov[0, 0], cov[1, 1], cov[0, 1]
    exact = ((1 + alpha ** 2) * arc_cosine(sx, sy, c) - 2 * alpha * arc_cosine(sx, sy, -c))
    value = gaussian_expectation(func, cov, kinks=activation_kinks(expr, z),
                                 homogeneity=activation_homogeneity(expr, z))
    assert rel_err(value, exact) < TOL["closed_form"]


# ---------------------------------------------------------------- rank 1 and rank 0
@pytest.mark.parametrize("n", range(2, 9))
def test_relu_equal_points_half_gaussian_moments(n):
    s = 1.7
    exact = 0.5 * s ** (n / 2) * 2 ** (n / 2) * math.gamma((n + 1) / 2) / math.sqrt(math.pi)
    if n % 2 == 0:   # the brief's form s^(n/2) (n-1)!! / 2
        assert exact == pytest.approx(s ** (n / 2) * math.prod(range(n - 1, 0, -2)) / 2, rel=1e-14)
    cov = np.full((n, n), s)
    for kw in ({"homogeneity": 1}, {"kinks": (0.0,)}):
        assert rel_err(gaussian_expectation(relu, cov, **kw), exact) < TOL["closed_form"]


def test_zero_rows_and_zero_matrix():
    cov = network_cov([[0.2], [0.7], [-0.4]])
    padded = np.zeros((4, 4))
    padded[:3, :3] = cov          # z_4 = 0 identically
    assert gaussian_expectation(np.cos, padded) == pytest.approx(
        gaussian_expectation(np.cos, cov), rel=1e-13)
    assert gaussian_expectation(relu, padded, homogeneity=1) == 0.0
    assert gaussian_expectation(np.exp, np.zeros((3, 3))) == 1.0
    assert gaussian_expectation(lambda z: z + 2.0, np.zeros((3, 3))) == 8.0
    assert gaussian_expectation(lambda z: 2.0, cov) == pytest.approx(8.0, rel=1e-14)


# ---------------------------------------------------------------- exact results at any rank
MGF_CASES = [(1, 4, 1.0), (1, 6, 1.0), (2, 4, 1.0), (2, 6, 1.0), (3, 4, 0.7), (0, 3, 1.0)]


@pytest.mark.parametrize("d_in,n,sigma", MGF_CASES)
def test_exp_activation_matches_moment_generating_function(d_in, n, sigma):
    # E[prod exp(z_i)] = exp(1'C1/2); at rank 4 a milder scale (this integrand grows like
    # exp(|z|), and its angular peak narrows as 1'C1 grows: see docs/quadrature.md)
    if d_in == 0:
        cov = np.full((n, n), 0.8)
    else:
        cov = network_cov(random_points(10 + d_in, n, d_in), sigma_w=sigma, sigma_b=sigma)
    exact = math.exp(cov.sum() / 2)
    assert rel_err(gaussian_expectation(np.exp, cov), exact) < TOL["default_accuracy"]


@pytest.mark.parametrize("d_in,n", [(2, 4), (2, 6), (3, 4), (3, 6)])
def test_identity_activation_matches_isserlis_through_the_chambers(d_in, n):
    # z is homogeneous of degree 1: the chamber decomposition at ranks 3, 4 must tile R^r
    cov = network_cov(random_points(20 + n, n, d_in))
    exact = isserlis(cov)
    value = gaussian_expectation(lambda z: z, cov, kinks=(0.0,), homogeneity=1)
    assert rel_err(value, exact) < TOL["default_accuracy"]


@pytest.mark.parametrize("d_in", [2, 3])
def test_identity_isserlis_numeric_radial_integral(d_in):
    # same chambers, radial integral by quadrature (the path of non-homogeneous kinked activations)
    cov = network_cov(random_points(30 + d_in, 4, d_in))
    value = gaussian_expectation(lambda z: z, cov, kinks=(0.0,), nodes=8 if d_in == 3 else 12)
    assert rel_err(value, isserlis(cov)) < (1e-6 if d_in == 3 else TOL["default_accuracy"])


# ---------------------------------------------------------------- mpmath high precision
D1_POINTS = np.array([[-0.5], [-0.2], [0.1], [0.4], [0.7], [1.0]])


@pytest.mark.parametrize("n", [4, 6])
def test_relu_agrees_with_mpmath(n):
    cov = network_cov(D1_POINTS[:n])
    hp = gaussian_expectation_mp(lambda z: max(z, 0), cov, kinks=(0.0,), dps=20)
    for kw in ({"homogeneity": 1}, {"kinks": (0.0,)}):
        assert rel_err(gaussian_expectation(relu, cov, **kw), float(hp)) < TOL["mp_agreement"]


@pytest.mark.slow   # 13 s; the two- and three-point mpmath agreements cover the same rule
def test_erf_agrees_with_mpmath_four_points():
    cov = network_cov(D1_POINTS[[0, 2, 3, 5]], sigma_w=1.5)
    hp = gaussian_expectation_mp(mpmath.erf, cov, dps=16)
    assert rel_err(gaussian_expectation(erf, cov), float(hp)) < TOL["mp_agreement"]


@pytest.mark.slow
def test_erf_agrees_with_mpmath_six_points():
    cov = network_cov(D1_POINTS)
    hp = gaussian_expectation_mp(mpmath.erf, cov, dps=20)
    assert rel_err(gaussian_expectation(erf, cov), float(hp)) < TOL["mp_agreement"]


def test_hard_tanh_nonzero_kinks_agree_with_mpmath_and_scipy():
    kinks = (-1.0, 1.0)
    # rank 2: kink radii and their crossings
    cov = network_cov(D1_POINTS[[0, 3, 5, 5]], sigma_w=1.5)     # a repeated point
    hp = gaussian_expectation_mp(lambda z: max(-1, min(1, z)), cov, kinks=kinks, dps=15)
    assert rel_err(gaussian_expectation(hard_tanh, cov, kinks=kinks), float(hp)) < TOL["mp_agreement"]
    # rank 1: a 1-D integral split at the kinks
    s, n = 2.3, 4
    ref = quad(lambda u: hard_tanh(math.sqrt(s) * u) ** n * math.exp(-u * u / 2) / math.sqrt(2 * math.pi),
               -12, 12, points=[-1 / math.sqrt(s), 1 / math.sqrt(s)], epsabs=0, epsrel=1e-13)[0]
    value = gaussian_expectation(hard_tanh, np.full((n, n), s), kinks=kinks)
    assert rel_err(value, ref) < TOL["closed_form"]


HMS_INPUTS = np.array([[-0.01], [-0.006], [-0.002], [0.002], [0.006], [0.01]])   # HMS/ELS set-up


@pytest.mark.parametrize("sigma_w", [1.0, 20.0])
def test_hms_inputs_agree_with_mpmath(sigma_w):
    # nearly coincident points: thin chambers between almost parallel hyperplanes
    cov = network_cov(HMS_INPUTS, sigma_w=sigma_w)
    hp = gaussian_expectation_mp(lambda z: max(z, 0), cov, kinks=(0.0,), dps=16)
    assert rel_err(gaussian_expectation(relu, cov, homogeneity=1), float(hp)) < TOL["mp_agreement"]
    if sigma_w == 1.0:
        cov4 = cov[np.ix_([0, 1, 4, 5], [0, 1, 4, 5])]
        hp = gaussian_expectation_mp(mpmath.erf, cov4, dps=16)
        assert rel_err(gaussian_expectation(erf, cov4), float(hp)) < TOL["mp_agreement"]


def test_hard_tanh_at_rank_3_against_monte_carlo():
    # non-zero kinks at rank 3: 16 hyperplanes (z_i = 0 and crossings of kink radii)
    cov = network_cov(random_points(3, 4, 2), sigma_w=1.5)
    value = gaussian_expectation(hard_tanh, cov, kinks=(-1.0, 1.0), nodes=8)
    mean, err = monte_carlo(hard_tanh, cov, 2_000_000, seed=5)
    assert abs(value - mean) < TOL["mc_sigmas"] * err


@pytest.mark.parametrize("n", [4, 6])
def test_relu_rank_3_agrees_with_mpmath(n):
    # d_in = 2: the mpmath path integrates over S^2 in spherical coordinates (independent of
    # the chamber triangulation of the double path); identity checked against Isserlis too
    cov = network_cov(random_points(80 + n, n, 2), sigma_w=1.5)
    hp = gaussian_expectation_mp(lambda z: max(z, 0), cov, kinks=(0.0,), homogeneity=1, dps=16)
    assert rel_err(gaussian_expectation(relu, cov, homogeneity=1), float(hp)) < TOL["mp_agreement"]
    if n == 4:
        hp_id = gaussian_expectation_mp(lambda z: z, cov, homogeneity=1, dps=16)
        assert rel_err(float(hp_id), isserlis(cov)) < 1e-14


# ---------------------------------------------------------------- ranks 3 and 4
@pytest.mark.parametrize("d_in,n", [(2, 4), (2, 6), (3, 4), (3, 6)])
def test_relu_converges_at_rank_3_and_4(d_in, n):
    cov = network_cov(random_points(40 + n, n, d_in), sigma_w=1.5)
    default = _DEFAULT_NODES_HOMOGENEOUS[d_in + 1]
    coarse = gaussian_expectation(relu, cov, homogeneity=1)
    fine = gaussian_expectation(relu, cov, homogeneity=1, nodes=2 * default)
    assert rel_err(coarse, fine) < TOL["convergence"]


@pytest.mark.parametrize("n", [4, 6])
def test_erf_converges_at_rank_3(n):
    cov = network_cov(random_points(50 + n, n, 2), sigma_w=1.5)
    coarse = gaussian_expectation(erf, cov)
    fine = gaussian_expectation(erf, cov, nodes=2 * _DEFAULT_NODES[3])
    assert rel_err(coarse, fine) < TOL["convergence"]


@pytest.mark.slow
@pytest.mark.parametrize("n", [4, 6])
def test_erf_converges_at_rank_4(n):
    # doubling the nodes at rank 4 costs minutes; 1.5x bounds the error as well (spectral)
    cov = network_cov(random_points(60 + n, n, 3), sigma_w=1.5)
    coarse = gaussian_expectation(erf, cov)
    fine = gaussian_expectation(erf, cov, nodes=int(1.5 * _DEFAULT_NODES[4]))
    assert rel_err(coarse, fine) < TOL["convergence"]


MC_CASES = [(name, d_in, n) for name in ("relu", "erf") for d_in in (2, 3) for n in (4, 6)]


@pytest.mark.parametrize("name,d_in,n", MC_CASES)
def test_ranks_3_and_4_against_monte_carlo(name, d_in, n):
    cov = network_cov(random_points(70 + 10 * d_in + n, n, d_in), sigma_w=1.5)
    if name == "relu":
        value = gaussian_expectation(relu, cov, homogeneity=1)
        mean, err = monte_carlo(relu, cov, 2_000_000, seed=d_in * 10 + n)
    else:   # the rank-4 default run is slow; its accuracy is checked by the convergence tests
        value = gaussian_expectation(erf, cov, nodes=8 if d_in == 3 else None)
        mean, err = monte_carlo(erf, cov, 2_000_000, seed=d_in * 10 + n)
    assert abs(value - mean) < TOL["mc_sigmas"] * err


# ---------------------------------------------------------------- vectorisation
def test_batch_equals_loop():
    pts = np.array([[-0.5], [-0.1], [0.3], [0.8]])
    combos = list(itertools.combinations_with_replacement(range(4), 4))[:6]
    covs = np.stack([network_cov(pts[list(c)], sigma_w=1.3) for c in combos]).reshape(2, 3, 4, 4)
    for func, kw in ((relu, {"homogeneity": 1}), (erf, {}), (np.tanh, {"nodes": 12})):
        batch = gaussian_expectation(func, covs, **kw)
        assert batch.shape == (2, 3)
        loop = np.array([[gaussian_expectation(func, covs[i, j], **kw) for j in range(3)]
                         for i in range(2)])
        np.testing.assert_allclose(batch, loop, rtol=1e-14, atol=0)
    assert isinstance(gaussian_expectation(erf, covs[0, 0]), float)


def mixed_batch(seed, n, count):
    """Covariances of ``n`` points of ranks 1..min(4, n) in one batch, mixing distinct,
    repeated and nearly coincident points (1e-9 apart), variances 1 to ~100, zero rows and an
    exact repeat of a whole matrix."""
    rng = np.random.default_rng(seed)
    out = []
    for b in range(count):
        rank = min(1 + b % 4, n)
        d_in = max(rank - 1, 1)
        base = rng.uniform(-1.0, 1.0, (rank, d_in))
        pts = base[np.concatenate([np.arange(rank), rng.integers(0, rank, n - rank)])]
        if b % 3 == 1 and n > rank:
            pts[-1] += 1e-9 * rng.standard_normal(d_in)            # nearly coincident
        scale = (1.0, 7.0, 50.0)[b % 3]
        cov = network_cov(pts, sigma_w=math.sqrt(scale), sigma_b=float(rank > 1))
        if b % 7 == 5:
            cov[0, :] = cov[:, 0] = 0.0                           # z_0 = 0 identically
        out.append(cov)
    out.append(out[2])                                            # an exact repeat
    return np.stack(out)


@pytest.mark.parametrize("name,func,kw,n", [
    ("relu", relu, {"kinks": (0.0,), "homogeneity": 1}, 4),
    ("relu-numeric-radial", relu, {"kinks": (0.0,), "nodes": 8}, 4),
    ("erf", erf, {}, 4),                       # default nodes: grouped by variance as well
    ("tanh", np.tanh, {"nodes": 10}, 4),
    ("shifted-tanh", lambda z: np.tanh(z + 0.3), {"nodes": 10}, 3),
    ("gauss", lambda z: np.exp(-0.5 * z * z), {"nodes": 8}, 4),
    ("hard-tanh", hard_tanh, {"kinks": (-1.0, 1.0)}, 2),
    ("shifted-hard-tanh", lambda z: hard_tanh(z - 0.3), {"kinks": (-0.7, 1.3), "nodes": 8}, 3),
    ("kink-at-0.5", lambda z: np.maximum(z - 0.5, 0.0) + np.tanh(z), {"kinks": (0.5,)}, 3),
])
def test_vectorised_batch_equals_matrix_by_matrix(name, func, kw, n):
    """The batch is integrated together (grouped by rank and rows, with shared geometry);
    every matrix alone must give the same value bit for bit (ranks 1..4, large variances,
    nearly coincident points, zero rows, repeats, non-zero kinks)."""
    covs = mixed_batch(len(name), n, 7 if name == "erf" else 10)
    batch = gaussian_expectation(func, covs, **kw)
    single = np.array([gaussian_expectation(func, c, **kw) for c in covs])
    np.testing.assert_array_equal(batch, single)
    assert batch[-1] == batch[2]
    assert np.all(np.isfinite(batch))


@pytest.mark.filterwarnings("error::RuntimeWarning")       # no overflow warning on the way
def test_vectorised_batch_with_one_divergent_matrix_raises():
    """A matrix whose expectation diverges raises inside a batch of finite ones."""
    from nnqft_sym.errors import DivergentExpectationError
    covs = mixed_batch(0, 2, 6)
    covs[4] = np.full((2, 2), 2.5)                        # E[exp(z^2/4)^2] at variance 2.5
    with pytest.raises(DivergentExpectationError, match="does not decay"):
        gaussian_expectation(lambda z: np.exp(z * z / 4), covs)
    finite = gaussian_expectation(lambda z: np.exp(z * z / 4), covs[:4] / 400)  # lambda_max < 1
    assert np.all(np.isfinite(finite))


@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_a_product_beyond_double_precision_raises_instead_of_inf():
    # a spike of 1e200 at two coincident points: E[phi(z)^2] ~ 1e399 is not a double; the
    # product used to overflow to inf and come back as the answer (with a RuntimeWarning)
    from nnqft_sym.errors import DivergentExpectationError

    def spike(z):
        return np.where((np.abs(z) > 1.0) & (np.abs(z) < 1.5), 1e200, 0.0)

    assert 1e199 < gaussian_expectation(spike, np.array([[1.0]])) < 1e200     # one point: fine
    with pytest.raises(DivergentExpectationError, match="beyond double precision"):
        gaussian_expectation(spike, np.array([[1.0, 1.0], [1.0, 1.0]]))


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize("cov,match", [
    (np.ones(3), "shape"),
    (np.ones((2, 3)), "shape"),
    (np.array([[1.0, 0.5], [0.2, 1.0]]), "symmetric"),
    (np.array([[1.0, 2.0], [2.0, 1.0]]), "positive semi-definite"),
    (np.array([[np.nan, 0.0], [0.0, 1.0]]), "finite"),
])
def test_bad_covariance_raises(cov, match):
    with pytest.raises(ValueError, match=match) as info:
        gaussian_expectation(relu, cov, homogeneity=1)
    assert "cov" in str(info.value)


def test_bad_arguments_raise():
    cov = np.eye(2)
    with pytest.raises(TypeError, match="func"):
        gaussian_expectation("relu", cov)
    with pytest.raises(TypeError, match="cov"):
        gaussian_expectation(relu, "cov")
    with pytest.raises(ValueError, match="nodes"):
        gaussian_expectation(relu, cov, nodes=0)
    with pytest.raises(TypeError, match="nodes"):
        gaussian_expectation(relu, cov, nodes=2.5)
    with pytest.raises(ValueError, match="homogeneity"):
        gaussian_expectation(relu, cov, homogeneity=-1)
    with pytest.raises(ValueError, match="kinks"):
        gaussian_expectation(relu, cov, kinks=(np.inf,))
    with pytest.raises(TypeError, match="kinks"):
        gaussian_expectation(relu, cov, kinks=("a",))
    with pytest.raises(ValueError, match="rank"):
        gaussian_expectation_mp(mpmath.erf, np.eye(3))
    with pytest.raises(ValueError, match="rank"):
        gaussian_expectation_mp(lambda z: max(z, 0), np.eye(4), homogeneity=1)
    with pytest.raises(ValueError, match="homogeneity"):
        gaussian_expectation_mp(lambda z: max(z, 0), np.eye(3), homogeneity=-1)
    with pytest.raises(ValueError, match="dps"):
        gaussian_expectation_mp(mpmath.erf, np.eye(2), dps=5)
    with pytest.raises(ValueError, match="ONE"):
        gaussian_expectation_mp(mpmath.erf, np.stack([np.eye(2)] * 2))
    with pytest.raises(TypeError, match="Symbol"):
        activation_kinks(sp.Symbol("z"), "z")


# ---------------------------------------------------------------- symbolic helpers
Z = sp.Symbol("z", real=True)


@pytest.mark.parametrize("expr,kinks,degree", [
    (sp.Max(0, Z), (0.0,), 1),
    (sp.Max(0, Z) ** 2, (0.0,), 2),
    (sp.Abs(Z), (0.0,), 1),
    (sp.Max(Z, Z / 10), (0.0,), 1),          # leaky ReLU
    (sp.Heaviside(Z), (0.0,), 0),
    (sp.sign(Z), (0.0,), 0),
    (sp.Min(1, sp.Max(-1, Z)), (-1.0, 1.0), None),
    (sp.Piecewise((0, Z < 1), (Z - 1, True)), (1.0,), None),
    (sp.Max(0, Z) + 1, (0.0,), None),
    (sp.exp(Z), (), None),
    (sp.erf(Z), (), None),
    (sp.tanh(Z), (), None),
    (sp.cos(Z), (), None),
    (1 / (1 + sp.exp(-Z)), (), None),
    (sp.log(1 + sp.exp(Z)), (), None),
    (Z ** 3, (), 3),
])
def test_activation_kinks_and_homogeneity(expr, kinks, degree):
    assert activation_kinks(expr, Z) == kinks
    assert activation_homogeneity(expr, Z) == degree


def test_quadrature_moments_are_memoised_per_activation_and_matrix():
    """gaussian_moment memoises quadrature values on (activation, matrix bytes): a batch mixing
    known and new matrices gives the direct quadrature's values, and two activations with the
    same matrices never share values."""
    from nnqft_sym import Z
    from nnqft_sym.expectations import _memo, gaussian_moment
    covs = mixed_batch(11, 3, 6)[:, :2, :2]       # ranks 1, 2 (pairs without closed forms)
    for expr, func in ((sp.erf(Z + sp.Rational(1, 5)), lambda z: erf(z + 0.2)),
                       (sp.tanh(Z + sp.Rational(1, 5)), lambda z: np.tanh(z + 0.2))):
        _memo.pop(expr, None)
        first = gaussian_moment(expr, covs[:4])
        assert len(_memo[expr]) == len({c.tobytes() for c in covs[:4]})
        mixed = gaussian_moment(expr, covs[::-1])           # two known, ... new ones
        direct = gaussian_expectation(func, covs[::-1])
        np.testing.assert_array_equal(mixed, direct)
        np.testing.assert_array_equal(mixed[::-1][:4], first)
        assert float(gaussian_moment(expr, covs[1])) == first[1]
    assert (gaussian_moment(sp.erf(Z + sp.Rational(1, 5)), covs[1])
            != gaussian_moment(sp.tanh(Z + sp.Rational(1, 5)), covs[1]))
