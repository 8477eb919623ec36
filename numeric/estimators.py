r"""Experimental Green functions of network ensembles, with errors and heavy-tail diagnostics.

Following HMS (arXiv:2008.08601) and ELS (arXiv:2108.01403), the ensemble is split into
``n_bags`` bags of ``n_nets`` networks; in each bag

.. math:: G^{(n)}_{exp}(x_{i_1}..x_{i_n}) = \frac{1}{n_{nets}} \sum_\alpha f_\alpha(x_{i_1})\cdots f_\alpha(x_{i_n})

is measured at every multiset of the points in one streaming pass (:mod:`numeric.monomials`);
by default (``estimator="conditional"``) the product of outputs is replaced by its conditional
expectation given the last hidden layer minus a control variate of mean zero
(:mod:`numeric.conditional`), which estimates the same :math:`G^{(n)}` without bias.
The estimate is the mean over bags, its error the standard deviation over bags divided by
:math:`\sqrt{n_{bags}}`.  :math:`\Delta G = \bar G_{exp} - G_0`, :math:`m_n = \Delta G/G_0`,
and the z-score compares the measurement with the exact finite-width value
(:func:`nnqft_sym.delta_green_series`).

Error bars.  The bags are independent, so :math:`z = (\bar G - G_{ref})/\mathrm{stderr}` is
a Student-t statistic with ``n_bags - 1`` degrees of freedom: the 95 % interval is
``mean ± critical_value * stderr`` (:func:`numeric.statistics.critical_value`, 2.26 for
10 bags, 2.09 for 20) and ``p_value`` the two-sided t p-value.  With the normal 1.96 an
interval from 10 bags of Gaussian bag means covers 91.8 %, from 20 bags 93.5 %.  The
coverage measured over 100 seeds is in ``docs/numeric.md`` ("Error bars that cover").

Heavy tails.  Gauss-net features are log-normal and ReLU-net outputs at small width have
heavy tails, so high monomials can be dominated by a handful of networks; a typical ensemble
then misses them, and its mean *and* its error bar are both too small (the t interval
undercovers: ReLU N = 2, 6-point, covers 82-92 % instead of 95 %).  Two diagnostics per
multiset, computed from the per-bag sums alone (so for any estimator whose bags carry
``sum``, ``sum_abs``, ``sum_sq`` of per-network contributions :math:`t`):

* Kish's effective number of networks :math:`n_{eff} = (\sum|t|)^2/\sum t^2` of each bag
  (``n_eff``: the smallest over bags; ``n_eff_total``: of the whole ensemble).  It is
  :math:`n_{nets}` when all terms are equal and 1 when one network carries the sum; for
  light tails it grows like :math:`n_{nets}` (a Gaussian output gives
  :math:`0.086\, n_{nets}` at n = 4, :math:`0.022\, n_{nets}` at n = 6), for heavy tails it
  stays small.
* ``second_moment_spread``: the relative variance over bags of the per-bag mean of
  :math:`t^2`, an estimate of :math:`(E t^4/(E t^2)^2 - 1)/n_{nets}`, i.e. how uncertain a
  bag's own variance is (the excess kurtosis of a bag mean, up to mean terms).  For light
  tails it falls like :math:`1/n_{nets}`, for heavy tails it stays of order one.

An estimate is flagged ``heavy_tail`` when ``n_eff`` is below ``HEAVY_TAIL_MIN_NEFF`` (8) or
below ``HEAVY_TAIL_MIN_NEFF_FRACTION`` (0.002) of the networks of a bag (its mean square of
:math:`t` exceeds 500 times the squared mean of :math:`|t|`; a Gaussian output's 6-point
monomial gives 46), or when ``second_moment_spread > HEAVY_TAIL_MAX_SPREAD`` (1.5), or at a
point whose features underflow (:func:`feature_underflow`).  The thresholds are calibrated on the coverage of
100 seeds (``docs/numeric.md``): the flag fires on 74-100 % of the ensembles of the
configurations whose intervals undercover and on at most about a third of those that cover.
Within one configuration a flagged ensemble is, if anything, *more* likely to cover (it saw
the rare networks, so its error bar is large): the flag marks configurations, not seeds.

:func:`run_bag` is a pure function of JSON-friendly arguments (architecture description,
width, points, seed state): one bag is one task, and :func:`measure` drives the bags,
optionally checkpointing every finished bag atomically so that an interrupted run resumes;
the bags run serially, on a local Dask cluster or on a remote one (:mod:`numeric.distributed`).
"""
from __future__ import annotations

import contextlib
import csv
import functools
import io
import json
import numbers
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

from nnqft_sym.architectures import Network, from_description
from nnqft_sym.deep import leading_delta_green, leading_free_green
from nnqft_sym.errors import CheckpointError
from nnqft_sym.neuron_sums import free_green_general, green_general, series_in_inverse_width
from nnqft_sym.priors import SphericalReadout
from nnqft_sym.validation import as_points, check_integer, check_width

from ._deprecation import deprecated_attribute, renamed_keywords, warn_renamed
from .conditional import PLAIN, check_estimator, conditional_bag_sums
from .monomials import SLAB_NETS, STATISTICS, MonomialSums, check_tail_dtype, point_multisets
from .sampling import (BLOCK_ELEMENTS, DEFAULT_CHUNK_NETS, GRAM_MIN_WIDTH, MAX_BLOCK_NETS,
                       STREAM_VERSION,
                       _check_request, as_seed_sequence, child_seeds, iter_output_chunks,
                       seed_from_state, seed_state)
from .distributed import check_scheduler, run_tasks
from .exact_cache import cached_exact_piece, store_exact_piece
from .statistics import DEFAULT_CONFIDENCE, Estimate, critical_value, two_sided_p_value
from .storage import checkpoint_folder, load_json, load_npz, load_sealed, save_json, \
    save_npz, save_sealed

__all__ = [
    "HEAVY_TAIL_MIN_NEFF",
    "HEAVY_TAIL_MAX_SPREAD",
    "HEAVY_TAIL_MIN_NEFF_FRACTION",
    "UNDERFLOW_NEURONS",
    "feature_underflow",
    "tail_diagnostics",
    "heavy_tail_flag",
    "network_from_description",
    "bag_seed_states",
    "run_bag",
    "exact_green_functions",
    "free_values",
    "OrderEstimate",
    "GreenMeasurement",
    "measure",
    "measure_sweep",
    "exact_kind",
    "reference_kind",
    "REFERENCE_EXACT",
    "REFERENCE_LEADING_ORDER",
]

#: flag an estimate when its smallest per-bag effective number of networks is below this
#: (100 before nnqft 0.4, which flagged every light-tailed 6-point estimate of < 5000 networks)
HEAVY_TAIL_MIN_NEFF = 8.0
#: ... or below this fraction of the networks per bag: a bag's mean square of the contributions
#: exceeds 500 times their squared mean modulus (a Gaussian output's 6-point monomial: 46)
HEAVY_TAIL_MIN_NEFF_FRACTION = 0.002
#: flag an estimate when the relative variance over bags of the per-bag mean square exceeds this
HEAVY_TAIL_MAX_SPREAD = 1.5
#: relative floor of a standard error: the rounding of the bag sums (an exact estimate such as
#: the conditional G^(2) of one hidden layer has zero spread)
ROUNDING_ERROR = 1e-12
#: first-layer neurons drawn by :func:`feature_underflow`
UNDERFLOW_NEURONS = 4096
#: combinations of points per piece of the exact-value cache
EXACT_PIECE = 64


