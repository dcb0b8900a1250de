"""The window training in a process of its own: the same run, and a window that outlives a
training process that is killed or crashes."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import pytest
import torch
from pytestqt.qtbot import QtBot

from tests.engine.helpers import crash_in_the_second_epoch, tiny
from tests.gui.helpers import RUN_TIMEOUT, start, wait_done
from workbench.engine import StopReason
from workbench.engine.backends import ProcessBackend

NO_STOP = {"enabled": False}
LOST = "The training process stopped unexpectedly"


def test_a_run_in_its_own_process_shows_and_exports_as_ever(process_window: Any, qtbot: QtBot, tmp_path: Path) -> None:
    window = process_window
    assert isinstance(window.runs.backend, ProcessBackend) and window.runs.backend.pid != os.getpid()
    start(window, qtbot, tiny(epochs=2, early_stopping=NO_STOP))
    wait_done(window, qtbot)
    record = window.runs.current
    assert len(record.epochs) == 2 and record.ended.reason is StopReason.COMPLETED
    assert window.training_view.results.reason.text().startswith("Finished all 2 epochs")
    window.dialogs.save_answer = tmp_path / "m.pt"
    window.export_button.click()
    qtbot.waitUntil(lambda: bool(window.dialogs.infos), timeout=20_000)
    assert torch.load(tmp_path / "m.pt", weights_only=True)["format"] == "workbench-model"
    assert not hasattr(window.runs, "trainer")  # the window holds no trainer, model or tensor


def _lost_and_back(window: Any, qtbot: QtBot, said: str) -> None:
    """The window says what happened, keeps the curves so far, and trains again."""
    wait_done(window, qtbot)
    text = window.training_view.results.reason.text()
    assert text.startswith(LOST) and said in text and window.isVisible()
    assert window.runs.current.epochs  # the curves so far
    assert not window.runs.exportable and window.train_button.isEnabled()
    window.runs.backend.initializer = None
    start(window, qtbot, tiny(epochs=1, early_stopping=NO_STOP))
    wait_done(window, qtbot)
    assert window.runs.current.ended.reason is StopReason.COMPLETED and window.runs.exportable


def test_a_killed_training_process_leaves_the_window_up(process_window: Any, qtbot: QtBot) -> None:
    window = process_window
    start(window, qtbot, tiny(epochs=100_000, early_stopping=NO_STOP))
    qtbot.waitUntil(lambda: len(window.runs.current.epochs) >= 1, timeout=RUN_TIMEOUT)
    os.kill(window.runs.backend.pid, signal.SIGKILL)
    _lost_and_back(window, qtbot, "SIGKILL")


def test_a_crash_inside_training_leaves_the_window_up(process_window: Any, qtbot: QtBot) -> None:
    window = process_window
    window.runs.backend.close()
    window.runs.backend = ProcessBackend(window.runs.bridge.emit_event, initializer=crash_in_the_second_epoch)
    start(window, qtbot, tiny(epochs=5, early_stopping=NO_STOP))
    _lost_and_back(window, qtbot, "segmentation fault")


def test_an_unknown_back_end_is_named_and_train_waits(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.gui.conftest import FakeDialogs
    from workbench.gui import create_main_window

    monkeypatch.setenv("WORKBENCH_SETTINGS_DIR", str(tmp_path))
    monkeypatch.setenv("WORKBENCH_BACKEND", "fork")
    window: Any = create_main_window()
    window.dialogs = FakeDialogs()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: "WORKBENCH_BACKEND" in window.engine_state, timeout=RUN_TIMEOUT)
    assert not window.train_button.isEnabled()
    assert "WORKBENCH_BACKEND='fork': choose one of thread, process" in window.train_button.toolTip()


def test_a_train_pressed_before_the_process_is_warm_says_pytorch_is_loading(window: Any, qtbot: QtBot) -> None:
    """Train is usable as the window shows; pressed before the training process has PyTorch warm,
    the run waits for it and the run bar says why, until the process's Ready comes."""
    from workbench.engine.session import Ready
    from workbench.i18n import _

    window.runs.warm = False  # as in the window's first seconds
    start(window, qtbot, tiny(epochs=2, early_stopping=NO_STOP))
    assert window.progress.format() == _("loading PyTorch…")
    window.runs.on_message(Ready(("cpu",)))
    assert window.runs.warm and window.progress.format() == _("starting…")
    wait_done(window, qtbot)
    assert window.runs.current.ended.reason is StopReason.COMPLETED
