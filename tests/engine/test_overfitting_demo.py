"""overfitting_demo teaches what its description says: the epoch early stopping restores does
better on the test data than the overfitted epoch it stopped at, in loss and in accuracy, whatever
the seed (five seeds; each run twice, restoring and not, from the same start)."""

from __future__ import annotations

import pytest

from workbench.engine import Trainer
from workbench.engine.events import TestResult
from workbench.spec import load_preset


def run_demo(seed: int, restore: bool) -> tuple[int | None, int, TestResult]:
    demo = load_preset("overfitting_demo")
    training = demo.training
    stopping = training.early_stopping.model_copy(update={"restore_best_weights": restore})
    training = training.model_copy(update={"seed": seed, "device": "cpu", "early_stopping": stopping})
    history = Trainer(demo.model_copy(update={"training": training})).fit()
    assert history.test is not None
    return history.best_epoch, len(history.epoch), history.test


@pytest.mark.parametrize("seed", range(5))
def test_the_restored_epoch_tests_better_than_the_last(seed: int) -> None:
    best, epochs, restored = run_demo(seed, restore=True)
    _, same_epochs, last = run_demo(seed, restore=False)
    assert best is not None and epochs == same_epochs == best + 1 + 40  # stopped by patience, as described
    assert restored.samples == last.samples == 500
    assert restored.loss < last.loss
    assert restored.accuracy is not None and last.accuracy is not None and restored.accuracy > last.accuracy
