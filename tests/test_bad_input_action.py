"""Bad input to the action-from-correlators and network-design functions: clear errors."""
import numpy as np
import pytest

from feynman import point_set_correlator, reconstruct_action
from nnqft_sym import (CosNet, GaussNet, NoClosedFormError, ParseError, action_couplings,
                       cos_net_momentum_vertex, deformed_network, design_network, grid_study,
                       regularised_inverse)


@pytest.mark.parametrize("width, error", [(-3, ValueError), (0, ValueError), (2.5, TypeError),
                                          ("10", TypeError)])
def test_width(width, error):
    with pytest.raises(error, match="width"):
        action_couplings(GaussNet(), [0.1, 0.5], width)


def test_points_of_wrong_shape():
    with pytest.raises(ValueError, match=r"points must be one point set of shape \(M, d_in\)"):
        action_couplings(GaussNet(), [[[0.1], [0.2]], [[0.3], [0.4]]], 10)
    with pytest.raises(ValueError, match="d_in = 2"):
        action_couplings(GaussNet(d_in=2), [0.1, 0.2, 0.3], 10)
    with pytest.raises(ValueError, match="distinct"):
        action_couplings(GaussNet(), [0.1, 0.1], 10)
    with pytest.raises(TypeError, match="points"):
        action_couplings(GaussNet(), "0.1, 0.2", 10)


def test_singular_kernel_without_regularisation():
    grid = np.linspace(-2, 2, 14)
    with pytest.raises(ValueError, match="condition number .* regularise it"):
        action_couplings(CosNet(), grid, 10)
    with pytest.raises(ValueError, match="regularise"):
        regularised_inverse(np.array([[1.0, 1.0], [1.0, 1.0]]))
    with pytest.raises(ValueError, match="6 legs"):
        reconstruct_action(CosNet(), np.linspace(-1.5, 1.5, 5), 10)         # cond 385


@pytest.mark.parametrize("kwargs, match", [
    ({"regularisation": "svd"}, "regularisation must be one of"),
    ({"regularisation": "spectral", "rcond": 0.0}, r"rcond must be a real number in \(0, 1\)"),
    ({"regularisation": "spectral", "rcond": 2.0}, r"rcond must be a real number in \(0, 1\)"),
    ({"legs": 0}, "legs must be an integer >= 1"),
    ({"max_error": -1.0}, "max_error"),
])
def test_regularisation_options(kwargs, match):
    with pytest.raises(ValueError, match=match):
        regularised_inverse(np.eye(2), **kwargs)


@pytest.mark.parametrize("kernel, match", [
    (np.ones((2, 3)), "square"), (np.array([[1.0, 2.0], [0.0, 1.0]]), "symmetric"),
    (np.array([[1.0, 2.0], [2.0, 1.0]]), "positive semi-definite"),
    (np.array([[np.nan]]), "finite"),
])
def test_kernel_matrix(kernel, match):
    with pytest.raises(ValueError, match=match):
        regularised_inverse(kernel)


def test_grid_study_arguments():
    with pytest.raises(ValueError, match="d_in = 1"):
        grid_study(GaussNet(d_in=2), 10, -1, 1, [3])
    with pytest.raises(ValueError, match="lower < upper"):
        grid_study(GaussNet(), 10, 1, -1, [3])
    with pytest.raises(ValueError, match="sizes"):
        grid_study(GaussNet(), 10, -1, 1, [1])


def test_momentum_vertex_needs_a_cos_net():
    with pytest.raises(ValueError, match="cos-nets"):
        cos_net_momentum_vertex(GaussNet())
    with pytest.raises(ValueError, match="width"):
        cos_net_momentum_vertex(CosNet(), width=-1)


def test_predict_arguments():
    act = reconstruct_action(GaussNet(), [0.2], 10)
    with pytest.raises(ValueError, match="legs must be 2, 4 or 6"):
        act.predict(8, 1)
    with pytest.raises(ValueError, match="order 1 or 2"):
        act.predict(4, 3)


@pytest.mark.parametrize("args, kwargs, error, match", [
    (("1/(pp + 1)", -0.1), {}, ValueError, "quartic must be a finite real number >= 0"),
    (("1/(pp + 1)", "0.1"), {}, TypeError, "quartic must be a real number"),
    (("1/(pp + 1)", 0.1), {"length": np.inf}, ValueError, "length must be finite"),
    (("1/(pp + 1)", 0.1), {"length": -1.0}, ValueError, "length"),
    (("1/(pp + 1)", 0.1), {"nodes": 1}, ValueError, "nodes must be an integer >= 2"),
    (("1/(pp + 1)", 0.1), {"nodes": 2.5}, TypeError, "nodes must be an integer >= 2"),
    (("1/(pp + 1)", 0.1), {"d_in": 3, "cutoff": 5.0, "nodes": 100}, ValueError,
     "quadrature nodes"),
    (("1/(pp + 1)", 0.1), {"d_in": 2}, ValueError, "not integrable in d_in = 2"),
    (("(pp + 1)**(-1/2)", 0.1), {}, ValueError, "not integrable"),
    (("-1/(pp + 1)", 0.1), {}, ValueError, "spectrum must be positive"),
    (("1/(pp**2 + 1)", 0.1), {}, NoClosedFormError, "families"),
    (("1/(pp + 1) + q", 0.1), {}, ParseError, "q"),
    (("__import__('os')", 0.1), {}, ParseError, "spectrum"),
    ((42, 0.1), {}, TypeError, "spectrum must be a SymPy expression or a string"),
    (("exp(-pp)", 0.1), {}, NoClosedFormError, "Gaussian prior"),
])
def test_design_network(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        design_network(*args, **kwargs)


def test_log_weight_shape():
    theory = design_network("1/(pp + 1)", 0.1, nodes=4)
    with pytest.raises(ValueError, match=r"field must have shape \(\.\.\., 4\)"):
        theory.log_weight(np.zeros(3))


def test_deformed_network_needs_a_cos_net_and_a_valid_deformation():
    with pytest.raises(ValueError, match="cos-net"):
        deformed_network(GaussNet(), 0.1)
    with pytest.raises(ValueError, match="quartic"):
        deformed_network(CosNet(sigma_b=0), -1.0)


def test_point_set_correlator_arguments():
    with pytest.raises(ValueError, match="valences must be among"):
        point_set_correlator(np.eye(1), {8: {3: np.ones((1,) * 8)}}, 4, 1)
    with pytest.raises(ValueError, match="legs must be 2, 4 or 6"):
        point_set_correlator(np.eye(1), {}, 3, 1)
