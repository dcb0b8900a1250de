"""What keeps the plots cheap to draw during a run: opaque grid lines, one paint per frame."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QColor, QPainter, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from workbench.engine.events import BoundarySnapshot
from workbench.engine.stream import EpochEnded
from workbench.gui.plots.axes import OpaqueGridAxis, opaque, paint_later
from workbench.gui.plots.boundary_panel import BoundaryPanel, boundary_rgb
from workbench.gui.plots.curves import CurvePlotPanel
from workbench.gui.plots.tags import hidden
from workbench.gui.run_data import RunRecord
from workbench.spec import load_preset


def test_opaque_matches_the_blend_over_the_background() -> None:
    grey = opaque(QColor(0, 0, 0, 64), QColor("white"))
    assert (grey.red(), grey.green(), grey.blue(), grey.alpha()) == (191, 191, 191, 255)
    tinted = opaque(QColor(255, 0, 0, 128), QColor(0, 0, 255))
    assert (tinted.red(), tinted.green(), tinted.blue()) == (128, 0, 127)


class _Recorder:
    """Stands in for a QPainter and keeps the colours of the pens it is given."""

    RenderHint = QPainter.RenderHint

    def __init__(self) -> None:
        self.alphas: list[int] = []

    def setPen(self, pen: Any) -> None:  # noqa: N802 - QPainter's name
        self.alphas.append(pen.color().alpha() if hasattr(pen, "color") else 255)

    def __getattr__(self, name: str) -> Any:
        return lambda *args: None


def test_grid_lines_reach_the_painter_opaque(qtbot: QtBot) -> None:
    plot = pg.PlotWidget(background="w", axisItems={"left": OpaqueGridAxis("left")})
    qtbot.addWidget(plot)
    plot.resize(400, 300)
    plot.getPlotItem().showGrid(x=True, y=True, alpha=0.25)
    axis = plot.getPlotItem().getAxis("left")
    pixmap = QPixmap(400, 300)
    painter = QPainter(pixmap)
    specs = axis.generateDrawSpecs(painter)
    painter.end()
    assert specs is not None and any(pen.color().alpha() < 255 for pen, _, _ in specs[1])  # pyqtgraph's own
    recorder = _Recorder()
    axis.drawPicture(recorder, *specs)
    assert len(recorder.alphas) > 3 and set(recorder.alphas) == {255}


class _PaintCounter(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.paints = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Paint:
            self.paints += 1
        return False


def test_a_new_epoch_paints_the_plot_once(qtbot: QtBot) -> None:
    panel = CurvePlotPanel("lossPlot", "Loss", "loss", "val_loss", batch_curve=True, log_toggle=True)
    qtbot.addWidget(panel)
    panel.resize(500, 400)
    panel.show()
    record = RunRecord(load_preset("digits_mlp"))
    counter = _PaintCounter()
    panel.plot.viewport().installEventFilter(counter)
    for epoch in range(12):
        record.add_epoch(EpochEnded(epoch, {"loss": 1 / (epoch + 1), "val_loss": 1.2 / (epoch + 1)}, 0, 1.0, None, 1))
        panel.show_run(record)
        qtbot.wait(30)
    counter.paints = 0
    before = panel.view.viewRange()
    record.add_epoch(EpochEnded(12, {"loss": 0.08, "val_loss": 0.1}, 0, 1.0, None, 1))  # one more epoch: x grows
    panel.show_run(record)
    qtbot.wait(100)
    assert panel.view.viewRange() != before
    assert counter.paints == 1


def test_boundary_colours_fade_to_white_where_the_network_is_unsure() -> None:
    classes = np.array([[0, 1], [2, 0]])
    confidence = np.array([[1.0, 1.0], [1 / 3, 0.5]], dtype=np.float32)
    rgb = boundary_rgb(classes, confidence, 3).astype(int)
    blue, orange = np.array([0x1F, 0x77, 0xB4]), np.array([0xFF, 0x7F, 0x0E])
    assert np.abs(rgb[0, 0] - (255 + 0.45 * (blue - 255))).max() <= 1  # sure: the strongest tint
    assert np.abs(rgb[0, 1] - (255 + 0.45 * (orange - 255))).max() <= 1
    assert rgb[1, 0].min() >= 230  # at chance level: nearly white
    assert rgb[0, 0].sum() < rgb[1, 1].sum() < rgb[1, 0].sum()  # paler as it gets less sure


def test_neuron_pictures_are_white_at_zero_orange_up_blue_down_and_top_row_first() -> None:
    from workbench.gui.plots.boundary_panel import neuron_rgb

    maps = np.zeros((2, 3, 3), dtype=np.float32)
    maps[0, 0, 0] = 2.0  # bottom-left in the data (rows go up the y axis)
    maps[1, 2, 2] = -1.0  # top-right
    rgb = neuron_rgb(maps)
    assert rgb.shape == (2, 3, 3, 3) and rgb.dtype == np.uint8
    assert tuple(rgb[0, :, 2, 0]) == (255, 127, 14)  # drawn in the last picture row: the bottom
    assert tuple(rgb[1, :, 0, 2]) == (31, 119, 180)
    assert tuple(rgb[0, :, 1, 1]) == (255, 255, 255)


class _Painted(QWidget):
    """Notes each paint in a shared log."""

    def __init__(self, name: str, log: list[str]) -> None:
        super().__init__()
        self.name, self.log = name, log
        self.peer: QWidget | None = None

    def paintEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        held = self.peer is not None and not self.peer.updatesEnabled()
        self.log.append(f"paint {self.name}" + (" (peer held)" if held else ""))


def _paints_after_update(qtbot: QtBot, defer: bool) -> list[str]:
    log: list[str] = []
    host = QWidget()
    qtbot.addWidget(host)
    first, second = _Painted("first", log), _Painted("second", log)
    first.peer = second
    layout = QHBoxLayout(host)
    layout.addWidget(first)
    layout.addWidget(second)
    host.resize(300, 100)
    host.show()
    qtbot.waitExposed(host)
    qtbot.wait(50)
    log.clear()
    due = QTimer()  # stands for any timer (or the probe of the benchmark) due while a plot is updated
    due.setSingleShot(True)
    due.setInterval(0)
    due.timeout.connect(lambda: log.append("timer"))
    due.start()
    if defer:
        paint_later(first, second)
    first.update()
    second.update()
    qtbot.waitUntil(lambda: log.count("timer") == 1 and any("second" in e for e in log), timeout=2000)
    return log


def test_paint_later_lets_a_due_timer_run_before_each_plot_is_painted(qtbot: QtBot) -> None:
    assert _paints_after_update(qtbot, defer=False)[0] != "timer"  # Qt alone paints first
    log = _paints_after_update(qtbot, defer=True)
    assert log[0] == "timer"
    assert log[1:] == ["paint first (peer held)", "paint second"]  # one widget per turn, in order


def _legend_names(panel: CurvePlotPanel) -> list[str]:
    return [label.text for _, label in panel.item.legend.items]


def _texts_right_edge(panel: CurvePlotPanel) -> float:
    """Where the legend's last letter ends, in the plot widget's pixels."""
    labels = [label for _sample, label in panel.item.legend.items]
    return max(panel.plot.mapFromScene(label.item.sceneBoundingRect().topRight()).x() for label in labels)


def test_the_overfitting_span_is_shaded_and_named_in_the_legend(qtbot: QtBot) -> None:
    panel = CurvePlotPanel("lossPlot", "Loss", "loss", "val_loss", batch_curve=False, log_toggle=False)
    qtbot.addWidget(panel)
    record = RunRecord(load_preset("digits_mlp"))
    val = [1.0, 0.8, 0.6, 0.5, 0.55, 0.6, 0.7, 0.8]  # best at epoch 4, then rising while training loss falls
    for epoch, v in enumerate(val):
        record.add_epoch(EpochEnded(epoch, {"loss": 1.0 / (epoch + 1), "val_loss": v}, 3, 0.5, None, 1))
    panel.show_run(record)
    assert panel.region.isVisible() and panel.region.getRegion() == pytest.approx((4, 8))
    assert _legend_names(panel).count("overfitting") == 1
    panel.show_run(record)  # drawn again: still one legend entry
    assert _legend_names(panel).count("overfitting") == 1
    panel.region_key.setVisible(False)  # what a click on the legend entry does
    assert not panel.region.isVisible()
    panel.region_key.setVisible(True)
    assert panel.region.isVisible()
    panel.clear_run()  # a new run: no span yet, no entry
    assert not panel.region.isVisible() and "overfitting" not in _legend_names(panel)


def _record(train: list[float], val: list[float], best: int) -> RunRecord:
    record = RunRecord(load_preset("digits_mlp"))
    for epoch, (a, v) in enumerate(zip(train, val, strict=True)):
        logs = {"accuracy": a, "val_accuracy": v, "loss": 1 - a, "val_loss": 1 - v}
        record.add_epoch(EpochEnded(epoch, logs, best, 1 - val[best], None, 1))
    return record


def test_legend_and_marker_labels_keep_clear_of_the_curves(qtbot: QtBot) -> None:
    panel = CurvePlotPanel("accuracyPlot", "Accuracy", "accuracy", "val_accuracy", batch_curve=False, log_toggle=False)
    qtbot.addWidget(panel)
    panel.resize(340, 330)
    panel.show()
    qtbot.wait(50)
    rising = [0.34, 0.74, 0.86, 0.91, 0.93, 0.94, 0.96, 0.97, 0.975, 0.98]
    record = _record(rising, [v - 0.05 for v in rising], best=9)
    panel.show_run(record)
    legend, plot_area = panel.item.legend.sceneBoundingRect(), panel.view.sceneBoundingRect()
    assert legend.bottom() <= plot_area.top() + 1  # above the plot's area: it covers no curve, ever
    area = panel.view.mapSceneToView(legend).boundingRect()
    tag = panel.tags[panel.best_line]
    assert tag.isVisible() and tag.textItem.toPlainText() == "best validation loss: epoch 10"  # says who chose it
    box = tag.mapRectToView(tag.boundingRect())
    (x0, x1), (y0, y1) = panel.view.viewRange()
    assert x0 <= box.left() and box.right() <= x1 and y0 <= box.top() and box.bottom() <= y1  # never cut
    assert not box.intersects(area) and hidden(box, panel._points()) == 0  # on no legend and no point


@pytest.mark.parametrize("batches", [True, False])  # the loss plot (with its batch line), the second plot
def test_earlier_runs_are_one_legend_entry_that_names_them_all(qtbot: QtBot, batches: bool) -> None:
    """Earlier runs' dashed curves look alike: one entry stands for them, its tooltip says which run
    changed what (the line under the plots says it too), and the legend stays a small band above the
    plot, within its width, however many runs and however long what changed."""
    panel = CurvePlotPanel("lossPlot", "Loss", "loss", "val_loss", batch_curve=batches, log_toggle=False)
    qtbot.addWidget(panel)
    panel.resize(330, 300)  # a loss plot at 1366x768
    panel.show()
    qtbot.wait(50)
    panel.show_run(_record([0.5, 0.7, 0.8], [0.5, 0.6, 0.7], best=2))
    earlier = []
    for number in range(1, 6):
        run = _record([0.4, 0.6, 0.7], [0.4, 0.5, 0.6], best=2)
        run.name = f"run {number}"
        run.changed = ", ".join(f"+ Dropout(0.{k}) after layer {k}" for k in range(1, number + 3))
        run.label = f"{run.name} → now: {run.changed}"
        earlier.append(run)
        panel.set_overlays(earlier)
        qtbot.wait(20)
        names = _legend_names(panel)
        assert names[-1].startswith(f"earlier runs ({number})") and len(names) == 3 + batches, names
        assert panel.item.legend.items[-1][1].toolTip().splitlines() == [r.label for r in earlier]
        assert panel.item.legend.boundingRect().height() <= 0.25 * panel.plot.height() + 1
        assert _texts_right_edge(panel) <= panel.plot.width()  # every word shown is on screen
        assert panel.item.geometry().width() <= panel.plot.viewport().width()  # nothing cut at the right
    view = panel.view.sceneBoundingRect()
    assert view.width() >= 250 and view.height() >= 150  # the curves keep their room
    panel.set_overlays([])
    assert not any(name.startswith("earlier runs") for name in _legend_names(panel))


def test_a_legend_wide_for_a_moment_leaves_the_plot_whole(qtbot: QtBot) -> None:
    """An entry too wide for the plot widens pyqtgraph's plot item past the widget (the last epochs
    and a marker cut off at the right); once the legend fits again, so does the plot."""
    panel = CurvePlotPanel("lossPlot", "Loss", "loss", "val_loss", batch_curve=True, log_toggle=False)
    qtbot.addWidget(panel)
    panel.resize(330, 300)
    panel.show()
    qtbot.wait(50)
    record = _record([0.5, 0.7, 0.8], [0.5, 0.6, 0.7], best=2)
    panel.show_run(record)
    wide = pg.PlotDataItem([], [])
    panel.item.legend.addItem(wide, "a very long legend entry that no plot of this size can hold in one line")
    qtbot.wait(50)
    assert panel.item.geometry().width() > panel.plot.viewport().width()  # the plot item is wider than its widget
    panel.item.legend.removeItem(wide)
    panel.show_run(record)
    qtbot.wait(50)
    assert panel.item.geometry().width() <= panel.plot.viewport().width()


def test_the_boundary_caption_names_the_weights_shown(qtbot: QtBot) -> None:
    panel = BoundaryPanel()
    qtbot.addWidget(panel)
    grid = np.zeros((4, 4), dtype=np.int64)
    points, labels = np.zeros((2, 2), dtype=np.float32), np.array([0, 1])
    record = RunRecord(load_preset("spiral_mlp"))
    for epoch, restored, said in ((42, False, "after epoch 42"), (22, True, "of epoch 22 (restored: the best)")):
        record.boundary = BoundarySnapshot(epoch, (0, 1), (0, 1), grid, grid + 0.9, points, labels, restored=restored)
        panel.show_run(record)
        assert said in panel.caption.text()


def test_an_axis_of_epochs_has_no_tick_between_two_epochs(qtbot: QtBot) -> None:
    from workbench.gui.plots.axes import OpaqueGridAxis
    from workbench.gui.plots.curves import CurvePlotPanel

    def ticks(axis: OpaqueGridAxis, low: float, high: float) -> list[float]:
        return [v for _spacing, values in axis.tickValues(low, high, 400) for v in values]

    assert any(v % 1 for v in ticks(OpaqueGridAxis("bottom"), 0.8, 2.2))  # pyqtgraph's own: 1.5 and the like
    whole = ticks(OpaqueGridAxis("bottom", whole=True), 0.8, 2.2)
    assert whole == [1.0, 2.0]
    assert len(ticks(OpaqueGridAxis("bottom", whole=True), 0, 100)) >= 5  # long runs keep their levels
    panel = CurvePlotPanel("t", "y", "loss", "val_loss", batch_curve=True, log_toggle=True)
    qtbot.addWidget(panel)
    assert panel.plot.getPlotItem().getAxis("bottom").whole
    from workbench.gui.plots.histogram_panel import HistogramPanel

    histograms = HistogramPanel()  # the weights over the training steps
    qtbot.addWidget(histograms)
    assert histograms.history_plot.getPlotItem().getAxis("bottom").whole
