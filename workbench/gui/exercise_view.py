"""The exercises in the window: the list of a course's exercises with where the student stands
(`ExercisesDialog`), the panel of the exercise being done (`ExercisePanel`: its goal as a checklist
that ticks while the run trains, hints one at a time, the explanation once solved), and the forms'
locked settings greyed out (`mark_locked`). They render an `exercise_session.ExerciseSession`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..i18n import _, ngettext
from ..spec.exercise import Checked, asked
from .exercise_session import Attempt, ExerciseSession, Standing
from .forms.model_form import BuddyLabel, UnionForm, place_text
from .theme import Tone, style
from .wrapped_label import WrappedLabel

LOCKED_PROPERTY = "exerciseLocked"  # on a widget greyed out because the exercise locks its setting
MAX_SHOWN = 5  # attempts listed under an exercise's goal
FREE_TIP = "freeTip"  # a locked row's own tooltip, given back when it is free again


@dataclass(frozen=True)
class ExerciseRow:
    """One exercise in the list: its title, goal, where the student stands and the best result."""

    title: str
    goal: str
    standing: Standing
    best: str  # "val_accuracy 0.962"; "" when there is none
    attempts: tuple[str, ...] = ()  # the newest first, one line each (`attempt_line`)


def attempt_line(attempt: Attempt, metric: str | None) -> str:
    """One attempt in the list: when, its result, and solved or how many conditions it met."""
    when = datetime.fromtimestamp(attempt.when).strftime("%Y-%m-%d %H:%M")
    result = f" · {metric} {attempt.result:.4g}" if metric and attempt.result is not None else ""
    met = _("solved") if attempt.solved else _("{met} of {total} met").format(met=attempt.met, total=attempt.total)
    return f"{when}{result} · {met}"


class ExercisesDialog(QDialog):
    """A course's exercises, each with its state and best result; Open starts the one chosen."""

    def __init__(self, course: str, rows: list[ExerciseRow], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Exercises"))
        self.setObjectName("exercisesDialog")
        self.rows = rows
        self.list = QTreeWidget()
        self.list.setObjectName("exerciseList")
        self.list.setRootIsDecorated(False)
        self.list.setHeaderLabels([_("Exercise"), _("State"), _("Best result")])
        for n, row in enumerate(rows):
            item = QTreeWidgetItem([f"{n + 1}. {row.title}", _(row.standing.value), row.best])
            if row.standing is Standing.SOLVED:
                item.setForeground(1, self.palette().link())
            self.list.addTopLevelItem(item)
        header = self.list.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(False)
        self.goal = WrappedLabel()
        self.goal.setObjectName("exerciseGoal")
        self.goal.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.list.currentItemChanged.connect(lambda _item, _old: self._describe())
        self.list.itemDoubleClicked.connect(lambda _item, _column: self.accept())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Close)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        heading = QLabel(course)
        heading.setObjectName("courseTitle")
        heading.setStyleSheet("font-weight: bold")
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(
            WrappedLabel(_("Each exercise opens its experiment with a goal; your attempts stay on this computer."))
        )
        layout.addWidget(self.list, 1)
        layout.addWidget(self.goal)
        layout.addWidget(buttons)
        first_open = next((n for n, row in enumerate(rows) if row.standing is not Standing.SOLVED), 0)
        first = self.list.topLevelItem(first_open)
        if first is not None:
            self.list.setCurrentItem(first)
        self.resize(640, 460)

    def _describe(self) -> None:
        index = self.chosen()
        if index is None:
            self.goal.setText("")
            return
        row = self.rows[index]
        lines = [row.goal]
        if row.attempts:
            lines += ["", _("Your attempts (the newest first):"), *row.attempts[:MAX_SHOWN]]
        self.goal.setText("\n".join(lines))

    def chosen(self) -> int | None:
        """The index of the exercise chosen, or None."""
        item = self.list.currentItem()
        return self.list.indexOfTopLevelItem(item) if item is not None else None


