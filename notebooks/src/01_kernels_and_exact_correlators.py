# %% [markdown]
# # 01 — Kernels, propagators and exact finite-width correlators
#
# A one-hidden-layer network $f(x) = \sum_{i=1}^N W^1_i g(W^0_i x + b^0_i) + b^1$ with the priors
# of HMS (arXiv:2008.08601) is, at infinite width, a Gaussian process — a free field whose
# propagator is the GP kernel $K$. At finite $N$ the connected correlators are exactly
# $\kappa_n(f) = N\kappa_n(W^1 g) = O(N^{1-n/2})$. This notebook walks through what `nnqft_sym`
# derives: kernels, the momentum-space propagator, Wick's theorem, the exact $1/N$ corrections,
# and the tree-level quartic coupling — and checks them against a small simulation.

# %%
import numpy as np
import sympy as sp
import matplotlib.pyplot as plt
import nnqft_sym as nq
import numeric as nm

sw, sb = sp.symbols("sigma_W sigma_b", positive=True)

# %% [markdown]
# ## 1. Architectures: one SymPy definition feeds everything
# The activation is a SymPy expression of the pre-activation `Z`; Gauss-net adds the
# normalisation $1/\sqrt{e^{2s(x)}}$ with $s(x) = \sigma_b^2 + \sigma_W^2 |x|^2/d_{in}$.

# %%
gauss = nq.GaussNet(sigma_w=sw, sigma_b=sb, d_in=1)
relu, erf = nq.ReLUNet(sigma_w=sw, sigma_b=sb), nq.ErfNet(sigma_w=sw, sigma_b=sb)
custom = nq.Network(sp.tanh(nq.Z), sigma_w=1.2, sigma_b=0.5, name="tanh-net")
gauss.activation, gauss.normalisation

# %% [markdown]
# ## 2. GP kernels, derived
# Gauss-net by the Gaussian moment-generating function, ReLU / Erf from the arc-cosine and
# arcsine closed forms.

# %%
gauss.kernel_expr()

# %%
erf.kernel_expr()

# %%
x, y = np.linspace(-2, 2, 5), 0.3
print("tanh-net kernel (quadrature):", custom.kernel(x, y).round(6))

# %% [markdown]
# ## 3. Momentum-space propagator and its IR expansion
# Convention $K(x) = \int d^dp\, e^{ipx} K(p)$; the seed talk's formula and
# $m_0^2 = 2\sigma_W^2/d_{in}$.

# %%
ir = nq.GaussNet(sigma_w=sw, sigma_b=sb, d_in=3).ir_expansion()
ir.propagator, ir.Z0, ir.m0_squared

# %% [markdown]
# ## 4. Wick's theorem: free n-point functions
# Our own pairing enumerator ((n-1)!! pairings).

# %%
print([len(nq.pairings(n)) for n in (2, 4, 6, 8)])
x1, x2, x3, x4 = sp.symbols("x1:5", real=True)
nq.GaussNet(sigma_w=1, sigma_b=1).free_green([x1, x2, x3, x4])

# %% [markdown]
# ## 5. Exact finite-width correlators
# At the ELS input points (the HMS Gauss-net setting, `numeric.hms_setting("gauss", 1)`),
# $m_n = \Delta G^{(n)}/G_0^{(n)}$ is an exact finite polynomial in $1/N$.

# %%
gauss_hms = nm.hms_setting("gauss", 1)
points = np.array(gauss_hms.scalar_points)
net = gauss_hms.network()
widths = np.array([2, 3, 4, 5, 10, 20, 50, 100, 500, 1000])
m4 = np.array([net.deviation(points[:4], w) for w in widths])
m6 = np.array([net.deviation(points, w) for w in widths])
print("1/N series of Delta G^(6):", net.delta_green_series(points))
print("1/N series of m_6:", net.deviation_series(points))

# %%
fig, ax = plt.subplots(figsize=(5, 3.5))
ax.loglog(widths, m4, "o-", label="$m_4$ (exact)")
ax.loglog(widths, m6, "s-", label="$m_6$ (exact)")
ax.set_xlabel("width $N$"); ax.set_ylabel("$m_n$"); ax.legend()
plt.close(fig)
fig

# %% [markdown]
# The HMS ReLU-net setting has no biases ($\sigma_b = 0$): then $f(tx) = t f(x)$ for $t > 0$, and
# on its inputs $0.2, \dots, 1.2$ (one ray) $m_4 = 5/N$ and $m_6 = 15/N + 44/N^2$ exactly.

# %%
relu_hms = nm.hms_setting("relu", 1)
relu0 = relu_hms.network()
print(relu_hms.label, "m_4:", relu0.deviation_series(relu_hms.scalar_points[:4]),
      " m_6:", relu0.deviation_series(relu_hms.scalar_points))

# %% [markdown]
# The symbolic width gives the series in closed form:

# %%
N = sp.Symbol("N", positive=True)
sp.simplify(nq.GaussNet(sigma_w=1, sigma_b=1).connected_green([x1, x1, x1, x1], N))

# %% [markdown]
# ## 6. A quick simulation check (independent hand-written sampler)
# $10^5$ networks of width 3: the measured 4-point function against the exact value, with the
# standard error.

# %%
rng = np.random.default_rng(0)
n_nets, width, pts = 100_000, 3, points[:4]
w0 = rng.normal(0, 1, (n_nets, width)); b0 = rng.normal(0, 1, (n_nets, width))
s = 1 + pts ** 2
g = np.exp(w0[..., None] * pts + b0[..., None] - s)
f = np.einsum("mw,mwn->mn", rng.normal(0, 1 / np.sqrt(width), (n_nets, width)), g) + rng.normal(0, 1, (n_nets, 1))
prod = f.prod(axis=1)
est, se = prod.mean(), prod.std(ddof=1) / np.sqrt(n_nets)
exact = net.green(pts, width)
print(f"G4 measured {est:.4f} ± {se:.4f}, exact {exact:.4f}, free {net.free_green(pts):.4f}, z = {(est - exact) / se:.2f}")
assert abs(est - exact) < 4 * se

# %% [markdown]
# ## 7. Tree-level quartic coupling
# $u_4 = -\Delta G^{(4)}/N_K$ with $N_K = \int dx \prod_i K_W(x, x_i)$ in closed form.

# %%
u4 = np.array([net.quartic_coupling(points[:4], w) for w in widths])
print("N * u4 (constant, negative):", (widths * u4).round(4))
