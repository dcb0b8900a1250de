"""`workbench train --nproc 2` through PyTorch's launcher: rank 0 alone prints and writes, Ctrl-C
stops every process, a killed process ends the run with a message, and its saved run continues."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.engine.helpers import tiny
from workbench.cli import main
from workbench.cli.launch import without_launch_options
from workbench.engine.checkpoint import resume_run
from workbench.engine.distributed import Launch
from workbench.engine.launcher import launcher_args

TIMEOUT = 120  # seconds: a hang fails the test instead of the suite


def _experiment(tmp_path: Path, **training: Any) -> Path:
    path = tmp_path / "exp.json"
    tiny(**{"early_stopping": {"enabled": False}, **training}).save(path)
    return path


def _start(tmp_path: Path, *args: str) -> tuple[subprocess.Popen[str], str]:
    """`workbench ARGS` in a process of its own, marked so that its workers can be found."""
    mark = uuid.uuid4().hex
    env = {**os.environ, "WORKBENCH_TEST_RUN": mark, "WORKBENCH_DDP_TIMEOUT": "60", "LANG": "C.UTF-8"}
    process = subprocess.Popen(
        [sys.executable, "-m", "workbench", *args],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return process, mark


def _worker(mark: str, rank: int) -> int | None:
    """The pid of the launched process of `rank` in the run marked `mark`."""
    for entry in Path("/proc").iterdir():
        try:
            env = (entry / "environ").read_bytes().split(b"\0")
        except (OSError, ValueError):
            continue
        if f"WORKBENCH_TEST_RUN={mark}".encode() in env and f"RANK={rank}".encode() in env:
            return int(entry.name)
    return None


def _wait_for(process: subprocess.Popen[str], text: str) -> str:
    """Read the process's output until a line holds `text`; what was read."""
    assert process.stdout is not None
    seen = ""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        seen += line
        if text in line:
            return seen
    raise AssertionError(f"no {text!r} in:\n{seen}")


def test_rank_zero_alone_prints_and_writes(tmp_path: Path) -> None:
    exp = _experiment(tmp_path, epochs=3)
    process, _mark = _start(
        tmp_path, "train", str(exp), "--nproc", "2", "--out", "m.pt", "--metrics-out", "m.jsonl", "--save-every", "1"
    )
    out, err = process.communicate(timeout=TIMEOUT)
    assert process.returncode == 0, err
    assert out.count("Training exp on cpu × 2 processes") == 1, out  # one header, one line an epoch
    assert out.count("Epoch 3/3") == 1 and out.count("Saved the best model") == 1
    lines = [json.loads(line) for line in (tmp_path / "m.jsonl").read_text().splitlines()]
    assert [line.get("epoch") for line in lines] == [1, 2, 3, None]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exp.json", "m.jsonl", "m.pt"]
    trainer = resume_run(tmp_path / "m.pt")  # a DDP run's file is an ordinary one
    assert len(trainer.history.epoch) == 3 and trainer.history.test is not None
    assert trainer.history.test.samples == 30  # the whole test split, summed over both processes


def test_ctrl_c_stops_every_process_and_saves(tmp_path: Path) -> None:
    exp = _experiment(tmp_path, epochs=5000, processes=2)  # the experiment asks for 2: no --nproc
    process, mark = _start(tmp_path, "train", str(exp), "--out", "m.pt")
    seen = _wait_for(process, "Epoch 2/5000")
    assert "on cpu × 2 processes" in seen
    process.send_signal(signal.SIGINT)  # what the terminal sends the launcher on Ctrl-C
    out, err = process.communicate(timeout=TIMEOUT)
    assert process.returncode == 0, err
    assert "Stopped by you after " in out and " of 5000 epochs" in out and "Saved the best model" in out
    assert _worker(mark, 0) is None and _worker(mark, 1) is None
    assert resume_run(tmp_path / "m.pt").can_continue


