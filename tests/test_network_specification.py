"""Network as a specification with a facade above the derivations (issue 13).

The first-layer prior decides the Gaussian / phase-average branches (a cos-net subclass with
another activation used to get the cos-net kernel silently), one momentum symbol, the weight
kernel K - sigma_b^2 defined once, and the deprecated aliases.
"""
import warnings

import numpy as np
import pytest
import sympy as sp

import feynman
import nnqft_sym as nq
import numeric
from nnqft_sym import CosNet, ErfNet, GaussNet, Network, ReLUNet, Z
from nnqft_sym.specification import NetworkSpec


def test_network_is_the_specification_with_derivation_methods():
    net = GaussNet(sigma_w=1.5)
    assert isinstance(net, NetworkSpec) and isinstance(net, Network)
    # the facade method is the derivation function, called directly
    assert net.kernel(0.2, -0.1) == nq.kernel_numeric(net, 0.2, -0.1)
    # a bare specification goes through the derivation functions without the facade
    spec = NetworkSpec(sp.exp(Z), sigma_w=1.5, normalisation=1 / sp.sqrt(sp.exp(2 * nq.S)))
    assert float(nq.kernel_numeric(spec, 0.2, -0.1)) == pytest.approx(float(net.kernel(0.2, -0.1)),
                                                                       rel=1e-14)
    assert nq.green(spec, [0.1, 0.2, 0.3, 0.4], 10) == pytest.approx(
        net.green([0.1, 0.2, 0.3, 0.4], 10), rel=1e-13)


@pytest.mark.parametrize("net,gaussian", [(GaussNet(), True), (ReLUNet(), True), (ErfNet(), True),
                                          (Network(sp.tanh(Z)), True), (CosNet(), False)])
def test_first_layer_is_gaussian_comes_from_the_first_layer_prior(net, gaussian):
    assert net.first_layer_is_gaussian is gaussian
    assert (net.frequency_prior is None) is gaussian
    assert net.priors.first_layer_is_gaussian is gaussian


def test_a_cos_net_subclass_with_another_activation_is_an_error():
    """It used to return the cos-net kernel sigma_b^2 + sigma_W^2 E[cos(w (x - y))] for tanh."""
    class TanhCos(CosNet):
        def __init__(self, **params):
            super().__init__(**params)
            self.activation = sp.tanh(Z)

    with pytest.raises(ValueError, match="cos"):
        TanhCos().kernel(0.1, 0.3)

    class BypassCos(CosNet):          # skips CosNet.__init__: the class's prior still holds
        def __init__(self):
            Network.__init__(self, sp.tanh(Z))

    with pytest.raises(ValueError, match="cos"):
        BypassCos().kernel_expr()


def test_preactivation_is_gaussian_is_a_deprecated_alias():
    with pytest.warns(DeprecationWarning, match="first_layer_is_gaussian"):
        assert GaussNet().preactivation_is_gaussian is True
    with pytest.warns(DeprecationWarning):
        assert CosNet().preactivation_is_gaussian is False


def test_one_momentum_symbol():
    """nnqft_sym.P and nnqft_sym.bayesian_rg.P were different symbols that print the same."""
    from nnqft_sym import bayesian_rg, rg
    assert nq.P is bayesian_rg.P is rg.P
    # substituting one into an expression built with the other now acts
    assert bayesian_rg.GeneralisedCosNet.free_scalar(d_in=1, mass=1).momentum_propagator.subs(nq.P, 0) \
        .free_symbols.isdisjoint({nq.P})


def test_weight_kernel_is_kernel_minus_bias_variance():
    net = ReLUNet(sigma_w=1.3, sigma_b=0.7)
    x, y = np.array([0.1, -0.4, 2.0]), np.array([0.3, 0.3, -1.0])
    np.testing.assert_allclose(nq.weight_kernel(net, x, y), net.kernel(x, y) - 0.49, rtol=1e-14)
    a, b = sp.symbols("a b", real=True)
    assert sp.simplify(nq.weight_kernel(GaussNet(sigma_w=2, sigma_b=5), a, b)
                       - 4 * sp.exp(-2 * (a - b) ** 2)) == 0


def test_deprecated_aliases_warn_and_still_work():
    with pytest.warns(DeprecationWarning, match="gaussian_weight_kernel"):
        assert feynman.gaussian_parameters(GaussNet(sigma_w=2)) == (4, 2)
    description = GaussNet(sigma_w=2).describe()
    with pytest.warns(DeprecationWarning, match="from_description"):
        net = numeric.network_from_description(description)
    assert repr(net) == repr(nq.from_description(description))


def test_own_code_does_not_use_the_deprecated_aliases():
    pts = [0.1, 0.2, 0.3, 0.4]
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        for net in (GaussNet(), CosNet(), ReLUNet(depth=2)):
            net.kernel(0.1, 0.2)
            net.free_green(pts)
        GaussNet().green(pts, 10)
        CosNet().momentum_propagator()
        feynman.tree_level_four_point(GaussNet(), pts)
        feynman.generate(4, {4: 1})[0].evaluate(GaussNet(), pts)
