"""Checkpoint folders that cannot lie: one writer at a time, self-describing sealed files,
one clear line per damaged file, no orphans, exact values kept in pieces, one run per output
folder, files readable by the group."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner

import numeric.estimators as estimators
from nnqft_cli.main import cli
from nnqft_sym import GaussNet, ReLUNet
from nnqft_sym.errors import CheckpointError
from numeric import GreenMeasurement, exact_green_functions, measure
from numeric.bayesian_rg import run_brg_experiment
from numeric.experiments import hms_experiment
from numeric.storage import atomic_write, clean_orphans, load_npz, lock_folder, save_sealed

SPREAD = [-0.5, 0.0, 0.7]
KW = {"orders": (2, 4), "n_bags": 2, "n_nets": 300, "rng": 5, "exact": False}


def _same(a, b):
    return all(np.array_equal(a.bag_stats[n][s], b.bag_stats[n][s])
               for n in a.orders for s in ("sum", "sum_abs", "sum_sq"))


def _holder(script: str) -> subprocess.Popen:
    """A Python subprocess that prints one line when ready (then runs on)."""
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "ready"
    return proc


# ---------------------------------------------------------------------- one writer
def test_a_folder_held_by_a_live_process_is_refused_and_a_killed_holder_does_not_block(tmp_path):
    folder = tmp_path / "bags"
    proc = _holder(f"import time\nfrom numeric.storage import lock_folder\n"
                   f"with lock_folder({str(folder)!r}):\n    print('ready', flush=True)\n"
                   f"    time.sleep(60)\n")
    try:
        with pytest.raises(CheckpointError) as info:
            measure(ReLUNet(), [2], SPREAD, checkpoint_dir=folder, **KW)
        assert str(folder) in str(info.value) and f"pid {proc.pid}" in str(info.value)
        assert not list(folder.glob("bag_*"))               # nothing written meanwhile
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    # the kernel released the lock of the killed holder: the folder is usable at once
    res = measure(ReLUNet(), [2], SPREAD, checkpoint_dir=folder, **KW)
    assert _same(res, measure(ReLUNet(), [2], SPREAD, **KW))


def test_two_processes_started_into_one_folder_with_different_seeds(tmp_path):
    """The reported race: both were accepted, and a later resume could return the other
    seed's bags.  Now exactly one runs; the other stops with a CheckpointError (the lock, or
    the plan if the first had finished), and the folder holds the winner's bags only."""
    script = ("import sys\nfrom nnqft_sym import ReLUNet\nfrom numeric import measure\n"
              "seed = int(sys.argv[1])\n"
              f"measure(ReLUNet(), [2, 3], {SPREAD}, orders=(2, 4), n_bags=4, n_nets=5000, "
              f"rng=seed, exact=False, checkpoint_dir={str(tmp_path)!r})\n")
    procs = {seed: subprocess.Popen([sys.executable, "-c", script, str(seed)],
                                    stderr=subprocess.PIPE, text=True) for seed in (1, 2)}
    errors = {seed: proc.communicate(timeout=300)[1] for seed, proc in procs.items()}
    codes = {seed: proc.returncode for seed, proc in procs.items()}
    assert sorted(codes.values()) == [0, 1], errors
    winner = min(codes, key=codes.get)
    loser = 3 - winner
    assert "nnqft_sym.errors.CheckpointError" in errors[loser]
    assert str(tmp_path) in errors[loser]
    kw = {"orders": (2, 4), "n_bags": 4, "n_nets": 5000, "exact": False}
    resumed = measure(ReLUNet(), [2, 3], SPREAD, rng=winner, checkpoint_dir=tmp_path, **kw)
    assert _same(resumed, measure(ReLUNet(), [2, 3], SPREAD, rng=winner, **kw))
    with pytest.raises(CheckpointError, match="different run"):
        measure(ReLUNet(), [2, 3], SPREAD, rng=loser, checkpoint_dir=tmp_path, **kw)


def test_two_runs_with_different_seeds_never_share_bags(tmp_path):
    """Even with plan.json gone, a bag of seed 5 is never taken for a bag of seed 6."""
    measure(ReLUNet(), [2], SPREAD, checkpoint_dir=tmp_path, **KW)
    (tmp_path / "plan.json").unlink()
    with pytest.raises(CheckpointError, match=r"bag_N2_0000\.npz was computed for another task "
                                              r"\(differs in \['seed'\]\); delete it"):
        measure(ReLUNet(), [2], SPREAD, checkpoint_dir=tmp_path, **{**KW, "rng": 6})


# ---------------------------------------------------------------------- damaged files
def _swap(path):
    shutil.copyfile(path.with_name("bag_N2_0001.npz"), path)


def _nan(path):
    arrays = dict(np.load(path))
    arrays["sum_4"] = arrays["sum_4"].copy()
    arrays["sum_4"][0] = np.nan
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)


