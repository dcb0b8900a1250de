"""Input a field was not given: the mouse wheel over a settings box, and the undo keys inside one.

One application-wide event filter, so that every form (generated from the spec, the layer editor,
the dataset and training panels, dialogs) behaves the same without a line of its own:

- A spin box, combo box or tab bar inside a scrolling panel takes the wheel only when the student
  gave it the focus (a click, Tab, a shortcut; not the focus a window hands its first field when it
  opens); otherwise the wheel scrolls the panel, as it would over a label. Without this, scrolling a
  panel edits whatever box passes under the pointer ("Outputs 256 -> 248", the dataset itself).
- Ctrl+Z and Ctrl+Y (Ctrl+Shift+Z) in a window's text or number field undo and redo the experiment's
  edits, as Edit > Undo names them, instead of the field's own typing.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QKeyCombination, QObject, Qt
from PySide6.QtGui import QFocusEvent, QKeyEvent, QKeySequence, QWheelEvent
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QTabBar,
    QWidget,
)

# Widgets whose value the wheel changes.
WHEEL_TAKERS = (QAbstractSpinBox, QComboBox, QTabBar)
# The focus a student gives a box (a window's first field gets it unasked, on the window's opening).
GIVEN = (
    Qt.FocusReason.MouseFocusReason,
    Qt.FocusReason.TabFocusReason,
    Qt.FocusReason.BacktabFocusReason,
    Qt.FocusReason.ShortcutFocusReason,
)
AWAY_AND_BACK = (Qt.FocusReason.ActiveWindowFocusReason, Qt.FocusReason.PopupFocusReason)
GIVEN_BY_STUDENT = "focusGivenByStudent"  # a box's Qt property while it has such a focus
UNDO_KEYS = (QKeySequence.StandardKey.Undo, QKeySequence.StandardKey.Redo)
CTRL_Y = QKeyCombination(Qt.KeyboardModifier.ControlModifier, Qt.Key.Key_Y)
UNDO_WINDOW = "undoesFieldEdits"  # a window's Qt property: its Undo/Redo actions take the fields' undo keys


def scrolling_panel(widget: QWidget) -> QAbstractScrollArea | None:
    """The nearest scroll area around `widget` within its window, or None."""
    parent = widget.parentWidget()
    while parent is not None and not parent.isWindow():
        if isinstance(parent, QAbstractScrollArea):
            return parent
        parent = parent.parentWidget()
    return None


class QtInputGuard(QObject):
    """The application's filter for wheel and undo input (installed once, by `install`)."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        kind = event.type()
        if kind == QEvent.Type.Wheel:
            return self._wheel(watched, event)
        if kind == QEvent.Type.Polish and isinstance(watched, WHEEL_TAKERS):
            # Qt's default (WheelFocus) lets the wheel itself give the focus, and with it the value.
            watched.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        elif kind == QEvent.Type.FocusIn and isinstance(watched, WHEEL_TAKERS) and isinstance(event, QFocusEvent):
            # Decided as the focus comes (it only counts while the box has it); coming back from
            # another window or a popup (the box's own list) leaves it as it was.
            if event.reason() not in AWAY_AND_BACK:
                watched.setProperty(GIVEN_BY_STUDENT, event.reason() in GIVEN)
        elif kind == QEvent.Type.MouseButtonPress and isinstance(watched, QWidget):
            box = watched if isinstance(watched, WHEEL_TAKERS) else watched.parentWidget()  # a spin box's line
            if isinstance(box, WHEEL_TAKERS):
                box.setProperty(GIVEN_BY_STUDENT, True)  # a click into a box that had the focus already
        elif kind == QEvent.Type.ShortcutOverride:
            return self._undo_key(watched, event)
        return False

    def _wheel(self, watched: QObject, event: QEvent) -> bool:
        if not isinstance(watched, WHEEL_TAKERS) or not isinstance(event, QWheelEvent):
            return False
        if watched.hasFocus() and watched.property(GIVEN_BY_STUDENT):
            return False
        panel = scrolling_panel(watched)
        if panel is None:  # a box in a tool bar or a plain dialog: nothing to scroll instead
            return False
        QApplication.sendEvent(panel.viewport(), event)  # the panel scrolls as over any other place
        event.accept()
        return True

    def _undo_key(self, watched: QObject, event: QEvent) -> bool:
        if not isinstance(watched, QLineEdit | QAbstractSpinBox) or not isinstance(event, QKeyEvent):
            return False
        if not watched.window().property(UNDO_WINDOW):
            return False
        if any(event.matches(key) for key in UNDO_KEYS) or event.keyCombination() == CTRL_Y:
            event.ignore()  # not the field's: the window's Undo/Redo shortcut takes the key
            return True
        return False


GUARD = "workbenchInputGuard"  # the application's Qt property: installed already


def install(app: QApplication) -> None:
    """Install the input guard on the application, once."""
    if app.property(GUARD):
        return
    app.installEventFilter(QtInputGuard(app))  # the application owns it
    app.setProperty(GUARD, True)


def take_undo_keys(window: QWidget) -> None:
    """Let `window`'s Undo and Redo actions have Ctrl+Z and Ctrl+Y in its fields."""
    window.setProperty(UNDO_WINDOW, True)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    install(app)
