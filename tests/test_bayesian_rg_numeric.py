"""Numerical BRG experiment: analytic Fisher information, training, coarse graining, BRG = Wilson.

Independent references: Monte-Carlo averages over inputs (Fisher information), the primal ridge
solution and an explicit gradient-descent loop, brute-force shell sums, numpy covariances, the
exact prior kernels K(x0, x0), and Wilson's momentum-shell propagator from nnqft_sym quadrature.
"""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from nnqft_cli.experiment import command as experiment_group
from numeric import bayesian_rg as brg
from numeric.bayesian_rg import (InputDistribution, coarse_grain, empirical_fisher_diagonal,
                                 fisher_diagonal, gradient_descent_readout, momentum_cutoff,
                                 ridge_readout, run_brg_experiment, sample_feature_map,
                                 wilson_propagator)
from numeric.distributed import run_tasks
from numeric.storage import load_json, load_npz
from nnqft_sym.bayesian_rg import P
from tests.tolerances import EXACT_RTOL, assert_mc_agrees

SMALL = dict(n_members=6, width=40, n_train=30, n_test=20, n_mc=2000, n_fisher=200,
             n_bootstrap=20, progress=False)


@pytest.mark.parametrize("kind,inputs", [
    ("cos", InputDistribution("box", 2, 0.3, 1.5)),
    ("cos", InputDistribution("gauss", 3, 1.0, 0.7)),
    ("relu", InputDistribution("gauss", 2, 1.0, 1.0)),
    ("relu", InputDistribution("box", 1, -0.5, 2.0)),
])
def test_analytic_fisher_information_against_monte_carlo(kind, inputs):
    rng = np.random.default_rng(11)
    fmap = sample_feature_map(kind, 12, inputs.d_in, rng)
    h = fmap(inputs.sample(rng, 400_000))
    emp, err = empirical_fisher_diagonal(h, 0.2)
    exact = fisher_diagonal(fmap, inputs, 0.2)
    active = np.count_nonzero(h, axis=0) > 1000
    assert active.sum() >= 6
    assert_mc_agrees(emp[active], err[active], exact[active], what=f"Fisher {kind}")


def test_fisher_information_closed_forms():
    # cos feature with w = 0: h = A cos(b) is constant, F = A^2 cos(b)^2 / sigma_n^2 exactly
    fmap = brg.RandomFeatureMap("cos", np.zeros((1, 2)), np.array([0.4]), np.array([1.5]), 1.0)
    for inputs in (InputDistribution("box", 2, 0.0, 3.0), InputDistribution("gauss", 2, 1.0, 2.0)):
        assert fisher_diagonal(fmap, inputs, 0.5)[0] == pytest.approx(
            1.5 ** 2 * np.cos(0.4) ** 2 / 0.25, rel=EXACT_RTOL)
    # ReLU with z ~ N(0, tau^2): E relu^2 = tau^2 / 2
    fmap = brg.RandomFeatureMap("relu", np.array([[0.6, 0.8]]), np.array([0.0]), np.ones(1), 1.0)
    got = fisher_diagonal(fmap, InputDistribution("gauss", 2, 0.0, 2.0), 1.0)[0]
    assert got == pytest.approx(4.0 / 2, rel=EXACT_RTOL)


def test_relu_box_inputs_need_one_dimension():
    fmap = sample_feature_map("relu", 3, 2, np.random.default_rng(0))
    with pytest.raises(ValueError, match="d_in = 1"):
        fisher_diagonal(fmap, InputDistribution("box", 2, 0.0, 1.0), 1.0)


def test_ridge_is_the_posterior_mean():
    rng = np.random.default_rng(2)
    H, y = rng.standard_normal((15, 40)), rng.standard_normal(15)
    v, s = 0.3, 0.2
    primal = np.linalg.solve(H.T @ H + (s ** 2 / v) * np.eye(40), H.T @ y)
    np.testing.assert_allclose(ridge_readout(H, y, v, s), primal, rtol=1e-9, atol=1e-12)


