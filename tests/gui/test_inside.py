"""Inside the network: a test example's activations at the epoch the views show, drawn layer by layer."""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from tests.engine.helpers import tiny
from tests.gui.helpers import start, wait_done
from workbench.engine.events import LayerOutput
from workbench.gui.plots.inside_panel import (
    BAR_HEIGHT,
    LABELLED_BAR,
    TRUE_TONE,
    WRONG_TONE,
    answer_bars,
    filter_pictures,
    input_pixmap,
    layer_words,
    map_cell,
    steps_pixmap,
)

DIGITS = {"kind": "digits", "val_fraction": 0.2, "test_fraction": 0.2}
CNN = [
    {"type": "Conv2d", "out_channels": 16, "kernel_size": 3, "padding": 1},
    {"type": "ReLU"},
    {"type": "Flatten"},
    {"type": "Linear", "out_features": 10},
]


def _pictures(panel: Any) -> list[QLabel]:
    labels = [panel.column.itemAt(i).widget() for i in range(panel.column.count())]
    return [label for label in labels if isinstance(label, QLabel) and not label.pixmap().isNull()]


def test_the_tab_shows_every_layer_of_an_example_and_follows_the_epoch(window: Any, qtbot: QtBot) -> None:
    start(window, qtbot, tiny(CNN, DIGITS, epochs=3, early_stopping={"enabled": False}))
    view = window.training_view
    panel = view.inside
    view.tabs.setCurrentWidget(panel)
    assert not panel.example.isEnabled()  # the training process is busy until the run ends
    wait_done(window, qtbot)
    record = window.runs.current
    qtbot.waitUntil(lambda: panel.shown is not None, timeout=10_000)
    seen = panel.shown
    assert seen is record.inside and seen.epoch is None and seen.example == 0
    assert seen.layers[0].shape == (16, 8, 8)
    # The example, four layers and the filters: a picture each, the feature maps 16 cells of a grid.
    assert len(_pictures(panel)) == 6
    maps, cell = _pictures(panel)[1].pixmap(), map_cell(8, 8)
    assert (maps.width() // cell) * (maps.height() // cell) >= 16  # every feature map, in rows that fit
    assert maps.width() <= panel.layers_view.viewport().width()
    assert "true:" in panel.answer.text() and panel.example.maximum() == seen.examples
    answers = _pictures(panel)[4].pixmap()  # the last Linear: a bar per class, named under it
    assert answers.width() == 10 * LABELLED_BAR + 2 and answers.height() > BAR_HEIGHT
    panel.example.setValue(5)  # the arrows, the wheel or a typed number
    qtbot.waitUntil(lambda: panel.shown is not None and panel.shown.example == 4, timeout=10_000)
    view.timeline.slider.setFocus()
    qtbot.keyClick(view.timeline.slider, Qt.Key.Key_Home)  # the timeline's epoch: the same example, then
    qtbot.waitUntil(lambda: panel.shown is not None and panel.shown.epoch == 0, timeout=10_000)
    assert panel.shown.example == 4 and not np.allclose(panel.shown.layers[0].values, seen.layers[0].values)


def test_next_mistake_shows_an_example_the_network_gets_wrong(window: Any, qtbot: QtBot) -> None:
    start(window, qtbot, tiny(CNN, DIGITS, epochs=1, optimizer={"name": "SGD", "lr": 0.001}))
    wait_done(window, qtbot)
    panel = window.training_view.inside
    window.training_view.tabs.setCurrentWidget(panel)
    qtbot.waitUntil(lambda: panel.shown is not None, timeout=10_000)
    qtbot.mouseClick(panel.mistake, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.shown is not None and panel.shown.example > 0, timeout=10_000)
    assert panel.shown.answer != panel.shown.truth and panel.example.value() == panel.shown.example + 1
    assert "✗" in panel.answer.text()
    seen = panel.shown
    names, marks = answer_bars(seen, seen.layers[-1])  # the last bars: the true class green, the wrong answer red
    assert names is not None and len(names) == 10 and marks == {seen.truth: TRUE_TONE, seen.answer: WRONG_TONE}
    assert answer_bars(seen, seen.layers[0]) == (None, {})
    assert input_pixmap(np.zeros(2, np.float32)).height() > BAR_HEIGHT  # a 2-D point's bars are named x1, x2


def test_captions_say_what_is_drawn_and_how_much_of_it() -> None:
    maps = LayerOutput("1: Conv2d", "maps", (40, 6, 6), np.zeros((32, 6, 6), np.float32))
    assert layer_words(maps) == "<b>1: Conv2d</b>: 40 feature maps of 6×6 (the first 32)"
    units = LayerOutput("4: Linear", "units", (10,), np.zeros(10, np.float32))
    assert layer_words(units) == "<b>4: Linear</b>: 10 outputs"
    steps = LayerOutput("1: LSTM", "steps", (8, 12), np.zeros((8, 12), np.float32))
    assert "12" in layer_words(steps) and "8" in layer_words(steps)
    state = steps_pixmap(np.zeros((8, 64), np.float32), 400)  # 8 steps of 64 values: a column per step
    assert (state.width(), state.height()) == (8 * 24, 64 * 3)
    long = steps_pixmap(np.zeros((500, 4), np.float32), 400)  # a long sequence: 2 pixels a step, it scrolls
    assert (long.width(), long.height()) == (1000, 4 * 12)
    colour = filter_pictures(np.random.default_rng(0).normal(size=(4, 3, 3, 3)).astype(np.float32))
    assert colour.shape == (4, 3, 3, 3) and colour.min() == 0 and colour.max() == 255
    grey = filter_pictures(np.ones((4, 1, 3, 3), np.float32))
    assert grey.shape == (4, 3, 3, 3) and (grey[:, 0] == 255).all() and (grey[:, 2] < 255).all()  # orange: above zero
