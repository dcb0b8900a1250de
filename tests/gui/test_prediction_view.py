"""Try a picture: the trained network answers for a picture file of the student's own."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tests.engine.helpers import tiny
from tests.gui.helpers import start, wait_done

DIGITS_MLP = [{"type": "Flatten"}, {"type": "Linear", "out_features": 10}]


def test_try_a_picture_after_a_picture_run(window: Any, qtbot: QtBot, tmp_path: Path) -> None:
    results = window.training_view.results
    start(window, qtbot, tiny(DIGITS_MLP, {"kind": "digits"}, epochs=2, optimizer={"name": "Adam", "lr": 0.01}))
    assert not results.picture_button.isVisibleTo(results)  # not while it trains
    assert not window.picture_action.isEnabled()
    wait_done(window, qtbot)
    assert results.picture_button.isVisibleTo(results) and window.picture_action.isEnabled()
    from sklearn.datasets import load_digits

    sample = np.clip(load_digits().images[0] * 16, 0, 255).astype(np.uint8)  # a training digit, as bytes
    Image.fromarray(sample).resize((32, 32)).save(tmp_path / "mine.png")
    window.dialogs.open_answer = tmp_path / "mine.png"
    qtbot.mouseClick(results.picture_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: window.prediction_dialog is not None and window.prediction_dialog.isVisible(), timeout=20_000
    )
    dialog = window.prediction_dialog
    values = [bar.value() for bar in dialog.bars]
    assert len(values) == 5 and values == sorted(values, reverse=True) and 0 < values[0] <= 1000
    assert dialog.answer.text().startswith("It says <b>") and not dialog.picture.pixmap().isNull()
    assert f"({dialog.bars[0].text()} sure)" in dialog.answer.text()  # the headline's number is its bar's
    (tmp_path / "not-a-picture.png").write_text("text")
    window.dialogs.open_answer = tmp_path / "not-a-picture.png"
    window.try_picture()
    qtbot.waitUntil(lambda: bool(window.dialogs.errors), timeout=20_000)
    assert (
        window.dialogs.errors[-1][0] == "Cannot try this picture"
        and "cannot read the picture" in window.dialogs.errors[-1][1]
    )


def test_no_picture_button_for_points(window: Any, qtbot: QtBot) -> None:
    start(window, qtbot, tiny(epochs=1))
    wait_done(window, qtbot)
    results = window.training_view.results
    assert not results.picture_button.isVisibleTo(results) and not window.picture_action.isEnabled()
