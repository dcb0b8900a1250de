"""Progress at a bounded rate: every batch loss is reported, grouped at most N times a second, so
that a window redraws a few times a second however fast the batches come."""

from __future__ import annotations

import time

import numpy as np
import torch

from .events import Progress


class ProgressThrottle:
    """Groups one epoch's batch losses into `Progress` events, at most one per `interval` seconds."""

    def __init__(self, interval: float, epoch: int, epochs: int, batches: int, at_once: bool = False) -> None:
        self.interval = interval
        self.epoch, self.epochs, self.batches = epoch, epochs, batches
        self.sent = 0  # batches reported
        self.sent_samples = 0
        self.last = time.perf_counter()
        self.fresh = at_once  # the run's first batch is reported at once: its curve starts without a wait

    def due(self) -> bool:
        """True when the last event is at least `interval` seconds old (and for a first batch asked `at_once`)."""
        return self.fresh or time.perf_counter() - self.last >= self.interval

    def skip(self, done: int, seen: int) -> None:
        """Count the first batches as reported: an epoch taken up part-way has reported them."""
        self.sent, self.sent_samples = done, seen

    def hold(self, seconds: float) -> None:
        """A pause of `seconds`: not counted in the samples-per-second rate."""
        self.last += seconds

    def flush(self, losses: torch.Tensor, done: int, seen: int, step: int, started: float) -> Progress | None:
        """The event for batches [sent, done) of `losses` (the epoch's, on the device), `step` the
        optimizer steps so far, `started` the clock (perf_counter) at which training time counts
        from; None when no batch is new."""
        if done <= self.sent:
            return None
        chunk = losses[self.sent : done].cpu().numpy().astype(np.float64)
        now = time.perf_counter()
        rate = (seen - self.sent_samples) / max(now - self.last, 1e-9)
        first_step = step - (done - self.sent)
        progress = Progress(
            self.epoch, self.epochs, done, self.batches, step, np.arange(first_step, step), chunk, rate, now - started
        )
        self.sent, self.sent_samples, self.last, self.fresh = done, seen, now, False
        return progress
