r"""Inputs and frozen random first layers of the BRG experiment.

:class:`InputDistribution` (Gaussian or box inputs, with the closed-form average of a cosine
used by the analytic Fisher information), :class:`RandomFeatureMap` (features
:math:`A_j\,\phi(w_j\cdot x + b_j)`, with :math:`\phi` the lambdified SymPy activation of the
architecture) and :func:`sample_feature_map` (the generalised cos-net of Howard, Klinger,
Maiti, Stapleton arXiv:2405.17538 with a free-scalar spectrum, or the ReLU-net).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy as sp

from nnqft_sym import CosNet, ReLUNet, Z
from nnqft_sym.expectations import gaussian_moment
from nnqft_sym.architectures import ARCHITECTURES, Network
from nnqft_sym.frequency_priors import FreeScalarFrequencyPrior, UniformBallFrequencyPrior
from nnqft_sym.validation import check_integer

from ._common import check_choice

__all__ = ["InputDistribution", "RandomFeatureMap", "sample_feature_map"]

#: feature kinds and the architecture (``nnqft_sym.ARCHITECTURES`` family) defining phi
FEATURE_KINDS = ("cos", "relu")


@dataclass(frozen=True)
class InputDistribution:
    r"""Distribution of the inputs: ``"gauss"`` :math:`N(c, s^2 I)` or ``"box"`` uniform on :math:`c + [-s, s]^d`.

    Attributes
    ----------
    kind : {"gauss", "box"}
    d_in : int >= 1
    center : float
        :math:`c` (every coordinate).
    scale : float > 0
        Standard deviation (gauss) or half-width (box) :math:`s`.

    Examples
    --------
    >>> dist = InputDistribution("box", d_in=2, center=0.0, scale=3.0)
    >>> dist.sample(np.random.default_rng(0), 5).shape
    (5, 2)
    """

    kind: str = "gauss"
    d_in: int = 2
    center: float = 1.0
    scale: float = 1.0

    def __post_init__(self) -> None:
        if self.kind not in ("gauss", "box"):
            raise ValueError(f"input distribution kind must be 'gauss' or 'box', got {self.kind!r}")
        check_integer(self.d_in, "d_in", 1)
        if not np.isfinite(self.center):
            raise ValueError(f"center must be finite, got {self.center}")
        if not (np.isfinite(self.scale) and self.scale > 0):
            raise ValueError(f"scale must be a positive finite number, got {self.scale}")

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` inputs, shape ``(n, d_in)``."""
        if self.kind == "gauss":
            return self.center + self.scale * rng.standard_normal((n, self.d_in))
        return self.center + rng.uniform(-self.scale, self.scale, (n, self.d_in))

    def mean_cos(self, w: np.ndarray, phase: np.ndarray) -> np.ndarray:
        r""":math:`E_x[\cos(w\cdot x + \phi)]` (``w``: ``(..., d_in)``, ``phase``: ``(...)``).

        With :math:`w\cdot x + \phi = \mu + \tau u`, :math:`u` of mean 0 and symmetric:
        :math:`\cos\mu\, E[\cos(\tau u)]` (the sine term is odd).  Gaussian inputs: the
        Gaussian expectation :math:`E[\cos(\tau u)] = e^{-\tau^2/2}` from the one engine,
        :func:`nnqft_sym.expectations.gaussian_moment`; box inputs: :math:`\prod_k
        \mathrm{sinc}(w_k s)`.
        """
        shift = phase + self.center * w.sum(-1)
        if self.kind == "gauss":
            variance = self.scale ** 2 * np.sum(w * w, -1)
            return np.cos(shift) * gaussian_moment(sp.cos(Z), variance[..., None, None])
        return np.cos(shift) * np.prod(np.sinc(w * self.scale / np.pi), axis=-1)



