"""One N_K: the core's contact integral (nnqft_sym.couplings.contact_integral) is also the
Wilsonian flow's N_K^Lambda (nnqft_sym.rg.cutoff_contact_integral).

Independent references: the values of the former Wilsonian adaptive quadrature (SciPy ``quad``
with break points at 0 and the x_i, epsrel 1e-12), recorded before the Wilsonian flow was moved
onto the core definition; the closed form N_K = (sigma_W^4/2)^4 prod x_i Lambda^5/5 of ReLU at
sigma_b = 0 with positive inputs (K_W(x, x_i) = sigma_W^4 x x_i / 2 for x > 0, 0 for x < 0); and
an mpmath integral of the arcsine kernel of the Erf-net written out here.
"""
import math

import mpmath as mp
import numpy as np
import pytest

from nnqft_sym import ErfNet, GaussNet, LeakyReLUNet, ReLUNet, contact_integral
from nnqft_sym.rg import cutoff_contact_integral

POINTS = [-0.5, -0.2, 0.3, 0.6]

#: (network, points, cutoff, N_K of the former nnqft_sym.rg.wilsonian adaptive quadrature)
FORMER_WILSONIAN = [
    (ReLUNet(), POINTS, 2.0, 0.3858180269173117),
    (ReLUNet(), POINTS, 100.0, 2493011.4360755496),
    (ReLUNet(sigma_w=1.3, sigma_b=1e-6), [0.2, 0.3, 0.5, 0.7], 3.0, 4.24452619583952),
    (ReLUNet(sigma_b=0), [0.2, 0.3, 0.5, 0.7], 1.0, 0.00026250000000000004),
    (ErfNet(), POINTS, 2.0, 0.050162389893115236),
    (ErfNet(), POINTS, 400.0, 0.9308192871794883),
    (LeakyReLUNet(slope=0.2), POINTS, 5.0, 0.7760868053522044),
    (GaussNet(), POINTS, 3.0, 0.8700464745797047),
]


@pytest.mark.parametrize("net,points,cutoff,former", FORMER_WILSONIAN,
                         ids=[f"{c[0].name}-{c[2]:g}" for c in FORMER_WILSONIAN])
def test_wilsonian_nk_is_unchanged(net, points, cutoff, former):
    # the largest change measured when the Wilsonian flow moved onto the core: 2.4e-13
    value = cutoff_contact_integral(net, points, cutoff)
    assert value == pytest.approx(former, rel=1e-11)
    assert value == contact_integral(net, points, cutoff=cutoff)   # one definition


def test_relu_homogeneous_closed_form():
    pts = np.array([0.2, 0.3, 0.5, 0.7])
    for sigma_w, cutoff in [(1.0, 1.0), (1.3, 3.0), (0.7, 10.0)]:
        closed = (sigma_w ** 4 / 2) ** 4 * np.prod(pts) * cutoff ** 5 / 5
        value = contact_integral(ReLUNet(sigma_w=sigma_w, sigma_b=0), pts, cutoff=cutoff)
        assert value == pytest.approx(closed, rel=1e-12)


def _erf_weight_kernel(x, y, sigma_w=1.0, sigma_b=1.0):
    """K_W = sigma_W^2 (2/pi) arcsin(2 s_xy / sqrt((1 + 2 s_xx)(1 + 2 s_yy))), d_in = 1."""
    def s(a, b):
        return sigma_b ** 2 + sigma_w ** 2 * a * b
    return sigma_w ** 2 * 2 / mp.pi * mp.asin(2 * s(x, y) / mp.sqrt((1 + 2 * s(x, x)) * (1 + 2 * s(y, y))))


def test_erf_contact_integral_against_mpmath():
    mp.mp.dps = 20
    cutoff = 2.0
    breaks = sorted({-cutoff, 0.0, *POINTS, cutoff})
    reference = mp.quad(lambda x: mp.fprod(_erf_weight_kernel(x, mp.mpf(p)) for p in POINTS), breaks)
    assert cutoff_contact_integral(ErfNet(), POINTS, cutoff) == pytest.approx(float(reference), rel=1e-12)


def test_batched_points_equal_one_by_one():
    net = ReLUNet(sigma_b=0.3)
    batch = np.array([POINTS, [0.1, 0.2, 0.3, 0.4], [-0.9, 0.0, 0.9, 1.5]])[..., None]
    together = contact_integral(net, batch, cutoff=1.2)
    one_by_one = [contact_integral(net, b, cutoff=1.2) for b in batch]
    np.testing.assert_allclose(together, one_by_one, rtol=1e-14)


def test_gauss_net_box_tends_to_the_closed_form():
    closed = contact_integral(GaussNet(), POINTS)
    assert cutoff_contact_integral(GaussNet(), POINTS, 12.0) == pytest.approx(closed, rel=1e-13)
    assert contact_integral(GaussNet(), [0.0] * 4) == pytest.approx(math.sqrt(math.pi / 2), rel=1e-14)


def test_contact_integral_at_rounding_level_is_refused_not_returned():
    """ReLU at sigma_b = 0, d_in = 1, inputs of both signs: every y is on the far side of one
    input, so K_W(y, x_i) = 0 for some i and N_K = 0 exactly; the quadrature returned 4e-70
    (and u4 = -Delta G / N_K a number) before the Cauchy-Schwarz check."""
    net = ReLUNet(sigma_b=0)
    with pytest.raises(ValueError, match="N_K = 0 at the points \\[\\[-0.5\\], \\[0.3\\], \\[0.6\\], \\[0.9\\]\\]"):
        contact_integral(net, [-0.5, 0.3, 0.6, 0.9], cutoff=2.0)
    with pytest.raises(ValueError, match="u4 = -Delta G / N_K is undefined"):
        net.quartic_coupling([-0.5, 0.3, 0.6, 0.9], 10, cutoff=2.0)
    # the same inputs on one side: N_K = (1/2)^4 x1 x2 x3 x4 int_0^2 y^4 dy, exactly
    assert contact_integral(net, [0.3, 0.3, 0.6, 0.9], cutoff=2.0) == pytest.approx(
        0.5 ** 4 * 0.3 * 0.3 * 0.6 * 0.9 * 2 ** 5 / 5, rel=1e-12)