def test_a_killed_process_ends_the_run_with_a_message_and_its_save_continues(tmp_path: Path) -> None:
    exp = _experiment(tmp_path, epochs=5000)
    process, mark = _start(tmp_path, "train", str(exp), "--nproc", "2", "--out", "m.pt", "--save-every", "1")
    _wait_for(process, "Epoch 2/5000")
    pid = _worker(mark, 1)
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    out, err = process.communicate(timeout=TIMEOUT)  # ends, does not hang
    assert process.returncode == 1
    assert "process 1 of 2 was ended by SIGKILL, so the run stopped on every process" in err
    assert "The run failed: another of its 2 processes ended or stopped responding" in out  # rank 0's
    assert "m.pt keeps the run as it was last saved" in out  # not replaced by the failed run
    assert _worker(mark, 0) is None
    saved = len(resume_run(tmp_path / "m.pt").history.epoch)
    assert saved >= 1
    again, _mark = _start(tmp_path, "train", "m.pt", "--nproc", "2", "--epochs", "2")
    out, err = again.communicate(timeout=TIMEOUT)
    assert again.returncode == 0, err
    assert f"Continuing m after epoch {saved} for 2 more epochs" in out
    assert len(resume_run(tmp_path / "m.pt").history.epoch) == saved + 2


def test_the_launch_options_become_the_launchers() -> None:
    argv = ["--lang", "en", "train", "exp.json", "--nproc", "4", "--epochs", "3", "--nnodes=2", "--node-rank", "1"]
    argv += ["--master-addr", "10.0.0.1", "--out", "m.pt"]
    assert without_launch_options(argv) == ["--lang", "en", "train", "exp.json", "--epochs", "3", "--out", "m.pt"]
    several = launcher_args(Launch(4, 2, 1, "10.0.0.1"), ["-m", "workbench", "train", "exp.json"])
    assert several[:5] == [
        "--nproc-per-node=4",
        "--nnodes=2",
        "--node-rank=1",
        "--master-addr=10.0.0.1",
        "--master-port=29500",
    ]
    assert several[-4:] == ["-m", "workbench", "train", "exp.json"]
    assert "--standalone" in launcher_args(Launch(2), ["-m", "workbench", "train", "exp.json"])
    elastic = launcher_args(Launch(8, 3, rdzv_endpoint="head:29400"), ["-m", "workbench", "train", "x"])
    assert "--rdzv-endpoint=head:29400" in elastic and "--rdzv-backend=c10d" in elastic
    assert "--node-rank=0" not in elastic and "--standalone" not in elastic


def test_bad_launches_are_refused_before_any_process_starts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    exp = _experiment(tmp_path, epochs=1)
    assert main(["train", str(exp), "--nproc", "2", "--nnodes", "2"]) == 2
    assert "--nnodes 2 needs --master-addr" in capsys.readouterr().err
    assert main(["train", str(exp), "--nproc", "2", "--device", "cuda:0"]) == 2
    said = capsys.readouterr().err
    assert "cuda:0 is not available" in said or "takes one GPU a process" in said
    assert main(["train", str(tmp_path / "missing.json"), "--nproc", "2"]) == 2
    assert "missing.json" in capsys.readouterr().err


def test_more_processes_than_the_machine_holds_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """More CPU processes than cores, or than the memory holds with each one's own PyTorch: refused
    with the count that fits, before any process starts."""
    from workbench.engine import launcher as launch
    from workbench.engine import queue

    exp = _experiment(tmp_path, epochs=1, device="cpu")
    monkeypatch.setattr(queue, "available_cores", lambda: 4)
    started: list[object] = []
    monkeypatch.setattr(launch, "run_launcher", lambda *args: started.append(args) or 0)
    assert main(["train", str(exp), "--nproc", "1024"]) == 2
    said = capsys.readouterr().err
    assert "--nproc 1024 on the CPU: this machine has 4 cores" in said and "ask for --nproc 4 at most" in said
    assert main(["train", str(exp), "--nproc", "3", "--max-memory", "1200M"]) == 2
    said = capsys.readouterr().err
    assert "--nproc 3: each process needs about 5" in said and "ask for --nproc 2 at most" in said
    assert started == []
    assert main(["train", str(exp), "--nproc", "2", "--max-memory", "1200M"]) == 0 and len(started) == 1


