r"""Couplings of the NN-QFT effective action measured from network ensembles, and power laws.

Tree level of :math:`\Gamma = \Gamma_0 + \frac{u_4}{4!}\int f^4 + \frac{u_6}{6!}\int f^6`
(HMS arXiv:2008.08601, ELS arXiv:2108.01403; docs/conventions.md section 5):

- quartic: :math:`u_4(x_1..x_4) = -\Delta G^{(4)}(x_1..x_4) / N_K(x_1..x_4)` with
  :math:`N_K = \int d^dx \prod_i K_W(x, x_i)` (:func:`nnqft_sym.contact_integral`);
- sextic: the connected 6-point function
  :math:`G_c^{(6)} = \Delta G^{(6)} - \sum_{15} \Delta G^{(4)}(x_A)\, K(x_B)` (since
  :math:`G^{(2)} = K` exactly, :math:`\Delta G^{(6)} = \kappa_6 + \sum_{15}\kappa_4\kappa_2`) is,
  at tree level, :math:`u_4^2\,\mathrm{exchange} - u_6\,\mathrm{contact}`
  (:func:`feynman.tree_level.tree_level_six_point`), so
  :math:`u_6 = (u_4^2\,\mathrm{exchange} - G_c^{(6)})/\mathrm{contact}` with :math:`u_4` the
  measured (combination-averaged) quartic coupling.

Everything is computed bag by bag, so errors are the spread over bags of the whole
extraction (correlations between combinations included).  Non-Gaussian kernels (ReLU, Erf)
need an input-space cutoff :math:`\Lambda` for the vertex integrals.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from feynman.tree_level import tree_level_six_point
from nnqft_sym.architectures import from_description
from nnqft_sym.couplings import contact_integral

from ._deprecation import deprecated_attribute, renamed_keywords
from .estimators import REFERENCE_EXACT, GreenMeasurement
from .monomials import point_multisets
from .statistics import Estimate

__all__ = ["PowerLawFit", "fit_power_law", "QuarticCouplings", "quartic_couplings",
           "SexticCouplings", "sextic_couplings"]


# ---------------------------------------------------------------------- power laws
@dataclass(frozen=True)
class PowerLawFit:
    r"""Weighted least-squares fit :math:`y = A x^p` in log-log space.

    ``exponent_err`` is the fit error inflated by :math:`\sqrt{\chi^2/\mathrm{dof}}` when that
    exceeds 1 (scatter beyond the error bars); :attr:`exponent_estimate` and
    :attr:`amplitude_estimate` give them as :class:`numeric.Estimate`.
    """

    exponent: float
    exponent_err: float
    amplitude: float
    amplitude_err: float
    chi2: float
    dof: int

    def __call__(self, x: Any) -> np.ndarray:
        """The fitted law at ``x``."""
        return self.amplitude * np.asarray(x, float) ** self.exponent

    @property
    def exponent_estimate(self) -> Estimate:
        """The fitted exponent p and its error."""
        return Estimate(self.exponent, self.exponent_err)

    @property
    def amplitude_estimate(self) -> Estimate:
        """The fitted amplitude A and its error."""
        return Estimate(self.amplitude, self.amplitude_err)

    def __str__(self) -> str:
        return f"exponent {self.exponent_estimate} (chi2/dof {self.chi2:.3g}/{self.dof})"


def fit_power_law(x: Sequence[float], y: Sequence[float], yerr: Sequence[float] | None = None
                  ) -> PowerLawFit:
    """Fit ``y = A x**p`` (all ``y`` of one sign; ``A`` carries the sign).

    Parameters
    ----------
    x : positive values
    y : non-zero values of one sign
    yerr : positive errors of ``y`` (default: unweighted, errors from the scatter)

    Raises
    ------
    ValueError
        If fewer than 2 points, non-positive ``x``, ``y`` of mixed sign or zero, or
        non-positive errors.

    Examples
    --------
    >>> fit = fit_power_law([1, 2, 4], [3.0, 0.75, 0.1875], [0.01, 0.01, 0.01])
    >>> round(fit.exponent, 10), round(fit.amplitude, 10)
    (-2.0, 3.0)
    >>> print(fit_power_law([1, 2, 4], [3.0, 0.8, 0.18]).exponent_estimate)
    -2.029 ± 0.071
    """
    x, y = np.asarray(x, float), np.asarray(y, float)
    if x.shape != y.shape or x.ndim != 1 or len(x) < 2:
        raise ValueError(f"x and y must be 1-d of equal length >= 2, got {x.shape}, {y.shape}")
    if np.any(~np.isfinite(x)) or np.any(x <= 0):
        raise ValueError("x must be positive and finite for a log-log fit")
    sign = np.sign(y[0])
    if sign == 0 or np.any(np.sign(y) != sign) or np.any(~np.isfinite(y)):
        raise ValueError("y must be finite, non-zero and of one sign for a log-log fit")
    sigma = np.ones_like(y) if yerr is None else np.asarray(yerr, float) / np.abs(y)
    if sigma.shape != y.shape or np.any(~(sigma > 0)) or np.any(~np.isfinite(sigma)):
        raise ValueError("yerr must be positive and finite, one per point")
    lx, ly = np.log(x), np.log(np.abs(y))
    design = np.stack([np.ones_like(lx), lx], axis=1) / sigma[:, None]
    coef, *_ = np.linalg.lstsq(design, ly / sigma, rcond=None)
    cov = np.linalg.inv(design.T @ design)
    dof = len(x) - 2
    resid = (ly - coef[0] - coef[1] * lx) / sigma
    chi2 = float(resid @ resid)
    if yerr is None:
        scale = chi2 / dof if dof > 0 else np.nan
    else:
        scale = max(1.0, chi2 / dof) if dof > 0 else 1.0
    cov = cov * scale
    amp = float(sign * np.exp(coef[0]))
    return PowerLawFit(exponent=float(coef[1]), exponent_err=float(np.sqrt(cov[1, 1])),
                       amplitude=amp, amplitude_err=float(abs(amp) * np.sqrt(cov[0, 0])),
                       chi2=chi2, dof=dof)


# ---------------------------------------------------------------------- u4
@dataclass(frozen=True)
class QuarticCouplings:
    """Measured and reference local quartic couplings; arrays ``(n_widths, n_combos)`` unless
    stated.

    Attributes
    ----------
    widths : tuple of int
    combos : (n_combos, 4) point-index multisets
    contact_integral : (n_combos,) N_K (``normalisation`` is a deprecated alias)
    bag_values : (n_widths, n_bags, n_combos) u4 of each bag
    mean, stderr : over bags
    reference : reference u4 (from the reference Delta G^(4))
    heavy_tail : flag of the underlying 4-point estimate
    average, average_err, average_reference : (n_widths,) mean over combinations (error from
        bags) and its reference value
    spread : (n_widths,) standard deviation of the mean over combinations
    reference_kind : ``"exact"`` or ``"leading order in 1/N"`` (deep networks): what the
        reference values are (:func:`numeric.reference_kind`)

    ``exact`` and ``average_exact`` are deprecated aliases of ``reference`` and
    ``average_reference``.
    """

    widths: tuple[int, ...]
    combos: np.ndarray
    contact_integral: np.ndarray
    bag_values: np.ndarray
    mean: np.ndarray
    stderr: np.ndarray
    reference: np.ndarray
    heavy_tail: np.ndarray
    average: np.ndarray
    average_err: np.ndarray
    average_reference: np.ndarray
    spread: np.ndarray
    reference_kind: str = REFERENCE_EXACT

    exact = deprecated_attribute("reference", "exact")
    average_exact = deprecated_attribute("average_reference", "average_exact")
    normalisation = deprecated_attribute("contact_integral", "normalisation")

    @property
    def mean_estimate(self) -> Estimate:
        """u4 per combination: ``Estimate(mean, stderr)``."""
        return Estimate(self.mean, self.stderr, self.bag_values.shape[1])

    @property
    def average_estimate(self) -> Estimate:
        """Combination-averaged u4: ``Estimate(average, average_err)``."""
        return Estimate(self.average, self.average_err, self.bag_values.shape[1])

    def fit_width(self, exclude_heavy: bool = False) -> PowerLawFit:
        """Fit of the combination-averaged u4 against the width (exact law: exponent -1).

        ``exclude_heavy`` drops the widths whose 4-point estimates are flagged heavy-tailed.
        """
        keep = ~self.heavy_tail.any(axis=1) if exclude_heavy else np.ones(len(self.widths), bool)
        return fit_power_law(np.asarray(self.widths)[keep], self.average[keep],
                             self.average_err[keep])


QuarticCouplings.__init__ = renamed_keywords(  # type: ignore[method-assign]
    normalisation="contact_integral")(QuarticCouplings.__init__)


def _bag_average(bag_values: np.ndarray) -> Estimate:
    """Combination average ``(n_widths,)`` with its error from the spread over the bags."""
    return Estimate.from_samples(bag_values.mean(axis=-1), axis=1)


def quartic_couplings(result: GreenMeasurement, cutoff: float | None = None) -> QuarticCouplings:
    """u4 = -Delta G^(4) / N_K at every 4-point multiset, per bag and reference.

    ``cutoff`` is the input-space cutoff for non-Gaussian kernels (see
    :func:`nnqft_sym.contact_integral`).

    Examples
    --------
    >>> from nnqft_sym import ReLUNet
    >>> from numeric import measure
    >>> res = measure(ReLUNet(), [5, 20], [0.0, 0.01], orders=(4,), n_bags=4, n_nets=4000, rng=2)
    >>> q = quartic_couplings(res, cutoff=1.0)
    >>> q.mean.shape, bool(np.all(q.reference < 0)), q.reference_kind
    ((2, 5), True, 'exact')
    """
    if 4 not in result.orders:
        raise ValueError(f"quartic couplings need the 4-point function; measured orders {result.orders}")
    net = from_description(result.description)
    est = result.estimate(4)
    nk = np.asarray(contact_integral(net, result.points[est.combos], cutoff=cutoff), float)
    bag_values = -(est.bag_values - est.free) / nk
    reference = -est.delta_reference / nk
    avg = _bag_average(bag_values)
    per_combination = Estimate.from_samples(bag_values, axis=1)
    return QuarticCouplings(
        widths=result.widths, combos=est.combos, contact_integral=nk, bag_values=bag_values,
        mean=per_combination.value, stderr=per_combination.error, reference=reference,
        heavy_tail=est.heavy_tail, average=avg.value, average_err=avg.error,
        average_reference=reference.mean(axis=-1), spread=per_combination.value.std(axis=-1),
        reference_kind=est.reference_kind)


# ---------------------------------------------------------------------- u6
@dataclass(frozen=True)
class SexticCouplings:
    """u6 from the connected 6-point function after the u4^2 exchange; ``(n_widths, n_combos)``.

    Attributes
    ----------
    widths : tuple of int
    combos : (n_combos, 6) point-index multisets
    exchange, contact : (n_combos,) tree diagrams per unit u4^2 and per unit u6
    connected, connected_err, connected_reference : measured (bag mean, error) and reference
        G_c^(6)
    mean, stderr : u6 per combination (using each bag's averaged u4)
    reference : u6 from the reference G_c^(6) and the reference averaged u4
    average, average_err, average_reference : (n_widths,) combination averages
    predicted_delta : Delta G^(6) predicted from the averaged u4, u6 (and the measured
        4-point deviations for the disconnected part)
    measured_delta, measured_delta_err : Delta G^(6) measured
    reference_kind : ``"exact"`` or ``"leading order in 1/N"``: what the reference values are

    ``connected_exact``, ``exact`` and ``average_exact`` are deprecated aliases of the
    ``*reference`` fields.
    """

    widths: tuple[int, ...]
    combos: np.ndarray
    exchange: np.ndarray
    contact: np.ndarray
    connected: np.ndarray
    connected_err: np.ndarray
    connected_reference: np.ndarray
    mean: np.ndarray
    stderr: np.ndarray
    reference: np.ndarray
    average: np.ndarray
    average_err: np.ndarray
    average_reference: np.ndarray
    predicted_delta: np.ndarray
    measured_delta: np.ndarray
    measured_delta_err: np.ndarray
    reference_kind: str = REFERENCE_EXACT

    connected_exact = deprecated_attribute("connected_reference", "connected_exact")
    exact = deprecated_attribute("reference", "exact")
    average_exact = deprecated_attribute("average_reference", "average_exact")

    @property
    def average_estimate(self) -> Estimate:
        """Combination-averaged u6: ``Estimate(average, average_err)``."""
        return Estimate(self.average, self.average_err)


def _disconnected_index(n_points: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For every 6-multiset and each of its 15 (4 | 2) splits: 4-multiset index and the pair."""
    four = {c: i for i, c in enumerate(map(tuple, point_multisets(n_points, 4)))}
    idx4, first, second = [], [], []
    for c in map(tuple, point_multisets(n_points, 6)):
        row4, row_a, row_b = [], [], []
        for i, j in itertools.combinations(range(6), 2):
            rest = tuple(c[k] for k in range(6) if k not in (i, j))
            row4.append(four[rest])
            row_a.append(c[i])
            row_b.append(c[j])
        idx4.append(row4)
        first.append(row_a)
        second.append(row_b)
    return np.array(idx4), np.array(first), np.array(second)


def sextic_couplings(result: GreenMeasurement, quartic: QuarticCouplings | None = None,
                     cutoff: float | None = None) -> SexticCouplings:
    """u6 at every 6-point multiset and the 6-point prediction from (u4, u6), as HMS did.

    Needs orders 4 and 6 in ``result``; ``quartic`` defaults to
    ``quartic_couplings(result, cutoff)``.

    Examples
    --------
    >>> from nnqft_sym import ReLUNet
    >>> from numeric import measure
    >>> res = measure(ReLUNet(), [5], [0.0, 0.01], orders=(4, 6), n_bags=4, n_nets=4000, rng=2)
    >>> s6 = sextic_couplings(res, cutoff=1.0)
    >>> s6.mean.shape
    (1, 7)
    """
    if not {4, 6} <= set(result.orders):
        raise ValueError(f"u6 needs the 4- and 6-point functions; measured orders {result.orders}")
    quartic = quartic or quartic_couplings(result, cutoff=cutoff)
    net = from_description(result.description)
    e4, e6 = result.estimate(4), result.estimate(6)
    pts = result.points
    tree = tree_level_six_point(net, pts[e6.combos], cutoff=cutoff)
    exchange, contact = np.asarray(tree.exchange, float), np.asarray(tree.contact, float)
    idx4, a, b = _disconnected_index(pts.shape[0])
    kern = np.asarray(net.kernel(pts[a], pts[b]), float)           # (n_combos6, 15)

    def connected(g6: np.ndarray, g4: np.ndarray) -> np.ndarray:
        """G_c^(6) from G^(6) and G^(4) arrays with combos on the last axis."""
        delta4 = (g4 - e4.free)[..., idx4]                          # (..., n6, 15)
        return (g6 - e6.free) - np.sum(delta4 * kern, axis=-1)

    conn_bags = connected(e6.bag_values, e4.bag_values)            # (n_w, n_bags, n6)
    u4_bags = quartic.bag_values.mean(axis=-1)[..., None]          # (n_w, n_bags, 1)
    u6_bags = (u4_bags ** 2 * exchange - conn_bags) / contact
    avg = _bag_average(u6_bags)
    conn_reference = connected(e6.reference, e4.reference)
    u6_reference = (quartic.average_reference[:, None] ** 2 * exchange - conn_reference) / contact
    conn, u6 = Estimate.from_samples(conn_bags, axis=1), Estimate.from_samples(u6_bags, axis=1)
    # prediction of Delta G^(6): tree-level connected part + measured disconnected part
    predicted = (e6.delta - connected(e6.mean, e4.mean)
                 + quartic.average[:, None] ** 2 * exchange - avg.value[:, None] * contact)
    return SexticCouplings(
        widths=result.widths, combos=e6.combos, exchange=exchange, contact=contact,
        connected=conn.value, connected_err=conn.error, connected_reference=conn_reference,
        mean=u6.value, stderr=u6.error, reference=u6_reference, average=avg.value,
        average_err=avg.error, average_reference=u6_reference.mean(axis=-1),
        predicted_delta=predicted,
        measured_delta=e6.delta, measured_delta_err=e6.stderr,
        reference_kind=e6.reference_kind)
