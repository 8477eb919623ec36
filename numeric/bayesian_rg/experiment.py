r"""The BRG experiment: an ensemble of members (tasks), coarse-grained and measured.

:func:`run_brg_experiment` draws the task from the seed, runs :func:`brg_member` for every
ensemble member through :func:`numeric.distributed.run_tasks` (serial or on Dask, optionally
checkpointed) and reduces the members to a :class:`~numeric.bayesian_rg.BRGResult`; the
parameters are one :class:`~numeric.bayesian_rg.BRGConfig`.
"""
from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .._deprecation import renamed_keywords
from .._blas import blas_threads
from ..distributed import check_scheduler, run_tasks
from ..sampling import STREAM_VERSION, child_seeds, seed_state
from ..storage import checkpoint_folder
from ._common import check_cutoffs, mean_err
from .coarse_graining import _shell_average, coarse_grain, momentum_cutoff, wilson_propagator
from .config import BRGConfig
from .features import InputDistribution, _cos_spectrum, sample_feature_map  # noqa: F401 (doctest)
from .fisher import empirical_fisher_diagonal, fisher_diagonal
from .readout import gradient_descent_readout, ridge_readout
from .result import BRGResult, _critical, _jackknife_cov

__all__ = ["brg_member", "run_brg_experiment"]

#: BLAS threads of the BRG work: many small products (a 200 x 200 solve, (n, N) feature maps),
#: where threads cost more than they gain (``nnqft experiment brg``: 22 s CPU with the 2 OpenBLAS
#: threads of a 2-core machine, 6.5 s with one); one thread per process, numbers equal to rounding
BLAS_THREADS = 1


