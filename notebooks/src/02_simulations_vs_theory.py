# %% [markdown]
# # 02 — Simulations against the exact finite-width theory
#
# The talk's plots (HMS arXiv:2008.08601, ELS arXiv:2108.01403) at a reduced scale: ensembles of
# one-hidden-layer networks are sampled with `numeric` (plain NumPy, the activation lambdified
# from the architecture's SymPy definition), their Green functions measured at all multisets of
# the six HMS inputs, and compared with the *exact* finite-width values of `nnqft_sym` — not only
# with the large-N expectation. Full-scale runs: `nnqft experiment hms` and
# `nnqft experiment els-active`.

# %%
import numpy as np
import matplotlib.pyplot as plt
import nnqft_sym as nq
import numeric as nm
from numeric.plots import plot_deviations, plot_deviation_histograms, plot_u4_width, plot_u4_sigma

points = nm.HMS_POINTS                    # the HMS Gauss-net inputs (numeric.hms_setting)
relu_hms = nm.hms_setting("relu", 1)      # ReLU-net: sigma_b = 0 on 0.2, ..., 1.2
widths = (2, 5, 20, 100)

# %% [markdown]
# ## 1. The sampler is exact: G^(2) = K at every width
# Given the hidden features, $f - b^1$ is exactly Gaussian with covariance $(v_{out}/N) G^T G$,
# so wide networks need $P = 6$ normals instead of $N$ output weights.

# %%
net = nq.ReLUNet()
f = nm.sample_outputs(net, 500, points, 20000, rng=1)
print("sample covariance / K:", (np.cov(f.T, bias=True) / net.kernel(np.array(points)[:, None, None],
                                                                      np.array(points)[None, :, None]))[0].round(3))

# %% [markdown]
# ## 2. Deviations from the Gaussian process: m_n against the width
# $m_n = \Delta G^{(n)}/G_0^{(n)}$, averaged over combinations, with the background (spread of the
# per-bag values) and the exact line. Open red markers: estimates dominated by a few networks.
# These are the HMS (plain) estimates, products of sampled outputs; `numeric.measure`'s default,
# the conditional estimator (`numeric.conditional`), is far more precise (docs/numeric.md).

# %%
relu = nm.measure(relu_hms.network(), widths, relu_hms.scalar_points, orders=(2, 4, 6), n_bags=10,
                  n_nets=5000, rng=2, estimator="plain")
gauss = nm.measure(nq.GaussNet(), widths, points, orders=(2, 4, 6), n_bags=10, n_nets=5000, rng=2,
                   estimator="plain")
fig, axes = plt.subplots(2, 2, figsize=(11, 8))
for row, res in enumerate((relu, gauss)):
    for col, order in enumerate((4, 6)):
        plot_deviations(res, order, ax=axes[row, col])
fig.tight_layout()

# %% [markdown]
# ReLU-net (its HMS setting: no biases, so $m_4 = 5/N$ and $m_6 = 15/N + 44/N^2$ exactly) follows
# the exact values. Gauss-net does not: its features $e^{z - s}$ are
# log-normal, so $f^4$ and $f^6$ are dominated by rare networks, the sample mean sits far below
# the true mean and the spread over bags underestimates the error. `numeric` detects this
# (Kish effective sample size per bag) and flags it instead of printing a confident number:

# %%
e6 = gauss.estimate(6)
for i, w in enumerate(gauss.widths):
    print(f"N={w:4d}: m_6 measured {e6.deviation[i].mean():9.3g}, "
          f"{e6.reference_kind} {e6.deviation_reference[i].mean():9.3g}, "
          f"min n_eff {e6.n_eff[i].min():8.1f}, heavy-tailed: {bool(e6.heavy_tail[i].any())}")

# %% [markdown]
# ## 3. Histograms of m_n over bags and point combinations

# %%
plot_deviation_histograms(relu, 4, [2, 20, 100]);

# %% [markdown]
# ## 4. The quartic coupling against the width
# $u_4 = -\Delta G^{(4)}/N_K$ with $N_K = \int dx \prod_i K_W(x, x_i)$. Exactly
# $\Delta G^{(4)} = c/N$, so $u_4 \propto 1/N$; a milder Gauss-net ($\sigma_b = 0.5$) keeps
# the tails under control at this sample size.

# %%
mild = nm.measure(nq.GaussNet(sigma_b=0.5), widths, points, orders=(4, 6), n_bags=10, n_nets=5000, rng=3)
q = nm.quartic_couplings(mild)
fit = q.fit_width()
print("u4 ~ N^p:", fit)
plot_u4_width(q, fit, label="Gauss-net, sigma_b = 0.5");

# %% [markdown]
# ## 5. u6 and the 6-point prediction
# $G_c^{(6)} = \Delta G^{(6)} - \sum_{15}\Delta G^{(4)} K$ is, at tree level,
# $u_4^2\,\mathrm{exchange} - u_6\,\mathrm{contact}$ (diagrams from `feynman`).

# %%
s6 = nm.sextic_couplings(mild, q)
for i, w in enumerate(s6.widths):
    print(f"N={w:4d}: u6 = {s6.average_estimate[i]}   {s6.reference_kind} {s6.average_reference[i]:9.4g}")

# %% [markdown]
# ## 6. Active RG (ELS): u4 against sigma_W
# The talk's flow equation $\sigma_W\, du_4/d\sigma_W = (4 - d_{in}) u_4$ predicts slope $+3$ for
# $d_{in} = 1$. Measurement and exact result both give $u_4 \propto \sigma_W^{d_{in} - 4}$:
# $\Delta G^{(4)} \propto \sigma_W^4$ while $N_K \propto \sigma_W^{8 - d_{in}}$.

# %%
sigmas = (1.0, 2.0, 4.0, 8.0)
studies = [nm.measure(nq.GaussNet(sigma_w=s, sigma_b=0.5), [10], points, orders=(4,), n_bags=6,
                      n_nets=4000, rng=4) for s in sigmas]
qs = [nm.quartic_couplings(r) for r in studies]
avg = np.array([c.average[0] for c in qs]); err = np.array([c.average_err[0] for c in qs])
exact = np.array([c.average_reference[0] for c in qs])
slope = nm.fit_power_law(sigmas, avg, err)
print("measured:", slope, "| exact slope:", round(nm.fit_power_law(sigmas, exact).exponent, 2), "| talk: 3")
plot_u4_sigma(sigmas, avg, err, exact, slope, 3.0);
