# %% [markdown]
# # 07 — Two sources of non-Gaussianity: finite width and broken independence
#
# Demirtas, Halverson, Maiti, Schwartz and Stoner (arXiv:2307.03223) point out that a network's
# output distribution is non-Gaussian for two separate reasons: a finite number N of neurons, and
# statistical dependence among the parameters. Here both are exact in `nnqft_sym` and measured
# with `numeric`. The network is one-hidden-layer ReLU at $\sigma_b = 0$ on a ray (HMS setting),
# where the finite-width deviation is $m_4 = 5/N$ exactly.
#
# The second network differs only in its read-out prior: every read-out weight carries a scale
# $s$ drawn *once per network*, $W_i = s\,\theta_i$ with $s \in \{1/2, 3/2\}$ equally likely
# (`net.with_priors(readout_weights={"shared_scale": ...})`). Given $s$ the network is the
# standard one, so the exact correlators are averages over $s$
# (`nnqft_sym.neuron_sums`), and $m_4 \to 3 (E s^4 - (E s^2)^2)/(3 (E s^2)^2) = 16/25$ as
# $N \to \infty$: the Gaussian-process limit is lost.

# %%
import numpy as np
import sympy as sp
import matplotlib.pyplot as plt
import nnqft_sym as nq
import numeric as nm

relu = nm.hms_setting("relu", 1)
iid = relu.network()
scale = {"law": "finite", "values": ["1/2", "3/2"], "probabilities": ["1/2", "1/2"]}
shared = iid.with_priors(readout_weights={"shared_scale": scale})
points = [1.0] * 4                                   # one input, four times: m_4 at coincident points
N = sp.Symbol("N", positive=True)
for name, net in (("i.i.d.", iid), ("shared scale", shared)):
    print(f"{name:>12}: m_4(N) =", sp.nsimplify(sp.expand(net.deviation(points, N))))

# %% [markdown]
# ## Exact curves against measured points
# `numeric.measure` samples the same prior objects the exact results read (no second definition).

# %%
widths = (2, 5, 20, 100)
measured = {name: nm.measure(net, widths, [1.0], orders=(4,), n_bags=10, n_nets=4000, rng=7)
            for name, net in (("i.i.d.", iid), ("shared scale", shared))}
grid = np.geomspace(1, 200, 100)
fig, ax = plt.subplots(figsize=(6, 4))
for (name, net), colour in zip((("i.i.d.", iid), ("shared scale", shared)), ("C0", "C1")):
    exact = sp.lambdify(N, net.deviation(points, N))(grid)
    ax.plot(grid, exact, color=colour, label=f"{name}: exact")
    rows = [r for r in measured[name].summary() if r["order"] == 4]
    ax.errorbar([r["width"] for r in rows], [r["mean_deviation"] for r in rows],
                yerr=[r["mean_deviation_err"] for r in rows], fmt="o", color=colour,
                label=f"{name}: measured")
ax.axhline(16 / 25, color="C1", ls=":", lw=1)
ax.set(xscale="log", yscale="log", xlabel="width N", ylabel="$m_4$",
       title="finite width (1/N) vs broken independence (N -> oo)")
ax.legend()
for name, res in measured.items():
    z = [r["mean_deviation_z"] for r in res.summary() if r["order"] == 4]
    print(f"{name:>12}: |z| of the measured m_4 against the exact values:", np.round(np.abs(z), 2))

# %% [markdown]
# ## Read-out laws and means
# A non-Gaussian i.i.d. law changes the $1/N$ coefficients but keeps the Gaussian limit; a mean
# gives odd correlators. The exact third cumulant with a read-out mean $\mu_W$ is $O(1/N)$:

# %%
mu = sp.Symbol("mu_W", real=True)
laplace = iid.with_priors(readout_weights="laplace")
print("Laplace read-out, m_4(N) =", sp.nsimplify(sp.expand(laplace.deviation(points, N))))
with_mean = iid.with_priors(readout_weights={"mean": mu})
print("kappa_3 with a mean:", sp.nsimplify(sp.expand(with_mean.connected_green([1.0] * 3, N)), tolerance=1e-12))

# %% [markdown]
# ## Odd orders, measured
# With read-out means ($\mu_W = 1/2$, $\mu_b = 3/10$) the one- and three-point functions are
# non-zero; `numeric.measure` measures odd orders like even ones, and its default conditional
# estimator (the moments of $N(\hat m, \hat K)$ given the hidden layer) makes $G^{(1)}$ exact.

# %%
shifted = iid.with_priors(readout_weights={"mean": 0.5}, readout_bias={"mean": 0.3})
odd = nm.measure(shifted, [4], [0.5, 1.0], orders=(1, 3), n_bags=8, n_nets=2000, rng=3)
for n in odd.orders:
    e = odd.estimate(n)
    print(f"G^({n}): measured", np.round(e.mean[0], 4), "exact", np.round(e.reference[0], 4),
          "max |z| =", round(float(np.nanmax(np.abs(e.z))), 2))

# %% [markdown]
# ## A spherical read-out: dependence without a shared scale
# `nnqft_sym.SphericalReadout` draws the standardised read-out vector from
# $P(a) \propto e^{-|a|^2/2 - \lambda |a|^4/N}$: O(N)-invariant, so the weights are dependent,
# but the radius concentrates, $r^2/N \to \rho$, and $N\kappa_4$ tends to a finite limit (the
# connected four-point function is still $O(1/N)$, with a coefficient changed by $\lambda$).

# %%
sphere = iid.with_priors(readout_weights=nq.SphericalReadout(iid.priors.readout_weights, 1))
for width in (2, 10, 100, 1000):
    print(f"N = {width:>4}: N kappa_4 =", round(width * float(sphere.connected_green([1.0] * 4, width)), 4),
          " (i.i.d.:", round(width * float(iid.connected_green([1.0] * 4, width)), 4), ")")

# %% [markdown]
# ## Deep networks: non-Gaussian hidden weights
# With $W_{ij} = \sqrt{\sigma_W^2/N}\,\xi_{ij}$ after the first layer and $\xi$ of fourth cumulant
# $\kappa_4$ (Rademacher $-2$, uniform $-6/5$), one neuron of the next layer has, given the layer
# before, the fourth cumulant $T/N$, $T = \kappa_4 \sigma_W^4 E[g_a g_b g_c g_d]$. The kernel and the
# vertex $V$ are unchanged at this order. The NLO kernel $K_1$ sees $V + T/3$, and read-out weights
# add $T_{out}$ to the connected four-point function (`nnqft_sym.layer_recursion`, docs/priors.md).

# %%
tanh2 = nq.TanhNet(sigma_w=1.2, sigma_b=0.5, depth=2)
for law in ("normal", "rademacher", "uniform"):
    k1 = nq.nlo_kernel(tanh2.with_priors(hidden_weights=law), [0.7])[0, 0]
    print(f"depth-2 tanh, {law:>10} hidden weights: K_1(0.7, 0.7) = {k1:+.5f}")
relu2 = nq.ReLUNet(sigma_w=np.sqrt(2), sigma_b=0.5, depth=2)
for law in ("normal", "rademacher"):
    c1 = nq.leading_connected_four_point(relu2.with_priors(readout_weights=law), [0.5] * 4)
    print(f"depth-2 ReLU, {law:>10} read-out: N kappa_4 -> {c1:.4f}")
