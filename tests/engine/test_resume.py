"""A run saved to a model file continues later, in another Trainer, as if it had never stopped."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from tests.engine.helpers import Recorder, tiny
from workbench.engine import Callback, DataError, ModelFileError, StopReason, Trainer, save_model
from workbench.engine.checkpoint import SaveEvery, resume_run, save_trained

SETTINGS: dict[str, Any] = {
    "optimizer": {"name": "Adam", "lr": 0.02},
    "scheduler": {"name": "step", "step_size": 1, "gamma": 0.7},
    "early_stopping": {"enabled": True, "patience": 50, "restore_best_weights": True},
}


def saved_run(path: Path, epochs: int = 2, **settings: Any) -> Trainer:
    trainer = Trainer(tiny(epochs=epochs, **{**SETTINGS, **settings}))
    trainer.fit()
    save_trained(path, trainer)
    return trainer


def test_a_resumed_run_trains_on_exactly_like_one_that_never_stopped(tmp_path: Path) -> None:
    """Weights, Adam's moments, the schedule, the batch order and the best-epoch tracking come back."""
    in_memory = saved_run(tmp_path / "run.pt")
    expected = in_memory.continue_training(3)
    rec = Recorder()
    resumed = resume_run(tmp_path / "run.pt", [rec])
    assert resumed.can_continue and resumed.history.epoch == [0, 1]
    history = resumed.continue_training(3)
    assert history.epoch == [0, 1, 2, 3, 4] and history.history == expected.history
    assert rec.batch_losses == expected.batch_losses[-len(rec.batch_losses) :] and len(rec.batch_losses) == 12
    assert history.best_epoch == expected.best_epoch and history.message == expected.message
    assert history.test is not None and history.test.loss == expected.test.loss  # type: ignore[union-attr]
    assert history.batch_losses == expected.batch_losses  # the saved part of the curve too


def test_the_file_holds_plain_tensors_and_no_second_copy_of_the_weights(tmp_path: Path) -> None:
    saved_run(tmp_path / "run.pt")
    content = torch.load(tmp_path / "run.pt", weights_only=True)
    state = content["training_state"]
    assert state["best_weights"] is None  # the same as the file's state_dict
    assert state["weights"] is None  # restored to the best epoch at the end, so the same again
    assert state["history"]["epochs_planned"] == 2 and len(state["history"]["batch_losses"]) == 8
    assert isinstance(state["generator"], torch.Tensor) and state["sizes"] == {"train": 60, "val": 30, "test": 30}


def test_last_weights_that_are_not_the_best_are_kept_too(tmp_path: Path) -> None:
    trainer = saved_run(
        tmp_path / "run.pt", epochs=6, early_stopping={"enabled": False}, optimizer={"name": "SGD", "lr": 2.0}
    )
    state = torch.load(tmp_path / "run.pt", weights_only=True)["training_state"]
    best, last = trainer.history.best_epoch, len(trainer.history.epoch) - 1
    assert (state["weights"] is None) == (best == last)
    resumed = resume_run(tmp_path / "run.pt")
    assert resumed.model is not None and trainer.model is not None
    for key, value in trainer.model.state_dict().items():
        assert torch.equal(resumed.model.state_dict()[key], value)  # the last weights, where the run ended


def test_a_model_without_training_state_is_refused(tmp_path: Path) -> None:
    trainer = saved_run(tmp_path / "run.pt")
    assert trainer.model is not None and trainer.data is not None
    save_model(tmp_path / "plain.pt", trainer.model, trainer.experiment, input_shape=trainer.data.input_shape)
    with pytest.raises(ModelFileError, match="not its training state, so its run cannot continue"):
        resume_run(tmp_path / "plain.pt")


def test_a_damaged_training_state_is_refused(tmp_path: Path) -> None:
    saved_run(tmp_path / "run.pt")
    content = torch.load(tmp_path / "run.pt", weights_only=True)
    content["training_state"]["optimizer"]["param_groups"] = []
    torch.save(content, tmp_path / "damaged.pt")
    with pytest.raises(ModelFileError, match="damaged training state"):
        resume_run(tmp_path / "damaged.pt")
    for damage in ({"state": "broken"}, "broken"):  # parts of the wrong kind: said as damage too
        content = torch.load(tmp_path / "run.pt", weights_only=True)
        optimizer = content["training_state"]["optimizer"]
        content["training_state"]["optimizer"] = {**optimizer, **damage} if isinstance(damage, dict) else damage
        torch.save(content, tmp_path / "damaged.pt")
        with pytest.raises(ModelFileError, match="damaged training state"):
            resume_run(tmp_path / "damaged.pt")


