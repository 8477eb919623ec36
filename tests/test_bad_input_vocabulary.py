"""Bad input to numeric.Estimate and to the rng / deprecated keywords: clear errors naming the
parameter (issue 13)."""
import numpy as np
import pytest

from nnqft_sym import ReLUNet
from numeric import Estimate, measure

PTS = [0.3, 0.7, 1.1]
KW = {"orders": (2, 4), "n_bags": 3, "n_nets": 400}


def test_from_samples_needs_two_samples():
    with pytest.raises(ValueError, match="at least 2 samples"):
        Estimate.from_samples([1.0])
    with pytest.raises(ValueError, match="sample axis"):
        Estimate.from_samples(1.0)


def test_bad_construction():
    with pytest.raises(ValueError, match="broadcast"):
        Estimate(np.zeros(3), np.zeros(2))
    with pytest.raises(TypeError, match="value"):
        Estimate("a", 1.0)
    with pytest.raises(ValueError, match="n_samples must be an integer >= 1"):
        Estimate(1.0, 0.1, n_samples=0)
    with pytest.raises(TypeError, match="n_samples"):
        Estimate(1.0, 0.1, n_samples=2.5)


def test_two_estimates_do_not_add():
    e = Estimate(np.array([2.0, -4.0]), 0.5)
    with pytest.raises(TypeError, match="correlation"):
        e + e


@pytest.mark.parametrize("bad,error", [(-1, ValueError), ("1", TypeError), (1.5, TypeError),
                                       (True, TypeError)])
def test_bad_rng_names_the_parameter(bad, error):
    with pytest.raises(error, match="rng"):
        measure(ReLUNet(), [3], PTS, rng=bad, **KW)


def test_seed_and_rng_together_are_refused():
    with pytest.raises(TypeError, match="both 'rng' and its deprecated alias 'seed'"):
        measure(ReLUNet(), [3], PTS, rng=1, seed=1, **KW)


def test_unknown_table_column_is_a_key_error():
    row = measure(ReLUNet(), [3], PTS, rng=1, **KW).summary()[0]
    with pytest.raises(KeyError):
        row["no such column"]
