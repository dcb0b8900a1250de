"""A run on several processes started from a session (the window's Train): the engine's worker
(`engine.worker`) launches them and trains in each.

Rank 0 sends its run's events back over a local connection (`worker.Relay`), so the window draws its
curves as they come; when the processes end, the session takes up the model file rank 0 saved
(`checkpoint.resume_run`), and testing, exporting and continuing (on one process) work as for any run.
"""

from __future__ import annotations

import os
import queue
import secrets
import shutil
import signal
import subprocess
import tempfile
import threading
from collections.abc import Callable
from multiprocessing import AuthenticationError
from multiprocessing.connection import Connection, Listener
from pathlib import Path
from typing import TYPE_CHECKING

from ..i18n import _
from .stream import RunEnded, RunFailed
from .worker import EVENTS_ENV, KEY_ENV, Job, command

if TYPE_CHECKING:
    from .session import Message, Start

POLL = 0.2  # seconds between looks at the launcher while waiting for rank 0


def run_command(start: Start, folder: Path) -> tuple[list[str], Path]:
    """The command that trains `start`'s experiment on its processes (the engine's worker, given
    the run as a job file), and the model file rank 0 saves (both in `folder`, a temporary folder
    of the session's)."""
    options, out, job_file = start.options, folder / "run.pt", folder / "job.json"
    # base_dir: the experiment's data files are relative to its own folder.
    Job(start.experiment.to_json(), str(out), start.base_dir, options.device, options.memory_limit).write(job_file)
    return command(job_file), out


class LaunchedRun:
    """The processes of one run and the relay of rank 0's events to `sink` (see the module's doc)."""

    def __init__(self, start: Start, sink: Callable[[Message], None]) -> None:
        self.start = start
        self.sink = sink
        self.process: subprocess.Popen[str] | None = None
        self._stopped = threading.Event()
        self.ended = False  # rank 0 said how the run ended (RunEnded or RunFailed)
        self._lock = threading.Lock()  # a Stop and the start of the processes, one at a time

    @property
    def stopped(self) -> bool:
        """A stop was asked for."""
        return self._stopped.is_set()

    def stop(self) -> None:
        """Ask every process to stop after its current batch (as Ctrl-C does in a terminal), once;
        before the processes start, they never start."""
        with self._lock:
            first = not self._stopped.is_set()
            self._stopped.set()
            process = self.process
        if first and process is not None and process.poll() is None:
            process.send_signal(signal.SIGINT)

    def run(self) -> Path | None:
        """Train on the processes until they end, relaying rank 0's events; the model file rank 0
        saved, in a temporary folder of its own that the caller removes (`path.parent`), or None
        when there is none (a RunFailed said why, unless the run was stopped before it began)."""
        folder = Path(tempfile.mkdtemp(prefix="workbench-run-"))
        saved = None
        try:
            saved = self._train(folder)
        finally:
            if saved is None:
                shutil.rmtree(folder, ignore_errors=True)
        return saved

    def _train(self, folder: Path) -> Path | None:
        command, out = run_command(self.start, folder)
        key = secrets.token_bytes(16)
        # The launcher's and the processes' messages go to a file, not a pipe: a pipe nobody reads
        # while the run trains would fill up and hold them all.
        with Listener(("127.0.0.1", 0), authkey=key) as listener, (folder / "launcher.log").open("w+") as log:
            host, port = listener.address
            env = {**os.environ, EVENTS_ENV: f"{host}:{port}", KEY_ENV: key.hex()}
            with self._lock:
                if self._stopped.is_set():
                    return None
                self.process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=log, text=True)
            ended = self.ended = self._relay(listener)
            code = self.process.wait()
            log.seek(0)
            said = [line.removeprefix("workbench: ") for line in log.read().splitlines() if line.strip()]
        if out.is_file():
            return out
        if not ended and not self._stopped.is_set():  # they ended without rank 0 saying why: the launcher says it
            reason = said[-1] if said else _("exit status {code}").format(code=code)
            self.sink(RunFailed(_("The run on several processes failed: {reason}").format(reason=reason)))
        return None

    def _relay(self, listener: Listener) -> bool:
        """Pass rank 0's events on until it closes the connection; whether its run ended (it
        sent RunEnded or RunFailed). False at once when the processes end without connecting."""
        assert self.process is not None
        accepted: queue.Queue[Connection] = queue.Queue()
        threading.Thread(target=lambda: _accept(listener, accepted), daemon=True).start()
        while True:
            try:
                conn = accepted.get(timeout=POLL)
                break
            except queue.Empty:
                if self.process.poll() is not None:
                    return False
        ended = False
        if self._stopped.is_set():
            # A stop that came while the processes were still starting may have reached them before
            # they could take it: now that rank 0 is there, every process can.
            self.process.send_signal(signal.SIGINT)
        with conn:
            while True:
                try:
                    message = conn.recv()
                except (EOFError, OSError):
                    return ended
                ended = ended or isinstance(message, RunEnded | RunFailed)
                self.sink(message)


def _accept(listener: Listener, accepted: queue.Queue[Connection]) -> None:
    """Wait for rank 0 (a connection with the wrong key is refused, and the wait goes on)."""
    while True:
        try:
            accepted.put(listener.accept())
            return
        except AuthenticationError:
            continue
        except OSError:
            return  # the listener closed: the processes ended without connecting
