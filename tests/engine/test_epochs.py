"""An epoch's numbers, the weights a run ends on, and the edges of continuing: each checked
against what it must be, not against what the code happens to print."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from torch import nn

from tests.engine.helpers import Recorder, tiny
from workbench.engine import Callback, StopReason, Trainer
from workbench.engine import trainer as trainer_module
from workbench.engine.checkpoint import resume_run, save_trained
from workbench.engine.data import DataError, RawData
from workbench.engine.events import TestResult
from workbench.spec import Problem, SpecError, Task
from workbench.spec.memory import TooBig

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

        def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
            got.setdefault("epoch", logs)

        def on_test_end(self, result: TestResult) -> None:
            got["test"] = result

        def on_train_end(self, logs: Any = None) -> None:
            got["end"] = logs

    trainer = Trainer(tiny(epochs=2), [Logs()])
    history = trainer.fit()
    assert got["begin"] == {} and got["batch"] == {} and got["epoch"] == {}
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
    start = trainer.best_weights()  # no epoch ended: the weights it started from
    assert all(torch.equal(resumed.best_weights()[k], v) for k, v in start.items())
    assert not all(torch.equal(trainer.copy_weights()[k], v) for k, v in start.items())
    assert resumed.continue_training(2).history == expected.history


def test_messages_for_misuse() -> None:
    trainer = Trainer(tiny(epochs=1))
    with pytest.raises(RuntimeError, match="^only a run that has started has a state to save$"):
        trainer.state_dict()
    trainer.fit()
    with pytest.raises(RuntimeError, match="^this trainer has run: use continue_training for more epochs$"):
        trainer.fit()
    with pytest.raises(RuntimeError, match=r"^call extend\(epochs\) first, or pass epochs$"):
        trainer.continue_training()
    with pytest.raises(ValueError, match="^continue for at least one epoch$"):
        trainer.extend(0)
    trainer.extend(1)
    assert trainer.history.message == "" and trainer.history.stop_reason is None
    trainer.continue_training()
    assert trainer._extended is False  # noqa: SLF001 - a second continue needs a new extend
    diverged = Trainer(tiny(epochs=1, optimizer={"name": "SGD", "lr": 10.0}, batch_size=4))
    assert diverged.fit().stop_reason is StopReason.DIVERGED
    with pytest.raises(RuntimeError, match="^only a run that completed or was stopped can continue$"):
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
    with pytest.raises(DataError) as caught:
        Trainer(tiny(epochs=1)).load_state_dict(state)
    assert caught.value.problem.message.endswith("where the run had 60 train / 30 val / 30 test, and other classes")


class Poison(Callback):
    """Turns the weights to NaN right after the `at`-th batch, as a blown-up step would."""

    def __init__(self, at: int) -> None:
        self.at, self.count = at, 0

    def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
        self.count += 1
        if self.count == self.at and self.trainer is not None and self.trainer.model is not None:
            with torch.no_grad():
                for p in self.trainer.model.parameters():
                    p.fill_(float("nan"))


def test_divergence_inside_an_epoch_names_the_step_and_keeps_the_best() -> None:
    trainer = Trainer(tiny(epochs=5, early_stopping=NO_STOP), [Poison(at=9)], progress_rate=0.0)
    history = trainer.fit()  # 4 batches an epoch: the 10th batch, in epoch 3, sees NaN weights
    assert history.stop_reason is StopReason.DIVERGED
    best = history.best_epoch
    assert best is not None and best <= 1 and trainer.weights_epoch == best
    assert history.message == (
        "Stopped at epoch 3, step 10: the loss is no longer a finite number, so the run diverged. "
        "The learning rate 0.1 is probably too high: lower the learning rate (try 0.01); "
        f"weights restored from epoch {best + 1}."
    )


def test_divergence_seen_by_validation_names_the_epoch() -> None:
    trainer = Trainer(tiny(epochs=5, early_stopping=NO_STOP), [Poison(at=8)], progress_rate=0.0)
    history = trainer.fit()  # the last batch of epoch 2 trained on finite weights; validation sees NaN
    assert history.stop_reason is StopReason.DIVERGED and len(history.epoch) == 2
    assert history.message.startswith("Stopped at epoch 2: the loss is no longer a finite number, so the run diverged.")
    assert history.message.endswith("weights restored from epoch 1.")


def test_an_explosion_says_how_big() -> None:
    history = Trainer(tiny(epochs=6, optimizer={"name": "SGD", "lr": 5.0}, batch_size=4)).fit()
    assert history.message.startswith(
        "Stopped at epoch 1, step 13: the loss exploded to 2.61e+04, so the run diverged."
    )
    assert "The learning rate 5 is probably too high: lower the learning rate (try 0.5); " in history.message


def test_the_default_sentences() -> None:
    stopped = Trainer(tiny(epochs=4, early_stopping=NO_STOP), [StopAfter(6)])
    history = stopped.fit()
    assert history.best_epoch == 0 and history.best_value is not None
    assert (
        history.message
        == f"Stopped by you after 1 of 4 epochs; best validation loss {history.best_value:.4g} at epoch 1."
    )
    early = Trainer(tiny(epochs=4, early_stopping=NO_STOP), [StopAfter(2)]).fit()
    assert early.message == "Stopped by you after 0 of 4 epochs; no epoch finished."
    done = Trainer(tiny(epochs=2, early_stopping=NO_STOP)).fit()
    assert done.best_value is not None and done.best_epoch is not None
    assert (
        done.message
        == f"Finished all 2 epochs; best validation loss {done.best_value:.4g} at epoch {done.best_epoch + 1}."
    )


def _one_step(**training: Any) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor], dict[str, torch.Tensor]]:
    """One SGD step on the whole training set: the weights before, the data loss's gradients, and after."""
    trainer = Trainer(tiny(epochs=1, batch_size=1000, early_stopping=NO_STOP, **training))
    trainer.prepare()
    assert trainer.model is not None and trainer.data is not None
    before = trainer.copy_weights()
    x, y = trainer.data.parts["train"]
    trainer.model.zero_grad()
    trainer.objective.loss_fn(trainer.model(trainer.data.transform(x, training=False)), y).backward()
    grads = {n: p.grad.detach().clone() for n, p in trainer.model.named_parameters() if p.grad is not None}
    trainer.fit()
    return before, grads, trainer.copy_weights()


