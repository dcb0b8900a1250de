"""A run session: the one way a window or a terminal drives training, in plain data.

A client sends commands (`Start`, `Pause`, `Extend`, `Export`, ...) and receives messages: the
run's events (`engine.stream`), a `Reply` or a `Refused` for each command that asks something, a
`RunState` when a run's work ends. Every command and message is picklable and holds no live object:
no trainer, no model, no tensor. So the session can run in the client's process (`ThreadBackend`,
`engine.backends`) or in a process of its own (`ProcessBackend`), where a crash inside PyTorch ends
that process and not the window.

`RunSession` is what a back end runs. It keeps the current run (its Trainer and the weights after
each epoch) and does one command's work at a time on one thread; `Pause`, `Resume` and `Stop` act at
once from any thread, so they reach a run that is training.
"""

from __future__ import annotations

import queue
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..i18n import _
from ..spec import ExperimentSpec, SpecError
from .distributed import Ranks
from .events import TestResult
from .history import History
from .stream import Event, RunEnded, RunFailed, RunStarted

if TYPE_CHECKING:
    from .callbacks import Callback
    from .launched import LaunchedRun
    from .snapshots import EpochSnapshots, Weights
    from .trainer import Trainer

HISTOGRAM_EVERY = 50  # steps between weight snapshots sent to a window
# Progress events a second: a window's status line and bar read smoothly at this rate, and each
# event costs the window a redraw of them (CPU that training, on a small machine, misses).
PROGRESS_RATE = 5.0
BOUNDARY_EVERY = 0.3  # least seconds between decision-boundary pictures


# --- commands -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunOptions:
    """How a run reports and where it may save, besides its experiment: a window wants pictures
    and every epoch's weights (to test or export any of them); a terminal wants neither."""

    histogram_every: int = HISTOGRAM_EVERY  # steps between weight histograms; 0: none
    progress_rate: float = PROGRESS_RATE  # progress events a second
    boundary_every: float | None = BOUNDARY_EVERY  # least seconds between decision-boundary pictures; None: none
    keep_epochs: bool = True  # keep each epoch's weights, for Evaluate, Export and Predict of an epoch
    health: bool = True  # measure every layer's health after each epoch (engine.health)
    device: str | None = None  # instead of the experiment's device
    memory_limit: int | None = None  # bytes the run may take; None: what the machine has free
    save_to: str | None = None  # a model file to save the run in every `save_every` epochs
    save_every: int | None = None
    ranks: Ranks | None = None  # this process's place among several training together (rank 0 saves)
    # An experiment of several processes starts them (`engine.launched`): a window's way. A terminal
    # starts them through its own command, and trains here as one of them.
    launch: bool = True

    @classmethod
    def relayed(cls, **options: Any) -> RunOptions:
        """Rank 0's of a run a window launched on several processes: the window's pictures, no
        epochs kept (the window takes up the saved run once the processes end)."""
        return cls(keep_epochs=False, launch=False, **options)

    @classmethod
    def terminal(cls, **options: Any) -> RunOptions:
        """A terminal's: no pictures, no epochs kept, a progress bar's rate of events."""
        return cls(
            histogram_every=0,
            progress_rate=20.0,
            boundary_every=None,
            keep_epochs=False,
            health=False,
            launch=False,
            **options,
        )


@dataclass(frozen=True)
class Start:
    """Train `experiment` from its start (data files relative to `base_dir`)."""

    experiment: ExperimentSpec
    base_dir: str | None = None
    options: RunOptions = RunOptions()


@dataclass(frozen=True)
class OpenSaved:
    """Take up the run saved in a model file; the reply is `Opened`, then a `RunState`."""

    path: str
    options: RunOptions = RunOptions()


@dataclass(frozen=True)
class Extend:
    """Train the current run `epochs` more, from where it stopped."""

    epochs: int


@dataclass(frozen=True)
class Pause:
    """Hold the run between two batches."""


