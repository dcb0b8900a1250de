"""The early-stopping rule: tables of metric sequences -> where the callback stops, its best epoch,
and the patience it reports after every epoch (what the window's countdown and the CLI show)."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest

from workbench.engine import EarlyStopping, StopReason
from workbench.engine.early_stopping import Improvement, Mode, resolve_mode
from workbench.spec import EarlyStoppingSpec

NAN = math.nan

# (values, mode, patience, min_delta, stop epoch, best epoch) - epochs count from 0.
TABLE = [
    ([1.0, 0.9, 0.8, 0.7], "min", 2, 0.0, None, 3),
    ([1.0, 0.9, 0.95, 0.96], "min", 2, 0.0, 3, 1),
    ([1.0, 0.9, 0.95, 0.85, 0.9, 0.91], "min", 2, 0.0, 5, 3),
    ([0.5, 0.6, 0.7, 0.6, 0.6], "max", 2, 0.0, 4, 2),
    ([1.0, 0.99, 0.985, 0.98], "min", 3, 0.05, 3, 0),  # improvements smaller than min_delta do not count
    ([1.0, 1.0, 1.0], "min", 1, 0.0, 1, 0),  # equal is not better
    ([NAN, 0.5, 0.4], "min", 2, 0.0, None, 2),
    ([NAN, 0.5], "min", 1, 0.0, 0, None),  # as in Keras, a first NaN epoch already counts against patience
    ([0.3, NAN, NAN], "min", 2, 0.0, 2, 0),  # NaN never improves
    ([], "min", 3, 0.0, None, None),
    ([2.0, 1.0, 0.5, 0.7, 0.6, 0.55, 0.52, 0.51], "min", 5, 0.0, 7, 2),
]


class FakeTrainer:
    """What the callback asks of a trainer: its weights, and a stop with a reason."""

    def __init__(self, epochs: int = 1000) -> None:
        self.stopped: tuple[StopReason, str] | None = None
        self.weights: object = None
        self.copies = 0
        self.history = SimpleNamespace(epochs_planned=epochs)

    def epoch_weights(self) -> dict[str, object]:
        self.copies += 1
        return {"epoch copy": self.copies}

    def request_stop(
        self, reason: StopReason, message: str = "", weights: object = None, epoch: int | None = None
    ) -> None:
        self.stopped, self.weights, self.epoch = (reason, message), weights, epoch


def replay(values: list[float], mode: str, patience: int, min_delta: float) -> tuple[int | None, list[int]]:
    """Feed the callback one epoch's logs at a time; where it stopped and its patience after each epoch."""
    callback = EarlyStopping("val_loss", mode, patience, min_delta, True)
    trainer = FakeTrainer()
    callback.set_trainer(trainer)  # type: ignore[arg-type]
    left = []
    for epoch, value in enumerate(values):
        callback.on_epoch_end(epoch, {"val_loss": value})
        left.append(callback.patience_left)
        if trainer.stopped is not None:
            assert trainer.stopped[0] is StopReason.EARLY_STOPPED
            return epoch, left
    return None, left


@pytest.mark.parametrize(("values", "mode", "patience", "min_delta", "stop", "best"), TABLE)
def test_decision_table(
    values: list[float], mode: str, patience: int, min_delta: float, stop: int | None, best: int | None
) -> None:
    stopped, left = replay(values, mode, patience, min_delta)
    assert stopped == stop
    callback = EarlyStopping("val_loss", mode, patience, min_delta, True)
    callback.set_trainer(FakeTrainer())  # type: ignore[arg-type]
    for epoch, value in enumerate(values[: (stop + 1) if stop is not None else None]):
        callback.on_epoch_end(epoch, {"val_loss": value})
    assert callback.tracker.best_epoch == best


def test_patience_counts_down_one_an_epoch_without_improvement() -> None:
    """After an improvement the whole patience is left; each epoch without one takes one away."""
    _, left = replay([1.0, 0.9, 0.95, 0.96, 0.8, 0.85, 0.86, 0.87], "min", 3, 0.0)
    assert left == [3, 3, 2, 1, 3, 2, 1, 0]


@pytest.mark.parametrize(
    ("monitor", "mode", "expected"),
    [
        ("val_loss", "auto", "min"),
        ("val_accuracy", "auto", "max"),
        ("val_mae", "auto", "min"),
        ("val_accuracy", "min", "min"),
        ("loss", "max", "max"),
    ],
)
def test_mode(monitor: str, mode: str, expected: str) -> None:
    assert resolve_mode(monitor, mode) == expected


def test_improvement_counts_wait() -> None:
    tracker = Improvement("min")
    assert [tracker.update(i, v) for i, v in enumerate([3, 2, 2.5, 2.4, 1])] == [True, True, False, False, True]
    assert (tracker.best, tracker.best_epoch, tracker.wait) == (1, 4, 0)


