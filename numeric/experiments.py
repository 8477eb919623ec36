r"""The HMS and ELS experiments and the demo: runs, result folders, figures and Markdown reports.

Settings default to the papers' (HMS arXiv:2008.08601, ELS arXiv:2108.01403;
docs/conventions.md section 6): per architecture and input dimension the HMS setting of
:mod:`numeric.paper_settings` (:math:`\sigma_W`, :math:`\sigma_b`, inputs), widths
:data:`HMS_WIDTHS`, bags of 30000 networks, and for the active RG (Gauss-net,
:math:`d_{in} = 1`, :math:`\sigma_b = 1`, inputs :data:`HMS_POINTS`)
:math:`\sigma_W \in` :data:`ELS_SIGMAS`.

Every run writes into an output folder: per study ``<tag>/bags/*.npz`` (one checkpoint per
finished bag, so an interrupted run resumes), ``<tag>/measurement.{npz,json}``,
``<tag>/green_functions.{csv,json}`` (tidy table), ``<tag>/couplings.json``, figures under
``figures/``, ``metadata.json`` (versions, seeds, parameters, timings) and ``report.md``.
All files are written atomically (:mod:`numeric.storage`).  An output folder belongs to one
experiment (``run.json``: its kind and study tags, written when it starts; the folder is
locked while it runs): another experiment or study (``--arch gauss`` into a ReLU folder) is
refused with a :class:`nnqft_sym.errors.CheckpointError`, and ``report.md`` embeds only the
figures of its own studies.
"""
from __future__ import annotations

import contextlib
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np

from nnqft_sym.architectures import GaussNet, Network, from_description, make_network
from nnqft_sym.errors import CheckpointError, DivergentExpectationError
from nnqft_sym.parsing import read_srepr
from nnqft_sym.propagators import gaussian_weight_kernel
from nnqft_sym.validation import as_points

from .couplings import (PowerLawFit, QuarticCouplings, SexticCouplings, fit_power_law,
                        quartic_couplings, sextic_couplings)
from .conditional import CONDITIONAL, PLAIN, check_estimator
from .estimators import GreenMeasurement, free_values, measure, measure_sweep, reference_kind
from .monomials import point_multisets
from .paper_settings import PaperSetting, hms_setting
from .report import format_estimate, markdown_table, versions
from .sampling import as_seed_sequence, seed_state
from .storage import atomic_write, clean_orphans, load_json, lock_folder, save_json

__all__ = ["HMS_WIDTHS", "HMS_POINTS", "ELS_SIGMAS", "DEFAULT_CUTOFF", "EnsembleStudy",
           "run_study", "hms_experiment", "ActiveRG", "els_experiment", "demo",
           "study_report", "els_section", "coupling_cutoff"]

#: widths of HMS / ELS
HMS_WIDTHS = (2, 3, 4, 5, 10, 20, 50, 100, 500, 1000)
#: the six Gauss-net inputs of HMS / ELS (d_in = 1), from :func:`numeric.hms_setting`
HMS_POINTS = hms_setting("gauss", 1).scalar_points
#: sigma_W of the ELS active-RG experiment
ELS_SIGMAS = tuple(float(s) for s in np.arange(1.0, 10.25, 0.5)) + (20.0,)
#: input-space cutoff for the vertex integrals of non-Gaussian kernels (ReLU, Erf)
DEFAULT_CUTOFF = 1.0


@dataclass
class EnsembleStudy:
    """One architecture measured at several widths, with its couplings (None when not measured)
    and the figures written for it."""

    tag: str
    measurement: GreenMeasurement
    quartic: QuarticCouplings | None
    sextic: SexticCouplings | None
    cutoff: float | None
    seconds: float
    figures: list[Path] = field(default_factory=list)

    def width_fit(self, exclude_heavy: bool = False) -> PowerLawFit | None:
        """1/N fit of the averaged u4 (None with fewer than 3 widths or mixed signs)."""
        if self.quartic is None:
            return None
        n_used = (int((~self.quartic.heavy_tail.any(axis=1)).sum()) if exclude_heavy
                  else len(self.quartic.widths))
        if n_used < 3:
            return None
        try:
            return self.quartic.fit_width(exclude_heavy)
        except ValueError:
            return None


def coupling_cutoff(net: Network, cutoff: float | None) -> float | None:
    """None (closed form) for Gaussian kernels of one hidden layer, else ``cutoff`` or
    :data:`DEFAULT_CUTOFF` (deep kernels are never Gaussian in the inputs)."""
    if net.has_exact_finite_width and gaussian_weight_kernel(net) is not None:
        return None
    return cutoff or DEFAULT_CUTOFF


def _seed(seed: Any, tag: str) -> np.random.SeedSequence:
    """An independent stream per study, keyed by its tag."""
    root = as_seed_sequence(seed)
    return np.random.SeedSequence(root.entropy, spawn_key=tuple(root.spawn_key)
                                  + (zlib.crc32(tag.encode()),))


