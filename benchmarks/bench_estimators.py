"""Precision per CPU second: plain against conditional estimator (run by hand).

``python benchmarks/bench_estimators.py`` prints, for ReLU, Erf and Gauss nets in their HMS
settings (arXiv:2008.08601) at N = 2, 10, 100, 1000 (depth 1) and N = 16, 64 (depth 3), the
variance of the combination-averaged Delta G^(4) and Delta G^(6) per network times the CPU time
per network, and the gain of the conditional estimator (numeric.conditional).  Target
(issue 14): >= 10^4 for Delta G^(4) and >= 100 for Delta G^(6) at N = 1000.  The same table as
``nnqft bench --estimators``; the numbers are in docs/numeric.md (about 3 minutes on one core).
"""
from nnqft_cli.bench import command

if __name__ == "__main__":
    archs = ["--arch", "relu", "--arch", "erf", "--arch", "gauss"]
    command.main(["--estimators", *archs, "--widths", "2,10,100,1000", "--budget", "1e6"],
                 standalone_mode=False)
    command.main(["--estimators", *archs, "--widths", "16,64", "--depths", "3", "--budget", "1e6"],
                 standalone_mode=False)
