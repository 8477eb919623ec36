"""How the ``nnqft`` command behaves: one set of RG defaults, -h, a fast --help, --arch
everywhere, nu and omega first, shared options in one module."""
import re
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from nnqft_cli import options
from nnqft_cli.experiment import EXPERIMENT_MODULES, EXPERIMENT_SUMMARIES
from nnqft_cli.lazy import LazyGroup
from nnqft_cli.main import COMMAND_MODULES, COMMAND_SUMMARIES, cli


def _all_commands():
    ctx = click.Context(cli)
    for name in cli.list_commands(ctx):
        cmd = cli.get_command(ctx, name)
        yield [name], cmd
        if isinstance(cmd, click.Group):
            for sub in cmd.list_commands(ctx):
                yield [name, sub], cmd.get_command(ctx, sub)


def test_flow_and_python_give_the_same_exponents():
    """Before: the CLI expanded about zero (nu = 0.6307), Python about the minimum (0.6506)."""
    from nnqft_sym import rg
    result = CliRunner().invoke(cli, ["flow", "--d", "3", "--truncation", "4", "--fixed-point"])
    assert result.exit_code == 0, result.output
    python = rg.critical_exponents(3, 4)
    assert f"nu = {python.nu:.8f}" in result.output
    assert python.nu == pytest.approx(0.6506, abs=1e-4)
    for word in ("litim regulator", "expansion about the minimum", "truncation 4"):
        assert word in result.output and word in str(python)
    assert "regulator=litim" in repr(python) and "expansion=minimum" in repr(python)


def test_rg_defaults_are_defined_once():
    import inspect

    from nnqft_sym import rg
    for func in (rg.lpa_beta_functions, rg.critical_exponents):
        sig = inspect.signature(func).parameters
        assert sig["regulator"].default == rg.DEFAULT_REGULATOR
        assert sig["expansion"].default == rg.DEFAULT_EXPANSION
        assert sig["scheme"].default == rg.DEFAULT_SCHEME
    flow = cli.get_command(click.Context(cli), "flow")
    defaults = {p.name: p.default for p in flow.params}
    assert defaults["expansion"] == rg.DEFAULT_EXPANSION
    assert defaults["regulator"] == rg.DEFAULT_REGULATOR
    assert defaults["truncation"] == rg.DEFAULT_TRUNCATION
    beta = rg.lpa_beta_functions(3, 2)
    assert "litim" in str(beta) and "minimum" in str(beta) and "truncation 2" in str(beta)


def test_fixed_point_prints_nu_and_omega_first_and_betas_on_request():
    runner = CliRunner()
    plain = runner.invoke(cli, ["flow", "--d", "3", "--truncation", "3", "--fixed-point"])
    assert plain.exit_code == 0, plain.output
    lines = plain.output.splitlines()
    assert lines[1].startswith("nu = ") and lines[2].startswith("omega = ")
    assert "d/dt" not in plain.output
    betas = runner.invoke(cli, ["flow", "--d", "3", "--truncation", "3", "--fixed-point",
                                "--betas"])
    assert betas.exit_code == 0 and "d/dt kappa" in betas.output
    assert betas.output.index("nu = ") < betas.output.index("d/dt")


def test_symbolic_dimension_prints_no_zero_powers():
    """Before: the Litim threshold carried 0**(2 - eps/2) terms from sympy.integrate."""
    result = CliRunner().invoke(cli, ["flow", "--d", "4 - eps", "--truncation", "2"])
    assert result.exit_code == 0, result.output
    assert "0**" not in result.output
    assert "d/dt lambda_2" in result.output and "- eps*lambda_2" in result.output


@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_every_command_and_group_takes_h(flag):
    runner = CliRunner()
    assert runner.invoke(cli, [flag]).exit_code == 0
    for path, _ in _all_commands():
        result = runner.invoke(cli, [*path, flag])
        assert result.exit_code == 0, (path, result.output)
        assert "Usage:" in result.output


