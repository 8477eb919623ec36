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
"""
from __future__ import annotations

import contextlib
import functools
import numbers
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import scipy.special as sps
import sympy as sp

from nnqft_sym import CosNet, ReLUNet
from nnqft_sym.frequency_priors import FreeScalarFrequencyPrior, UniformBallFrequencyPrior
from nnqft_sym.validation import check_integer

from .distributed import check_scheduler, run_tasks
from .report import format_estimate, markdown_table, versions
from .sampling import STREAM_VERSION, as_seed_sequence, child_seeds, seed_state
from .storage import atomic_write, checkpoint_folder, save_json, save_npz

__all__ = [
    "REFERENCE_SIZES",
    "InputDistribution",
    "RandomFeatureMap",
    "sample_feature_map",
    "fisher_diagonal",
    "empirical_fisher_diagonal",
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
]

#: default sizes, after the public reference code (d = 2, width 2000, 200 train / 200 test)
REFERENCE_SIZES: dict[str, Any] = {"d_in": 2, "width": 2000, "n_train": 200, "n_test": 200,
                                   "n_members": 100}


# ---------------------------------------------------------------------- inputs
@dataclass(frozen=True)
class InputDistribution:
    r"""Distribution of the inputs: ``"gauss"`` :math:`N(c, s^2 I)` or ``"box"`` uniform on :math:`c + [-s, s]^d`.

    Attributes
    ----------
    kind : {"gauss", "box"}
    d_in : int >= 1
    center : float
        :math:`c` (every coordinate).
    scale : float > 0
        Standard deviation (gauss) or half-width (box) :math:`s`.

    Examples
    --------
    >>> dist = InputDistribution("box", d_in=2, center=0.0, scale=3.0)
    >>> dist.sample(np.random.default_rng(0), 5).shape
    (5, 2)
    """

    kind: str = "gauss"
    d_in: int = 2
    center: float = 1.0
    scale: float = 1.0

    def __post_init__(self) -> None:
        if self.kind not in ("gauss", "box"):
            raise ValueError(f"input distribution kind must be 'gauss' or 'box', got {self.kind!r}")
        check_integer(self.d_in, "d_in", 1)
        if not np.isfinite(self.center):
            raise ValueError(f"center must be finite, got {self.center}")
        if not (np.isfinite(self.scale) and self.scale > 0):
            raise ValueError(f"scale must be a positive finite number, got {self.scale}")

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` inputs, shape ``(n, d_in)``."""
        if self.kind == "gauss":
            return self.center + self.scale * rng.standard_normal((n, self.d_in))
        return self.center + rng.uniform(-self.scale, self.scale, (n, self.d_in))

    def mean_cos(self, w: np.ndarray, phase: np.ndarray) -> np.ndarray:
        r""":math:`E_x[\cos(w\cdot x + \phi)]` in closed form (``w``: ``(..., d_in)``, ``phase``: ``(...)``)."""
        shift = phase + self.center * w.sum(-1)
        if self.kind == "gauss":
            return np.cos(shift) * np.exp(-0.5 * self.scale ** 2 * np.sum(w * w, -1))
        return np.cos(shift) * np.prod(np.sinc(w * self.scale / np.pi), axis=-1)


# ---------------------------------------------------------------------- features
@dataclass(frozen=True)
class RandomFeatureMap:
    r"""A frozen first layer: features :math:`h_j(x) = A_j\,\phi(w_j\cdot x + b_j)`.

    Attributes
    ----------
    kind : {"cos", "relu"}
    w : ndarray, shape (N, d_in)
        Frequencies / first-layer weights.
    b : ndarray, shape (N,)
        Phases / biases.
    amplitude : ndarray, shape (N,)
        :math:`A_j` (1 for ReLU).
    prior_variance : float
        Variance of each read-out weight under the prior, :math:`v_{out}/N`.
    """

    kind: str
    w: np.ndarray
    b: np.ndarray
    amplitude: np.ndarray
    prior_variance: float

    @property
    def width(self) -> int:
        """Number of features N."""
        return int(self.b.shape[0])

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """Feature matrix :math:`H_{nj} = h_j(x_n)`, shape ``(n, N)``."""
        z = x @ self.w.T
        z += self.b
        if self.kind == "cos":
            np.cos(z, out=z)
        else:
            np.maximum(z, 0.0, out=z)
        z *= self.amplitude
        return z


@functools.lru_cache(maxsize=16)
def _cos_spectrum(d_in: int, mass: float, radius: float) -> tuple[CosNet, float, Any]:
    """Generalised cos-net pieces: the CosNet with the spectrum, V_R and a NumPy rho(|w|^2)."""
    prior = FreeScalarFrequencyPrior(mass=mass, cutoff=radius)
    net = CosNet(sigma_w=1, sigma_b=1, d_in=d_in, frequency_prior=prior)
    ball = UniformBallFrequencyPrior(radius=radius)
    volume = float(ball.volume(net))
    pp = sp.Symbol("pp", nonnegative=True)
    inside = prior.normalisation(net) / (pp + sp.nsimplify(mass) ** 2)
    return net, volume, sp.lambdify(pp, inside, "numpy")


