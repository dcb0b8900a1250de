"""The learning-rate range test (Leslie Smith; fastai's and Lightning's `lr_find`).

A throwaway copy of the network trains for a few batches while the learning rate grows
exponentially from tiny to huge; the loss first barely moves, then falls, then blows up. The
suggestion is fastai's "valley" rule: the middle of the longest steady fall of the smoothed loss,
never past its lowest point (where the curve turns up). A tenth of the rate at the lowest loss, the
classic rule, lands too high wherever the smoothed curve lags behind the rate (an LSTM on the adding
problem: 0.83 for Adam). When the curve says nothing usable (it hardly fell, it blew up at once, it
is noise, or a VAE's codes collapse where it falls) the test declines with the reason instead of a
number. Nothing of the experiment changes.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from ..spec import ExperimentSpec
from ..spec.lessons import COLLAPSED_KL
from ..spec.metrics import KL_KEY
from .data import RawData
from .events import LrDecline, LrFinding
from .run_setup import prepare_run

START_LR = 1e-7
END_LR = 10.0
STEPS = 100
SMOOTHING = 0.9  # exponential moving average of the loss, bias-corrected
# The range test trains on the loss a run ends on: a VAE's KL at its full weight, after any warm-up.
FULL_BETA_EPOCH = 1_000_000
BLOW_UP = 4.0  # stop once the smoothed loss is this many times its lowest
MIN_STEPS = 20  # fewer steps before the loss blew up say nothing about a rate
MIN_FALL = 0.25  # the smoothed loss must fall by this share of where it started to show a valley
NOISE_SHARE = 0.5  # the raw loss's typical jump between batches must be smaller than this share of the fall


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
    kl_at = objective.keys.index(KL_KEY) if KL_KEY in objective.keys else None
    generator = torch.Generator().manual_seed(experiment.training.seed)
    batch_size = experiment.training.batch_size
    curve = Curve()
    model.train()
    while len(curve.lrs) < steps and not cancelled():
        for x, y in data.train_batches(batch_size, generator):  # as many epochs as the steps need
            lr = start * (end / start) ** (len(curve.lrs) / max(steps - 1, 1))
            for group in optimizer.param_groups:
                group["lr"] = lr
            optimizer.zero_grad(set_to_none=True)
            loss, _logged, sums = objective.train_loss(model, x, y, FULL_BETA_EPOCH, len(curve.lrs))
            loss.backward()  # type: ignore[no-untyped-call]
            optimizer.step()
            value = float(loss.detach())  # one sync per step: the test is short and needs every value
            kl = float(sums[kl_at]) / len(x) if kl_at is not None else None
            if not math.isfinite(value) or not curve.add(lr, value, kl) or cancelled():
                return judge(curve)
            if len(curve.lrs) >= steps:
                break
    return judge(curve)


class Curve:
    """The rates tried and the losses (raw and smoothed: an exponential moving average, bias-corrected)."""

    def __init__(self) -> None:
        self.lrs: list[float] = []
        self.raw: list[float] = []
        self.losses: list[float] = []
        self.kl: list[float] = []  # a VAE's KL per sample, smoothed the same way
        self._average = self._kl_average = 0.0

    def add(self, lr: float, loss: float, kl: float | None = None) -> bool:
        """Record one step; False once the smoothed loss has left BLOW_UP times its lowest."""
        n = len(self.lrs) + 1
        self._average = SMOOTHING * self._average + (1 - SMOOTHING) * loss
        self.lrs.append(lr)
        self.raw.append(loss)
        self.losses.append(self._average / (1 - SMOOTHING**n))
        if kl is not None:
            self._kl_average = SMOOTHING * self._kl_average + (1 - SMOOTHING) * kl
            self.kl.append(self._kl_average / (1 - SMOOTHING**n))
        return self.losses[-1] <= BLOW_UP * min(self.losses)


def valley(losses: np.ndarray) -> tuple[int, int]:
    """fastai's valley: the longest decreasing subsequence of `losses` (a step's noise does not
    break it) ends at the valley's last step, and the valley reaches back as many steps as it has."""
    n = len(losses)
    length = [1] * n
    last = 0
    for i in range(1, n):
        for j in range(i):
            if losses[i] < losses[j] and length[j] + 1 > length[i]:
                length[i] = length[j] + 1
        if length[i] > length[last]:
            last = i
    return max(last - length[last], 0), last


def judge(curve: Curve) -> LrFinding:
    """The suggestion (the middle of the valley, never past the lowest loss), or why there is none."""
    lr, raw, loss = (np.asarray(v, dtype=np.float64) for v in (curve.lrs, curve.raw, curve.losses))

    def declined(reason: LrDecline, fall: float = 0.0, lowest: float | None = None) -> LrFinding:
        return LrFinding(lr, loss, None, lowest, raw, None, reason, fall)

    if len(loss) < MIN_STEPS:
        return declined(LrDecline.TOO_SHORT)
    lowest = int(np.argmin(loss))
    top = float(loss[: lowest + 1].max())  # where the fall starts (not step 0: noise may put it low)
    fall = (top - float(loss[lowest])) / abs(top) if top else 0.0
    if fall < MIN_FALL or lowest == 0:
        return declined(LrDecline.FLAT, max(fall, 0.0), float(lr[lowest]))
    # Batch-to-batch jumps of the raw loss, against how far the smoothed loss fell.
    jumps = float(np.median(np.abs(np.diff(raw[: lowest + 1])))) if lowest > 1 else 0.0
    if jumps > NOISE_SHARE * (top - loss[lowest]):
        return declined(LrDecline.NOISY, fall, float(lr[lowest]))
    first, last = valley(loss[: lowest + 1])
    third = (last - first) / 3
    index = first + int(third) + int(third / 2)  # fastai's point: half-way down the valley
    if curve.kl and curve.kl[lowest] < COLLAPSED_KL:  # the loss fell without the codes carrying anything
        return declined(LrDecline.CODES_COLLAPSED, fall, float(lr[lowest]))
    span = (float(lr[first]), float(lr[last]))
    return LrFinding(lr, loss, float(lr[index]), float(lr[lowest]), raw, span, None, fall)
