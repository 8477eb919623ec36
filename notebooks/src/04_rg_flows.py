# %% [markdown]
# # 04 — RG flows derived from truncated effective actions
#
# Everything here is derived by `nnqft_sym.rg` from a truncated effective action, never typed in:
# (1) the local potential approximation (LPA) of the Wetterich and Polchinski equations, checked
# against one loop in $d = 4 - \epsilon$ and the Ising LPA exponent $\nu = 0.6496$ (Litim 2002);
# (2) the NN-QFT flows of the seed talk / ELS (arXiv:2108.01403) and the active-RG exponents
# compared three ways; (3) the HMS (arXiv:2008.08601) Wilsonian flow with an input-space cutoff.

# %%
import numpy as np
import sympy as sp
import matplotlib.pyplot as plt
from IPython.display import Math, display
from nnqft_sym import GaussNet, ErfNet, ReLUNet
from nnqft_sym import rg

# %% [markdown]
# ## 1. LPA beta functions (Litim regulator, $d = 3$, expansion about the running minimum)
# $\partial_t u = -d\,u + (d-2)\rho u' + \ell(u' + 2\rho u'')$ with the threshold function
# $\ell(w) = c_d/(1+w)$ derived from $R_k = (k^2 - p^2)\theta(k^2 - p^2)$.

# %%
beta = rg.lpa_beta_functions(3, 2, "litim", "minimum")
display(Math(beta.latex()))

# %% [markdown]
# **One loop.** With $V = g\phi^4/4!$ ($g = u_4 = 3\lambda_2$) in $d = 4 - \epsilon$ the LPA flow
# expanded to second order in $g$ gives the universal $\beta(g) = -\epsilon g + 3g^2/(16\pi^2)$.

# %%
eps, g = sp.symbols("epsilon g")
b4 = rg.lpa_beta_functions(4 - eps, 2, "litim", "zero")
bg = b4.field_betas()[4].subs({sp.Symbol("lambda_1", real=True): 0, sp.Symbol("lambda_2", real=True): g / 3})
one_loop = sp.diff(bg, g).subs(g, 0) * g + sp.simplify((sp.diff(bg, g, 2).subs(g, 0) / 2).subs(eps, 0)) * g ** 2
one_loop

# %% [markdown]
# **Ising exponents.** The Wilson-Fisher fixed point, followed from truncation 2 to 12
# ($\phi^{24}$), converges (oscillating) to the LPA values $\nu = 0.649562$,
# $\omega = 0.655746$ (Bervillier, Jüttner, Litim 2007).

# %%
res = rg.critical_exponents(3, 12, "litim", "minimum")
for n, nu, om in res.sequence:
    print(f"N = {n:2d}:  nu = {nu:.6f}   omega = {om:.6f}")

# %%
fig, ax = plt.subplots(figsize=(5, 3.2))
ns = [s[0] for s in res.sequence]
ax.plot(ns, [s[1] for s in res.sequence], "o-", label="nu (about the minimum)")
zero = rg.critical_exponents(3, 10, "litim", "zero")
ax.plot([s[0] for s in zero.sequence], [s[1] for s in zero.sequence], "s--", label="nu (about zero)")
ax.axhline(0.6496, color="k", lw=0.8, label="Litim 2002: 0.6496")
ax.set(xlabel="truncation N (phi^2N)", ylabel="nu", ylim=(0.45, 0.75)); ax.legend(fontsize=8);

# %% [markdown]
# **Polchinski LPA in $d = 3$.** Its field-polynomial truncations lose the Wilson-Fisher point
# (Morris 1994). Solved instead as an ODE: shooting in $\sigma = v''(0)$ for the one global
# solution of $f'' = -\tfrac{d+2}{2}f + \tfrac{d-2}{2}\phi f' + 2ff'$ ($f = v'$), then the
# linearised flow's eigenvalues by shooting with a matching condition at $\phi_m = 5.5$. By the
# Legendre-transform equivalence (Morris 2005) the exponents equal the Wetterich-Litim ones.

# %%
pol = rg.polchinski_fixed_point(3)
print(f"Polchinski shooting: sigma* = {pol.sigma:.10f}, nu = {pol.nu:.7f} +- {pol.nu_error:.1e}, "
      f"omega = {pol.omega:.6f} +- {pol.omega_error:.1e}")
print(f"Wetterich-Litim N = 12: nu = {res.nu:.7f}, omega = {res.omega:.6f};  "
      f"BJL 2007: nu = 0.6495618, omega = 0.655746")
