"""Render the application icon (resources/icons/workbench.svg) to the PNG sizes desktops use, into
resources/icons/png/<size>.png: `make icons` after the SVG changes (the PNGs are committed, so that
installing needs no SVG renderer)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def render(sizes: tuple[int, ...] = SIZES) -> list[Path]:
    """Each size's PNG, drawn from the SVG by Qt's renderer."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    assert app is not None
    renderer = QSvgRenderer(str(ICONS / "workbench.svg"))
    if not renderer.isValid():
        raise SystemExit(f"{ICONS / 'workbench.svg'} is not a valid SVG")
    written = []
    (ICONS / "png").mkdir(exist_ok=True)
    for size in sizes:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        path = ICONS / "png" / f"{size}.png"
        if not image.save(str(path)):
            raise SystemExit(f"could not write {path}")
        written.append(path)
    return written


if __name__ == "__main__":
    for written in render():
        print(written)
