"""Bad input to nnqft_sym.edgeworth_density and its density objects: clear errors naming the parameter."""
from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from nnqft_sym import ReLUNet, StandardStudentT, edgeworth_density
from nnqft_sym.errors import DivergentExpectationError

NET = ReLUNet()
SHARED = {"law": "finite", "values": ["1/2", "3/2"], "probabilities": ["1/2", "1/2"]}


@pytest.mark.parametrize("order,exc,match", [
    (3, ValueError, r"order must be 1 \(through O\(1/N\)\) or 2 \(through O\(1/N\^2\)\), got 3"),
    (0, ValueError, "order must be 1 .* or 2 .*, got 0"),
    (1.0, TypeError, "order must be the integer 1 .* or 2 .*, got 1.0"),
    (True, TypeError, "order must be the integer 1"),
    ("2", TypeError, "order must be the integer 1"),
])
def test_bad_order(order, exc, match):
    with pytest.raises(exc, match=match):
        edgeworth_density(NET, [0.5, 1.0], 3, order)


@pytest.mark.parametrize("width,exc,match", [
    (0, ValueError, "width must be a positive integer >= 1, got 0"),
    (-3, ValueError, "width must be a positive integer >= 1, got -3"),
    (2.5, TypeError, "width must be a positive integer"),
    ("4", TypeError, "width must be a positive integer"),
    (sp.Symbol("N", positive=True), TypeError, "the density is numeric, got the symbol N"),
])
def test_bad_width(width, exc, match):
    with pytest.raises(exc, match=match):
        edgeworth_density(NET, [0.5, 1.0], width)


@pytest.mark.parametrize("points,exc,match", [
    ([[0.5, 1.0], [0.2, 0.3]], ValueError, r"points must be one set of k inputs of shape \(k, d_in\)"),
    ([1.0, 1.0], ValueError, "covariance of the outputs at these 2 points is singular"),
    ("0.5", TypeError, "points must be numeric"),
    ([], ValueError, "points must hold at least one point"),
    ([0.5, float("nan")], ValueError, "points must be finite"),
])
def test_bad_points(points, exc, match):
    with pytest.raises(exc, match=match):
        edgeworth_density(NET, points, 3)


def test_outputs_that_are_multiples_of_each_other_are_refused():
    """ReLU at sigma_b = 0 on a ray: f(1.0) = 2 f(0.5) exactly, no density on R^2."""
    with pytest.raises(ValueError, match="singular .* exact multiples"):
        edgeworth_density(ReLUNet(sigma_b=0), [0.5, 1.0], 3)


@pytest.mark.parametrize("net,exc,match", [
    (ReLUNet(depth=2), ValueError, "one hidden layer only, got depth = 2"),
    (ReLUNet(sigma_w=sp.Symbol("s", positive=True)), ValueError, "needs numeric hyper-parameters"),
    (NET.with_priors(readout_weights={"shared_scale": SHARED}), ValueError,
     "shared read-out scale .* stay finite as N -> oo"),
    (NET.with_priors(readout_bias={"law": "laplace"}), ValueError,
     "non-Gaussian read-out bias .*laplace"),
    (NET.with_priors(readout_weights={"law": StandardStudentT(5)}), DivergentExpectationError,
     "order 2 needs the cumulants up to order 6: E.xi.6. diverges"),
    ("relu", TypeError, "net must be a network"),
])
def test_unsupported_networks(net, exc, match):
    with pytest.raises(exc, match=match):
        edgeworth_density(net, [0.5, 1.0], 3, 2)


@pytest.mark.parametrize("f,exc,match", [
    ([0.1], ValueError, r"f must have shape \(\.\.\., 2\).*got shape \(1,\)"),
    ([[0.1, 0.2, 0.3]], ValueError, r"f must have shape \(\.\.\., 2\).*got shape \(1, 3\)"),
    (0.5, ValueError, r"f must have shape \(\.\.\., 2\).*got shape \(\)"),
    ("a", TypeError, "f must be numeric"),
    ([[float("nan"), 0.0]], ValueError, "f must be finite"),
])
@pytest.mark.parametrize("method", ["__call__", "log_density", "correction"])
def test_bad_f(f, exc, match, method):
    density = edgeworth_density(NET, [0.5, 1.0], 3)
    for target in (density, density.gaussian) if method != "correction" else (density,):
        with pytest.raises(exc, match=match):
            getattr(target, method)(f)


def test_one_point_f_needs_its_axis():
    density = edgeworth_density(NET, [1.0], 3)
    with pytest.raises(ValueError, match=r"one point: pass f\[\.\.\., None\]"):
        density(np.linspace(-1, 1, 5))


@pytest.mark.parametrize("data,match", [
    ([0.1, 0.2], r"data must have shape \(n_samples, 2\).*got shape \(2,\)"),
    ([[[0.1, 0.2]]], r"got shape \(1, 1, 2\)"),
    ([[0.1, 0.2, 0.3]], r"got shape \(1, 3\)"),
    ([[np.inf, 0.2]], "data must be finite"),
])
def test_bad_data(data, match):
    density = edgeworth_density(NET, [0.5, 1.0], 3)
    for target in (density, density.gaussian):
        with pytest.raises(ValueError, match=match):
            target.log_likelihood(data)