@dataclass(frozen=True)
class Resume:
    """Go on after a pause."""


@dataclass(frozen=True)
class Stop:
    """End the run (or the learning-rate search) after the current batch."""


@dataclass(frozen=True)
class Evaluate:
    """The test result (a TestResult, or None without a test split) of the weights of `epoch`
    (from 0), or of those the run ended with."""

    epoch: int | None = None


@dataclass(frozen=True)
class ShowEpoch:
    """Every view of the weights kept after `epoch` (from 0), for the epoch timeline: an
    `EpochView` (its test result, decision boundary or latent views, weight histograms)."""

    epoch: int


@dataclass(frozen=True)
class ShowInside:
    """What every layer makes of one example (its position in the test split) at the weights of
    `epoch` (None: those the run ended with), an `Activations`; with `mistake`, of the next
    example after it that the network gets wrong."""

    example: int
    epoch: int | None = None
    mistake: bool = False


@dataclass(frozen=True)
class Export:
    """Write the current run's model to `path` (`.pt`, `.torchscript`, `.onnx`), the weights of
    `epoch` or else its best epoch's; replies `Exported`."""

    path: str
    epoch: int | None = None


@dataclass(frozen=True)
class Predict:
    """The network's answer (a Prediction) for the picture file at `picture`."""

    picture: str
    epoch: int | None = None


@dataclass(frozen=True)
class FindLr:
    """The learning-rate range test (an LrFinding) on `experiment`; `Stop` cuts it short."""

    experiment: ExperimentSpec
    base_dir: str | None = None
    memory_limit: int | None = None


Command = (
    Start | OpenSaved | Extend | Pause | Resume | Stop | Evaluate | ShowEpoch | ShowInside | Export | Predict | FindLr
)
CONTROLS = (Pause, Resume, Stop)  # act at once, even while another command's work runs
LOOKS = (ShowEpoch, ShowInside)  # answered beside a run that trains, from the epochs it has kept
RUNS = (Start, OpenSaved, Extend)  # train or take up a run: a RunState follows their events


# --- messages -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ready:
    """The back end has PyTorch loaded (and warm): the devices it can train on, best first."""

    devices: tuple[str, ...]


@dataclass(frozen=True)
class RunState:
    """What the session holds once a run's work ended (after all of that run's events)."""

    ticket: int
    experiment: ExperimentSpec | None
    has_model: bool  # a trained model to export, test, try pictures on
    can_continue: bool  # Extend would train it further
    snapshot_epochs: tuple[int, ...]  # epochs (from 0) whose weights can be tested or exported


@dataclass(frozen=True)
class Opened:
    """A saved run taken up: its settings, its record and the pictures its weights give."""

    ticket: int
    experiment: ExperimentSpec
    history: History
    started: RunStarted
    ended: RunEnded
    pictures: tuple[Event, ...]


@dataclass(frozen=True)
class Reply:
    """The answer to the command sent with `ticket`."""

    ticket: int
    result: Any


@dataclass(frozen=True)
class Exported:
    """A model file written: where, and the test result of the weights it holds when they are not
    those the run ended with (the run's own test is of those)."""

    path: str
    test: TestResult | None = None


@dataclass(frozen=True)
class Refused:
    """The command sent with `ticket` could not be done: `message` says why, in a sentence.
    `bad_input`: the experiment, its data or a file is at fault, not the program (no `trace`)."""

    ticket: int
    message: str
    trace: str | None = None
    bad_input: bool = False


@dataclass(frozen=True)
class SaveFailed:
    """A save of the run every N epochs could not be written; training goes on, the next save tries again."""

    message: str


@dataclass(frozen=True)
class WorkerLost:
    """The training process ended without being asked (killed, or crashed inside PyTorch)."""

    message: str


Message = Event | Ready | RunState | Opened | Reply | Refused | SaveFailed | WorkerLost


