"""nnqft_sym: the symbolic core of nnqft (architectures, kernels, propagators, exact correlators).

The data flow is one way: architecture -> symbolic result -> lambdified prediction.
This package imports neither :mod:`feynman` nor :mod:`numeric`.
"""
from .architectures import (CosNet, ErfNet, GaussianFrequencyPrior, GaussNet, Network, ReLUNet,
                            S, Z)

__all__ = ["Z", "S", "Network", "GaussNet", "ReLUNet", "ErfNet", "CosNet",
           "GaussianFrequencyPrior"]
