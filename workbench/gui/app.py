"""Application start-up: the main window on a qasync event loop."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtWidgets import QApplication, QMessageBox

from ..i18n import DEFAULT, set_language
from ..spec import ExperimentSpec, SpecError, default_experiment
from .main_window import QtMainWindow
from .platform_check import platform_problem
from .settings import saved_language


def create_main_window(experiment_path: str | Path | None = None) -> QtMainWindow:
    """Build the main window on an experiment file (default: the built-in digits preset).

    No event loop is started, so tests and scripts can drive and grab the window.
    """
    if QApplication.instance() is None:
        QApplication(sys.argv[:1])
    QApplication.setApplicationName("Workbench")
    QApplication.setOrganizationName("Workbench")
    experiment = ExperimentSpec.load(experiment_path) if experiment_path else default_experiment()
    return QtMainWindow(experiment, Path(experiment_path) if experiment_path else None)


_qt_translator: QTranslator | None = None  # kept: Qt holds only a pointer to an installed translator


def speak_qt(language: str) -> None:
    """Let Qt's own words (Cancel, Save, Discard in standard dialogs, the undo menu's Undo and
    Redo) follow `language`, from the translations shipped with PySide6, and format numbers for
    it (`language`'s locale)."""
    global _qt_translator
    app = QApplication.instance()
    if _qt_translator is not None and app is not None:
        app.removeTranslator(_qt_translator)
        _qt_translator = None
    if language == DEFAULT or app is None:
        return
    QLocale.setDefault(QLocale(language))
    translator = QTranslator()
    if translator.load(f"qtbase_{language}", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(translator)
        _qt_translator = translator


async def _until_quit(app: QApplication) -> None:
    closed = asyncio.Event()
    app.aboutToQuit.connect(closed.set)
    await closed.wait()


def main(experiment_path: str | Path | None = None, language: str | None = None) -> int:
    """Open the window and run the Qt event loop under qasync until the window closes.

    Returns 2, having said what to install, when the desktop lacks libraries Qt needs.
    """
    import qasync

    problem = platform_problem()
    if problem and QApplication.instance() is None:
        print(problem, file=sys.stderr)
        return 2

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Workbench")
    app.setOrganizationName("Workbench")
    speak_qt(set_language(language or saved_language()))  # --lang, else View > Language's, else the system's
    try:
        window = create_main_window(experiment_path)
    except SpecError as exc:
        QMessageBox.critical(None, "Workbench", str(exc))  # the spec's sentence, translated there
        return 2
    window.show_on_screen()
    try:
        qasync.run(_until_quit(app))
    except asyncio.CancelledError:
        pass
    return 0
