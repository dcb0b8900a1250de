"""Layer health over the epochs: one measure at a time (picked in a list), a line per layer, the
rule's threshold dashed, and the epoch the views show marked (the rules: `spec/health.py`)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ...engine.events import HealthReport
from ...i18n import _
from ...spec.health import MEASURE_WORDS, RULES, Measure
from ..preview import class_colour
from ..theme import Tone, colour, themed_plot

PARTS = ("layers", "latent", "decoder")  # an autoencoder's lists, in the order data goes through them
Place = tuple[str, int]  # a layer's list and its row there, from 0


def health_lines(reports: list[HealthReport], measure: Measure) -> dict[Place, tuple[np.ndarray, np.ndarray]]:
    """Per layer (its list and its row there, from 0): the epochs (from 1) and the values of
    `measure` where it was measured."""
    lines: dict[Place, tuple[list[float], list[float]]] = {}
    for report in reports:
        for layer in report.layers:
            value = layer.value(measure)
            if value is not None and math.isfinite(value):
                xs, ys = lines.setdefault((layer.part, layer.layer), ([], []))
                xs.append(report.epoch + 1)
                ys.append(value)
    order = sorted(lines, key=lambda place: (PARTS.index(place[0]) if place[0] in PARTS else len(PARTS), place[1]))
    return {k: (np.asarray(lines[k][0]), np.asarray(lines[k][1])) for k in order}


def place_words(place: Place) -> str:
    """A line's label: the layer list's row number; "code" or "D3" (the decoder's row 3) for an autoencoder."""
    part, row = place
    if part == "latent":
        return _("code")
    return str(row + 1) if part == "layers" else _("D{number}").format(number=row + 1)


def telling_measure(reports: list[HealthReport]) -> Measure | None:
    """The measure worth showing first: that of the newest flag raised, else the first measured."""
    for report in reversed(reports):
        if report.flags:
            return report.flags[0].rule.measure
    measured = [m for m in MEASURE_WORDS if health_lines(reports, m)]
    return measured[0] if measured else None


class HealthPlot(QWidget):
    """The chosen measure of every layer over the epochs."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("healthPlot")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(QLabel(_("<b>Layer health</b>")))
        self.measure = QComboBox()
        self.measure.setObjectName("healthMeasure")
        self.measure.setAccessibleName(_("Which layer-health measure the plot shows"))
        for measure, (words, _log) in MEASURE_WORDS.items():
            self.measure.addItem(_(words), measure)
        self.measure.currentIndexChanged.connect(lambda _i: self._draw())
        self.measure.activated.connect(self._picked)
        self.picked = False  # the student chose a measure: it stays; until then the telling one is shown
        row.addWidget(self.measure, 1)
        layout.addLayout(row)
        self.plot = themed_plot(grid=True, whole_x=True)
        self.plot.setMinimumHeight(90)
        self.item: Any = self.plot.getPlotItem()
        self.item.setLabel("bottom", _("epoch"))
        self.plot.setToolTip(_("A line per layer, numbered as in the layer list; dashed: where the rule flags it"))
        layout.addWidget(self.plot, 1)
        self.reports: list[HealthReport] = []
        self.epoch: int | None = None
        self.marker = pg.InfiniteLine(angle=90, pen=pg.mkPen(colour(Tone.NOTE), width=1))
        self.drawn: tuple[int, int | None, int] | None = None

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(320, 150)  # a plot's own hint is 640x480: it would take the network's room

    def show_reports(self, reports: list[HealthReport], epoch: int | None) -> None:
        """Draw `reports` (a run's, as they came), `epoch` (from 0) marked; nothing to do when
        neither they nor the measure changed."""
        key = (len(reports), epoch, self.measure.currentIndex())
        if key == self.drawn and reports is self.reports:
            return
        self.reports, self.epoch = reports, epoch
        telling = None if self.picked else telling_measure(reports)
        if telling is not None and telling != Measure(self.measure.currentData()):
            self.measure.setCurrentIndex(self.measure.findData(telling.value))  # draws
            return
        self._draw()

    def _picked(self, _index: int) -> None:
        self.picked = True

    def _draw(self) -> None:
        measure = Measure(self.measure.currentData())
        self.drawn = (len(self.reports), self.epoch, self.measure.currentIndex())
        self.item.clear()
        log = MEASURE_WORDS[measure][1]
        self.item.setLogMode(y=log)
        for n, (place, (xs, ys)) in enumerate(health_lines(self.reports, measure).items()):
            name = place_words(place)
            pen = pg.mkPen(class_colour(n), width=1.5)
            shown = np.clip(ys, 1e-12, None) if log else ys  # a log axis has no room for 0
            self.item.plot(xs, shown, pen=pen, symbol="o", symbolSize=4, symbolBrush=class_colour(n), name=name)
            label = pg.TextItem(name, color=class_colour(n), anchor=(0, 0.5))  # the line's layer, at its end
            label.setPos(float(xs[-1]), float(np.log10(shown[-1]) if log else shown[-1]))
            self.item.addItem(label)
        for rule in RULES:
            if rule.measure is measure:
                for limit in (rule.above, rule.below):
                    if math.isfinite(limit):
                        line = pg.InfiniteLine(pos=math.log10(limit) if log else limit, angle=0)
                        line.setPen(pg.mkPen(colour(Tone.ADVICE), width=1, style=Qt.PenStyle.DashLine))
                        self.item.addItem(line)
        if self.epoch is not None:
            self.marker.setValue(self.epoch + 1)
            self.item.addItem(self.marker)
