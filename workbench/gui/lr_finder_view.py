"""The learning-rate finder's answer: loss against learning rate, the suggestion, and a button to use it."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPushButton, QVBoxLayout, QWidget

from ..engine.events import LrFinding
from ..i18n import _
from .plots.axes import show_grid
from .theme import themed_plot

SUGGESTION = "#2ca02c"


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
        item.setLabel("bottom", _("learning rate"))
        item.setLabel("left", _("loss (smoothed)"))
        self.curve = self.plot.plot(finding.lrs, finding.losses, pen=pg.mkPen("#1f77b4", width=2))
        self.plot.setMinimumSize(480, 260)
        layout.addWidget(self.plot)
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

    def _show_answer(self) -> None:
        finding = self.finding
        if finding.suggestion is None or finding.lowest is None:
            self.answer.setText(
                _(
                    "The loss did not fall clearly, so there is no suggestion: check the network and the data, "
                    "or try a larger batch."
                )
            )
            self.use_button.setText(_("Use"))
            self.use_button.setEnabled(False)
            return
        lr = rounded(finding.suggestion)
        line = pg.InfiniteLine(np.log10(finding.suggestion), angle=90, pen=pg.mkPen(SUGGESTION, width=1.5))
        self.plot.addItem(line)
        self.answer.setText(
            _(
                "Suggested learning rate: <b>{lr}</b>, a tenth of {lowest} where the smoothed "
                "loss was lowest (the green line)."
            ).format(lr=f"{lr:g}", lowest=f"{rounded(finding.lowest):g}")
        )
        self.use_button.setText(_("Use {lr}").format(lr=f"{lr:g}"))

    def _use(self) -> None:
        if self.finding.suggestion is not None:
            self.use(rounded(self.finding.suggestion))
        self.accept()
