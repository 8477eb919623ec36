"""nnqft_sym: the symbolic core of nnqft (architectures, kernels, propagators, exact correlators).

The data flow is one way: architecture -> symbolic result -> lambdified prediction.
This package imports neither :mod:`feynman` nor :mod:`numeric`.
"""
from .architectures import (ARCHITECTURES, CosNet, ErfNet, GaussianFrequencyPrior, GaussNet,
                            Network, ReLUNet, S, Z, make_network)
from .couplings import normalisation_integral, quartic_coupling
from .cumulants import (connected_green, delta_green, delta_green_series, deviation,
                        deviation_series, green, reduced_cumulants)
from .kernels import kernel_expr, kernel_numeric
from .moments import neuron_moment
from .partitions import double_factorial, even_set_partitions, pairings
from .propagators import IRExpansion, P, ir_expansion, is_translation_invariant, momentum_propagator
from .wick import free_green, wick_sum

__all__ = [
    "Z", "S", "P", "Network", "GaussNet", "ReLUNet", "ErfNet", "CosNet", "GaussianFrequencyPrior",
    "ARCHITECTURES", "make_network",
    "kernel_expr", "kernel_numeric", "momentum_propagator", "ir_expansion", "IRExpansion",
    "is_translation_invariant", "free_green", "wick_sum", "pairings", "even_set_partitions",
    "double_factorial", "neuron_moment", "reduced_cumulants", "connected_green", "green",
    "delta_green", "delta_green_series", "deviation", "deviation_series", "normalisation_integral", "quartic_coupling",
]
