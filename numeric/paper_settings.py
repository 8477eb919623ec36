r"""The per-architecture settings of the HMS experiments, defined once.

Halverson, Maiti and Stoner (HMS, arXiv:2008.08601) measure each architecture with its own
hyper-parameters and inputs (their public code; the Gauss-net case is also the ELS setting,
arXiv:2108.01403).  All use :math:`\sigma_W = 1`; the ReLU-net has no biases
(:math:`\sigma_b = 0`, where :math:`f(tx) = t f(x)` for :math:`t > 0`).  The inputs:

=========  ======  ===================================================================
arch       d_in    inputs
=========  ======  ===================================================================
gauss      1       0.01 x {-1, -0.6, -0.2, 0.2, 0.6, 1}
gauss      2       0.01 x {-1, 1}^2
gauss      3       0.01 x the corners (-1,-1,-1), (1,1,-1), (-1,1,1), (1,-1,1)
relu       1       {0.2, 0.4, 0.6, 0.8, 1.0, 1.2}
relu       2       {0.5, 1}^2
relu       3       the same four corners with -1 -> 0.2, 1 -> 1
erf        1       {-1, -0.6, -0.2, 0.2, 0.6, 1}
erf        2, 3    as Gauss-net without the factor 0.01
=========  ======  ===================================================================

The four corners are the vertices of :math:`\{\pm 1\}^3` whose coordinates multiply to -1
(a regular tetrahedron).  Which four corners the ReLU-net uses at d_in = 3 and the Erf-net
sets at d_in = 2, 3 (the Gauss-net sets without the factor 0.01) are not spelled out in the
paper: they are this project's reading by analogy, as each entry's ``source`` says.
:data:`HMS_SETTINGS` feeds ``nnqft experiment hms``, ``nnqft demo``, the notebooks and the
table of ``docs/numeric.md`` (checked against it by a test).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nnqft_sym.architectures import Network, make_network

__all__ = ["PaperSetting", "HMS_SETTINGS", "hms_setting", "settings_markdown_table"]

#: the tetrahedron of cube corners used at d_in = 3 (signs)
_CORNERS = ((-1, -1, -1), (1, 1, -1), (-1, 1, 1), (1, -1, 1))
_SQUARE = ((-1, -1), (-1, 1), (1, -1), (1, 1))
_LINE = (-1.0, -0.6, -0.2, 0.2, 0.6, 1.0)
_HMS = "HMS arXiv:2008.08601, public code"


@dataclass(frozen=True)
class PaperSetting:
    """One architecture's experiment setting in a paper.

    Attributes
    ----------
    arch : str
        Architecture key of :func:`nnqft_sym.make_network` (``"gauss"``, ``"relu"``, ``"erf"``).
    d_in : int
        Input dimension.
    sigma_w, sigma_b : float
        Weight and bias scales.
    points : tuple of tuple of float
        The inputs, shape ``(P, d_in)``.
    source : str
        Where the setting comes from (paper and whether it is the paper's or an analogue).

    Examples
    --------
    >>> s = hms_setting("relu", 1)
    >>> s.sigma_b, s.scalar_points
    (0.0, (0.2, 0.4, 0.6, 0.8, 1.0, 1.2))
    >>> float(s.network(depth=2).kernel(1.0, 1.0))     # sigma_b = 0: K(x, x) = x^2 / 2^L
    0.25
    """

    arch: str
    d_in: int
    sigma_w: float
    sigma_b: float
    points: tuple[tuple[float, ...], ...]
    source: str

    @property
    def label(self) -> str:
        """Short name used in reports and metadata, e.g. ``"HMS relu d_in=1"``."""
        return f"HMS {self.arch} d_in={self.d_in}"

    @property
    def scalar_points(self) -> tuple[float, ...]:
        """The inputs as plain numbers (d_in = 1 only).

        Raises
        ------
        ValueError
            If ``d_in > 1``.
        """
        if self.d_in != 1:
            raise ValueError(f"scalar_points needs d_in = 1, this setting has d_in = {self.d_in}")
        return tuple(p[0] for p in self.points)

    def network(self, **overrides: Any) -> Network:
        """The architecture with this setting's hyper-parameters (``overrides``: e.g. ``depth``)."""
        params = {"sigma_w": self.sigma_w, "sigma_b": self.sigma_b, "d_in": self.d_in, **overrides}
        return make_network(self.arch, **params)

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form (run metadata)."""
        return {"label": self.label, "arch": self.arch, "d_in": self.d_in,
                "sigma_w": self.sigma_w, "sigma_b": self.sigma_b,
                "points": [list(p) for p in self.points], "source": self.source}


def _scaled(signs: Any, low: float, high: float) -> tuple[tuple[float, ...], ...]:
    """Map the sign patterns -1 -> low, +1 -> high."""
    return tuple(tuple(float(high if s > 0 else low) for s in row) for row in signs)


def _line(scale: float) -> tuple[tuple[float, ...], ...]:
    return tuple((round(scale * v, 12),) for v in _LINE)


#: the HMS settings per architecture and input dimension d_in = 1, 2, 3
HMS_SETTINGS: tuple[PaperSetting, ...] = (
    PaperSetting("gauss", 1, 1.0, 1.0, _line(0.01), _HMS + " (also ELS arXiv:2108.01403)"),
    PaperSetting("gauss", 2, 1.0, 1.0, _scaled(_SQUARE, -0.01, 0.01), _HMS),
    PaperSetting("gauss", 3, 1.0, 1.0, _scaled(_CORNERS, -0.01, 0.01), _HMS),
    PaperSetting("relu", 1, 1.0, 0.0, tuple((round(0.2 * k, 12),) for k in range(1, 7)), _HMS),
    PaperSetting("relu", 2, 1.0, 0.0, _scaled(_SQUARE, 0.5, 1.0), _HMS),
    PaperSetting("relu", 3, 1.0, 0.0, _scaled(_CORNERS, 0.2, 1.0),
                 _HMS + " (corners with entries in {0.2, 1}); the four corners: nnqft's "
                 "choice, the Gauss-net tetrahedron"),
    PaperSetting("erf", 1, 1.0, 1.0, _line(1.0), _HMS),
    PaperSetting("erf", 2, 1.0, 1.0, _scaled(_SQUARE, -1.0, 1.0),
                 _HMS + " (d_in = 1); at this d_in nnqft's analogue, the Gauss-net set without the "
                 "factor 0.01"),
    PaperSetting("erf", 3, 1.0, 1.0, _scaled(_CORNERS, -1.0, 1.0),
                 _HMS + " (d_in = 1); at this d_in nnqft's analogue, the Gauss-net set without the "
                 "factor 0.01"),
)


def hms_setting(arch: str, d_in: int = 1) -> PaperSetting:
    """The HMS setting of ``arch`` at input dimension ``d_in``.

    Raises
    ------
    ValueError
        If there is no such setting (arch not in gauss, relu, erf or d_in not in 1, 2, 3).

    Examples
    --------
    >>> hms_setting("gauss", 2).points
    ((-0.01, -0.01), (-0.01, 0.01), (0.01, -0.01), (0.01, 0.01))
    """
    for setting in HMS_SETTINGS:
        if setting.arch == arch and setting.d_in == d_in:
            return setting
    known = sorted({(s.arch, s.d_in) for s in HMS_SETTINGS})
    raise ValueError(f"no HMS setting for arch = {arch!r}, d_in = {d_in!r}; available (arch, d_in): "
                     f"{known}")


def settings_markdown_table() -> str:
    """The table of :data:`HMS_SETTINGS` as Markdown (the one in ``docs/numeric.md``).

    Examples
    --------
    >>> print(settings_markdown_table().splitlines()[2])
    | gauss | 1 | 1 | 1 | -0.01, -0.006, -0.002, 0.002, 0.006, 0.01 |
    """
    def point(p: tuple[float, ...]) -> str:
        return f"{p[0]:g}" if len(p) == 1 else "(" + ", ".join(f"{c:g}" for c in p) + ")"

    lines = ["| arch | d_in | sigma_W | sigma_b | inputs |", "|---|---|---|---|---|"]
    lines += [f"| {s.arch} | {s.d_in} | {s.sigma_w:g} | {s.sigma_b:g} | "
              f"{', '.join(point(p) for p in s.points)} |" for s in HMS_SETTINGS]
    return "\n".join(lines)
