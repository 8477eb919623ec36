"""Networks whose infinite-width kernel nnqft cannot compute are still measurable.

A kinked activation with a continuous first-layer weight law at d_in > 1 (or any non-Gaussian
first layer at d_in > 3) has no exact first-layer integral, so neither exact correlators nor
the kernel K exist in nnqft.  The refusal used to advise "measure it with numeric.measure",
which then failed at the same integral (the conditional estimator's control variate and G_0
both need K).  Now ``measure(..., exact=False)`` picks the plain estimator and reports G^(n)
with G_0 = NaN (a RuntimeWarning says why).
"""
from __future__ import annotations

import numpy as np
import pytest

import numeric
from nnqft_sym import ErfNet, ReLUNet
from tests.tolerances import assert_mc_agrees


def test_kinked_net_with_a_continuous_first_layer_law_at_two_inputs_is_measured():
    """Independent check on the diagonal: for ReLU and any symmetric pre-activation z,
    E relu(z)^2 = E z^2 / 2, so G^(2)(x, x) = sigma_b^2 + sigma_W^2 (sigma_W^2 |x|^2 / d_in +
    sigma_b^2) / 2 exactly at every width, whatever the (symmetric) weight law."""
    net = ReLUNet(d_in=2, sigma_w=1.2, sigma_b=0.5).with_priors(first_weights="laplace")
    assert not net.has_gp_kernel and not net.has_exact_finite_width
    pts = np.array([[0.3, -0.9], [0.5, 0.1]])
    with pytest.raises(ValueError, match="exact=False"):
        net.green([pts[0], pts[0]], 3)
    with pytest.warns(RuntimeWarning, match="kernel of these first-layer priors is not computable"):
        result = numeric.measure(net, [3], pts, orders=(2, 4), n_bags=8, n_nets=4000, exact=False)
    assert result.estimator == "plain"
    est = result.estimate(2)
    assert np.all(np.isnan(est.free)) and np.all(np.isnan(est.deviation))
    diagonal = [i for i, c in enumerate(est.combos) if c[0] == c[1] == 0][0]
    z2 = 1.2 ** 2 * np.sum(pts[0] ** 2) / 2 + 0.5 ** 2
    assert_mc_agrees(est.mean[0, diagonal], est.stderr[0, diagonal], 0.25 + 1.44 * z2 / 2,
                     what="G^(2)(x, x)")
    assert np.all(np.isfinite(result.estimate(4).mean))


def test_the_conditional_estimator_is_refused_without_a_kernel():
    net = ErfNet(d_in=4).with_priors(first_weights="uniform")
    assert not net.has_gp_kernel
    with pytest.raises(ValueError, match="conditional.*not computable.*plain"):
        numeric.measure(net, [2], np.ones((1, 4)), orders=(2,), n_bags=2, n_nets=100,
                        exact=False, estimator="conditional")
    assert ErfNet(d_in=2).with_priors(first_weights="uniform").has_gp_kernel
