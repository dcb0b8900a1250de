"""Started by the start-up benchmark: the window's first seconds, as a student meets them.

Usage: python -m bench.startup_probe  (prints one JSON object of wall-clock times, seconds since
the epoch: the window shown, Train usable, the training process warm, Train pressed, the first
curve point, Stop pressed, Train usable again)
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

TIMEOUT = 120.0


def _finished_importing(name: str) -> bool:
    """True once the module is fully imported (Python flags a module whose import is under way)."""
    module = sys.modules.get(name)
    return module is not None and not getattr(getattr(module, "__spec__", None), "_initializing", False)


def _until(app: Any, condition: Callable[[], bool]) -> float:
    """Process the window's events until `condition` holds; the time it first did."""
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not get there")
        app.processEvents()
        time.sleep(0.002)
    return time.time()


def main() -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("WORKBENCH_SETTINGS_DIR", tempfile.mkdtemp(prefix="workbench-bench-"))
    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv[:1])
    from workbench.gui import create_main_window

    window = create_main_window()
    window.show()
    app.processEvents()
    times: dict[str, Any] = {"shown": time.time(), "torch_first": _finished_importing("torch")}
    times["usable"] = _until(app, lambda: window.engine_ready and window.train_button.isEnabled())
    runs = window.runs
    times["warm"] = _until(app, lambda: runs.warm)
    time.sleep(0.5)  # a student reads the window a moment; the window's own PyTorch goes on loading
    times["train"] = time.time()
    window.train_button.click()
    times["first_point"] = _until(app, lambda: runs.current is not None and len(runs.current.batch_x) > 0)
    _until(app, lambda: window.stop_button.isEnabled())
    times["stop"] = time.time()
    window.stop_button.click()
    times["train_back"] = _until(app, lambda: window.train_button.isEnabled())
    print(json.dumps(times), flush=True)
    window.close()


if __name__ == "__main__":
    main()
