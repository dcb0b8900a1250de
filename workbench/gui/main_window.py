"""The main window: dataset and layers on the left, plots in the centre, training on the right."""

from __future__ import annotations

from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtGui import QCloseEvent, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QMainWindow,
    QScrollArea,
    QSplitter,
    QStyle,
    QTabWidget,
    QWidget,
)

from ..engine.events import LrFinding, Prediction
from ..i18n import _
from ..spec import ExperimentSpec
from .actions import build_actions, build_menus, controlled
from .dialogs import Dialogs
from .document import ExperimentDocument
from .exercise_flows import ExerciseFlows
from .file_flows import FileFlows
from .help_flows import HelpFlows
from .help_view import GuideDialog, ShortcutsDialog
from .input_guard import take_undo_keys
from .jobs import JobRunner
from .lr_finder_view import LrFinderDialog
from .panels.dataset_panel import QtDatasetPanel
from .panels.layer_editor import QtLayerEditor
from .panels.training_panel import QtTrainingPanel
from .prediction_view import PredictionDialog
from .run import RunController
from .run_bar import RunBar
from .settings import app_settings
from .sweep_flows import SweepFlows, default_sweeps_root
from .sweep_view import SweepWindow
from .training_view import QtTrainingView
from .window_layout import CENTRE_MIN, DOCK_MIN_CAP, LayoutPlan
from .window_placement import WindowPlacement
from .window_state import Act, WindowState, controls, health_said, status_line

STOP_WAIT_MS = 5000
ENGINE_DELAY_MS = 150


def _preload_engine() -> list[str]:
    """Import torch and the data loaders the dataset previews use (in a pool thread) and list the
    devices found. Training has its own session (and, by default, its own process)."""
    from ..engine import data  # noqa: F401 - the import is the point
    from ..engine.device import available_devices

    return available_devices()


def _scroll(widget: QWidget, name: str) -> QScrollArea:
    """`widget` fills the area while there is room, and scrolls (both ways) when there is not:
    a panel narrower or shorter than its contents never clips them."""
    area = QScrollArea()
    area.setObjectName(name)
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    area.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes to the fields, not to the panel around them
    return area


def _fitting_width(*panels: QWidget) -> int:
    """A dock width at which the panels' forms show whole beside a vertical scroll bar."""
    bar = QApplication.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
    return min(max(p.minimumSizeHint().width() for p in panels) + bar + 12, DOCK_MIN_CAP)


