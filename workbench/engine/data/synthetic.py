"""Generated 2-D datasets, in the style of TensorFlow Playground: seeded, with noise."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from ...spec import Task
from ...spec.datasets import (
    CirclesDataset,
    GaussianDataset,
    MoonsDataset,
    SpiralDataset,
    XorDataset,
)
from .base import RawData

Synthetic = SpiralDataset | MoonsDataset | CirclesDataset | XorDataset | GaussianDataset


def spiral_points(n: int, classes: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """`n` points on `classes` spiral arms, one arm a class; each point's angle is jittered by
    normal noise with a standard deviation of 2 x `noise` radians."""
    per = np.full(classes, n // classes)
    per[: n % classes] += 1
    xs, ys = [], []
    for k, count in enumerate(per):
        radius = np.linspace(0.05, 1.0, count)
        angle = np.linspace(k * 2 * np.pi / classes, k * 2 * np.pi / classes + 1.75 * np.pi, count)
        angle = angle + rng.normal(0.0, noise, count) * 2.0
        xs.append(np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1))
        ys.append(np.full(count, k))
    return np.concatenate(xs), np.concatenate(ys)


def xor_points(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """`n` points in the square from -1 to 1: class 1 where both coordinates have the same sign."""
    points = rng.uniform(-1.0, 1.0, size=(n, 2))
    labels = (points[:, 0] * points[:, 1] > 0).astype(np.int64)
    return points + rng.normal(0.0, noise, size=(n, 2)), labels


def gaussian_points(n: int, classes: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """`n` points in `classes` round blobs around a circle, the blobs wider with more `noise`."""
    angles = 2 * np.pi * np.arange(classes) / classes
    centres = 2.0 * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    labels = np.arange(n) % classes
    return centres[labels] + rng.normal(0.0, 0.5 + 2.0 * noise, size=(n, 2)), labels


def _moons(spec: MoonsDataset, seed: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import make_moons

    return make_moons(spec.n_samples, noise=spec.noise, random_state=seed)  # type: ignore[no-any-return]


def _circles(spec: CirclesDataset, seed: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import make_circles

    return make_circles(spec.n_samples, noise=spec.noise, factor=0.5, random_state=seed)  # type: ignore[no-any-return]


# The points of each generated kind, from its spec, the seed and a generator seeded with it.
POINTS: dict[str, Callable[[Any, int, np.random.Generator], tuple[np.ndarray, np.ndarray]]] = {
    "spiral": lambda spec, seed, rng: spiral_points(spec.n_samples, spec.n_classes, spec.noise, rng),
    "moons": _moons,
    "circles": _circles,
    "xor": lambda spec, seed, rng: xor_points(spec.n_samples, spec.noise, rng),
    "gaussian": lambda spec, seed, rng: gaussian_points(spec.n_samples, spec.n_classes, spec.noise, rng),
}


def generate(spec: Synthetic, seed: int) -> RawData:
    """Generate the points of a synthetic dataset; the same seed gives the same points."""
    x, y = POINTS[spec.kind](spec, seed, np.random.default_rng(seed))
    classes = spec.num_classes() or 2
    return RawData(
        torch.as_tensor(x, dtype=torch.float32),
        torch.as_tensor(y, dtype=torch.int64),
        Task.CLASSIFICATION,
        tuple(f"class {k}" for k in range(classes)),
    )
