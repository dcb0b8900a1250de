"""Render the window offscreen to PNG files for the README: `python -m workbench.gui.screenshots`."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def render(out_dir: Path) -> list[Path]:
    """Save screenshots of the main window on the default experiment into `out_dir`."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from .app import create_main_window

    app = QApplication.instance() or QApplication(sys.argv[:1])
    window = create_main_window()
    window.show()
    app.processEvents()
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "main-window.png"
    if not window.grab().save(str(path)):
        raise OSError(f"could not write {path}")
    window.close()
    return [path]


if __name__ == "__main__":
    for saved in render(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs")):
        print(saved)