def sample_feature_map(kind: str, width: int, d_in: int, rng: np.random.Generator, *,
                       sigma_w: float = 1.0, sigma_b: float = 1.0, mass: float = 1.0,
                       radius: float = 4.0) -> RandomFeatureMap:
    r"""Draw a frozen first layer of ``width`` features.

    Parameters
    ----------
    kind : {"cos", "relu"}
        Generalised cos-net (free-scalar spectrum with mass ``mass``, UV cutoff ``radius``) or
        ReLU-net (priors of :class:`nnqft_sym.ReLUNet` with ``sigma_w``, ``sigma_b``).
    width, d_in : int
    rng : numpy Generator
    sigma_w : float
        Output scale: read-out prior variance :math:`2\sigma_W^2/N` (cos) or
        :math:`\sigma_W^2/N` (ReLU) (``output_variance`` of the architecture).

    Examples
    --------
    >>> fmap = sample_feature_map("cos", 100, 2, np.random.default_rng(0))
    >>> fmap(np.zeros((3, 2))).shape
    (3, 100)
    """
    check_integer(width, "width", 1)
    check_integer(d_in, "d_in", 1)
    if kind == "cos":
        net, volume, rho = _cos_spectrum(int(d_in), float(mass), float(radius))
        ball = UniformBallFrequencyPrior(radius=radius)
        w = ball.sample(net, rng, (width,))
        b = rng.uniform(-np.pi, np.pi, width)
        amplitude = np.sqrt(volume * rho(np.sum(w * w, -1)))
        v_out = 2 * sigma_w ** 2
    elif kind == "relu":
        net = ReLUNet(sigma_w=sigma_w, sigma_b=sigma_b, d_in=d_in)
        w, b = net.sample_first_layer(rng, (width,))
        amplitude = np.ones(width)
        v_out = float(net.output_variance)
    else:
        raise ValueError(f"features must be 'cos' or 'relu', got {kind!r}")
    return RandomFeatureMap(kind, w, b, amplitude, v_out / width)


# ---------------------------------------------------------------------- Fisher information
def fisher_diagonal(fmap: RandomFeatureMap, inputs: InputDistribution,
                    noise_std: float) -> np.ndarray:
    r"""Analytic diagonal Fisher information :math:`F_{jj} = E_x[h_j(x)^2]/\sigma_n^2` of the read-out weights.

    - cos: :math:`A_j^2\,(1 + E_x\cos(2 w_j\cdot x + 2 b_j))/2`, with the closed-form
      average of :meth:`InputDistribution.mean_cos` (Gaussian: damping
      :math:`e^{-2 s^2|w|^2}`; box: :math:`\prod_k \mathrm{sinc}(2 w_k s)`);
    - ReLU, Gaussian inputs: :math:`z = w\cdot x + b \sim N(\mu, \tau^2)`,
      :math:`E[\max(0,z)^2] = (\mu^2 + \tau^2)\Phi(\mu/\tau) + \mu\tau\varphi(\mu/\tau)`;
    - ReLU, box inputs (``d_in = 1``): :math:`(\max(0,z_+)^3 - \max(0,z_-)^3)/(3|w|\,2s)`.

    Returns
    -------
    ndarray, shape (N,)

    Raises
    ------
    ValueError
        ReLU features with box inputs in ``d_in > 1`` (no closed form implemented), or a
        non-positive ``noise_std``.

    Examples
    --------
    >>> fmap = sample_feature_map("relu", 4, 1, np.random.default_rng(1))
    >>> fisher_diagonal(fmap, InputDistribution("gauss", 1, 0.0, 1.0), 1.0).shape
    (4,)
    """
    noise_std = _check_positive(noise_std, "noise_std")
    if fmap.w.shape[1] != inputs.d_in:
        raise ValueError(f"feature map has d_in = {fmap.w.shape[1]}, inputs have {inputs.d_in}")
    if fmap.kind == "cos":
        second = 0.5 * fmap.amplitude ** 2 * (1 + inputs.mean_cos(2 * fmap.w, 2 * fmap.b))
    elif inputs.kind == "gauss":
        mu = fmap.b + inputs.center * fmap.w.sum(-1)
        tau = inputs.scale * np.linalg.norm(fmap.w, axis=-1)
        t = mu / tau
        second = (mu ** 2 + tau ** 2) * sps.ndtr(t) + mu * tau * np.exp(-0.5 * t * t) / np.sqrt(2 * np.pi)
    elif inputs.d_in == 1:
        w = fmap.w[:, 0]
        ends = np.stack([w * (inputs.center - inputs.scale), w * (inputs.center + inputs.scale)])
        ends += fmap.b
        hi, lo = np.max(ends, 0), np.min(ends, 0)
        second = (np.maximum(hi, 0) ** 3 - np.maximum(lo, 0) ** 3) / (3 * np.abs(w) * 2 * inputs.scale)
    else:
        raise ValueError("the analytic Fisher information of ReLU features on box inputs is "
                         "implemented for d_in = 1 only; use Gaussian inputs for d_in > 1")
    return second / noise_std ** 2


def empirical_fisher_diagonal(features: np.ndarray, noise_std: float
                              ) -> tuple[np.ndarray, np.ndarray]:
    r"""Empirical :math:`\overline{h_j^2}/\sigma_n^2` over the rows of ``features`` and its standard error."""
    noise_std = _check_positive(noise_std, "noise_std")
    sq = features ** 2
    n = sq.shape[0]
    return sq.mean(0) / noise_std ** 2, sq.std(0, ddof=1) / np.sqrt(n) / noise_std ** 2


# ---------------------------------------------------------------------- training
def ridge_readout(features: np.ndarray, y: np.ndarray, prior_variance: float,
                  noise_std: float) -> np.ndarray:
    r"""Bayesian posterior mean of the read-out weights (ridge regression), dual form.

    Prior :math:`a \sim N(0, v I)`, likelihood :math:`y \sim N(Ha, \sigma_n^2 I)`:
    :math:`\bar a = v H^T (v H H^T + \sigma_n^2 I)^{-1} y` (an :math:`n\times n` solve).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> H, y = rng.standard_normal((5, 20)), rng.standard_normal(5)
    >>> a = ridge_readout(H, y, 1.0, 0.1)
    >>> bool(np.allclose(a, np.linalg.solve(H.T @ H + 0.01 * np.eye(20), H.T @ y)))
    True
    """
    v = _check_positive(prior_variance, "prior_variance")
    noise_std = _check_positive(noise_std, "noise_std")
    gram = features @ features.T
    gram *= v
    gram[np.diag_indices_from(gram)] += noise_std ** 2
    return v * (features.T @ np.linalg.solve(gram, y))


