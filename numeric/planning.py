r"""How many networks a target relative error on :math:`\Delta G^{(n)}` needs, from a pilot run.

The error of the bag average (HMS, arXiv:2008.08601) over :math:`n_{tot}` networks is
:math:`\sqrt{\sigma^2/n_{tot}}` with :math:`\sigma^2` the variance per network of the
estimator's contribution (for the plain estimator the monomial
:math:`f(x_{i_1})\cdots f(x_{i_n})`).  :math:`G_0` is exact, so the error of
:math:`\Delta G = G - G_0` is the same, and a relative error :math:`r` needs

.. math:: n_{tot} = \frac{\sigma^2}{r^2\, |\Delta G|^2}.

:func:`required_networks` measures :math:`\sigma^2` in a short pilot run (from the spread of
the pilot's bag means, so it applies to any estimator: it uses only per-bag results), takes
:math:`|\Delta G|` from the reference values (the exact 1/N series for one hidden layer, the
leading order in 1/N for deeper networks, :func:`numeric.reference_kind`), and times the
cost of one bag of 1 and of 4 slabs of networks after the pilot (which compiled the network's
functions) to estimate the wall time of a serial run of this order at these points.  The uncertainty of :math:`\sigma^2` (hence of
:math:`n_{tot}`) is that of a sample variance of ``pilot_bags`` bag means, from their fourth
moment (so heavy tails widen it).  Heavy tails can still hide from a pilot: a plan whose
pilot is flagged ``heavy_tail`` says so (:attr:`NetworkPlan.heavy_tail`).
"""
from __future__ import annotations

import math
import numbers
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnqft_sym.architectures import Network
from nnqft_sym.validation import as_points, check_even_order, check_integer, check_width

from .conditional import check_estimator
from .estimators import exact_green_functions, measure
from .monomials import SLAB_NETS, point_multisets
from .statistics import Estimate

__all__ = ["NetworkPlan", "required_networks", "PILOT_BAGS", "PILOT_NETS"]

#: bags and networks per bag of the pilot run (defaults of :func:`required_networks`)
PILOT_BAGS = 20
PILOT_NETS = 1000


