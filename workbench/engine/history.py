"""What a run leaves behind: per-epoch logs (Keras' History), the outcome and the test result."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..spec.split import SplitIndices
from .events import StopReason, TestResult


@dataclass
class History:
    """The record of one run. `epoch` and `best_epoch` count from 0; messages count from 1."""

    epochs_planned: int = 0
    epoch: list[int] = field(default_factory=list)
    history: dict[str, list[float]] = field(default_factory=dict)
    monitor: str = "val_loss"
    best_epoch: int | None = None
    best_value: float | None = None
    stop_reason: StopReason | None = None
    message: str = ""
    error: str | None = None
    test: TestResult | None = None
    split: SplitIndices | None = None
    class_names: tuple[str, ...] = ()
    device: str = ""
    batch_losses: list[float] = field(default_factory=list)

    def append(self, epoch: int, logs: dict[str, float]) -> None:
        """Record one epoch's logs."""
        self.epoch.append(epoch)
        for key, value in logs.items():
            self.history.setdefault(key, []).append(value)

    def last(self, key: str) -> float | None:
        """The latest value of a metric, or None."""
        values = self.history.get(key)
        return values[-1] if values else None

    def as_dict(self) -> dict[str, Any]:
        """Plain data (lists, floats, strings) for metrics files and model files."""
        return {
            "epoch": list(self.epoch),
            "history": {k: list(v) for k, v in self.history.items()},
            "monitor": self.monitor,
            "best_epoch": self.best_epoch,
            "best_value": self.best_value,
            "stop_reason": str(self.stop_reason) if self.stop_reason else None,
            "message": self.message,
            "test": _test_dict(self.test),
            "class_names": list(self.class_names),
            "device": self.device,
        }


def _test_dict(result: TestResult | None) -> dict[str, Any] | None:
    if result is None:
        return None
    confusion = result.confusion.tolist() if isinstance(result.confusion, np.ndarray) else None
    return {
        "loss": result.loss,
        "accuracy": result.accuracy,
        "mae": result.mae,
        "samples": result.samples,
        "confusion": confusion,
    }
