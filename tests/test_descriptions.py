"""Network.describe() / from_description(): what a remote worker receives rebuilds the same net."""
import json

import numpy as np
import pytest
import sympy as sp

import nnqft_sym as nq


@pytest.mark.parametrize("net", [
    nq.GaussNet(sigma_w=1.5, sigma_b=0.5, d_in=2),
    nq.ReLUNet(sigma_w=1.2, depth=3, d_out=2),
    nq.ErfNet(),
    nq.CosNet(sigma_w=0.8, frequency_prior=nq.StudentTFrequencyPrior(nu=2.5)),
    nq.CosNet(frequency_prior=nq.FreeScalarFrequencyPrior(mass=1.0, cutoff=5.0), d_in=2),
    nq.Network(sp.tanh(nq.Z), sigma_w=1.1, sigma_b=0.3, name="tanh-net"),
])
def test_description_round_trip_through_json(net):
    rebuilt = nq.from_description(json.loads(json.dumps(net.describe())))
    assert type(rebuilt) is type(net)
    assert rebuilt.describe() == net.describe()
    x, y = np.array([[0.2] * net.d_in]), np.array([[-0.4] * net.d_in])
    assert rebuilt.kernel(x, y) == pytest.approx(net.kernel(x, y), rel=1e-12)


def test_bad_description():
    with pytest.raises(TypeError, match="describe"):
        nq.from_description({"sigma_w": 1})
