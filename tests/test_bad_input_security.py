"""Input guards of issue 21: cost limits, fast refusals and errors that name the parameter."""
import pytest
import sympy as sp
from click.testing import CliRunner

import nnqft_sym as nq
from feynman import MAX_CONTRACTIONS, contraction_estimate, generate
from nnqft_cli.main import cli
from nnqft_sym import propagators
from nnqft_sym.errors import CostLimitError, ParseError
from nnqft_sym.rg import gaussnet_flow


# ---------------------------------------------------------------------- feynman.generate
@pytest.mark.parametrize("args,kwargs", [
    ((4, {4: 12}), {}),
    ((4,), {"loops": 40}),
    ((400, {4: 1}), {}),                       # was a RecursionError
    ((100_000, {4: 1}), {}),
])
def test_generate_refuses_classes_past_the_cost_limit(args, kwargs):
    with pytest.raises(CostLimitError, match="max_contractions="):
        generate(*args, **kwargs)


def test_generate_refuses_absurd_loop_orders_before_scanning():
    with pytest.raises(CostLimitError, match="loops"):
        generate(2, loops=10 ** 9)


def test_generate_limit_is_a_keyword():
    assert contraction_estimate(4, {4: 1}) == pytest.approx(105 / 24)
    with pytest.raises(CostLimitError, match="max_contractions=4"):
        generate(4, {4: 1}, max_contractions=4)
    assert len(generate(4, {4: 1}, max_contractions=5)) == 1
    with pytest.raises(TypeError, match="max_contractions"):
        generate(4, {4: 1}, max_contractions=1.5)
    with pytest.raises(ValueError, match="max_contractions"):
        generate(4, {4: 1}, max_contractions=0)


@pytest.mark.parametrize("legs,content", [(0, {4: 7}), (0, {6: 3}), (2, {4: 5}), (4, {4: 4}),
                                          (0, {4: 3, 6: 1}), (4, {6: 2}), (12, {})])
def test_classes_of_the_tests_and_notebooks_stay_below_the_default_limit(legs, content):
    assert 0 < contraction_estimate(legs, content) < MAX_CONTRACTIONS


def test_cli_diagrams_reports_the_cost_limit():
    out = CliRunner().invoke(cli, ["diagrams", "--legs", "4", "--vertices", "4:12"])
    assert out.exit_code == 2 and "max_contractions" in out.output


# ---------------------------------------------------------------------- translation invariance
def _no_symbolic_proof(monkeypatch):
    def refuse(*args):
        raise AssertionError("the symbolic simplification ran")
    monkeypatch.setattr(propagators, "_shift_derivatives_vanish", refuse)


@pytest.mark.parametrize("net", [
    nq.ReLUNet(sigma_w=sp.Symbol("sigma_W", positive=True),
               sigma_b=sp.Symbol("sigma_b", positive=True), d_in=5),
    nq.ErfNet(d_in=3),
    nq.ReLUNet(depth=2),
], ids=["relu-d5-symbolic", "erf-d3", "relu-deep"])
def test_non_invariant_kernels_are_refused_by_the_numeric_test(net, monkeypatch):
    _no_symbolic_proof(monkeypatch)
    assert propagators.is_translation_invariant(net) is False


@pytest.mark.parametrize("net", [nq.GaussNet(d_in=5), nq.CosNet(d_in=3),
                                 nq.GaussNet(sigma_w=sp.Symbol("sigma_W", positive=True))])
def test_invariant_kernels_still_get_the_symbolic_proof(net):
    assert propagators.is_translation_invariant(net) is True


def test_cli_kernel_relu_in_five_dimensions_finishes():
    out = CliRunner().invoke(cli, ["kernel", "relu", "--d-in", "5", "--no-table"])
    assert out.exit_code == 0, out.output
    assert "not translation invariant" in out.output


# ---------------------------------------------------------------------- names in errors
def test_network_activation_of_the_wrong_type_names_activation():
    with pytest.raises(TypeError, match="activation must be a SymPy expression of z"):
        nq.Network([nq.Z, nq.Z])
    with pytest.raises(TypeError, match="activation"):
        nq.Network(sp.Eq(nq.Z, 1))
    with pytest.raises(TypeError, match="normalisation"):
        nq.Network(nq.Z, normalisation=(nq.S,))


def test_string_activation_is_parsed_with_names_z_and_s_only():
    assert nq.Network("Max(0, z)").activation == sp.Max(0, nq.Z)
    with pytest.raises(ParseError, match="unknown name 'q'"):
        nq.Network("q * z")
    with pytest.raises(ValueError, match="activation may depend only on"):
        nq.Network("s * z")


def test_describe_refuses_functions_a_worker_could_not_rebuild():
    with pytest.raises(ParseError, match="activation.*besselj"):
        nq.Network(sp.besselj(0, nq.Z)).describe()


def test_gaussnet_flow_names_d_in():
    with pytest.raises(ValueError, match="d_in must be a positive real dimension"):
        gaussnet_flow(0)
    with pytest.raises(TypeError, match="d_in"):
        gaussnet_flow("3")


@pytest.mark.parametrize("text", ["10**10**10", "9**9**9**9", "(10**400)**(10**400)"])
def test_parser_refuses_huge_powers_at_once(text):
    with pytest.raises(ParseError, match="digits|overflow"):
        nq.parse_expression(text, {})