class QtMainWindow(FileFlows, SweepFlows, ExerciseFlows, RunBar, WindowPlacement, HelpFlows, QMainWindow):
    """One experiment being edited (and, in the centre, trained): the panels and plots assembled,
    the engine loaded, and the window's state shown (`window_state`). The file flows, the run
    bar, the window's placement and help are mixins named after them; the actions and menus are
    tables (`actions`)."""

    def __init__(self, experiment: ExperimentSpec, path: Path | None = None) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        take_undo_keys(self)  # and, before any box is polished, the wheel guard of every one (input_guard)
        self.settings = app_settings()
        self.dialogs = Dialogs(self)
        self.jobs = JobRunner(self)
        self.sweeps_root = default_sweeps_root()
        self.sweep_windows: list[SweepWindow] = []
        self.engine_state = _("Loading PyTorch…")
        self.sweep_to_open: Path | None = None  # a sweep's folder given on the command line
        self.run_to_open: Path | None = None  # a model file given on the command line  # "" once the engine is ready
        self.document = ExperimentDocument(experiment, path)
        self.dataset_panel = QtDatasetPanel(self.document, self.jobs)
        self.layer_editor = QtLayerEditor(self.document)
        self.training_panel = QtTrainingPanel(self.document)
        self.runs = RunController(self.document, self.jobs, self)
        self.training_view = QtTrainingView(self.runs)
        self.runs.state_changed.connect(self._run_state_changed)
        self.training_panel.find_lr_requested.connect(self.find_lr)
        self.dataset_panel.problem_changed.connect(self.show_state)
        self.training_view.results.picture_requested.connect(self.try_picture)
        self.layer_editor.layer_selected.connect(self.training_view.show_layer)
        self.layer_editor.layer_selected.connect(lambda _part, _row: self._show_health())  # the decoder's own flags
        self.training_view.network.layer_chosen.connect(self.layer_editor.select_in)
        self.prediction_dialog: PredictionDialog | None = None
        self.shortcuts_dialog: ShortcutsDialog | None = None
        self.guide_dialog: GuideDialog | None = None
        self.finding_lr = False  # the learning-rate range test is under way
        self.lr_dialog: LrFinderDialog | None = None
        self.runs.redraw.connect(self._show_progress)
        self.runs.redraw.connect(self._show_health)
        self._build_run_bar()
        self._build_layout()
        self._build_exercises()
        build_actions(self)
        build_menus(self)
        self.controlled = controlled(self)
        self.document.changed.connect(self._document_changed)
        self.document.file_changed.connect(self._update_title)
        self._update_title()
        self.show_state()
        self.layout_plan: LayoutPlan | None = None
        self.start_maximized = False
        self.layout_pending = False
        self._place_window()
        self.exercise_dock.hide()  # a saved layout may hold it shown: it shows when an exercise opens
        if path is not None:
            self._remember(path)
        self._engine_requested = False
        self.close_confirmed = False

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if self.layout_pending:
            QTimer.singleShot(0, self._apply_dock_sizes)
        if self.exercises_to_open is not None:  # `workbench BUNDLE`: its list, over the window
            path, self.exercises_to_open = self.exercises_to_open, None
            QTimer.singleShot(0, lambda: self.open_exercises(path))
        if not self._engine_requested:
            # The training session starts as soon as the window is on screen (its process imports
            # and warms PyTorch on its own, without the window's help): Train is usable at once,
            # and a run asked for meanwhile starts when the warm-up is done. The window's own
            # PyTorch (the dataset previews, the devices) takes seconds to import and competes
            # with the first paint for the interpreter: it loads a little later, in a pool thread.
            self._engine_requested = True
            QTimer.singleShot(0, self._connect_backend)
            QTimer.singleShot(ENGINE_DELAY_MS, self._load_engine)

    @Slot()
    def _connect_backend(self) -> None:
        try:
            self.runs.connect_backend()
        except (ValueError, OSError) as exc:  # a mistyped WORKBENCH_BACKEND, or no process to be had
            self.engine_state = _("Training cannot start: {problem}").format(problem=exc)
        else:
            self.engine_state = ""
        self.show_state()

    @Slot()
    def _load_engine(self) -> None:
        self.jobs.start(_preload_engine, self._engine_loaded, self._engine_failed)

    def _engine_loaded(self, devices: list[str]) -> None:
        self.training_panel.set_devices(devices)
        self.show_state()
        if self.run_to_open is not None and self.engine_ready:
            path, self.run_to_open = self.run_to_open, None
            self.open_run(path)
        if self.sweep_to_open is not None and self.engine_ready:
            folder, self.sweep_to_open = self.sweep_to_open, None
            self.open_sweep(folder)

    def open_run_when_ready(self, path: Path) -> None:
        """Take up the run saved in `path` as soon as PyTorch has loaded (`workbench model.pt`)."""
        self.run_to_open = path
        self.training_view.show_opening(_("Opening the run saved in {file}…").format(file=path.name))

    def _engine_failed(self, error: BaseException, _trace: str) -> None:
        self.engine_state = _("PyTorch could not be loaded, so training is off: {error}").format(error=error)
        self.show_state()

    @property
    def engine_ready(self) -> bool:
        """True once torch and the trainer are loaded."""
        return not self.engine_state

    # --- construction -------------------------------------------------------------------------

    def _build_layout(self) -> None:
        left = QSplitter(Qt.Orientation.Vertical)
        left.setObjectName("leftSplitter")
        left.addWidget(_scroll(self.dataset_panel, "datasetScroll"))
        left.addWidget(_scroll(self.layer_editor, "layerScroll"))
        left.setChildrenCollapsible(False)
        left.setSizes([580, 420])  # the data's settings and preview first; the layer list has room to spare
        self.left_dock = self._dock(_("Data and network"), "leftDock", left, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.right_dock = self._dock(
            _("Training"),
            "rightDock",
            _scroll(self.training_panel, "trainingScroll"),
            Qt.DockWidgetArea.RightDockWidgetArea,
        )
        self.setTabPosition(Qt.DockWidgetArea.AllDockWidgetAreas, QTabWidget.TabPosition.North)
        # The plots take what the docks leave; when that is less than they need, they scroll,
        # so nothing that appears after a run can push the docks narrower.
        self.left_dock.setMinimumWidth(_fitting_width(self.dataset_panel, self.layer_editor))
        self.right_dock.setMinimumWidth(_fitting_width(self.training_panel))
        centre = _scroll(self.training_view, "centreScroll")
        centre.setMinimumWidth(CENTRE_MIN)
        self.setCentralWidget(centre)
        for plot in self.findChildren(pg.GraphicsView):  # plots are looked at, not typed into
            plot.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            plot.viewport().setFocusPolicy(Qt.FocusPolicy.NoFocus)

    def _dock(self, title: str, name: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable | QDockWidget.DockWidgetFeature.DockWidgetFloatable
        )
        self.addDockWidget(area, dock)
        return dock

    # --- state --------------------------------------------------------------------------------

    @Slot(object)
    def _document_changed(self, _spec: ExperimentSpec) -> None:
        self.show_state()
        self._show_health()

    @Slot()
    def _show_health(self) -> None:
        """The layer list flags what the run's layer health says at the epoch shown, while the
        network is the run's (another network's flags would point at the wrong layers)."""
        record = self.runs.current
        same = record is not None and record.spec.network == self.document.spec.network
        report = record.shown_health if record is not None and same else None
        flags, editor = report.flags if report is not None else (), self.layer_editor
        editor.show_health(report.epoch if report is not None else None, health_said(flags, editor.part))
        editor.show_start(record.started.started_from if record is not None and same and record.started else None)
        flagged = frozenset((flag.part, flag.layer) for flag in flags)
        if flagged != self.training_view.flagged:
            self.training_view.show_layer(editor.part, editor.selected_index(), flagged)

    def _update_title(self) -> None:
        self.setWindowTitle(f"{self.document.title}[*] — Workbench")
        self.setWindowModified(self.document.dirty)

    def window_state(self) -> WindowState:
        """What the window is doing now, read from its parts (see `window_state`); `show_state` renders it."""
        runs, record = self.runs, self.runs.current
        ended = record is not None and record.ended is not None and not runs.running
        return WindowState(
            problems=tuple(p.in_words(self.document.spec) for p in self.document.problems()),
            engine=self.engine_state,
            data_problem=self.dataset_panel.problem,
            finding_lr=self.finding_lr,
            running=runs.running,
            paused=runs.paused,
            opening=runs.opening.name if runs.opening is not None else "",
            spread=runs.spread,
            has_model=runs.state is not None and runs.state.has_model,
            continue_problem=runs.continue_reason(),
            run_ended=record.ended.message if ended and record is not None and record.ended is not None else "",
            run_failed=runs.failure.message if runs.failure is not None and not runs.running else "",
            pictures=record is not None and record.sorts_pictures,
            epochs=self.document.spec.training.epochs,
            shown_epoch=record.chosen_epoch if record is not None else None,
            selected_layer=self.layer_editor.selected_index(),
            variants=len(self.document.spec.variants),
            sweep_runs=self.sweep_runs(),
        )

    def show_state(self) -> None:
        """Show the window's state: what each action may do now and why not, and the status line."""
        state = self.window_state()
        said = controls(state)
        for act, (action, button, tip) in self.controlled.items():
            control = said[act]
            for widget in (action, button):
                if widget is not None:
                    widget.setEnabled(control.enabled)
            shown = tip(state) if callable(tip) else _(tip)
            if act is Act.CONTINUE:  # what it would do, then why it cannot
                shown = f"{shown}\n\n{control.why}" if control.why else shown
            else:
                shown = control.why or shown
            if button is not None:
                button.setToolTip(shown)
        for dock in (self.left_dock, self.right_dock):  # the settings of a run cannot change under it
            dock.widget().setEnabled(said[Act.EDIT].enabled)
        self.continue_button.setText("»  " + _("Continue +{epochs}").format(epochs=state.epochs))
        self.pause_button.setText(_("Resume") if state.paused else _("Pause"))
        self.lock_action.setVisible(state.training)
        self.statusBar().showMessage(status_line(state))

    # --- running -----------------------------------------------------------------------------

    @Slot()
    def train(self) -> None:
        """Start a run of the current experiment in a worker thread."""
        if not controls(self.window_state())[Act.TRAIN].enabled:
            return
        self.training_view.start_run()
        self.runs.start()

    @Slot()
    def try_picture(self) -> None:
        """Show the trained network a picture file (engine thread) and what it answers."""
        if not self.runs.exportable:
            return
        path = self.dialogs.open_picture_path(self.document.base_dir)
        if path is None:
            return
        from ..engine.session import Predict

        def shown(prediction: Prediction) -> None:
            self.prediction_dialog = PredictionDialog(prediction, path.name, self)
            self.prediction_dialog.show()

        def failed(message: str, _trace: str | None) -> None:
            self.dialogs.error(_("Cannot try this picture"), message)

        epoch = self.runs.current.chosen_epoch if self.runs.current is not None else None
        self.runs.request(Predict(str(path), epoch), shown, failed)

    @Slot()
    def find_lr(self) -> None:
        """Run the learning-rate range test on the current settings (engine thread), then show it."""
        problems = self.document.problems()
        if problems:
            self.dialogs.error(_("Cannot look for a learning rate"), str(problems[0]))
            return
        if self.runs.running or self.finding_lr:
            return
        from ..engine.session import FindLr

        base_dir = str(self.document.base_dir) if self.document.base_dir else None
        self.training_panel.set_finding(True)
        self.finding_lr = True
        self.runs.request(FindLr(self.document.spec, base_dir), self._lr_found, self._lr_failed)
        self.show_state()
        self.statusBar().showMessage(_("Finding a learning rate: a copy of the network trains for a few batches…"))

    def _lr_found(self, finding: LrFinding) -> None:
        self.finding_lr = False
        self.training_panel.set_finding(False)
        self.show_state()
        self.statusBar().showMessage(_("Learning-rate range test done."), 4000)
        self.lr_dialog = LrFinderDialog(finding, self._use_lr, self)
        self.lr_dialog.show()

    def _lr_failed(self, message: str, _trace: str | None) -> None:
        self.finding_lr = False
        self.training_panel.set_finding(False)
        self.show_state()
        self.dialogs.error(_("Cannot look for a learning rate"), message)

    def _use_lr(self, lr: float) -> None:
        training = self.document.spec.training
        optimizer = training.optimizer.model_copy(update={"lr": lr})
        self.document.set_training(
            training.model_copy(update={"optimizer": optimizer}), _("Learning rate {lr}").format(lr=f"{lr:g}")
        )

    @Slot()
    def continue_training(self) -> None:
        """Train the last run for the Epochs setting more, from where it stopped."""
        if not controls(self.window_state())[Act.CONTINUE].enabled:
            return
        self.training_view.continue_run()
        self.runs.continue_run()

    @Slot()
    def toggle_pause(self) -> None:
        """Pause or resume the run."""
        self.runs.toggle_pause()

    @Slot()
    def stop(self) -> None:
        """Stop the run after the current batch."""
        self.runs.stop()

    @Slot()
    def _run_state_changed(self) -> None:
        running, paused, record = self.runs.running, self.runs.paused, self.runs.current
        self.show_state()
        if running and self.runs.opening is None and record is not None and record.progress is None:
            # A Train pressed as the window opened waits for the training process's warm-up: say so.
            starting = _("starting…") if self.runs.warm else _("loading PyTorch…")
            self._set_progress(0.0, _("paused · starting") if paused else starting)
        elif paused and record is not None and record.progress is not None:
            self._show_progress()
        if not running and record is not None and record.ended is not None:
            self._show_run_end()

    # --- the window on its screen --------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        if not self.close_confirmed:  # asked once: the retries below while the engine stops do not ask again
            if not self.sweeps_may_stop():
                event.ignore()
                return
            left = self._agree_to_leave(_("closing the window"), self.close)
            if left is None:  # kept open: the sweeps go on
                event.ignore()
                return
            left()
            self.stop_sweeps()
            self.close_confirmed = True
        self.dataset_panel.download_stop.set()  # a download thread ends within one chunk, keeping nothing
        if not self.runs.shutdown(STOP_WAIT_MS) or not self.jobs.shutdown(STOP_WAIT_MS):
            # Still inside one step (loading data): keep the window until the engine thread is done.
            self.statusBar().showMessage(_("Stopping the run… the window closes when it has stopped."))
            QTimer.singleShot(500, self.close)
            event.ignore()
            return
        self.runs.timer.stop()
        self._save_layout()
        self.close_confirmed = False
        event.accept()
