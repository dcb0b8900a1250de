"""Inside the network: what every layer makes of one test example, at the epoch the views show.

A convolution's feature maps as a grid of small pictures (one per channel), a vector's values as
bars, a recurrent layer's hidden state over the steps as a heatmap, and the first convolution's
filters as pictures. White is zero, orange above it, blue below, as on the decision boundary's
neurons. The arrays come from the training process (`engine/activations.py`).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRect, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPixmap, QResizeEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ...engine.events import Activations, LayerOutput
from ...i18n import N_, _
from ...spec.datasets import class_words
from ..preview import thumbnail_grid
from ..run_data import RunRecord
from .boundary_panel import NEGATIVE, POSITIVE, signed_rgb

EMPTY_TEXT = N_(
    "After a run, this shows what every layer makes of one test example at the epoch shown: a "
    "convolution's feature maps, each layer's outputs, a recurrent layer's hidden state over the steps."
)
RUNNING_TEXT = N_("Shown once the run's first epoch has ended: each layer's outputs come from an epoch's weights.")
BAR_HEIGHT = 56
BAR_WIDTH_MAX = 640
INPUT_NAMED = 8  # an input of a few features (a 2-D point) has each bar named
LABELLED_BAR = 30  # a class's bar, wide enough for its name under it
MAP_COLUMNS = 16
MARGIN_PX = 40  # the layers' column's own margins, and room for a vertical scroll bar
STEPS_HEIGHT = 240  # a recurrent state's heatmap: its rows share this height


def map_cell(height: int, width: int) -> int:
    """The side of one feature map's cell: small maps enlarged, large ones shrunk to fit a row."""
    return int(min(max(4 * max(height, width) + 6, 34), 72))


