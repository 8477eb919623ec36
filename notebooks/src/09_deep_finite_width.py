# %% [markdown]
# # 09 — Deep networks past leading order: the NLO kernel, the $1/N^2$ four-point function, criticality
#
# For a network of depth $L$ with every hidden layer of width $N$ (Roberts, Yaida, Hanin,
# arXiv:2106.10165, ch. 4-5), `nnqft_sym` gives
#
# * `nlo_kernel(net, points)`: the NLO kernel, $E[f(x_a) f(x_b)] = K_{ab} + K_{1,ab}/N + O(N^{-2})$;
# * `single_input_series(net, x, order)`: at one input, the coefficients of $1/N^k$ of
#   $E[f^2]$, $E[f^4]$, $E[f^6]$, $\Delta G^{(4)}$ and the connected four- and six-point functions
#   (the $O(1/N^2)$ correction to the four-point function, the leading six-point function);
# * `critical_initialisation`, `kernel_flow`: the critical point and the kernel against depth.
#
# At one input the network is a scalar Markov chain: given layer $l$, the next pre-activations are
# i.i.d. $N(0, \hat G)$ with $\hat G = \sigma_b^2 + (\sigma_W^2/N)\sum_k \phi(z_k)^2$, and the
# output is $N(0, \hat G_{out})$ given the last hidden layer. Here the series is checked against
# a *nested conditional Monte Carlo* of the depth-2 tanh net that shares no code with it: draw
# only the first hidden layer, then take the exact conditional moments
# $E[f^2 \mid \hat G] = \sigma_b^2 + \sigma_W^2 M(\hat G)$ and
# $E[f^4 \mid \hat G] = 3 (\sigma_b^2 + \sigma_W^2 M)^2 + 3\sigma_W^4 (M_4 - M^2)/N$
# ($M = E\tanh^2$, $M_4 = E\tanh^4$ under $N(0, \hat G)$, by Gauss-Hermite), with
# $\hat G - K^{(2)}$ (mean exactly 0) as control variate.

# %%
import numpy as np
import matplotlib.pyplot as plt
from matplotlib.ticker import NullFormatter
import nnqft_sym as nq

sw2, sb2, x = 1.0, 0.25, 1.0
tanh2 = nq.TanhNet(sigma_w=np.sqrt(sw2), sigma_b=np.sqrt(sb2), depth=2)
series = nq.single_input_series(tanh2, x, order=2)
print("E f^2      :", series.two_point.round(8), " (K, K_1, K_2)")
print("Delta G^(4):", series.delta_four_point.round(8))
print("NLO kernel of the recursion at (x, x):", round(float(nq.nlo_kernel(tanh2, [x])[0, 0]), 8))
print("leading Delta G^(4) of the recursion  :", round(nq.leading_delta_green(tanh2, [x] * 4), 8))

# %%
u, weights = np.polynomial.hermite_e.hermegauss(80)
weights = weights / np.sqrt(2 * np.pi)


def tanh_moment(power, variance):
    """E[tanh(z)^power], z ~ N(0, variance), for an array of variances."""
    return np.tanh(np.sqrt(variance)[..., None] * u) ** power @ weights


