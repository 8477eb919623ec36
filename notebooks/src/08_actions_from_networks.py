# %% [markdown]
# # 08 — From correlators to the action and back
#
# The NN-QFT dictionary runs both ways (Demirtas, Halverson, Maiti, Schwartz and Stoner,
# arXiv:2307.03223, "DHMSS"). From the exact connected correlators of a network we read off the
# couplings of its action
#
# $$S[f] = \tfrac12 f K^{-1} f + \sum_n \tfrac{1}{n!}\, g_n f^n ,$$
#
# order by order in $1/N$: each new coupling is the amputated exact correlator minus what the
# couplings already found produce through Feynman diagrams (`feynman.generate`). Sign
# convention (that of `feynman`: a vertex carries $-g_n$): $g_4 = -(K^{-1})^{\otimes 4}G_c^{(4)}$,
# so a negative 4-point function is a positive, stabilising $g_4$. Conversely, a chosen local
# field theory is realised by a network whose parameter density is deformed.

# %%
import itertools

import numpy as np
import sympy as sp
from IPython.display import Math, display
import matplotlib.pyplot as plt
import nnqft_sym as nq
import feynman as fy
from numeric.sampling import sample_outputs

# %% [markdown]
# ## Zero dimensions: one input, every coupling a number
# At a single input $f = f(x_0)$ is a random number with cumulants $K$, $\kappa_4 \propto 1/N$,
# $\kappa_6 \propto 1/N^2$ (exactly, one hidden layer). The reconstruction gives
# $g_4 = -\kappa_4/K^4$, the tadpole counterterm $g_2 = -\tfrac12 g_4 K$ (it keeps
# $G^{(2)} = K$ at every width), $g_6 = -\kappa_6/K^6 + 10 g_4^2 K$ (the tree exchange), and at
# $O(1/N^2)$ the correction $g_4^{(2)} = \tfrac32 g_4^2K^2 - \tfrac12 g_6 K$ forced by the one-loop
# bubbles and the $g_6$ tadpole: the $O(1/N)$ action alone would predict a $1/N^2$ term in the
# 4-point function that the network does not have.

# %%
relu = nq.ReLUNet()
x0 = 0.7
print(" N        g4          g2         g6        g4^(2)    one-loop G4 (must be cancelled)")
for width in (5, 10, 50, 200):
    act = fy.reconstruct_action(relu, [x0], width)
    print(f"{width:4d} {act.g4[0].item():11.4g} {act.g2[0].item():11.4g} {act.g6.item():10.4g}"
          f" {act.g4[1].item():11.4g} {act.one_loop_four_point.item():11.4g}")
series = relu.delta_green_series([x0] * 4)
print("exact 1/N series of Delta G^(4):", {k: float(v) for k, v in series.items()})

# %% [markdown]
# ## Finite point sets: the kernel must be inverted, and the inverse regularised
# On $M$ points the outputs are an $M$-dimensional random vector and the couplings are tensors.
# Smooth kernels make $K$ ill-conditioned; `nq.action_couplings` refuses an exact inverse whose
# rounding bound $\epsilon\,\kappa^4$ is too large, and with `regularisation="spectral"` reports
# the modes kept, the part of $G_c^{(4)}$ they cannot represent (*residual*), and the change of
# $g_4$ when the softest kept mode is dropped (*stability*).

# %%
cos = nq.CosNet()
grid = np.linspace(-2, 2, 10)
print("condition number of K on 10 points:", f"{nq.regularised_inverse(cos.gram(grid), regularisation='spectral').condition:.3g}")
rconds = np.geomspace(1e-1, 1e-6, 11)
rows = [nq.action_couplings(cos, grid, 10, regularisation="spectral", rcond=r) for r in rconds]
fig, ax = plt.subplots(figsize=(6, 4))
ax.plot(rconds, [r.residual for r in rows], "o-", label="residual in $G_c^{(4)}$")
ax.plot(rconds, [r.rounding for r in rows], "s-", label="rounding bound")
ax.plot(rconds, [np.linalg.norm(r.g4) for r in rows], "^-", label=r"$\|g_4\|$")
ax.set(xscale="log", yscale="log", xlabel="spectral cutoff rcond", title="cos-net, N = 10, 10 points")
ax.invert_xaxis()
ax.legend()
print("off-diagonal (non-local) fraction of the cos-net g4 at rcond 1e-3:",
      round(nq.action_couplings(cos, grid, 10, regularisation="spectral", rcond=1e-3).nonlocality, 4))
