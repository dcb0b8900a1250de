"""Exercises in the window (a mixin of the main window): the course's list, an exercise opened
with its locked settings greyed out and kept as they are, its goal ticking while the run trains,
hints one at a time, and each ended run kept as an attempt (`exercise_session`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QDockWidget, QMainWindow, QScrollArea

from ..i18n import _
from ..spec import SpecError
from ..spec.exercise import ExerciseBundle, load_bundle, score_of
from .dialogs import Dialogs
from .document import ExperimentDocument
from .exercise_session import Attempts, ExerciseSession, attempt_key, attempts_path
from .exercise_view import ExercisePanel, ExerciseRow, attempt_line, mark_locked
from .window_state import Act, controls

if TYPE_CHECKING:  # mixed into QtMainWindow, a QMainWindow, beside its file flows
    from collections.abc import Callable

    from .panels.layer_editor import QtLayerEditor
    from .run import RunController
    from .window_state import WindowState

    _Window = QMainWindow
else:
    _Window = object


def built_in_course() -> Path:
    """The course that comes with Workbench (Exercises > Course)."""
    from ..spec.course import course_path

    return course_path()


class ExerciseFlows(_Window):
    """Exercises > Course, Open exercises…, and the exercise panel's hints, list and leave."""

    document: ExperimentDocument
    dialogs: Dialogs
    runs: RunController
    layer_editor: QtLayerEditor
    left_dock: QDockWidget
    right_dock: QDockWidget

    if TYPE_CHECKING:  # the file flows' and the window's

        def _agree_to_leave(self, action: str, then: Callable[[], object]) -> Callable[[], None] | None: ...
        def show_state(self) -> None: ...
        def window_state(self) -> WindowState: ...

    def _build_exercises(self) -> None:
        """The exercise panel (a dock below the training settings, shown while an exercise is open)."""
        self.exercise: ExerciseSession | None = None
        self.bundle: ExerciseBundle | None = None
        self.exercises_to_open: Path | None = None  # a bundle given on the command line
        self.exercise_panel = ExercisePanel()
        self.exercise_panel.hint_requested.connect(self.show_hint)
        self.exercise_panel.list_requested.connect(self.choose_exercise)
        self.exercise_panel.leave_requested.connect(self.leave_exercise)
        area = QScrollArea()
        area.setWidget(self.exercise_panel)
        area.setWidgetResizable(True)
        area.setFrameShape(QScrollArea.Shape.NoFrame)
        self.exercise_dock = QDockWidget(_("Exercise"), self)
        self.exercise_dock.setObjectName("exerciseDock")
        self.exercise_dock.setWidget(area)
        self.exercise_dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable | QDockWidget.DockWidgetFeature.DockWidgetFloatable
        )
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.exercise_dock)
        self.exercise_dock.hide()
        self.attempts = Attempts(attempts_path())
        self.document.changed.connect(lambda _spec: self._mark_locked())
        self.document.file_changed.connect(self._exercise_left_behind)
        self.document.refused.connect(self._refused)
        self.layer_editor.layer_selected.connect(lambda _part, _row: self._mark_locked())
        self.runs.state_changed.connect(self._exercise_run_changed)
        self.runs.redraw.connect(self._exercise_tick)

    # --- choosing ------------------------------------------------------------------------------

    @Slot()
    def open_course(self) -> None:
        """Exercises > Course: the exercises that come with Workbench."""
        self.open_exercises(built_in_course())

    @Slot()
    def open_exercises_dialog(self) -> None:
        """Exercises > Open exercises…: a teacher's exercise file or bundle."""
        path = self.dialogs.open_exercises_path(self.document.base_dir)
        if path is not None:
            self.open_exercises(path)

    def open_exercises(self, path: Path) -> None:
        """Read a bundle (or one exercise) and list its exercises to choose from; a bad file is
        said, and changes nothing."""
        try:
            bundle = load_bundle(path)
        except SpecError as exc:
            self.dialogs.error(_("Cannot open these exercises"), str(exc))
            return
        self.bundle = bundle
        self.choose_exercise()

    @Slot()
    def choose_exercise(self) -> None:
        """The list of the course's exercises, with where the student stands in each."""
        bundle = self.bundle
        if self.runs.running:  # an exercise replaces the experiment: not under a run (the menu says so too)
            self.statusBar().showMessage(controls(self.window_state())[Act.EXERCISES].why, 6000)
            return
        if bundle is None:
            self.open_course()
            return
        rows = []
        for exercise in bundle.exercises:
            key, goal = attempt_key(bundle.title, exercise), score_of(exercise)
            best = self.attempts.best(key, goal)
            shown = f"{goal.metric} {best:.4g}" if goal is not None and best is not None else ""
            lines = tuple(attempt_line(a, goal.metric if goal else None) for a in reversed(self.attempts.of(key)))
            standing = self.attempts.standing(key)
            rows.append(ExerciseRow(exercise.title.said(), exercise.goal.said(), standing, shown, lines))
        chosen = self.dialogs.choose_exercise(bundle.title.said(), rows)
        if chosen is not None:
            self.start_exercise(chosen)

    def start_exercise(self, index: int) -> None:
        """Open exercise `index` of the bundle: its experiment, its locked settings, its panel."""
        assert self.bundle is not None
        if self.runs.running:
            return
        exercise = self.bundle.exercises[index]
        left = self._agree_to_leave(_("opening an exercise"), lambda: self.start_exercise(index))
        if left is None:
            return
        self.exercise = ExerciseSession(self.bundle.title, exercise)  # first: the one before is over, not this
        # Named by the exercise, in the student's language (the file's name and description are a preset's).
        named = exercise.experiment.model_copy(update={"name": exercise.title.said(), "description": ""})
        self.document.replace(named, None, exercise)
        left()
        self.exercise_panel.clear_hints()
        if not self.exercise_dock.isVisible():
            self._place_exercise_dock()
        self._mark_locked()
        self._show_exercise()

    def _place_exercise_dock(self) -> None:
        """Above the training settings, with a good share of the column (the goal and its checklist
        are what the student watches); a tab beside the settings where they are tabs (a small screen)."""
        if self.tabifiedDockWidgets(self.right_dock):
            self.tabifyDockWidget(self.right_dock, self.exercise_dock)
            self.exercise_dock.show()
            self.exercise_dock.raise_()
            return
        self.splitDockWidget(self.right_dock, self.exercise_dock, Qt.Orientation.Vertical)
        self.exercise_dock.show()
        self.splitDockWidget(self.exercise_dock, self.right_dock, Qt.Orientation.Vertical)  # the goal first
        height = max(self.right_dock.height(), 400)
        self.resizeDocks(
            [self.exercise_dock, self.right_dock], [height * 11 // 20, height * 9 // 20], Qt.Orientation.Vertical
        )

    @Slot()
    def leave_exercise(self) -> None:
        """Stop doing the exercise: its experiment stays, every setting free again."""
        self.exercise = None
        self.document.exercise = None
        self.exercise_dock.hide()
        self._mark_locked()

    @Slot()
    def _exercise_left_behind(self) -> None:
        """Another experiment was opened (New, Open, a saved run): the exercise is over."""
        if self.exercise is not None and self.document.exercise is not self.exercise.exercise:
            self.leave_exercise()

    @Slot()
    def show_hint(self) -> None:
        """Reveal the next hint."""
        if self.exercise is not None and self.exercise.next_hint() is not None:
            self._show_exercise()

    # --- while it trains -----------------------------------------------------------------------

    @Slot()
    def _exercise_run_changed(self) -> None:
        session, record = self.exercise, self.runs.current
        if session is None or record is None:
            return
        if self.runs.running and self.runs.opening is None and record is not session.watched:
            session.watch(record)  # a run started while the exercise is open
        if record is not session.watched:
            return
        attempt = session.attempt()
        if attempt is not None:
            self.attempts.add(session.key, attempt)
        session.tick()
        self._show_exercise()

    @Slot()
    def _exercise_tick(self) -> None:
        if self.exercise is not None and self.exercise.watched is self.runs.current and self.exercise.tick():
            self._show_exercise()

    def _show_exercise(self) -> None:
        session = self.exercise
        if session is not None:
            self.exercise_panel.show_session(session, self.attempts.of(session.key), self.runs.running)

    def _mark_locked(self) -> None:
        exercise = self.document.exercise
        locked = list(exercise.locked) if exercise is not None else []
        for dock in (self.left_dock, self.right_dock):
            mark_locked(dock, locked)
        structure = any(place in ("network", "network.layers", "network.decoder") for place in locked)
        editor = self.layer_editor
        selected = f"network.{editor.part}[{editor.selected_index()}]"
        editor.lock_structure(structure, any(place in (selected, f"{selected}.type") for place in locked))

    @Slot(list)
    def _refused(self, places: list[str]) -> None:
        self.statusBar().showMessage(
            _("The exercise locks this setting ({places}): it stays as it is.").format(places=", ".join(places)), 6000
        )