@dataclass(frozen=True)
class NetworkPlan:
    """Result of :func:`required_networks`; arrays are ``(n_combos,)`` over the multisets.

    Attributes
    ----------
    order, width : int
    rel_error : float, the target relative error on Delta G^(n)
    estimator : str
    combos : (n_combos, n) int array, the point multisets planned for
    delta_reference : reference Delta G^(n) = G - G_0 (exact, or leading order for depth > 1)
    per_network_variance : :class:`numeric.Estimate`, the pilot's variance per network of the
        estimator's contribution (bag variance times networks per bag) with its uncertainty
    required : total networks each multiset needs (inf where Delta G is 0)
    n_networks, n_networks_error : int, float; the plan: the largest finite ``required``
        (every planned multiset reaches the target) and its uncertainty from the variance's
    combination : int, index of the multiset that sets ``n_networks``
    n_bags, n_nets : suggested split of ``n_networks`` into bags
        (``n_bags * n_nets >= n_networks``)
    seconds_per_network : float, wall time per network (sampling and sums of this order at
        these points, serial): the slope between timed bags of 1 and of 4 slabs of
        :data:`numeric.monomials.SLAB_NETS` networks, after the pilot
    wall_time : float, estimated seconds of the planned run on one core (that slope times
        the networks plus the per-bag overhead of the same two runs)
    pilot_bags, pilot_nets : int, size of the pilot
    heavy_tail : bool array, the pilot's heavy-tail flags (the plan is then a lower bound)
    pilot_z : (mean - reference) / stderr of the pilot, a Student-t statistic with
        ``pilot_bags - 1`` degrees of freedom (far outside +-3: the pilot's variance is not
        that of the ensemble, e.g. it missed the rare networks of a heavy tail)
    reference_kind : ``"exact"`` or ``"leading order in 1/N"``
    """

    order: int
    width: int
    rel_error: float
    estimator: str
    combos: np.ndarray
    delta_reference: np.ndarray
    per_network_variance: Estimate
    required: np.ndarray
    n_networks: int
    n_networks_error: float
    combination: int
    n_bags: int
    n_nets: int
    seconds_per_network: float
    wall_time: float
    pilot_bags: int
    pilot_nets: int
    heavy_tail: np.ndarray
    reference_kind: str
    pilot_z: np.ndarray

    def __str__(self) -> str:
        i = self.combination
        heavy = (f" The pilot is heavy-tailed (its z = {self.pilot_z[i]:.3g} against the "
                 "reference): it misses the rare networks, so the plan is a lower bound, possibly "
                 "by orders of magnitude." if self.heavy_tail.any() else "")
        return (f"Delta G^({self.order}) at N = {self.width} to {self.rel_error:g} relative error "
                f"({self.estimator} estimator): {self.n_networks:.4g} networks "
                f"(± {self.n_networks_error:.2g}), e.g. {self.n_bags} bags x {self.n_nets}, "
                f"about {_duration(self.wall_time)} on one core "
                f"(pilot {self.pilot_bags} x {self.pilot_nets}).{heavy}")

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly summary (arrays as lists)."""
        return {"order": self.order, "width": self.width, "rel_error": self.rel_error,
                "estimator": self.estimator, "combos": self.combos.tolist(),
                "delta_reference": self.delta_reference.tolist(),
                "per_network_variance": self.per_network_variance.to_dict(),
                "required": self.required.tolist(), "n_networks": self.n_networks,
                "n_networks_error": self.n_networks_error, "combination": self.combination,
                "n_bags": self.n_bags,
                "n_nets": self.n_nets, "seconds_per_network": self.seconds_per_network,
                "wall_time": self.wall_time, "pilot_bags": self.pilot_bags,
                "pilot_nets": self.pilot_nets, "heavy_tail": self.heavy_tail.tolist(),
                "reference_kind": self.reference_kind, "pilot_z": self.pilot_z.tolist()}


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.3g} s"
    if seconds < 7200:
        return f"{seconds / 60:.3g} min"
    return f"{seconds / 3600:.3g} h"


def _check_rel_error(rel_error: Any) -> float:
    if isinstance(rel_error, bool) or not isinstance(rel_error, numbers.Real):
        raise TypeError(f"rel_error must be a number in (0, 1], got {rel_error!r}")
    if not (math.isfinite(float(rel_error)) and 0.0 < float(rel_error) <= 1.0):
        raise ValueError(f"rel_error must be a number in (0, 1], got {rel_error!r}")
    return float(rel_error)


def _variance_of_variance(samples: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sample variance over axis 0 and its standard error, from the fourth central moment:
    ``Var(s^2) = (m4 - s^4 (n - 3) / (n - 1)) / n`` (Cramer; Gaussian: ``2 s^4 / (n - 1)``)."""
    n = samples.shape[0]
    dev = samples - samples.mean(axis=0)
    var = (dev ** 2).sum(axis=0) / (n - 1)
    m4 = (dev ** 4).mean(axis=0)
    var_of_var = np.maximum((m4 - var ** 2 * (n - 3) / (n - 1)) / n, 2 * var ** 2 / (n - 1) / n)
    return var, np.sqrt(var_of_var)


