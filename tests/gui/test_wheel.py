"""The mouse wheel over the settings panels scrolls them; it never edits a box the student did not
click into (workbench.gui.input_guard)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QComboBox, QScrollArea, QTabBar, QWidget
from pytestqt.qtbot import QtBot

from workbench.spec import load_preset

BOXES = (QAbstractSpinBox, QComboBox, QTabBar)


def wheel(widget: QWidget, notches: int = -1) -> None:
    """One turn of the wheel (down, by default) with the pointer over the middle of `widget`."""
    centre = QPointF(widget.rect().center())
    event = QWheelEvent(
        centre,
        QPointF(widget.mapToGlobal(centre)),
        QPoint(0, 0),
        QPoint(0, 120 * notches),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)


def value(box: QWidget) -> Any:
    if isinstance(box, QAbstractSpinBox):
        return box.text()
    return box.currentIndex()  # type: ignore[attr-defined]


def boxes(window: Any) -> list[QWidget]:
    """The value boxes of both side panels that are shown."""
    found: list[QWidget] = []
    for dock in (window.left_dock, window.right_dock):
        found += [box for box in dock.findChildren(QWidget) if isinstance(box, BOXES) and box.isVisibleTo(dock)]
    return found


def test_the_wheel_over_a_box_without_focus_changes_nothing(window: Any, qtbot: QtBot) -> None:
    window.document.replace(load_preset("overfitting_demo"), None)
    spec = window.document.spec
    window.setFocus()
    tried = 0
    for layer in range(len(spec.network.layers)):  # every layer's form, one after another
        window.layer_editor.select(layer)
        qtbot.wait(10)
        for box in boxes(window):
            assert not box.focusPolicy() & Qt.FocusPolicy.WheelFocus == Qt.FocusPolicy.WheelFocus, box.objectName()
            before = value(box)
            wheel(box, -1)
            wheel(box, 1)
            wheel(box, 1)
            assert value(box) == before, box.objectName() or box.accessibleName()
            tried += 1
    assert tried > 30  # the dataset, layer and training forms all took part
    assert window.document.spec == spec and not window.document.dirty


def test_the_wheel_scrolls_the_panel_instead(window: Any, qtbot: QtBot) -> None:
    window.document.replace(load_preset("overfitting_demo"), None)
    area = window.findChild(QScrollArea, "trainingScroll")
    window.resize(window.width(), 420)  # short enough that the training panel scrolls
    qtbot.waitUntil(lambda: area.verticalScrollBar().maximum() > 0)
    box = next(b for b in boxes(window) if isinstance(b, QAbstractSpinBox) and area.isAncestorOf(b))
    bar = area.verticalScrollBar()
    bar.setValue(0)
    wheel(box, -1)
    assert bar.value() > 0


def test_a_box_that_has_the_focus_takes_the_wheel(window: Any, qtbot: QtBot) -> None:
    window.document.replace(load_preset("overfitting_demo"), None)
    epochs = window.training_panel.findChild(QWidget, "field_epochs").spin
    epochs.setFocus(Qt.FocusReason.MouseFocusReason)  # a click into it
    qtbot.waitUntil(epochs.hasFocus)
    wheel(epochs, 1)
    assert window.document.spec.training.epochs == load_preset("overfitting_demo").training.epochs + 1


def test_the_focus_a_window_gives_its_first_box_does_not_count(window: Any, qtbot: QtBot) -> None:
    """The window hands the focus to its first field as it opens (the dataset's kind): the wheel
    over it still scrolls the panel, as over any box the student did not click into."""
    window.document.replace(load_preset("adding_rnn_vs_lstm"), None)
    kind = window.findChild(QComboBox, "datasetKindCombo")
    kind.setFocus(Qt.FocusReason.ActiveWindowFocusReason)
    qtbot.waitUntil(kind.hasFocus)
    before = kind.currentIndex()
    wheel(kind, -1)
    wheel(kind, -1)
    assert kind.currentIndex() == before and window.document.spec.dataset.kind == "adding"
    qtbot.mouseClick(kind, Qt.MouseButton.LeftButton)  # a click into it: now it takes the wheel
    kind.hidePopup()
    wheel(kind, 1)
    assert kind.currentIndex() == before - 1


def test_the_wheel_over_a_preview_plot_does_not_zoom_it(window: Any, qtbot: QtBot) -> None:
    window.document.replace(load_preset("overfitting_demo"), None)
    scatter = window.dataset_panel.scatter
    qtbot.waitUntil(lambda: scatter.isVisible() and bool(scatter.getPlotItem().listDataItems()), timeout=20_000)
    before = scatter.getPlotItem().getViewBox().viewRange()
    wheel(scatter.viewport(), -3)
    assert scatter.getPlotItem().getViewBox().viewRange() == before
