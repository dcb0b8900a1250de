"""Where a run session runs: a worker thread of this process, or a process of its own.

Both take the same commands (`send(ticket, command)`) and hand every message to `sink`, in order,
from a thread of their own: the client must only pass it on (a window emits a queued signal).

- `ThreadBackend`: the session on a worker thread. Nothing to start, but training shares the
  interpreter with the client: a window's painting holds the interpreter lock the training
  thread needs, and a crash inside PyTorch ends both.
- `ProcessBackend`: the session in a spawned process, started at once so that PyTorch is loaded
  and warm when the first command comes. Commands and messages go over a pipe. When the process
  dies (killed, a segmentation fault, the out-of-memory killer) the client gets `WorkerLost` and
  the next command starts a new process.

`make_backend` picks one by name; `WORKBENCH_BACKEND=thread|process` overrides the default.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import queue
import signal
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, Protocol

from ..i18n import _
from .session import (
    CONTROLS,
    LOOKS,
    Command,
    Message,
    Ready,
    Refused,
    Reply,
    RunSession,
    Stop,
    WorkerLost,
    warm_up,
)

BACKENDS = ("thread", "process")
DEFAULT_BACKEND = "process"
ENV = "WORKBENCH_BACKEND"
Sink = Callable[[Message], None]


class Backend(Protocol):
    """What a client of a run session needs."""

    def send(self, ticket: int, command: Command) -> None:
        """Hand a command over (never blocks on the work it asks for)."""

    def close(self, timeout: float = 5.0) -> bool:
        """Stop any run and end the worker; False if it did not end within `timeout` seconds."""


def backend_name(name: str | None = None) -> str:
    """The back end to use: `name`, else $WORKBENCH_BACKEND, else the default."""
    chosen = name or os.environ.get(ENV) or DEFAULT_BACKEND
    if chosen not in BACKENDS:
        raise ValueError(
            _("{variable}={value}: choose one of {choices}").format(
                variable=ENV, value=repr(chosen), choices=", ".join(BACKENDS)
            )
        )
    return chosen


def make_backend(sink: Sink, name: str | None = None) -> Backend:
    """A started back end of the given (or configured) kind."""
    return ProcessBackend(sink) if backend_name(name) == "process" else ThreadBackend(sink)


def _work(session: RunSession, jobs: queue.Queue[tuple[int, Command] | None]) -> None:
    """A session's worker: warm up, then do each command's work in turn until told to end."""
    try:
        session.sink(warm_up())
    except Exception:  # noqa: BLE001 - PyTorch that does not load: the first run says why, as it fails
        session.sink(Ready(()))
    while (item := jobs.get()) is not None:
        session.job(*item)


class ThreadBackend:
    """The session on a daemon worker thread of this process."""

    def __init__(self, sink: Sink) -> None:
        self.session = RunSession(sink)
        self.jobs: queue.Queue[tuple[int, Command] | None] = queue.Queue()
        self.thread = threading.Thread(target=_work, args=(self.session, self.jobs), daemon=True, name="workbench-run")
        self.thread.start()

    def send(self, ticket: int, command: Command) -> None:
        """Controls act at once; other commands wait for the work before them."""
        if isinstance(command, CONTROLS):
            self.session.control(command)
        elif not (isinstance(command, LOOKS) and self.session.look(ticket, command)):
            self.session.accept(command)
            self.jobs.put((ticket, command))

    def close(self, timeout: float = 5.0) -> bool:
        """Stop, drop waiting work, end the thread."""
        while not self.jobs.empty():
            self.jobs.get_nowait()
        self.session.control(Stop())
        self.jobs.put(None)
        self.thread.join(timeout)
        return not self.thread.is_alive()


class Inbox:
    """A back end whose messages wait in a queue for a client that reads them in its own time
    (a terminal's main thread), instead of being handed on as they come."""

    def __init__(self, name: str = "thread") -> None:
        self.messages: queue.Queue[Message] = queue.Queue()
        self.backend = make_backend(self.messages.put, name)
        self._tickets = itertools.count(1)

    def send(self, command: Command) -> int:
        """Hand `command` over; returns its ticket, which its reply and RunState carry."""
        ticket = next(self._tickets)
        self.backend.send(ticket, command)
        return ticket

    def next(self, timeout: float) -> Message | None:
        """The next message, or None when none came within `timeout` seconds."""
        try:
            return self.messages.get(timeout=timeout)
        except queue.Empty:
            return None

    def answer(self, command: Command) -> Reply | Refused:
        """Send a command that asks something and wait for its reply (other messages are dropped)."""
        ticket = self.send(command)
        while True:
            message = self.next(0.1)  # a short wait, so that Ctrl-C reaches the waiting thread
            if isinstance(message, Reply | Refused) and message.ticket == ticket:
                return message

    def close(self) -> None:
        """Stop what runs and end the back end."""
        self.backend.close()


# --- the process back end -------------------------------------------------------------------------


def serve(conn: Connection, initializer: Callable[[], object] | None = None) -> None:
    """The training process: commands in from `conn`, messages out to it, until the client closes."""
    if initializer is not None:
        initializer()
    lock = threading.Lock()

    def send(message: Message) -> None:
        with lock:  # the worker and this thread both send
            try:
                conn.send(message)
            except (BrokenPipeError, OSError):
                pass  # the window is gone (closed or killed): the loop below sees it and stops the run

    session = RunSession(send)
    jobs: queue.Queue[tuple[int, Command] | None] = queue.Queue()
    worker = threading.Thread(target=_work, args=(session, jobs), daemon=True, name="workbench-run")
    worker.start()
    try:
        while (item := conn.recv()) is not None:
            ticket, command = item
            if isinstance(command, CONTROLS):
                session.control(command)
            elif not (isinstance(command, LOOKS) and session.look(ticket, command)):
                session.accept(command)
                jobs.put((ticket, command))
    except (EOFError, OSError):
        pass  # the client is gone
    session.control(Stop())
    jobs.put(None)
    worker.join(10)


def _death(exitcode: int | None) -> str:
    """What ended the training process, in a sentence."""
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = _("signal {number}").format(number=-exitcode)
        why = {
            "SIGKILL": _("it was killed (SIGKILL; the system does this when memory runs out)"),
            "SIGSEGV": _("it crashed inside PyTorch (a segmentation fault)"),
            "SIGABRT": _("it crashed inside PyTorch (aborted)"),
        }.get(name) or _("it was ended by {signal}").format(signal=name)
    else:
        why = _("it exited with code {code}").format(code=exitcode)
    return _(
        "The training process stopped unexpectedly: {why}. The curves so far are kept; "
        "the model it was training is lost. Train starts a new run."
    ).format(why=why)


class ProcessBackend:
    """The session in a spawned process (see the module's doc)."""

    def __init__(self, sink: Sink, initializer: Callable[[], object] | None = None) -> None:
        self.sink = sink
        self.initializer = initializer  # run first in each new process (tests use it)
        self.process: Any = None
        self.conn: Connection | None = None
        self.reader: threading.Thread | None = None
        self.closing = False
        self._start()

    def _start(self) -> None:
        context = multiprocessing.get_context("spawn")  # a fork of a process with threads is unsafe
        ours, theirs = context.Pipe()
        self.process = context.Process(
            target=serve, args=(theirs, self.initializer), daemon=True, name="workbench-training"
        )
        self.process.start()
        theirs.close()  # only the child holds its end: its death is our end of file
        self.conn, self.closing = ours, False
        self.reader = threading.Thread(target=self._read, args=(ours, self.process), daemon=True)
        self.reader.start()

    @property
    def pid(self) -> int | None:
        """The training process's id while it runs."""
        return self.process.pid if self.process is not None and self.process.is_alive() else None

    def _read(self, conn: Connection, process: Any) -> None:
        """Pass every message on; when the process dies unasked, say so once."""
        try:
            while True:
                self.sink(conn.recv())
        except (EOFError, OSError):
            pass
        process.join(5)
        if not self.closing and conn is self.conn:
            self.conn = None
            self.sink(WorkerLost(_death(process.exitcode)))

    def send(self, ticket: int, command: Command) -> None:
        """Hand the command to the process, starting a new one if the last has died."""
        if self.conn is None or not self.process.is_alive():
            self._start()
        assert self.conn is not None
        try:
            self.conn.send((ticket, command))
        except (BrokenPipeError, OSError):
            pass  # it died just now: the reader says so

    def close(self, timeout: float = 5.0) -> bool:
        """Ask the process to stop and end; kill it if it has not within `timeout` seconds."""
        self.closing = True
        if self.process is None:
            return True
        if self.conn is not None:
            try:
                self.conn.send(None)
            except (BrokenPipeError, OSError):
                pass
        self.process.join(timeout)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(2)
        if self.conn is not None:
            self.conn.close()
        return True