def test_gradient_descent_closed_form_equals_the_loop():
    rng = np.random.default_rng(3)
    H, y, a0 = rng.standard_normal((20, 50)), rng.standard_normal(20), rng.standard_normal(50)
    s_max = np.linalg.eigvalsh(H @ H.T / 20)[-1]
    a = a0.copy()
    for _ in range(300):
        a -= (1 / s_max) * H.T @ (H @ a - y) / 20
    np.testing.assert_allclose(gradient_descent_readout(H, y, a0, 300), a, rtol=1e-9, atol=1e-12)
    with pytest.raises(ValueError, match="diverges"):
        gradient_descent_readout(H, y, a0, 5, learning_rate=3 / s_max)


def test_coarse_grain_and_shell_average_brute_force():
    rng = np.random.default_rng(4)
    fisher, weights, repl = rng.exponential(size=30), rng.normal(size=30), rng.normal(size=30)
    cuts = np.array([0.1, 0.7, 2.0])
    out, masks = coarse_grain(weights, fisher, cuts, repl)
    for i, c in enumerate(cuts):
        np.testing.assert_array_equal(masks[i], fisher < c)
        np.testing.assert_array_equal(out[i], np.where(fisher < c, repl, weights))
    samples = rng.normal(size=(3, 30))
    mean, err = brg.coarse_graining._shell_average(samples, fisher, cuts)
    for i, c in enumerate(cuts):
        vals = samples * (fisher < c)
        np.testing.assert_allclose(mean[i], vals.mean(1), rtol=1e-12)
        np.testing.assert_allclose(err[i], vals.std(1, ddof=1) / np.sqrt(30), rtol=1e-9)


def test_jackknife_covariance():
    rng = np.random.default_rng(5)
    values = rng.normal(size=(25, 2, 4)) + rng.normal(size=(25, 2, 1))
    cov, err = brg.result._jackknife_cov(values)
    for j in range(2):
        full = np.cov(values[:, j, :].T)
        np.testing.assert_allclose(cov[j], full[0], rtol=1e-12)
        loo = np.array([np.cov(np.delete(values[:, j, :], k, 0).T)[0] for k in range(25)])
        np.testing.assert_allclose(err[j], np.sqrt(24 / 25 * ((loo - loo.mean(0)) ** 2).sum(0)),
                                   rtol=1e-9)


def test_prior_ensemble_two_point_function_is_the_kernel():
    """All weights reset to prior draws: G(x0, x0) = K(x0, x0) = 1 for both feature maps."""
    for features in ("cos", "relu"):
        res = run_brg_experiment(**{**SMALL, "n_members": 400, "width": 200},
                                 features=features, cutoffs=[1e-30, 1e30], seed=8)
        assert res.fraction_reset[-1] == 1.0
        assert_mc_agrees(res.two_point[-1, 0], res.two_point_err[-1, 0], 1.0,
                         what=f"{features} prior kernel")
        assert res.kept_two_point_pred[0, 0] == pytest.approx(1.0, abs=4 * res.kept_two_point_pred_err[0, 0])