phi = np.linspace(0, 5, 101)
f_star, _ = pol.solution(phi)
fig, ax = plt.subplots(figsize=(5, 3.2))
ax.plot(phi, f_star, label="f* = v*' (Wilson-Fisher, Polchinski LPA)")
ax.plot(phi, phi, ":", label="f = phi (trivial fixed point)")
ax.set(xlabel="phi", ylabel="f"); ax.legend(fontsize=8);

# %% [markdown]
# **O(N) models.** A network with $d_{out}$ outputs and O($d_{out}$)-invariant priors is an O(N)
# field theory with $N = d_{out}$. The Goldstone modes add $(N-1)\,\ell(u')$ to the flow,
# $\partial_t u = -d u + (d-2)\rho u' + c_d[(N-1)/(1+u') + 1/(1+u'+2\rho u'')]$ (Litim), and
# the untruncated fixed point is solved by Chebyshev collocation
# (`rg.full_potential_fixed_point`). Literature (LPA, Litim hep-th/0203006): $\nu = 0.6496$,
# $0.7082$, $0.7611$, $0.8043$ for $N = 1..4$; large $N$: $\nu = 1/(d-2) = 1$.

# %%
n_values = [1, 2, 3, 4, 10]
on_fps = {n: rg.full_potential_fixed_point(3, n_components=n) for n in n_values}
for n, fp in on_fps.items():
    print(f"O({n}): nu = {fp.nu:.8f}, omega = {fp.omega:.8f}")
print(f"large N: nu = {rg.full_potential_fixed_point(3, n_components=sp.oo).nu:.8f} (exact 1/(d-2) = 1)")
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.2))
ax1.plot(n_values, [on_fps[n].nu for n in n_values], "o-", label="nu")
ax1.plot(n_values, [on_fps[n].omega for n in n_values], "s--", label="omega")
ax1.axhline(1.0, color="k", lw=0.8, label="large N: nu = omega = 1")
ax1.set(xlabel="N", ylabel="exponent (d = 3, LPA, Litim)"); ax1.legend(fontsize=8)
for n in (1, 2, 4):
    fp = on_fps[n]
    inside = fp.rho <= 2.5 * fp.minimum
    ax2.plot(fp.rho[inside] / fp.minimum, (fp.potential[inside] - fp.potential[0]) / fp.minimum,
             label=f"N = {n}")
ax2.set(xlabel="rho / kappa*", ylabel="(u*(rho) - u*(0)) / kappa*"); ax2.legend(fontsize=8);

# %% [markdown]
# **LPA'.** A field-independent $Z_k$ adds the anomalous dimension
# $\eta = -\partial_t \ln Z_k$, derived from the $p^2$ term of the two-point flow at the running
# minimum (`rg.derive_anomalous_dimension`; Goldstone leg, Berges-Tetradis-Wetterich
# hep-ph/0005122: $\eta = \frac{8 v_d}{d}\,\kappa\lambda^2/(1+2\kappa\lambda)^2$ with
# $v_d = 1/((4\pi)^{d/2}\Gamma(d/2))$). The flow gets $(d-2+\eta)\rho u'$ and the factor
# $1 - \eta/(d+2)$ on the loop; the fixed point is solved self-consistently
# (`rg.lpa_prime_exponents`). $\eta$ lowers $\nu$ below the LPA and vanishes at large $N$.

# %%
print(rg.derive_anomalous_dimension(3).expression)
for n in (1, 2, 3, 4):
    prime = rg.lpa_prime_exponents(3, 8, n_components=n)
    print(f"O({n}) LPA': eta = {prime.eta:.5f}, nu = {prime.nu:.5f}, omega = {prime.omega:.4f}"
          f"  (LPA nu = {on_fps[n].nu:.5f})")

# %% [markdown]
# ## 2. NN-QFT: the ELS flow and the active RG
# ELS: $\Gamma_k'' + R_k := k^2 e^{p^2/k^2}$, $k^2 = 2\sigma_W^2/d_{in}$, i.e. the regulator
# $r(y) = e^y - y$. The derived flow of $u_4, u_6$ ($d_{in} = 1$), with closed-form
# threshold functions at $w = 0$:

# %%
flow = rg.gaussnet_flow(1)
display(Math(flow.latex()))
flow.thresholds

# %% [markdown]
# The linear part of the dimensionless flow is the canonical scaling $-(4 - d_{in})$,
# $-(6 - 2d_{in})$: this is what the talk's active-RG equations
# $\sigma_W du_4/d\sigma_W = (4 - d_{in})u_4$, $\sigma_W du_6/d\sigma_W = (6-2d_{in})u_6$ state
# (constant dimensionless couplings).

