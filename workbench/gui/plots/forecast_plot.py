"""A regression's test answers beside the truth: a forecast along the test series (windows of one
series, in time order), or predicted against true (independent sequences, tables)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ...engine.events import Forecast
from ...i18n import _
from ..theme import Tone, colour, foreground, legend_above, themed_plot
from .axes import show_grid

TRUTH = "#1f77b4"
PREDICTED = "#ff7f0e"


class ForecastPlot(QWidget):
    """The forecast (or the predictions) of the test result shown, with a sentence saying how to read it."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("forecastPlot")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.title = QLabel()
        self.title.setWordWrap(True)
        layout.addWidget(self.title)
        self.plot = themed_plot(grid=True)
        self.plot.setMinimumHeight(160)
        self.plot.setMenuEnabled(False)
        item = self.plot.getPlotItem()
        show_grid(item)
        self.legend = legend_above(self.plot, columns=3)
        layout.addWidget(self.plot, 1)
        self.shown: Forecast | None = None

    def show_forecast(self, forecast: Forecast) -> None:
        """Draw `forecast` (once: the same one again draws nothing)."""
        if forecast is self.shown:
            return
        self.shown = forecast
        item = self.plot.getPlotItem()
        item.clear()
        self.legend.clear()
        if forecast.in_time:
            self._along_time(forecast)
        else:
            self._against_truth(forecast)
        item.enableAutoRange()

    def _along_time(self, forecast: Forecast) -> None:
        item = self.plot.getPlotItem()
        steps = np.arange(len(forecast.truth))
        if forecast.context is not None and len(forecast.context):
            before = np.arange(-len(forecast.context), 0)
            item.plot(before, forecast.context, pen=pg.mkPen(colour(Tone.MUTED), width=1.5), name=_("the series seen"))
        item.plot(steps, forecast.truth, pen=pg.mkPen(TRUTH, width=1.5), name=_("truth"))
        item.plot(steps, forecast.predicted, pen=pg.mkPen(PREDICTED, width=2), name=_("forecast"))
        item.setLabel("bottom", _("test step"), color=foreground().name())
        item.setLabel("left", _("value"), color=foreground().name())
        self.title.setText(
            _(
                "<b>Forecast on the test series</b>, the series' future the network never trained on: from each "
                "window of past steps (grey: the first one) it forecasts the next value."
            )
        )

    def _against_truth(self, forecast: Forecast) -> None:
        item = self.plot.getPlotItem()
        truth, predicted = forecast.truth, forecast.predicted
        low = float(min(truth.min(), predicted.min())) if len(truth) else 0.0
        high = float(max(truth.max(), predicted.max())) if len(truth) else 1.0
        item.plot([low, high], [low, high], pen=pg.mkPen(colour(Tone.MUTED), width=1), name=_("exactly right"))
        item.plot(
            truth,
            predicted,
            pen=None,
            symbol="o",
            symbolSize=5,
            symbolPen=None,
            symbolBrush=pg.mkBrush(PREDICTED),
            name=_("test samples"),
        )
        item.setLabel("bottom", _("true value"), color=foreground().name())
        item.setLabel("left", _("predicted"), color=foreground().name())
        self.title.setText(
            _(
                "<b>Predicted against true</b> on the first {count} test samples: on the diagonal the network "
                "is exactly right; the farther a point lies from it, the larger that answer's error."
            ).format(count=len(truth))
        )
