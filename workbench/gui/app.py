"""Application start-up: the main window on a qasync event loop."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from PySide6.QtCore import QLibraryInfo, QLocale, QSize, QTranslator
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from .. import APP_ID
from ..engine.sweep_folder import PLAN_FILE, SweepFolder, SweepFolderError
from ..i18n import DEFAULT, set_language
from ..spec import ExperimentSpec, SpecError, default_experiment, find_experiment, presets_dir
from ..spec.exercise import holds_exercises
from ..spec.presets import resources_dir
from .collector import collect_on_gui_thread
from .main_window import QtMainWindow
from .platform_check import platform_problem
from .settings import saved_language

COURSE = "course"  # `workbench course`: the course that comes with Workbench, its list over the window


def create_main_window(path: str | Path | None = None) -> QtMainWindow:
    """Build the main window on an experiment file or a preset's name (default: the built-in digits
    preset), on the run saved in a model file (`.pt`: taken up once PyTorch has loaded), on a
    sweep's folder (its window opens once PyTorch has loaded), or on an exercise file or bundle
    (its list of exercises opens over the window; `course`: the built-in course's).

    No event loop is started, so tests and scripts can drive and grab the window.
    """
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    collect_on_gui_thread(app)  # never in a training or job thread: Qt objects may be in the garbage
    QApplication.setApplicationName("Workbench")
    QApplication.setOrganizationName("Workbench")
    QApplication.setDesktopFileName(APP_ID)  # the desktop matches the window to its menu entry
    QApplication.setWindowIcon(app_icon())
    if path is not None and Path(path).suffix.lower() == ".pt":
        window = QtMainWindow(default_experiment(), None)
        window.open_run_when_ready(Path(path))
        return window
    if path is not None and (Path(path) / PLAN_FILE).is_file():  # a sweep's folder: its experiment, its window
        try:
            experiment = SweepFolder.open(Path(path)).experiment
        except SweepFolderError:
            experiment = default_experiment()  # the sweep window says what is wrong with the folder
        window = QtMainWindow(experiment, None)
        window.sweep_to_open = Path(path)
        return window
    course = path is not None and str(path) == COURSE and not Path(path).exists()  # `workbench course`
    if path is not None and (course or holds_exercises(Path(path))):  # exercises: their list, over the window
        from ..spec.course import course_path

        window = QtMainWindow(default_experiment(), None)
        window.exercises_to_open = course_path() if course else Path(path)
        return window
    found = find_experiment(path) if path else None
    if found is not None and found.parent == presets_dir():  # a preset opens as a new, unsaved copy
        return QtMainWindow(ExperimentSpec.load(found), None)
    return QtMainWindow(ExperimentSpec.load(found) if found else default_experiment(), found)


def app_icon() -> QIcon:
    """Workbench's icon: the SVG, and the PNGs rendered from it for the small sizes."""
    icons = resources_dir() / "icons"
    icon = QIcon(str(icons / "workbench.svg"))
    for png in sorted((icons / "png").glob("*.png")):
        icon.addFile(str(png), QSize(int(png.stem), int(png.stem)))
    return icon


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
    """Open the window (on an experiment file, a preset's name or a model file's run) and run the
    Qt event loop under qasync until the window closes.

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
