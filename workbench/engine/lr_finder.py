"""The learning-rate range test (Leslie Smith; fastai's and Lightning's `lr_find`).

A throwaway copy of the network trains for a few batches while the learning rate grows
exponentially from tiny to huge; the loss first barely moves, then falls, then blows up. A good
learning rate lies where it still falls fast: by the classic rule, a tenth of the rate at which
the (smoothed) loss was lowest. Nothing of the experiment changes.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from ..spec import ExperimentSpec
from .data import RawData
from .events import LrFinding
from .run_setup import prepare_run

START_LR = 1e-7
END_LR = 10.0
STEPS = 100
SMOOTHING = 0.9  # exponential moving average of the loss, bias-corrected
# The range test trains on the loss a run ends on: a VAE's KL at its full weight, after any warm-up.
FULL_BETA_EPOCH = 1_000_000
BLOW_UP = 4.0  # stop once the smoothed loss is this many times its lowest


def find_lr(
    experiment: ExperimentSpec,
    *,
    base_dir: Path | None = None,
    device: str | None = None,
    raw: RawData | None = None,
    steps: int = STEPS,
    start: float = START_LR,
    end: float = END_LR,
    cancelled: Callable[[], bool] = lambda: False,
    memory_limit: int | None = None,
) -> LrFinding:
    """Run the range test on `experiment`'s data and network (SpecError or DataError on bad input)."""
    setup = prepare_run(experiment, base_dir=base_dir, device=device, raw=raw, memory_limit=memory_limit)
    model, optimizer, data, objective = setup.model, setup.optimizer, setup.data, setup.objective
    generator = torch.Generator().manual_seed(experiment.training.seed)
    batch_size = experiment.training.batch_size
    lrs: list[float] = []
    losses: list[float] = []
    average, best = 0.0, math.inf
    model.train()
    while len(lrs) < steps and not cancelled():
        for x, y in data.train_batches(batch_size, generator):  # as many epochs as the steps need
            lr = start * (end / start) ** (len(lrs) / max(steps - 1, 1))
            for group in optimizer.param_groups:
                group["lr"] = lr
            optimizer.zero_grad(set_to_none=True)
            loss = objective.train_loss(model, x, y, FULL_BETA_EPOCH, len(lrs))[0]
            loss.backward()  # type: ignore[no-untyped-call]
            optimizer.step()
            value = float(loss.detach())  # one sync per step: the test is short and needs every value
            if not math.isfinite(value):
                return _finding(lrs, losses)
            average = SMOOTHING * average + (1 - SMOOTHING) * value
            smoothed = average / (1 - SMOOTHING ** (len(lrs) + 1))
            lrs.append(lr)
            losses.append(smoothed)
            best = min(best, smoothed)
            if smoothed > BLOW_UP * best or len(lrs) >= steps or cancelled():
                return _finding(lrs, losses)
    return _finding(lrs, losses)


def _finding(lrs: list[float], losses: list[float]) -> LrFinding:
    """A tenth of the rate at the lowest loss, if the loss fell on the way there."""
    lr, loss = np.asarray(lrs, dtype=np.float64), np.asarray(losses, dtype=np.float64)
    if len(loss) < 5:
        return LrFinding(lr, loss, None, None)
    lowest = int(np.argmin(loss))
    fell = loss[lowest] < 0.9 * loss[0]  # a loss that never fell says nothing about the rate
    suggestion = float(lr[lowest] / 10) if fell and lowest > 0 else None
    return LrFinding(lr, loss, suggestion, float(lr[lowest]) if fell else None)
