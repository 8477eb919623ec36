"""One vocabulary in numeric (issue 13): ``rng`` everywhere, ``reference`` / ``reference_kind``
instead of a field called ``exact`` that holds the leading order in 1/N for deep nets, and
``deviation`` for m_n.  The former names still work, with a DeprecationWarning, and give
bit-identical results."""
import json
import warnings

import numpy as np
import pytest

from nnqft_sym import ReLUNet
import numeric
from numeric import (bag_seed_states, exact_kind, feature_underflow, iter_output_chunks, measure,
                     measure_sweep, quartic_couplings, reference_kind, run_study, sample_outputs)
from numeric.experiments import study_report
from numeric.plots import plot_deviation_histograms, plot_deviations

PTS = [0.3, 0.7, 1.1]
KW = {"orders": (2, 4), "n_bags": 3, "n_nets": 400}


def _same_bags(a, b):
    return all(np.array_equal(a.bag_stats[n][s], b.bag_stats[n][s])
               for n in a.orders for s in a.bag_stats[n])


@pytest.fixture(scope="module")
def shallow():
    return measure(ReLUNet(), [3, 9], PTS, rng=5, **KW)


@pytest.fixture(scope="module")
def deep():
    return measure(ReLUNet(depth=2), [3, 9], PTS, rng=5, **KW)


# ---------------------------------------------------------------------- rng
@pytest.mark.parametrize("make", [lambda: 5, lambda: np.random.SeedSequence(5)],
                         ids=["int", "SeedSequence"])
def test_rng_int_and_seed_sequence_give_the_same_stream(shallow, make):
    assert _same_bags(measure(ReLUNet(), [3, 9], PTS, rng=make(), **KW), shallow)


def test_rng_generator_and_none():
    a = measure(ReLUNet(), [3], PTS, rng=np.random.default_rng(3), **KW)
    b = measure(ReLUNet(), [3], PTS, rng=np.random.default_rng(3), **KW)
    assert _same_bags(a, b)                               # same Generator state -> same numbers
    fresh = measure(ReLUNet(), [3], PTS, rng=None, **KW)  # OS entropy, recorded to repeat it
    again = measure(ReLUNet(), [3], PTS, rng=numeric.seed_from_state(fresh.seed), **KW)
    assert _same_bags(fresh, again)


def test_sampler_rng_accepts_every_kind_with_one_stream():
    ref = sample_outputs(ReLUNet(), 4, PTS, 300, rng=7)
    for rng in (np.random.SeedSequence(7),):
        assert np.array_equal(sample_outputs(ReLUNet(), 4, PTS, 300, rng=rng), ref)
    chunks = np.concatenate(list(iter_output_chunks(ReLUNet(), 4, PTS, 300, rng=7, chunk_size=50)))
    assert np.array_equal(chunks, ref)
    g = [sample_outputs(ReLUNet(), 4, PTS, 50, rng=np.random.default_rng(2)) for _ in range(2)]
    assert np.array_equal(*g)


# ---------------------------------------------------------------------- deprecated seed=
def test_seed_keywords_warn_and_give_identical_results(shallow):
    with pytest.warns(DeprecationWarning, match="'seed' is deprecated, use 'rng'"):
        old = measure(ReLUNet(), [3, 9], PTS, seed=5, **KW)
    assert _same_bags(old, shallow)
    with pytest.warns(DeprecationWarning, match="'seeds' is deprecated, use 'rngs'"):
        (swept,) = measure_sweep([ReLUNet()], [3, 9], PTS, seeds=[5], **KW)
    assert _same_bags(swept, shallow)
    with pytest.warns(DeprecationWarning, match="'seed'"):
        chunks = list(iter_output_chunks(ReLUNet(), 4, PTS, 100, seed=1))
    assert np.array_equal(np.concatenate(chunks),
                          np.concatenate(list(iter_output_chunks(ReLUNet(), 4, PTS, 100, rng=1))))
    with pytest.warns(DeprecationWarning, match="'seed'"):
        assert bag_seed_states(seed=3, width=10, n_bags=2) == bag_seed_states(3, 10, 2)
    with pytest.warns(DeprecationWarning, match="'seed'"):
        flags = feature_underflow(ReLUNet(), PTS, seed=4)
    assert np.array_equal(flags, feature_underflow(ReLUNet(), PTS, rng=4))


# ---------------------------------------------------------------------- reference_kind
def test_reference_kind_exact_for_one_layer_leading_order_for_two(shallow, deep):
    assert reference_kind(ReLUNet().describe()) == numeric.REFERENCE_EXACT == "exact"
    assert (reference_kind(ReLUNet(depth=2).describe()) == numeric.REFERENCE_LEADING_ORDER
            == "leading order in 1/N")
    for res, kind in ((shallow, "exact"), (deep, "leading order in 1/N")):
        assert res.reference_kind == kind
        assert res.estimate(4).reference_kind == kind
        assert {r["reference_kind"] for r in res.summary()} == {kind}
        assert {r["reference_kind"] for r in res.rows()} == {kind}
        assert res.metadata()["reference_kind"] == kind
        assert quartic_couplings(res, cutoff=1.0).reference_kind == kind


