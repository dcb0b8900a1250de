"""The experiment being edited: one immutable spec, replaced on every edit through a QUndoStack."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QUndoCommand, QUndoStack

from ..engine.memory import check_fits
from ..i18n import _
from ..spec import DatasetBase, ExperimentSpec, NetworkSpec, Problem, SpecError, TrainingSpec, default_experiment
from ..spec.exercise import ExerciseSpec
from ..spec.layers import Layer
from ..spec.network import PART_WORDS, LayerPart
from ..spec.peek import DataError
from .forms.model_form import FieldChange

_MERGE_IDS: dict[str, int] = {}
# Edits of one field this close together are one undo step (arrow keys held on a spin box);
# an edit of the same field later, after a run say, is a step of its own.
MERGE_SECONDS = 2.0


def _merge_id(key: str | None) -> int:
    if key is None:
        return -1
    return _MERGE_IDS.setdefault(key, len(_MERGE_IDS) + 1)


class SetExperiment(QUndoCommand):
    """Replace the whole experiment; undo puts the old one back (specs are immutable values).

    `change` (a FieldChange) names the one field edited: its edits merge, and the step's text
    is "Batch size 32 → 64" from the first value to the last.
    """

    def __init__(
        self,
        document: ExperimentDocument,
        old: ExperimentSpec,
        new: ExperimentSpec,
        text: str,
        merge_key: str | None,
        change: FieldChange | None = None,
        prefix: str = "",
    ) -> None:
        super().__init__(text)
        self.document, self.old, self.new, self.merge_key = document, old, new, merge_key
        self.change, self.prefix = change, prefix
        self.edited_at = time.monotonic()

    def redo(self) -> None:
        self.document._show(self.new)

    def undo(self) -> None:
        self.document._show(self.old)

    def id(self) -> int:
        return _merge_id(self.merge_key)

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 - Qt's name
        """Consecutive edits of the same field, close together, become one undo step."""
        if not (isinstance(other, SetExperiment) and other.merge_key == self.merge_key and self.merge_key):
            return False
        if other.edited_at - self.edited_at > MERGE_SECONDS:
            return False
        self.new, self.edited_at = other.new, other.edited_at
        if self.change is not None and other.change is not None:
            self.change = replace(other.change, before=self.change.before)
            self.setText(self.prefix + self.change.text())
        self.setObsolete(self.new == self.old)  # stepped back to where it started: no step at all
        return True


def _network(network: NetworkSpec, part: LayerPart, layers: Sequence[Layer]) -> NetworkSpec:
    return network.model_copy(update={part: list(layers)})  # each layer validated already


class ExperimentDocument(QObject):
    """Holds the experiment, its file and its undo history; panels edit it and listen to `changed`."""

    changed = Signal(object)  # the new ExperimentSpec
    file_changed = Signal()  # path or saved state changed
    refused = Signal(list)  # the places an edit would have changed that the exercise locks

    def __init__(self, experiment: ExperimentSpec | None = None, path: Path | None = None) -> None:
        super().__init__()
        self.spec = experiment or default_experiment()
        self.path = path
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._clean_changed)
        self._problems: list[Problem] | None = None
        self.exercise: ExerciseSpec | None = None  # the exercise whose locked settings no edit may change

    @Slot(bool)
    def _clean_changed(self, _clean: bool) -> None:
        self.file_changed.emit()

    # --- editing ------------------------------------------------------------------------------

    def _allowed(self, new: ExperimentSpec) -> tuple[ExperimentSpec | None, list[str]]:
        """What `new` becomes under the exercise's locks, and the locked places it changed: itself;
        or with those put back (Adam chosen keeps the locked rate); or None (the forms shown again
        as they were) when the edit was only that. Every edit passes here, so no form, key or drag
        changes a locked setting."""
        changed = self.exercise.changed_locked(new) if self.exercise is not None and new != self.spec else []
        if not changed or self.exercise is None:
            return (new if new != self.spec else None), []
        kept = self.exercise.kept_locked(new)
        if kept is None or kept == self.spec:
            self.changed.emit(self.spec)
            return None, changed
        return kept, changed

    def _push(self, command: SetExperiment, changed: list[str]) -> None:
        self.undo_stack.push(command)
        if changed:
            self.refused.emit(changed)  # after: what the new experiment shows would cover it

    def edit(self, new: ExperimentSpec, text: str, merge_key: str | None = None) -> None:
        """Replace the experiment as one undoable step (never merged with another)."""
        allowed, changed = self._allowed(new)
        if allowed is not None:
            self._push(SetExperiment(self, self.spec, allowed, text, merge_key), changed)
        elif changed:
            self.refused.emit(changed)

    def edit_field(self, new: ExperimentSpec, change: FieldChange, where: str, prefix: str = "") -> None:
        """Replace the experiment after one field's edit: "Undo Batch size 32 → 64". Edits of the
        same field (`where` and the change's path) in quick succession merge; others never do."""
        allowed, changed = self._allowed(new)
        if allowed is not None:
            key = f"{where}:{'.'.join(change.path)}"
            command = SetExperiment(self, self.spec, allowed, prefix + change.text(), key, change, prefix)
            self._push(command, changed)
        elif changed:
            self.refused.emit(changed)

    def set_dataset(self, dataset: DatasetBase, change: FieldChange | str = "") -> None:
        """Replace the dataset settings: after one field's edit, or as a named step."""
        self._set_part("dataset", dataset, change or _("Change the dataset"))

    def set_training(self, training: TrainingSpec, change: FieldChange | str = "") -> None:
        """Replace the training settings: after one field's edit, or as a named step."""
        self._set_part("training", training, change or _("Change training settings"))

    def _set_part(self, part: str, value: DatasetBase | TrainingSpec, change: FieldChange | str) -> None:
        new = self.spec.model_copy(update={part: value})
        if isinstance(change, str):
            self.edit(new, change)
        else:
            self.edit_field(new, change, part)

    def set_layers(self, layers: Sequence[Layer], text: str, part: LayerPart = "layers") -> None:
        """Replace the layer stack (or an autoencoder's decoder) as one step (add, remove, move...)."""
        self.edit(self.spec.model_copy(update={"network": _network(self.spec.network, part, layers)}), text)

    def edit_layer(
        self, index: int, layer: Layer, change: FieldChange, part: LayerPart = "layers", inner: int | None = None
    ) -> None:
        """Put layer `index` edited in one field in place: "Layer 2 (Linear): Outputs 64 → 128"; with
        `inner`, `layer` is a residual block whose layer `inner` was edited: "Layer 2.1 (Conv2d): ..."."""
        layers: list[Layer] = list(getattr(self.spec.network, part))
        layers[index] = layer
        new = self.spec.model_copy(update={"network": _network(self.spec.network, part, layers)})
        words = _(PART_WORDS[part])
        edited = layer if inner is None else layer.layers[inner]  # type: ignore[attr-defined]
        number = f"{index + 1}" if inner is None else f"{index + 1}.{inner + 1}"
        prefix = f"{words} {number} ({edited.type}): "
        self.edit_field(new, change, f"{part}{number}:{edited.type}", prefix=prefix)

    def set_network(self, network: NetworkSpec, change: FieldChange | str) -> None:
        """Replace the network's own settings (its kind, an autoencoder's): after one field's edit, or as a step."""
        if network.is_autoencoder and not network.decoder and not self.spec.network.is_autoencoder:
            # A new autoencoder gets a decoder to start from, so that it trains at once.
            try:
                shape = self.spec.data_shape(self.base_dir).input_shape
            except DataError:
                shape = None
            if shape is not None:
                network = network.model_copy(update={"decoder": network.mirrored_decoder(shape)})
                note = _("a decoder mirroring the encoder added")
                change = f"{change} ({note})" if isinstance(change, str) else replace(change, note=note)
        new = self.spec.model_copy(update={"network": network})
        if isinstance(change, str):
            self.edit(new, change)
        else:
            self.edit_field(new, change, "network")

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
        """The file name, or the experiment's name for a new experiment (a preset's from the catalog)."""
        return self.path.name if self.path else (_(self.spec.name) or _("Untitled"))

    def replace(self, experiment: ExperimentSpec, path: Path | None, exercise: ExerciseSpec | None = None) -> None:
        """Start over on another experiment (New, Open, an exercise's, whose locked settings then
        stay as they are): history cleared, nothing unsaved."""
        self.path = path
        self.exercise = exercise
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
            self._problems = self.spec.check(self.base_dir) or self._memory_problems()
        return self._problems

    def _memory_problems(self) -> list[Problem]:
        """A network too big for this computer's free memory (the trainer checks a GPU's itself)."""
        try:
            check_fits(self.spec.memory(self.base_dir), "cpu")
        except SpecError as exc:
            return list(exc.problems)
        return []
