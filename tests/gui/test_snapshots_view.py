"""After a run: test any epoch's weights from the Results tab, and export them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from pytestqt.qtbot import QtBot

from tests.engine.helpers import tiny
from tests.gui.helpers import start, wait_done

NO_STOP = {"enabled": False}


def test_pick_an_epoch_see_its_test_and_export_it(window: Any, qtbot: QtBot, tmp_path: Path) -> None:
    start(window, qtbot, tiny(epochs=3, early_stopping=NO_STOP, optimizer={"name": "SGD", "lr": 0.5}))
    wait_done(window, qtbot)
    results = window.training_view.results
    combo = results.epoch_combo
    assert results.epoch_combo.isVisibleTo(results)
    assert [combo.itemData(i) for i in range(combo.count())] == [None, 2, 1, 0]
    assert combo.itemText(0) == "Weights the run ended with (epoch 3)"
    end_text = results.metrics.text()
    assert end_text.startswith("Test (30 samples): loss")
    combo.setCurrentIndex(combo.findData(0))
    qtbot.waitUntil(lambda: "the weights of epoch 1" in results.metrics.toolTip(), timeout=20_000)
    record = window.runs.current
    assert record.chosen_epoch == 0 and record.chosen_test is not None
    chosen = record.chosen_test  # the numbers shown are epoch 1's, not those of the run's end
    assert f"loss {chosen.loss:.4f}" in results.metrics.text() and results.metrics.text() != end_text
    window.dialogs.save_answer = tmp_path / "first.pt"
    window.export_button.click()
    qtbot.waitUntil(lambda: bool(window.dialogs.infos), timeout=20_000)
    saved = torch.load(tmp_path / "first.pt", weights_only=True)["state_dict"]
    from workbench.engine import Trainer
    from workbench.engine.snapshots import EpochSnapshots

    kept = EpochSnapshots()  # the same run again, here: training on the CPU is repeatable bit for bit
    Trainer(tiny(epochs=3, early_stopping=NO_STOP, optimizer={"name": "SGD", "lr": 0.5}), [kept]).fit()
    first = kept.weights[0]
    assert all(torch.equal(saved[k], first[k]) for k in first)
    combo.setCurrentIndex(0)  # back to where the run ended
    qtbot.waitUntil(lambda: results.metrics.text() == end_text, timeout=5_000)
    assert window.runs.current.chosen_epoch is None


def test_no_choice_without_a_test_split_or_during_a_run(window: Any, qtbot: QtBot) -> None:
    moons = {"kind": "moons", "n_samples": 120, "noise": 0.2, "val_fraction": 0.25, "test_fraction": 0.0}
    start(window, qtbot, tiny(epochs=2, dataset=moons))
    wait_done(window, qtbot)
    results = window.training_view.results
    assert not results.epoch_combo.isVisibleTo(results) and "No test split" in results.metrics.text()
    start(window, qtbot, tiny(epochs=100_000))
    assert not results.epoch_combo.isVisibleTo(results)
    window.stop()
    wait_done(window, qtbot)


def test_restored_weights_are_named(window: Any, qtbot: QtBot) -> None:
    stop = {"enabled": True, "patience": 3, "restore_best_weights": True}
    start(window, qtbot, tiny(epochs=60, optimizer={"name": "Adam", "lr": 0.05}, early_stopping=stop))
    wait_done(window, qtbot)
    ended = window.runs.current.ended
    assert ended.weights_epoch == ended.best_epoch < ended.epochs_done - 1
    text = window.training_view.results.epoch_combo.itemText(0)
    assert text == f"Weights the run ended with (epoch {ended.best_epoch + 1}, restored)"