study = nq.grid_study(cos, 10, -3.0, 3.0, [6, 9, 13, 17, 25], rcond=1e-2)
print("fixed cutoff, refined grid: kept", study.kept.tolist(), "zero-momentum vertex",
      np.round(study.zero_momentum, 5).tolist())

# %% [markdown]
# The residual falls as modes are kept, but $\|g_4\|$ grows by orders of magnitude with every
# softer mode: the position-space vertex of a finite-width cos-net is not a function. At a fixed
# cutoff the kept modes saturate and the regularised vertex converges as the grid is refined.
# Momentum space says why.
#
# ## Momentum space: the exact vertex of a cos-net
# Averaging the uniform phase, the connected 4-point function is a sum of delta functions on the
# support of the frequency prior $\rho$: a *forward* part on $p_1 = p_2 = -p_3 = -p_4$ and a
# *pair* part on $p_1 = -p_2,\ p_3 = -p_4$. Amputated with $\tilde K = \sigma_W^2\rho$:

# %%
for prior in (None, nq.FreeScalarFrequencyPrior(mass=1.0, cutoff=5.0),
              nq.UniformBallFrequencyPrior(radius=2.0)):
    vertex = nq.cos_net_momentum_vertex(nq.CosNet(frequency_prior=prior))
    expansion = vertex.derivative_expansion()
    print(type(prior or nq.GaussianFrequencyPrior()).__name__)
    print("   forward:", vertex.forward_vertex, "   lambda, c =", expansion["forward"])
    print("   pair:   ", vertex.pair_vertex, "   lambda, c =", expansion["pair"])
momenta = np.linspace(0, 2, 81)
fig, ax = plt.subplots(figsize=(6, 4))
for prior, colour in ((None, "C0"), (nq.FreeScalarFrequencyPrior(mass=1.0, cutoff=5.0), "C1"),
                      (nq.UniformBallFrequencyPrior(radius=2.0), "C2")):
    vertex = nq.cos_net_momentum_vertex(nq.CosNet(frequency_prior=prior), width=10)
    name = type(prior or nq.GaussianFrequencyPrior()).__name__
    forward = sp.lambdify(nq.momentum_couplings.PP, vertex.forward_vertex)
    pair = sp.lambdify([nq.momentum_couplings.PP1, nq.momentum_couplings.PP3], vertex.pair_vertex)
    ax.plot(momenta, np.abs(forward(momenta ** 2) / forward(0.0)) * np.ones_like(momenta),
            color=colour, label=f"{name}: forward")
    ax.plot(momenta, np.abs(pair(momenta ** 2, momenta ** 2) / pair(0.0, 0.0)) * np.ones_like(momenta),
            color=colour, ls="--", label=f"{name}: pair")
ax.set(yscale="log", xlabel="|p| (all legs)", ylabel=r"$|\Gamma_4(p)/\Gamma_4(0)|$",
       title="coefficients of the delta-supported cos-net vertex")
ax.legend(fontsize=8)
pts = np.random.default_rng(0).normal(size=(3, 4))
print("inverse Fourier transform vs exact position-space G_c:",
      np.allclose(nq.cos_net_connected_four_point(cos, pts, 10), cos.connected_green(pts, 10)))

# %% [markdown]
# The Gaussian prior's coefficients grow like $e^{3\sum p^2/8s}$ (hence the exploding position
# vertex); the free-scalar prior gives polynomials, the flat ball constants. But neither part is
# a function on the whole momentum-conservation surface: the local part of the i.i.d. cos-net
# vertex is exactly zero at every width. Locality needs the neurons to be dependent.
#
# ## Designing a network for local $\phi^4$ theory
# DHMSS: deform the parameter density, $P(\theta) \to P(\theta)\,e^{-\frac{\lambda}{4!}\int_V
# :f_\theta^4:}$. The field density is deformed by the same factor, so the action is
# $S_N + \frac{\lambda}{4!}\int_V :f^4:$ exactly; at $N = \infty$ it is local $\phi^4$ theory
# with the propagator of the frequency prior. `nq.design_network` takes a target spectrum and
# $\lambda$ and returns the prior and the deformation (or says why none exists).

# %%
theory = nq.design_network("1/(pp + 1)", 0.3, length=1.0, nodes=5)
print("prior:", theory.net.frequency_prior, " sigma_W^2 =", round(float(theory.net.sigma_w) ** 2, 6))
y = theory.nodes
g = np.empty((len(y),) * 4)
for idx in itertools.product(range(len(y)), repeat=4):
    g[idx] = theory.quartic * theory.first_order_four_point(y[list(idx)])
