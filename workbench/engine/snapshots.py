"""Per-epoch snapshots: the weights after every epoch, kept in memory to test or export any of them.

A callback: the trainer knows nothing of it. Copies live on the CPU, so the training device's
memory is not used; past a memory budget older epochs are thinned (every other one dropped), never
the best epoch or the latest.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import torch

from ..spec.memory import SNAPSHOT_BUDGET
from .callbacks import Callback, Logs
from .evaluate import final_evaluation
from .events import EpochView, TestResult

if TYPE_CHECKING:
    from .trained import TrainedNetwork

Weights = dict[str, torch.Tensor]
BUDGET_BYTES = SNAPSHOT_BUDGET
FILE_BUDGET = 32 * 2**20  # the epochs' weights a run's file keeps (a model file is shared, mailed)


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

    def fit(self, model: torch.nn.Module) -> None:
        """Raise ValueError unless every kept epoch holds weights of `model` (names and shapes): a
        run's file whose kept epochs are of another network is damaged."""
        like = {k: v.shape for k, v in model.state_dict().items()}
        for epoch, weights in self.weights.items():
            if {k: v.shape for k, v in weights.items()} != like:
                raise ValueError(f"epoch {epoch + 1}: weights of another network")

    @property
    def epochs(self) -> list[int]:
        """The epochs (0-based) whose weights are kept, in order."""
        return sorted(self.weights)

    # --- the run's file keeps them: a run taken up again offers the same epochs ---------------------

    def state_dict(self) -> dict[str, Any]:
        """The kept epochs' weights, thinned to `FILE_BUDGET` (every other one of the oldest, never
        the best or the last), so that the epoch timeline works the same on a reopened run."""
        if not self.weights:
            return {}
        epochs = sorted(self.weights)
        keep = {epochs[-1], self.trainer.history.best_epoch if self.trainer is not None else None}
        size = weights_bytes(self.weights[epochs[0]])
        while size * len(epochs) > FILE_BUDGET and len(epochs) > len(keep - {None}):
            older = [e for e in epochs if e not in keep]
            dropped = set(older[1::2] or older[:1])
            epochs = [e for e in epochs if e not in dropped]
        return {"weights": {epoch: self.weights[epoch] for epoch in epochs}}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Take up the epochs a run's file kept; anything but epochs (from 0) holding weights of one
        and the same network is a damaged file (ValueError)."""
        saved = state.get("weights", {})
        if not isinstance(saved, Mapping):
            raise ValueError("the kept epochs' weights are not a table")
        model = self.trainer.model if self.trainer is not None else None
        like = {k: v.shape for k, v in model.state_dict().items()} if model is not None else None
        for epoch, weights in saved.items():
            if not isinstance(epoch, int) or epoch < 0 or not isinstance(weights, Mapping):
                raise ValueError(f"epoch {epoch!r}: not an epoch's weights")
            shapes = {k: v.shape for k, v in weights.items() if isinstance(v, torch.Tensor)}
            like = like if like is not None else shapes
            if len(shapes) != len(weights) or shapes != like:
                raise ValueError(f"epoch {epoch + 1}: weights of another network")
        self.weights = {epoch: dict(weights) for epoch, weights in saved.items()}


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
