"""nnqft_sym: the symbolic core of nnqft (architectures, kernels, propagators, exact correlators).

The data flow is one way: architecture -> symbolic result -> lambdified prediction.  The
specification :class:`NetworkSpec` (:mod:`nnqft_sym.specification`) sits below the derivation
modules, which take it and call each other directly; :class:`Network`
(:mod:`nnqft_sym.architectures`) is the facade above them.
This package imports neither :mod:`feynman` nor :mod:`numeric`.
"""
from . import errors
from .errors import (CheckpointError, CostLimitError, DivergentExpectationError, NnqftError,
                     NoClosedFormError, NumericalOverflowError, ParseError)
from .parsing import parse_expression, parse_number, read_srepr, to_sympy
from .specification import NetworkSpec, default_points
from .laws import (DensityLaw, FiniteLaw, Rademacher, StandardLaplace, StandardStudentT,
                   StandardUniform, as_law)
from .priors import (STANDARD_NORMAL, FrequencyWeights, NetworkPriors, ParameterPrior, PriorChoice,
                     SharedScale, SphericalReadout, StandardNormal, UniformPhase, as_prior, iid_gaussian_priors,
                     readout_covariance)
from .architectures import (ARCHITECTURES, CosNet, ErfNet, GaussianFrequencyPrior, GaussNet,
                            LeakyReLUNet, Network, ReLUNet, S, TanhNet, Z, from_description,
                            make_network)
from .couplings import (box_rule, contact_integral, contact_integrand, normalisation_integral,
                        quartic_coupling)
from .first_layer import DrawnFirstLayer, GaussianFirstLayer, affine_preactivations
from .edgeworth import EdgeworthDensity, GaussianDensity, edgeworth_density
from .cumulants import (connected_green, delta_green, delta_green_series, deviation,
                        deviation_series, green, reduced_cumulants)
from .kernels import kernel_expr, kernel_numeric
from . import neuron_sums
from .neuron_sums import mean_function
from .moments import neuron_moment
from .partitions import double_factorial, even_set_partitions, pairings
from .deep import layer_kernels_expr
from .ntk import PARAMETERISATIONS, derivative_pair_expectation, ntk_expr, ntk_numeric
from .gradient_flow import (GaussianPrediction, TrainingModes, linearised_prediction,
                            max_learning_rate, nngp_posterior, trained_gp, training_kernel,
                            training_modes)
from .propagators import (IRExpansion, P, gaussian_weight_kernel, ir_expansion, is_translation_invariant,
                          momentum_propagator, weight_kernel)
from .wick import free_green, gram_matrix, kernel_matrix, wick_sum
from .activations import ActivationRules, activation_rules
from .expectations import gaussian_moment
from .quadrature import (activation_homogeneity, activation_kinks, gaussian_expectation,
                         gaussian_expectation_mp)
from .pair_rules import TrapezoidPairRule, trapezoid_pair_rule
from .deep_exact import SingleInputMoments, exact_single_input_moments
from .deep import (deep_kernel, deep_kernel_expr, deep_mean_function,
                   layer_kernels, layer_recursion, leading_connected_four_point,
                   leading_connected_three_point, leading_delta_green, leading_deviation,
                   leading_free_green, leading_mean_correction, mean_field_layers,
                   weight_fourth_cumulants)
from .first_layer_moments import law_gauss_rule
from .deep_orders import (NextOrderFourPoint, SingleInputSeries, leading_connected_six_point,
                          next_order_four_point, nlo_kernel, single_input_series)
from .criticality import (K_STAR_ZERO, NONZERO_FIXED_POINT, SCALE_INVARIANT,
                          UNIVERSALITY_CLASSES, CriticalPoint, Susceptibilities,
                          critical_initialisation, kernel_flow, susceptibilities)
from .multi_output import (InvariantQuartic, connected_green_indexed, free_green_indexed,
                           green_indexed, invariant_quartic_coupling,
                           leading_invariant_quartic_coupling)
from .frequency_priors import (FreeScalarFrequencyPrior, StudentTFrequencyPrior,
                               UniformBallFrequencyPrior, angular_average)
from .effective_action import (ActionCouplings, GridStudy, RegularisedInverse, action_couplings,
                               amputate, connected_tensor, grid_study, regularised_inverse,
                               vertex_nonlocality)
from .momentum_couplings import (MomentumVertex, cos_net_connected_four_point,
                                 cos_net_momentum_vertex)
