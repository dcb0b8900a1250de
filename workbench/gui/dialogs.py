"""The window's questions to the student, in one place so tests can answer them."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox, QWidget

from .preset_dialog import PresetDialog, PresetInfo

EXPERIMENT_FILTER = "Experiments (*.json);;All files (*)"
MODEL_FILTER = "Model files (*.pt);;All files (*)"
PICTURE_FILTER = "Pictures (*.png *.jpg *.jpeg *.bmp *.gif *.webp *.tif *.tiff *.ppm *.pgm);;All files (*)"


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
            "Unsaved changes",
            f"{title} has changes that are not saved. Save them?",
            buttons.Save | buttons.Discard | buttons.Cancel,
            buttons.Save,
        )
        return {buttons.Save: Answer.SAVE, buttons.Discard: Answer.DISCARD}.get(reply, Answer.CANCEL)

    def unexported_run(self, run: str, action: str) -> Answer:
        """Export, discard or cancel, before `action` drops the trained model of `run`?"""
        buttons = QMessageBox.StandardButton
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Trained model not exported",
            f"The network trained in {run} has not been exported, and {action} loses it. Export it first?",
            buttons.Discard | buttons.Cancel,
            self.parent,
        )
        export = box.addButton("Export…", QMessageBox.ButtonRole.AcceptRole)
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
        chosen, _ = QFileDialog.getOpenFileName(self.parent, "Open experiment", str(start or ""), EXPERIMENT_FILTER)
        return Path(chosen) if chosen else None

    def open_model_path(self, start: Path | None) -> Path | None:
        """Choose a model file whose run to open."""
        chosen, _ = QFileDialog.getOpenFileName(self.parent, "Open saved run", str(start or ""), MODEL_FILTER)
        return Path(chosen) if chosen else None

    def open_picture_path(self, start: Path | None) -> Path | None:
        """Choose a picture to show the network."""
        chosen, _ = QFileDialog.getOpenFileName(self.parent, "Try a picture", str(start or ""), PICTURE_FILTER)
        return Path(chosen) if chosen else None

    def save_path(
        self, suggestion: Path, title: str = "Save experiment", filters: str = EXPERIMENT_FILTER
    ) -> Path | None:
        """Choose where to save."""
        chosen, _ = QFileDialog.getSaveFileName(self.parent, title, str(suggestion), filters)
        return Path(chosen) if chosen else None

    def export_path(self, suggestion: Path, formats: dict[str, str]) -> Path | None:
        """Choose where and in which format ({filter text: suffix}) to export a model."""
        chosen, selected = QFileDialog.getSaveFileName(self.parent, "Export model", str(suggestion), ";;".join(formats))
        if not chosen:
            return None
        path = Path(chosen)
        suffix = formats.get(selected, ".pt")
        return path if path.suffix else path.with_suffix(suffix)

    def error(self, title: str, text: str) -> None:
        """Tell the student something went wrong (and what to do)."""
        QMessageBox.warning(self.parent, title, text)

    def info(self, title: str, text: str) -> None:
        """Tell the student something worked."""
        QMessageBox.information(self.parent, title, text)