def _target(rng: np.random.Generator, d_in: int, n_modes: int, mass: float, radius: float
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    net, _, _ = _cos_spectrum(d_in, mass, radius)
    k = net.frequency_prior.sample(net, rng, (n_modes,))
    phase = rng.uniform(-np.pi, np.pi, n_modes)
    return k, phase, np.full(n_modes, np.sqrt(2.0 / n_modes))


def _evaluate_target(x: np.ndarray, target: tuple[np.ndarray, np.ndarray, np.ndarray]) -> np.ndarray:
    k, phase, coeff = target
    return np.cos(x @ k.T + phase) @ coeff




def brg_member(seed: np.random.SeedSequence, setup: dict[str, Any], n_fisher: int
               ) -> dict[str, np.ndarray]:
    r"""One ensemble member of :func:`run_brg_experiment`: draw, train, coarse-grain, measure.

    It runs with :data:`BLAS_THREADS` BLAS threads (small products), so its numbers do not
    depend on the machine's BLAS thread count (multi-threaded BLAS agrees to rounding, 1e-14).  A pure function of its arguments (the task of
    :func:`numeric.distributed.run_tasks`):
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
    with blas_threads(BLAS_THREADS):
        return _member(seed, setup, n_fisher)


def _member(seed: np.random.SeedSequence, setup: dict[str, Any], n_fisher: int
            ) -> dict[str, np.ndarray]:
    """The body of :func:`brg_member` (BLAS threads already limited)."""
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



@renamed_keywords(sigma_n="noise_std")
def run_brg_experiment(config: BRGConfig | None = None, *, scheduler: Any = "serial",
                       workers: int = 1, checkpoint_dir: str | Path | None = None,
                       progress: bool = True, **parameters: Any) -> BRGResult:
    r"""Train an ensemble, coarse-grain it in information shells and measure (:mod:`numeric.bayesian_rg`).

    Parameters
    ----------
    config : BRGConfig, optional
        The run's parameters (default: ``BRGConfig()``, the reference sizes).
    **parameters
        Fields of :class:`BRGConfig` by keyword (``n_members=..., width=..., features=...``),
        replacing those of ``config``.  ``sigma_n`` is a deprecated alias of ``noise_std``
        (a ``DeprecationWarning``; it will be removed in the next release).
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

    Returns
    -------
    BRGResult
        Its ``config`` is :meth:`BRGConfig.to_dict`.

    Raises
    ------
    TypeError, ValueError
        Bad parameters (from :class:`BRGConfig`, naming the parameter), an unknown keyword,
        or a bad scheduler / workers pair.

    Examples
    --------
    >>> res = run_brg_experiment(n_members=4, width=50, n_train=30, n_test=20, n_mc=2000,
    ...                          progress=False)
    >>> res.test_loss.shape == res.cutoffs.shape
    True
    >>> cfg = BRGConfig(n_members=4, width=50, n_train=30, n_test=20, n_mc=2000)
    >>> bool(np.all(run_brg_experiment(cfg, progress=False).test_loss == res.test_loss))
    True
    """
    config = _configure(config, parameters)
    scheduler, workers = check_scheduler(scheduler, workers)
    inputs = config.input_distribution
    d_in = inputs.d_in
    root = config.seed_sequence
    task_seq, mc_seq, boot_seq, *member_seqs = child_seeds(root, 3 + config.n_members)
    task_rng = np.random.default_rng(task_seq)
    target = _target(task_rng, d_in, config.n_modes, config.mass,
                     min(config.target_cutoff, config.radius))
    x_train = inputs.sample(task_rng, config.n_train)
    y_train = _evaluate_target(x_train, target) \
        + config.noise_std * task_rng.standard_normal(config.n_train)
    x_test = inputs.sample(task_rng, config.n_test)
    y_test = _evaluate_target(x_test, target)
    separations = config.probe_spacing * np.arange(config.n_probes)
    probes = np.full((config.n_probes, d_in), inputs.center)
    probes[:, 0] += separations
    feature_kw = dict(sigma_w=config.sigma_w, sigma_b=config.sigma_b, mass=config.mass,
                      radius=config.radius)

    if config.cutoffs is None:
        first = sample_feature_map(config.features, config.width, d_in,
                                   np.random.default_rng(member_seqs[0]), **feature_kw)
        f0 = fisher_diagonal(first, inputs, config.noise_std)
        cutoffs = check_cutoffs(np.geomspace(np.quantile(f0, 0.01) / 30, 3 * f0.max(), 25))
    else:
        cutoffs = np.asarray(config.cutoffs, dtype=float)

    setup = {"features": config.features, "width": config.width, "inputs": inputs,
             "feature_kw": feature_kw, "x_train": x_train, "y_train": y_train,
             "x_test": x_test, "y_test": y_test, "probes": probes, "cutoffs": cutoffs,
             "noise_std": config.noise_std, "training": config.training,
             "gd_steps": config.gd_steps, "reset": config.reset}
    tasks = {m: (seq, setup, config.n_fisher if m < config.n_fisher_members else 0)
             for m, seq in enumerate(member_seqs)}
    record = config.to_dict()
    folder = None if checkpoint_dir is None else Path(checkpoint_dir)
    # members depend on everything but the ensemble size and the post-processing
    plan = {**{k: v for k, v in record.items()
               if k not in ("n_members", "n_mc", "n_bootstrap", "threshold")},
            "cutoffs": cutoffs, "sampler_stream": STREAM_VERSION}

    def identity(m: int) -> dict[str, Any]:
        """What member ``m`` was computed from: stored in its file, checked on resume."""
        return {"member": m, "seed": seed_state(member_seqs[m]), "n_fisher": tasks[m][2], **plan}

    with (contextlib.nullcontext() if folder is None else checkpoint_folder(folder, plan)):
        members = list(run_tasks(brg_member, tasks, scheduler=scheduler, workers=workers,
                                 checkpoint=None if folder is None else _member_file(folder),
                                 identity=identity, progress=progress,
                                 desc=f"BRG {config.features} members").values())
    with blas_threads(BLAS_THREADS):
        return _reduce(config, members, cutoffs, separations, probes, mc_seq, boot_seq, record)


def _configure(config: BRGConfig | None, parameters: dict[str, Any]) -> BRGConfig:
    """``config`` with the keyword ``parameters``."""
    if config is None:
        return BRGConfig().replace(**parameters) if parameters else BRGConfig()
    if not isinstance(config, BRGConfig):
        raise TypeError(f"config must be a BRGConfig or None, got {config!r} (pass the "
                        f"parameters by keyword: n_members=..., width=...)")
    return config.replace(**parameters) if parameters else config


def _reduce(config: BRGConfig, members: list[dict[str, np.ndarray]], cutoffs: np.ndarray,
            separations: np.ndarray, probes: np.ndarray, mc_seq: np.random.SeedSequence,
            boot_seq: np.random.SeedSequence, record: dict[str, Any]) -> BRGResult:
    """Ensemble statistics of the members, the shell-propagator predictions and Lambda_c."""
    inputs = config.input_distribution
    d_in, n_cut = inputs.d_in, cutoffs.size
    losses = np.stack([r["loss"] for r in members])
    base = np.array([float(r["base"]) for r in members])
    fractions = np.stack([r["fraction"] for r in members])
    z = np.concatenate([r["fisher_z"] for r in members])  # analytic-vs-empirical Fisher z-scores

    test_loss, test_loss_err = mean_err(losses)
    fraction, fraction_err = mean_err(fractions)
    two_point, two_point_err = _jackknife_cov(np.stack([r["f_probe"] for r in members]))
    stiff_cov, stiff_err = _jackknife_cov(np.stack([r["stiff_probe"] for r in members]))
    kept, kept_err = _jackknife_cov(np.stack([r["kept_probe"] for r in members]))

    # analytic propagators of the integrated-out shell and of the kept modes, by Monte Carlo
    # over fresh first layers (independent of the ensemble): v_out E[h(x0) h(xi) 1{F < Lambda}]
    n_mc = config.n_mc
    fresh = sample_feature_map(config.features, n_mc, d_in, np.random.default_rng(mc_seq),
                               sigma_w=config.sigma_w, sigma_b=config.sigma_b, mass=config.mass,
                               radius=config.radius)
    prod = (fresh.prior_variance * n_mc) * fresh(probes[:1]) * fresh(probes)  # (P, n_mc)
    fisher = fisher_diagonal(fresh, inputs, config.noise_std)
    shell, shell_err = _shell_average(prod, fisher, cutoffs)
    kept_pred, kept_pred_err = _shell_average(prod, -fisher, -cutoffs, inclusive=True)
    if config.reset == "prior":
        pred2, pred2_err = stiff_cov + shell, np.hypot(stiff_err, shell_err)
    else:
        pred2, pred2_err = stiff_cov, stiff_err

    if config.features == "cos":
        ks = momentum_cutoff(cutoffs, d_in, config.noise_std, config.mass, config.radius)
        wilson = np.stack([wilson_propagator(separations, k, d_in, config.sigma_w, config.mass,
                                             config.radius) for k in ks])
    else:
        ks = np.full(n_cut, np.nan)
        wilson = np.full((n_cut, config.n_probes), np.nan)

    baseline, baseline_err = mean_err(base)
    crit = _critical(cutoffs, test_loss, baseline, config.threshold)
    boot_rng = np.random.default_rng(boot_seq)
    n = config.n_members
    boots = []
    for _ in range(config.n_bootstrap):
        idx = boot_rng.integers(0, n, n)
        boots.append(_critical(cutoffs, losses[idx].mean(0), base[idx].mean(), config.threshold))
    boots = np.log10(np.asarray([b for b in boots if np.isfinite(b)]))
    crit_err = float(boots.std(ddof=1)) if boots.size > 1 and np.isfinite(crit) else np.nan

    fisher_check = {"mean_z2": float(np.mean(z ** 2)) if z.size else np.nan,
                    "frac_abs_z_below_2": float(np.mean(np.abs(z) < 2)) if z.size else np.nan,
                    "max_abs_z": float(np.max(np.abs(z))) if z.size else np.nan,
                    "n_weights": int(z.size)}
    return BRGResult(cutoffs, test_loss, test_loss_err, float(baseline), float(baseline_err),
                     fraction, fraction_err, separations, two_point, two_point_err, pred2, pred2_err,
                     kept, kept_err, kept_pred, kept_pred_err, wilson, ks, crit, crit_err,
                     fisher_check, record)
