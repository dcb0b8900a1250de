"""An epoch's numbers, the weights a run ends on, and the edges of continuing: each checked
against what it must be, not against what the code happens to print."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch
from torch import nn

from tests.engine.helpers import Recorder, tiny
from workbench.engine import Callback, StopReason, Trainer
from workbench.engine import trainer as trainer_module
from workbench.engine.checkpoint import resume_run, save_trained
from workbench.engine.events import TestResult

NO_STOP: dict[str, Any] = {"enabled": False}
# A rate so small that the weights never change in float32: the epoch's numbers are the start's.
FROZEN: dict[str, Any] = {"optimizer": {"name": "SGD", "lr": 1e-30}, "early_stopping": NO_STOP}


def test_an_epochs_loss_and_accuracy_are_over_its_samples() -> None:
    """60 training samples in batches of 16, 16, 16 and 12: the logged loss is the mean over the 60
    samples and the accuracy the share right, as if computed in one pass."""
    trainer = Trainer(tiny(epochs=1, **FROZEN))
    start: dict[str, torch.Tensor] = {}

    class Start(Callback):
        def on_train_begin(self, logs: Any = None) -> None:
            start.update(trainer.copy_weights())

    trainer.user_callbacks.append(Start())
    history = trainer.fit()
    assert trainer.model is not None and trainer.data is not None
    assert all(torch.equal(trainer.model.state_dict()[k], v) for k, v in start.items())  # unchanged
    x, y = trainer.data.parts["train"]
    with torch.no_grad():
        out = trainer.model(trainer.data.transform(x, training=False))
    assert history.history["loss"][0] == pytest.approx(float(nn.functional.cross_entropy(out, y)), rel=1e-6)
    assert history.history["accuracy"][0] == pytest.approx(float((out.argmax(1) == y).double().mean()), abs=1e-12)


def test_a_regression_epochs_error_is_over_its_samples(tmp_path: Path) -> None:
    rows = "\n".join(f"{i / 60:.4f},{(i * 7 % 13) / 13:.4f}" for i in range(60))
    (tmp_path / "t.csv").write_text("x,y\n" + rows + "\n")
    dataset = {"kind": "csv", "path": str(tmp_path / "t.csv"), "target": "y", "task": "regression"}
    dataset |= {"val_fraction": 0.0, "test_fraction": 0.0}
    layers = [{"type": "Linear", "out_features": 4}, {"type": "Tanh"}, {"type": "Linear", "out_features": 1}]
    trainer = Trainer(tiny(layers=layers, dataset=dataset, epochs=1, batch_size=16, **FROZEN))
    history = trainer.fit()
    assert trainer.model is not None and trainer.data is not None
    x, y = trainer.data.parts["train"]
    with torch.no_grad():
        out = trainer.model(trainer.data.transform(x, training=False))
    assert history.history["loss"][0] == pytest.approx(float(nn.functional.mse_loss(out, y)), rel=1e-6)
    assert history.history["mae"][0] == pytest.approx(float((out - y).abs().mean()), rel=1e-6)


def test_every_step_has_its_histograms_when_asked() -> None:
    rec = Recorder()
    Trainer(tiny(epochs=1), [rec], histogram_every=1).fit()
    assert [h.step for h in rec.histograms] == [0, 1, 2, 3]
    assert {p.batches for p in rec.progress} == {4}


def test_the_hooks_get_their_logs() -> None:
    got: dict[str, Any] = {}

    class Logs(Callback):
        def on_train_begin(self, logs: Any = None) -> None:
            got["begin"] = logs

        def on_train_batch_begin(self, batch: int, logs: Any = None) -> None:
            got.setdefault("batch", logs)

        def on_test_end(self, result: TestResult) -> None:
            got["test"] = result

        def on_train_end(self, logs: Any = None) -> None:
            got["end"] = logs

    trainer = Trainer(tiny(epochs=2), [Logs()])
    history = trainer.fit()
    assert got["begin"] == {} and got["batch"] == {}
    assert got["test"] is history.test and history.test is not None
    assert got["end"] == {k: v[-1] for k, v in history.history.items()}


def test_a_run_ends_on_its_last_epoch_unless_it_restores() -> None:
    trainer = Trainer(tiny(epochs=3, early_stopping=NO_STOP))
    trainer.fit()
    assert trainer.weights_epoch == 2


def test_no_restoring_said_when_the_best_epoch_is_the_last() -> None:
    settings = {"optimizer": {"name": "SGD", "lr": 0.05}, "early_stopping": {"enabled": True, "patience": 9}}
    trainer = Trainer(tiny(epochs=3, **settings))
    history = trainer.fit()
    assert history.best_epoch == 2 and trainer.weights_epoch == 2
    assert history.message.startswith("Finished all 3 epochs") and "restored" not in history.message


def test_a_run_that_learned_nothing_says_both() -> None:
    dataset = {"kind": "moons", "n_samples": 120, "val_fraction": 0.25, "test_fraction": 0.25}
    history = Trainer(tiny(dataset=dataset, epochs=2, **FROZEN)).fit()
    assert history.message.startswith("Finished all 2 epochs; best validation loss ")
    assert ". The network has not learned: its best validation accuracy" in history.message


def test_a_test_that_fails_ends_the_run_as_failed(monkeypatch: pytest.MonkeyPatch) -> None:
    def out_of_memory(*args: object) -> None:
        raise RuntimeError("DefaultCPUAllocator: can't allocate memory: you tried to allocate 9 bytes")

    monkeypatch.setattr(trainer_module, "final_evaluation", out_of_memory)
    history = Trainer(tiny(epochs=1)).fit()
    assert history.stop_reason is StopReason.FAILED and history.test is None
    assert "memory" in history.message and history.error is not None


def test_a_run_diverging_in_its_first_epoch_goes_back_to_its_start() -> None:
    start: dict[str, torch.Tensor] = {}

    class Start(Callback):
        def on_train_begin(self, logs: Any = None) -> None:
            assert self.trainer is not None
            start.update(self.trainer.copy_weights())

    trainer = Trainer(tiny(epochs=2, optimizer={"name": "SGD", "lr": 10.0}, batch_size=4), [Start()])
    history = trainer.fit()
    assert history.stop_reason is StopReason.DIVERGED and history.best_epoch is None
    assert history.message.endswith("weights reset to their start.")
    assert all(torch.equal(trainer.copy_weights()[k], v) for k, v in start.items())


class StopAfter(Callback):
    def __init__(self, batches: int) -> None:
        self.batches, self.count = batches, 0

    def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
        self.count += 1
        if self.count == self.batches and self.trainer is not None:
            self.trainer.request_stop()


def test_a_run_stopped_before_its_first_epoch_ended_saves_and_continues(tmp_path: Path) -> None:
    settings = {"optimizer": {"name": "Adam", "lr": 0.02}, "early_stopping": NO_STOP, "batch_size": 8}
    expected = Trainer(tiny(epochs=2, **settings)).fit()
    trainer = Trainer(tiny(epochs=2, **settings), [StopAfter(3)])
    trainer.fit()
    assert trainer.history.epoch == [] and trainer.history.best_epoch is None
    path = save_trained(tmp_path / "cut.pt", trainer, weights=trainer.copy_weights())
    resumed = resume_run(path)
    assert resumed.best_weights() is not None
    assert resumed.continue_training(2).history == expected.history


def test_messages_for_misuse() -> None:
    trainer = Trainer(tiny(epochs=1))
    with pytest.raises(RuntimeError, match="only a run that has started has a state to save"):
        trainer.state_dict()
    trainer.fit()
    with pytest.raises(RuntimeError, match="this trainer has run: use continue_training for more epochs"):
        trainer.fit()
    with pytest.raises(RuntimeError, match=r"call extend\(epochs\) first, or pass epochs"):
        trainer.continue_training()
    with pytest.raises(ValueError, match="^continue for at least one epoch$"):
        trainer.extend(0)
    trainer.extend(1)
    assert trainer.history.message == "" and trainer.history.stop_reason is None
    trainer.continue_training()
    assert trainer._extended is False  # noqa: SLF001 - a second continue needs a new extend
    diverged = Trainer(tiny(epochs=1, optimizer={"name": "SGD", "lr": 10.0}, batch_size=4))
    assert diverged.fit().stop_reason is StopReason.DIVERGED
    with pytest.raises(RuntimeError, match="only a run that completed or was stopped can continue"):
        diverged.extend(1)


class Named(Callback):
    """A callback whose state holds text, and counts epochs."""

    def __init__(self) -> None:
        self.name, self.seen = "", 0

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        self.seen += 1
        self.name = f"seen {self.seen}"

    def state_dict(self) -> dict[str, Any]:
        return {"name": self.name, "seen": self.seen}

    def load_state_dict(self, state: Any) -> None:
        self.name, self.seen = state["name"], state["seen"]


def test_three_of_a_kind_and_text_in_a_state(tmp_path: Path) -> None:
    callbacks = [Named(), Named(), Named()]
    trainer = Trainer(tiny(epochs=1), callbacks)
    trainer.fit()
    callbacks[2].seen, callbacks[2].name = 7, "the third"
    assert list(trainer.state_dict()["callbacks"]) == ["Named", "Named#2", "Named#3"]
    save_trained(tmp_path / "run.pt", trainer)
    again = [Named(), Named(), Named()]
    resume_run(tmp_path / "run.pt", again)
    assert [(c.name, c.seen) for c in again] == [("seen 1", 1), ("seen 1", 1), ("the third", 7)]


def _old_state(restore: bool) -> dict[str, Any]:
    settings = {"epochs": 3, "early_stopping": {"enabled": True, "patience": 9, "restore_best_weights": restore}}
    trainer = Trainer(tiny(**settings))
    trainer.fit()
    state = {k: v for k, v in trainer.state_dict().items() if k != "callbacks"}
    return {**state, "patience": 1}


def test_an_old_state_without_restoring_keeps_no_best_weights_in_early_stopping() -> None:
    taken_up = Trainer(tiny(epochs=3, early_stopping={"enabled": True, "patience": 9, "restore_best_weights": False}))
    taken_up.load_state_dict(_old_state(restore=False))
    assert taken_up.early_stopping is not None and taken_up.early_stopping.best_weights is None
    assert taken_up.early_stopping.tracker.wait == 1


def test_an_old_state_loads_into_a_run_without_early_stopping() -> None:
    taken_up = Trainer(tiny(epochs=3, early_stopping=NO_STOP))
    taken_up.load_state_dict(_old_state(restore=True))
    assert taken_up.early_stopping is None and taken_up.history.epoch == [0, 1, 2]


def test_other_classes_are_named_when_the_data_is_not_the_runs(tmp_path: Path) -> None:
    trainer = Trainer(tiny(epochs=1))
    trainer.fit()
    state = trainer.state_dict()
    state["history"] = {**state["history"], "class_names": ["x", "y"]}
    with pytest.raises(Exception, match="and other classes"):
        Trainer(tiny(epochs=1)).load_state_dict(state)
