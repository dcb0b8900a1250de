"""A residual network in the window: it trains, its histograms, layer health and Inside view cover
its blocks, and the network view draws them."""

from __future__ import annotations

from typing import Any

from pytestqt.qtbot import QtBot

from tests.engine.helpers import tiny
from tests.gui.helpers import start, wait_done

DIGITS = {"kind": "digits", "val_fraction": 0.2, "test_fraction": 0.2}
CONV = {"type": "Conv2d", "out_channels": 8, "kernel_size": 3, "padding": 1}
RESNET = [
    CONV,
    {"type": "ReLU"},
    {"type": "Residual", "layers": [CONV, {"type": "ReLU"}, CONV]},
    {"type": "Residual", "layers": [{**CONV, "out_channels": 16, "stride": 2}, {"type": "BatchNorm2d"}]},
    {"type": "ReLU"},
    {"type": "Flatten"},
    {"type": "Linear", "out_features": 10},
]


def test_a_residual_network_trains_and_every_view_covers_its_blocks(window: Any, qtbot: QtBot) -> None:
    start(window, qtbot, tiny(RESNET, DIGITS, epochs=2, early_stopping={"enabled": False}))
    wait_done(window, qtbot)
    record = window.runs.current
    assert record.ended is not None and record.ended.epochs_done == 2 and record.ended.error is None
    names = [h.layer for h in record.histograms[-1].layers]
    assert len(names) >= 4  # the convolutions inside the blocks and the projection are weights too
    view = window.training_view
    view.tabs.setCurrentWidget(view.inside)
    qtbot.waitUntil(lambda: view.inside.shown is not None, timeout=10_000)
    shapes = [layer.shape for layer in view.inside.shown.layers]
    assert (8, 8, 8) in shapes and (16, 4, 4) in shapes  # each block's output
    window.layer_editor.select_at((3, 0))
    assert window.layer_editor.selected_index() == 3