def test_reports_say_exact_or_leading_order_per_number(tmp_path):
    for depth, kind in ((1, "exact"), (2, "leading order in 1/N")):
        study = run_study(ReLUNet(depth=depth), tmp_path / str(depth), "relu", [2, 4], PTS,
                          orders=(4,), n_bags=2, n_nets=300, progress=False, figures=False)
        text = study_report(study)
        assert f"| m {kind} |" in text and f"| u4 {kind} |" in text
        other = "leading order in 1/N" if depth == 1 else "| m exact |"
        assert other not in text


# ---------------------------------------------------------------------- deprecated attributes
def test_old_attribute_names_warn_and_equal_the_new(deep):
    e = deep.estimate(4)
    for old, new in (("exact", "reference"), ("delta_exact", "delta_reference"),
                     ("m", "deviation"), ("m_exact", "deviation_reference"),
                     ("m_stderr", "deviation_stderr")):
        with pytest.warns(DeprecationWarning, match=f"'{old}' is deprecated, use '{new}'"):
            assert np.array_equal(getattr(e, old), getattr(e, new), equal_nan=True)
    with pytest.warns(DeprecationWarning, match="'exact' is deprecated, use 'reference'"):
        assert deep.exact is deep.reference
    with pytest.warns(DeprecationWarning, match="reference_kind"):
        assert exact_kind(deep.description) == "leading order in 1/N"
    with pytest.warns(DeprecationWarning, match="reference_kind"):
        assert exact_kind(ReLUNet().describe()) == "exact finite-width"


def test_old_table_columns_still_read_but_files_carry_the_new_ones(shallow, tmp_path):
    row = shallow.summary()[3]
    for old, new in (("mean_m", "mean_deviation"), ("mean_m_err", "mean_deviation_err"),
                     ("mean_m_exact", "mean_deviation_reference"), ("mean_m_z", "mean_deviation_z"),
                     ("mean_abs_m", "mean_abs_deviation"),
                     ("mean_abs_m_exact", "mean_abs_deviation_reference"),
                     ("background_m", "background_deviation")):
        with pytest.warns(DeprecationWarning, match=f"'{old}'"):
            assert row[old] == row[new]
    tidy = shallow.rows()[0]
    with pytest.warns(DeprecationWarning, match="'m_exact'"):
        assert tidy["m_exact"] == tidy["deviation_reference"]
    doc = json.loads(shallow.to_json(tmp_path / "g.json").read_text())
    assert "mean_deviation" in doc["summary"][0] and "mean_m" not in doc["summary"][0]
    assert "deviation" in doc["rows"][0] and "m" not in doc["rows"][0]


def test_estimates_match_the_arrays(shallow):
    e = shallow.estimate(4)
    np.testing.assert_array_equal(e.mean_estimate.value, e.mean)
    np.testing.assert_array_equal(e.mean_estimate.error, e.stderr)
    np.testing.assert_array_equal(e.delta_estimate.value, e.delta)
    np.testing.assert_array_equal(e.deviation_estimate.value, e.deviation)
    np.testing.assert_array_equal(e.deviation_estimate.error, e.deviation_stderr)
    np.testing.assert_array_equal(e.mean_estimate.z(e.reference), e.z)
    assert e.mean_estimate.n_samples == shallow.n_bags
    # the bag statistics by hand (independent of numeric.statistics)
    bags = shallow.bag_stats[4]["sum"] / shallow.n_nets
    np.testing.assert_allclose(e.stderr, bags.std(axis=1, ddof=1) / np.sqrt(3), rtol=1e-14)
    q = quartic_couplings(shallow, cutoff=1.0)
    np.testing.assert_array_equal(q.average_estimate.value, q.average)
    np.testing.assert_array_equal(q.mean_estimate.error, q.stderr)


def test_our_own_code_uses_no_deprecated_name(deep, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        res = measure(ReLUNet(depth=2), [3, 9], PTS, rng=5, **KW)
        res.summary(), res.rows(), res.to_json(tmp_path / "g.json"), res.to_csv(tmp_path / "g.csv")
        plot_deviations(res, 4), plot_deviation_histograms(res, 4)
        quartic_couplings(res, cutoff=1.0)
        run_study(ReLUNet(depth=2), tmp_path / "s", "relu", [2, 4], PTS, orders=(4,), n_bags=2,
                  n_nets=200, progress=False, figures=True)


def test_coupling_reference_names_and_their_deprecated_aliases():
    res = measure(ReLUNet(), [3], PTS, orders=(4, 6), n_bags=3, n_nets=400, rng=2)
    q = quartic_couplings(res, cutoff=1.0)
    s6 = numeric.sextic_couplings(res, q, cutoff=1.0)
    for obj, pairs in ((q, (("exact", "reference"), ("average_exact", "average_reference"))),
                       (s6, (("exact", "reference"), ("average_exact", "average_reference"),
                             ("connected_exact", "connected_reference")))):
        assert obj.reference_kind == "exact"
        for old, new in pairs:
            with pytest.warns(DeprecationWarning, match=f"'{old}' is deprecated, use '{new}'"):
                assert getattr(obj, old) is getattr(obj, new)
