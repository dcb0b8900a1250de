"""The layer-stack editor: add, remove, duplicate, reorder, edit, undo; shapes and errors shown."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QSpinBox, QToolButton
from pytestqt.qtbot import QtBot

from workbench.gui.document import ExperimentDocument
from workbench.gui.panels.layer_editor import QtLayerEditor, drop_position
from workbench.spec import ExperimentSpec, NetworkSpec, load_preset


@pytest.fixture
def editor(qtbot: QtBot) -> QtLayerEditor:
    widget = QtLayerEditor(ExperimentDocument(load_preset("digits_mlp")))
    qtbot.addWidget(widget)
    return widget


def types(editor: QtLayerEditor) -> list[str]:
    return [layer.type for layer in editor.document.spec.network.layers]


def rows(editor: QtLayerEditor) -> list[list[str]]:
    items = [editor.list.topLevelItem(i) for i in range(editor.list.topLevelItemCount())]
    return [[item.text(c) for c in range(4)] for item in items]


def test_rows_show_layers_shapes_and_counts(editor: QtLayerEditor) -> None:
    assert rows(editor) == [
        ["1", "Flatten()", "(64,)", "0"],
        ["2", "Linear(64)", "(64,)", "4,160"],
        ["3", "ReLU()", "(64,)", "0"],
        ["4", "Linear(10)", "(10,)", "650"],
    ]
    assert "4,810" in editor.findChild(object, "paramCountLabel").text()


def test_add_inserts_after_the_selection_and_undo_redo(editor: QtLayerEditor) -> None:
    editor.select(1)
    editor.add("Dropout")
    assert types(editor) == ["Flatten", "Linear", "Dropout", "ReLU", "Linear"]
    assert editor.selected_index() == 2 and rows(editor)[2][1] == "Dropout(0.5)"
    editor.document.undo_stack.undo()
    assert types(editor) == ["Flatten", "Linear", "ReLU", "Linear"] and len(rows(editor)) == 4
    editor.document.undo_stack.redo()
    assert types(editor)[2] == "Dropout"


def test_catalog_menu_is_grouped(editor: QtLayerEditor) -> None:
    menu = editor.findChild(QToolButton, "addLayerButton").menu()
    groups = [a.text() for a in menu.actions()]
    assert groups == [
        "Core", "Convolution", "Pooling", "Normalization", "Regularization", "Activation", "Recurrent", "Blocks"
    ]  # fmt: skip
    recurrent = menu.actions()[-2].menu()
    assert [a.text() for a in recurrent.actions()] == ["RNN", "LSTM", "GRU"]
    recurrent.actions()[1].trigger()
    assert "LSTM" in types(editor)


def test_buttons_remove_duplicate_and_move(editor: QtLayerEditor, qtbot: QtBot) -> None:
    editor.select(1)
    qtbot.mouseClick(editor.findChild(QToolButton, "duplicateLayerButton"), Qt.MouseButton.LeftButton)
    assert types(editor) == ["Flatten", "Linear", "Linear", "ReLU", "Linear"] and editor.selected_index() == 2
    qtbot.mouseClick(editor.findChild(QToolButton, "moveLayerDownButton"), Qt.MouseButton.LeftButton)
    assert types(editor) == ["Flatten", "Linear", "ReLU", "Linear", "Linear"] and editor.selected_index() == 3
    qtbot.mouseClick(editor.findChild(QToolButton, "moveLayerUpButton"), Qt.MouseButton.LeftButton)
    assert types(editor) == ["Flatten", "Linear", "Linear", "ReLU", "Linear"]
    qtbot.mouseClick(editor.findChild(QToolButton, "removeLayerButton"), Qt.MouseButton.LeftButton)
    assert types(editor) == ["Flatten", "Linear", "ReLU", "Linear"]
    for _ in range(4):
        editor.document.undo_stack.undo()
    assert types(editor) == ["Flatten", "Linear", "ReLU", "Linear"] and editor.document.undo_stack.index() == 0


def test_keyboard(editor: QtLayerEditor, qtbot: QtBot) -> None:
    editor.select(2)
    editor.list.setFocus()
    qtbot.keyClick(editor.list, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
    assert types(editor) == ["Flatten", "ReLU", "Linear", "Linear"]
    qtbot.keyClick(editor.list, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert types(editor) == ["Flatten", "ReLU", "ReLU", "Linear", "Linear"]
    qtbot.keyClick(editor.list, Qt.Key.Key_Delete)
    assert types(editor) == ["Flatten", "ReLU", "Linear", "Linear"]


@pytest.mark.parametrize(
    ("source", "target", "below", "expected"),
    [
        (0, 2, False, 1),
        (0, 2, True, 2),
        (3, 0, False, 0),
        (3, 1, True, 2),
        (1, None, False, 3),
        (2, 2, False, 2),
    ],
)
def test_drop_position(source: int, target: int | None, below: bool, expected: int) -> None:
    assert drop_position(source, target, below, count=4) == expected


def test_drag_move_reorders(editor: QtLayerEditor) -> None:
    editor.list.move_requested.emit(0, 2)
    assert types(editor) == ["Linear", "ReLU", "Flatten", "Linear"]


def test_form_edits_the_layer_and_merges_undo(editor: QtLayerEditor) -> None:
    editor.select(1)
    spin = editor.form.widgets["out_features"].spin  # type: ignore[union-attr]
    assert isinstance(spin, QSpinBox) and spin.value() == 64 and spin.minimum() == 1
    assert spin.toolTip() == "How many numbers this layer outputs."
    before = editor.document.undo_stack.count()
    spin.setValue(100)
    spin.setValue(128)
    assert editor.document.spec.network.layers[1].out_features == 128  # type: ignore[union-attr]
    assert editor.document.undo_stack.count() == before + 1  # one undo step for one field
    assert rows(editor)[1] == ["2", "Linear(128)", "(128,)", "8,320"]
    assert "in_features = 64" in editor.inferred_label.text()
    editor.document.undo_stack.undo()
    assert editor.document.spec.network.layers[1].out_features == 64  # type: ignore[union-attr]
    assert spin.value() == 64  # the form re-renders from the document


def test_invalid_stack_marks_the_row(editor: QtLayerEditor) -> None:
    editor.select(0)
    editor.remove_selected()  # no Flatten: Linear gets (1, 8, 8)
    item = editor.list.topLevelItem(0)
    assert item.text(2) == "⚠ does not fit" and "add Flatten before it" in item.toolTip(1)
    assert item.foreground(1).color().name() == "#c62828"
    assert editor.error_label.text().startswith("Layer 1 (Linear) needs a flat input")


def test_renders_when_the_document_changes(editor: QtLayerEditor) -> None:
    seed = load_preset("seed_cifar10_cnn")
    editor.document.replace(seed, None)
    assert len(rows(editor)) == 10 and "545,098" in editor.total_label.text()


def set_field(editor: QtLayerEditor, name: str, value: Any) -> None:
    widget = editor.form.widgets[name]  # type: ignore[union-attr]
    widget.spin.setValue(value)


def test_student_builds_the_seed_cnn_from_an_empty_stack(editor: QtLayerEditor) -> None:
    seed = load_preset("seed_cifar10_cnn")
    editor.document.replace(seed.model_copy(update={"network": NetworkSpec()}), None)
    assert rows(editor) == [] and "0</b> parameters" in editor.total_label.text()
    for layer_type, fields in [
        ("Conv2d", {"out_channels": 32, "padding": 1}),
        ("ReLU", {}),
        ("MaxPool2d", {"stride": 2}),
        ("Conv2d", {"out_channels": 64, "padding": 1}),
        ("ReLU", {}),
        ("MaxPool2d", {"stride": 2}),
        ("Flatten", {}),
        ("Linear", {"out_features": 128}),
        ("ReLU", {}),
        ("Linear", {"out_features": 10}),
    ]:
        editor.add(layer_type)
        for name, value in fields.items():
            set_field(editor, name, value)
    assert "<b>545,098</b> parameters" in editor.total_label.text() and "output (10,)" in editor.total_label.text()
    spec: ExperimentSpec = editor.document.spec
    assert spec.network == seed.network


def test_advice_marks_the_row_and_says_why_without_blocking(editor: QtLayerEditor) -> None:
    assert not editor.advice_label.isVisibleTo(editor)
    editor.select(2)
    editor.remove_selected()  # the ReLU: two Linear layers with nothing between them
    item = editor.list.topLevelItem(2)
    assert item.foreground(1).color().name() == "#8a5a00" and "nothing nonlinear" in item.toolTip(1)
    assert editor.advice_label.isVisibleTo(editor)
    assert editor.advice_label.text().startswith(
        "Tip: Layer 3 (Linear): nothing nonlinear between it and layer 2 (Linear)"
    )
    assert editor.error_label.text() == ""  # advice, not an error: the network still trains
    editor.document.undo_stack.undo()
    assert not editor.advice_label.isVisibleTo(editor)


def test_a_student_turns_the_digits_mlp_into_a_recurrent_network(editor: QtLayerEditor) -> None:
    """Flatten gives (64,); Unflatten's sizes typed as text make it 8 steps of 8; an LSTM reads them."""
    editor.select(0)
    editor.add("Unflatten")
    line = editor.form.widgets["unflattened_size"].line  # type: ignore[union-attr]
    assert line.text() == "-1, 1"
    line.setText("8, -1")
    line.editingFinished.emit()
    assert editor.document.spec.network.layers[1].unflattened_size == [8, -1]  # type: ignore[union-attr]
    assert rows(editor)[1][2] == "(8, 8)"
    line.setText("8, x")  # not numbers: not committed, marked
    line.editingFinished.emit()
    assert editor.document.spec.network.layers[1].unflattened_size == [8, -1]  # type: ignore[union-attr]
    assert line.property("invalid") is True
    editor.add("LSTM")
    assert types(editor)[:4] == ["Flatten", "Unflatten", "LSTM", "Linear"] and rows(editor)[2][2] == "(64,)"
    output = editor.form.widgets["output"].combo  # type: ignore[union-attr]
    assert [output.itemText(i) for i in range(output.count())] == ["the last step", "every step"]
    output.setCurrentIndex(1)
    assert rows(editor)[2][2] == "(8, 64)" and rows(editor)[3][2] == "⚠ does not fit"
    assert "set the recurrent layer's Output to the last step" in editor.error_label.text()


