"""The engine's worker: a session's run on several processes, started as a job (not a command
line), relays rank 0's events as it trains, stops on Stop after a batch, and leaves its model."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path
from typing import Any

from tests.engine.helpers import tiny
from workbench.engine.checkpoint import resume_run
from workbench.engine.events import Progress, StopReason
from workbench.engine.launched import LaunchedRun
from workbench.engine.session import RunOptions, Start
from workbench.engine.stream import RunEnded, RunStarted
from workbench.engine.worker import main

NO_STOP = {"enabled": False}


def test_a_launched_run_stops_on_stop_and_leaves_its_model(tmp_path: Path) -> None:
    experiment = tiny(epochs=500, processes=2, early_stopping=NO_STOP)
    messages: list[Any] = []
    first_epoch = threading.Event()

    def sink(message: Any) -> None:
        messages.append(message)
        if isinstance(message, Progress) and message.epoch >= 1:
            first_epoch.set()

    run = LaunchedRun(Start(experiment, str(tmp_path), RunOptions()), sink)
    stopper = threading.Thread(target=lambda: first_epoch.wait(120) and run.stop())
    stopper.start()
    saved = run.run()
    stopper.join()
    assert saved is not None and saved.is_file(), messages[-3:]
    started = next(m for m in messages if isinstance(m, RunStarted))
    assert "× 2 processes" in started.device
    ended = [m for m in messages if isinstance(m, RunEnded)]
    assert len(ended) == 1 and ended[0].reason is StopReason.USER_STOPPED
    trainer = resume_run(saved)
    assert trainer.history.processes == 2 and 1 <= len(trainer.history.epoch) < 500
    shutil.rmtree(saved.parent)  # the run's own temporary folder, the caller's to remove


def test_the_worker_wants_one_job_file(capsys: Any) -> None:
    assert main([]) == 2 and "JOB.json" in capsys.readouterr().err


def test_a_stop_while_the_processes_start_ends_the_run_and_says_so(tmp_path: Path) -> None:
    """Stop pressed while the processes still load PyTorch: the run does not train on, and it
    ends as a run on one process does, once ("Stopped by you after 0 of N epochs")."""
    from workbench.engine.session import RunSession, RunState, Stop

    messages: list[Any] = []
    session = RunSession(messages.append)
    start = Start(tiny(epochs=500, processes=2, early_stopping=NO_STOP), str(tmp_path), RunOptions())
    session.accept(start)
    worker = threading.Thread(target=session.job, args=(1, start))
    worker.start()
    threading.Event().wait(1.0)  # the launcher has started them; they are importing PyTorch
    session.control(Stop())
    worker.join(120)
    assert not worker.is_alive()
    ended = [m for m in messages if isinstance(m, RunEnded)]
    assert len(ended) == 1 and ended[0].reason is StopReason.USER_STOPPED, messages[-3:]
    assert ended[0].epochs_done < 500
    assert isinstance(messages[-1], RunState)
