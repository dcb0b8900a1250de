"""Pictures of a dataset for the dataset panel: a thumbnail grid with labels, or a 2-D scatter."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPixmap

from ..spec.datasets import class_words

# Colours that stay apart for up to 10 classes (and are readable on white).
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")


def class_colour(k: int) -> QColor:
    """The colour of class `k` in every plot."""
    return QColor(PALETTE[k % len(PALETTE)])


def _qimage(sample: np.ndarray) -> QImage:
    """(C, H, W) uint8 -> QImage (grey or RGB); the array is copied so Qt owns its pixels."""
    if sample.shape[0] == 1:
        data = np.ascontiguousarray(sample[0])
        image = QImage(data.data, data.shape[1], data.shape[0], data.strides[0], QImage.Format.Format_Grayscale8)
    else:
        data = np.ascontiguousarray(sample[:3].transpose(1, 2, 0))
        image = QImage(data.data, data.shape[1], data.shape[0], data.strides[0], QImage.Format.Format_RGB888)
    return image.copy()


def thumbnail_grid(images: np.ndarray, labels: list[str], columns: int = 8, cell: int = 44) -> QPixmap:
    """A grid of samples (N, C, H, W uint8), each enlarged without smoothing and captioned."""
    rows = -(-len(images) // columns)
    caption = 14 if any(labels) else 0  # no captions: no room left under the pictures for them
    pixmap = QPixmap(columns * cell, rows * (cell + caption))
    pixmap.fill(Qt.GlobalColor.white)
    painter = QPainter(pixmap)
    font = QFont()
    font.setPointSize(8)
    painter.setFont(font)
    for i, (sample, label) in enumerate(zip(images, labels, strict=True)):
        x, y = (i % columns) * cell, (i // columns) * (cell + caption)
        picture = _qimage(sample).scaled(
            cell - 6, cell - 6, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.FastTransformation
        )
        painter.drawImage(x + 3 + (cell - 6 - picture.width()) // 2, y + 3, picture)
        painter.setPen(QColor("#333"))
        painter.drawText(QRect(x, y + cell - 3, cell, caption), Qt.AlignmentFlag.AlignCenter, label[:8])
    painter.end()
    return pixmap


def scatter_items(points: np.ndarray, labels: np.ndarray, names: tuple[str, ...]) -> list[pg.ScatterPlotItem]:
    """One scatter item per class, coloured like everywhere else, named for the legend."""
    items = []
    for k, name in enumerate(names):
        mask = labels == k
        colour = class_colour(k)
        items.append(
            pg.ScatterPlotItem(
                points[mask, 0], points[mask, 1], size=5, pen=None, brush=pg.mkBrush(colour), name=class_words(name)
            )
        )
    return items
