"""No string from a user, a command line or a file is ever executed (issue 21).

Every route that used to pass a string to ``sympy.sympify`` (which calls ``eval``) gets a
payload that would create a file; the test checks the refusal *and* that the file does not
exist afterwards, i.e. that no code ran.
"""
import json

import numpy as np
import pytest
import sympy as sp
from click.testing import CliRunner

import nnqft_sym as nq
from feynman import generate
from feynman.evaluate import gaussian_integral_expr
from feynman.expressions import position_expression
from nnqft_cli.main import cli
from nnqft_sym import bayesian_rg, quadrature
from nnqft_sym.errors import ParseError
from nnqft_sym.rg import (TruncatedAction, critical_exponents, custom_regulator, gaussnet_flow,
                          litim_regulator, loop_measure, lpa_beta_functions)


def _payloads(path):
    """Two ways of running a shell command from a string: dunder import and exec of a literal."""
    return [f"__import__('os').system('touch {path}')",
            f"exec(\"import os; os.system('touch {path}')\")"]


@pytest.fixture(params=[0, 1], ids=["dunder", "exec"])
def attack(request, tmp_path):
    """(payload, marker file); the test asserts the marker never appears."""
    marker = tmp_path / "pwned"
    yield _payloads(marker)[request.param], marker
    assert not marker.exists(), "a string was executed"


# ---------------------------------------------------------------------- the routes
def test_cli_flow_dimension_is_not_executed(attack):
    payload, _ = attack
    out = CliRunner().invoke(cli, ["flow", "--d", f"{payload} or 3", "--truncation", "1"])
    assert out.exit_code == 2 and "--d" in out.output


def test_cli_flow_huge_power_is_refused_at_once():
    out = CliRunner().invoke(cli, ["flow", "--d", "10**10**10", "--truncation", "1"])
    assert out.exit_code == 2 and "digits" in out.output


def test_cli_flow_symbolic_dimension_still_works():
    out = CliRunner().invoke(cli, ["flow", "--d", "4 - eps", "--truncation", "1", "--expansion",
                                   "zero"])
    assert out.exit_code == 0 and "eps" in out.output


def test_green_with_string_points_runs_nothing(attack):
    payload, _ = attack
    with pytest.raises(TypeError, match="points"):
        nq.GaussNet().green([f"{payload} or 0.1", "0.2", "0.3", "0.4"], 10)


@pytest.mark.parametrize("points", ["abcd", ["0.1", "0.2"], np.array(["0.1", "0.2"]),
                                    np.array([0.1, "0.2"], dtype=object), [[0.1], ["0.2"]]])
def test_strings_are_not_points(points):
    with pytest.raises(TypeError, match="points"):
        nq.GaussNet().green(points, 10)


def test_kernel_with_string_points_runs_nothing(attack):
    payload, _ = attack
    with pytest.raises(TypeError, match="x"):
        nq.GaussNet().kernel(payload, 0.1)
    with pytest.raises(TypeError, match="points"):
        nq.GaussNet().kernel_expr(payload, sp.Symbol("y"))


def test_network_string_activation_runs_nothing(attack):
    payload, _ = attack
    with pytest.raises(ParseError, match="activation"):
        nq.Network(f"{payload} * z")
    with pytest.raises(ParseError, match="normalisation"):
        nq.Network("z", normalisation=f"{payload} * s")


def test_network_string_activation_goes_through_the_parser():
    net = nq.Network("tanh(z)", normalisation="exp(-s/2)")
    assert net.activation == sp.tanh(nq.Z)
    assert net.normalisation == sp.exp(-nq.S / 2)


def test_crafted_measurement_json_runs_nothing(attack, tmp_path):
    from numeric import GreenMeasurement, measure, quartic_couplings
    payload, _ = attack
    res = measure(nq.GaussNet(), [4], [[0.1], [0.2], [0.3], [0.4]], orders=(2, 4), n_bags=2,
                  n_nets=200, rng=1)
    path = res.save(tmp_path / "measurement")
    meta_path = path.with_suffix(".json")
    meta = json.loads(meta_path.read_text())
    meta["architecture"].update(family="custom", activation=payload)
    meta_path.write_text(json.dumps(meta))
    loaded = GreenMeasurement.load(path)
    with pytest.raises(ParseError, match="activation"):
        quartic_couplings(loaded)


@pytest.mark.parametrize("key", ["activation", "normalisation", "sigma_w", "sigma_b", "d_in"])
def test_from_description_runs_nothing(attack, key):
    payload, _ = attack
    description = {**nq.Network(sp.tanh(nq.Z)).describe(), key: payload}
    with pytest.raises(ParseError):
        nq.from_description(description)


def test_from_description_prior_class_is_whitelisted():
    description = nq.CosNet().describe()
    description["frequency_prior"] = {"class": "check_positive", "value": "1", "name": "x"}
    with pytest.raises(TypeError, match="describe"):
        nq.from_description(description)


def test_srepr_reader_refuses_calls_outside_the_whitelist(attack):
    payload, _ = attack
    for text in (payload, "Symbol('x').__class__", "Float(" + payload.replace("'", '"') + ")",
                 "exp('x')", "Integer(1)(2)", "Symbol('x', **{'real': True})", "lambdify(1, 2)",
                 "Pow(Integer(10), Pow(Integer(10), Integer(10)))"):
        with pytest.raises(ParseError):
            nq.read_srepr(text)