def test_top_level_help_imports_no_scientific_package():
    run = subprocess.run([sys.executable, "-X", "importtime", "-m", "nnqft_cli", "--help"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    imported = {line.split("|")[-1].strip().split(".")[0] for line in run.stderr.splitlines()
                if "|" in line}
    assert "click" in imported
    assert not imported & {"sympy", "numpy", "scipy", "matplotlib", "networkx"}


def test_numeric_imports_matplotlib_only_for_figures():
    """``import numeric`` (every Dask worker, ``nnqft plan``, scripts that only measure) does
    not load matplotlib (0.3 s); the figure functions import it when they draw."""
    code = ("import sys, numeric; assert 'matplotlib' not in sys.modules; "
            "numeric.plot_training; import numeric.plots; assert 'matplotlib' in sys.modules")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr


def test_group_summaries_are_the_commands_own_help():
    ctx = click.Context(cli)
    for group, summaries in ((cli, COMMAND_SUMMARIES),
                             (cli.get_command(ctx, "experiment"), EXPERIMENT_SUMMARIES)):
        for name, summary in summaries.items():
            cmd = group.get_command(ctx, name)
            assert cmd.help.splitlines()[0] == summary, name
    assert set(COMMAND_SUMMARIES) == set(COMMAND_MODULES)
    assert set(EXPERIMENT_SUMMARIES) == set(EXPERIMENT_MODULES)
    with pytest.raises(ValueError, match="same commands"):
        LazyGroup(modules={"a": "x"}, summaries={})


def test_architecture_is_passed_as_arch_everywhere():
    from nnqft_sym import ARCHITECTURES
    with_arch = 0
    for path, cmd in _all_commands():
        names = {p.name: p for p in cmd.params}
        if "arch" in names:
            with_arch += 1
            assert "--arch" in names["arch"].opts, path
            assert list(names["arch"].type.choices) == sorted(ARCHITECTURES), path
        arguments = [p for p in cmd.params if isinstance(p, click.Argument)]
        assert all(p.name == "arch_positional" and not p.required for p in arguments), path
    assert with_arch >= 3          # kernel, bench, experiment hms
    runner = CliRunner()
    new = runner.invoke(cli, ["kernel", "--arch", "relu", "--no-table"])
    old = runner.invoke(cli, ["kernel", "relu", "--no-table"])
    assert new.exit_code == old.exit_code == 0
    assert "deprecated" in old.stderr and "deprecated" not in new.stderr
    assert new.stdout == old.stdout
    missing = runner.invoke(cli, ["kernel"])
    assert missing.exit_code == 2 and "--arch" in missing.output


def test_shared_options_live_in_one_module():
    """Every command builds --sigma-w, --sigma-b, --out, --seed, --scheduler from options.py."""
    import inspect
    import pathlib
    for path in pathlib.Path(options.__file__).parent.glob("*.py"):
        if path.name == "options.py":
            continue
        source = path.read_text()
        for flag in ('"--sigma-w"', '"--sigma-b"', '"--seed"', '"--scheduler"', '"--out"',
                     '"--arch"', '"--workers"', '"--d-in"'):
            assert flag not in source, (path.name, flag)
        assert "def _ints" not in source and "def _floats" not in source, path.name
    assert "IntList" in inspect.getsource(options)


def test_demo_shows_tested_predictions_and_the_heavy_tail_as_a_finding(tmp_path):
    """Before: a table of Gauss-net rows nearly all flagged HEAVY TAIL (m_6 at z = -26)."""
    result = CliRunner().invoke(cli, ["demo", "--quick", "--no-progress",
                                      "--out", str(tmp_path / "demo")])
    assert result.exit_code == 0, result.output
    text = result.output
    assert "HEAVY TAIL" not in text
    tested, finding = text.split("\nFinding", 1)
    assert "ReLU-net: predictions tested" in tested and "Gauss-net: predictions tested" in tested
    counts = {name: int(re.search(name + r": predictions tested \((\d+) of", tested).group(1))
              for name in ("ReLU-net", "Gauss-net")}
    first, second = sorted(counts, key=tested.index)
    assert counts[first] >= counts[second]                        # the better-tested one first
    assert "log-normal" in finding and "exp(n^2 s) - 1 = 8.9e+06" in finding
    assert "n_eff" in finding and "not a failed prediction" in finding


def test_every_rg_result_names_its_setting():
    from nnqft_sym import rg
    polchinski = rg.critical_exponents(3, 2, scheme="polchinski")
    assert "regulator=none" in repr(polchinski) and "Polchinski LPA (no regulator)" in str(polchinski)
    beta = rg.lpa_beta_functions(3, 2, "exponential", "zero")
    assert "exponential regulator, expansion about zero" in str(beta)
    assert "regulator=exponential" in repr(beta) and "truncation=2" in repr(beta)
    shooting = rg.polchinski_fixed_point(3.0)
    assert "no regulator" in str(shooting) and "no truncation" in str(shooting)
    result = CliRunner().invoke(cli, ["flow", "--scheme", "polchinski", "--d", "3", "--shooting"])
    assert result.exit_code == 0 and "no truncation" in result.output.splitlines()[0]
