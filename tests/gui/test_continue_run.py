"""Continue: a finished run trains further from the window, its curves going on where they stopped."""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tests.engine.helpers import tiny
from tests.gui.conftest import Answer
from tests.gui.helpers import start, wait_done
from workbench.engine.events import StopReason

NO_STOP = {"enabled": False}


def set_epochs(window: Any, epochs: int) -> None:
    training = window.document.spec.training.model_copy(update={"epochs": epochs})
    window.document.set_training(training)


def test_continue_trains_more_epochs_of_the_same_run(window: Any, qtbot: QtBot) -> None:
    assert not window.continue_button.isEnabled()
    assert "Train a run first" in window.continue_button.toolTip()
    start(window, qtbot, tiny(epochs=2, early_stopping=NO_STOP))
    assert not window.continue_button.isEnabled()  # not while the run is active
    wait_done(window, qtbot)
    set_epochs(window, 3)  # the Epochs setting says how many more
    assert window.continue_button.isEnabled(), window.continue_button.toolTip()
    assert window.continue_button.text().endswith("+3") and "3 more epochs" in window.continue_button.toolTip()
    record = window.runs.current
    qtbot.mouseClick(window.continue_button, Qt.MouseButton.LeftButton)
    assert window.runs.running and window.training_view.results.reason.text() == "Training…"
    wait_done(window, qtbot)
    assert window.runs.current is record and len(window.runs.records) == 1  # the same run, not a new one
    view = window.training_view
    x, y = view.loss_panel.train.getData()
    assert list(x) == [1.0, 2.0, 3.0, 4.0, 5.0] and np.isfinite(y).all()
    batch_x = view.loss_panel.batch.getData()[0]
    assert len(batch_x) == 20 and np.all(np.diff(batch_x) > 0) and batch_x[-1] == 5.0
    assert view.loss_panel.continue_line.isVisible() and view.loss_panel.continue_line.value() == 2
    assert window.training_view.results.reason.text().startswith("Finished all 5 epochs")
    assert record.spec.training.epochs == 5 and window.export_button.isEnabled()


def test_changed_settings_turn_continue_off_and_say_why(window: Any, qtbot: QtBot) -> None:
    start(window, qtbot, tiny(epochs=1, early_stopping=NO_STOP))
    wait_done(window, qtbot)
    assert window.continue_button.isEnabled()
    optimizer = window.document.spec.training.optimizer.model_copy(update={"lr": 0.05})
    window.document.set_training(window.document.spec.training.model_copy(update={"optimizer": optimizer}))
    assert not window.continue_button.isEnabled() and not window.continue_action.isEnabled()
    assert "settings changed since the last run" in window.continue_button.toolTip()
    window.document.undo_stack.undo()
    assert window.continue_button.isEnabled()


def test_a_diverged_run_cannot_continue(window: Any, qtbot: QtBot) -> None:
    start(window, qtbot, tiny(epochs=50, optimizer={"name": "SGD", "lr": 10.0, "momentum": 0.9}))
    wait_done(window, qtbot)
    assert window.runs.current.ended.reason is StopReason.DIVERGED
    assert not window.continue_button.isEnabled() and "diverged or failed" in window.continue_button.toolTip()
    window.continue_training()  # the shortcut does nothing either
    assert not window.runs.running


def test_stop_a_continued_run_and_close_the_window(window: Any, qtbot: QtBot) -> None:
    start(window, qtbot, tiny(epochs=1, early_stopping=NO_STOP))
    wait_done(window, qtbot)
    set_epochs(window, 100_000)
    window.continue_action.trigger()
    qtbot.waitUntil(lambda: len(window.runs.current.epochs) >= 2, timeout=30_000)
    qtbot.mouseClick(window.stop_button, Qt.MouseButton.LeftButton)
    wait_done(window, qtbot)
    assert window.runs.current.ended.reason is StopReason.USER_STOPPED
    assert window.continue_button.isEnabled()  # a stopped run can go on again
    window.continue_action.trigger()
    assert window.runs.running
    window.dialogs.answer = Answer.DISCARD  # the changed Epochs setting is not saved
    assert window.close() is True  # mid-run: stops the run and waits for its thread
    assert window.runs.backend is None  # the training worker has ended
