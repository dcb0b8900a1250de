"""Helpers for window tests: a window whose dialogs answer at once."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from workbench.gui import create_main_window
from workbench.gui.collector import INSTALLED, QtGuiThreadCollector
from workbench.gui.dialogs import Answer


@pytest.fixture(autouse=True)
def _collect_qt_garbage_here() -> Iterator[None]:
    """Collect each test's garbage on the GUI thread when it ends, then give automatic collection
    back to the tests that follow (a window switches it off for its process: workbench.gui.collector)."""
    yield
    gc.collect()
    app = QApplication.instance()
    collector = app.findChild(QtGuiThreadCollector, INSTALLED) if app is not None else None
    if collector is not None:
        collector.stop()


class FakeDialogs:
    """Answers every question from its attributes and records what was shown."""

    def __init__(self) -> None:
        self.answer = Answer.CANCEL
        self.open_answer: Path | None = None
        self.save_answer: Path | None = None
        self.errors: list[tuple[str, str]] = []
        self.infos: list[tuple[str, str]] = []
        self.asked = 0
        self.run_answer: Answer | None = None  # for unexported_run; None: the same as `answer`
        self.run_questions: list[tuple[str, str]] = []
        self.preset_answer: str | None = None
        self.presets_offered: list[Any] = []
        self.vary_accept = True  # the vary dialog: Queue the runs as it was filled in (else Cancel)
        self.vary_dialog: Any = None
        self.stop_sweep_answer = True
        self.exercise_answer: int | None = None  # the exercise chosen in the list (None: Close)
        self.exercises_offered: list[Any] = []
        self.stop_sweep_asked: list[int] = []

    def unsaved_changes(self, title: str) -> Answer:
        self.asked += 1
        return self.answer

    def choose_preset(self, presets: list[Any]) -> str | None:
        self.presets_offered = presets
        return self.preset_answer

    def unexported_run(self, run: str, action: str) -> Answer:
        self.run_questions.append((run, action))
        return self.run_answer or self.answer

    def open_path(self, start: Path | None) -> Path | None:
        return self.open_answer

    def open_model_path(self, start: Path | None) -> Path | None:
        return self.open_answer

    def open_picture_path(self, start: Path | None) -> Path | None:
        return self.open_answer

    def save_path(self, suggestion: Path, title: str = "", filters: str = "") -> Path | None:
        return self.save_answer

    def export_path(self, suggestion: Path, formats: dict[str, str], title: str = "") -> Path | None:
        self.formats, self.suggested = formats, suggestion
        return self.save_answer

    def vary(self, experiment: Any, variants: bool, seeds: int, place: str | None = None) -> Any:
        from workbench.gui.vary_dialog import VaryDialog

        self.vary_dialog = VaryDialog(experiment, variants, seeds, None, place)
        return self.vary_dialog.chosen() if self.vary_accept else None

    def open_sweep_path(self, start: Path) -> Path | None:
        return self.open_answer

    def choose_exercise(self, course: str, rows: list[Any]) -> int | None:
        self.exercises_offered = rows
        return self.exercise_answer

    def open_exercises_path(self, start: Path | None) -> Path | None:
        return self.open_answer

    def stop_sweep(self, count: int, folder: Path) -> bool:
        self.stop_sweep_asked.append(count)
        return self.stop_sweep_answer

    def error(self, title: str, text: str) -> None:
        self.errors.append((title, text))

    def info(self, title: str, text: str) -> None:
        self.infos.append((title, text))


def _window(qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, backend: str) -> Iterator[Any]:
    monkeypatch.setenv("WORKBENCH_SETTINGS_DIR", str(tmp_path / "settings"))
    monkeypatch.setenv("WORKBENCH_BACKEND", backend)
    win = create_main_window()
    win.dialogs = FakeDialogs()  # type: ignore[attr-defined]
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.engine_ready, timeout=60_000)  # type: ignore[attr-defined]
    yield win
    win.dialogs.answer = Answer.DISCARD  # type: ignore[attr-defined]
    win.close()


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The main window on the default experiment, with fake dialogs and settings of its own
    (a first launch: no saved layout or recent files from other tests). Runs train on a worker
    thread: a training process per window would cost each test seconds of start-up."""
    yield from _window(qtbot, tmp_path, monkeypatch, "thread")


@pytest.fixture
def process_window(qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The same window, training in a process of its own."""
    yield from _window(qtbot, tmp_path, monkeypatch, "process")
