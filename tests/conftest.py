"""Shared test configuration: tolerances live in one place (see :mod:`tests.tolerances`)."""
import os

import matplotlib

matplotlib.use("Agg")
os.environ.setdefault("MPLBACKEND", "Agg")