def _mark(met: bool | None) -> str:
    return "✓" if met else "✗" if met is False else "○"


class ExercisePanel(QWidget):
    """The exercise being done: title, goal, what is locked, the checklist, hints, the verdict."""

    hint_requested = Signal()
    list_requested = Signal()
    leave_requested = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("exercisePanel")
        self.title = WrappedLabel()
        self.title.setObjectName("exerciseTitle")
        self.title.setStyleSheet("font-weight: bold")
        self.goal = WrappedLabel()
        self.goal.setObjectName("exerciseGoalText")
        self.locked = WrappedLabel()
        self.locked.setObjectName("exerciseLocked")
        self.locked.setStyleSheet(style(Tone.MUTED))
        self.checklist = QVBoxLayout()
        self.checklist.setSpacing(2)
        self.verdict = WrappedLabel()
        self.verdict.setObjectName("exerciseVerdict")
        self.hints = QVBoxLayout()
        self.hint_button = QPushButton()
        self.hint_button.setObjectName("hintButton")
        self.hint_button.clicked.connect(self.hint_requested)
        self.explanation = WrappedLabel()
        self.explanation.setObjectName("exerciseExplanation")
        self.explanation.setStyleSheet(style(Tone.GOOD))
        self.history = WrappedLabel()
        self.history.setObjectName("exerciseHistory")
        self.history.setStyleSheet(style(Tone.MUTED))
        all_button = QPushButton(_("All exercises…"))
        all_button.setObjectName("allExercisesButton")
        all_button.clicked.connect(self.list_requested)
        leave_button = QPushButton(_("Leave the exercise"))
        leave_button.setObjectName("leaveExerciseButton")
        leave_button.clicked.connect(self.leave_requested)
        buttons = QHBoxLayout()
        buttons.addWidget(all_button)
        buttons.addWidget(leave_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)  # first: what to do next is never scrolled away
        for widget in (self.title, self.goal, self.locked):
            layout.addWidget(widget)
        layout.addLayout(self.checklist)
        layout.addWidget(self.verdict)
        layout.addWidget(self.explanation)
        layout.addLayout(self.hints)
        layout.addWidget(self.hint_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.history)
        layout.addStretch(1)
        self.rows: list[WrappedLabel] = []

    def show_session(self, session: ExerciseSession, attempts: list[Attempt], running: bool) -> None:
        """Render the session: the checklist (○ before a run or while a condition is still open,
        ✓ met, ✗ not met at the run's end), the verdict, the hints shown, the attempts."""
        exercise = session.exercise
        self.title.setText(exercise.title.said())
        self.goal.setText(exercise.goal.said())
        self.locked.setText(_("Greyed-out settings are locked by the exercise."))
        self.locked.setToolTip("\n".join(exercise.locked))  # each by its place in the experiment file
        self.locked.setVisible(bool(exercise.locked))
        self._checklist(session, running)
        self._verdict(session, running)
        while self.hints.count() < session.hints_shown:
            n = self.hints.count()
            label = WrappedLabel(_("Hint {n}: {hint}").format(n=n + 1, hint=exercise.hints[n].said()))
            label.setObjectName(f"hint{n + 1}")
            label.setStyleSheet(style(Tone.NOTE))
            self.hints.addWidget(label)
        left = len(exercise.hints) - session.hints_shown
        self.hint_button.setText(
            _("Show a hint ({n} of {total})").format(n=session.hints_shown + 1, total=len(exercise.hints))
        )
        self.hint_button.setVisible(left > 0)
        self.explanation.setText(exercise.explanation.said() if session.solved else "")
        self.explanation.setVisible(session.solved)
        self.history.setText(_history(attempts))

    def clear_hints(self) -> None:
        """Another exercise: no hint shown yet."""
        while self.hints.count():
            item = self.hints.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()

    def _checklist(self, session: ExerciseSession, running: bool) -> None:
        checked: list[Checked | None] = list(session.checked) or [None] * len(session.exercise.conditions)
        while len(self.rows) < len(checked):
            row = WrappedLabel()
            row.setObjectName(f"condition{len(self.rows) + 1}")
            self.rows.append(row)
            self.checklist.addWidget(row)
        for n, label in enumerate(self.rows):
            label.setVisible(n < len(checked))
        ended = session.watched is not None and session.watched.ended is not None and not running
        for n, (row, result) in enumerate(zip(self.rows, checked, strict=False)):
            if result is None:
                row.setText("○ " + asked(session.exercise.conditions[n]))
                row.setStyleSheet("")
                continue
            met = True if result.met else (False if ended else None)
            row.setText(f"{_mark(met)} {result.said}")
            row.setStyleSheet(style(Tone.GOOD) if met else style(Tone.ERROR) if met is False else "")
            row.setProperty("met", met)

    def _verdict(self, session: ExerciseSession, running: bool) -> None:
        total = len(session.exercise.conditions)
        met = sum(c.met for c in session.checked)
        if session.outside:
            said = _(
                "This run no longer keeps what the exercise locks ({settings}), so it does not count: "
                "train a new run (F5)."
            )
            said, tone = said.format(settings=", ".join(session.outside)), Tone.ERROR
        elif session.watched is None or not session.checked:
            said, tone = _("Train (F5): the goal is checked as the run trains."), Tone.MUTED
        elif running or session.watched.ended is None:
            said, tone = (
                _("Checked as the run trains: {met} of {total} met so far.").format(met=met, total=total),
                Tone.NOTE,
            )
        elif session.solved:
            said, tone = _("Solved!"), Tone.GOOD
        else:
            missing = total - met
            said = ngettext(
                "Not solved yet: {count} condition is not met (✗). Change what you may and train again.",
                "Not solved yet: {count} conditions are not met (✗). Change what you may and train again.",
                missing,
            ).format(count=missing)
            tone = Tone.ERROR
        self.verdict.setText(said)
        self.verdict.setStyleSheet(style(tone) + ("; font-weight: bold" if session.solved else ""))


