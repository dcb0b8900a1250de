"""Render the window offscreen to the PNG files the README shows: `python -m workbench.gui.screenshots docs`."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

SIZE = (1400, 860)


def wait_until(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    """Process Qt events until `condition()` holds (or the timeout passes)."""
    from PySide6.QtWidgets import QApplication

    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        QApplication.processEvents()
        time.sleep(0.02)
    QApplication.processEvents()


def render(out_dir: Path) -> list[Path]:
    """Save screenshots of the main window on the default experiment into `out_dir`."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("WORKBENCH_SETTINGS_DIR", tempfile.mkdtemp(prefix="workbench-shots-"))
    from PySide6.QtWidgets import QApplication

    from .app import create_main_window

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert app is not None
    out_dir.mkdir(parents=True, exist_ok=True)
    window = create_main_window()
    window.resize(*SIZE)
    window.show()
    panel = window.dataset_panel  # type: ignore[attr-defined]
    wait_until(lambda: bool(panel.shown_key) and panel.job is None)
    path = out_dir / "main-window.png"
    if not window.grab().save(str(path)):
        raise OSError(f"could not write {path}")
    window.close()
    return [path]


if __name__ == "__main__":
    for saved in render(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs")):
        print(saved)
