"""Strings given where a number is expected are refused, never evaluated (issue 11's rule:
never sympify a user's string).  ``sympy.nsimplify`` evaluates a string like ``sympify``
does, so each of these entry points used to run the code below."""
from __future__ import annotations

import pytest

from nnqft_sym import CosNet, ReLUNet, cos_net_momentum_vertex, exact_single_input_moments
from nnqft_sym.rg import lpa_prime_beta_functions

PAYLOAD = "__import__('pathlib').Path('{}').touch()"


@pytest.fixture
def payload(tmp_path):
    marker = tmp_path / "executed"
    yield PAYLOAD.format(marker), marker
    assert not marker.exists(), "a user string was executed"


def test_exact_single_input_moments_refuses_a_string_input(payload):
    text, _ = payload
    with pytest.raises(TypeError, match="x"):
        exact_single_input_moments(ReLUNet(depth=2), [text])


def test_lpa_prime_renormalisation_point_refuses_a_string(payload):
    text, _ = payload
    with pytest.raises(ValueError, match="renormalisation_point"):
        lpa_prime_beta_functions(3, 4, renormalisation_point=text)


def test_momentum_vertex_relative_variation_refuses_a_string(payload):
    text, _ = payload
    vertex = cos_net_momentum_vertex(CosNet(), width=10)
    with pytest.raises(TypeError, match="momentum"):
        vertex.relative_variation(text)
