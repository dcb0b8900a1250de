"""After a run: why it stopped, the test metrics and the confusion matrix with class names."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...engine.events import Mistake, StopReason, TestResult
from ...engine.stream import RunEnded
from ..preview import thumbnail_grid

REASON_COLOURS = {
    StopReason.COMPLETED: "#2e7d32",
    StopReason.EARLY_STOPPED: "#2e7d32",
    StopReason.USER_STOPPED: "#555555",
    StopReason.DIVERGED: "#c62828",
    StopReason.FAILED: "#c62828",
}


class ResultsPanel(QWidget):
    """The stop sentence, the test loss and accuracy, and a confusion matrix (rows: true class).

    After a run, a combo picks the weights to test (and export): those the run ended with, or
    any epoch's; `epoch_chosen` carries the 0-based epoch, or None for the run's end.
    """

    epoch_chosen = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("resultsPanel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        self.reason = QLabel("Results appear here when a run ends.")
        self.reason.setObjectName("stopReasonLabel")
        self.reason.setWordWrap(True)
        self.reason.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.reason)
        self.epoch_row = QWidget()
        row = QHBoxLayout(self.epoch_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Test the weights of"))
        self.epoch_combo = QComboBox()
        self.epoch_combo.setObjectName("snapshotCombo")
        self.epoch_combo.setAccessibleName("Which epoch's weights to test and export")
        self.epoch_combo.setToolTip(
            "Every epoch's weights are kept: pick one to see its test results; Export model then saves it."
        )
        self.epoch_combo.currentIndexChanged.connect(lambda _i: self.epoch_chosen.emit(self.epoch_combo.currentData()))
        row.addWidget(self.epoch_combo)
        row.addStretch(1)
        layout.addWidget(self.epoch_row)
        self.epoch_row.hide()
        self.metrics = QLabel()
        self.metrics.setObjectName("testMetricsLabel")
        layout.addWidget(self.metrics)
        self.matrix = QTableWidget()
        self.matrix.setObjectName("confusionMatrix")
        self.matrix.setAccessibleName("Confusion matrix: rows are the true classes, columns the predicted ones")
        self.matrix.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.matrix.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.matrix.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.matrix, 1)
        self.matrix.hide()
        self.mistakes_title = QLabel("<b>Most confident mistakes</b> (true → answer)")
        layout.addWidget(self.mistakes_title)
        self.mistakes = QLabel()
        self.mistakes.setObjectName("mistakesGallery")
        self.mistakes.setAccessibleName("Test pictures the network got wrong")
        layout.addWidget(self.mistakes)
        self._show_mistakes((), ())

    def clear(self) -> None:
        """A new run started."""
        self.reason.setText("Training…")
        self.reason.setStyleSheet("")
        self.epoch_row.hide()
        self.metrics.setText("")
        self.matrix.hide()
        self._show_mistakes((), ())

    def show_failure(self, message: str) -> None:
        """The run could not start or broke: say so in red."""
        self.reason.setText(message)
        self.reason.setStyleSheet("color: #c62828;")

    def set_epochs(self, epochs: list[int], best: int | None, chosen: int | None) -> None:
        """Offer the kept epochs (0-based) besides the run's end; hidden when there is no choice."""
        wanted = [("where the run ended", None)] + [
            (f"epoch {e + 1}" + (" (best)" if e == best else ""), e) for e in reversed(epochs)
        ]
        have = [(self.epoch_combo.itemText(i), self.epoch_combo.itemData(i)) for i in range(self.epoch_combo.count())]
        if have != wanted:
            self.epoch_combo.blockSignals(True)
            self.epoch_combo.clear()
            for text, epoch in wanted:
                self.epoch_combo.addItem(text, epoch)
            self.epoch_combo.blockSignals(False)
        index = self.epoch_combo.findData(chosen) if chosen is not None else 0
        if index != self.epoch_combo.currentIndex():
            self.epoch_combo.blockSignals(True)
            self.epoch_combo.setCurrentIndex(max(index, 0))
            self.epoch_combo.blockSignals(False)
        self.epoch_row.setVisible(len(epochs) > 1)

    def show_end(self, ended: RunEnded, chosen: int | None = None, chosen_test: TestResult | None = None) -> None:
        """The stop reason sentence and, when there was a test split, the test results: of the
        weights the run ended with, or of the chosen epoch's."""
        self.reason.setText(ended.message)
        self.reason.setStyleSheet(f"color: {REASON_COLOURS[ended.reason]};")
        if ended.test is None:
            self.epoch_row.hide()
            self.metrics.setText("No test split: set a test share in the dataset panel to get a final test.")
            self.matrix.hide()
            self._show_mistakes((), ())
            return
        if chosen is None:
            self.show_test(ended.test)
        elif chosen_test is None:
            self.metrics.setText(f"Testing the weights of epoch {chosen + 1}…")
        else:
            self.show_test(chosen_test, f"the weights of epoch {chosen + 1}")

    def show_test(self, result: TestResult, whose: str = "") -> None:
        """Test metrics and the confusion matrix."""
        metric = (
            f"accuracy <b>{result.accuracy:.2%}</b>" if result.accuracy is not None else f"MAE <b>{result.mae:.4g}</b>"
        )
        of = f" with {whose}" if whose else ""
        self.metrics.setText(f"Test ({result.samples:,} samples){of}: loss {result.loss:.4f} · {metric}")
        self._show_mistakes(result.mistakes, result.class_names)
        if result.confusion is None:
            self.matrix.hide()
            return
        self._fill(result.confusion, result.class_names)
        self.matrix.show()

    def _fill(self, confusion: np.ndarray, names: tuple[str, ...]) -> None:
        k = len(confusion)
        labels = list(names) if len(names) == k else [str(i) for i in range(k)]
        self.matrix.setRowCount(k)
        self.matrix.setColumnCount(k)
        self.matrix.setHorizontalHeaderLabels([f"→ {n}" for n in labels])
        self.matrix.setVerticalHeaderLabels(labels)
        totals = confusion.sum(axis=1, keepdims=True).clip(min=1)
        for i in range(k):
            for j in range(k):
                item = QTableWidgetItem(str(int(confusion[i, j])))
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                share = float(confusion[i, j] / totals[i, 0])
                base = (46, 125, 50) if i == j else (198, 40, 40)
                item.setBackground(QBrush(QColor(*base, int(20 + 200 * share) if confusion[i, j] else 0)))
                count = int(confusion[i, j])
                item.setToolTip(f"true {labels[i]}, predicted {labels[j]}: {count} ({share:.0%} of {labels[i]})")
                self.matrix.setItem(i, j, item)

    def _show_mistakes(self, mistakes: tuple[Mistake, ...], names: tuple[str, ...]) -> None:
        """A strip of the wrong test pictures, captioned `true→answer`; the tooltip says how sure it was."""
        self.mistakes_title.setVisible(bool(mistakes))
        self.mistakes.setVisible(bool(mistakes))
        if not mistakes:
            self.mistakes.clear()
            return

        def name(k: int) -> str:
            return names[k] if k < len(names) else str(k)

        images = np.stack([m.image for m in mistakes])
        captions = [f"{name(m.true)[:3]}→{name(m.predicted)[:3]}" for m in mistakes]
        self.mistakes.setPixmap(thumbnail_grid(images, captions, columns=8, cell=40))
        self.mistakes.setToolTip(
            "\n".join(f"a {name(m.true)}, taken for a {name(m.predicted)} ({m.confidence:.0%} sure)" for m in mistakes)
        )
