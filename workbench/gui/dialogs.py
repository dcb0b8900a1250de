"""The window's questions to the student, in one place so tests can answer them."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox, QWidget

from ..i18n import N_, _, ngettext
from .preset_dialog import PresetDialog, PresetInfo

if TYPE_CHECKING:
    from ..spec import ExperimentSpec
    from ..spec.sweep import Vary
    from .exercise_view import ExerciseRow

# File-dialog filters: "What (*.suffix);;All files (*)", in the language spoken when the dialog opens.
EXPERIMENTS = N_("Experiments")
MODELS = N_("Model files")
EXERCISES = N_("Exercises")
PICTURES = N_("Pictures")
PICTURE_SUFFIXES = "*.png *.jpg *.jpeg *.bmp *.gif *.webp *.tif *.tiff *.ppm *.pgm"


def file_filter(what: str, suffixes: str) -> str:
    """A file dialog's filter: files of one kind, or any file."""
    return f"{_(what)} ({suffixes});;{_('All files')} (*)"


class Answer(Enum):
    """What to do with unsaved changes, or with a trained model that was never exported."""

    SAVE = "save"
    EXPORT = "export"
    DISCARD = "discard"
    CANCEL = "cancel"


class Dialogs:
    """Modal dialogs; a test replaces this object with one that answers at once."""

    def __init__(self, parent: QWidget) -> None:
        self.parent = parent

    def unsaved_changes(self, title: str) -> Answer:
        """Save, discard or cancel?"""
        buttons = QMessageBox.StandardButton
        reply = QMessageBox.question(
            self.parent,
            _("Unsaved changes"),
            _("{title} has changes that are not saved. Save them?").format(title=title),
            buttons.Save | buttons.Discard | buttons.Cancel,
            buttons.Save,
        )
        return {buttons.Save: Answer.SAVE, buttons.Discard: Answer.DISCARD}.get(reply, Answer.CANCEL)

    def unexported_run(self, run: str, action: str) -> Answer:
        """Export, discard or cancel, before `action` drops the trained model of `run`?"""
        buttons = QMessageBox.StandardButton
        box = QMessageBox(
            QMessageBox.Icon.Question,
            _("Trained model not exported"),
            _("The network trained in {run} has not been exported, and {action} loses it. Export it first?").format(
                run=run, action=action
            ),
            buttons.Discard | buttons.Cancel,
            self.parent,
        )
        export = box.addButton(_("Export…"), QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(export)
        box.exec()
        clicked = box.clickedButton()
        if clicked is export:
            return Answer.EXPORT
        return Answer.DISCARD if clicked is box.button(buttons.Discard) else Answer.CANCEL

    def choose_preset(self, presets: list[PresetInfo]) -> str | None:
        """Which preset to open (its key), or None."""
        dialog = PresetDialog(presets, self.parent)
        return dialog.chosen() if dialog.exec() == QDialog.DialogCode.Accepted else None

    def open_path(self, start: Path | None) -> Path | None:
        """Choose an experiment file to open."""
        where = str(start or "")
        chosen, _filter = QFileDialog.getOpenFileName(
            self.parent, _("Open experiment"), where, file_filter(EXPERIMENTS, "*.json")
        )
        return Path(chosen) if chosen else None

    def open_model_path(self, start: Path | None) -> Path | None:
        """Choose a model file whose run to open."""
        where = str(start or "")
        chosen, _filter = QFileDialog.getOpenFileName(
            self.parent, _("Open saved run"), where, file_filter(MODELS, "*.pt")
        )
        return Path(chosen) if chosen else None

    def open_picture_path(self, start: Path | None) -> Path | None:
        """Choose a picture to show the network."""
        where = str(start or "")
        chosen, _filter = QFileDialog.getOpenFileName(
            self.parent, _("Try a picture"), where, file_filter(PICTURES, PICTURE_SUFFIXES)
        )
        return Path(chosen) if chosen else None

    def save_path(self, suggestion: Path, title: str = "", filters: str = "") -> Path | None:
        """Choose where to save (by default: an experiment)."""
        title, filters = title or _("Save experiment"), filters or file_filter(EXPERIMENTS, "*.json")
        chosen, _filter = QFileDialog.getSaveFileName(self.parent, title, str(suggestion), filters)
        return Path(chosen) if chosen else None

    def export_path(self, suggestion: Path, formats: dict[str, str], title: str = "") -> Path | None:
        """Choose where and in which format ({filter text: suffix}) to export a model (or `title`'s thing)."""
        chosen, selected = QFileDialog.getSaveFileName(
            self.parent, title or _("Export model"), str(suggestion), ";;".join(formats)
        )
        if not chosen:
            return None
        path = Path(chosen)
        suffix = formats.get(selected, next(iter(formats.values())))
        return path if path.suffix else path.with_suffix(suffix)

    def vary(
        self, experiment: ExperimentSpec, variants: bool, seeds: int, place: str | None = None
    ) -> tuple[Vary, int] | None:
        """The setting to vary, its values and the seeds (`variants`: the file's variants chosen
        first; `place`: that setting)."""
        from .vary_dialog import VaryDialog

        dialog = VaryDialog(experiment, variants, seeds, self.parent, place)
        return dialog.chosen() if dialog.exec() == QDialog.DialogCode.Accepted else None

    def choose_exercise(self, course: str, rows: list[ExerciseRow]) -> int | None:
        """Which of a course's exercises to open (its index), or None."""
        from .exercise_view import ExercisesDialog

        dialog = ExercisesDialog(course, rows, self.parent)
        return dialog.chosen() if dialog.exec() == QDialog.DialogCode.Accepted else None

    def open_exercises_path(self, start: Path | None) -> Path | None:
        """Choose an exercise file (or a bundle of them) from a teacher."""
        chosen, _filter = QFileDialog.getOpenFileName(
            self.parent, _("Open exercises"), str(start or ""), file_filter(EXERCISES, "*.json")
        )
        return Path(chosen) if chosen else None

    def open_sweep_path(self, start: Path) -> Path | None:
        """Choose a sweep's folder to reopen."""
        chosen = QFileDialog.getExistingDirectory(self.parent, _("Open sweep"), str(start))
        return Path(chosen) if chosen else None

    def stop_sweep(self, count: int, folder: Path) -> bool:
        """Stop a sweep's queued and training runs? (The finished ones stay in its folder.)"""
        box = QMessageBox(
            QMessageBox.Icon.Question,
            _("Runs still in the queue"),
            ngettext(
                "{count} run of the sweep is queued or training: stop it? The finished runs stay in "
                "{folder}, and Open sweep takes the rest up later.",
                "{count} runs of the sweep are queued or training: stop them? The finished runs stay in "
                "{folder}, and Open sweep takes the rest up later.",
                count,
            ).format(count=count, folder=folder),
            QMessageBox.StandardButton.Cancel,
            self.parent,
        )
        stop = box.addButton(_("Stop the runs"), QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        return box.clickedButton() is stop

    def error(self, title: str, text: str) -> None:
        """Tell the student something went wrong (and what to do)."""
        QMessageBox.warning(self.parent, title, text)

    def info(self, title: str, text: str) -> None:
        """Tell the student something worked."""
        QMessageBox.information(self.parent, title, text)
