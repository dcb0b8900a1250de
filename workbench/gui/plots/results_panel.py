"""After a run: why it stopped, the test metrics and the confusion matrix with class names."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QResizeEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...engine.events import MISTAKES, Mistake, StopReason, TestResult
from ...engine.stream import RunEnded
from ...i18n import N_, _
from ...spec.datasets import class_words
from ..preview import thumbnail_grid
from ..theme import Tone, style
from .forecast_plot import ForecastPlot

REASON_TONES = {
    StopReason.COMPLETED: Tone.GOOD,
    StopReason.EARLY_STOPPED: Tone.GOOD,
    StopReason.USER_STOPPED: Tone.MUTED,
    StopReason.DIVERGED: Tone.ERROR,
    StopReason.FAILED: Tone.ERROR,
}
NOT_LEARNED_TONE = Tone.ADVICE  # amber: it ran, but learned nothing
MISTAKE_COLUMNS, THUMB_PX = 8, 40
NO_MISTAKES = N_("<b>No mistakes</b> on the test set.")
NOT_PICTURES = N_(
    "The test samples are not pictures, so there are no pictures of the mistakes: the confusion matrix counts them."
)
ELSEWHERE = N_(
    "An autoencoder's results are pictures: its reconstructions, its codes on the plane and the pictures "
    "drawn from codes are on the <b>Latent space</b> tab."
)
MATRIX_TITLE = N_(
    "<b>Confusion matrix</b> (test set): rows are the <b>true</b> classes, columns the <b>predicted</b> ones."
)


class ResultsPanel(QWidget):
    """The stop sentence, the test loss and accuracy, and a confusion matrix (rows: true class).

    After a run, a combo picks the weights to test (and export): those the run ended with, or
    any epoch's; `epoch_chosen` carries the 0-based epoch, or None for the run's end.
    """

    epoch_chosen = Signal(object)
    picture_requested = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("resultsPanel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        self.reason = QLabel(_("Results appear here when a run ends."))
        self.reason.setObjectName("stopReasonLabel")
        self.reason.setWordWrap(True)
        self.reason.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.reason)
        row = QHBoxLayout()  # which weights, then their test results: one line, so the matrix keeps its room
        row.setContentsMargins(0, 0, 0, 0)
        self.epoch_combo = QComboBox()
        self.epoch_combo.setObjectName("snapshotCombo")
        # Its choices can be long ("Weights the run ended with (epoch 22, restored)"): the list shows them
        # whole, the closed box as much as fits, so the results never widen the centre of the window.
        self.epoch_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.epoch_combo.setMinimumContentsLength(18)
        self.epoch_combo.setAccessibleName(_("Which epoch's weights to test and export"))
        self.epoch_combo.setToolTip(
            _("Every epoch's weights are kept: pick one to see its test results; Export model then saves it.")
        )
        self.epoch_combo.currentIndexChanged.connect(lambda _i: self.epoch_chosen.emit(self.epoch_combo.currentData()))
        row.addWidget(self.epoch_combo)
        self.epoch_combo.hide()
        self.metrics = QLabel()
        self.metrics.setObjectName("testMetricsLabel")
        self.metrics.setWordWrap(True)  # a long line must not widen the centre and squeeze the side panels
        row.addWidget(self.metrics, 1)
        layout.addLayout(row)
        self.elsewhere = QLabel(_(ELSEWHERE))  # an autoencoder's results are pictures, on a tab of their own
        self.elsewhere.setObjectName("resultsElsewhere")
        self.elsewhere.setWordWrap(True)
        self.elsewhere.hide()
        layout.addWidget(self.elsewhere)
        self.forecast = ForecastPlot()
        self.forecast.hide()
        layout.addWidget(self.forecast, 1)
        self.matrix = QTableWidget()
        self.matrix.setObjectName("confusionMatrix")
        self.matrix.setAccessibleName(_("Confusion matrix: rows are the true classes, columns the predicted ones"))
        self.matrix.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.matrix.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.matrix.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.matrix.verticalHeader().setMinimumSectionSize(16)  # ten classes fit without scrolling
        self.matrix_title = QLabel(_(MATRIX_TITLE))
        self.matrix_title.setObjectName("confusionTitle")
        self.matrix_title.setWordWrap(True)
        self.matrix_title.hide()
        layout.addWidget(self.matrix_title)
        layout.addWidget(self.matrix, 1)
        self.matrix.hide()
        self.matrix.cellClicked.connect(self._cell_clicked)
        self.result: TestResult | None = None  # the test result shown
        self.cell: tuple[int, int] | None = None  # the confusion cell whose pictures the strip shows
        self.mistakes_title = QLabel()
        self.mistakes_title.setWordWrap(True)
        self.picture_button = QPushButton(_("Try a picture…"))
        self.picture_button.setObjectName("tryPictureButton")
        self.picture_button.setToolTip(_("Show the trained network a picture of your own and see what it answers"))
        self.picture_button.clicked.connect(self.picture_requested)
        self.picture_button.hide()
        title_row = QHBoxLayout()
        title_row.addWidget(self.mistakes_title, 1)
        title_row.addWidget(self.picture_button)
        layout.addLayout(title_row)
        self.mistakes = QLabel()
        self.mistakes.setObjectName("mistakesGallery")
        # Its width follows the panel's (the pictures wrap into rows), not the other way round.
        self.mistakes.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.strip: tuple[np.ndarray, list[str]] | None = None
        self.strip_columns = MISTAKE_COLUMNS
        self.mistakes.setAccessibleName(_("Test pictures the network got wrong"))
        layout.addWidget(self.mistakes)
        # Below the rest when neither the matrix nor the forecast fills the tab: the sentences stay
        # together at its top instead of floating apart.
        self.filler = QWidget()
        layout.addWidget(self.filler, 1)
        self._show_mistakes((), ())

    def clear(self) -> None:
        """A new run started."""
        self.reason.setText(_("Training…"))
        self.reason.setStyleSheet("")
        self.epoch_combo.hide()
        self.metrics.setText("")
        self.matrix.hide()
        self.matrix_title.hide()
        self.forecast.hide()
        self.elsewhere.hide()
        self.result, self.cell = None, None
        self._show_mistakes((), ())
        self._settle()

    def show_failure(self, message: str) -> None:
        """The run could not start or broke: say so in red."""
        self.reason.setText(message)
        self.reason.setStyleSheet(style(Tone.ERROR))
        self._settle()

    def _settle(self) -> None:
        self.filler.setVisible(self.matrix.isHidden() and self.forecast.isHidden())

    def set_epochs(
        self, epochs: list[int], best: int | None, chosen: int | None, ended_with: int | None = None
    ) -> None:
        """Offer the kept epochs (0-based) besides the weights the run ended with (those of
        `ended_with`, restored when it is not the last epoch); hidden when there is no choice."""
        last = max(epochs) if epochs else None
        end = _("Weights the run ended with")
        if ended_with is not None:
            restored = last is not None and ended_with < last
            at = _("(epoch {epoch}, restored)") if restored else _("(epoch {epoch})")
            end += " " + at.format(epoch=ended_with + 1)
        wanted = [(end, None)] + [
            ((_("Epoch {epoch} (best)") if e == best else _("Epoch {epoch}")).format(epoch=e + 1), e)
            for e in reversed(epochs)
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
        self.epoch_combo.setVisible(len(epochs) > 1)

    def show_end(self, ended: RunEnded, chosen: int | None = None, chosen_test: TestResult | None = None) -> None:
        """The stop reason sentence and, when there was a test split, the test results: of the
        weights the run ended with, or of the chosen epoch's."""
        self.reason.setText(ended.message)
        self.reason.setStyleSheet(style(NOT_LEARNED_TONE if ended.learned is False else REASON_TONES[ended.reason]))
        if ended.test is None:
            self.epoch_combo.hide()
            self.forecast.hide()
            self.metrics.setText(_("No test split: set a test share in the dataset panel to get a final test."))
            self.matrix.hide()
            self.result, self.cell = None, None
            self._show_mistakes((), ())
            self._settle()
            return
        if chosen is None:
            self.show_test(ended.test)
        elif chosen_test is None:
            self.metrics.setText(_("Testing the weights of epoch {epoch}…").format(epoch=chosen + 1))
        else:
            self.show_test(chosen_test, _("the weights of epoch {epoch}").format(epoch=chosen + 1))

    def show_test(self, result: TestResult, whose: str = "") -> None:
        """Test metrics and the confusion matrix, or a regression's forecast."""
        self._show_test(result, whose)
        self._settle()

    def _show_test(self, result: TestResult, whose: str) -> None:
        metric = " · ".join(f"{_(name)} <b>{text}</b>" for name, _value, text in result.scores())
        said = _("Test ({samples} samples): loss {loss} · {scores}")
        self.metrics.setText(said.format(samples=f"{result.samples:,}", loss=f"{result.loss:.4f}", scores=metric))
        whose = whose or _("the weights the run ended with")
        self.metrics.setToolTip(_("The test split, with {whose}").format(whose=whose))
        if result is not self.result:
            self.result, self.cell = result, None
            self._show_cell()
        self.elsewhere.setVisible(result.recon is not None)
        self.forecast.setVisible(result.forecast is not None)
        if result.forecast is not None:
            self.forecast.show_forecast(result.forecast)
        if result.confusion is None:
            self.matrix.hide()
            self.matrix_title.hide()
            return
        self._fill(result.confusion, result.class_names)
        self.matrix.show()
        self.matrix_title.show()

    def _fill(self, confusion: np.ndarray, names: tuple[str, ...]) -> None:
        k = len(confusion)
        labels = [class_words(n) for n in names] if len(names) == k else [str(i) for i in range(k)]
        self.matrix.setRowCount(k)
        self.matrix.setColumnCount(k + 1)
        self.matrix.setHorizontalHeaderLabels([f"→ {n}" for n in labels] + [_("right")])
        self.matrix.setVerticalHeaderLabels(labels)
        totals = confusion.sum(axis=1, keepdims=True).clip(min=1)
        for i in range(k):  # the last column: the share of each true class the network got right
            share = float(confusion[i, i] / totals[i, 0])
            right = QTableWidgetItem(f"{share:.0%}" if confusion[i].sum() else "—")
            right.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
            right.setToolTip(
                _("{label}: {right} of {total} right ({share})").format(
                    label=labels[i], right=int(confusion[i, i]), total=int(confusion[i].sum()), share=f"{share:.1%}"
                )
            )
            right.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.matrix.setItem(i, k, right)
        header = self.matrix.horizontalHeaderItem(k)
        if header is not None:
            header.setToolTip(_("The share of each true class the network got right"))
        self.matrix.horizontalHeader().setSectionResizeMode(k, QHeaderView.ResizeMode.ResizeToContents)
        # Every count shows whole ("1…" for 100 says nothing): no column narrower than the widest count.
        widest = self.matrix.fontMetrics().horizontalAdvance(str(int(confusion.max()) if confusion.size else 0))
        self.matrix.horizontalHeader().setMinimumSectionSize(widest + 12)
        for i in range(k):
            for j in range(k):
                item = QTableWidgetItem(str(int(confusion[i, j])))
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                share = float(confusion[i, j] / totals[i, 0])
                base = (46, 125, 50) if i == j else (198, 40, 40)
                item.setBackground(QBrush(QColor(*base, int(20 + 200 * share) if confusion[i, j] else 0)))
                count = int(confusion[i, j])
                tip = _("true {true}, predicted {answer}: {count} ({share} of {true})").format(
                    true=labels[i], answer=labels[j], count=count, share=f"{share:.0%}"
                )
                if i != j and count and self.result is not None and self.result.mistakes:
                    tip += _(": click to see them")
                item.setToolTip(tip)
                self.matrix.setItem(i, j, item)

    def _cell_clicked(self, row: int, column: int) -> None:
        """A wrong-answer cell shows its own pictures; clicking it again, or the diagonal, shows all."""
        if column >= self.matrix.rowCount():
            return  # the "right" column
        cell = (row, column) if row != column else None
        self.cell = None if cell == self.cell else cell
        self._show_cell()

    def _show_cell(self) -> None:
        result = self.result
        if result is None or result.confusion is None:
            self._show_mistakes((), ())
            return
        if not result.mistakes:  # say why there is nothing to see
            wrong = int(result.confusion.sum() - np.trace(result.confusion))
            self._show_mistakes((), (), keep_title=True)
            self.mistakes_title.setText(_(NO_MISTAKES) if not wrong else _(NOT_PICTURES))
            self.mistakes_title.setToolTip("")
            return
        names = result.class_names

        def name(k: int) -> str:
            return class_words(names[k]) if k < len(names) else str(k)

        if self.cell is None:
            self._show_mistakes(result.mistakes[:MISTAKES], names)
            self.mistakes_title.setText(_("<b>Surest mistakes</b> (true→answer)"))
            self.mistakes_title.setToolTip(_("Click a cell of the confusion matrix to see its own pictures."))
            return
        true, answer = self.cell
        chosen = tuple(m for m in result.mistakes if (m.true, m.predicted) == self.cell)
        self._show_mistakes(chosen, names, keep_title=True)
        said = (
            _("<b>{true} taken for {answer}</b>: none")
            if not chosen
            else _("<b>{true} taken for {answer}</b>, surest first")
        )
        self.mistakes_title.setText(said.format(true=name(true), answer=name(answer)))
        self.mistakes_title.setToolTip(_("Click the cell again to see all the mistakes."))

    def _strip_columns(self) -> int:
        """As many pictures a row as the panel's width holds, up to MISTAKE_COLUMNS."""
        return max(2, min(MISTAKE_COLUMNS, (self.width() - 8) // THUMB_PX))

    def _draw_strip(self) -> None:
        if self.strip is None:
            return
        images, captions = self.strip
        self.strip_columns = self._strip_columns()
        self.mistakes.setPixmap(thumbnail_grid(images, captions, columns=self.strip_columns, cell=THUMB_PX))

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        if self.strip is not None and self._strip_columns() != self.strip_columns:
            self._draw_strip()  # a narrow panel wraps the pictures into more rows, never cuts them

    def _show_mistakes(self, mistakes: tuple[Mistake, ...], names: tuple[str, ...], keep_title: bool = False) -> None:
        """A strip of the wrong test pictures, captioned `true→answer`; the tooltip says how sure it was."""
        self.mistakes_title.setVisible(bool(mistakes) or keep_title)
        self.mistakes.setVisible(bool(mistakes))
        if not mistakes:
            self.mistakes.clear()
            self.strip = None
            return

        def name(k: int) -> str:
            return class_words(names[k]) if k < len(names) else str(k)

        images = np.stack([m.image for m in mistakes])
        captions = [f"{name(m.true)[:3]}→{name(m.predicted)[:3]}" for m in mistakes]
        self.strip = (images, captions)
        self._draw_strip()
        self.mistakes.setToolTip(
            "\n".join(
                _("a {true}, taken for a {answer} ({confidence} sure)").format(
                    true=name(m.true), answer=name(m.predicted), confidence=f"{m.confidence:.0%}"
                )
                for m in mistakes
            )
        )
