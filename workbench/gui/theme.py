"""Colours from the desktop's palette, for plots and for the window's coloured sentences.

A student with a dark desktop gets dark plots with light axes and text; the sentence colours
(errors red, tips amber, notes blue) pick a shade that reads on the palette's background.
Every plot is made by `themed_plot`, every coloured caption by `style`.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

import pyqtgraph as pg
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from .plots.axes import OpaqueGridAxis, grid_axes


class Tone(Enum):
    """What a coloured sentence says: (shade on a light background, shade on a dark one)."""

    ERROR = ("#c62828", "#ef9a9a")
    ADVICE = ("#8a5a00", "#ffcc80")
    NOTE = ("#1f5fa8", "#90caf9")
    GOOD = ("#2e7d32", "#a5d6a7")
    MUTED = ("", "")  # the palette's own placeholder-text colour


def _palette() -> QPalette:
    app = QApplication.instance()
    return app.palette() if isinstance(app, QApplication) else QPalette()


def background() -> QColor:
    """The colour text fields and plots are drawn on."""
    return _palette().color(QPalette.ColorRole.Base)


def foreground() -> QColor:
    """Text and axis colour on that background."""
    return _palette().color(QPalette.ColorRole.Text)


def is_dark() -> bool:
    """True on a dark palette."""
    return background().lightness() < 128


def colour(tone: Tone) -> QColor:
    """The shade of `tone` that reads on this palette."""
    if tone is Tone.MUTED:
        return _palette().color(QPalette.ColorRole.PlaceholderText)
    return QColor(tone.value[1] if is_dark() else tone.value[0])


def error_background() -> QColor:
    """A faint red behind a row that is wrong, dark enough on a dark palette for its light text."""
    return QColor("#4a1c1c" if is_dark() else "#fdecea")


def style(tone: Tone) -> str:
    """A style sheet colouring a label's text in `tone`."""
    return f"color: {colour(tone).name()};"


def banner_style() -> str:
    """A pale band (light palette) or a dim one (dark palette) for a sentence across the plots."""
    back, text = ("#4a3c00", "#ffe9a6") if is_dark() else ("#fff3cd", "#5c4400")
    return f"background: {back}; color: {text}; padding: 4px;"


def info_style() -> str:
    """A calm band for what an experiment is about."""
    back, text = ("#1f3347", "#d6e6f5") if is_dark() else ("#e8f1fb", "#1f3a5a")
    return f"background: {back}; color: {text}; padding: 6px;"


def themed_plot(grid: bool = False, whole_x: bool = False, **kwargs: Any) -> pg.PlotWidget:
    """A pyqtgraph plot on the palette's background, with axes and labels in its text colour;
    `whole_x`: the x axis counts whole things (epochs, steps) and has no ticks between them."""
    back, fore = background(), foreground()
    if grid:
        axes = {"axisItems": grid_axes(back, whole_x)}
    else:
        axes = {"axisItems": {"bottom": OpaqueGridAxis("bottom", back, whole=True)}} if whole_x else {}
    plot = pg.PlotWidget(background=back, **axes, **kwargs)
    item = plot.getPlotItem()
    for side in ("left", "bottom", "right", "top"):
        axis = item.getAxis(side)
        axis.setPen(pg.mkPen(fore))
        axis.setTextPen(pg.mkPen(fore))
    return plot


def legend_above(plot: pg.PlotWidget, columns: int = 2) -> pg.LegendItem:
    """A legend in a row of its own above the plot's area (where pyqtgraph's title would go): it
    never covers a curve or a point, however the data falls. Curves added with a name join it."""
    item = plot.getPlotItem()
    legend = pg.LegendItem(colCount=columns, labelTextColor=foreground(), verSpacing=-2, horSpacing=12)
    legend.layout.setContentsMargins(2, 1, 2, 1)  # pyqtgraph's 9 px around a floating legend: here, room for curves
    item.layout.removeItem(item.titleLabel)
    item.titleLabel.hide()
    item.layout.addItem(legend, 0, 1)
    item.legend = legend
    return legend


def legend_options() -> dict[str, Any]:
    """A legend on a box of the background colour: readable over curves and shading, which still
    show faintly through it where a legend cannot avoid them."""
    back = background()
    back.setAlpha(200)
    return {"brush": pg.mkBrush(back), "pen": pg.mkPen(colour(Tone.MUTED)), "labelTextColor": foreground()}


def progress_style() -> str:
    """A progress bar whose text reads wherever it falls: the palette's text colour over a pale fill
    (a dim one on a dark palette), never white on the style's strong highlight or the reverse."""
    fill, text = ("#2b5278", "#e8eef5") if is_dark() else ("#b9d4ef", "#102a43")
    border = colour(Tone.MUTED).name()
    return (
        f"QProgressBar {{ color: {text}; border: 1px solid {border}; border-radius: 3px; text-align: center; }}"
        f" QProgressBar::chunk {{ background: {fill}; }}"
    )


def still_plot(plot: pg.PlotWidget) -> None:
    """A preview plot inside a scrolling panel: the wheel scrolls the panel over it, as over any
    other place, instead of zooming the plot away (no zoom, no pan, no auto-range button)."""
    plot.setMouseEnabled(False, False)
    plot.hideButtons()
    plot.setMenuEnabled(False)