# ---------------------------------------------------------------------- every other sympify route
def test_rg_dimension_strings_run_nothing(attack):
    payload, _ = attack
    for call in (lambda: lpa_beta_functions(payload, 1),
                 lambda: TruncatedAction(payload, 1),
                 lambda: critical_exponents(payload, 2),
                 lambda: loop_measure(payload),
                 lambda: litim_regulator().threshold(0, payload, 0),
                 lambda: gaussnet_flow(payload)):
        with pytest.raises(TypeError, match="d"):
            call()


def test_rg_expression_strings_run_nothing(attack):
    payload, _ = attack
    p2, k = sp.symbols("p2 k", positive=True)
    with pytest.raises(TypeError, match="regulator"):
        custom_regulator(payload, p2, k)
    with pytest.raises(TypeError, match="support"):
        custom_regulator(k ** 2 * sp.exp(-p2 / k ** 2), p2, k, support=payload)
    with pytest.raises(TypeError, match="kinetic"):
        TruncatedAction(3, 1, kinetic=payload)
    with pytest.raises(TypeError, match="propagator"):
        TruncatedAction.from_propagator(payload, sp.Symbol("q"), 3, 1)


def test_feynman_strings_run_nothing(attack):
    payload, _ = attack
    diagram = generate(2, {2: 1})[0]
    with pytest.raises(TypeError, match="couplings"):
        diagram.latex(couplings={2: payload})
    with pytest.raises(TypeError, match="points"):
        gaussian_integral_expr(diagram, 1, 1, 1, points=[payload, 0])
    with pytest.raises(TypeError, match="amplitude"):
        gaussian_integral_expr(diagram, payload, 1, 1)
    with pytest.raises(TypeError, match="propagator"):
        position_expression(diagram, propagator=lambda a, b: payload)


def test_bayesian_rg_and_quadrature_strings_run_nothing(attack):
    payload, _ = attack
    a, x = sp.symbols("a x", real=True)
    with pytest.raises(TypeError, match="box"):
        bayesian_rg.fisher_metric(a * x, [a], x, box=payload, noise_std=1)
    with pytest.raises(TypeError, match="activation"):
        bayesian_rg.neuron_fisher_metric(payload)
    with pytest.raises(TypeError, match="shape"):
        bayesian_rg.GeneralisedCosNet(payload)
    with pytest.raises(TypeError, match="mass"):
        bayesian_rg.GeneralisedCosNet.free_scalar(mass=payload)
    with pytest.raises(TypeError, match="expr"):
        quadrature.activation_homogeneity(payload, sp.Symbol("z"))
    with pytest.raises(TypeError, match="p"):
        nq.GaussNet().momentum_propagator(payload)


def test_to_sympy_refuses_strings_hidden_in_containers(attack):
    payload, _ = attack
    # sympify(strict=True) converts tuple items without strict: to_sympy must not pass one on
    with pytest.raises(TypeError, match="sigma"):
        nq.to_sympy((payload,), "sigma")
    with pytest.raises(TypeError, match="sigma"):
        nq.to_sympy(payload, "sigma")


# ---------------------------------------------------------------------- the safe reader round-trips
_SW, _SB = sp.Symbol("sigma_W", positive=True), sp.Symbol("sigma_b", positive=True)


@pytest.mark.parametrize("net", [
    nq.GaussNet(sigma_w=_SW, sigma_b=_SB, d_in=sp.Symbol("d", integer=True, positive=True)),
    nq.ReLUNet(sigma_w=sp.Rational(3, 2), sigma_b=0.25, depth=3, d_out=2),
    nq.ErfNet(sigma_w=2 * _SW, d_in=3, depth=2),
    nq.CosNet(sigma_w=_SW, frequency_prior=nq.StudentTFrequencyPrior(nu=2.5, length_scale=0.5)),
    nq.CosNet(d_in=2, frequency_prior=nq.FreeScalarFrequencyPrior(mass=1.0, cutoff=5.0)),
    nq.CosNet(d_in=3, frequency_prior=nq.UniformBallFrequencyPrior(radius=2.0)),
    nq.Network(sp.Piecewise((nq.Z, nq.Z > 0), (nq.Z / 10, True)), sigma_w=1.1, name="leaky"),
    nq.Network("z / (1 + exp(-z))", normalisation="exp(-s / 4)", depth=2, d_out=3),
    nq.Network(sp.sqrt(2) * sp.sin(sp.pi * nq.Z) + sp.Abs(nq.Z) ** sp.Rational(3, 2)),
], ids=lambda net: net.name)
def test_safe_reader_round_trips_every_network(net):
    description = json.loads(json.dumps(net.describe()))
    rebuilt = nq.from_description(description)
    assert type(rebuilt) is type(net)
    assert rebuilt.describe() == net.describe()
    assert rebuilt.params == net.params
    assert rebuilt.activation == net.activation and rebuilt.normalisation == net.normalisation
    for key in ("sigma_w", "sigma_b", "d_in"):      # assumptions survive (positive, integer)
        value = getattr(net, key)
        if isinstance(value, sp.Basic) and value.free_symbols:
            assert getattr(rebuilt, key).assumptions0 == value.assumptions0
    assert getattr(rebuilt, "frequency_prior", None) == getattr(net, "frequency_prior", None)