def test_a_recurrent_layer_changes_type_keeping_its_settings(editor: QtLayerEditor) -> None:
    """The adding problem's lesson: the same stack with an LSTM in place of the RNN."""
    editor.document.replace(load_preset("adding_rnn_vs_lstm"), None)
    editor.select(0)
    combo = editor.findChild(QComboBox, "layerTypeCombo")
    assert combo.isVisibleTo(editor) and [combo.itemText(i) for i in range(combo.count())] == ["RNN", "LSTM", "GRU"]
    assert combo.currentText() == "RNN"
    combo.activated.emit(1)
    layer = editor.document.spec.network.layers[0]
    assert layer.type == "LSTM" and layer.hidden_size == 32  # type: ignore[union-attr]
    assert rows(editor)[0][1] == "LSTM(32)" and editor.form.cls.__name__ == "LSTM"  # type: ignore[union-attr]
    editor.document.undo_stack.undo()
    assert editor.document.spec.network.layers[0].type == "RNN" and combo.currentText() == "RNN"
    editor.select(1)  # Linear: core layers do different things, so no other type is offered
    assert not combo.isVisibleTo(editor)
    editor.add("ReLU")
    assert combo.isVisibleTo(editor) and combo.currentText() == "ReLU" and combo.count() == 7


def test_picking_a_layer_brings_its_form_into_view(window: Any, qtbot: QtBot) -> None:
    from PySide6.QtWidgets import QScrollArea

    window.document.replace(load_preset("digits_cnn"), None)
    window.resize(1000, 560)  # a short screen: the layer panel scrolls
    area = window.findChild(QScrollArea, "layerScroll")
    editor = window.layer_editor
    qtbot.waitUntil(lambda: area.verticalScrollBar().maximum() > 0)
    area.verticalScrollBar().setValue(0)
    editor.list.setFocus()
    qtbot.waitUntil(editor.list.hasFocus)
    last = editor.list.topLevelItemCount() - 1
    editor.list.setCurrentItem(editor.list.topLevelItem(last))  # as the arrow keys or a click do

    def shown(widget: Any) -> bool:
        top = widget.mapTo(area.widget(), widget.rect().topLeft()).y()
        return area.verticalScrollBar().value() <= top <= area.verticalScrollBar().value() + area.viewport().height()

    qtbot.waitUntil(lambda: shown(editor.form_title) and shown(editor.form))
    assert f"Layer {last + 1}:" in editor.form_title.text()


