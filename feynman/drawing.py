r"""Pictures of diagrams: matplotlib (:func:`draw`) and TikZ-Feynman source (:func:`tikz`).

Both use the same deterministic layout: internal vertices on a circle (or at the origin for
one vertex), each leg outside, in the direction of the vertex it attaches to.  Parallel
lines are drawn as arcs of alternating bend, self-loops as outward loops.  The TikZ source
places every vertex at an explicit coordinate, so it needs no graph-drawing library and
compiles with pdflatex.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .diagram import Diagram

__all__ = ["layout", "draw", "tikz"]


def layout(diagram: "Diagram") -> dict[int, tuple[float, float]]:
    """Node index -> (x, y) coordinates (legs ``0..n-1`` then vertices).

    Examples
    --------
    >>> from feynman import generate
    >>> pos = layout(generate(4, {4: 1})[0])
    >>> sorted(round(math.hypot(*pos[i]), 3) for i in range(4))
    [2.0, 2.0, 2.0, 2.0]
    """
    n, n_vertices = diagram.legs, len(diagram.valences)
    pos: dict[int, tuple[float, float]] = {}
    radius = 0.0 if n_vertices == 1 else 1.0
    for j in range(n_vertices):
        angle = math.pi - 2 * math.pi * j / max(n_vertices, 1)
        pos[n + j] = (radius * math.cos(angle), radius * math.sin(angle))
    adj = diagram.adjacency
    # legs attached to the same vertex fan out around its outward direction
    per_vertex: dict[int, list[int]] = {}
    free_lines: list[int] = []
    for i in range(n):
        partner = next(v for v in range(len(adj)) if adj[i][v])
        if partner >= n:
            per_vertex.setdefault(partner, []).append(i)
        elif partner > i:
            free_lines.append(i)
    for row, i in enumerate(free_lines):   # free lines between two legs, stacked below
        partner = next(v for v in range(n) if adj[i][v])
        height = -0.8 * row - (2.6 if n_vertices else 0.0)
        pos[i], pos[partner] = (-1.0, height), (1.0, height)
    for partner, legs in per_vertex.items():
        cx, cy = pos[partner]
        for slot, i in enumerate(legs):
            if radius == 0:      # one vertex at the origin: legs all around at distance 2
                angle, dist = math.pi - 2 * math.pi * slot / len(legs), 2.0
            else:                # fan out around the outward direction of the vertex
                angle, dist = math.atan2(cy, cx) + 0.6 * (slot - (len(legs) - 1) / 2), 1.0
            pos[i] = (cx + dist * math.cos(angle), cy + dist * math.sin(angle))
    return pos


def _bends(m: int) -> list[float]:
    """Bend angles (degrees) for m parallel lines: 0, +-25, +-50, ..."""
    out = [0.0] if m % 2 else []
    step = 1
    while len(out) < m:
        out += [25.0 * step, -25.0 * step]
        step += 1
    return out[:m]


def _loop_angles(diagram: "Diagram", pos: dict[int, tuple[float, float]], v: int) -> list[float]:
    """Directions (degrees) for the self-loops at ``v``: spread over the widest free sector."""
    adj = diagram.adjacency
    x, y = pos[v]
    taken = sorted(math.degrees(math.atan2(pos[w][1] - y, pos[w][0] - x)) % 360
                   for w in range(len(adj)) if w != v and adj[v][w])
    if not taken:
        return [90.0 + 360.0 * r / adj[v][v] for r in range(adj[v][v])]
    gaps = [((taken[(i + 1) % len(taken)] - a) % 360 or 360.0, a) for i, a in enumerate(taken)]
    angles = []
    for _ in range(adj[v][v]):          # each loop bisects the widest free sector
        # widest sector first; among equal ones the one opening upwards
        gaps.sort(key=lambda g: (round(g[0], 6), math.sin(math.radians(g[1] + g[0] / 2))))
        width, start = gaps.pop()
        angles.append(start + width / 2)
        gaps += [(width / 2, start), (width / 2, start + width / 2)]
    return angles


def draw(diagram: "Diagram", ax: Any = None) -> Any:
    """Draw the diagram on a matplotlib axis (a new one if None); returns the axis.

    Legs are open circles labelled :math:`x_i`, vertices black dots.

    Examples
    --------
    >>> from feynman import generate
    >>> ax = draw(generate(2, {4: 2})[1])
    >>> ax.get_title()
    'S = 6'
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Arc, FancyArrowPatch

    if ax is None:
        _, ax = plt.subplots(figsize=(3, 3))
    pos = layout(diagram)
    n = diagram.legs
    for u, v, m in diagram.lines():
        if u == v:
            x, y = pos[u]
            for angle in _loop_angles(diagram, pos, u):
                direction, size = math.radians(angle), 0.5
                cx, cy = x + size / 2 * math.cos(direction), y + size / 2 * math.sin(direction)
                ax.add_patch(Arc((cx, cy), size, size, color="k", lw=1.2))
            continue
        for bend in _bends(m):
            rad = math.tan(math.radians(bend) / 2)
            ax.add_patch(FancyArrowPatch(pos[u], pos[v], arrowstyle="-",
                                         connectionstyle=f"arc3,rad={rad:.3f}",
                                         color="k", lw=1.2, shrinkA=0, shrinkB=0))
    for node, (x, y) in pos.items():
        if node < n:
            ax.plot(x, y, "o", mfc="white", mec="k", ms=6, zorder=3)
            norm = math.hypot(x, y) or 1.0
            ax.annotate(f"$x_{{{node + 1}}}$", (x, y), textcoords="offset points",
                        xytext=(11 * x / norm, 11 * y / norm), ha="center", va="center")
        else:
            ax.plot(x, y, "o", color="k", ms=5, zorder=3)
    xs = np.array([p[0] for p in pos.values()] or [0.0])
    ys = np.array([p[1] for p in pos.values()] or [0.0])
    ax.set_xlim(xs.min() - 1, xs.max() + 1)
    ax.set_ylim(ys.min() - 1, ys.max() + 1)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(f"S = {diagram.symmetry_factor}", fontsize=9)
    return ax