def test_information_shell_coarse_graining_is_wilsons_momentum_shell():
    """Untrained generalised cos-nets, sloppy weights integrated out, large box: the 2-point
    function is the sharp momentum-shell propagator at k(Lambda) (BRG = ERG)."""
    inputs = InputDistribution("box", 2, 0.0, 20.0)
    cuts = np.geomspace(20, 200, 6)  # lambda(R) ~ 16.6 < 20 < lambda(0)
    ks = momentum_cutoff(cuts, 2, 0.1, 1.0, 4.0)
    assert np.all(ks > 0.5)  # away from the finite-box modes at |w| < 1 / half-width
    res = run_brg_experiment(n_members=400, width=400, n_train=10, n_test=10, features="cos",
                             inputs=inputs, radius=4.0, reset="mean", cutoffs=cuts, n_mc=100_000,
                             n_fisher_members=0, n_bootstrap=0, progress=False, seed=3)
    assert_mc_agrees(res.kept_two_point, res.kept_two_point_err, res.wilson_two_point,
                     what="ensemble vs Wilson")
    assert_mc_agrees(res.kept_two_point_pred, res.kept_two_point_pred_err, res.wilson_two_point,
                     what="shell Monte Carlo vs Wilson")
    # k(Lambda) from the dictionary is the momentum whose information is Lambda
    _, volume, rho = brg.features._cos_spectrum(2, 1.0, 4.0)
    np.testing.assert_allclose(volume * rho(ks ** 2) / (2 * 0.1 ** 2), cuts, rtol=1e-10)
    # no shell: Wilson at the UV cutoff is the full kernel
    assert wilson_propagator(np.array([0.0]), 4.0, 2, 1.0, 1.0, 4.0)[0] == pytest.approx(1.0, abs=1e-10)


def test_experiment_is_reproducible_and_consistent():
    a = run_brg_experiment(**SMALL, features="cos", seed=5)
    b = run_brg_experiment(**SMALL, features="cos", seed=5)
    np.testing.assert_array_equal(a.test_loss, b.test_loss)
    np.testing.assert_array_equal(a.two_point, b.two_point)
    assert np.all(np.diff(a.fraction_reset) >= 0)
    assert a.test_loss.shape == a.cutoffs.shape == a.fraction_reset.shape
    assert a.two_point.shape == (a.cutoffs.size, 7)
    c = run_brg_experiment(**SMALL, features="relu", training="gd", gd_steps=200, reset="mean",
                           seed=1)
    assert np.isfinite(c.baseline_loss) and c.config["training"] == "gd"
    # nothing reset below the smallest Fisher value: loss equals the trained baseline
    d = run_brg_experiment(**SMALL, features="relu", cutoffs=[1e-300, 1e-299], seed=2)
    np.testing.assert_allclose(d.test_loss, d.baseline_loss, rtol=1e-12)


def _assert_same_result(a, b):
    """Bit-identical BRG results (arrays, Fisher check, configuration)."""
    for name, value in a.arrays().items():
        np.testing.assert_array_equal(value, b.arrays()[name], err_msg=name)
    assert str(a.fisher_check) == str(b.fisher_check)  # str: NaN == NaN
    assert a.config == b.config


def test_members_on_a_dask_cluster_are_bit_identical_to_serial():
    """2 Dask workers (threads: fast start; tasks still pickled and scheduled in any order)."""
    from distributed import Client, LocalCluster

    runs = [dict(features="cos", seed=5),
            dict(features="relu", training="gd", gd_steps=200, reset="mean", n_fisher_members=2,
                 seed=1)]
    serial = [run_brg_experiment(**SMALL, **kw) for kw in runs]
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                      dashboard_address=":0") as cluster, Client(cluster) as client:
        for kw, ref in zip(runs, serial):
            _assert_same_result(ref, run_brg_experiment(**SMALL, **kw, scheduler=client,
                                                        workers=2))
    for kw, ref in zip(runs, serial):          # the default of the command: threads
        _assert_same_result(ref, run_brg_experiment(**SMALL, **kw, scheduler="threads", workers=2))
    # the members are the tasks: brg_member through run_tasks gives the ensemble's inputs
    assert serial[1].fisher_check["n_weights"] > 0
    with pytest.raises(ValueError, match="workers must be 1"):
        run_brg_experiment(**SMALL, scheduler="serial", workers=2)
    with pytest.raises(ValueError, match="scheduler must be"):
        run_brg_experiment(**SMALL, scheduler="fibres")


