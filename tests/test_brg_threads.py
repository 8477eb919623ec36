"""The BRG members and the reduction run with one BLAS thread (many small products, issue 22)."""
import numpy as np
import threadpoolctl

import numeric.bayesian_rg.experiment as experiment
from numeric.bayesian_rg import run_brg_experiment


def _blas_threads():
    return {i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"}


def test_members_and_reduction_use_one_blas_thread(monkeypatch):
    seen = []
    before = _blas_threads()

    def spy(name, func):
        def wrapped(*args, **kwargs):
            seen.append((name, _blas_threads()))
            return func(*args, **kwargs)
        monkeypatch.setattr(experiment, name, wrapped)

    spy("_member", experiment._member)
    spy("_reduce", experiment._reduce)
    small = dict(n_members=3, width=40, n_train=20, n_test=10, n_mc=500, progress=False)
    result = run_brg_experiment(**small)
    assert {name for name, _ in seen} == {"_member", "_reduce"}
    assert all(threads <= {experiment.BLAS_THREADS} for _, threads in seen)
    assert np.all(np.isfinite(result.test_loss))
    # the limit is lifted afterwards
    assert _blas_threads() == before