g4 = -nq.amputate(g, nq.regularised_inverse(theory.net.gram(y)))
print("amputated first-order vertex, sum_bcd g4_abcd / w_a =", np.round(g4.sum(axis=(1, 2, 3)) / theory.weights, 10))
print("off-diagonal (non-local) fraction of the designed vertex:", f"{nq.vertex_nonlocality(g4):.1e}")
for bad in ("1/(pp + 1)", "-1/(pp + 1)"):
    try:
        nq.design_network(bad, 0.3, d_in=2)
    except ValueError as err:
        print("refused:", err)

# %% [markdown]
# ### Monte Carlo: reweighting sampled networks
# Sample width-50 cos-nets, weight each by the deformation factor and measure the first-order
# change of the connected 4-point function, $\partial_\lambda G_c^{(4)} = -\mathrm{Cov}(\cdot, I)$.
# It agrees with the exact finite-width value, which differs from the infinite-width
# $-\int_V\prod K$ by $O(1/N)$.

# %%
theory = nq.design_network("1/(pp + 1)", 0.3, length=1.0, nodes=6)
x = np.array([0.1, -0.2, 0.3, 0.0])
out = sample_outputs(theory.net, 50, np.concatenate([x, theory.nodes[:, 0]]), 200_000, rng=1)
pairings = ((0, 1, 2, 3), (0, 2, 1, 3), (0, 3, 1, 2))


def derivative(block):
    f, weight = block[:, :4], -theory.log_weight(block[:, 4:]) / theory.quartic
    dev = weight - weight.mean()
    cov = lambda h: -np.mean((h - h.mean()) * dev)
    value = cov(f.prod(axis=1))
    for a, b, c, e in pairings:
        ab, ce = f[:, a] * f[:, b], f[:, c] * f[:, e]
        value -= cov(ab) * ce.mean() + ab.mean() * cov(ce)
    return value


blocks = np.array([derivative(b) for b in np.split(out, 20)])
widths = np.array([10, 20, 50, 100, 300, 1000])
exact = [theory.first_order_four_point(x, n) for n in widths]
fig, ax = plt.subplots(figsize=(6, 4))
ax.plot(widths, exact, "o-", label="exact, width N")
ax.axhline(theory.first_order_four_point(x), ls=":", label=r"$N = \infty$: $-\int_V \prod K$")
ax.errorbar([50], [blocks.mean()], yerr=[blocks.std(ddof=1) / np.sqrt(20)], fmt="s", color="C3",
            label="Monte Carlo, reweighted")
ax.set(xscale="log", xlabel="width N", ylabel=r"$\partial_\lambda G_c^{(4)}$")
ax.legend()
print(f"MC {blocks.mean():.2f} +- {blocks.std(ddof=1) / np.sqrt(20):.2f}, exact at N = 50:"
      f" {theory.first_order_four_point(x, 50):.2f}, N = oo: {theory.first_order_four_point(x):.2f}")

# %% [markdown]
# With a symbol for the width the same function is the exact N dependence, a cubic in 1/N whose
# $N^0$ term is the contact value: the deformation couples the neurons, so this connected
# function survives $N \to \infty$ (non-Gaussianity from independence breaking, DHMSS).

# %%
width = sp.Symbol("N", positive=True)
series = theory.first_order_four_point(x, width)
display(Math(r"\partial_\lambda G_c^{(4)} = " + sp.latex(sp.N(series, 5))))

# %% [markdown]
# Verified here at first order in $\lambda$ (the deformation itself is exact in $\lambda$ and in
# $N$). The action is the logarithm of the output density; the density at finite width, from the
# same exact cumulants, is the subject of the next section.

# %% [markdown]
# ## The density at finite width
# At width $N$ the output $f(x)$ of a one-hidden-layer network is not Gaussian, and its exact
# cumulants are known: $\kappa_4 = c_4/N$, $\kappa_6 = c_6/N^2$ (`connected_green`).
# `nq.edgeworth_density(net, points, width, order)` turns them into the Edgeworth series of the
# joint density of $(f(x_1), \dots, f(x_k))$ around the Gaussian with the exact mean and
# covariance (docs/density.md):
# $p = \phi_K\,[1 + \kappa_4 h_4/4!]$ through $O(1/N)$ (`order=1`) and
# $p = \phi_K\,[1 + \kappa_4 h_4/4! + \kappa_6 h_6/6! + \kappa_4\kappa_4 h_8/1152]$ through
# $O(1/N^2)$ (`order=2`), $h_n$ the Hermite tensors of $K$; odd cumulants (a read-out mean)
# add $\kappa_3 h_3/3!$ and its products.
#
# For one input the exact density is known in closed form up to one Fourier integral: $f = b +
# \sum_i W_i\,\mathrm{relu}(z_i)$ is a sum of $N$ i.i.d. terms plus a Gaussian, so its
# characteristic function is $e^{-\sigma_b^2\omega^2/2}\,[\tfrac12 + \tfrac12 (1 + \omega^2
# s\,\sigma_W^2/N)^{-1/2}]^N$ with $s = \sigma_b^2 + \sigma_W^2 x^2$: the $N$-fold convolution,
# computed without `nnqft_sym`.

