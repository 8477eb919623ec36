"""Renormalization-group flows derived symbolically from truncated effective actions.

- :mod:`.regulators`: regulators and LPA threshold functions derived from them;
- :mod:`.action`: the truncated effective action;
- :mod:`.lpa`: Wetterich and Polchinski LPA beta functions;
- :mod:`.fixed_points`: fixed points, stability matrix, critical exponents;
- :mod:`.continuation`: high-precision continuation of the truncations (mpmath) and in d;
- :mod:`.full_potential`: the untruncated LPA fixed point and exponents (Chebyshev collocation);
- :mod:`.anomalous_dimension`: LPA' (wave-function renormalisation, anomalous dimension eta);
- :mod:`.shooting`: the Polchinski LPA fixed point and exponents by shooting (no truncation);
- :mod:`.nnqft_flows`: the NN-QFT flows of ELS (arXiv:2108.01403; active/passive RG);
- :mod:`.wilsonian`: the HMS flow with an input-space cutoff;
- :mod:`.amputation`: the O(1/N) quartic vertex by amputation, local part, non-locality.

Dimensions: ``d`` (as in ``lpa_beta_functions(d, ...)``, ``critical_exponents(d, ...)``,
``TruncatedAction(d, ...)``, ``nnqft flow --d``) is the *spacetime dimension of the field
theory* whose flow is derived, any positive number or a symbol such as ``4 - eps``.  The flows
of a network's field (:mod:`.nnqft_flows`, :mod:`.wilsonian`) live on the network's input
space, so there the dimension is the network's input dimension and is called ``d_in``.

This subpackage imports neither :mod:`feynman` nor :mod:`numeric`.
"""
from .action import PHI, RHO, P, TruncatedAction
from .anomalous_dimension import (ETA, AnomalousDimension, LpaPrimeExponents,
                                  derive_anomalous_dimension, lpa_prime_beta_functions,
                                  lpa_prime_exponents, threshold_eta_factor)
from .amputation import AmputatedVertex, amputated_quartic_vertex, local_template
from .defaults import DEFAULT_EXPANSION, DEFAULT_REGULATOR, DEFAULT_SCHEME, DEFAULT_TRUNCATION
from .fixed_points import (CriticalExponents, FixedPoint, critical_exponents, find_fixed_point,
                           stability_matrix)
from .full_potential import FullPotentialFixedPoint, full_potential_fixed_point
from .lpa import (BetaFunctions, composite_derivatives, describe_setting, lpa_beta_functions,
                  polchinski_lpa, wetterich_lpa)
from .nnqft_flows import (U4, U6, FlowSolution, GaussNetFlow, MultiOutputCouplings, active_flow,
                          dilation_exponent, exact_active_slope, field_normalisation,
                          field_rescaling, gaussnet_flow, gaussnet_regulator,
                          multi_output_couplings, passive_flow)
from .regulators import (REGULATORS, Y, Regulator, custom_regulator, exponential_regulator, get_regulator,
                         litim_regulator, loop_measure)
from .shooting import PolchinskiFixedPoint, polchinski_fixed_point
from .wilsonian import WilsonianFlow, cutoff_contact_integral, cutoff_normalisation, wilsonian_flow

__all__ = [
    # the default setting (one place)
    "DEFAULT_EXPANSION", "DEFAULT_REGULATOR", "DEFAULT_SCHEME", "DEFAULT_TRUNCATION",
    # truncated action and LPA flows
    "PHI", "RHO", "P", "Y", "TruncatedAction", "BetaFunctions", "composite_derivatives", "describe_setting",
    "lpa_beta_functions", "polchinski_lpa", "wetterich_lpa",
    # regulators
    "REGULATORS", "Regulator", "custom_regulator", "exponential_regulator", "get_regulator", "litim_regulator",
    "loop_measure",
    # fixed points
    "CriticalExponents", "FixedPoint", "critical_exponents", "PolchinskiFixedPoint",
    "polchinski_fixed_point", "find_fixed_point",
    "stability_matrix", "FullPotentialFixedPoint", "full_potential_fixed_point",
    # LPA' (anomalous dimension)
    "ETA", "AnomalousDimension", "LpaPrimeExponents", "derive_anomalous_dimension",
    "lpa_prime_beta_functions", "lpa_prime_exponents", "threshold_eta_factor",
    # NN-QFT flows (ELS, arXiv:2108.01403)
    "U4", "U6", "FlowSolution", "GaussNetFlow", "active_flow", "dilation_exponent",
    "exact_active_slope", "field_rescaling", "field_normalisation", "gaussnet_flow", "gaussnet_regulator",
    "passive_flow", "MultiOutputCouplings", "multi_output_couplings",
    # HMS cutoff flow and the amputated vertex
    "WilsonianFlow", "cutoff_contact_integral", "cutoff_normalisation", "wilsonian_flow", "AmputatedVertex",
    "amputated_quartic_vertex", "local_template",
]
