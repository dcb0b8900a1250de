"""The experiment being edited: one immutable spec, replaced on every edit through a QUndoStack."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QUndoCommand, QUndoStack

from ..spec import DatasetBase, ExperimentSpec, NetworkSpec, Problem, TrainingSpec, default_experiment
from ..spec.layers import Layer

_MERGE_IDS: dict[str, int] = {}


def _merge_id(key: str | None) -> int:
    if key is None:
        return -1
    return _MERGE_IDS.setdefault(key, len(_MERGE_IDS) + 1)


class SetExperiment(QUndoCommand):
    """Replace the whole experiment; undo puts the old one back (specs are immutable values)."""

    def __init__(
        self, document: ExperimentDocument, old: ExperimentSpec, new: ExperimentSpec, text: str, merge_key: str | None
    ) -> None:
        super().__init__(text)
        self.document, self.old, self.new, self.merge_key = document, old, new, merge_key

    def redo(self) -> None:
        self.document._show(self.new)

    def undo(self) -> None:
        self.document._show(self.old)

    def id(self) -> int:
        return _merge_id(self.merge_key)

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 - Qt's name
        """Consecutive edits of the same field become one undo step."""
        if isinstance(other, SetExperiment) and other.merge_key == self.merge_key and self.merge_key:
            self.new = other.new
            return True
        return False


class ExperimentDocument(QObject):
    """Holds the experiment, its file and its undo history; panels edit it and listen to `changed`."""

    changed = Signal(object)  # the new ExperimentSpec
    file_changed = Signal()  # path or saved state changed

    def __init__(self, experiment: ExperimentSpec | None = None, path: Path | None = None) -> None:
        super().__init__()
        self.spec = experiment or default_experiment()
        self.path = path
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._clean_changed)
        self._problems: list[Problem] | None = None

    @Slot(bool)
    def _clean_changed(self, _clean: bool) -> None:
        self.file_changed.emit()

    # --- editing ------------------------------------------------------------------------------

    def edit(self, new: ExperimentSpec, text: str, merge_key: str | None = None) -> None:
        """Replace the experiment as one undoable step (merged with the last one for the same key)."""
        if new == self.spec:
            return
        self.undo_stack.push(SetExperiment(self, self.spec, new, text, merge_key))

    def set_dataset(self, dataset: DatasetBase, text: str = "Change dataset") -> None:
        """Replace the dataset settings."""
        self.edit(self.spec.model_copy(update={"dataset": dataset}), text, merge_key=f"dataset:{text}")

    def set_training(self, training: TrainingSpec, text: str = "Change training settings") -> None:
        """Replace the training settings."""
        self.edit(self.spec.model_copy(update={"training": training}), text, merge_key=f"training:{text}")

    def set_layers(self, layers: Sequence[Layer], text: str, merge_key: str | None = None) -> None:
        """Replace the layer stack."""
        network = NetworkSpec.model_construct(layers=list(layers))  # type: ignore[arg-type]  # validated already
        self.edit(self.spec.model_copy(update={"network": network}), text, merge_key)

    def _show(self, spec: ExperimentSpec) -> None:
        self.spec = spec
        self._problems = None
        self.changed.emit(spec)

    # --- files --------------------------------------------------------------------------------

    @property
    def base_dir(self) -> Path | None:
        """Folder that relative data paths are read from: the experiment file's."""
        return self.path.parent if self.path else None

    @property
    def dirty(self) -> bool:
        """True when there are changes since the last save or load."""
        return not self.undo_stack.isClean()

    @property
    def title(self) -> str:
        """The file name, or the experiment's name for a new experiment."""
        return self.path.name if self.path else (self.spec.name or "Untitled")

    def replace(self, experiment: ExperimentSpec, path: Path | None) -> None:
        """Start over on another experiment (New, Open): history cleared, nothing unsaved."""
        self.path = path
        self.undo_stack.clear()
        self._show(experiment)
        self.file_changed.emit()

    def load(self, path: Path) -> None:
        """Open an experiment file; raises SpecError and leaves the current experiment untouched."""
        experiment = ExperimentSpec.load(path)
        self.replace(experiment, path)

    def save(self, path: Path | None = None) -> None:
        """Write the experiment (atomically) and mark it saved."""
        target = path or self.path
        assert target is not None, "save needs a path"
        self.spec.save(target)
        self.path = target
        self.undo_stack.setClean()
        self.file_changed.emit()

    # --- checks -------------------------------------------------------------------------------

    def problems(self) -> list[Problem]:
        """Everything that stops the experiment from training (cached until the next edit)."""
        if self._problems is None:
            self._problems = self.spec.check(self.base_dir)
        return self._problems
