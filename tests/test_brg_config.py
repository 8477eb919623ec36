"""BRGConfig: the parameters of a Bayesian-RG run (validation, JSON round trip, keyword
compatibility of run_brg_experiment), the SymPy-defined feature map and the noise alias."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest
import sympy as sp

from nnqft_sym import CosNet, ReLUNet
from nnqft_sym.architectures import Z
from numeric import BRGConfig as exported_config
from numeric.bayesian_rg import (BRGConfig, InputDistribution, RandomFeatureMap,
                                 run_brg_experiment, sample_feature_map, write_brg_report)
from numeric.storage import load_json

SMALL = dict(n_members=5, width=30, n_train=20, n_test=15, n_mc=500, n_fisher=100,
             n_bootstrap=10)


def _assert_bit_identical(a, b):
    for name, value in a.arrays().items():
        assert value.tobytes() == b.arrays()[name].tobytes(), name
    assert str(a.fisher_check) == str(b.fisher_check)
    assert a.config == b.config


@pytest.mark.parametrize("kwargs,exc,name", [
    (dict(n_members=2), ValueError, "n_members"),
    (dict(width=0), ValueError, "width"),
    (dict(width=2.5), TypeError, "width"),
    (dict(n_train=True), TypeError, "n_train"),
    (dict(n_probes=1), ValueError, "n_probes"),
    (dict(n_mc=5), ValueError, "n_mc"),
    (dict(gd_steps=-1), ValueError, "gd_steps"),
    (dict(n_fisher=1), ValueError, "n_fisher"),
    (dict(n_fisher_members=-1), ValueError, "n_fisher_members"),
    (dict(n_bootstrap=-2), ValueError, "n_bootstrap"),
    (dict(n_modes=0), ValueError, "n_modes"),
    (dict(noise_std=0.0), ValueError, "noise_std"),
    (dict(noise_std="0.1"), TypeError, "noise_std"),
    (dict(threshold=-0.1), ValueError, "threshold"),
    (dict(mass=0.0), ValueError, "mass"),
    (dict(radius=math.inf), ValueError, "radius"),
    (dict(sigma_w=-1.0), ValueError, "sigma_w"),
    (dict(sigma_b=-1.0), ValueError, "sigma_b"),
    (dict(probe_spacing=0), ValueError, "probe_spacing"),
    (dict(target_cutoff=math.nan), ValueError, "target_cutoff"),
    (dict(features="tanh"), ValueError, "features"),
    (dict(training="adam"), ValueError, "training"),
    (dict(reset="zero"), ValueError, "reset"),
    (dict(cutoffs=[2.0, 1.0]), ValueError, "cutoffs"),
    (dict(cutoffs=[1.0]), ValueError, "cutoffs"),
    (dict(cutoffs=["1", "2"]), TypeError, "cutoffs"),
    (dict(inputs={"kind": "box"}), TypeError, "inputs"),
    (dict(seed=-1), ValueError, "seed"),
    (dict(seed="0"), TypeError, "seed"),
])
def test_config_errors_name_the_parameter(kwargs, exc, name):
    with pytest.raises(exc, match=name):
        BRGConfig(**kwargs)
    with pytest.raises(exc, match=name):  # the keyword call builds the same configuration
        run_brg_experiment(**{**SMALL, **kwargs}, progress=False)


def test_unknown_parameters_and_positional_sizes_are_refused():
    with pytest.raises(TypeError, match="n_member"):
        run_brg_experiment(n_member=5, progress=False)
    with pytest.raises(TypeError, match="n_member"):
        BRGConfig().replace(n_member=5)
    with pytest.raises(TypeError, match="config must be a BRGConfig"):
        run_brg_experiment(5, progress=False)


def test_config_round_trips_through_json_and_result_metadata(tmp_path):
    cfg = BRGConfig(**SMALL, features="cos", cutoffs=[0.1, 1.0, 10.0], noise_std=0.2,
                    inputs=InputDistribution("gauss", 3, 0.5, 0.7),
                    seed=np.random.SeedSequence(11).spawn(2)[1])
    record = json.loads(json.dumps(cfg.to_dict()))
    back = BRGConfig.from_dict(record)
    assert back.to_dict() == cfg.to_dict()
    assert back.cutoffs == (0.1, 1.0, 10.0) and back.inputs == cfg.inputs
    assert back.seed.spawn_key == (1,) and back.seed.entropy == 11
    # an int seed stays an int, a None seed is fixed once: the config is a pure description
    assert BRGConfig.from_dict(BRGConfig(seed=7).to_dict()) == BRGConfig(seed=7, inputs=
                                                                         BRGConfig().input_distribution)
    unseeded = BRGConfig(**SMALL, seed=None)
    assert isinstance(unseeded.seed, int)
    result = run_brg_experiment(cfg, progress=False)
    assert result.config == cfg.to_dict()
    write_brg_report(result, tmp_path)
    stored = BRGConfig.from_dict(load_json(tmp_path / "metadata.json")["config"])
    _assert_bit_identical(result, run_brg_experiment(stored, progress=False))
    _assert_bit_identical(result, run_brg_experiment(result.brg_config, progress=False))
    _assert_bit_identical(run_brg_experiment(unseeded, progress=False),
                          run_brg_experiment(unseeded, progress=False))


def test_keyword_call_equals_config_call_bit_for_bit():
    kw = dict(SMALL, features="relu", training="gd", gd_steps=50, reset="mean",
              n_fisher_members=2, seed=3)
    by_keyword = run_brg_experiment(**kw, progress=False)
    cfg = BRGConfig(**kw)
    _assert_bit_identical(by_keyword, run_brg_experiment(cfg, progress=False))
    # a config plus keyword overrides: the keywords win
    _assert_bit_identical(by_keyword, run_brg_experiment(cfg.replace(seed=0), seed=3,
                                                         progress=False))
    assert exported_config is BRGConfig


@pytest.mark.parametrize("kind,network", [("relu", ReLUNet()), ("cos", CosNet())])
def test_feature_map_is_the_lambdified_sympy_activation(kind, network):
    rng = np.random.default_rng(8)
    fmap = sample_feature_map(kind, 25, 2, rng)
    assert fmap.network.family == kind and fmap.network.activation == network.activation
    phi = sp.lambdify(Z, network.activation, "numpy")  # independent of the sampler's code
    x = rng.normal(scale=2.0, size=(40, 2))
    expected = fmap.amplitude * phi(x @ fmap.w.T + fmap.b)
    np.testing.assert_allclose(fmap(x), expected, rtol=1e-15, atol=0)
    # a feature map built by hand gets the family's network; a mismatched one is refused
    assert RandomFeatureMap(kind, fmap.w, fmap.b, fmap.amplitude, 1.0).network.family == kind
    other = CosNet() if kind == "relu" else ReLUNet()
    with pytest.raises(ValueError, match="network"):
        RandomFeatureMap(kind, fmap.w, fmap.b, fmap.amplitude, 1.0, other)


def test_sigma_n_is_a_deprecated_alias_of_noise_std():
    ref = run_brg_experiment(**SMALL, noise_std=0.3, progress=False)
    with pytest.warns(DeprecationWarning, match="'sigma_n' is deprecated, use 'noise_std'"):
        old = run_brg_experiment(**SMALL, sigma_n=0.3, progress=False)
    _assert_bit_identical(ref, old)
    with pytest.raises(TypeError, match="give 'noise_std' only"):
        run_brg_experiment(**SMALL, sigma_n=0.3, noise_std=0.3, progress=False)
