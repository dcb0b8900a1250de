"""Where the labels of a plot's marker lines (best epoch, early stop, continued) go: where they
hide the fewest curve points, overlap nothing else (the legend's band), and stay inside the plot.

They have opaque boxes, so that they read over curves and shading; placing them away from the
curves keeps the data in sight. Everything here works in the view's coordinates (log values on a
log axis), from sizes measured in pixels.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF

from ..theme import background

MARGIN_PX = 6
STEPS = 24  # label heights tried, from the top of the plot down


def make_tag(colour: str) -> pg.TextItem:
    """An empty label in `colour` on an opaque box, above the curves."""
    fill = background()
    fill.setAlpha(235)
    tag = pg.TextItem("", color=colour, fill=pg.mkBrush(fill), border=pg.mkPen(colour), anchor=(0, 0))
    tag.setZValue(20)
    return tag


def hidden(rect: QRectF, points: np.ndarray) -> int:
    """How many of `points` (N x 2) lie in `rect`."""
    if not len(points):
        return 0
    x, y = points[:, 0], points[:, 1]
    inside = (x >= rect.left()) & (x <= rect.right()) & (y >= rect.top()) & (y <= rect.bottom())
    return int(inside.sum())


def _pixel(view: Any) -> tuple[float, float] | None:
    size = view.viewPixelSize()
    return (size[0], abs(size[1])) if size[0] and size[1] else None  # None: not laid out yet


def place(view: Any, tags: list[tuple[pg.TextItem, float]], obstacles: list[QRectF], points: np.ndarray) -> None:
    """Put each visible (label, line x) beside its line where it hides the fewest points and
    overlaps no obstacle or label placed before it, inside the plot."""
    pixel = _pixel(view)
    if pixel is None:
        return
    (x0, x1), (y0, y1) = view.viewRange()
    mx, my = MARGIN_PX * pixel[0], MARGIN_PX * pixel[1]
    taken = list(obstacles)
    for tag, x in tags:
        if not tag.isVisible():
            continue
        text = tag.textItem.boundingRect()
        width, height = text.width() * pixel[0], text.height() * pixel[1]
        left = x - mx - width if x - mx - width >= x0 + mx else x + mx  # left of the line, unless cut
        left = max(x0 + mx, min(left, x1 - mx - width))  # never past the plot's edges
        best: tuple[int, float] | None = None
        top_most, low_most = y1 - my, y0 + my + height
        for step in range(STEPS + 1):
            top = top_most - (top_most - low_most) * step / STEPS
            rect = QRectF(left, top - height, width, height)
            score = hidden(rect, points) + 1000 * sum(rect.intersects(o) for o in taken)
            if best is None or score < best[0]:
                best = (score, top)
            if score == 0:
                break
        assert best is not None
        tag.setPos(left, best[1])
        taken.append(QRectF(left, best[1] - height, width, height))
