"""The options that several ``nnqft`` commands share, defined once.

Architecture, weight and bias scales, input dimension, output folder, scheduler and workers,
seed and the comma-separated list types.  Every check raises :class:`click.BadParameter` (or
fails through a :class:`click.ParamType`) with the parameter attached, so click's one-line
error names the option, e.g. ``Invalid value for '--widths': expected comma-separated
integers >= 1, got '0'``.

Only click is imported at module level; the registry of architectures is read when a command
module declares ``--arch`` and the scheduler check is imported when a command runs, so
``nnqft --help`` (which imports no command module) stays fast.
"""
from __future__ import annotations

import contextlib
import errno
import json
import math
import os
import tomllib
from pathlib import Path
from typing import Any, Callable, Iterator

import click

__all__ = ["CONTEXT_SETTINGS", "IntList", "FloatList", "Scale", "architecture_names", "arch_option",
           "sigma_w_option", "sigma_b_option", "d_in_option", "out_option", "seed_option",
           "scheduler_options", "resolve_scheduler", "estimator_option", "reported_errors", "parse_points",
           "points_option",
           "latex_options"]

#: ``-h`` as well as ``--help`` on every command and group
CONTEXT_SETTINGS: dict[str, Any] = {"help_option_names": ["-h", "--help"]}

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


class _NumberList(click.ParamType):
    """Comma-separated numbers, optionally bounded; the error names the option."""

    kind = "numbers"

    def __init__(self, min: float | None = None, max: float | None = None,
                 even: bool = False) -> None:
        self.min, self.max, self.even = min, max, even

    def _parse(self, item: str) -> float:
        raise NotImplementedError

    def _allowed(self) -> str:
        bounds = []
        if self.min is not None:
            bounds.append(f">= {self.min:g}")
        if self.max is not None:
            bounds.append(f"<= {self.max:g}")
        return " ".join(["even" if self.even else "", self.kind, " and ".join(bounds)]).strip()

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> tuple[Any, ...]:
        if isinstance(value, tuple):
            return value
        try:
            items = tuple(self._parse(v.strip()) for v in str(value).split(","))
        except ValueError:
            self.fail(f"expected comma-separated {self._allowed()}, got {value!r}", param, ctx)
        if not items or any((self.min is not None and v < self.min)
                            or (self.max is not None and v > self.max)
                            or (self.even and v % 2) for v in items):
            self.fail(f"expected comma-separated {self._allowed()}, got {value!r}", param, ctx)
        return items


class IntList(_NumberList):
    """Comma-separated integers, e.g. ``--widths 2,5,20``.

    Examples
    --------
    >>> IntList(min=1).convert("2,5,20", None, None)
    (2, 5, 20)
    """

    name = "integers"
    kind = "integers"

    def _parse(self, item: str) -> int:
        return int(item)


class FloatList(_NumberList):
    """Comma-separated finite numbers, e.g. ``--points -0.01,0.01``.

    Examples
    --------
    >>> FloatList().convert("-0.01,0.01", None, None)
    (-0.01, 0.01)
    """

    name = "numbers"
    kind = "finite numbers"

    def _parse(self, item: str) -> float:
        value = float(item)
        if not math.isfinite(value):
            raise ValueError(item)
        return value


class Scale(click.ParamType):
    """A scale (sigma_W, sigma_b) whose square is a normal double: no nan, inf, 1e-320.

    ``allow_zero`` also accepts 0 (sigma_b = 0: no biases).

    Examples
    --------
    >>> Scale().convert("1.5", None, None), Scale(allow_zero=True).convert("0", None, None)
    (1.5, 0.0)
    """

    name = "number"
    #: allowed range: the square stays a normal, finite double
    LOW, HIGH = 1e-150, 1e150

    def __init__(self, allow_zero: bool = False) -> None:
        self.allow_zero = allow_zero

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> float:
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = math.nan
        if not (self.LOW <= number <= self.HIGH or (self.allow_zero and number == 0)):
            zero = "0 or " if self.allow_zero else ""
            self.fail(f"expected {zero}a finite positive number between {self.LOW:g} and "
                      f"{self.HIGH:g}, got {value!r}", param, ctx)
        return number


def architecture_names() -> list[str]:
    """The architecture names of the :data:`nnqft_sym.ARCHITECTURES` registry, sorted."""
    from nnqft_sym import ARCHITECTURES
    return sorted(ARCHITECTURES)


def arch_option(default: str | tuple[str, ...] | None = "gauss", multiple: bool = False,
                required: bool = False) -> Decorator:
    """``--arch NAME`` (repeatable with ``multiple``), choices from ``nnqft_sym.ARCHITECTURES``."""
    return click.option("--arch", "arch", type=click.Choice(architecture_names()), default=default,
                        multiple=multiple, required=required, show_default=default is not None,
                        help="Architecture from nnqft_sym.ARCHITECTURES"
                             + (" (repeat for several)." if multiple else "."))