def tikz(diagram: "Diagram", scale: float = 1.0, standalone: bool = False) -> str:
    r"""TikZ-Feynman source with explicit vertex coordinates.

    Include ``\usepackage[compat=1.1.0]{tikz-feynman}`` in the preamble; ``standalone=True``
    wraps the picture in a complete ``standalone`` document.  No automatic layout is
    requested, so pdflatex suffices (LuaLaTeX is needed only for tikz-feynman's layouts).

    Examples
    --------
    >>> from feynman import generate
    >>> print(tikz(generate(0, {4: 1})[0]))
    \begin{tikzpicture}[baseline=(current bounding box.center)]
    \begin{feynman}
    \vertex[dot] (y1) at (0.000, 0.000) {};
    \diagram* {
    };
    \draw (y1) to[out=60, in=120, looseness=8, min distance=0.8cm] (y1);
    \draw (y1) to[out=240, in=300, looseness=8, min distance=0.8cm] (y1);
    \end{feynman}
    \end{tikzpicture}
    """
    if not isinstance(scale, (int, float)) or not scale > 0:
        raise ValueError(f"scale must be a positive number, got {scale!r}")
    pos = layout(diagram)
    names = diagram.node_names
    n = diagram.legs
    lines = [r"\begin{tikzpicture}[baseline=(current bounding box.center)]",
             r"\begin{feynman}"]
    for node, (x, y) in sorted(pos.items()):
        style, label = ("", rf"{{\(x_{{{node + 1}}}\)}}") if node < n else ("[dot]", "{}")
        cx, cy = scale * x + 0.0, scale * y + 0.0          # + 0.0 turns -0.0 into 0.0
        lines.append(rf"\vertex{style} ({names[node]}) at ({cx:.3f}, {cy:.3f}) {label};")
    lines.append(r"\diagram* {")
    loops = []
    for u, v, m in diagram.lines():
        if u == v:
            # tikz-feynman's \diagram* silently drops edges from a vertex to itself: draw
            # self-loops with plain TikZ after the diagram
            for centre in _loop_angles(diagram, pos, u):
                loops.append(rf"\draw ({names[u]}) to[out={centre - 30:.0f}, in={centre + 30:.0f}, "
                             rf"looseness=8, min distance={0.8 * scale:.1f}cm] ({names[u]});")
            continue
        for bend in _bends(m):
            opt = "" if bend == 0 else (f" [bend left={bend:.0f}]" if bend > 0
                                        else f" [bend right={-bend:.0f}]")
            lines.append(f"  ({names[u]}) --{opt} ({names[v]}),")
    lines += ["};", *loops, r"\end{feynman}", r"\end{tikzpicture}"]
    if standalone:
        lines = [r"\documentclass[border=2pt]{standalone}",
                 r"\usepackage[compat=1.1.0]{tikz-feynman}", r"\begin{document}",
                 *lines, r"\end{document}"]
    return "\n".join(lines)
