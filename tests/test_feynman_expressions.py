"""Diagram expressions (position and momentum space), LaTeX, TikZ, drawings and correlators."""
from __future__ import annotations

import re
import shutil
import subprocess

import matplotlib.pyplot as plt
import pytest
import sympy as sp
from sympy.core.function import AppliedUndef

from feynman import (Diagram, correlator, correlator_diagrams, gaussian_integral_expr,
                     generate)

K = sp.Function("K")


def test_position_expression_of_the_contact_term():
    (contact,) = generate(4, {4: 1})
    xs = sp.symbols("x_1:5", real=True)
    y = sp.Symbol("y_1", real=True)
    expected = -sp.Symbol("u4") * sp.Integral(
        sp.Mul(*(K(x, y) for x in xs)), (y, -sp.oo, sp.oo))
    assert contact.expression(couplings={4: sp.Symbol("u4")}) == expected


def test_position_expression_with_self_loops_and_multi_edges():
    sunset = [d for d in generate(2, {4: 2}) if d.symmetry_factor == 6][0]
    expr = sunset.expression()
    y1, y2 = sp.symbols("y_1 y_2", real=True)
    assert expr.args[-1].function.count(K(y1, y2)) == 1
    assert sp.Poly(expr.args[-1].function, K(y1, y2)).degree() == 3
    assert sp.simplify(expr / expr.args[-1] - sp.Symbol("g4") ** 2 / 6) == 0
    (eight,) = generate(0, {4: 1})
    assert eight.expression() == -sp.Symbol("g4") / 8 * sp.Integral(
        K(y1, y1) ** 2, (y1, -sp.oo, sp.oo))


# ---------------------------------------------------------------------- momentum space
def gaussian_integral(expr, var):
    """int_R dv of C exp(-a v^2 + b v + c) = C sqrt(pi/a) exp(b^2/(4a) + c), a > 0."""
    expr = sp.powsimp(sp.expand(expr), combine="exp")
    const, exponent = sp.Integer(1), sp.Integer(0)
    for factor in sp.Mul.make_args(expr):
        if isinstance(factor, sp.exp):
            exponent += factor.args[0]
        else:
            assert not factor.has(var)
            const *= factor
    poly = sp.Poly(sp.expand(exponent), var)
    a, b, c = -poly.coeff_monomial(var ** 2), poly.coeff_monomial(var), poly.coeff_monomial(1)
    return const * sp.sqrt(sp.pi / a) * sp.exp(sp.expand(b ** 2 / (4 * a) + c))


def propagator_arguments(expr):
    """(constant prefactor, momentum arguments of K with multiplicity, loop variables)."""
    const, args, loops = sp.Integer(1), [], []
    for factor in sp.Mul.make_args(expr):
        if isinstance(factor, sp.Integral):
            loops += [lim[0] for lim in factor.limits]
            c, a, _ = propagator_arguments(factor.function)
            const, args = const * c, args + a
        elif isinstance(factor, sp.Pow) and isinstance(factor.base, AppliedUndef):
            args += [factor.base.args[0]] * int(factor.exp)
        elif isinstance(factor, AppliedUndef):
            args.append(factor.args[0])
        else:
            const *= factor
    return const, args, loops


@pytest.mark.parametrize("legs,content,one_pi", [(2, {4: 1}, False), (2, {4: 2}, False),
                                                 (2, {6: 1}, False), (4, {4: 1}, False),
                                                 (4, {4: 2}, True), (2, {}, False)])
def test_momentum_expression_fourier_transforms_to_position_space(legs, content, one_pi):
    """d = 1, Gaussian K(x) = A e^{-alpha x^2}, K(p) = A/(2 pi) sqrt(pi/alpha) e^{-p^2/(4 alpha)}:
    int prod dp_i e^{i sum p_i x_i} (2 pi) M equals the closed-form position-space value."""
    amp, alpha = sp.Rational(3, 2), sp.Rational(2, 5)
    xs = [sp.Rational(1, 3), sp.Rational(-1, 5), sp.Rational(1, 2), 0][:legs]
    for d in generate(legs, content, one_pi=one_pi):
        m = d.momentum_expression(couplings={4: 1, 6: 1}, d_in=1)
        const, args, loops = propagator_arguments(m)
        ps = sp.symbols(f"p_1:{legs + 1}", real=True)
        p_last = -sum(ps[:-1])
        integrand = (const * 2 * sp.pi
                     * (amp / (2 * sp.pi) * sp.sqrt(sp.pi / alpha)) ** len(args)
                     * sp.exp(-sum(a ** 2 for a in args) / (4 * alpha)
                              + sp.I * (sum(p * x for p, x in zip(ps[:-1], xs))
                                        + p_last * xs[-1])))
        for var in loops + list(ps[:-1]):
            integrand = gaussian_integral(integrand, var)
        position = d.weight({4: 1, 6: 1}) * gaussian_integral_expr(d, amp, alpha, 1, xs)
        assert complex(sp.N(integrand, 30)) == pytest.approx(complex(sp.N(position, 30)),
                                                             rel=1e-12)
        assert len(loops) == d.loops


def test_momentum_conservation_and_loop_count():
    for d in generate(4, {4: 3}, one_pi=True)[:5]:
        m = d.momentum_expression()
        _, args, loops = propagator_arguments(m)
        assert len(loops) == d.loops == 2
        assert len(args) == d.n_lines