@pytest.mark.parametrize(
    ("mode", "values", "better", "best"),
    [
        # Beating the best means by more than min_delta (0.25, exact in binary), in the metric's own
        # direction: a value exactly min_delta better is a tie, and a tie never counts.
        ("max", [0.5, 0.75, 0.5, 1.0, 0.875], [True, False, False, True, False], 1.0),
        ("min", [0.5, 0.25, 0.5, 0.125, 0.0], [True, False, False, True, False], 0.125),
        ("max", [float("nan"), 0.25, float("inf"), 0.75], [False, True, False, True], 0.75),
    ],
)
def test_improvement_needs_more_than_min_delta(
    mode: Mode, values: list[float], better: list[bool], best: float
) -> None:
    tracker = Improvement(mode, min_delta=-0.25)  # given negative, as Keras allows: its size counts
    assert [tracker.update(i, v) for i, v in enumerate(values)] == better
    assert tracker.best == best and tracker.best_epoch == len(better) - 1 - better[::-1].index(True)


@pytest.mark.parametrize(
    ("values", "restore", "sentence", "weights"),
    [
        (
            [1.0, 0.5, 0.7, 0.8],
            True,
            "Stopped at epoch 4: validation loss did not improve for 2 epochs; weights restored from epoch 2.",
            {"epoch copy": 2},
        ),
        (
            [1.0, 0.5, 0.7, 0.8],
            False,
            "Stopped at epoch 4: validation loss did not improve for 2 epochs; "
            "keeping the last weights (best was epoch 2).",
            None,
        ),
        (
            [NAN, NAN],
            True,
            "Stopped at epoch 2: validation loss did not improve for 2 epochs; keeping the last weights.",
            None,
        ),
    ],
)
def test_the_stop_says_which_weights_the_run_ends_with(
    values: list[float], restore: bool, sentence: str, weights: object
) -> None:
    callback = EarlyStopping("val_loss", "auto", 2, 0.0, restore)
    trainer = FakeTrainer()
    callback.set_trainer(trainer)  # type: ignore[arg-type]
    for epoch, value in enumerate(values):
        callback.on_epoch_end(epoch, {"val_loss": value})
    assert trainer.stopped == (StopReason.EARLY_STOPPED, sentence) and trainer.weights == weights
    assert trainer.epoch == callback.tracker.best_epoch  # the epoch the kept weights are from
    assert trainer.copies == (1 + 1 if restore and weights else 0)  # a copy at each new best, only when restoring


def test_the_callback_is_built_from_the_spec_and_waits_for_its_metric() -> None:
    spec = EarlyStoppingSpec(
        enabled=True, monitor="val_accuracy", mode="min", patience=7, min_delta=0.5, restore_best_weights=False
    )
    callback = EarlyStopping.from_spec(spec)
    assert (callback.monitor, callback.patience, callback.restore_best_weights) == ("val_accuracy", 7, False)
    assert (callback.tracker.mode, callback.tracker.min_delta) == ("min", 0.5)  # the spec's mode, not auto's max
    callback.on_epoch_end(0, {"val_accuracy": 0.5})  # no trainer yet: nothing happens
    trainer = FakeTrainer()
    callback.set_trainer(trainer)  # type: ignore[arg-type]
    for epoch in range(10):
        callback.on_epoch_end(epoch, {"val_loss": 1.0})  # not the monitored metric: never counts
    assert trainer.stopped is None and callback.patience_left == 7 and callback.tracker.best_epoch is None


@pytest.mark.parametrize(
    ("restore", "values", "asked"),
    [(True, [1.0, 0.5, 0.7], True), (True, [1.0, 0.7, 0.5], False), (False, [1.0, 0.5, 0.7], False)],
)
def test_a_run_that_completes_ends_on_its_best_epoch_when_restoring(
    restore: bool, values: list[float], asked: bool
) -> None:
    """Keras 3: with restore_best_weights, the last planned epoch asks for the best epoch's weights
    (unless it is the best itself); without it, the run keeps its last weights."""
    callback = EarlyStopping("val_loss", "min", 5, 0.0, restore)
    trainer = FakeTrainer(epochs=len(values))
    callback.set_trainer(trainer)  # type: ignore[arg-type]
    for epoch, value in enumerate(values):
        callback.on_epoch_end(epoch, {"val_loss": value})
        if epoch < len(values) - 1:
            assert trainer.stopped is None
    assert (trainer.stopped is not None) == asked
    if asked:
        assert trainer.stopped == (StopReason.COMPLETED, "") and trainer.weights == {"epoch copy": 2}
        assert trainer.epoch == 1
