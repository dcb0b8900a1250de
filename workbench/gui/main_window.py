"""The main window: dataset and layers on the left, plots in the centre, training on the right."""

from __future__ import annotations

import platform
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QRect, QSize, Qt, QTimer, Slot
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStyle,
    QTabWidget,
    QToolBar,
    QWidget,
)

from .. import __version__
from ..engine.events import LrFinding, Prediction, StopReason
from ..i18n import LANGUAGES, N_, _, language, ngettext
from ..spec import (
    ExperimentSpec,
    NetworkSpec,
    SpecError,
    default_experiment,
    load_preset,
    preset_names,
    preset_path,
)
from .dialogs import Answer, Dialogs
from .document import ExperimentDocument
from .help_view import WIDGET_KEYS, GuideDialog, ShortcutsDialog, glossary_term, menu_shortcuts
from .input_guard import take_undo_keys
from .jobs import JobRunner
from .lr_finder_view import LrFinderDialog
from .panels.dataset_panel import QtDatasetPanel
from .panels.layer_editor import QtLayerEditor
from .panels.training_panel import QtTrainingPanel
from .prediction_view import PredictionDialog
from .preset_dialog import PresetInfo
from .run import RunController
from .settings import LANGUAGE_KEY, app_settings
from .theme import progress_style
from .training_view import QtTrainingView
from .window_layout import CENTRE_MIN, DOCK_MIN_CAP, LayoutPlan, fits, plan_layout

MAX_RECENT = 8
STOP_WAIT_MS = 5000
PROGRESS_STEPS = 1000
# Saved dock layouts from another version of the window are not restored (Qt refuses them).
LAYOUT_VERSION = 2
ENGINE_DELAY_MS = 150
PAUSE_TIP = N_("Pause or resume training (F6)")  # the Pause button's, unless the run cannot pause


def continue_tip(epochs: int) -> str:
    """What Continue does, for `epochs` more epochs."""
    first = ngettext(
        "Train {epochs} more epoch of the last run (the Epochs setting) from where it stopped: ",
        "Train {epochs} more epochs of the last run (the Epochs setting) from where it stopped: ",
        epochs,
    ).format(epochs=epochs)
    return first + _("its weights, optimizer state and learning-rate schedule carry on (Ctrl+F5)")


def _preload_engine() -> list[str]:
    """Import torch and the data loaders the dataset previews use (in a pool thread) and list the
    devices found. Training has its own session (and, by default, its own process)."""
    from ..engine import data  # noqa: F401 - the import is the point
    from ..engine.device import available_devices

    return available_devices()


