"""Training from the window, through a run session (`engine.session`): plain-data commands go to a
back end (`engine.backends`: a worker thread, or a process of its own); its events and replies come
back as plain data. The window holds no trainer, no model and no tensor.

One mechanism carries the messages: the back end calls `EventBridge.emit_event` from its own
thread, whose signal is connected with an explicit queued connection to `RunController.on_message`
in the GUI thread. The controller stores every event and marks the view dirty; a GUI-thread timer
redraws.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot

from ..engine.events import (
    Activations,
    BoundarySnapshot,
    EpochView,
    HealthReport,
    HistogramSnapshot,
    LatentSnapshot,
    Progress,
)
from ..engine.stream import EpochEnded, RunEnded, RunFailed, RunStarted
from ..i18n import _
from .document import ExperimentDocument
from .jobs import JobRunner
from .run_data import RunRecord, describe_difference, same_run_settings

if TYPE_CHECKING:
    from ..engine.backends import Backend
    from ..engine.session import Command, Message, Opened, RunState

REDRAW_MS = 50
Done = Callable[[Any], None]
Failed = Callable[[str, str | None], None]


class EventBridge(QObject):
    """Carries the session's messages from the back end's thread to the GUI thread."""

    arrived = Signal(object)

    def emit_event(self, message: Message) -> None:
        """Called in the back end's thread; Qt queues the signal to the GUI thread."""
        try:
            self.arrived.emit(message)
        except RuntimeError:  # the window is gone: nobody is left to tell
            pass


