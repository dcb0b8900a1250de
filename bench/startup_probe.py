"""Started by the start-up benchmark: prints when the window is shown and when Train is ready.

Usage: python -m bench.startup_probe  (prints two wall-clock times, seconds since the epoch)
"""

from __future__ import annotations

import os
import sys
import tempfile
import time


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
    torch_loaded_at_show = "torch" in sys.modules and hasattr(sys.modules["torch"], "Tensor")
    while not window.engine_ready:  # type: ignore[attr-defined]
        app.processEvents()
        time.sleep(0.005)
    ready = time.time()
    print(f"{shown} {ready} {int(torch_loaded_at_show)}", flush=True)
    window.close()


if __name__ == "__main__":
    main()