def gradient_descent_readout(features: np.ndarray, y: np.ndarray, a0: np.ndarray, steps: int,
                             learning_rate: float | None = None) -> np.ndarray:
    r"""``steps`` steps of plain gradient descent on :math:`L(a) = \frac{1}{2n}|Ha - y|^2` from ``a0``.

    With :math:`G = HH^T/n = U\,\mathrm{diag}(s)\,U^T` and :math:`r_0 = Ha_0 - y`, the iterates
    are exactly :math:`a_T = a_0 - \frac{1}{n} H^T U\,\mathrm{diag}\big((1 - (1 - \eta s)^T)/s\big)
    U^T r_0` (:math:`\eta T` where :math:`s = 0`).  Default :math:`\eta = 1/s_{max}`.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> H, y, a = rng.standard_normal((6, 10)), rng.standard_normal(6), np.zeros(10)
    >>> eta = 0.05
    >>> loop = a.copy()
    >>> for _ in range(30):
    ...     loop -= eta * H.T @ (H @ loop - y) / 6
    >>> bool(np.allclose(gradient_descent_readout(H, y, a, 30, eta), loop))
    True
    """
    steps = check_integer(steps, "steps", 0)
    n = features.shape[0]
    s, u = np.linalg.eigh(features @ features.T / n)
    s = np.maximum(s, 0.0)
    eta = 1.0 / s[-1] if learning_rate is None else _check_positive(learning_rate, "learning_rate")
    if eta * s[-1] >= 2:
        raise ValueError(f"learning_rate = {eta} diverges: it must be < 2 / s_max = {2 / s[-1]}")
    small = s < 1e-300
    with np.errstate(divide="ignore"):  # eta * s = 1 gives log1p(-1) = -inf: (1 - 0^T) / s
        decay = -np.expm1(steps * np.log1p(-eta * s))
    coeff = np.where(small, eta * steps, decay / np.where(small, 1, s))
    r0 = features @ a0 - y
    return a0 - features.T @ (u @ (coeff * (u.T @ r0))) / n


