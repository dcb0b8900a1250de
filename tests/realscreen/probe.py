"""Open the real window on the X11 display in $DISPLAY (Qt's xcb platform), train a short run,
and print what a student would see as JSON: the screen, the window's frame, the docks' widths
before and after the run, and every settings control that is squeezed or out of reach.

Run by tests/realscreen/test_real_screen.py under Xvfb with a window manager; not a test itself.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QRect
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDockWidget,
    QLabel,
    QLineEdit,
    QScrollArea,
    QWidget,
)

INPUTS = (QAbstractSpinBox, QComboBox, QLineEdit, QAbstractButton, QLabel)


def wait(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        QApplication.processEvents()
        time.sleep(0.02)
    return True


def settle(seconds: float) -> None:
    wait(lambda: False, seconds)


def rect(r: QRect) -> list[int]:
    return [r.x(), r.y(), r.width(), r.height()]


def _scrolled(widget: QWidget) -> bool:
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QScrollArea):
            return True
        parent = parent.parentWidget()
    return False


def problems(window: Any, panel: QWidget) -> list[str]:
    """Controls of `panel` narrower than they need, or outside the window with no scroll bar to reach them."""
    out = []
    inside = window.rect()
    for widget in panel.findChildren(QWidget):
        if not isinstance(widget, INPUTS) or not widget.isVisible():
            continue
        if isinstance(widget, QLineEdit) and isinstance(widget.parentWidget(), QAbstractSpinBox):
            continue  # the spin box's own text line: the spin box is checked
        if isinstance(widget, QLabel) and (widget.wordWrap() or not widget.text() or widget.pixmap().width()):
            continue  # wrapping labels and pictures may be any width
        name = f"{type(widget).__name__}({widget.objectName() or getattr(widget, 'text', lambda: '')()})"
        if widget.width() < widget.minimumSizeHint().width() - 1:
            out.append(f"{name} is {widget.width()} px wide, needs {widget.minimumSizeHint().width()}")
        top_left = widget.mapTo(window, widget.rect().topLeft())
        if not inside.contains(QRect(top_left, widget.size())) and not _scrolled(widget):
            out.append(f"{name} lies outside the window and cannot be scrolled to")
    return out


def settings_problems(window: Any) -> list[str]:
    found = []
    for dock in (window.left_dock, window.right_dock):
        dock.raise_()  # tabbed docks: look at each tab in turn
        settle(0.2)
        for panel in (window.dataset_panel, window.layer_editor, window.training_panel):
            if panel.isVisible() and dock.isAncestorOf(panel):
                found += problems(window, panel)
    window.left_dock.raise_()
    return found


def centre_overflow(window: Any) -> list[int]:
    """How far (pixels) the plots area exceeds its scroll area's view, across and down."""
    area = window.centralWidget()
    inner, view = area.widget().size(), area.viewport().size()
    return [max(0, inner.width() - view.width()), max(0, inner.height() - view.height())]


def docks(window: Any) -> dict[str, int]:
    return {d.objectName(): d.width() for d in window.findChildren(QDockWidget) if d.isVisible()}


class Discard:
    """Answers the window's questions so that it closes without asking a person."""

    def __getattr__(self, name: str) -> Any:
        from workbench.gui.dialogs import Answer

        return lambda *args, **kwargs: Answer.DISCARD


def main() -> int:
    app = QApplication(sys.argv[:1])  # kept in a name: the application lives as long as main()
    from workbench.gui import create_main_window

    window = create_main_window()
    window.dialogs = Discard()  # type: ignore[assignment]
    window.show_on_screen()
    wait(lambda: window.windowHandle() is not None and window.windowHandle().isExposed(), 20)
    settle(1.5)  # the window manager maximizes and places it; the docks take their widths
    report: dict[str, Any] = {
        "screen": rect(window.screen().availableGeometry()),
        "frame": rect(window.frameGeometry()),
        "scale": window.devicePixelRatio(),
        "tabbed": bool(window.tabifiedDockWidgets(window.left_dock)),
        "problems_before": settings_problems(window),  # raises each tabbed dock, so all are laid out
    }
    report["docks_before"] = docks(window)
    report["centre_before"] = centre_overflow(window)
    wait(lambda: window.engine_ready, 60)
    window.training_panel.form.widgets["epochs"].spin.setValue(3)
    window.train()
    wait(lambda: window.runs.current is not None and window.runs.current.progress is not None, 60)
    window.toggle_pause()  # a paused run: the band across the plots must not stretch them
    settle(1.0)
    report["centre_paused"] = centre_overflow(window)
    window.toggle_pause()
    ended = wait(lambda: not window.runs.running and window.runs.current is not None, 120)
    settle(1.5)  # every redraw of the end, the results and the mistakes strip
    report["run_ended"] = ended and window.runs.current.ended is not None
    report["docks_after"] = docks(window)
    report["centre_after"] = centre_overflow(window)
    report["problems_after"] = settings_problems(window)
    report["frame_after"] = rect(window.frameGeometry())
    window.close()
    app.processEvents()
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