def test_l1_pulls_the_weights_and_leaves_the_biases() -> None:
    lr, l1 = 0.1, 0.5
    before, grads, after = _one_step(optimizer={"name": "SGD", "lr": lr}, l1=l1)
    for name, start in before.items():
        penalty = l1 * torch.sign(start) if start.dim() > 1 else 0.0
        torch.testing.assert_close(after[name], start - lr * (grads[name] + penalty), rtol=1e-5, atol=1e-6)


def test_gradient_clipping_caps_the_steps_length() -> None:
    lr, clip = 0.1, 0.01
    before, grads, after = _one_step(optimizer={"name": "SGD", "lr": lr}, grad_clip=clip)
    norm = torch.sqrt(sum((g**2).sum() for g in grads.values()))
    assert norm > clip  # the clip applies
    step = torch.sqrt(sum(((after[n] - before[n]) ** 2).sum() for n in before))
    assert float(step) == pytest.approx(lr * clip, rel=1e-4)


def test_paused_time_is_not_training_time() -> None:
    class PauseOnce(Callback):
        def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
            if batch == 1 and self.trainer is not None and not hasattr(self, "done"):
                self.done = True
                self.trainer.pause()
                threading.Timer(0.5, self.trainer.resume).start()

    rec = Recorder()
    trainer = Trainer(tiny(epochs=1), [PauseOnce(), rec], progress_rate=0.0)
    started = time.perf_counter()
    trainer.fit()
    wall = time.perf_counter() - started
    assert wall > 0.5 and 0 < trainer.trained_seconds < wall - 0.45
    assert 0 < rec.progress[-1].elapsed < wall - 0.45
    assert all(100 < p.samples_per_second < 1e8 for p in rec.progress)  # the pause is not counted against the rate


def test_the_trainers_defaults() -> None:
    rec = Recorder()
    trainer = Trainer(tiny(epochs=1, batch_size=1, early_stopping=NO_STOP), [rec])  # 60 steps
    assert trainer.progress_interval == pytest.approx(1 / 20)
    trainer.fit()
    assert [h.step for h in rec.histograms] == [0, 50]
    assert len(rec.histograms[0].layers[0].weight_counts) == 40
    assert trainer.history.split is not None and trainer.history.device == "cpu"


def test_the_experiments_own_checks_run_first() -> None:
    spec = tiny(dataset={"kind": "moons", "val_fraction": 0.0}, early_stopping={"enabled": True})
    with pytest.raises(SpecError, match="needs a validation split"):
        Trainer(spec).fit()


def test_the_memory_limit_given_is_the_one_checked() -> None:
    with pytest.raises(TooBig, match="the limit set is"):
        Trainer(tiny(), memory_limit=1000).fit()


