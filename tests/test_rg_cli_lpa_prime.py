"""``nnqft flow --lpa-prime``: LPA' beta functions with eta, fixed point, errors."""
from click.testing import CliRunner

from nnqft_cli.flow import command


def _run(*args, code=0):
    result = CliRunner().invoke(command, list(args))
    assert result.exit_code == code, result.output
    return result.output


def _value(out, name):
    return float(out.split(f"\n{name} = ")[1].split()[0])


def test_fixed_point_prints_eta_nu_omega():
    out = _run("--d", "3", "--truncation", "8", "--lpa-prime", "--fixed-point")
    assert "LPA'" in out and "goldstone mode at the running minimum" in out
    # the library result (tests/test_rg_lpa_prime.py: truncation convergence to 1e-4)
    assert abs(_value(out, "eta") - 0.04427) < 5e-5
    assert abs(_value(out, "nu") - 0.63679) < 2e-4
    assert "N =  8: eta = " in out


def test_latex_beta_functions_contain_eta():
    out = _run("--d", "3", "--truncation", "2", "--lpa-prime", "--latex")
    assert r"\eta &= \frac{2 \kappa \lambda_{2}^{2}}{3 \pi^{2} \left(2 \kappa \lambda_{2} + 1\right)^{2}}" in out
    symbolic = _run("--d", "3", "--truncation", "2", "--lpa-prime", "--n-components", "N")
    assert "N - 1" in symbolic and "eta = " in symbolic
    on = _run("--d", "3", "--truncation", "4", "--lpa-prime", "--fixed-point", "--latex",
              "--n-components", "3")
    assert "O(3) model" in out or "O(3) model" in on
    assert r"\begin{tabular}{rrrr}" in on


def test_renormalisation_point_and_projection():
    out = _run("--d", "3", "--truncation", "4", "--lpa-prime", "--fixed-point",
               "--expansion", "zero", "--renormalisation-point", "zero")
    assert _value(out, "eta") == 0.0 and "zero field" in out
    radial = _run("--d", "3", "--truncation", "4", "--lpa-prime", "--projection", "radial")
    assert "lambda_3" in radial.split("eta = ")[1]


def test_bad_input_is_a_usage_error():
    assert "not --shooting" in _run("--lpa-prime", "--shooting", code=2)
    full = _run("--lpa-prime", "--full-potential")
    assert abs(_value(full, "eta") - 0.0442723) < 1e-6 and abs(_value(full, "nu") - 0.6367951) < 1e-6
    assert "renormalisation-point" in _run("--lpa-prime", "--renormalisation-point", "-1", code=2)
    assert "needs expansion='minimum'" in _run("--lpa-prime", "--expansion", "zero", code=2)
    assert "regulator" in _run("--lpa-prime", "--regulator", "exponential", code=2)
    assert "numeric --d" in _run("--lpa-prime", "--d", "4 - eps", "--fixed-point", code=2)
