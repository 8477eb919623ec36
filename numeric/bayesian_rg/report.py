r"""Everything the BRG experiment writes: arrays, JSON summary and metadata, figures, ``report.md``.

Tables and numbers use the shared helpers of :mod:`numeric.report`, files the atomic writers
of :mod:`numeric.storage` and :func:`numeric.plots.save_figure`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..report import format_estimate, markdown_table, versions
from ..storage import atomic_write, save_json, save_npz
from .result import BRGResult

__all__ = ["save_brg_result", "plot_brg", "write_brg_report"]


def save_brg_result(result: BRGResult, out: str | Path) -> tuple[Path, Path]:
    """Write ``brg_arrays.npz`` and ``brg_summary.json`` to the folder ``out`` (atomically)."""
    out = Path(out)
    return (save_npz(out / "brg_arrays.npz", result.arrays()),
            save_json(out / "brg_summary.json", result.summary()))



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
    from ..plots import save_figure  # matplotlib only when figures are written

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
