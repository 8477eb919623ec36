"""O(N) NN-QFT flows of multi-output networks: the invariant quartic coupling feeds the flows.

Independent check: for the O(N) theory (lambda/4!)(f.f)^2 the one-loop coefficient of lambda^2
is (N + 8)/9 times the one-component one (e.g. Zinn-Justin, Quantum Field Theory and Critical
Phenomena, ch. 11); in the LPA at lambda_1 = lambda_3 = 0 this ratio is exact.
"""
import numpy as np
import pytest
import sympy as sp

from nnqft_sym import GaussNet
from nnqft_sym.multi_output import invariant_quartic_coupling
from nnqft_sym.rg import U4, U6, gaussnet_flow, multi_output_couplings, passive_flow

POINTS = [-0.01, -0.006, 0.002, 0.01]


@pytest.mark.parametrize("n_comp", [2, 3, 5])
def test_els_flow_has_the_o_n_one_loop_factor(n_comp):
    one = sp.expand(gaussnet_flow(1).beta[U4].subs(U6, 0)).coeff(U4, 2)
    many = sp.expand(gaussnet_flow(1, n_components=n_comp).beta[U4].subs(U6, 0)).coeff(U4, 2)
    assert sp.simplify(many / one - sp.Rational(n_comp + 8, 9)) == 0


def test_multi_output_coupling_starts_the_o_n_passive_flow():
    net = GaussNet(sigma_w=1.0, d_in=1, d_out=3)
    start = multi_output_couplings(net, POINTS, 10)
    assert start.n_components == 3
    assert start.u4 == pytest.approx(float(invariant_quartic_coupling(net, POINTS, 10).coupling))
    assert start.u4 == pytest.approx(float(GaussNet(sigma_w=1.0, d_in=1).quartic_coupling(POINTS, 10)))
    ks = [10.0, 9.0]
    on = passive_flow(net, start.u4, 0.0, ks, n_components=3)
    single = passive_flow(net, start.u4, 0.0, ks)
    # the running of u4 over a short step is O(u4^2): its ratio is (N + 8)/9 to O(u4)
    ratio = (on.u4[-1] - on.u4[0]) / (single.u4[-1] - single.u4[0])
    assert ratio == pytest.approx(11 / 9, rel=5 * abs(start.u4))
    assert np.all(np.isfinite(on.u6))
