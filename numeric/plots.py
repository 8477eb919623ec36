"""Figures of HMS (arXiv:2008.08601) and ELS (arXiv:2108.01403): m_n against width, histograms of
m_n, u4 against N and sigma_W.

Every function draws on a given matplotlib ``Axes`` (or a new pyplot figure, so that a notebook
shows it like any other) and returns the figure; :func:`save_figure` writes a PNG atomically.
The module never selects a matplotlib backend: that is the user's choice (Jupyter's inline
backend, a GUI, ...); only the ``nnqft`` command chooses the non-interactive Agg for itself.  Estimates flagged as heavy-tailed
(:mod:`numeric.estimators`) are drawn with open markers and named in the legend, so a
number dominated by a few networks never looks like a confident measurement.
"""
from __future__ import annotations

import io
from pathlib import Path
from typing import Any, Sequence

import matplotlib.pyplot as plt
import numpy as np

from .couplings import PowerLawFit, QuarticCouplings
from .estimators import GreenMeasurement
from .storage import atomic_write

__all__ = ["plot_deviations", "plot_deviation_histograms", "plot_u4_width", "plot_u4_sigma",
           "save_figure"]


def _axes(ax: Any) -> tuple[Any, Any]:
    if ax is None:
        fig, ax = plt.subplots(figsize=(5.5, 4))
        return fig, ax
    return ax.figure, ax


