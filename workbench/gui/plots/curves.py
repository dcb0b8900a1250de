"""Loss and accuracy curves: per-epoch lines, the per-batch loss, the best epoch, overfitting, stops."""

from __future__ import annotations

from html import escape
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QCheckBox, QGraphicsItem, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ...engine.events import StopReason
from ...i18n import _
from ...spec.lessons import metric_words, overfitting_span
from ..run_data import RunRecord
from ..theme import is_dark, legend_above, themed_plot
from .axes import fill_view, settle_view, show_grid
from .placeholder import PlotOrSentence
from .tags import make_tag, place

TRAIN = "#1f77b4"
VAL = "#ff7f0e"
# The markers' labels, light and dark: a label's text must read on the palette's background.
BEST_SHADES = ("#2ca02c", "#7bd97b")
STOP_SHADES = ("#d62728", "#ff8a80")
CONTINUED_SHADES = ("#7f7f7f", "#bdbdbd")
CHOSEN_SHADES = ("#9467bd", "#c5b0d5")  # the epoch chosen on the timeline
BATCH_ALPHA = (70, 150)  # the faint per-batch loss, fainter on white than on a dark plot


def _shade(shades: tuple[Any, Any]) -> Any:
    """The light or the dark one of `shades`, for the palette in use."""
    return shades[1] if is_dark() else shades[0]