# %%
relu_net = nq.ReLUNet()                               # sigma_W = sigma_b = 1, input x = 1
f_grid = np.linspace(-14, 16, 3001)


def exact_relu_density(f, width, x=1.0, sigma_w=1.0, sigma_b=1.0):
    """p(f) = (1/pi) int_0^oo phi(w) cos(w f) dw by the trapezoid rule (phi real and even)."""
    omega = np.linspace(0, 9 / sigma_b, 3001)
    s = sigma_b ** 2 + sigma_w ** 2 * x ** 2
    phi = np.exp(-0.5 * (sigma_b * omega) ** 2) * (0.5 + 0.5 / np.sqrt(1 + omega ** 2 * s * sigma_w ** 2 / width)) ** width
    weights = np.full(omega.size, omega[1])
    weights[[0, -1]] /= 2
    return np.cos(np.outer(f, omega)) @ (weights * phi) / np.pi


def densities(width):
    first = nq.edgeworth_density(relu_net, [1.0], width, order=1)
    second = nq.edgeworth_density(relu_net, [1.0], width, order=2)
    return {"Gaussian": first.gaussian, "Edgeworth 1": first, "Edgeworth 2": second}


width = 4
exact = exact_relu_density(f_grid, width)
fig, (top, bottom) = plt.subplots(2, 1, figsize=(6, 6), sharex=True)
top.plot(f_grid, exact, "k", lw=3, alpha=0.4, label="exact (convolution)")
for name, density in densities(width).items():
    values = density(f_grid[:, None])
    top.plot(f_grid, values, label=name)
    bottom.plot(f_grid, values - exact, label=name)
top.set(ylabel="p(f)", title=f"ReLU-net output density at x = 1, N = {width}", xlim=(-8, 8))
bottom.set(xlabel="f", ylabel="p(f) - exact")
top.legend()

# %% [markdown]
# The error of each truncation falls one power of $1/N$ faster than the previous one:
# $1/N$ for the Gaussian, $1/N^2$ for order 1 and $1/N^3$ for order 2 (the missing terms are
# $\kappa_4 h_4$, then $\kappa_6 h_6$ and $\kappa_4^2 h_8$, then the $O(1/N^3)$ ones).

# %%
widths = np.array([2, 4, 8, 16, 32, 64, 128])
l1 = {name: [] for name in densities(1)}
for n in widths:
    exact = exact_relu_density(f_grid, n)
    for name, density in densities(int(n)).items():
        l1[name].append(np.trapezoid(np.abs(density(f_grid[:, None]) - exact), f_grid))
fig, ax = plt.subplots(figsize=(6, 4))
for (name, errors), power in zip(l1.items(), (1, 2, 3)):
    line, = ax.plot(widths, errors, "o-", label=name)
    ax.plot(widths, errors[-1] * (widths[-1] / widths) ** power, ":", color=line.get_color(),
            label=f"$\\propto N^{{-{power}}}$")
ax.set(xscale="log", yscale="log", xlabel="width N", ylabel="L1 error of the density",
       title="ReLU-net at x = 1: Gaussian vs Edgeworth")
ax.legend(ncol=2, fontsize=8)
for name, errors in l1.items():
    slope = np.log2(errors[-2] / errors[-1])
    print(f"{name:>12}: L1 error at N = 128: {errors[-1]:.2e}, slope {slope:.2f}")

# %% [markdown]
# At $N = 2$ the series no longer helps (the spike of $f$ at the read-out bias, weight
# $2^{-N}$, is invisible to any power of $1/N$), and the truncated series can be negative in
# the tails: `log_density` is $-\infty$ there, with a warning. Against sampled networks the
# Gaussian is rejected by a chi-square test with $4\times10^5$ samples up to $N \approx 40$,
# the order-2 series only below $N \approx 10$ (tests/test_edgeworth_density.py).