# ---------------------------------------------------------------------- tasks
def network_from_description(description: dict[str, Any]) -> Network:
    """Deprecated alias of :func:`nnqft_sym.from_description` (removed in the next release).

    Examples
    --------
    >>> import warnings
    >>> from nnqft_sym import GaussNet
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", DeprecationWarning)
    ...     network_from_description(GaussNet(sigma_w=2).describe())
    GaussNet(sigma_w=2, sigma_b=1, d_in=1, depth=1, d_out=1)
    """
    warnings.warn("numeric.network_from_description is deprecated; use nnqft_sym.from_description",
                  DeprecationWarning, stacklevel=2)
    return from_description(description)


@functools.lru_cache(maxsize=32)
def _cached_network(key: str) -> Network:
    """One network (and its lambdified functions) per description and worker process."""
    return from_description(json.loads(key))


def _as_network(net: Any) -> Network:
    if isinstance(net, Network):
        return net
    if isinstance(net, dict):
        return _cached_network(json.dumps(net, sort_keys=True))
    raise TypeError(f"net must be an nnqft_sym.Network or its describe() dict, got {type(net).__name__}")


@renamed_keywords(seed="rng")
def bag_seed_states(rng: Any, width: int, n_bags: int) -> list[dict[str, Any]]:
    """Seed states of the bags at one width: children of ``SeedSequence(rng, key + (width,))``.

    ``rng`` is an int, SeedSequence, Generator or None (:func:`numeric.as_seed_sequence`;
    ``seed=`` is its deprecated alias).

    Keyed by the width itself, so a bag's stream does not depend on which other widths run.

    Examples
    --------
    >>> bag_seed_states(3, 10, 2)[1]
    {'entropy': 3, 'spawn_key': [10, 1]}
    """
    root = as_seed_sequence(rng, "rng")
    per_width = np.random.SeedSequence(root.entropy, spawn_key=tuple(root.spawn_key) + (int(width),),
                                       pool_size=root.pool_size)
    return [seed_state(s) for s in child_seeds(per_width, n_bags)]


def run_bag(description: Any, width: int, points: Any, n_nets: int, seed_state: dict[str, Any],
            orders: Sequence[int] = (2, 4, 6), chunk_size: int = DEFAULT_CHUNK_NETS,
            estimator: str | None = None, tail_dtype: str = "float64") -> dict[str, np.ndarray]:
    """Measure one bag: the monomial (or conditional) sums of ``n_nets`` networks (a pure function).

    Parameters
    ----------
    description : dict or Network
        ``net.describe()`` (JSON-friendly, what a remote task receives) or the network.
    width, points, n_nets : as in :func:`numeric.sample_outputs`.
    seed_state : dict
        From :func:`bag_seed_states` (``{"entropy", "spawn_key"}``).
    orders : sequence of int
        Correlator orders.
    chunk_size : int
        Streaming chunk (memory only; the result does not depend on it; the conditional
        estimator streams one stream block at a time).
    estimator : {"plain", "conditional"} or None
        ``"plain"``: sums of the output monomials; ``"conditional"``: the sums of
        :class:`numeric.conditional.ConditionalSums` (``sum / n_nets`` estimates the same
        G^(n); ``sum_abs``, ``sum_sq`` are those of the Delta G terms); ``None``: the best
        valid one (as :func:`measure`).
    tail_dtype : {"float64", "float32"}
        Precision of the heavy-tail diagnostic sums ``sum_abs``, ``sum_sq`` of the plain
        estimator (:class:`numeric.MonomialSums`; ``sum`` is float64 either way).

    Returns
    -------
    dict of str to numpy.ndarray
        ``"n_nets"`` and, for each order n and statistic s in ``sum, sum_abs, sum_sq``,
        ``f"{s}_{n}"`` of shape ``(n_combos,)`` over the multisets of
        :func:`numeric.point_multisets`.  For ``d_out > 1`` the monomials are those of output
        component 0 (the components are exchangeable, and the single-component formulas of
        ``nnqft_sym`` apply to one component).

    Examples
    --------
    >>> from nnqft_sym import ErfNet
    >>> out = run_bag(ErfNet().describe(), 5, [0.0, 0.5], 500, bag_seed_states(1, 5, 1)[0], (2,))
    >>> out["sum_2"].shape, int(out["n_nets"])
    ((3,), 500)
    """
    net = _as_network(description)
    orders = _check_orders(orders)
    estimator = check_estimator(estimator, net)
    _check_tail_dtype(tail_dtype, estimator)
    pts = as_points(points, net.d_in)
    if estimator == PLAIN:
        acc = MonomialSums(pts.shape[0], orders, tail_dtype)
        for chunk in iter_output_chunks(net, width, pts, n_nets, seed_from_state(seed_state),
                                        chunk_size):
            acc.add(chunk if chunk.ndim == 2 else chunk[..., 0])    # d_out > 1: component 0
        sums = acc.finish()
    else:
        width, pts, n_nets, _ = _check_request(net, width, pts, n_nets, chunk_size)
        sums = conditional_bag_sums(net, width, pts, n_nets, seed_from_state(seed_state), orders)
    out = {"n_nets": np.array(n_nets)}
    for n in orders:
        for s in STATISTICS:
            out[f"{s}_{n}"] = sums[n][s]
    return out


def _check_tail_dtype(tail_dtype: Any, estimator: str) -> None:
    """``tail_dtype`` is "float64" or "float32", and "float32" only for the plain estimator (the
    conditional sums' |t| and t^2 reductions measured no faster in float32)."""
    if check_tail_dtype(tail_dtype) != "float64" and estimator != PLAIN:
        raise ValueError(f"tail_dtype={tail_dtype!r} needs estimator='plain' (the conditional "
                         "estimator's diagnostic sums are not faster in float32), got "
                         f"estimator={estimator!r}")


def _check_orders(orders: Any) -> tuple[int, ...]:
    """Correlator orders: integers >= 1, odd ones included (they vanish exactly for a centred
    network and are non-zero with read-out means)."""
    if isinstance(orders, (numbers.Integral, str)) or not isinstance(orders, Iterable):
        raise TypeError(f"orders must be a sequence of integers >= 1, got {orders!r}")
    out = tuple(sorted({check_integer(n, "order", 1) for n in orders}))
    if not out:
        raise ValueError("orders must hold at least one integer >= 1")
    return out


# ---------------------------------------------------------------------- exact values
def exact_green_functions(net: Network, widths: Sequence[int], points: Any, order: int
                          ) -> tuple[np.ndarray, np.ndarray]:
    """Free values ``(n_combos,)`` and exact G^(n) ``(n_widths, n_combos)`` at all multisets.

    One hidden layer: the exact 1/N series of :func:`nnqft_sym.delta_green_series` (computed
    once for all widths).  Deeper networks have no exact finite-width formula: the values are
    then the leading order in 1/N, ``G_0 + leading_delta_green(net, combos) / N``
    (:func:`nnqft_sym.deep.leading_delta_green`; see :func:`reference_kind`).  For ``d_out > 1``
    they are those of one output component.

    Examples
    --------
    >>> from nnqft_sym import GaussNet
    >>> g0, g = exact_green_functions(GaussNet(), [10], [0.0], 4)
    >>> float(g0[0]), round(float(g[0, 0] - g0[0]), 6)   # 3 K^2 and 3 (e^4 - 1) / 10
    (12.0, 16.079445)
    """
    pts = as_points(points, net.d_in)
    combos = pts[point_multisets(pts.shape[0], order)]          # (n_combos, n, d_in)
    if _width_by_width(net):
        return _values_at_widths(net, combos, widths)
    return _at_widths(*_exact_series(net, combos), widths)