def _unsealed(path):
    arrays = {k: v for k, v in np.load(path).items() if not k.startswith("_")}
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)


def _directory(path):
    path.unlink()
    path.mkdir()


DAMAGE = {
    "copy of another bag": (_swap, "was computed for another task (differs in ['bag', 'seed'])"),
    "NaN written into it": (_nan, "fails its checksum (damaged or edited)"),
    "empty": (lambda p: p.write_bytes(b""), "is empty"),
    "random bytes": (lambda p: p.write_bytes(os.urandom(3000)), "is not a readable .npz archive"),
    "truncated": (lambda p: p.write_bytes(p.read_bytes()[:700]), "is not a readable .npz archive"),
    "no seal (old version)": (_unsealed, "has no identity or checksum (damaged, or written "
                                         "by an older version)"),
    "a directory": (_directory, "is a folder, not a file"),
    "a single .npy array": (lambda p: np.save(open(p, "wb"), np.arange(3)),
                            "holds a single array, not an .npz archive"),
}


@pytest.mark.parametrize("case", list(DAMAGE))
def test_every_damaged_bag_gives_one_line_naming_it_and_deleting_it_recomputes(tmp_path, case):
    damage, what = DAMAGE[case]
    reference = measure(ReLUNet(), [2], SPREAD, checkpoint_dir=tmp_path, **KW)
    bag = tmp_path / "bag_N2_0000.npz"
    damage(bag)
    with pytest.raises(CheckpointError) as info:
        measure(ReLUNet(), [2], SPREAD, checkpoint_dir=tmp_path, **KW)
    message = str(info.value)
    assert message == f"checkpoint file {bag} {what}; delete it to recompute it"
    shutil.rmtree(bag) if bag.is_dir() else bag.unlink()
    assert _same(measure(ReLUNet(), [2], SPREAD, checkpoint_dir=tmp_path, **KW), reference)


def test_damaged_plan_is_named(tmp_path):
    measure(ReLUNet(), [2], SPREAD, checkpoint_dir=tmp_path, **KW)
    (tmp_path / "plan.json").write_bytes(os.urandom(100))
    with pytest.raises(CheckpointError, match=r"plan\.json is not readable JSON"):
        measure(ReLUNet(), [2], SPREAD, checkpoint_dir=tmp_path, **KW)


def test_checkpoint_folder_that_is_a_file_is_named(tmp_path):
    target = tmp_path / "bags"
    target.write_text("x")
    with pytest.raises(CheckpointError, match=r"bags is a file, not a folder"):
        measure(ReLUNet(), [2], SPREAD, checkpoint_dir=target, **KW)


def test_checkpoint_folder_inside_a_file_is_named(tmp_path):
    (tmp_path / "plain").write_text("x")
    target = tmp_path / "plain" / "bags"
    with pytest.raises(CheckpointError, match=f"cannot write into folder {target} "
                                              r"\(Not a directory\); choose another folder"):
        measure(ReLUNet(), [2], SPREAD, checkpoint_dir=target, **KW)


def test_exact_cache_is_checked_against_what_it_depends_on(tmp_path):
    """A doubled cache (order 2 copied over order 4) or one edited is refused, not used."""
    kw = {**KW, "exact": True}
    first = measure(ReLUNet(), [2, 4], SPREAD, checkpoint_dir=tmp_path, **kw)
    cache = tmp_path / "exact_order4_part000.npz"
    shutil.copyfile(tmp_path / "exact_order2_part000.npz", cache)
    with pytest.raises(CheckpointError, match=r"exact_order4_part000\.npz was computed for "
                                              r"another task \(differs in \['combinations', 'order'\]\)"):
        measure(ReLUNet(), [2, 4], SPREAD, checkpoint_dir=tmp_path, **kw)
    cache.unlink()
    again = measure(ReLUNet(), [2, 4], SPREAD, checkpoint_dir=tmp_path, **kw)
    assert np.array_equal(again.reference[4], first.reference[4])
    # other widths reuse the width-independent pieces and agree with the direct computation
    wider = measure(ReLUNet(), [2, 4, 9], SPREAD, checkpoint_dir=tmp_path, **kw)
    assert np.array_equal(wider.reference[4], exact_green_functions(ReLUNet(), [2, 4, 9], SPREAD, 4)[1])


