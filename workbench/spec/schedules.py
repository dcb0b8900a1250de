"""The learning rate each epoch gets under a schedule, computed without torch (for previews).

The formulas are PyTorch's closed forms; a test checks them against torch's schedulers.
"""

from __future__ import annotations

import math

from .training import (
    AnyScheduler,
    CosineScheduler,
    ExponentialScheduler,
    StepScheduler,
)


def learning_rates(scheduler: AnyScheduler, lr: float, epochs: int) -> list[float]:
    """Learning rate of epochs 1..epochs; reduce_on_plateau depends on the run, so it shows flat."""
    if isinstance(scheduler, StepScheduler):
        return [lr * scheduler.gamma ** (e // scheduler.step_size) for e in range(epochs)]
    if isinstance(scheduler, ExponentialScheduler):
        return [lr * scheduler.gamma**e for e in range(epochs)]
    if isinstance(scheduler, CosineScheduler):
        period = scheduler.T_max or epochs
        low = scheduler.eta_min
        return [low + (lr - low) * (1 + math.cos(math.pi * e / period)) / 2 for e in range(epochs)]
    return [lr] * epochs
