"""Training settings: a form generated from the spec, with a preview of the learning-rate schedule."""

from __future__ import annotations

from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ...i18n import N_, _
from ...spec import ExperimentSpec, TrainingSpec
from ..document import ExperimentDocument
from ..forms.editors import ChoiceEditor, FieldEditor
from ..forms.introspect import FieldDesc
from ..forms.model_form import FieldChange, ModelForm
from ..theme import Tone, still_plot, style, themed_plot

DEVICE_LABELS = {"auto": N_("Auto (GPU when there is one)"), "cpu": "CPU", "mps": N_("Apple GPU (mps)")}


def device_editor(desc: FieldDesc, devices: tuple[str, ...] = ("cpu",)) -> FieldEditor:
    """A combo of this machine's devices instead of free text (GPUs join once torch has loaded)."""
    choices = ("auto", *devices)
    editor = ChoiceEditor(
        FieldDesc(**{**desc.__dict__, "kind": "choice", "choices": choices}),
        labels={c: _(DEVICE_LABELS.get(c, c)) for c in choices},
    )
    # Its choices are few and short enough to show whole: the panel is as wide as they need.
    editor.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
    return editor


class QtTrainingPanel(QWidget):
    """Epochs, batch size, device, loss, optimizer, schedule, regularization and early stopping.

    `find_lr_requested` asks the window to run the learning-rate finder on the current settings.
    """

    find_lr_requested = Signal()

    def __init__(self, document: ExperimentDocument) -> None:
        super().__init__()
        self.setObjectName("trainingPanel")
        self.setAccessibleName(_("Training settings"))
        self.document = document
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.form = ModelForm(
            TrainingSpec,
            document.spec.training,
            factories={"device": device_editor},
            names={"optimizer": "optimizerCombo", "scheduler": "schedulerCombo"},
            place=("training",),
        )
        self.form.edited.connect(self._edited)
        layout.addWidget(self.form)
        self.find_lr_button = QPushButton(_("Find a learning rate…"))
        self.find_lr_button.setObjectName("findLrButton")
        self.find_lr_button.setToolTip(
            _(
                "Train a throwaway copy of the network for a few batches with a growing learning rate, "
                "and suggest the rate where the loss falls fastest"
            )
        )
        self.find_lr_button.clicked.connect(self.find_lr_requested)
        caption = QLabel(_("Learning rate per epoch"))
        caption.setStyleSheet(style(Tone.MUTED))
        row = QHBoxLayout()  # the schedule's caption and the finder share a line: the panel fits the window
        row.addWidget(caption)
        row.addStretch(1)
        row.addWidget(self.find_lr_button)
        layout.addLayout(row)
        self.lr_plot = themed_plot()
        self.lr_plot.setObjectName("lrSchedulePlot")
        self.lr_plot.setFixedHeight(110)
        still_plot(self.lr_plot)
        left = self.lr_plot.getPlotItem().getAxis("left")
        left.enableAutoSIPrefix(False)
        left.setWidth(52)  # room for labels such as 0.0005 whatever the rate
        self.lr_curve: Any = self.lr_plot.plot(pen=pg.mkPen("#1f77b4", width=2), stepMode="center")
        layout.addWidget(self.lr_plot)
        layout.addStretch(1)
        document.changed.connect(self.show_spec)
        self.show_spec(document.spec)

    def set_devices(self, devices: list[str]) -> None:
        """Offer this machine's devices (called once torch has loaded and looked for GPUs)."""
        editor: ChoiceEditor = self.form.widgets["device"]
        editor.combo.blockSignals(True)
        editor.combo.clear()
        for choice in ("auto", *devices):
            editor.combo.addItem(_(DEVICE_LABELS.get(choice, choice)), choice)
        editor.combo.blockSignals(False)
        editor.set_value(self.document.spec.training.device)

    def set_finding(self, finding: bool) -> None:
        """The finder is running (the button waits) or done."""
        self.find_lr_button.setEnabled(not finding)
        self.find_lr_button.setText(_("Finding a learning rate…") if finding else _("Find a learning rate…"))

    @Slot(object, object)
    def _edited(self, training: TrainingSpec, change: FieldChange) -> None:
        self.document.set_training(training, change)

    @Slot(object)
    def show_spec(self, spec: ExperimentSpec) -> None:
        """Show the training settings and the schedule they give."""
        self.form.set_value(spec.training)
        training = spec.training
        rates = training.scheduler.rates(training.optimizer.lr, min(training.epochs, 1000))
        self.lr_curve.setData([i + 0.5 for i in range(len(rates) + 1)], rates)  # epochs 1..n as steps
        self.lr_plot.setXRange(0.5, len(rates) + 0.5, padding=0)
        self.lr_plot.setYRange(0, max(rates) * 1.1, padding=0)


if __name__ == "__main__":
    from ..standalone import show

    show(lambda doc: QtTrainingPanel(doc))
