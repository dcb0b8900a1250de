"""A sweep's runs in parallel processes against the same runs one after another: `workbench sweep`
as a student types it, timed whole (the processes' start-up included), round after round."""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from workbench.engine.queue import available_cores

from .common import Report, Row


def _sweep_seconds(parallel: int, runs: int, epochs: int) -> float:
    """Seconds `workbench sweep digits_mlp --seeds RUNS` takes with `parallel` runs at once."""
    with tempfile.TemporaryDirectory() as folder:
        command = [sys.executable, "-m", "workbench", "sweep", "digits_mlp", "--seeds", str(runs)]
        command += ["--epochs", str(epochs), "--out", str(Path(folder) / "s"), "--parallel", str(parallel)]
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        return time.perf_counter() - started


def sweep(report: Report, quick: bool) -> None:
    """K runs on all the cores, in as many processes as cores, against one process after another."""
    cores = available_cores()
    runs, epochs, rounds = (4, 5, 1) if quick else (4, 15, 3)
    ratios, together, alone = [], [], []
    for _ in range(rounds):  # back to back: the two see the same state of the machine
        alone.append(_sweep_seconds(1, runs, epochs))
        together.append(_sweep_seconds(cores, runs, epochs))
        ratios.append(alone[-1] / together[-1])
    ratio = statistics.median(ratios)
    report.add(
        Row(
            "Sweeps",
            f"{runs} runs of digits_mlp ({epochs} epochs), {cores} at once vs one after another: speed-up",
            f"{statistics.median(together):.1f} s",
            f"{statistics.median(alone):.1f} s",
            ratio,
            ">= 1.0",
            ratio >= 1.0,
            "whole commands, each run's process start-up included; the cores divided among the runs",
        )
    )
