"""Vary one setting: the dialog that picks a setting of the experiment (any field of its forms, or
the variants its file carries), the values to try (suggested from the setting, or spaced on a log
scale between two rates) and the seeds for each; it says how many runs that makes, or what is wrong
with a value, before anything is queued."""

from __future__ import annotations

import json

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ..i18n import _
from ..spec import ExperimentSpec, SpecError
from ..spec.places import place_words
from ..spec.sweep import VARIANT, Vary, log_spaced, plan, suggested_values, sweepable, with_value
from .theme import Tone, style

MAX_SEEDS = 20


def _current(experiment: ExperimentSpec, path: str) -> object:
    from ..spec.variants import setting_place

    parent, key = setting_place(json.loads(experiment.to_json()), path)
    return parent[key]


class VaryDialog(QDialog):
    """Choose one setting, its values and the seeds; `chosen()` after Accept."""

    def __init__(
        self,
        experiment: ExperimentSpec,
        variants: bool,
        seeds: int,
        parent: QWidget | None = None,
        place: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("varyDialog")
        self.setWindowTitle(_("Vary one setting"))
        self.experiment = experiment
        self.setting = QComboBox()
        self.setting.setObjectName("varySetting")
        places = ([VARIANT] if experiment.variants else []) + sweepable(experiment)
        for path in places:
            self.setting.addItem(_words(experiment, path), path)
        if place in places:  # the setting right-clicked in a form
            self.setting.setCurrentIndex(places.index(place))
        elif variants and experiment.variants:
            self.setting.setCurrentIndex(0)
        elif "training.optimizer.lr" in places:
            self.setting.setCurrentIndex(places.index("training.optimizer.lr"))
        self.values = QLineEdit()
        self.values.setObjectName("varyValues")
        self.values.setToolTip(_("The values to try, separated by commas"))
        self.low, self.high = QLineEdit(), QLineEdit()
        self.low.setObjectName("varyLow")
        self.high.setObjectName("varyHigh")
        self.count = QSpinBox()
        self.count.setRange(2, 12)
        self.count.setValue(4)
        self.fill = QPushButton(_("Fill"))
        self.fill.setObjectName("varyFill")
        self.fill.clicked.connect(self._fill_log_spaced)
        spaced = QHBoxLayout()
        for widget in (QLabel(_("from")), self.low, QLabel(_("to")), self.high, QLabel(_("values:")), self.count):
            spaced.addWidget(widget)
        spaced.addWidget(self.fill)
        self.spaced_row = QWidget()
        self.spaced_row.setLayout(spaced)
        spaced.setContentsMargins(0, 0, 0, 0)
        self.seeds = QSpinBox()
        self.seeds.setObjectName("varySeeds")
        self.seeds.setRange(1, MAX_SEEDS)
        self.seeds.setValue(seeds)
        self.seeds.setToolTip(
            _("Each value trains with this many seeds: their spread is the noise a difference must beat")
        )
        self.said = QLabel()
        self.said.setObjectName("varySaid")
        self.said.setWordWrap(True)
        self.said.setMinimumHeight(3 * self.said.fontMetrics().lineSpacing())  # a longer sentence moves no button
        hint = QLabel(_("Any setting of the forms: choose it here, or right-click its name in the forms."))
        hint.setWordWrap(True)
        hint.setStyleSheet(style(Tone.MUTED))
        form = QFormLayout()
        form.addRow(hint)
        form.addRow(_("Setting:"), self.setting)
        form.addRow(_("Values:"), self.values)
        form.addRow(_("Spaced on a log scale:"), self.spaced_row)
        form.addRow(_("Seeds for each value:"), self.seeds)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("Queue the runs"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.said)
        layout.addWidget(self.buttons)
        self.setting.currentIndexChanged.connect(self._setting_chosen)
        self.values.textChanged.connect(self._check)
        self.seeds.valueChanged.connect(self._check)
        self._setting_chosen()
        self.resize(720, self.sizeHint().height())

    @property
    def path(self) -> str:
        return str(self.setting.currentData())

    @Slot()
    def _setting_chosen(self) -> None:
        path = self.path
        if path == VARIANT:
            values: list[object] = [variant.name for variant in self.experiment.variants]
        else:
            values = list(suggested_values(self.experiment, path))
        self.values.setText(", ".join(v if isinstance(v, str) else json.dumps(v) for v in values))
        self.values.setReadOnly(path == VARIANT)
        numeric = [v for v in values if isinstance(v, float) and v > 0]
        self.spaced_row.setEnabled(bool(numeric))
        if numeric:
            self.low.setText(f"{min(numeric):g}")
            self.high.setText(f"{max(numeric):g}")
            self.count.setValue(max(len(numeric), 2))  # Fill gives back the values shown
        self._check()

    @Slot()
    def _fill_log_spaced(self) -> None:
        try:
            values = log_spaced(float(self.low.text()), float(self.high.text()), self.count.value())
        except ValueError as exc:
            self._say(str(exc), Tone.ERROR)
            return
        self.values.setText(", ".join(f"{v:g}" for v in values))

    def chosen(self) -> tuple[Vary, int] | None:
        """The setting and its values, and the seeds; None while a value does not fit."""
        try:
            vary = self._vary()
            plan(self.experiment, vary, self.seeds.value())
        except (SpecError, ValueError):
            return None
        return vary, self.seeds.value()

    def _vary(self) -> Vary:
        if self.path == VARIANT:
            return Vary(VARIANT, tuple(variant.name for variant in self.experiment.variants))
        vary = Vary.parse(f"{self.path}={self.values.text()}")
        if len(vary.values) < 2:
            raise ValueError(_("give two values or more to compare"))
        for value in vary.values:  # each value checked now, not when its run starts
            with_value(self.experiment, vary.path, value)
        return vary

    @Slot()
    def _check(self) -> None:
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        try:
            vary = self._vary()
            runs = plan(self.experiment, vary, self.seeds.value())
        except (SpecError, ValueError) as exc:
            ok.setEnabled(False)
            self._say(str(exc), Tone.ERROR)
            return
        ok.setEnabled(True)
        self._say(
            _("{runs} runs: {values} values × {seeds} seeds, queued in a sweep window").format(
                runs=len(runs), values=len(vary.values), seeds=self.seeds.value()
            ),
            Tone.NOTE,
        )

    def _say(self, text: str, tone: Tone) -> None:
        self.said.setText(text)
        self.said.setStyleSheet(style(tone))


def _words(experiment: ExperimentSpec, path: str) -> str:
    """A setting as the picker lists it: its place in the window's words, its value and its place in the file."""
    if path == VARIANT:
        names = ", ".join(variant.name for variant in experiment.variants)
        return _("The variants this experiment carries ({names})").format(names=names)
    field = path.rsplit(".", 1)[-1] if "[" in path else ""  # a layer's setting: the place names the layer
    words = place_words(path, experiment) + (f" · {field}" if field else "")
    return f"{words} = {json.dumps(_current(experiment, path))}    ({path})"
