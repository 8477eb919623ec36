"""Benchmark of the ensemble sampler (run by hand: ``python benchmarks/bench_sampling.py``).

Target (issue 3): 3 activations x 10 widths x 10^6 networks, orders 2, 4, 6 on 6 points, in
under 5 minutes on 2 cores and within 2x of the time NumPy needs to draw the same Gaussian
numbers.  Same as ``nnqft bench``; pass ``--help`` for the options.
"""
from nnqft_cli.bench import command

if __name__ == "__main__":
    command()