def save_figure(fig: Any, path: str | Path, dpi: int = 110) -> Path:
    """Write ``fig`` as PNG atomically and close it (releases a pyplot figure; a
    :class:`matplotlib.figure.Figure` made without pyplot needs no closing)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return atomic_write(path, lambda fh: fh.write(buf.getvalue()))


def plot_deviations(result: GreenMeasurement, order: int, ax: Any = None) -> Any:
    r""":math:`\langle|m_n|\rangle` against width with error bars, the background and the exact line.

    Examples
    --------
    >>> from nnqft_sym import ReLUNet
    >>> from numeric import measure
    >>> res = measure(ReLUNet(), [2, 8], [0.0, 0.5], orders=(4,), n_bags=3, n_nets=500, rng=0)
    >>> fig = plot_deviations(res, 4)
    """
    fig, ax = _axes(ax)
    rows = [r for r in result.summary() if r["order"] == order]
    w = np.array([r["width"] for r in rows], float)
    m = np.array([r["mean_abs_deviation"] for r in rows])
    err = np.array([r["mean_abs_deviation_err"] for r in rows])
    heavy = np.array([r["heavy_fraction"] > 0 for r in rows])
    exact = np.array([r["mean_abs_deviation_reference"] for r in rows])
    ax.errorbar(w[~heavy], m[~heavy], err[~heavy], fmt="o", color="C0",
                label=rf"$\langle|m_{order}|\rangle$ measured")
    if heavy.any():
        ax.errorbar(w[heavy], m[heavy], err[heavy], fmt="o", mfc="none", color="C3",
                    label="heavy-tailed (few networks dominate)")
    ax.plot(w, [r["background_deviation"] for r in rows], "s--", color="0.5", label="background")
    if np.all(np.isfinite(exact)):
        ax.plot(w, exact, "-", color="k", label=result.reference_kind)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("width N")
    ax.set_ylabel(rf"$\langle|m_{order}|\rangle$")
    ax.set_title(f"{result.name}: {order}-point deviation")
    ax.legend(fontsize=8)
    return fig


def plot_deviation_histograms(result: GreenMeasurement, order: int,
                              widths: Sequence[int] | None = None, axes: Any = None) -> Any:
    """Histograms of the per-bag m_n (all bags and combinations), one panel per width.

    Dashed: the reference value (exact or leading order in 1/N; mean over combinations);
    solid: the measured mean.
    """
    est = result.estimate(order)
    widths = list(result.widths if widths is None else widths)
    if axes is None:
        fig, axes = plt.subplots(1, len(widths), figsize=(3.2 * len(widths), 3.2), squeeze=False)
        axes = axes[0]
    fig = axes[0].figure
    for k, (ax, width) in enumerate(zip(axes, widths)):
        i = result.widths.index(width)
        values = ((est.bag_values[i] - est.free) / est.free).ravel()
        heavy = bool(est.heavy_tail[i].any())
        ax.hist(values, bins=30, color="C3" if heavy else "C0", alpha=0.7)
        ax.axvline(values.mean(), color="C1", label="measured")
        if np.all(np.isfinite(est.deviation_reference[i])):
            ax.axvline(np.mean(est.deviation_reference[i]), color="k", ls="--",
                       label=est.reference_kind)
        ax.set_title(f"N={width}" + (" (heavy tail)" if heavy else ""), fontsize=9)
        ax.set_xlabel(f"$m_{order}$ per bag")
        if k == 0:
            ax.set_ylabel("bags x combinations")
            ax.legend(fontsize=7)
    fig.suptitle(f"{result.name}: histograms of $m_{order}$")
    fig.tight_layout()
    return fig


def plot_u4_width(quartic: QuarticCouplings, fit: PowerLawFit | None = None, ax: Any = None,
                  label: str = "") -> Any:
    """Combination-averaged u4 against the width, with the reference values and the 1/N fit."""
    fig, ax = _axes(ax)
    w = np.asarray(quartic.widths, float)
    heavy = quartic.heavy_tail.any(axis=1)
    ax.errorbar(w[~heavy], -quartic.average[~heavy], quartic.average_err[~heavy], fmt="o",
                color="C0", label=r"$-u_4$ measured")
    if heavy.any():
        ax.errorbar(w[heavy], -quartic.average[heavy], quartic.average_err[heavy], fmt="o",
                    mfc="none", color="C3", label="heavy-tailed")
    ax.plot(w, -quartic.average_reference, "k-", label=quartic.reference_kind)
    if fit is not None:
        ax.plot(w, -fit(w), ":", color="C1", label=f"fit: N^({fit.exponent:.2f}±{fit.exponent_err:.2f})")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("width N")
    ax.set_ylabel(r"$-u_4$ (mean over combinations)")
    ax.set_title(f"quartic coupling {label}".strip())
    ax.legend(fontsize=8)
    return fig


def plot_u4_sigma(sigmas: Sequence[float], average: np.ndarray, error: np.ndarray,
                  exact: np.ndarray, fit: PowerLawFit, talk_exponent: float,
                  heavy: np.ndarray | None = None, ax: Any = None) -> Any:
    r"""ELS active RG: :math:`|u_4|` against :math:`\sigma_W` with the fit, the exact values and
    the exponent ``talk_exponent`` of ELS's flow equation (arXiv:2108.01403; a line through the
    first exact point)."""
    fig, ax = _axes(ax)
    s = np.asarray(sigmas, float)
    heavy = np.zeros(len(s), bool) if heavy is None else np.asarray(heavy, bool)
    ax.errorbar(s[~heavy], np.abs(average[~heavy]), error[~heavy], fmt="o", color="C0",
                label=r"$|u_4|$ measured")
    if heavy.any():
        ax.errorbar(s[heavy], np.abs(average[heavy]), error[heavy], fmt="o", mfc="none",
                    color="C3", label="heavy-tailed")
    ax.plot(s, np.abs(exact), "k-", label="exact")
    ax.plot(s, np.abs(fit(s)), ":", color="C1",
            label=rf"fit: $\sigma_W^{{{fit.exponent:.2f}\pm{fit.exponent_err:.2f}}}$")
    ax.plot(s, np.abs(exact[0]) * (s / s[0]) ** talk_exponent, "--", color="C2",
            label=rf"ELS flow: $\sigma_W^{{{talk_exponent:g}}}$")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(r"$\sigma_W$")
    ax.set_ylabel(r"$|u_4|$ (mean over combinations)")
    ax.set_title("active RG: quartic coupling against $\\sigma_W$")
    ax.legend(fontsize=8)
    return fig
