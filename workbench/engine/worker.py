"""The engine's own entry point for a run on several processes that a session launched (the
window's Train on an experiment with `training.processes` > 1): `python -m workbench.engine.worker
JOB`, where JOB is a small JSON file of plain data (`Job`), not a command line.

Started by hand (by `launched.LaunchedRun`), it is the launcher: it starts the same entry point
on every process through PyTorch's launcher (`engine.launcher`). Started by the launcher, it is
one of those processes: it trains its share through a run session, rank 0 sends the run's events
back to the session that launched it (`Relay`) and saves the model file the session
takes up; Ctrl-C or SIGTERM stops the run after the current batch, as the window's Stop does.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from multiprocessing import AuthenticationError
from multiprocessing.connection import Client, Connection
from pathlib import Path
from types import FrameType
from typing import Any

from ..spec import ExperimentSpec
from .backends import Inbox
from .distributed import Launch, Ranks, die_with_launcher, leave_group
from .events import StopReason
from .launcher import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, quiet_launcher, report_status, run_launcher
from .session import Export, Message, Refused, RunOptions, RunState, Start, Stop
from .stream import Event, RunEnded, RunFailed

MODULE = "workbench.engine.worker"
EVENTS_ENV = "WORKBENCH_EVENTS"  # host:port where rank 0 sends its events
KEY_ENV = "WORKBENCH_EVENTS_KEY"  # the connection's key, so that no other program can send


@dataclass(frozen=True)
class Job:
    """One launched run, as plain data: the experiment (as JSON), where rank 0 saves the model,
    where the experiment's data files are, and the session's device and memory settings."""

    experiment: str
    out: str
    base_dir: str | None = None
    device: str | None = None
    memory_limit: int | None = None

    def write(self, path: Path) -> None:
        """Keep the job in `path`, for every process to read."""
        path.write_text(json.dumps(asdict(self)), encoding="utf-8")

    @classmethod
    def read(cls, path: Path) -> Job:
        """The job kept in `path`."""
        return cls(**json.loads(path.read_text(encoding="utf-8")))

    @property
    def spec(self) -> ExperimentSpec:
        """The experiment to train."""
        return ExperimentSpec.from_json(self.experiment)


class Relay:
    """Rank 0's side: sends the events of its run to the session that launched it."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    @classmethod
    def from_environment(cls) -> Relay | None:
        """The connection a launching session asked for (EVENTS_ENV), or None."""
        address, key = os.environ.get(EVENTS_ENV), os.environ.get(KEY_ENV)
        if not address or not key:
            return None
        host, port = address.rsplit(":", 1)
        try:
            return cls(Client((host, int(port)), authkey=bytes.fromhex(key)))
        except (OSError, ValueError, AuthenticationError):
            return None  # the session is gone already: the run trains and saves all the same

    def send(self, message: Any) -> bool:
        """Pass on one of the run's events (other messages are the terminal's own business); False
        when the session is gone (the window closed or its training process died)."""
        if isinstance(message, Event):
            try:
                self.conn.send(message)
            except (OSError, ValueError):
                return False
        return True

    def close(self) -> None:
        """Done: the session reads the end of the connection as the end of the events."""
        self.conn.close()


def command(job_file: Path) -> list[str]:
    """The command that trains the job kept in `job_file` on its processes."""
    return [sys.executable, "-m", MODULE, str(job_file)]


def main(argv: Sequence[str] | None = None) -> int:
    """Launch the job's processes, or, in one of them, train its share; the exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print(f"usage: python -m {MODULE} JOB.json", file=sys.stderr)
        return EXIT_BAD_INPUT
    job_file = Path(args[0])
    job = Job.read(job_file)
    ranks = Ranks.from_environment()
    if ranks is None:
        quiet_launcher()
        return run_launcher(Launch(job.spec.training.processes), ["-m", MODULE, str(job_file)])
    return train_share(job, ranks)


def train_share(job: Job, ranks: Ranks) -> int:
    """Train this process's share of the run; rank 0 relays the events and saves the model."""
    die_with_launcher()
    stopping = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    for sig in (signal.SIGINT, signal.SIGTERM):  # the launcher passes a Ctrl-C on, and ends the rest with SIGTERM
        signal.signal(sig, stop)
    relay = Relay.from_environment() if ranks.leader else None
    settings = {"device": job.device, "memory_limit": job.memory_limit, "ranks": ranks}
    # Rank 0 reports as a window's run does; the others train quietly.
    options = RunOptions.relayed(**settings) if ranks.leader else RunOptions.terminal(**settings)
    inbox = Inbox("thread")
    ended: RunEnded | None = None
    try:
        ended, failed = _follow(inbox, inbox.send(Start(job.spec, job.base_dir, options)), relay, stopping)
        code = _outcome(ended, failed)
        if ended is not None and ended.reason is StopReason.FAILED and not ranks.leader:
            # Rank 0 cannot say why this process failed: it says it itself.
            print(f"workbench ({ranks.rank}/{ranks.world}): {ended.message}", file=sys.stderr, flush=True)
        if ranks.leader and ended is not None and ended.best_epoch is not None:
            saved = inbox.answer(Export(job.out))
            if isinstance(saved, Refused):
                print(f"workbench: {saved.message}", file=sys.stderr, flush=True)
                code = EXIT_FAILED
    finally:
        inbox.close()
        if relay is not None:
            relay.close()
    report_status(code)
    if not leave_group(together=ended is not None and ended.reason is not StopReason.FAILED):
        sys.stderr.flush()
        os._exit(code)  # failed alone: the others wait for it in a step (see leave_group)
    return code


def _follow(
    inbox: Inbox, ticket: int, relay: Relay | None, stopping: threading.Event
) -> tuple[RunEnded | None, RunFailed | None]:
    """Pass the run's events on until its RunState comes; a stop noted meanwhile (a signal, or the
    session gone) becomes a Stop. How the run ended, or why it failed to start."""
    ended: RunEnded | None = None
    failed: RunFailed | None = None
    stop_sent = False
    while True:
        if stopping.is_set() and not stop_sent:
            inbox.send(Stop())
            stop_sent = True
        message: Message | None = inbox.next(0.1)
        if message is None:
            continue
        if relay is not None and not relay.send(message):
            stopping.set()  # the window that launched the run is gone: stop, and save
        if isinstance(message, RunEnded):
            ended = message
        elif isinstance(message, RunFailed):
            failed = message
            if relay is None:  # rank 0 relays it; another process says it where the launcher reads it
                print(f"workbench: {message.message}", file=sys.stderr, flush=True)
        elif isinstance(message, RunState) and message.ticket == ticket:
            return ended, failed


def _outcome(ended: RunEnded | None, failed: RunFailed | None) -> int:
    """The exit status: 0 when the run trained, 1 when it failed, 2 when it could not start."""
    if ended is None:
        return EXIT_BAD_INPUT if failed is not None and failed.error is None else EXIT_FAILED
    return EXIT_FAILED if ended.reason in (StopReason.DIVERGED, StopReason.FAILED) else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
