"""The learning rate each epoch gets under a schedule, computed without torch (for previews).

Each schedule's formula lives on its spec class (`SchedulerBase.rate`): PyTorch's closed forms,
checked against torch's schedulers by a test.
"""

from __future__ import annotations

from .training import AnyScheduler


def learning_rates(scheduler: AnyScheduler, lr: float, epochs: int) -> list[float]:
    """Learning rate of epochs 1..epochs; reduce_on_plateau depends on the run, so it shows flat."""
    return scheduler.rates(lr, epochs)