def test_checkpointed_members_resume_without_recomputing(tmp_path, monkeypatch):
    ref = run_brg_experiment(**SMALL, features="relu", seed=4)
    folder = tmp_path / "members"
    _assert_same_result(ref, run_brg_experiment(**SMALL, features="relu", seed=4,
                                                checkpoint_dir=folder))
    files = sorted(folder.glob("member_*.npz"))
    assert len(files) == SMALL["n_members"] and (folder / "plan.json").exists()
    for f in files[1:3]:  # an interrupted run: two members missing
        f.unlink()
    calls = []

    def counting(seed, setup, n_fisher):
        calls.append(seed.spawn_key)
        return brg.brg_member(seed, setup, n_fisher)

    monkeypatch.setattr(brg.experiment, "run_tasks", lambda function, *a, **k: run_tasks(counting, *a, **k))
    _assert_same_result(ref, run_brg_experiment(**SMALL, features="relu", seed=4,
                                                checkpoint_dir=folder))
    assert len(calls) == 2
    # a larger ensemble on the same folder computes only the new members
    calls.clear()
    bigger = run_brg_experiment(**{**SMALL, "n_members": 8}, features="relu", seed=4,
                                checkpoint_dir=folder)
    assert sorted(calls) == [(3 + 6,), (3 + 7,)]
    _assert_same_result(bigger, run_brg_experiment(**{**SMALL, "n_members": 8}, features="relu",
                                                   seed=4))
    with pytest.raises(ValueError, match="different run"):
        run_brg_experiment(**SMALL, features="relu", seed=5, checkpoint_dir=folder)


def test_critical_cutoff_interpolation():
    cuts = np.array([1.0, 10.0, 100.0])
    assert brg.result._critical(cuts, np.array([1.0, 1.0, 3.0]), 1.0, 1.0) == pytest.approx(10 ** 1.5)
    assert np.isnan(brg.result._critical(cuts, np.array([1.0, 1.0, 1.05]), 1.0, 0.1))


def test_cli_writes_report(tmp_path):
    out = tmp_path / "brg"
    result = CliRunner().invoke(experiment_group, ["brg", "--quick", "--n-members", "5", "--width",
                                                   "30", "--features", "cos", "--out", str(out),
                                                   "--no-progress", "--seed", "3"])
    assert result.exit_code == 0, result.output
    for name in ("report.md", "metadata.json", "brg_arrays.npz", "brg_summary.json",
                 "figures/brg_test_loss.png", "figures/brg_fraction_reset.png",
                 "figures/brg_two_point.png"):
        assert (out / name).exists(), name
    arrays = load_npz(out / "brg_arrays.npz")
    assert arrays["test_loss"].shape == arrays["cutoffs"].shape
    assert load_json(out / "metadata.json")["config"]["features"] == "cos"
    bad = CliRunner().invoke(experiment_group, ["brg", "--quick", "--lambdas", "5,1", "--out",
                                                str(out), "--no-progress"])
    assert bad.exit_code != 0 and "increasing" in bad.output


@pytest.mark.slow   # 14 s; the processes scheduler is covered by tests/test_distributed.py
def test_cli_runs_members_on_local_processes(tmp_path):
    """--scheduler processes --workers 2 gives the arrays of a serial run bit for bit.

    Dask worker processes run single-threaded BLAS (``distributed.nanny.pre-spawn-environ``),
    and a multi-threaded OpenBLAS rounds matrix products differently (~1e-13), so the serial
    reference runs in a subprocess with one BLAS thread.
    """
    args = ["experiment", "brg", "--quick", "--n-members", "4", "--width", "30", "--features",
            "relu", "--no-progress", "--seed", "2"]
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1"}
    subprocess.run([sys.executable, "-m", "nnqft_cli", *args, "--out", str(tmp_path / "serial")],
                   check=True, env=env, cwd=Path(__file__).resolve().parents[1],
                   capture_output=True)
    result = CliRunner().invoke(experiment_group, args[1:] + [
        "--out", str(tmp_path / "processes"), "--scheduler", "processes", "--workers", "2"])
    assert result.exit_code == 0, result.output
    runs = {name: load_npz(tmp_path / name / "brg_arrays.npz") for name in ("serial", "processes")}
    for key, value in runs["serial"].items():
        np.testing.assert_array_equal(value, runs["processes"][key], err_msg=key)
    assert len(list((tmp_path / "processes" / "members").glob("member_*.npz"))) == 4
    for bad, match in ((["--scheduler", "serial", "--workers", "2"], "workers must be 1"),
                       (["--scheduler", "fibres"], "scheduler must be"),
                       (["--workers", "0"], "--workers")):
        result = CliRunner().invoke(experiment_group, args[1:] + ["--out", str(tmp_path / "bad")] + bad)
        assert result.exit_code == 2 and match in result.output, result.output
    assert not (tmp_path / "bad").exists()