def _width_by_width(net: Network) -> bool:
    """True when the exact values are no polynomial in 1/N (a spherical read-out): computed at
    each width (:func:`nnqft_sym.green_general`) instead of from the 1/N series."""
    return isinstance(net.priors.readout_weights, SphericalReadout)


def _values_at_widths(net: Network, combos: np.ndarray, widths: Sequence[int]
                      ) -> tuple[np.ndarray, np.ndarray]:
    exact = np.stack([np.asarray(green_general(net, combos, int(w)), float).reshape(len(combos))
                      for w in widths])
    return free_values(net, combos), exact


def _exact_series(net: Network, combos: np.ndarray) -> tuple[np.ndarray, dict[int, np.ndarray]]:
    """G_0 and the coefficients of 1/N^k at the given combinations (width-independent)."""
    free = free_values(net, combos)
    if net.has_exact_finite_width and not net.priors.readout_is_centred_gaussian:
        series = series_in_inverse_width(net, combos)
    else:
        series = (net.delta_green_series(combos) if net.has_exact_finite_width
                  else {1: leading_delta_green(net, combos)})
    return free, {int(k): np.broadcast_to(np.asarray(c, float), free.shape)
                  for k, c in series.items()}


def free_values(net: Network, combos: np.ndarray) -> np.ndarray:
    """G_0 ``(n_combos,)`` at point combinations ``(n_combos, n, d_in)``: the infinite-width
    Gaussian process, with the exact mean when the read-out has one (odd orders of a centred
    network: 0).

    Examples
    --------
    >>> from nnqft_sym import ReLUNet
    >>> net = ReLUNet(sigma_b=0).with_priors(readout_bias={"mean": 2})
    >>> free_values(net, np.array([[[1.0]]])).tolist(), free_values(ReLUNet(), np.array([[[1.0]]])).tolist()
    ([2.0], [0.0])
    """
    if net.has_exact_finite_width and not net.priors.readout_is_centred_gaussian:
        return np.asarray(free_green_general(net, combos), dtype=float)   # mean terms included
    if net.depth > 1 and not all(p.is_centred for p in net.priors.groups().values()):
        return np.asarray(leading_free_green(net, combos), dtype=float)   # deep: mean-field G_0
    return np.asarray(net.free_green(combos), dtype=float)


def _at_widths(free: np.ndarray, series: dict[int, np.ndarray], widths: Sequence[int]
               ) -> tuple[np.ndarray, np.ndarray]:
    inv = 1.0 / np.asarray(widths, dtype=float)[:, None]
    exact = np.repeat(free[None, :], len(inv), axis=0)
    for k, c in series.items():
        exact += c[None, :] * inv ** k
    return free, exact


#: :func:`reference_kind` of one hidden layer: the exact finite-width series
REFERENCE_EXACT = "exact"
#: :func:`reference_kind` of deeper networks: G_0 + c_1 / N only
REFERENCE_LEADING_ORDER = "leading order in 1/N"
#: the labels of the former ``exact_kind`` (still in checkpoints and ``metadata()["exact_values"]``)
_EXACT_VALUES_LABEL = {REFERENCE_EXACT: "exact finite-width",
                       REFERENCE_LEADING_ORDER: REFERENCE_LEADING_ORDER}


def reference_kind(description: dict[str, Any]) -> str:
    """What the reference values of a network description are: ``"exact"`` (one hidden layer,
    the exact 1/N series) or ``"leading order in 1/N"`` (deeper networks).

    Examples
    --------
    >>> from nnqft_sym import ReLUNet
    >>> reference_kind(ReLUNet().describe()), reference_kind(ReLUNet(depth=2).describe())
    ('exact', 'leading order in 1/N')
    """
    return REFERENCE_EXACT if int(description.get("depth", 1)) == 1 else REFERENCE_LEADING_ORDER


def exact_kind(description: dict[str, Any]) -> str:
    """Deprecated: :func:`reference_kind` (this returns the former labels ``"exact
    finite-width"`` / ``"leading order in 1/N"``)."""
    warn_renamed("exact_kind", "reference_kind", "numeric", stacklevel=3)
    return _EXACT_VALUES_LABEL[reference_kind(description)]


@renamed_keywords(seed="rng")
def feature_underflow(net: Network, points: Any, rng: Any = 0) -> np.ndarray:
    r"""Points at which the first-layer features cannot be sampled: ``(P,)`` bool.

    Draws :data:`UNDERFLOW_NEURONS` first-layer neurons and flags a point when their
    :math:`\sum_i g_i(x)^2` (what the kernel averages) is zero or subnormal (every feature
    underflows), or when a single neuron carries more than 99% of it.  There the sample
    cannot represent :math:`E[g^2]` (a Gauss-net at :math:`\sigma_W^2 x^2 \gg 1`: the
    normalised features :math:`e^{z - s}` are all 0 or vanishingly small while their mean
    is carried by draws that never occur), so the measured Green functions are silently
    too small while the output-level :math:`n_{eff}` looks healthy (the output is then the
    Gaussian bias).  For deep networks the first hidden layer is checked.

    Parameters
    ----------
    net : Network
        Numeric architecture.
    points : array_like
        ``(P, d_in)`` inputs (``(P,)`` for d_in = 1).
    rng : int, SeedSequence, Generator or None
        Stream of the diagnostic neurons (:func:`measure` uses one independent of its bags;
        :func:`numeric.as_seed_sequence`).  ``seed=`` is a deprecated alias.

    Returns
    -------
    numpy.ndarray
        ``(P,)`` bool, True where the features underflow.

    Examples
    --------
    >>> from nnqft_sym import GaussNet, ReLUNet
    >>> feature_underflow(GaussNet(), [0.01, 1e3]).tolist(), feature_underflow(ReLUNet(), [1e3]).tolist()
    ([False, True], [False])
    """
    pts = as_points(points, net.d_in)
    w, b = net.sample_first_layer(np.random.default_rng(as_seed_sequence(rng, "rng")),
                                  (UNDERFLOW_NEURONS,))
    with np.errstate(under="ignore", over="ignore", invalid="ignore"):
        g2 = np.asarray(net.features(w, b, pts), float) ** 2        # (M, P)
        total = g2.sum(axis=0)
        share = g2.max(axis=0) / total
    return ~(np.isfinite(total) & (total >= np.finfo(float).tiny)) | ~(share <= 0.99)


def _diagnostic_seed(root: np.random.SeedSequence) -> np.random.SeedSequence:
    """Stream of :func:`feature_underflow` in a measurement: key ``(..., 0)``, never a bag's
    (bags use ``(..., width, bag)`` with width >= 1)."""
    return np.random.SeedSequence(root.entropy, spawn_key=tuple(root.spawn_key) + (0,),
                                  pool_size=root.pool_size)


