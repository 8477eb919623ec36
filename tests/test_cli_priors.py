"""The ``--prior`` syntax of the CLI for correlated read-outs: a spherical read-out
(:class:`nnqft_sym.SphericalReadout`, quartic lambda) and a shared scale, as a string and in a
TOML/JSON prior file, with a clear error per bad field; the experiment report states the prior."""
from __future__ import annotations

import click
import pytest
import sympy as sp
from click.testing import CliRunner

from nnqft_cli.main import cli
from nnqft_cli.options import parse_priors
from nnqft_sym import ReLUNet, SharedScale, SphericalReadout


def test_spherical_string_and_file_build_the_prior_objects(tmp_path):
    net = ReLUNet().with_priors(**parse_priors(("readout_weights=spherical:1/2",)))
    assert isinstance(net.priors.readout_weights, SphericalReadout)
    assert net.priors.readout_weights.quartic == sp.Rational(1, 2)
    toml = tmp_path / "prior.toml"
    toml.write_text('[readout_weights]\nspherical = 0.25\nvariance = 2\n')
    prior = ReLUNet().with_priors(**parse_priors((str(toml),))).priors.readout_weights
    assert isinstance(prior, SphericalReadout) and prior.base.variance == 2
    shared = tmp_path / "shared.json"
    shared.write_text('{"readout_weights": {"shared_scale": {"law": "finite", "values": [0.5, 1.5], '
                      '"probabilities": [0.5, 0.5]}}}')
    prior = ReLUNet().with_priors(**parse_priors((str(shared),))).priors.readout_weights
    assert isinstance(prior, SharedScale) and float(prior.scale_moment(2)) == pytest.approx(1.25)


@pytest.mark.parametrize("table, match", [
    ("spherical = -1", "readout_weights spherical .*>= 0, got -1"),
    ('spherical = "lambda"', "readout_weights spherical: cannot read"),
    ("spherical = true", "readout_weights spherical .*got True"),
    ('spherical = 0.5\nlaw = "laplace"', "spherical read-out needs the normal law"),
    ('spherical = 0.5\nmean = 1', "spherical read-out needs the normal law and mean 0"),
    ('spherical = 0.5\nshared_scale = {law = "finite", values = [1], probabilities = [1]}',
     "shared_scale or spherical, not both"),
    ("quartic = 0.5", "unknown key.*'quartic'"),
])
def test_bad_fields_name_the_field(tmp_path, table, match):
    path = tmp_path / "prior.toml"
    path.write_text(f"[readout_weights]\n{table}\n")
    with pytest.raises(ValueError, match=match):
        ReLUNet().with_priors(**parse_priors((str(path),)))


def test_bad_strings_and_groups():
    with pytest.raises(click.BadParameter, match="quartic lambda"):
        parse_priors(("readout_weights=spherical:",))
    with pytest.raises(ValueError, match="readout_bias: a spherical prior is supported for the "
                                         "read-out weights only"):
        ReLUNet().with_priors(**parse_priors(("readout_bias=spherical:1",)))


@pytest.mark.parametrize("prior, words", [
    ("readout_weights=spherical:0.5", "readout_weights: spherical, quartic lambda = 0.5"),
    ("shared", "readout_weights: shared scale (finite law)"),
])
def test_hms_report_states_the_prior(tmp_path, prior, words):
    if prior == "shared":
        path = tmp_path / "shared.toml"
        path.write_text('[readout_weights.shared_scale]\nlaw = "finite"\nvalues = [0.5, 1.5]\n'
                        'probabilities = [0.5, 0.5]\n')
        prior = str(path)
    out = tmp_path / "run"
    result = CliRunner().invoke(cli, ["experiment", "hms", "--arch", "relu", "--widths", "3",
                                      "--n-bags", "2", "--n-nets", "200", "--orders", "4",
                                      "--prior", prior, "--out", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    assert words in (out / "report.md").read_text()


def test_deep_hms_with_non_gaussian_hidden_weights_states_the_prior(tmp_path):
    """Depth 2: the leading-1/N reference takes the weights' fourth cumulants (nnqft_sym.deep)."""
    out = tmp_path / "deep"
    result = CliRunner().invoke(cli, ["experiment", "hms", "--arch", "relu", "--depth", "2",
                                      "--widths", "4", "--n-bags", "2", "--n-nets", "200",
                                      "--orders", "4", "--prior", "hidden_weights=rademacher",
                                      "--prior", "readout_weights=uniform", "--out", str(out),
                                      "--no-progress"])
    assert result.exit_code == 0, result.output
    report = (out / "report.md").read_text()
    assert "hidden_weights: law rademacher; readout_weights: law uniform" in report
    assert "leading order in 1/N" in report
