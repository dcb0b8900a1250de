"""Printing never loses a run: output to a closed or full stream, a terminal that cannot show the
class names, and SIGTERM (timeout, docker stop, systemd) all leave the trained model written."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from tests.conftest import ROOT
from tests.engine.helpers import tiny

WORKBENCH = [sys.executable, "-m", "workbench"]


def named_classes(tmp_path: Path, epochs: int = 2) -> Path:
    """An experiment whose classes are named café and 猫."""
    rng = np.random.default_rng(0)
    points = rng.normal(size=(80, 2))
    rows = [f"{a:.3f},{b:.3f},{'café' if a > 0 else '猫'}" for a, b in points]
    (tmp_path / "named.csv").write_text("x,y,kind\n" + "\n".join(rows) + "\n", encoding="utf-8")
    experiment = tmp_path / "named.json"
    tiny(
        [{"type": "Linear", "out_features": 2}], {"kind": "csv", "path": "named.csv", "target": "kind"}, epochs=epochs
    ).save(experiment)
    return experiment


def shell(command: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """`command` in sh, from the repository (so `python -m workbench` finds the package)."""
    return subprocess.run(
        ["sh", "-c", command], cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, timeout=300
    )


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_class_names_a_terminal_cannot_show_are_escaped_and_the_run_saved(tmp_path: Path, lang: str) -> None:
    out = tmp_path / "m.pt"
    command = f"{sys.executable} -m workbench --lang {lang} train {named_classes(tmp_path)} --out {out}"
    done = shell(command, tmp_path, LC_ALL="C", LANG="C", PYTHONUTF8="0", PYTHONIOENCODING="ascii")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "caf\\xe9" in done.stdout and "\\u732b" in done.stdout  # the confusion matrix's names, escaped
    assert torch.load(out, weights_only=True)["class_names"] == ["café", "猫"]


def test_closed_and_full_streams_leave_the_model_written(tmp_path: Path) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("needs /dev/full, a device that is always full")
    experiment = named_classes(tmp_path)
    for n, redirect in enumerate(("2>&-", ">&- 2>&-", ">/dev/full 2>/dev/full", "2>&1 | head -1")):
        out = tmp_path / f"m{n}.pt"
        # The metrics file on a full disk: its warning goes to the closed or full stderr.
        command = f"{sys.executable} -m workbench train {experiment} --out {out} --metrics-out /dev/full {redirect}"
        done = shell(f"({command}); echo rc=$? > {tmp_path}/rc{n}", tmp_path)
        assert (tmp_path / f"rc{n}").read_text().strip() == "rc=0", (redirect, done.stderr[-2000:])
        assert out.is_file(), redirect


def test_sigterm_stops_the_run_as_ctrl_c_does_and_saves_it(tmp_path: Path) -> None:
    experiment = tmp_path / "exp.json"
    tiny(epochs=100_000).save(experiment)
    out = tmp_path / "best.pt"
    proc = subprocess.Popen(
        [*WORKBENCH, "train", str(experiment), "--out", str(out)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not proc.stdout.readline().startswith("Epoch 3/"):
        pass
    proc.send_signal(signal.SIGTERM)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 0, stderr
    assert "Saved the best model" in stdout and "Traceback" not in stderr
    assert torch.load(out, weights_only=True)["history"]["stop_reason"] == "user_stopped"


@pytest.mark.parametrize(("line", "sig"), [("Finished all", signal.SIGINT), ("Saved", signal.SIGTERM)])
def test_a_stop_as_the_run_ends_keeps_it_and_its_status(tmp_path: Path, line: str, sig: signal.Signals) -> None:
    """A Ctrl-C as "Finished all" prints (the test and the save still to come) or SIGTERM once it is saved
    (the process tearing down): the model is written, the run finished all its epochs, and the status is 0
    (it lost the run with 130, or said "killed by SIGINT" of a saved one)."""
    experiment = tmp_path / "exp.json"
    tiny(epochs=2).save(experiment)
    out = tmp_path / "best.pt"
    proc = subprocess.Popen(
        [*WORKBENCH, "train", str(experiment), "--out", str(out)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    seen = ""
    while not seen.startswith(line) and proc.poll() is None:
        seen = proc.stdout.readline()
    proc.send_signal(sig)
    proc.communicate(timeout=60)
    assert seen.startswith(line) and proc.returncode == 0
    assert torch.load(out, weights_only=True)["history"]["stop_reason"] == "completed"


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_stop_in_the_teardown_ends_with_the_command_s_status(sig: signal.Signals) -> None:
    """Once the command is done, a stop while PyTorch and the interpreter tear down ends the process
    at once with the command's status (3 here), its last line printed."""
    code = (
        "import os, signal, sys, time\n"
        "from workbench.__main__ import _ended\n"
        "print('last line')\n"
        "_ended(3)\n"
        f"os.kill(os.getpid(), {int(sig)})\n"
        "time.sleep(30)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout) == (3, "last line\n")


def test_sigterm_during_the_final_save_leaves_the_model_written(tmp_path: Path) -> None:
    """SIGTERM (timeout, docker stop), twice, while the model file is written: the file is finished and
    the status is 0 (a second stop anywhere else quits at once)."""
    experiment = tmp_path / "exp.json"
    tiny(epochs=2).save(experiment)
    out = tmp_path / "best.pt"
    code = (
        "import os, signal, sys, time\n"
        "from workbench.engine import checkpoint\n"
        "save = checkpoint.save_trained\n"
        "def saving(*args, **kwargs):\n"
        "    for _ in range(2):\n"
        "        os.kill(os.getpid(), signal.SIGTERM)\n"
        "        time.sleep(0.5)  # two signals at once would be one\n"
        "    return save(*args, **kwargs)\n"
        "checkpoint.save_trained = saving\n"
        "from workbench.cli import main\n"
        f"sys.exit(main(['train', {str(experiment)!r}, '--out', {str(out)!r}]))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Saved the best model" in done.stdout
    assert torch.load(out, weights_only=True)["history"]["stop_reason"] == "completed"
