"""The decision boundary, live: what the network answers over the whole plane of 2-D data."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ...engine.events import BoundarySnapshot
from ...i18n import N_, _
from ..preview import PALETTE, scatter_items, thumbnail_grid
from ..run_data import RunRecord
from ..theme import legend_above, themed_plot
from .axes import settle_view

EMPTY_TEXT = N_(
    "With 2-D points to classify (spiral, moons, circles, XOR, blobs, or a CSV with two features), "
    "this shows what the network answers over the whole plane while it learns."
)


def boundary_rgb(classes: np.ndarray, confidence: np.ndarray, n_classes: int) -> np.ndarray:
    """(rows, cols) predictions -> (rows, cols, 3) uint8: each class's colour, paler where the
    network is unsure (at chance level it is almost white, fully sure it is a soft tint)."""
    palette = np.array([[int(c[i : i + 2], 16) for i in (1, 3, 5)] for c in PALETTE], dtype=np.float32)
    chance = 1.0 / max(n_classes, 2)
    sure = np.clip((confidence - chance) / (1.0 - chance), 0.0, 1.0)[..., None]
    strength = 0.08 + 0.37 * sure  # a light tint, so that the points (full colour) stand out on it
    colour = palette[classes % len(palette)]
    rgb: np.ndarray = np.rint(255.0 + strength * (colour - 255.0)).astype(np.uint8)
    return rgb


POSITIVE = np.array([255, 127, 14], dtype=np.float32)  # orange: the neuron fires
NEGATIVE = np.array([31, 119, 180], dtype=np.float32)  # blue: below zero


def signed_rgb(maps: np.ndarray, shared: bool = False) -> np.ndarray:
    """(n, rows, cols) values -> (n, 3, rows, cols) uint8 pictures: white at zero, orange as a value
    grows, blue as it goes below zero; each scaled to its own largest, or (`shared`) all to the
    largest of them, so that strong and weak ones can be told apart."""
    magnitude = np.abs(maps).reshape(len(maps), -1).max(1, initial=0.0)
    scale = (np.full_like(magnitude, magnitude.max(initial=0.0)) if shared else magnitude).clip(min=1e-6)
    t = (maps / scale[:, None, None])[..., None]
    colour = np.where(t >= 0, POSITIVE, NEGATIVE)
    rgb = np.rint(255.0 + np.abs(t) * (colour - 255.0)).astype(np.uint8)
    return np.ascontiguousarray(rgb.transpose(0, 3, 1, 2))


def neuron_rgb(maps: np.ndarray) -> np.ndarray:
    """(units, rows, cols) outputs over the plane -> (units, 3, rows, cols) uint8 pictures, top row
    first, each unit scaled to its own largest output (see `signed_rgb`)."""
    return np.ascontiguousarray(signed_rgb(maps)[:, :, ::-1])  # rows go up the y axis in the data


class BoundaryPanel(QWidget):
    """The current run's latest decision-boundary picture, with the training points over it."""

    def __init__(self) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        self.caption = QLabel(_(EMPTY_TEXT))
        self.caption.setObjectName("boundaryCaption")
        self.caption.setWordWrap(True)
        layout.addWidget(self.caption)
        self.plot = themed_plot()
        self.plot.setObjectName("boundaryPlot")
        self.plot.setAccessibleName(_("Decision boundary"))
        self.item: Any = self.plot.getPlotItem()
        self.image = pg.ImageItem()
        self.image.setZValue(-10)
        self.item.addItem(self.image)
        legend_above(self.plot, columns=4)
        layout.addWidget(self.plot, 1)
        self.neuron_caption = QLabel()
        self.neuron_caption.setWordWrap(True)
        layout.addWidget(self.neuron_caption)
        self.neurons = QLabel()
        self.neurons.setObjectName("neuronMaps")
        self.neurons.setAccessibleName(_("What each neuron of the first hidden layer outputs over the plane"))
        layout.addWidget(self.neurons)
        self._show_neurons(None)
        self.scatter: list[Any] = []
        self.points: np.ndarray | None = None
        self.shown: BoundarySnapshot | None = None

    def show_run(self, record: RunRecord) -> None:
        """Draw `record`'s latest picture (nothing to do when it has not changed)."""
        snapshot = record.shown_boundary
        if snapshot is self.shown:
            return
        self.shown = snapshot
        if snapshot is None:
            self.clear()
            return
        names = record.started.class_names if record.started else ()
        n_classes = max(len(names), int(snapshot.labels.max(initial=0)) + 1)
        rgb = boundary_rgb(snapshot.classes, snapshot.confidence, n_classes)
        self.image.setImage(rgb.transpose(1, 0, 2), autoLevels=False, levels=(0, 255))  # pyqtgraph wants [x, y]
        (x0, x1), (y0, y1) = snapshot.x_range, snapshot.y_range
        self.image.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))
        if snapshot.points is not self.points:
            self._show_points(snapshot, names or tuple(_("class {number}").format(number=k) for k in range(n_classes)))
            self.item.getViewBox().setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)
        weights = (
            _("with the weights of epoch {epoch} (restored: the best)")
            if snapshot.restored
            else _("after epoch {epoch}")
        )
        self.caption.setText(
            _(
                "What the network answers over the plane {weights}: "
                "each colour is a class, paler where it is unsure. Dots: the training points."
            ).format(weights=weights.format(epoch=snapshot.epoch))
        )
        self._show_neurons(snapshot)
        settle_view(self.item.getViewBox())

    def _show_points(self, snapshot: BoundarySnapshot, names: tuple[str, ...]) -> None:
        for item in self.scatter:
            self.item.removeItem(item)
        if self.item.legend is not None:
            self.item.legend.clear()
        self.points = snapshot.points
        self.scatter = scatter_items(snapshot.points, snapshot.labels, names)
        for item in self.scatter:
            item.setPen(pg.mkPen("#333333", width=0.6))
            self.item.addItem(item)

    def _show_neurons(self, snapshot: BoundarySnapshot | None) -> None:
        """The first hidden layer's units, one small picture each (as TensorFlow Playground shows them)."""
        maps = snapshot.neurons if snapshot is not None else None
        self.neuron_caption.setVisible(maps is not None)
        self.neurons.setVisible(maps is not None)
        if maps is None or snapshot is None:
            self.neurons.clear()
            return
        self.neuron_caption.setText(_("<b>Each neuron</b> of the first hidden layer: orange where it fires"))
        self.neuron_caption.setToolTip(
            _(
                "The outputs of layers[{index}] over the same plane, one picture per unit "
                "(the first 16): white at zero, orange as the output grows, blue below zero."
            ).format(index=snapshot.neuron_layer)
        )
        labels = [str(k) for k in range(len(maps))]
        self.neurons.setPixmap(thumbnail_grid(neuron_rgb(maps), labels, columns=8, cell=30))

    def clear(self) -> None:
        """No picture: a run on other data, or none yet."""
        self._show_neurons(None)
        self.image.clear()
        for item in self.scatter:
            self.item.removeItem(item)
        if self.item.legend is not None:
            self.item.legend.clear()
        self.scatter, self.points, self.shown = [], None, None
        self.caption.setText(_(EMPTY_TEXT))
