"""Started by the start-up benchmark: prints when the window is shown and when Train is ready.

Usage: python -m bench.startup_probe  (prints two wall-clock times, seconds since the epoch)
"""

from __future__ import annotations

import os
import sys
import tempfile
import time


def _finished_importing(name: str) -> bool:
    """True once the module is fully imported (Python flags a module whose import is under way)."""
    module = sys.modules.get(name)
    return module is not None and not getattr(getattr(module, "__spec__", None), "_initializing", False)


def main() -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("WORKBENCH_SETTINGS_DIR", tempfile.mkdtemp(prefix="workbench-bench-"))
    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv[:1])
    from workbench.gui import create_main_window

    window = create_main_window()
    window.show()
    app.processEvents()
    shown = time.time()
    torch_loaded_at_show = _finished_importing("torch")
    while not window.engine_ready:
        app.processEvents()
        time.sleep(0.005)
    ready = time.time()
    print(f"{shown} {ready} {int(torch_loaded_at_show)}", flush=True)
    window.close()


if __name__ == "__main__":
    main()
