"""Both cores by default: bags on threads, bit-identical to a serial run (issue: speed)."""
from __future__ import annotations

import numpy as np
import pytest

import numeric
from nnqft_sym import ErfNet, GaussNet, ReLUNet
from numeric.distributed import check_scheduler, default_workers, run_tasks


def test_default_is_threads_on_every_core():
    assert check_scheduler() == (("serial", 1) if default_workers() == 1 else ("threads", default_workers()))
    assert check_scheduler("threads", 3) == ("threads", 3)
    assert check_scheduler("serial") == ("serial", 1)
    assert check_scheduler("tcp://10.0.0.1:8786") == ("tcp://10.0.0.1:8786", 1)


@pytest.mark.parametrize("net", [ErfNet(), ReLUNet(sigma_b=0), GaussNet(d_in=2)], ids=lambda n: n.name)
def test_threads_give_the_serial_numbers_bit_for_bit(net, tmp_path):
    pts = [[0.1, 0.2], [0.3, -0.1]] if net.d_in == 2 else [0.2, 0.5, 0.9]
    kwargs = dict(widths=[3, 150], points=pts, orders=(2, 4), n_bags=4, n_nets=600, rng=5, exact=False)
    serial = numeric.measure(net, scheduler="serial", **kwargs)
    threads = numeric.measure(net, scheduler="threads", workers=3, checkpoint_dir=tmp_path, **kwargs)
    default = numeric.measure(net, **kwargs)
    for res in (threads, default):
        for n in (2, 4):
            for key, value in serial.bag_stats[n].items():
                np.testing.assert_array_equal(value, res.bag_stats[n][key], err_msg=f"{n} {key}")
    resumed = numeric.measure(net, scheduler="threads", workers=2, checkpoint_dir=tmp_path, **kwargs)
    np.testing.assert_array_equal(resumed.bag_stats[4]["sum"], serial.bag_stats[4]["sum"])


def _fails_on_two(k: int) -> dict:
    if k == 2:
        raise ValueError("task 2 failed")
    return {"k": np.array([k])}


def test_an_error_in_a_thread_is_raised_with_its_message():
    with pytest.raises(ValueError, match="task 2 failed"):
        run_tasks(_fails_on_two, {k: (k,) for k in range(5)}, scheduler="threads", workers=2)
    out = run_tasks(_fails_on_two, {k: (k,) for k in (0, 1, 3)}, scheduler="threads", workers=2)
    assert [int(v["k"][0]) for v in out.values()] == [0, 1, 3]          # the order of the tasks
