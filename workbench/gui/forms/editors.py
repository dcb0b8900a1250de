"""One small Qt editor per kind of field; each emits `edited(value)` only when the user commits."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal, Slot
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QHBoxLayout,
    QLineEdit,
    QSpinBox,
    QToolButton,
    QWidget,
)

from ...i18n import _
from ...spec.fields import choice_words
from ..theme import Tone, colour
from .introspect import FieldDesc

INT_LIMIT = 2**31 - 1


def steps_125(lo: float, hi: float) -> list[float]:
    """1, 2, 5 times each power of ten between lo and hi: the steps of a log-scale field."""
    out = [m * 10.0**e for e in range(-12, 7) for m in (1.0, 2.0, 5.0)]
    return [v for v in out if lo <= v <= hi]


# The first step up from "off" (0) on a log-scale field: the smallest setting that does something
# a student can see (a weight decay of 1e-5), not the smallest number the field accepts.
FIRST_STEP = 1e-5


class LogSpinBox(QDoubleSpinBox):
    """A number spanning orders of magnitude (a learning rate): typed freely, stepped 1-2-5.

    A field that can be 0 ("off") steps from 0 straight to `first`; smaller values can be typed.
    """

    def __init__(self, lo: float, hi: float, allow_zero: bool, first: float = FIRST_STEP) -> None:
        super().__init__()
        self.setDecimals(14)
        self.setRange(0.0 if allow_zero else max(lo, 1e-12), hi)
        self.ladder = [0.0, *steps_125(max(lo, first), hi)] if allow_zero else steps_125(max(lo, 1e-12), hi)

    def textFromValue(self, value: float) -> str:  # noqa: N802 - Qt's name
        return f"{value:g}"

    def valueFromText(self, text: str) -> float:  # noqa: N802
        try:
            return float(text)
        except ValueError:
            return self.value()

    def validate(self, text: str, pos: int) -> tuple[QValidator.State, str, int]:
        try:
            value = float(text)
        except ValueError:
            return QValidator.State.Intermediate, text, pos
        ok = self.minimum() <= value <= self.maximum() and math.isfinite(value)
        return (QValidator.State.Acceptable if ok else QValidator.State.Intermediate), text, pos

    def stepBy(self, steps: int) -> None:  # noqa: N802
        value = self.value()
        index = min(range(len(self.ladder)), key=lambda i: abs(self.ladder[i] - value))
        if steps > 0 and self.ladder[index] <= value:
            index += steps
        elif steps < 0 and self.ladder[index] >= value:
            index += steps
        self.setValue(self.ladder[max(0, min(index, len(self.ladder) - 1))])
        self.editingFinished.emit()


GLOSSARY = "glossary"  # the Qt property naming a widget's entry in the guide (F1 opens it there)


def field_tip(desc: FieldDesc) -> str:
    """A field's tooltip: its description, and where the guide explains it."""
    if not desc.glossary:
        return desc.description
    entry = _(desc.glossary.replace("-", " "))  # the spec's entry names are in the catalog too
    return desc.description + "\n" + _("(F1: the guide on {entry})").format(entry=entry)


def mark_glossary(widget: QWidget, desc: FieldDesc) -> None:
    """Let F1 on `widget` open the guide at this field's entry."""
    if desc.glossary:
        widget.setProperty(GLOSSARY, desc.glossary)


def narrow_combo() -> QComboBox:
    """A combo box that can be narrower than its longest choice (shown whole in its list): one long
    name ("validation mean absolute error") must not widen a whole settings panel."""
    combo = QComboBox()
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(12)
    return combo


class FieldEditor(QWidget):
    """Base: a widget that shows one value and emits `edited` with the new one."""

    edited = Signal(object)

    def __init__(self, desc: FieldDesc) -> None:
        super().__init__()
        self.desc = desc
        self.setToolTip(field_tip(desc))
        mark_glossary(self, desc)
        self.setAccessibleName(desc.title)
        self.setObjectName(f"field_{desc.name}")
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)

    def set_value(self, value: Any) -> None:
        """Show `value` without emitting `edited`."""
        raise NotImplementedError

    def value(self) -> Any:
        """The value shown."""
        raise NotImplementedError

    def _add(self, widget: QWidget) -> None:
        widget.setToolTip(field_tip(self.desc))
        self._layout.addWidget(widget)

    @Slot()
    def _commit(self) -> None:
        self.edited.emit(self.value())


