"""The sweep window: a sweep's queue of runs (each cancellable, each finished one openable in the
main window), each value's mean curve with its band, the value against its score with error bars,
the table of means and spreads, and the verdict. It renders a `SweepSession` and steps it on a
timer: the runs are processes of their own, so nothing here waits on them."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..engine.memory import processes_that_fit
from ..engine.queue import available_cores
from ..i18n import _, ngettext, pgettext
from .sweep_session import STATE_WORDS, Band, RunShown, SweepSession
from .theme import Tone, legend_above, style, themed_plot

STEP_MS = 250


def _colour(n: int, count: int) -> pg.QtGui.QColor:
    return pg.intColor(n, hues=max(count, 3), values=1, maxValue=200, sat=200)


class SweepWindow(QWidget):
    """One sweep: its queue, plots, table and verdict. `open_run` opens a finished run's model
    file in the main window; `ask_stop` asks before closing drops runs still queued or training."""

    def __init__(
        self,
        session: SweepSession,
        title: str,
        open_run: Callable[[Path], None],
        ask_stop: Callable[[SweepSession], bool],
        parent: QWidget | None = None,
        start: bool = False,
        changed: Callable[[], None] = lambda: None,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("sweepWindow")
        self.session, self.open_run, self.ask_stop, self.changed = session, open_run, ask_stop, changed
        self.setWindowTitle(_("{title} — sweep").format(title=title))
        self.band = Band.RANGE
        self.closing = False  # closed while runs were stopping: deleted once they have
        self._build()
        self.timer = QTimer(self)
        self.timer.setInterval(STEP_MS)
        self.timer.timeout.connect(self.step)
        if start:  # a new sweep: its runs queue now
            session.train(self.parallel.value())
        self.show_session()
        if session.active:
            self.timer.start()

    # --- construction ------------------------------------------------------------------------------

    def _build(self) -> None:
        self.about = QLabel(self._described())
        self.about.setObjectName("sweepAbout")
        self.about.setWordWrap(True)
        self.about.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.queue_table = _table(
            "sweepQueue", [_("run"), _("state"), _("epochs"), _("best value"), _("best epoch"), _("test")]
        )
        self.queue_table.itemSelectionChanged.connect(self._show_buttons)
        self.queue_table.itemDoubleClicked.connect(lambda _item: self.open_selected())
        self.cancel_button = _button(_("Cancel run"), "sweepCancel", self.cancel_selected)
        self.cancel_button.setToolTip(_("Take the chosen runs out of the queue, or stop them after their batch"))
        self.stop_button = _button(_("Stop all"), "sweepStop", self.stop_all)
        self.open_button = _button(_("Open run"), "sweepOpen", self.open_selected)
        self.open_button.setToolTip(_("Open the chosen run in the main window: its curves, its network, its results"))
        self.rest_button = _button(_("Train the rest"), "sweepRest", self.train_rest)
        self.parallel = QSpinBox()
        self.parallel.setObjectName("sweepParallel")
        self.parallel.setRange(1, self._most_side_by_side())
        self.parallel.setValue(min(2, self.parallel.maximum()))
        self.parallel.setToolTip(_("How many runs train at once, each a process with its share of the cores"))
        self.parallel.valueChanged.connect(self.session.set_parallel)
        side = QLabel(_("Side by side:"))
        side.setBuddy(self.parallel)
        buttons = QHBoxLayout()
        for widget in (self.cancel_button, self.stop_button, self.open_button, self.rest_button):
            buttons.addWidget(widget)
        buttons.addStretch(1)
        buttons.addWidget(side)
        buttons.addWidget(self.parallel)
        self.summary_table = _table("sweepSummary", [])
        self.verdict = QLabel()
        self.verdict.setObjectName("sweepVerdict")
        self.verdict.setWordWrap(True)
        self.verdict.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.about)
        column.addWidget(self.queue_table, 3)
        column.addLayout(buttons)
        column.addWidget(self.summary_table)
        column.addWidget(self.verdict)
        right = QWidget()
        plots = QVBoxLayout(right)
        plots.setContentsMargins(0, 0, 0, 0)
        self.band_box = QComboBox()
        self.band_box.setObjectName("sweepBand")
        self.band_box.addItem(_("Band: the range of the seeds' results"), Band.RANGE)
        self.band_box.addItem(_("Band: ±1 standard deviation of the seeds' results"), Band.SD)
        self.band_box.setVisible(self.session.folder.seeds > 1)  # one seed a value: no band to draw
        self.band_box.currentIndexChanged.connect(self._band_chosen)
        self.curves = themed_plot(grid=True, whole_x=True)
        self.curves.setObjectName("sweepCurves")
        self.curves.setLabel("bottom", _("epoch"))
        self.bars = themed_plot(grid=True)
        self.bars.setObjectName("sweepBars")
        for plot in (self.curves, self.bars):  # accuracies and rates read as they are, not in thousandths
            for edge in ("left", "bottom"):
                plot.getPlotItem().getAxis(edge).enableAutoSIPrefix(False)
        plots.addWidget(self.band_box)
        plots.addWidget(self.curves, 3)
        plots.addWidget(self.bars, 2)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setSizes([600, 580])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        above = self.parentWidget()
        screen = above.screen() if above is not None else self.screen()
        room = screen.availableGeometry()  # the whole window on a laptop's screen
        self.resize(min(1180, room.width() - 40), min(680, room.height() - 60))
        if above is not None:  # over the main window's middle, not in a corner of the screen
            centre = above.frameGeometry().center()
            x = min(max(centre.x() - self.width() // 2, room.left()), room.right() - self.width())
            y = min(max(centre.y() - self.height() // 2, room.top()), room.bottom() - self.height())
            self.move(x, y)

    def _most_side_by_side(self) -> int:
        """A core a run on the CPU (a GPU a run on GPUs), as many as the free memory holds."""
        folder = self.session.folder
        gpus = folder.gpus()
        fit = processes_that_fit(folder.experiment, folder.base_dir, on_cpu=not gpus)
        return max(1, min(max(available_cores(), gpus), fit if fit is not None else available_cores()))

    def _described(self) -> str:
        folder = self.session.folder
        seeds = ngettext("{seeds} seed", "{seeds} seeds", folder.seeds).format(seeds=folder.seeds)
        what = (
            _("the same experiment, {seeds}").format(seeds=seeds)
            if folder.vary is None
            else ngettext("{count} value × {seeds}", "{count} values × {seeds}", len(folder.vary.values)).format(
                count=len(folder.vary.values), seeds=seeds
            )
        )
        return _("{what}, {runs} runs, kept in {folder}").format(what=what, runs=len(folder.runs), folder=folder.out)

    # --- the queue ------------------------------------------------------------------------------------

    @Slot()
    def step(self) -> None:
        try:
            stepped = self.session.step()
        except OSError as exc:  # the summary could not be written: the runs' own files are kept
            self.verdict.setText(str(exc))
            stepped = True
        if stepped:
            self.show_session()
            self.changed()
        if not self.session.active:
            self.timer.stop()
            if self.closing:
                self.close()

    def _selected(self) -> list[str]:
        rows = sorted({index.row() for index in self.queue_table.selectedIndexes()})
        return [self.session.folder.runs[row].name for row in rows]

    @Slot()
    def cancel_selected(self) -> None:
        for name in self._selected():
            self.session.cancel(name)
        self.show_session()

    @Slot()
    def stop_all(self) -> None:
        self.session.stop()
        self.show_session()

    @Slot()
    def open_selected(self) -> None:
        names = [n for n in self._selected() if n in self.session.outcomes]
        if names:
            run = next(r for r in self.session.folder.runs if r.name == names[0])
            self.open_run(self.session.folder.model(run))

    @Slot()
    def train_rest(self) -> None:
        self.session.train(self.parallel.value())
        self.timer.start()
        self.show_session()

    @Slot(int)
    def _band_chosen(self, _index: int) -> None:
        self.band = Band(self.band_box.currentData())
        self._draw_curves()

    # --- rendering --------------------------------------------------------------------------------------

    def show_session(self) -> None:
        """Show the session as it is now."""
        self._fill_queue()
        self._show_buttons()
        self._draw_curves()
        self._draw_bars()
        self._fill_summary()
        said = self.session.sentence()
        self.verdict.setText(said)
        self.verdict.setStyleSheet(style(Tone.NOTE) + "font-weight: bold;" if said else "")

    def _fill_queue(self) -> None:
        rows = self.session.rows()
        table = self.queue_table
        table.setRowCount(len(rows))
        metric = self.session.metric  # what each run is compared by, at its best epoch
        table.setHorizontalHeaderItem(3, QTableWidgetItem(metric or _("best value")))
        finished = self.session.finished_outcomes()
        test = _("test {key}").format(key=finished[0].test_key) if finished and finished[0].test_key else _("test")
        table.setHorizontalHeaderItem(5, QTableWidgetItem(test))  # as the table below calls it
        for n, row in enumerate(rows):
            cells = (
                row.name,
                pgettext("run state", STATE_WORDS[row.state]),
                f"{row.epoch}/{row.epochs}" if row.epoch or row.state is RunShown.TRAINING else "",
                f"{row.score:.4f}" if row.score is not None else "",
                str(row.best_epoch or ""),
                f"{row.test:.4f}" if row.test is not None else "",
            )
            for column, text in enumerate(cells):
                item = table.item(n, column)
                if item is None:
                    item = QTableWidgetItem()
                    table.setItem(n, column, item)
                if item.text() != text:
                    item.setText(text)
                item.setData(Qt.ItemDataRole.UserRole, row.state.value)
                item.setToolTip(self.session.failure(row.name) if row.state is RunShown.FAILED else "")

    @Slot()
    def _show_buttons(self) -> None:
        states = {row.name: row.state for row in self.session.rows()}
        chosen = [states[name] for name in self._selected()]
        self.cancel_button.setEnabled(any(s in (RunShown.QUEUED, RunShown.TRAINING) for s in chosen))
        self.stop_button.setEnabled(self.session.active)
        self.open_button.setEnabled(RunShown.FINISHED in chosen)
        self.rest_button.setVisible(not self.session.active and self.session.unfinished > 0)

    def _draw_curves(self) -> None:
        plot = self.curves
        plot.clear()
        item = plot.getPlotItem()
        if item.legend is None:
            legend_above(plot, columns=2)
        else:
            item.legend.clear()
        metric = self.session.metric
        plot.setLabel("left", metric or "")
        curves = self.session.curves(self.band)
        values = self.session.folder.vary.values if self.session.folder.vary is not None else (None,)
        for curve in curves:
            colour = _colour(self.session.value_index(curve.value), len(values))
            xs = list(curve.epochs)
            low = pg.PlotDataItem(xs, list(curve.low), pen=pg.mkPen(None))
            high = pg.PlotDataItem(xs, list(curve.high), pen=pg.mkPen(None))
            fill = _faded(colour, 60)
            plot.addItem(low)
            plot.addItem(high)
            plot.addItem(pg.FillBetweenItem(low, high, brush=pg.mkBrush(fill)))
            label = (
                _("{label} (mean of {runs})").format(label=curve.label, runs=curve.runs)
                if curve.runs > 1
                else curve.label
            )
            plot.plot(xs, list(curve.mean), pen=pg.mkPen(colour, width=2), name=label)
        named = False
        for value, points in self.session.live():  # the runs training now, thin and dashed in their value's colour
            shown = [(n + 1, v) for n, v in enumerate(points) if v is not None]
            if shown:
                colour = _colour(self.session.value_index(value), len(values))
                pen = pg.mkPen(colour, width=1, style=Qt.PenStyle.DashLine)
                name = None if named else _("runs training now")
                plot.plot([p[0] for p in shown], [p[1] for p in shown], pen=pen, name=name)
                named = True

    def _draw_bars(self) -> None:
        plot = self.bars
        plot.clear()
        bars = self.session.error_bars()
        plot.setVisible(bars is not None)
        if bars is None:
            return
        plot.setLabel("bottom", self.session.setting_words())
        plot.setLabel("left", _("{metric} (mean ± sd)").format(metric=self.session.metric or ""))
        plot.setLogMode(x=bars.log_x, y=False)  # the points follow the axis; the bars are drawn where it puts them
        at = _array(bars.x, bars.log_x)
        height = _array([2 * sd for sd in bars.sd])
        plot.addItem(pg.ErrorBarItem(x=at, y=_array(bars.mean), height=height, beam=0.0))
        plot.plot(list(bars.x), list(bars.mean), pen=None, symbol="o", symbolSize=8)
        # A tick at each value tried, named as the table names it: never a log axis's crowded minor labels.
        plot.getPlotItem().getAxis("bottom").setTicks([list(zip(at.tolist(), bars.labels, strict=True)), []])
        low = min(m - sd for m, sd in zip(bars.mean, bars.sd, strict=True))
        high = max(m + sd for m, sd in zip(bars.mean, bars.sd, strict=True))
        pad = max((high - low) * 0.15, 0.005)
        top = high + pad
        if (self.session.metric or "").endswith("accuracy"):
            top = min(top, 1.0 + pad / 3)  # an accuracy above 1 means nothing
        plot.setYRange(low - pad, top, padding=0)
        left, right = float(at.min()), float(at.max())
        margin = (right - left) * 0.1 if right > left else max(abs(left) * 0.1, 0.1 if bars.log_x else 0.5)
        plot.setXRange(left - margin, right + margin, padding=0)

    def _fill_summary(self) -> None:
        table = self.summary_table
        made = self.session.table()
        if made is None:
            table.setVisible(False)
            return
        header, rows = made
        header[0] = header[0].rsplit(".", 1)[-1]  # the setting's own name: its place is in the line above
        header = [re.sub(r" ?([(（])", r"\n\1", text, count=1) for text in header]  # "(mean ± sd)" below: narrower
        table.setVisible(True)
        table.setColumnCount(len(header))
        table.setHorizontalHeaderLabels(header)
        table.setRowCount(len(rows))
        for n, row in enumerate(rows):
            for column, text in enumerate(row):
                table.setItem(n, column, QTableWidgetItem(text))
        table.resizeColumnsToContents()
        rows_height = sum(table.rowHeight(n) for n in range(table.rowCount()))
        table.setFixedHeight(table.horizontalHeader().height() + rows_height + 2 * table.frameWidth() + 18)

    # --- closing --------------------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        if self.session.active and not self.closing:
            if not self.ask_stop(self.session):
                event.ignore()
                return
            # Its runs stop after their batch and save: the window goes now, the queue is stepped
            # (hidden) until they have, and the summary is written before the window is deleted.
            self.closing = True
            self.session.stop()
            self.hide()
            event.ignore()
            return
        self.timer.stop()
        self.deleteLater()
        event.accept()


def _faded(colour: pg.QtGui.QColor, alpha: int) -> pg.QtGui.QColor:
    faded = pg.QtGui.QColor(colour)
    faded.setAlpha(alpha)
    return faded


def _array(values: object, log: bool = False) -> Any:
    import numpy as np

    data = np.asarray(values, dtype=float)
    return np.log10(data) if log else data


def _table(name: str, header: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(header))
    table.setObjectName(name)
    if header:
        table.setHorizontalHeaderLabels(header)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def _button(text: str, name: str, slot: Callable[[], None]) -> QPushButton:
    button = QPushButton(text)
    button.setObjectName(name)
    button.clicked.connect(slot)
    return button
