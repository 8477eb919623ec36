"""Benchmark: deriving LPA beta functions and critical exponents (run by hand).

    python benchmarks/bench_rg.py                          # scan phi^16 .. phi^48, all settings
    python benchmarks/bench_rg.py --truncations 12 16 20 24 --exponents 14

Targets: issue 5, the flow up to phi^24 (truncation 12) in seconds; issue 22, phi^48
(truncation 24) in under 5 s.  The derivation differentiates the flow's right-hand side at the
expansion point by Faa di Bruno's formula, with the incomplete Bell polynomials from a memoised
recurrence in SymPy's sparse integer polynomial ring (``sympy.bell`` took 93 % of the time at
phi^32), and truncated polynomial arithmetic for the Polchinski flow; never ``sympy.series``.
The fixed-point search uses the complex-step Jacobian of the lambdified beta functions (no
symbolic differentiation of the large expressions).  Every truncation is derived from scratch
(the Bell table is cached per order, so a scan pays for each order once).
"""
from __future__ import annotations

import argparse
import time

import sympy as sp

from nnqft_sym.rg import critical_exponents, lpa_beta_functions

D = sp.Symbol("d", positive=True)
SETTINGS = [("wetterich", "litim", "minimum", D), ("wetterich", "litim", "zero", D),
            ("wetterich", "exponential", "minimum", 3), ("polchinski", None, "zero", D),
            ("polchinski", None, "minimum", D)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--truncations", type=int, nargs="+", default=[8, 12, 16, 20, 24])
    parser.add_argument("--exponents", type=int, default=14,
                        help="critical exponents (Litim, d = 3, about the minimum) up to this "
                             "truncation (the float64 continuation reaches 14)")
    args = parser.parse_args()
    print("derivation of the LPA flow, seconds (truncation N = phi^2N)")
    print("  setting                                 " + "".join(f"{f'phi^{2 * n}':>10s}"
                                                                 for n in args.truncations))
    for scheme, regulator, expansion, d in SETTINGS:
        row = []
        for n in args.truncations:
            start = time.perf_counter()
            lpa_beta_functions(d, n, regulator or "litim", expansion, scheme=scheme)
            row.append(time.perf_counter() - start)
        label = f"{scheme} {regulator or '-'} {expansion} d={d}"
        print(f"  {label:40s}" + "".join(f"{t:10.3f}" for t in row), flush=True)
    n = args.exponents
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
