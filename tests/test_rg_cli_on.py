"""``nnqft flow --n-components`` and ``--full-potential``."""
from click.testing import CliRunner

from nnqft_cli.flow import command


def _run(*args):
    result = CliRunner().invoke(command, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_on_fixed_point_names_the_model_and_matches_litim_2002():
    out = _run("--d", "3", "--truncation", "8", "--fixed-point", "--n-components", "3")
    assert "O(3) model" in out
    nu = float(out.split("\nnu = ")[1].split()[0])
    assert abs(nu - 0.7611) < 5e-4     # Litim, hep-th/0203006: LPA, N = 3


def test_symbolic_and_large_n_beta_functions_in_latex():
    out = _run("--d", "3", "--truncation", "2", "--n-components", "N", "--latex")
    assert r"\left(N - 1\right)" in out or "N - 1" in out
    large = _run("--d", "3", "--truncation", "2", "--n-components", "oo", "--latex")
    assert r"\partial_t \kappa &= - \kappa + \frac{1}{6 \pi^{2}}" in large


def test_full_potential():
    out = _run("--d", "3", "--full-potential")
    nu = float(out.split("\nnu = ")[1].split()[0])
    assert abs(nu - 0.649561773880) < 1e-9    # Bervillier-Juttner-Litim, hep-th/0701172
    assert "full potential" in out
