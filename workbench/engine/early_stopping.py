"""Deciding when a metric has stopped improving: a pure rule, and the callback that applies it."""

from __future__ import annotations

import math
from typing import Literal

from ..spec.metrics import better_mode

Mode = Literal["min", "max"]


def resolve_mode(monitor: str, mode: str) -> Mode:
    """`auto` means max for accuracy, min for losses and errors (see spec.metrics)."""
    if mode in ("min", "max"):
        return mode  # type: ignore[return-value]
    return better_mode(monitor)


class Improvement:
    """Tracks the best value of a metric and how many epochs have passed without beating it."""

    def __init__(self, mode: Mode, min_delta: float = 0.0) -> None:
        self.mode = mode
        self.min_delta = abs(min_delta)
        self.best: float | None = None  # nothing seen yet: the first finite value will be the best
        self.best_epoch: int | None = None
        self.wait = 0

    def is_better(self, value: float) -> bool:
        """True when `value` beats the best by more than min_delta."""
        if not math.isfinite(value):
            return False
        if self.best is None:
            return True
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def update(self, epoch: int, value: float) -> bool:
        """Record this epoch's value; returns True when it is the new best."""
        if self.is_better(value):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            return True
        self.wait += 1
        return False