# %%
{g_: sp.diff(e, g_).subs({rg.U4: 0, rg.U6: 0}) for g_, e in flow.dimensionless().items()}

# %% [markdown]
# **Three ways.** The exact finite-width $u_4 = -\Delta G^{(4)}/N_K$ (the coupling HMS/ELS
# measure) at the ELS points, as a function of $\sigma_W$: its log-log slope is
# $d_{in} - 4 = -3$, **not** $+3$. Reason: the family has an exact dilation symmetry
# ($K_W(x,y;t\sigma_W) = t^2K_W(tx,ty;\sigma_W)$), which gives $u_4 \propto \sigma_W^{d_{in}-4}$ for
# the network field; the talk's exponent refers to the field normalised to the propagator
# $e^{-p^2/k^2}/k^2$, which differs by $Z_\sigma = K(p)/K_k(p) \propto \sigma_W^{4-d_{in}}$, and
# $Z_\sigma^2 u_4 \propto \sigma_W^{4 - d_{in}}$. The small drift at large $\sigma_W$ comes from the
# dilated points $\sigma_W x_i$.

# %%
sigmas = np.array([1.0, 1.5, 2.0, 3.0, 5.0, 10.0, 20.0])
points = [-0.01, -0.006, 0.002, 0.01]
u4, slope = rg.exact_active_slope(points, 10, sigmas)
sw = sp.Symbol("sigma_W", positive=True)
z = sp.lambdify(sw, rg.field_rescaling(GaussNet(sigma_w=sw, d_in=1)))
print("derived exponent (network field):", rg.dilation_exponent(GaussNet(d_in=1), 4))
for s, u, sl in zip(sigmas, u4, slope):
    print(f"sigma_W = {s:5.1f}: u4 = {u: .5e}, slope = {sl: .4f}, ELS-normalised slope = {sl + 2 * (4 - 1): .4f}")

# %%
sol = rg.active_flow(GaussNet(sigma_w=1.0, d_in=1), u4[0], 0.0, sigmas)
fig, ax = plt.subplots(figsize=(5, 3.2))
ax.loglog(sigmas, -u4, "o", label="exact -u4 (N = 10, ELS points)")
ax.loglog(sigmas, -sol.u4, "-", label="active flow, exponent d_in - 4 (derived)")
ax.loglog(sigmas, -u4[0] * sigmas ** 3, ":", label="talk: exponent 4 - d_in")
ax.loglog(sigmas, -sol.canonical_u4, "--", label="ELS-normalised Z^2 u4 (slope +3)")
ax.set(xlabel="sigma_W", ylabel="-u4"); ax.legend(fontsize=7);

# %% [markdown]
# **Measured** (numeric issue: `numeric.measure`, 10 bags of 20000 networks per $\sigma_W$, N = 10,
# the six ELS inputs; $u_4$ averaged over the 4-point combinations, error from the bags): the
# power-law fit of $|u_4|(\sigma_W)$ gives the exponent with its error bar.

# %%
from numeric import HMS_POINTS, measure
from numeric.couplings import quartic_couplings, fit_power_law
els_inputs = list(HMS_POINTS)
meas_sigmas = [1.0, 2.0, 4.0, 8.0]
avg, err = [], []
for s in meas_sigmas:
    q = quartic_couplings(measure(GaussNet(sigma_w=s, sigma_b=1.0, d_in=1), [10], els_inputs,
                                  orders=(4,), n_bags=10, n_nets=20000, rng=1))
    avg.append(abs(q.average[0])); err.append(q.average_err[0])
fit = fit_power_law(meas_sigmas, avg, err)
print(fit)
print("measured exponent agrees with d_in - 4 = -3 (4 sigma):", abs(fit.exponent + 3) < 4 * fit.exponent_err,
      "| excludes the talk's +3:", abs(fit.exponent - 3) > 4 * fit.exponent_err)

# %% [markdown]
# **The active exponent three ways** (coupling of the network field, $u_4 = -\Delta G^{(4)}/N_K$):

# %%
derived = rg.dilation_exponent(GaussNet(d_in=1), 4)
print(f"derived (dilation symmetry):  {derived}")
print(f"seed talk:                    {4 - 1:+d}   (field normalised to exp(-p^2/k^2)/k^2)")
print(f"measured (numeric, N = 10):   {fit.exponent:+.3f} +- {fit.exponent_err:.3f}")

