"""The window opens on the default experiment and shows its layer table."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from tests.conftest import PRESETS
from workbench.gui import create_main_window


def test_default_window_shows_the_layers(qtbot: QtBot) -> None:
    window = create_main_window()
    qtbot.addWidget(window)
    table = window.findChild(object, "layerTable")
    assert table.rowCount() == 4
    assert table.item(1, 0).text() == "Linear(64)"
    assert window.findChild(object, "paramCountLabel").text() == "Total parameters: 4,810"


def test_window_on_a_file(qtbot: QtBot) -> None:
    window = create_main_window(PRESETS / "seed_cifar10_cnn.json")
    qtbot.addWidget(window)
    assert "545,098" in window.findChild(object, "paramCountLabel").text()
    assert window.windowTitle().startswith("CIFAR-10 CNN")