LEGEND_COLUMN_PX = 150  # narrower columns than this: two instead of three


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
        empty: str = "",
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
            self.log_box = QCheckBox(_("Log scale"))
            self.log_box.setObjectName(f"{name}LogScale")
            self.log_box.toggled.connect(self.set_log)
            header.addWidget(self.log_box)
        layout.addLayout(header)
        self.plot = themed_plot(grid=True, whole_x=True)  # x: epochs
        self.plot.setObjectName(name)
        self.plot.setAccessibleName(title)
        self.item: Any = self.plot.getPlotItem()
        show_grid(self.item)
        self.item.setLabel("bottom", _("epoch"))
        self.item.layout.setContentsMargins(1, 1, 10, 1)  # room for the last epoch's number at the right edge
        self.item.setClipToView(True)
        legend_above(self.plot, columns=3)
        for side in ("left", "bottom"):
            # Axes are painted by Python code; cached as pixmaps they repaint only when they change.
            self.item.getAxis(side).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.frame = PlotOrSentence(self.plot, empty)
        layout.addWidget(self.frame, 1)
        self.info = QLabel()
        self.info.setObjectName(f"{name}Info")
        self.info.setWordWrap(True)
        self.info.setFixedHeight(2 * self.info.fontMetrics().lineSpacing() + 4)
        self.info.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.info)
        self._make_items(batch_curve)
        self.overlays: dict[int, tuple[Any, Any]] = {}
        self.overlay_names: dict[int, str] = {}  # each earlier run's whole label (the tooltip's)
        # The legend entry for the earlier runs (never plotted): its sample darker than their faint curves.
        self.runs_key = pg.PlotDataItem([], [], pen=_pen(VAL, 1.5, alpha=220, dash=True))
        # The view range is kept by hand: pyqtgraph's auto-range would move (and repaint) the axes
        # on every update, and axis painting competes with the training thread for the interpreter.
        self.view: Any = self.item.getViewBox()
        self.view.disableAutoRange()
        self.user_zoomed = False
        self.legend_fitted: tuple[Any, ...] = ()  # (entries, width, height, runs) the legend was fitted to
        self.view.sigRangeChangedManually.connect(self._zoomed)
        self.view.sigRangeChangedManually.connect(self.place_tags)
        self.view.sigResized.connect(self._fit_legend)  # a narrower or shorter plot: fewer, shorter entries

    def _make_items(self, batch_curve: bool) -> None:
        item = self.item
        self.batch: Any = None
        if batch_curve:
            batch_pen = _pen(TRAIN, 1.0, alpha=_shade(BATCH_ALPHA))
            self.batch = item.plot([], [], pen=batch_pen, name=_("each batch"), connect="finite")
            self.batch.setClipToView(True)
            self.batch.setDownsampling(auto=True, method="peak")
        self.train: Any = self._epoch_curve(TRAIN, _("training"))
        self.val: Any = self._epoch_curve(VAL, _("validation"))
        self.second_key: str | None = None  # a second value drawn beside the first (a VAE's KL)
        self.second: tuple[Any, Any] | None = None
        self.region = pg.LinearRegionItem(movable=False, brush=pg.mkBrush(214, 39, 40, 30), pen=pg.mkPen(None))
        self.region.setZValue(-10)
        # The shaded span is named in the legend (a text in the plot would collide with the legend
        # or the curves); clicking the legend entry hides the shading, as it hides a curve.
        self.region_key = pg.BarGraphItem(x=[], height=[], width=1, brush=pg.mkBrush(214, 39, 40, 60), pen=None)
        self.region_key.visibleChanged.connect(self._region_toggled)
        self.region_span: tuple[float, float] | None = None
        best, stop, continued = _shade(BEST_SHADES), _shade(STOP_SHADES), _shade(CONTINUED_SHADES)
        chosen = _shade(CHOSEN_SHADES)
        self.best_line = pg.InfiniteLine(angle=90, pen=_pen(best, 1.5, dash=True))
        self.stop_line = pg.InfiniteLine(angle=90, pen=_pen(stop, 1.5))
        self.continue_line = pg.InfiniteLine(angle=90, pen=_pen(continued, 1.2, dash=True))
        self.chosen_line = pg.InfiniteLine(angle=90, pen=_pen(chosen, 2.0))  # the epoch on the timeline
        for extra in (self.region, self.best_line, self.stop_line, self.continue_line, self.chosen_line):
            extra.hide()
            item.addItem(extra, ignoreBounds=True)
        # Their labels: boxes placed where they cover no curve and no legend (see tags.py).
        self.tags = {
            line: make_tag(colour)
            for line, colour in (
                (self.best_line, best),
                (self.stop_line, stop),
                (self.continue_line, continued),
                (self.chosen_line, chosen),
            )
        }
        for tag in self.tags.values():
            tag.hide()
            item.addItem(tag, ignoreBounds=True)
        self.view_box: Any = item.getViewBox()
        self.view_box.sigResized.connect(self.place_tags)
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

    def set_second(self, key: str | None) -> None:
        """Draw the logged `key` too (training and validation, dotted), or no second value."""
        if key == self.second_key:
            return
        if self.second is not None:
            for curve in self.second:
                self.item.removeItem(curve)  # and its legend entry
            self.second = None
        self.second_key = key
        if key is not None:
            self.second = tuple(
                self.item.plot(
                    [],
                    [],
                    pen=pg.mkPen(colour, width=2.0, style=Qt.PenStyle.DotLine),
                    symbol="t",
                    symbolSize=5,
                    symbolBrush=colour,
                    symbolPen=None,
                    name=part.format(key=key.upper()),  # short: four entries share the legend's two columns
                    connect="finite",
                )
                for colour, part in ((TRAIN, _("{key} (train)")), (VAL, _("{key} (val)")))
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
        # Room after the last epoch, so that a marker on it (the early stop) is a line, not the edge.
        x_end = float(done if ended else min(planned, max(8, 2 ** int(np.ceil(np.log2(done + 1)))))) + max(
            0.5, 0.03 * done
        )
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

    def _fit_legend(self) -> None:
        """A small legend above the plot: three columns (two where the plot is narrow) of one-line
        entries, earlier runs as one entry (their dashed curves look alike; the line under the plots
        says which run changed what, and the entry's tooltip too). Never wider than the plot."""
        legend = self.item.legend
        width, height = self.plot.width(), self.plot.height()
        runs = tuple(self.overlay_names.values())
        fitted = (len(legend.items) if legend is not None else 0, width, height, runs)
        if legend is None or fitted == self.legend_fitted:
            return
        legend.removeItem(self.runs_key)
        legend.setColumnCount(3 if width >= 3 * LEGEND_COLUMN_PX else 2)
        if self.overlays:
            legend.addItem(self.runs_key, "")
            label = legend.items[-1][1]
            label.setToolTip("\n".join(runs))
            summary = _("earlier runs ({count}), dashed").format(count=len(self.overlays))
            self._fit_entry(label, summary)
        self.legend_fitted = (len(legend.items), width, height, runs)
        fill_view(self.plot)

    def show_run(self, record: RunRecord) -> None:
        """Draw the current run: curves, best epoch, overfitting span and stop marker."""
        x, train = record.series(self.train_key)
        xv, val = record.series(self.val_key)
        self.frame.show_plot(bool(len(x) or len(record.batch_loss)))
        self.train.setData(x, train)
        self.val.setData(xv, val)
        seconds = self._show_second(record)
        if self.batch is not None:
            self.batch.setData(record.batch_x.view(), record.batch_loss.view())
        self._show_best(record, len(val) > 0)
        self._show_region(record)
        self._show_stop(record)
        self._mark(self.continue_line, record.continued_at[-1] if record.continued_at else None, _("continued"))
        chosen = record.chosen_epoch
        self._mark(
            self.chosen_line,
            chosen + 1 if chosen is not None else None,
            _("shown: epoch {epoch}").format(epoch=chosen + 1) if chosen is not None else "",
        )
        batch = [record.batch_loss.view()] if self.batch is not None else []
        self._fit_legend()
        self._fit(record, [train, val, *batch, *seconds])
        settle_view(self.view)
        self.place_tags()

    def _show_second(self, record: RunRecord) -> list[np.ndarray]:
        """The second value's curves, drawn; their values, for the view to fit."""
        if self.second is None or self.second_key is None:
            return []
        values = []
        for curve, key in zip(self.second, (self.second_key, f"val_{self.second_key}"), strict=True):
            x, y = record.series(key)
            curve.setData(x, y)
            values.append(y)
        return values

    def _mark(self, line: Any, epoch: float | None, text: str) -> None:
        """Show a marker line at `epoch` with its label, or hide both."""
        tag = self.tags[line]
        line.setVisible(epoch is not None)
        tag.setVisible(epoch is not None)
        if epoch is not None:
            line.setValue(epoch)
            if tag.textItem.toPlainText() != text:
                tag.setText(text)

    def _show_best(self, record: RunRecord, has_val: bool) -> None:
        """The best epoch's line; the plot of another metric says which metric chose it."""
        best = record.best_epoch
        if best is None:
            self._mark(self.best_line, None, "")
            return
        monitor = record.started.monitor if record.started else "val_loss"
        key = self.val_key if has_val else self.train_key
        value = self._value_at(record, key, best)
        if key == monitor:
            text = (
                _("best: epoch {epoch} ({value})").format(epoch=best, value=f"{value:.4g}")
                if value is not None
                else _("best: epoch {epoch}").format(epoch=best)
            )
        else:
            text = _("best {metric}: epoch {epoch}").format(metric=_(metric_words(monitor)), epoch=best)
        self._mark(self.best_line, best, text)

    @Slot()
    def place_tags(self) -> None:
        """Move the marker labels to where they cover no curve and no other label (the legend is
        above the plot's area)."""
        points = self._points()
        lines = [
            (self.tags[line], float(line.value()))
            for line in (self.best_line, self.stop_line, self.continue_line, self.chosen_line)
        ]
        if any(tag.isVisible() for tag, _ in lines):
            place(self.view, lines, [], points)

    def _points(self) -> np.ndarray:
        """The current curves' points in view coordinates, each epoch point counted five times:
        the faint per-batch loss (thinned) matters less than the epoch curves."""
        parts = []
        for curve, weight in ((self.train, 5), (self.val, 5), (self.batch, 1)):
            if curve is None:
                continue
            x, y = curve.getData()
            if x is None or not len(x):
                continue
            step = max(1, len(x) // 2000)
            parts += [np.column_stack([x[::step], y[::step]])] * weight
        points = np.concatenate(parts) if parts else np.zeros((0, 2))
        return points[np.isfinite(points).all(axis=1)]

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
                legend.addItem(self.region_key, _("overfitting"))
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
        self._mark(self.stop_line, ended.epochs_done if stopped and ended is not None else None, _("early stop"))

    def set_overlays(self, records: list[RunRecord]) -> None:
        """Previous runs as faint, dashed curves labelled by what differs; hidden ones removed."""
        wanted = {id(r): r for r in records if r.visible}
        for key in [k for k in self.overlays if k not in wanted]:
            for curve in self.overlays.pop(key):
                self.item.removeItem(curve)  # and its legend entry
            self.overlay_names.pop(key, None)
        for key, record in wanted.items():
            if key not in self.overlays:
                # One legend entry per run (on its validation curve): the legend stays small.
                train = self.item.plot([], [], pen=_pen(TRAIN, 1.0, alpha=90, dash=True), connect="finite")
                val = self.item.plot([], [], pen=_pen(VAL, 1.0, alpha=90, dash=True), connect="finite")
                self.overlays[key] = (train, val)
            self.overlay_names[key] = record.label  # relabelled when the settings change
            train_curve, val_curve = self.overlays[key]
            train_curve.setData(*record.series(self.train_key))
            val_curve.setData(*record.series(self.val_key))
        self._fit_legend()
        self.place_tags()  # the legend may have grown or shrunk

    def _fit_entry(self, label: Any, text: str) -> None:
        """Show `text` on `label`, cut at a word (with "…") until the plot item fits its widget:
        pyqtgraph never lays a plot out narrower than its legend, so a wide entry cuts off the
        plot's right side (the last epochs, a marker, the axis's last number)."""
        words = text.split(" ")
        room = self.plot.viewport().width()
        for count in range(len(words), 0, -1):
            shown = text if count == len(words) else " ".join(words[:count]).rstrip(" ,:;→") + "…"
            label.setText(escape(shown))
            self.item.layout.invalidate()
            if self.item.effectiveSizeHint(Qt.SizeHint.MinimumSize).width() <= room:
                return

    def clear_run(self) -> None:
        """Empty the current run's curves (a new run starts)."""
        for curve in (self.train, self.val, self.batch, *(self.second or ())):
            if curve is not None:
                curve.setData([], [])
        for extra in (self.region, self.best_line, self.stop_line, self.continue_line, *self.tags.values()):
            extra.hide()
        if self.region_span is not None and self.item.legend is not None:
            self.item.legend.removeItem(self.region_key)
        self.region_span = None
        self.frame.show_plot(False)
        self.show_info("")
        self.user_zoomed = False