def test_slow_exact_step_keeps_its_finished_pieces(tmp_path, monkeypatch):
    """Order 6 at 6 points: 462 combinations in pieces of 64; a kill after 3 pieces keeps them.
    (Gauss-net, whose closed form is fast; ReLU's quadratures take the same path.)"""
    pts = [-0.6, -0.3, -0.1, 0.2, 0.5, 0.8]
    kw = {"orders": (6,), "n_bags": 2, "n_nets": 100, "rng": 1}
    real, calls = estimators._exact_series, []

    def interrupted(*args):
        if len(calls) == 3:
            raise KeyboardInterrupt
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(estimators, "_exact_series", interrupted)
    with pytest.raises(KeyboardInterrupt):
        measure(GaussNet(), [3], pts, checkpoint_dir=tmp_path, **kw)
    assert len(list(tmp_path.glob("exact_order6_part*.npz"))) == 3
    calls.clear()
    monkeypatch.setattr(estimators, "_exact_series", lambda *a: (calls.append(1), real(*a))[1])
    res = measure(GaussNet(), [3], pts, checkpoint_dir=tmp_path, **kw)
    assert len(calls) == 8 - 3                                  # ceil(462 / 64) = 8 pieces
    assert np.array_equal(res.reference[6], exact_green_functions(GaussNet(), [3], pts, 6)[1])


# ---------------------------------------------------------------------- orphans
def test_orphan_of_a_killed_writer_is_cleaned_on_resume(tmp_path):
    measure(ReLUNet(), [2], SPREAD, checkpoint_dir=tmp_path, **KW)
    proc = _holder(f"import time\nfrom numeric.storage import atomic_write\n"
                   f"def slow(fh):\n    fh.write(b'half'); fh.flush(); print('ready', flush=True)\n"
                   f"    time.sleep(60)\n"
                   f"atomic_write({str(tmp_path / 'bag_N2_0000.npz')!r}, slow)\n")
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    orphans = list(tmp_path.glob(".*.tmp"))
    assert len(orphans) == 1 and f"pid{proc.pid}" in orphans[0].name
    measure(ReLUNet(), [2], SPREAD, checkpoint_dir=tmp_path, **KW)
    assert not list(tmp_path.glob(".*.tmp"))


def test_temporary_files_of_live_writers_are_kept(tmp_path):
    live = tmp_path / f".bag.npz.pid{os.getpid()}.abc.tmp"
    live.write_bytes(b"in progress")
    assert clean_orphans(tmp_path) == [] and live.exists()