@pytest.mark.parametrize("kwargs,exc,match", [
    (dict(features="tanh"), ValueError, "features"),
    (dict(training="adam"), ValueError, "training"),
    (dict(reset="zero"), ValueError, "reset"),
    (dict(n_members=2), ValueError, "n_members"),
    (dict(width=1.5), TypeError, "width"),
    (dict(noise_std=-1.0), ValueError, "noise_std"),
    (dict(cutoffs=[-1.0, 2.0]), ValueError, "cutoffs"),
])
def test_bad_input(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        run_brg_experiment(**{**SMALL, **kwargs})


def test_bad_input_distribution():
    with pytest.raises(ValueError, match="kind"):
        InputDistribution("uniform", 2, 0.0, 1.0)
    with pytest.raises(ValueError, match="scale"):
        InputDistribution("box", 2, 0.0, 0.0)


def test_trained_posterior_two_point_function_is_the_mass_renormalised_propagator():
    """Exact posterior covariance of generalised cos-nets on a large box (n >> N) against the
    posterior propagator 1 / (1/K(p) + n V_R / (N sigma_n^2)) of nnqft_sym.bayesian_rg."""
    import sympy as sp
    from scipy.integrate import quad

    from nnqft_sym.bayesian_rg import DENSITY_CONSTANT, NOISE_STD, GeneralisedCosNet

    m, radius, noise, width, n = 1.0, 4.0, 10.0, 40, 3000
    net = GeneralisedCosNet.free_scalar(d_in=1, mass=1, radius=4, sigma_w=1)
    values = {DENSITY_CONSTANT: net.density_constant(), NOISE_STD: noise, sp.Symbol("n", positive=True): n,
              sp.Symbol("N", positive=True): width}
    k_post = sp.lambdify(P, net.posterior_propagator().subs(values), "math")
    k_prior = sp.lambdify(P, net.momentum_propagator.subs(values), "math")
    seps = np.array([0.0, 0.5, 1.0, 2.0])
    pred = np.array([2 * quad(lambda p: k_post(p) * np.cos(p * s), 0, radius)[0] for s in seps])
    prior = np.array([2 * quad(lambda p: k_prior(p) * np.cos(p * s), 0, radius)[0] for s in seps])
    assert prior[0] == pytest.approx(1.0, rel=1e-8) and pred[0] < 0.5 * prior[0]
    inputs = InputDistribution("box", 1, 0.0, 300.0)
    rng = np.random.default_rng(21)
    probes = seps[:, None]
    samples = []
    for _ in range(200):
        fmap = sample_feature_map("cos", width, 1, rng, mass=m, radius=radius)
        h = fmap(inputs.sample(rng, n))
        cov = np.linalg.inv(h.T @ h / noise ** 2 + np.eye(width) / fmap.prior_variance)
        hp = fmap(probes)
        samples.append(hp[0] @ cov @ hp.T)
    mean, err = np.mean(samples, 0), np.std(samples, 0, ddof=1) / np.sqrt(len(samples))
    assert_mc_agrees(mean, err, pred, what="posterior 2-point function")
