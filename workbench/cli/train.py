"""`workbench train`: a run in the terminal, with a progress bar, metrics lines and Ctrl-C."""

from __future__ import annotations

import io
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any, TextIO

from ..atomic import cannot_write
from ..engine.backends import Inbox
from ..engine.distributed import Ranks, die_with_launcher, leave_group
from ..engine.events import Progress, StopReason
from ..engine.history import History, test_to_dict
from ..engine.launcher import report_status
from ..engine.session import (
    Export,
    Extend,
    Message,
    Opened,
    OpenSaved,
    Refused,
    Reply,
    RunOptions,
    RunState,
    SaveFailed,
    Start,
    Stop,
)
from ..engine.stream import EpochEnded, Event, RunEnded, RunFailed, RunStarted
from ..i18n import _
from ..spec import ExperimentSpec, SpecError
from ..spec.memory import format_bytes
from .common import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, fail
from .models import print_test_result

FAILED_REASONS = (StopReason.DIVERGED, StopReason.FAILED)
# The signals that stop a run as Ctrl-C does (SIGTERM: `timeout`, `docker stop`, systemd, a launcher).
STOPPING = (signal.SIGINT, signal.SIGTERM)
TRACEBACK_ENV = "WORKBENCH_TRACEBACK"  # set: a failed run prints where it failed, for a bug report
BAR_WIDTH = 24
EVENTS = (RunStarted, Progress, EpochEnded, RunEnded)  # what the terminal shows


class ConsoleProgress:
    """A run's events in a terminal: a progress bar per epoch (on a terminal), one metrics line per
    epoch, an optional JSONL log of the epochs and the outcome."""

    def __init__(self, out: TextIO, bar: TextIO | None, metrics: TextIO | None, err: TextIO | None = None) -> None:
        self.out, self.bar, self.metrics = out, bar, metrics
        self.err = err or sys.stderr
        self.epoch_started = time.perf_counter()
        self.started: RunStarted | None = None

    def show(self, event: Event) -> None:
        """Print (and log) one event of the run."""
        if isinstance(event, RunStarted):
            self.started, self.epoch_started = event, time.perf_counter()
        elif isinstance(event, Progress):
            self._bar(event)
        elif isinstance(event, EpochEnded):
            self._epoch(event)
        elif isinstance(event, RunEnded) and self.metrics is not None:
            self._log({"event": "end", **self._summary(event)})

    def _bar(self, progress: Progress) -> None:
        if self.bar is None:
            return
        filled = BAR_WIDTH * progress.batch // max(progress.batches, 1)
        loss = progress.losses[-1] if len(progress.losses) else float("nan")
        line = _("Epoch {epoch}/{epochs} [{bar}] {batch}/{batches}  loss {loss}  {speed} samples/s").format(
            epoch=progress.epoch + 1,
            epochs=progress.epochs,
            bar="#" * filled + "." * (BAR_WIDTH - filled),
            batch=progress.batch,
            batches=progress.batches,
            loss=f"{loss:.4f}",
            speed=f"{progress.samples_per_second:,.0f}",
        )
        self.bar.write(f"\r{line} ")
        self.bar.flush()

    def _epoch(self, ended: EpochEnded) -> None:
        assert self.started is not None  # a run starts before its epochs end
        if self.bar is not None:
            self.bar.write("\r\033[K")
        now = time.perf_counter()
        said = {
            "epoch": ended.epoch + 1,
            "epochs": self.started.epochs,
            "metrics": "  ".join(f"{k} {v:.4g}" for k, v in ended.logs.items()),  # the logs' keys, as logged
            "seconds": f"{now - self.epoch_started:.2f}",
        }
        if ended.patience_left is None:
            line = _("Epoch {epoch}/{epochs}  {metrics}  ({seconds}s)").format(**said)
        else:
            line = _("Epoch {epoch}/{epochs}  {metrics}  ({seconds}s)  patience left {patience}").format(
                patience=ended.patience_left, **said
            )
        print(line, file=self.out, flush=True)
        self.epoch_started = now
        if self.metrics is not None:
            self._log({"epoch": ended.epoch + 1, **ended.logs, "elapsed": round(ended.elapsed, 4)})

    def _summary(self, ended: RunEnded) -> dict[str, Any]:
        return {
            "stop_reason": str(ended.reason),
            "message": ended.message,
            "best_epoch": None if ended.best_epoch is None else ended.best_epoch + 1,
            "best_value": ended.best_value,
            "monitor": self.started.monitor if self.started is not None else None,
            "test": test_to_dict(ended.test),
            "train_samples": self.started.train_samples if self.started is not None else None,
        }

    def _log(self, line: dict[str, Any]) -> None:
        """One line of --metrics-out; a file that cannot take it (a full disk) is given up with a
        warning, and the run goes on: the model matters more than its log."""
        assert self.metrics is not None
        try:
            self.metrics.write(json.dumps(line) + "\n")
            self.metrics.flush()
        except OSError as exc:
            warning = _("warning: {option} stopped: {reason}").format(
                option="--metrics-out", reason=exc.strerror or exc
            )
            print(f"workbench: {warning}", file=self.err, flush=True)
            self.metrics = None


