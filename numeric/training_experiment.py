r"""The trained-ensemble experiment: finite networks trained by gradient descent against the
infinite-width trained GP (Lee et al. arXiv:1902.06720) as the width grows.

For each width N, :func:`numeric.train_ensemble` trains ``n_nets`` networks; the deviation of
the ensemble mean from the prediction :func:`nnqft_sym.trained_gp` is measured with each
network's own linearised prediction :math:`f_0(x) + A (Y - f_0(X))` as a control variate
(mean :math:`E f_k - A Y`, variance far below that of :math:`f_k`), projected on its
direction at the smallest width and fitted to :math:`c N^{p}`.  With ``brg=True`` the Bayesian RG of the trained network follows
(:mod:`numeric.bayesian_rg.trained_flow`): the infinite-width flow in the information shells
of the full-parameter and of the read-out Fisher metric, and each trained network coarse-grained
in the eigenbasis of its own empirical Fisher metric, against it.  Each width is saved as a sealed file (``width_N/ensemble.npz``), so an
interrupted run resumes where it stopped and a file of another run is refused; the widths run
on the schedulers of :mod:`numeric.distributed`.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from nnqft_sym import from_description, make_network, nngp_posterior, trained_gp
from nnqft_sym.gradient_flow import GaussianPrediction, check_learning_rate, max_learning_rate
from nnqft_sym.ntk import check_parameterisation

from .bayesian_rg import TrainedBRGFlow, default_cutoffs, linearised_coarse_graining, trained_brg_flow
from .bayesian_rg._common import check_positive
from .couplings import PowerLawFit, fit_power_law
from .report import format_estimate, markdown_table, versions
from .sampling import as_seed_sequence, seed_state
from .distributed import run_tasks
from .storage import atomic_write, lock_folder, save_json, save_npz
from .training import TrainedEnsemble, train_ensemble

__all__ = ["TRAINING_SET", "TrainingStudy", "training_experiment", "train_width", "plot_training",
           "plot_brg_flow"]

#: default training inputs, targets and test inputs (d_in = 1)
TRAINING_SET: dict[str, tuple[float, ...]] = {
    "x_train": (-1.0, -0.3, 0.4, 1.0),
    "y_train": (0.6, -0.2, 0.3, -0.5),
    "x_test": tuple(float(v) for v in np.linspace(-1.5, 1.5, 9)),
}


@dataclass(frozen=True)
class TrainingStudy:
    r"""Trained ensembles at several widths against the infinite-width prediction.

    Attributes
    ----------
    widths : tuple of int
    ensembles : tuple of TrainedEnsemble
        One per width.
    prediction : GaussianPrediction
        :func:`nnqft_sym.trained_gp` after the same gradient-descent steps.
    posterior : GaussianPrediction
        :func:`nnqft_sym.nngp_posterior` (noise 0), for comparison.
    deviation, deviation_error : ndarray ``(n_widths, m)``
        :math:`E f_k(x) - A Y` per test point (control variate) and its standard error.
    fit : PowerLawFit or None
        :attr:`projected_deviation` :math:`= c N^p`; None with fewer than two widths or a
        projection that changes sign.
    brg_flows : dict or None
        ``brg=True``: ``{"full": TrainedBRGFlow, "readout": TrainedBRGFlow}``, the infinite-width
        flows on a common cutoff sweep (the one of the trained layers after the same steps;
        the other at gradient-flow time ``steps * learning_rate`` if those steps would diverge).
    brg_measured : tuple of ndarray or None
        Per width, ``(L, n_nets, n + m)``: every network coarse-grained in its own Fisher
        eigenbasis (:func:`~numeric.bayesian_rg.linearised_coarse_graining`), training inputs first.
    y_train : ndarray ``(n,)`` or None
        The targets (for the losses of the Bayesian-RG section).
    """

    widths: tuple[int, ...]
    ensembles: tuple[TrainedEnsemble, ...]
    prediction: GaussianPrediction
    posterior: GaussianPrediction
    deviation: np.ndarray
    deviation_error: np.ndarray
    fit: PowerLawFit | None
    brg_flows: dict[str, TrainedBRGFlow] | None = None
    brg_measured: tuple[np.ndarray, ...] | None = None
    y_train: np.ndarray | None = None

    @property
    def projected_deviation(self) -> tuple[np.ndarray, np.ndarray]:
        """:attr:`deviation` projected on its direction at the smallest width, and its error, ``(n_widths,)`` each.

        Linear in the measured means, so unbiased (a root mean square would add the squared
        errors and flatten the fall with N).
        """
        first = self.deviation[int(np.argmin(self.widths))]
        unit = first / np.linalg.norm(first)
        return self.deviation @ unit, np.sqrt((self.deviation_error ** 2) @ unit ** 2)


def training_experiment(out: str | Path, arch: str = "erf", widths: Sequence[int] = (8, 32, 128),
                        *, x_train: Sequence[float] = TRAINING_SET["x_train"],
                        y_train: Sequence[float] = TRAINING_SET["y_train"],
                        x_test: Sequence[float] = TRAINING_SET["x_test"], n_nets: int = 1000,
                        steps: int = 30, learning_rate: float | None = None, seed: int = 0,
                        sigma_w: float = 1.0, sigma_b: float = 1.0, depth: int = 1,
                        readout_only: bool = False, brg: bool = False, noise_std: float = 0.1,
                        parameterisation: str = "ntk", scheduler: Any = "serial",
                        workers: int = 1, progress: bool = False) -> TrainingStudy:
    r"""Train ensembles at each width, compare with the trained GP; write arrays, a figure and ``report.md``.

    ``learning_rate`` defaults to :math:`1/\lambda_{max}` (half the stable bound) of the
    infinite-width tangent kernel on ``x_train``.  One task per width (:func:`train_width`) runs
    where ``scheduler`` and ``workers`` say (:func:`numeric.run_tasks`: serial, threads, a local
    Dask cluster or a scheduler address); each writes ``width_N/ensemble.npz`` (sealed: a rerun
    with the same settings reuses it, a file of other settings is refused).  Then
    ``figures/training.png``, ``metadata.json`` and ``report.md`` under ``out``.

    ``parameterisation``: ``"ntk"`` (default) or ``"standard"`` (the weights and biases
    themselves trained with step :math:`\eta/N`, compared with ``trained_gp(...,
    parameterisation="standard")``; see :func:`numeric.train_ensemble`).

    ``brg=True`` adds the Bayesian RG of the trained network (information shells of the Fisher
    metric of the Gaussian likelihood of noise ``noise_std``): :attr:`TrainingStudy.brg_flows`,
    :attr:`TrainingStudy.brg_measured`, ``figures/brg_flow.png`` and a report section; the
    tasks then also record each network's tangent kernel at initialisation.

    Raises
    ------
    ValueError
        For an architecture that cannot be trained here (cos-net), fewer than one width, fewer
        than 8 networks, ``brg`` in the standard parameterisation, or the errors of
        :func:`numeric.train_ensemble`.

    Examples
    --------
    >>> import tempfile
    >>> study = training_experiment(tempfile.mkdtemp(), "erf", [4, 16], n_nets=50, steps=5)
    >>> study.deviation.shape
    (2, 9)
    """
    out = Path(out)
    widths = tuple(int(w) for w in widths)
    if not widths or len(set(widths)) != len(widths):
        raise ValueError(f"widths must hold at least one width and no repeats, got {widths}")
    if isinstance(n_nets, int) and not isinstance(n_nets, bool) and n_nets < 8:
        raise ValueError(f"n_nets must be >= 8 (the kappa_4 of the report needs 2 bags of 4), "
                         f"got {n_nets}")
    net = make_network(arch, sigma_w=sigma_w, sigma_b=sigma_b, depth=depth)
    parameterisation = check_parameterisation(parameterisation)
    eta = (0.5 * max_learning_rate(net, x_train, readout_only=readout_only,
                                   parameterisation=parameterisation)
           if learning_rate is None else check_learning_rate(learning_rate))
    if not isinstance(brg, bool):
        raise TypeError(f"brg must be True or False, got {brg!r}")
    if brg and parameterisation != "ntk":
        raise ValueError("brg=True needs parameterisation='ntk' (the Bayesian RG flows of "
                         "trained_brg_flow are those of the NTK-parameterised network)")
    kwargs = {"n_nets": n_nets, "steps": steps, "learning_rate": eta, "readout_only": readout_only}
    if parameterisation != "ntk":     # (absent for the default: earlier checkpoints stay valid)
        kwargs["parameterisation"] = parameterisation
    params = {"arch": arch, "sigma_w": sigma_w, "sigma_b": sigma_b, "depth": depth,
              "x_train": list(map(float, x_train)), "y_train": list(map(float, y_train)),
              "x_test": list(map(float, x_test)), **kwargs}
    if brg:  # the tasks then record more: a checkpoint of a run without brg is refused
        params.update(brg=True, noise_std=check_positive(noise_std, "noise_std"))
        flows = _brg_flows(net, x_train, y_train, x_test, noise_std, steps, eta, readout_only)
    prediction = trained_gp(net, x_train, y_train, x_test, steps=steps, learning_rate=eta,
                            readout_only=readout_only, parameterisation=parameterisation)
    posterior = nngp_posterior(net, x_train, y_train, x_test)
    start = time.perf_counter()
    description = net.describe()
    tasks = {width: (description, width, tuple(map(float, x_train)), tuple(map(float, y_train)),
                     tuple(map(float, x_test)), n_nets, steps, eta, readout_only, seed, brg,
                     parameterisation)
             for width in widths}
    with lock_folder(out):
        arrays = run_tasks(train_width, tasks, scheduler=scheduler, workers=workers,
                           checkpoint=lambda width: out / f"width_{width}" / "ensemble.npz",
                           identity=lambda width: {**params, "width": width, "seed": seed},
                           progress=progress, desc="widths")
        ensembles = [TrainedEnsemble(np.asarray(prediction.points), a["initial"], a["final"],
                                     a["initial_train"], a["final_loss"], width, steps, eta,
                                     a.get("final_train"), a.get("tangent_kernel"),
                                     a.get("conditional_mean"), a.get("conditional_covariance"),
                                     a.get("feature_kernel"))
                     for width, a in arrays.items()]
        y = np.asarray(y_train, dtype=float)
        controls = [e.final - e.initial - (y - e.initial_train) @ prediction.gain.T
                    for e in ensembles]
        deviation = np.array([c.mean(axis=0) for c in controls])
        error = np.array([c.std(axis=0, ddof=1) / np.sqrt(len(c)) for c in controls])
        study = TrainingStudy(widths, tuple(ensembles), prediction, posterior, deviation, error,
                              None)
        proj, proj_err = study.projected_deviation
        fit = (fit_power_law(widths, proj, proj_err)
               if len(widths) >= 2 and np.all(proj > 0) and np.all(proj_err > 0) else None)
        study = TrainingStudy(widths, tuple(ensembles), prediction, posterior, deviation, error, fit)
        from .plots import save_figure      # matplotlib only when the figures are drawn
        if brg:
            cuts = flows["full"].cutoffs
            measured = tuple(linearised_coarse_graining(
                e.tangent_kernel, np.concatenate([e.initial_train, e.initial], axis=1),
                np.concatenate([e.final_train, e.final], axis=1), len(y), noise_std, cuts)
                for e in ensembles)
            study = TrainingStudy(widths, tuple(ensembles), prediction, posterior, deviation,
                                  error, fit, flows, measured, y)
            brg_figure = save_figure(plot_brg_flow(study), out / "figures" / "brg_flow.png")
            save_npz(out / "brg_flow.npz", _brg_arrays(study))
        figure = save_figure(plot_training(study), out / "figures" / "training.png")
        metadata = {"experiment": "train", "parameters": params,
                    "seed": seed_state(as_seed_sequence(seed)), "versions": versions(),
                    "seconds": time.perf_counter() - start}
        save_json(out / "metadata.json", metadata)
        text = _report(study, net, params, figure)
        if brg:
            text += _brg_report(study, params, brg_figure)
        atomic_write(out / "report.md", lambda fh: fh.write(text), mode="w")
    return study


def train_width(description: dict[str, Any], width: int, x_train: Sequence[float],
                y_train: Sequence[float], x_test: Sequence[float], n_nets: int, steps: int,
                learning_rate: float, readout_only: bool, seed: int, brg: bool = False,
                parameterisation: str = "ntk") -> dict[str, np.ndarray]:
    """One task of :func:`training_experiment` (a module-level pure function for the schedulers):
    the arrays of :func:`numeric.train_ensemble` at one width, seeded by ``(seed, width)``
    (``brg``: also the outputs on the training inputs after training and the tangent kernels).

    Examples
    --------
    >>> from nnqft_sym import ErfNet
    >>> out = train_width(ErfNet().describe(), 4, [0.0, 1.0], [1.0, 0.0], [0.5], 8, 2, 0.1, False, 0)
    >>> sorted(out), out["final"].shape
    (['final', 'final_loss', 'initial', 'initial_train'], (8, 1))
    """
    rng = np.random.SeedSequence(as_seed_sequence(seed).entropy, spawn_key=(width,))
    ens = train_ensemble(from_description(description), width, x_train, y_train, x_test,
                         n_nets=n_nets, steps=steps, learning_rate=learning_rate,
                         readout_only=readout_only, tangent_kernel=brg,
                         parameterisation=parameterisation, rng=rng)
    out = {"initial": ens.initial, "final": ens.final, "initial_train": ens.initial_train,
           "final_loss": ens.final_loss}
    if readout_only:         # for the conditional kappa_4 (exact Gaussian of each network given h)
        out.update(conditional_mean=ens.conditional_mean,
                   conditional_covariance=ens.conditional_covariance,
                   feature_kernel=ens.feature_kernel)
    if brg:
        out.update(final_train=ens.final_train, tangent_kernel=ens.tangent_kernel)
    return out


def _brg_flows(net: Any, x_train: Sequence[float], y_train: Sequence[float],
               x_test: Sequence[float], noise_std: float, steps: int, eta: float,
               readout_only: bool) -> dict[str, TrainedBRGFlow]:
    """The infinite-width flows of both Fisher metrics on one cutoff sweep (see TrainingStudy)."""
    def timing(fisher: str) -> dict[str, Any]:
        stable = eta < max_learning_rate(net, x_train, readout_only=fisher == "readout")
        return {"steps": steps, "learning_rate": eta} if stable else {"t": steps * eta,
                                                                       "learning_rate": 1.0}
    kw = {"noise_std": noise_std}
    first = {f: trained_brg_flow(net, x_train, y_train, x_test, fisher=f, cutoffs=[1.0, 2.0],
                                 **kw, **timing(f)) for f in ("full", "readout")}
    cuts = default_cutoffs(np.concatenate([f.information for f in first.values()]), 30)
    return {f: trained_brg_flow(net, x_train, y_train, x_test, fisher=f, cutoffs=cuts, **kw,
                                **timing(f)) for f in ("full", "readout")}


def _report(study: TrainingStudy, net: Any, params: dict[str, Any], figure: Path) -> str:
    proj, proj_err = study.projected_deviation
    rows = []
    where = int(np.argmax(study.prediction.std))            # the least constrained test point
    point = float(study.prediction.points[where, 0])
    name = net.name
    bags = min(20, params["n_nets"] // 4)
    for i, (width, ens) in enumerate(zip(study.widths, study.ensembles)):
        conditional = ens.conditional_mean is not None
        estimator = "conditional" if conditional else "plain"
        before = ens.connected_four_point(trained=False, n_bags=bags, estimator=estimator)[where]
        after = ens.connected_four_point(n_bags=bags, estimator=estimator)[where]
        exact = (f"{float(net.connected_green([point] * 4, width)):.4g}"
                 if net.has_exact_finite_width else "-")
        z_mean = np.max(np.abs(ens.mean - study.prediction.mean) / ens.mean_error)
        cov_err = np.where(ens.covariance_error > 0, ens.covariance_error, np.inf)
        z_cov = np.max(np.abs(ens.covariance - study.prediction.covariance) / cov_err)
        rows.append({"N": width, "proj": format_estimate(proj[i], proj_err[i]),
                     "scaled": format_estimate(width * proj[i], width * proj_err[i]),
                     "z_mean": float(z_mean), "z_cov": float(z_cov),
                     "loss": float(np.median(ens.final_loss)),
                     "k4_init": format_estimate(before.value, before.error), "k4_exact": exact,
                     "k4_trained": format_estimate(after.value, after.error)})
    fit = study.fit
    lines = [f"# Trained ensembles against the infinite-width trained GP ({name})", "",
             f"{name}, sigma_W = {params['sigma_w']:g}, sigma_b = {params['sigma_b']:g}, depth "
             f"{params['depth']}; {params['n_nets']} networks per width trained by "
             f"{params['steps']} full-batch gradient-descent steps of size "
             f"{params['learning_rate']:.4g} on 1/2 sum (f - y)^2 "
             f"({'read-out only' if params['readout_only'] else 'all layers'}, "
             f"{'NTK' if params.get('parameterisation', 'ntk') == 'ntk' else 'standard'} "
             "parameterisation). Prediction: nnqft_sym.trained_gp (Lee et al. arXiv:1902.06720).",
             "", "## Deviation of the trained mean from the prediction", "",
             markdown_table(rows, ["N", "proj", "scaled", "z_mean", "z_cov", "loss"],
                            ["N", "D = E f - A Y (projected)", "N x D", "largest abs z, mean",
                             "largest abs z, covariance", "median loss"]), "",
             "D is the deviation of the trained mean from the prediction on the test points, "
             "projected on its direction at the smallest width, measured with each network's "
             "linearised prediction f_0(x) + A (Y - f_0(X)) as a control variate; the z columns "
             "compare the plain ensemble mean and covariance with trained_gp.", ""]
    if fit is not None:
        lines += [f"Fit D = c N^p: p = {format_estimate(fit.exponent, fit.exponent_err)} "
                  f"(chi2/dof {fit.chi2:.3g}/{fit.dof}); p = -1 is the 1/N correction of smooth "
                  "activations.", ""]
    lines += [f"## Non-Gaussianity at x = {point:g} (the largest predicted variance)", "",
              markdown_table(rows, ["N", "k4_init", "k4_exact", "k4_trained"],
                             ["N", "kappa_4 at initialisation", "exact (one hidden layer)",
                              "kappa_4 after training"]), "",
              f"kappa_4(x, x, x, x) in {bags} bags of networks "
              "(TrainedEnsemble.connected_four_point): "
              + ("the conditional estimator (read-out training: each network's output is exactly "
                 "Gaussian given its features; law of total cumulance, unbiased)."
                 if all(e.conditional_mean is not None for e in study.ensembles)
                 else "Fisher's k-statistic of the outputs."), ""]
    lines += ["## Figures", "", f"![training](figures/{figure.name})", "", "## Reproduce", "",
              "Seeds and parameters: `metadata.json`.", ""]
    return "\n".join(lines)


def plot_training(study: TrainingStudy, axes: Any = None) -> Any:
    """Two panels: trained means against x (each width, the trained GP band, the NNGP posterior
    mean) and the projected deviation against N (log-log, with the fit and a 1/N line)."""
    if axes is None:
        import matplotlib.pyplot as plt   # lazily: importing numeric does not load matplotlib
        fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    fig = axes[0].figure
    x = study.prediction.points[:, 0]
    order = np.argsort(x)
    pred, std = study.prediction.mean, study.prediction.std
    axes[0].fill_between(x[order], (pred - std)[order], (pred + std)[order], alpha=0.25,
                         label="trained GP ± 1 sd")
    axes[0].plot(x[order], pred[order], "k-", label="trained GP mean")
    axes[0].plot(x[order], study.posterior.mean[order], "k--", label="NNGP posterior mean")
    for width, ens in zip(study.widths, study.ensembles):
        axes[0].errorbar(x, ens.mean, ens.mean_error, fmt="o", ms=3, capsize=2, label=f"N = {width}")
    axes[0].set_xlabel("x")
    axes[0].set_ylabel("E f(x) after training")
    axes[0].legend(fontsize=7)
    proj, err = study.projected_deviation
    widths = np.array(study.widths, dtype=float)
    axes[1].errorbar(widths, np.abs(proj), err, fmt="o", capsize=3, label="measured")
    if study.fit is not None:
        axes[1].plot(widths, study.fit.amplitude * widths ** study.fit.exponent, "-",
                     label=f"fit N^{study.fit.exponent:.2f}")
    axes[1].plot(widths, abs(proj[0]) * widths[0] / widths, ":", label="1/N")
    axes[1].set_xscale("log")
    axes[1].set_yscale("log")
    axes[1].set_xlabel("width N")
    axes[1].set_ylabel("E f - A Y (projected)")
    axes[1].legend(fontsize=8)
    fig.tight_layout()
    return fig



def _brg_measurements(study: TrainingStudy) -> list[dict[str, np.ndarray]]:
    """Per width: the measured training loss after coarse graining, and the mean and variance at
    the least constrained test point (the largest trained-GP variance), each ``(L,)`` with errors."""
    y = study.y_train
    n = len(y)
    where = n + int(np.argmax(study.prediction.std))
    out = []
    for outputs in study.brg_measured:
        losses = np.mean((outputs[:, :, :n] - y) ** 2, axis=-1)                  # (L, nets)
        point = outputs[:, :, where]
        k = point.shape[1]
        centred = (point - point.mean(1, keepdims=True)) ** 2
        out.append({"loss": losses.mean(1), "loss_err": losses.std(1, ddof=1) / np.sqrt(k),
                    "mean": point.mean(1), "mean_err": point.std(1, ddof=1) / np.sqrt(k),
                    "var": centred.sum(1) / (k - 1),
                    "var_err": centred.std(1, ddof=1) / np.sqrt(k)})
    return out


def _brg_arrays(study: TrainingStudy) -> dict[str, np.ndarray]:
    """``brg_flow.npz``: the infinite-width flows and, per width, the measured coarse-grained ensemble mean and covariance."""
    arrays: dict[str, np.ndarray] = {"cutoffs": study.brg_flows["full"].cutoffs}
    for name, flow in study.brg_flows.items():
        for field in ("information", "kept", "mean", "covariance", "kept_two_point", "train_loss"):
            arrays[f"{name}_{field}"] = np.asarray(getattr(flow, field))
    for width, outputs in zip(study.widths, study.brg_measured):
        arrays[f"measured_mean_N{width}"] = outputs.mean(1)
        centred = outputs - outputs.mean(1, keepdims=True)
        arrays[f"measured_covariance_N{width}"] = np.einsum(
            "lki,lkj->lij", centred, centred) / (outputs.shape[1] - 1)
    return arrays


def _brg_report(study: TrainingStudy, params: dict[str, Any], figure: Path) -> str:
    """The Bayesian-RG section of ``report.md``."""
    flows = study.brg_flows
    trained = "readout" if params["readout_only"] else "full"
    flow = flows[trained]
    where = int(np.argmax(study.prediction.std))
    point = float(study.prediction.points[where, 0])
    measured = _brg_measurements(study)
    width = study.widths[int(np.argmax(study.widths))]
    big = measured[int(np.argmax(study.widths))]
    rows = []
    for i, lam in enumerate(flow.cutoffs):
        var = flow.covariance[i, where, where]
        z_mean = (big["mean"][i] - flow.mean[i, where]) / big["mean_err"][i] \
            if big["mean_err"][i] > 0 else 0.0
        z_var = (big["var"][i] - var) / big["var_err"][i] if big["var_err"][i] > 0 else 0.0
        rows.append({"lam": f"{lam:.3g}", "kf": int(flows["full"].kept[i]),
                     "kr": int(flows["readout"].kept[i]),
                     "lf": f"{flows['full'].train_loss[i]:.4g}",
                     "lr": f"{flows['readout'].train_loss[i]:.4g}",
                     "lm": format_estimate(big["loss"][i], big["loss_err"][i]),
                     "v": f"{var:.4g}", "vm": format_estimate(big["var"][i], big["var_err"][i]),
                     "zm": f"{z_mean:.2f}", "zv": f"{z_var:.2f}"})
    z_all = [np.max(np.abs((m["var"] - flow.covariance[:, where, where]) / np.where(
        m["var_err"] > 0, m["var_err"], np.inf))) for m in measured]
    lines = ["## Bayesian RG of the trained network (information shells of the Fisher metric)", "",
             f"Fisher metric F = J^T J / (n sigma_n^2) of the Gaussian likelihood, sigma_n = "
             f"{params['noise_std']:g}, on the {len(params['y_train'])} training inputs: of all "
             "parameters (its non-zero spectrum is that of the NTK Gram matrix / (n sigma_n^2)) "
             "or of the read-out alone (the NNGP Gram matrix). Coarse graining at a cutoff Lambda "
             "resets the trained displacement along the Fisher directions with eigenvalue < "
             "Lambda to the initial values (numeric.bayesian_rg.trained_brg_flow; "
             "arXiv:2405.17538). Infinite width: the coarse-grained trained GP; measured: "
             f"each network of width {width} coarse-grained in the eigenbasis of its own "
             "empirical Fisher metric (linearised_coarse_graining), the ensemble mean.", "",
             "Fisher eigenvalues (infinite width): full "
             + ", ".join(f"{v:.4g}" for v in flows["full"].information) + "; read-out "
             + ", ".join(f"{v:.4g}" for v in flows["readout"].information) + ".", "",
             markdown_table(rows, ["lam", "kf", "kr", "lf", "lr", "lm", "v", "vm", "zm", "zv"],
                            ["Lambda", "kept (full)", "kept (read-out)", "train MSE (full)",
                             "train MSE (read-out)", f"train MSE measured ({trained})",
                             f"Var f({point:g}) ({trained})", "measured", "z mean", "z var"]), "",
             "Largest |z| of the measured variance at x = "
             f"{point:g} over the sweep, per width: "
             + ", ".join(f"N = {w}: {z:.2f}" for w, z in zip(study.widths, z_all)) + ".", "",
             f"![brg flow](figures/{figure.name})", "",
             "Arrays: `brg_flow.npz` (infinite-width flows; measured means and covariances on "
             "the training then the test inputs).", ""]
    return "\n".join(lines)


def plot_brg_flow(study: TrainingStudy, axes: Any = None) -> Any:
    """Two panels against the information cutoff: the training loss of the coarse-grained network
    (infinite width, full and read-out Fisher metric; measured at each width) and the variance at
    the least constrained test point (the kept field theory), with its infinite-width flow."""
    if study.brg_flows is None:
        raise ValueError("plot_brg_flow: the study has no Bayesian-RG flow (run with brg=True)")
    if axes is None:
        import matplotlib.pyplot as plt
        fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    fig = axes[0].figure
    flows = study.brg_flows
    where = int(np.argmax(study.prediction.std))
    styles = {"full": "-", "readout": "--"}
    for name, flow in flows.items():
        axes[0].plot(flow.cutoffs, flow.train_loss, "k" + styles[name],
                     label=f"infinite width, {name} Fisher")
        axes[1].plot(flow.cutoffs, flow.covariance[:, where, where], "k" + styles[name],
                     label=f"infinite width, {name} Fisher")
    cuts = flows["full"].cutoffs
    for width, m in zip(study.widths, _brg_measurements(study)):
        axes[0].errorbar(cuts, m["loss"], m["loss_err"], fmt="o", ms=3, capsize=2,
                         label=f"measured, N = {width}")
        axes[1].errorbar(cuts, m["var"], m["var_err"], fmt="o", ms=3, capsize=2,
                         label=f"measured, N = {width}")
    axes[0].set(xscale="log", yscale="log", xlabel=r"information cutoff $\Lambda$",
                ylabel="training MSE after coarse graining")
    axes[1].set(xscale="log", yscale="log", xlabel=r"information cutoff $\Lambda$",
                ylabel=f"Var f(x = {study.prediction.points[where, 0]:g})")
    for ax in axes:
        ax.legend(fontsize=7)
    fig.tight_layout()
    return fig