def nested_monte_carlo(width, n_samples, rng):
    """N (E f^2 - K) and N Delta G^(4) of the depth-2 tanh net: (mean, standard error) each."""
    k1 = sb2 + sw2 * x * x
    k2 = sb2 + sw2 * float(tanh_moment(2, np.array(k1)))
    k3 = sb2 + sw2 * float(tanh_moment(2, np.array(k2)))
    chunks = [rng.normal(0.0, np.sqrt(k1), size=(n_samples // 4, width)) for _ in range(4)]
    g = np.concatenate([sb2 + sw2 * np.mean(np.tanh(z) ** 2, axis=1) for z in chunks])  # layer 2
    m2, m4 = tanh_moment(2, g), tanh_moment(4, g)
    two = sb2 + sw2 * m2
    four = 3 * two ** 2 + 3 * sw2 ** 2 * (m4 - m2 ** 2) / width
    out = []
    for y, centre in ((two, k3), (four, 3 * k3 ** 2)):
        beta = np.cov(y, g)[0, 1] / np.var(g, ddof=1)
        adjusted = width * (y - beta * (g - k2) - centre)
        out.append((adjusted.mean(), adjusted.std(ddof=1) / np.sqrt(n_samples)))
    return out


rng = np.random.default_rng(2026)
widths = np.array([4, 8, 16, 32])
mc = [nested_monte_carlo(int(n), 300_000, rng) for n in widths]
third = nq.single_input_series(tanh2, x, order=4)      # z-scores against the series to 1/N^4
worst = 0.0
for n, ((t, te), (d, de)) in zip(widths, mc):
    pred_t = third.evaluate(third.two_point[1:], n)
    pred_d = third.evaluate(third.delta_four_point[1:], n)
    print(f"N = {n:3d}: N(E f^2 - K) = {t:.6f} +- {te:.6f} (series {pred_t:.6f}, z = {(t - pred_t) / te:+.2f});"
          f"  N Delta G4 = {d:.5f} +- {de:.5f} (series {pred_d:.5f}, z = {(d - pred_d) / de:+.2f})")
    worst = max(worst, abs(t - pred_t) / te, abs(d - pred_d) / de)
print(f"largest |z| against the series: {worst:.2f}")

# %%
grid = np.geomspace(3, 80, 100)
fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
for ax, k, name, coeffs in ((axes[0], 0, "$N\\,(E f^2 - K)$", series.two_point),
                            (axes[1], 1, "$N\\,\\Delta G^{(4)}$", series.delta_four_point)):
    ax.errorbar(widths, [m[k][0] for m in mc], yerr=[m[k][1] for m in mc], fmt="o",
                label="nested conditional Monte Carlo")
    ax.axhline(coeffs[1], color="C1", ls="--", label="leading (1/N)")
    ax.plot(grid, coeffs[1] + coeffs[2] / grid, color="C2", label="leading + next order")
    ax.set(xscale="log", xlabel="width N", ylabel=name, title=f"depth-2 tanh, x = {x:g}")
    ax.set_xticks(widths, [str(n) for n in widths])
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.legend(fontsize=8)
fig.tight_layout()

# %% [markdown]
# ## Distinct inputs
# `next_order_four_point` gives the $1/N^2$ coefficients of $\Delta G^{(4)}$ and $\kappa_4$ of
# deep networks with smooth activations at distinct inputs (the recursions of $K_2$ and of the
# $1/N^2$ part of the vertex, derivatives by Price's theorem), and `leading_connected_six_point`
# the leading $\kappa_6 = c/N^2$ (the recursion of the third cumulant of the layer covariances).

# %%
y = -0.5
for pts in ([x, x, x, x], [x, x, y, y], [x, y, y, y]):
    c2 = nq.next_order_four_point(tanh2, pts)
    print(f"points {pts}: Delta G4 = {nq.leading_delta_green(tanh2, pts):.6f}/N "
          f"{c2.delta_green:+.6f}/N^2,  kappa_4 = {nq.leading_connected_four_point(tanh2, pts):.6f}/N "
          f"{c2.connected:+.6f}/N^2")
for pts in ([x] * 6, [x, x, x, y, y, y]):
    print(f"points {pts}: kappa_6 = {nq.leading_connected_six_point(tanh2, pts):.6f}/N^2")

# %% [markdown]
# ## Deep ReLU: exact polynomials in $1/N$
# For ReLU, $\mathrm{relu}(z)^2 = \hat G\,\mathrm{relu}(u)^2$, so $\hat G_{l+1} = \sigma_b^2 +
# \sigma_W^2 \hat G_l Y_l$ with $N Y_l \sim \chi^2_{\mathrm{Bin}(N, 1/2)}$ independent of $\hat G_l$:
# $E[f^2] = K$ at every width (so $K_1(x, x) = 0$), and $N\,\Delta G^{(4)}$ is a polynomial of
# degree $L - 1$ in $1/N$, which `single_input_series(..., order=L)` returns exactly. At
# $\sigma_W^2 = 2$, $\sigma_b^2 = 1/4$, $x = 1/2$ the conditional-estimator measurements of
# $N\Delta G^{(4)} = a + b/N$ quoted in issue 17 were $b = 29 \pm 11$ (depth 2) and $b = 136 \pm 31$
# (depth 3).

#
# The points are full networks measured with the conditional estimator of `numeric`
# ($E[f^4 \mid$ last hidden layer$]$, 10 bags of 10 000 networks per width).

# %%
import numeric as nm

fig, ax = plt.subplots(figsize=(6, 4))
for depth, colour in ((2, "C0"), (3, "C1"), (4, "C2")):
    relu = nq.ReLUNet(sigma_w=np.sqrt(2), sigma_b=0.5, depth=depth)
    s = nq.single_input_series(relu, 0.5, order=min(depth, 4))
    c = s.delta_four_point
    if depth < 4:
        rows = nm.measure(relu, [4, 8, 16], [0.5], orders=(4,), n_bags=10, n_nets=10000, rng=11,
                          estimator="conditional").summary()
        scale = np.array([r["width"] for r in rows]) * 3 * s.two_point[0] ** 2   # m_4 -> N Delta G4
        ax.errorbar([r["width"] for r in rows], scale * [r["mean_deviation"] for r in rows],
                    yerr=scale * [r["mean_deviation_err"] for r in rows], fmt="o", color=colour)
        z = [(r["mean_deviation"] - s.evaluate(c, r["width"]) / (3 * s.two_point[0] ** 2))
             / r["mean_deviation_err"] for r in rows]
        print(f"ReLU depth {depth}, measured against exact: z =", np.round(z, 2))
    print(f"ReLU depth {depth}: N Delta G4 = " + " + ".join(f"{v:.4f}/N^{k - 1}" for k, v in enumerate(c) if k)
          + f";  leading kappa_6 = {s.connected_six_point[2]:.2f}/N^2")
    ax.axhline(c[1], color=colour, ls="--", lw=1)
    ax.plot(grid, sum(c[k] * grid ** (1.0 - k) for k in range(1, len(c))), color=colour,
            label=f"depth {depth}: exact" + ("; points: measured" if depth < 4 else ""))
ax.set(xscale="log", yscale="log", xlabel="width N", ylabel="$N\\,\\Delta G^{(4)}(x,x,x,x)$",
       title="deep ReLU, $\\sigma_W^2 = 2$, $\\sigma_b^2 = 1/4$, x = 1/2 (dashed: leading)")
ax.set_xticks([4, 8, 16, 32, 64], ["4", "8", "16", "32", "64"])
ax.xaxis.set_minor_formatter(NullFormatter())
ax.legend(fontsize=8)
fig.tight_layout()

# %% [markdown]
# ## Criticality: the kernel against depth
# `critical_initialisation` gives the critical point and the universality class (tanh: $K^\star = 0$
# class at $\sigma_b = 0$, $\sigma_W = 1$; ReLU: scale-invariant at $\sigma_W = \sqrt 2$).
# At criticality the tanh kernel decays like a power of the depth, off criticality
# exponentially (or to a nonzero fixed point); the same figure is `nnqft deep criticality --arch tanh --out DIR`.

# %%
fig, ax = plt.subplots(figsize=(6, 4))
for name in ("tanh", "relu"):
    crit = nq.critical_initialisation(nq.make_network(name))
    print(f"{name}: {crit.universality_class}, sigma_b = {crit.sigma_b}, sigma_W = {crit.sigma_w}")
    sb, sw = float(crit.sigma_b), float(crit.sigma_w)
    for factor, ls in ((1.0, "-"), (0.9, ":"), (1.1, "--")):
        flow = nq.kernel_flow(crit.activation, sb, sw * factor, 40, 1.0)
        ax.plot(range(1, len(flow) + 1), flow, ls=ls, label=f"{name}, sigma_W x {factor:g}")
ax.set(yscale="log", xlabel="layer l", ylabel="$K^{(l)}(x, x)$", title="kernel flow, x = 1")
ax.legend(fontsize=7)
fig.tight_layout()