def _earlier_epochs(history: History, metrics: TextIO) -> None:
    """The lines of the epochs a continued run had already trained, so a new metrics file holds the
    whole run."""
    for i, epoch in enumerate(history.epoch):
        logs = {key: values[i] for key, values in history.history.items() if i < len(values)}
        metrics.write(json.dumps({"epoch": epoch + 1, **logs}) + "\n")


def _experiment(path: Path, epochs: int | None, device: str | None) -> ExperimentSpec:
    experiment = ExperimentSpec.load(path)
    training: dict[str, Any] = {}
    if epochs is not None:
        training["epochs"] = epochs
    if device is not None:
        training["device"] = device
    if not training:
        return experiment
    document = experiment.model_dump(mode="json")
    document["training"].update(training)
    return ExperimentSpec.from_dict(document, source=_("command-line options"))


class _CtrlC:
    """First Ctrl-C asks the run to stop after the current batch; a second one quits at once.

    The handler only notes the request: the waiting loop sends the Stop, so that a handler never
    runs inside a send it would interrupt."""

    def __init__(self, err: TextIO) -> None:
        self.err = err
        self.pressed = False
        self.ended = False  # the run has ended: what is left (the test, the save) is not stopped by one

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        if self.pressed:
            raise KeyboardInterrupt
        if signum == signal.SIGINT and not self.ended:  # SIGTERM: the launcher ends the run (another failed)
            print("\n" + _("Stopping after this batch (Ctrl-C again to quit at once)..."), file=self.err, flush=True)
        self.pressed = True


class _Run:
    """A run in the terminal, driven through a run session on a worker thread of this process."""

    def __init__(
        self,
        path: Path,
        console: ConsoleProgress,
        stderr: TextIO,
        ctrl_c_err: TextIO | None = None,
    ) -> None:
        self.path, self.console, self.err = path, console, stderr
        self.inbox = Inbox("thread")
        self.ctrl_c = _CtrlC(ctrl_c_err or stderr)
        self.stop_sent = False
        self.name = ""  # the header's: "Training NAME on ..." or "Continuing NAME after epoch ..."
        self.continued: tuple[int, int] | None = None  # a continued run's epochs done and epochs more
        self.ended: RunEnded | None = None
        self.failed: RunFailed | None = None

    def wait(self, ticket: int, on_message: Callable[[Message], None] | None = None) -> Message:
        """Show events (and pass every other message to `on_message`) until the reply or the RunState
        of `ticket` comes; a Ctrl-C noted meanwhile becomes a Stop."""
        while True:
            if self.ctrl_c.pressed and not self.stop_sent:
                self.inbox.send(Stop())
                self.stop_sent = True
            message = self.inbox.next(0.1)
            if message is None:
                continue
            if isinstance(message, RunStarted):
                self._header(message)
            if isinstance(message, RunEnded):
                self.ended = message
            elif isinstance(message, RunFailed):
                self.failed = message
            elif isinstance(message, SaveFailed):
                print(
                    "workbench: " + _("warning: {message}").format(message=message.message), file=self.err, flush=True
                )
            if isinstance(message, EVENTS):
                self.console.show(message)
            elif isinstance(message, Reply | Refused | RunState) and message.ticket == ticket:
                return message
            elif on_message is not None:
                on_message(message)

    def _header(self, started: RunStarted) -> None:
        said = {
            "name": self.name,
            "device": started.device,
            "train": f"{started.train_samples:,}",
            "validation": f"{started.val_samples:,}",
            "test": f"{started.test_samples:,}",
        }
        if self.continued is None:
            line = _(
                "Training {name} on {device}: {train} training / {validation} validation / {test} test samples"
            ).format(**said)
        else:
            line = _(
                "Continuing {name} after epoch {epoch} for {more} more epochs on {device}: "
                "{train} training / {validation} validation / {test} test samples"
            ).format(epoch=self.continued[0], more=self.continued[1], **said)
        print(line, file=self.console.out, flush=True)
        if started.started_from is not None and self.continued is None:
            print("\n".join(started.started_from.lines()), file=self.console.out, flush=True)

    def train(self, command: Start | Extend) -> RunState:
        """Send a run's command and show it until it ends; Ctrl-C stops it (see `_stopped_by`)."""
        state = self.wait(self.inbox.send(command))
        self.ctrl_c.ended = True
        assert isinstance(state, RunState)
        return state

    def open(self, options: RunOptions) -> Opened:
        """Take up the run saved in the model file; raises _Refusal when it cannot continue."""
        opened: list[Opened] = []

        def keep(message: Message) -> None:
            if isinstance(message, Opened):
                opened.append(message)

        state = self.wait(self.inbox.send(OpenSaved(str(self.path), options)), keep)
        assert isinstance(state, RunState)
        if self.failed is not None or not opened:
            raise _Refusal(self.failure())
        history = opened[0].history
        if not state.can_continue:
            if history.stop_reason is StopReason.DIVERGED:
                said = _("the run saved in {path} diverged, so it cannot continue: train it anew")
            elif history.stop_reason is StopReason.FAILED:
                said = _("the run saved in {path} failed, so it cannot continue: train it anew")
            else:
                said = _("the run saved in {path} {reason}, so it cannot continue: train it anew")
            raise _Refusal(said.format(path=self.path, reason=history.stop_reason))
        return opened[0]

    def failure(self) -> str:
        """Why the run did not start, naming the file."""
        message = self.failed.message if self.failed is not None else _("the run did not start")
        return message if str(self.path) in message else f"{self.path}: {message}"


