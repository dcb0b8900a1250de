"""Forms generated from pydantic models: one builder for every layer, optimizer and dataset.

A form shows a frozen model instance and emits a new, validated instance when the user edits it;
it never mutates anything. Values the model refuses are shown inline and not emitted.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from pydantic import BaseModel, ValidationError
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QContextMenuEvent, QMouseEvent
from PySide6.QtWidgets import QFormLayout, QGroupBox, QLabel, QMenu, QVBoxLayout, QWidget

from ...i18n import _
from ...spec.errors import problems_from_validation
from ...spec.fields import summary
from ..theme import Tone, style
from .editors import EDITORS, BoolEditor, FieldEditor, field_tip, mark_glossary, narrow_combo
from .introspect import FieldDesc, form_fields, tag_of

EditorFactory = Callable[[FieldDesc], FieldEditor]


@dataclass(frozen=True)
class FieldChange:
    """One edit of one field, in the words of the form: where (field names from the form's
    model down), its title, and its value before and after as the student reads them."""

    path: tuple[str, ...]
    title: str
    before: str
    after: str
    note: str = ""  # what else the edit changed, e.g. a default taken on switching optimizer

    def text(self) -> str:
        """ "Batch size 32 → 64", with the note in brackets when there is one."""
        words = f"{self.title} {self.before} → {self.after}"
        return f"{words} ({self.note})" if self.note else words

    def under(self, name: str, title: str = "") -> FieldChange:
        """The same change seen from the form one level up, where this form is field `name`."""
        return replace(self, path=(name, *self.path), title=f"{title}: {self.title}" if title else self.title)


def shown(value: Any, desc: FieldDesc | None = None) -> str:
    """A field value as a student reads it: on/off, 0.001, "= epochs", 0.9, 0.999."""
    if value is None:
        return (desc.none_text if desc else "") or "auto"
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, float):
        return (desc.none_text if desc and desc.none_text and value == 0 else "") or f"{value:g}"
    if isinstance(value, list | tuple):
        return ", ".join(shown(v) for v in value)
    if isinstance(value, BaseModel):
        return tag_of(type(value))[1]
    return str(value)


def convert(value: BaseModel, target: type[BaseModel]) -> tuple[BaseModel, list[str]]:
    """A `target` instance carrying over the fields `value` shares with it, where they stay valid,
    and the titles of the shared fields that took `target`'s default instead.

    A shared field whose default differs between the two (a learning rate: Adam's 0.001, SGD's
    0.01) takes the new default: a value tuned for one optimizer rarely suits another.
    """
    tag_name, tag_value = tag_of(target)
    source = type(value).model_fields
    shared, reset = {}, []
    for name, current in value.model_dump().items():
        if name == tag_name or name not in target.model_fields:
            continue
        new_default = target.model_fields[name].get_default(call_default_factory=True)
        if source[name].get_default(call_default_factory=True) == new_default:
            shared[name] = current
        elif current != new_default:
            reset.append(f"{target.model_fields[name].title or name} {shown(new_default)}")
    try:
        return target.model_validate({**shared, tag_name: tag_value}), reset
    except ValidationError:
        return target.model_validate({tag_name: tag_value}), reset


def discard(form: QWidget) -> None:
    """Take a form out of the window and delete it. Hidden first: a form replaced in the same turn
    of the event loop that added it still has Qt's queued "show" pending, which would otherwise
    show it for a moment as a window of its own."""
    form.hide()
    form.setParent(None)
    form.deleteLater()


Place = tuple[str | int, ...]  # where a form's model is in the experiment: ("training", "optimizer")


def place_text(place: Place) -> str:
    """("network", "layers", 2, "out_features") -> "network.layers[2].out_features", as files name it."""
    return "".join(f"[{step}]" if isinstance(step, int) else f".{step}" for step in place).lstrip(".")


class BuddyLabel(QLabel):
    """A form row's title; a click on it toggles the row's check box, as on a check box's own text.
    Its context menu offers to vary the setting over several values (the window's `vary_place`)."""

    def __init__(self, text: str, place: Place = ()) -> None:
        super().__init__(text)
        self.place = place

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:  # noqa: N802 - Qt's name
        if not self.place or not hasattr(self.window(), "vary_place"):
            super().contextMenuEvent(event)
            return
        menu = QMenu(self)
        action = menu.addAction(_("Vary this setting…"))
        action.setObjectName("varyThisSetting")
        action.triggered.connect(lambda _checked=False: self.vary_here())
        menu.exec(event.globalPos())

    def vary_here(self) -> None:
        """Ask the window to sweep this setting over several values."""
        self.window().vary_place(place_text(self.place))  # type: ignore[attr-defined]

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        buddy = self.buddy()
        if isinstance(buddy, BoolEditor) and buddy.isEnabled() and event.button() == Qt.MouseButton.LeftButton:
            buddy.box.toggle()
            return
        super().mouseReleaseEvent(event)


class ModelForm(QWidget):
    """Editors for every field of one pydantic model; nested models become group boxes.

    `edited(value, change)` carries the new instance and the FieldChange that made it.
    """

    edited = Signal(object, object)

    def __init__(
        self,
        cls: type[BaseModel],
        value: BaseModel,
        hidden: tuple[str, ...] = (),
        factories: dict[str, EditorFactory] | None = None,
        names: dict[str, str] | None = None,
        place: Place = (),
    ) -> None:
        super().__init__()
        self.cls = cls
        self.place = place
        self._value = value
        self.descs = form_fields(cls, hidden)
        self.widgets: dict[str, Any] = {}  # editors, nested forms and union forms: all have set_value
        self.rows: dict[str, QWidget] = {}  # a nested form's row: its group box (others: the widget)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        layout.addLayout(self.form)
        for desc in self.descs:
            self._add_field(desc, factories or {}, names or {})
        self.error = QLabel()
        self.error.setObjectName("formError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(style(Tone.ERROR))
        self.error.hide()
        layout.addWidget(self.error)
        self.set_value(value)

    def _add_field(self, desc: FieldDesc, factories: dict[str, EditorFactory], names: dict[str, str]) -> None:
        current = getattr(self._value, desc.name)
        widget: QWidget
        if desc.kind == "model":
            assert desc.model is not None
            box = QGroupBox(desc.title)
            box.setObjectName(f"group_{desc.name}")
            mark_glossary(box, desc)
            box.setFlat(True)  # a title line, not a frame: nested settings stay compact
            inner = ModelForm(desc.model, current, factories=factories, names=names, place=(*self.place, desc.name))
            box_layout = QVBoxLayout(box)
            box_layout.setContentsMargins(12, 4, 0, 0)
            box_layout.addWidget(inner)
            inner.edited.connect(lambda v, c, n=desc.name, t=desc.title: self._on_field(n, v, c.under(n, t)))
            self.widgets[desc.name] = inner
            self.rows[desc.name] = box
            self.form.addRow(box)
            return
        if desc.kind == "union":
            union = UnionForm(
                desc, current, combo_name=names.get(desc.name), factories=factories, place=(*self.place, desc.name)
            )
            union.edited.connect(lambda v, c, n=desc.name: self._on_field(n, v, c.under(n)))
            self.widgets[desc.name] = union
            self.form.addRow(union)
            return
        widget = (factories.get(desc.name) or EDITORS[desc.kind])(desc)
        widget.edited.connect(lambda v, n=desc.name: self._on_field(n, v))
        self.widgets[desc.name] = widget
        label = BuddyLabel(desc.title, (*self.place, desc.name))
        label.setToolTip(field_tip(desc))
        label.setBuddy(widget)
        self.form.addRow(label, widget)

    @property
    def value(self) -> BaseModel:
        """The model instance shown."""
        return self._value

    def set_value(self, value: BaseModel) -> None:
        """Show `value` (same class) without emitting `edited`."""
        self._value = value
        for desc in self.descs:
            widget = self.widgets[desc.name]
            widget.set_value(getattr(value, desc.name))
        self._update_enabled()
        self.error.hide()

    def _update_enabled(self) -> None:
        """Rows that only matter for another field's value are hidden otherwise (keeps forms short);
        a switch that needs another field non-zero (Nesterov: momentum) is greyed out while it is 0."""
        for desc in self.descs:
            if desc.enabled_when is not None:
                other, wanted = desc.enabled_when
                row = self.rows.get(desc.name, self.widgets[desc.name])
                self.form.setRowVisible(row, getattr(self._value, other) == wanted)
            if desc.needs is not None:
                widget = self.widgets[desc.name]
                active = bool(getattr(self._value, desc.needs))
                widget.setEnabled(active)
                needed = next((d.title for d in self.descs if d.name == desc.needs), desc.needs)
                widget.setToolTip(
                    desc.description
                    if active
                    else desc.description + " " + _("Needs {field} above 0.").format(field=needed)
                )

    def _on_field(self, name: str, value: Any, change: FieldChange | None = None) -> None:
        desc = next(d for d in self.descs if d.name == name)
        if change is None:
            change = FieldChange((name,), desc.title, shown(getattr(self._value, name), desc), shown(value, desc))
        document = self._value.model_dump()
        document[name] = value.model_dump() if isinstance(value, BaseModel) else value
        for other in self.descs:  # a switch whose field became 0 turns off with it, so the two agree
            if other.needs == name and not document[name] and document.get(other.name):
                document[other.name] = False
                change = replace(change, note=f"{other.title} off")
        try:
            new = self.cls.model_validate(document)
        except ValidationError as exc:
            problems = problems_from_validation(exc, document)
            self.error.setText("\n".join(str(p) for p in problems))
            self.error.show()
            return
        self.error.hide()
        self._value = new
        for other in self.descs:
            if other.needs == name:
                self.widgets[other.name].set_value(getattr(new, other.name))
        self._update_enabled()
        self.edited.emit(new, change)


def member_labels(union: dict[str, type[BaseModel]]) -> dict[str, str]:
    """What a union's combo calls each member: its class's `label` where it has one (datasets),
    in the language spoken; else nothing (layer and optimizer names are PyTorch's)."""
    labels = {tag: getattr(cls, "label", "") for tag, cls in union.items()}
    return {tag: _(label) for tag, label in labels.items() if isinstance(label, str) and label}


class UnionForm(QWidget):
    """A choice of model (optimizer, schedule, dataset kind) and the form of the chosen one.

    `edited(value, change)`: a change of kind has the empty path; a field's, the field's path.
    """

    edited = Signal(object, object)

    def __init__(
        self,
        desc: FieldDesc,
        value: BaseModel,
        combo_name: str | None = None,
        factories: dict[str, EditorFactory] | None = None,
        labels: dict[str, str] | None = None,
        place: Place = (),
    ) -> None:
        super().__init__()
        self.desc = desc
        self.place = place
        self.factories = factories or {}
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        box = QGroupBox(desc.title)
        box.setObjectName(f"group_{desc.name}")
        box.setFlat(True)
        outer.addWidget(box)
        layout = QVBoxLayout(box)
        layout.setContentsMargins(12, 4, 0, 0)
        self.combo = narrow_combo()
        self.combo.setObjectName(combo_name or f"{desc.name}Combo")
        self.combo.setAccessibleName(desc.title)
        self.combo.setToolTip(field_tip(desc))
        mark_glossary(self, desc)
        self.labels = labels or desc.choice_labels or member_labels(desc.union)
        for tag, cls in desc.union.items():
            self.combo.addItem(self.labels.get(tag, tag.replace("_", " ")), tag)
            self.combo.setItemData(self.combo.count() - 1, _(summary(cls)), 3)
        layout.addWidget(self.combo)
        self.note = QLabel()  # what a switch reset to the new kind's defaults
        self.note.setObjectName(f"{desc.name}Note")
        self.note.setWordWrap(True)
        self.note.setStyleSheet(style(Tone.NOTE))
        self.note.hide()
        layout.addWidget(self.note)
        self.body = QVBoxLayout()
        layout.addLayout(self.body)
        self.form: ModelForm | None = None
        self._value = value
        self.combo.currentIndexChanged.connect(self._on_tag)
        self.set_value(value)

    @property
    def tag_place(self) -> Place:
        """Where the kind this form chooses is written in the experiment: ("dataset", "kind")."""
        return (*self.place, tag_of(type(self._value))[0])

    def set_value(self, value: BaseModel) -> None:
        """Show `value`, rebuilding the form when its kind changed, without emitting `edited`."""
        if value != self._value:
            self.note.hide()  # the note told of the switch; this value comes from elsewhere (an undo)
        self._value = value
        _field, tag = tag_of(type(value))
        self.combo.blockSignals(True)
        self.combo.setCurrentIndex(self.combo.findData(tag))
        self.combo.blockSignals(False)
        if self.form is not None and self.form.cls is type(value):
            self.form.set_value(value)
            return
        if self.form is not None:
            discard(self.form)
        self.form = ModelForm(type(value), value, factories=self.factories, place=self.place)
        self.form.edited.connect(self._on_inner)
        self.body.addWidget(self.form)

    def _label(self, value: BaseModel) -> str:
        tag = tag_of(type(value))[1]
        return self.labels.get(tag, tag.replace("_", " "))

    @Slot(int)
    def _on_tag(self, index: int) -> None:
        old = self._value
        new, reset = convert(old, self.desc.union[self.combo.itemData(index)])
        self.set_value(new)
        note = ", ".join(reset)
        if note:
            self.note.setText(f"{self._label(new)}'s default{'s' if len(reset) > 1 else ''}: {note}")
            self.note.show()
        self.edited.emit(new, FieldChange((), self.desc.title, self._label(old), self._label(new), note))

    @Slot(object, object)
    def _on_inner(self, value: BaseModel, change: FieldChange) -> None:
        self._value = value
        self.note.hide()
        self.edited.emit(value, change)
