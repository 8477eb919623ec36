"""Bad command-line input: a one-line click error naming the option, never a traceback."""
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

from nnqft_cli.main import cli


def _one_line_error(args, option):
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, (args, result.output, result.exception)
    assert isinstance(result.exception, SystemExit), result.exception
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and f"'{option}'" in errors[0], result.output
    assert "Traceback" not in result.output
    return errors[0]


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e-320", "-1", "abc"])
@pytest.mark.parametrize("option", ["--sigma-w", "--sigma-b"])
def test_kernel_scales_must_be_finite_positive(option, value):
    """Before: nan and inf reached nnqft_sym (ValueError traceback); 1e-320 became 0."""
    error = _one_line_error(["kernel", "--arch", "relu", option, value], option)
    assert "between 1e-150 and 1e+150" in error


def test_sigma_w_zero_is_rejected_sigma_b_zero_is_not_a_scale_error():
    assert "between 1e-150" in _one_line_error(["kernel", "--arch", "relu", "--sigma-w", "0"],
                                               "--sigma-w")
    result = CliRunner().invoke(cli, ["kernel", "--arch", "relu", "--sigma-b", "0", "--no-table"])
    assert "Traceback" not in result.output and "'--sigma-b'" not in result.output


@pytest.mark.parametrize("args,option,allowed", [
    (["bench", "--widths", "0"], "--widths", "integers >= 1"),          # was ZeroDivisionError
    (["bench", "--widths", "a,b"], "--widths", "integers >= 1"),        # named no option
    (["experiment", "hms", "--orders", "40"], "--orders", "<= 10"),     # was killed (memory)
    (["experiment", "hms", "--orders", "0"], "--orders", ">= 1"),
    (["experiment", "hms", "--widths", "2,x"], "--widths", "integers"),
    (["experiment", "hms", "--points", "0.1,nan"], "--points", "finite numbers"),
    (["experiment", "els-active", "--sigmas", "1,0"], "--sigmas", ">= 1e-150"),
    (["experiment", "brg", "--lambdas", "x"], "--lambdas", "numbers"),
    (["diagrams", "--loops", "1", "--valences", "4,x"], "--valences", "integers"),
    (["kernel", "--arch", "softmax"], "--arch", "gauss"),
])
def test_list_and_choice_options_name_the_option(args, option, allowed):
    assert allowed in _one_line_error(args, option)


def test_out_under_a_file(tmp_path):
    blocker = tmp_path / "results.txt"
    blocker.write_text("not a folder")
    for args in (["experiment", "hms"], ["demo", "--quick"], ["experiment", "els-active"]):
        error = _one_line_error([*args, "--no-progress", "--out", str(blocker / "run")], "--out")
        assert "is a file" in error


@pytest.mark.skipif(shutil.which("unshare") is None, reason="needs unshare(1)")
def test_out_on_a_read_only_mount(tmp_path):
    """A private mount namespace with a read-only tmpfs (skipped where mounting is not allowed)."""
    ro = tmp_path / "ro"
    ro.mkdir()
    probe = subprocess.run(["unshare", "--mount", "sh", "-c",
                            f"mount -t tmpfs -o ro,size=1m tmpfs {ro}"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("cannot mount a read-only tmpfs here")
    run = subprocess.run(["unshare", "--mount", "sh", "-c",
                          f"mount -t tmpfs -o ro,size=1m tmpfs {ro} && exec {sys.executable} "
                          f"-m nnqft_cli experiment hms --no-progress --out {ro}/run"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr
    errors = [line for line in run.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "'--out'" in errors[0] and "Read-only file system" in errors[0]