def required_networks(net: Network, width: int, points: Any, order: int, rel_error: float,
                      estimator: str | None = None, *, combination: int | None = None,
                      pilot_bags: int = PILOT_BAGS, pilot_nets: int = PILOT_NETS,
                      n_bags: int = 20, rng: Any = 0) -> NetworkPlan:
    r"""Networks needed to measure :math:`\Delta G^{(n)}` to a relative error, from a pilot run.

    Parameters
    ----------
    net : Network
        Numeric architecture (any depth).
    width : int >= 1
        Hidden-layer width N.
    points : array_like
        ``(P, d_in)`` inputs (``(P,)`` for d_in = 1).
    order : even int >= 4
        Correlator order n (:math:`\Delta G^{(2)}` of one hidden layer is 0).
    rel_error : float in (0, 1]
        Target relative error (one standard error) on :math:`\Delta G^{(n)}`.
    estimator : {"plain", "conditional"}, optional
        Estimator of :func:`numeric.measure` (default: the best valid one,
        :func:`numeric.default_estimator`); the plan is for that estimator and names it.
    combination : int, optional
        Index into :func:`numeric.point_multisets` of the one multiset to plan for; default:
        all multisets with a non-zero reference :math:`\Delta G` (the plan is the largest).
    pilot_bags : int >= 4
        Bags of the pilot run.
    pilot_nets : int >= 100
        Networks per pilot bag.
    n_bags : int >= 2
        Bags to split the planned networks into.
    rng : int, SeedSequence, Generator or None
        Root of the pilot's random stream (:func:`numeric.as_seed_sequence`).

    Returns
    -------
    NetworkPlan

    Raises
    ------
    TypeError, ValueError
        A parameter of the wrong type or out of range (the message names it), or no planned
        multiset with a non-zero reference :math:`\Delta G`.

    Examples
    --------
    >>> from nnqft_sym import ReLUNet
    >>> plan = required_networks(ReLUNet(), 4, [1.0], 4, 0.05, pilot_bags=4, pilot_nets=500)
    >>> plan.n_networks > plan.pilot_bags * plan.pilot_nets, plan.n_bags * plan.n_nets >= plan.n_networks
    (True, True)
    """
    if not isinstance(net, Network):
        raise TypeError(f"net must be an nnqft_sym.Network, got {type(net).__name__}")
    width = check_width(width, "width")
    if not isinstance(width, int):
        raise TypeError(f"width must be an integer >= 1, got {width!r}")
    order = check_even_order(order, "order")
    if order < 4:
        raise ValueError(f"order must be an even integer >= 4 (Delta G^(2) of one hidden layer "
                         f"is 0), got {order}")
    rel_error = _check_rel_error(rel_error)
    estimator = check_estimator(estimator, net)
    keywords = {"estimator": estimator}
    pilot_bags = check_integer(pilot_bags, "pilot_bags", 4)
    pilot_nets = check_integer(pilot_nets, "pilot_nets", 100)
    n_bags = check_integer(n_bags, "n_bags", 2)
    pts = as_points(points, net.d_in)
    n_combos = len(point_multisets(pts.shape[0], order))
    if combination is not None:
        combination = check_integer(combination, "combination", 0)
        if combination >= n_combos:
            raise ValueError(f"combination must be an index in [0, {n_combos - 1}] of the "
                             f"{n_combos} multisets of {order} of the points, got {combination}")

    def run(bags: int, nets: int) -> Any:
        return measure(net, [width], pts, orders=(order,), n_bags=bags, n_nets=nets, rng=rng,
                       exact=False, **keywords)

    def timed(nets: int) -> float:
        """Seconds per bag, the best of 3 runs of 2 bags (other jobs only ever add time)."""
        best = np.inf
        for _ in range(3):
            start = time.perf_counter()
            run(2, nets)
            best = min(best, (time.perf_counter() - start) / 2)
        return best

    free, exact = exact_green_functions(net, [width], pts, order)
    delta = exact[0] - free
    selected = (np.arange(n_combos) == combination) if combination is not None else delta != 0
    if not np.any(selected & (delta != 0)):       # refused before sampling
        raise ValueError(f"the reference Delta G^({order}) is 0 at the planned multisets: no "
                         "relative error can be reached (choose other points or combination)")
    pilot = run(pilot_bags, pilot_nets)     # the first call also compiles the network's functions
    # t = per-bag overhead + cost per network * networks, from 2 bags of 1 and of 4 slabs (the sums
    # are added in slabs of SLAB_NETS networks, so smaller bags cost the same as one slab)
    one, four = timed(SLAB_NETS), timed(4 * SLAB_NETS)
    if four > one:
        seconds_per_network = (four - one) / (3 * SLAB_NETS)
        overhead_per_bag = max(one - seconds_per_network * SLAB_NETS, 0.0)
    else:       # a loaded machine hid the slope: the whole cost of a bag, as if per network
        seconds_per_network, overhead_per_bag = four / (4 * SLAB_NETS), 0.0
    est = pilot.estimate(order)
    bag_var, bag_var_err = _variance_of_variance(est.bag_values[0])
    variance = Estimate(bag_var * pilot_nets, bag_var_err * pilot_nets, pilot_bags)
    with np.errstate(divide="ignore", invalid="ignore"):
        required = variance.value / (rel_error * np.abs(delta)) ** 2
    if not np.any(selected & np.isfinite(required)):
        raise ValueError(f"the pilot's variance of G^({order}) is not finite at the planned "
                         "multisets with a nonzero reference Delta G: no number of networks "
                         "can be planned (a heavy-tailed estimate; choose other points)")
    index = int(np.argmax(np.where(selected & np.isfinite(required), required, -np.inf)))
    n_networks = int(math.ceil(required[index]))
    n_networks_error = float(n_networks * variance.relative_error[index])
    per_bag = int(math.ceil(n_networks / n_bags))
    return NetworkPlan(order=order, width=width, rel_error=rel_error, estimator=estimator,
                       combos=est.combos, delta_reference=delta,
                       per_network_variance=variance, required=required,
                       n_networks=n_networks, n_networks_error=n_networks_error,
                       combination=index,
                       n_bags=n_bags, n_nets=per_bag, seconds_per_network=seconds_per_network,
                       wall_time=(overhead_per_bag + seconds_per_network * per_bag) * n_bags,
                       pilot_bags=pilot_bags,
                       pilot_nets=pilot_nets, heavy_tail=est.heavy_tail[0],
                       reference_kind=est.reference_kind,
                       pilot_z=np.asarray(est.mean_estimate[0].z(exact[0]), float))