class _Refusal(Exception):
    """What the command must refuse, in a sentence (exit 2)."""


def train_command(
    path: Path,
    *,
    epochs: int | None = None,
    device: str | None = None,
    out: Path | None = None,
    metrics_out: Path | None = None,
    save_every: int | None = None,
    memory_limit: int | None = None,
    base_dir: Path | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Train the experiment in `path`, or continue the run saved in a `.pt` model file; exit 0
    when it trained, 1 when it failed, 2 for bad input. `base_dir`: where the experiment's data
    files are found (default: its own folder)."""
    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    continuing = path.suffix.lower() == ".pt"
    if continuing and out is None:
        out = path  # a continued run goes back into the file it came from, unless --out says otherwise
    problem = _options_problem(out, save_every)
    if problem is not None:  # said now, not after the whole run has trained
        return fail(problem, err=stderr)
    experiment = None
    if not continuing:
        try:
            experiment = _experiment(path, epochs, device)
        except SpecError as exc:
            return fail(_named(path, exc), err=stderr)
    ranks = Ranks.from_environment()
    if ranks is not None:
        die_with_launcher()
    quiet = ranks is not None and ranks.world > 1 and not ranks.leader
    if quiet:  # one of several processes, not rank 0: it trains, and rank 0 alone prints and writes
        stdout, metrics_out, out = io.StringIO(), None, None
    try:
        # A continued run adds its epochs to the lines of the epochs before (see _earlier_epochs).
        appending = continuing and metrics_out is not None and metrics_out.is_file()
        metrics = metrics_out.open("a" if appending else "w", encoding="utf-8") if metrics_out else None
    except OSError as exc:
        said = _("{option}: cannot write {path}: {reason}")
        return fail(said.format(option="--metrics-out", path=metrics_out, reason=exc.strerror), err=stderr)
    console = ConsoleProgress(stdout, stderr if stderr.isatty() else None, metrics, stderr)
    options = RunOptions.terminal(
        device=device if continuing else None,  # a new run's device is in its experiment
        memory_limit=memory_limit,
        save_to=str(out) if save_every is not None else None,
        save_every=save_every,
        ranks=ranks,
    )
    run = _Run(path, console, stderr, ctrl_c_err=stdout if quiet else stderr)
    code = EXIT_INTERRUPTED  # unless the run ends (a second Ctrl-C ends it at once)
    with _stopped_by(run.ctrl_c):
        try:
            if experiment is not None:
                run.name = _(experiment.name) or path.stem  # a preset's name is in the catalog
                command: Start | Extend = Start(experiment, str((base_dir or path.resolve().parent).resolve()), options)
            else:
                command = _continuation(run, options, epochs, metrics if not appending else None)
            run.train(command)
            code = _outcome(run, out, stdout, stderr, saved_every=save_every is not None)
            if quiet and ranks is not None and run.ended is not None and run.ended.reason is StopReason.FAILED:
                # Rank 0 cannot say why this process failed: it says it itself.
                print(f"workbench ({ranks.rank}/{ranks.world}): {run.ended.message}", file=stderr, flush=True)
        except _Refusal as exc:
            code = fail(str(exc), err=stderr)
        finally:
            run.inbox.close()
            if metrics is not None:
                try:
                    metrics.close()
                except OSError:
                    pass  # already warned about when a line could not be written
            _end_process(run, code)
    return code


@contextmanager
def _stopped_by(ctrl_c: _CtrlC) -> Iterator[None]:
    """Ctrl-C stops the run after its batch, and so does SIGTERM, which `timeout`, `docker stop` and
    systemd send, and a launcher when another of several processes failed: the run still saves what
    it has learned. Until the process is done with it: one that comes as the run ends, during its
    test or its save, must not lose it."""
    previous = {sig: signal.signal(sig, ctrl_c) for sig in STOPPING}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _end_process(run: _Run, code: int) -> None:
    """The end of a process of a run on several (started by torch.distributed.run): its exit status
    left for the launcher (rank 0), the group left together (see `leave_group`), or the process
    ended at once when it failed alone."""
    report_status(code)
    if not leave_group(together=run.ended is not None and run.ended.reason is not StopReason.FAILED):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _options_problem(out: Path | None, save_every: int | None) -> str | None:
    """What is wrong with --out and --save-every, in a sentence; None when nothing is."""
    unwritable = cannot_write(out) if out is not None else None
    if unwritable is not None:
        return f"--out: {unwritable}"
    if save_every is not None and out is None:
        return _("{option} needs {needed}: the file to save the run in").format(option="--save-every", needed="--out")
    return None


def _named(path: Path, exc: SpecError) -> str:
    return f"{path}: {exc}" if str(path) not in str(exc) else str(exc)


def check_run(
    path: Path,
    epochs: int | None,
    device: str | None,
    nproc: int,
    out: Path | None,
    save_every: int | None,
    memory_limit: int | None = None,
    base_dir: Path | None = None,
) -> str | None:
    """What is wrong with a train command on `nproc` processes a machine, in a sentence, before any
    starts (each would say it); None when nothing is. Each process still checks what it loads."""
    continuing = path.suffix.lower() == ".pt"
    problem = _options_problem(out if out is not None or not continuing else path, save_every)
    if problem is not None or continuing:
        return problem
    try:
        experiment = _experiment(path, epochs, device)
    except SpecError as exc:
        return _named(path, exc)
    problem = gpus_problem(experiment.training.device, nproc)
    if problem is not None:
        return problem
    return processes_problem(experiment, nproc, memory_limit, base_dir or path.resolve().parent)


def processes_problem(
    experiment: ExperimentSpec,
    nproc: int,
    memory_limit: int | None = None,
    base_dir: Path | None = None,
    option: str = "--nproc",
) -> str | None:
    """More CPU processes than cores only wait for their turn, and each process holds a PyTorch of
    its own besides the run: the count a machine can hold, in a sentence when it is asked for more."""
    from ..engine.device import resolve_device
    from ..engine.memory import process_bytes, room
    from ..engine.queue import available_cores

    on_cpu = resolve_device(experiment.training.device).type == "cpu"
    cores = available_cores()
    if on_cpu and nproc > cores:
        return _(
            "{option} {nproc} on the CPU: this machine has {cores} cores, and processes beyond one a core "
            "only wait for their turn; ask for {option} {cores} at most"
        ).format(option=option, nproc=nproc, cores=cores)
    each = process_bytes(experiment, base_dir, on_cpu)
    if each is None:  # data not readable here: each process says why
        return None
    have, where = room(memory_limit)
    if have is None or nproc * each <= have:
        return None
    return _(
        "{option} {nproc}: each process needs about {each} (PyTorch itself and this run), {total} for all, "
        "but {room}: ask for {option} {fit} at most"
    ).format(
        option=option,
        nproc=nproc,
        each=format_bytes(each),
        total=format_bytes(nproc * each),
        room=where,
        fit=max(1, have // each),
    )


def gpus_problem(device: str, nproc: int) -> str | None:
    """On CUDA each process takes a GPU of its own: more processes than GPUs are refused."""
    import torch

    from ..engine.device import resolve_device

    try:
        place = resolve_device(device)
    except SpecError as exc:
        return str(exc)
    count = torch.cuda.device_count() if place.type == "cuda" else 0
    if place.type == "cuda" and nproc > count:
        return _(
            "{option} {nproc} on CUDA takes one GPU a process, and this machine has {count}: "
            "ask for {option} {count}, or add {cpu} for CPU processes"
        ).format(option="--nproc", nproc=nproc, count=count, cpu="--device cpu")
    if place.type == "mps":
        return _("{option} runs on CUDA GPUs or on the CPU, not on mps: add {cpu}").format(
            option="--nproc", cpu="--device cpu"
        )
    return None


def _continuation(run: _Run, options: RunOptions, epochs: int | None, metrics: TextIO | None) -> Extend:
    """Take up the saved run and plan its epochs: those asked for, else those it had left, else
    as many as its experiment plans."""
    opened = run.open(options)
    history = opened.history
    left = history.epochs_planned - len(history.epoch)  # a run saved while training: the epochs it had left
    more = epochs or (left if left > 0 else opened.experiment.training.epochs)
    if metrics is not None:
        _earlier_epochs(history, metrics)
    run.name = _(opened.experiment.name) or run.path.stem
    run.continued = (len(history.epoch), more)
    return Extend(more)


def _outcome(run: _Run, out: Path | None, stdout: TextIO, stderr: TextIO, saved_every: bool = False) -> int:
    """Say how the run ended, save it when asked; the exit status. A failed run does not replace
    the last save of --save-every: that one can continue, a failed run cannot."""
    if run.ended is None:  # it never trained: bad input, or a failure before the loop
        failed = run.failed
        if failed is None or failed.error is None:
            raise _Refusal(run.failure())
        print(failed.message, file=stdout)
        _where(failed.error, stderr)
        return EXIT_FAILED
    ended = run.ended
    print(ended.message, file=stdout)
    if ended.error:
        _where(ended.error, stderr)
    if ended.test is not None:
        print_test_result(ended.test, _("Test"), stdout)
    if out is not None and ended.reason is StopReason.FAILED and saved_every and out.is_file():
        said = _("{path} keeps the run as it was last saved; to train on from there: {command}")
        print(said.format(path=out, command=f"workbench train {out}"), file=stdout)
    elif out is not None and ended.best_epoch is not None:
        if not _save_best(run, out, stdout, stderr):
            return EXIT_FAILED
        if ended.reason is StopReason.USER_STOPPED:
            print(_("To train on from here: {command}").format(command=f"workbench train {out}"), file=stdout)
    elif out is None and ended.best_epoch is not None:
        print(
            _("Nothing was saved: add {option} to keep the trained network.").format(option="--out FILE.pt"),
            file=stdout,
        )
    elif out is not None:  # asked for a file, but no epoch ended: nothing worth keeping
        print(_("{path} was not written: no epoch of the run ended.").format(path=out), file=stdout)
    return EXIT_FAILED if ended.reason in FAILED_REASONS else EXIT_OK


def _where(trace: str, stderr: TextIO) -> None:
    """Where a run failed: printed when asked for (a bug report), else how to ask."""
    if os.environ.get(TRACEBACK_ENV):
        print(trace, file=stderr)
    else:
        said = _("to see where the run failed, run it again with {setting}").format(setting=f"{TRACEBACK_ENV}=1")
        print(f"workbench: {said}", file=stderr)


@contextmanager
def _no_interrupt() -> Iterator[None]:
    """Ctrl-C and SIGTERM wait until the block is done (only the main thread can set signal handlers)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in STOPPING}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _save_best(run: _Run, out: Path, stdout: TextIO, stderr: TextIO) -> bool:
    """Save the run with its best epoch's weights; their own test result is shown when the run
    ended on other weights."""
    ended, started = run.ended, run.console.started
    assert ended is not None and ended.best_epoch is not None and started is not None
    with _no_interrupt():  # the run is complete: a Ctrl-C now must not cost the file
        reply = run.wait(run.inbox.send(Export(str(out))))
    if isinstance(reply, Refused):
        fail(reply.message, EXIT_FAILED, stderr)
        return False
    assert isinstance(reply, Reply)
    if reply.result.test is not None:
        said = _("Test of the saved weights, from epoch {epoch}").format(epoch=ended.best_epoch + 1)
        print_test_result(reply.result.test, said, stdout)
    said = _("Saved the best model (epoch {epoch}, {monitor} {value}) to {path}").format(
        epoch=ended.best_epoch + 1, monitor=started.monitor, value=f"{ended.best_value:.4g}", path=out
    )
    print(said, file=stdout)
    return True
