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
import numpy as np
import matplotlib.pyplot as plt
import nnqft_sym as nq

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
