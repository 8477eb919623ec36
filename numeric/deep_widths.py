r"""Deep networks past leading order, measured: :math:`N\,\Delta G^{(4)}(x,x,x,x)` against the width.

For a network of depth L the exact single-input series (:func:`nnqft_sym.single_input_series`,
the Markov chain of the layer variances; Roberts, Yaida, Hanin arXiv:2106.10165 ch. 4-5 for the
leading order) gives

.. math:: N\,\Delta G^{(4)}(x,x,x,x) = c_1 + c_2/N + c_3/N^2 + \dots

:func:`deep_width_study` measures the left side at several widths with :func:`numeric.measure`
(by default the conditional estimator with its exact-mean control variate, unbiased at every
depth), compares each point with the leading order :math:`c_1` and with the leading plus
next order :math:`c_1 + c_2/N` (z-values), and fits :math:`a + b/N` so that the measured
:math:`1/N^2` coefficient :math:`b` stands next to the predicted :math:`c_2`.  The fit is of
the two leading terms only; where :math:`c_3/N^2` is not small at the smallest width (deep
ReLU), :attr:`DeepWidthStudy.truncation_bias` says by how much it pulls :math:`b`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from nnqft_sym.architectures import Network
from nnqft_sym.deep_orders import SingleInputSeries, single_input_series
from nnqft_sym.validation import check_integer, check_positive

from .estimators import measure
from .sampling import as_seed_sequence
from .statistics import Estimate

__all__ = ["DeepWidthStudy", "deep_width_study"]

#: networks per bag are ``budget / (width * depth)``, clipped to this range
_NETS_RANGE = (200, 40000)


@dataclass(frozen=True)
class DeepWidthStudy:
    r"""Measured :math:`N\,\Delta G^{(4)}(x,x,x,x)` against N with its exact 1/N series.

    Attributes
    ----------
    name : str
        The network's name and depth.
    x : float
    widths : (W,) int array
    measured : Estimate
        :math:`N\,\Delta G^{(4)}` per width (Student-t errors over bags).
    n_nets : (W,) int array
        Networks per bag at each width.
    n_bags : int
    estimator : str
    series : SingleInputSeries
        The exact coefficients (``series.delta_four_point[k]`` multiplies :math:`N^{-k}`).
    """

    name: str
    x: float
    widths: np.ndarray
    measured: Estimate
    n_nets: np.ndarray
    n_bags: int
    estimator: str
    series: SingleInputSeries

    @property
    def leading(self) -> float:
        r""":math:`c_1`, the leading-order :math:`N\,\Delta G^{(4)}`."""
        return float(self.series.delta_four_point[1])

    @property
    def next_order(self) -> float:
        r""":math:`c_2`, the predicted :math:`1/N^2` coefficient of :math:`\Delta G^{(4)}`."""
        return float(self.series.delta_four_point[2])

    def prediction(self, orders: int = 2) -> np.ndarray:
        r""":math:`\sum_{k=1}^{orders} c_k N^{1-k}` at the measured widths."""
        c = self.series.delta_four_point
        return sum(float(c[k]) * self.widths.astype(float) ** (1 - k) for k in range(1, orders + 1))

    def z(self, orders: int = 2) -> np.ndarray:
        """(measured - prediction) / error at each width."""
        return (self.measured.value - self.prediction(orders)) / self.measured.error

    def fit(self) -> dict[str, float]:
        r"""Weighted least squares :math:`N\,\Delta G^{(4)} = a + b/N`: ``a``, ``b``, their errors,
        ``chi2`` and ``dof``."""
        y, dy = self.measured.value, self.measured.error
        coef, cov = _weighted_fit(self.widths, y, dy)
        chi2 = float(np.sum(((y - coef[0] - coef[1] / self.widths) / dy) ** 2))
        return {"a": float(coef[0]), "a_err": float(np.sqrt(cov[0, 0])), "b": float(coef[1]),
                "b_err": float(np.sqrt(cov[1, 1])), "chi2": chi2, "dof": len(y) - 2}

    @property
    def truncation_bias(self) -> float:
        r"""How much the omitted :math:`c_3/N^2, c_4/N^3, \dots` pull the fitted ``b``: the
        fit applied to the exact series without measurement noise, minus :math:`c_2`."""
        exact = self.series.evaluate(self.series.delta_four_point, self.widths) * self.widths
        coef, _ = _weighted_fit(self.widths, exact, self.measured.error)
        return float(coef[1] - self.next_order)

    def rows(self) -> list[dict[str, Any]]:
        """One row per width: measured value and error, the two predictions and z-values."""
        lead, nlo = self.prediction(1), self.prediction(2)
        return [{"width": int(n), "networks": int(k) * self.n_bags,
                 "measured": float(v), "error": float(e), "leading": float(p1),
                 "leading_plus_next": float(p2), "z_leading": float((v - p1) / e),
                 "z_next": float((v - p2) / e)}
                for n, k, v, e, p1, p2 in zip(self.widths, self.n_nets, self.measured.value,
                                              self.measured.error, lead, nlo)]

    def markdown(self) -> str:
        """A Markdown table of :meth:`rows` and the fit against the prediction."""
        fit = self.fit()
        lines = [f"{self.name}, x = {self.x:g}, {self.estimator} estimator, {self.n_bags} bags",
                 "", "| N | networks | N Delta G4 measured | leading | leading + next | z (lead) "
                 "| z (lead + next) |", "|---|---|---|---|---|---|---|"]
        for r in self.rows():
            lines.append(f"| {r['width']} | {r['networks']} | {r['measured']:.5g} ± "
                         f"{r['error']:.2g} | {r['leading']:.5g} | {r['leading_plus_next']:.5g} "
                         f"| {r['z_leading']:.2f} | {r['z_next']:.2f} |")
        lines += ["", f"fit a + b/N: a = {fit['a']:.5g} ± {fit['a_err']:.2g} (leading order "
                      f"{self.leading:.5g}), b = {fit['b']:.4g} ± {fit['b_err']:.2g} (predicted "
                      f"{self.next_order:.4g}; the omitted orders shift the fitted b by "
                      f"{self.truncation_bias:.3g}), chi2 = {fit['chi2']:.2f} / {fit['dof']}"]
        return "\n".join(lines)

    def plot(self, ax: Any = None) -> Any:
        """:math:`N\\Delta G^{(4)}` against 1/N: points with errors, the leading line and the
        leading-plus-next-order line; returns the figure."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(5.5, 4))
        inv = 1.0 / self.widths
        ax.errorbar(inv, self.measured.value, self.measured.error, fmt="o",
                    label=f"measured ({self.estimator})")
        grid = np.linspace(0, inv.max() * 1.05, 100)
        c = self.series.delta_four_point
        ax.axhline(self.leading, color="k", ls="--", lw=1, label="leading order")
        ax.plot(grid, c[1] + c[2] * grid, color="C3", label="leading + next order")
        ax.set(xlabel="1/N", ylabel="N Delta G4(x,x,x,x)", title=f"{self.name}, x = {self.x:g}")
        ax.legend(fontsize=8)
        return ax.figure