def test_the_processes_end_with_a_killed_launcher(tmp_path: Path) -> None:
    """`kill -9` of `workbench train --nproc 2` (no chance to pass anything on): its processes stop as
    on Ctrl-C, rank 0 saving the run, instead of training on and writing alone."""
    exp = _experiment(tmp_path, epochs=5000)
    process, mark = _start(tmp_path, "train", str(exp), "--nproc", "2", "--out", "m.pt")
    _wait_for(process, "Epoch 2/5000")
    workers = [_worker(mark, 0), _worker(mark, 1)]
    assert None not in workers
    process.kill()
    process.communicate(timeout=TIMEOUT)
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline and (_worker(mark, 0) or _worker(mark, 1)):
        time.sleep(0.2)
    assert _worker(mark, 0) is None and _worker(mark, 1) is None
    assert resume_run(tmp_path / "m.pt").history.stop_reason == "user_stopped"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize(
    ("where", "said"),
    [
        (["--master-addr", "nonexistent.invalid"], "--master-addr nonexistent.invalid: no machine has that name"),
        (["--master-addr", "256.256.256.256"], "--master-addr 256.256.256.256: no machine has that name"),
        (["--rdzv-endpoint", "nonexistent.invalid:29400"], "--rdzv-endpoint nonexistent.invalid: no machine has"),
        (["--rdzv-endpoint", "head:port"], "--rdzv-endpoint head:port: write it as HOST:PORT"),
    ],
)
def test_a_meeting_point_that_cannot_be_is_refused_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, where: list[str], said: str
) -> None:
    """PyTorch retried such addresses for minutes, a C++ stack on every try: said before anything starts."""
    from workbench.engine import launcher as launch

    started: list[object] = []
    monkeypatch.setattr(launch, "run_launcher", lambda *args: started.append(args) or 0)
    exp = _experiment(tmp_path, epochs=1)
    began = time.monotonic()
    assert main(["train", str(exp), "--nproc", "1", "--nnodes", "2", *where]) == 2
    assert said in capsys.readouterr().err and started == [] and time.monotonic() - began < 10


def test_a_port_another_program_holds_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Machine 0's port taken, and an endpoint where a program accepts and never answers (PyTorch's
    store waited on it for minutes): each refused with a sentence, well within a minute."""
    exp = _experiment(tmp_path, epochs=1)
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        rank0 = ["--node-rank", "0", "--master-addr", "127.0.0.1", "--master-port", str(port)]
        assert main(["train", str(exp), "--nproc", "1", "--nnodes", "2", *rank0]) == 2
        assert f"127.0.0.1:{port} is taken by another program" in capsys.readouterr().err
        began = time.monotonic()
        assert main(["train", str(exp), "--nproc", "1", "--nnodes", "2", "--rdzv-endpoint", f"127.0.0.1:{port}"]) == 2
        assert f"127.0.0.1:{port} is taken by another program" in capsys.readouterr().err
        assert time.monotonic() - began < 60


def test_machines_that_never_meet_end_in_a_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Machine 1 waiting for a machine 0 that never comes: the launcher gives up after MEET_SECONDS
    (2 here; PyTorch's store tries twice) with what to check, not PyTorch's words and stack."""
    from workbench.engine import launcher as launch

    monkeypatch.setattr(launch, "MEET_SECONDS", 2)
    exp = _experiment(tmp_path, epochs=1)
    port = _free_port()
    rank1 = ["--node-rank", "1", "--master-addr", "127.0.0.1", "--master-port", str(port)]
    began = time.monotonic()
    assert main(["train", str(exp), "--nproc", "1", "--nnodes", "2", *rank1]) == 1
    err = capsys.readouterr().err
    assert f"the 2 machines did not all meet at 127.0.0.1:{port} within 2 s: start the command on every" in err
    assert "frame #" not in err and time.monotonic() - began < 30


def test_two_machines_meet(tmp_path: Path) -> None:
    """Two launchers on this machine as machines 0 and 1: machine 1 finds machine 0's store (what the
    check above asks of whatever answers there) and the run trains on both."""
    exp = _experiment(tmp_path, epochs=2)
    port = str(_free_port())
    meet = ["--nproc", "1", "--nnodes", "2", "--master-addr", "127.0.0.1", "--master-port", port]
    first, _mark = _start(tmp_path, "train", str(exp), *meet, "--node-rank", "0", "--out", "m.pt")
    time.sleep(3)
    second, _mark = _start(tmp_path, "train", str(exp), *meet, "--node-rank", "1")
    out, err = first.communicate(timeout=TIMEOUT)
    assert first.returncode == 0 and second.wait(timeout=TIMEOUT) == 0, err
    assert "on cpu × 2 processes" in out and len(resume_run(tmp_path / "m.pt").history.epoch) == 2
