"""Training from the window: live curves, histograms, results, stop, pause, close, divergence, export."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph.exporters
import torch
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from tests.engine.helpers import tiny
from tests.gui.helpers import RUN_TIMEOUT, start, wait_done
from workbench.engine.events import StopReason
from workbench.gui import create_main_window
from workbench.gui.training_view import CHANGED_MIN_PX
from workbench.spec import load_preset


def test_a_short_run_draws_everything(window: Any, qtbot: QtBot) -> None:
    start(window, qtbot, tiny(epochs=2))
    assert not window.left_dock.widget().isEnabled() and not window.right_dock.widget().isEnabled()
    assert window.lock_action.isVisible()
    wait_done(window, qtbot)
    view = window.training_view
    x, y = view.loss_panel.train.getData()
    assert list(x) == [1.0, 2.0] and np.isfinite(y).all()
    assert len(view.loss_panel.val.getData()[0]) == 2 and len(view.accuracy_panel.val.getData()[0]) == 2
    assert len(view.loss_panel.batch.getData()[0]) == 8  # every batch loss, 4 per epoch
    assert view.loss_panel.view.viewRange()[0] == [0.0, 2.5]  # the whole run in view at its end, half an epoch after
    counts = view.histograms.current.getData()[1]
    assert counts is not None and counts.sum() == 2 * 16  # first Linear layer's weights
    assert view.histograms.layer_combo.count() == 2
    for panel in (view.loss_panel, view.accuracy_panel):  # each legend is above the plot's area
        assert panel.item.legend.sceneBoundingRect().bottom() <= panel.view.sceneBoundingRect().top() + 1
    picture = view.boundary.image.image  # moons: 2-D points, so the decision boundary is drawn
    assert picture is not None and picture.shape == (64, 64, 3) and view.tabs.currentWidget() is view.boundary
    assert len(view.boundary.scatter) == 2 and "after epoch 2" in view.boundary.caption.text()
    neurons = view.boundary.neurons  # the 16 hidden units, one picture each
    assert neurons.isVisibleTo(view.boundary) and neurons.pixmap().width() == 8 * 30
    assert view.results.reason.text().startswith("Finished all 2 epochs")
    assert view.results.matrix.isVisibleTo(view.results) and view.results.matrix.rowCount() == 2
    matrix, test = view.results.matrix, window.runs.current.ended.test  # the last column: each class's share right
    assert matrix.horizontalHeaderItem(2).text() == "right" and view.results.matrix_title.isVisibleTo(view.results)
    assert "true" in view.results.matrix_title.text() and "predicted" in view.results.matrix_title.text()
    assert "share" in matrix.horizontalHeaderItem(2).toolTip()
    confusion = test.confusion
    assert matrix.item(0, 2).text() == f"{confusion[0, 0] / confusion[0].sum():.0%}"
    assert window.progress.format() == "2/2 epochs" and window.progress.value() == window.progress.maximum()
    assert window.left_dock.widget().isEnabled() and window.export_button.isEnabled()
    assert window.findChild(QWidget, "confusionMatrix") is view.results.matrix


def test_stop_button_ends_the_run_within_seconds(window: Any, qtbot: QtBot) -> None:
    start(window, qtbot, tiny(epochs=100_000))
    qtbot.waitUntil(lambda: window.runs.current.progress is not None, timeout=RUN_TIMEOUT)
    qtbot.mouseClick(window.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.runs.running, timeout=5_000)
    wait_done(window, qtbot)
    assert window.runs.current.ended.reason is StopReason.USER_STOPPED
    assert window.training_view.results.reason.text().startswith("Stopped by you")


def test_pause_and_resume(window: Any, qtbot: QtBot) -> None:
    start(window, qtbot, tiny(epochs=100_000))
    record = window.runs.current
    qtbot.waitUntil(lambda: len(record.epochs) >= 2, timeout=RUN_TIMEOUT)
    window.pause_button.click()
    assert window.runs.paused and window.pause_button.text() == "Resume"
    qtbot.wait(150)
    view = window.training_view  # a paused run is drawn up to where it stands at once, not a frame later
    assert len(view.loss_panel.train.getData()[0]) == len(record.epochs) > 0
    assert len(view.accuracy_panel.val.getData()[0]) == len(record.epochs)
    assert view.histograms.shown[1] == len(record.histograms)
    qtbot.wait(150)
    steps = record.progress.step
    qtbot.wait(300)
    assert record.progress.step == steps  # nothing moves while paused
    assert view.paused_banner.isVisibleTo(view) and window.progress.format().startswith("Paused · epoch ")
    window.pause_button.click()
    qtbot.waitUntil(lambda: record.progress.step > steps, timeout=10_000)
    qtbot.wait(120)
    assert not view.paused_banner.isVisibleTo(view) and window.progress.format().startswith("epoch ")
    assert window.progress.value() < window.progress.maximum()  # 100,000 epochs: a sliver of the bar
    window.stop_button.click()
    wait_done(window, qtbot)


def test_closing_during_a_run_stops_it(qtbot: QtBot) -> None:
    from tests.gui.conftest import FakeDialogs

    win = create_main_window()
    win.dialogs = FakeDialogs()  # type: ignore[attr-defined]
    qtbot.addWidget(win)
    win.show()
    win.document.replace(tiny(epochs=100_000), None)  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: win.engine_ready, timeout=RUN_TIMEOUT)  # type: ignore[attr-defined]
    win.train()  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: win.runs.current.progress is not None, timeout=RUN_TIMEOUT)  # type: ignore[attr-defined]
    threads_during = threading.active_count()
    assert win.close() is True
    assert win.runs.backend is None and threading.active_count() < threads_during  # the worker ended too


def test_a_diverging_run_says_so(window: Any, qtbot: QtBot) -> None:
    start(window, qtbot, tiny(epochs=50, optimizer={"name": "SGD", "lr": 10.0, "momentum": 0.9}))
    wait_done(window, qtbot)
    assert window.runs.current.ended.reason is StopReason.DIVERGED
    text = window.training_view.results.reason.text()
    assert "diverged" in text and "lower the learning rate" in text
    assert window.statusBar().currentMessage() == text


def test_a_failure_in_the_worker_is_shown_and_the_window_stays_usable(window: Any, qtbot: QtBot) -> None:
    start(window, qtbot, tiny(epochs=2, device="cuda:7"))
    wait_done(window, qtbot)
    assert "cuda:7 is not available" in window.training_view.results.reason.text()
    assert window.left_dock.widget().isEnabled() and window.train_button.isEnabled()
    assert not window.export_button.isEnabled()


def test_export_writes_a_weights_only_file(window: Any, qtbot: QtBot, tmp_path: Path) -> None:
    start(window, qtbot, tiny(epochs=2))
    wait_done(window, qtbot)
    window.dialogs.save_answer = tmp_path / "mine.pt"
    window.export_button.click()
    qtbot.waitUntil(lambda: bool(window.dialogs.infos), timeout=20_000)
    content = torch.load(tmp_path / "mine.pt", weights_only=True)
    assert content["format"] == "workbench-model" and content["history"]["stop_reason"] == "completed"
    window.dialogs.save_answer = tmp_path / "mine.torchscript"
    window.export_button.click()
    qtbot.waitUntil(lambda: len(window.dialogs.infos) == 2, timeout=20_000)
    assert (tmp_path / "mine.torchscript").stat().st_size > 0
    window.dialogs.save_answer = tmp_path / "missing" / "x.pt"
    window.export_button.click()
    qtbot.waitUntil(lambda: bool(window.dialogs.errors), timeout=20_000)
    assert "does not exist" in window.dialogs.errors[-1][1] and not (tmp_path / "missing").exists()


def test_previous_runs_stay_as_labelled_overlays(window: Any, qtbot: QtBot) -> None:
    start(window, qtbot, tiny(epochs=2))
    wait_done(window, qtbot)
    start(window, qtbot, tiny(epochs=3, optimizer={"name": "SGD", "lr": 0.01}))
    wait_done(window, qtbot)
    view = window.training_view
    table = view.runs
    assert table.rowCount() == 2  # the earlier run, then this one

    def row(r: int) -> list[str]:
        return [table.item(r, c).text() for c in range(table.columnCount())]

    first, now = row(0), row(1)
    assert first[0] == "run 1" and first[3] == "epochs 2 → 3, learning rate 0.1 → 0.01"
    view.tabs.setCurrentIndex(view.tabs.count() - 1)  # the Runs tab
    qtbot.wait(50)
    assert table.columnWidth(3) >= CHANGED_MIN_PX  # what changed keeps room for its words
    earlier = window.runs.records[0]
    best, test = earlier.ended.best_value, earlier.ended.test.accuracy
    assert first[1] == f"{best:.4g} ({earlier.best_epoch})" and first[2] == f"{test:.2%}"
    assert table.item(0, 1).toolTip().startswith("run 1: 2 epochs in ")
    assert now[0] == "run 2 (now)" and now[3] == "(this run)"
    (train_overlay, val_overlay) = next(iter(view.loss_panel.overlays.values()))
    assert len(train_overlay.getData()[0]) == 2 and window.runs.records[0].label == f"run 1 → now: {first[3]}"
    table.sortByColumn(2, Qt.SortOrder.DescendingOrder)  # best test result first
    accuracies = [float(row(r)[2].rstrip("%")) for r in range(2)]
    assert accuracies == sorted(accuracies, reverse=True)
    table.sortByColumn(0, Qt.SortOrder.DescendingOrder)  # newest first: the refill below reorders the rows
    table.selectRow(1)
    assert table.item(table.currentRow(), 0).text() == "run 1"
    view._run_rows = []  # any change refills the table: the selection stays on run 1
    view.refresh()
    assert table.item(table.currentRow(), 0).text() == "run 1"
    table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    table.selectRow(0)
    use = view.findChild(QWidget, "useRunSettingsButton")
    assert use.isEnabled()
    use.click()  # run 1's settings back in the forms
    assert window.document.spec.training.optimizer.lr == 0.1 and window.document.spec.training.epochs == 2
    assert window.document.undo_stack.undoText() == "Settings of run 1"
    window.document.undo_stack.undo()
    assert window.document.spec.training.optimizer.lr == 0.01
    table.item(0, 0).setCheckState(Qt.CheckState.Unchecked)
    qtbot.wait(120)
    assert view.loss_panel.overlays == {}
    table.selectRow(0)
    view.findChild(QWidget, "removeRunButton").click()
    qtbot.wait(120)
    assert table.rowCount() == 1 and len(window.runs.records) == 1 and row(0)[0] == "run 2 (now)"
    start(window, qtbot, tiny(epochs=1))
    wait_done(window, qtbot)
    assert [row(r)[0] for r in range(table.rowCount())] == ["run 2", "run 3 (now)"]  # numbers stay


def test_plots_export_png_and_csv(window: Any, qtbot: QtBot, tmp_path: Path) -> None:
    start(window, qtbot, tiny(epochs=2))
    wait_done(window, qtbot)
    plot = window.training_view.loss_panel.plot.getPlotItem()
    pyqtgraph.exporters.ImageExporter(plot).export(str(tmp_path / "loss.png"))
    pyqtgraph.exporters.CSVExporter(plot).export(str(tmp_path / "loss.csv"))
    assert (tmp_path / "loss.png").stat().st_size > 1000
    header = (tmp_path / "loss.csv").read_text().splitlines()[0]
    assert "training" in header and "validation" in header


def test_long_batch_curves_are_clipped_and_downsampled(window: Any) -> None:
    batch = window.training_view.loss_panel.batch
    assert batch.opts["clipToView"] and batch.opts["autoDownsample"] and batch.opts["downsampleMethod"] == "peak"


def test_picture_runs_show_their_most_confident_mistakes(window: Any, qtbot: QtBot) -> None:
    digits = tiny([{"type": "Flatten"}, {"type": "Linear", "out_features": 10}], {"kind": "digits"}, epochs=1)
    start(window, qtbot, digits)
    wait_done(window, qtbot)
    results = window.training_view.results
    mistakes = window.runs.current.ended.test.mistakes
    assert mistakes and results.mistakes.isVisibleTo(results) and not results.mistakes.pixmap().isNull()
    assert results.mistakes.toolTip().splitlines()[0].startswith(f"a {mistakes[0].true}, taken for a ")
    assert len(results.mistakes.toolTip().splitlines()) == min(len(mistakes), 8)  # one row: the surest of all
    # A cell of the confusion matrix shows its own pictures; clicking it again shows all of them.
    cells: dict[tuple[int, int], int] = {}
    for m in mistakes:
        cells[(m.true, m.predicted)] = cells.get((m.true, m.predicted), 0) + 1
    (true, answer), count = max(cells.items(), key=lambda item: item[1])
    results.matrix.cellClicked.emit(true, answer)
    lines = results.mistakes.toolTip().splitlines()
    assert len(lines) == count and all(line.startswith(f"a {true}, taken for a {answer} ") for line in lines)
    assert f"{true} taken for {answer}" in results.mistakes_title.text()
    results.matrix.cellClicked.emit(true, answer)
    assert len(results.mistakes.toolTip().splitlines()) == min(len(mistakes), 8)
    results.matrix.cellClicked.emit(true, true)  # a right answer: back to all mistakes too
    assert "Surest mistakes" in results.mistakes_title.text()
    start(window, qtbot, tiny(epochs=1))  # points: no pictures to show
    wait_done(window, qtbot)
    assert not results.mistakes.isVisibleTo(results)


def test_the_patience_countdown_is_shown_while_early_stopping_watches(window: Any, qtbot: QtBot) -> None:
    stopping = {"enabled": True, "patience": 10_000, "min_delta": 1e6}  # nothing counts as better: it counts down
    start(window, qtbot, tiny(epochs=100_000, early_stopping=stopping))
    info = window.training_view.loss_panel.info
    qtbot.waitUntil(lambda: "patience left" in info.text(), timeout=RUN_TIMEOUT)
    first = int(info.text().split(": ")[1].split()[0])
    qtbot.waitUntil(lambda: int(info.text().split(": ")[1].split()[0]) < first, timeout=RUN_TIMEOUT)
    assert "best validation loss" in info.text() and "at epoch 1" in info.text()
    window.stop_button.click()
    wait_done(window, qtbot)


def test_the_line_under_the_loss_names_the_best_epoch_its_marker_shows(window: Any, qtbot: QtBot) -> None:
    slow = {"name": "SGD", "lr": 0.002}  # a loss that keeps creeping down: a new best almost every epoch
    start(window, qtbot, tiny(epochs=100_000, optimizer=slow, early_stopping={"enabled": True, "patience": 10_000}))
    panel = window.training_view.loss_panel
    tag = panel.tags[panel.best_line]
    seen = set()
    for _check in range(300):  # as the best epoch moves on, both follow it together
        qtbot.wait(10)
        if "patience left" in panel.info.text() and tag.isVisible():
            said = int(panel.info.text().rsplit("at epoch ", 1)[1].rstrip(")"))
            marked = int(tag.textItem.toPlainText().split("epoch ")[1].split()[0])
            assert said == marked
            seen.add(said)
    window.stop_button.click()
    wait_done(window, qtbot)
    assert len(seen) > 1


def test_under_the_plots_each_earlier_run_is_named_with_what_changed(window: Any, qtbot: QtBot) -> None:
    start(window, qtbot, tiny(epochs=1))
    wait_done(window, qtbot)
    note = window.training_view.accuracy_panel.info
    assert note.text() == ""  # one run: nothing dashed
    start(window, qtbot, tiny(epochs=2))
    wait_done(window, qtbot)
    assert note.text() == note.toolTip() == "Dashed, earlier runs: run 1 (epochs 1 → 2)"


def test_before_a_run_the_second_plot_is_the_task_s_metric(window: Any) -> None:
    """A regression's plot is its mean absolute error from the moment it is chosen, not after a run."""
    panel = window.training_view.accuracy_panel
    assert "Accuracy" in panel.title.text() and panel.frame.sentence.text().startswith("How often the network")
    window.document.replace(load_preset("sine_forecast_gru"), None)
    assert "Mean absolute error" in panel.title.text()
    assert panel.frame.sentence.text().startswith("How far the network's answers are from the targets")
    assert (panel.train_key, panel.val_key) == ("mae", "val_mae")


def test_a_network_that_reads_pictures_row_by_row_is_offered_a_picture(window: Any, qtbot: QtBot) -> None:
    lstm = load_preset("digits_lstm")
    start(window, qtbot, lstm.model_copy(update={"training": lstm.training.model_copy(update={"epochs": 1})}))
    wait_done(window, qtbot)
    assert window.training_view.results.picture_button.isVisibleTo(window)
    window.document.replace(load_preset("sine_forecast_gru"), None)  # sequences that are not pictures: none
    start(
        window,
        qtbot,
        window.document.spec.model_copy(update={"training": lstm.training.model_copy(update={"epochs": 1})}),
    )
    wait_done(window, qtbot)
    assert not window.training_view.results.picture_button.isVisibleTo(window)
