"""Loss and accuracy curves: per-epoch lines, the per-batch loss, the best epoch, overfitting, stops."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QCheckBox, QGraphicsItem, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ...engine.events import StopReason
from ...spec.lessons import overfitting_span
from ..run_data import RunRecord, elide
from .axes import grid_axes, settle_view, show_grid

TRAIN = "#1f77b4"
VAL = "#ff7f0e"
BEST = "#2ca02c"
STOP = "#d62728"
CONTINUED = "#7f7f7f"


def _pen(colour: str, width: float = 2.0, alpha: int = 255, dash: bool = False) -> Any:
    pen = pg.mkPen(pg.mkColor(colour), width=width, style=Qt.PenStyle.DashLine if dash else Qt.PenStyle.SolidLine)
    colour_obj = pen.color()
    colour_obj.setAlpha(alpha)
    pen.setColor(colour_obj)
    return pen


def _overfitting_epochs(record: RunRecord) -> tuple[float, float] | None:
    """The overfitting span of a run, in plotted (1-based) epochs."""
    epochs, loss = record.series("loss")
    _, val_loss = record.series("val_loss")
    _, accuracy = record.series("val_accuracy")
    majority = record.started.majority_rate if record.started else None
    span = overfitting_span(
        loss.tolist(), val_loss.tolist(), accuracy.tolist() if len(accuracy) == len(val_loss) else None, majority
    )
    return None if span is None else (float(epochs[span[0]]), float(epochs[span[1]]))


class CurvePlotPanel(QWidget):
    """One plot of training and validation curves per epoch, with markers, for the current run.

    Items are created once and updated with setData; previous runs appear as faint overlays.
    """

    def __init__(
        self,
        name: str,
        title: str,
        train_key: str,
        val_key: str,
        batch_curve: bool,
        log_toggle: bool,
        from_zero: bool = False,
    ) -> None:
        super().__init__()
        # A loss is never negative: its axis starts at zero (except on a log scale), which also keeps
        # the axis still while the loss falls, so it is not redrawn every frame.
        self.from_zero = from_zero
        self.train_key, self.val_key = train_key, val_key
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        header = QHBoxLayout()
        self.title = QLabel(f"<b>{title}</b>")
        header.addWidget(self.title)
        header.addStretch(1)
        self.log_box: QCheckBox | None = None
        if log_toggle:
            self.log_box = QCheckBox("Log scale")
            self.log_box.setObjectName(f"{name}LogScale")
            self.log_box.toggled.connect(self.set_log)
            header.addWidget(self.log_box)
        layout.addLayout(header)
        self.plot = pg.PlotWidget(background="w", axisItems=grid_axes("w"))
        self.plot.setObjectName(name)
        self.plot.setAccessibleName(title)
        self.item: Any = self.plot.getPlotItem()
        show_grid(self.item)
        self.item.setLabel("bottom", "epoch")
        self.item.setClipToView(True)
        self.item.addLegend(offset=(-10, 10))
        for side in ("left", "bottom"):
            # Axes are painted by Python code; cached as pixmaps they repaint only when they change.
            self.item.getAxis(side).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        layout.addWidget(self.plot, 1)
        self.info = QLabel()
        self.info.setObjectName(f"{name}Info")
        self.info.setWordWrap(True)
        self.info.setFixedHeight(2 * self.info.fontMetrics().lineSpacing() + 4)
        self.info.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.info)
        self._make_items(batch_curve)
        self.overlays: dict[int, tuple[Any, Any]] = {}
        self.overlay_names: dict[int, str] = {}  # the label each overlay was drawn with
        # The view range is kept by hand: pyqtgraph's auto-range would move (and repaint) the axes
        # on every update, and axis painting competes with the training thread for the interpreter.
        self.view: Any = self.item.getViewBox()
        self.view.disableAutoRange()
        self.user_zoomed = False
        self.view.sigRangeChangedManually.connect(self._zoomed)
        self.legend_bottom: bool | None = None

    def _make_items(self, batch_curve: bool) -> None:
        item = self.item
        self.batch: Any = None
        if batch_curve:
            self.batch = item.plot(
                [], [], pen=_pen(TRAIN, 1.0, alpha=70), name="training loss per batch", connect="finite"
            )
            self.batch.setClipToView(True)
            self.batch.setDownsampling(auto=True, method="peak")
        self.train: Any = self._epoch_curve(TRAIN, "training")
        self.val: Any = self._epoch_curve(VAL, "validation")
        self.region = pg.LinearRegionItem(movable=False, brush=pg.mkBrush(214, 39, 40, 30), pen=pg.mkPen(None))
        self.region.setZValue(-10)
        # The shaded span is named in the legend (a text in the plot would collide with the legend
        # or the curves); clicking the legend entry hides the shading, as it hides a curve.
        self.region_key = pg.BarGraphItem(x=[], height=[], width=1, brush=pg.mkBrush(214, 39, 40, 60), pen=None)
        self.region_key.visibleChanged.connect(self._region_toggled)
        self.region_span: tuple[float, float] | None = None
        self.best_line = pg.InfiniteLine(
            angle=90,
            pen=_pen(BEST, 1.5, dash=True),
            label="best",
            labelOpts={"position": 0.06, "color": BEST, "anchors": [(1, 1), (1, 1)]},
        )
        self.stop_line = pg.InfiniteLine(
            angle=90,
            pen=_pen(STOP, 1.5),
            label="early stop",
            labelOpts={"position": 0.16, "color": STOP, "anchors": [(1, 1), (1, 1)]},
        )
        self.continue_line = pg.InfiniteLine(
            angle=90,
            pen=_pen(CONTINUED, 1.2, dash=True),
            label="continued",
            labelOpts={"position": 0.26, "color": CONTINUED, "anchors": [(1, 1), (1, 1)]},
        )
        for extra in (self.region, self.best_line, self.stop_line, self.continue_line):
            extra.hide()
            item.addItem(extra, ignoreBounds=True)
        # Items whose look rarely changes are kept as pixmaps: Qt repaints them without Python.
        cached = [self.region, self.best_line, self.stop_line, self.continue_line, item.legend]
        for extra in cached:
            if extra is not None:
                extra.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)

    def _epoch_curve(self, colour: str, name: str) -> Any:
        return self.item.plot(
            [],
            [],
            pen=_pen(colour),
            symbol="o",
            symbolSize=4,
            symbolBrush=colour,
            symbolPen=None,
            name=name,
            connect="finite",
        )

    def show_info(self, text: str) -> None:
        """The line under the plot (patience countdown, stop sentence).

        The label has a fixed height, grown when a text needs more room and never shrunk: a label
        that follows its text resizes the plot, and a resized plot redraws everything, axes
        included, on every update.
        """
        if text == self.info.text():
            return
        self.info.setText(text)
        needed = self.info.heightForWidth(max(self.info.width(), 200))
        if needed > self.info.height():
            self.info.setFixedHeight(needed)

    def put_legend(self, bottom: bool) -> None:
        """Keep the legend in the corner the curves leave free: top right for falling values (loss),
        bottom right for rising ones (accuracy)."""
        legend = self.item.legend
        if legend is not None and self.legend_bottom != bottom:
            self.legend_bottom = bottom
            corner = (1, 1) if bottom else (1, 0)
            legend.anchor(itemPos=corner, parentPos=corner, offset=(-10, -10 if bottom else 10))
            # The marker lines' labels go to the other end of the lines: the stop line is at the
            # right edge, where the legend is.
            for line, height in ((self.best_line, 0.06), (self.stop_line, 0.16), (self.continue_line, 0.26)):
                line.label.setPosition(1.0 - height if bottom else height)

    @Slot(bool)
    def set_log(self, on: bool) -> None:
        """Show the loss on a log axis (easier to read once it gets small)."""
        self.item.setLogMode(y=on)
        self.view.enableAutoRange()
        self.view.disableAutoRange()

    @Slot()
    def _zoomed(self) -> None:
        self.user_zoomed = True  # the student zoomed or panned: leave the view alone

    def _fit(self, record: RunRecord, ys: list[np.ndarray]) -> None:
        """Grow the view in steps (epochs doubling, values with slack), so the axes rarely change;
        once the run has ended, fit it to everything it did.

        Computed from the record, not with pyqtgraph's autoRange, which only sees the part of a
        clipped curve that is on screen.
        """
        if self.user_zoomed:
            return
        done = max(len(record.epochs), 1)
        ended = record.ended is not None
        planned = record.started.epochs if record.started and not ended else done
        x_end = float(done if ended else min(planned, max(8, 2 ** int(np.ceil(np.log2(done + 1)))))) + 0.5
        values = np.concatenate([y[np.isfinite(y)] for y in ys]) if ys else np.zeros(0)
        if self.item.ctrl.logYCheck.isChecked():
            values = np.log10(values[values > 0])
        (x0, x1), (y0, y1) = self.view.viewRange()
        if not np.isclose(x1, x_end) or not np.isclose(x0, 0.0):  # the range comes back rounded
            self.view.setXRange(0.0, x_end, padding=0)
        if not values.size:
            return
        log = self.item.ctrl.logYCheck.isChecked()
        lo, hi = float(values.min()), float(values.max())
        span = max(hi - lo, 1e-9)
        bottom = 0.0 if self.from_zero and not log and lo >= 0 else lo - 0.08 * span
        if ended or lo < y0 or hi > y1 or hi - bottom < 0.4 * (y1 - y0) or (bottom == 0.0 and y0 != 0.0):
            self.view.setYRange(bottom, hi + 0.08 * span, padding=0)

    def show_run(self, record: RunRecord) -> None:
        """Draw the current run: curves, best epoch, overfitting span and stop marker."""
        x, train = record.series(self.train_key)
        xv, val = record.series(self.val_key)
        self.train.setData(x, train)
        self.val.setData(xv, val)
        if self.batch is not None:
            self.batch.setData(record.batch_x.view(), record.batch_loss.view())
        best = record.best_epoch
        self.best_line.setVisible(best is not None)
        if best is not None:
            self.best_line.setValue(best)
            value = self._value_at(record, self.val_key if len(val) else self.train_key, best)
            self.best_line.label.setFormat(f"best: epoch {best}" + (f" ({value:.4g})" if value is not None else ""))
        self._show_region(record)
        self._show_stop(record)
        self.continue_line.setVisible(bool(record.continued_at))
        if record.continued_at:
            self.continue_line.setValue(record.continued_at[-1])
        batch = [record.batch_loss.view()] if self.batch is not None else []
        self._fit(record, [train, val, *batch])
        settle_view(self.view)

    def _value_at(self, record: RunRecord, key: str, epoch: int) -> float | None:
        values = record.logs.get(key, [])
        return values[epoch - 1] if 0 < epoch <= len(values) else None

    def _show_region(self, record: RunRecord) -> None:
        """Shade the overfitting span (spec.lessons decides it) and name it in the legend."""
        span = _overfitting_epochs(record)
        legend = self.item.legend
        if (span is None) != (self.region_span is None) and legend is not None:
            if span is None:
                legend.removeItem(self.region_key)
            else:
                legend.addItem(self.region_key, "overfitting")
        self.region_span = span
        if span is not None:
            self.region.setRegion(span)
        self.region.setVisible(span is not None and self.region_key.isVisible())

    @Slot()
    def _region_toggled(self) -> None:
        self.region.setVisible(self.region_span is not None and self.region_key.isVisible())

    def _show_stop(self, record: RunRecord) -> None:
        ended = record.ended
        stopped = ended is not None and ended.reason is StopReason.EARLY_STOPPED
        self.stop_line.setVisible(stopped)
        if stopped and ended is not None:
            self.stop_line.setValue(ended.epochs_done)

    def set_overlays(self, records: list[RunRecord]) -> None:
        """Previous runs as faint, dashed curves labelled by what differs; hidden ones removed."""
        wanted = {id(r): r for r in records if r.visible}
        for key in [k for k in self.overlays if k not in wanted]:
            for curve in self.overlays.pop(key):
                self.item.removeItem(curve)
            self.overlay_names.pop(key, None)
        for key, record in wanted.items():
            if key in self.overlays and self.overlay_names.get(key) != record.label:
                for curve in self.overlays.pop(key):  # what differs changed with the settings: relabel
                    self.item.removeItem(curve)
            if key not in self.overlays:
                # One legend entry per run (on its validation curve): the legend stays small.
                train = self.item.plot([], [], pen=_pen(TRAIN, 1.0, alpha=90, dash=True), connect="finite")
                val = self.item.plot(
                    [], [], pen=_pen(VAL, 1.0, alpha=90, dash=True), name=elide(record.label), connect="finite"
                )
                legend = self.item.legend
                if legend is not None and legend.items:
                    legend.items[-1][1].setToolTip(record.label)  # the whole of what changed
                self.overlays[key] = (train, val)
                self.overlay_names[key] = record.label
            train_curve, val_curve = self.overlays[key]
            train_curve.setData(*record.series(self.train_key))
            val_curve.setData(*record.series(self.val_key))

    def clear_run(self) -> None:
        """Empty the current run's curves (a new run starts)."""
        for curve in (self.train, self.val, self.batch):
            if curve is not None:
                curve.setData([], [])
        for extra in (self.region, self.best_line, self.stop_line, self.continue_line):
            extra.hide()
        if self.region_span is not None and self.item.legend is not None:
            self.item.legend.removeItem(self.region_key)
        self.region_span = None
        self.show_info("")
        self.user_zoomed = False
