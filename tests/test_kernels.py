"""GP kernels: symbolic derivation vs the closed forms of docs/conventions.md, direct integration, and Monte Carlo."""
import numpy as np
import pytest
import sympy as sp
from scipy import integrate

from nnqft_sym import CosNet, ErfNet, GaussNet, Network, ReLUNet, Z
from tests.mc_reference import sample_network_outputs
from tests.tolerances import EXACT_RTOL, assert_mc_agrees, mc_mean

SW, SB = sp.Symbol("sigma_W", positive=True), sp.Symbol("sigma_b", positive=True)


@pytest.mark.parametrize("d_in", [1, 2, 3])
def test_gauss_kernel_is_the_seed_formula(d_in):
    net = GaussNet(sigma_w=SW, sigma_b=SB, d_in=d_in)
    k = net.kernel_expr()
    x, y = sorted([s for s in k.free_symbols if s.name.startswith("x")], key=str), \
        sorted([s for s in k.free_symbols if s.name.startswith("y")], key=str)
    dist2 = sum((a - b) ** 2 for a, b in zip(x, y))
    seed = SB ** 2 + SW ** 2 * sp.exp(-SW ** 2 * dist2 / (2 * d_in))
    assert sp.simplify(k - seed) == 0


def test_gauss_kernel_symbolic_dimension():
    d = sp.Symbol("d", positive=True, integer=True)
    k = GaussNet(sigma_w=SW, sigma_b=SB, d_in=d).kernel_expr()
    xx, yy, xy = sp.symbols(r"|x|^2 |y|^2 x\cdot{}y", real=True)
    assert sp.simplify(k - (SB ** 2 + SW ** 2 * sp.exp(-SW ** 2 * (xx + yy - 2 * xy) / (2 * d)))) == 0


def test_gauss_kernel_against_direct_sympy_integration():
    """Integrate E[g(z(x)) g(z(y))] over (w, b) with SymPy itself (d_in = 1, sigma_W = 1, sigma_b = 1/2)."""
    w, b, x, y = sp.symbols("w b x y", real=True)
    sb = sp.Rational(1, 2)
    s = lambda u: sb ** 2 + u ** 2  # noqa: E731
    dens = sp.exp(-w ** 2 / 2 - b ** 2 / (2 * sb ** 2)) / (2 * sp.pi * sb)
    integrand = sp.exp(w * x + b - s(x)) * sp.exp(w * y + b - s(y)) * dens
    direct = sp.integrate(integrand, (w, -sp.oo, sp.oo), (b, -sp.oo, sp.oo), conds="none")
    ours = GaussNet(sigma_w=1, sigma_b=sb).kernel_expr(x, y) - sb ** 2
    assert sp.simplify(direct - ours) == 0


@pytest.mark.parametrize("net", [ReLUNet(sigma_w=1.3, sigma_b=0.7), ErfNet(sigma_w=1.3, sigma_b=0.7),
                                 Network(sp.tanh(Z), sigma_w=1.3, sigma_b=0.7)])
def test_kernel_against_two_dimensional_quadrature(net):
    """scipy dblquad over (w, b) is an independent check of the closed forms (d_in = 1)."""
    act = {"relu": lambda u: max(u, 0.0), "erf": lambda u: float(sp.erf(u)),
           "custom": np.tanh}[net.family]
    if net.family == "erf":
        from scipy.special import erf as act
    sw, sb = 1.3, 0.7
    for x, y in [(0.4, -0.9), (1.5, 1.5), (0.0, 2.0)]:
        f = lambda b, w: act(w * x + b) * act(w * y + b) * np.exp(-w ** 2 / (2 * sw ** 2) - b ** 2 / (2 * sb ** 2)) \
            / (2 * np.pi * sw * sb)  # noqa: E731
        val, err = integrate.dblquad(f, -12 * sw, 12 * sw, -12 * sb, 12 * sb, epsabs=1e-12, epsrel=1e-10)
        expected = sb ** 2 + sw ** 2 * val
        assert net.kernel(x, y) == pytest.approx(expected, rel=1e-7)


@pytest.mark.parametrize("family,cls", [("gauss", GaussNet), ("relu", ReLUNet), ("erf", ErfNet), ("cos", CosNet)])
@pytest.mark.parametrize("d_in", [1, 2, 3])
def test_kernel_against_monte_carlo(family, cls, d_in):
    """G^(2) = K exactly at every width, so a width-3 ensemble measures K directly."""
    rng = np.random.default_rng(11)
    points = rng.uniform(-1, 1, size=(3, d_in))
    net = cls(sigma_w=1.2, sigma_b=0.8, d_in=d_in)
    f = sample_network_outputs(family, points, width=3, n_nets=200_000, sigma_w=1.2, sigma_b=0.8,
                               seed=100 + d_in)
    for i, j in [(0, 0), (0, 1), (1, 2)]:
        est, se = mc_mean(f[:, i] * f[:, j])
        assert_mc_agrees(est, se, net.kernel(points[i], points[j]), what=f"{family} d_in={d_in} K{i}{j}")