class BoolEditor(FieldEditor):
    """A check box."""

    def __init__(self, desc: FieldDesc) -> None:
        super().__init__(desc)
        self.box = QCheckBox()
        self._add(self.box)
        self.box.toggled.connect(self._commit)

    def set_value(self, value: Any) -> None:
        self.box.blockSignals(True)
        self.box.setChecked(bool(value))
        self.box.blockSignals(False)

    def value(self) -> Any:
        return self.box.isChecked()


class IntEditor(FieldEditor):
    """A spin box within the field's bounds; an optional field's empty value sits below the minimum."""

    def __init__(self, desc: FieldDesc) -> None:
        super().__init__(desc)
        self.spin = QSpinBox()
        lo = int(desc.minimum) if desc.minimum is not None else -INT_LIMIT
        hi = int(min(desc.maximum, INT_LIMIT)) if desc.maximum is not None else INT_LIMIT
        self.none_value = lo - 1 if desc.optional else None
        self.spin.setRange(lo - 1 if desc.optional else lo, hi)
        if desc.optional or desc.none_text:  # the lowest value reads as its meaning: "= kernel size", "off"
            self.spin.setSpecialValueText(desc.none_text or _("auto"))
        self.spin.setKeyboardTracking(False)  # one edit per committed number, not per keystroke
        self.spin.setAccelerated(True)
        self._add(self.spin)
        self.spin.valueChanged.connect(self._commit)

    def set_value(self, value: Any) -> None:
        self.spin.blockSignals(True)
        self.spin.setValue(self.none_value if value is None and self.none_value is not None else int(value))
        self.spin.blockSignals(False)

    def value(self) -> Any:
        v = self.spin.value()
        return None if v == self.none_value else v


class FloatEditor(FieldEditor):
    """A decimal spin box; log-scale fields use 1-2-5 steps and accept scientific notation."""

    def __init__(self, desc: FieldDesc) -> None:
        super().__init__(desc)
        lo = desc.minimum if desc.minimum is not None else -1e9
        hi = desc.maximum if desc.maximum is not None else 1e9
        if desc.log:
            self.spin: QDoubleSpinBox = LogSpinBox(lo, hi, allow_zero=lo <= 0.0, first=desc.first or FIRST_STEP)
        else:
            self.spin = QDoubleSpinBox()
            self.spin.setDecimals(desc.decimals if desc.decimals is not None else 4)
            self.spin.setRange(lo, hi)
            self.spin.setSingleStep(0.05 if hi <= 1.0 else 0.1)
        if desc.none_text:
            self.spin.setSpecialValueText(desc.none_text)
        self.spin.setKeyboardTracking(False)
        self._add(self.spin)
        self.spin.valueChanged.connect(self._commit)

    def set_value(self, value: Any) -> None:
        self.spin.blockSignals(True)
        self.spin.setValue(float(value))
        self.spin.blockSignals(False)

    def value(self) -> Any:
        return self.spin.value()


class ChoiceEditor(FieldEditor):
    """A combo box of the allowed values."""

    def __init__(self, desc: FieldDesc, labels: dict[Any, str] | None = None) -> None:
        super().__init__(desc)
        self.combo = narrow_combo()
        named = {**desc.choice_labels, **(labels or {})}
        for choice in desc.choices:
            text = named.get(choice) or _(choice_words(choice))
            self.combo.addItem(text, choice)
        self._add(self.combo)
        self.combo.currentIndexChanged.connect(self._commit)

    def set_value(self, value: Any) -> None:
        self.combo.blockSignals(True)
        index = self.combo.findData(value)
        if index < 0:  # a value not offered (e.g. a device this machine lacks): show it anyway
            self.combo.addItem(str(value), value)
            index = self.combo.count() - 1
        self.combo.setCurrentIndex(index)
        self.combo.blockSignals(False)

    def value(self) -> Any:
        return self.combo.currentData()