def _weighted_fit(widths: np.ndarray, y: np.ndarray, dy: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Weighted least squares ``y = a + b / N``: the coefficients (a, b) and their covariance."""
    design = np.vstack([np.ones_like(dy), 1.0 / widths]).T / dy[:, None]
    coef, *_ = np.linalg.lstsq(design, y / dy, rcond=None)
    return coef, np.linalg.inv(design.T @ design)


def deep_width_study(net: Network, widths: Sequence[int], x: float = 0.5, n_bags: int = 16,
                     budget: float = 1e6, rng: Any = 0, estimator: str | None = None,
                     progress: bool = False) -> DeepWidthStudy:
    r"""Measure :math:`N\,\Delta G^{(4)}(x,x,x,x)` of a deep network at several widths.

    Parameters
    ----------
    net : Network
        Numeric architecture, depth >= 1 (what :func:`nnqft_sym.single_input_series` takes).
    widths : sequence of int >= 1
    x : float
        The input (d_in = 1).
    n_bags : int >= 2
    budget : float
        Neurons per bag: ``budget / (width * depth)`` networks, between 200 and 40000.
    rng : seed
    estimator : {"plain", "conditional"} or None (the best valid one)
    progress : bool

    Returns
    -------
    DeepWidthStudy

    Examples
    --------
    >>> from nnqft_sym import ReLUNet
    >>> st = deep_width_study(ReLUNet(sigma_w=2 ** 0.5, sigma_b=0.5, depth=2), [8, 16],
    ...                       n_bags=4, budget=2e4)
    >>> round(st.leading, 6), round(st.next_order, 6)     # 23.4375 + 42.1875 / N exactly
    (23.4375, 42.1875)
    >>> bool(abs(st.z(2)).max() < 4)
    True
    """
    widths = np.array([check_integer(w, "widths", minimum=1) for w in widths], dtype=int)
    if widths.size < 2:
        raise ValueError(f"widths needs at least two widths for the fit, got {widths.tolist()}")
    n_bags = check_integer(n_bags, "n_bags", minimum=2)
    budget = float(check_positive(budget, "budget"))
    x = float(x)
    if not np.isfinite(x):
        raise ValueError(f"x must be a finite number, got {x}")
    series = single_input_series(net, x, order=3)
    n_nets = np.clip((budget / (widths * net.depth)).astype(int), *_NETS_RANGE)
    values, errors, used = [], [], None
    seeds = as_seed_sequence(rng).spawn(len(widths))
    for width, n, seed in zip(widths, n_nets, seeds):
        res = measure(net, [int(width)], [x], orders=(4,), n_bags=n_bags, n_nets=int(n), rng=seed,
                      estimator=estimator, progress=progress)
        est = res.estimate(4)
        values.append(width * est.delta[0, 0])
        errors.append(width * est.stderr[0, 0])
        used = res.estimator
    return DeepWidthStudy(f"{net.name}, depth {net.depth}", x, widths,
                          Estimate(np.array(values), np.array(errors), n_bags), n_nets, n_bags,
                          used, series)
