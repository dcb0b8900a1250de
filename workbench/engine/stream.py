"""A run as a stream of plain-data events, for a window (or anything) in another thread.

`EventStream` is a callback that turns the trainer's hooks into frozen events and hands each to a
`sink` function (in the training thread). The sink must only pass the event on: the window's sink
emits a Qt signal with a queued connection.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from ..spec.metrics import metric_for
from .callbacks import Callback, Logs, RunView
from .events import (
    BoundarySnapshot,
    HealthReport,
    HistogramSnapshot,
    LatentSnapshot,
    Progress,
    StartReport,
    StopReason,
    TestResult,
)

if TYPE_CHECKING:
    from torch import nn

    from ..spec import ExperimentSpec
    from .prepare import PreparedData


class Pictures(Protocol):
    """Something a run draws from its model after an epoch: a decision boundary, latent views."""

    def snapshot(self, model: nn.Module, epoch: int, restored: bool = False) -> BoundarySnapshot | LatentSnapshot:
        """The picture of `model` after `epoch` epochs (`restored`: an earlier epoch's weights)."""
        ...


def run_pictures(experiment: ExperimentSpec, data: PreparedData) -> Pictures | None:
    """What a run of `experiment` draws as it trains: an autoencoder's latent views, the decision
    boundary of a classifier on 2-D points, or nothing."""
    if experiment.network.is_autoencoder:
        from .autoencoder import LatentViews  # torch: only ever loaded where training runs

        ae = experiment.network.autoencoder
        return LatentViews(data, ae.latent_size, ae.variational, experiment.training.seed)
    from .boundary import BoundaryGrid, applies

    return BoundaryGrid(data) if applies(data) else None


@dataclass(frozen=True)
class RunStarted:
    """The data is loaded and the model built: sizes, classes and layers are known."""

    device: str
    epochs: int
    batches_per_epoch: int
    train_samples: int
    val_samples: int
    test_samples: int
    class_names: tuple[str, ...]
    metric: str  # "accuracy", "mae" or "recon" (spec.metrics)
    monitor: str
    early_stopping: bool
    parameters: int
    input_shape: tuple[int, ...] = ()  # one sample's shape: (C, H, W) for pictures
    majority_rate: float | None = None  # a classifier's score for always answering the commonest class
    started_from: StartReport | None = None  # the model file the weights started from, layer by layer


@dataclass(frozen=True)
class EpochEnded:
    """One finished epoch: its logs and where the run stands against its best epoch."""

    epoch: int
    logs: dict[str, float]
    best_epoch: int | None
    best_value: float | None
    patience_left: int | None
    elapsed: float


@dataclass(frozen=True)
class RunEnded:
    """The outcome: why it stopped (with the sentence to show), the best epoch and the test result."""

    reason: StopReason
    message: str
    best_epoch: int | None
    best_value: float | None
    epochs_done: int
    test: TestResult | None
    error: str | None
    learned: bool | None = None  # False: a classifier no better than chance (see spec.lessons)
    weights_epoch: int | None = None  # the epoch (from 0) whose weights the run ended with


@dataclass(frozen=True)
class RunFailed:
    """The run could not start (bad data, an unavailable device) or broke outside the loop."""

    message: str
    error: str | None = None


Event = (
    RunStarted
    | Progress
    | EpochEnded
    | HistogramSnapshot
    | BoundarySnapshot
    | LatentSnapshot
    | HealthReport
    | RunEnded
    | RunFailed
)


def run_started(t: RunView) -> RunStarted:
    """What a prepared trainer's run looks like: sizes, classes, epochs planned, parameters."""
    assert t.data is not None and t.model is not None
    return RunStarted(
        device=t.history.device,
        epochs=t.history.epochs_planned,
        batches_per_epoch=t.data.batches_per_epoch(t.experiment.training.batch_size, t.history.processes),
        train_samples=t.data.size("train"),
        val_samples=t.data.size("val"),
        test_samples=t.data.size("test"),
        class_names=t.data.class_names,
        metric=metric_for(t.experiment.task).key,
        monitor=t.history.monitor,
        early_stopping=t.early_stopping is not None,
        parameters=sum(p.numel() for p in t.model.parameters()),
        input_shape=tuple(t.data.input_shape),
        majority_rate=None if t.experiment.network.is_autoencoder else t.data.majority_rate(),
        started_from=StartReport.from_state(t.history.started_from),
    )


def run_ended(t: RunView) -> RunEnded:
    """How a finished trainer's run ended."""
    h = t.history
    assert h.stop_reason is not None
    return RunEnded(
        h.stop_reason, h.message, h.best_epoch, h.best_value, len(h.epoch), h.test, h.error, t.learned, t.weights_epoch
    )


class EventStream(Callback):
    """Sends every hook of interest to `sink` as a plain event; epoch and terminal events are never dropped."""

    def __init__(self, sink: Callable[[Event], None], boundary_every: float | None = 0.3) -> None:
        """`boundary_every`: least seconds between pictures (a decision boundary, an autoencoder's
        latent views), None for none."""
        self.sink = sink
        self.boundary_every = boundary_every
        self.boundary: Pictures | None = None  # see run_pictures
        self.boundary_at = 0.0

    def on_train_begin(self, logs: Logs | None = None) -> None:
        t = self.trainer
        assert t is not None and t.data is not None and t.model is not None
        if self.boundary_every is not None:
            self.boundary = run_pictures(t.experiment, t.data)
        self.sink(run_started(t))

    def on_progress(self, progress: Progress) -> None:
        self.sink(progress)

    def on_histograms(self, snapshot: HistogramSnapshot) -> None:
        self.sink(snapshot)

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        t = self.trainer
        assert t is not None
        self.sink(
            EpochEnded(epoch, dict(logs or {}), t.history.best_epoch, t.history.best_value, t.patience_left, t.elapsed)
        )
        now = time.monotonic()
        if self.boundary is not None and t.model is not None and now - self.boundary_at >= (self.boundary_every or 0):
            self.boundary_at = now
            self.sink(self.boundary.snapshot(t.model, epoch + 1))

    def on_train_end(self, logs: Logs | None = None) -> None:
        t = self.trainer
        assert t is not None
        if self.boundary is not None and t.model is not None:  # the final weights (the best, when restored)
            done = len(t.history.epoch)
            epoch = done - 1 if t.weights_epoch is None else t.weights_epoch
            self.sink(self.boundary.snapshot(t.model, epoch + 1, restored=epoch != done - 1))
        self.sink(run_ended(t))
