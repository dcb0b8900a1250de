"""Callbacks: Keras' hook names, plus throttled progress, histograms and the test result.

A callback never breaks the loop: to end a run it asks the trainer to stop, with a reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from ..spec import EarlyStoppingSpec, ExperimentSpec
from . import outcome
from .early_stopping import Improvement, resolve_mode
from .events import HistogramSnapshot, Progress, StopReason, TestResult

if TYPE_CHECKING:
    import torch
    from torch import nn

    from .history import History
    from .prepare import PreparedData

Logs = dict[str, float]


class RunView(Protocol):
    """What a callback sees of the run it is part of, and the one thing it may ask: to stop.

    The Trainer is one; a callback needs nothing else of it (and so can be tested with a stand-in)."""

    experiment: ExperimentSpec
    history: History
    model: nn.Module | None
    data: PreparedData | None
    early_stopping: EarlyStopping | None
    weights_epoch: int | None

    @property
    def elapsed(self) -> float:
        """Seconds of training so far."""

    @property
    def patience_left(self) -> int | None:
        """Epochs early stopping still waits for a better one; None without early stopping."""

    @property
    def learned(self) -> bool | None:
        """False for a classifier no better than chance; None when that cannot be said."""

    def epoch_weights(self) -> dict[str, torch.Tensor]:
        """A copy of the weights at the end of this epoch, shared by every callback that asks."""

    def request_stop(
        self,
        reason: StopReason = StopReason.USER_STOPPED,
        message: str = "",
        weights: dict[str, torch.Tensor] | None = None,
        epoch: int | None = None,
    ) -> None:
        """End the run after the current batch (with `weights` of `epoch` instead of the last ones)."""


class Callback:
    """Base class: override the hooks you need. Epochs and batches count from 0, as in Keras."""

    trainer: RunView | None = None

    def set_trainer(self, trainer: RunView) -> None:
        """Called once before training starts."""
        self.trainer = trainer

    def on_train_begin(self, logs: Logs | None = None) -> None:
        """Before the first epoch."""

    def on_train_end(self, logs: Logs | None = None) -> None:
        """After the last epoch and the test evaluation; `trainer.history` holds the outcome."""

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        """Before each epoch."""

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        """After each epoch's validation; logs hold loss, accuracy, val_loss, val_accuracy, lr."""

    def on_train_batch_begin(self, batch: int, logs: Logs | None = None) -> None:
        """Before every training batch (only called when some callback overrides it)."""

    def on_train_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        """After every training batch, with its loss (only called when some callback overrides it)."""

    def on_progress(self, progress: Progress) -> None:
        """At most `progress_rate` times a second: every batch loss since the previous call."""

    def on_histograms(self, snapshot: HistogramSnapshot) -> None:
        """Weight and gradient histograms, every `histogram_every` steps and at least once an epoch."""

    def on_test_end(self, result: TestResult) -> None:
        """After the final evaluation on the test split."""

    # --- state, for a run that continues later ----------------------------------------------------

    @property
    def state_key(self) -> str:
        """The name this callback's state is saved under in a run's file (its class name)."""
        return type(self).__qualname__

    def state_dict(self) -> dict[str, Any]:
        """What this callback needs to carry on when the run continues later, as tensors and plain
        data; the run's file keeps it (as Lightning keeps its callbacks' state). Nothing by default."""
        return {}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Take up what `state_dict` saved, before a continued run's first epoch."""


def overrides(callback: Callback, hook: str) -> bool:
    """True when the callback's class replaces the base hook (so calling it is worth the cost)."""
    return getattr(type(callback), hook) is not getattr(Callback, hook)


class CallbackList:
    """Calls a hook on every callback, in order."""

    def __init__(self, callbacks: Iterable[Callback]) -> None:
        self.callbacks = list(callbacks)
        self.batch_hooks = any(
            overrides(c, h) for c in self.callbacks for h in ("on_train_batch_begin", "on_train_batch_end")
        )

    def wants(self, hook: str) -> bool:
        """True when some callback implements `hook`."""
        return any(overrides(c, hook) for c in self.callbacks)

    def call(self, hook: str, *args: Any) -> None:
        """Call `hook` with `args` on each callback that implements it."""
        for callback in self.callbacks:
            if overrides(callback, hook):
                getattr(callback, hook)(*args)


class EarlyStopping(Callback):
    """Stop when `monitor` has not improved for `patience` epochs (Keras' EarlyStopping).

    The defaults live in the spec (`EarlyStoppingSpec`): build one with `from_spec`.
    """

    def __init__(self, monitor: str, mode: str, patience: int, min_delta: float, restore_best_weights: bool) -> None:
        self.monitor = monitor
        self.patience = patience
        self.restore_best_weights = restore_best_weights
        self.tracker = Improvement(resolve_mode(monitor, mode), min_delta)
        self.best_weights: dict[str, torch.Tensor] | None = None

    @classmethod
    def from_spec(cls, spec: EarlyStoppingSpec) -> EarlyStopping:
        """The callback an experiment's early_stopping settings describe."""
        return cls(spec.monitor, spec.mode, spec.patience, spec.min_delta, spec.restore_best_weights)

    def state_dict(self) -> dict[str, Any]:
        """The best value and epoch so far, the epochs waited since, and the best epoch's weights."""
        t = self.tracker
        return {"best": t.best, "best_epoch": t.best_epoch, "wait": t.wait, "best_weights": self.best_weights}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        t = self.tracker
        t.best, t.best_epoch, t.wait = state["best"], state["best_epoch"], int(state["wait"])
        # The very dict given, not a copy: the run then saves it once (see Trainer.state_dict).
        self.best_weights = state.get("best_weights")

    def restart_patience(self) -> None:
        """Count the patience afresh (a continued run), still against the best epoch so far."""
        self.tracker.wait = 0

    @property
    def patience_left(self) -> int:
        """Epochs without improvement still allowed before the run stops."""
        return max(self.patience - self.tracker.wait, 0)

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        value = (logs or {}).get(self.monitor)
        if value is None or self.trainer is None:
            return
        if self.tracker.update(epoch, value) and self.restore_best_weights:
            self.best_weights = self.trainer.epoch_weights()
        if self.tracker.wait < self.patience:
            last = epoch + 1 == self.trainer.history.epochs_planned
            if last and self.best_weights is not None and self.tracker.best_epoch != epoch:
                # As Keras 3 does: with restore_best_weights a run that completes ends on its best epoch.
                self.trainer.request_stop(
                    StopReason.COMPLETED, weights=self.best_weights, epoch=self.tracker.best_epoch
                )
            return
        best = self.tracker.best_epoch
        restore = self.best_weights  # kept only when restoring, and only once an epoch was the best
        sentence = outcome.early_stopped(epoch, self.monitor, self.patience, best, restore is not None)
        self.trainer.request_stop(StopReason.EARLY_STOPPED, sentence, weights=restore, epoch=best)
