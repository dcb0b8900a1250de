"""`workbench train`: a run in the terminal, with a progress bar, metrics lines and Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any, TextIO

from ..atomic import cannot_write
from ..engine import Callback, DataError, Progress, StopReason, Trainer
from ..engine.checkpoint import SaveEvery, resume_run, save_trained, saved_weights_test
from ..engine.history import History
from ..engine.model_file import ModelFileError
from ..spec import ExperimentSpec, SpecError
from .common import EXIT_FAILED, EXIT_OK, fail
from .models import print_test_result

FAILED_REASONS = (StopReason.DIVERGED, StopReason.FAILED)
TRACEBACK_ENV = "WORKBENCH_TRACEBACK"  # set: a failed run prints where it failed, for a bug report
BAR_WIDTH = 24


class ConsoleProgress(Callback):
    """A progress bar per epoch (on a terminal), one metrics line per epoch, an optional JSONL log."""

    def __init__(self, out: TextIO, bar: TextIO | None, metrics: TextIO | None, err: TextIO | None = None) -> None:
        self.out, self.bar, self.metrics = out, bar, metrics
        self.err = err or sys.stderr
        self.epoch_started = time.perf_counter()

    def on_epoch_begin(self, epoch: int, logs: dict[str, float] | None = None) -> None:
        self.epoch_started = time.perf_counter()

    def on_progress(self, progress: Progress) -> None:
        if self.bar is None:
            return
        filled = BAR_WIDTH * progress.batch // max(progress.batches, 1)
        loss = progress.losses[-1] if len(progress.losses) else float("nan")
        self.bar.write(
            f"\rEpoch {progress.epoch + 1}/{progress.epochs} [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] "
            f"{progress.batch}/{progress.batches}  loss {loss:.4f}  {progress.samples_per_second:,.0f} samples/s "
        )
        self.bar.flush()

    def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
        logs = logs or {}
        if self.bar is not None:
            self.bar.write("\r\033[K")
        assert self.trainer is not None
        total = self.trainer.history.epochs_planned
        metrics = "  ".join(f"{k} {v:.4g}" for k, v in logs.items())
        extra = ""
        if self.trainer.patience_left is not None:
            extra = f"  patience left {self.trainer.patience_left}"
        print(
            f"Epoch {epoch + 1}/{total}  {metrics}  ({time.perf_counter() - self.epoch_started:.2f}s){extra}",
            file=self.out,
            flush=True,
        )
        if self.metrics is not None:
            line = {"epoch": epoch + 1, **logs, "elapsed": round(self.trainer.elapsed, 4)}
            self._log(line)

    def on_train_end(self, logs: dict[str, float] | None = None) -> None:
        if self.metrics is not None and self.trainer is not None:
            self._log({"event": "end", **_summary(self.trainer.history)})

    def _log(self, line: dict[str, Any]) -> None:
        """One line of --metrics-out; a file that cannot take it (a full disk) is given up with a
        warning, and the run goes on: the model matters more than its log."""
        assert self.metrics is not None
        try:
            self.metrics.write(json.dumps(line) + "\n")
            self.metrics.flush()
        except OSError as exc:
            print(f"workbench: warning: --metrics-out stopped: {exc.strerror or exc}", file=self.err, flush=True)
            self.metrics = None


def _earlier_epochs(history: History, metrics: TextIO) -> None:
    """The lines of the epochs a continued run had already trained, so a new metrics file holds the
    whole run."""
    for i, epoch in enumerate(history.epoch):
        logs = {key: values[i] for key, values in history.history.items() if i < len(values)}
        metrics.write(json.dumps({"epoch": epoch + 1, **logs}) + "\n")


def _summary(history: History) -> dict[str, Any]:
    full = history.as_dict()
    summary = {k: full[k] for k in ("stop_reason", "message", "best_epoch", "best_value", "monitor", "test")}
    summary["train_samples"] = len(history.split.train) if history.split is not None else None
    return summary


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
    return ExperimentSpec.from_dict(document, source="command-line options")


class _CtrlC:
    """First Ctrl-C asks the run to stop after the current batch; a second one quits at once."""

    def __init__(self, trainer: Trainer, err: TextIO) -> None:
        self.trainer, self.err = trainer, err

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        if self.trainer.stop_requested:
            raise KeyboardInterrupt
        print("\nStopping after this batch (Ctrl-C again to quit at once)...", file=self.err, flush=True)
        self.trainer.request_stop(StopReason.USER_STOPPED)


def _new_run(
    path: Path, epochs: int | None, device: str | None, callbacks: list[Callback], memory_limit: int | None
) -> tuple[Trainer, str]:
    experiment = _experiment(path, epochs, device)
    trainer = Trainer(experiment, callbacks, base_dir=path.resolve().parent, memory_limit=memory_limit)
    trainer.prepare()
    return trainer, f"Training {experiment.name or path.stem}"


def _saved_run(
    path: Path, epochs: int | None, device: str | None, callbacks: list[Callback], memory_limit: int | None
) -> tuple[Trainer, str]:
    trainer = resume_run(path, callbacks, base_dir=path.resolve().parent, device=device, memory_limit=memory_limit)
    history = trainer.history
    if not trainer.can_continue:
        raise ModelFileError(f"the run saved in {path} {history.stop_reason}, so it cannot continue: train it anew")
    left = history.epochs_planned - len(history.epoch)  # a run saved while training: the epochs it had left
    more = epochs or (left if left > 0 else trainer.experiment.training.epochs)
    trainer.extend(more)
    return (
        trainer,
        f"Continuing {trainer.experiment.name or path.stem} after epoch {len(history.epoch)} for {more} more epochs",
    )


def train_command(
    path: Path,
    *,
    epochs: int | None = None,
    device: str | None = None,
    out: Path | None = None,
    metrics_out: Path | None = None,
    save_every: int | None = None,
    memory_limit: int | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Train the experiment in `path`, or continue the run saved in a `.pt` model file; exit 0
    when it trained, 1 when it failed, 2 for bad input."""
    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    continuing = path.suffix.lower() == ".pt"
    if continuing and out is None:
        out = path  # a continued run goes back into the file it came from, unless --out says otherwise
    unwritable = cannot_write(out) if out is not None else None
    if unwritable is not None:  # said now, not after the whole run has trained
        return fail(f"--out: {unwritable}", err=stderr)
    if save_every is not None and out is None:
        return fail("--save-every needs --out: the file to save the run in", err=stderr)
    metrics = None
    try:
        # A continued run adds its epochs to the lines of the epochs before (see _earlier_epochs).
        appending = continuing and metrics_out is not None and metrics_out.is_file()
        metrics = metrics_out.open("a" if appending else "w", encoding="utf-8") if metrics_out else None
    except OSError as exc:
        return fail(f"--metrics-out: cannot write {metrics_out}: {exc.strerror}", err=stderr)
    callbacks: list[Callback] = [ConsoleProgress(stdout, stderr if stderr.isatty() else None, metrics, stderr)]
    if save_every is not None and out is not None:
        callbacks.append(
            SaveEvery(out, save_every, lambda message: print(f"workbench: warning: {message}", file=stderr))
        )
    start = _saved_run if continuing else _new_run
    try:
        trainer, what = start(path, epochs, device, callbacks, memory_limit)
    except (SpecError, DataError, ModelFileError) as exc:
        if metrics is not None:
            metrics.close()
        return fail(f"{path}: {exc}" if str(path) not in str(exc) else str(exc), err=stderr)
    if continuing and metrics is not None and not appending:
        _earlier_epochs(trainer.history, metrics)
    assert trainer.data is not None
    print(
        f"{what} on {trainer.history.device}: "
        f"{trainer.data.size('train'):,} training / {trainer.data.size('val'):,} validation / "
        f"{trainer.data.size('test'):,} test samples",
        file=stdout,
        flush=True,
    )
    previous = signal.signal(signal.SIGINT, _CtrlC(trainer, stderr))
    try:
        history = trainer.continue_training() if start is _saved_run else trainer.fit()
    finally:
        signal.signal(signal.SIGINT, previous)
        if metrics is not None:
            try:
                metrics.close()
            except OSError:
                pass  # already warned about when a line could not be written
    print(history.message, file=stdout)
    if history.error and os.environ.get(TRACEBACK_ENV):
        print(history.error, file=stderr)
    elif history.error:
        print(f"workbench: to see where the run failed, run it again with {TRACEBACK_ENV}=1", file=stderr)
    if history.test is not None:
        print_test_result(history.test, "test", stdout)
    if out is not None and history.best_epoch is not None:
        if not _save_best(trainer, out, stdout, stderr):
            return EXIT_FAILED
        if history.stop_reason is StopReason.USER_STOPPED:
            print(f"To train on from here: workbench train {out}", file=stdout)
    elif out is None and history.best_epoch is not None:
        print("Nothing was saved: add --out FILE.pt to keep the trained network.", file=stdout)
    return EXIT_FAILED if history.stop_reason in FAILED_REASONS else EXIT_OK


@contextmanager
def _no_interrupt() -> Iterator[None]:
    """Ctrl-C waits until the block is done (only the main thread can set signal handlers)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _save_best(trainer: Trainer, out: Path, stdout: TextIO, stderr: TextIO) -> bool:
    history = trainer.history
    assert trainer.model is not None and trainer.data is not None and history.best_epoch is not None
    test = saved_weights_test(trainer, trainer.best_weights())
    if test is not None:  # the run ended on other weights (its last epoch's): test those saved as well
        print_test_result(test, f"test of the saved weights, from epoch {history.best_epoch + 1}", stdout)
    try:
        with _no_interrupt():  # the run is complete: a Ctrl-C now must not cost the file
            save_trained(out, trainer, test=test)
    except ModelFileError as exc:
        fail(str(exc), EXIT_FAILED, stderr)
        return False
    print(
        f"Saved the best model (epoch {history.best_epoch + 1}, {history.monitor} {history.best_value:.4g}) to {out}",
        file=stdout,
    )
    return True
