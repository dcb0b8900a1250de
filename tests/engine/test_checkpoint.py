"""Saving a run to continue it: which weights the file holds, which test result it names, and how
it is taken up again (relative data paths, the device, every few epochs)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch

from tests.engine.helpers import tiny
from workbench.engine import ModelFileError, StopReason, Trainer
from workbench.engine.checkpoint import SaveEvery, resume_run, save_trained, saved_weights_test
from workbench.engine.history import test_to_dict as as_dict
from workbench.engine.snapshots import evaluate_weights

# Early stopping off and a rate that makes the loss bounce: the run ends on other weights than its best.
BOUNCY: dict[str, Any] = {"optimizer": {"name": "SGD", "lr": 3.0}, "epochs": 8}


def _bouncy() -> Trainer:
    trainer = Trainer(tiny(**BOUNCY))
    trainer.fit()
    assert trainer.history.best_epoch != len(trainer.history.epoch) - 1
    return trainer


def test_the_file_tests_the_weights_it_holds(tmp_path: Path) -> None:
    trainer = _bouncy()
    best = trainer.best_weights()
    own = saved_weights_test(trainer, best)
    assert own is not None and own.loss != trainer.history.test.loss  # type: ignore[union-attr]
    assert as_dict(own) == as_dict(evaluate_weights(trainer.trained(), dict(best)))
    save_trained(tmp_path / "run.pt", trainer)
    history = torch.load(tmp_path / "run.pt", weights_only=True)["history"]
    assert history["test"] == as_dict(own) and history["test_weights"] == "saved"
    assert saved_weights_test(trainer, trainer.copy_weights()) is None  # the weights it ended with


def test_a_given_test_result_is_not_computed_again(tmp_path: Path) -> None:
    trainer = _bouncy()
    given = saved_weights_test(trainer, trainer.best_weights())
    assert given is not None
    fake = type(given)(1.5, 0.25, None, given.samples, given.confusion, given.class_names)
    save_trained(tmp_path / "run.pt", trainer, test=fake)
    assert torch.load(tmp_path / "run.pt", weights_only=True)["history"]["test"]["loss"] == 1.5


def test_another_epochs_weights_are_saved_when_asked(tmp_path: Path) -> None:
    trainer = _bouncy()
    last = trainer.copy_weights()
    save_trained(tmp_path / "run.pt", trainer, weights=last)
    content = torch.load(tmp_path / "run.pt", weights_only=True)
    assert all(torch.equal(content["state_dict"][k], last[k]) for k in last)
    assert "test_weights" not in content["history"]  # the run's own test is of exactly these
    assert content["normalization"] == trainer.data.normalization.as_dict()  # type: ignore[union-attr]


def test_the_best_and_last_weights_come_back_from_the_file(tmp_path: Path) -> None:
    trainer = _bouncy()
    save_trained(tmp_path / "run.pt", trainer)
    resumed = resume_run(tmp_path / "run.pt")
    assert all(torch.equal(resumed.copy_weights()[k], v) for k, v in trainer.copy_weights().items())
    assert all(torch.equal(resumed.best_weights()[k], v) for k, v in trainer.best_weights().items())


def test_a_restored_run_keeps_one_copy(tmp_path: Path) -> None:
    settings = {**BOUNCY, "early_stopping": {"enabled": True, "patience": 50, "restore_best_weights": True}}
    trainer = Trainer(tiny(**settings))
    trainer.fit()
    save_trained(tmp_path / "run.pt", trainer)
    resumed = resume_run(tmp_path / "run.pt")
    assert all(torch.equal(resumed.copy_weights()[k], v) for k, v in trainer.best_weights().items())
    assert all(torch.equal(resumed.best_weights()[k], v) for k, v in trainer.best_weights().items())


def test_relative_data_paths_and_the_device_reach_the_resumed_run(tmp_path: Path) -> None:
    rows = "\n".join(f"{i % 7},{(i * 3) % 5},{i % 2}" for i in range(60))
    (tmp_path / "data.csv").write_text("a,b,label\n" + rows + "\n")
    spec = tiny(dataset={"kind": "csv", "path": "data.csv", "target": "label"}, epochs=2)
    trainer = Trainer(spec, base_dir=tmp_path)
    trainer.fit()
    save_trained(tmp_path / "run.pt", trainer)
    resumed = resume_run(tmp_path / "run.pt", base_dir=tmp_path, device="cpu", progress_rate=0.0)
    assert resumed.device_name == "cpu" and resumed.base_dir == tmp_path and resumed.progress_interval == 0.0
    assert resumed.continue_training(1).stop_reason is StopReason.COMPLETED


def test_save_every_writes_after_every_nth_epoch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    saved: list[int] = []
    monkeypatch.setattr(
        "workbench.engine.checkpoint.save_trained", lambda path, trainer: saved.append(len(trainer.history.epoch))
    )
    Trainer(tiny(epochs=7), [SaveEvery(tmp_path / "run.pt", 3)]).fit()
    assert saved == [3, 6]


def test_another_epochs_weights_keep_the_best_for_continuing(tmp_path: Path) -> None:
    trainer = _bouncy()
    save_trained(tmp_path / "run.pt", trainer, weights=trainer.copy_weights())
    resumed = resume_run(tmp_path / "run.pt")
    assert all(torch.equal(resumed.best_weights()[k], v) for k, v in trainer.best_weights().items())
    assert resumed.history.class_names == trainer.history.class_names
    assert torch.load(tmp_path / "run.pt", weights_only=True)["class_names"] == ["class 0", "class 1"]


def test_without_a_test_split_there_is_no_test_to_match() -> None:
    trainer = Trainer(tiny(**BOUNCY, dataset={"kind": "moons", "n_samples": 80, "test_fraction": 0.0}))
    trainer.fit()
    assert trainer.history.test is None
    assert saved_weights_test(trainer, trainer.best_weights()) is None


def test_an_unfinished_trainer_is_not_saved(tmp_path: Path) -> None:
    with pytest.raises(AssertionError, match="^train first$"):
        save_trained(tmp_path / "run.pt", Trainer(tiny()))


def test_the_device_given_wins_over_the_experiments(tmp_path: Path) -> None:
    trainer = Trainer(tiny(epochs=1, device="auto"))
    trainer.fit()
    save_trained(tmp_path / "run.pt", trainer)
    assert resume_run(tmp_path / "run.pt", device="cpu").device_name == "cpu"
    assert resume_run(tmp_path / "run.pt").device_name == "auto"


def _saved(tmp_path: Path) -> dict[str, Any]:
    trainer = Trainer(tiny(epochs=1))
    trainer.fit()
    save_trained(tmp_path / "run.pt", trainer)
    content: dict[str, Any] = torch.load(tmp_path / "run.pt", weights_only=True)
    return content


def _refused(path: Path, content: dict[str, Any]) -> str:
    torch.save(content, path)
    with pytest.raises(ModelFileError) as caught:
        resume_run(path)
    return str(caught.value)


def test_each_file_that_cannot_continue_gets_its_sentence(tmp_path: Path) -> None:
    content = _saved(tmp_path)
    plain = {k: v for k, v in content.items() if k != "training_state"}
    assert _refused(tmp_path / "plain.pt", plain) == (
        f"{tmp_path / 'plain.pt'} holds a trained model but not its training state, so its run cannot continue "
        "(model files from Export model… and `workbench train --out` hold it)"
    )
    bad = {**content, "experiment": '{"network": {"layers": [{"type": "Nope"}]}}'}
    assert f"{tmp_path / 'bad.pt'} (experiment)" in _refused(tmp_path / "bad.pt", bad)
    keyless = {**content, "training_state": {k: v for k, v in content["training_state"].items() if k != "weights"}}
    assert _refused(tmp_path / "keyless.pt", keyless) == f"{tmp_path / 'keyless.pt'} is damaged: KeyError: 'weights'"
    state = dict(content["training_state"])
    state["counters"] = {}
    said = _refused(tmp_path / "counters.pt", {**content, "training_state": state})
    assert said == f"{tmp_path / 'counters.pt'} has a damaged training state: KeyError: 'step'"
    wide = tiny([{"type": "Linear", "out_features": 4096}, {"type": "Linear", "out_features": 2}])
    said = _refused(tmp_path / "wide.pt", {**content, "experiment": wide.to_json()})  # never built: 12,288 + 8,194
    assert said.startswith(f"{tmp_path / 'wide.pt'} is damaged: its network needs 20,482 weights but the file holds ")


def test_the_file_says_which_epoch_s_weights_the_run_ended_with(tmp_path: Path) -> None:
    """Early stopping off: the last epoch's, whichever was best; restored: the best epoch's; saved
    while training: the epoch that just ended."""
    last = _bouncy()
    assert last.history.best_epoch != len(last.history.epoch) - 1  # the bouncy run's best is not its last
    save_trained(tmp_path / "last.pt", last)
    assert resume_run(tmp_path / "last.pt").weights_epoch == len(last.history.epoch) - 1
    settings = {**BOUNCY, "early_stopping": {"enabled": True, "patience": 3, "restore_best_weights": True}}
    restored = Trainer(tiny(**settings))
    restored.fit()
    save_trained(tmp_path / "best.pt", restored)
    assert resume_run(tmp_path / "best.pt").weights_epoch == restored.history.best_epoch == restored.weights_epoch
    Trainer(tiny(epochs=5), [SaveEvery(tmp_path / "cut.pt", 2)]).fit()  # rewritten after epochs 2 and 4
    assert resume_run(tmp_path / "cut.pt").weights_epoch == 3
