"""Momentum-space propagators (ELS arXiv:2108.01403) and the tree-level quartic coupling."""
import numpy as np
import pytest
import sympy as sp

from nnqft_sym import CosNet, ErfNet, GaussNet, P, ReLUNet, contact_integral
from tests.tolerances import EXACT_RTOL

SW = sp.Symbol("sigma_W", positive=True)


@pytest.mark.parametrize("d_in", [1, 2, 3, 4])
def test_momentum_propagator_is_the_seed_formula(d_in):
    """K(p) = (sigma_W^2)^(1 - d/2) (d / 2 pi)^(d/2) exp(-d p^2 / (2 sigma_W^2)) (ELS arXiv:2108.01403)."""
    kp = GaussNet(sigma_w=SW, d_in=d_in).momentum_propagator()
    seed = (SW ** 2) ** (1 - sp.Rational(d_in, 2)) * (sp.Rational(d_in) / (2 * sp.pi)) ** sp.Rational(d_in, 2) \
        * sp.exp(-d_in * P ** 2 / (2 * SW ** 2))
    assert sp.simplify(kp - seed) == 0


def test_momentum_propagator_symbolic_dimension_and_inverse_transform():
    d = sp.Symbol("d", positive=True, integer=True)
    kp = GaussNet(sigma_w=SW, d_in=d).momentum_propagator()
    seed = (SW ** 2) ** (1 - d / 2) * (d / (2 * sp.pi)) ** (d / 2) * sp.exp(-d * P ** 2 / (2 * SW ** 2))
    assert sp.simplify(sp.expand_power_base(kp / seed, force=True)) == 1
    # K(x) = int dp e^{ipx} K(p) in d = 1 recovers the weight kernel
    x, p = sp.Symbol("x", real=True), sp.Symbol("p", real=True)
    k1 = GaussNet(sigma_w=SW, d_in=1).momentum_propagator(p)
    back = sp.integrate(k1 * sp.exp(sp.I * p * x), (p, -sp.oo, sp.oo), conds="none")
    assert sp.simplify(back - SW ** 2 * sp.exp(-SW ** 2 * x ** 2 / 2)) == 0


def test_ir_expansion_mass():
    for d_in in (1, 2, 3):
        ir = GaussNet(sigma_w=SW, d_in=d_in).ir_expansion()
        assert sp.simplify(ir.m0_squared - 2 * SW ** 2 / d_in) == 0
        # Z0^-1 / m0^2 is K(p = 0)
        assert sp.simplify(1 / (ir.Z0 * ir.m0_squared) - ir.propagator.subs(P, 0)) == 0
    assert "m_0^2" in sp.latex(GaussNet().ir_expansion())


def test_cos_net_propagator_is_the_frequency_density():
    assert sp.simplify(CosNet(sigma_w=SW, d_in=2).momentum_propagator()
                       - GaussNet(sigma_w=SW, d_in=2).momentum_propagator()) == 0


@pytest.mark.parametrize("cls", [ReLUNet, ErfNet])
def test_not_translation_invariant_raises(cls):
    with pytest.raises(ValueError, match="not translation invariant"):
        cls().momentum_propagator()


def test_contact_integral_closed_form_vs_sympy_and_quadrature():
    x = sp.Symbol("x", real=True)
    pts = [sp.Rational(1, 10), sp.Rational(-3, 10), 0, sp.Rational(1, 2)]
    kw = lambda a: SW ** 2 * sp.exp(-SW ** 2 * (x - a) ** 2 / 2)  # noqa: E731
    direct = sp.integrate(sp.Mul(*[kw(a) for a in pts]).subs(SW, sp.Rational(3, 2)), (x, -sp.oo, sp.oo))
    ours = contact_integral(GaussNet(sigma_w=1.5), [float(a) for a in pts])
    assert ours == pytest.approx(float(direct), rel=EXACT_RTOL)
    assert contact_integral(GaussNet(sigma_w=1.5), [float(a) for a in pts], cutoff=20.0) == \
        pytest.approx(ours, rel=1e-10)
    sym = contact_integral(GaussNet(sigma_w=sp.Rational(3, 2)), pts)
    assert float(sym) == pytest.approx(ours, rel=EXACT_RTOL)


def test_contact_integral_d2_factorises():
    net1, net2 = GaussNet(sigma_w=1.2, d_in=1), GaussNet(sigma_w=1.2 * np.sqrt(2), d_in=2)
    # sigma_W^2 / d_in equal: the d=2 Gaussian integral over points on the diagonal factorises
    pts = np.array([0.1, -0.2, 0.3, 0.05])
    nk2 = contact_integral(net2, np.stack([pts, np.zeros(4)], -1))
    nk1x, nk1y = contact_integral(net1, pts), contact_integral(net1, np.zeros(4))
    assert nk2 == pytest.approx(2.0 ** 4 * nk1x * nk1y / 1.2 ** 8, rel=EXACT_RTOL)


def test_quartic_coupling_sign_and_width_law():
    pts = np.array([-0.01, -0.006, 0.002, 0.01])
    net = GaussNet()
    u = [net.quartic_coupling(pts, w) for w in (10, 100)]
    assert u[0] < 0 and u[0] / u[1] == pytest.approx(10, rel=EXACT_RTOL)
    with pytest.raises(ValueError, match="cutoff"):
        ReLUNet().quartic_coupling(pts, 10)
    with pytest.raises(ValueError, match="4 points"):
        net.quartic_coupling(np.zeros(6), 10)
