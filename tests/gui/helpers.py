"""Shared window-test helpers: start a run with the Train button, wait for it to end."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from workbench.spec import ExperimentSpec

RUN_TIMEOUT = 60_000


def start(window: Any, qtbot: QtBot, experiment: ExperimentSpec) -> None:
    window.document.replace(experiment, None)
    assert window.train_button.isEnabled(), window.train_button.toolTip()
    qtbot.mouseClick(window.train_button, Qt.MouseButton.LeftButton)
    assert window.runs.running


def wait_done(window: Any, qtbot: QtBot) -> None:
    qtbot.waitUntil(lambda: not window.runs.running, timeout=RUN_TIMEOUT)
    qtbot.wait(120)  # one redraw tick
