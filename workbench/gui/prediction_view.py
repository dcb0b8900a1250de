"""The network's answer for one picture of the student's own: the picture as it saw it, the top classes."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from ..engine.events import Prediction
from ..i18n import _
from ..spec.datasets import class_words
from .preview import thumbnail_grid
from .theme import Tone, style

TOP = 5


def percent(probability: float) -> str:
    """A probability as the dialog writes it, in the headline and on the bars alike."""
    return f"{probability:.1%}"


class PredictionDialog(QDialog):
    """The picture (resized, inverted when it had to be) and the five likeliest classes with bars."""

    def __init__(self, prediction: Prediction, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("predictionDialog")
        self.setWindowTitle(_("What the network says about {file}").format(file=name))
        layout = QHBoxLayout(self)
        left = QVBoxLayout()
        self.picture = QLabel()
        self.picture.setObjectName("predictionPicture")
        self.picture.setPixmap(thumbnail_grid(prediction.image[None], [""], columns=1, cell=168))
        left.addWidget(self.picture)
        size = "×".join(str(n) for n in prediction.image.shape[1:])
        caption = QLabel(_("As the network sees it ({size})").format(size=size))
        caption.setStyleSheet(style(Tone.MUTED))
        left.addWidget(caption)
        left.addStretch(1)
        layout.addLayout(left)
        side = QGridLayout()
        order = np.argsort(prediction.probabilities)[::-1][:TOP]
        best = int(order[0])
        names = prediction.class_names

        def name_of(k: int) -> str:
            return class_words(names[k]) if k < len(names) else str(k)

        said = _("It says <b>{answer}</b> ({sure} sure).")  # the same number as its bar
        self.answer = QLabel(said.format(answer=name_of(best), sure=percent(float(prediction.probabilities[best]))))
        self.answer.setObjectName("predictionAnswer")
        side.addWidget(self.answer, 0, 0, 1, 2)
        self.bars: list[QProgressBar] = []
        for row, k in enumerate(order, start=1):
            side.addWidget(QLabel(name_of(int(k))), row, 0)
            bar = QProgressBar()
            bar.setRange(0, 1000)
            bar.setValue(round(1000 * float(prediction.probabilities[k])))
            bar.setFormat(percent(float(prediction.probabilities[k])))
            side.addWidget(bar, row, 1)
            self.bars.append(bar)
        note = (
            _("Its background was light, unlike the training pictures, so it was inverted first.")
            if prediction.inverted
            else _("It was resized to the training pictures' size first.")
        )
        hint = QLabel(note)
        hint.setWordWrap(True)
        hint.setStyleSheet(style(Tone.MUTED))
        side.addWidget(hint, TOP + 1, 0, 1, 2)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        side.addWidget(buttons, TOP + 2, 0, 1, 2)
        layout.addLayout(side, 1)
