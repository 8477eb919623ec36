# %% [markdown]
# # 03 — Feynman diagrams: enumeration, exact symmetry factors, expressions, tree-level predictions
#
# The `feynman` package turns a truncated effective action
# $S = S_0 + \sum_k \frac{g_k}{k!}\int \phi^k$ (NN-QFT: $u_4$, $u_6$) into diagrams. A vertex of
# valence $k$ carries $-g_k$, a line the propagator $K$, and a diagram the factor $1/S$ with $S$
# the order of its half-edge automorphism group.

# %%
from math import factorial

import matplotlib.pyplot as plt
import numpy as np
import networkx as nx
import sympy as sp
from IPython.display import Math, display

import feynman
import nnqft_sym as nq
from numeric import hms_setting

# %% [markdown]
# ## 1. Enumeration and exact symmetry factors
# The $\phi^4$ vacuum diagrams with 3 vertices, and the figure-eight: networkx's isomorphism
# matcher sees a single vertex automorphism, the half-edge group has order 8.

# %%
for d in feynman.generate(0, {4: 3}, connected=False):
    print(d)
eight = feynman.generate(0, {4: 1})[0]
matcher = nx.algorithms.isomorphism.MultiGraphMatcher(eight.graph, eight.graph)
print("vertex automorphisms:", sum(1 for _ in matcher.isomorphisms_iter()),
      " symmetry factor:", eight.symmetry_factor)

# %% [markdown]
# ## 2. The zero-dimensional check
# In $d = 0$ every diagram is worth $\prod(-g)^{n}/S$, and the sum over all vacuum diagrams
# with $V$ quartic vertices must equal the coefficient of $Z = \int dx\, e^{-x^2/2 - g x^4/4!}/\sqrt{2\pi}$:
# $\sum 1/S = (4V - 1)!! / (4!^V V!)$.

# %%
for v in range(1, 6):
    diagrams = feynman.generate(0, {4: v}, connected=False)
    total = sum(sp.Rational(1, d.symmetry_factor) for d in diagrams)
    exact = sp.factorial2(4 * v - 1) / (sp.factorial(4) ** v * sp.factorial(v))
    print(f"V = {v}: {len(diagrams):3d} diagrams, sum 1/S = {total}, exact {exact}")

# %% [markdown]
# ## 3. Pictures
# The one-loop 1PI four-point diagrams (s, t, u channels) and the two-loop self-energy.

# %%
diagrams = feynman.generate(4, {4: 2}, one_pi=True) + feynman.generate(2, {4: 2})
fig, axes = plt.subplots(1, len(diagrams), figsize=(2.2 * len(diagrams), 2.4))
for d, ax in zip(diagrams, axes):
    d.draw(ax)
plt.tight_layout()

# %% [markdown]
# TikZ-Feynman source with explicit coordinates (compiles with pdflatex):

# %%
print(diagrams[-1].tikz())

# %% [markdown]
# ## 4. Expressions
# Position space (integrals over the internal vertices) and momentum space (loop momenta,
# conservation at every vertex) for the sunset diagram, with the NN-QFT couplings $u_k$.

# %%
u = feynman.coupling_symbols([4, 6], prefix="u")
sunset = [d for d in feynman.generate(2, {4: 2}) if d.symmetry_factor == 6][0]
display(Math(sunset.latex(couplings=u)))
display(sunset.momentum_expression(couplings=u))

# %% [markdown]
# ## 5. Tree level for Gauss-net
# $\Delta G^{(4)} = -u_4 N_K$ with $N_K = \int d^dx \prod_i K_W(x, x_i)$, and the 6-point
# prediction $\Delta G^{(6)} = u_4^2 \sum_{10\ \text{splits}} \int\int KKK\,K\,KKK - u_6 \int K^6$,
# in closed form (Gaussian integrals) at the ELS points.

# %%
setting = hms_setting("gauss", 1)          # the ELS points
net = setting.network()
points = np.array(setting.scalar_points)
print("N_K (diagram)     :", feynman.tree_level_four_point(net, points[:4]))
print("N_K (nnqft_sym)   :", nq.contact_integral(net, points[:4]))
tree = feynman.tree_level_six_point(net, points)
print("6-point exchange per u4^2:", tree.exchange, " contact per u6:", tree.contact)
print("Delta G^(6) for u4 = -1, u6 = 2:", tree.delta_green(-1.0, 2.0))