# ---------------------------------------------------------------------- heavy tails
def tail_diagnostics(bag_stats: dict[str, np.ndarray], n_nets: int
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Heavy-tail diagnostics of per-bag sums ``{"sum_abs", "sum_sq": (..., n_bags, k)}``.

    Parameters
    ----------
    bag_stats : dict
        Per-bag sums of :math:`|t|` and :math:`t^2` over the networks of each bag, the bag
        axis second to last (as :attr:`GreenMeasurement.bag_stats` of one order).
    n_nets : int
        Networks per bag.

    Returns
    -------
    n_eff, n_eff_total, second_moment_spread : numpy.ndarray
        The smallest per-bag Kish :math:`(\sum|t|)^2/\sum t^2`, the Kish number of all bags
        together, and the relative variance over bags of ``sum_sq / n_nets`` (module
        docstring), each with the bag axis removed.

    Examples
    --------
    >>> sums = {"sum_abs": np.array([[4.0], [4.0]]), "sum_sq": np.array([[4.0], [16.0]])}
    >>> [x.tolist() for x in tail_diagnostics(sums, 4)]
    [[1.0], [3.2], [0.72]]
    """
    abs_sum, sq_sum = np.asarray(bag_stats["sum_abs"], float), np.asarray(bag_stats["sum_sq"], float)
    with np.errstate(divide="ignore", invalid="ignore"):
        n_eff = (abs_sum ** 2 / sq_sum).min(axis=-2)
        n_eff_total = abs_sum.sum(axis=-2) ** 2 / sq_sum.sum(axis=-2)
        m2 = sq_sum / float(n_nets)
        spread = m2.var(axis=-2, ddof=1) / m2.mean(axis=-2) ** 2
    return n_eff, n_eff_total, spread


def _relative_to_free(delta: Estimate, free: np.ndarray, combos: np.ndarray, points: np.ndarray,
                      order: int) -> Estimate:
    """m_n = Delta G / G_0 per combination; where G_0 = 0 (f(x) = 0 identically, e.g. ReLU at
    sigma_b = 0 and x = 0, or an odd order of a centred network) it is undefined: NaN there,
    with a warning naming the points."""
    zero = free == 0
    if np.any(zero):
        where = points[combos[np.argwhere(zero)[0][-1]]][:, 0].tolist() if points.shape[1] == 1 \
            else points[combos[np.argwhere(zero)[0][-1]]].tolist()
        warnings.warn(f"m_{order} = Delta G / G_0 is undefined at {int(zero.sum())} point "
                      f"combination(s), e.g. {where}: G_0 = 0 there (f vanishes identically, or "
                      "an odd order of a centred network); their deviation is NaN, use delta",
                      RuntimeWarning, stacklevel=4)
    safe = np.where(zero, 1.0, free)
    return Estimate(np.where(zero, np.nan, delta.value / safe),
                    np.where(zero, np.nan, delta.error / np.abs(safe)), delta.n_samples)


def heavy_tail_flag(n_eff: Any, second_moment_spread: Any, n_nets: int) -> np.ndarray:
    """``n_eff < max(HEAVY_TAIL_MIN_NEFF, HEAVY_TAIL_MIN_NEFF_FRACTION * n_nets)`` or
    ``second_moment_spread > HEAVY_TAIL_MAX_SPREAD`` (calibrated on the coverage of the t
    intervals, module docstring); NaN never flags.

    Examples
    --------
    >>> heavy_tail_flag([3.0, 50.0, 50.0, 50.0], [0.1, 0.1, 4.0, 0.1], 2000).tolist()
    [True, False, True, False]
    >>> heavy_tail_flag([50.0], [0.1], 30000).tolist()      # 50 of 30000 networks
    [True]
    """
    floor = max(HEAVY_TAIL_MIN_NEFF, HEAVY_TAIL_MIN_NEFF_FRACTION * float(n_nets))
    with np.errstate(invalid="ignore"):
        return ((np.asarray(n_eff, float) < floor)
                | (np.asarray(second_moment_spread, float) > HEAVY_TAIL_MAX_SPREAD))


# ---------------------------------------------------------------------- results
class _Row(dict):
    """A table row whose former column names still read (with a DeprecationWarning); only the
    current names are stored, so JSON and CSV files carry the current schema."""

    _renamed: dict[str, str] = {}

    def __missing__(self, key: str) -> Any:
        new = self._renamed.get(key)
        if new is None or new not in self:
            raise KeyError(key)
        warn_renamed(key, new, "table row")
        return self[new]


class _SummaryRow(_Row):
    _renamed = {"mean_m": "mean_deviation", "mean_m_err": "mean_deviation_err",
                "mean_m_exact": "mean_deviation_reference", "mean_m_z": "mean_deviation_z",
                "mean_abs_m": "mean_abs_deviation", "mean_abs_m_err": "mean_abs_deviation_err",
                "mean_abs_m_exact": "mean_abs_deviation_reference",
                "background_m": "background_deviation"}


class _TidyRow(_Row):
    _renamed = {"exact": "reference", "delta_exact": "delta_reference", "m": "deviation",
                "m_exact": "deviation_reference", "m_stderr": "deviation_stderr"}


@dataclass(frozen=True)
class OrderEstimate:
    """Estimates at one order n; arrays are ``(n_widths, n_combos)`` unless stated.

    Attributes
    ----------
    order : int
    combos : (n_combos, n) int array, the point multisets
    bag_values : (n_widths, n_bags, n_combos), G_exp of each bag
    mean, std, stderr : bag mean, standard deviation over bags, std / sqrt(n_bags)
    free : (n_combos,), G_0 (Wick)
    reference : reference G^(n) at each width: exact, or for depth > 1 the leading order in 1/N
        (see ``reference_kind``); NaN if not computed
    delta, delta_reference : measured and reference Delta G = G - G_0
    deviation, deviation_reference : measured and reference m_n = Delta G / G_0
        (:meth:`nnqft_sym.Network.deviation`)
    deviation_stderr : ``stderr / |G_0|``
    z : (mean - reference) / stderr, a Student-t statistic with ``n_bags - 1`` degrees of
        freedom (compare with :attr:`critical_value`, or read :attr:`p_value`)
    n_eff : smallest per-bag Kish effective number of networks
    heavy_tail : bool
        ``n_eff < max(HEAVY_TAIL_MIN_NEFF, HEAVY_TAIL_MIN_NEFF_FRACTION n_nets)`` or
        ``second_moment_spread > HEAVY_TAIL_MAX_SPREAD`` (the intervals of such configurations
        undercover), or at a point whose features underflow (:func:`feature_underflow`)
    reference_kind : ``"exact"`` or ``"leading order in 1/N"`` (:func:`reference_kind`)
    n_eff_total : Kish effective number of networks of all bags together (NaN if not given)
    second_moment_spread : relative variance over bags of the per-bag mean of the squared
        contributions, ``var(sum_sq / n_nets) / mean(sum_sq / n_nets)^2`` (NaN if not given)

    Derived: :attr:`critical_value` (two-sided 95 % Student t, ``n_bags - 1`` degrees of
    freedom), :attr:`p_value`, :attr:`outside_interval` (``|z| > critical_value``) and
    :meth:`interval` (95 % interval of G^(n)).

    The former names ``exact``, ``delta_exact``, ``m``, ``m_exact`` and ``m_stderr`` still
    read, with a :class:`DeprecationWarning`.  :attr:`mean_estimate`, :attr:`delta_estimate`
    and :attr:`deviation_estimate` give the same numbers as :class:`numeric.Estimate`.
    """

    order: int
    combos: np.ndarray
    bag_values: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    stderr: np.ndarray
    free: np.ndarray
    reference: np.ndarray
    delta: np.ndarray
    delta_reference: np.ndarray
    deviation: np.ndarray
    deviation_reference: np.ndarray
    deviation_stderr: np.ndarray
    z: np.ndarray
    n_eff: np.ndarray
    heavy_tail: np.ndarray
    reference_kind: str = REFERENCE_EXACT
    n_eff_total: np.ndarray | float = np.nan
    second_moment_spread: np.ndarray | float = np.nan

    exact = deprecated_attribute("reference", "exact")
    delta_exact = deprecated_attribute("delta_reference", "delta_exact")
    m = deprecated_attribute("deviation", "m")
    m_exact = deprecated_attribute("deviation_reference", "m_exact")
    m_stderr = deprecated_attribute("deviation_stderr", "m_stderr")

    @property
    def n_bags(self) -> int:
        """Number of bags (independent samples of each estimate)."""
        return int(self.bag_values.shape[1])

    @property
    def critical_value(self) -> float:
        """Two-sided 95 % critical value of :attr:`z`: Student t with ``n_bags - 1`` degrees of
        freedom (2.262 for 10 bags, 2.093 for 20)."""
        return critical_value(self.n_bags, DEFAULT_CONFIDENCE)

    @property
    def p_value(self) -> np.ndarray:
        """Two-sided p-value of :attr:`z` (Student t, ``n_bags - 1`` degrees of freedom)."""
        return np.asarray(two_sided_p_value(self.z, self.n_bags))

    @property
    def outside_interval(self) -> np.ndarray:
        """bool: the reference lies outside the 95 % t interval (``|z| > critical_value``;
        False where z is NaN)."""
        with np.errstate(invalid="ignore"):
            return np.abs(self.z) > self.critical_value

    def interval(self, confidence: float = DEFAULT_CONFIDENCE) -> tuple[np.ndarray, np.ndarray]:
        """``(low, high)`` of G^(n): ``mean -/+ t_crit * stderr`` (Student t, ``n_bags - 1``
        degrees of freedom); :meth:`numeric.Estimate.interval` of :attr:`mean_estimate`."""
        return self.mean_estimate.interval(confidence)

    @property
    def mean_estimate(self) -> Estimate:
        """G^(n) measured: ``Estimate(mean, stderr)``."""
        return Estimate(self.mean, self.stderr, self.n_bags)

    @property
    def delta_estimate(self) -> Estimate:
        """Delta G^(n) = G - G_0 measured (G_0 is exact, so the error is ``stderr``)."""
        return Estimate(self.delta, self.stderr, self.n_bags)

    @property
    def deviation_estimate(self) -> Estimate:
        """m_n = Delta G / G_0 measured: ``Estimate(deviation, deviation_stderr)``.

        Examples
        --------
        >>> from nnqft_sym import ReLUNet
        >>> e = measure(ReLUNet(), [5], [0.5, 1.0], orders=(4,), n_bags=4, n_nets=2000,
        ...             rng=1).estimate(4)
        >>> e.deviation_estimate.shape, e.reference_kind
        ((1, 5), 'exact')
        """
        return Estimate(self.deviation, self.deviation_stderr, self.n_bags)


@dataclass
class GreenMeasurement:
    """Result of :func:`measure`: raw per-bag sums plus reference values; estimates on demand.

    Attributes
    ----------
    description : dict, ``net.describe()``
    widths : tuple of int
    points : (P, d_in) array
    orders : tuple of int
    n_bags, n_nets : int
    seed : dict, root seed state (``{"entropy", "spawn_key"}``)
    bag_stats : {order: {statistic: (n_widths, n_bags, n_combos)}} monomial sums per bag
    free : {order: (n_combos,)} G_0
    reference : {order: (n_widths, n_combos)} reference G: exact for one hidden layer, the
        leading order in 1/N for depth > 1 (:attr:`reference_kind`); NaN when not computed.
        ``exact`` is its deprecated alias.
    feature_underflow : (P,) bool, points whose features cannot be sampled
        (:func:`feature_underflow`); estimates involving them are flagged ``heavy_tail``
        (None: not checked)
    estimator : ``"plain"`` or ``"conditional"``, what produced the bag sums
        (:mod:`numeric.conditional`; with ``"conditional"`` ``n_eff`` is that of the Delta G
        terms)
    """

    description: dict[str, Any]
    widths: tuple[int, ...]
    points: np.ndarray
    orders: tuple[int, ...]
    n_bags: int
    n_nets: int
    seed: dict[str, Any]
    bag_stats: dict[int, dict[str, np.ndarray]]
    free: dict[int, np.ndarray]
    reference: dict[int, np.ndarray]
    feature_underflow: np.ndarray | None = None
    estimator: str = PLAIN
    _cache: dict[int, OrderEstimate] = field(default_factory=dict, repr=False, compare=False)

    exact = deprecated_attribute("reference", "exact")

    @property
    def name(self) -> str:
        """The architecture's name (e.g. ``Gauss-net``)."""
        return str(self.description.get("name", self.description.get("family")))

    @property
    def reference_kind(self) -> str:
        """``"exact"`` or ``"leading order in 1/N"``: what :attr:`reference` holds."""
        return reference_kind(self.description)

    def estimate(self, order: int) -> OrderEstimate:
        """All estimates at one order (see :class:`OrderEstimate`)."""
        if order not in self.orders:
            raise ValueError(f"order must be one of the measured orders {self.orders}, got {order!r}")
        if order in self._cache:
            return self._cache[order]
        st = self.bag_stats[order]
        bag_values = st["sum"] / float(self.n_nets)
        green = Estimate.from_samples(bag_values, axis=1)
        # an exact estimate (the conditional G^(2) of one hidden layer) has no spread: its
        # error is the rounding of the bag sums, not 0
        green = Estimate(green.value, np.maximum(green.error, ROUNDING_ERROR * np.abs(green.value)),
                         green.n_samples)
        free = self.free[order]
        reference = self.reference[order]
        n_eff, n_eff_total, spread = tail_diagnostics(st, self.n_nets)
        combos = point_multisets(self.points.shape[0], order)
        heavy = heavy_tail_flag(n_eff, spread, self.n_nets)
        if self.feature_underflow is not None:
            heavy = heavy | np.asarray(self.feature_underflow, bool)[combos].any(axis=-1)
        deviation = _relative_to_free(green - free, free, combos, self.points, order)
        est = OrderEstimate(
            order=order, combos=combos, bag_values=bag_values, mean=green.value,
            std=green.error * np.sqrt(self.n_bags), stderr=green.error, free=free,
            reference=reference, delta=green.value - free, delta_reference=reference - free,
            deviation=deviation.value,
            deviation_reference=np.where(free == 0, np.nan,
                                         (reference - free) / np.where(free == 0, 1.0, free)),
            deviation_stderr=deviation.error, z=green.z(reference), n_eff=n_eff,
            heavy_tail=heavy, reference_kind=self.reference_kind, n_eff_total=n_eff_total,
            second_moment_spread=spread)
        self._cache[order] = est
        return est

    def summary(self) -> list[dict[str, Any]]:
        r"""The talk's summaries per (width, order).

        ``mean_deviation`` (combination average of :math:`m_n`) with its error from the
        spread of the per-bag averages ``mean_deviation_err``, reference value
        ``mean_deviation_reference`` and z-score ``mean_deviation_z``; ``mean_abs_deviation``
        (:math:`\langle|m_n|\rangle` over combinations) with error ``mean_abs_deviation_err``
        (mean of ``deviation_stderr``) and its reference counterpart; ``background`` (talk):
        std over bags of :math:`G_{exp}`, averaged over combinations; ``background_deviation``
        (HMS chunk statistic): std over bags of the per-bag :math:`m_n`, averaged over
        combinations -- the size :math:`\langle|m_n|\rangle` must exceed to be a signal;
        ``mean_abs_z``; ``heavy_fraction`` of flagged combinations; ``reference_kind``
        (``"exact"`` or ``"leading order in 1/N"``).  The former ``m`` names (``mean_m``,
        ``mean_m_err``, ``mean_m_exact``, ...) still read, with a DeprecationWarning.
        """
        rows = []
        for order in self.orders:
            e = self.estimate(order)
            # combination average of m_n in each bag: (n_widths, n_bags) samples; NaN where
            # G_0 = 0 (m_n undefined, estimate() warned)
            zero = e.free == 0
            safe = np.where(zero, 1.0, e.free)
            avg = Estimate.from_samples(np.where(zero, np.nan, (e.bag_values - e.free) / safe)
                                        .mean(axis=-1), axis=1)
            avg_reference = e.deviation_reference.mean(axis=-1)
            for i, width in enumerate(self.widths):
                rows.append(_SummaryRow({
                    "architecture": self.name, "width": width, "order": order,
                    "n_combos": len(e.free), "mean_deviation": float(avg.value[i]),
                    "mean_deviation_err": float(avg.error[i]),
                    "mean_deviation_reference": float(avg_reference[i]),
                    "mean_deviation_z": float(avg[i].z(avg_reference[i])),
                    "mean_deviation_p_value": float(avg[i].p_value(avg_reference[i])),
                    "mean_abs_deviation": float(np.mean(np.abs(e.deviation[i]))),
                    "mean_abs_deviation_err": float(np.mean(e.deviation_stderr[i])),
                    "mean_abs_deviation_reference": float(np.mean(np.abs(e.deviation_reference[i]))),
                    "reference_kind": e.reference_kind,
                    "background": float(np.mean(e.std[i])),
                    "background_deviation": float(np.mean(np.where(zero, np.nan,
                                                                   e.std[i] / np.abs(safe)))),
                    "mean_abs_z": float(np.mean(np.abs(e.z[i]))),
                    "max_abs_z": float(np.max(np.abs(e.z[i]))),
                    "heavy_fraction": float(np.mean(e.heavy_tail[i])),
                    "outside_fraction": float(np.mean(e.outside_interval[i])),
                    "critical_value": e.critical_value, "n_bags": self.n_bags,
                    "min_n_eff_total": float(np.min(e.n_eff_total[i])),
                    "estimator": self.estimator,
                }))
        return rows

    def rows(self) -> list[dict[str, Any]]:
        """Tidy table: one row per (width, order, combination); schema in ``docs/numeric.md``."""
        out = []
        for order in self.orders:
            e = self.estimate(order)
            labels = [" ".join(f"{v:g}" for v in self.points[c].ravel()) for c in e.combos]
            idx = [" ".join(map(str, c)) for c in e.combos]
            p_value, (low, high), outside = e.p_value, e.interval(), e.outside_interval
            for i, width in enumerate(self.widths):
                for j in range(len(e.free)):
                    out.append(_TidyRow({
                        "architecture": self.name, "width": width, "order": order,
                        "combination": idx[j], "points": labels[j],
                        "bag_mean": e.mean[i, j], "bag_std": e.std[i, j],
                        "stderr": e.stderr[i, j], "free": e.free[j],
                        "reference": e.reference[i, j], "reference_kind": e.reference_kind,
                        "delta": e.delta[i, j], "delta_reference": e.delta_reference[i, j],
                        "deviation": e.deviation[i, j],
                        "deviation_reference": e.deviation_reference[i, j],
                        "deviation_stderr": e.deviation_stderr[i, j],
                        "z": e.z[i, j], "p_value": p_value[i, j],
                        "interval_low": low[i, j], "interval_high": high[i, j],
                        "outside_interval": bool(outside[i, j]), "n_eff": e.n_eff[i, j],
                        "n_eff_total": e.n_eff_total[i, j],
                        "second_moment_spread": e.second_moment_spread[i, j],
                        "heavy_tail": bool(e.heavy_tail[i, j]),
                        "n_bags": self.n_bags, "n_nets": self.n_nets,
                        "estimator": self.estimator}))
        return out

    def metadata(self) -> dict[str, Any]:
        """Parameters, seeds, sampler constants and what the reference values are
        (``reference_kind``; ``exact_values`` is its former label, kept for readers of old
        files) (JSON-friendly)."""
        return {"architecture": self.description, "reference_kind": self.reference_kind,
                "exact_values": _EXACT_VALUES_LABEL[self.reference_kind],
                "output_component": 0, "estimator": self.estimator,
                "widths": list(self.widths),
                "points": self.points.tolist(), "orders": list(self.orders),
                "n_bags": self.n_bags, "n_nets": self.n_nets, "seed": self.seed,
                "feature_underflow": (None if self.feature_underflow is None
                                      else np.asarray(self.feature_underflow, bool)),
                "bag_seeds": {str(w): bag_seed_states(seed_from_state(self.seed), w, self.n_bags)
                              for w in self.widths},
                "sampler": _sampler_constants()}

    def to_csv(self, path: str | Path) -> Path:
        """Write the tidy table (:meth:`rows`) as CSV, atomically."""
        from .storage import atomic_write
        rows = self.rows()
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows({k: (f"{v:.17g}" if isinstance(v, float) else v) for k, v in r.items()}
                         for r in rows)
        return atomic_write(path, lambda fh: fh.write(buf.getvalue()), mode="w")

    def to_json(self, path: str | Path) -> Path:
        """Write metadata, summary and tidy rows as JSON (NaN as null), atomically."""
        return save_json(path, {"metadata": self.metadata(), "summary": self.summary(),
                                "rows": self.rows()})

    def save(self, path: str | Path) -> Path:
        """Save everything needed to rebuild the object: ``.npz`` arrays + ``.json`` metadata."""
        path = Path(path)
        arrays = {}
        for n in self.orders:
            # file keys "exact_{n}" unchanged, so that saved measurements keep loading
            arrays[f"free_{n}"], arrays[f"exact_{n}"] = self.free[n], self.reference[n]
            for s in STATISTICS:
                arrays[f"{s}_{n}"] = self.bag_stats[n][s]
        save_npz(path.with_suffix(".npz"), arrays)
        save_json(path.with_suffix(".json"), self.metadata())
        return path.with_suffix(".npz")

    @classmethod
    def load(cls, path: str | Path) -> "GreenMeasurement":
        """Inverse of :meth:`save`."""
        path = Path(path)
        meta = load_json(path.with_suffix(".json"))
        arr = load_npz(path.with_suffix(".npz"))
        try:
            orders = tuple(meta["orders"])
            underflow = meta.get("feature_underflow")
            return cls(description=meta["architecture"], widths=tuple(meta["widths"]),
                       points=np.asarray(meta["points"], float), orders=orders,
                       n_bags=meta["n_bags"], n_nets=meta["n_nets"], seed=meta["seed"],
                       bag_stats={n: {s: arr[f"{s}_{n}"] for s in STATISTICS} for n in orders},
                       free={n: arr[f"free_{n}"] for n in orders},
                       reference={n: arr[f"exact_{n}"] for n in orders},
                       feature_underflow=None if underflow is None else np.asarray(underflow, bool),
                       estimator=check_estimator(meta.get("estimator", PLAIN)))
        except (KeyError, TypeError, AttributeError) as exc:
            raise CheckpointError(f"measurement {path.with_suffix('.npz')} / .json is incomplete "
                                  f"(missing {exc}); delete both files and rerun the "
                                  "measurement") from None


def _sampler_constants() -> dict[str, int]:
    return {"STREAM_VERSION": STREAM_VERSION, "BLOCK_ELEMENTS": BLOCK_ELEMENTS,
            "MAX_BLOCK_NETS": MAX_BLOCK_NETS, "GRAM_MIN_WIDTH": GRAM_MIN_WIDTH,
            "SLAB_NETS": SLAB_NETS}


# ---------------------------------------------------------------------- driver
def _bag_file(folder: Path, width: int, bag: int) -> Path:
    return folder / f"bag_N{width}_{bag:04d}.npz"


@renamed_keywords(seed="rng")
def measure(net: Network, widths: Sequence[int], points: Any, orders: Sequence[int] = (2, 4, 6),
            n_bags: int = 20, n_nets: int = 30000, rng: Any = 0, *,
            chunk_size: int = DEFAULT_CHUNK_NETS, checkpoint_dir: str | Path | None = None,
            scheduler: Any = None, workers: int | None = None, progress: bool = False,
            exact: bool = True, estimator: str | None = None,
            tail_dtype: str = "float64") -> GreenMeasurement:
    """Measure the Green functions of ``n_bags`` bags of ``n_nets`` networks at each width.

    Parameters
    ----------
    net : Network
        Numeric architecture (any depth; for ``d_out > 1`` output component 0 is measured).
    widths : sequence of int
        Hidden-layer widths N >= 1.
    points : array_like
        ``(P, d_in)`` inputs (``(P,)`` for d_in = 1).
    orders : sequence of int
        Correlator orders >= 1 (default 2, 4, 6).  Odd orders vanish exactly for a centred
        network (reference 0, ``deviation`` NaN: :math:`G_0 = 0`) and are non-zero with
        read-out means (:meth:`nnqft_sym.Network.with_priors`).
    n_bags : int >= 2
        Bags (the error bar is the spread over bags).
    n_nets : int >= 1
        Networks per bag.
    rng : int, SeedSequence, Generator or None
        Root of the random stream (:func:`numeric.as_seed_sequence`): bag a at width N uses
        ``SeedSequence(rng, spawn_key=(..., N, a))``.  ``seed=`` is a deprecated alias (the
        same int gives the same numbers).
    chunk_size : int
        Networks streamed at once (memory; no effect on the result).
    checkpoint_dir : path, optional
        Save each finished bag atomically there and skip bags already saved (resume); the
        exact values are cached there too (slow quadratures are not repeated).
    scheduler : None, "serial", "threads", "processes", scheduler address or distributed.Client
        Where the bags run (:mod:`numeric.distributed`); ``None``: threads on every core
        (``"serial"`` for ``workers=1``).  The result is bit-identical for every choice.
    workers : int, optional
        Threads or worker processes (default: the cores of this machine,
        :func:`numeric.distributed.default_workers`).
    progress : bool
        Show a tqdm progress bar over bags.
    exact : bool
        Compute the exact values (``False`` leaves NaN, e.g. for slow quadratures).
    estimator : {"plain", "conditional"} or None
        ``"plain"``: bag means of the output monomials (HMS); ``"conditional"``: bag means of
        the Wick sums of the read-out's conditional covariance given the last hidden layer,
        minus a control variate of mean zero (:mod:`numeric.conditional`: unbiased at every
        width and depth, relative error of Delta G independent of N at depth 1).  ``None``
        (default): the best valid one, :func:`numeric.default_estimator` (``"conditional"``
        for every architecture today).  Recorded in the result and its files; a checkpoint
        folder refuses bags of another estimator.
    tail_dtype : {"float64", "float32"}
        Precision of the heavy-tail diagnostic sums ``sum_abs``, ``sum_sq`` (never of the
        estimates, which are bit-identical), plain estimator only: ``"float32"`` makes the
        sums 1.1x and plain bags at N = 2 3-7 % faster, and :func:`tail_diagnostics` agree
        with float64 to a relative 1e-5 (``n_eff``) and 1e-4 (``second_moment_spread``)
        (:class:`numeric.MonomialSums`); a checkpoint folder records it.

    Returns
    -------
    GreenMeasurement

    Examples
    --------
    >>> from nnqft_sym import GaussNet
    >>> res = measure(GaussNet(), [5], [0.0, 0.01], orders=(2, 4), n_bags=4, n_nets=2000, rng=1)
    >>> bool(abs(res.estimate(2).z).max() < 5)
    True
    """
    return measure_sweep([net], widths, points, orders, n_bags, n_nets,
                         [as_seed_sequence(rng, "rng")],
                         chunk_size=chunk_size,
                         checkpoint_dirs=None if checkpoint_dir is None else [checkpoint_dir],
                         scheduler=scheduler, workers=workers, progress=progress, exact=exact,
                         estimator=estimator, tail_dtype=tail_dtype)[0]


@renamed_keywords(seeds="rngs")
def measure_sweep(nets: Sequence[Network], widths: Sequence[int], points: Any,
                  orders: Sequence[int] = (2, 4, 6), n_bags: int = 20, n_nets: int = 30000,
                  rngs: Sequence[Any] | None = None, *, chunk_size: int = DEFAULT_CHUNK_NETS,
                  checkpoint_dirs: Sequence[str | Path] | None = None, scheduler: Any = None,
                  workers: int | None = None, progress: bool = False, exact: bool = True,
                  estimator: str | None = None, tail_dtype: str = "float64"
                  ) -> list[GreenMeasurement]:
    """:func:`measure` for several architectures (e.g. a sigma_W sweep) as one batch of tasks.

    All bags of all (architecture, width) points are submitted together, so a cluster stays
    busy across the sweep; measurement ``i`` equals ``measure(nets[i], ..., rngs[i],
    checkpoint_dir=checkpoint_dirs[i])`` bit for bit.

    Parameters
    ----------
    nets : sequence of Network
    rngs : sequence, optional
        One root ``rng`` per network (default: 0 for each); ``seeds=`` is a deprecated alias.
    checkpoint_dirs : sequence of path, optional
        One checkpoint folder per network (distinct).
    widths, points, orders, n_bags, n_nets, chunk_size, scheduler, workers, progress, exact, estimator, tail_dtype
        As in :func:`measure` (``estimator=None``: the best valid one per network).

    Examples
    --------
    >>> from nnqft_sym import GaussNet
    >>> a, b = measure_sweep([GaussNet(sigma_w=1), GaussNet(sigma_w=2)], [5], [0.0], (2,),
    ...                      n_bags=2, n_nets=500, rngs=[1, 2])
    >>> b.description["sigma_w"], a.bag_stats[2]["sum"].shape
    ('Integer(2)', (1, 2, 1))
    """
    nets = list(nets)
    if not nets:
        raise ValueError("nets must hold at least one network")
    for net in nets:
        if not isinstance(net, Network):
            raise TypeError(f"net must be an nnqft_sym.Network, got {type(net).__name__}")
        net.require_numeric("measure")
    estimators = [check_estimator(estimator, net) for net in nets]
    for est in estimators:
        _check_tail_dtype(tail_dtype, est)
    # float32 diagnostic sums are part of a bag's identity (float64 bags keep the former one)
    precision = {} if tail_dtype == "float64" else {"tail_dtype": tail_dtype}
    for net in nets:
        hidden = net.priors.shifted_before_readout
        if exact and net.depth > 1 and hidden:
            raise ValueError(f"measure: the reference values of a deep {net.name} come from the "
                             f"1/N recursion, which needs centred first and hidden layers; the "
                             f"groups {hidden} have means (read-out means are supported): pass "
                             "exact=False to measure it against the infinite-width G_0 only")
    if isinstance(widths, (numbers.Integral, str)) or not isinstance(widths, Iterable):
        raise TypeError(f"widths must be a sequence of positive integers, got {widths!r}")
    widths = tuple(int(check_width(w, "widths")) for w in widths)
    if not widths or len(set(widths)) != len(widths):
        raise ValueError(f"widths must be a non-empty sequence of distinct integers, got {widths}")
    orders = _check_orders(orders)
    if len({net.d_in for net in nets}) != 1:
        raise ValueError("nets must share d_in (they are measured at the same points)")
    pts = as_points(points, nets[0].d_in)
    if pts.ndim != 2:
        raise ValueError(f"points must have shape (P, d_in), got {np.shape(points)}")
    n_bags = check_integer(n_bags, "n_bags", 2)
    n_nets = check_integer(n_nets, "n_nets", 1)
    scheduler, workers = check_scheduler(scheduler, workers)
    rngs = [0] * len(nets) if rngs is None else list(rngs)
    folders = [None] * len(nets) if checkpoint_dirs is None else [Path(d) for d in checkpoint_dirs]
    if len(rngs) != len(nets) or len(folders) != len(nets):
        raise ValueError(f"rngs and checkpoint_dirs must hold one entry per network "
                         f"({len(nets)}), got {len(rngs)} and {len(folders)}")
    if checkpoint_dirs is not None and len(set(folders)) != len(folders):
        raise ValueError("checkpoint_dirs must be distinct folders")
    roots = [as_seed_sequence(s, "rngs") for s in rngs]
    descriptions = [net.describe() for net in nets]
    sampler = _sampler_constants()

    def identity(key: tuple[int, int, int]) -> dict[str, Any]:
        """What bag ``key`` was computed from: stored in its file, checked on resume."""
        i, w, a = key
        return {"architecture": descriptions[i], "width": w, "bag": a, "points": pts,
                "orders": orders, "n_nets": n_nets, "seed": tasks[key][4], "sampler": sampler,
                "estimator": estimators[i], **precision}

    # serial runs use the network itself; remote tasks get its JSON description
    payloads = nets if scheduler in ("serial", "threads") else descriptions
    tasks = {(i, w, a): (payloads[i], w, pts, n_nets, s, orders, chunk_size, estimators[i],
                         tail_dtype)
             for i, root in enumerate(roots) for w in widths
             for a, s in enumerate(bag_seed_states(root, w, n_bags))}
    with contextlib.ExitStack() as stack:
        for folder, description, root, est in zip(folders, descriptions, roots, estimators):
            if folder is not None:
                stack.enter_context(checkpoint_folder(
                    folder, {"architecture": description, "points": pts, "orders": orders,
                             "n_nets": n_nets, "seed": seed_state(root), "sampler": sampler,
                             "estimator": est, **precision}))
        results = run_tasks(run_bag, tasks, scheduler=scheduler, workers=workers,
                            checkpoint=None if checkpoint_dirs is None
                            else lambda key: _bag_file(folders[key[0]], key[1], key[2]),
                            identity=identity, progress=progress,
                            desc=(f"{nets[0].name} bags" if len(nets) == 1 else "bags"))
        return [_assemble(net, results, i, widths, pts, orders, n_bags, n_nets, root, folder,
                          exact, estimators[i])
                for i, (net, root, folder) in enumerate(zip(nets, roots, folders))]


def _exact_values(net: Network, widths: tuple[int, ...], pts: np.ndarray, order: int,
                  folder: Path | None) -> tuple[np.ndarray, np.ndarray]:
    """:func:`exact_green_functions` in pieces of :data:`EXACT_PIECE` combinations, cached
    across runs (:mod:`numeric.exact_cache`) and, with a checkpoint ``folder``, there too
    (``exact_order{n}_part{k:03d}.npz``, sealed with what they depend on), so a run killed
    during a slow quadrature keeps the finished pieces."""
    combos = pts[point_multisets(pts.shape[0], order)]
    if _width_by_width(net):
        return _values_at_widths(net, combos, widths)
    description = net.describe()
    frees, series = [], []
    for k, start in enumerate(range(0, len(combos), EXACT_PIECE)):
        stop = min(start + EXACT_PIECE, len(combos))
        path = None if folder is None else folder / f"exact_order{order}_part{k:03d}.npz"
        identity = {"architecture": description, "points": pts, "order": order,
                    "combinations": [start, stop], "values": _EXACT_VALUES_LABEL[reference_kind(description)]}
        if path is not None and (path.exists() or path.is_symlink()):
            stored = load_sealed(path, identity)
        else:
            stored = cached_exact_piece(identity)
            if stored is None:
                free, piece = _exact_series(net, combos[start:stop])
                stored = {"free": free, **{f"series_{p}": v for p, v in piece.items()}}
                store_exact_piece(identity, stored)
            if path is not None:
                save_sealed(path, stored, identity)
        frees.append(stored.pop("free"))
        series.append({int(key.split("_")[1]): v for key, v in stored.items()})
    return _at_widths(np.concatenate(frees),
                      {p: np.concatenate([piece[p] for piece in series]) for p in series[0]},
                      widths)


def _assemble(net: Network, results: dict[tuple[int, int, int], dict[str, np.ndarray]],
              index: int, widths: tuple[int, ...], pts: np.ndarray, orders: tuple[int, ...],
              n_bags: int, n_nets: int, root: np.random.SeedSequence, folder: Path | None,
              exact: bool, estimator: str) -> GreenMeasurement:
    """Stack the bags of network ``index`` in (width, bag) order and add G_0 and exact values."""
    bag_stats = {n: {s: np.stack([np.stack([results[(index, w, a)][f"{s}_{n}"]
                                            for a in range(n_bags)]) for w in widths])
                     for s in STATISTICS} for n in orders}
    free, exact_values = {}, {}
    for n in orders:
        if exact:
            free[n], exact_values[n] = _exact_values(net, widths, pts, n, folder)
        else:
            combos = pts[point_multisets(pts.shape[0], n)]
            free[n] = free_values(net, combos) if net.has_gp_kernel else np.full(len(combos), np.nan)
            exact_values[n] = np.full((len(widths), len(free[n])), np.nan)
    if not exact and not net.has_gp_kernel:
        warnings.warn(f"{net.name}: the infinite-width kernel of these first-layer priors is not "
                      "computable, so G_0, Delta G and the deviations are NaN; G^(n) is measured", RuntimeWarning, stacklevel=3)
    underflow = feature_underflow(net, pts, _diagnostic_seed(root))
    if underflow.any():
        warnings.warn(f"{net.name}: the features underflow at the points "
                      f"{pts[underflow].ravel().tolist()} (every sampled first-layer feature is "
                      "0 or subnormal, or one neuron carries the whole kernel): the measured Green "
                      "functions there are not reliable (flagged heavy_tail)", RuntimeWarning,
                      stacklevel=3)
    return GreenMeasurement(description=net.describe(), widths=widths, points=pts, orders=orders,
                            n_bags=n_bags, n_nets=n_nets, seed=seed_state(root),
                            bag_stats=bag_stats, free=free, reference=exact_values,
                            feature_underflow=underflow, estimator=estimator)