def test_data_handed_in_is_the_data_trained_on() -> None:
    x = torch.randn(40, 2)
    raw = RawData(x, (x[:, 0] > 0).long(), Task.CLASSIFICATION, ("left", "right"))
    trainer = Trainer(tiny(epochs=1), raw=raw)
    trainer.fit()
    assert trainer.history.class_names == ("left", "right")
    bad = RawData(torch.randn(40, 3), raw.y, Task.CLASSIFICATION, ("left", "right"))
    with pytest.raises(DataError, match=r"^dataset: the data's samples are \(3,\) but the network expects \(2,\)$"):
        Trainer(tiny(epochs=1), raw=bad).fit()


def test_batchnorm_trains_on_two_samples() -> None:
    layers = [{"type": "Linear", "out_features": 4}, {"type": "BatchNorm1d"}, {"type": "Linear", "out_features": 2}]
    x = torch.tensor([[0.0, 1.0], [1.0, 0.0], [0.5, 0.5], [0.2, 0.1]])
    raw = RawData(x, torch.tensor([0, 1, 0, 1]), Task.CLASSIFICATION, ("a", "b"))
    dataset = {"kind": "moons", "val_fraction": 0.25, "test_fraction": 0.25}
    history = Trainer(tiny(layers=layers, dataset=dataset, epochs=1), raw=raw).fit()
    assert history.stop_reason is StopReason.COMPLETED


def test_without_validation_the_best_epoch_is_the_training_losss() -> None:
    dataset = {"kind": "moons", "n_samples": 80, "val_fraction": 0.0, "test_fraction": 0.0}
    trainer = Trainer(tiny(dataset=dataset, epochs=3, early_stopping=NO_STOP))
    history = trainer.fit()
    assert history.monitor == "loss"
    assert history.best_epoch == int(np.argmin(history.history["loss"]))


def test_the_best_epoch_follows_the_early_stopping_settings_even_when_off() -> None:
    off = {"enabled": False, "min_delta": 10.0}
    assert Trainer(tiny(epochs=3, early_stopping=off)).fit().best_epoch == 0  # nothing beats the first by 10
    backwards = {"enabled": False, "monitor": "val_accuracy", "mode": "min"}
    history = Trainer(tiny(epochs=4, early_stopping=backwards)).fit()
    accuracy = history.history["val_accuracy"]
    assert history.best_epoch == accuracy.index(min(accuracy))


def test_a_rate_below_one_a_second_still_throttles() -> None:
    assert Trainer(tiny(), progress_rate=0.5).progress_interval == 2.0
    assert Trainer(tiny(), progress_rate=0.0).progress_interval == 0.0


def test_histograms_off_means_none() -> None:
    rec = Recorder()
    Trainer(tiny(epochs=1), [rec], histogram_every=0).fit()
    assert rec.histograms == []


def test_large_losses_are_not_an_explosion_when_the_first_was_large(tmp_path: Path) -> None:
    rows = "\n".join(f"{i / 40:.3f},{300 + 5 * (i % 7)}" for i in range(40))
    (tmp_path / "t.csv").write_text("x,y\n" + rows + "\n")
    dataset = {"kind": "csv", "path": str(tmp_path / "t.csv"), "target": "y", "task": "regression"}
    layers = [{"type": "Linear", "out_features": 1}]
    spec = tiny(layers=layers, dataset=dataset, epochs=2, optimizer={"name": "SGD", "lr": 1e-6}, early_stopping=NO_STOP)
    history = Trainer(spec).fit()  # a mean squared error near 90,000 from the first batch on
    assert history.batch_losses[0] > 1e4 and history.stop_reason is StopReason.COMPLETED


def test_batchnorm_without_two_training_samples_says_so() -> None:
    layers = [{"type": "Linear", "out_features": 4}, {"type": "BatchNorm1d"}, {"type": "Linear", "out_features": 2}]
    raw = RawData(
        torch.tensor([[0.0, 1.0], [1.0, 0.0], [0.5, 0.5]]), torch.tensor([0, 1, 0]), Task.CLASSIFICATION, ("a", "b")
    )
    dataset = {"kind": "moons", "val_fraction": 0.34, "test_fraction": 0.34}
    with pytest.raises(DataError) as caught:
        Trainer(tiny(layers=layers, dataset=dataset, epochs=1), raw=raw).fit()
    assert caught.value.problem == Problem("dataset", "BatchNorm needs at least 2 training samples; add samples")