def test_an_error_and_a_tip_show_every_line(window: Any, qtbot: QtBot) -> None:
    spec = load_preset("digits_mlp")
    doc = spec.model_dump(mode="json")
    del doc["network"]["layers"][0]  # no Flatten: the Linear after it does not fit the picture
    window.document.replace(ExperimentSpec.from_dict(doc), None)
    window.resize(900, 560)
    label = window.layer_editor.error_label
    qtbot.waitUntil(lambda: label.isVisible() and label.width() > 0)
    qtbot.wait(50)
    lines = label.heightForWidth(label.width()) // label.fontMetrics().lineSpacing()
    assert lines >= 2 and label.height() >= label.heightForWidth(label.width())  # every line, none cut


def test_a_frozen_layer_is_switched_last_in_its_form_and_marked_in_the_list(editor: QtLayerEditor) -> None:
    editor.select(1)
    assert list(editor.form.widgets) == ["out_features", "bias", "frozen"]  # type: ignore[union-attr]
    editor.form.widgets["frozen"].box.setChecked(True)  # type: ignore[union-attr]
    assert editor.document.spec.network.layers[1].frozen  # type: ignore[union-attr]
    assert rows(editor)[1] == ["2", "frozen · Linear(64)", "(64,)", "4,160"]
    assert "<b>650</b> parameters to train, 4,160 frozen" in editor.total_label.text()
    editor.document.undo_stack.undo()
    assert rows(editor)[1][1] == "Linear(64)" and "<b>4,810</b> parameters" in editor.total_label.text()


