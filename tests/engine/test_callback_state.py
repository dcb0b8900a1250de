"""Callbacks own their state: an EarlyStopping passed in callbacks= is the run's early stopping,
and every callback's state_dict travels with a saved run and comes back when it continues."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch

from tests.engine.helpers import tiny
from workbench.engine import Callback, EarlyStopping, StopReason, Trainer
from workbench.engine.checkpoint import SAME_AS_BEST, resume_run, save_trained

# SGD at a rate that makes the validation loss bounce, so that the best epoch comes early.
BOUNCY: dict[str, Any] = {"optimizer": {"name": "SGD", "lr": 3.0}, "epochs": 30}


def _passed(patience: int = 2, restore: bool = True) -> EarlyStopping:
    return EarlyStopping("val_loss", "min", patience, 0.0, restore)


def test_an_early_stopping_passed_in_callbacks_is_the_runs() -> None:
    by_spec = Trainer(tiny(**BOUNCY, early_stopping={"enabled": True, "patience": 2, "restore_best_weights": True}))
    by_spec.fit()
    callback = _passed()
    passed = Trainer(tiny(**BOUNCY), [callback])
    assert passed.early_stopping is None  # known once the run is prepared
    history = passed.fit()
    assert passed.early_stopping is callback
    assert history.stop_reason is StopReason.EARLY_STOPPED and len(history.epoch) < 30
    assert history.message == by_spec.history.message and history.epoch == by_spec.history.epoch
    assert passed.weights_epoch == history.best_epoch == by_spec.weights_epoch  # restored
    assert passed.patience_left == 0
    ours, theirs = passed.copy_weights(), by_spec.copy_weights()
    assert ours.keys() == theirs.keys() and all(torch.equal(ours[k], theirs[k]) for k in ours)


def test_a_passed_early_stopping_is_called_once_an_epoch() -> None:
    calls: list[int] = []

    class Counting(EarlyStopping):
        def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
            calls.append(epoch)
            super().on_epoch_end(epoch, logs)

    Trainer(tiny(epochs=3), [Counting("val_loss", "min", 10, 0.0, False)]).fit()
    assert calls == [0, 1, 2]


def test_the_best_weights_are_kept_once() -> None:
    callback = _passed(patience=50)
    trainer = Trainer(tiny(**BOUNCY), [callback])
    trainer.fit()
    assert callback.best_weights is not None and callback.best_weights is trainer.best_weights()
    state = trainer.state_dict()["callbacks"]["EarlyStopping"]
    assert state["best_weights"] == SAME_AS_BEST and state["best_epoch"] == trainer.history.best_epoch


class EpochCounter(Callback):
    """A user's callback with state: how many epochs it has seen, over every part of the run."""

    def __init__(self) -> None:
        self.seen = 0

    def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
        self.seen += 1

    def state_dict(self) -> dict[str, Any]:
        return {"seen": self.seen}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        self.seen = int(state["seen"])


def test_every_callbacks_state_comes_back_with_the_run(tmp_path: Path) -> None:
    counter, stopping = EpochCounter(), _passed(patience=50)
    trainer = Trainer(tiny(**{**BOUNCY, "epochs": 4}), [counter, stopping])
    trainer.fit()
    save_trained(tmp_path / "run.pt", trainer)
    expected = trainer.continue_training(3)

    again, stopping_again = EpochCounter(), _passed(patience=50)
    resumed = resume_run(tmp_path / "run.pt", [again, stopping_again])
    assert again.seen == 4
    tracker, saved = stopping_again.tracker, stopping.tracker
    assert stopping_again.best_weights is not None and resumed.early_stopping is stopping_again
    resumed.continue_training(3)
    assert again.seen == 7 == counter.seen
    assert (tracker.best, tracker.best_epoch, tracker.wait) == (saved.best, saved.best_epoch, saved.wait)
    assert resumed.history.history == expected.history


def test_two_callbacks_of_a_kind_keep_their_own_state(tmp_path: Path) -> None:
    first, second = EpochCounter(), EpochCounter()
    trainer = Trainer(tiny(epochs=2), [first, second])
    trainer.fit()
    second.seen = 10
    save_trained(tmp_path / "run.pt", trainer)
    assert set(trainer.state_dict()["callbacks"]) == {"EpochCounter", "EpochCounter#2"}
    a, b = EpochCounter(), EpochCounter()
    resume_run(tmp_path / "run.pt", [a, b])
    assert (a.seen, b.seen) == (2, 10)


def test_a_state_saved_before_callbacks_kept_theirs_still_loads() -> None:
    """Files written before callbacks saved their own state kept early stopping's wait as "patience"."""
    settings = {**BOUNCY, "epochs": 4, "early_stopping": {"enabled": True, "patience": 50}}
    trainer = Trainer(tiny(**settings))
    trainer.fit()
    state = trainer.state_dict()
    old = {k: v for k, v in state.items() if k != "callbacks"}
    old["patience"] = 3
    taken_up = Trainer(tiny(**settings))
    taken_up.load_state_dict(old)
    assert taken_up.early_stopping is not None
    tracker = taken_up.early_stopping.tracker
    assert (tracker.best, tracker.best_epoch, tracker.wait) == (state["best"][0], state["best"][1], 3)
    assert taken_up.early_stopping.best_weights is taken_up.best_weights()


class Note(Callback):
    """A callback whose state is a piece of text."""

    def __init__(self) -> None:
        self.text = ""

    def state_dict(self) -> dict[str, Any]:
        return {"text": self.text}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        self.text = state["text"]


def test_three_callbacks_of_a_kind_and_text_in_their_state_come_back(tmp_path: Path) -> None:
    notes = [Note(), Note(), Note()]
    trainer = Trainer(tiny(epochs=1, early_stopping={"enabled": True, "patience": 5}), notes)
    trainer.fit()
    for note, text in zip(notes, ("first", "second", SAME_AS_BEST + " but not quite"), strict=True):
        note.text = text
    save_trained(tmp_path / "run.pt", trainer)
    assert set(trainer.state_dict()["callbacks"]) == {"EarlyStopping", "Note", "Note#2", "Note#3"}
    again = [Note(), Note(), Note()]
    resume_run(tmp_path / "run.pt", again)
    assert [note.text for note in again] == ["first", "second", SAME_AS_BEST + " but not quite"]
