"""Benchmark: deriving LPA beta functions and critical exponents (run by hand).

    python benchmarks/bench_rg.py                 # truncation 12 (phi^24), all settings
    python benchmarks/bench_rg.py --truncation 16

Target (issue 5): the flow up to phi^24 (truncation 12) derives in seconds, not minutes.
The derivation differentiates the flow's right-hand side at the expansion point by Faa di
Bruno's formula (incomplete Bell polynomials) and truncated polynomial arithmetic, never by
``sympy.series``.  The fixed-point search uses the complex-step Jacobian of the lambdified
beta functions (no symbolic differentiation of the large expressions).
"""
from __future__ import annotations

import argparse
import time

import sympy as sp

from nnqft_sym.rg import critical_exponents, lpa_beta_functions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--truncation", type=int, default=12)
    args = parser.parse_args()
    n = args.truncation
    d_sym = sp.Symbol("d", positive=True)
    print(f"derivation of the LPA flow up to phi^{2 * n} (truncation {n})")
    for scheme, regulator, expansion, d in [
            ("wetterich", "litim", "zero", d_sym), ("wetterich", "litim", "minimum", d_sym),
            ("wetterich", "exponential", "minimum", 3), ("polchinski", None, "zero", d_sym),
            ("polchinski", None, "minimum", d_sym)]:
        start = time.perf_counter()
        beta = lpa_beta_functions(d, n, regulator or "litim", expansion, scheme=scheme)
        elapsed = time.perf_counter() - start
        size = sum(sp.count_ops(b) for b in beta.beta.values())
        print(f"  {scheme:10s} {regulator or '-':11s} {expansion:7s} d={str(d):2s}: "
              f"{elapsed:7.3f} s  ({size} operations)")
    start = time.perf_counter()
    res = critical_exponents(3, n, "litim", "minimum")
    elapsed = time.perf_counter() - start
    print(f"critical exponents, Litim, d = 3, about the minimum, truncations 2..{n}: "
          f"{elapsed:.2f} s")
    for order, nu, omega in res.sequence:
        print(f"  N = {order:2d}: nu = {nu:.8f}  omega = {omega:.8f}")
    print("literature (Bervillier-Juttner-Litim 2007): nu = 0.649561773880, "
          "omega = 0.655745939193")


if __name__ == "__main__":
    main()
