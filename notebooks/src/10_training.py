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
# ## The Bayesian RG of the trained network at depth 2
# Information-shell coarse graining (Howard, Klinger, Maiti, Stapleton, arXiv:2405.17538) with the
# Fisher metric of *all* parameters, $F = J^T J/(n\sigma_n^2)$ on the training inputs: at infinite
# width its non-zero eigenvalues are those of the NTK Gram matrix $\Theta(X, X)/(n\sigma_n^2)$ and
# its eigen-directions move the function along the NTK eigenmodes. Resetting the trained
# displacement along the directions with eigenvalue $< \Lambda$ leaves a Gaussian output
# (`numeric.trained_brg_flow`): the trained GP at $\Lambda \to 0$, the prior above the largest
# eigenvalue. With the read-out Fisher (the NNGP Gram, the parameter set of notebook 05) the
# network is trained in the read-out only. `nnqft experiment train --brg` adds the measured flow of
# finite networks, each coarse-grained in its own empirical Fisher eigenbasis.
#
# The labels carry noise $\sigma_n = 0.1$ and the network trained to $t = \infty$ interpolates
# them, the noise included, through its sloppiest modes. Coarse graining removes those first: a
# mode is distinguishable from the noise when its total information $n\lambda_k$ exceeds 1, so
# near $\Lambda = 1/n$ (dotted) the test loss drops well below that of the trained network, then
# rises as the stiff modes go too (the information-theoretic UV -> IR flow).

# %%
net2 = nq.ErfNet(depth=2)
rng = np.random.default_rng(0)
xb = np.sort(rng.uniform(-2, 2, 16))
yb = np.sin(2 * xb) + 0.1 * rng.standard_normal(16)
xt = np.linspace(-2, 2, 41)
flows = {f: nm.trained_brg_flow(net2, xb, yb, xt, np.sin(2 * xt), noise_std=0.1, fisher=f,
                                cutoffs=np.geomspace(1e-6, 1e4, 41)) for f in ("full", "readout")}
fig, axes = plt.subplots(1, 2, figsize=(11, 4))
for (name, flow), style in zip(flows.items(), ("-", "--")):
    axes[0].plot(flow.cutoffs, flow.test_loss, "k" + style, label=f"{name} Fisher")
    axes[1].semilogy(np.arange(1, 17), flow.information, "o" + style, label=f"{name} Fisher")
    best = int(np.argmin(flow.test_loss))
    unit = int(np.searchsorted(flow.cutoffs, 1 / 16))   # total information n * lambda = 1
    print(f"{name:7s} Fisher: test MSE {flow.test_loss[0]:.4f} trained (t = inf), "
          f"{flow.test_loss[unit]:.4f} at Lambda = {flow.cutoffs[unit]:.3g} ~ 1/n "
          f"({flow.kept[unit]} modes kept), smallest {flow.test_loss[best]:.4f} at "
          f"Lambda = {flow.cutoffs[best]:.3g}")
    axes[0].axvline(1 / 16, color="C3", lw=0.8, ls=":")
post = nq.nngp_posterior(net2, xb, yb, xt, noise=0.01)
print(f"NNGP posterior with the noise sigma_n^2: test MSE "
      f"{np.mean((post.mean - np.sin(2 * xt)) ** 2 + post.std ** 2):.4f}")
axes[0].set(xscale="log", yscale="log", xlabel=r"information cutoff $\Lambda$",
            ylabel="test MSE after coarse graining", title="ErfNet, depth 2, t = inf")
axes[1].set(xlabel="mode k", ylabel=r"Fisher eigenvalue $\lambda_k$",
            title="Fisher spectra on the 16 training inputs")
for ax in axes:
    ax.legend(fontsize=8)