def _classes(names: list[str], outputs: int) -> DataError:
    x = torch.randn(len(names) * 4, 2)
    raw = RawData(x, torch.arange(len(x)) % len(names), Task.CLASSIFICATION, tuple(names))
    layers = [{"type": "Linear", "out_features": outputs}]
    with pytest.raises(DataError) as caught:
        Trainer(tiny(layers=layers, epochs=1), raw=raw).fit()
    return caught.value


def test_the_classes_must_be_the_networks_outputs() -> None:
    one = _classes(["cat"], 2).problem
    assert one == Problem(
        "dataset",
        "the data holds one class only (cat): a classifier needs samples of at least two classes to tell apart",
    )
    twelve = [f"c{k}" for k in range(12)]
    assert _classes(twelve, 2).problem.message.startswith(f"the data has 12 classes ({', '.join(twelve)}) but")
    thirteen = [*twelve, "c12"]
    assert f"({', '.join(twelve)}, ...) but the network gives 2 outputs" in _classes(thirteen, 2).problem.message


def test_other_sizes_alone_are_said_without_classes(tmp_path: Path) -> None:
    trainer = Trainer(tiny(epochs=1))
    trainer.fit()
    state = trainer.state_dict()
    state["sizes"] = {"train": 1, "val": 2, "test": 3}
    with pytest.raises(DataError) as caught:
        Trainer(tiny(epochs=1)).load_state_dict(state)
    assert caught.value.problem.message == (
        "the data is not the saved run's: it has 60 train / 30 val / 30 test where the run had 1 train / 2 val / 3 test"
    )


def test_a_state_without_best_weights_continues_from_its_own() -> None:
    trainer = Trainer(tiny(epochs=2, early_stopping=NO_STOP))
    trainer.fit()
    state = {**trainer.state_dict(), "best_weights": None}
    taken_up = Trainer(tiny(epochs=2, early_stopping=NO_STOP))
    taken_up.load_state_dict(state)
    assert all(torch.equal(taken_up.best_weights()[k], v) for k, v in state["weights"].items())
    assert state["best"][1] == trainer.history.best_epoch  # the tracker's own best epoch is saved


def test_continuing_adds_to_the_training_time() -> None:
    trainer = Trainer(tiny(epochs=2, early_stopping=NO_STOP))
    trainer.fit()
    before = trainer.trained_seconds
    trainer.continue_training(2)
    assert before < trainer.trained_seconds < before + 60


def test_the_not_learned_advice_in_full() -> None:
    history = Trainer(tiny(epochs=2, **FROZEN)).fit()
    assert history.message.endswith(
        "Try another learning rate (Find a learning rate suggests one), normalized inputs, or a larger network."
    )


def test_data_without_class_names_says_none() -> None:
    raw = RawData(torch.randn(8, 2), torch.zeros(8, dtype=torch.int64), Task.CLASSIFICATION, ())
    with pytest.raises(DataError) as caught:
        Trainer(tiny(epochs=1), raw=raw).fit()
    assert caught.value.problem.message.startswith("the data holds one class only (none): ")


def test_a_completed_run_on_its_last_weights_says_nothing_of_restoring() -> None:
    class KeepLast(Callback):
        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            if self.trainer is not None and epoch + 1 == self.trainer.history.epochs_planned:
                self.trainer.request_stop(StopReason.COMPLETED, weights=self.trainer.epoch_weights(), epoch=epoch)

    trainer = Trainer(tiny(epochs=3, optimizer={"name": "SGD", "lr": 3.0}, early_stopping=NO_STOP), [KeepLast()])
    history = trainer.fit()
    assert history.best_epoch is not None and history.best_epoch < 2  # the last epoch is not the best
    assert "restored" not in history.message


def test_a_prepared_run_that_has_not_started_has_no_state() -> None:
    trainer = Trainer(tiny(epochs=1))
    trainer.prepare()
    with pytest.raises(RuntimeError, match="^only a run that has started has a state to save$"):
        trainer.state_dict()


def test_a_diverged_run_ends_on_its_best_epoch_and_says_which() -> None:
    settings: dict[str, Any] = {"optimizer": {"name": "SGD", "lr": 3.0}, "early_stopping": NO_STOP}
    trainer = Trainer(tiny(epochs=10, **settings), [Poison(at=4 * 8 + 1)], progress_rate=0.0)
    history = trainer.fit()  # 4 batches an epoch: poisoned in the 9th epoch, after 8 finished
    assert history.stop_reason is StopReason.DIVERGED and len(history.epoch) == 8
    assert history.best_epoch is not None and history.best_epoch < 7
    assert trainer.weights_epoch == history.best_epoch
    assert history.message.endswith(f"weights restored from epoch {history.best_epoch + 1}.")
