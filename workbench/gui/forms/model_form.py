"""Forms generated from pydantic models: one builder for every layer, optimizer and dataset.

A form shows a frozen model instance and emits a new, validated instance when the user edits it;
it never mutates anything. Values the model refuses are shown inline and not emitted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ValidationError
from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QLabel, QVBoxLayout, QWidget

from ...spec.errors import problems_from_validation
from .editors import EDITORS, FieldEditor
from .introspect import FieldDesc, form_fields, tag_of

EditorFactory = Callable[[FieldDesc], FieldEditor]
ERROR_STYLE = "color: #c62828;"


def convert(value: BaseModel, target: type[BaseModel]) -> BaseModel:
    """A `target` instance carrying over the fields `value` shares with it, where they stay valid."""
    tag_name, tag_value = tag_of(target)
    shared = {k: v for k, v in value.model_dump().items() if k in target.model_fields and k != tag_name}
    try:
        return target.model_validate({**shared, tag_name: tag_value})
    except ValidationError:
        return target.model_validate({tag_name: tag_value})


class ModelForm(QWidget):
    """Editors for every field of one pydantic model; nested models become group boxes."""

    edited = Signal(object)

    def __init__(
        self,
        cls: type[BaseModel],
        value: BaseModel,
        hidden: tuple[str, ...] = (),
        factories: dict[str, EditorFactory] | None = None,
        names: dict[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.cls = cls
        self._value = value
        self.descs = form_fields(cls, hidden)
        self.widgets: dict[str, Any] = {}  # editors, nested forms and union forms: all have set_value
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
        self.error.setStyleSheet(ERROR_STYLE)
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
            box.setFlat(True)  # a title line, not a frame: nested settings stay compact
            inner = ModelForm(desc.model, current, factories=factories, names=names)
            box_layout = QVBoxLayout(box)
            box_layout.setContentsMargins(12, 4, 0, 0)
            box_layout.addWidget(inner)
            inner.edited.connect(lambda v, n=desc.name: self._on_field(n, v))
            self.widgets[desc.name] = inner
            self.form.addRow(box)
            return
        if desc.kind == "union":
            widget = UnionForm(desc, current, combo_name=names.get(desc.name), factories=factories)
        else:
            widget = (factories.get(desc.name) or EDITORS[desc.kind])(desc)
        widget.edited.connect(lambda v, n=desc.name: self._on_field(n, v))
        self.widgets[desc.name] = widget
        label = QLabel(desc.title)
        label.setToolTip(desc.description)
        label.setBuddy(widget)
        if desc.kind == "union":
            self.form.addRow(widget)
        else:
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
        """Rows that only matter for another field's value are hidden otherwise (keeps forms short)."""
        for desc in self.descs:
            if desc.enabled_when is not None:
                other, wanted = desc.enabled_when
                self.form.setRowVisible(self.widgets[desc.name], getattr(self._value, other) == wanted)

    def _on_field(self, name: str, value: Any) -> None:
        document = self._value.model_dump()
        document[name] = value.model_dump() if isinstance(value, BaseModel) else value
        try:
            new = self.cls.model_validate(document)
        except ValidationError as exc:
            problems = problems_from_validation(exc, document)
            self.error.setText("\n".join(str(p) for p in problems))
            self.error.show()
            return
        self.error.hide()
        self._value = new
        self._update_enabled()
        self.edited.emit(new)


class UnionForm(QWidget):
    """A choice of model (optimizer, schedule, dataset kind) and the form of the chosen one."""

    edited = Signal(object)

    def __init__(
        self,
        desc: FieldDesc,
        value: BaseModel,
        combo_name: str | None = None,
        factories: dict[str, EditorFactory] | None = None,
        labels: dict[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.desc = desc
        self.factories = factories or {}
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        box = QGroupBox(desc.title)
        box.setObjectName(f"group_{desc.name}")
        box.setFlat(True)
        outer.addWidget(box)
        layout = QVBoxLayout(box)
        layout.setContentsMargins(12, 4, 0, 0)
        self.combo = QComboBox()
        self.combo.setObjectName(combo_name or f"{desc.name}Combo")
        self.combo.setAccessibleName(desc.title)
        self.combo.setToolTip(desc.description)
        for tag, cls in desc.union.items():
            self.combo.addItem((labels or {}).get(tag, tag.replace("_", " ")), tag)
            self.combo.setItemData(self.combo.count() - 1, (cls.__doc__ or "").strip().split("\n")[0], 3)
        layout.addWidget(self.combo)
        self.body = QVBoxLayout()
        layout.addLayout(self.body)
        self.form: ModelForm | None = None
        self._value = value
        self.combo.currentIndexChanged.connect(self._on_tag)
        self.set_value(value)

    def set_value(self, value: BaseModel) -> None:
        """Show `value`, rebuilding the form when its kind changed, without emitting `edited`."""
        self._value = value
        _, tag = tag_of(type(value))
        self.combo.blockSignals(True)
        self.combo.setCurrentIndex(self.combo.findData(tag))
        self.combo.blockSignals(False)
        if self.form is not None and self.form.cls is type(value):
            self.form.set_value(value)
            return
        if self.form is not None:
            self.form.setParent(None)
            self.form.deleteLater()
        self.form = ModelForm(type(value), value, factories=self.factories)
        self.form.edited.connect(self._on_inner)
        self.body.addWidget(self.form)

    @Slot(int)
    def _on_tag(self, index: int) -> None:
        target = self.desc.union[self.combo.itemData(index)]
        new = convert(self._value, target)
        self.set_value(new)
        self.edited.emit(new)

    @Slot(object)
    def _on_inner(self, value: BaseModel) -> None:
        self._value = value
        self.edited.emit(value)