# ---------------------------------------------------------------------- coarse graining
def coarse_grain(weights: np.ndarray, fisher: np.ndarray, cutoffs: np.ndarray,
                 replacement: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""Reset the weights with Fisher information below each cutoff.

    Parameters
    ----------
    weights, fisher, replacement : ndarray, shape (N,)
        Trained weights, their Fisher information, and the values of reset weights (a prior
        draw, or zeros for the prior mean).
    cutoffs : ndarray, shape (L,)

    Returns
    -------
    (ndarray (L, N), ndarray (L, N) of bool)
        Coarse-grained weights per cutoff and the reset masks :math:`F_{jj} < \Lambda`.

    Examples
    --------
    >>> a, masks = coarse_grain(np.array([1., 2.]), np.array([0.5, 3.]), np.array([1., 5.]),
    ...                         np.zeros(2))
    >>> a.tolist(), masks.sum(1).tolist()
    ([[0.0, 2.0], [0.0, 0.0]], [1, 2])
    """
    masks = fisher[None, :] < np.asarray(cutoffs, dtype=float)[:, None]
    return np.where(masks, replacement[None, :], weights[None, :]), masks


def momentum_cutoff(lam: np.ndarray, d_in: int, noise_std: float, mass: float,
                    radius: float) -> np.ndarray:
    r"""Large-box dictionary :math:`k(\Lambda)` of the generalised free-scalar cos-net.

    :math:`\lambda(k) = V_R\rho(k)/(2\sigma_n^2) = \Lambda \Rightarrow
    k^2 = V_R C/(2\sigma_n^2\Lambda) - m^2`, clipped to :math:`[0, R]`
    (:meth:`nnqft_sym.bayesian_rg.GeneralisedCosNet.momentum_cutoff`).
    """
    _, volume, rho = _cos_spectrum(int(d_in), float(mass), float(radius))
    c = rho(0.0) * mass ** 2
    k2 = volume * c / (2 * noise_std ** 2 * np.asarray(lam, dtype=float)) - mass ** 2
    return np.sqrt(np.clip(k2, 0.0, radius ** 2))


def wilson_propagator(separations: np.ndarray, k: float, d_in: int, sigma_w: float, mass: float,
                      radius: float) -> np.ndarray:
    r"""Wilson's sharp momentum-shell free propagator :math:`\sigma_W^2\int_{|p|<k} d^dp\,\rho(p)\cos(p\Delta)` at ``separations``."""
    net, _, _ = _cos_spectrum(int(d_in), float(mass), float(radius))
    return sigma_w ** 2 * net.frequency_prior.truncated_characteristic(
        net, np.asarray(separations, dtype=float) ** 2, k)


# ---------------------------------------------------------------------- the experiment
@dataclass
class BRGResult:
    r"""Result of :func:`run_brg_experiment` (``L`` cutoffs, ``P`` probe separations).

    Every ``*_err`` is the standard error over ensemble members (jackknife for covariances).

    Attributes
    ----------
    cutoffs : ndarray (L,)
        Information cutoffs :math:`\Lambda`.
    test_loss, test_loss_err : ndarray (L,)
        Mean test MSE against the noiseless target after coarse graining.
    baseline_loss, baseline_loss_err : float
        Test MSE of the trained ensemble without coarse graining.
    fraction_reset, fraction_reset_err : ndarray (L,)
        Fraction of read-out weights with :math:`F_{jj} < \Lambda`.
    separations : ndarray (P,)
        :math:`|x_i - x_0|` of the probe points (along the first axis).
    two_point, two_point_err : ndarray (L, P)
        Measured connected ensemble 2-point function :math:`G_\Lambda(x_0, x_i)`.
    two_point_pred, two_point_pred_err : ndarray (L, P)
        Prediction: stiff-part covariance + analytic integrated-out-shell propagator.
    kept_two_point, kept_two_point_err : ndarray (L, P)
        Untrained ensemble with sloppy weights set to 0: measured 2-point function.
    kept_two_point_pred, kept_two_point_pred_err : ndarray (L, P)
        Its prediction :math:`v_{out} E[h h\,1\{F \geq \Lambda\}]` (Monte Carlo).
    wilson_two_point : ndarray (L, P)
        cos features: Wilson's momentum-shell propagator at :math:`k(\Lambda)` (NaN for ReLU).
    momentum_cutoffs : ndarray (L,)
        cos features: :math:`k(\Lambda)` (NaN for ReLU).
    critical_cutoff, critical_cutoff_err : float
        :math:`\Lambda_c` and the bootstrap error of :math:`\log_{10}\Lambda_c` (NaN if the
        loss never rises by the threshold in the sweep).
    fisher_check : dict
        Analytic vs empirical Fisher information: mean z^2, fraction of |z| < 2, max |z|.
    config : dict
        All parameters (JSON-friendly) and the seed state.
    """

    cutoffs: np.ndarray
    test_loss: np.ndarray
    test_loss_err: np.ndarray
    baseline_loss: float
    baseline_loss_err: float
    fraction_reset: np.ndarray
    fraction_reset_err: np.ndarray
    separations: np.ndarray
    two_point: np.ndarray
    two_point_err: np.ndarray
    two_point_pred: np.ndarray
    two_point_pred_err: np.ndarray
    kept_two_point: np.ndarray
    kept_two_point_err: np.ndarray
    kept_two_point_pred: np.ndarray
    kept_two_point_pred_err: np.ndarray
    wilson_two_point: np.ndarray
    momentum_cutoffs: np.ndarray
    critical_cutoff: float
    critical_cutoff_err: float
    fisher_check: dict = field(default_factory=dict)
    config: dict = field(default_factory=dict)

    def arrays(self) -> dict[str, np.ndarray]:
        """The array fields (for ``.npz``)."""
        return {k: np.asarray(v) for k, v in asdict(self).items()
                if k not in ("fisher_check", "config")}

    def summary(self) -> dict[str, Any]:
        """The scalar fields and the configuration (for JSON)."""
        return {"baseline_loss": self.baseline_loss, "baseline_loss_err": self.baseline_loss_err,
                "critical_cutoff": self.critical_cutoff,
                "critical_cutoff_log10_err": self.critical_cutoff_err,
                "fisher_check": self.fisher_check, "config": self.config}


def _target(rng: np.random.Generator, d_in: int, n_modes: int, mass: float, radius: float
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    net, _, _ = _cos_spectrum(d_in, mass, radius)
    k = net.frequency_prior.sample(net, rng, (n_modes,))
    phase = rng.uniform(-np.pi, np.pi, n_modes)
    return k, phase, np.full(n_modes, np.sqrt(2.0 / n_modes))


def _evaluate_target(x: np.ndarray, target: tuple[np.ndarray, np.ndarray, np.ndarray]) -> np.ndarray:
    k, phase, coeff = target
    return np.cos(x @ k.T + phase) @ coeff


def _jackknife_cov(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Covariance of column 0 with every column over axis 0 (members), and its jackknife error.

    ``values``: (M, ..., P) -> (..., P) and (..., P).
    """
    m = values.shape[0]
    x0 = values[..., :1]
    sum_xy, sum_0, sum_i = (x0 * values).sum(0), x0.sum(0), values.sum(0)
    full = (sum_xy - sum_0 * sum_i / m) / (m - 1)
    # leave-one-out sample covariances, then the jackknife variance
    loo = ((sum_xy - x0 * values) - (sum_0 - x0) * (sum_i - values) / (m - 1)) / (m - 2)
    err = np.sqrt((m - 1) / m * np.sum((loo - loo.mean(0)) ** 2, axis=0))
    return full, err


def _shell_average(samples: np.ndarray, fisher: np.ndarray, cutoffs: np.ndarray,
                   inclusive: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Mean of ``samples * 1{fisher < cutoff}`` over the last axis and its standard error, per cutoff.

    ``samples``: (P, n), ``fisher``: (n,), ``cutoffs``: (L,) -> (L, P) twice.  Sorting once and
    taking cumulative sums costs O(n log n) for all cutoffs (``inclusive``: ``<=``).
    """
    n = fisher.size
    order = np.argsort(fisher, kind="stable")
    zero = np.zeros((samples.shape[0], 1))
    first = np.concatenate([zero, np.cumsum(samples[:, order], axis=1)], axis=1)
    second = np.concatenate([zero, np.cumsum(samples[:, order] ** 2, axis=1)], axis=1)
    counts = np.searchsorted(fisher[order], cutoffs, side="right" if inclusive else "left")
    mean = first[:, counts].T / n
    var = (second[:, counts].T / n - mean ** 2) * n / (n - 1)
    return mean, np.sqrt(np.maximum(var, 0.0) / n)


def _mean_err(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return values.mean(0), values.std(0, ddof=1) / np.sqrt(values.shape[0])


def _critical(cutoffs: np.ndarray, loss: np.ndarray, baseline: float, threshold: float) -> float:
    above = np.nonzero(loss > (1 + threshold) * baseline)[0]
    if above.size == 0:
        return np.nan
    i = above[0]
    if i == 0:
        return float(cutoffs[0])
    level = (1 + threshold) * baseline
    x0, x1 = np.log10(cutoffs[i - 1]), np.log10(cutoffs[i])
    y0, y1 = loss[i - 1], loss[i]
    return float(10 ** (x0 + (level - y0) * (x1 - x0) / (y1 - y0)))


def brg_member(seed: np.random.SeedSequence, setup: dict[str, Any], n_fisher: int
               ) -> dict[str, np.ndarray]:
    r"""One ensemble member of :func:`run_brg_experiment`: draw, train, coarse-grain, measure.

    A pure function of its arguments (the task of :func:`numeric.distributed.run_tasks`):
    from ``rng = default_rng(seed)`` it draws, in this order, the feature map, a prior draw of
    the read-out (the start of gradient descent, then a second draw for the resets with
    ``training="gd"``) and, if ``n_fisher > 0``, the inputs of the Fisher check.

    Parameters
    ----------
    seed : numpy SeedSequence
        The member's stream.
    setup : dict
        Shared by all members: ``features``, ``width``, ``inputs`` (:class:`InputDistribution`),
        ``feature_kw`` (keyword arguments of :func:`sample_feature_map`), ``x_train``,
        ``y_train``, ``x_test``, ``y_test`` (noiseless), ``probes`` (``(P, d_in)``),
        ``cutoffs`` (``(L,)``), ``noise_std``, ``training``, ``gd_steps``, ``reset``.
    n_fisher : int >= 0
        Fresh inputs for the analytic-vs-empirical Fisher check (0: no check).

    Returns
    -------
    dict of ndarray
        ``loss`` (L,): test MSE after coarse graining; ``base`` (): without; ``fraction``
        (L,): fraction reset; ``f_probe``, ``stiff_probe``, ``kept_probe`` (L, P): the
        coarse-grained member, its kept trained part, and the untrained member with sloppy
        weights at 0, at the probes; ``fisher_z``: z-scores of the empirical against the
        analytic Fisher information of the weights with at least 50 non-zero feature values
        (empty if ``n_fisher = 0``).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(10, 2))
    >>> setup = {"features": "relu", "width": 20, "inputs": InputDistribution(),
    ...          "feature_kw": {}, "x_train": x, "y_train": x[:, 0], "x_test": x,
    ...          "y_test": x[:, 0], "probes": x[:3], "cutoffs": np.array([0.1, 10.0]),
    ...          "noise_std": 0.1, "training": "ridge", "gd_steps": 0, "reset": "prior"}
    >>> out = brg_member(np.random.SeedSequence(1), setup, 0)
    >>> out["f_probe"].shape, out["fisher_z"].size
    ((2, 3), 0)
    """
    features, width, inputs = setup["features"], setup["width"], setup["inputs"]
    noise_std, cutoffs = setup["noise_std"], setup["cutoffs"]
    y_train, y_test = setup["y_train"], setup["y_test"]
    rng = np.random.default_rng(seed)
    fmap = sample_feature_map(features, width, inputs.d_in, rng, **setup["feature_kw"])
    h_train, h_test, h_probe = fmap(setup["x_train"]), fmap(setup["x_test"]), fmap(setup["probes"])
    prior_draw = np.sqrt(fmap.prior_variance) * rng.standard_normal(width)
    if setup["training"] == "ridge":
        a = ridge_readout(h_train, y_train, fmap.prior_variance, noise_std)
    else:
        a = gradient_descent_readout(h_train, y_train, prior_draw, setup["gd_steps"])
        prior_draw = np.sqrt(fmap.prior_variance) * rng.standard_normal(width)
    fisher = fisher_diagonal(fmap, inputs, noise_std)
    z = np.empty(0)
    if n_fisher > 0:  # analytic vs empirical on a fresh input sample of this member
        h_fisher = fmap(inputs.sample(rng, n_fisher))
        emp, emp_err = empirical_fisher_diagonal(h_fisher, noise_std)
        ok = np.count_nonzero(h_fisher, axis=0) >= 50  # CLT regime (rarely active ReLUs out)
        z = (emp[ok] - fisher[ok]) / emp_err[ok]
    replacement = prior_draw if setup["reset"] == "prior" else np.zeros(width)
    weights, masks = coarse_grain(a, fisher, cutoffs, replacement)
    return {"loss": np.mean((weights @ h_test.T - y_test) ** 2, axis=1),
            "base": np.asarray(np.mean((h_test @ a - y_test) ** 2)),
            "fraction": masks.mean(1),
            "f_probe": weights @ h_probe.T,
            "stiff_probe": np.where(masks, 0.0, a) @ h_probe.T,
            # untrained member, sloppy weights integrated out (set to the prior mean)
            "kept_probe": np.where(masks, 0.0, prior_draw) @ h_probe.T,
            "fisher_z": z}


def _member_file(folder: Path) -> Callable[[int], Path]:
    """Checkpoint path of ensemble member ``m`` in ``folder``."""
    return lambda m: folder / f"member_{m:05d}.npz"


def run_brg_experiment(n_members: int = 100, width: int = 2000, cutoffs: Sequence[float] | None = None,
                       features: str = "relu", *, n_train: int = 200, n_test: int = 200,
                       inputs: InputDistribution | None = None, noise_std: float = 0.1,
                       training: str = "ridge", gd_steps: int = 1000, reset: str = "prior",
                       sigma_w: float = 1.0, sigma_b: float = 1.0, mass: float = 1.0,
                       radius: float = 4.0, n_modes: int = 8, n_probes: int = 7,
                       probe_spacing: float = 0.4, threshold: float = 0.1,
                       target_cutoff: float = 2.0, n_fisher: int = 2000,
                       n_fisher_members: int = 10, n_mc: int = 100_000, n_bootstrap: int = 200,
                       seed: Any = 0, scheduler: Any = "serial", workers: int = 1,
                       checkpoint_dir: str | Path | None = None,
                       progress: bool = True) -> BRGResult:
    r"""Train an ensemble, coarse-grain it in information shells and measure (module docstring).

    Parameters
    ----------
    n_members, width : int
        Ensemble size and number of features N.
    cutoffs : sequence of float > 0, optional
        Information cutoffs :math:`\Lambda` (default: 25 log-spaced values from 1/30 of the
        1st percentile of the first member's Fisher spectrum to 3 times its maximum).
    features : {"relu", "cos"}
    n_train, n_test : int
        Training and test points (same data for every member).
    inputs : InputDistribution, optional
        Default: ReLU -> reference inputs ``N((1, 1), I)`` (``gauss``, centre 1, scale 1);
        cos -> ``box`` centre 0, half-width 3 (information = momentum up to
        :math:`O(1/(|w| s))` corrections for :math:`|w| \gtrsim 1`).
    noise_std : float
        :math:`\sigma_n` of the labels and of the Gaussian likelihood.
    training : {"ridge", "gd"}
        Posterior mean, or ``gd_steps`` of plain gradient descent from a prior draw.
    reset : {"prior", "mean"}
        Reset sloppy weights to a prior draw or to 0.
    sigma_w, sigma_b, mass, radius : float
        Priors: output scale, ReLU bias scale, free-scalar mass and UV cutoff (cos).
    n_modes : int
        Sinusoids in the target.
    n_probes, probe_spacing : int, float
        Probe points :math:`x_0 + i\,\delta\, e_1` for the 2-point function (:math:`x_0` = input centre).
    threshold : float
        Relative rise of the test loss that defines :math:`\Lambda_c`.
    target_cutoff : float
        Target frequencies are drawn from the free-scalar spectrum restricted to this radius.
    n_fisher, n_fisher_members : int
        Independent inputs and number of members for the analytic-vs-empirical Fisher check
        (weights with at least 50 non-zero feature values enter).
    n_mc : int
        Fresh first-layer draws for the shell-propagator predictions.
    n_bootstrap : int
        Bootstrap resamples of members for the error of :math:`\Lambda_c`.
    seed : int, SeedSequence, Generator or None
        Member ``m`` draws from the child ``3 + m`` of the seed (:func:`brg_member`).
    scheduler, workers
        Where the members run: ``"serial"`` (default), ``"processes"`` (a local Dask cluster
        of ``workers`` processes), a Dask scheduler address or a ``distributed.Client``
        (:func:`numeric.distributed.run_tasks`).  The result is bit-identical for every
        choice: each member is a pure function of its seed, merged in member order.
    checkpoint_dir : str or Path, optional
        Folder of per-member checkpoints ``member_#####.npz`` (written atomically as members
        finish); a rerun loads the finished members and computes only the missing ones.
        ``plan.json`` there refuses a folder of a different run; the folder is locked while
        the ensemble runs, and each member file carries its seed state, the plan and a
        checksum (:func:`numeric.storage.checkpoint_folder`), so a damaged or foreign file is
        refused with a :class:`nnqft_sym.errors.CheckpointError` naming it.
    progress : bool
        tqdm bar over members.

    Examples
    --------
    >>> res = run_brg_experiment(n_members=4, width=50, n_train=30, n_test=20, n_mc=2000,
    ...                          progress=False)
    >>> res.test_loss.shape == res.cutoffs.shape
    True
    """
    n_members = check_integer(n_members, "n_members", 3)
    width = check_integer(width, "width", 1)
    n_train = check_integer(n_train, "n_train", 1)
    n_test = check_integer(n_test, "n_test", 1)
    n_probes = check_integer(n_probes, "n_probes", 2)
    n_mc = check_integer(n_mc, "n_mc", 10)
    noise_std = _check_positive(noise_std, "noise_std")
    threshold = _check_positive(threshold, "threshold")
    if features not in ("relu", "cos"):
        raise ValueError(f"features must be 'relu' or 'cos', got {features!r}")
    if training not in ("ridge", "gd"):
        raise ValueError(f"training must be 'ridge' or 'gd', got {training!r}")
    if reset not in ("prior", "mean"):
        raise ValueError(f"reset must be 'prior' or 'mean', got {reset!r}")
    scheduler, workers = check_scheduler(scheduler, workers)
    if inputs is None:
        inputs = InputDistribution("gauss", 2, 1.0, 1.0) if features == "relu" \
            else InputDistribution("box", 2, 0.0, 3.0)
    d_in = inputs.d_in
    root = as_seed_sequence(seed)
    task_seq, mc_seq, boot_seq, *member_seqs = child_seeds(root, 3 + n_members)
    task_rng = np.random.default_rng(task_seq)
    target = _target(task_rng, d_in, check_integer(n_modes, "n_modes", 1), mass,
                     min(_check_positive(target_cutoff, "target_cutoff"), radius))
    x_train = inputs.sample(task_rng, n_train)
    y_train = _evaluate_target(x_train, target) + noise_std * task_rng.standard_normal(n_train)
    x_test = inputs.sample(task_rng, n_test)
    y_test = _evaluate_target(x_test, target)
    n_fisher = check_integer(n_fisher, "n_fisher", 2)
    n_fisher_members = check_integer(n_fisher_members, "n_fisher_members", 0)
    separations = probe_spacing * np.arange(n_probes)
    probes = np.full((n_probes, d_in), inputs.center)
    probes[:, 0] += separations
    feature_kw = dict(sigma_w=sigma_w, sigma_b=sigma_b, mass=mass, radius=radius)

    if cutoffs is None:
        f0 = fisher_diagonal(sample_feature_map(features, width, d_in, np.random.default_rng(member_seqs[0]),
                                                **feature_kw), inputs, noise_std)
        cutoffs = np.geomspace(np.quantile(f0, 0.01) / 30, 3 * f0.max(), 25)
    cutoffs = np.asarray(cutoffs, dtype=float)
    if cutoffs.ndim != 1 or cutoffs.size < 2 or not np.all(cutoffs > 0) or np.any(np.diff(cutoffs) <= 0):
        raise ValueError("cutoffs must be an increasing 1-d sequence of at least 2 positive numbers")
    n_cut = cutoffs.size

    setup = {"features": features, "width": width, "inputs": inputs, "feature_kw": feature_kw,
             "x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test,
             "probes": probes, "cutoffs": cutoffs, "noise_std": noise_std,
             "training": training, "gd_steps": gd_steps, "reset": reset}
    tasks = {m: (seq, setup, n_fisher if m < n_fisher_members else 0)
             for m, seq in enumerate(member_seqs)}
    config = {"n_members": n_members, "width": width, "features": features, "n_train": n_train,
              "n_test": n_test, "inputs": asdict(inputs), "noise_std": noise_std,
              "training": training, "gd_steps": gd_steps, "reset": reset, "sigma_w": sigma_w,
              "sigma_b": sigma_b, "mass": mass, "radius": radius, "n_modes": n_modes,
              "probe_spacing": probe_spacing, "threshold": threshold,
              "target_cutoff": target_cutoff, "n_fisher": n_fisher,
              "n_fisher_members": min(n_members, n_fisher_members), "n_mc": n_mc,
              "n_bootstrap": n_bootstrap, "seed_state": seed_state(root)}
    folder = None if checkpoint_dir is None else Path(checkpoint_dir)
    # members depend on everything but the ensemble size and the post-processing
    plan = {**{k: v for k, v in config.items()
               if k not in ("n_members", "n_mc", "n_bootstrap", "threshold")},
            "n_fisher_members": n_fisher_members, "n_probes": n_probes,
            "cutoffs": cutoffs, "sampler_stream": STREAM_VERSION}

    def identity(m: int) -> dict[str, Any]:
        """What member ``m`` was computed from: stored in its file, checked on resume."""
        return {"member": m, "seed": seed_state(member_seqs[m]), "n_fisher": tasks[m][2], **plan}

    with (contextlib.nullcontext() if folder is None else checkpoint_folder(folder, plan)):
        members = list(run_tasks(brg_member, tasks, scheduler=scheduler, workers=workers,
                                 checkpoint=None if folder is None else _member_file(folder),
                                 identity=identity, progress=progress,
                                 desc=f"BRG {features} members").values())
    losses = np.stack([r["loss"] for r in members])
    base = np.array([float(r["base"]) for r in members])
    fractions = np.stack([r["fraction"] for r in members])
    f_probe = np.stack([r["f_probe"] for r in members])
    stiff_probe = np.stack([r["stiff_probe"] for r in members])
    kept_probe = np.stack([r["kept_probe"] for r in members])
    z = np.concatenate([r["fisher_z"] for r in members])  # analytic-vs-empirical Fisher z-scores

    test_loss, test_loss_err = _mean_err(losses)
    fraction, fraction_err = _mean_err(fractions)
    two_point, two_point_err = _jackknife_cov(f_probe)
    stiff_cov, stiff_err = _jackknife_cov(stiff_probe)
    kept, kept_err = _jackknife_cov(kept_probe)

    # analytic propagators of the integrated-out shell and of the kept modes, by Monte Carlo
    # over fresh first layers (independent of the ensemble): v_out E[h(x0) h(xi) 1{F < Lambda}]
    mc_rng = np.random.default_rng(mc_seq)
    fresh = sample_feature_map(features, n_mc, d_in, mc_rng, **feature_kw)
    prod = (fresh.prior_variance * n_mc) * fresh(probes[:1]) * fresh(probes)  # (P, n_mc)
    shell, shell_err = _shell_average(prod, fisher_diagonal(fresh, inputs, noise_std), cutoffs)
    kept_pred, kept_pred_err = _shell_average(prod, -fisher_diagonal(fresh, inputs, noise_std),
                                              -cutoffs, inclusive=True)
    if reset == "prior":
        pred2, pred2_err = stiff_cov + shell, np.hypot(stiff_err, shell_err)
    else:
        pred2, pred2_err = stiff_cov, stiff_err

    if features == "cos":
        ks = momentum_cutoff(cutoffs, d_in, noise_std, mass, radius)
        wilson = np.stack([wilson_propagator(separations, k, d_in, sigma_w, mass, radius) for k in ks])
    else:
        ks = np.full(n_cut, np.nan)
        wilson = np.full((n_cut, n_probes), np.nan)

    baseline, baseline_err = _mean_err(base)
    crit = _critical(cutoffs, test_loss, baseline, threshold)
    boot_rng = np.random.default_rng(boot_seq)
    boots = []
    for _ in range(check_integer(n_bootstrap, "n_bootstrap", 0)):
        idx = boot_rng.integers(0, n_members, n_members)
        boots.append(_critical(cutoffs, losses[idx].mean(0), base[idx].mean(), threshold))
    boots = np.log10(np.asarray([b for b in boots if np.isfinite(b)]))
    crit_err = float(boots.std(ddof=1)) if boots.size > 1 and np.isfinite(crit) else np.nan

    fisher_check = {"mean_z2": float(np.mean(z ** 2)) if z.size else np.nan,
                    "frac_abs_z_below_2": float(np.mean(np.abs(z) < 2)) if z.size else np.nan,
                    "max_abs_z": float(np.max(np.abs(z))) if z.size else np.nan,
                    "n_weights": int(z.size)}
    return BRGResult(cutoffs, test_loss, test_loss_err, float(baseline), float(baseline_err),
                     fraction, fraction_err, separations, two_point, two_point_err, pred2, pred2_err,
                     kept, kept_err, kept_pred, kept_pred_err, wilson, ks, crit, crit_err,
                     fisher_check, config)


def save_brg_result(result: BRGResult, out: str | Path) -> tuple[Path, Path]:
    """Write ``brg_arrays.npz`` and ``brg_summary.json`` to the folder ``out`` (atomically)."""
    out = Path(out)
    return (save_npz(out / "brg_arrays.npz", result.arrays()),
            save_json(out / "brg_summary.json", result.summary()))


# ---------------------------------------------------------------------- figures and report
def plot_brg(result: BRGResult) -> dict[str, Any]:
    """Three figures: test loss, fraction reset and 2-point function against the cutoff.

    Returns ``{"test_loss": fig, "fraction_reset": fig, "two_point": fig}``:
    :class:`matplotlib.figure.Figure` objects made without pyplot, so no backend is selected
    and no pyplot state is touched (a notebook shows one with ``display(fig)``).
    """
    from matplotlib.figure import Figure

    lam = result.cutoffs
    figs: dict[str, Any] = {}
    fig = Figure(figsize=(5.5, 4))
    ax = fig.subplots()
    ax.errorbar(lam, result.test_loss, result.test_loss_err, fmt="o-", ms=3, label="coarse-grained")
    ax.axhline(result.baseline_loss, color="k", lw=0.8, ls=":", label="trained (no reset)")
    if np.isfinite(result.critical_cutoff):
        ax.axvline(result.critical_cutoff, color="C3", ls="--",
                   label=rf"$\Lambda_c$ = {result.critical_cutoff:.3g}")
    ax.set(xscale="log", yscale="log", xlabel=r"information cutoff $\Lambda$",
           ylabel="test MSE", title="Test loss after information-shell coarse graining")
    ax.legend(fontsize=8)
    figs["test_loss"] = fig
    fig = Figure(figsize=(5.5, 4))
    ax = fig.subplots()
    ax.errorbar(lam, result.fraction_reset, result.fraction_reset_err, fmt="o-", ms=3)
    ax.set(xscale="log", xlabel=r"information cutoff $\Lambda$", ylabel="fraction of weights reset",
           title=r"Sloppy read-out weights ($F_{jj} < \Lambda$)")
    figs["fraction_reset"] = fig
    fig = Figure(figsize=(11, 4))
    axes = fig.subplots(1, 2)
    for i, c in zip((0, len(result.separations) // 2), ("C0", "C1")):
        sep = result.separations[i]
        axes[0].errorbar(lam, result.two_point[:, i], result.two_point_err[:, i], fmt="o", ms=3,
                         color=c, label=f"measured, |x-x0| = {sep:.2g}")
        axes[0].fill_between(lam, result.two_point_pred[:, i] - result.two_point_pred_err[:, i],
                             result.two_point_pred[:, i] + result.two_point_pred_err[:, i],
                             color=c, alpha=0.3, label="stiff part + shell propagator")
        axes[1].errorbar(lam, result.kept_two_point[:, i], result.kept_two_point_err[:, i], fmt="o",
                         ms=3, color=c, label=f"measured, |x-x0| = {sep:.2g}")
        axes[1].plot(lam, result.kept_two_point_pred[:, i], color=c, label="v E[h h 1{F >= L}]")
        if np.all(np.isfinite(result.wilson_two_point[:, i])):
            axes[1].plot(lam, result.wilson_two_point[:, i], color=c, ls="--",
                         label=r"Wilson $K_{k(\Lambda)}$")
    axes[0].set(xscale="log", xlabel=r"$\Lambda$", ylabel=r"$G_\Lambda(x_0, x)$",
                title="Trained ensemble, sloppy weights reset")
    axes[1].set(xscale="log", xlabel=r"$\Lambda$", ylabel=r"$G_\Lambda(x_0, x)$",
                title="Prior ensemble, sloppy weights integrated out")
    for ax in axes:
        ax.legend(fontsize=7)
    figs["two_point"] = fig
    return figs


def write_brg_report(result: BRGResult, out: str | Path, seconds: float | None = None) -> Path:
    """Write arrays, JSON metadata, three PNG figures and ``report.md`` to ``out`` (all atomic)."""
    from .plots import save_figure

    out = Path(out)
    save_brg_result(result, out)
    for name, fig in plot_brg(result).items():
        save_figure(fig, out / "figures" / f"brg_{name}.png")
    cfg = result.config
    rows = []
    for i, lam in enumerate(result.cutoffs):
        diff = result.two_point[i, 0] - result.two_point_pred[i, 0]
        err = np.hypot(result.two_point_err[i, 0], result.two_point_pred_err[i, 0])
        rows.append({"lam": f"{lam:.3g}",
                     "loss": format_estimate(result.test_loss[i], result.test_loss_err[i]),
                     "frac": format_estimate(result.fraction_reset[i], result.fraction_reset_err[i]),
                     "g": format_estimate(result.two_point[i, 0], result.two_point_err[i, 0]),
                     "gp": format_estimate(result.two_point_pred[i, 0], result.two_point_pred_err[i, 0]),
                     "z": f"{diff / err:.2f}" if err > 0 else "-",
                     "k": f"{result.momentum_cutoffs[i]:.3g}"})
    crit = ("not reached in the sweep" if not np.isfinite(result.critical_cutoff) else
            f"{result.critical_cutoff:.4g} (log10 error {result.critical_cutoff_err:.2g}, "
            f"bootstrap over members)")
    fc = result.fisher_check
    lines = [
        "# Bayesian RG: information-shell coarse graining of a trained ensemble", "",
        f"{cfg['n_members']} networks with a frozen {cfg['features']} feature map of width "
        f"{cfg['width']} (d_in = {cfg['inputs']['d_in']}, inputs {cfg['inputs']['kind']}, centre "
        f"{cfg['inputs']['center']}, scale {cfg['inputs']['scale']}), read-out trained by "
        f"{cfg['training']} on {cfg['n_train']} points (noise sigma_n = {cfg['noise_std']}), "
        f"target: {cfg['n_modes']} sinusoids with free-scalar frequencies |k| < "
        f"{cfg['target_cutoff']}. Weights with Fisher information F_jj = E_x[h_j^2]/sigma_n^2 "
        f"(analytic) below the cutoff are reset to "
        f"{'a prior draw' if cfg['reset'] == 'prior' else 'the prior mean 0'}.", "",
        f"- Test MSE without coarse graining: "
        f"{format_estimate(result.baseline_loss, result.baseline_loss_err)}",
        f"- Critical distinguishability scale (test loss up by {cfg['threshold']:.0%}): {crit}",
        f"- Analytic vs empirical Fisher information ({fc.get('n_weights')} weights, "
        f"{cfg['n_fisher']} independent inputs): mean z^2 = {fc.get('mean_z2', np.nan):.3f} "
        f"(1 expected), fraction |z| < 2 = {fc.get('frac_abs_z_below_2', np.nan):.3f} (0.954), "
        f"max |z| = {fc.get('max_abs_z', np.nan):.2f} (z-scores of one member share its inputs, "
        f"so they are correlated)",
        *([f"- Run time: {seconds:.1f} s"] if seconds is not None else []), "",
        "## Per cutoff", "",
        "G = connected ensemble 2-point function at x0 = x (the input centre); prediction = "
        "covariance of the kept (stiff) part + v_out E[h h 1{F < Lambda}] of the reset shell "
        "(Monte Carlo over fresh first layers); k = momentum cutoff of the large-box dictionary "
        "lambda(k) = Lambda (cos features only).", "",
        markdown_table(rows, ["lam", "loss", "frac", "g", "gp", "z", "k"],
                       ["Lambda", "test MSE", "fraction reset", "G(x0,x0)", "predicted", "z",
                        "k(Lambda)"]), "",
        "## Figures", "",
        *[f"![{n}](figures/brg_{n}.png)" for n in ("test_loss", "fraction_reset", "two_point")], "",
        "## Reproduce", "",
        "Arrays: `brg_arrays.npz`; parameters, seed state and versions: `metadata.json`.", ""]
    save_json(out / "metadata.json", {**result.summary(), "versions": versions(),
                                      "seconds": seconds})
    return atomic_write(out / "report.md", lambda fh: fh.write("\n".join(lines)), mode="w")


# ---------------------------------------------------------------------- checks
def _check_positive(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a positive real number, got {value!r}")
    if not (np.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive finite number, got {value}")
    return float(value)
