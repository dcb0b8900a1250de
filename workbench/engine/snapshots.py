"""Per-epoch snapshots: the weights after every epoch, kept in memory to test or export any of them.

A callback: the trainer knows nothing of it. Copies live on the CPU, so the training device's
memory is not used; past a memory budget older epochs are thinned (every other one dropped), never
the best epoch or the latest.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from ..spec.memory import SNAPSHOT_BUDGET
from .callbacks import Callback, Logs
from .evaluate import final_evaluation
from .events import EpochView, TestResult

if TYPE_CHECKING:
    from .trained import TrainedNetwork

Weights = dict[str, torch.Tensor]
BUDGET_BYTES = SNAPSHOT_BUDGET


def weights_bytes(weights: Weights) -> int:
    """Memory one copy of the weights takes."""
    return sum(t.numel() * t.element_size() for t in weights.values())


class EpochSnapshots(Callback):
    """Keeps the weights after each epoch (0-based keys), thinning the oldest past `budget_bytes`."""

    def __init__(self, budget_bytes: int = BUDGET_BYTES) -> None:
        self.budget_bytes = budget_bytes
        self.weights: dict[int, Weights] = {}

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        if self.trainer is None:
            return
        self.weights[epoch] = self.trainer.epoch_weights()
        self._thin(keep={epoch, self.trainer.history.best_epoch})

    def _thin(self, keep: set[int | None]) -> None:
        epochs = sorted(self.weights)
        if not epochs:
            return
        size = weights_bytes(self.weights[epochs[0]])
        while size * len(self.weights) > self.budget_bytes and len(self.weights) > len(keep - {None}):
            older = [e for e in sorted(self.weights) if e not in keep]
            drop = older[1::2] or older[:1]  # every other one, so the survivors still span the run
            for epoch in drop:
                del self.weights[epoch]

    @property
    def epochs(self) -> list[int]:
        """The epochs (0-based) whose weights are kept, in order."""
        return sorted(self.weights)


def evaluate_weights(trained: TrainedNetwork, weights: Weights) -> TestResult | None:
    """The test result of other weights of a trained network (the run's own model is not touched,
    so the run can still continue); None when the data has no test split."""
    if not trained.data.size("test"):
        return None
    return final_evaluation(trained.network(weights), trained.data, trained.objective)


def epoch_view(trained: TrainedNetwork, weights: Weights, epoch: int) -> EpochView:
    """Every view of the weights kept after `epoch` (the run's own model is not touched)."""
    from .histograms import HistogramRecorder
    from .stream import run_pictures

    network = trained.network(weights)
    pictures = run_pictures(trained.experiment, trained.data)
    picture = pictures.snapshot(network, epoch + 1) if pictures is not None else None  # "after epoch k"
    histograms = HistogramRecorder(network).snapshot(0, epoch, gradients=False)
    return EpochView(epoch, evaluate_weights(trained, weights), picture, histograms)
