"""The window's one engine thread: the torch work of the window's own process (loading PyTorch,
reading a dataset for its preview) runs there, one after the other. Training, testing, exporting
and trying pictures go to the run session instead (`gui.run`, `engine.session`).

One thread, not a pool: PyTorch's OpenMP runtime gives every thread that runs tensor code its own
team of worker threads, and on a small machine two teams slow training down severalfold (measured:
digits_cnn at 4,300 instead of 11,000 samples/s on 2 cores). The GUI thread runs no tensor code.

Results come back through a queued signal to a slot of the GUI-thread runner, which calls the
job's callbacks there. A job can be cancelled: its result is then dropped (a thread is never killed).
"""

from __future__ import annotations

import queue
import threading
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot


class Job:
    """One function call on the engine thread."""

    def __init__(
        self, fn: Callable[[], Any], on_done: Callable[[Any], None], on_failed: Callable[[BaseException, str], None]
    ) -> None:
        self.fn, self.on_done, self.on_failed = fn, on_done, on_failed
        self.cancelled = False
        self.finished = threading.Event()  # set when fn has returned or raised

    def cancel(self) -> None:
        """Drop the result when it comes."""
        self.cancelled = True


class _Relay(QObject):
    """Lives in the GUI thread; the engine thread emits its signals, Qt queues them across."""

    done = Signal(object, object)  # job, result
    failed = Signal(object, object, str)  # job, exception, traceback


class JobRunner(QObject):
    """Queues jobs on the engine thread and delivers their outcome in the GUI thread."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.running: set[Job] = set()
        self.tasks: queue.Queue[Job | None] = queue.Queue()
        self.relay = _Relay(self)
        self.relay.done.connect(self._done, Qt.ConnectionType.QueuedConnection)
        self.relay.failed.connect(self._failed, Qt.ConnectionType.QueuedConnection)
        self.engine: threading.Thread | None = None

    def _serve(self, tasks: queue.Queue[Job | None], relay: _Relay) -> None:
        """The engine thread: run jobs in order until told to stop."""
        while (job := tasks.get()) is not None:
            try:
                result = job.fn()
            except Exception as exc:  # noqa: BLE001 - reported to the GUI thread
                job.finished.set()
                self._emit(relay.failed, job, exc, traceback.format_exc())
            else:
                job.finished.set()
                self._emit(relay.done, job, result)

    @staticmethod
    def _emit(signal: Any, *args: Any) -> None:
        try:
            signal.emit(*args)
        except RuntimeError:  # the window is gone: nobody is left to tell
            pass

    def start(
        self, fn: Callable[[], Any], on_done: Callable[[Any], None], on_failed: Callable[[BaseException, str], None]
    ) -> Job:
        """Queue `fn`; `on_done(result)` or `on_failed(error, traceback)` later runs in the GUI thread."""
        job = Job(fn, on_done, on_failed)
        self.running.add(job)
        if self.engine is None or not self.engine.is_alive():
            # A daemon thread: an idle engine never keeps the application from exiting.
            self.engine = threading.Thread(
                target=self._serve, args=(self.tasks, self.relay), daemon=True, name="workbench-engine"
            )
            self.engine.start()
        self.tasks.put(job)
        return job

    @Slot(object, object)
    def _done(self, job: Job, result: Any) -> None:
        self.running.discard(job)
        if not job.cancelled:
            job.on_done(result)

    @Slot(object, object, str)
    def _failed(self, job: Job, error: BaseException, trace: str) -> None:
        self.running.discard(job)
        if not job.cancelled:
            job.on_failed(error, trace)

    def busy(self) -> bool:
        """True while some queued job has not finished."""
        return any(not job.finished.is_set() for job in self.running)

    def shutdown(self, msecs: int = 5000) -> bool:
        """Drop waiting jobs, let the current one finish, end the thread; False if still busy after `msecs`."""
        thread = self.engine
        if thread is None or not thread.is_alive():
            return True
        while not self.tasks.empty():
            dropped = self.tasks.get_nowait()
            if dropped is not None:
                dropped.finished.set()
                self.running.discard(dropped)
        for job in list(self.running):
            job.cancel()
        self.tasks.put(None)
        thread.join(msecs / 1000)
        return not thread.is_alive()
