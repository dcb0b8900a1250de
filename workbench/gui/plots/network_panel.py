"""The network drawn: the stack as boxes with their shapes and parameter counts, or, for a small
dense network on 2-D points, as TensorFlow Playground draws it (each neuron a small picture of what
it answers over the plane, the weights as lines coloured by sign and thick by size) at the epoch
the views show.

The boxes come from the spec's shape analysis (no run needed); the selected layer is outlined,
rows the layer list marks red (does not fit) or amber (advice, layer health) are marked alike.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QLabel, QScrollArea, QSplitter, QVBoxLayout, QWidget

from ...engine.events import BoundarySnapshot, DenseNetwork, HealthReport
from ...i18n import N_, _
from ...spec import ExperimentSpec
from ...spec.peek import DataError
from ...spec.shapes import format_shape, numel
from ..theme import Tone, colour, foreground
from .boundary_panel import NEGATIVE, POSITIVE, boundary_rgb, signed_rgb
from .health_plot import HealthPlot

BOX_H, ACTIVATION_H, GAP = 30, 18, 14  # a layer with weights, an activation-like layer, the arrow between
OUTPUT_SCALE = 2.0
MIN_SHARE = 0.28  # the smallest box's width, as a share of the widest: every box readable
PLAYGROUND_CAPTION = N_(
    "As TensorFlow Playground draws it, {weights}: each neuron's output over the plane (orange above "
    "zero, blue below); lines are the weights, orange positive, blue negative, thicker the larger."
)
BOXES_CAPTION = N_(
    "The network as boxes, as wide as each layer's output is large: its shape and parameters beside "
    "it. Click a box to edit that layer."
)
FAMILIES = {  # the fill of a layer's box, by what it does
    "conv": ("Conv1d", "Conv2d", "ConvTranspose2d"),
    "pool": ("MaxPool1d", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d"),
    "dense": ("Linear",),
    "recurrent": ("RNN", "LSTM", "GRU"),
}
FILLS = {"conv": "#cfe3f7", "pool": "#d7efe9", "dense": "#ffe1c2", "recurrent": "#e6dcf5", "other": "#eeeeee"}


@dataclass(frozen=True)
class Box:
    """One row of the diagram: a layer (or the input) and how it is drawn."""

    part: str  # "input", "layers", "latent" or "decoder"
    index: int  # in its part's list (from 0); -1 for the input
    title: str  # "1  Conv2d(16, kernel_size=3)"
    detail: str  # "(16, 8, 8) · 160"
    size: int  # values in its output, for its width
    family: str
    thin: bool  # an activation, dropout, flatten: drawn thinner
    tone: Tone | None = None  # red: does not fit; amber: advice or a health flag


def family_of(kind: str) -> str:
    """Which fill a layer of this type gets."""
    return next((name for name, kinds in FAMILIES.items() if kind in kinds), "other")


def boxes_of(
    spec: ExperimentSpec, base_dir: Path | None = None, flagged: frozenset[tuple[str, int]] = frozenset()
) -> list[Box]:
    """The diagram's rows for `spec`'s network: the input, then every analysed layer; empty when
    the data's shape is not known yet. `flagged`: the (list, row) the health flags mark."""
    try:
        analysis = spec.network.analyze(spec.data_shape(base_dir).input_shape)
    except DataError:
        return []
    # Advice on a layer inside a residual block marks the block's box.
    advised = {a.index if a.block is None else a.block for a in spec.advice(base_dir)} if analysis.ok else set()
    boxes = [
        Box("input", -1, _("input"), format_shape(analysis.input_shape), numel(analysis.input_shape), "other", False)
    ]
    for row in analysis.rows:
        shape = row.output_shape or ()
        kind = row.layer.type
        tone = Tone.ERROR if row.error else None
        advice = row.part == "layers" and row.index in advised
        if tone is None and (advice or (row.part, row.index) in flagged):
            tone = Tone.ADVICE
        weighted = row.params > 0 or family_of(kind) != "other"
        number = _("code") if row.part == "latent" else str(row.index + 1)
        count = _("{count} parameters").format(count=f"{row.params:,}") if row.params else ""
        detail = "⚠ " + _("does not fit") if row.error else " · ".join(w for w in (format_shape(shape), count) if w)
        boxes.append(
            Box(
                row.part,
                row.index,
                f"{number}  {row.layer.summary()}",
                detail,
                numel(shape) if shape else 1,
                family_of(kind),
                not weighted,
                tone,
            )
        )
    return boxes