class RunController(QObject):
    """Starts, pauses and stops runs through the session, keeps every run's record and tells the
    view when to redraw. Requests (export, test an epoch, try a picture) get their answer later,
    in the GUI thread."""

    state_changed = Signal()
    redraw = Signal()

    def __init__(self, document: ExperimentDocument, jobs: JobRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.jobs = jobs
        self.bridge = EventBridge(self)
        self.bridge.arrived.connect(self.on_message, Qt.ConnectionType.QueuedConnection)
        self.backend: Backend | None = None
        self.records: list[RunRecord] = []
        self.current: RunRecord | None = None
        self.state: RunState | None = None  # what the session holds after the last run's work
        self.run_ticket: int | None = None  # the run whose work is under way
        self.failure: RunFailed | None = None
        self.opening: Path | None = None  # a saved run being read
        self.numbered = 0  # runs started or opened so far
        self.unexported = False  # the current run's trained model exists only in memory
        self.dirty = False
        self._paused = False
        self.spread = False  # the run under way trains on several processes (it cannot pause)
        self.warm = False  # the back end has PyTorch loaded and warm (its Ready came)
        self._opened_run = False  # the run's work under way takes up a saved run (nothing newly trained)
        self._opening: tuple[Callable[[Opened], None], Failed] = (lambda _: None, lambda _m, _t: None)
        self._tickets = 0
        self._waiting: dict[int, tuple[Done, Failed]] = {}
        self.timer = QTimer(self)
        self.timer.setInterval(REDRAW_MS)  # coalesce: redraw at most this often, only when something arrived
        self.timer.timeout.connect(self._tick)
        self.timer.start()
        document.changed.connect(self._relabel)

    def connect_backend(self, name: str | None = None) -> None:
        """Start the session's back end as the window shows: a training process imports and warms
        PyTorch on its own (`warm` once it has), so that Train is quick; a run asked for
        meanwhile starts when it is warm."""
        if self.backend is None:
            from ..engine.backends import make_backend

            self.backend = make_backend(self.bridge.emit_event, name)

    # --- state --------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """True from Train (or Continue, or opening a saved run) until the run's work has ended."""
        return self.run_ticket is not None

    @property
    def pausable(self) -> bool:
        """True while a run trains that can pause: not one on several processes, each of which
        would wait for the others."""
        return self.running and not self.spread and self.opening is None

    @property
    def paused(self) -> bool:
        """True while the run is paused."""
        return self.running and self._paused

    @property
    def exportable(self) -> bool:
        """True when the last run ended with a trained model."""
        return not self.running and self.state is not None and self.state.has_model

    @property
    def at_risk(self) -> bool:
        """True when the current run holds a trained model that no file has (closing would lose it)."""
        return self.unexported and self.exportable

    def previous_runs(self) -> list[RunRecord]:
        """Runs before the current one, oldest first."""
        return [r for r in self.records if r is not self.current]

    # --- commands -----------------------------------------------------------------------------

    def send(self, command: Command) -> int:
        """Hand `command` to the session; returns its ticket."""
        self.connect_backend()
        assert self.backend is not None
        self._tickets += 1
        self.backend.send(self._tickets, command)
        return self._tickets

    def request(self, command: Command, on_done: Done, on_failed: Failed) -> None:
        """Send `command`; `on_done(result)` or `on_failed(message, trace)` runs later in the GUI thread."""
        self._waiting[self.send(command)] = (on_done, on_failed)

    def start(self) -> None:
        """Train the document's experiment."""
        if self.running:
            return
        from ..engine.session import Start

        spec = self.document.spec
        name = _("run {number}").format(number=self._next_number())
        self.current = RunRecord(spec, label=name, name=name)
        self.records.append(self.current)
        self._relabel()
        self.failure, self.state = None, None
        base_dir = str(self.document.base_dir) if self.document.base_dir else None
        self._launch(Start(spec, base_dir))

    def open_saved(self, path: Path, on_opened: Callable[[], None], on_error: Callable[[str], None]) -> None:
        """Take up the run saved in a model file: it becomes the current run, its curves and results
        are shown, and Continue can train it further. A bad file changes nothing."""
        if self.running:
            return
        from ..engine.session import OpenSaved

        def opened(message: Opened) -> None:
            self.opening = None
            self._adopt(message, path)
            on_opened()  # the window clears the last run's plots and takes the run's settings

        def failed(text: str, _trace: str | None) -> None:
            self.opening = None
            on_error(text)

        self.opening = path
        self._opening = (opened, failed)
        self._launch(OpenSaved(str(path)))

    def _adopt(self, message: Opened, path: Path) -> None:
        record = RunRecord.saved(
            message.experiment,
            message.history,
            message.started,
            message.ended,
            label=_("run {number} ({file})").format(number=self._next_number(), file=path.name),
        )
        for picture in message.pictures:
            if isinstance(picture, HistogramSnapshot):
                record.add_histograms(picture)
            elif isinstance(picture, BoundarySnapshot):
                record.boundary = picture
            elif isinstance(picture, LatentSnapshot):
                record.latent = picture
        self.records.append(record)
        self.current, self.failure = record, None
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
        state = self.state
        if self.running:
            return _("A run is active.")
        if state is None or self.current is None or not state.has_model or state.experiment is None:
            return _("Train a run first; Continue then trains it further.")
        if not state.can_continue:
            return _("The last run diverged or failed, so there is nothing to continue: Train starts a new run.")
        if not same_run_settings(state.experiment, self.document.spec):
            return _(
                "The settings changed since the last run: Train starts a new run with them. "
                "To continue the last run, only Epochs may change."
            )
        return ""

    def continue_run(self) -> None:
        """Train the last run for the document's number of epochs more, from where it stopped."""
        if self.continue_reason() or self.current is None:
            return
        from ..engine.session import Extend

        epochs = self.document.spec.training.epochs
        self.current.continue_for(epochs)
        self.failure = None
        self._launch(Extend(epochs))

    def _launch(self, command: Command) -> None:
        from ..engine.session import OpenSaved, Start

        self._paused, self._opened_run = False, isinstance(command, OpenSaved)
        # A run on several processes (a Start of such an experiment; Continue trains on one).
        self.spread = isinstance(command, Start) and command.experiment.training.processes > 1
        self.run_ticket = self.send(command)
        self.dirty = True
        self.state_changed.emit()

    def toggle_pause(self) -> None:
        """Pause a running run, or resume a paused one (optimizer state is kept)."""
        if not self.pausable:
            return
        from ..engine.session import Pause, Resume

        self._paused = not self._paused
        self.send(Pause() if self._paused else Resume())
        self.dirty = True  # paused, the plots catch up with the run at once
        self.state_changed.emit()

    def stop(self) -> None:
        """Stop after the current batch (also the learning-rate search)."""
        if self.backend is not None:
            from ..engine.session import Stop

            self.send(Stop())
            self.state_changed.emit()

    def shutdown(self, timeout_ms: int) -> bool:
        """Stop any run and end the back end; True when it has ended."""
        if self.backend is None:
            return True
        done = self.backend.close(timeout_ms / 1000)
        if done:
            self.backend = None
        return done

    def remove(self, record: RunRecord) -> None:
        """Forget a previous run."""
        if record is not self.current and record in self.records:
            self.records.remove(record)
            self.dirty = True

    def export(self, path: Path, on_done: Done, on_failed: Failed) -> None:
        """Write the last run's model (the chosen epoch's weights when one is chosen, else those
        the run ended with) to `path`; `on_done(path)` once written."""
        from ..engine.session import Export

        epoch = self.current.chosen_epoch if self.current is not None else None
        self.request(Export(str(path), epoch), lambda exported: on_done(Path(exported.path)), on_failed)

    def exported(self) -> None:
        """An export of the current run's model was written (GUI thread)."""
        self.unexported = False

    def choose_epoch(self, epoch: int | None) -> None:
        """Show every view of the weights of `epoch` (the timeline, Results' choice: one thing), test
        and export them from now on; None for the weights the run ended with."""
        record = self.current
        if record is None or record.chosen_epoch == epoch or not self._kept(record, epoch):
            return
        record.chosen_epoch, record.chosen_test, self.failure = epoch, None, None
        self.dirty = True
        if epoch is None:
            return
        from ..engine.session import ShowEpoch

        def tested(view: EpochView) -> None:
            if record.chosen_epoch == epoch:  # not chosen away in the meantime
                record.chosen_epoch = view.epoch  # the kept epoch nearest to it, when it was not kept
                record.chosen_test, record.chosen_view = view.test, view
                self.dirty = True

        def failed(message: str, trace: str | None) -> None:
            record.chosen_epoch = None
            self.failure = RunFailed(
                _("Testing the weights of epoch {epoch} failed: {problem}").format(epoch=epoch + 1, problem=message),
                trace,
            )
            self.dirty = True

        self.request(ShowEpoch(epoch), tested, failed)

    def _kept(self, record: RunRecord, epoch: int | None) -> bool:
        """Whether the views can show `epoch`: the run's end (None) once it has one, a kept epoch
        after the run, and while it trains any epoch done (the nearest kept one answers)."""
        if self.running and record is self.current:
            return epoch is None or 0 <= epoch < len(record.epochs)
        state = self.state
        return state is not None and (epoch is None or epoch in state.snapshot_epochs)

    def look_inside(self, example: int, mistake: bool = False) -> None:
        """Ask what every layer makes of test `example` (with `mistake`: of the next one after it
        the network gets wrong) at the epoch the views show; kept in the record once it comes."""
        record = self.current
        if record is None or (self.state is None and not self.running) or (self.running and not record.epochs):
            return
        from ..engine.session import ShowInside

        epoch = record.chosen_epoch

        def seen(activations: Activations) -> None:
            if record.chosen_epoch == epoch:  # not chosen away in the meantime
                record.inside = activations
                self.dirty = True

        def failed(message: str, trace: str | None) -> None:
            self.failure = RunFailed(_("Looking inside the network failed: {problem}").format(problem=message), trace)
            self.dirty = True

        self.request(ShowInside(example, epoch, mistake), seen, failed)

    # --- messages -----------------------------------------------------------------------------

    @Slot(object)
    def on_message(self, message: Message) -> None:
        """A message of the session (GUI thread): an event of the current run, a reply, the end
        of a run's work, or the training process lost."""
        from ..engine.session import Opened, Ready, Refused, Reply, RunState, WorkerLost

        if isinstance(message, Reply | Refused):
            self._answered(message)
        elif isinstance(message, Opened):
            if self.opening is not None:
                self._opening[0](message)
        elif isinstance(message, RunState):
            self.state = message
            if message.ticket == self.run_ticket:
                self._finished()
        elif isinstance(message, WorkerLost):
            self._lost(message.message)
        elif isinstance(message, Ready):
            self.warm = True
            self.state_changed.emit()  # a run asked for meanwhile starts now
        else:
            self._store(message)

    def _store(self, event: Any) -> None:
        """Keep an event of the current run; the timer redraws."""
        record = self.current
        if isinstance(event, RunFailed):
            if self.opening is not None:  # the saved run could not be read: nothing changes
                self._opening[1](event.message, event.error)
                return
            self.failure = event
        elif record is None:
            return
        elif isinstance(event, Progress):
            record.add_progress(event)
        elif isinstance(event, EpochEnded):
            record.add_epoch(event)
        elif isinstance(event, HistogramSnapshot):
            record.add_histograms(event)
        elif isinstance(event, BoundarySnapshot):
            record.boundary = event
        elif isinstance(event, LatentSnapshot):
            record.latent = event
        elif isinstance(event, HealthReport):
            record.health.append(event)
        elif isinstance(event, RunStarted):
            record.started = event
        elif isinstance(event, RunEnded):
            record.ended = event
        self.dirty = True

    def _answered(self, message: Any) -> None:
        from ..engine.session import Reply

        callbacks = self._waiting.pop(message.ticket, None)
        if callbacks is None:
            return
        if isinstance(message, Reply):
            callbacks[0](message.result)
        else:
            callbacks[1](message.message, message.trace)

    def _lost(self, text: str) -> None:
        """The training process died: say so, keep the curves, fail what waited for it."""
        self.state = None
        if self.opening is not None:
            self.opening = None
            self._opening[1](text, None)
        waiting, self._waiting = self._waiting, {}
        for _opened, failed in waiting.values():
            failed(text, None)
        self.failure = RunFailed(text)
        if self.running:
            self._finished(trained=False)
        else:
            self.dirty = True
            self.state_changed.emit()

    @Slot()
    def _tick(self) -> None:
        if self.dirty:
            self.dirty = False
            self.redraw.emit()

    def _finished(self, trained: bool = True) -> None:
        # After every event of the run: the records are complete, so draw the end now.
        if self.current is not None and self.state is not None:
            self.current.snapshot_epochs = list(self.state.snapshot_epochs)
        opened, self.run_ticket, self._paused = self._opened_run, None, False
        if trained and not opened and self.exportable:
            self.unexported = True  # trained (further) since it was last written anywhere
        self.dirty = False
        self.redraw.emit()
        self.state_changed.emit()

    @Slot()
    def _relabel(self) -> None:
        for record in self.previous_runs():
            record.changed = describe_difference(record.spec, self.document.spec)
            record.label = _("{run} → now: {changes}").format(
                run=record.name, changes=record.changed
            )  # what changed since that run
        self.dirty = True
