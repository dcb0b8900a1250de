"""How a dataset is split into training, validation and test samples (numpy only)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..i18n import _


class SplitError(ValueError):
    """Fractions that leave no sample for training."""


@dataclass(frozen=True)
class SplitIndices:
    """Which samples of the loaded dataset went to training, validation and test."""

    train: np.ndarray
    val: np.ndarray
    test: np.ndarray


def split_indices(n: int, val_fraction: float, test_fraction: float, seed: int, ordered: bool = False) -> SplitIndices:
    """A seeded random split; the same n, fractions and seed always give the same split. `ordered`:
    in sample order instead (samples in time order): training first, then validation, the test last."""
    perm = np.arange(n)[::-1] if ordered else np.random.default_rng(seed).permutation(n)
    n_test = round(n * test_fraction)
    n_val = round(n * val_fraction)
    if n - n_test - n_val < 1:
        raise SplitError(_("{count} samples leave none for training with these fractions").format(count=n))
    return SplitIndices(
        train=np.sort(perm[n_test + n_val :]), val=np.sort(perm[n_test : n_test + n_val]), test=np.sort(perm[:n_test])
    )
