"""A run on several processes from the window: its curves come from rank 0 as it trains, and its
model is the window's to test, export and continue (on one process) once the processes end."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import torch
from pytestqt.qtbot import QtBot

from tests.engine.helpers import tiny
from tests.gui.helpers import start, wait_done
from workbench.engine import StopReason
from workbench.engine.launched import run_command
from workbench.engine.session import RunOptions, Start
from workbench.engine.worker import Job

NO_STOP = {"enabled": False}


def test_the_window_starts_the_engines_worker_with_a_job_not_a_command_line(tmp_path: Path) -> None:
    experiment = tiny(processes=4, device="cpu")
    command, out = run_command(Start(experiment, "/data/here", RunOptions(memory_limit=2**30)), tmp_path)
    assert command == [sys.executable, "-m", "workbench.engine.worker", str(tmp_path / "job.json")]
    job = Job.read(tmp_path / "job.json")
    assert job.spec == experiment and job.out == str(out) == str(tmp_path / "run.pt")
    assert (job.base_dir, job.device, job.memory_limit) == ("/data/here", None, 2**30)


def test_a_run_on_two_processes_from_the_window(window: Any, qtbot: QtBot, tmp_path: Path) -> None:
    start(window, qtbot, tiny(epochs=3, processes=2, early_stopping=NO_STOP))
    assert window.runs.spread and not window.pause_button.isEnabled() and window.stop_button.isEnabled()
    wait_done(window, qtbot)
    record = window.runs.current
    assert record.ended is not None and record.ended.reason is StopReason.COMPLETED, window.runs.failure
    assert len(record.epochs) == 3  # every epoch's curves, from rank 0 as it trained
    assert "× 2 processes" in record.started.device
    assert window.runs.exportable and window.continue_button.isEnabled()
    # The saved run's best epoch keeps its weights, to test, export or try pictures on.
    assert window.runs.state.snapshot_epochs == (record.ended.best_epoch,) == (2,)
    window.dialogs.save_answer = tmp_path / "m.pt"
    window.export_button.click()
    qtbot.waitUntil(lambda: bool(window.dialogs.infos), timeout=20_000)
    saved = torch.load(tmp_path / "m.pt", weights_only=True)
    assert saved["format"] == "workbench-model"
    window.continue_button.click()  # on one process: the window's own
    wait_done(window, qtbot)
    assert len(window.runs.current.epochs) == 6 and window.runs.current.ended.reason is StopReason.COMPLETED


def test_a_launched_run_that_cannot_start_says_why(tmp_path: Path) -> None:
    """The processes refuse bad input before any starts training: the session says so, naming the file."""
    from workbench.engine.session import RunSession, RunState
    from workbench.engine.stream import RunFailed

    messages: list[Any] = []
    experiment = tiny(processes=2, dataset={"kind": "csv", "path": str(tmp_path / "missing.csv"), "target": "y"})
    session = RunSession(messages.append)
    session.job(1, Start(experiment, str(tmp_path)))
    failed = [m for m in messages if isinstance(m, RunFailed)]
    assert len(failed) == 1 and "missing.csv" in failed[0].message, messages
    state = messages[-1]
    assert isinstance(state, RunState) and not state.has_model