def test_momentum_expression_refuses_vacuum_and_disconnected():
    with pytest.raises(ValueError, match="connected"):
        generate(0, {4: 1})[0].momentum_expression()
    with pytest.raises(ValueError, match="connected"):
        generate(4, {}, connected=False)[0].momentum_expression()


# ---------------------------------------------------------------------- LaTeX, TikZ, drawing
def test_latex_golden_strings():
    (eight,) = generate(0, {4: 1})
    assert eight.latex() == (r"- \frac{g_{4}}{8} \int d^{d}y_{1}\, "
                             r"K^{2}{\left(y_{1},y_{1} \right)}")
    (contact,) = generate(4, {4: 1})
    assert contact.latex(couplings={4: sp.Symbol("u_4")}) == (
        r"- u_{4} \int d^{d}y_{1}\, K{\left(x_{1},y_{1} \right)} K{\left(x_{2},y_{1} \right)} "
        r"K{\left(x_{3},y_{1} \right)} K{\left(x_{4},y_{1} \right)}")
    assert sp.latex(contact) == contact.latex()


def _braces_balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


@pytest.mark.parametrize("legs,content", [(0, {4: 2}), (2, {4: 2}), (4, {4: 2}),
                                          (6, {4: 2}), (2, {}), (4, {6: 2})])
def test_tikz_has_explicit_coordinates_for_every_vertex(legs, content):
    for d in generate(legs, content, connected=legs != 4 or bool(content)):
        src = d.tikz()
        assert src.startswith(r"\begin{tikzpicture}") and src.endswith(r"\end{tikzpicture}")
        assert _braces_balanced(src)
        vertices = re.findall(r"\\vertex(?:\[dot\])? \((\w+)\) at \(-?[\d.]+, -?[\d.]+\)", src)
        assert sorted(vertices) == sorted(d.node_names)
        # one "--" per line between two vertices and one plain-TikZ \draw per self-loop
        # (tikz-feynman's \diagram* drops edges from a vertex to itself); no automatic layout
        # (which would need LuaLaTeX)
        self_loops = sum(m for u, v, m in d.lines() if u == v)
        assert src.count(" --") == d.n_lines - self_loops
        body = src.split(r"\diagram* {")[1]
        assert len(re.findall(r"\\draw \((\w+)\) to\[out=-?\d+, in=-?\d+, looseness=8, "
                              r"min distance=[\d.]+cm\] \(\1\);", body.split("};")[1])) == self_loops
        assert "layered layout" not in src and "spring layout" not in src


def test_draw_returns_axis_with_one_artist_per_line():
    fig, ax = plt.subplots()
    d = [x for x in generate(2, {4: 2}) if x.symmetry_factor == 6][0]
    out = d.draw(ax)
    assert out is ax
    assert len(ax.patches) == d.n_lines
    assert ax.get_title() == "S = 6"
    plt.close(fig)


def test_tikz_standalone_document():
    src = generate(2, {4: 1})[0].tikz(standalone=True)
    assert src.splitlines()[:3] == [r"\documentclass[border=2pt]{standalone}",
                                    r"\usepackage[compat=1.1.0]{tikz-feynman}",
                                    r"\begin{document}"]
    assert src.endswith(r"\end{tikzpicture}" + "\n" + r"\end{document}")
    assert "luatex" not in src.lower()


def test_tikz_rejects_bad_scale():
    with pytest.raises(ValueError, match="scale"):
        generate(0, {4: 1})[0].tikz(scale=0)


# ---------------------------------------------------------------------- correlators
def test_correlator_sums_the_diagrams():
    expr = correlator(2, 2)
    diagrams = generate(2, {4: 2})
    assert expr == sp.Add(*(d.expression() for d in diagrams))
    mixed = correlator_diagrams(4, 2, valences=(4, 6))
    assert {tuple(d.vertex_counts.items()) for d in mixed} == {((4, 2),), ((4, 1), (6, 1)),
                                                                ((6, 2),)}
    assert correlator_diagrams(4, {4: 2}, one_pi=True) == generate(4, {4: 2}, one_pi=True)
    with pytest.raises(ValueError, match="order"):
        correlator(2, -1)


def test_diagram_repr_and_equality():
    a = generate(4, {4: 2}, one_pi=True)
    b = generate(4, {4: 2}, one_pi=True)
    assert a == b and len(set(a + b)) == 3
    assert repr(a[0]) == "Diagram(legs=4, vertices={4: 2}, loops=1, S=2)"
    assert isinstance(a[0].graph.copy(), type(a[0].graph))
    assert Diagram(a[0].graph) == a[0]


@pytest.mark.skipif(shutil.which("pdflatex") is None,
                    reason="pdflatex with tikz-feynman is not installed (TeX is not a dependency)")
def test_tikz_compiles_with_pdflatex(tmp_path):
    """Every diagram class with self-loops, multi-edges and legs compiles with plain pdflatex."""
    for legs, content in [(0, {4: 2}), (2, {4: 2}), (4, {4: 2}), (4, {6: 1, 4: 1})]:
        for i, d in enumerate(generate(legs, content, connected=True)):
            tex = tmp_path / f"d{legs}_{i}.tex"
            tex.write_text(d.tikz(standalone=True))
            run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", tex.name],
                                 cwd=tmp_path, capture_output=True, text=True, timeout=120)
            assert run.returncode == 0, run.stdout[-2000:]
