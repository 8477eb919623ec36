"""The action to O(1/N^2) from the exact correlators and feynman's diagrams (DHMSS arXiv:2307.03223).

Independent route in zero dimensions (one input point, every quantity a number): the cumulants
of exp(-S(f)) for the reconstructed polynomial action, expanded in epsilon = 1/N with Gaussian
moments (no diagram involved, as in tests/test_feynman_zero_dim.py), must reproduce the exact
K, kappa_4 and kappa_6 of the network to O(epsilon^2).  On several points the reconstructed
action re-predicts the exact 4- and 6-point tensors through the diagrams, and the exact 1/N
series of ``net.delta_green_series`` fixes which orders exist.
"""
import numpy as np
import pytest
import sympy as sp

from feynman import reconstruct_action
from nnqft_sym import CosNet, ErfNet, GaussNet, ReLUNet, amputate

x, eps = sp.symbols("x epsilon")


def _gaussian_expectation(poly, variance):
    out = sp.Integer(0)
    for (power,), coeff in sp.Poly(sp.expand(poly), x).terms():
        if power % 2 == 0:
            out += coeff * sp.factorial2(power - 1) * variance ** (power // 2)
    return out


def _cumulants_of_action(k, g2, g4, g6):
    """kappa_2, kappa_4, kappa_6 of exp(-x^2/2K - g2 x^2/2 - g4 x^4/4! - g6 x^6/6!) to eps^2,
    with g2 = eps g2[0] + eps^2 g2[1], g4 likewise, g6 = eps^2 g6."""
    coupling2 = eps * g2[0] + eps ** 2 * g2[1]
    coupling4 = eps * g4[0] + eps ** 2 * g4[1]
    v = coupling2 * x ** 2 / 2 + coupling4 * x ** 4 / 24 + eps ** 2 * g6 * x ** 6 / 720
    weight = sp.expand(1 - v + v ** 2 / 2)
    trunc = lambda e: sp.series(sp.expand(e), eps, 0, 3).removeO()  # noqa: E731
    moments = {n: _gaussian_expectation(x ** n * weight, k) for n in (0, 2, 4, 6)}
    m = {n: trunc(moments[n] * trunc(1 / moments[0])) for n in (2, 4, 6)}
    k2 = m[2]
    k4 = trunc(m[4] - 3 * m[2] ** 2)
    k6 = trunc(m[6] - 15 * m[4] * m[2] + 30 * m[2] ** 3)
    return [sp.Poly(trunc(c), eps).all_coeffs()[::-1] + [0] * 3 for c in (k2, k4, k6)]


@pytest.mark.parametrize("net", [GaussNet(), ReLUNet(), ErfNet()], ids=lambda n: n.name)
def test_zero_dimensional_action_reproduces_the_exact_cumulants(net):
    width, point = 10, 0.7
    act = reconstruct_action(net, [point], width)
    k = float(net.kernel(point, point))
    kappa4 = float(net.connected_green([point] * 4, width))
    kappa6 = float(net.connected_green([point] * 6, width))
    g2 = [float(a.item()) for a in act.g2]
    g4 = [float(a.item()) for a in act.g4]
    (k2, k4, k6) = _cumulants_of_action(sp.Float(k, 30), g2, g4, float(act.g6.item()))
    assert float(k2[0]) == pytest.approx(k, rel=1e-12)
    assert abs(float(k2[1])) < 1e-10 and abs(float(k2[2])) < 1e-9 * max(1, abs(g2[1]))
    assert float(k4[1]) == pytest.approx(kappa4, rel=1e-10)
    assert abs(float(k4[2])) < 1e-9 * abs(g4[1]) * k ** 4
    assert float(k6[2]) == pytest.approx(kappa6, rel=1e-9)


def test_zero_dimensional_closed_forms_of_the_second_order():
    """g6 = -kappa6/K^6 + 10 g4^2 K (tree exchange) and g4^(2) = (3/2) g4^2 K^2 - (1/2) g6 K
    (three one-loop bubbles and the g6 tadpole; the leg tadpoles cancel with g2)."""
    net = GaussNet()
    act = reconstruct_action(net, [0.2], 10)
    k = float(net.kernel(0.2, 0.2))
    g4, g6 = act.g4[0].item(), act.g6.item()
    kappa6 = float(net.connected_green([0.2] * 6, 10))
    assert g6 == pytest.approx(-kappa6 / k ** 6 + 10 * g4 ** 2 * k, rel=1e-12)
    assert act.g4[1].item() == pytest.approx(1.5 * g4 ** 2 * k ** 2 - 0.5 * g6 * k, rel=1e-12)


def test_exact_series_has_no_one_over_n_squared_four_point():
    """A one-layer network: Delta G^(4) is exactly O(1/N) (so the one-loop 4-point of the O(1/N)
    action is a genuine discrepancy, absorbed by g4^(2)) and kappa_6 is the 1/N^2 part of
    Delta G^(6)."""
    net, p = ReLUNet(), 0.7
    series4 = net.delta_green_series([p] * 4)
    assert set(series4) == {1} or float(series4.get(2, 0)) == 0
    series6 = net.delta_green_series([p] * 6)
    act = reconstruct_action(net, [p], 10)
    assert float(series6[2]) / 100 == pytest.approx(act.connected6.item(), rel=1e-10)
    assert abs(act.one_loop_four_point.item()) > 0


def test_point_set_reconstruction_re_predicts_the_exact_tensors():
    net, pts = CosNet(), [0.0, 0.7, 1.5]
    act = reconstruct_action(net, pts, 10)
    assert np.allclose(act.predict(4, 1), act.leading.connected4, rtol=1e-9, atol=1e-13)
    assert np.allclose(act.predict(6, 2), act.connected6, atol=1e-7 * np.abs(act.connected6).max())
    for legs in (2, 4):
        assert np.abs(act.predict(legs, 2)).max() < 1e-7
    assert np.abs(act.predict(2, 1)).max() < 1e-12
    # the dressed g4^2 exchange tree is what g6 adds to -amp G_c^(6)
    kernel = act.leading.kernel
    assert np.allclose(act.exchange_six_point - amputate(act.g6, kernel), act.connected6,
                       atol=1e-7 * np.abs(act.connected6).max())