def run_study(net: Network, out: str | Path, tag: str, widths: Sequence[int],
              points: Sequence[float], orders: Sequence[int] = (2, 4, 6), n_bags: int = 20,
              n_nets: int = 30000, seed: Any = 0, *, scheduler: Any = None, workers: int | None = None,
              progress: bool = True, cutoff: float | None = None, sextic: bool = True,
              figures: bool = True, estimator: str | None = None) -> EnsembleStudy:
    """Measure one architecture (resumable), extract couplings and write its files.

    ``scheduler`` and ``workers`` choose where the bags run, ``estimator`` the estimator
    (:func:`numeric.measure`; default the best valid one, the conditional estimator).

    Examples
    --------
    >>> import tempfile
    >>> from nnqft_sym import ReLUNet
    >>> st = run_study(ReLUNet(), tempfile.mkdtemp(), "relu", [2, 4], [0.0, 0.5], orders=(4,),
    ...                n_bags=2, n_nets=300, progress=False, figures=False)
    >>> st.quartic.average.shape
    (2,)
    """
    _check_deviations_defined(net, points, orders)
    start = time.perf_counter()
    res = measure(net, widths, points, orders, n_bags, n_nets, _seed(seed, tag),
                  checkpoint_dir=Path(out) / tag / "bags", scheduler=scheduler, workers=workers,
                  progress=progress, estimator=estimator)
    return _finish_study(net, res, out, tag, time.perf_counter() - start, cutoff, sextic,
                         figures)


def _check_deviations_defined(net: Network, points: Any, orders: Sequence[int]) -> None:
    """Refuse, before sampling, inputs where m_n = Delta G / G_0 is 0/0 (G_0 = 0 at a multiset:
    e.g. x = 0, or inputs of both signs, for ReLU at sigma_b = 0 in d_in = 1) and odd orders
    of a network whose read-out is centred (they vanish exactly)."""
    pts = as_points(points, net.d_in)
    for order in orders:
        if order % 2 and net.priors.readout_is_centred_gaussian:
            raise ValueError(f"order {order}: odd correlators of {net!r} vanish exactly (centred "
                             "Gaussian read-out), so m_n = Delta G / G_0 is undefined; give the "
                             "read-out a mean (with_priors, or a --prior file with a mean) or "
                             "use even orders")
        combos = pts[point_multisets(pts.shape[0], order)]
        if net.has_exact_finite_width:
            try:                      # a law without the moments this order needs (Student-t)
                net.green(combos[0], 2)
            except DivergentExpectationError as exc:
                raise DivergentExpectationError(
                    f"order {order}: G^({order}) is infinite for these priors ({exc}); measure "
                    "the orders whose moments exist (orders=, --orders)") from None
        free = free_values(net, combos)
        if np.any(free == 0):
            bad = combos[np.argwhere(free == 0)[0][0]]
            raise ValueError(f"m_{order} = Delta G / G_0 is undefined at the inputs {bad.tolist()} "
                             f"of {net!r}: G_0 = 0 there (K(x, y) = 0 for these inputs); choose "
                             "other points (numeric.hms_setting gives the papers' ones)")


def _finish_study(net: Network, res: GreenMeasurement, out: str | Path, tag: str,
                  seconds: float, cutoff: float | None, sextic: bool, figures: bool
                  ) -> EnsembleStudy:
    """Save a measurement, extract its couplings, write ``couplings.json`` and the figures."""
    start = time.perf_counter()
    out = Path(out)
    folder = out / tag
    res.save(folder / "measurement")
    res.to_csv(folder / "green_functions.csv")
    res.to_json(folder / "green_functions.json")
    # the couplings u4, u6 are those of an action symmetric under f -> -f: none with read-out means
    symmetric = _readout_is_centred(net)
    cut = coupling_cutoff(net, cutoff) if symmetric else None
    quartic = quartic_couplings(res, cutoff=cut) if symmetric and 4 in res.orders else None
    six = (sextic_couplings(res, quartic, cutoff=cut)
           if symmetric and sextic and {4, 6} <= set(res.orders) else None)
    study = EnsembleStudy(tag, res, quartic, six, cut, seconds + time.perf_counter() - start)
    save_json(folder / "couplings.json", _couplings_json(study))
    if figures:
        study.figures = _study_figures(study, out / "figures")
    return study


def _readout_is_centred(net: Network) -> bool:
    """True when the read-out weights and bias have mean zero (odd correlators vanish)."""
    return all(p.is_centred for p in (net.priors.readout_weights, net.priors.readout_bias))


