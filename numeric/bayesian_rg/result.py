r"""The result of a BRG run and the ensemble statistics that reduce the members to it."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from .config import BRGConfig

__all__ = ["BRGResult"]


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
        Analytic vs empirical Fisher information: mean z^2, fraction of ``|z| < 2``, max ``|z|``.
    config : dict
        All parameters and the seed state (:meth:`BRGConfig.to_dict`; :attr:`brg_config`).
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

    @property
    def brg_config(self) -> BRGConfig:
        """:attr:`config` as a :class:`BRGConfig` (rerunning it reproduces this result)."""
        return BRGConfig.from_dict(self.config)


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


def _critical(cutoffs: np.ndarray, loss: np.ndarray, baseline: float, threshold: float) -> float:
    """Cutoff where ``loss`` first exceeds ``(1 + threshold) * baseline`` (log-interpolated; NaN if never)."""
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