# ---------------------------------------------------------------------- output folders
def test_a_second_study_into_the_same_folder_is_refused(tmp_path):
    kw = {"widths": (2, 4), "points": SPREAD, "sigma_b": 1.0, "orders": (2, 4), "n_bags": 2, "n_nets": 300,
          "progress": False}
    hms_experiment(tmp_path, "relu", **kw)
    (tmp_path / "figures" / "stale_m4_vs_width.png").write_bytes(b"not ours")
    before = (tmp_path / "report.md").read_text()
    with pytest.raises(CheckpointError, match=r"holds the report of a different run \(hms with "
                                              r"studies \['relu'\]\); use another output folder"):
        hms_experiment(tmp_path, "gauss", **kw)
    assert (tmp_path / "report.md").read_text() == before and not (tmp_path / "gauss").exists()
    again = hms_experiment(tmp_path, "relu", **kw)                  # the same study resumes
    report = (tmp_path / "report.md").read_text()
    assert "stale" not in report and all(f"figures/{f.name}" in report for f in again.figures)
    result = CliRunner().invoke(cli, ["experiment", "hms", "--arch", "gauss", "--widths", "2,4",
                                      "--n-bags", "2", "--n-nets", "300", "--orders", "2,4",
                                      "--no-progress", "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output.startswith("Error: output folder") and result.output.count("\n") == 1


# ---------------------------------------------------------------------- CLI
def _demo(out):
    return CliRunner().invoke(cli, ["demo", "--quick", "--no-progress", "--out", str(out)])


@pytest.mark.slow
def test_demo_cli_reports_a_damaged_bag_in_one_line(tmp_path):
    assert _demo(tmp_path).exit_code == 0
    bag = tmp_path / "relu" / "bags" / "bag_N20_0003.npz"
    bag.write_bytes(b"")
    result = _demo(tmp_path)
    assert result.exit_code == 1 and "Aborted" not in result.output
    assert result.output == f"Error: checkpoint file {bag} is empty; delete it to recompute it\n"


def test_demo_cli_reports_a_busy_folder_in_one_line(tmp_path):
    with lock_folder(tmp_path):
        result = _demo(tmp_path)
    assert result.exit_code == 1 and result.output.count("\n") == 1, result.output
    assert result.output.startswith(f"Error: folder {tmp_path} is in use by another run (pid "
                                    f"{os.getpid()})")


def test_damaged_saved_measurement_is_named(tmp_path):
    res = measure(ReLUNet(), [2], SPREAD, **KW)
    path = res.save(tmp_path / "measurement")
    path.with_suffix(".json").write_text("{")
    with pytest.raises(CheckpointError, match=r"measurement\.json is not readable JSON"):
        GreenMeasurement.load(tmp_path / "measurement")
    res.save(tmp_path / "measurement")
    path.write_bytes(b"")
    with pytest.raises(CheckpointError, match=r"measurement\.npz is empty"):
        GreenMeasurement.load(tmp_path / "measurement")


def test_hms_cli_reports_a_damaged_bag_in_one_line(tmp_path):
    args = ["experiment", "hms", "--arch", "relu", "--widths", "2", "--points", "0,0.5", "--sigma-b", "1",
            "--n-bags", "2", "--n-nets", "200", "--orders", "2,4", "--no-progress",
            "--out", str(tmp_path)]
    assert CliRunner().invoke(cli, args).exit_code == 0
    bag = tmp_path / "relu" / "bags" / "bag_N2_0001.npz"
    for content, what in ((b"", "is empty"), (os.urandom(500), "is not a readable .npz archive")):
        bag.write_bytes(content)
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 1 and "Aborted" not in result.output
        assert result.output.startswith(f"Error: checkpoint file {bag} {what}")
        assert "delete it to recompute it" in result.output and result.output.count("\n") == 1
    bag.unlink()
    assert CliRunner().invoke(cli, args).exit_code == 0


# ---------------------------------------------------------------------- Bayesian RG
BRG = {"n_members": 3, "width": 30, "n_train": 20, "n_test": 10, "n_mc": 500, "n_bootstrap": 5,
       "n_fisher": 100, "n_fisher_members": 1, "cutoffs": [0.01, 1.0, 100.0], "progress": False}


def test_brg_member_checkpoints_are_locked_sealed_and_checked(tmp_path):
    reference = run_brg_experiment(**BRG)
    first = run_brg_experiment(checkpoint_dir=tmp_path, **BRG)
    assert np.array_equal(first.test_loss, reference.test_loss)
    with lock_folder(tmp_path):                          # a second open lock: refused
        with pytest.raises(CheckpointError, match=r"is in use by another run \(pid \d+\)"):
            run_brg_experiment(checkpoint_dir=tmp_path, **BRG)
    member = tmp_path / "member_00001.npz"
    shutil.copyfile(tmp_path / "member_00002.npz", member)
    with pytest.raises(CheckpointError, match=r"member_00001\.npz was computed for another task "
                                              r"\(differs in \['member', 'seed'\]\)"):
        run_brg_experiment(checkpoint_dir=tmp_path, **BRG)
    _nan_any(member, tmp_path / "member_00002.npz")
    with pytest.raises(CheckpointError, match=r"member_00001\.npz fails its checksum"):
        run_brg_experiment(checkpoint_dir=tmp_path, **BRG)
    member.unlink()
    resumed = run_brg_experiment(checkpoint_dir=tmp_path, **BRG)
    assert np.array_equal(resumed.test_loss, reference.test_loss)
    assert np.array_equal(resumed.two_point, reference.two_point)


def _nan_any(target, source):
    arrays = dict(np.load(source))
    arrays["loss"] = np.full_like(arrays["loss"], np.nan)
    with open(target, "wb") as fh:
        np.savez(fh, **arrays)


# ---------------------------------------------------------------------- permissions
@pytest.mark.parametrize("umask, file_mode, dir_mode", [(0o022, 0o644, 0o755), (0o027, 0o640, 0o750)])
def test_result_files_and_folders_follow_the_umask(tmp_path, umask, file_mode, dir_mode):
    old = os.umask(umask)
    try:
        out = tmp_path / "run"
        hms_experiment(out, "relu", (2,), SPREAD, (2, 4), 2, 200, sigma_b=1.0, progress=False)
        atomic_write(tmp_path / "alone.txt", lambda fh: fh.write("x"), mode="w")
    finally:
        os.umask(old)
    files = [tmp_path / "alone.txt", out / "report.md", out / "metadata.json", out / "run.json",
             out / "relu" / "measurement.npz", out / "relu" / "bags" / "bag_N2_0000.npz",
             out / "relu" / "bags" / "plan.json", out / "relu" / "bags" / ".lock",
             *out.glob("figures/*.png")]
    assert {f.name: oct(f.stat().st_mode & 0o777) for f in files} \
        == {f.name: oct(file_mode) for f in files}
    for folder in (out, out / "relu", out / "relu" / "bags", out / "figures"):
        assert oct(folder.stat().st_mode & 0o777) == oct(dir_mode), folder


def test_sealed_file_round_trip_and_load_errors(tmp_path):
    path = save_sealed(tmp_path / "x.npz", {"a": np.arange(4.0)}, {"width": 3})
    assert load_npz(path)["a"].tolist() == [0.0, 1.0, 2.0, 3.0]
    with pytest.raises(CheckpointError, match="does not exist"):
        load_npz(tmp_path / "missing.npz")
    with pytest.raises(ValueError, match="reserved names"):
        save_sealed(tmp_path / "y.npz", {"_sha256": np.zeros(1)}, {})
