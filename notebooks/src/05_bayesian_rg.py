# %% [markdown]
# # 05 — Bayesian RG: information shells, momentum shells and a coarse-grained ensemble
#
# BRG-NNFT (Howard, Klinger, Maiti, Stapleton, arXiv:2405.17538) coarse-grains a network in
# parameter space: directions whose Fisher information is below a distinguishability scale
# $\Lambda$ are integrated out. For cos-net with a frequency prior $\rho$ the GP kernel is the
# Fourier transform of $\rho$, and for the *generalised* cos-net — frequencies uniform on a ball,
# the spectrum in the read-out amplitude — the Fisher eigen-directions are Fourier modes with
# information proportional to their power, so information shells are momentum shells and BRG
# is Wilson's momentum-shell RG of a free scalar. This notebook shows the three steps and a small
# version of the numerical experiment (`nnqft experiment brg`).

# %%
import numpy as np
import sympy as sp
import matplotlib.pyplot as plt
from nnqft_sym import CosNet
from nnqft_sym.frequency_priors import FreeScalarFrequencyPrior, StudentTFrequencyPrior
from nnqft_sym.bayesian_rg import (GeneralisedCosNet, cosnet_neuron_fisher_metric,
                                   kernel_from_frequency_density, BOX)
from numeric.bayesian_rg import BRGConfig, InputDistribution, run_brg_experiment

# %% [markdown]
# ## 1. The kernel is the Fourier transform of the frequency prior
# A Cauchy prior ($\rho \propto 1/(w^2+m^2)$ in $d = 1$, the free scalar without cutoff) gives the
# exponential kernel; a Student-t prior gives the Matérn kernel. `kernel_from_frequency_density`
# integrates the density, `characteristic` is the prior's own closed form.

# %%
r = sp.Symbol("r", positive=True)
free = CosNet(sigma_w=1, sigma_b=1, d_in=1, frequency_prior=FreeScalarFrequencyPrior(mass=2, cutoff=np.inf))
kernel_from_frequency_density(free, r ** 2), free.frequency_prior.characteristic(free, r ** 2)

# %%
fig, ax = plt.subplots(figsize=(5, 3.5))
sep = np.linspace(0, 4, 200)
for nu in (0.5, 1.5, 4.0):
    net = CosNet(d_in=2, frequency_prior=StudentTFrequencyPrior(nu=nu, length_scale=1.0))
    ax.plot(sep, net.frequency_prior.characteristic(net, sep ** 2), label=f"Student-t, nu = {nu}")
net = CosNet(d_in=2, frequency_prior=FreeScalarFrequencyPrior(mass=1.0, cutoff=6.0))
ax.plot(sep, net.frequency_prior.characteristic(net, sep ** 2), "k--", label="free scalar, Lambda = 6")
ax.set(xlabel="|x - y|", ylabel="E cos(w.(x-y))"); ax.legend(fontsize=8);

# %% [markdown]
# ## 2. Fisher metric of one cos-net neuron
# Gaussian likelihood, inputs uniform on $[-L/2, L/2]$: the read-out weight and the phase carry
# $O(1)$ information, the frequency $O(L^2)$.

# %%
F, (W, w, b) = cosnet_neuron_fisher_metric()
[sp.limit(F[0, 0], BOX, sp.oo), sp.limit(F[1, 1] / BOX ** 2, BOX, sp.oo), sp.limit(F[2, 2], BOX, sp.oo)]

# %% [markdown]
# ## 3. Integrating out the information shell = Wilson's momentum shell
# For the generalised cos-net with the free-scalar spectrum, SymPy derives the information
# scale $\lambda(p)$, the dictionary $k(\Lambda)$, and shows that the propagator of the kept
# modes obeys the same flow equation and boundary condition computed in information space and in
# momentum space.

# %%
proof = GeneralisedCosNet.free_scalar(d_in=3).brg_wilson_proof()
proof.information_scale, proof.momentum_cutoff

# %%
proof.flow_difference, proof.boundary_difference, proof.holds

# %% [markdown]
# ## 4. A small numerical experiment
# Twenty generalised cos-nets (free-scalar spectrum, UV cutoff 4) trained by ridge regression on a
# sum of sinusoids; read-out weights with $F_{jj} < \Lambda$ reset to prior draws. The test loss
# stays flat until the cutoff reaches the information of the least informative mode, then rises;
# the 2-point function of the prior ensemble with the sloppy weights integrated out follows Wilson's
# momentum-shell propagator. All parameters of the run are one `BRGConfig` (checked when it is
# built; `run_brg_experiment(n_members=20, ...)` with keywords builds the same one).

# %%
config = BRGConfig(n_members=20, width=300, n_train=100, n_test=100, features="cos",
                   inputs=InputDistribution("box", 2, 0.0, 3.0), radius=4.0, n_mc=20000, seed=0)
res = run_brg_experiment(config, progress=False)
print("baseline", res.baseline_loss, "critical cutoff", res.critical_cutoff)
fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
axes[0].errorbar(res.cutoffs, res.test_loss, res.test_loss_err, fmt="o-", ms=3)
axes[0].set(xscale="log", yscale="log", xlabel="Lambda", ylabel="test MSE")
axes[1].errorbar(res.cutoffs, res.kept_two_point[:, 0], res.kept_two_point_err[:, 0], fmt="o", ms=3,
                 label="prior ensemble, sloppy modes out")
axes[1].plot(res.cutoffs, res.wilson_two_point[:, 0], "k--", label="Wilson K_k(Lambda)(0)")
axes[1].set(xscale="log", xlabel="Lambda", ylabel="G(x0, x0)"); axes[1].legend(fontsize=8);
