"""The queue of `workbench train` processes: how many start at once, each one's share of the cores,
the GPU each is given, and a run cancelled before it starts never starting."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from workbench.engine import queue
from workbench.engine.queue import QueuedRun, QueueState, RunQueue


class _Process:
    """A `workbench train` process that ends when the test says so."""

    started: list[dict[str, str]] = []

    def __init__(self, command: list[str], env: dict[str, str], **_kwargs: Any) -> None:
        self.command, self.env, self.code = command, env, None
        _Process.started.append(env)

        self.signals: list[int] = []

    def poll(self) -> int | None:
        return self.code

    def send_signal(self, number: int) -> None:
        self.signals.append(number)


def _runs(tmp_path: Path, count: int) -> list[QueuedRun]:
    return [
        QueuedRun(f"r{n}", tmp_path / f"r{n}.json", tmp_path / f"r{n}.pt", tmp_path / f"r{n}.log") for n in range(count)
    ]


@pytest.fixture
def processes(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, str]]:
    _Process.started = []
    monkeypatch.setattr(queue.subprocess, "Popen", _Process)
    monkeypatch.setattr(queue, "available_cores", lambda: 4)
    return _Process.started


def test_runs_start_side_by_side_each_on_its_share_of_the_cores_and_its_own_gpu(
    tmp_path: Path, processes: list[dict[str, str]]
) -> None:
    runs = _runs(tmp_path, 3)
    line = RunQueue(runs, parallel=2, gpus=2)
    line.step()
    assert [run.state for run in runs] == [QueueState.RUNNING, QueueState.RUNNING, QueueState.QUEUED]
    assert [env["OMP_NUM_THREADS"] for env in processes] == ["2", "2"]
    assert [env["CUDA_VISIBLE_DEVICES"] for env in processes] == ["0", "1"]
    runs[1].process.code = 0  # type: ignore[union-attr]
    assert line.step() == [runs[1]]
    assert processes[-1]["CUDA_VISIBLE_DEVICES"] == "1"  # the GPU the ended run left free
    assert runs[1].state is QueueState.ENDED and runs[2].state is QueueState.RUNNING


def test_a_run_cancelled_while_it_waits_never_starts(tmp_path: Path, processes: list[dict[str, str]]) -> None:
    runs = _runs(tmp_path, 2)
    line = RunQueue(runs, parallel=1)
    line.cancel(runs[1])
    line.step()
    runs[0].process.code = 0  # type: ignore[union-attr]
    line.step()
    assert line.done() and len(processes) == 1 and runs[1].state is QueueState.CANCELLED
    assert "CUDA_VISIBLE_DEVICES" not in processes[0] or processes[0]["CUDA_VISIBLE_DEVICES"] == queue.os.environ.get(
        "CUDA_VISIBLE_DEVICES"
    )  # no GPUs to spread over: the environment's own


def test_a_run_is_asked_to_stop_once_and_runs_go_to_the_gpus_this_process_was_given(
    tmp_path: Path, processes: list[dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second SIGINT would end a run before it saves; a cluster's CUDA_VISIBLE_DEVICES=2,3 is kept."""
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "2,3")
    runs = _runs(tmp_path, 2)
    line = RunQueue(runs, parallel=2, gpus=2)
    line.step()
    assert [env["CUDA_VISIBLE_DEVICES"] for env in processes] == ["2", "3"]
    line.cancel(runs[0])
    line.stop()
    assert runs[0].process.signals == [2] and runs[1].process.signals == [2]  # type: ignore[union-attr]


def test_runs_side_by_side_are_as_many_as_the_free_memory_holds(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each process holds a PyTorch of its own (512 MiB) besides its run."""
    from tests.engine.helpers import tiny
    from workbench.engine import memory

    monkeypatch.setattr(memory, "room", lambda limit=None: (3 * 2**30, "3 GB are free"))
    each = memory.process_bytes(tiny(), None, on_cpu=True)
    assert each is not None and memory.PROCESS_BYTES < each < 2 * memory.PROCESS_BYTES
    assert memory.processes_that_fit(tiny(), None) == 3 * 2**30 // each == 5
    monkeypatch.setattr(memory, "room", lambda limit=None: (2**20, "1 MB is free"))
    assert memory.processes_that_fit(tiny(), None) == 1  # one a time, always