# %% [markdown]
# **Flows started from measured couplings.** Active flow from the measured $u_4$ at
# $\sigma_W = 1$ (N = 10; $u_6$ is not resolved at the ELS points, so it starts at 0 and the
# flow of $u_4$ does not involve it), with the band from the measurement's error; it follows
# the measured points. The passive flow cannot start from the N = 10 coupling (the truncated
# flow hits the propagator pole), so it starts from the measured N = 100 coupling.

# %%
u4_meas, u4_err = -avg[0], err[0]
band = [rg.active_flow(GaussNet(sigma_w=1.0, d_in=1), u, 0.0, np.array(meas_sigmas)).u4
        for u in (u4_meas - u4_err, u4_meas, u4_meas + u4_err)]
print(f"measured u4(sigma_W = 1, N = 10) = {u4_meas:.3f} +- {u4_err:.3f}")
for s_, lo, mid, hi, a_, e_ in zip(meas_sigmas, band[0], band[1], band[2], avg, err):
    print(f"sigma_W = {s_:3.0f}: active flow u4 = {mid: .4f} [{min(lo, hi): .4f}, {max(lo, hi): .4f}]"
          f",  measured {-a_: .4f} +- {e_:.4f}")
try:
    rg.passive_flow(GaussNet(sigma_w=1.0, d_in=1), u4_meas, 0.0, np.geomspace(30, 0.01, 9))
except RuntimeError as exc:
    print("passive flow from the N = 10 coupling:", str(exc)[:60], "...")
q100 = quartic_couplings(measure(GaussNet(sigma_w=1.0, sigma_b=1.0, d_in=1), [100], els_inputs,
                                 orders=(4,), n_bags=10, n_nets=20000, rng=1))
u4_100, u4_100_err = float(q100.average[0]), float(q100.average_err[0])
print(f"measured u4(N = 100) = {u4_100:.3f} +- {u4_100_err:.3f} (exact {float(q100.average_reference[0]):.3f})")
ks_m = np.geomspace(30, 0.01, 7)
for u in (u4_100 - u4_100_err, u4_100, u4_100 + u4_100_err):
    pf = rg.passive_flow(GaussNet(sigma_w=1.0, d_in=1), u, 0.0, ks_m)
    print(f"passive flow from u4 = {u: .3f}: u4(k = 0.01) = {pf.u4[-1]: .4f}, u6(k = 0.01) = {pf.u6[-1]: .4f}")

# %% [markdown]
# **Passive flow** (fixed network, varying regulator scale $k$, Litim regulator on the IR kinetic
# term $Z_0(m_0^2 + p^2)$): $u_4$ runs at $O(u_4^2)$ and freezes below $k \approx m_0$.
# At $N = 10$ the coupling ($u_4 \approx -12.8$) is too strong for the truncation (the flow runs
# into the propagator pole); we start from the exact $N = 1000$ coupling.

# %%
ks = np.geomspace(30, 0.01, 9)
u4_1000 = float(GaussNet(sigma_w=1.0, d_in=1).quartic_coupling(points, 1000))
pas = rg.passive_flow(GaussNet(sigma_w=1.0, d_in=1), u4_1000, 0.0, ks)
for k, a, b in zip(ks, pas.u4, pas.u6):
    print(f"k = {k:8.3f}: u4 = {a: .6f}, u6 = {b: .3e}")

# %% [markdown]
# ## 3. HMS Wilsonian flow with an input-space cutoff
# $\lambda(\Lambda) = -\Delta G^{(4)}/\int_{-\Lambda}^{\Lambda}dx\prod_i K_W(x, x_i)$ at fixed exact
# $\Delta G^{(4)}$; $\beta/\lambda = d\ln\lambda/d\ln\Lambda$ tends to $0$ (Gauss), $-d_{in}$ (Erf)
# and $-(d_{in}+4)$ (ReLU), set by how $K_W(x, x_i)$ grows with $|x|$.

# %%
cutoffs = np.geomspace(0.3, 300, 13)
fig, ax = plt.subplots(figsize=(5, 3.2))
for net in (GaussNet(), ErfNet(), ReLUNet()):
    lim = cutoffs[cutoffs < 8] if net.family == "gauss" else cutoffs
    w = rg.wilsonian_flow(net, [-0.5, -0.2, 0.3, 0.6], 10, lim)
    ax.semilogx(lim, w.anomalous_scaling, "o-", label=net.name)
ax.set(xlabel="Lambda", ylabel="beta / lambda"); ax.legend(fontsize=8);