def _history(attempts: list[Attempt]) -> str:
    if not attempts:
        return _("No attempt yet.")
    last = datetime.fromtimestamp(attempts[-1].when).strftime("%Y-%m-%d %H:%M")
    solved = sum(a.solved for a in attempts)
    return ngettext(
        "{count} attempt, {solved} solved; the last at {when}.",
        "{count} attempts, {solved} solved; the last at {when}.",
        len(attempts),
    ).format(count=len(attempts), solved=solved, when=last)


def _is_locked(locked: list[str], place: str) -> bool:
    return any(place == p or place.startswith(p + ".") or place.startswith(p + "[") for p in locked)


def mark_locked(root: QWidget, locked: list[str]) -> None:
    """Grey out (and say why on) every form row under `root` whose setting is locked, and give
    back the rows an earlier exercise greyed out that are free now."""
    why = _("Locked by the exercise: it cannot be changed here.")
    for label in root.findChildren(BuddyLabel):
        buddy = label.buddy()
        if _is_locked(locked, place_text(label.place)):
            for widget in (label, buddy):
                if widget is not None:
                    widget.setEnabled(False)
                    widget.setProperty(LOCKED_PROPERTY, True)
            if not label.property(FREE_TIP):
                label.setProperty(FREE_TIP, label.toolTip() or " ")
            label.setToolTip(why)
        elif label.property(LOCKED_PROPERTY):
            for widget in (label, buddy):
                if widget is not None:
                    widget.setEnabled(True)
                    widget.setProperty(LOCKED_PROPERTY, False)
            label.setToolTip(str(label.property(FREE_TIP) or "").strip())
    for union in root.findChildren(UnionForm):
        locked_here = _is_locked(locked, place_text(union.tag_place))  # its kind, or all of it
        if locked_here or union.combo.property(LOCKED_PROPERTY):
            union.combo.setEnabled(not locked_here)
            union.combo.setProperty(LOCKED_PROPERTY, locked_here)
            if locked_here:
                union.combo.setToolTip(why)
