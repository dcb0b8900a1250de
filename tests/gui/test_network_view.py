"""The network drawn: boxes from the spec's shapes beside the layer list (selection both ways, red and
amber as the list), and a small dense network on 2-D points drawn as TensorFlow Playground does."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QScrollArea
from pytestqt.qtbot import QtBot

from tests.engine.helpers import tiny
from tests.gui.helpers import start, wait_done
from workbench.gui.theme import Tone
from workbench.spec.presets import load_preset


def _show(window: Any, qtbot: QtBot) -> Any:
    view = window.training_view
    view.tabs.setCurrentWidget(view.network)
    qtbot.wait(50)
    return view.network


def test_the_boxes_follow_the_layer_list_both_ways(window: Any, qtbot: QtBot) -> None:
    window.resize(1024, 600)  # the layer list and its form do not both fit: the panel scrolls
    window.document.replace(load_preset("digits_cnn"), None)
    panel = _show(window, qtbot)
    boxes = panel.stack.boxes
    assert [b.index for b in boxes] == list(range(-1, 10)) and boxes[0].title == "input"
    assert boxes[1].title == "1  Conv2d(16, padding=1)" and boxes[1].detail == "(16, 8, 8) · 160 parameters"
    assert boxes[2].thin and not boxes[1].thin and boxes[2].detail == "(16, 8, 8)"  # a ReLU: no parameters
    window.layer_editor.select(3)
    assert panel.stack.selected == ("layers", 3)
    rect = panel.stack.rect_of(("layers", 7))
    panel.stack.show()
    qtbot.mouseClick(panel.stack, Qt.MouseButton.LeftButton, pos=QPoint(int(rect.center().x()), int(rect.center().y())))
    assert window.layer_editor.selected_index() == 7 and panel.stack.selected == ("layers", 7)
    qtbot.wait(50)
    area, editor = window.findChild(QScrollArea, "layerScroll"), window.layer_editor
    area.verticalScrollBar().setValue(area.verticalScrollBar().maximum())  # scrolled down to the form
    first = panel.stack.rect_of(("layers", 0))
    qtbot.mouseClick(
        panel.stack, Qt.MouseButton.LeftButton, pos=QPoint(int(first.center().x()), int(first.center().y()))
    )
    qtbot.wait(50)
    row = editor.list.visualItemRect(editor.list.topLevelItem(0)).center()
    assert area.viewport().rect().contains(editor.list.viewport().mapTo(area.viewport(), row))  # the row, not its form


def test_a_layer_that_does_not_fit_is_red_and_advice_amber(window: Any, qtbot: QtBot) -> None:
    layers = [{"type": "Linear", "out_features": 8}, {"type": "Linear", "out_features": 2}]  # nothing between
    window.document.replace(tiny(layers), None)
    panel = _show(window, qtbot)
    assert [b.tone for b in panel.stack.boxes] == [None, None, Tone.ADVICE]
    bad = [{"type": "Conv2d", "out_channels": 4, "kernel_size": 3}]  # 2-D points into a convolution
    window.document.replace(tiny(bad), None)
    qtbot.wait(50)
    window.training_view.show_network()
    assert panel.stack.boxes[-1].tone is Tone.ERROR and "does not fit" in panel.stack.boxes[-1].detail


def test_a_small_dense_network_is_drawn_neuron_by_neuron_at_the_epoch_shown(window: Any, qtbot: QtBot) -> None:
    xor = load_preset("playground_xor")
    training = xor.training.model_copy(update={"epochs": 3, "device": "cpu"})
    start(window, qtbot, xor.model_copy(update={"training": training}))
    wait_done(window, qtbot)
    panel = _show(window, qtbot)
    window.training_view.refresh()
    assert panel.playground.isVisible() and not panel.scroll_area.isVisible()
    drawn = panel.playground
    assert [len(column) for column in drawn.columns] == [2, 6, 4, 1]  # x₁ and x₂, two hidden layers, the answer
    assert drawn.titles == ["input", "layer 1", "layer 3", "output"]  # each hidden layer's Linear
    assert [w.shape for w in drawn.weights] == [(6, 2), (4, 6), (2, 4)]
    end = panel.shown_snapshot
    window.training_view.timeline.slider.setValue(0)
    record = window.runs.current
    qtbot.waitUntil(lambda: record.shown_view is not None and record.shown_view.epoch == 0, timeout=10_000)
    window.training_view.refresh()
    assert panel.shown_snapshot is record.shown_view.picture and panel.shown_snapshot is not end
    assert "after epoch 1" in panel.caption.text()
    window.document.replace(load_preset("digits_cnn"), None)  # another network: its boxes, not the run's neurons
    window.training_view.refresh()
    assert not panel.playground.isVisible() and panel.scroll_area.isVisible()
