r"""Sampling plans for the first layer: pre-activations :math:`z(x_a) = W^0\cdot x_a + b^0`.

A plan is made once for fixed input points (:meth:`nnqft_sym.Network.first_layer_sampler`)
and then draws the pre-activations of many neurons at those points, ``size + (P,)``:

- :class:`GaussianFirstLayer` (every architecture with Gaussian weights and biases): one vector
  :math:`u` of :math:`d_{in} + 1` standard normals per neuron and :math:`z(x_a) = \sum_k u_k
  D_{ka}` with the design matrix :math:`D` (rows :math:`\sigma_W x_a/\sqrt{d_{in}}`, last row
  :math:`\sigma_b`): a single matrix product, scalings and biases included.  The normals go to
  a scratch buffer the plan keeps, and ``out=`` lets a caller reuse the result's memory, so a
  sampler that streams many blocks allocates nothing per block.
- :class:`DrawnFirstLayer` (any other prior, e.g. cos-net frequencies and uniform phases):
  draws ``(w, b)`` with the architecture's own function and forms ``w . x_a + b``.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np

__all__ = ["GaussianFirstLayer", "DrawnFirstLayer", "affine_preactivations"]


def affine_preactivations(w: np.ndarray, b: np.ndarray, points: np.ndarray,
                          out: np.ndarray | None = None) -> np.ndarray:
    """``w . x_a + b`` for weights ``(..., d_in)``, biases ``(...)`` and points ``(P, d_in)``.

    Examples
    --------
    >>> affine_preactivations(np.array([[2.0]]), np.array([1.0]), np.array([[0.5], [1.0]])).tolist()
    [[2.0, 3.0]]
    """
    z = np.einsum("...d,nd->...n", w, points, out=out)
    z += b[..., None]
    return z


def _check_out(out: np.ndarray | None, shape: tuple[int, ...]) -> None:
    if out is None:
        return
    if not isinstance(out, np.ndarray) or out.dtype != np.float64 or not out.flags.c_contiguous:
        raise TypeError("out must be a C-contiguous float64 numpy array")
    if out.shape != shape:
        raise ValueError(f"out must have shape size + (P,) = {shape}, got {out.shape}")


class GaussianFirstLayer:
    r"""Pre-activations of a Gaussian first layer at fixed points, from the design matrix.

    Parameters
    ----------
    design : array_like
        ``(d_in + 1, P)`` design matrix (:meth:`nnqft_sym.Network.preactivation_design`).

    Notes
    -----
    The scratch buffer makes a plan unsafe to share between threads; make one plan per
    thread (the sampler makes one per request).

    Examples
    --------
    >>> plan = GaussianFirstLayer([[0.5, 1.0], [1.0, 1.0]])   # sigma_W x_a, sigma_b; d_in = 1
    >>> z = plan.sample(np.random.default_rng(0), (1000, 3))
    >>> z.shape
    (1000, 3, 2)
    """

    def __init__(self, design: np.ndarray) -> None:
        self.design = np.ascontiguousarray(design, dtype=float)
        if self.design.ndim != 2 or self.design.shape[0] < 2:
            raise ValueError(f"design must have shape (d_in + 1, P), got {self.design.shape}")
        self._normals = np.empty(0)

    @property
    def n_points(self) -> int:
        """Number of input points P."""
        return self.design.shape[1]

    def sample(self, rng: np.random.Generator, size: tuple[int, ...],
               out: np.ndarray | None = None) -> np.ndarray:
        """Draw ``size`` neurons: ``size + (P,)`` pre-activations (into ``out`` if given).

        Draws ``prod(size) * (d_in + 1)`` standard normals from ``rng``, neuron after neuron
        (weights, then bias).
        """
        size = tuple(size)
        shape = size + (self.n_points,)
        _check_out(out, shape)
        count, k = math.prod(size), self.design.shape[0]
        if self._normals.size < count * k:
            self._normals = np.empty(count * k)
        normals = self._normals[:count * k].reshape(count, k)
        rng.standard_normal(out=normals)
        z = np.matmul(normals, self.design,
                      out=None if out is None else out.reshape(count, self.n_points))
        return out if out is not None else z.reshape(shape)


class DrawnFirstLayer:
    """Pre-activations ``w . x_a + b`` of first layers drawn by ``draw(rng, size) -> (w, b)``.

    Parameters
    ----------
    draw : callable
        ``draw(rng, size)`` returns weights ``size + (d_in,)`` and biases ``size``.
    points : numpy.ndarray
        ``(P, d_in)`` input points.

    Examples
    --------
    >>> def draw(rng, size):
    ...     return rng.standard_normal(size + (1,)), rng.uniform(-np.pi, np.pi, size)
    >>> DrawnFirstLayer(draw, np.zeros((4, 1))).sample(np.random.default_rng(0), (10,)).shape
    (10, 4)
    """

    def __init__(self, draw: Callable[[np.random.Generator, tuple[int, ...]],
                                      tuple[np.ndarray, np.ndarray]],
                 points: np.ndarray) -> None:
        self.draw = draw
        self.points = np.asarray(points, dtype=float)

    @property
    def n_points(self) -> int:
        """Number of input points P."""
        return self.points.shape[0]

    def sample(self, rng: np.random.Generator, size: tuple[int, ...],
               out: np.ndarray | None = None) -> np.ndarray:
        """Draw ``size`` neurons: ``size + (P,)`` pre-activations (into ``out`` if given)."""
        size = tuple(size)
        _check_out(out, size + (self.n_points,))
        w, b = self.draw(rng, size)
        return affine_preactivations(w, b, self.points, out=out)