@dataclass(frozen=True)
class RandomFeatureMap:
    r"""A frozen first layer: features :math:`h_j(x) = A_j\,\phi(w_j\cdot x + b_j)`.

    :math:`\phi` is the activation of ``network`` evaluated by :meth:`nnqft_sym.Network.activate`,
    i.e. lambdified from its SymPy definition (``cos(z)`` for the cos-net, ``Max(0, z)`` for
    the ReLU-net), never a hand-written copy.

    Attributes
    ----------
    kind : {"cos", "relu"}
    w : ndarray, shape (N, d_in)
        Frequencies / first-layer weights.
    b : ndarray, shape (N,)
        Phases / biases.
    amplitude : ndarray, shape (N,)
        :math:`A_j` (1 for ReLU).
    prior_variance : float
        Variance of each read-out weight under the prior, :math:`v_{out}/N`.
    network : nnqft_sym.Network, optional
        The architecture whose activation is :math:`\phi` (its family must be ``kind``);
        default: the family's network with default priors (only the activation is used).

    Examples
    --------
    >>> fmap = RandomFeatureMap("relu", np.array([[1.0], [-1.0]]), np.zeros(2), np.ones(2), 0.5)
    >>> fmap(np.array([[2.0]])).tolist()
    [[2.0, 0.0]]
    """

    kind: str
    w: np.ndarray
    b: np.ndarray
    amplitude: np.ndarray
    prior_variance: float
    network: Network | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        check_choice(self.kind, "features", FEATURE_KINDS)
        if self.network is None:
            object.__setattr__(self, "network", ARCHITECTURES[self.kind](d_in=self.w.shape[-1]))
        elif self.network.family != self.kind:
            raise ValueError(f"network must be of the {self.kind!r} family (the feature kind), "
                             f"got the {self.network.family!r} network {self.network.name}")

    @property
    def width(self) -> int:
        """Number of features N."""
        return int(self.b.shape[0])

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """Feature matrix :math:`H_{nj} = h_j(x_n)`, shape ``(n, N)``."""
        z = x @ self.w.T
        z += self.b
        z = self.network.activate(z, None, overwrite_z=True)
        z *= self.amplitude
        return z


@functools.lru_cache(maxsize=16)
def _cos_spectrum(d_in: int, mass: float, radius: float) -> tuple[CosNet, float, Any]:
    """Generalised cos-net pieces: the CosNet with the spectrum, V_R and a NumPy rho(|w|^2)."""
    prior = FreeScalarFrequencyPrior(mass=mass, cutoff=radius)
    net = CosNet(sigma_w=1, sigma_b=1, d_in=d_in, frequency_prior=prior)
    ball = UniformBallFrequencyPrior(radius=radius)
    volume = float(ball.volume(net))
    pp = sp.Symbol("pp", nonnegative=True)
    inside = prior.density_constant(net) / (pp + sp.nsimplify(mass) ** 2)
    return net, volume, sp.lambdify(pp, inside, "numpy")


def sample_feature_map(kind: str, width: int, d_in: int, rng: np.random.Generator, *,
                       sigma_w: float = 1.0, sigma_b: float = 1.0, mass: float = 1.0,
                       radius: float = 4.0) -> RandomFeatureMap:
    r"""Draw a frozen first layer of ``width`` features.

    Parameters
    ----------
    kind : {"cos", "relu"}
        Generalised cos-net (free-scalar spectrum with mass ``mass``, UV cutoff ``radius``) or
        ReLU-net (priors of :class:`nnqft_sym.ReLUNet` with ``sigma_w``, ``sigma_b``).
    width, d_in : int
    rng : numpy Generator
    sigma_w : float
        Output scale: read-out prior variance :math:`2\sigma_W^2/N` (cos) or
        :math:`\sigma_W^2/N` (ReLU) (``output_variance`` of the architecture).

    Examples
    --------
    >>> fmap = sample_feature_map("cos", 100, 2, np.random.default_rng(0))
    >>> fmap(np.zeros((3, 2))).shape
    (3, 100)
    """
    check_integer(width, "width", 1)
    check_integer(d_in, "d_in", 1)
    if kind == "cos":
        net, volume, rho = _cos_spectrum(int(d_in), float(mass), float(radius))
        ball = UniformBallFrequencyPrior(radius=radius)
        w = ball.sample(net, rng, (width,))
        b = rng.uniform(-np.pi, np.pi, width)
        amplitude = np.sqrt(volume * rho(np.sum(w * w, -1)))
        v_out = 2 * sigma_w ** 2
    elif kind == "relu":
        net = ReLUNet(sigma_w=sigma_w, sigma_b=sigma_b, d_in=d_in)
        w, b = net.sample_first_layer(rng, (width,))
        amplitude = np.ones(width)
        v_out = float(net.output_variance)
    else:
        raise ValueError(f"features must be 'cos' or 'relu', got {kind!r}")
    return RandomFeatureMap(kind, w, b, amplitude, v_out / width, net)