def test_other_data_than_the_runs_is_refused(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    rows = ["x,y,label"] + [f"{a:.3f},{b:.3f},{int(a > b)}" for a, b in rng.normal(size=(40, 2))]
    csv = tmp_path / "points.csv"
    csv.write_text("\n".join(rows) + "\n")
    dataset = {"kind": "csv", "path": str(csv), "target": "label", "val_fraction": 0.25, "test_fraction": 0.25}
    trainer = Trainer(tiny(dataset=dataset, epochs=1))
    trainer.fit()
    save_trained(tmp_path / "run.pt", trainer)
    csv.write_text("\n".join(rows + rows[1:21]) + "\n")  # twenty more rows since
    with pytest.raises(DataError, match="not the saved run's: it has 30 train / 15 val / 15 test"):
        resume_run(tmp_path / "run.pt")


def test_a_diverged_run_is_saved_but_cannot_continue(tmp_path: Path) -> None:
    trainer = Trainer(tiny(epochs=50, optimizer={"name": "SGD", "lr": 10.0, "momentum": 0.9}))
    assert trainer.fit().stop_reason is StopReason.DIVERGED
    save_trained(tmp_path / "run.pt", trainer)
    resumed = resume_run(tmp_path / "run.pt")
    assert resumed.history.stop_reason is StopReason.DIVERGED and not resumed.can_continue


class Crash(Callback):
    """Ends the process's run abruptly after an epoch, as a crash or a closed laptop would."""

    def __init__(self, at: int) -> None:
        self.at = at

    def on_epoch_end(self, epoch: int, logs: object = None) -> None:
        if epoch == self.at:
            raise KeyboardInterrupt


def test_a_run_cut_short_continues_from_its_last_save(tmp_path: Path) -> None:
    spec = tiny(epochs=5, **SETTINGS)
    expected = Trainer(spec).fit()
    path = tmp_path / "run.pt"
    with pytest.raises(KeyboardInterrupt):
        Trainer(spec, [SaveEvery(path, 2), Crash(at=2)]).fit()  # saved after epochs 2; epoch 3 is lost
    resumed = resume_run(path)
    assert resumed.history.epoch == [0, 1] and resumed.history.stop_reason is StopReason.USER_STOPPED
    assert resumed.history.message == "Saved after epoch 2 of 5 while training."
    assert torch.load(path, weights_only=True)["history"]["stop_reason"] == "user_stopped"
    history = resumed.continue_training(3)
    assert history.history == expected.history and history.message == expected.message
    assert history.test is not None and history.test.loss == expected.test.loss  # type: ignore[union-attr]


def test_a_save_that_fails_does_not_stop_training(tmp_path: Path) -> None:
    errors: list[str] = []
    saver = SaveEvery(tmp_path / "missing" / "run.pt", 1, errors.append)
    history = Trainer(tiny(epochs=2), [saver]).fit()
    assert history.stop_reason is StopReason.COMPLETED and len(errors) == 2 and "does not exist" in errors[0]


@pytest.mark.parametrize(
    ("optimizer", "scheduler"),
    [
        ({"name": "SGD", "lr": 0.1, "momentum": 0.9, "nesterov": True}, {"name": "exponential", "gamma": 0.9}),
        ({"name": "AdamW", "lr": 0.01}, {"name": "cosine"}),
        ({"name": "RMSprop", "lr": 0.01}, {"name": "reduce_on_plateau", "patience": 0}),
        ({"name": "Adagrad", "lr": 0.05}, {"name": "none"}),
    ],
)
def test_every_optimizer_and_schedule_round_trips(
    tmp_path: Path, optimizer: dict[str, Any], scheduler: dict[str, Any]
) -> None:
    settings = {"optimizer": optimizer, "scheduler": scheduler, "early_stopping": {"enabled": False}}
    in_memory = saved_run(tmp_path / "run.pt", epochs=2, **settings)
    expected = in_memory.continue_training(2)
    history = resume_run(tmp_path / "run.pt").continue_training(2)
    assert history.history == expected.history and history.history["lr"] == expected.history["lr"]
