"""Training from the window: the trainer runs on the engine thread; its events reach the GUI as plain data.

One mechanism carries the stream: the worker's EventStream calls `EventBridge.emit_event`, whose
signal is connected with an explicit queued connection to `RunController.on_event` in the GUI
thread. The controller stores every event and marks the view dirty; a GUI-thread timer redraws.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot

from ..engine.events import BoundarySnapshot, HistogramSnapshot, Progress
from ..engine.stream import EpochEnded, Event, EventStream, RunEnded, RunFailed, RunStarted, run_ended, run_started
from ..spec import SpecError
from .document import ExperimentDocument
from .jobs import Job, JobRunner
from .run_data import RunRecord, describe_difference, same_run_settings

if TYPE_CHECKING:
    from ..engine.snapshots import EpochSnapshots
    from ..engine.trainer import Trainer

REDRAW_MS = 50
HISTOGRAM_EVERY = 50  # steps between weight snapshots in the window


class EventBridge(QObject):
    """Carries engine events from the training thread to the GUI thread."""

    arrived = Signal(object)

    def emit_event(self, event: Event) -> None:
        """Called in the training thread; Qt queues the signal to the GUI thread."""
        self.arrived.emit(event)


def train_run(work: Callable[[], object], bridge: EventBridge) -> None:
    """Run `work` (a trainer's fit or continue_training) on the engine thread; bad input and
    crashes become RunFailed events."""
    from ..engine.data import DataError
    from ..engine.device import describe_failure

    try:
        work()
    except (SpecError, DataError) as exc:
        bridge.emit_event(RunFailed(str(exc)))
    except Exception as exc:  # noqa: BLE001 - shown in the window, which stays usable
        bridge.emit_event(RunFailed(describe_failure(exc), traceback.format_exc()))


def saved_pictures(trainer: Trainer) -> list[Event]:
    """The weight histograms of a saved run's model, and its decision boundary for 2-D points
    (engine thread): a model file keeps neither, but the weights it holds show both."""
    from ..engine.boundary import BoundaryGrid, applies
    from ..engine.histograms import HistogramRecorder

    assert trainer.model is not None and trainer.data is not None
    done = len(trainer.history.epoch)
    recorder = HistogramRecorder(trainer.model)
    pictures: list[Event] = [recorder.snapshot(trainer.steps, max(done - 1, 0), gradients=False)]
    if applies(trainer.data):
        best = trainer.history.best_epoch  # a model file holds its best epoch's weights
        shown = done - 1 if best is None else best
        pictures.append(BoundaryGrid(trainer.data).snapshot(trainer.model, shown + 1, restored=shown != done - 1))
    return pictures


class RunController(QObject):
    """Starts, pauses and stops runs, keeps every run's record and tells the view when to redraw."""

    state_changed = Signal()
    redraw = Signal()

    def __init__(self, document: ExperimentDocument, jobs: JobRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.jobs = jobs
        self.bridge = EventBridge(self)
        self.bridge.arrived.connect(self.on_event, Qt.ConnectionType.QueuedConnection)
        self.records: list[RunRecord] = []
        self.current: RunRecord | None = None
        self.trainer: Trainer | None = None
        self.snapshots: EpochSnapshots | None = None  # the current run's weights after each epoch
        self.job: Job | None = None
        self.settled = True  # the last run's end has reached the GUI thread
        self.failure: RunFailed | None = None
        self.opening: Path | None = None  # a saved run being read
        self.numbered = 0  # runs started or opened so far
        self.unexported = False  # the current run's trained model exists only in memory
        self.dirty = False
        self.timer = QTimer(self)
        self.timer.setInterval(REDRAW_MS)  # coalesce: redraw at most this often, only when something arrived
        self.timer.timeout.connect(self._tick)
        self.timer.start()
        document.changed.connect(self._relabel)

    # --- state --------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """True from Train until the worker thread has finished."""
        return self.job is not None and not self.settled

    @property
    def paused(self) -> bool:
        """True while the run is paused."""
        return self.running and self.trainer is not None and self.trainer.paused

    @property
    def exportable(self) -> bool:
        """True when the last run ended with a trained model."""
        t = self.trainer
        return not self.running and t is not None and t.model is not None and bool(t.history.epoch)

    @property
    def at_risk(self) -> bool:
        """True when the current run holds a trained model that no file has (closing would lose it)."""
        return self.unexported and self.exportable

    def previous_runs(self) -> list[RunRecord]:
        """Runs before the current one, oldest first."""
        return [r for r in self.records if r is not self.current]

    # --- commands -----------------------------------------------------------------------------

    def start(self) -> None:
        """Train the document's experiment in a new worker thread."""
        if self.running:
            return
        from ..engine.snapshots import EpochSnapshots
        from ..engine.trainer import Trainer  # loaded in the background at start-up; instant by now

        spec = self.document.spec
        name = f"run {self._next_number()}"
        self.current = RunRecord(spec, label=name, name=name)
        self.records.append(self.current)
        self._relabel()
        self.failure = None
        self.snapshots = EpochSnapshots()
        self.trainer = Trainer(
            spec,
            [EventStream(self.bridge.emit_event), self.snapshots],
            base_dir=self.document.base_dir,
            histogram_every=HISTOGRAM_EVERY,
        )
        self._launch(self.trainer.fit)

    def open_saved(self, path: Path, on_opened: Callable[[], None], on_error: Callable[[str], None]) -> None:
        """Take up the run saved in a model file (read on the engine thread): it becomes the current
        run, its curves and results are shown, and Continue can train it further."""
        if self.running:
            return
        from ..engine.checkpoint import resume_run  # loaded in the background at start-up; instant by now
        from ..engine.snapshots import EpochSnapshots

        snapshots = EpochSnapshots()

        def load() -> tuple[Trainer, list[Event]]:
            stream = EventStream(self.bridge.emit_event)
            trainer = resume_run(path, [stream, snapshots], base_dir=path.parent, histogram_every=HISTOGRAM_EVERY)
            if trainer.history.best_epoch is not None:  # the file keeps the best epoch's weights
                snapshots.weights[trainer.history.best_epoch] = trainer.best_weights()
            return trainer, saved_pictures(trainer)

        def opened(result: tuple[Trainer, list[Event]]) -> None:
            self.opening = None
            self._adopt(*result, path, snapshots)
            on_opened()  # the window clears the last run's plots and takes the run's settings
            self._finished(None, trained=False)  # then draws the run

        def failed(error: BaseException, trace: str) -> None:
            self.opening = None
            self._finished(None, trained=False)
            on_error(str(error))

        self.opening = path
        self.settled = False
        self.job = self.jobs.start(load, opened, failed)
        self.state_changed.emit()

    def _adopt(self, trainer: Trainer, pictures: list[Event], path: Path, snapshots: EpochSnapshots) -> None:
        record = RunRecord.saved(
            trainer.experiment,
            trainer.history,
            run_started(trainer),
            run_ended(trainer),
            label=f"run {self._next_number()} ({path.name})",
        )
        for picture in pictures:
            if isinstance(picture, HistogramSnapshot):
                record.add_histograms(picture)
            elif isinstance(picture, BoundarySnapshot):
                record.boundary = picture
        self.records.append(record)
        self.current, self.trainer, self.failure, self.snapshots = record, trainer, None, snapshots
        self.unexported = False  # it is in the file it came from
        self._relabel()
        self.dirty = True
        self.state_changed.emit()

    def _next_number(self) -> int:
        """Runs keep their number when earlier ones are removed."""
        self.numbered += 1
        return self.numbered

    def continue_reason(self) -> str:
        """Why the last run cannot train further now; "" when Continue may start."""
        t = self.trainer
        if self.running:
            return "A run is active."
        if t is None or self.current is None or t.model is None:
            return "Train a run first; Continue then trains it further."
        if not t.can_continue:
            return "The last run diverged or failed, so there is nothing to continue: Train starts a new run."
        if not same_run_settings(t.experiment, self.document.spec):
            return (
                "The settings changed since the last run: Train starts a new run with them. "
                "To continue the last run, only Epochs may change."
            )
        return ""

    def continue_run(self) -> None:
        """Train the last run for the document's number of epochs more, from where it stopped."""
        if self.continue_reason() or self.trainer is None or self.current is None:
            return
        epochs = self.document.spec.training.epochs
        self.trainer.extend(epochs)  # here, so that a Stop or a close from now on is kept
        self.current.continue_for(epochs)
        self.failure = None
        self._launch(self.trainer.continue_training)

    def _launch(self, work: Callable[[], object]) -> None:
        self.settled = False
        self.job = self.jobs.start(partial(train_run, work, self.bridge), self._finished, self._crashed)
        self.dirty = True
        self.state_changed.emit()

    def toggle_pause(self) -> None:
        """Pause a running run, or resume a paused one (optimizer state is kept)."""
        if self.trainer is None or not self.running:
            return
        if self.trainer.paused:
            self.trainer.resume()
        else:
            self.trainer.pause()
        self.dirty = True  # paused, the plots catch up with the run at once
        self.state_changed.emit()

    def stop(self) -> None:
        """Stop after the current batch."""
        if self.trainer is not None and self.running:
            self.trainer.request_stop()
            self.state_changed.emit()

    def shutdown(self, timeout_ms: int) -> bool:
        """Stop any run and wait for its thread; True when no thread is left running."""
        if self.job is None:
            return True
        if not self.job.finished.is_set() and self.trainer is not None:
            self.trainer.request_stop()
        return self.job.finished.wait(timeout_ms / 1000)

    def remove(self, record: RunRecord) -> None:
        """Forget a previous run."""
        if record is not self.current and record in self.records:
            self.records.remove(record)
            self.dirty = True

    def export(self, path: Path) -> Path:
        """Write the last run's model (see engine.exporters.export_trained): the chosen epoch's weights when
        one is chosen, else the best; may raise ModelFileError or OSError. Engine thread."""
        from ..engine.exporters import export_trained

        assert self.trainer is not None
        return export_trained(path, self.trainer, self.chosen_weights())

    def exported(self) -> None:
        """An export of the current run's model was written (GUI thread)."""
        self.unexported = False

    def chosen_weights(self) -> dict[str, Any] | None:
        """The chosen epoch's weights, or None for those the run ended with."""
        record, snapshots = self.current, self.snapshots
        if record is None or record.chosen_epoch is None or snapshots is None:
            return None
        return snapshots.weights.get(record.chosen_epoch)

    def choose_epoch(self, epoch: int | None) -> None:
        """Test (and export from now on) the weights of `epoch`, or None for those the run ended with."""
        record, trainer, snapshots = self.current, self.trainer, self.snapshots
        if record is None or trainer is None or self.running or record.chosen_epoch == epoch:
            return
        record.chosen_epoch, record.chosen_test, self.failure = epoch, None, None
        self.dirty = True
        if epoch is None or snapshots is None or epoch not in snapshots.weights:
            return
        from ..engine.snapshots import evaluate_weights

        def tested(result: object) -> None:
            if record.chosen_epoch == epoch:  # not chosen away in the meantime
                record.chosen_test = result  # type: ignore[assignment]
                self.dirty = True

        def failed(error: BaseException, trace: str) -> None:
            record.chosen_epoch = None
            self.failure = RunFailed(f"Testing the weights of epoch {epoch + 1} failed: {error}", trace)
            self.dirty = True

        self.jobs.start(partial(evaluate_weights, trainer, snapshots.weights[epoch]), tested, failed)

    # --- events -------------------------------------------------------------------------------

    @Slot(object)
    def on_event(self, event: Event) -> None:
        """Store an event of the current run (GUI thread); the timer redraws."""
        record = self.current
        if record is None:
            return
        if isinstance(event, Progress):
            record.add_progress(event)
        elif isinstance(event, EpochEnded):
            record.add_epoch(event)
        elif isinstance(event, HistogramSnapshot):
            record.add_histograms(event)
        elif isinstance(event, BoundarySnapshot):
            record.boundary = event
        elif isinstance(event, RunStarted):
            record.started = event
        elif isinstance(event, RunEnded):
            record.ended = event
        elif isinstance(event, RunFailed):
            self.failure = event
        self.dirty = True

    @Slot()
    def _tick(self) -> None:
        if self.dirty:
            self.dirty = False
            self.redraw.emit()

    def _finished(self, _result: object, trained: bool = True) -> None:
        # Queued after every event of the run: the records are complete, so draw the end now.
        if self.current is not None and self.snapshots is not None:
            self.current.snapshot_epochs = self.snapshots.epochs
        self.settled = True
        if trained and self.exportable:
            self.unexported = True  # trained (further) since it was last written anywhere
        self.dirty = False
        self.redraw.emit()
        self.state_changed.emit()

    def _crashed(self, error: BaseException, trace: str) -> None:
        self.failure = RunFailed(f"The run failed: {error}", trace)
        self._finished(None)

    @Slot()
    def _relabel(self) -> None:
        for record in self.previous_runs():
            record.changed = describe_difference(record.spec, self.document.spec)
            record.label = f"{record.name} → now: {record.changed}"  # what changed since that run
        self.dirty = True