def _couplings_json(study: EnsembleStudy) -> dict[str, Any]:
    doc: dict[str, Any] = {"cutoff": study.cutoff,
                           "reference_kind": study.measurement.reference_kind}
    q, s = study.quartic, study.sextic
    if q is not None:
        doc["u4"] = {"widths": q.widths, "average": q.average, "average_err": q.average_err,
                     "average_reference": q.average_reference, "spread": q.spread,
                     "per_combination_mean": q.mean, "per_combination_stderr": q.stderr,
                     "per_combination_reference": q.reference, "combos": q.combos}
        fit = study.width_fit()
        if fit is not None:
            doc["u4"]["width_fit"] = fit.__dict__
    if s is not None:
        doc["u6"] = {"widths": s.widths, "average": s.average, "average_err": s.average_err,
                     "average_reference": s.average_reference}
    return doc


def _study_figures(study: EnsembleStudy, folder: Path) -> list[Path]:
    """Write the figures of one study; return their paths."""
    # matplotlib only when figures are written (it is 1/6 of a short run's time to import)
    from .plots import plot_deviation_histograms, plot_deviations, plot_u4_width, save_figure

    res = study.measurement
    figures = []
    for order in res.orders:
        if order < 4:
            continue
        figures.append(save_figure(plot_deviations(res, order),
                                   folder / f"{study.tag}_m{order}_vs_width.png"))
        shown = res.widths if len(res.widths) <= 4 else res.widths[:: max(1, len(res.widths) // 3)]
        figures.append(save_figure(plot_deviation_histograms(res, order, shown),
                                   folder / f"{study.tag}_m{order}_histogram.png"))
    if study.quartic is not None and len(res.widths) >= 2:
        figures.append(save_figure(plot_u4_width(study.quartic, study.width_fit(), label=res.name),
                                   folder / f"{study.tag}_u4_vs_width.png"))
    return figures


# ---------------------------------------------------------------------- reports
#: what each estimator of :func:`numeric.measure` is, in one report line
_ESTIMATOR_LINES = {
    PLAIN: "bag means of the products of sampled outputs, HMS",
    CONDITIONAL: "bag means of the Wick sums of the read-out covariance given the last hidden "
                 "layer minus a control variate of mean zero, numeric.conditional; unbiased, "
                 "the spread over bags is the error",
}


def study_report(study: EnsembleStudy) -> str:
    """Markdown section of one study: deviations, couplings, 6-point prediction, heavy tails."""
    res = study.measurement
    lines = [f"## {res.name} ({study.tag})", "",
             f"{res.n_bags} bags x {res.n_nets} networks per width; points "
             f"{_format_points(res.points)}; run time {study.seconds:.1f} s.", "",
             f"Estimator: **{res.estimator}** ({_ESTIMATOR_LINES[res.estimator]}); every "
             "measured number below comes from it.", ""]
    depth, d_out = int(res.description.get("depth", 1)), int(res.description.get("d_out", 1))
    kind = res.reference_kind               # "exact" or "leading order in 1/N"
    lines += [f"**Priors:** {_priors_line(res.description)}.", ""]
    if depth > 1:
        lines += [f"**Reference values: {kind}.** With L = {depth} hidden layers there is no "
                  "exact finite-width formula: the reference columns below hold G_0 + c_1/N "
                  "(nnqft_sym.deep.leading_delta_green), so they differ from the measurement "
                  "by O(1/N^2) at small widths.", ""]
    if d_out > 1:
        lines += [f"d_out = {d_out}: the Green functions of output component 0 are measured "
                  "(the single-component formulas apply to one component).", ""]
    rows = []
    for r in res.summary():
        rows.append({**r, "m": format_estimate(r["mean_deviation"], r["mean_deviation_err"]),
                     "heavy": f"{100 * r['heavy_fraction']:.0f}%"})
    lines += ["### Green-function deviations", "",
              f"m = combination average of m_n (error from the bags), compared with the {kind} "
              "finite-width value; <|m|> and the background (HMS chunk statistic: spread of "
              "the per-bag m_n) as in the talk; |z| over combinations against the reference "
              f"({kind}) values.",
              "", markdown_table(rows, ["width", "order", "m", "mean_deviation_reference",
                                        "mean_deviation_z", "mean_abs_deviation",
                                        "background_deviation", "mean_abs_z", "max_abs_z",
                                        "heavy"],
                                 ["N", "n", "m measured", f"m {kind}", "z", "<|m|>", "background",
                                  "mean abs z", "max abs z", "heavy-tailed"]), ""]
    heavy = [r for r in res.summary() if r["heavy_fraction"] > 0]
    if heavy:
        lines += ["**Heavy tails.** At " + ", ".join(f"N={r['width']} (n={r['order']})"
                                                     for r in heavy)
                  + " the estimates are dominated by a few networks (Kish effective sample "
                  "size below the threshold in some bag): the measured values there are not "
                  "reliable and typically fall below the exact ones, whatever their error bar "
                  "says.", ""]
    under = res.feature_underflow
    if under is not None and np.any(under):
        lines += ["**Features underflow** at the points "
                  + ", ".join(f"{p:g}" for p in res.points[np.asarray(under, bool)].ravel())
                  + " (every sampled first-layer feature is 0 or subnormal, or one neuron "
                  "carries the whole kernel; numeric.feature_underflow): the ensemble there "
                  "shows little more than the output bias, so every estimate involving these "
                  "points is flagged heavy-tailed and its agreement or disagreement with the "
                  "exact value means nothing.", ""]
    q = study.quartic
    if q is None and 4 in res.orders and not _readout_is_centred(from_description(res.description)):
        lines += ["**No couplings.** The read-out has a mean, so the action is not symmetric "
                  "under f -> -f and the quartic and sextic couplings u4, u6 of the symmetric "
                  "action are not extracted; odd orders are non-zero (measured above).", ""]
    if q is not None:
        cut = ("closed-form N_K" if study.cutoff is None
               else f"N_K by quadrature with input-space cutoff {study.cutoff:g}")
        rows = [{"width": w, "u4": format_estimate(q.average[i], q.average_err[i]),
                 "exact": q.average_reference[i],
                 "z": (q.average[i] - q.average_reference[i]) / q.average_err[i],
                 "spread": q.spread[i], "heavy": bool(q.heavy_tail[i].any())}
                for i, w in enumerate(q.widths)]
        lines += ["### Quartic coupling u4", "", f"u4 = -Delta G^(4) / N_K ({cut}), averaged over "
                  "the 4-point combinations; spread = standard deviation over combinations.", "",
                  markdown_table(rows, ["width", "u4", "exact", "z", "spread", "heavy"],
                                 ["N", "u4 measured", f"u4 {q.reference_kind}", "z", "spread",
                                  "heavy-tailed"]), ""]
        fit = study.width_fit()
        if fit is not None:
            pull = (fit.exponent + 1) / fit.exponent_err
            lines += [f"Width dependence: u4 ∝ N^p with p = {format_estimate(fit.exponent, fit.exponent_err)} "
                      f"(chi2/dof = {fit.chi2:.3g}/{fit.dof}); exact law p = -1 "
                      f"({pull:+.1f} standard errors).", ""]
            light = study.width_fit(exclude_heavy=True)
            if q.heavy_tail.any() and light is not None:
                lines += [f"Without the heavy-tailed widths: p = "
                          f"{format_estimate(light.exponent, light.exponent_err)} "
                          f"({(light.exponent + 1) / light.exponent_err:+.1f} standard errors "
                          "from -1).", ""]
    s = study.sextic
    if s is not None:
        with np.errstate(divide="ignore", invalid="ignore"):
            pulls = (s.measured_delta - s.predicted_delta) / s.measured_delta_err
        rows = [{"width": w, "u6": format_estimate(s.average[i], s.average_err[i]),
                 "exact": s.average_reference[i],
                 "z": (s.average[i] - s.average_reference[i]) / s.average_err[i],
                 "pull": float(np.mean(np.abs(pulls[i]))),
                 "heavy": bool(res.estimate(6).heavy_tail[i].any())} for i, w in enumerate(s.widths)]
        lines += ["### Sextic coupling u6 and the 6-point prediction", "",
                  "u6 = (u4^2 exchange - G_c^(6)) / contact with G_c^(6) = Delta G^(6) - sum_15 "
                  "Delta G^(4) K (tree-level diagrams from `feynman`); 'pull' = mean over "
                  "combinations of |Delta G^(6) measured - predicted from (u4, u6)| / error.", "",
                  markdown_table(rows, ["width", "u6", "exact", "z", "pull", "heavy"],
                                 ["N", "u6 measured",
                                  f"u6 {s.reference_kind} (tree-level extraction)", "z",
                                  "6-pt prediction pull", "heavy-tailed"]), ""]
        if np.all(s.average_reference < 0):
            lines += ["Sign: the exact tree-level extraction gives u6 < 0 at every width here, "
                      "whereas the talk expects u6 > 0 (to stabilise u4 < 0); where the "
                      "measurement resolves u6 it agrees with the exact (negative) value.", ""]
    return "\n".join(lines)


@contextlib.contextmanager
def _output_folder(out: Path, experiment: str, tags: Sequence[str]) -> Iterator[Path]:
    """Lock the output folder of one experiment and claim it (``run.json``).

    A folder claimed by another experiment or other studies is refused, so that one
    ``report.md`` never mixes two runs.
    """
    claim = {"experiment": experiment, "studies": sorted(tags)}
    with lock_folder(out):
        path = out / "run.json"
        if path.exists():
            old = load_json(path)
            if old != claim:
                held = (f"{old.get('experiment')} with studies {old.get('studies')}"
                        if isinstance(old, dict) else "unknown")
                raise CheckpointError(f"output folder {out} holds the report of a different run "
                                      f"({held}); use another output folder or delete it")
        else:
            save_json(path, claim)
        for folder in (out, out / "figures", *(out / tag for tag in tags)):
            clean_orphans(folder)
        yield out


def _write_report(out: Path, title: str, intro: Sequence[str], sections: Sequence[str],
                  metadata: dict[str, Any], figures: Sequence[Path]) -> Path:
    text = "\n".join([f"# {title}", "", *intro, "", *sections, "## Figures", "",
                      *[f"![{Path(f).stem}](figures/{Path(f).name})" for f in figures], "",
                      "## Reproduce", "", f"Seeds and parameters: `metadata.json`; versions: "
                      f"{', '.join(f'{k} {v}' for k, v in metadata['versions'].items())}.", ""])
    save_json(out / "metadata.json", metadata)
    return atomic_write(out / "report.md", lambda fh: fh.write(text), mode="w")


def _metadata(kind: str, params: dict[str, Any], seed: Any, studies: Sequence[EnsembleStudy]
              ) -> dict[str, Any]:
    return {"experiment": kind, "parameters": params, "seed": seed_state(as_seed_sequence(seed)),
            "versions": versions(),
            "studies": {s.tag: {**s.measurement.metadata(), "seconds": s.seconds,
                                "study_seed": seed_state(_seed(seed, s.tag))} for s in studies}}


# ---------------------------------------------------------------------- HMS
def hms_experiment(out: str | Path, arch: str = "gauss", widths: Sequence[int] = HMS_WIDTHS,
                   points: Sequence[Any] | None = None, orders: Sequence[int] = (2, 4, 6),
                   n_bags: int = 20, n_nets: int = 30000, seed: int = 0,
                   sigma_w: float | None = None, sigma_b: float | None = None, *, d_in: int = 1,
                   depth: int = 1, d_out: int = 1, scheduler: Any = None, workers: int | None = None,
                   progress: bool = True, cutoff: float | None = None,
                   priors: dict[str, Any] | None = None,
                   estimator: str | None = None) -> EnsembleStudy:
    """HMS: Green-function deviations and couplings against the width for one architecture.

    ``points``, ``sigma_w`` and ``sigma_b`` default to the HMS setting of ``arch`` at ``d_in``
    (:func:`numeric.hms_setting`: e.g. ReLU-net with sigma_b = 0 on 0.2, ..., 1.2); the report
    and ``metadata.json`` name the setting and any value given instead.  ``depth`` hidden
    layers of width N and ``d_out`` outputs (component 0 is measured); for ``depth > 1`` the
    reference values are the leading order in 1/N (no exact finite-width formula) and the
    sextic coupling is not extracted.  ``scheduler`` and ``workers`` choose where the bags run,
    ``estimator`` the estimator (:func:`numeric.measure`; default the best valid one, the
    conditional estimator; the report names it).  Writes the study folder, figures,
    ``metadata.json`` and ``report.md`` under ``out``.  ``priors`` are ``Network.with_priors``
    arguments (laws, means, shared scales of parameter groups); the report and metadata state
    them, and the reference values follow them (:mod:`nnqft_sym.neuron_sums`).

    Raises
    ------
    ValueError
        If a default is needed and there is no HMS setting for ``(arch, d_in)``.
    """
    setting, chosen, changed = _hms_choice(arch, d_in, points=points, sigma_w=sigma_w,
                                           sigma_b=sigma_b)
    net = make_network(arch, sigma_w=chosen["sigma_w"], sigma_b=chosen["sigma_b"], d_in=d_in,
                       depth=depth, d_out=d_out)
    if priors:
        net = net.with_priors(**priors)
    out = Path(out)
    with _output_folder(out, "hms", [arch]):
        study = run_study(net, out, arch, widths, chosen["points"], orders, n_bags, n_nets, seed,
                          scheduler=scheduler, workers=workers, progress=progress, cutoff=cutoff,
                          sextic=depth == 1, estimator=estimator)
        params = {"arch": arch, "d_in": d_in, "widths": list(widths),
                  "points": _listed(chosen["points"]), "orders": list(orders), "n_bags": n_bags,
                  "n_nets": n_nets, "sigma_w": chosen["sigma_w"], "sigma_b": chosen["sigma_b"],
                  "depth": depth, "d_out": d_out, "cutoff": cutoff,
                  "estimator": study.measurement.estimator,
                  "reference_kind": reference_kind(net.describe()),
                  "priors": net.describe().get("priors", "i.i.d. zero-mean Gaussian"),
                  **_setting_metadata(setting, changed)}
        _write_report(out, f"HMS experiment: {net.name}",
                      ["Measured Green functions of network ensembles against the exact "
                       "finite-width results (HMS arXiv:2008.08601).", "",
                       _setting_line(setting, changed, chosen)],
                      [study_report(study)], _metadata("hms", params, seed, [study]),
                      study.figures)
    return study


def _hms_choice(arch: str, d_in: int, **given: Any
                ) -> tuple[PaperSetting | None, dict[str, Any], list[str]]:
    """``(setting, chosen values, names given that differ from it)`` for points / sigma_w / sigma_b.

    The setting is None when every value is given and there is no HMS setting at ``d_in``.
    """
    try:
        setting = hms_setting(arch, d_in)
    except ValueError:
        if any(v is None for v in given.values()):
            raise
        setting = None
    defaults = {} if setting is None else {
        "points": setting.scalar_points if d_in == 1 else setting.points,
        "sigma_w": setting.sigma_w, "sigma_b": setting.sigma_b}
    chosen = {k: defaults[k] if v is None else v for k, v in given.items()}
    changed = [k for k, v in given.items() if v is not None and
               (setting is None or not np.array_equal(np.asarray(v, dtype=float).reshape(-1),
                                                      np.asarray(getattr(setting, k)).reshape(-1)))]
    return setting, chosen, changed


def _priors_line(description: dict[str, Any]) -> str:
    """The priors of a network description in words (groups not named are i.i.d. zero-mean Gaussian)."""
    chosen = description.get("priors")
    if not chosen:
        return "every parameter group i.i.d. zero-mean Gaussian (HMS)"
    parts = [f"{group}: {_prior_words(value)}" for group, value in chosen.items()]
    return "; ".join(parts) + "; the other groups i.i.d. zero-mean Gaussian"


def _prior_words(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(_prior_words(v) for v in value)
    if value.get("prior") == "shared_scale":
        return f"shared scale ({value['scale_law'].get('law')} law) times {_prior_words(value['base'])}"
    if value.get("prior") == "spherical":
        return f"spherical, quartic lambda = {_number_words(read_srepr(value['quartic'], 'quartic'))}"
    words = []
    if "law" in value:
        words.append(f"law {value['law'].get('law')}")
    for key in ("mean", "variance"):
        if key in value:
            words.append(f"{key} {read_srepr(value[key], key)}")
    if "shared_scale" in value:
        words.append(f"shared scale ({value['shared_scale'].get('law')} law)")
    if "spherical" in value:
        words.append("spherical, quartic lambda = "
                     f"{_number_words(read_srepr(value['spherical'], 'spherical'))}")
    return ", ".join(words) or value.get("prior", "")


def _number_words(value: Any) -> str:
    """A SymPy number as written: floats in the shortest form (0.5, not 0.500000000000000)."""
    return f"{float(value):g}" if getattr(value, "is_Float", False) else str(value)


def _listed(points: Any) -> list[Any]:
    """Points as a JSON list."""
    return np.asarray(points, dtype=float).tolist()


def _setting_metadata(setting: PaperSetting | None, changed: list[str]) -> dict[str, Any]:
    return {"setting": None if setting is None else setting.as_dict(), "setting_overrides": changed}


def _setting_line(setting: PaperSetting | None, changed: list[str], chosen: dict[str, Any]) -> str:
    """One report line naming the setting used and what was given instead."""
    values = (f"sigma_W = {chosen['sigma_w']:g}, sigma_b = {chosen['sigma_b']:g}, inputs "
              f"{_format_points(chosen['points'])}")
    if setting is None:
        return f"**Setting:** custom (no HMS setting at this d_in): {values}."
    line = f"**Setting:** {setting.label} ({setting.source}): {values}."
    if changed:
        line += f" Given instead of the setting's: {', '.join(changed)}."
    return line


def _format_points(points: Any) -> str:
    arr = np.asarray(points, dtype=float)
    if arr.ndim == 1 or arr.shape[-1] == 1:
        return ", ".join(f"{p:g}" for p in arr.ravel())
    return ", ".join("(" + ", ".join(f"{c:g}" for c in p) + ")" for p in arr)


# ---------------------------------------------------------------------- ELS active RG
@dataclass
class ActiveRG:
    """ELS active RG: u4 against sigma_W at fixed width.

    Attributes
    ----------
    sigmas : tuple of float
    studies : one :class:`EnsembleStudy` per sigma_W
    average, average_err, average_exact : (n_sigmas,) combination-averaged u4
    heavy : (n_sigmas,) bool, some 4-point estimate heavy-tailed
    fit, fit_exact : power-law fits of the measured and of the exact u4
    talk_exponent : 4 - d_in (ELS's flow equation, arXiv:2108.01403, sigma_W du4/dsigma_W = (4 - d_in) u4)
    delta_fit, nk_fit : exact-value fits of ``|Delta G^(4)|`` and N_K (why the exponent is what it is)
    """

    sigmas: tuple[float, ...]
    studies: list[EnsembleStudy]
    average: np.ndarray
    average_err: np.ndarray
    average_exact: np.ndarray
    heavy: np.ndarray
    fit: PowerLawFit
    fit_exact: PowerLawFit
    talk_exponent: float
    delta_fit: PowerLawFit
    nk_fit: PowerLawFit

    @property
    def agrees_with_talk(self) -> bool:
        """Measured exponent within 3 standard errors of 4 - d_in."""
        return abs(self.fit.exponent - self.talk_exponent) <= 3 * self.fit.exponent_err


def els_experiment(out: str | Path, sigmas: Sequence[float] = ELS_SIGMAS, width: int = 100,
                   points: Sequence[float] = HMS_POINTS, n_bags: int = 30, n_nets: int = 30000,
                   seed: int = 0, sigma_b: float = 1.0, *, scheduler: Any = None,
                   workers: int | None = None, progress: bool = True,
                   estimator: str | None = None) -> ActiveRG:
    """ELS active RG: u4 of the Gauss-net against sigma_W, its log-log slope, ELS's exponent (arXiv:2108.01403)
    and the exact prediction; writes figures, ``metadata.json`` and ``report.md`` under ``out``.

    All bags of all sigma_W values form one batch of tasks (:func:`numeric.measure_sweep`) run
    where ``scheduler`` and ``workers`` say; each sigma_W has its own checkpoint folder and
    seed stream, so the result equals a sigma-by-sigma serial run bit for bit.  ``estimator``
    as in :func:`numeric.measure` (default the best valid one, the conditional estimator).
    """
    out = Path(out)
    sigmas = tuple(float(s) for s in sigmas)
    if len(sigmas) < 2 or len(set(sigmas)) != len(sigmas):
        raise ValueError(f"sigmas must hold at least 2 distinct values, got {sigmas}")
    tags = [f"sigma_w_{s:g}" for s in sigmas]
    with _output_folder(out, "els-active", tags):
        return _els_run(out, sigmas, tags, width, points, n_bags, n_nets, seed, sigma_b,
                        scheduler, workers, progress, estimator)


def _els_run(out: Path, sigmas: tuple[float, ...], tags: list[str], width: int,
             points: Sequence[float], n_bags: int, n_nets: int, seed: int, sigma_b: float,
             scheduler: Any, workers: int, progress: bool, estimator: str | None) -> ActiveRG:
    """The body of :func:`els_experiment` (inside its locked output folder)."""
    start = time.perf_counter()
    nets = [GaussNet(sigma_w=s, sigma_b=sigma_b, d_in=1) for s in sigmas]
    results = measure_sweep(nets, [width], points, (2, 4), n_bags, n_nets,
                            [_seed(seed, tag) for tag in tags],
                            checkpoint_dirs=[out / tag / "bags" for tag in tags],
                            scheduler=scheduler, workers=workers, progress=progress,
                            estimator=estimator)
    seconds = (time.perf_counter() - start) / len(sigmas)
    studies = [_finish_study(net, res, out, tag, seconds, None, True, False)
               for net, res, tag in zip(nets, results, tags)]
    avg = np.array([st.quartic.average[0] for st in studies])
    err = np.array([st.quartic.average_err[0] for st in studies])
    exact = np.array([st.quartic.average_reference[0] for st in studies])
    heavy = np.array([bool(st.quartic.heavy_tail.any()) for st in studies])
    delta = np.array([np.mean(np.abs(st.measurement.estimate(4).delta_reference))
                      for st in studies])
    nk = np.array([np.mean(st.quartic.contact_integral) for st in studies])
    rg = ActiveRG(sigmas, studies, avg, err, exact, heavy, fit_power_law(sigmas, avg, err),
                  fit_power_law(sigmas, exact), 4.0 - 1, fit_power_law(sigmas, delta),
                  fit_power_law(sigmas, nk))
    from .plots import plot_u4_sigma, save_figure

    figure = save_figure(plot_u4_sigma(sigmas, avg, err, exact, rg.fit, rg.talk_exponent, heavy),
                         out / "figures" / "u4_vs_sigma_w.png")
    params = {"sigmas": list(sigmas), "width": width, "points": list(points), "n_bags": n_bags,
              "n_nets": n_nets, "sigma_b": sigma_b, "estimator": results[0].estimator}
    _write_report(out, "ELS active RG: u4 against sigma_W",
                  [f"Gauss-net, d_in = 1, width N = {width}, sigma_b = {sigma_b:g}; "
                   f"{n_bags} bags x {n_nets} networks per sigma_W (ELS arXiv:2108.01403); "
                   f"estimator: {results[0].estimator} "
                   f"({_ESTIMATOR_LINES[results[0].estimator]})."],
                  [els_section(rg)], _metadata("els-active", params, seed, studies), [figure])
    return rg


def els_section(rg: ActiveRG) -> str:
    """Markdown: the u4(sigma_W) table, the fitted slope, ELS's exponent, the verdict."""
    rows = [{"sigma": s, "u4": format_estimate(rg.average[i], rg.average_err[i]),
             "exact": rg.average_exact[i],
             "z": (rg.average[i] - rg.average_exact[i]) / rg.average_err[i],
             "heavy": bool(rg.heavy[i])} for i, s in enumerate(rg.sigmas)]
    fit, ex = rg.fit, rg.fit_exact
    lines = ["## u4 against sigma_W", "",
             markdown_table(rows, ["sigma", "u4", "exact", "z", "heavy"],
                            ["sigma_W", "u4 measured", "u4 exact", "z", "heavy-tailed"]), "",
             f"- measured log-log slope: {format_estimate(fit.exponent, fit.exponent_err)} "
             f"(chi2/dof {fit.chi2:.3g}/{fit.dof})",
             f"- exact prediction (nnqft_sym.quartic_coupling): slope {ex.exponent:.4f}",
             f"- the talk's flow equation sigma_W du4/dsigma_W = (4 - d_in) u4: slope "
             f"{rg.talk_exponent:g}", ""]
    pull_talk = (fit.exponent - rg.talk_exponent) / fit.exponent_err
    pull_exact = (fit.exponent - ex.exponent) / fit.exponent_err
    lines.append(f"The measured slope is {pull_exact:+.1f} standard errors from the exact "
                 f"prediction and {pull_talk:+.1f} from the talk's exponent.")
    if rg.heavy.any():
        lines += ["", f"Caution: at {int(rg.heavy.sum())} of {len(rg.sigmas)} values of sigma_W "
                  "the 4-point estimates are heavy-tailed (a few networks dominate; the error "
                  "bars are then too small and the values biased towards zero), so the measured "
                  "slope is less reliable than its error bar says."]
    if not rg.agrees_with_talk:
        lines += ["", "**The measurement disagrees with the talk's exponent.** Why: with "
                  "u4 = -Delta G^(4)/N_K, the exact Delta G^(4) (mean over combinations) scales "
                  f"as sigma_W^{rg.delta_fit.exponent:.3f} (the factor v_out^2 = sigma_W^4 of "
                  "W1; at these small inputs the neuron moments hardly depend on sigma_W), "
                  f"while N_K = int prod K_W scales as sigma_W^{rg.nk_fit.exponent:.3f} "
                  "(sigma_W^8 from the four kernel amplitudes times sigma_W^-d_in from the "
                  "width of the Gaussian integrand). Hence u4 ~ sigma_W^"
                  f"{rg.delta_fit.exponent - rg.nk_fit.exponent:.3f} = sigma_W^(d_in - 4): the "
                  "exponent has the magnitude 4 - d_in of the talk's flow equation but the "
                  "opposite sign. The measurement and the exact result agree with each other; "
                  "the talk's equation must refer to other conventions (a dimensionless "
                  "coupling, or the opposite flow direction in the scale k^2 = 2 sigma_W^2 / "
                  "d_in), not to the raw tree-level u4 = -Delta G^(4)/N_K measured here."]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------- demo
#: networks per bag of the full demo, per estimator (the plain estimator's is the HMS-like 30000)
DEMO_NETS = {PLAIN: 30000, CONDITIONAL: 10000}


def demo(out: str | Path, quick: bool = False, seed: int = 0, *, scheduler: Any = None,
         workers: int | None = None, progress: bool = True,
         estimator: str | None = None) -> list[EnsembleStudy]:
    """Gauss-net and ReLU-net at reduced HMS scale (``quick``: seconds, for tests), each in its
    HMS setting (:func:`numeric.hms_setting`, d_in = 1: the ReLU-net with sigma_b = 0).
    ``estimator`` as in :func:`numeric.measure` (default the best valid one, the conditional
    estimator).

    Writes both studies, figures, ``metadata.json`` and ``report.md`` under ``out``.
    """
    out = Path(out)
    settings = [hms_setting(arch, 1) for arch in ("gauss", "relu")]
    chosen = check_estimator(estimator, settings[0].network())
    # the conditional estimator is about 20x costlier per network and needs far fewer of them
    full_nets = DEMO_NETS[chosen]
    widths, n_bags, n_nets = ((2, 20), 4, 2000) if quick else ((2, 5, 20, 100, 500), 20, full_nets)
    with _output_folder(out, "demo", [s.arch for s in settings]):
        studies = [run_study(s.network(), out, s.arch, widths, s.scalar_points, (2, 4, 6), n_bags,
                             n_nets, seed, scheduler=scheduler, workers=workers,
                             progress=progress, sextic=False, estimator=estimator)
                   for s in settings]
        params = {"widths": list(widths), "n_bags": n_bags, "n_nets": n_nets, "quick": quick,
                  "estimator": studies[0].measurement.estimator,
                  "settings": {s.arch: s.as_dict() for s in settings}}
        _write_report(out, "nnqft demo: simulations against exact finite-width theory",
                      ["Gauss-net and ReLU-net ensembles at reduced HMS scale: measured m_4, m_6 "
                       "and u4 against the exact finite-width values of nnqft_sym.",
                       *[line for s in settings for line in
                         ("", _setting_line(s, [], {"points": s.scalar_points,
                                                    "sigma_w": s.sigma_w,
                                                    "sigma_b": s.sigma_b}))]],
                      [study_report(s) for s in studies], _metadata("demo", params, seed, studies),
                      [f for st in studies for f in st.figures])
    return studies
