"""Exercises in the window: the list with each one's state and best result, an exercise opened
with its locked settings greyed out and kept, its goal ticking while the run trains, hints one at
a time, solved or what is missing at the end, and each ended run kept as an attempt."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox
from pytestqt.qtbot import QtBot

from tests.engine.helpers import tiny
from tests.gui.conftest import Answer
from tests.gui.helpers import wait_done
from workbench.gui.exercise_session import Attempts, Standing, attempts_path
from workbench.gui.forms.model_form import BuddyLabel, place_text

NO_STOP = {"enabled": False}


def _bundle(tmp_path: Path, at_least: float = 0.0, epochs: int = 3, locked: tuple[str, ...] = ()) -> Path:
    experiment = json.loads(tiny(epochs=epochs, early_stopping=NO_STOP).to_json())
    exercise = {
        "id": "moons",
        "title": {"en": "Two moons", "zh_CN": "两个月亮"},
        "goal": {"en": "Separate the moons with the layers given."},
        "experiment": experiment,
        "locked": ["dataset", "network", *locked],
        "conditions": [
            {"kind": "metric", "metric": "val_accuracy", "at_least": at_least},
            {"kind": "epochs", "at_most": max(epochs, 5)},
        ],
        "hints": [{"en": "Look at the learning rate."}, {"en": "Try 0.1."}],
        "explanation": {"en": "A hidden layer bends the boundary."},
    }
    second = dict(exercise, id="again", title={"en": "Again"})
    bundle = {"format": "workbench-exercises", "title": {"en": "Week 1"}, "exercises": [exercise, second]}
    path = tmp_path / f"week{at_least}-{epochs}-{len(locked)}.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")
    return path


def _row(window: Any, place: str) -> BuddyLabel:
    return next(label for label in window.findChildren(BuddyLabel) if place_text(label.place) == place)


def _open(window: Any, path: Path, index: int = 0) -> None:
    window.dialogs.exercise_answer = index
    window.open_exercises(path)


def test_an_exercise_opens_with_its_settings_locked(window: Any, qtbot: QtBot, tmp_path: Path) -> None:
    path = _bundle(tmp_path)
    _open(window, path)
    rows = window.dialogs.exercises_offered
    assert [(r.title, r.standing) for r in rows] == [
        ("Two moons", Standing.NOT_STARTED),
        ("Again", Standing.NOT_STARTED),
    ]
    assert window.exercise_dock.isVisible() and window.exercise is not None
    assert window.document.spec.dataset.kind == "moons" and window.document.exercise.id == "moons"
    samples = _row(window, "dataset.n_samples")
    assert not samples.isEnabled() and not samples.buddy().isEnabled()
    assert "Locked by the exercise" in samples.toolTip()
    assert not window.findChild(type(window.layer_editor.add_button), "addLayerButton").isEnabled()
    assert _row(window, "training.batch_size").buddy().isEnabled()  # free: the exercise locks no training
    # Whatever asks (a form, a key, a drag): the document keeps a locked setting as it is.
    before = window.document.spec
    window.document.set_dataset(before.dataset.model_copy(update={"n_samples": 300}))
    assert window.document.spec == before and "(dataset)" in window.statusBar().currentMessage()
    window.layer_editor.remove_selected()
    assert window.document.spec == before and "(network)" in window.statusBar().currentMessage()
    training = before.training.model_copy(update={"batch_size": 8})
    window.document.set_training(training)
    assert window.document.spec.training.batch_size == 8  # the free ones change
    # Hints, one at a time.
    panel = window.exercise_panel
    assert panel.hint_button.text() == "Show a hint (1 of 2)" and panel.hints.count() == 0
    qtbot.mouseClick(panel.hint_button, Qt.MouseButton.LeftButton)
    assert panel.hints.count() == 1 and "learning rate" in panel.hints.itemAt(0).widget().text()
    qtbot.mouseClick(panel.hint_button, Qt.MouseButton.LeftButton)
    assert panel.hints.count() == 2 and not panel.hint_button.isVisibleTo(panel)
    # Leaving gives every setting back; another experiment opened leaves too.
    window.leave_exercise()
    assert samples.isEnabled() and samples.buddy().isEnabled() and not window.exercise_dock.isVisible()
    window.document.set_dataset(before.dataset.model_copy(update={"n_samples": 300}))
    assert window.document.spec.dataset.n_samples == 300
    _open(window, path, 1)
    assert window.exercise is None and window.dialogs.asked == 1  # unsaved changes: kept (Cancel)
    window.dialogs.answer = Answer.DISCARD
    _open(window, path, 1)
    assert window.exercise.exercise.id == "again" and panel.hints.count() == 0
    assert window.document.exercise.id == "again" and not samples.isEnabled()  # one exercise after another
    window.new()
    assert window.exercise is None and window.document.exercise is None


def test_the_goal_ticks_while_the_run_trains_and_an_attempt_is_kept(window: Any, qtbot: QtBot, tmp_path: Path) -> None:
    _open(window, _bundle(tmp_path))
    panel = window.exercise_panel
    assert panel.rows[0].text() == "○ validation accuracy at least 0%" and "Train (F5)" in panel.verdict.text()
    qtbot.mouseClick(window.train_button, Qt.MouseButton.LeftButton)
    wait_done(window, qtbot)
    assert [row.property("met") for row in panel.rows] == [True, True]
    assert panel.rows[1].text() == "✓ at most 5 epochs: the run trained 3"
    assert panel.verdict.text() == "Solved!" and panel.explanation.isVisibleTo(panel)
    assert "bends the boundary" in panel.explanation.text()
    attempts = Attempts(attempts_path())  # kept on disk, read afresh
    key = window.exercise.key
    [attempt] = attempts.of(key)
    assert attempt.solved and attempt.met == 2 and attempt.result == window.runs.current.logs["val_accuracy"][-1]
    assert attempts.standing(key) is Standing.SOLVED
    window.dialogs.exercise_answer = None
    window.choose_exercise()
    first = window.dialogs.exercises_offered[0]
    assert first.standing is Standing.SOLVED and first.best.startswith("val_accuracy ")
    assert len(first.attempts) == 1 and first.attempts[0].endswith(" · solved") and first.best in first.attempts[0]


def test_the_checklist_ticks_while_the_run_trains(window: Any, qtbot: QtBot, tmp_path: Path) -> None:
    _open(window, _bundle(tmp_path, epochs=2000))
    panel = window.exercise_panel
    qtbot.mouseClick(window.train_button, Qt.MouseButton.LeftButton)
    window.dialogs.exercise_answer, window.dialogs.exercises_offered = 1, []
    window.exercise_panel.list_requested.emit()  # All exercises…, under a run: said why not, nothing opened
    assert window.dialogs.exercises_offered == [] and window.exercise.exercise.id == "moons"
    assert "A run is under way" in window.statusBar().currentMessage()
    qtbot.waitUntil(lambda: panel.rows[0].property("met") is True, timeout=60_000)
    assert window.runs.running and panel.rows[0].text().startswith("✓ validation accuracy at least 0%: the run has ")
    assert panel.rows[1].property("met") is True  # epochs so far within the limit
    assert panel.verdict.text() == "Checked as the run trains: 2 of 2 met so far."
    window.stop()
    wait_done(window, qtbot)
    assert window.exercise.solved and panel.verdict.text() == "Solved!"  # stopped by the student: still a run


def test_a_run_continued_past_the_locked_epochs_does_not_count(window: Any, qtbot: QtBot, tmp_path: Path) -> None:
    _open(window, _bundle(tmp_path, locked=("training.epochs",)))
    qtbot.mouseClick(window.train_button, Qt.MouseButton.LeftButton)
    wait_done(window, qtbot)
    assert window.exercise.solved and len(Attempts(attempts_path()).of(window.exercise.key)) == 1
    qtbot.mouseClick(window.continue_button, Qt.MouseButton.LeftButton)
    wait_done(window, qtbot)
    panel = window.exercise_panel
    assert window.exercise.outside == ["training.epochs"] and not window.exercise.solved
    assert "(training.epochs), so it does not count" in panel.verdict.text()
    assert window.exercise.checked == []
    assert len(Attempts(attempts_path()).of(window.exercise.key)) == 1  # the continued run is no attempt


def test_a_run_short_of_the_goal_says_what_is_missing(window: Any, qtbot: QtBot, tmp_path: Path) -> None:
    _open(window, _bundle(tmp_path, at_least=1.01))
    qtbot.mouseClick(window.train_button, Qt.MouseButton.LeftButton)
    wait_done(window, qtbot)
    panel = window.exercise_panel
    assert [row.property("met") for row in panel.rows] == [False, True]
    assert panel.rows[0].text().startswith("✗ validation accuracy at least 101%: the run has ")
    assert "1 condition is not met" in panel.verdict.text() and not panel.explanation.isVisibleTo(panel)
    assert Attempts(attempts_path()).standing(window.exercise.key) is Standing.TRIED


def test_a_bundle_on_the_command_line_opens_its_list(qtbot: QtBot, tmp_path: Path, monkeypatch: Any) -> None:
    from tests.gui.conftest import FakeDialogs
    from workbench.gui import create_main_window

    monkeypatch.setenv("WORKBENCH_SETTINGS_DIR", str(tmp_path / "settings"))
    monkeypatch.setenv("WORKBENCH_BACKEND", "thread")
    win = create_main_window(_bundle(tmp_path))
    win.dialogs = FakeDialogs()  # type: ignore[assignment]
    win.dialogs.exercise_answer = 1
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.exercise is not None)
    assert [r.title for r in win.dialogs.exercises_offered] == ["Two moons", "Again"]
    assert win.exercise.exercise.id == "again" and win.document.exercise is not None
    qtbot.waitUntil(lambda: win.engine_ready, timeout=60_000)
    win.close()
    from workbench.spec.course import course_path

    monkeypatch.chdir(tmp_path)  # no file named "course" here: the built-in course
    course = create_main_window("course")
    qtbot.addWidget(course)
    assert course.exercises_to_open == course_path()


def test_the_list_shows_each_exercise_s_state_best_result_and_attempts(qtbot: QtBot) -> None:
    from workbench.gui.exercise_session import Attempt
    from workbench.gui.exercise_view import ExerciseRow, ExercisesDialog, attempt_line

    lines = (attempt_line(Attempt(0.0, False, 1, 2, 0.5), "val_accuracy"),)
    rows = [
        ExerciseRow("Normalize", "Make the data comparable.", Standing.SOLVED, "val_accuracy 0.97"),
        ExerciseRow("Optimizers", "Reach 0.9 in 5 epochs.", Standing.TRIED, "val_accuracy 0.5", lines),
        ExerciseRow("Dropout", "Stop overfitting.", Standing.NOT_STARTED, ""),
    ]
    dialog = ExercisesDialog("Course", rows)
    qtbot.addWidget(dialog)
    table = dialog.list
    cells = [[table.topLevelItem(n).text(c) for c in range(3)] for n in range(3)]
    assert cells[1] == ["2. Optimizers", "tried", "val_accuracy 0.5"] and cells[0][1] == "solved"
    assert dialog.chosen() == 1  # the first exercise not solved yet
    assert dialog.goal.text().splitlines() == [
        "Reach 0.9 in 5 epochs.",
        "",
        "Your attempts (the newest first):",
        lines[0],
    ]
    assert lines[0].endswith(" · val_accuracy 0.5 · 1 of 2 met")


def test_the_course_comes_with_workbench(window: Any) -> None:
    from workbench.spec.course import load_course

    course = load_course()
    window.dialogs.exercise_answer = 1
    window.course_action.trigger()
    assert [r.title for r in window.dialogs.exercises_offered] == [e.title.en for e in course.exercises]
    spec = window.document.spec
    assert spec.training == course.exercises[1].experiment.training and spec.name == "SGD, Adam or Adagrad"
    assert window.exercise.exercise.id == "choose_optimizer" and window.windowTitle().startswith("SGD, Adam or Adagrad")
    combo = window.findChild(QComboBox, "optimizerCombo")
    combo.setCurrentIndex(combo.findData("Adam"))  # Adam's own rate is 0.001: the exercise keeps its 0.01
    assert window.document.spec.training.optimizer.name == "Adam" and window.document.spec.training.optimizer.lr == 0.01
    assert "(training.optimizer.lr)" in window.statusBar().currentMessage()
    lr = _row(window, "training.optimizer.lr")
    assert not lr.buddy().isEnabled()  # the exercise keeps the rate: only the optimizer's kind is free
    assert window.findChild(QComboBox, "optimizerCombo").isEnabled()
    window.dialogs.answer = Answer.DISCARD  # Adam chosen: not to be saved
    window.dialogs.exercise_answer = 0  # "Normalize the inputs" locks the data's kind, not its normalization
    window.course_action.trigger()
    assert not window.findChild(QComboBox, "datasetKindCombo").isEnabled()
    assert _row(window, "dataset.normalize.mode").buddy().isEnabled()
    window.dialogs.exercise_answer = 6  # "Read the digits row by row": the layer stays an LSTM, its size is free
    window.course_action.trigger()
    window.layer_editor.select(0)
    assert not window.layer_editor.type_combo.isEnabled() and window.layer_editor.add_button.isEnabled()
    assert _row(window, "network.layers[0].hidden_size").buddy().isEnabled()


def test_a_window_opened_again_shows_no_exercise_panel(qtbot: QtBot, tmp_path: Path, monkeypatch: Any) -> None:
    from tests.gui.conftest import FakeDialogs
    from workbench.gui import create_main_window

    monkeypatch.setenv("WORKBENCH_SETTINGS_DIR", str(tmp_path / "settings"))
    monkeypatch.setenv("WORKBENCH_BACKEND", "thread")
    first = create_main_window()
    first.dialogs = FakeDialogs()  # type: ignore[assignment]
    qtbot.addWidget(first)
    first.show()
    qtbot.waitUntil(lambda: first.engine_ready, timeout=60_000)
    _open(first, _bundle(tmp_path))
    assert first.exercise_dock.isVisible()
    first.close()  # its layout saved with the panel shown
    second = create_main_window()
    qtbot.addWidget(second)
    second.show()
    assert not second.exercise_dock.isVisible() and second.exercise is None
    qtbot.waitUntil(lambda: second.engine_ready, timeout=60_000)
    second.close()
