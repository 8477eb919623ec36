r"""The parameters of one BRG run: :class:`BRGConfig` (validated, frozen, JSON round trip)."""
from __future__ import annotations

import dataclasses
import numbers
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from nnqft_sym.validation import check_integer

from ..sampling import as_seed_sequence, seed_from_state, seed_state
from ._common import check_choice, check_cutoffs, check_positive
from .features import FEATURE_KINDS, InputDistribution

__all__ = ["REFERENCE_SIZES", "BRGConfig"]

#: default sizes, after the public reference code (d = 2, width 2000, 200 train / 200 test)
REFERENCE_SIZES: dict[str, Any] = {"d_in": 2, "width": 2000, "n_train": 200, "n_test": 200,
                                   "n_members": 100}

#: counts and their minima
_COUNTS = {"n_members": 3, "width": 1, "n_train": 1, "n_test": 1, "gd_steps": 0, "n_modes": 1,
           "n_probes": 2, "n_fisher": 2, "n_fisher_members": 0, "n_mc": 10, "n_bootstrap": 0}


@dataclass(frozen=True)
class BRGConfig:
    r"""Every parameter of :func:`~numeric.bayesian_rg.run_brg_experiment`, checked on construction.

    The run is a pure function of the configuration: equal configurations give bit-identical
    results (the seed is resolved once, here).  Where the ensemble members run (scheduler,
    workers, checkpoints, progress bar) is not part of it: it never changes the result.

    Parameters
    ----------
    n_members : int >= 3
        Ensemble size.
    width : int >= 1
        Number of features N.
    cutoffs : sequence of float > 0, optional
        Increasing information cutoffs :math:`\Lambda` (stored as a tuple); default: 25
        log-spaced values from 1/30 of the 1st percentile of the first member's Fisher
        spectrum to 3 times its maximum.
    features : {"relu", "cos"}
        Frozen ReLU-net feature map, or the generalised cos-net with a free-scalar spectrum.
    n_train, n_test : int >= 1
        Training and test points (same data for every member).
    inputs : InputDistribution, optional
        Default (:attr:`input_distribution`): ReLU -> reference inputs ``N((1, 1), I)``;
        cos -> ``box`` centre 0, half-width 3 (information = momentum up to
        :math:`O(1/(|w| s))` corrections for :math:`|w| \gtrsim 1`).
    noise_std : float > 0
        :math:`\sigma_n`, the label noise and the width of the Gaussian likelihood.
    training : {"ridge", "gd"}
        Posterior mean, or ``gd_steps`` (int >= 0) of plain gradient descent from a prior draw.
    gd_steps : int >= 0
    reset : {"prior", "mean"}
        Reset sloppy weights to a prior draw or to 0.
    sigma_w, mass, radius : float > 0
        Output scale, free-scalar mass and UV cutoff of the spectrum (cos, and the target).
    sigma_b : float >= 0
        ReLU bias scale.
    n_modes : int >= 1
        Sinusoids in the target.
    n_probes : int >= 2
        Probe points :math:`x_0 + i\,\delta\,e_1` of the 2-point function.
    probe_spacing : float > 0
        :math:`\delta`.
    threshold : float > 0
        Relative rise of the test loss that defines :math:`\Lambda_c`.
    target_cutoff : float > 0
        Target frequencies come from the free-scalar spectrum restricted to this radius.
    n_fisher : int >= 2
        Independent inputs of the analytic-vs-empirical Fisher check.
    n_fisher_members : int >= 0
        Members that run the check (the first ones).
    n_mc : int >= 10
        Fresh first-layer draws for the shell-propagator predictions.
    n_bootstrap : int >= 0
        Bootstrap resamples of members for the error of :math:`\Lambda_c`.
    seed : int >= 0, SeedSequence, Generator or None
        ``None`` and a Generator are resolved to fixed entropy on construction, a SeedSequence
        without spawn key (and default pool size) to its entropy, an int giving the same
        stream; member ``m`` draws from child ``3 + m``.

    Raises
    ------
    TypeError
        A count that is not an integer, a number that is not real, ``inputs`` that is not an
        :class:`InputDistribution`, cutoffs or seed of the wrong type.
    ValueError
        A value out of range; the message names the parameter and the allowed range.

    Examples
    --------
    >>> cfg = BRGConfig(n_members=4, width=50, features="cos")
    >>> cfg.input_distribution.kind, cfg.noise_std
    ('box', 0.1)
    >>> BRGConfig.from_dict(cfg.to_dict()).to_dict() == cfg.to_dict()
    True
    >>> BRGConfig(width=0)
    Traceback (most recent call last):
    ...
    ValueError: width must be an integer >= 1, got 0
    """

    n_members: int = 100
    width: int = 2000
    cutoffs: tuple[float, ...] | None = None
    features: str = "relu"
    n_train: int = 200
    n_test: int = 200
    inputs: InputDistribution | None = None
    noise_std: float = 0.1
    training: str = "ridge"
    gd_steps: int = 1000
    reset: str = "prior"
    sigma_w: float = 1.0
    sigma_b: float = 1.0
    mass: float = 1.0
    radius: float = 4.0
    n_modes: int = 8
    n_probes: int = 7
    probe_spacing: float = 0.4
    threshold: float = 0.1
    target_cutoff: float = 2.0
    n_fisher: int = 2000
    n_fisher_members: int = 10
    n_mc: int = 100_000
    n_bootstrap: int = 200
    seed: Any = 0

    def __post_init__(self) -> None:
        def put(name: str, value: Any) -> None:
            object.__setattr__(self, name, value)

        for name, minimum in _COUNTS.items():
            put(name, check_integer(getattr(self, name), name, minimum))
        check_choice(self.features, "features", FEATURE_KINDS)
        check_choice(self.training, "training", ("ridge", "gd"))
        check_choice(self.reset, "reset", ("prior", "mean"))
        # noise_std and threshold are stored as floats; the other scales as given (their
        # JSON text enters the checkpoint plan of earlier versions unchanged)
        put("noise_std", check_positive(self.noise_std, "noise_std"))
        put("threshold", check_positive(self.threshold, "threshold"))
        for name in ("sigma_w", "mass", "radius", "probe_spacing", "target_cutoff"):
            check_positive(getattr(self, name), name)
        if isinstance(self.sigma_b, bool) or not isinstance(self.sigma_b, numbers.Real) \
                or not (np.isfinite(self.sigma_b) and self.sigma_b >= 0):
            raise ValueError(f"sigma_b must be a finite real number >= 0, got {self.sigma_b!r}")
        if self.inputs is not None and not isinstance(self.inputs, InputDistribution):
            raise TypeError(f"inputs must be an InputDistribution or None, got {self.inputs!r}")
        if self.cutoffs is not None:
            put("cutoffs", tuple(float(c) for c in check_cutoffs(self.cutoffs)))
        seq = as_seed_sequence(self.seed)
        plain = not seq.spawn_key and seq.pool_size == np.random.SeedSequence().pool_size
        put("seed", int(seq.entropy) if plain else seq)

    @property
    def input_distribution(self) -> InputDistribution:
        """:attr:`inputs`, or the default of the feature kind (see the class docstring)."""
        if self.inputs is not None:
            return self.inputs
        if self.features == "relu":
            return InputDistribution("gauss", 2, 1.0, 1.0)
        return InputDistribution("box", 2, 0.0, 3.0)

    @property
    def seed_sequence(self) -> np.random.SeedSequence:
        """The run's root SeedSequence."""
        return as_seed_sequence(self.seed)

    def replace(self, **changes: Any) -> BRGConfig:
        """A copy with ``changes`` (checked again); unknown names raise a ``TypeError`` listing the known ones.

        Examples
        --------
        >>> BRGConfig(n_members=5).replace(width=30).width
        30
        """
        _check_names(changes)
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly record of every parameter (inputs resolved, seed as its state).

        This is :attr:`BRGResult.config <numeric.bayesian_rg.BRGResult.config>` and the
        ``config`` of ``metadata.json``; :meth:`from_dict` inverts it.
        """
        record = {name: getattr(self, name) for name in (
            "n_members", "width", "features", "n_train", "n_test")}
        record["inputs"] = asdict(self.input_distribution)
        for name in ("noise_std", "training", "gd_steps", "reset", "sigma_w", "sigma_b", "mass",
                     "radius", "n_modes", "probe_spacing", "threshold", "target_cutoff",
                     "n_fisher", "n_fisher_members", "n_mc", "n_bootstrap"):
            record[name] = getattr(self, name)
        record["seed_state"] = seed_state(self.seed_sequence)
        record["n_probes"] = self.n_probes
        record["cutoffs"] = None if self.cutoffs is None else list(self.cutoffs)
        return record

    @classmethod
    def from_dict(cls, record: dict[str, Any]) -> BRGConfig:
        """Inverse of :meth:`to_dict`: ``from_dict(c.to_dict()).to_dict() == c.to_dict()``, and the
        run gives the same result (``inputs`` comes back explicit, the default resolved).  Also
        reads the ``config`` of results of earlier versions, which lack ``n_probes`` and
        ``cutoffs``: their defaults apply.

        Examples
        --------
        >>> cfg = BRGConfig(seed=np.random.SeedSequence(3).spawn(1)[0], n_members=3)
        >>> BRGConfig.from_dict(cfg.to_dict()).seed.spawn_key
        (0,)
        """
        if not isinstance(record, dict):
            raise TypeError(f"a BRG configuration record must be a dict, got {record!r}")
        values = dict(record)
        inputs = values.pop("inputs", None)
        if inputs is not None:
            values["inputs"] = inputs if isinstance(inputs, InputDistribution) \
                else InputDistribution(**inputs)
        if "seed_state" in values:
            seq = seed_from_state(values.pop("seed_state"))
            values["seed"] = seq if seq.spawn_key else int(seq.entropy)
        _check_names(values)
        return cls(**values)


def _check_names(values: dict[str, Any]) -> None:
    names = [f.name for f in dataclasses.fields(BRGConfig)]
    unknown = sorted(set(values) - set(names))
    if unknown:
        raise TypeError(f"unknown BRG parameter(s) {unknown}; the parameters are {names}")
