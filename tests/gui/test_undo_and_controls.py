"""Undo steps one field at a time; the controls that used to disagree with the experiment now agree."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QComboBox, QLabel
from pytestqt.qtbot import QtBot

from workbench.gui import document as document_module
from workbench.gui.document import ExperimentDocument
from workbench.gui.forms.editors import LogSpinBox
from workbench.gui.forms.model_form import BuddyLabel, ModelForm, convert
from workbench.gui.panels.layer_editor import QtLayerEditor
from workbench.gui.panels.training_panel import QtTrainingPanel
from workbench.spec import load_preset
from workbench.spec.training import SGD, Adam, AdamW, TrainingSpec


@pytest.fixture
def panel(qtbot: QtBot) -> QtTrainingPanel:
    widget = QtTrainingPanel(ExperimentDocument(load_preset("digits_mlp")))
    qtbot.addWidget(widget)
    return widget


def choose_optimizer(panel: QtTrainingPanel, name: str) -> None:
    combo = panel.findChild(QComboBox, "optimizerCombo")
    combo.setCurrentIndex(combo.findData(name))


def optimizer_form(panel: QtTrainingPanel) -> ModelForm:
    return panel.form.widgets["optimizer"].form  # type: ignore[no-any-return]


def test_three_edits_in_three_fields_are_three_undo_steps(panel: QtTrainingPanel) -> None:
    stack, start = panel.document.undo_stack, panel.document.spec
    panel.form.widgets["epochs"].spin.setValue(7)
    panel.form.widgets["batch_size"].spin.setValue(64)
    choose_optimizer(panel, "SGD")
    assert stack.count() == 3
    assert [stack.text(i) for i in range(3)] == [
        "Epochs 30 → 7",
        "Batch size 32 → 64",
        "Optimizer Adam → SGD (Learning rate 0.01)",
    ]
    stack.undo()
    training = panel.document.spec.training
    assert training.optimizer.name == "Adam" and training.batch_size == 64 and training.epochs == 7
    stack.undo()
    assert panel.document.spec.training.batch_size == 32 and panel.document.spec.training.epochs == 7
    stack.undo()
    assert panel.document.spec == start and panel.form.widgets["epochs"].spin.value() == 30


def test_each_optimizer_option_is_its_own_step(panel: QtTrainingPanel) -> None:
    """Momentum, weight decay, the schedule, L1 and clipping: one undo each, never all at once."""
    choose_optimizer(panel, "SGD")
    form = optimizer_form(panel)
    form.widgets["momentum"].spin.setValue(0.9)
    form.widgets["weight_decay"].spin.setValue(0.001)
    panel.form.widgets["l1"].spin.setValue(0.0001)
    panel.form.widgets["grad_clip"].spin.setValue(1.0)
    stack = panel.document.undo_stack
    assert stack.undoText() == "Gradient clipping off → 1"
    for expected in ("Gradient clipping", "L1 penalty", "Weight decay (L2)", "Momentum"):
        assert stack.undoText().startswith(expected)
        stack.undo()
    assert panel.document.spec.training.optimizer.name == "SGD"  # the switch to SGD is still there
    stack.undo()
    assert panel.document.spec.training.optimizer.name == "Adam"


def test_quick_edits_of_one_field_merge_and_later_ones_do_not(
    panel: QtTrainingPanel, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [100.0]
    monkeypatch.setattr(document_module.time, "monotonic", lambda: clock[0])
    spin = panel.form.widgets["batch_size"].spin
    for value in (33, 34, 35):  # an arrow key held down
        spin.setValue(value)
        clock[0] += 0.3
    stack = panel.document.undo_stack
    assert stack.count() == 1 and stack.undoText() == "Batch size 32 → 35"
    clock[0] += document_module.MERGE_SECONDS + 1  # a minute later, after a run say
    spin.setValue(64)
    assert stack.count() == 2 and stack.undoText() == "Batch size 35 → 64"
    spin.setValue(35)  # back to where that step started: no step at all
    assert stack.count() == 1


def test_layers_and_their_fields_never_merge(qtbot: QtBot) -> None:
    editor = QtLayerEditor(ExperimentDocument(load_preset("digits_mlp")))
    qtbot.addWidget(editor)
    stack = editor.document.undo_stack
    editor.select(1)
    editor.form.widgets["out_features"].spin.setValue(128)  # type: ignore[union-attr]
    editor.form.widgets["bias"].box.setChecked(False)  # type: ignore[union-attr]
    editor.select(3)
    editor.form.widgets["bias"].box.setChecked(False)  # type: ignore[union-attr]
    assert [stack.text(i) for i in range(stack.count())] == [
        "Layer 2 (Linear): Outputs 64 → 128",
        "Layer 2 (Linear): Bias on → off",
        "Layer 4 (Linear): Bias on → off",
    ]
    stack.undo()
    layers = editor.document.spec.network.layers
    assert layers[3].bias and not layers[1].bias and layers[1].out_features == 128  # type: ignore[union-attr]


def test_redo_has_both_shortcuts(window: Any) -> None:
    keys = {k.toString() for k in window.redo_action.shortcuts()}
    assert {"Ctrl+Y", "Ctrl+Shift+Z"} <= keys
    assert window.undo_action.shortcut().toString() == "Ctrl+Z"
    window.training_panel.form.widgets["batch_size"].spin.setValue(64)
    assert window.undo_action.text() == "&Undo Batch size 32 → 64"


def test_switching_optimizer_takes_its_default_learning_rate_and_says_so(panel: QtTrainingPanel) -> None:
    choose_optimizer(panel, "SGD")
    assert panel.document.spec.training.optimizer.lr == 0.01
    note = panel.findChild(QLabel, "optimizerNote")
    assert not note.isHidden() and note.text() == "SGD's default: Learning rate 0.01"
    assert optimizer_form(panel).widgets["lr"].spin.value() == 0.01
    optimizer_form(panel).widgets["lr"].spin.setValue(0.05)
    assert note.isHidden()  # the note is about the switch, not what came after


def test_convert_keeps_what_the_optimizers_share_and_resets_what_they_do_not() -> None:
    tuned = Adam(lr=0.005, weight_decay=0.0, amsgrad=True)
    adamw, reset = convert(tuned, AdamW)
    assert isinstance(adamw, AdamW) and adamw.lr == 0.005 and adamw.amsgrad  # same default: a tuned lr stays
    assert adamw.weight_decay == 0.01 and reset == ["Weight decay (L2) 0.01"]  # AdamW's point is its decay
    sgd, reset = convert(tuned, SGD)
    assert isinstance(sgd, SGD) and sgd.lr == 0.01 and reset == ["Learning rate 0.01"]


def test_nesterov_and_momentum_never_disagree(panel: QtTrainingPanel) -> None:
    choose_optimizer(panel, "SGD")
    form = optimizer_form(panel)
    nesterov, momentum = form.widgets["nesterov"], form.widgets["momentum"].spin
    assert not nesterov.isEnabled() and "Needs Momentum above 0" in nesterov.toolTip()
    momentum.setValue(0.9)
    assert nesterov.isEnabled()
    nesterov.box.setChecked(True)
    assert panel.document.spec.training.optimizer.nesterov  # type: ignore[union-attr]
    momentum.setValue(0.0)
    optimizer = panel.document.spec.training.optimizer
    assert optimizer.momentum == 0.0 and optimizer.nesterov is False  # type: ignore[union-attr]
    assert not nesterov.box.isChecked() and not nesterov.isEnabled() and form.error.isHidden()
    assert panel.document.undo_stack.undoText() == "Momentum 0.9 → 0 (Nesterov off)"
    panel.document.undo_stack.undo()
    assert nesterov.box.isChecked() and nesterov.isEnabled()


def test_a_check_box_toggles_from_its_label(panel: QtTrainingPanel, qtbot: QtBot) -> None:
    panel.show()
    labels = [w for w in optimizer_form(panel).findChildren(BuddyLabel) if w.text() == "AMSGrad"]
    assert len(labels) == 1
    qtbot.mouseClick(labels[0], Qt.MouseButton.LeftButton)
    assert panel.document.spec.training.optimizer.amsgrad  # type: ignore[union-attr]
    qtbot.mouseClick(labels[0], Qt.MouseButton.LeftButton)
    assert not panel.document.spec.training.optimizer.amsgrad  # type: ignore[union-attr]


def test_log_scale_fields_step_from_off_to_a_useful_value(panel: QtTrainingPanel) -> None:
    l1 = panel.form.widgets["l1"].spin
    assert isinstance(l1, LogSpinBox) and l1.value() == 0.0
    l1.stepBy(1)
    assert panel.document.spec.training.l1 == 1e-5
    l1.stepBy(-1)
    assert panel.document.spec.training.l1 == 0.0
    clip = panel.form.widgets["grad_clip"].spin
    clip.stepBy(1)
    assert panel.document.spec.training.grad_clip == 0.1  # a norm of 1e-5 would stop learning
    l1.lineEdit().setText("1e-9")  # smaller values can still be typed
    l1.interpretText()
    QApplication.processEvents()
    assert l1.value() == 1e-9


def test_training_spec_fields_have_titles() -> None:
    """Undo texts and notes are built from field titles: every editable field has one."""
    for name, info in TrainingSpec.model_fields.items():
        assert info.title, name


def test_ctrl_z_in_a_field_undoes_the_last_edit(window: Any, qtbot: QtBot) -> None:
    """Focus in a text field (after Tab, say): Ctrl+Z is Edit > Undo, not the field's own undo."""
    window.activateWindow()
    qtbot.waitUntil(lambda: window.isActiveWindow(), timeout=2000)
    lr = window.training_panel.form.widgets["optimizer"].form.widgets["lr"].spin
    lr.setValue(0.05)
    assert window.document.spec.training.optimizer.lr == 0.05
    eps = window.training_panel.form.widgets["optimizer"].form.widgets["eps"].spin
    eps.setFocus()
    qtbot.waitUntil(lambda: eps.lineEdit().hasFocus(), timeout=2000)
    qtbot.keyClick(eps.lineEdit(), Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.document.spec.training.optimizer.lr == 0.001
    qtbot.keyClick(eps.lineEdit(), Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert window.document.spec.training.optimizer.lr == 0.05