def bars_pixmap(
    values: np.ndarray,
    width: int = BAR_WIDTH_MAX,
    height: int = BAR_HEIGHT,
    labels: list[str] | None = None,
    marks: dict[int, str] | None = None,
) -> QPixmap:
    """One bar per value about a middle line: orange above zero, blue below, all to one scale;
    with `labels` (a classifier's classes, an input's features), each bar named under it, in the
    colour `marks` gives it (the true class green, a wrong answer red)."""
    n = max(len(values), 1)
    bar = LABELLED_BAR if labels else max(1, min(12, width // n))
    caption = 14 if labels else 0
    pixmap = QPixmap(bar * n + 2, height + caption)
    pixmap.fill(QColor("white"))
    painter = QPainter(pixmap)
    middle = height // 2
    painter.setPen(QColor("#999999"))
    painter.drawLine(0, middle, pixmap.width(), middle)
    scale = float(np.abs(values).max(initial=0.0)) or 1.0
    for i, value in enumerate(values):
        length = int(round(abs(float(value)) / scale * (middle - 2)))
        tone = POSITIVE if value >= 0 else NEGATIVE
        top = middle - length if value >= 0 else middle + 1
        painter.fillRect(1 + i * bar, top, max(bar - 1, 1), length, QColor(*(int(c) for c in tone)))
    if labels:
        font = QFont()
        font.setPointSize(7)
        painter.setFont(font)
        for i, label in enumerate(labels):
            painter.setPen(QColor((marks or {}).get(i, "#333333")))
            painter.drawText(QRect(1 + i * bar, height, bar, caption), Qt.AlignmentFlag.AlignCenter, label[:5])
    painter.end()
    return pixmap


def steps_pixmap(values: np.ndarray, width: int = BAR_WIDTH_MAX) -> QPixmap:
    """A (steps, features) state as a heatmap: a column per step, a row per value, each cell as
    large as fits `width` and STEPS_HEIGHT (never under 2 pixels: long sequences scroll)."""
    steps, features = values.shape
    rgb = np.ascontiguousarray(signed_rgb(values.T[None], shared=True)[0].transpose(1, 2, 0))  # (features, steps, 3)
    image = QImage(rgb.data, steps, features, rgb.strides[0], QImage.Format.Format_RGB888).copy()
    cell_w = max(2, min(24, width // max(steps, 1)))
    cell_h = max(2, min(12, STEPS_HEIGHT // max(features, 1)))
    scaled = image.scaled(
        steps * cell_w,
        features * cell_h,
        Qt.AspectRatioMode.IgnoreAspectRatio,
        Qt.TransformationMode.FastTransformation,
    )
    return QPixmap.fromImage(scaled)


def filter_pictures(filters: np.ndarray) -> np.ndarray:
    """(out, in, kh, kw) weights -> (out, C, kh, kw) uint8 pictures: colour filters (3 inputs) as
    colours stretched to their range, others by their first input, signed."""
    if filters.shape[1] == 3:
        low = filters.min(axis=(1, 2, 3), keepdims=True)
        span = (filters.max(axis=(1, 2, 3), keepdims=True) - low).clip(min=1e-8)
        stretched: np.ndarray = np.rint((filters - low) / span * 255).astype(np.uint8)
        return stretched
    return signed_rgb(filters[:, 0])


class InsidePanel(QWidget):
    """Picks a test example and shows every layer's output for it; `wanted(example, mistake)` asks
    for an example's activations (`mistake`: the next one after it the network gets wrong)."""

    wanted = Signal(int, bool)

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("insidePanel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        row = QHBoxLayout()
        row.addWidget(QLabel(_("Test example")))
        self.example = QSpinBox()
        self.example.setObjectName("insideExample")
        self.example.setAccessibleName(_("Test example to look inside the network with"))
        self.example.setMinimum(1)
        self.example.setKeyboardTracking(False)  # typed digits count once Enter is pressed or the box is left
        self.example.valueChanged.connect(self._pick)
        row.addWidget(self.example)
        self.mistake = QPushButton(_("Next mistake"))
        self.mistake.setObjectName("nextMistakeButton")
        self.mistake.setToolTip(_("The next test example the network answers wrongly"))
        self.mistake.clicked.connect(lambda: self.wanted.emit(self.example.value() - 1, True))
        row.addWidget(self.mistake)
        row.addStretch(1)
        layout.addLayout(row)
        self.answer = QLabel()
        self.answer.setObjectName("insideAnswer")
        layout.addWidget(self.answer)
        self.caption = QLabel(_(EMPTY_TEXT))
        self.caption.setObjectName("insideCaption")
        self.caption.setWordWrap(True)
        layout.addWidget(self.caption)
        self.layers_view = QScrollArea()
        self.layers_view.setWidgetResizable(True)
        self.layers_view.setObjectName("insideLayers")
        # The pictures are drawn to fit its width; only a long sequence's state is wider, and scrolls.
        self.layers = QWidget()
        self.column = QVBoxLayout(self.layers)
        self.column.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.layers_view.setWidget(self.layers)
        layout.addWidget(self.layers_view, 1)
        self.shown: Activations | None = None
        self.drawn_width = 0
        self.asked: tuple[int, int, int | None] | None = None  # (record, example, epoch) last asked for
        self._controls(False)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        """Feature maps fill the rows of a wider or narrower panel."""
        super().resizeEvent(event)
        if self.shown is not None and abs(self.layers_view.viewport().width() - MARGIN_PX - self.drawn_width) >= 34:
            self._show(self.shown)

    def _controls(self, usable: bool) -> None:
        self.example.setEnabled(usable)
        self.mistake.setEnabled(usable)

    def _pick(self) -> None:
        self.wanted.emit(self.example.value() - 1, False)

    # --- following the run ------------------------------------------------------------------------

    def show_run(self, record: RunRecord | None, running: bool, visible: bool) -> None:
        """Show `record`'s activations at the epoch the views show (while it trains and none is
        chosen, its newest); ask for them when they are not those, while the tab is seen."""
        usable = record is not None and (record.ended is not None or (running and bool(record.epochs)))
        self._controls(usable)
        if record is None or not usable:
            self._clear(_(RUNNING_TEXT) if record is not None and running else _(EMPTY_TEXT))
            return
        wanted = record.chosen_epoch
        if wanted is None and running:
            wanted = len(record.epochs) - 1  # the newest epoch: it is kept as it ends
        seen = record.inside
        following = running and record.chosen_epoch is None  # any recent epoch will do until the next comes
        if seen is not None and seen is not self.shown and (seen.epoch == wanted or following):
            self._show(seen)
        if seen is not None and seen.epoch == wanted:
            return
        example = seen.example if seen is not None else self.example.value() - 1
        ask = (id(record), example, wanted)
        if visible and ask != self.asked:
            self.asked = ask
            self.wanted.emit(example, False)

    def _clear(self, sentence: str) -> None:
        self.shown, self.asked = None, None
        self.answer.clear()
        self.caption.setText(sentence)
        self._fill([])

    def _fill(self, widgets: list[QWidget]) -> None:
        while self.column.count():
            item = self.column.takeAt(0)
            if item is not None and item.widget() is not None:
                item.widget().deleteLater()  # type: ignore[union-attr]
        for widget in widgets:
            self.column.addWidget(widget)

    def _show(self, seen: Activations) -> None:
        self.shown = seen
        self.example.blockSignals(True)
        self.example.setMaximum(seen.examples)
        self.example.setValue(seen.example + 1)
        self.example.blockSignals(False)
        self.answer.setText(answer_words(seen))
        epoch = (
            _("after epoch {epoch}").format(epoch=seen.epoch + 1)
            if seen.epoch is not None
            else _("with the weights the run ended with")
        )
        self.caption.setText(
            _("Every layer's output for it, {weights}: white is zero, orange above it, blue below.").format(
                weights=epoch
            )
        )
        width = self.drawn_width = self.layers_view.viewport().width() - MARGIN_PX
        widgets: list[QWidget] = []
        if seen.picture is not None:
            widgets += _section(_("<b>The example</b>"), thumbnail_grid(seen.picture[None], [""], columns=1, cell=72))
        else:
            widgets += _section(_("<b>The input</b>, normalized as the network sees it"), input_pixmap(seen.values))
        for layer in seen.layers:
            widgets += _section(layer_words(layer), layer_pixmap(layer, width, *answer_bars(seen, layer)))
        if seen.filters is not None:
            pictures = filter_pictures(seen.filters)
            widgets += _section(
                _("<b>The first convolution's filters</b>: what each of its feature maps looks for"),
                thumbnail_grid(pictures, [""] * len(pictures), columns=max(1, min(MAP_COLUMNS, width // 34)), cell=34),
            )
        self._fill(widgets)


def input_pixmap(values: np.ndarray) -> QPixmap:
    """The network's input as it sees it (when it is not a picture): a sequence as a heatmap, a
    vector as bars, each named when there are few (a 2-D point's x1 and x2)."""
    if values.ndim == 2:
        return steps_pixmap(values, BAR_WIDTH_MAX // 2)
    flat = values.reshape(-1)
    named = [f"x{n + 1}" for n in range(len(flat))] if len(flat) <= INPUT_NAMED else None  # a point's x1, x2
    return bars_pixmap(flat, labels=named)


TRUE_TONE, WRONG_TONE = "#2e7d32", "#c62828"


def answer_bars(seen: Activations, layer: LayerOutput) -> tuple[list[str] | None, dict[int, str]]:
    """The class names under the bars of a classifier's last layer (one output per class), the true
    class's in green and a wrong answer's in red."""
    last = layer is seen.layers[-1] and seen.answer is not None
    if not last or layer.shape != (len(seen.class_names),):
        return None, {}
    marks = {seen.answer: WRONG_TONE} if seen.answer != seen.truth and seen.answer is not None else {}
    if seen.truth is not None:
        marks[seen.truth] = TRUE_TONE
    return [class_words(name) for name in seen.class_names], marks


def layer_pixmap(
    layer: LayerOutput,
    width: int = MAP_COLUMNS * 40,
    labels: list[str] | None = None,
    marks: dict[int, str] | None = None,
) -> QPixmap:
    """The picture of one layer's output: a grid of feature maps (as many a row as fit `width`
    pixels, at most MAP_COLUMNS), a heatmap over steps, or bars."""
    if layer.kind == "maps":
        channels, height, map_width = layer.values.shape
        cell = map_cell(height, map_width)
        columns = max(1, min(MAP_COLUMNS, width // cell))
        return thumbnail_grid(signed_rgb(layer.values, shared=True), [""] * channels, columns=columns, cell=cell)
    if layer.kind == "steps":
        return steps_pixmap(layer.values, min(width, BAR_WIDTH_MAX))
    return bars_pixmap(layer.values, min(width, BAR_WIDTH_MAX), labels=labels, marks=marks)


def layer_words(layer: LayerOutput) -> str:
    """The caption of one layer's picture: its name, what is drawn, and how much of it."""
    total = int(np.prod(layer.shape)) if layer.shape else 0
    if layer.kind == "maps":
        channels, height, width = layer.shape
        words = _("{count} feature maps of {height}×{width}").format(count=channels, height=height, width=width)
        shown = len(layer.values)
        if shown < channels:
            words += _(" (the first {shown})").format(shown=shown)
    elif layer.kind == "steps":
        steps, features = layer.shape
        words = _("its {features} values at each of {steps} steps (a column per step)").format(
            features=features, steps=steps
        )
    else:
        words = _("{count} outputs").format(count=total)
        if len(layer.values) < total:
            words += _(" (the first {shown})").format(shown=len(layer.values))
    return f"<b>{layer.name}</b>: {words}"


def answer_words(seen: Activations) -> str:
    """The example's true class and the network's answer, in words."""
    if seen.truth is None or seen.answer is None:
        return ""
    names = seen.class_names

    def name(k: int) -> str:
        return class_words(names[k]) if k < len(names) else str(k)

    mark = "✓" if seen.truth == seen.answer else "✗"
    return _("{mark} true: <b>{truth}</b>, answered: <b>{answer}</b> ({confidence})").format(
        mark=mark, truth=name(seen.truth), answer=name(seen.answer), confidence=f"{seen.confidence or 0.0:.0%}"
    )


def _section(caption: str, pixmap: QPixmap) -> list[QWidget]:
    title = QLabel(caption)
    title.setWordWrap(True)
    picture = QLabel()
    picture.setPixmap(pixmap)
    picture.setAlignment(Qt.AlignmentFlag.AlignLeft)
    return [title, picture]
