"""What collecting garbage on the GUI thread only costs in memory (workbench.gui.collector).

The window's process trains digits_cnn on the thread back end (the case where Python runs in a
training thread beside the GUI), once with the GUI-thread collector and once with Python's automatic
collection, each in a fresh process, round after round. Peak resident memory of that process and the
number of collections are compared.

`python -m bench.gc_bench gui|automatic EPOCHS` is one such process; it prints one JSON line.
"""

from __future__ import annotations

import gc
import json
import os
import resource
import statistics
import subprocess
import sys
from typing import Any

from .common import Report, Row
from .window_bench import ROOT, _app, _window_run


def _probe(mode: str, epochs: int) -> dict[str, Any]:
    app = _app()
    collections = [0]
    gc.callbacks.append(lambda phase, _info: collections.__setitem__(0, collections[0] + (phase == "start")))
    if mode == "automatic":
        from PySide6.QtWidgets import QApplication

        import workbench.gui.app as app_module
        from workbench.gui.collector import QtGuiThreadCollector, collect_on_gui_thread

        def automatic(application: QApplication) -> QtGuiThreadCollector:  # the window asks; undo it at once
            collector = collect_on_gui_thread(application)
            collector.stop()
            return collector

        setattr(app_module, "collect_on_gui_thread", automatic)  # noqa: B010 - the window looks it up there
    _window_run(epochs, "cpu")
    app.processEvents()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"peak_mb": peak_mb, "collections": collections[0], "enabled": gc.isenabled()}


def memory(report: Report, quick: bool) -> None:
    """Peak memory of the window's process with each way of collecting."""
    rounds, epochs = (1, 3) if quick else (3, 10)
    env = {**os.environ, "WORKBENCH_BACKEND": "thread"}
    found: dict[str, list[dict[str, Any]]] = {"gui": [], "automatic": []}
    for _round in range(rounds):
        for mode in found:
            out = subprocess.run(
                [sys.executable, "-m", "bench.gc_bench", mode, str(epochs)],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                check=True,
                timeout=900,
            )
            found[mode].append(json.loads(out.stdout.strip().splitlines()[-1]))
    gui = statistics.median(r["peak_mb"] for r in found["gui"])
    auto = statistics.median(r["peak_mb"] for r in found["automatic"])
    report.add(
        Row(
            "Window",
            f"peak memory of the window's process, digits_cnn {epochs} epochs on the thread back end: "
            "garbage collected on the GUI thread vs automatically",
            f"{gui:.0f} MB",
            f"{auto:.0f} MB",
            gui / auto,
            note=f"collections {found['gui'][-1]['collections']} vs {found['automatic'][-1]['collections']}",
        )
    )


if __name__ == "__main__":
    print(json.dumps(_probe(sys.argv[1], int(sys.argv[2]))), flush=True)
