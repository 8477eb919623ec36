"""Exact single-point output densities of one-hidden-layer networks, by Fourier inversion.

f(x) = b + sum_{i=1}^N W_i g_i with i.i.d. neurons, so its characteristic function is
exp(-sigma_b^2 w^2 / 2) * phi_t(w)^N with the per-neuron phi_t(w) = E_g[exp(-w^2 v g^2 / 2)]
(W_i ~ N(0, v) given g): the N-fold convolution in closed form, independent of nnqft_sym.
- ReLU-net, g = max(0, z), z ~ N(0, s): phi_t = 1/2 + 1/(2 sqrt(1 + w^2 v s)), v = sigma_W^2 / N.
- cos-net, g = cos(theta), theta uniform: phi_t = exp(-c) I_0(c), c = w^2 v / 4, v = 2 sigma_W^2 / N.
"""
from __future__ import annotations

import numpy as np
from scipy.special import ive


def characteristic_function(arch: str, omega: np.ndarray, width: int, x: float = 1.0,
                            sigma_w: float = 1.0, sigma_b: float = 1.0) -> np.ndarray:
    """E exp(i omega f(x)) of the width-N network (real and even)."""
    if arch == "relu":
        v, s = sigma_w ** 2 / width, sigma_b ** 2 + sigma_w ** 2 * x ** 2
        neuron = 0.5 + 0.5 / np.sqrt(1 + omega ** 2 * v * s)
    elif arch == "cos":
        neuron = ive(0, omega ** 2 * (2 * sigma_w ** 2 / width) / 4)
    else:
        raise ValueError(arch)
    return np.exp(-0.5 * sigma_b ** 2 * omega ** 2) * neuron ** width


def exact_density(arch: str, f: np.ndarray, width: int, x: float = 1.0, sigma_w: float = 1.0,
                  sigma_b: float = 1.0, n_omega: int = 1201) -> np.ndarray:
    """p(f) = (1/pi) int_0^oo phi(w) cos(w f) dw by the trapezoid rule.

    By Poisson summation the trapezoid rule of step dw gives sum_m p(f + 2 pi m / dw): with
    dw = 0.0075 the aliases sit 840 away (negligible), and phi(w) < 1e-17 beyond 9 / sigma_b.
    """
    top = 9.0 / sigma_b                         # exp(-sigma_b^2 top^2 / 2) < 1e-17
    omega = np.linspace(0.0, top, n_omega)
    weights = np.full(n_omega, omega[1])
    weights[[0, -1]] *= 0.5
    phi = characteristic_function(arch, omega, width, x, sigma_w, sigma_b)
    return np.cos(np.outer(np.asarray(f, float), omega)) @ (weights * phi) / np.pi


def relu_readout_characteristic_function(omega: np.ndarray, width: int, mean: float = 0.0,
                                         law: tuple[list[float], list[float]] | None = None,
                                         x: float = 1.0, sigma_w: float = 1.0,
                                         sigma_b: float = 1.0) -> np.ndarray:
    """The same for W = mean / N + (sigma_w / sqrt(N)) theta, theta standard normal (``law`` None)
    or taking ``values`` with ``probabilities`` (``law = (values, probabilities)``).

    phi_t = 1/2 (the mass at g = 0) + E_z[1_{z > 0} E_theta exp(i w W g)], z ~ N(0, s), the
    half line z in (0, 12 sqrt(s)) by Gauss-Legendre quadrature (300 nodes).
    """
    s = sigma_b ** 2 + sigma_w ** 2 * x ** 2
    nodes, wts = np.polynomial.legendre.leggauss(300)
    g = 6 * np.sqrt(s) * (nodes + 1)
    wts = 6 * np.sqrt(s) * wts * np.exp(-g ** 2 / (2 * s)) / np.sqrt(2 * np.pi * s)
    shift = np.exp(1j * np.outer(omega, mean * g / width))
    if law is None:
        given_z = shift * np.exp(-0.5 * np.outer(omega ** 2, sigma_w ** 2 * g ** 2 / width))
    else:
        given_z = sum(p * shift * np.exp(1j * np.outer(omega, sigma_w * v * g / np.sqrt(width)))
                      for v, p in zip(*law))
    return np.exp(-0.5 * sigma_b ** 2 * omega ** 2) * (0.5 + given_z @ wts) ** width


def relu_readout_density(f: np.ndarray, width: int, mean: float = 0.0,
                         law: tuple[list[float], list[float]] | None = None, x: float = 1.0,
                         sigma_w: float = 1.0, sigma_b: float = 1.0,
                         n_omega: int = 1201) -> np.ndarray:
    """p(f) = (1/pi) int_0^oo Re[phi(w) exp(-i w f)] dw for those read-out priors."""
    omega = np.linspace(0.0, 9.0 / sigma_b, n_omega)
    weights = np.full(n_omega, omega[1])
    weights[[0, -1]] *= 0.5
    phi = relu_readout_characteristic_function(omega, width, mean, law, x, sigma_w, sigma_b)
    return np.real(np.exp(-1j * np.outer(np.asarray(f, float), omega)) @ (weights * phi)) / np.pi
