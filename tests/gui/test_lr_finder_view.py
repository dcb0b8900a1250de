"""Find a learning rate from the training panel, and use the suggestion."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tests.engine.helpers import tiny
from workbench.engine.events import LrDecline, LrFinding
from workbench.gui.lr_finder_view import LrFinderDialog


def test_find_a_rate_and_use_it(window: Any, qtbot: QtBot) -> None:
    window.document.replace(tiny(epochs=1, optimizer={"name": "Adam", "lr": 0.5}), None)
    button = window.training_panel.find_lr_button
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert not button.isEnabled()  # one test at a time
    qtbot.waitUntil(lambda: window.lr_dialog is not None and window.lr_dialog.isVisible(), timeout=30_000)
    assert button.isEnabled()
    dialog = window.lr_dialog
    suggestion = float(f"{dialog.finding.suggestion:.2g}")
    assert f"Suggested learning rate: <b>{suggestion:g}</b>, half-way down" in dialog.answer.text()
    assert dialog.use_button.text() == f"Use {suggestion:g}" and len(dialog.curve.getData()[0]) > 10
    marks = sorted(10 ** line.value() for line in dialog.plot.getPlotItem().items if isinstance(line, pg.InfiniteLine))
    assert marks == pytest.approx(sorted([dialog.finding.suggestion, dialog.finding.lowest]))  # as the caption says
    assert "green line: the suggested rate" in dialog.caption.text() and "Dashed line: where" in dialog.caption.text()
    qtbot.mouseClick(dialog.use_button, Qt.MouseButton.LeftButton)
    assert window.document.spec.training.optimizer.lr == suggestion and not dialog.isVisible()
    window.document.undo_stack.undo()
    assert window.document.spec.training.optimizer.lr == 0.5


def test_a_declined_test_says_why_and_offers_no_rate(qtbot: QtBot) -> None:
    flat = LrFinding(np.geomspace(1e-7, 10, 50), np.ones(50), None, 1.0, np.ones(50), None, LrDecline.FLAT, 0.01)
    dialog = LrFinderDialog(flat, lambda lr: None)
    qtbot.addWidget(dialog)
    assert dialog.answer.text() == flat.declined_words() and not dialog.use_button.isEnabled()
    assert not any(isinstance(item, pg.LinearRegionItem) for item in dialog.plot.getPlotItem().items)


def test_an_invalid_experiment_is_refused_with_the_reason(window: Any) -> None:
    window.document.replace(tiny(layers=[{"type": "Linear", "out_features": 3}]), None)  # 3 outputs, 2 classes
    window.find_lr()
    assert window.dialogs.errors and window.dialogs.errors[-1][0] == "Cannot look for a learning rate"
    assert not window.finding_lr


def test_closing_the_window_ends_the_range_test(qtbot: QtBot) -> None:
    from tests.gui.conftest import FakeDialogs
    from workbench.gui import create_main_window

    win: Any = create_main_window()
    win.dialogs = FakeDialogs()
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.engine_ready, timeout=60_000)
    win.document.replace(tiny(epochs=1), None)
    win.find_lr()
    assert win.finding_lr and win.close() is True
    assert win.runs.backend is None  # the search stopped within a batch and its worker ended


def test_the_plot_shows_rates_in_one_notation_and_every_batch_before_the_turn() -> None:
    from workbench.gui.lr_finder_view import loss_range, rate_ticks

    assert rate_ticks([-7.0, -3.0, 0.0, 1.0], 1.0, 1.0) == ["1e-07", "0.001", "1", "10"]
    smoothed = np.array([1.0, 0.9, 0.5, 0.4, 0.8, 1.6])
    raw = np.array([1.0, 0.7, 0.2, 0.3, 3.0, 9.0])  # batches dip below the curve, then blow up
    finding = LrFinding(np.geomspace(1e-7, 10, 6), smoothed, None, None, raw)
    assert loss_range(finding) == (0.2, 1.6)  # the dip shows; the blow-up does not flatten the plot