def _ints(value: object) -> list[int]:
    """A list of ints read back from the settings file (which may hand back strings), or []."""
    try:
        return [int(v) for v in value] if isinstance(value, list | tuple) else []
    except (TypeError, ValueError):
        return []


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}:{secs:02d}" if minutes < 60 else f"{minutes // 60}:{minutes % 60:02d}:{secs:02d}"


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


class QtMainWindow(QMainWindow):
    """One experiment being edited (and, in the centre, trained)."""

    def __init__(self, experiment: ExperimentSpec, path: Path | None = None) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        take_undo_keys(self)  # and, before any box is polished, the wheel guard of every one (input_guard)
        self.settings = app_settings()
        self.dialogs = Dialogs(self)
        self.jobs = JobRunner(self)
        self.engine_state = _("Loading PyTorch…")
        self.run_to_open: Path | None = None  # a model file given on the command line  # "" once the engine is ready
        self.document = ExperimentDocument(experiment, path)
        self.dataset_panel = QtDatasetPanel(self.document, self.jobs)
        self.layer_editor = QtLayerEditor(self.document)
        self.training_panel = QtTrainingPanel(self.document)
        self.runs = RunController(self.document, self.jobs, self)
        self.training_view = QtTrainingView(self.runs)
        self.runs.state_changed.connect(self._run_state_changed)
        self.training_panel.find_lr_requested.connect(self.find_lr)
        self.dataset_panel.problem_changed.connect(self._update_train_state)
        self.training_view.results.picture_requested.connect(self.try_picture)
        self.prediction_dialog: PredictionDialog | None = None
        self.shortcuts_dialog: ShortcutsDialog | None = None
        self.guide_dialog: GuideDialog | None = None
        self.finding_lr = False  # the learning-rate range test is under way
        self.lr_dialog: LrFinderDialog | None = None
        self.runs.redraw.connect(self._show_progress)
        self._build_run_bar()
        self._build_layout()
        self._build_actions()
        self._build_menus()
        self.document.changed.connect(self._document_changed)
        self.document.file_changed.connect(self._update_title)
        self._update_title()
        self._update_train_state()
        self.layout_plan: LayoutPlan | None = None
        self.start_maximized = False
        self.layout_pending = False
        self._place_window()
        if path is not None:
            self._remember(path)
        self._engine_requested = False
        self.close_confirmed = False

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if self.layout_pending:
            QTimer.singleShot(0, self._apply_dock_sizes)
        if not self._engine_requested:
            # torch takes seconds to import and competes with the first paint for the interpreter:
            # load it once the window is on screen; Train waits for it.
            self._engine_requested = True
            QTimer.singleShot(ENGINE_DELAY_MS, self._load_engine)

    @Slot()
    def _load_engine(self) -> None:
        self.jobs.start(_preload_engine, self._engine_loaded, self._engine_failed)

    def _engine_loaded(self, devices: list[str]) -> None:
        try:
            self.runs.connect_backend()  # PyTorch is loaded: a training process starts warming up now
        except (ValueError, OSError) as exc:  # a mistyped WORKBENCH_BACKEND, or no process to be had
            self.engine_state = _("Training cannot start: {problem}").format(problem=exc)
        else:
            self.engine_state = ""
        self.training_panel.set_devices(devices)
        self._update_train_state()
        if self.run_to_open is not None and self.engine_ready:
            path, self.run_to_open = self.run_to_open, None
            self.open_run(path)

    def open_run_when_ready(self, path: Path) -> None:
        """Take up the run saved in `path` as soon as PyTorch has loaded (`workbench model.pt`)."""
        self.run_to_open = path
        self.training_view.show_opening(_("Opening the run saved in {file}…").format(file=path.name))

    def _engine_failed(self, error: BaseException, _trace: str) -> None:
        self.engine_state = _("PyTorch could not be loaded, so training is off: {error}").format(error=error)
        self._update_train_state()

    @property
    def engine_ready(self) -> bool:
        """True once torch and the trainer are loaded."""
        return not self.engine_state

    # --- construction -------------------------------------------------------------------------

    def _build_run_bar(self) -> None:
        bar = QToolBar(_("Run"))
        bar.setObjectName("runToolBar")
        bar.setMovable(False)
        self.train_button = QPushButton("▶  " + _("Train"))
        self.continue_button = QPushButton("»  " + _("Continue"))
        self.pause_button = QPushButton(_("Pause"))
        self.stop_button = QPushButton("■  " + _("Stop"))
        self.export_button = QPushButton(_("Export model…"))
        for button, name, tip in (
            (self.train_button, "trainButton", _("Train the network (F5)")),
            (self.continue_button, "continueButton", continue_tip(1)),
            (self.pause_button, "pauseButton", _(PAUSE_TIP)),
            (self.stop_button, "stopButton", _("Stop training after the current batch (Shift+F5)")),
            (self.export_button, "exportButton", _("Save the trained model as a .pt file (Ctrl+E)")),
        ):
            button.setObjectName(name)
            button.setAccessibleName(button.text().strip("▶»■ "))
            button.setToolTip(tip)
            bar.addWidget(button)
        self.progress = QProgressBar()
        self.progress.setObjectName("runProgress")
        self.progress.setAccessibleName(_("Progress of the run"))
        self.progress.setRange(0, PROGRESS_STEPS)
        self.progress.setFixedWidth(
            self.progress.fontMetrics().horizontalAdvance(
                _("Paused · epoch {done}/{planned}").format(done=888, planned=888)
            )
            + 40
        )
        self.progress.setToolTip(_("Epochs done, and how far into the current one"))
        self.progress.setStyleSheet(progress_style())  # its text reads over the fill and beside it alike
        self.progress_action = bar.insertWidget(bar.actions()[-1], self.progress)  # between Stop and Export
        self.progress_action.setVisible(False)  # a toolbar shows its widgets through their actions
        self.continue_button.setEnabled(False)
        self.pause_button.setEnabled(False)
        self.stop_button.setEnabled(False)
        self.export_button.setEnabled(False)
        self.lock_label = QLabel("   " + _("Settings are locked while training."))
        self.lock_label.setObjectName("lockLabel")
        self.lock_action = bar.addWidget(self.lock_label)
        self.lock_action.setVisible(False)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)

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

    def _action(
        self,
        text: str,
        slot: Any,
        shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
        name: str = "",
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if name:
            action.setObjectName(name)
        action.triggered.connect(slot)
        return action

    def _build_actions(self) -> None:
        keys = QKeySequence.StandardKey
        self.new_action = self._action(_("&New"), self.new, keys.New, "newAction")
        self.open_action = self._action(_("&Open…"), self.open_dialog, keys.Open, "openAction")
        self.preset_action = self._action(_("Open &preset…"), self.open_preset_dialog, "Ctrl+Shift+P", "presetAction")
        self.preset_action.setStatusTip(_("Start from a ready-made experiment: each says what it shows"))
        self.guide_action = self._action(_("&Guide"), self.show_guide, "F1", "guideAction")
        self.open_run_action = self._action(
            _("Open saved &run…"), self.open_run_dialog, "Ctrl+Shift+O", "openRunAction"
        )
        self.open_run_action.setStatusTip(
            _(
                "Open a model file (.pt) saved by Export model: its curves and results come back, and Continue "
                "trains it on"
            )
        )
        self.save_action = self._action(_("&Save"), self.save, keys.Save, "saveAction")
        self.save_as_action = self._action(_("Save &as…"), self.save_as, keys.SaveAs, "saveAsAction")
        self.export_action = self._action(_("&Export model…"), lambda: self.export_model(), "Ctrl+E", "exportAction")
        self.export_action.setEnabled(False)
        self.quit_action = self._action(_("&Quit"), self.close, keys.Quit, "quitAction")
        self.reset_layout_action = self._action(_("&Reset layout"), self.reset_layout, None, "resetLayoutAction")
        self.reset_layout_action.setStatusTip(_("Put the panels back where they start, sized for this screen"))
        self.train_action = self._action(_("&Train"), self.train, "F5", "trainAction")
        self.continue_action = self._action(
            _("&Continue training"), self.continue_training, "Ctrl+F5", "continueAction"
        )
        self.continue_action.setEnabled(False)
        self.find_lr_action = self._action(_("Find a &learning rate…"), self.find_lr, "Ctrl+L", "findLrAction")
        self.picture_action = self._action(_("Try a p&icture…"), self.try_picture, "Ctrl+I", "tryPictureAction")
        self.picture_action.setEnabled(False)
        self.pause_action = self._action(_("&Pause / Resume"), self.toggle_pause, "F6", "pauseAction")
        self.stop_action = self._action(_("&Stop"), self.stop, "Shift+F5", "stopAction")
        self.pause_action.setEnabled(False)
        self.stop_action.setEnabled(False)
        self.train_button.clicked.connect(self.train_action.trigger)
        self.continue_button.clicked.connect(self.continue_action.trigger)
        self.pause_button.clicked.connect(self.pause_action.trigger)
        self.stop_button.clicked.connect(self.stop_action.trigger)
        self.export_button.clicked.connect(self.export_action.trigger)
        self.undo_action = self.document.undo_stack.createUndoAction(self, _("&Undo"))
        self.undo_action.setShortcut(keys.Undo)
        self.redo_action = self.document.undo_stack.createRedoAction(self, _("&Redo"))
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Y"), QKeySequence("Ctrl+Shift+Z")])

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu(_("&File"))
        file_menu.addActions([self.new_action, self.open_action])
        file_menu.addAction(self.preset_action)
        self.recent_menu = file_menu.addMenu(_("Open &recent"))
        self.recent_menu.setObjectName("recentMenu")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        file_menu.addAction(self.open_run_action)
        file_menu.addSeparator()
        file_menu.addActions([self.save_action, self.save_as_action, self.export_action])
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        edit_menu = bar.addMenu(_("&Edit"))
        edit_menu.addActions([self.undo_action, self.redo_action])
        run_menu = bar.addMenu(_("&Run"))
        run_menu.addActions([self.train_action, self.continue_action, self.pause_action, self.stop_action])
        run_menu.addSeparator()
        run_menu.addActions([self.find_lr_action, self.picture_action])
        view_menu = bar.addMenu(_("&View"))
        view_menu.addActions([self.left_dock.toggleViewAction(), self.right_dock.toggleViewAction()])
        view_menu.addSeparator()
        view_menu.addAction(self.reset_layout_action)
        self.language_menu = view_menu.addMenu(_("&Language"))
        self.language_menu.setObjectName("languageMenu")
        for code, name in LANGUAGES.items():  # each language in its own words
            action = self.language_menu.addAction(name)
            action.triggered.connect(partial(self.choose_language, code))
            action.setObjectName(f"language_{code}")
            action.setCheckable(True)
            action.setChecked(code == language())
        help_menu = bar.addMenu(_("&Help"))
        help_menu.addAction(self.guide_action)
        shortcuts = help_menu.addAction(_("&Keyboard shortcuts"), self.show_shortcuts)
        shortcuts.setObjectName("shortcutsAction")
        help_menu.addAction(_("&About Workbench"), self.about)

    # --- state --------------------------------------------------------------------------------

    @Slot(object)
    def _document_changed(self, _spec: ExperimentSpec) -> None:
        self._update_train_state()

    def _update_title(self) -> None:
        self.setWindowTitle(f"{self.document.title}[*] — Workbench")
        self.setWindowModified(self.document.dirty)

    def train_blocker(self) -> str:
        """Why Train cannot start now (settings, data, the learning-rate finder, the engine); "" if it can."""
        problems = [p.in_words(self.document.spec) for p in self.document.problems()]
        if problems:
            return "\n".join(problems)
        if self.engine_state:
            return self.engine_state
        if self.dataset_panel.problem:
            return _("The data cannot be loaded: {problem}").format(problem=self.dataset_panel.problem)
        if self.finding_lr:
            return _("Finding a learning rate: Train waits until the range test is done.")
        return ""

    def _update_train_state(self) -> None:
        reason = self.train_blocker()
        can_train = not reason and self.train_allowed()
        self.train_action.setEnabled(can_train)
        self.train_button.setEnabled(can_train)
        self.train_button.setToolTip(reason or _("Train the network (F5)"))
        if reason and reason != self.engine_state:
            self.statusBar().showMessage(_("Cannot train: {reason}").format(reason=reason.splitlines()[0]))
        else:
            self.statusBar().showMessage(self.engine_state or _("Ready to train."))
        self._update_continue_state(reason)

    def _update_continue_state(self, train_problem: str) -> None:
        reason = train_problem or self.runs.continue_reason()
        epochs = self.document.spec.training.epochs
        self.continue_action.setEnabled(not reason)
        self.continue_button.setEnabled(not reason)
        self.continue_button.setText("»  " + _("Continue +{epochs}").format(epochs=epochs))
        tip = continue_tip(epochs)
        self.continue_button.setToolTip(f"{tip}\n\n{reason}" if reason else tip)

    # --- files --------------------------------------------------------------------------------

    def _confirm_discard(self) -> bool:
        """True when it is fine to drop the current experiment (saved, discarded, or nothing to save)."""
        if not self.document.dirty:
            return True
        answer = self.dialogs.unsaved_changes(self.document.title)
        if answer is Answer.SAVE:
            return self.save()
        return answer is Answer.DISCARD

    def _agree_to_leave(self, action: str, then: Callable[[], object]) -> Callable[[], None] | None:
        """Ask about what `action` would lose: the current run's unexported model, then unsaved
        settings. None when the student keeps them (Cancel; or Export, after which `then` runs
        again); else a function to call once the action has happened. The run's protection is let
        go only then, so a Cancel anywhere later leaves it armed."""
        let_go = False
        if self.runs.at_risk:
            record = self.runs.current
            answer = self.dialogs.unexported_run(record.name if record else _("the last run"), action)
            if answer is Answer.EXPORT:
                self.export_model(then)
            if answer is not Answer.DISCARD:
                return None
            let_go = True
        if not self._confirm_discard():
            return None
        return self.runs.exported if let_go else lambda: None

    @Slot()
    def new(self) -> None:
        """A new experiment: the default data and settings, an empty stack to build."""
        left = self._agree_to_leave(_("starting a new experiment"), self.new)
        if left is not None:
            start = default_experiment()
            self.document.replace(start.model_copy(update={"name": "", "network": NetworkSpec()}), None)
            left()

    @Slot()
    def open_dialog(self) -> None:
        """Choose an experiment file and open it."""
        path = self.dialogs.open_path(self.document.base_dir)
        if path is not None:
            self.open_path(path)

    @Slot()
    def open_preset_dialog(self) -> None:
        """File > Open preset: choose a shipped experiment by its name and what it teaches."""
        presets = [PresetInfo(n, (e := load_preset(n)).name, e.description) for n in preset_names()]
        chosen = self.dialogs.choose_preset(presets)
        if chosen is not None:
            self.open_path(preset_path(chosen), as_template=True)

    @Slot()
    def open_run_dialog(self) -> None:
        """Choose a model file and take up its run."""
        if self.runs.running or not self.engine_ready:
            return
        path = self.dialogs.open_model_path(self.document.base_dir)
        if path is None:
            return
        left = self._agree_to_leave(_("opening {file}").format(file=path.name), partial(self.open_run, path))
        if left is not None:
            self.open_run(path, left)

    def open_run(self, path: Path, left: Callable[[], None] = lambda: None) -> None:
        """Take up the run saved in `path` (its settings replace the experiment; a bad file changes
        nothing); `left()` once it has replaced the current run."""
        opening = _("Opening the run saved in {file}…").format(file=path.name)
        self.statusBar().showMessage(opening)
        self.training_view.show_opening(opening)

        def opened() -> None:
            assert self.runs.current is not None
            self.training_view.show_opening("")
            self.training_view.start_run()
            self.document.replace(self.runs.current.spec, None)
            left()

        def failed(message: str) -> None:
            self.training_view.show_opening("")
            self.dialogs.error(_("Cannot open the saved run"), message)
            self.statusBar().showMessage(_("Could not open {file}.").format(file=path.name), 4000)

        self.runs.open_saved(path, opened, failed)

    def open_path(self, path: Path, as_template: bool = False) -> bool:
        """Open `path` (a preset opens as a new, unsaved copy), having asked about what it would
        lose. A bad file changes nothing and asks nothing."""
        try:
            experiment = ExperimentSpec.load(path)
        except SpecError as exc:
            self.dialogs.error(_("Cannot open the experiment"), str(exc))
            return False
        action = _("opening a preset") if as_template else _("opening {file}").format(file=path.name)
        left = self._agree_to_leave(action, partial(self.open_path, path, as_template))
        if left is None:
            return False
        self.document.replace(experiment, None if as_template else path)
        left()
        if not as_template:
            self._remember(path)
        return True

    @Slot()
    def save(self) -> bool:
        """Save to the current file (asks for one the first time)."""
        if self.document.path is None:
            return self.save_as()
        return self._write(self.document.path)

    @Slot()
    def save_as(self) -> bool:
        """Save under a new name."""
        suggestion = Path.home() / f"{(self.document.spec.name or 'experiment').replace(' ', '_').lower()}.json"
        path = self.dialogs.save_path(self.document.path or suggestion)
        return self._write(path) if path is not None else False

    def _write(self, path: Path) -> bool:
        try:
            self.document.save(path)
        except OSError as exc:
            self.dialogs.error(
                _("Cannot save"), _("Could not write {path}: {error}").format(path=path, error=exc.strerror or exc)
            )
            return False
        self._remember(path)
        self.statusBar().showMessage(_("Saved {path}").format(path=path), 4000)
        return True

    def _remember(self, path: Path) -> None:
        recent = [p for p in self.recent_files() if p != str(path.resolve())]
        self.settings.setValue("recentFiles", [str(path.resolve()), *recent][:MAX_RECENT])

    def recent_files(self) -> list[str]:
        """Recently opened or saved experiment files, newest first."""
        value = self.settings.value("recentFiles", [])
        return [str(v) for v in (value if isinstance(value, list) else [value] if value else [])]

    @Slot()
    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for entry in self.recent_files():
            self.recent_menu.addAction(entry, partial(self.open_path, Path(entry)))
        if not self.recent_files():
            self.recent_menu.addAction(_("(none yet)")).setEnabled(False)

    # --- running -----------------------------------------------------------------------------

    @Slot()
    def train(self) -> None:
        """Start a run of the current experiment in a worker thread."""
        if self.train_blocker() or self.runs.running:
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
        self._update_train_state()
        self.statusBar().showMessage(_("Finding a learning rate: a copy of the network trains for a few batches…"))

    def _lr_found(self, finding: LrFinding) -> None:
        self.finding_lr = False
        self.training_panel.set_finding(False)
        self._update_train_state()
        self.statusBar().showMessage(_("Learning-rate range test done."), 4000)
        self.lr_dialog = LrFinderDialog(finding, self._use_lr, self)
        self.lr_dialog.show()

    def _lr_failed(self, message: str, _trace: str | None) -> None:
        self.finding_lr = False
        self.training_panel.set_finding(False)
        self._update_train_state()
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
        if self.runs.continue_reason() or not self.engine_ready:
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

    def train_allowed(self) -> bool:
        """False while a run is active."""
        return not self.runs.running if hasattr(self, "runs") else True

    @Slot()
    def _run_state_changed(self) -> None:
        running, paused = self.runs.running, self.runs.paused
        for dock in (self.left_dock, self.right_dock):
            dock.widget().setEnabled(not running)  # the settings of a run cannot change under it
        self.new_action.setEnabled(not running)
        self.open_action.setEnabled(not running)
        self.open_run_action.setEnabled(not running)
        self.preset_action.setEnabled(not running)
        training = running and self.runs.opening is None
        self.find_lr_action.setEnabled(not running)
        record = self.runs.current
        ended = not running and record is not None and record.ended is not None
        self.picture_action.setEnabled(ended and record is not None and record.sorts_pictures)
        self.pause_action.setEnabled(self.runs.pausable)
        self.stop_action.setEnabled(training)
        self.pause_button.setEnabled(self.runs.pausable)
        self.pause_button.setToolTip(
            _("A run on several processes cannot pause: Stop ends it and keeps what it has learned")
            if self.runs.spread and training
            else _(PAUSE_TIP)
        )
        self.stop_button.setEnabled(training)
        self.pause_button.setText(_("Resume") if paused else _("Pause"))
        if training and record is not None and record.progress is None:
            self._set_progress(0.0, _("paused · starting") if paused else _("starting…"))
        elif paused and record is not None and record.progress is not None:
            self._show_progress()
        self.export_action.setEnabled(self.runs.exportable)
        self.export_button.setEnabled(self.runs.exportable)
        self.lock_action.setVisible(training)
        self._update_train_state()
        if not running and record is not None and record.ended is not None:
            self.statusBar().showMessage(record.ended.message)
            self._show_run_end()
        elif not running and self.runs.failure is not None:
            self.statusBar().showMessage(self.runs.failure.message)
        if self.runs.opening is not None:
            self.statusBar().showMessage(_("Opening the run saved in {file}…").format(file=self.runs.opening.name))
        elif running:
            self.statusBar().showMessage(
                _("Paused. Settings are locked while a run is active.")
                if paused
                else _("Training… settings are locked until the run ends.")
            )

    def _set_progress(self, done: float, text: str) -> None:
        if not self.progress_action.isVisible():  # showing it again would lay the toolbar out again
            self.progress_action.setVisible(True)
        value = round(PROGRESS_STEPS * min(max(done, 0.0), 1.0))
        if value != self.progress.value() or text != self.progress.format():  # each change repaints it
            self.progress.setValue(value)
            self.progress.setFormat(text)

    def _show_run_end(self) -> None:
        """The progress bar after a run: how far it got."""
        record = self.runs.current
        if record is None or record.ended is None:
            return
        planned = record.started.epochs if record.started else max(record.ended.epochs_done, 1)
        done = record.ended.epochs_done
        if record.ended.reason is StopReason.EARLY_STOPPED:  # finished, by its own rule: a full bar
            self._set_progress(1.0, _("stopped early: {done}/{planned} epochs").format(done=done, planned=planned))
        else:
            self._set_progress(done / max(planned, 1), _("{done}/{planned} epochs").format(done=done, planned=planned))

    @Slot()
    def _show_progress(self) -> None:
        record = self.runs.current
        if record is None or not self.runs.running or record.progress is None:
            return
        p = record.progress
        done = (p.epoch + p.batch / max(p.batches, 1)) / max(p.epochs, 1)
        at = {"done": p.epoch + 1, "planned": p.epochs}
        self._set_progress(
            done,
            (_("Paused · epoch {done}/{planned}") if self.runs.paused else _("epoch {done}/{planned}")).format(**at),
        )
        remaining = p.elapsed * (1 - done) / done if done > 0 else 0.0
        device = record.started.device if record.started else ""
        words = _("Epoch {done}/{planned} · step {step} · {speed} samples/s · {elapsed} elapsed · about {left} left")
        numbers = {"step": f"{p.step:,}", "speed": f"{p.samples_per_second:,.0f}"}
        said = words.format(**at, **numbers, elapsed=_clock(p.elapsed), left=_clock(remaining))
        self.statusBar().showMessage((_("Paused") + " · " if self.runs.paused else "") + f"{said} · {device}")

    @Slot()
    def export_model(self, then: Callable[[], object] | None = None) -> None:
        """Save the last run's model: .pt (plain PyTorch), TorchScript, or ONNX when available;
        once it is written, do `then` (what the student was doing when asked to export first)."""
        if not self.runs.exportable:
            return
        from ..engine.exporters import onnx_available

        formats = {_("Workbench model") + " (*.pt)": ".pt", "TorchScript (*.torchscript)": ".torchscript"}
        if onnx_available():
            formats["ONNX (*.onnx)"] = ".onnx"
        name = (self.document.spec.name or "model").replace(" ", "_").lower()
        record = self.runs.current
        if record is not None and record.chosen_epoch is not None:
            name += f"_epoch{record.chosen_epoch + 1}"
        path = self.dialogs.export_path((self.document.base_dir or Path.home()) / f"{name}.pt", formats)
        if path is None:
            return
        self.statusBar().showMessage(_("Exporting {path}…").format(path=path))
        self.runs.export(path, partial(self._exported, then=then), self._export_failed)

    def _exported(self, path: Path, then: Callable[[], object] | None = None) -> None:
        self.runs.exported()
        self.statusBar().showMessage(_("Exported {path}").format(path=path), 6000)
        if then is not None:
            then()
            return
        saved = _("Saved {path}").format(path=path)
        record = self.runs.current  # the run exported: the settings may have changed since
        if record is not None and record.spec.network.is_autoencoder and path.suffix.lower() != ".pt":
            from ..engine.exporters import part_paths

            encoder, decoder = (where.name for where in part_paths(path).values())
            saved = _("Saved {path}, and beside it the encoder ({encoder}) and the decoder ({decoder})").format(
                path=path, encoder=encoder, decoder=decoder
            )
        self.dialogs.info(_("Model exported"), saved)

    def _export_failed(self, message: str, _trace: str | None) -> None:
        self.statusBar().showMessage(_("Export failed"), 6000)
        self.dialogs.error(_("Export failed"), message + "\n" + _("Nothing was written."))

    def choose_language(self, code: str, _checked: bool = False) -> None:
        """View > Language: remembered, and spoken from the next start (every panel is built in it)."""
        settings = app_settings()
        settings.setValue(LANGUAGE_KEY, code)
        settings.sync()
        for action in self.language_menu.actions():
            action.setChecked(action.objectName() == f"language_{code}")
        if code != language():
            self.dialogs.info(
                _("Language"), _("Workbench speaks {language} from its next start.").format(language=LANGUAGES[code])
            )

    # --- help and closing ---------------------------------------------------------------------

    @Slot()
    def show_guide(self) -> None:
        """Help > Guide (F1): at the entry of the setting that has the keyboard focus, if any."""
        term = glossary_term(QApplication.focusWidget())
        if self.guide_dialog is None:
            self.guide_dialog = GuideDialog(self)
        self.guide_dialog.show()
        self.guide_dialog.raise_()
        self.guide_dialog.show_term(term)

    @Slot()
    def show_shortcuts(self) -> None:
        """Help > Keyboard shortcuts: the menus' keys, then the keys of the layer list and the forms."""
        widget_keys = [(_(where), keys, _(what)) for where, keys, what in WIDGET_KEYS]
        self.shortcuts_dialog = ShortcutsDialog([*menu_shortcuts(self.menuBar()), *widget_keys], self)
        self.shortcuts_dialog.show()

    @Slot()
    def about(self) -> None:
        """Versions and devices, for bug reports and for curiosity."""
        QMessageBox.about(self, _("About Workbench"), self.about_text())

    def about_text(self) -> str:
        """The About box's text."""
        import pyqtgraph
        import PySide6
        import torch
        from PySide6.QtCore import qVersion

        from ..engine import available_devices
        from ..engine.device import device_label

        devices = ", ".join(device_label(torch.device(d)) for d in available_devices())
        what = _("Build neural networks in forms and watch them learn.")
        return (
            f"<b>Workbench {__version__}</b><br>{what}<br><br>"
            f"PyTorch {torch.__version__} · Qt {qVersion()} · PySide6 {PySide6.__version__} · "
            f"pyqtgraph {pyqtgraph.__version__} · Python {platform.python_version()}<br>"
            + _("Devices: {devices}").format(devices=devices)
        )

    # --- the window on its screen --------------------------------------------------------------

    def _available(self) -> QRect:
        screen = self.screen() or QGuiApplication.primaryScreen()
        return screen.availableGeometry()

    def _place_window(self) -> None:
        """Take the saved geometry and dock layout when they were saved on a screen like this one
        and still fit it; otherwise plan the default layout for this screen."""
        area = self._available()
        saved_screen = _ints(self.settings.value("layout/screen"))
        frame = _ints(self.settings.value("layout/frame"))
        state = self.settings.value("layout/docks")
        same_screen = saved_screen == [area.width(), area.height()]
        if same_screen and len(frame) == 4 and fits(tuple(frame), area.getRect()) and state is not None:  # type: ignore[arg-type]
            if self.restoreState(state, LAYOUT_VERSION):
                self.setGeometry(*frame)
                self.start_maximized = self.settings.value("layout/maximized") in (True, "true")
                self.layout_pending = False
                return
        self._plan_default(area)

    def _plan_default(self, area: QRect) -> None:
        plan = plan_layout(area.width(), area.height(), self.left_dock.minimumWidth(), self.right_dock.minimumWidth())
        self.layout_plan = plan
        for dock in (self.left_dock, self.right_dock):
            dock.setFloating(False)
            dock.show()
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.left_dock)
        if plan.tabbed:
            self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.right_dock)
            self.tabifyDockWidget(self.left_dock, self.right_dock)
            self.left_dock.raise_()
        else:
            self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.right_dock)
        for dock in (self.left_dock, self.right_dock):  # tabs name the docks: a title bar would again
            dock.setTitleBarWidget(QWidget() if plan.tabbed else None)  # type: ignore[arg-type]  # None: the usual bar
        self.setGeometry(
            QStyle.alignedRect(
                Qt.LayoutDirection.LeftToRight, Qt.AlignmentFlag.AlignCenter, QSize(plan.width, plan.height), area
            )
        )
        self.start_maximized = plan.maximized
        self.layout_pending = True

    def _apply_dock_sizes(self) -> None:
        """Give the docks their planned widths; only once the window is on screen do they hold
        (before that a real window manager's first resize undoes them)."""
        plan = self.layout_plan
        if not self.layout_pending or plan is None:
            return
        self.layout_pending = False
        if plan.tabbed:
            self.resizeDocks([self.left_dock], [plan.left_width], Qt.Orientation.Horizontal)
        else:
            self.resizeDocks(
                [self.left_dock, self.right_dock], [plan.left_width, plan.right_width], Qt.Orientation.Horizontal
            )

    def show_on_screen(self) -> None:
        """Show the window as planned: maximized on screens up to Full HD, else at its planned size."""
        if self.start_maximized:
            self.showMaximized()
        else:
            self.show()

    @Slot()
    def reset_layout(self) -> None:
        """View > Reset layout: the default docks and window size for this screen; forget the saved ones."""
        for key in ("layout/screen", "layout/frame", "layout/docks", "layout/maximized"):
            self.settings.remove(key)
        self.showNormal()
        self._plan_default(self._available())
        self.show_on_screen()
        QTimer.singleShot(0, self._apply_dock_sizes)

    def _save_layout(self) -> None:
        area = self._available()
        normal = self.normalGeometry() if self.isMaximized() else self.geometry()
        self.settings.setValue("layout/screen", [area.width(), area.height()])
        self.settings.setValue("layout/frame", [normal.x(), normal.y(), normal.width(), normal.height()])
        self.settings.setValue("layout/maximized", self.isMaximized())
        self.settings.setValue("layout/docks", self.saveState(LAYOUT_VERSION))

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        if not self.close_confirmed:  # asked once: the retries below while the engine stops do not ask again
            left = self._agree_to_leave(_("closing the window"), self.close)
            if left is None:
                event.ignore()
                return
            left()
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
