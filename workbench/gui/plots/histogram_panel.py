"""Weight (or gradient) histograms of one layer: the latest one, and its history as an image."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Slot
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ...engine.events import EpochView, HistogramSnapshot, LayerHistogram
from ...i18n import N_, _, pgettext
from ..run_data import RunRecord
from ..theme import themed_plot
from .axes import settle_view
from .placeholder import PlotOrSentence

EMPTY_TEXT = N_(
    "How the weights of each layer are spread, and how that spread changes as the network learns, "
    "appears here once training starts."
)

BINS = 60


def common_grid(snapshots: list[tuple[np.ndarray, np.ndarray]], bins: int = BINS) -> tuple[np.ndarray, np.ndarray]:
    """Re-bin histograms that each have their own range onto one shared range: (image steps x bins, edges).

    Each histogram's cumulative count is interpolated at the shared edges, so no sample is lost.
    """
    lo = min(float(edges[0]) for _, edges in snapshots)
    hi = max(float(edges[-1]) for _, edges in snapshots)
    grid = np.linspace(lo, hi, bins + 1)
    rows = []
    for counts, edges in snapshots:
        cumulative = np.concatenate([[0.0], np.cumsum(counts, dtype=np.float64)])
        rows.append(np.diff(np.interp(grid, edges.astype(np.float64), cumulative)))
    return np.stack(rows), grid


def epoch_end_step(record: RunRecord, epoch: int) -> int:
    """The training step at which epoch `epoch` (from 0) ended: where its weights sit on the history
    (a snapshot is taken before a step, so epoch k's last is a step short of its end)."""
    per_epoch = record.started.batches_per_epoch if record.started is not None else 0
    if per_epoch:
        return (epoch + 1) * per_epoch
    later = [s.step for s in record.histograms if s.epoch > epoch]
    return later[0] if later else (record.histograms[-1].step if record.histograms else 0)


class HistogramPanel(QWidget):
    """Pick a layer; see its current weight histogram and how the distribution moved over training."""

    def __init__(self) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        header = QHBoxLayout()
        header.addWidget(QLabel(_("<b>Weights</b>")))
        self.layer_combo = QComboBox()
        self.layer_combo.setObjectName("histogramLayerCombo")
        self.layer_combo.setAccessibleName(_("Layer"))
        self.layer_combo.currentIndexChanged.connect(self._changed)
        header.addWidget(self.layer_combo, 1)
        self.gradients = QCheckBox(_("Gradients"))
        self.gradients.setObjectName("histogramGradients")
        self.gradients.setToolTip(_("Show the gradients' distribution instead of the weights'"))
        self.gradients.toggled.connect(self._changed)
        header.addWidget(self.gradients)
        layout.addLayout(header)
        self.plot = themed_plot()
        self.plot.setObjectName("histogramPlot")
        self.plot.setAccessibleName(_("Weight histogram"))
        self.current: Any = self.plot.plot(
            [], [], stepMode="center", fillLevel=0, brush=(31, 119, 180, 120), pen=pg.mkPen("#1f77b4")
        )
        self.plot.getPlotItem().setLabel("left", _("count"))
        pair = QWidget()
        pair.setObjectName("histogramPlots")
        plots = QVBoxLayout(pair)
        plots.setContentsMargins(0, 0, 0, 0)
        plots.addWidget(self.plot, 1)
        self.history_plot = themed_plot(whole_x=True)  # x: training steps
        self.history_plot.setObjectName("histogramHistory")
        self.image = pg.ImageItem()
        self.image.setColorMap(pg.colormap.get("viridis"))
        self.history_plot.addItem(self.image)
        self.history_plot.getPlotItem().setLabel("bottom", pgettext("axis: training steps", "step"))
        self.history_plot.getPlotItem().setLabel("left", _("value"))
        self.history_plot.getPlotItem().getAxis("left").enableAutoSIPrefix(False)
        self.history_plot.getPlotItem().getAxis("bottom").enableAutoSIPrefix(False)
        self.plot.getPlotItem().getAxis("bottom").enableAutoSIPrefix(False)
        # The epoch chosen on the timeline: where it falls among the training steps.
        self.epoch_line = pg.InfiniteLine(angle=90, pen=pg.mkPen("#d62728", width=1.5, style=Qt.PenStyle.DashLine))
        self.epoch_line.hide()
        self.history_plot.addItem(self.epoch_line, ignoreBounds=True)
        plots.addWidget(self.history_plot, 1)
        self.frame = PlotOrSentence(pair, _(EMPTY_TEXT))
        layout.addWidget(self.frame, 1)
        self.record: RunRecord | None = None
        self.shown: tuple[object, ...] = (-1, -1, False, "", 0)

    def show_run(self, record: RunRecord) -> None:
        """Draw the chosen layer's histograms of `record` when something new arrived."""
        if not record.histograms:
            if record is not self.record:
                self.clear()  # a new run with no snapshot yet (or none ever, if it failed)
            self.record = record
            return
        self.record = record
        self.frame.show_plot(True)
        names = [h.layer for h in record.histograms[-1].layers]
        if [self.layer_combo.itemText(i) for i in range(self.layer_combo.count())] != names:
            self.layer_combo.blockSignals(True)
            self.layer_combo.clear()
            self.layer_combo.addItems(names)
            self.layer_combo.blockSignals(False)
        view = record.shown_view
        key = (id(record), len(record.histograms), self.gradients.isChecked(), self.layer_combo.currentText(), id(view))
        if key != self.shown:
            self.shown = key
            self._draw(record.histograms, self.layer_combo.currentIndex())
            self._show_epoch(record, view)

    def _show_epoch(self, record: RunRecord, view: EpochView | None) -> None:
        """The chosen epoch's weights in the histogram, and its place on the history below; the
        latest weights and no marker when no epoch is chosen."""
        picked = self._pick(view.histograms, max(self.layer_combo.currentIndex(), 0)) if view is not None else None
        self.epoch_line.setVisible(picked is not None)
        if view is None or picked is None:
            return
        counts, edges = picked
        self.current.setData(edges, counts)
        self.epoch_line.setValue(epoch_end_step(record, view.epoch))

    def clear(self) -> None:
        """Show nothing: the layers and histograms of an earlier run are gone."""
        self.layer_combo.blockSignals(True)
        self.layer_combo.clear()
        self.layer_combo.blockSignals(False)
        self.current.setData([], [])
        self.image.clear()
        self.shown = (-1, -1, False, "", 0)
        self.frame.show_plot(False)

    @Slot()
    def _changed(self) -> None:
        self.shown = (-1, -1, False, "", 0)
        if self.record is not None:
            self.show_run(self.record)

    def _pick(self, snapshot: HistogramSnapshot, index: int) -> tuple[np.ndarray, np.ndarray] | None:
        if index >= len(snapshot.layers):
            return None
        layer: LayerHistogram = snapshot.layers[index]
        if self.gradients.isChecked():
            if layer.grad_counts is None or layer.grad_edges is None:
                return None
            return layer.grad_counts, layer.grad_edges
        return layer.weight_counts, layer.weight_edges

    def _draw(self, snapshots: list[HistogramSnapshot], index: int) -> None:
        picked = [(s.step, p) for s in snapshots if (p := self._pick(s, max(index, 0))) is not None]
        if not picked:
            self.current.setData([], [])
            self.image.clear()
            return
        counts, edges = picked[-1][1]
        self.current.setData(edges, counts)
        image, grid = common_grid([p for _, p in picked])
        steps = [s for s, _ in picked]
        self.image.setImage(np.log1p(image), autoLevels=True)
        width = max(steps[-1] - steps[0], 1)
        self.image.setRect(QRectF(steps[0], grid[0], width, grid[-1] - grid[0]))
        for plot in (self.plot, self.history_plot):
            settle_view(plot.getPlotItem().getViewBox())
