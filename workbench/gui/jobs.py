"""Background work for the window (loading a dataset, downloading one) on Qt's thread pool.

The function runs in a pool thread; its result or its error comes back through a queued signal to
a slot of the GUI-thread runner, which calls the job's callbacks there. A job can be cancelled:
its result is then dropped (a thread is never killed).
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot


class _Signals(QObject):
    done = Signal(object, object)  # job, result
    failed = Signal(object, object, str)  # job, exception, traceback


class Job(QRunnable):
    """One function call in the thread pool."""

    def __init__(
        self, fn: Callable[[], Any], on_done: Callable[[Any], None], on_failed: Callable[[BaseException, str], None]
    ) -> None:
        super().__init__()
        self.fn, self.on_done, self.on_failed = fn, on_done, on_failed
        self.signals = _Signals()
        self.cancelled = False
        self.setAutoDelete(False)  # the runner keeps a reference until the job reports back

    def run(self) -> None:
        try:
            result = self.fn()
        except Exception as exc:  # noqa: BLE001 - reported to the GUI thread
            self._report(self.signals.failed, self, exc, traceback.format_exc())
            return
        self._report(self.signals.done, self, result)

    @staticmethod
    def _report(signal: Any, *args: Any) -> None:
        try:
            signal.emit(*args)
        except RuntimeError:  # the application is shutting down: nobody is left to tell
            pass

    def cancel(self) -> None:
        """Drop the result when it comes."""
        self.cancelled = True


class JobRunner(QObject):
    """Starts jobs and delivers their outcome in the GUI thread."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.running: set[Job] = set()

    def start(
        self, fn: Callable[[], Any], on_done: Callable[[Any], None], on_failed: Callable[[BaseException, str], None]
    ) -> Job:
        """Run `fn` in the pool; `on_done(result)` or `on_failed(error, traceback)` runs in the GUI thread."""
        job = Job(fn, on_done, on_failed)
        self.running.add(job)
        job.signals.done.connect(self._done, Qt.ConnectionType.QueuedConnection)
        job.signals.failed.connect(self._failed, Qt.ConnectionType.QueuedConnection)
        QThreadPool.globalInstance().start(job)
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

    def wait(self, msecs: int = 5000) -> bool:
        """Wait for running jobs (used when the window closes)."""
        return QThreadPool.globalInstance().waitForDone(msecs)
