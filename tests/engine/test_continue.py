"""Training a finished run further: the same as having planned the run longer."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from tests.engine.helpers import Recorder, tiny
from workbench.engine import Callback, StopReason, Trainer
from workbench.engine.checkpoint import resume_run, save_trained
from workbench.engine.stream import Event, EventStream, RunEnded, RunStarted

NO_STOP = {"enabled": False}


def test_two_plus_three_epochs_are_five_epochs() -> None:
    """Weights, Adam's moments, the step schedule and the batch order all carry on, to the bit."""
    settings = {
        "optimizer": {"name": "Adam", "lr": 0.02},
        "scheduler": {"name": "step", "step_size": 1, "gamma": 0.7},
        "early_stopping": NO_STOP,
    }
    whole, parts = Recorder(), Recorder()
    expected = Trainer(tiny(epochs=5, **settings), [whole]).fit()
    trainer = Trainer(tiny(epochs=2, **settings), [parts])
    first = trainer.fit()
    assert first.stop_reason is StopReason.COMPLETED and trainer.can_continue
    history = trainer.continue_training(3)
    assert history is first and history.epoch == [0, 1, 2, 3, 4] and history.epochs_planned == 5
    assert parts.batch_losses == whole.batch_losses
    assert history.history == expected.history and history.best_epoch == expected.best_epoch
    assert history.stop_reason is StopReason.COMPLETED and history.message.startswith("Finished all 5 epochs")
    assert history.test is not None and history.test.loss == expected.test.loss  # type: ignore[union-attr]
    assert parts.calls.count(("train_begin", None)) == parts.calls.count(("train_end", None)) == 2


def test_an_early_stopped_run_gets_its_patience_back() -> None:
    spec = tiny(
        epochs=200,
        optimizer={"name": "Adam", "lr": 0.05},
        dataset={"kind": "moons", "n_samples": 60, "noise": 0.5, "val_fraction": 0.5, "test_fraction": 0.0},
        layers=[{"type": "Linear", "out_features": 64}, {"type": "ReLU"}, {"type": "Linear", "out_features": 2}],
        early_stopping={"enabled": True, "patience": 3, "restore_best_weights": True},
    )
    trainer = Trainer(spec)
    history = trainer.fit()
    assert history.stop_reason is StopReason.EARLY_STOPPED
    done = len(history.epoch)
    trainer.continue_training(50)
    assert len(history.epoch) >= done + 3  # three epochs of patience at least, counted afresh
    assert history.epoch == list(range(len(history.epoch))) and history.epochs_planned == done + 50
    val = history.history["val_loss"]
    assert history.best_value == min(val) and history.best_epoch == val.index(min(val))


def test_events_announce_the_longer_run() -> None:
    events: list[Event] = []
    trainer = Trainer(tiny(epochs=2, early_stopping=NO_STOP), [EventStream(events.append, boundary_every=None)])
    trainer.fit()
    trainer.continue_training(3)
    starts = [e for e in events if isinstance(e, RunStarted)]
    ends = [e for e in events if isinstance(e, RunEnded)]
    assert [s.epochs for s in starts] == [2, 5] and [e.epochs_done for e in ends] == [2, 5]


def test_stopping_a_continued_run_counts_every_epoch() -> None:
    class StopAt(Callback):
        def on_epoch_end(self, epoch: int, logs: object = None) -> None:
            if epoch == 3 and self.trainer is not None:
                self.trainer.request_stop()

    trainer = Trainer(tiny(epochs=2, early_stopping=NO_STOP), [StopAt()])
    trainer.fit()
    history = trainer.continue_training(10)
    assert history.stop_reason is StopReason.USER_STOPPED
    assert history.message.startswith("Stopped by you after 4 of 12 epochs")
    assert trainer.can_continue


def test_a_diverged_run_cannot_continue_and_fit_runs_once() -> None:
    trainer = Trainer(tiny(epochs=50, optimizer={"name": "SGD", "lr": 10.0, "momentum": 0.9}))
    assert trainer.fit().stop_reason is StopReason.DIVERGED
    assert not trainer.can_continue
    with pytest.raises(RuntimeError, match="completed or was stopped"):
        trainer.continue_training(5)
    with pytest.raises(RuntimeError, match="continue_training"):
        trainer.fit()
    fresh = Trainer(tiny(epochs=1))
    assert not fresh.can_continue
    with pytest.raises(RuntimeError):
        fresh.continue_training(1)


def test_a_stop_between_extend_and_continue_is_kept() -> None:
    """A window plans the epochs in its thread; a stop before the worker starts must not be lost."""
    trainer = Trainer(tiny(epochs=1, early_stopping=NO_STOP))
    trainer.fit()
    trainer.extend(100_000)
    trainer.request_stop()
    history = trainer.continue_training()
    assert history.stop_reason is StopReason.USER_STOPPED and len(history.epoch) == 1
    with pytest.raises(RuntimeError, match="extend"):
        trainer.continue_training()


class StopAtStep(Callback):
    """Asks the run to stop after its `step`-th batch, as Ctrl-C or the Stop button would."""

    def __init__(self, step: int) -> None:
        self.step, self.count = step, 0

    def on_train_batch_end(self, batch: int, logs: dict[str, float] | None = None) -> None:
        self.count += 1
        if self.count == self.step and self.trainer is not None:
            self.trainer.request_stop(StopReason.USER_STOPPED)


SETTINGS = {"optimizer": {"name": "Adam", "lr": 0.02}, "early_stopping": NO_STOP, "batch_size": 8}


def test_a_stop_inside_an_epoch_continues_exactly(tmp_path: Path) -> None:
    """Stopped after the 7th batch of 8 in an epoch: continuing finishes that epoch's batches, then
    the rest; the run is the uninterrupted one, to the bit, with the same number of steps."""
    whole = Recorder()
    expected_trainer = Trainer(tiny(epochs=4, **SETTINGS), [whole])
    expected = expected_trainer.fit()
    parts = Recorder()
    trainer = Trainer(tiny(epochs=4, **SETTINGS), [parts, StopAtStep(8 + 7)])  # 8 batches an epoch
    stopped = trainer.fit()
    assert stopped.stop_reason is StopReason.USER_STOPPED and stopped.epoch == [0] and trainer.steps == 15
    trainer.continue_training(3)
    assert trainer.steps == expected_trainer.steps == 32  # not 8 + 7 + 3 x 8 = 39
    assert trainer.history.history == expected.history and parts.batch_losses == whole.batch_losses
    assert trainer.model is not None and expected_trainer.model is not None
    for name, value in expected_trainer.model.state_dict().items():
        assert torch.equal(trainer.model.state_dict()[name], value), name


def test_a_stop_inside_an_epoch_continues_exactly_from_the_file(tmp_path: Path) -> None:
    expected_trainer = Trainer(tiny(epochs=3, **SETTINGS))
    expected = expected_trainer.fit()
    trainer = Trainer(tiny(epochs=3, **SETTINGS), [StopAtStep(8 + 3)])
    trainer.fit()
    path = save_trained(tmp_path / "cut.pt", trainer, weights=trainer.copy_weights())
    resumed = resume_run(path)
    resumed.continue_training(2)
    assert resumed.steps == expected_trainer.steps and resumed.history.history == expected.history
    assert resumed.model is not None and expected_trainer.model is not None
    for name, value in expected_trainer.model.state_dict().items():
        assert torch.equal(resumed.model.state_dict()[name], value), name
