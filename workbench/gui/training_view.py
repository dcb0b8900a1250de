"""The centre of the window: live curves, weight histograms, results and the list of runs."""

from __future__ import annotations

import time
from html import escape

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ..engine.events import StopReason
from ..engine.outcome import best_so_far
from ..i18n import N_, _, pgettext
from ..spec import ExperimentSpec, Task
from ..spec.datasets import dataset_label
from ..spec.metrics import BY_KEY, KL_KEY, metric_for
from .plots.axes import paint_later
from .plots.boundary_panel import BoundaryPanel
from .plots.curves import CurvePlotPanel
from .plots.histogram_panel import HistogramPanel
from .plots.inside_panel import InsidePanel
from .plots.latent_panel import LatentPanel
from .plots.network_panel import NetworkPanel
from .plots.results_panel import ResultsPanel
from .plots.timeline import EpochTimeline
from .run import RunController
from .run_data import RUN_COLUMNS, RunRecord, run_row
from .theme import banner_style, info_style
from .wrapped_label import WrappedLabel

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
# run id, cells, sort keys, shown on the plots (None: the current run), summary
RunTableRow = tuple[int, tuple[str, ...], tuple[float | None, ...], bool | None, str]

# A frame holds the interpreter lock that the training thread needs (Qt paints under it too):
# a frame a second per plot keeps the curves live and leaves training most of the lock.
FRAME_S = 1.0
HISTOGRAM_S = 2.0  # weight distributions change slowly
RUN_NAME_PX = 130  # "run 3 (a long file name.pt)" wraps: the whole centre must not scroll for a name
CHANGED_MIN_PX = 100  # the runs table's "Changed since" column: a few words a line, never one
PAUSED_TEXT = N_(
    "Paused: the run waits where it is. Resume (F6) goes on; Stop (Shift+F5) ends it and keeps what it learned."
)
BOUNDARY_OFF = N_(
    "The decision boundary is drawn for 2-D points to classify (spiral, moons, circles, XOR, "
    "Gaussian blobs): choose one of those datasets to see it."
)
LATENT_OFF = N_("The latent space is an autoencoder's: choose Model: autoencoder / VAE above the layer list to see it.")


class _RunItem(QTableWidgetItem):
    """A runs-table cell that sorts by its number (runs without one go last), else by its text."""

    def __lt__(self, other: QTableWidgetItem) -> bool:
        a, b = self.data(SORT_ROLE), other.data(SORT_ROLE)
        if a is None and b is None:
            return super().__lt__(other)
        return b is None or (a is not None and float(a) < float(b))  # no value sorts after every number