class StackDiagram(QWidget):
    """The boxes, top to bottom; `clicked(part, index)` when the student clicks a layer's box."""

    clicked = Signal(str, int)

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("stackDiagram")
        self.boxes: list[Box] = []
        self.selected: tuple[str, int] = ("layers", -1)
        self.rects: list[QRectF] = []

    def show_boxes(self, boxes: list[Box], selected: tuple[str, int]) -> None:
        """Draw `boxes`, `selected` outlined."""
        if (boxes, selected) != (self.boxes, self.selected):
            self.boxes, self.selected = boxes, selected
            self.updateGeometry()
            self.update()

    def rect_of(self, wanted: tuple[str, int]) -> QRectF | None:
        """Where the box of layer `wanted` (part, index) is drawn, or None."""
        rects = self._layout()
        return next((r for b, r in zip(self.boxes, rects, strict=True) if (b.part, b.index) == wanted), None)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        height = sum((ACTIVATION_H if b.thin else BOX_H) + GAP for b in self.boxes) + GAP
        return QSize(360, height)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(200, self.sizeHint().height())

    def _layout(self) -> list[QRectF]:
        """Each box's rectangle: centred, as wide as the log of its output's size allows."""
        sizes = [math.log10(max(b.size, 1)) + 1 for b in self.boxes]
        widest = max(sizes, default=1.0)
        full = self.width() - 16
        rects, y = [], float(GAP)
        for box, size in zip(self.boxes, sizes, strict=True):
            width = full * (MIN_SHARE + (1 - MIN_SHARE) * size / widest)
            height = ACTIVATION_H if box.thin else BOX_H
            rects.append(QRectF((self.width() - width) / 2, y, width, height))
            y += height + GAP
        return rects

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.rects = self._layout()
        text = foreground()
        for i, (box, rect) in enumerate(zip(self.boxes, self.rects, strict=True)):
            if i:  # the arrow from the box above
                above = self.rects[i - 1]
                painter.setPen(QPen(text, 1.2))
                painter.drawLine(QPointF(rect.center().x(), above.bottom()), QPointF(rect.center().x(), rect.top() - 2))
                tip = rect.top() - 2
                painter.drawLine(QPointF(rect.center().x() - 4, tip - 5), QPointF(rect.center().x(), tip))
                painter.drawLine(QPointF(rect.center().x() + 4, tip - 5), QPointF(rect.center().x(), tip))
            chosen = (box.part, box.index) == self.selected
            edge = colour(box.tone) if box.tone is not None else QColor("#777777")
            painter.setPen(QPen(QColor("#1f77b4") if chosen else edge, 3 if chosen or box.tone else 1))
            painter.setBrush(QColor(FILLS[box.family]))
            painter.drawRoundedRect(rect, 4, 4)
            painter.setPen(QColor("#c62828") if box.tone is Tone.ERROR else QColor("#222222"))
            inside = rect.adjusted(6, 0, -6, 0)
            metrics = painter.fontMetrics()
            detail = metrics.elidedText(box.detail, Qt.TextElideMode.ElideRight, int(inside.width() * 0.6))
            room = int(inside.width()) - metrics.horizontalAdvance(detail) - 12
            title = ("⚠ " if box.tone is Tone.ADVICE else "") + box.title
            middle = Qt.AlignmentFlag.AlignVCenter
            painter.drawText(inside, middle | Qt.AlignmentFlag.AlignRight, detail)  # the shape stays whole
            painter.drawText(
                inside,
                middle | Qt.AlignmentFlag.AlignLeft,
                metrics.elidedText(title, Qt.TextElideMode.ElideRight, max(room, 0)),
            )
        painter.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        for box, rect in zip(self.boxes, self.rects, strict=False):
            if rect.contains(event.position()) and box.index >= 0 and box.part in ("layers", "decoder"):
                self.clicked.emit(box.part, box.index)
                return
        super().mousePressEvent(event)


def _tile(rgb: np.ndarray) -> QImage:
    """(3, rows, cols) uint8 -> an image, top row first."""
    data = np.ascontiguousarray(rgb.transpose(1, 2, 0))
    return QImage(data.data, data.shape[1], data.shape[0], data.strides[0], QImage.Format.Format_RGB888).copy()


