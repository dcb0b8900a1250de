"""Generated 2-D datasets, in the style of TensorFlow Playground: seeded, with noise."""

from __future__ import annotations

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


def _spiral(n: int, classes: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
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


def _xor(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    points = rng.uniform(-1.0, 1.0, size=(n, 2))
    labels = (points[:, 0] * points[:, 1] > 0).astype(np.int64)
    return points + rng.normal(0.0, noise, size=(n, 2)), labels


def _gaussian(n: int, classes: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    angles = 2 * np.pi * np.arange(classes) / classes
    centres = 2.0 * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    labels = np.arange(n) % classes
    return centres[labels] + rng.normal(0.0, 0.5 + 2.0 * noise, size=(n, 2)), labels


def generate(spec: Synthetic, seed: int) -> RawData:
    """Generate the points of a synthetic dataset; the same seed gives the same points."""
    from sklearn.datasets import make_circles, make_moons

    rng = np.random.default_rng(seed)
    n, noise = spec.n_samples, spec.noise
    if isinstance(spec, SpiralDataset):
        x, y = _spiral(n, spec.n_classes, noise, rng)
    elif isinstance(spec, MoonsDataset):
        x, y = make_moons(n, noise=noise, random_state=seed)
    elif isinstance(spec, CirclesDataset):
        x, y = make_circles(n, noise=noise, factor=0.5, random_state=seed)
    elif isinstance(spec, XorDataset):
        x, y = _xor(n, noise, rng)
    else:
        x, y = _gaussian(n, spec.n_classes, noise, rng)
    classes = spec.num_classes() or 2
    return RawData(
        torch.as_tensor(x, dtype=torch.float32),
        torch.as_tensor(y, dtype=torch.int64),
        Task.CLASSIFICATION,
        tuple(f"class {k}" for k in range(classes)),
    )