# %% [markdown]
# **Against simulations.** $\Delta G^{(4)}$ measured by `numeric.measure` (ReLU-net, N = 5,
# 10 bags of 20000 networks, seed 0) gives $\lambda(\Lambda) = -\Delta G^{(4)}_{meas}/N_K^\Lambda$
# with the bag error. Since $\Delta G^{(4)}$ does not depend on $\Lambda$, the measured curve is
# the exact one times a constant, so the z-score is the same at every cutoff and the measured
# $\beta/\lambda$ equals the exact one: the cutoff flow is fixed by the kernel alone.

# %%
hms_pts = [-0.5, -0.2, 0.3, 0.6]
relu = ReLUNet()
e4 = measure(relu, [5], hms_pts, orders=(4,), n_bags=10, n_nets=20000, rng=0).estimate(4)
(i4,) = [k for k, c in enumerate(e4.combos) if list(c) == [0, 1, 2, 3]]
cut_m = np.array([0.5, 1.0, 3.0, 10.0, 30.0])
nk = np.array([rg.cutoff_contact_integral(relu, hms_pts, c) for c in cut_m])
lam_meas, lam_err = -e4.delta[0, i4] / nk, e4.stderr[0, i4] / np.abs(nk)
lam_exact = rg.wilsonian_flow(relu, hms_pts, 5, cut_m).coupling
for c, lm, le, lx in zip(cut_m, lam_meas, lam_err, lam_exact):
    print(f"Lambda = {c:5.1f}: measured {lm: .4e} +- {le:.1e}, exact {lx: .4e}, z = {(lm - lx) / le: .2f}")

# %% [markdown]
# **Sextic running** (`feynman.running.sextic_running`): $\lambda_6(\Lambda)$ at fixed exact
# connected $G_c^{(6)} = \lambda_4^2E - \lambda_6C$, with $\lambda_4(\Lambda)$ from the quartic flow
# at the first four of the six points. Exact limits: Gauss-net $\beta_6 \to 0$; ReLU-net
# $\beta_6/\lambda_6 \to -(d_{in}+6) = -7$ (exactly $-7$ at every cutoff at $\sigma_b = 0$,
# the HMS ReLU setting, with positive inputs); Erf-net $\to -d_{in}$, reached only far beyond $\Lambda = 10$.

# %%
from feynman.running import sextic_running
six = [-0.5, -0.2, 0.1, 0.3, 0.6, 0.8]
fig, ax = plt.subplots(figsize=(5, 3.2))
for net in (GaussNet(), ErfNet(), ReLUNet()):
    cut6 = np.geomspace(0.3, 7 if net.family == "gauss" else 10, 7)
    run6 = sextic_running(net, six, 10, cut6)
    ax.semilogx(cut6, run6.anomalous_scaling, "o-", label=net.name)
    print(f"{net.name}: lambda6 = {run6.sextic[0]: .4g} -> {run6.sextic[-1]: .4g}, "
          f"beta6/lambda6 at the largest cutoff = {run6.anomalous_scaling[-1]: .4f}")
homog = sextic_running(ReLUNet(sigma_b=0), [0.2, 0.3, 0.4, 0.5, 0.6, 0.7], 10, [0.5, 2.0])
print("ReLU sigma_b = 0, positive inputs: beta6/lambda6 =", np.round(homog.anomalous_scaling, 5))
ax.set(xlabel="Lambda", ylabel="beta6 / lambda6"); ax.legend(fontsize=8);

# %% [markdown]
# ## 4. Beyond the papers: the O(1/N) quartic vertex by amputation
# $V_4 = -(\mathcal K^{-1})^{\otimes 4} G_c^{(4)}$ on a grid (spacing ~ the correlation length, so
# that the kernel matrix can be inverted). For the cos-net (translation-invariant correlators) the
# vertex is far from local: the off-diagonal weight is ~99 %, and the best local quartic leaves a
# large residual in the 4-point function. (For the Gauss-net $G_c^{(4)}$ grows like
# $e^{\sum_i s(x_i)}$ away from the origin and the grid's edges dominate.)

# %%
from nnqft_sym import CosNet
amp = rg.amputated_quartic_vertex(CosNet(), np.linspace(-4, 4, 7), 10)
print(f"condition number {amp.condition:.1f}, local fit u4 = {amp.local_coupling:.5f}, "
      f"non-locality {amp.nonlocality:.3f}, residual {amp.residual:.3f}")
print("zero-momentum vertex h^3 sum_bcd V_abcd:", np.round(amp.integrated_vertex, 5))
