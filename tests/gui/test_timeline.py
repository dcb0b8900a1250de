"""The epoch timeline: one epoch chosen, every view shows it; the same choice as Results'."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tests.engine.helpers import tiny
from tests.gui.helpers import start, wait_done

NO_STOP = {"enabled": False}


def test_scrubbing_to_an_epoch_moves_every_view_and_results_with_it(window: Any, qtbot: QtBot) -> None:
    start(window, qtbot, tiny(epochs=4, early_stopping=NO_STOP))
    view, timeline = window.training_view, window.training_view.timeline
    assert not timeline.slider.isEnabled()  # nothing to choose before the first epochs end
    wait_done(window, qtbot)
    record = window.runs.current
    last_boundary = view.boundary.shown
    assert timeline.isVisible() and timeline.slider.isEnabled() and timeline.epochs == [0, 1, 2, 3]
    assert timeline.slider.value() == 3 and record.chosen_epoch is None
    timeline.slider.setFocus()
    qtbot.keyClick(timeline.slider, Qt.Key.Key_Home)  # the keyboard: Home is the first kept epoch
    qtbot.waitUntil(lambda: record.shown_view is not None, timeout=10_000)
    qtbot.wait(150)  # a redraw tick
    assert record.chosen_epoch == 0 and record.shown_view.epoch == 0
    assert view.boundary.shown is record.shown_view.picture and view.boundary.shown is not last_boundary
    assert view.boundary.shown.epoch == 1  # "after epoch 1"
    assert view.loss_panel.chosen_line.isVisible() and view.loss_panel.chosen_line.value() == 1
    assert view.histograms.epoch_line.isVisible()  # where epoch 1 ended on the weights' history
    assert view.histograms.epoch_line.value() == record.started.batches_per_epoch
    assert view.results.epoch_combo.currentData() == 0  # Results chose the same epoch
    assert record.chosen_test is record.shown_view.test
    assert timeline.label.text() == "epoch 1 of 4"
    view.results.epoch_combo.setCurrentIndex(view.results.epoch_combo.findData(2))  # and back: one choice
    qtbot.waitUntil(lambda: record.shown_view is not None and record.shown_view.epoch == 2, timeout=10_000)
    qtbot.wait(150)
    assert timeline.slider.value() == 2 and view.boundary.shown.epoch == 3
    qtbot.mouseClick(timeline.follow, Qt.MouseButton.LeftButton)  # the run's end again
    qtbot.wait(150)
    assert record.chosen_epoch is None and view.boundary.shown is record.boundary
    assert not view.loss_panel.chosen_line.isVisible() and not view.histograms.epoch_line.isVisible()


def test_a_run_exported_and_reopened_offers_the_same_epochs(window: Any, qtbot: QtBot, tmp_path: Any) -> None:
    from tests.gui.test_saved_run import open_run

    start(window, qtbot, tiny(epochs=4, early_stopping=NO_STOP))
    wait_done(window, qtbot)
    window.dialogs.save_answer = tmp_path / "run.pt"
    window.export_action.trigger()
    qtbot.waitUntil(lambda: (tmp_path / "run.pt").exists() and not window.runs.at_risk, timeout=10_000)
    open_run(window, qtbot, tmp_path / "run.pt")
    timeline, record = window.training_view.timeline, window.runs.current
    assert not window.dialogs.errors and record.label.endswith("(run.pt)")
    assert timeline.epochs == [0, 1, 2, 3] and timeline.slider.isEnabled()
    # The slider stands on the weights the run ended with (early stopping off: the last epoch's).
    assert timeline.slider.value() == 3 and timeline.label.text() == "epoch 4 of 4"
    assert window.training_view.boundary.shown.epoch == 4
    timeline.slider.setValue(1)
    qtbot.waitUntil(lambda: record.shown_view is not None and record.shown_view.epoch == 1, timeout=10_000)
    qtbot.wait(150)
    assert window.training_view.boundary.shown.epoch == 2


def test_while_a_run_trains_the_timeline_follows_it_until_taken(window: Any, qtbot: QtBot) -> None:
    """Scrubbing during a run: the views show a kept epoch (answered beside the training), Live
    follows the newest again."""
    start(window, qtbot, tiny(epochs=400, early_stopping=NO_STOP))
    view, timeline, record = window.training_view, window.training_view.timeline, window.runs.current
    qtbot.waitUntil(lambda: len(record.epochs) >= 3, timeout=20_000)
    window.runs.toggle_pause()  # the look is answered beside the run whether it trains or waits
    qtbot.wait(150)
    assert timeline.slider.isEnabled() and "(live)" in timeline.label.text()
    assert timeline.follow.text() == "Live" and not timeline.follow.isEnabled()
    timeline.slider.setValue(0)
    qtbot.waitUntil(lambda: record.shown_view is not None and record.shown_view.epoch == 0, timeout=10_000)
    qtbot.wait(150)
    assert window.runs.running and record.chosen_epoch == 0 and view.boundary.shown.epoch == 1
    assert timeline.label.text().startswith("epoch 1 of") and timeline.follow.isEnabled()
    qtbot.mouseClick(timeline.follow, Qt.MouseButton.LeftButton)  # Live: the newest epoch again
    qtbot.wait(150)
    assert record.chosen_epoch is None and "(live)" in timeline.label.text()
    window.runs.stop()
    wait_done(window, qtbot)


def test_the_slider_snaps_to_kept_epochs_in_the_direction_it_moves() -> None:
    from workbench.gui.plots.timeline import snap

    kept = [0, 4, 8, 9]
    assert snap(kept, 4, 0) == 4 and snap(kept, 5, 4) == 8 and snap(kept, 7, 8) == 4
    assert snap(kept, 6, None) == 4 and snap([], 3, 1) is None and snap(kept, 20, 9) == 9


def test_a_click_on_the_slider_goes_to_that_epoch(window: Any, qtbot: QtBot) -> None:
    """As on TensorBoard's step slider: a click jumps there (not a page at a time)."""
    from PySide6.QtCore import QPoint

    start(window, qtbot, tiny(epochs=20, early_stopping=NO_STOP))
    wait_done(window, qtbot)
    timeline, record = window.training_view.timeline, window.runs.current
    slider = timeline.slider
    slider.resize(400, slider.height())
    qtbot.mouseClick(slider, Qt.MouseButton.LeftButton, pos=QPoint(slider.width() // 4, slider.height() // 2))
    qtbot.waitUntil(lambda: record.chosen_epoch is not None, timeout=5_000)
    assert 3 <= record.chosen_epoch <= 6  # about a quarter of the way along 20 epochs
