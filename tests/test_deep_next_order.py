"""The tanh architecture of issue 17: registry, description and ``nnqft deep criticality --arch tanh``."""
import numpy as np
import pytest
from click.testing import CliRunner

import nnqft_sym as nq
from nnqft_cli.main import cli


def test_tanh_is_registered_and_round_trips():
    assert nq.ARCHITECTURES["tanh"] is nq.TanhNet
    net = nq.make_network("tanh", sigma_w=1.5, sigma_b=0.2, depth=3)
    back = nq.from_description(net.describe())
    assert type(back) is nq.TanhNet and back.depth == 3 and float(back.sigma_w) == 1.5


def test_tanh_kernel_by_quadrature():
    # K(x, x) = sigma_b^2 + sigma_W^2 E[tanh(z)^2], z ~ N(0, 1 + 1/4): 200-node Gauss-Hermite
    u, w = np.polynomial.hermite_e.hermegauss(200)
    expected = 1.0 + np.tanh(np.sqrt(1.25) * u) ** 2 @ w / np.sqrt(2 * np.pi)
    assert float(nq.TanhNet().kernel(0.5, 0.5)) == pytest.approx(expected, rel=1e-10)


def test_criticality_arch_tanh(tmp_path):
    out = tmp_path / "crit"
    result = CliRunner().invoke(cli, ["deep", "criticality", "--arch", "tanh", "--depth", "6",
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "activation: tanh(z)" in result.output
    assert "K*=0" in result.output and "sigma_b = 0, sigma_W = 1" in result.output
    assert (out / "kernel_flow.png").stat().st_size > 0
