"""The renamed names of the one vocabulary (d_in, noise_std, contact_integral, density_constant,
field_rescaling): each former name still works for one release, with a DeprecationWarning, and
gives the same value as the new name; giving both is a TypeError. One deprecation helper."""
import numpy as np
import pytest
import sympy as sp

import nnqft_sym as nq
import numeric._deprecation
from feynman import generate
from nnqft_sym import _deprecation, bayesian_rg, rg
from nnqft_sym.bayesian_rg import GeneralisedCosNet, fisher_metric, last_layer_fisher_metric
from nnqft_sym.frequency_priors import FreeScalarFrequencyPrior, angular_average
from numeric.couplings import QuarticCouplings

DEPRECATED = pytest.warns(DeprecationWarning, match="is deprecated, use")


def test_one_deprecation_helper():
    for name in numeric._deprecation.__all__:
        assert getattr(numeric._deprecation, name) is getattr(_deprecation, name)


def test_noise_std_in_the_symbolic_bayesian_rg():
    a, x = sp.symbols("a x", real=True)
    new = fisher_metric(a * x, [a], x, box=2, noise_std=sp.Rational(1, 2))
    assert new[0, 0] == sp.Rational(4, 3)               # E[x^2] = 1/3 on [-1, 1], / (1/4)
    with DEPRECATED:
        assert fisher_metric(a * x, [a], x, box=2, sigma_n=sp.Rational(1, 2)) == new
    with pytest.raises(TypeError, match="both 'noise_std' and its deprecated alias 'sigma_n'"):
        fisher_metric(a * x, [a], x, box=2, sigma_n=1, noise_std=1)
    with DEPRECATED:
        assert last_layer_fisher_metric([x], x, box=2, sigma_n=1) == \
            last_layer_fisher_metric([x], x, box=2, noise_std=1)
    with DEPRECATED:
        assert bayesian_rg.SIGMA_N is bayesian_rg.NOISE_STD
    with pytest.raises(AttributeError, match="no attribute"):
        bayesian_rg.NOT_A_NAME  # noqa: B018


def test_generalised_cos_net_d_in_noise_std_and_density_constant():
    net = GeneralisedCosNet.free_scalar(d_in=1, mass=1, radius=2, noise_std=sp.Rational(1, 3))
    assert net.d_in == 1 and net.noise_std == sp.Rational(1, 3)
    with DEPRECATED:
        old = GeneralisedCosNet.free_scalar(d=1, mass=1, radius=2, sigma_n=sp.Rational(1, 3))
    assert old == net
    with DEPRECATED:
        assert GeneralisedCosNet(net.shape, d=1, radius=2, noise_std=sp.Rational(1, 3)) == net
    with DEPRECATED:
        assert net.d == 1
    with DEPRECATED:
        assert net.sigma_n == sp.Rational(1, 3)
    # C = 1 / int_0^2 dp 2/(p^2 + 1) = 1/(2 atan 2) (Omega_1 = 2)
    assert sp.simplify(net.density_constant() - 1 / (2 * sp.atan(2))) == 0
    with DEPRECATED:
        assert net.normalisation() == net.density_constant()
    with DEPRECATED:
        assert bayesian_rg.NORM is bayesian_rg.DENSITY_CONSTANT


def test_frequency_prior_density_constant():
    prior = FreeScalarFrequencyPrior(mass=1.0, cutoff=2.0)
    net = nq.CosNet(d_in=1, frequency_prior=prior)
    with DEPRECATED:
        assert prior.normalisation(net) == prior.density_constant(net)


def test_d_in_of_angular_average_flow_and_momentum_expression():
    with DEPRECATED:
        assert angular_average(d=3, t=0.5) == angular_average(d_in=3, t=0.5)
    assert angular_average(3, 0.5) == pytest.approx(np.sin(0.5) / 0.5, rel=1e-14)
    flow = rg.gaussnet_flow(1)
    assert flow.d_in == 1
    with DEPRECATED:
        assert flow.d == 1
    (tadpole,) = [d for d in generate(2, {4: 1}) if d.is_connected]
    with DEPRECATED:
        old = tadpole.momentum_expression(couplings={4: 1}, dimension=1)
    assert old == tadpole.momentum_expression(couplings={4: 1}, d_in=1)


def test_contact_integral_and_field_rescaling_former_names():
    pts = [-0.5, -0.2, 0.3, 0.6]
    with DEPRECATED:
        assert nq.normalisation_integral(nq.GaussNet(), pts) == nq.contact_integral(nq.GaussNet(), pts)
    with DEPRECATED:
        assert rg.cutoff_normalisation(nq.ErfNet(), pts, 2.0) == \
            rg.cutoff_contact_integral(nq.ErfNet(), pts, 2.0)
    net = nq.GaussNet(sigma_w=sp.Symbol("sigma_W", positive=True), d_in=1)
    with DEPRECATED:
        assert rg.field_normalisation(net) == rg.field_rescaling(net)
    assert nq.normalisation_integral.__name__ == "normalisation_integral"


def test_quartic_couplings_contact_integral_field():
    fields = {name: np.zeros(1) for name in QuarticCouplings.__dataclass_fields__}
    fields.update(widths=(10,), reference_kind="exact")
    q = QuarticCouplings(**fields)
    with DEPRECATED:
        assert q.normalisation is q.contact_integral
    del fields["contact_integral"]
    with DEPRECATED:
        old = QuarticCouplings(normalisation=np.ones(1), **fields)
    assert old.contact_integral[0] == 1.0
