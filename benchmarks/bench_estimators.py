"""Precision per CPU second: plain against conditional estimator (run by hand).

``python benchmarks/bench_estimators.py`` prints, for ReLU, Erf and Gauss nets in their HMS
settings (arXiv:2008.08601) at N = 2, 10, 100, 1000 (depth 1) and N = 16, 64 (depth 3), the
variance of the combination-averaged Delta G^(4) and Delta G^(6) per network times the CPU time
per network, and the gain of the conditional estimator (numeric.conditional).  Target
(issue 14): >= 10^4 for Delta G^(4) and >= 100 for Delta G^(6) at N = 1000.  The same table as
``nnqft bench --estimators``; the numbers are in docs/numeric.md.
"""
from nnqft_cli.bench import _estimator_table

if __name__ == "__main__":
    _estimator_table(("relu", "erf", "gauss"), (2, 10, 100, 1000), (1,), 1e6)
    _estimator_table(("relu", "erf", "gauss"), (16, 64), (3,), 1e6)
