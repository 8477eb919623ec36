"""float32 heavy-tail diagnostic sums (``tail_dtype="float32"``, plain estimator) against float64.

The estimates (``sum``) must stay bit-identical; ``sum_abs``, ``sum_sq`` and the diagnostics of
:func:`numeric.tail_diagnostics` must agree with float64 to the documented tolerance
(docs/numeric.md, "Heavy tails"), and the heavy-tail flags must be the same.
"""
import numpy as np
import pytest

from nnqft_sym import ErfNet, ReLUNet
from numeric import MonomialSums, measure, tail_diagnostics

#: documented agreement of the float32 diagnostics with float64 (relative)
SUMS_RTOL = 1e-5       # sum_abs, sum_sq, n_eff, n_eff_total
SPREAD_RTOL = 1e-4     # second_moment_spread (a variance over bags: differences amplified)


def sums(outputs, orders, dtype):
    acc = MonomialSums(outputs.shape[1], orders, tail_dtype=dtype)
    for start in range(0, len(outputs), 3000):       # several slabs, a partial last one
        acc.add(outputs[start:start + 3000])
    return acc.finish()


@pytest.mark.parametrize("scale", [1.0, 1e15, 1e-15])
def test_float32_tail_sums_match_float64_on_heavy_tails(scale):
    """Log-normal and Student-t outputs (heavy tails), orders 1..6, tiny and huge scales:
    the float32 products run on rows scaled by powers of two, so nothing over- or underflows."""
    rng = np.random.default_rng(4)
    out = np.concatenate([np.exp(1.5 * rng.standard_normal((5000, 2))),
                          rng.standard_t(3, (5000, 2)), rng.standard_normal((5000, 1))], axis=1)
    out *= scale
    ref, low = sums(out, (1, 2, 3, 4, 5, 6), "float64"), sums(out, (1, 2, 3, 4, 5, 6), "float32")
    for n in ref:
        np.testing.assert_array_equal(low[n]["sum"], ref[n]["sum"])
        for key in ("sum_abs", "sum_sq"):
            assert np.all(ref[n][key] > 0) and np.all(np.isfinite(ref[n][key]))
            np.testing.assert_allclose(low[n][key], ref[n][key], rtol=SUMS_RTOL, atol=0)


def test_float32_falls_back_to_float64_where_sums_vanish():
    """A point whose output is 0 on every network: its sums are exactly 0 either way."""
    rng = np.random.default_rng(5)
    out = rng.standard_normal((5000, 3))
    out[:, 1] = 0.0
    ref, low = sums(out, (2, 4), "float64"), sums(out, (2, 4), "float32")
    for n in ref:
        for key in ("sum", "sum_abs", "sum_sq"):
            np.testing.assert_allclose(low[n][key], ref[n][key], rtol=SUMS_RTOL, atol=0)
        assert np.array_equal(low[n]["sum_sq"] == 0, ref[n]["sum_sq"] == 0)


@pytest.mark.parametrize("net", [ReLUNet(), ErfNet()], ids=["relu", "erf"])
def test_float32_diagnostics_and_flags_agree_on_real_bags(net):
    """Plain bags at N = 2 (heavy tails: ReLU 6-point estimates are flagged) and N = 50:
    estimates bit-identical, diagnostics within the documented tolerance, same flags."""
    pts = [-1.0, -0.2, 0.6, 1.0]
    kw = dict(n_bags=4, n_nets=6000, rng=7, estimator="plain", exact=False, scheduler="serial")
    ref = measure(net, [2, 50], pts, (2, 4, 6), tail_dtype="float64", **kw)
    low = measure(net, [2, 50], pts, (2, 4, 6), tail_dtype="float32", **kw)
    flagged = 0
    for n in (2, 4, 6):
        a, b = ref.estimate(n), low.estimate(n)
        np.testing.assert_array_equal(a.mean, b.mean)
        np.testing.assert_array_equal(a.stderr, b.stderr)
        np.testing.assert_array_equal(a.heavy_tail, b.heavy_tail)
        flagged += int(a.heavy_tail.sum())
        da = tail_diagnostics(ref.bag_stats[n], 6000)
        db = tail_diagnostics(low.bag_stats[n], 6000)
        for x, y, rtol in zip(da, db, (SUMS_RTOL, SUMS_RTOL, SPREAD_RTOL)):
            np.testing.assert_allclose(y, x, rtol=rtol, atol=0)
    if isinstance(net, ReLUNet):
        assert flagged > 0       # the comparison includes flagged estimates


def test_tail_dtype_bad_values_raise():
    with pytest.raises(ValueError, match="tail_dtype must be one of"):
        MonomialSums(2, (2,), tail_dtype="float16")
    with pytest.raises(ValueError, match="tail_dtype must be one of"):
        measure(ReLUNet(), [2], [0.5], (2,), n_bags=2, n_nets=10, estimator="plain",
                exact=False, tail_dtype="half")
    with pytest.raises(ValueError, match="needs estimator='plain'"):
        measure(ReLUNet(), [2], [0.5], (2,), n_bags=2, n_nets=10, estimator="conditional",
                exact=False, tail_dtype="float32")
