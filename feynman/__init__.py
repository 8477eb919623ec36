"""feynman: Feynman diagrams of a truncated effective action (enumeration, symmetry factors,
expressions, evaluation for an architecture, LaTeX/TikZ/matplotlib output).

Conventions: S = S_0 + sum_k g_k/k! int phi^k, so a vertex of valence k carries -g_k; a diagram
contributes prod_k (-g_k)^{n_k} / S times the integral over its internal vertices of the
product of propagators (see ``docs/feynman.md``).  This package may import :mod:`nnqft_sym`,
never :mod:`numeric`.
"""
from .action import (ReconstructedAction, point_set_correlator, point_set_diagram,
                     reconstruct_action)
from .correlators import correlator, correlator_diagrams, correlator_value
from .diagram import Diagram, coupling_symbols, node_colours
from .drawing import draw, layout, tikz
from .evaluate import (diagram_integral, diagram_integrals, evaluate_diagram, gaussian_integral,
                       gaussian_integral_expr, gaussian_parameters, laplacian_blocks,
                       propagator_function, quadrature_integral, weight_kernel_propagator)
from .expressions import (diagram_latex, momentum_expression, position_expression,
                          position_symbols)
from .generate import MAX_CONTRACTIONS, contraction_estimate, generate, vertex_combinations
from .running import SexticRunning, sextic_running
from .symmetry import (canonical_form, canonical_leaves, line_permutations,
                       multigraph_symmetry_factor)
from .tree_level import SixPointTree, tree_level_four_point, tree_level_six_point

__all__ = [
    "Diagram", "coupling_symbols", "node_colours",
    "generate", "vertex_combinations", "contraction_estimate", "MAX_CONTRACTIONS",
    "canonical_form", "canonical_leaves", "multigraph_symmetry_factor", "line_permutations",
    "position_symbols", "position_expression", "momentum_expression", "diagram_latex",
    "gaussian_parameters", "propagator_function", "weight_kernel_propagator", "laplacian_blocks",
    "gaussian_integral",
    "gaussian_integral_expr", "quadrature_integral", "diagram_integral", "diagram_integrals",
    "evaluate_diagram", "tree_level_four_point", "tree_level_six_point", "SixPointTree",
    "correlator", "correlator_diagrams", "correlator_value",
    "layout", "draw", "tikz",
    "SexticRunning", "sextic_running",
    "ReconstructedAction", "point_set_correlator", "point_set_diagram", "reconstruct_action",
]
