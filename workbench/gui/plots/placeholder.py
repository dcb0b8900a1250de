"""A plot that shows a sentence until it has something to show: empty axes from 0 to 1 mean nothing."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QStackedWidget, QWidget

from ..theme import Tone, style


class PlotOrSentence(QStackedWidget):
    """Shows `sentence` (centred, muted) until `show_plot(True)`, then the plot widget."""

    def __init__(self, plot: QWidget, sentence: str) -> None:
        super().__init__()
        self.sentence = QLabel(sentence)
        self.sentence.setObjectName(f"{plot.objectName() or 'plot'}Empty")
        self.sentence.setWordWrap(True)
        self.sentence.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.sentence.setStyleSheet(style(Tone.MUTED))
        self.sentence.setMargin(12)
        self.addWidget(self.sentence)
        self.addWidget(plot)
        self.plot = plot

    def show_plot(self, on: bool) -> None:
        """The plot once there is data in it; the sentence before."""
        wanted = self.plot if on else self.sentence
        if self.currentWidget() is not wanted:
            self.setCurrentWidget(wanted)

    @property
    def empty(self) -> bool:
        """True while the sentence shows."""
        return self.currentWidget() is self.sentence
