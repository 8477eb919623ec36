"""The ELS active flow for d_out > 1 outputs (issue 20, "the ELS active and passive flows for
d_out > 1").

The dilation argument of :func:`nnqft_sym.rg.dilation_exponent` acts on the inputs only, so the
O(d_out)-invariant quartic coupling of ``multi_output_couplings`` obeys the same
sigma_W du4/dsigma_W = (d_in - 4) u4 as the single-output one.  Independent check: the exact
finite-width coupling recomputed at other sigma_W (and dilated points), not the flow.
"""
from __future__ import annotations

import numpy as np
import pytest

from nnqft_sym import GaussNet
from nnqft_sym.rg import active_flow, dilation_exponent, multi_output_couplings


@pytest.mark.parametrize("d_out", [2, 3])
def test_invariant_coupling_follows_the_active_flow(d_out: int) -> None:
    points = np.array([0.1, 0.2, 0.3, 0.4])
    sigmas = [1.0, 2.0, 4.0]
    start = multi_output_couplings(GaussNet(sigma_w=1.0, d_in=1, d_out=d_out), points, 10)
    assert start.n_components == d_out
    flow = active_flow(GaussNet(sigma_w=1.0, d_in=1, d_out=d_out), start.u4, 0.0, sigmas)
    # u4(x; t sigma_W) = t^(d_in - 4) u4(t x; sigma_W): the exact coupling at sigma_W = s on the
    # points x / s equals the flowed coupling.
    exact = [multi_output_couplings(GaussNet(sigma_w=s, d_in=1, d_out=d_out), points / s, 10).u4
             for s in sigmas]
    np.testing.assert_allclose(flow.u4, exact, rtol=1e-9)
    assert dilation_exponent(GaussNet(d_in=1, d_out=d_out), 4) == -3


def test_coincident_points_slope_is_d_in_minus_4_for_three_outputs() -> None:
    u4 = [multi_output_couplings(GaussNet(sigma_w=s, d_in=1, d_out=3), [0.0] * 4, 10).u4
          for s in (1.0, 2.0, 4.0)]
    slopes = np.diff(np.log(np.abs(u4))) / np.log(2.0)
    np.testing.assert_allclose(slopes, -3.0, atol=1e-12)