from .design import DesignedTheory, deformed_network, design_network
from .bayesian_rg import (BRGWilsonProof, GeneralisedCosNet, cosnet_neuron_fisher_metric,
                          fisher_metric, kernel_from_frequency_density, last_layer_fisher_metric,
                          neuron_fisher_metric)

__all__ = [
    "layer_kernels_expr", "PARAMETERISATIONS", "derivative_pair_expectation", "ntk_numeric", "ntk_expr",
    "GaussianPrediction", "TrainingModes", "training_modes", "linearised_prediction",
    "trained_gp", "nngp_posterior", "max_learning_rate", "training_kernel",
    "errors", "NnqftError", "NoClosedFormError", "ParseError", "DivergentExpectationError",
    "CostLimitError", "NumericalOverflowError", "CheckpointError", "parse_expression", "parse_number", "read_srepr", "to_sympy",
    "STANDARD_NORMAL", "StandardNormal", "ParameterPrior", "UniformPhase", "FrequencyWeights",
    "NetworkPriors", "iid_gaussian_priors", "readout_covariance", "SharedScale", "SphericalReadout", "PriorChoice",
    "as_prior", "as_law", "Rademacher", "StandardUniform", "StandardLaplace", "StandardStudentT",
    "FiniteLaw", "DensityLaw", "neuron_sums", "mean_function",
    "Z", "S", "P", "NetworkSpec", "default_points", "Network", "GaussNet", "ReLUNet", "LeakyReLUNet", "ErfNet", "TanhNet", "CosNet", "GaussianFrequencyPrior",
    "ARCHITECTURES", "make_network", "from_description",
    "GaussianFirstLayer", "DrawnFirstLayer", "affine_preactivations",
    "kernel_expr", "kernel_numeric", "momentum_propagator", "ir_expansion", "IRExpansion",
    "is_translation_invariant", "free_green", "gram_matrix", "kernel_matrix", "wick_sum", "pairings",
    "even_set_partitions",
    "double_factorial", "neuron_moment", "reduced_cumulants", "connected_green", "green",
    "delta_green", "delta_green_series", "deviation", "deviation_series",
    "edgeworth_density", "EdgeworthDensity", "GaussianDensity",
    "contact_integral", "contact_integrand", "normalisation_integral", "quartic_coupling", "box_rule", "weight_kernel", "gaussian_weight_kernel",
    "gaussian_expectation", "gaussian_expectation_mp", "activation_rules", "ActivationRules",
    "gaussian_moment", "activation_kinks", "activation_homogeneity", "TrapezoidPairRule",
    "SingleInputMoments", "exact_single_input_moments",
    "trapezoid_pair_rule",
    "FreeScalarFrequencyPrior", "StudentTFrequencyPrior", "UniformBallFrequencyPrior",
    "angular_average", "kernel_from_frequency_density", "fisher_metric", "neuron_fisher_metric",
    "deep_kernel", "deep_kernel_expr", "layer_kernels", "layer_recursion",
    "leading_connected_four_point", "leading_delta_green", "leading_deviation",
    "deep_mean_function", "leading_mean_correction",
    "leading_connected_three_point", "leading_free_green", "mean_field_layers",
    "weight_fourth_cumulants", "law_gauss_rule",
    "nlo_kernel", "SingleInputSeries", "single_input_series", "leading_connected_six_point",
    "NextOrderFourPoint", "next_order_four_point",
    "K_STAR_ZERO", "NONZERO_FIXED_POINT", "SCALE_INVARIANT", "UNIVERSALITY_CLASSES", "CriticalPoint",
    "Susceptibilities", "critical_initialisation", "kernel_flow", "susceptibilities",
    "InvariantQuartic", "connected_green_indexed", "free_green_indexed", "green_indexed",
    "invariant_quartic_coupling", "leading_invariant_quartic_coupling",
    "cosnet_neuron_fisher_metric", "last_layer_fisher_metric", "GeneralisedCosNet", "BRGWilsonProof",
    "ActionCouplings", "GridStudy", "RegularisedInverse", "action_couplings", "amputate",
    "connected_tensor", "grid_study", "regularised_inverse", "vertex_nonlocality",
    "MomentumVertex", "cos_net_connected_four_point", "cos_net_momentum_vertex",
    "DesignedTheory", "deformed_network", "design_network",
]
