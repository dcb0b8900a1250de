"""The end of a run says when a classifier learned nothing; overfitting_demo still overfits."""

from __future__ import annotations

from pathlib import Path

from tests.engine.helpers import constant_inputs, tiny
from workbench.engine import Trainer
from workbench.engine.stream import run_ended, run_started
from workbench.spec import load_preset
from workbench.spec.lessons import overfitting_span


def test_a_classifier_at_chance_says_it_did_not_learn(tmp_path: Path) -> None:
    trainer = Trainer(constant_inputs(tmp_path), base_dir=tmp_path)
    history = trainer.fit()
    started, ended = run_started(trainer), run_ended(trainer)
    assert started.majority_rate is not None and 0.33 <= started.majority_rate <= 0.45
    assert ended.learned is False and trainer.learned is False
    assert "The network has not learned: its best validation accuracy" in history.message
    assert "always answering the most common class" in history.message and "learning rate" in history.message


def test_a_classifier_that_learned_says_nothing_of_the_kind() -> None:
    trainer = Trainer(tiny(epochs=15, optimizer={"name": "Adam", "lr": 0.05}))
    history = trainer.fit()
    assert run_ended(trainer).learned is True and "not learned" not in history.message


def test_regression_has_no_chance_level(tmp_path: Path) -> None:
    rows = "\n".join(f"{i / 40},{(i / 40) ** 2}" for i in range(40))
    (tmp_path / "r.csv").write_text(f"x,y\n{rows}\n")
    dataset = {"kind": "csv", "path": "r.csv", "target": "y", "task": "regression"}
    trainer = Trainer(
        tiny(layers=[{"type": "Linear", "out_features": 1}], dataset=dataset, epochs=2), base_dir=tmp_path
    )
    history = trainer.fit()
    assert run_started(trainer).majority_rate is None and trainer.learned is None
    assert run_ended(trainer).learned is None and "not learned" not in history.message


def test_the_overfitting_demo_still_overfits() -> None:
    trainer = Trainer(load_preset("overfitting_demo"))
    h = trainer.fit()
    span = overfitting_span(
        h.history["loss"], h.history["val_loss"], h.history["val_accuracy"], trainer.data.majority_rate()
    )
    assert span is not None and span[0] == h.best_epoch and span[1] == len(h.epoch) - 1
    assert span[1] - span[0] >= 10 and trainer.learned is True
