"""Issue 17: the tanh architecture (registry, ``nnqft deep criticality --arch tanh``) and the
next-order four-point function of deep ReLU nets against the conditional estimator."""
import numpy as np
import pytest
from click.testing import CliRunner

import nnqft_sym as nq
import numeric as nm
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


@pytest.mark.parametrize("depth", [2, 3])
def test_relu_next_order_against_the_conditional_estimator(depth):
    # full networks, conditional estimator of numeric (E[f^4 | last hidden layer]); the exact
    # series (a polynomial of degree L in 1/N for ReLU) within 4 standard errors, the leading
    # 1/N term alone excluded (measured at seed 11: z ~ 15-30)
    net = nq.ReLUNet(sigma_w=np.sqrt(2), sigma_b=0.5, depth=depth)
    series = nq.single_input_series(net, 0.5, order=depth)
    free = 3 * series.two_point[0] ** 2
    measured = nm.measure(net, [4, 8], [0.5], orders=(4,), n_bags=10, n_nets=10000, rng=11,
                          estimator="conditional")
    for row in measured.summary():
        n, m4, err = row["width"], row["mean_deviation"], row["mean_deviation_err"]
        exact = series.evaluate(series.delta_four_point, n) / free
        leading = series.delta_four_point[1] / n / free
        assert abs(m4 - exact) < 4 * err, (n, m4, err, exact)
        assert m4 - leading > 8 * err, (n, m4, err, leading)