def test_a_residual_block_is_built_and_edited_inside_the_list(qtbot: QtBot) -> None:
    editor = QtLayerEditor(ExperimentDocument(load_preset("digits_cnn")))
    qtbot.addWidget(editor)
    editor.select(0)  # Conv2d(16): a block after it keeps (16, 8, 8)
    editor.add("Residual")
    block = editor.list.topLevelItem(1)
    assert [block.child(i).text(0) for i in range(block.childCount())] == ["2.1", "2.2", "2.3"]
    assert block.text(1) == "Residual block (3 layers)" and block.text(2) == "(16, 8, 8)"
    assert block.text(3) == f"{2 * (16 * 16 * 9 + 16):,}"
    assert editor.inferred_label.text().startswith("Shortcut: its input (16, 8, 8) is added as it is")
    editor.select_at((1, 0))  # its first Conv2d: 32 channels, stride 2
    set_field(editor, "out_channels", 32)
    editor.form.widgets["stride"].spin.setValue(2)  # type: ignore[union-attr]
    assert editor.document.undo_stack.undoText().startswith("Layer 2.1 (Conv2d): Stride")
    editor.select_at((1, 2))
    set_field(editor, "out_channels", 32)
    editor.select(1)
    assert "1x1 Conv2d (16 -> 32 channels, stride 2)" in editor.inferred_label.text()
    assert editor.list.topLevelItem(1).text(2) == "(32, 4, 4)"
    editor.select_at((1, 1))  # the ReLU inside: add after it, move it, make it another activation
    editor.add("BatchNorm2d")
    block_layers = editor.document.spec.network.layers[1].layers  # type: ignore[union-attr]
    assert [layer.type for layer in block_layers] == ["Conv2d", "ReLU", "BatchNorm2d", "Conv2d"]
    assert editor.selected() == (1, 2)
    editor.move_selected(-1)
    assert [layer.type for layer in editor.document.spec.network.layers[1].layers] == [  # type: ignore[union-attr]
        "Conv2d", "BatchNorm2d", "ReLU", "Conv2d"
    ]  # fmt: skip
    editor.select_at((1, 2))
    editor.change_type(2, "GELU", block=1)
    assert editor.document.spec.network.layers[1].layers[2].type == "GELU"  # type: ignore[union-attr]
    editor.add("Residual")  # from inside a block: a new block after it, not in it
    assert [layer.type for layer in editor.document.spec.network.layers[:3]] == ["Conv2d", "Residual", "Residual"]
    editor.document.undo_stack.undo()
    editor.select_at((1, 3))
    editor.add("Flatten")  # a vector out of the block: no shortcut reaches it
    assert editor.list.topLevelItem(1).child(4).text(2) != "⚠ does not fit"
    assert editor.list.topLevelItem(1).text(2) == "⚠ does not fit" and "cannot be added" in editor.error_label.text()
    editor.document.undo_stack.undo()
    editor.select_at((1, 0))
    for _ in range(3):
        editor.select_at((1, 0))
        editor.remove_selected()
    assert len(editor.document.spec.network.layers[1].layers) == 1  # type: ignore[union-attr]
    editor.select_at((1, 0))
    editor.remove_selected()  # a block's last layer: the block goes with it
    assert types(editor)[:2] == ["Conv2d", "ReLU"]
    while editor.document.undo_stack.canUndo():
        editor.document.undo_stack.undo()
    assert editor.document.spec == load_preset("digits_cnn")
