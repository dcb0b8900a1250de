"""Where the window goes on its screen: the saved geometry and docks when they fit a screen like
this one, else the default plan (`window_layout`); saved again on close, forgotten by Reset layout."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QRect, QSettings, QSize, Qt, QTimer, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDockWidget, QMainWindow, QStyle, QWidget

from .window_layout import LayoutPlan, fits, plan_layout

# Saved dock layouts from another version of the window are not restored (Qt refuses them).
LAYOUT_VERSION = 2

if TYPE_CHECKING:  # mixed into QtMainWindow, a QMainWindow
    _Window = QMainWindow
else:
    _Window = object


def _ints(value: object) -> list[int]:
    """A list of ints read back from the settings file (which may hand back strings), or []."""
    try:
        return [int(v) for v in value] if isinstance(value, list | tuple) else []
    except (TypeError, ValueError):
        return []


class WindowPlacement(_Window):
    """The window's size and its docks' places (a mixin of the main window)."""

    settings: QSettings
    left_dock: QDockWidget
    right_dock: QDockWidget
    layout_plan: LayoutPlan | None
    start_maximized: bool
    layout_pending: bool

    def _available(self) -> QRect:
        screen = self.screen() or QGuiApplication.primaryScreen()
        return screen.availableGeometry()

    def _place_window(self) -> None:
        """Take the saved geometry and dock layout when they were saved on a screen like this one
        and still fit it; otherwise plan the default layout for this screen."""
        area = self._available()
        saved_screen = _ints(self.settings.value("layout/screen"))
        frame = _ints(self.settings.value("layout/frame"))
        state = self.settings.value("layout/docks")
        same_screen = saved_screen == [area.width(), area.height()]
        if same_screen and len(frame) == 4 and fits(tuple(frame), area.getRect()) and state is not None:  # type: ignore[arg-type]
            if self.restoreState(state, LAYOUT_VERSION):
                self.setGeometry(*frame)
                self.start_maximized = self.settings.value("layout/maximized") in (True, "true")
                self.layout_pending = False
                return
        self._plan_default(area)

    def _plan_default(self, area: QRect) -> None:
        plan = plan_layout(area.width(), area.height(), self.left_dock.minimumWidth(), self.right_dock.minimumWidth())
        self.layout_plan = plan
        for dock in (self.left_dock, self.right_dock):
            dock.setFloating(False)
            dock.show()
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.left_dock)
        if plan.tabbed:
            self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.right_dock)
            self.tabifyDockWidget(self.left_dock, self.right_dock)
            self.left_dock.raise_()
        else:
            self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.right_dock)
        for dock in (self.left_dock, self.right_dock):  # tabs name the docks: a title bar would again
            dock.setTitleBarWidget(QWidget() if plan.tabbed else None)  # type: ignore[arg-type]  # None: the usual bar
        self.setGeometry(
            QStyle.alignedRect(
                Qt.LayoutDirection.LeftToRight, Qt.AlignmentFlag.AlignCenter, QSize(plan.width, plan.height), area
            )
        )
        self.start_maximized = plan.maximized
        self.layout_pending = True

    def _apply_dock_sizes(self) -> None:
        """Give the docks their planned widths; only once the window is on screen do they hold
        (before that a real window manager's first resize undoes them)."""
        plan = self.layout_plan
        if not self.layout_pending or plan is None:
            return
        self.layout_pending = False
        if plan.tabbed:
            self.resizeDocks([self.left_dock], [plan.left_width], Qt.Orientation.Horizontal)
        else:
            self.resizeDocks(
                [self.left_dock, self.right_dock], [plan.left_width, plan.right_width], Qt.Orientation.Horizontal
            )

    def show_on_screen(self) -> None:
        """Show the window as planned: maximized on screens up to Full HD, else at its planned size."""
        if self.start_maximized:
            self.showMaximized()
        else:
            self.show()

    @Slot()
    def reset_layout(self) -> None:
        """View > Reset layout: the default docks and window size for this screen; forget the saved ones."""
        for key in ("layout/screen", "layout/frame", "layout/docks", "layout/maximized"):
            self.settings.remove(key)
        self.showNormal()
        self._plan_default(self._available())
        self.show_on_screen()
        QTimer.singleShot(0, self._apply_dock_sizes)

    def _save_layout(self) -> None:
        area = self._available()
        normal = self.normalGeometry() if self.isMaximized() else self.geometry()
        self.settings.setValue("layout/screen", [area.width(), area.height()])
        self.settings.setValue("layout/frame", [normal.x(), normal.y(), normal.width(), normal.height()])
        self.settings.setValue("layout/maximized", self.isMaximized())
        self.settings.setValue("layout/docks", self.saveState(LAYOUT_VERSION))