class TextEditor(FieldEditor):
    """A line of text, committed on Enter or when focus leaves; a path field adds a Browse button."""

    def __init__(self, desc: FieldDesc) -> None:
        super().__init__(desc)
        self.line = QLineEdit()
        self.line.setPlaceholderText(desc.none_text)
        self._add(self.line)
        self.line.editingFinished.connect(self._commit_if_changed)
        self._shown: Any = None
        if desc.path:
            browse = QToolButton()
            browse.setText("…")
            browse.setObjectName(f"browse_{desc.name}")
            browse.setToolTip(_("Choose the folder") if desc.path == "folder" else _("Choose the file"))
            browse.clicked.connect(self._browse)
            self._layout.addWidget(browse)

    def set_value(self, value: Any) -> None:
        self._shown = value
        self.line.setText("" if value is None else str(value))

    def value(self) -> Any:
        text = self.line.text().strip()
        return None if self.desc.optional and not text else text

    @Slot()
    def _commit_if_changed(self) -> None:
        if self.value() != self._shown:
            self._shown = self.value()
            self.edited.emit(self._shown)

    @Slot()
    def _browse(self) -> None:
        if self.desc.path == "folder":
            chosen = QFileDialog.getExistingDirectory(self, self.desc.title, self.line.text())
        else:
            chosen, _filter = QFileDialog.getOpenFileName(self, self.desc.title, self.line.text())
        if chosen:
            self.line.setText(chosen)
            self._commit_if_changed()


class PairEditor(FieldEditor):
    """Two numbers side by side (Adam's betas)."""

    def __init__(self, desc: FieldDesc) -> None:
        super().__init__(desc)
        self.spins = []
        for _index in range(2):
            spin = QDoubleSpinBox()
            spin.setDecimals(4)
            spin.setRange(0.0, 0.9999)
            spin.setSingleStep(0.001)
            spin.setKeyboardTracking(False)
            spin.valueChanged.connect(self._commit)
            self._add(spin)
            self.spins.append(spin)

    def set_value(self, value: Any) -> None:
        for spin, v in zip(self.spins, value, strict=True):
            spin.blockSignals(True)
            spin.setValue(float(v))
            spin.blockSignals(False)

    def value(self) -> Any:
        return (self.spins[0].value(), self.spins[1].value())


class FloatsEditor(TextEditor):
    """A short list of numbers typed as `0.5, 0.5, 0.5`; text that is not numbers is not committed."""

    def set_value(self, value: Any) -> None:
        self._shown = list(value)
        self.line.setText(", ".join(f"{v:g}" for v in value))

    def value(self) -> Any:
        try:
            return [float(part) for part in self.line.text().replace(";", ",").split(",") if part.strip()]
        except ValueError:
            return None

    @Slot()
    def _commit_if_changed(self) -> None:
        value = self.value()
        self.line.setProperty("invalid", value is None or not value)
        self.line.setStyleSheet(f"border: 1px solid {colour(Tone.ERROR).name()};" if value is None or not value else "")
        if value and value != self._shown:
            self._shown = value
            self.edited.emit(value)


class IntsEditor(FloatsEditor):
    """A short list of whole numbers typed as `0, 2, 1` (sizes, axes); anything else is not committed."""

    def set_value(self, value: Any) -> None:
        self._shown = list(value)
        self.line.setText(", ".join(str(v) for v in value))

    def value(self) -> Any:
        try:
            return [int(part) for part in self.line.text().replace(";", ",").split(",") if part.strip()]
        except ValueError:
            return None


class NamesEditor(TextEditor):
    """A list of names typed as `open, high, low` (columns); empty is an empty list."""

    def set_value(self, value: Any) -> None:
        self._shown = list(value)
        self.line.setText(", ".join(value))

    def value(self) -> Any:
        return [part.strip() for part in self.line.text().split(",") if part.strip()]


EDITORS: dict[str, Callable[[FieldDesc], FieldEditor]] = {
    "bool": BoolEditor,
    "int": IntEditor,
    "float": FloatEditor,
    "choice": ChoiceEditor,
    "text": TextEditor,
    "path": TextEditor,
    "pair": PairEditor,
    "floats": FloatsEditor,
    "ints": IntsEditor,
    "names": NamesEditor,
}