def _bad_input() -> tuple[type[Exception], ...]:
    """The errors that mean the experiment, its data or a file is at fault (said in a sentence,
    without a trace). Imported when one is raised: the window imports this module without torch."""
    from .data import DataError
    from .model_file import ModelFileError

    return SpecError, DataError, ModelFileError


def warm_up() -> Ready:
    """Import what training needs, including what PyTorch imports on first use (the first Adam
    loads torch._dynamo, over a second) and scikit-learn (the bundled datasets' source, another
    second or two), so that Train starts at once."""
    import sklearn.datasets  # noqa: F401 - the import is the point
    import torch

    from .device import available_devices
    from .trainer import Trainer  # noqa: F401 - the import is the point

    torch.optim.Adam([torch.nn.Parameter(torch.zeros(1))])
    return Ready(tuple(available_devices()))


class RunSession:
    """Does each command's work and sends every event and reply to `sink` (see the module's doc).

    `job` must be called from one thread (the session's worker), `control` from any."""

    def __init__(self, sink: Callable[[Message], None]) -> None:
        self.sink = sink
        self.trainer: Trainer | None = None
        self.snapshots: EpochSnapshots | None = None
        self._lock = threading.Lock()
        self._runs_due = 0  # run commands accepted and not yet ended (their trainer may not be ready)
        self._live: Trainer | None = None  # the trainer of that run, once it is ready to train
        self._stop_next = False  # a Stop that came before the run's trainer was ready
        self._pause_next = False  # likewise a Pause (the window's Train is usable before PyTorch is warm)
        self._cancel = threading.Event()  # cuts the learning-rate search short
        self._launched: LaunchedRun | None = None  # a run on several processes, while it trains
        self._looks: queue.Queue[tuple[int, Command]] | None = None  # looks at kept epochs while a run trains

    # --- controls (any thread) --------------------------------------------------------------------

    def control(self, command: Pause | Resume | Stop) -> None:
        """Pause, resume or stop what is under way; nothing when nothing is."""
        with self._lock:
            trainer, launched = self._live, self._launched
            if isinstance(command, Stop):
                self._cancel.set()
                if trainer is None and self._runs_due:
                    self._stop_next = True
            elif trainer is None and self._runs_due:
                self._pause_next = isinstance(command, Pause)
        if launched is not None and isinstance(command, Stop):
            launched.stop()  # its processes cannot pause: each would wait for the others
        if trainer is None:
            return
        if isinstance(command, Stop):
            trainer.request_stop()
        elif isinstance(command, Pause):
            trainer.pause()
        else:
            trainer.resume()

    def accept(self, command: Command) -> None:
        """Note a command queued for `job` (the back end calls this as it queues, in the sending
        thread): a Stop that comes before its run has started then still stops it."""
        if isinstance(command, RUNS):
            with self._lock:
                self._runs_due += 1

    # --- work (the session's thread) --------------------------------------------------------------

    def look(self, ticket: int, command: ShowEpoch | ShowInside) -> bool:
        """Answer a look at a kept epoch beside the run that trains now (on a thread of its own,
        from the weights it kept: the run's own model is never touched); False when no run
        trains here, and the look waits its turn as a job."""
        with self._lock:
            live = self._live is not None and self.snapshots is not None
            if live and self._looks is None:
                self._looks = queue.Queue()
                threading.Thread(
                    target=self._look_worker, args=(self._looks,), daemon=True, name="workbench-look"
                ).start()
            if live and self._looks is not None:
                self._looks.put((ticket, command))
        return live

    def _look_worker(self, looks: queue.Queue[tuple[int, Command]]) -> None:
        while True:
            ticket, command = looks.get()
            if isinstance(command, ShowInside) and command.epoch is None:  # the run's newest kept epoch
                kept = self.snapshots.epochs if self.snapshots is not None else []
                if not kept:
                    self.sink(Refused(ticket, _("the first epoch has not ended yet")))
                    continue
                command = ShowInside(command.example, kept[-1], command.mistake)
            self._reply(ticket, command)

    def job(self, ticket: int, command: Command) -> None:
        """Do `command`'s work; its outcome goes to the sink (never raises)."""
        self._cancel.clear()
        if isinstance(command, RUNS):
            self._run(ticket, command)
            return
        self._reply(ticket, command)

    def _reply(self, ticket: int, command: Command) -> None:
        """Answer `command`: a Reply, or a Refused saying why (never raises)."""
        try:
            result = self._answer(command)
        except _bad_input() as exc:
            self.sink(Refused(ticket, str(exc), bad_input=True))
        except Exception as exc:  # noqa: BLE001 - told to the client, which stays usable
            self.sink(Refused(ticket, str(exc), traceback.format_exc()))
        else:
            self.sink(Reply(ticket, result))

    def _answer(self, command: Command) -> Any:
        if isinstance(command, Evaluate):
            from .snapshots import evaluate_weights

            trainer = self._trained()
            weights = self._weights(command.epoch)
            return evaluate_weights(trainer.trained(), weights) if weights is not None else trainer.history.test
        if isinstance(command, ShowEpoch):
            from .snapshots import epoch_view

            epoch = self._kept_near(command.epoch)
            weights = self._weights(epoch)
            assert weights is not None  # an epoch is always given
            return epoch_view(self._trained().trained(), weights, epoch)
        if isinstance(command, ShowInside):
            from .activations import activations

            weights = self._weights(command.epoch)
            return activations(self._trained().trained(), weights, command.example, command.epoch, command.mistake)
        if isinstance(command, Export):
            return self._export(command)
        if isinstance(command, Predict):
            from .predict import predict_picture

            return predict_picture(self._trained().trained(), Path(command.picture), self._weights(command.epoch))
        if isinstance(command, FindLr):
            return self._find_lr(command)
        raise TypeError(f"not a command: {command!r}")

    def _export(self, command: Export) -> Exported:
        from .checkpoint import save_trained, saved_weights_test
        from .exporters import export_trained, portable

        trainer = self._trained()
        weights = self._weights(command.epoch)
        if portable(command.path):
            return Exported(str(export_trained(command.path, trainer, weights)))
        test = saved_weights_test(trainer, weights if weights is not None else trainer.best_weights())
        return Exported(str(save_trained(command.path, trainer, weights, test=test)), test)

    def _find_lr(self, command: FindLr) -> Any:
        from .device import failure_reason
        from .lr_finder import find_lr

        base_dir = Path(command.base_dir) if command.base_dir else None
        try:
            problems = command.experiment.check(base_dir)
            if problems:
                raise SpecError(problems)
            return find_lr(
                command.experiment, base_dir=base_dir, memory_limit=command.memory_limit, cancelled=self._cancel.is_set
            )
        except _bad_input():
            raise
        except Exception as exc:  # a failure inside the network (memory, a layer): said in a sentence
            raise RuntimeError(_("the range test failed: {reason}").format(reason=failure_reason(exc))) from exc

    def _trained(self) -> Trainer:
        if self.trainer is None or self.trainer.model is None:
            raise RuntimeError(_("train the network first"))
        return self.trainer

    def _kept_near(self, epoch: int) -> int:
        """`epoch`, or the kept epoch nearest to it (the earlier of two) when the memory budget
        dropped it; beyond the kept epochs it stays, and is refused."""
        kept = self.snapshots.epochs if self.snapshots is not None else []
        if epoch in kept or not kept or not kept[0] <= epoch <= kept[-1]:
            return epoch
        return min(kept, key=lambda k: (abs(k - epoch), k))

    def _weights(self, epoch: int | None) -> Weights | None:
        """The weights kept after `epoch`, or None for those the run ended with."""
        if epoch is None:
            return None
        if self.snapshots is None or epoch not in self.snapshots.weights:
            raise RuntimeError(_("the weights of epoch {epoch} are not kept").format(epoch=epoch + 1))
        return self.snapshots.weights[epoch]

    def _run(self, ticket: int, command: Start | OpenSaved | Extend) -> None:
        """Train or take up a run; failures become RunFailed events; a RunState ends it."""
        from .device import describe_failure

        try:
            if isinstance(command, Start):
                self._start(command)
            elif isinstance(command, OpenSaved):
                self._open(ticket, command)
            else:
                self._extend(command)
        except _bad_input() as exc:
            self.sink(RunFailed(str(exc)))
        except Exception as exc:  # noqa: BLE001 - shown in the window, which stays usable
            message = str(exc) if isinstance(command, OpenSaved) else describe_failure(exc)
            self.sink(RunFailed(message, traceback.format_exc()))
        finally:
            with self._lock:
                self._runs_due = max(self._runs_due - 1, 0)
                self._stop_next = self._pause_next = False
                self._live = None
            self.sink(self.state(ticket))

    def _adopt(self, trainer: Trainer) -> None:
        """Make `trainer` the current run, ready to train: controls reach it from now on, and a Stop
        that came first stops it at once (a Pause holds it before its first batch)."""
        with self._lock:
            self.trainer = self._live = trainer
            stop, pause = self._stop_next, self._pause_next
        if stop:
            trainer.request_stop()
        elif pause:
            trainer.pause()

    def _callbacks(self, options: RunOptions) -> tuple[list[Callback], EpochSnapshots | None]:
        """What a run reports through: its events, each epoch's weights when kept, its saves."""
        from .checkpoint import SaveEvery
        from .snapshots import EpochSnapshots
        from .stream import EventStream

        snapshots = EpochSnapshots() if options.keep_epochs else None
        # An epoch's weights are kept before its end is told: the window may look at them at once.
        callbacks: list[Callback] = [snapshots] if snapshots is not None else []
        callbacks.append(EventStream(self.sink, options.boundary_every))
        if options.health:
            from .health import HealthProbe

            callbacks.append(HealthProbe(self.sink))
        writes = options.ranks is None or options.ranks.leader
        if options.save_to is not None and options.save_every and writes:
            callbacks.append(SaveEvery(options.save_to, options.save_every, lambda m: self.sink(SaveFailed(m))))
        return callbacks, snapshots

    def _start(self, command: Start) -> None:
        from .trainer import Trainer

        options = command.options
        if options.launch and command.experiment.training.processes > 1 and options.ranks is None:
            self._start_processes(command)
            return
        callbacks, self.snapshots = self._callbacks(options)
        trainer = Trainer(
            command.experiment,
            callbacks,
            base_dir=Path(command.base_dir) if command.base_dir else None,
            device=options.device,
            histogram_every=options.histogram_every,
            progress_rate=options.progress_rate,
            memory_limit=options.memory_limit,
            ranks=options.ranks,
        )
        self.trainer = trainer  # the session's run from now on, trained or not
        trainer.prepare()  # bad input is said before controls reach the run
        self._adopt(trainer)
        trainer.fit()

    def _start_processes(self, command: Start) -> None:
        """Train on several processes (`engine.launched`), then take up the model file rank 0 saved."""
        import shutil

        from . import outcome
        from .checkpoint import resume_run
        from .events import StopReason
        from .launched import LaunchedRun

        launched = LaunchedRun(command, self.sink)
        with self._lock:
            self._launched, stop = launched, self._stop_next
        if stop:
            launched.stop()
        try:
            saved = launched.run()
        finally:
            with self._lock:
                self._launched = None
        self.trainer, self.snapshots = None, None
        if saved is None and launched.stopped and not launched.ended:
            # Stopped while the processes were starting: no epoch ended, as a run on one process says.
            planned = command.experiment.training.epochs
            said = outcome.stopped_by_you(0, planned, outcome.best_so_far("", None, None))
            self.sink(RunEnded(StopReason.USER_STOPPED, said, None, None, 0, None, None))
        if saved is None:
            return  # the run failed (a RunFailed said why), or was stopped before an epoch ended
        callbacks, snapshots = self._callbacks(command.options)
        try:
            trainer = resume_run(saved, callbacks, base_dir=Path(command.base_dir) if command.base_dir else None)
        finally:
            shutil.rmtree(saved.parent, ignore_errors=True)  # the run's folder (LaunchedRun.run)
        self.trainer, self.snapshots = trainer, _with_best(snapshots, trainer)

    def _open(self, ticket: int, command: OpenSaved) -> None:
        from .checkpoint import resume_run
        from .model_file import ModelFileError
        from .stream import run_ended, run_started

        path = Path(command.path)
        options = command.options
        callbacks, snapshots = self._callbacks(options)
        trainer = resume_run(
            path,
            callbacks,
            base_dir=path.parent,
            device=options.device,
            histogram_every=options.histogram_every,
            progress_rate=options.progress_rate,
            memory_limit=options.memory_limit,
            ranks=options.ranks,
        )
        if snapshots is not None and trainer.model is not None:
            try:
                snapshots.fit(trainer.model)
            except ValueError as exc:
                raise ModelFileError(
                    _("{path} has a damaged training state: {error}").format(path=path, error=exc)
                ) from exc
        snapshots = _with_best(snapshots, trainer)
        if trainer.weights_epoch is None and trainer.history.epoch:
            trainer.weights_epoch = saved_weights_epoch(trainer)  # the timeline stands on the epoch the file holds
        pictures = tuple(saved_pictures(trainer))
        history = replace(trainer.history, split=None)  # the record, without the split's index tensors
        self.snapshots = snapshots
        self._adopt(trainer)
        self.sink(Opened(ticket, trainer.experiment, history, run_started(trainer), run_ended(trainer), pictures))

    def _extend(self, command: Extend) -> None:
        trainer = self._trained()
        if not trainer.can_continue:
            raise RuntimeError(_("the last run diverged or failed, so there is nothing to continue"))
        trainer.extend(command.epochs)
        self._adopt(trainer)
        trainer.continue_training()

    def state(self, ticket: int) -> RunState:
        """What the session holds now."""
        t = self.trainer
        has_model = t is not None and t.model is not None and bool(t.history.epoch)
        return RunState(
            ticket,
            t.experiment if t is not None else None,
            has_model,
            has_model and t is not None and t.can_continue,
            tuple(self.snapshots.epochs) if self.snapshots is not None else (),
        )


