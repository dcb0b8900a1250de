"""The learning-rate finder's answer: loss against learning rate, the suggestion, and a button to use it."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QPen
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPushButton, QVBoxLayout, QWidget

from ..engine.events import LrFinding
from ..i18n import _, sentences
from .plots.axes import show_grid
from .theme import themed_plot

SUGGESTION = "#2ca02c"
LOWEST = "#404040"
RAW = (127, 127, 127, 90)
VALLEY = (44, 160, 44, 40)
VALLEY_EDGE = (44, 160, 44, 70)


def rate_ticks(values: list[float], _scale: float, _spacing: float) -> list[str]:
    """A log axis's ticks as the rates they are (1e-07, 0.001, 10)."""
    return [f"{10.0**value:g}" for value in values]


def loss_range(finding: LrFinding) -> tuple[float, float]:
    """The losses the plot shows: the smoothed curve whole, and each batch's own loss up to where
    the curve turns up (after it, batches blow up: they would flatten everything else)."""
    if not len(finding.losses):
        return 0.0, 1.0
    turn = int(np.argmin(finding.losses)) + 1
    shown = np.concatenate([finding.losses, finding.raw[:turn]])
    shown = shown[np.isfinite(shown)]
    return float(shown.min()), float(shown.max())


def rounded(lr: float) -> float:
    """Two significant digits: a rate a student can read and type."""
    return float(f"{lr:.2g}")


class LrFinderDialog(QDialog):
    """Shows one range test; `Use` hands the suggested rate to `use`."""

    def __init__(self, finding: LrFinding, use: Callable[[float], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lrFinderDialog")
        self.setWindowTitle(_("Find a learning rate"))
        self.finding, self.use = finding, use
        layout = QVBoxLayout(self)
        explain = QLabel(
            _(
                "A copy of the network trained for a few batches while the learning rate grew from tiny to "
                "huge (your experiment is unchanged). Where the loss falls fastest the rate is good; where it "
                "shoots up the rate is too high."
            )
        )
        explain.setWordWrap(True)
        layout.addWidget(explain)
        self.plot = themed_plot(grid=True)
        self.plot.setObjectName("lrFinderPlot")
        item = self.plot.getPlotItem()
        show_grid(item)
        item.setLogMode(x=True, y=False)
        rates = item.getAxis("bottom")
        rates.enableAutoSIPrefix(False)  # rates as 0.001, not "1 (x0.001)"
        rates.logTickStrings = rate_ticks  # one notation from 1e-07 to 10, not 10⁻⁷ beside 0.0001
        item.setLabel("bottom", _("learning rate"))
        item.setLabel("left", _("loss"))
        if len(finding.raw):  # each batch's own loss, faint behind the curve the rule reads
            self.plot.plot(finding.lrs, finding.raw, pen=pg.mkPen(RAW, width=1))
        self.curve = self.plot.plot(finding.lrs, finding.losses, pen=pg.mkPen("#1f77b4", width=2))
        item.setYRange(*loss_range(finding), padding=0.08)
        self.plot.setMinimumSize(480, 260)
        layout.addWidget(self.plot)
        self.caption = QLabel()
        self.caption.setObjectName("lrFinderCaption")
        self.caption.setWordWrap(True)
        layout.addWidget(self.caption)
        self.answer = QLabel()
        self.answer.setObjectName("lrFinderAnswer")
        self.answer.setWordWrap(True)
        layout.addWidget(self.answer)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        self.use_button = QPushButton()
        self.use_button.setObjectName("useLrButton")
        buttons.addButton(self.use_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.use_button.clicked.connect(self._use)
        layout.addWidget(buttons)
        self._show_answer()

    def _mark(self, lr: float, pen: QPen) -> None:
        self.plot.addItem(pg.InfiniteLine(np.log10(lr), angle=90, pen=pen))

    def _show_answer(self) -> None:
        finding = self.finding
        lines = [_("Blue: the smoothed loss; grey: each batch's own.")]
        if finding.lowest is not None:
            self._mark(finding.lowest, pg.mkPen(LOWEST, width=1.5, style=Qt.PenStyle.DashLine))
            lines.append(_("Dashed line: where the smoothed loss was lowest; after it the curve turns up."))
        if finding.suggestion is None or finding.valley is None:
            self.caption.setText(sentences(*lines))
            self.answer.setText(finding.declined_words())
            self.use_button.setText(_("Use"))
            self.use_button.setEnabled(False)
            return
        low, high = finding.valley
        valley = pg.LinearRegionItem((np.log10(low), np.log10(high)), movable=False, brush=pg.mkBrush(VALLEY))
        for edge in valley.lines:  # its edges stay faint: the lines that mean something are drawn over them
            edge.setPen(pg.mkPen(VALLEY_EDGE))
        valley.setZValue(-10)
        self.plot.addItem(valley)
        self._mark(finding.suggestion, pg.mkPen(SUGGESTION, width=2))
        lines.append(
            _("Shaded: the longest steady fall of the loss; green line: the suggested rate, half-way down it.")
        )
        self.caption.setText(sentences(*lines))
        lr = rounded(finding.suggestion)
        self.answer.setText(
            _("Suggested learning rate: <b>{lr}</b>, half-way down the loss's longest steady fall.").format(
                lr=f"{lr:g}"
            )
        )
        self.use_button.setText(_("Use {lr}").format(lr=f"{lr:g}"))

    def _use(self) -> None:
        if self.finding.suggestion is not None:
            self.use(rounded(self.finding.suggestion))
        self.accept()