class QtTrainingView(QWidget):
    """Everything a run shows; redrawn from the controller's records on its timer."""

    def __init__(self, controller: RunController) -> None:
        super().__init__()
        self.setObjectName("trainingView")
        self.controller = controller
        self.loss_panel = CurvePlotPanel(
            "lossPlot",
            _("Loss"),
            "loss",
            "val_loss",
            batch_curve=True,
            log_toggle=True,
            from_zero=True,
            empty=_("The loss of every batch and of every epoch appears here as the network trains (Train, F5)."),
        )
        self.accuracy_panel = CurvePlotPanel(
            "accuracyPlot",
            _("Accuracy"),
            "accuracy",
            "val_accuracy",
            batch_curve=False,
            log_toggle=False,
            empty=_(metric_for(Task.CLASSIFICATION).explains),
        )
        self.histograms = HistogramPanel()
        self.boundary = BoundaryPanel()
        self.latent = LatentPanel()
        self.inside = InsidePanel()
        self.network = NetworkPanel()
        self.selected_layer: tuple[str, int] = ("layers", -1)  # in the layer list: outlined on the network
        self.flagged: frozenset[tuple[str, int]] = frozenset()  # (list, row) health flags mark at the epoch shown
        self.inside.wanted.connect(controller.look_inside)
        self.timeline = EpochTimeline()
        self.timeline.epoch_chosen.connect(controller.choose_epoch)
        self.results = ResultsPanel()
        self.runs = QTableWidget(0, len(RUN_COLUMNS))
        self.runs.setObjectName("runTable")
        self.runs.setAccessibleName(_("Runs: what changed and how each went; tick a run to show its curves"))
        self.runs.setHorizontalHeaderLabels([_(column) for column in RUN_COLUMNS])
        self.runs.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.runs.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.runs.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.runs.verticalHeader().hide()
        self.runs.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.runs.horizontalHeader().setSectionResizeMode(len(RUN_COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        self.runs.setWordWrap(True)  # what changed can be long: it wraps instead of scrolling
        self.runs.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.runs.verticalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )  # rows grow as text wraps
        for column, tip in (
            (1, _("The best value of the metric early stopping watches (validation loss unless set), and its epoch")),
            (3, _("What changed from that run's settings to the current ones")),
        ):
            header = self.runs.horizontalHeaderItem(column)
            if header is not None:
                header.setToolTip(tip)
        self.runs.setSortingEnabled(True)
        self.runs.sortByColumn(0, Qt.SortOrder.AscendingOrder)  # in the order they ran
        self.runs.itemChanged.connect(self._run_toggled)
        self._run_rows: list[RunTableRow] = []
        self.results.epoch_chosen.connect(controller.choose_epoch)
        self._build()
        controller.redraw.connect(self.refresh)
        controller.document.changed.connect(self._mark_stale)
        controller.document.changed.connect(self._metric_before_a_run)
        controller.document.changed.connect(self._update_boundary_tab)
        controller.document.file_changed.connect(self._show_intro)
        self._show_intro()
        self.drawn: dict[str, object] = {}
        self.drawn_at: dict[str, float] = {}
        self.shown_runs: list[int] = []

    def _build(self) -> None:
        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(self.loss_panel)
        top.addWidget(self.accuracy_panel)
        tabs = QTabWidget()
        tabs.setObjectName("resultTabs")
        tabs.addTab(self.results, _("Results"))
        tabs.addTab(self.boundary, _("Boundary"))  # the decision boundary: short, five tabs share the width
        tabs.addTab(self.latent, _("Latent space"))
        tabs.addTab(self.inside, _("Inside"))
        tabs.addTab(self.network, pgettext("tab", "Network"))  # the network drawn
        tabs.currentChanged.connect(lambda _index: self.refresh())  # a tab shown: ask for its views
        runs_page = QWidget()
        runs_layout = QVBoxLayout(runs_page)
        runs_layout.addWidget(self.runs)
        buttons = QHBoxLayout()
        remove = QPushButton(_("Remove run"))
        remove.setObjectName("removeRunButton")
        remove.clicked.connect(self._remove_selected)
        buttons.addWidget(remove)
        self.use_button = QPushButton(_("Use its settings"))
        self.use_button.setObjectName("useRunSettingsButton")
        self.use_button.setToolTip(
            _("Put the selected run's settings back in the forms (Ctrl+Z undoes it); double-click does the same")
        )
        self.use_button.clicked.connect(self._use_selected)
        self.runs.cellDoubleClicked.connect(lambda _row, _column: self._use_selected())
        buttons.addWidget(self.use_button)
        buttons.addStretch(1)
        runs_layout.addLayout(buttons)
        tabs.addTab(runs_page, _("Runs"))
        self.tabs = tabs
        self._update_boundary_tab()
        self._metric_before_a_run()
        bottom = QSplitter(Qt.Orientation.Horizontal)
        bottom.addWidget(self.histograms)
        bottom.addWidget(tabs)
        bottom.setStretchFactor(0, 4)  # the tabs get the larger share: five of them, and what they show is wide
        bottom.setStretchFactor(1, 5)
        bottom.setSizes([400, 500])
        outer = QSplitter(Qt.Orientation.Vertical)
        outer.addWidget(top)
        outer.addWidget(bottom)
        outer.setSizes([450, 550])  # the results below need the room: a ten-class matrix, the mistakes
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.stale = WrappedLabel()  # the results shown are of data the experiment no longer uses
        self.stale.setObjectName("staleResultsLabel")
        self.stale.setStyleSheet(banner_style())
        self.stale.hide()
        layout.addWidget(self.stale)
        self.intro = WrappedLabel()  # what the experiment shows, from its description, until a run starts
        self.intro.setObjectName("experimentIntro")
        self.intro.setStyleSheet(info_style())
        self.intro_for: tuple[str, str] | None = None
        layout.addWidget(self.intro)
        self.opening_banner = WrappedLabel()  # a saved run is being read: what is below is not it yet
        self.opening_banner.setObjectName("openingBanner")
        self.opening_banner.setStyleSheet(banner_style())
        self.opening_banner.hide()
        layout.addWidget(self.opening_banner)
        self.paused_banner = WrappedLabel(_(PAUSED_TEXT))  # paused must not look like running
        self.paused_banner.setObjectName("pausedBanner")
        self.paused_banner.setStyleSheet(banner_style())
        self.paused_banner.hide()
        layout.addWidget(self.paused_banner)
        layout.addWidget(outer, 1)
        layout.addWidget(self.timeline)

    @Slot()
    def _metric_before_a_run(self) -> None:
        """Before any run, the second plot says what a run of the experiment as set up will show."""
        if self.controller.current is None:
            spec = self.controller.document.spec
            self._show_metric(metric_for(spec.task).key, spec)

    def _show_metric(self, key: str, spec: ExperimentSpec) -> None:
        """The second plot is the task's metric: its title, its curves' keys, its empty sentence;
        a VAE's shows its KL term beside its reconstruction."""
        metric = BY_KEY[key]
        kl = key == "recon" and spec.network.autoencoder.variational  # a plain autoencoder has no KL term
        title = _(metric.title) if kl or key != "recon" else _("Reconstruction")
        self.accuracy_panel.title.setText(f"<b>{title}</b>")
        self.accuracy_panel.train_key, self.accuracy_panel.val_key = key, f"val_{key}"
        self.accuracy_panel.set_second(KL_KEY if kl else None)
        self.accuracy_panel.frame.sentence.setText(_(metric.explains))

    @Slot()
    def refresh(self) -> None:
        """Redraw at most one changed plot per tick, each plot at most every FRAME_S during a run.

        Painting a plot runs Python code that holds the interpreter lock, which the training
        thread needs too: a few frames a second per plot keep the curves live without slowing
        training, and one plot per tick keeps every pause of the GUI thread short.
        """
        record = self.controller.current
        self.paused_banner.setVisible(self.controller.paused)
        if record is None:
            self._metric_before_a_run()
            self.timeline.show_run(None, False)
            self.inside.show_run(None, False, False)
            self.show_network()
            return
        now = time.monotonic()
        ended = record.ended is not None or self.controller.failure is not None
        self._show_metric(record.started.metric if record.started else metric_for(record.spec.task).key, record.spec)
        runs = tuple((id(r), r.visible, r.label) for r in self.controller.records)
        wanted = {
            "loss": (id(record), len(record.epochs), len(record.batch_loss), ended, runs, record.chosen_epoch),
            "accuracy": (id(record), len(record.epochs), ended, runs, record.chosen_epoch),
            "histograms": (id(record), len(record.histograms), ended, id(record.shown_view)),
            "boundary": (id(record), id(record.shown_boundary), ended),
            "latent": (id(record), id(record.shown_latent), ended),
        }
        still = ended or self.controller.paused  # nothing competes with training: draw it all now
        for name in [name for name, key in wanted.items() if key != self.drawn.get(name)]:
            if not still and now - self.drawn_at.get(name, 0.0) < (HISTOGRAM_S if name == "histograms" else FRAME_S):
                continue
            self.drawn[name], self.drawn_at[name] = wanted[name], now
            self._draw(name, record)
            if not still:
                break
        if any(wanted[name] != self.drawn.get(name) for name in wanted):
            self.controller.dirty = True  # more to draw on a later tick
        self._show_status(record)
        self.timeline.show_run(record, self.controller.running)
        self.inside.show_run(record, self.controller.running, self.tabs.currentWidget() is self.inside)
        self.show_network()
        self._update_boundary_tab()
        self._sync_run_list()
        self.use_button.setEnabled(not self.controller.running)

    def show_network(self) -> None:
        """The network tab: the experiment's network, drawn as Playground does with the run's
        neurons at the epoch shown while the run's network is the one in the forms."""
        document, record = self.controller.document, self.controller.current
        same = record is not None and record.spec.network == document.spec.network
        snapshot = record.shown_boundary if record is not None and same else None
        health = (record.health, record.chosen_epoch) if record is not None and same else ([], None)
        self.network.show_network(document.spec, document.base_dir, self.selected_layer, self.flagged, snapshot, health)

    def show_layer(self, part: str, index: int, flagged: frozenset[tuple[str, int]] | None = None) -> None:
        """Outline layer `index` of `part` on the network (the layer list's selection); `flagged`:
        the layers health flags mark, when they changed."""
        self.selected_layer = (part, index)
        self.flagged = self.flagged if flagged is None else flagged
        self.show_network()

    @Slot()
    def _show_intro(self) -> None:
        """When another experiment opens, say what it shows (a preset's description)."""
        spec = self.controller.document.spec
        key = (spec.name, spec.description)
        if key == self.intro_for:
            return  # the same experiment, saved or edited: leave the band as it is
        self.intro_for = key
        self.intro.setText(f"<b>{escape(_(spec.name) or _('This experiment'))}</b>: {escape(_(spec.description))}")
        self.intro.setVisible(bool(spec.description))

    @Slot()
    def _update_boundary_tab(self) -> None:
        """The decision-boundary tab is for 2-D points to classify, the latent-space tab for
        autoencoders; otherwise each is off, and says why."""
        spec, record = self.controller.document.spec, self.controller.current
        dataset, autoencoder = spec.dataset, spec.network.is_autoencoder
        points = dataset.input_shape() == (2,) and dataset.task_kind() is Task.CLASSIFICATION and not autoencoder
        self._enable_tab(self.boundary, points or (record is not None and record.boundary is not None), BOUNDARY_OFF)
        self._enable_tab(self.latent, autoencoder or (record is not None and record.latent is not None), LATENT_OFF)

    def _enable_tab(self, page: QWidget, applies: bool, why_not: str) -> None:
        index = self.tabs.indexOf(page)
        self.tabs.setTabEnabled(index, applies)
        self.tabs.setTabVisible(index, applies)  # five tabs do not fit beside the histograms at 1366 px
        self.tabs.setTabToolTip(index, "" if applies else _(why_not))
        if not applies and self.tabs.currentIndex() == index:
            self.tabs.setCurrentWidget(self.results)

    @Slot()
    def _mark_stale(self) -> None:
        """Say so when the curves and results below are of another dataset than the one chosen now."""
        record, now = self.controller.current, self.controller.document.spec.dataset
        stale = record is not None and not self.controller.running and record.spec.dataset.kind != now.kind
        if stale and record is not None:
            before, after = _(dataset_label(record.spec.dataset.kind)), _(dataset_label(now.kind))
            self.stale.setText(
                _(
                    "These curves and results are {run}'s, trained on {before}. "
                    "The dataset is now {after}: Train starts a run on it."
                ).format(run=record.name, before=before, after=after)
            )
        self.stale.setVisible(stale)

    def _draw(self, name: str, record: RunRecord) -> None:
        if name == "histograms":
            paint_later(self.histograms.plot, self.histograms.history_plot)
            self.histograms.show_run(record)
            return
        if name == "boundary":
            if self.boundary.shown is None and record.boundary is not None:
                self.tabs.setCurrentWidget(self.boundary)  # a 2-D run: its picture is the thing to watch
            self.boundary.show_run(record)
            return
        if name == "latent":
            if self.latent.shown is None and record.latent is not None:
                self.tabs.setCurrentWidget(self.latent)  # an autoencoder's codes and pictures: the thing to watch
            self.latent.show_run(record)
            return
        panel = self.loss_panel if name == "loss" else self.accuracy_panel
        paint_later(panel.plot)
        panel.show_run(record)
        panel.set_overlays(self.controller.previous_runs())
        if panel is self.loss_panel:
            self._show_patience(record)
            self._name_earlier_runs()

    def _name_earlier_runs(self) -> None:
        """Under the second plot (its line is free: the stop sentences go under the loss), each
        earlier run drawn dashed and what changed since it; what does not fit its two lines is in
        its tooltip."""
        shown = [r for r in self.controller.previous_runs() if r.visible]
        named = [_("{run} ({changed})").format(run=r.name, changed=r.changed) for r in shown]
        text = _("Dashed, earlier runs: {runs}").format(runs=" · ".join(named)) if named else ""
        info = self.accuracy_panel.info
        room = 2 * max(info.width(), 200) * 0.9  # two lines, less what wrapping at words leaves
        info.setToolTip(text)
        self.accuracy_panel.show_info(info.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, int(room)))

    def _show_status(self, record: RunRecord) -> None:
        failure = self.controller.failure
        if failure is not None:
            self.results.show_failure(failure.message)
            return
        self.results.picture_button.setVisible(record.sorts_pictures and record.ended is not None)
        if record.ended is not None:
            if not self.controller.running:
                ended = record.ended
                self.results.set_epochs(
                    record.snapshot_epochs, ended.best_epoch, record.chosen_epoch, ended.weights_epoch
                )
            self.results.show_end(record.ended, record.chosen_epoch, record.chosen_test)
            stopped = record.ended.reason is StopReason.EARLY_STOPPED
            self.loss_panel.show_info(record.ended.message if stopped else "")

    def _show_patience(self, record: RunRecord) -> None:
        """While a run trains, the line under the loss plot counts patience down, naming the best
        epoch its marker shows: both are drawn together, from the same epoch."""
        last = record.last_epoch
        if record.ended is None and last is not None and last.patience_left is not None and last.best_epoch is not None:
            monitor = record.started.monitor if record.started else "val_loss"
            best = best_so_far(monitor, last.best_value, last.best_epoch)
            left = _("Early stopping: {left} epochs of patience left ({best})")
            self.loss_panel.show_info(left.format(left=last.patience_left, best=best))

    def _sync_run_list(self) -> None:
        """One row per run (the current one marked), refilled only when something in it changed."""
        current = self.controller.current
        wanted: list[RunTableRow] = []
        for record in self.controller.records:
            now = record is current
            if now and record.ended is None:
                # Refilling the table costs the GUI thread milliseconds: a running run's row waits
                # for its end (its numbers are on the curves meanwhile).
                running = (_("{run} (now)").format(run=record.name), "—", _("running"), _("(this run)"))
                training = _("{run}: training").format(run=record.name)
                wanted.append((id(record), running, (None, None, None, None), None, training))
                continue
            row = run_row(record, _("(this run)") if now else record.changed)
            name = _("{run} (now)").format(run=record.name) if now else record.name
            cells = (name, *row.cells[1:])
            wanted.append((id(record), cells, row.keys, None if now else record.visible, row.tip))
        if wanted == self._run_rows:
            return
        self._run_rows = wanted
        selected = self.runs.item(self.runs.currentRow(), 0)
        keep = selected.data(Qt.ItemDataRole.UserRole) if selected is not None else None
        self.runs.blockSignals(True)
        self.runs.setSortingEnabled(False)
        self.runs.setRowCount(len(wanted))
        for r, (key, cells, keys, visible, summary) in enumerate(wanted):
            for c, (text, sort_key) in enumerate(zip(cells, keys, strict=True)):
                item = _RunItem(text)
                item.setToolTip(summary if c else text)
                item.setData(SORT_ROLE, sort_key if c else float(r))
                item.setData(Qt.ItemDataRole.UserRole, key)
                if c == 0 and visible is not None:
                    item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                    item.setCheckState(Qt.CheckState.Checked if visible else Qt.CheckState.Unchecked)
                    item.setToolTip(_("{run}: tick to show its curves on the plots").format(run=text))
                self.runs.setItem(r, c, item)
        self.runs.setSortingEnabled(True)
        self._make_room_for_changes()
        for r in range(self.runs.rowCount()):  # the selected run stays selected as the table refills
            first = self.runs.item(r, 0)
            if keep is not None and first is not None and first.data(Qt.ItemDataRole.UserRole) == keep:
                self.runs.selectRow(r)
        self.runs.blockSignals(False)

    def _make_room_for_changes(self) -> None:
        """The "Changed since" column keeps room for a few words per line; the table scrolls sideways
        (with the plots around it) rather than squeeze it to a word a line."""
        header = self.runs.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)  # a run's name wraps past RUN_NAME_PX
        header.resizeSection(0, min(self.runs.sizeHintForColumn(0), RUN_NAME_PX))
        others = sum(self.runs.columnWidth(c) for c in range(len(RUN_COLUMNS) - 1))
        self.runs.setMinimumWidth(others + CHANGED_MIN_PX + self.runs.verticalScrollBar().sizeHint().width() + 4)

    def _record(self, item: QTableWidgetItem) -> RunRecord | None:
        key = item.data(Qt.ItemDataRole.UserRole)
        return next((r for r in self.controller.records if id(r) == key), None)

    @Slot(QTableWidgetItem)
    def _run_toggled(self, item: QTableWidgetItem) -> None:
        record = self._record(item)
        if record is not None and item.column() == 0 and record is not self.controller.current:
            record.visible = item.checkState() == Qt.CheckState.Checked
            self.controller.dirty = True

    @Slot()
    def _use_selected(self) -> None:
        item = self.runs.item(self.runs.currentRow(), 0)
        record = self._record(item) if item is not None else None
        if record is not None and not self.controller.running:
            self.controller.document.edit(record.spec, _("Settings of {run}").format(run=record.name))

    @Slot()
    def _remove_selected(self) -> None:
        item = self.runs.item(self.runs.currentRow(), 0)
        record = self._record(item) if item is not None else None
        if record is not None:
            self.controller.remove(record)

    def continue_run(self) -> None:
        """The current run trains further: its curves go on; its results and end sentence go."""
        self.results.clear()
        self.loss_panel.show_info("")

    def show_opening(self, text: str) -> None:
        """Say that a saved run is being read (over the experiment shown until it is), or, with
        "", that it is over."""
        self.opening_banner.setText(text)
        self.opening_banner.setVisible(bool(text))
        if text:
            self.intro.hide()

    def start_run(self) -> None:
        """A new run begins: empty the current curves and results."""
        self.stale.hide()
        self.intro.hide()
        self.loss_panel.clear_run()
        self.accuracy_panel.clear_run()
        self.boundary.clear()
        self.latent.clear()
        self.results.clear()