def playground_columns(snapshot: BoundarySnapshot, network: DenseNetwork) -> list[list[QImage]]:
    """The pictures of every column: the two inputs (x₁ and x₂ over the plane), each hidden
    layer's neurons, and the output (the decision boundary)."""
    side = network.neurons[0].shape[1] if network.neurons else snapshot.classes.shape[0]
    ramp = np.linspace(-1.0, 1.0, side, dtype=np.float32)
    inputs = np.stack([np.tile(ramp, (side, 1)), np.tile(ramp[:, None], (1, side))])  # x₁ left to right, x₂ up
    columns = [[_tile(rgb) for rgb in np.ascontiguousarray(signed_rgb(inputs)[:, :, ::-1])]]
    for maps in network.neurons:
        columns.append([_tile(rgb) for rgb in np.ascontiguousarray(signed_rgb(maps)[:, :, ::-1])])
    step = max(1, snapshot.classes.shape[0] // side)
    classes, confidence = snapshot.classes[::step, ::step], snapshot.confidence[::step, ::step]
    n_classes = int(max(snapshot.labels.max(initial=0), classes.max(initial=0))) + 1
    output = boundary_rgb(classes, confidence, n_classes)[::-1].transpose(2, 0, 1)
    columns.append([_tile(np.ascontiguousarray(output))])
    return columns


class PlaygroundDiagram(QWidget):
    """Neurons as small pictures in columns, the weights between them as lines."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("playgroundDiagram")
        self.columns: list[list[QImage]] = []
        self.weights: tuple[np.ndarray, ...] = ()
        self.titles: list[str] = []

    def show_network(self, snapshot: BoundarySnapshot | None, names: list[str]) -> None:
        """Draw the network of `snapshot` (nothing when None); `names`: each column's title."""
        network = snapshot.network if snapshot is not None else None
        if snapshot is None or network is None:
            self.columns, self.weights, self.titles = [], (), []
        else:
            self.columns, self.weights, self.titles = playground_columns(snapshot, network), network.weights, names
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        tallest = max((len(c) for c in self.columns), default=0)
        return QSize(120 * max(len(self.columns), 1), 24 + tallest * 30)

    def _tile_side(self) -> float:
        tallest = max((len(c) for c in self.columns), default=1)
        return max(8.0, min(44.0, (self.height() - 30) / tallest - 6, self.width() / max(len(self.columns), 1) / 2.2))

    def _centres(self) -> list[list[QPointF]]:
        side = self._tile_side()
        count = len(self.columns)
        spacing = self.width() / max(count, 1)
        centres = []
        for c, tiles in enumerate(self.columns):
            x = spacing * (c + 0.5)
            top = 24 + (self.height() - 24 - len(tiles) * (side + 4)) / 2
            centres.append([QPointF(x, top + k * (side + 4) + side / 2) for k in range(len(tiles))])
        return centres

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        if not self.columns:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        side = self._tile_side()
        centres = self._centres()
        for k, weights in enumerate(self.weights):  # the lines first, under the pictures
            if k + 1 >= len(centres):
                break
            largest = float(np.abs(weights).max(initial=0.0)) or 1.0
            for j, end in enumerate(centres[k + 1][: weights.shape[0]]):
                for i, start in enumerate(centres[k][: weights.shape[1]]):
                    w = float(weights[j, i]) / largest
                    tone = QColor(*(int(c) for c in (POSITIVE if w >= 0 else NEGATIVE)))
                    tone.setAlphaF(0.25 + 0.75 * abs(w))
                    painter.setPen(QPen(tone, 0.4 + 3.0 * abs(w)))
                    last = k + 1 == len(centres) - 1
                    painter.drawLine(
                        start + QPointF(side / 2, 0), end - QPointF(side * (OUTPUT_SCALE if last else 1) / 2, 0)
                    )
        painter.setPen(foreground())
        for c, (tiles, points) in enumerate(zip(self.columns, centres, strict=True)):
            size = side * (OUTPUT_SCALE if c == len(self.columns) - 1 else 1.0)  # the answer: the picture to read
            for tile, centre in zip(tiles, points, strict=True):
                target = QRectF(centre.x() - size / 2, centre.y() - size / 2, size, size)
                painter.drawImage(target, tile)
                painter.drawRect(target)
            if c < len(self.titles):
                spacing = self.width() / len(self.columns)
                painter.drawText(QRectF(spacing * c, 2, spacing, 20), Qt.AlignmentFlag.AlignCenter, self.titles[c])
        painter.end()


class NetworkPanel(QWidget):
    """The network tab: Playground's drawing when it applies, else the boxes; `layer_chosen(part,
    index)` when a box is clicked."""

    layer_chosen = Signal(str, int)

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("networkPanel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        self.caption = QLabel(_(BOXES_CAPTION))
        self.caption.setObjectName("networkCaption")
        self.caption.setWordWrap(True)
        layout.addWidget(self.caption)
        self.stack = StackDiagram()
        self.stack.clicked.connect(self.layer_chosen)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setWidget(self.stack)
        self.playground = PlaygroundDiagram()
        self.playground.hide()
        drawn = QWidget()
        drawn_layout = QVBoxLayout(drawn)
        drawn_layout.setContentsMargins(0, 0, 0, 0)
        drawn_layout.addWidget(self.scroll_area)
        drawn_layout.addWidget(self.playground)
        self.health = HealthPlot()
        self.health.hide()
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(drawn)
        split.addWidget(self.health)
        split.setStretchFactor(0, 3)  # the network first; the plot below it, larger by hand when it tells something
        split.setStretchFactor(1, 2)
        layout.addWidget(split, 1)
        self.split = split
        self.shown_snapshot: BoundarySnapshot | None = None
        self.boxes_for: tuple[int, Path | None, frozenset[tuple[str, int]]] | None = None
        self.boxes: list[Box] = []

    def show_network(
        self,
        spec: ExperimentSpec,
        base_dir: Path | None,
        selected: tuple[str, int],
        flagged: frozenset[tuple[str, int]],
        snapshot: BoundarySnapshot | None,
        health: tuple[list[HealthReport], int | None] = ([], None),
    ) -> None:
        """The boxes of `spec`'s network; Playground's drawing instead when `snapshot` (the run's,
        of this same network, at the epoch shown) carries a small dense network's neurons; under
        it the run's layer health over the epochs (`health`: its reports and the epoch shown)."""
        reports, epoch = health
        appears = bool(reports) and not self.health.isVisibleTo(self)
        self.health.setVisible(bool(reports))
        if appears:  # the network keeps most of the room; the plot can be dragged taller
            total = sum(self.split.sizes()) or self.split.height()
            self.split.setSizes([total * 6 // 10, total - total * 6 // 10])
        if reports:
            self.health.show_reports(reports, epoch)
        playground = snapshot is not None and snapshot.network is not None
        self.scroll_area.setVisible(not playground)
        self.playground.setVisible(playground)
        if playground and snapshot is not None and snapshot.network is not None:
            if snapshot is not self.shown_snapshot:
                self.shown_snapshot = snapshot
                self.playground.show_network(snapshot, column_titles(snapshot.network))
                weights = (
                    _("with the weights of epoch {epoch} (restored: the best)")
                    if snapshot.restored
                    else _("after epoch {epoch}")
                ).format(epoch=snapshot.epoch)
                self.caption.setText(_(PLAYGROUND_CAPTION).format(weights=weights))
            return
        self.shown_snapshot = None
        self.caption.setText(_(BOXES_CAPTION))
        key = (id(spec), base_dir, flagged)
        if key != self.boxes_for:  # the analysis reads the data's shape: once per experiment, not per frame
            self.boxes_for, self.boxes = key, boxes_of(spec, base_dir, flagged)
        if selected != self.stack.selected:
            self.stack.show_boxes(self.boxes, selected)
            rect = self.stack.rect_of(selected)
            if rect is not None:  # the selected layer's box in view, as its row is in the list
                self.scroll_area.ensureVisible(int(rect.center().x()), int(rect.center().y()), 0, int(BOX_H * 2))
        else:
            self.stack.show_boxes(self.boxes, selected)


def column_titles(network: DenseNetwork) -> list[str]:
    """Each column's title: the input, every hidden layer (the number of its Linear in the list: the
    layer whose units the neurons are), the output."""
    hidden = [_("layer {number}").format(number=position + 1) for position in network.linear]
    return [_("input"), *hidden, _("output")]