def estimator_option() -> Decorator:
    """``--estimator {plain,conditional}``, choices from :data:`numeric.ESTIMATORS`; unset: the
    best valid one (:func:`numeric.default_estimator`, the conditional estimator today)."""
    from numeric.conditional import ESTIMATORS
    return click.option("--estimator", type=click.Choice(ESTIMATORS), default=None,
                        help="Green-function estimator (numeric.measure): plain (products of "
                             "sampled outputs) or conditional (Wick sums given the last hidden "
                             "layer, with a control variate) [default: the best valid one, "
                             "conditional].")


def sigma_w_option(default: float | None = 1.0, help: str = "Weight scale sigma_W.") -> Decorator:
    """``--sigma-w`` (a :class:`Scale`)."""
    return click.option("--sigma-w", type=Scale(), default=default,
                        show_default=default is not None, help=help)


def sigma_b_option(default: float | None = 1.0,
                   help: str = "Bias scale sigma_b >= 0.") -> Decorator:
    """``--sigma-b`` (a :class:`Scale` that accepts 0)."""
    return click.option("--sigma-b", type=Scale(allow_zero=True), default=default,
                        show_default=default is not None, help=help)


def d_in_option(default: int = 1) -> Decorator:
    """``--d-in``: the input dimension (an integer >= 1)."""
    return click.option("--d-in", type=click.IntRange(min=1), default=default, show_default=True,
                        help="Input dimension.")


def parse_priors(values: tuple[str, ...]) -> dict[str, Any]:
    """The ``with_priors`` arguments of repeated ``--prior`` values: ``GROUP=LAW`` or a JSON/TOML file.

    A file holds one table per group, e.g. ``[readout_weights]`` with ``law = "laplace"``,
    ``mean = 0.5``, ``shared_scale = {law = "finite", values = [0.5, 1.5], probabilities =
    [0.5, 0.5]}`` or ``spherical = 0.5`` (the quartic lambda of an O(N)-invariant read-out,
    also ``--prior readout_weights=spherical:0.5``); strings in it are read by the restricted
    parser, never evaluated.  Later values win.

    Examples
    --------
    >>> parse_priors(("readout_weights=laplace",))
    {'readout_weights': 'laplace'}
    >>> parse_priors(("readout_weights=spherical:0.5",))     # SphericalReadout, lambda = 0.5
    {'readout_weights': {'spherical': '0.5'}}
    """
    out: dict[str, Any] = {}
    for value in values:
        if "=" in value and not Path(value).exists():
            group, law = (part.strip() for part in value.split("=", 1))
            if law.startswith("spherical:"):
                quartic = law.split(":", 1)[1].strip()
                if not quartic:
                    raise click.BadParameter(f"{value!r}: spherical needs its quartic lambda >= 0, "
                                             "e.g. readout_weights=spherical:0.5",
                                             param_hint="'--prior'")
                out[group] = {"spherical": quartic}
            else:
                out[group] = law
            continue
        path = Path(value)
        if not path.is_file():
            raise click.BadParameter(f"{value!r} is neither GROUP=LAW (e.g. readout_weights=laplace) "
                                     f"nor a prior file (.json or .toml)", param_hint="'--prior'")
        try:
            if path.suffix == ".toml":
                data = tomllib.loads(path.read_text())
            elif path.suffix == ".json":
                data = json.loads(path.read_text())
            else:
                raise click.BadParameter(f"{value}: a prior file must end in .json or .toml",
                                         param_hint="'--prior'")
        except (ValueError, UnicodeDecodeError) as exc:
            raise click.BadParameter(f"{value}: cannot read it ({exc})", param_hint="'--prior'") from None
        if not isinstance(data, dict) or not all(isinstance(v, (dict, str)) for v in data.values()):
            raise click.BadParameter(f"{value}: a prior file maps each group to a law name or a "
                                     f"table (law, mean, variance, shared_scale, spherical)",
                                     param_hint="'--prior'")
        out.update(data)
    return out


def prior_option() -> Decorator:
    """``--prior GROUP=LAW`` or ``--prior FILE`` (repeatable): the parameter priors of the network."""
    return click.option("--prior", "priors", multiple=True, metavar="GROUP=LAW|FILE",
                        help="Prior of a parameter group (first_weights, first_biases, "
                             "hidden_weights, hidden_biases, readout_weights, readout_bias): "
                             "GROUP=LAW with LAW one of normal, rademacher, uniform, laplace, "
                             "student_t, readout_weights=spherical:LAMBDA, or a .json/.toml "
                             "file of tables with law, mean, variance, shared_scale, "
                             "spherical.  Repeatable.")


def seed_option() -> Decorator:
    """``--seed`` (an integer >= 0)."""
    return click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
                        help="Seed of the random streams (results are reproducible).")