def test_cos_net_with_gaussian_prior_has_the_gauss_kernel():
    x, y = np.linspace(-2, 2, 7), np.linspace(1, -1, 7)
    for d_in in (1, 2):
        xs, ys = np.stack([x] * d_in, -1), np.stack([y] * d_in, -1)
        np.testing.assert_allclose(CosNet(sigma_w=1.7, d_in=d_in).kernel(xs, ys),
                                   GaussNet(sigma_w=1.7, d_in=d_in).kernel(xs, ys), rtol=EXACT_RTOL)


def test_kernel_broadcasting_shapes():
    net = GaussNet(d_in=2)
    x = np.zeros((4, 1, 2))
    y = np.ones((1, 5, 2))
    assert net.kernel(x, y).shape == (4, 5)
    assert isinstance(ReLUNet().kernel(0.1, 0.2), float)
    assert ReLUNet().kernel(np.linspace(0, 1, 6), 0.5).shape == (6,)


def test_relu_kernel_homogeneous_at_zero_bias_limit():
    """Arc-cosine kernel: K(tx, ty) - sigma_b^2 = t^2 (K(x, y) - sigma_b^2) when sigma_b -> 0."""
    net = ReLUNet(sigma_w=1.0, sigma_b=1e-9)
    assert net.kernel(3 * 0.4, 3 * -0.7) == pytest.approx(9 * net.kernel(0.4, -0.7), rel=1e-9)
    # x, y of opposite sign: relu features never overlap, K = 0 (+ sigma_b^2)
    assert net.kernel(0.4, -0.7) == pytest.approx(0.0, abs=1e-12)


def test_latex_printing():
    """Golden strings: the kernel of arXiv:2008.08601 (Gauss-net, d_in = 1) and the network."""
    assert sp.latex(GaussNet(sigma_w=SW, sigma_b=SB).kernel_expr()) == (
        r"\sigma_{W}^{2} e^{- \frac{\sigma_{W}^{2} \left(x - y\right)^{2}}{2}} + \sigma_{b}^{2}")
    assert sp.latex(GaussNet()) == r"\mathrm{Gauss-net}(\sigma_W=1,\ \sigma_b=1,\ d_{in}=1)"


def test_gauss_kernel_far_from_the_origin_does_not_overflow():
    """exp(z - s) normalisation: the huge exponents must cancel before exponentiation."""
    net = GaussNet(sigma_w=1.0, sigma_b=1.0)
    assert net.kernel(100.0, 100.0) == pytest.approx(2.0, rel=EXACT_RTOL)
    assert net.kernel(1e3, 1e3 - 0.5) == pytest.approx(1.0 + np.exp(-0.125), rel=EXACT_RTOL)


@pytest.mark.parametrize("d_in", [2, 3])
@pytest.mark.parametrize("family,cls,rtol", [("gauss", GaussNet, 1e-9), ("erf", ErfNet, 1e-7),
                                             ("relu", ReLUNet, 2e-3)])
def test_kernel_against_weight_space_gauss_hermite(family, cls, rtol, d_in):
    """Tensor Gauss-Hermite over the (d_in + 1) weight-and-bias directions, written out here.

    Independent of the pre-activation reduction used by the library: it checks the d_in
    dependence of the priors and of the Gauss-net normalisation.  ReLU has a kink, so its
    Gauss-Hermite estimate converges only algebraically (looser tolerance).
    """
    from tests.mc_reference import HAND_ACTIVATIONS
    sw, sb = 1.3, 0.6
    nodes, weights = np.polynomial.hermite_e.hermegauss(40 if d_in == 3 else 70)
    weights = weights / np.sqrt(2 * np.pi)
    grids = np.meshgrid(*([nodes] * (d_in + 1)), indexing="ij")
    wgt = np.prod(np.meshgrid(*([weights] * (d_in + 1)), indexing="ij"), axis=0).ravel()
    u = np.stack([g.ravel() for g in grids], -1)             # standard normals
    w, b = u[:, :d_in] * sw / np.sqrt(d_in), u[:, d_in] * sb
    rng = np.random.default_rng(d_in)
    net = cls(sigma_w=sw, sigma_b=sb, d_in=d_in)
    for _ in range(3):
        x, y = rng.uniform(-1, 1, d_in), rng.uniform(-1, 1, d_in)
        sx, sy = sb ** 2 + sw ** 2 * x @ x / d_in, sb ** 2 + sw ** 2 * y @ y / d_in
        gx = HAND_ACTIVATIONS[family](w @ x + b, sx)
        gy = HAND_ACTIVATIONS[family](w @ y + b, sy)
        expected = sb ** 2 + sw ** 2 * np.sum(wgt * gx * gy)
        assert net.kernel(x, y) == pytest.approx(expected, rel=rtol)
