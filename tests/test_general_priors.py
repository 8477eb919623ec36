"""Beyond i.i.d. zero-mean Gaussian read-outs: laws, means, shared scales (nnqft_sym.neuron_sums).

Independent references: the expansion of E[(b + sum_i W_i g_i)^n] over how many distinct
neurons carry the powers, written out in the tests with the law's moments and the single-neuron
moments E[g^k]; the moments of the laws from sympy.stats; the conditional structure of a shared
scale (G^(4) = E[s^4] G^(4)_standard); Monte Carlo of the sampler within a few standard errors.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
from sympy import stats

import nnqft_sym as nq
import numeric
from nnqft_sym import ErfNet, GaussNet, ReLUNet
from nnqft_sym.errors import DivergentExpectationError
from nnqft_sym.laws import (DensityLaw, FiniteLaw, Rademacher, StandardLaplace, StandardStudentT,
                            StandardUniform, as_law)
from nnqft_sym.neuron_sums import (connected_green_general, delta_green_general, green_general,
                                   series_in_inverse_width)

N = sp.Symbol("N", positive=True)
HALF = sp.Rational(1, 2)
TWO_POINT_SCALE = {"law": "finite", "values": ["1/2", "3/2"], "probabilities": ["1/2", "1/2"]}


# ---------------------------------------------------------------------- laws
@pytest.mark.parametrize("law,rv", [
    (StandardUniform(), stats.Uniform("u", -sp.sqrt(3), sp.sqrt(3))),
    (StandardLaplace(), stats.Laplace("l", 0, 1 / sp.sqrt(2))),
    (StandardStudentT(9), None),
    (Rademacher(), stats.Rademacher("r")),
])
@pytest.mark.parametrize("k", [2, 4, 6])
def test_named_law_moments_equal_sympy_stats(law, rv, k):
    if rv is None:   # sympy.stats has no moment-generating function for Student-t: integrate the density
        t = sp.Symbol("t", real=True)
        reference = sp.Rational(7, 9) ** sp.Rational(k, 2) * sp.integrate(
            t ** k * stats.density(stats.StudentT("t", 9))(t), (t, -sp.oo, sp.oo))
    else:
        reference = stats.E(rv ** k)
    assert sp.simplify((law.moment(k) - reference).rewrite(sp.gamma)) == 0


def test_user_laws_from_sympy_stats_keep_their_moments():
    law = as_law(stats.Laplace("l", 0, 1 / sp.sqrt(2)))
    assert isinstance(law, DensityLaw) and law.moment(4) == 6 and law.is_symmetric
    finite = as_law(stats.FiniteRV("c", {-1: HALF, 1: HALF}))
    assert isinstance(finite, FiniteLaw) and finite.moment(6) == 1


def test_a_law_that_is_not_standardised_is_refused_with_the_fix():
    with pytest.raises(ValueError, match="mean 0 and variance 1"):
        ReLUNet().with_priors(readout_weights=stats.Normal("xi", 0, 2))
    with pytest.raises(ValueError, match="mean 0 and variance 1"):
        FiniteLaw([0, 1], [HALF, HALF])


def test_divergent_moment_names_the_order():
    net = ReLUNet().with_priors(readout_weights=StandardStudentT(5))
    assert np.isfinite(net.green([0.3] * 4, 10))
    with pytest.raises(DivergentExpectationError, match="xi\\^6"):
        net.green([0.3] * 6, 10)


def test_density_law_sampler_has_its_moments():
    law = as_law(stats.Laplace("l", 0, 1 / sp.sqrt(2)))
    draws = law.sample(np.random.default_rng(0), (200000,))
    assert abs(np.mean(draws ** 2) - 1) < 5 * np.sqrt(5 / 200000)      # Var xi^2 = 6 - 1


# ---------------------------------------------------------------------- reduction to today's results
@pytest.mark.parametrize("net", [GaussNet(), ReLUNet(sigma_b=0.5), ErfNet(d_in=2), nq.CosNet()],
                         ids=lambda n: n.name)
@pytest.mark.parametrize("n", [2, 4, 6])
@pytest.mark.parametrize("width", [1, 3, 100])
def test_general_engine_reduces_to_the_standard_one(net, n, width):
    rng = np.random.default_rng(n)
    pts = rng.uniform(-0.5, 0.5, (n, net.d_in))
    for general, standard in ((green_general, nq.green), (delta_green_general, nq.delta_green),
                              (connected_green_general, nq.connected_green)):
        assert general(net, pts, width) == pytest.approx(standard(net, pts, width), rel=1e-10, abs=1e-13)


def test_general_series_reduces_to_the_standard_series():
    net, pts = ErfNet(), [0.1, -0.2, 0.3, 0.45, -0.1, 0.05]
    general = series_in_inverse_width(net, pts)
    standard = nq.delta_green_series(net, pts)
    scale = max(abs(float(c)) for c in standard.values())
    # the interpolation leaves round-off of ~1e-11 of the largest coefficient in every term
    assert abs(general.pop(0)) < 1e-9 * scale
    for k, c in general.items():
        assert abs(float(c) - float(standard.get(k, 0.0))) < 1e-9 * scale, k


# ---------------------------------------------------------------------- read-out laws
def _coincident_moment(net, x, width, power, wmoment, bmoment):
    """E[(b + sum_{i<=N} W_i g_i)^power] at one point, by the multinomial expansion over neurons."""
    g = {k: float(nq.neuron_moment(net, [x] * k)) if k else 1.0 for k in range(power + 1)}

    def sum_moment(p):  # E[S^p], S = sum of N i.i.d. t = W g
        total = 0.0
        for parts in _partitions(p):
            # distinct neurons carrying the powers in parts, counted with multiplicity
            count = math.factorial(p) / np.prod([math.factorial(q) for q in parts])
            mult = {q: parts.count(q) for q in set(parts)}
            count /= np.prod([math.factorial(m) for m in mult.values()])
            falling = np.prod([width - i for i in range(len(parts))])
            total += count * falling * np.prod([wmoment(q) * g[q] for q in parts])
        return total
    return sum(math.comb(power, j) * bmoment(power - j) * sum_moment(j) for j in range(power + 1))


def _partitions(p, largest=None):
    largest = p if largest is None else largest
    if p == 0:
        yield []
        return
    for q in range(min(p, largest), 0, -1):
        for rest in _partitions(p - q, q):
            yield [q] + rest


@pytest.mark.parametrize("law", [Rademacher(), StandardUniform(), StandardLaplace(), StandardStudentT(9)],
                         ids=lambda law: law.name)
@pytest.mark.parametrize("width", [1, 2, 7])
def test_readout_law_correlators_against_the_neuron_expansion(law, width):
    sw, sb = 1.3, 0.4
    net = ReLUNet(sigma_w=sw, sigma_b=sb).with_priors(readout_weights=law)
    x = 0.8
    for power in (2, 4, 6):
        expected = _coincident_moment(
            net, x, width, power,
            wmoment=lambda q: float(law.moment(q)) * (sw ** 2 / width) ** (q / 2),
            bmoment=lambda q: float(sp.factorial2(q - 1)) * sb ** q if q % 2 == 0 else 0.0)
        assert net.green([x] * power, width) == pytest.approx(expected, rel=1e-11)


def test_means_give_odd_correlators_against_the_neuron_expansion():
    mu_w, mu_b, sb, width, x = 1.5, -0.7, 0.5, 4, 0.6
    net = ErfNet(sigma_b=sb).with_priors(readout_weights={"mean": mu_w}, readout_bias={"mean": mu_b})

    def wmoment(q):   # W = mu_w / N + xi / sqrt(N), xi ~ N(0, 1)
        m, s = mu_w / width, 1 / math.sqrt(width)
        return sum(math.comb(q, j) * m ** (q - j) * s ** j * float(sp.factorial2(j - 1))
                   for j in range(0, q + 1, 2))

    def bmoment(q):
        return sum(math.comb(q, j) * mu_b ** (q - j) * sb ** j * float(sp.factorial2(j - 1))
                   for j in range(0, q + 1, 2))
    for power in (1, 2, 3, 4, 5):
        assert net.green([x] * power, width) == pytest.approx(
            _coincident_moment(net, x, width, power, wmoment, bmoment), rel=1e-11)
    # the mean is exact at every width: E f = mu_b + mu_W E[g]
    assert nq.neuron_sums.mean_function(net, x) == pytest.approx(mu_b + mu_w * float(nq.ErfNet(sigma_b=sb).neuron_moment([x])),
                                                      rel=1e-13)


# ---------------------------------------------------------------------- shared scale
def test_shared_scale_non_gaussianity_survives_infinite_width():
    base = ReLUNet(sigma_b=0)
    net = base.with_priors(readout_weights={"shared_scale": TWO_POINT_SCALE})
    pts = [1.0] * 4
    s2, s4 = sp.Rational(5, 4), sp.Rational(41, 16)         # E[s^2], E[s^4] of s in {1/2, 3/2}
    k = sp.Rational(1, 2)                                    # K(1, 1) of ReLU at sigma_b = 0
    # given s, the network is the standard one with read-out variance s^2: G4 = s^4 (3K^2 + 15 K^2 ... )
    standard = sp.nsimplify(sp.expand(nq.green(base, pts, N)))
    expected = sp.expand(s4 * standard - 3 * (s2 * k) ** 2)
    got = sp.nsimplify(sp.expand(net.delta_green(pts, N)))
    assert sp.simplify(got - expected) == 0
    assert sp.limit(got, N, sp.oo) == 3 * k ** 2 * (s4 - s2 ** 2)   # = 3/4, not 0


def test_readout_priors_in_the_sampler_match_the_exact_correlators():
    width, x, n_nets = 3, 0.7, 400000
    cases = [
        ReLUNet(sigma_b=0.3).with_priors(readout_weights="laplace"),
        ErfNet(sigma_b=0.5).with_priors(readout_weights={"mean": 1.0}, readout_bias={"mean": -0.5,
                                                                                  "law": "uniform"}),
        ReLUNet(sigma_b=0).with_priors(readout_weights={"shared_scale": TWO_POINT_SCALE}),
    ]
    for net in cases:
        f = numeric.sample_outputs(net, width, [x], n_nets, rng=11)[:, 0]
        for power in (1, 2, 3, 4):
            values = f ** power
            exact = float(net.green([x] * power, width))
            assert abs(values.mean() - exact) < 4.5 * values.std() / math.sqrt(n_nets), (net, power)


def test_gram_route_is_kept_only_for_iid_centred_gaussian_readouts():
    """A wide network with a Laplace read-out is drawn weight by weight; the stream of the default one is unchanged."""
    net = ReLUNet().with_priors(readout_weights=stats.Normal("xi", 0, 1))
    a = numeric.sample_outputs(net, 200, [0.1, 0.2], 50, rng=2)
    b = numeric.sample_outputs(ReLUNet(), 200, [0.1, 0.2], 50, rng=2)
    assert np.array_equal(a, b)
    laplace = ReLUNet().with_priors(readout_weights="laplace")
    f = numeric.sample_outputs(laplace, 200, [0.4], 100000, rng=5)[:, 0]
    assert abs(np.mean(f ** 2) - float(laplace.kernel(0.4, 0.4))) < 4.5 * np.std(f ** 2) / math.sqrt(f.size)


# ---------------------------------------------------------------------- per-layer scales, round trips, errors
def test_per_layer_scales_of_a_deep_network():
    net = ReLUNet(sigma_w=1, sigma_b=1, depth=3).with_priors(
        hidden_weights=[{"variance": 2}, {"variance": 3}], hidden_biases={"variance": 0},
        readout_weights={"variance": sp.Rational(1, 2)})
    x = 0.5
    k = 1 + x ** 2
    for v in (2, 3):
        k = v * k / 2
    assert float(net.kernel(x, x)) == pytest.approx(0.5 * k / 2 + 1, rel=1e-12)
    f = numeric.sample_outputs(net, 5, [x], 200000, rng=4)[:, 0]
    assert abs(np.mean(f ** 2) - (0.5 * k / 2 + 1)) < 4.5 * np.std(f ** 2) / math.sqrt(f.size)


def test_priors_survive_description_round_trips_and_with_params():
    net = ErfNet(depth=1).with_priors(readout_weights={"shared_scale": TWO_POINT_SCALE, "law": "laplace"},
                                      readout_bias={"mean": 2})
    again = nq.from_description(net.describe())
    assert again.priors == net.priors
    assert net.with_params(sigma_w=2).priors.readout_weights.base.variance == 4


def test_bad_priors_are_refused_naming_the_group():
    with pytest.raises(TypeError, match="unknown parameter group 'outputs'"):
        ReLUNet().with_priors(outputs="laplace")
    with pytest.raises(ValueError, match="hidden_weights: 2 hidden layers"):
        ReLUNet(depth=3).with_priors(hidden_weights=["laplace"])
    with pytest.raises(ValueError, match="fixed by its architecture"):
        nq.CosNet().with_priors(first_biases="uniform")
    with pytest.raises(ValueError, match="read-out weights only"):
        ReLUNet().with_priors(readout_bias={"shared_scale": TWO_POINT_SCALE})
    with pytest.raises(ValueError, match="unknown law 'cauchy'"):
        ReLUNet().with_priors(readout_weights="cauchy")
    with pytest.raises(ValueError, match="unknown key"):
        ReLUNet().with_priors(readout_weights={"sigma": 2})


def test_first_layer_laws_exact_moments_against_mpmath():
    """Uniform weights, Laplace bias (scale sigma_b / sqrt 2), ReLU: a nested mpmath integral split at the kinks."""
    import mpmath
    net = ReLUNet(sigma_w=1.2, sigma_b=0.8).with_priors(first_weights="uniform", first_biases="laplace")
    x1, x2 = 0.4, -0.9
    half_width, scale = 1.2 * math.sqrt(3), 0.8 / math.sqrt(2)

    def inner(w):
        f = lambda b: max(w * x1 + b, 0) * max(w * x2 + b, 0) * mpmath.exp(-abs(b) / scale) / (2 * scale)
        return mpmath.quad(f, sorted({-mpmath.inf, -w * x1, -w * x2, 0, mpmath.inf}))

    with mpmath.workdps(20):
        reference = mpmath.quad(lambda w: inner(w) / (2 * half_width), [-half_width, 0, half_width])
    assert net.neuron_moment([x1, x2]) == pytest.approx(float(reference), rel=1e-9)


@pytest.mark.parametrize("net", [
    ReLUNet(sigma_b=0.5).with_priors(first_weights="uniform", first_biases={"mean": 0.3}),
    ErfNet().with_priors(first_weights="rademacher", first_biases="laplace"),
    nq.Network("tanh(z)").with_priors(first_weights={"law": "student_t", "mean": 1.0}),
], ids=["relu-uniform-mean", "erf-rademacher-laplace", "tanh-t"])
def test_first_layer_laws_exact_correlators_against_the_sampler(net):
    width, pts, n_nets = 3, [0.3, 0.8], 300000
    f = numeric.sample_outputs(net, width, pts, n_nets, rng=9)
    for combo in ([0, 1], [0, 0, 1, 1], [0, 1, 1]):
        values = np.prod(f[:, combo], axis=1)
        exact = float(net.green([pts[i] for i in combo], width))
        assert abs(values.mean() - exact) < 4.5 * values.std() / math.sqrt(n_nets), combo


def test_gaussian_first_layer_through_the_integral_equals_the_closed_forms():
    """The integral route, forced by a mean of 0 given as a Gaussian law of its own, against the closed forms."""
    from nnqft_sym.first_layer_moments import independent_first_layer_moment
    for net in (ReLUNet(sigma_b=0.7), ErfNet(sigma_b=0.5), nq.LeakyReLUNet(slope=0.1, sigma_b=0)):
        pts = np.array([[0.3], [-0.5], [0.9], [0.2]])
        assert independent_first_layer_moment(net, pts) == pytest.approx(net.neuron_moment(pts), rel=1e-12)


def test_kinked_first_layer_with_continuous_laws_needs_d_in_one():
    net = ReLUNet(d_in=2).with_priors(first_weights="uniform")
    assert np.isfinite(numeric.sample_outputs(net, 4, [[0.3, 0.1]], 100, rng=0)).all()
    with pytest.raises(ValueError, match="has kinks.*continuous"):    # tests/test_first_layer_d_in.py
        net.green([[0.3, 0.1], [0.3, 0.1]], 4)


# ---------------------------------------------------------------------- command line
def test_prior_option_reads_inline_laws_and_files(tmp_path):
    from nnqft_cli.options import parse_priors
    toml = tmp_path / "prior.toml"
    toml.write_text('[readout_weights]\nlaw = "laplace"\nmean = "1/2"\n\n[readout_bias]\nlaw = "uniform"\n')
    chosen = parse_priors(("readout_bias=rademacher", str(toml)))
    net = ReLUNet().with_priors(**chosen)
    assert net.priors.readout_weights.mean == HALF and net.priors.readout_bias.law.name == "uniform"
    (tmp_path / "p.json").write_text('{"readout_weights": {"shared_scale": {"law": "finite", '
                                     '"values": [0.5, 1.5], "probabilities": [0.5, 0.5]}}}')
    assert ReLUNet().with_priors(**parse_priors((str(tmp_path / "p.json"),))).priors.readout_weights.variance == 1.25


def test_prior_option_errors_name_the_problem(tmp_path):
    import click
    from nnqft_cli.options import parse_priors
    with pytest.raises(click.BadParameter, match="neither GROUP=LAW"):
        parse_priors(("laplace",))
    bad = tmp_path / "bad.toml"
    bad.write_text("readout_weights = [1, 2]\n")
    with pytest.raises(click.BadParameter, match="maps each group"):
        parse_priors((str(bad),))
    code = tmp_path / "code.json"
    code.write_text('{"readout_weights": {"mean": "__import__(\'os\').system(\'touch x\')"}}')
    with pytest.raises(ValueError):
        ReLUNet().with_priors(**parse_priors((str(code),)))
    assert not (tmp_path / "x").exists()


def test_hms_command_with_a_prior_file_states_it(tmp_path):
    from click.testing import CliRunner
    from nnqft_cli.main import cli
    prior = tmp_path / "prior.json"
    prior.write_text('{"readout_weights": "laplace"}')
    out = tmp_path / "run"
    result = CliRunner().invoke(cli, ["experiment", "hms", "--arch", "relu", "--widths", "3", "--n-bags", "2",
                                      "--n-nets", "400", "--orders", "4", "--prior", str(prior),
                                      "--out", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "readout_weights: law laplace" in (out / "report.md").read_text()


def test_symbolic_read_out_mean_gives_the_exact_third_cumulant():
    """kappa_3 = N kappa_3(t), t = W relu(z): written out with E W^k of W = mu/N + xi/sqrt(N)."""
    mu = sp.Symbol("mu_W", real=True)
    net = ReLUNet(sigma_b=0).with_priors(readout_weights={"mean": mu})
    one = sp.Integer(1)
    got = net.connected_green([one, one, one], N)
    g1, g2, g3 = 1 / sp.sqrt(2 * sp.pi), HALF, sp.sqrt(2 / sp.pi)   # E relu(z)^k, z ~ N(0, 1)
    w1, w2, w3 = mu / N, 1 / N + mu ** 2 / N ** 2, mu ** 3 / N ** 3 + 3 * mu / N ** 2
    t1, t2, t3 = w1 * g1, w2 * g2, w3 * g3
    expected = N * (t3 - 3 * t2 * t1 + 2 * t1 ** 3)
    # numeric points give float coefficients: compare as polynomials in mu and 1/N
    for m, width in [(0.5, 1), (-1.3, 4), (2.0, 100), (7.0, 3)]:
        values = {mu: m, N: width}
        assert float(got.subs(values)) == pytest.approx(float(expected.subs(values)), rel=1e-12, abs=1e-15)
    assert abs(float(sp.limit(got, N, sp.oo).subs(mu, 1))) < 1e-15     # kappa_3 is O(1/N)


def test_mixed_output_indices_refuse_non_gaussian_readouts():
    net = ReLUNet(d_out=2).with_priors(readout_weights="laplace")
    with pytest.raises(ValueError, match="mixed indices need i.i.d. zero-mean Gaussian"):
        nq.connected_green_indexed(net, [0.1, 0.2, 0.3, 0.4], [0, 0, 1, 1], 5)
    assert np.isfinite(net.green([0.1, 0.2, 0.3, 0.4], 5))     # one component is fine
