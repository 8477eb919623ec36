"""HMS cutoff flow lambda(Lambda) from Monte-Carlo Delta G^(4) (numeric.measure) vs the exact flow.

lambda_measured(Lambda) = -Delta G^(4)_measured / N_K(Lambda), error = bag stderr / |N_K|; the
exact curve is nnqft_sym.rg.wilsonian_flow (exact finite-width Delta G^(4)). Statistics: fixed
seed, z-scores within 4 standard errors, and the measurement must resolve the coupling
(|lambda| > 3 sigma) so that the comparison can fail.
"""
import numpy as np
import pytest

from nnqft_sym import ErfNet, ReLUNet
from nnqft_sym.rg import cutoff_contact_integral, wilsonian_flow
from numeric import measure

POINTS = [-0.5, -0.2, 0.3, 0.6]
CUTOFFS = [0.5, 1.0, 3.0, 10.0, 30.0]


def measured_flow(net, width, n_nets, seed):
    est = measure(net, widths=[width], points=POINTS, orders=(4,), n_bags=10, n_nets=n_nets,
                  rng=seed).estimate(4)
    (i,) = [k for k, c in enumerate(est.combos) if list(c) == [0, 1, 2, 3]]
    assert not np.any(est.heavy_tail)
    nk = np.array([cutoff_contact_integral(net, POINTS, lam) for lam in CUTOFFS])
    return -est.delta[0, i] / nk, est.stderr[0, i] / np.abs(nk)


@pytest.mark.parametrize("net,width,n_nets", [(ReLUNet(), 5, 20000), (ErfNet(), 2, 100000)],
                         ids=["relu", "erf"])
def test_measured_cutoff_flow_matches_exact(net, width, n_nets):
    lam, err = measured_flow(net, width, n_nets, seed=0)
    exact = wilsonian_flow(net, POINTS, width, CUTOFFS).coupling
    z = (lam - exact) / err
    assert np.all(np.abs(z) < 4)
    assert np.all(np.abs(lam) > 3 * err)
