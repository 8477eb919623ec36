# %% [markdown]
# # 10 — Training: the neural tangent kernel and the trained Gaussian process
#
# At infinite width a network trained by gradient flow on the squared loss stays a Gaussian
# process, moved by a constant kernel: the neural tangent kernel
# $\Theta(x, y) = \sum_\theta \partial_\theta f(x)\,\partial_\theta f(y)$ (Jacot, Gabriel,
# Hongler, arXiv:1806.07572; Lee et al., arXiv:1902.06720). `nnqft_sym.ntk` derives it from the
# same SymPy activation as the kernel ($\phi'$ by differentiation, closed forms by Price's theorem),
# `nnqft_sym.trained_gp` gives the output distribution after training, and
# `numeric.train_ensemble` trains finite networks to check both.
#
# Parameterisation: NTK (every parameter standard normal, the scales in the forward pass), so for
# one hidden layer $\Theta = K + \sigma_W^2 E[\phi'\phi']\,(\sigma_b^2 + \sigma_W^2 x\cdot y/d_{in})$.

# %%
import numpy as np
import sympy as sp
import matplotlib.pyplot as plt
import nnqft_sym as nq
import numeric as nm

x, y = sp.symbols("x y", real=True)
print("E[phi' phi'] for ReLU:", nq.derivative_pair_expectation(sp.Max(0, nq.Z)))
print("ReLU NTK, sigma_b = 0:", sp.simplify(nq.ReLUNet(sigma_b=0).ntk_expr(x, y).subs({x: 1, y: 1})))
print("Erf NTK at (x, y):", nq.ErfNet(sigma_b=0).ntk_expr(x, y))

# %% [markdown]
# ## The NTK against the Jacobian kernels of sampled networks
# For one hidden layer the mean of the empirical tangent kernel equals the NTK at *every* width
# (a sum of i.i.d. neurons); for depth 2 it approaches it as $1/N$. Back-propagation in
# `numeric.NetworkEnsemble` (checked against finite differences in the tests).

# %%
grid = np.linspace(-2, 2, 9)
fig, ax = plt.subplots(figsize=(6, 4))
for net, width, colour in ((nq.ReLUNet(), 4, "C0"), (nq.ErfNet(depth=2), 64, "C1")):
    exact = net.ntk(0.5, np.linspace(-2, 2, 200))
    ax.plot(np.linspace(-2, 2, 200), exact, color=colour, label=f"{net.name}, L = {net.depth}: NTK")
    kernels = nm.NetworkEnsemble.sample(net, width, 3000, rng=1).tangent_kernel(np.r_[0.5, grid])
    mean, err = kernels[:, 0, 1:].mean(0), kernels[:, 0, 1:].std(0, ddof=1) / np.sqrt(len(kernels))
    ax.errorbar(grid, mean, err, fmt="o", color=colour, label=f"sampled, N = {width}")
    z = np.abs(mean - net.ntk(0.5, grid)) / err
    print(f"{net.name}, L = {net.depth}, N = {width}: largest |z| = {z.max():.2f}")
ax.set(xlabel="y", ylabel="Theta(0.5, y)")
ax.legend(fontsize=8)

# %% [markdown]
# ## After training: trained GP against the Bayesian posterior
# Gradient flow for time $t$ with learning rate $\eta$: $f_t = f_0 + A_t(Y - f_0(X))$,
# $A_t = \Theta(x, X)\Theta^{-1}(1 - e^{-\eta\Theta t})$. Training only the read-out gives exactly
# the NNGP posterior at $t \to \infty$; training all layers interpolates too, but with another
# covariance.

# %%
net = nq.ErfNet()
x_train, y_train = [-1.0, -0.3, 0.4, 1.0], [0.6, -0.2, 0.3, -0.5]
x_test = np.linspace(-2, 2, 81)
post = nq.nngp_posterior(net, x_train, y_train, x_test)
fig, ax = plt.subplots(figsize=(6, 4))
for t, colour in ((0.5, "C0"), (5.0, "C1"), (np.inf, "C2")):
    pred = nq.trained_gp(net, x_train, y_train, x_test, t=t)
    ax.plot(x_test, pred.mean, color=colour, label=f"trained GP, t = {t:g}")
    ax.fill_between(x_test, pred.mean - pred.std, pred.mean + pred.std, color=colour, alpha=0.15)
ax.plot(x_test, post.mean, "k--", label="NNGP posterior")
ax.plot(x_train, y_train, "ks")
ax.set(xlabel="x", ylabel="f(x)")
ax.legend(fontsize=8)
readout = nq.trained_gp(net, x_train, y_train, x_test, readout_only=True)
print("read-out only, t = inf, vs posterior: max |mean diff| =",
      f"{np.max(np.abs(readout.mean - post.mean)):.1e},",
      f"max |cov diff| = {np.max(np.abs(readout.covariance - post.covariance)):.1e}")

# %% [markdown]
# ## Finite width: the trained ensemble against the prediction
# `numeric.train_ensemble` trains many networks at once (full-batch gradient descent on every
# layer, learning rate $1/\lambda_{max}$ of the NTK). `numeric.training_experiment` (the command
# `nnqft experiment train`) measures the deviation of the trained mean from the infinite-width
# prediction with each network's linearised prediction $f_0(x) + A(Y - f_0(X))$ as a control
# variate, and fits it to $c N^p$.

# %%
import tempfile
study = nm.training_experiment(tempfile.mkdtemp(), "erf", [16, 64, 256], n_nets=1000, steps=30)
deviation, error = study.projected_deviation
for width, d, e in zip(study.widths, deviation, error):
    print(f"N = {width:3d}: E f - A Y = {nm.format_value_error(d, e)}, N (E f - A Y) = "
          f"{nm.format_value_error(width * d, width * e)}")
print(f"fit: deviation ~ N^p, p = {study.fit.exponent:.2f} ± {study.fit.exponent_err:.2f} (1/N: -1)")
nm.plot_training(study)

# %% [markdown]
# ## Not here
# The Bayesian RG of the trained network at depth 2 and beyond (coarse graining with the Fisher
# metric of all parameters) is not implemented; the read-out Bayesian RG is notebook 05.
