r"""Information-shell coarse graining of trained random-feature ensembles (BRG-NNFT numerical experiment).

The experiment of Howard, Klinger, Maiti, Stapleton (arXiv:2405.17538, Sec. 5), done with the
diagonal Fisher information in closed form instead of a dense Fisher matrix:

1. **Ensemble.**  ``n_members`` networks :math:`f(x) = \sum_{j=1}^N a_j h_j(x)` with a frozen
   random first layer (no output bias):

   - ``"cos"``: the generalised cos-net of :class:`nnqft_sym.bayesian_rg.GeneralisedCosNet`,
     :math:`h_j = A(w_j)\cos(w_j\cdot x + b_j)`, :math:`w_j` uniform on :math:`|w| < R`,
     :math:`A^2 = V_R\rho(w)` with the free-scalar spectrum
     :math:`\rho \propto 1/(|w|^2 + m^2)` (:class:`~nnqft_sym.frequency_priors.FreeScalarFrequencyPrior`),
     read-out prior :math:`a_j \sim N(0, 2\sigma_W^2/N)`;
   - ``"relu"``: :math:`h_j = \max(0, w_j\cdot x + b_j)` with the ReLU-net priors of
     :class:`nnqft_sym.ReLUNet` and :math:`a_j \sim N(0, \sigma_W^2/N)` (the public reference
     code uses a frozen ReLU feature map too).

2. **Task** (same for every member, fixed by the seed): inputs from :class:`InputDistribution`,
   target a sum of ``n_modes`` sinusoids :math:`y(x) = \sum_q c_q\cos(k_q\cdot x + \phi_q)`,
   :math:`c_q = \sqrt{2/Q}` (unit variance), frequencies drawn from the free-scalar spectrum
   restricted to :math:`|k| <` ``target_cutoff`` (a finite-mode draw of a cos-net GP), training labels with Gaussian noise :math:`\sigma_n`; the test loss
   is the mean squared error against the noiseless target.

3. **Training** of the read-out only: ``"ridge"`` = Bayesian posterior mean (closed form, dual
   :math:`n\times n` solve) or ``"gd"`` = ``gd_steps`` steps of plain full-batch gradient descent
   on :math:`\frac{1}{2n}|Ha - y|^2` from a prior draw, evaluated exactly through the
   eigen-decomposition of the Gram matrix (identical to running the loop).

4. **Fisher information** of the read-out weights for the Gaussian likelihood:
   :math:`F_{jj} = E_x[h_j(x)^2]/\sigma_n^2`, analytic over the input distribution
   (:func:`fisher_diagonal`), checked against the empirical average over independent inputs.

5. **Information-shell coarse graining**: for each :math:`\Lambda` of a log-spaced sweep the
   weights with :math:`F_{jj} < \Lambda` are reset, to a prior draw (``reset="prior"``: the
   reference code's choice; a weight once reset keeps its draw) or to the prior mean 0
   (``reset="mean"``: integrating the sloppy weights out of the mean prediction).

6. **Measurements** per :math:`\Lambda`, with errors over the ensemble: test loss, fraction
   of weights reset, the connected ensemble 2-point function
   :math:`G_\Lambda(x_0, x_i) = \mathrm{Cov}_{members}(f_\Lambda(x_0), f_\Lambda(x_i))` at probe
   points along the first axis, and its prediction: the covariance of the kept (stiff) part
   plus the analytic propagator of the integrated-out shell,
   :math:`v_{out}\,E_{w,b}[h(x_0)h(x_i)\,1\{F(w,b) < \Lambda\}]` (Monte Carlo over fresh
   first-layer draws, independent of the ensemble).  For cos features the untrained ensemble
   with sloppy weights integrated out is also compared with Wilson's momentum-shell propagator
   :math:`\sigma_W^2\int_{|p|<k(\Lambda)} d^dp\,\rho(p)\cos(p\cdot\Delta)`, :math:`k(\Lambda)`
   from the large-box dictionary :math:`\lambda(k) = V_R\rho(k)/(2\sigma_n^2) = \Lambda`
   (the BRG = ERG statement of :meth:`GeneralisedCosNet.brg_wilson_proof`).
   The critical distinguishability scale :math:`\Lambda_c` is where the mean test loss first
   exceeds ``(1 + threshold)`` times its value without coarse graining (log-interpolated;
   error from a bootstrap over members).

Reference sizes (public code of the BRG-NNFT authors, ``hyperparameters.py``): inputs in
:math:`d = 2`, :math:`x \sim N((1, 1), I)`, frozen ReLU feature map of width 2000 (after two
width-10 layers), one output, 200 training and 200 test points, cutoffs
:math:`10^{-4} \ldots 10^5`.  :data:`REFERENCE_SIZES` holds ours (single frozen layer).

Modules: :mod:`~numeric.bayesian_rg.features` (inputs, frozen first layers),
:mod:`~numeric.bayesian_rg.fisher`, :mod:`~numeric.bayesian_rg.readout` (training),
:mod:`~numeric.bayesian_rg.coarse_graining` (shells, momentum dictionary, Wilson propagator),
:mod:`~numeric.bayesian_rg.config` (:class:`BRGConfig`, every parameter of a run),
:mod:`~numeric.bayesian_rg.experiment` (members and the run),
:mod:`~numeric.bayesian_rg.result` (:class:`BRGResult`),
:mod:`~numeric.bayesian_rg.trained_flow` (the flow of trained infinitely wide networks of any
depth in the shells of the full-parameter Fisher metric, :func:`trained_brg_flow`) and
:mod:`~numeric.bayesian_rg.report` (the only module that writes files or draws figures).
"""
from .coarse_graining import coarse_grain, momentum_cutoff, wilson_propagator
from .config import REFERENCE_SIZES, BRGConfig
from .experiment import brg_member, run_brg_experiment
from .features import InputDistribution, RandomFeatureMap, sample_feature_map
from .fisher import empirical_fisher_diagonal, fisher_diagonal, fisher_modes
from .readout import gradient_descent_readout, ridge_readout
from .report import plot_brg, save_brg_result, write_brg_report
from .result import BRGResult
from .trained_flow import (FISHER_METRICS, TrainedBRGFlow, default_cutoffs,
                           linearised_coarse_graining, trained_brg_flow)

__all__ = [
    "REFERENCE_SIZES",
    "BRGConfig",
    "InputDistribution",
    "RandomFeatureMap",
    "sample_feature_map",
    "fisher_diagonal",
    "empirical_fisher_diagonal",
    "fisher_modes",
    "ridge_readout",
    "gradient_descent_readout",
    "coarse_grain",
    "momentum_cutoff",
    "wilson_propagator",
    "BRGResult",
    "brg_member",
    "run_brg_experiment",
    "save_brg_result",
    "plot_brg",
    "write_brg_report",
    "FISHER_METRICS",
    "TrainedBRGFlow",
    "trained_brg_flow",
    "default_cutoffs",
    "linearised_coarse_graining",
]
