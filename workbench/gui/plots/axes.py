"""Cheaper pyqtgraph frames: opaque grid lines, view ranges applied before painting, paints spread out."""

from __future__ import annotations

import math
from typing import Any

import pyqtgraph as pg
from PySide6.QtGui import QColor, QPen


def opaque(colour: QColor, background: QColor) -> QColor:
    """The opaque colour `colour` shows when blended over `background`."""
    a = colour.alphaF()
    fore = (colour.red(), colour.green(), colour.blue())
    back = (background.red(), background.green(), background.blue())
    return QColor(*(round(a * c + (1 - a) * b) for c, b in zip(fore, back, strict=True)))


class OpaqueGridAxis(pg.AxisItem):  # type: ignore[misc]  # pyqtgraph has no type hints
    """A pyqtgraph axis for plots with a grid, drawn with the look of the usual one.

    pyqtgraph fades grid lines with alpha; Qt's raster engine blends such lines pixel by pixel
    (measured: 60 plot-high lines take 14 ms with alpha, 0.4 ms opaque), and the grid was most of
    a plot's frame during training. The same colours, pre-blended over the plot's background, look
    the same on an opaque background. `show_grid` puts the axes below the curves so that opaque
    lines never cover them.
    """

    def __init__(self, orientation: str, background: str | QColor = "w", whole: bool = False, **kwargs: Any) -> None:
        super().__init__(orientation, **kwargs)
        self.background = pg.mkColor(background)
        self.whole = whole  # the axis counts whole things (epochs): no tick between two of them

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list[tuple[float, list[float]]]:  # noqa: N802, N803
        """pyqtgraph's ticks; on an axis of whole numbers only the levels at least 1 apart (a run of
        2 epochs would otherwise be labelled 0.5, 1, 1.5, 2)."""
        levels: list[tuple[float, list[float]]] = super().tickValues(minVal, maxVal, size)
        if not self.whole:
            return levels
        kept = [(spacing, values) for spacing, values in levels if spacing >= 1]
        return kept or [(1.0, [float(v) for v in range(math.ceil(minVal), math.floor(maxVal) + 1)])]

    def drawPicture(self, p: Any, axisSpec: Any, tickSpecs: Any, textSpecs: Any) -> None:  # noqa: N802, N803
        """Draw as pyqtgraph does, with each translucent tick pen made opaque first."""
        solid = []
        for pen, p1, p2 in tickSpecs:
            if pen.color().alpha() < 255:
                pen = QPen(pen)
                pen.setColor(opaque(pen.color(), self.background))
            solid.append((pen, p1, p2))
        super().drawPicture(p, axisSpec, solid, textSpecs)


def grid_axes(background: str | QColor = "w", whole_x: bool = False) -> dict[str, OpaqueGridAxis]:
    """Left and bottom axes for `pg.PlotWidget(axisItems=...)`; `whole_x`: the bottom one counts
    whole things (epochs)."""
    return {"left": OpaqueGridAxis("left", background), "bottom": OpaqueGridAxis("bottom", background, whole_x)}


def show_grid(item: Any, alpha: float = 0.25) -> None:
    """Turn on a plot item's grid with its axes stacked below the data (pyqtgraph puts them above)."""
    item.showGrid(x=True, y=True, alpha=alpha)
    for side in ("left", "bottom"):
        item.getAxis(side).setZValue(-0.5)


def settle_view(view: Any) -> None:
    """Apply a changed view range (and auto-range) now rather than at paint time.

    pyqtgraph applies them while painting, which dirties the scene and paints the plot a second
    time; settled beforehand, a frame is painted once.
    """
    view.prepareForPaint()


def paint_later(*widgets: Any) -> None:
    """Let the event loop turn between drawing a plot (setData) and painting it, and between plots.

    Qt paints a changed widget before it fires a due timer, so a plot's update and its paint ran
    as one long pause of the GUI thread. With updates held until a zero timer releases them, one
    widget at a time, timers and input due in between run first.
    """
    from PySide6.QtCore import QTimer

    held = [w for w in widgets if w.updatesEnabled()]
    if not held:
        return
    for widget in held:
        widget.setUpdatesEnabled(False)
    # A timer object, not QTimer.singleShot(0, ...): Qt turns the latter into a posted call,
    # which runs before due timers.
    timer = QTimer(held[0])
    timer.setSingleShot(True)
    timer.setInterval(0)

    def release() -> None:
        held.pop(0).setUpdatesEnabled(True)
        if held:
            timer.start()
        else:
            timer.deleteLater()

    timer.timeout.connect(release)
    timer.start()


def fill_view(plot: Any) -> None:
    """Lay a plot's items out at its widget's size again. A legend entry that was wide for a moment
    widens the plot item past the widget, and pyqtgraph fits the item to the widget only when the
    widget resizes: without this the plot's right part stays cut off (the last epochs, a marker)."""
    pg.GraphicsView.setRange(plot, plot.range, padding=0, disableAutoPixel=False)
