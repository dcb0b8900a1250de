"""Render the window offscreen to the PNG files the README shows: `python -m workbench.gui.screenshots docs`.

Three pictures: the window as it opens, a run of digits_cnn in the middle of training, and the
overfitting demo after early stopping has ended it.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

SIZE = (1600, 980)


def wait_until(condition: Callable[[], bool], timeout: float = 60.0) -> bool:
    """Process Qt events until `condition()` holds; False when the timeout passed first."""
    from PySide6.QtWidgets import QApplication

    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        QApplication.processEvents()
        time.sleep(0.01)
    QApplication.processEvents()
    return True


def _window(preset: str | None) -> Any:
    from ..spec import preset_path
    from .app import create_main_window

    window: Any = create_main_window(preset_path(preset) if preset else None)
    window.resize(*SIZE)
    window.show()
    panel = window.dataset_panel
    wait_until(lambda: bool(panel.shown_key) and panel.job is None and window.engine_ready)
    return window


def _save(window: Any, path: Path) -> Path:
    wait_until(lambda: False, 0.3)  # let the redraw timer catch up
    if not window.grab().save(str(path)):
        raise OSError(f"could not write {path}")
    return path


def _train(window: Any, until: Callable[[Any], bool]) -> None:
    window.train()
    if not wait_until(lambda: until(window.runs.current), 300):
        raise RuntimeError("the run did not get there in time")


def render(out_dir: Path) -> list[Path]:
    """Save the README's screenshots into `out_dir`."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("WORKBENCH_SETTINGS_DIR", tempfile.mkdtemp(prefix="workbench-shots-"))
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert app is not None
    out_dir.mkdir(parents=True, exist_ok=True)
    saved = []
    window = _window(None)
    saved.append(_save(window, out_dir / "main-window.png"))
    window.close()

    window = _window("digits_cnn")
    _train(window, lambda run: run.last_epoch is not None and run.last_epoch.epoch >= 9)
    window.runs.trainer.pause()
    saved.append(_save(window, out_dir / "training-live.png"))
    window.runs.trainer.resume()
    wait_until(lambda: not window.runs.running, 120)
    window.close()

    window = _window("overfitting_demo")
    _train(window, lambda run: run.ended is not None)
    saved.append(_save(window, out_dir / "overfitting-demo.png"))
    window.close()
    return saved


if __name__ == "__main__":
    for path in render(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs")):
        print(path)
