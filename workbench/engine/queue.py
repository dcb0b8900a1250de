"""A queue of runs, each a `workbench train` process of its own, up to N at once with the cores
divided among them: the runs of a sweep or of a repeat over seeds. A run can be cancelled while it
waits, or stopped while it trains (it stops after its batch and saves, as on Ctrl-C)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

POLL_SECONDS = 0.2


class QueueState(StrEnum):
    """Where a queued run is."""

    QUEUED = "queued"
    RUNNING = "running"
    ENDED = "ended"  # its process ended (its exit status says how)
    CANCELLED = "cancelled"  # taken out before it started


@dataclass
class QueuedRun:
    """One run of the queue: its experiment file, the model file it saves, its terminal output."""

    name: str
    experiment: Path
    out: Path
    log: Path
    base_dir: Path | None = None  # where the experiment's data files are found (default: its folder)
    metrics: Path | None = None  # where it writes a JSON line an epoch (`--metrics-out`): its progress
    stop_sent: bool = False  # a second SIGINT would end it before it saves: it is sent once
    gpu: int | None = None  # the GPU it was given (CUDA_VISIBLE_DEVICES), when the queue spreads runs over GPUs
    state: QueueState = QueueState.QUEUED
    code: int | None = None  # the process's exit status once it ended
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)


def available_cores() -> int:
    """The cores this process may run on (a container's or `taskset`'s share, not the machine's)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class RunQueue:
    """Runs `workbench train` for each queued run, `parallel` at a time, each process on its share
    of the cores (one after another when `parallel` is 1: each then has them all)."""

    def __init__(self, runs: Sequence[QueuedRun], parallel: int = 1, gpus: int = 0) -> None:
        self.runs = list(runs)
        self.gpus = gpus  # GPUs to spread the runs over: each run starts on the one fewest runs use
        self.parallel = max(1, parallel)  # may change while the queue runs: the runs started next follow it

    @property
    def threads(self) -> int:
        """Each process's share of the cores."""
        return max(1, available_cores() // self.parallel)

    def running(self) -> list[QueuedRun]:
        return [run for run in self.runs if run.state is QueueState.RUNNING]

    def cancel(self, run: QueuedRun) -> None:
        """Take a waiting run out, or stop a training one after its batch (it saves what it learned)."""
        if run.state is QueueState.QUEUED:
            run.state = QueueState.CANCELLED
        elif run.state is QueueState.RUNNING and run.process is not None and not run.stop_sent:
            run.stop_sent = True
            run.process.send_signal(signal.SIGINT)

    def stop(self) -> None:
        """Cancel every waiting run and stop every training one."""
        for run in self.runs:
            self.cancel(run)

    def step(self) -> list[QueuedRun]:
        """Start what fits, and the runs whose processes ended since the last step."""
        ended = []
        for run in self.running():
            assert run.process is not None
            code = run.process.poll()
            if code is not None:
                run.state, run.code = QueueState.ENDED, code
                ended.append(run)
        waiting = [run for run in self.runs if run.state is QueueState.QUEUED]
        for run in waiting[: self.parallel - len(self.running())]:
            self._start(run)
        return ended

    def done(self) -> bool:
        return all(run.state in (QueueState.ENDED, QueueState.CANCELLED) for run in self.runs)

    def run(self, on_end: Callable[[QueuedRun], None] = lambda run: None) -> None:
        """Run the queue to its end, calling `on_end` as each run ends."""
        while not self.done():
            for run in self.step():
                on_end(run)
            time.sleep(POLL_SECONDS)

    def _start(self, run: QueuedRun) -> None:
        command = [sys.executable, "-m", "workbench", "train", str(run.experiment), "--out", str(run.out)]
        if run.base_dir is not None:
            command += ["--base-dir", str(run.base_dir)]
        if run.metrics is not None:
            command += ["--metrics-out", str(run.metrics)]
        env = {**os.environ, "OMP_NUM_THREADS": str(self.threads)}  # its share of the cores
        if self.gpus:
            used = [sum(other.gpu == gpu for other in self.running()) for gpu in range(self.gpus)]
            run.gpu = used.index(min(used))
            env["CUDA_VISIBLE_DEVICES"] = _visible(run.gpu)  # the run's "cuda" is this GPU
        with run.log.open("wb") as log:  # the process keeps its own copy of the file
            # A session of its own: a Ctrl-C in the terminal reaches the queue alone, which stops each
            # run once (a second SIGINT would end a run before it saves).
            run.process = subprocess.Popen(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                start_new_session=True,
            )
        run.state = QueueState.RUNNING


def _visible(index: int) -> str:
    """The `index`-th GPU this process sees, as CUDA_VISIBLE_DEVICES names it: through the list this
    process was given (a cluster's "2,3"), else the index itself."""
    given = [part.strip() for part in os.environ.get("CUDA_VISIBLE_DEVICES", "").split(",") if part.strip()]
    return given[index] if index < len(given) else str(index)
