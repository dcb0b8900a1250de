"""The main window: names, menus, title, files, presets, unsaved changes, Train's state."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from tests.conftest import PRESETS
from workbench.gui import create_main_window
from workbench.gui.dialogs import Answer
from workbench.spec import ExperimentSpec, load_preset
from workbench.spec.memory import format_bytes

NAMES = [
    "layerEditor",
    "addLayerButton",
    "removeLayerButton",
    "moveLayerUpButton",
    "moveLayerDownButton",
    "datasetPanel",
    "datasetKindCombo",
    "trainingPanel",
    "optimizerCombo",
    "trainButton",
    "pauseButton",
    "stopButton",
    "exportButton",
    "paramCountLabel",
]


def test_stable_object_and_accessible_names(window: Any) -> None:
    for name in NAMES:
        widget = window.findChild(QWidget, name)
        assert widget is not None, name
        assert widget.accessibleName(), name


def test_opens_on_the_default_digits_preset(window: Any) -> None:
    assert window.document.spec == load_preset("digits_mlp")
    assert window.windowTitle() == "Digits MLP[*] — Workbench" and not window.isWindowModified()
    assert "4,810" in window.findChild(QWidget, "paramCountLabel").text()
    assert window.train_button.isEnabled()


def test_menus(window: Any) -> None:
    titles = [a.text() for a in window.menuBar().actions()]
    assert titles == ["&File", "&Edit", "&Run", "E&xercises", "&View", "&Help"]
    window.dialogs.preset_answer = "overfitting_demo"
    window.preset_action.trigger()
    offered = {p.key: p for p in window.dialogs.presets_offered}
    assert {"digits_mlp", "overfitting_demo", "seed_cifar10_cnn"} <= set(offered)
    assert (
        offered["overfitting_demo"].title == "Overfitting demo"
        and "Early stopping" in offered["overfitting_demo"].description
    )
    assert window.document.spec == load_preset("overfitting_demo") and window.document.path is None  # a new copy
    assert window.save_action.shortcut().toString() == "Ctrl+S" and window.train_action.shortcut().toString() == "F5"
    assert "PyTorch" in window.about_text() and "cpu" in window.about_text()


def test_edits_mark_the_title_and_invalid_stack_disables_train(window: Any) -> None:
    window.layer_editor.select(0)
    window.layer_editor.remove_selected()
    assert window.isWindowModified()
    assert not window.train_button.isEnabled()
    assert "Layer 1 (Linear) needs a flat input" in window.train_button.toolTip()
    window.document.undo_stack.undo()
    assert window.train_button.isEnabled() and not window.isWindowModified()


def test_save_and_open_round_trip(window: Any, tmp_path: Path) -> None:
    window.training_panel.form.widgets["epochs"].spin.setValue(3)
    target = tmp_path / "mine.json"
    window.dialogs.save_answer = target
    assert window.save() is True
    assert ExperimentSpec.load(target) == window.document.spec and window.document.spec.training.epochs == 3
    assert window.windowTitle() == "mine.json[*] — Workbench" and not window.isWindowModified()
    assert str(target.resolve()) == window.recent_files()[0]
    window.open_path(PRESETS / "spiral_mlp.json", as_template=True)
    assert window.document.spec == load_preset("spiral_mlp") and window.document.path is None
    window.dialogs.open_answer = target
    window.open_dialog()
    assert window.document.spec.training.epochs == 3 and window.document.path == target


def test_malformed_file_leaves_the_experiment_unchanged(window: Any, tmp_path: Path) -> None:
    window.training_panel.form.widgets["epochs"].spin.setValue(9)
    before = window.document.spec
    bad = tmp_path / "bad.json"
    doc = load_preset("digits_mlp").model_dump(mode="json")
    doc["network"]["layers"][1]["out_features"] = -1
    bad.write_text(json.dumps(doc))
    window.dialogs.answer = Answer.DISCARD
    assert window.open_path(bad) is False
    assert window.document.spec == before and window.isWindowModified()
    title, text = window.dialogs.errors[-1]
    assert "network.layers[1].out_features: must be >= 1" in text


def test_quitting_with_unsaved_changes_asks(qtbot: QtBot) -> None:
    from tests.gui.conftest import FakeDialogs

    win = create_main_window()
    win.dialogs = FakeDialogs()  # type: ignore[attr-defined]
    qtbot.addWidget(win)
    win.show()
    win.close()  # nothing to save: no question
    assert win.dialogs.asked == 0  # type: ignore[attr-defined]
    win.show()
    win.training_panel.form.widgets["epochs"].spin.setValue(4)  # type: ignore[attr-defined]
    win.dialogs.answer = Answer.CANCEL  # type: ignore[attr-defined]
    assert win.close() is False and win.isVisible()
    win.dialogs.answer = Answer.DISCARD  # type: ignore[attr-defined]
    assert win.close() is True
    assert win.dialogs.asked == 2  # type: ignore[attr-defined]


def test_new_gives_an_empty_stack(window: Any) -> None:
    window.new()
    assert window.document.spec.network.layers == [] and window.document.path is None
    assert not window.train_button.isEnabled() and "The layer stack is empty" in window.train_button.toolTip()


def test_the_memory_a_run_needs_is_shown_and_a_network_too_big_cannot_train(window: Any) -> None:
    label = window.layer_editor.total_label
    memory = window.document.spec.memory()
    assert f"~{format_bytes(memory.total)} to train" in label.text() and "Adam state" in label.toolTip()
    huge = [
        {"type": "Flatten"},
        {"type": "Linear", "out_features": 1_000_000},
        {"type": "Linear", "out_features": 1_000_000},
        {"type": "Linear", "out_features": 10},
    ]
    spec = window.document.spec.model_dump(mode="json")
    spec["network"]["layers"] = huge
    window.document.replace(ExperimentSpec.from_dict(spec), None)
    assert " TB to train" in label.text()
    assert not window.train_button.isEnabled()
    tip = window.train_button.toolTip()
    assert tip.startswith("Layer 3 (Linear): this run needs about") and "make this layer smaller" in tip


def test_the_window_shows_workbenchs_icon(window: Any) -> None:
    from PySide6.QtGui import QGuiApplication

    from workbench import APP_ID

    icon = window.windowIcon()
    assert not icon.isNull() and not icon.pixmap(48, 48).isNull()
    assert QGuiApplication.desktopFileName() == APP_ID  # the desktop pairs the window with its menu entry
