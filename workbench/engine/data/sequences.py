"""Generated sequences, (samples, steps, features): a series to forecast and the adding problem.
Seeded: the same settings and seed give the same numbers."""

from __future__ import annotations

import numpy as np
import torch

from ...spec import Task
from ...spec.datasets import AddingDataset, SineDataset
from .base import RawData

SINE_PERIODS = (50.0, 23.0)  # steps per cycle of the two sines: a pattern longer than most windows
TREND = 0.5  # how far the slow trend rises over the whole series


def sine_series(length: int, noise: float, rng: np.random.Generator) -> np.ndarray:
    """A sum of two sines with a slow upward trend and Gaussian noise, `length` steps long."""
    t = np.arange(length, dtype=np.float64)
    clean = np.sin(2 * np.pi * t / SINE_PERIODS[0]) + 0.5 * np.sin(2 * np.pi * t / SINE_PERIODS[1] + 1.0)
    return clean + TREND * t / max(length - 1, 1) + rng.normal(0.0, noise, length)


def sine_windows(
    n: int, window: int, horizon: int, noise: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """`n` windows of one series, (n, window, 1), and their targets, (n, 1): window i holds steps
    i .. i+window-1; its target is the step `horizon` after it."""
    series = sine_series(n + window + horizon - 1, noise, rng)
    starts = np.arange(n)
    x = series[starts[:, None] + np.arange(window)[None, :]]
    y = series[starts + window + horizon - 1]
    return x[:, :, None], y[:, None]


def generate_sine(spec: SineDataset, seed: int) -> RawData:
    """Windows of the series (`sine_windows`) to forecast from."""
    x, y = sine_windows(spec.n_samples, spec.window, spec.horizon, spec.noise, np.random.default_rng(seed))
    return RawData(torch.as_tensor(x, dtype=torch.float32), torch.as_tensor(y, dtype=torch.float32), Task.REGRESSION)


def adding_problem(n: int, length: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """`n` sequences of `length` steps, (n, length, 2), and their targets, (n, 1). Each step: a number
    in [0, 1) and a mark (0 or 1). One mark falls in the first half of the sequence and one in the
    second, as in the original problem; the target is their numbers' sum."""
    values = rng.random((n, length))
    half = length // 2
    first = rng.integers(0, half, n)
    second = rng.integers(half, length, n)
    marks = np.zeros((n, length))
    rows = np.arange(n)
    marks[rows, first] = 1.0
    marks[rows, second] = 1.0
    target = values[rows, first] + values[rows, second]
    return np.stack([values, marks], axis=2), target[:, None]


def generate_adding(spec: AddingDataset, seed: int) -> RawData:
    """The adding problem's sequences (`adding_problem`)."""
    x, y = adding_problem(spec.n_samples, spec.length, np.random.default_rng(seed))
    return RawData(torch.as_tensor(x, dtype=torch.float32), torch.as_tensor(y, dtype=torch.float32), Task.REGRESSION)