def _with_best(snapshots: EpochSnapshots | None, trainer: Trainer) -> EpochSnapshots | None:
    """The epochs' weights kept for a run taken up from its file: its best epoch's (the file keeps them)."""
    if snapshots is not None and trainer.history.best_epoch is not None:
        snapshots.weights[trainer.history.best_epoch] = trainer.best_weights()
    return snapshots


def saved_pictures(trainer: Trainer) -> list[Event]:
    """The weight histograms of a saved run's model, and what its run draws (a decision boundary, latent views): a
    model file keeps neither, but the weights it holds show both."""
    from .histograms import HistogramRecorder
    from .stream import run_pictures

    assert trainer.model is not None and trainer.data is not None
    done = len(trainer.history.epoch)
    recorder = HistogramRecorder(trainer.model)
    pictures: list[Event] = [recorder.snapshot(trainer.steps, max(done - 1, 0), gradients=False)]
    drawn = run_pictures(trainer.experiment, trainer.data)
    if drawn is not None:
        shown = saved_weights_epoch(trainer)
        pictures.append(drawn.snapshot(trainer.model, shown + 1, restored=shown != done - 1))
    return pictures


def saved_weights_epoch(trainer: Trainer) -> int:
    """The epoch (from 0) whose weights a run taken up from its model file holds: the one its
    training state names, else (an older file) its best epoch's, else its last."""
    if trainer.weights_epoch is not None:
        return trainer.weights_epoch
    best = trainer.history.best_epoch
    return len(trainer.history.epoch) - 1 if best is None else best
