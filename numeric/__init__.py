"""numeric: Monte-Carlo ensembles of networks checked against the exact results of nnqft_sym.

Sampling (:mod:`numeric.sampling`), estimates with errors (:mod:`numeric.statistics`), monomial and conditional estimators of Green functions
(:mod:`numeric.monomials`, :mod:`numeric.conditional`, :mod:`numeric.estimators`), couplings and power-law fits
(:mod:`numeric.couplings`), planning the ensemble size (:mod:`numeric.planning`), atomic result files and checkpoint folders that cannot lie
(:mod:`numeric.storage`), the cache of exact values across runs (:mod:`numeric.exact_cache`), figures (:mod:`numeric.plots`), Markdown tables
(:mod:`numeric.report`) and the HMS / ELS experiments and the demo
(:mod:`numeric.experiments`) with the papers' settings (:mod:`numeric.paper_settings`), and
the Bayesian-RG experiment (:mod:`numeric.bayesian_rg`), and ensembles of networks trained by
gradient descent (:mod:`numeric.training`, the experiment :mod:`numeric.training_experiment`).
"""
from .statistics import DEFAULT_CONFIDENCE, Estimate, critical_value, format_value_error, two_sided_p_value
from .conditional import (CONDITIONAL, ESTIMATORS, PLAIN, ConditionalSums, KernelFluctuations,
                          check_estimator, conditional_bag_sums, conditional_estimator_valid,
                          default_estimator, mean_and_kernel)
from .estimators import (HEAVY_TAIL_MAX_SPREAD, HEAVY_TAIL_MIN_NEFF, HEAVY_TAIL_MIN_NEFF_FRACTION,
                         REFERENCE_EXACT, REFERENCE_LEADING_ORDER,
                         UNDERFLOW_NEURONS, GreenMeasurement, OrderEstimate, bag_seed_states,
                         exact_green_functions, exact_kind, feature_underflow, free_values, measure,
                         measure_sweep, network_from_description, reference_kind, run_bag,
                         heavy_tail_flag, tail_diagnostics)
from .exact_cache import EXACT_CODE_VERSION, exact_cache_dir
from .distributed import (DEFAULT_SCHEDULER_TIMEOUT, SCHEDULERS, SchedulerUnreachableError,
                          check_scheduler, open_client, run_tasks, scheduler_timeout)
from .couplings import (PowerLawFit, QuarticCouplings, SexticCouplings, fit_power_law,
                        quartic_couplings, sextic_couplings)
from .experiments import (DEFAULT_CUTOFF, ELS_SIGMAS, HMS_POINTS, HMS_WIDTHS, ActiveRG,
                          EnsembleStudy, demo, els_experiment, hms_experiment, run_study)
from .monomials import MonomialSums, point_multisets
from .planning import NetworkPlan, required_networks
from .deep_widths import DeepWidthStudy, deep_width_study
from .paper_settings import HMS_SETTINGS, PaperSetting, hms_setting, settings_markdown_table
from .bayesian_rg import (REFERENCE_SIZES, BRGConfig, BRGResult, brg_member, InputDistribution, RandomFeatureMap,
                          FISHER_METRICS, TrainedBRGFlow, coarse_grain, default_cutoffs,
                          empirical_fisher_diagonal, fisher_diagonal, fisher_modes,
                          gradient_descent_readout, linearised_coarse_graining, trained_brg_flow, momentum_cutoff, plot_brg, ridge_readout,
                          run_brg_experiment, sample_feature_map, save_brg_result,
                          wilson_propagator, write_brg_report)
from .training import NetworkEnsemble, TrainedEnsemble, train_ensemble, trained_kappa4_coefficient
from .training_experiment import (TRAINING_SET, TrainingStudy, plot_brg_flow, plot_training,
                                  train_width, training_experiment)
from .sampling import (STREAM_VERSION, as_seed_sequence, block_size, child_seeds,
                       iter_output_chunks, psd_factor, sample_block, sample_outputs,
                       seed_from_state, seed_state)

__all__ = [
    "DeepWidthStudy", "deep_width_study",
    "Estimate", "format_value_error", "critical_value", "two_sided_p_value", "DEFAULT_CONFIDENCE",
    "sample_outputs", "iter_output_chunks", "sample_block", "block_size", "psd_factor",
    "STREAM_VERSION",
    "as_seed_sequence", "child_seeds", "seed_state", "seed_from_state",
    "point_multisets", "MonomialSums",
    "measure", "measure_sweep", "ESTIMATORS", "PLAIN", "CONDITIONAL",
    "conditional_estimator_valid", "default_estimator", "check_estimator", "ConditionalSums",
    "KernelFluctuations", "mean_and_kernel", "conditional_bag_sums", "reference_kind", "REFERENCE_EXACT", "REFERENCE_LEADING_ORDER",
    "exact_kind", "SCHEDULERS", "check_scheduler", "open_client",
    "run_tasks", "DEFAULT_SCHEDULER_TIMEOUT", "SchedulerUnreachableError", "scheduler_timeout",
    "run_bag", "bag_seed_states", "exact_green_functions", "free_values", "network_from_description",
    "exact_cache_dir", "EXACT_CODE_VERSION",
    "GreenMeasurement", "OrderEstimate", "HEAVY_TAIL_MIN_NEFF", "HEAVY_TAIL_MIN_NEFF_FRACTION", "HEAVY_TAIL_MAX_SPREAD",
    "tail_diagnostics", "heavy_tail_flag", "UNDERFLOW_NEURONS",
    "feature_underflow",
    "NetworkPlan", "required_networks",
    "PowerLawFit", "fit_power_law", "QuarticCouplings", "quartic_couplings", "SexticCouplings",
    "sextic_couplings",
    "HMS_WIDTHS", "HMS_POINTS", "ELS_SIGMAS", "DEFAULT_CUTOFF", "EnsembleStudy", "ActiveRG",
    "run_study", "hms_experiment", "els_experiment", "demo",
    "PaperSetting", "HMS_SETTINGS", "hms_setting", "settings_markdown_table",
    "REFERENCE_SIZES", "BRGConfig", "InputDistribution", "RandomFeatureMap", "sample_feature_map",
    "fisher_diagonal", "empirical_fisher_diagonal", "ridge_readout", "gradient_descent_readout",
    "coarse_grain", "momentum_cutoff", "wilson_propagator", "BRGResult", "brg_member", "run_brg_experiment",
    "save_brg_result", "plot_brg", "write_brg_report",
    "fisher_modes", "FISHER_METRICS", "TrainedBRGFlow", "trained_brg_flow", "default_cutoffs",
    "linearised_coarse_graining",
    "NetworkEnsemble", "TrainedEnsemble", "train_ensemble", "trained_kappa4_coefficient",
    "TRAINING_SET", "TrainingStudy", "training_experiment", "train_width", "plot_training",
    "plot_brg_flow",
]
