"""The in-memory form every loader produces, and the error loaders raise."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ...i18n import _
from ...spec import Task
from ...spec.peek import DataError

# The one error for data: the spec's peeks raise it too, so `except DataError` catches both.
__all__ = ["DataError", "RawData", "class_indices"]


@dataclass(frozen=True)
class RawData:
    """A whole dataset in memory: images as uint8 (N, C, H, W), other features as float32 (N, F).

    Targets are int64 class indices for classification and float32 (N, 1) for regression.
    """

    x: torch.Tensor
    y: torch.Tensor
    task: Task
    class_names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if len(self.x) != len(self.y):
            raise DataError(
                _("{samples} samples but {targets} targets").format(samples=len(self.x), targets=len(self.y))
            )
        if len(self.x) == 0:
            raise DataError(_("the dataset has no samples"))

    @property
    def is_image(self) -> bool:
        """True for uint8 images, which are scaled to [0, 1] before normalization."""
        return self.x.dtype == torch.uint8

    @property
    def num_classes(self) -> int:
        """Number of classes (1 output for regression)."""
        return len(self.class_names) if self.task is Task.CLASSIFICATION else 1

    @property
    def input_shape(self) -> tuple[int, ...]:
        """Shape of one sample."""
        return tuple(self.x.shape[1:])


def class_indices(labels: list[str] | list[int]) -> tuple[torch.Tensor, tuple[str, ...]]:
    """Map labels to 0..K-1 in sorted order (numbers numerically), keeping the names."""
    unique = sorted(set(labels), key=_label_key)
    lookup = {label: i for i, label in enumerate(unique)}
    indices = torch.tensor([lookup[label] for label in labels], dtype=torch.int64)
    return indices, tuple(str(label) for label in unique)


def _label_key(label: object) -> tuple[int, float, str]:
    try:
        return (0, float(str(label)), "")
    except ValueError:
        return (1, 0.0, str(label))