def _check_out_folder(ctx: click.Context, param: click.Parameter,
                      value: Path | None) -> Path | None:
    """Fail now, in one line, if ``value`` cannot become a writable folder (creates nothing)."""
    if value is None:
        return None
    existing = next(p for p in [value, *value.parents] if p.exists() or p == p.parent)
    if not existing.is_dir():
        raise click.BadParameter(f"{str(existing)!r} is a file, so {str(value)!r} cannot be a "
                                 "folder", ctx=ctx, param=param)
    if os.statvfs(existing).f_flag & os.ST_RDONLY:
        reason = os.strerror(errno.EROFS)
    elif not os.access(existing, os.W_OK | os.X_OK):
        reason = os.strerror(errno.EACCES)
    else:
        return value
    raise click.BadParameter(f"cannot write to the folder {str(value)!r} ({str(existing)!r}: "
                             f"{reason})", ctx=ctx, param=param)


def out_option(default: Path | None, help: str) -> Decorator:
    """``--out FOLDER``: checked to be creatable and writable when the command starts."""
    return click.option("--out", type=click.Path(file_okay=False, path_type=Path),
                        default=default, show_default=default is not None, help=help,
                        callback=_check_out_folder)


def scheduler_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--scheduler`` and ``--workers`` (the experiment commands and the demo)."""
    command = click.option(
        "--workers", type=click.IntRange(min=1), default=None,
        help="Threads or processes of --scheduler threads/processes [default: the cores of "
             "this machine].")(command)
    return click.option(
        "--scheduler", default="threads", show_default=True,
        metavar="threads|serial|processes|ADDRESS",
        help="Where the tasks (bags, members) run: on --workers threads of this process (one "
             "BLAS thread each), one after the other, on a local Dask cluster of --workers "
             "processes, or on a running Dask scheduler (e.g. tcp://host:8786, see "
             "docs/distributed.md; waits NNQFT_SCHEDULER_TIMEOUT seconds, default 5, for it to "
             "answer); results are identical.")(command)


@contextlib.contextmanager
def reported_errors(out: Path) -> Iterator[None]:
    """Turn what can stop a run into one error line (no traceback).

    nnqft's own errors (a damaged or busy checkpoint folder, an unreachable scheduler, a cost
    limit) and bad values print their message; any other operating-system error is a failure
    to write under ``out``.
    """
    from nnqft_sym.errors import NnqftError
    try:
        yield
    except (NnqftError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"cannot write the results to {str(out)!r}: "
                                   f"{exc.strerror or exc}") from None


def parse_points(text: str | None, d_in: int) -> tuple[Any, ...] | None:
    """``--points``: comma-separated numbers (d_in = 1) or ``;``-separated points of ``d_in``
    comma-separated coordinates; ``None`` (not given) stays ``None``.

    Raises
    ------
    click.BadParameter
        If the text is not of that form.

    Examples
    --------
    >>> parse_points("0.5,1;1,1", 2)
    ((0.5, 1.0), (1.0, 1.0))
    """
    if text is None:
        return None
    numbers = FloatList()
    if d_in == 1 and ";" not in text:
        return numbers.convert(text, None, None)
    try:
        rows = tuple(numbers.convert(part, None, None) for part in text.split(";"))
    except click.BadParameter:
        rows = ()
    if not rows or any(len(r) != d_in for r in rows):
        raise click.BadParameter(f"expected points of d_in = {d_in} finite coordinates separated "
                                 f"by ';' (e.g. 0.5,1;1,1 for d_in = 2), got {text!r}")
    return rows


def points_option(help: str) -> Decorator:
    """``--points`` read by :func:`parse_points` with the command's ``--d-in`` (declare
    ``--d-in`` first); not given: ``None``."""
    def convert(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
        try:
            return parse_points(value, ctx.params.get("d_in", 1))
        except click.BadParameter as exc:
            raise click.BadParameter(exc.message, ctx=ctx, param=param) from None
    return click.option("--points", default=None, callback=convert, help=help)


def resolve_scheduler(scheduler: str, workers: int | None) -> tuple[str, int]:
    """``(scheduler, workers)`` for :func:`numeric.measure`, or a click error naming the option."""
    from numeric.distributed import check_scheduler
    try:
        return check_scheduler(scheduler, workers)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--scheduler/--workers") from None


def latex_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--latex`` and ``--standalone`` (a complete .tex document; implies ``--latex``)."""
    command = click.option("--standalone", is_flag=True,
                           help="Print a complete LaTeX document (implies --latex), e.g. "
                                "> out.tex && pdflatex out.tex.")(command)
    return click.option("--latex", "as_latex", is_flag=True,
                        help="Print LaTeX that compiles when pasted into a document body "
                             "(amsmath).")(command)

