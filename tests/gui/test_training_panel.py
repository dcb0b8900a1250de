"""The training panel: generated from the spec, only the chosen optimizer's fields, both directions."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QComboBox
from pytestqt.qtbot import QtBot

from workbench.gui.document import ExperimentDocument
from workbench.gui.panels.training_panel import QtTrainingPanel
from workbench.spec import load_preset
from workbench.spec.training import StepScheduler


@pytest.fixture
def panel(qtbot: QtBot) -> QtTrainingPanel:
    widget = QtTrainingPanel(ExperimentDocument(load_preset("digits_mlp")))
    qtbot.addWidget(widget)
    return widget


def optimizer_fields(panel: QtTrainingPanel) -> list[str]:
    union = panel.form.widgets["optimizer"]
    return [d.name for d in union.form.descs]  # type: ignore[attr-defined]


def test_only_the_chosen_optimizers_fields(panel: QtTrainingPanel) -> None:
    combo = panel.findChild(QComboBox, "optimizerCombo")
    assert combo.currentData() == "Adam"
    assert optimizer_fields(panel) == ["lr", "betas", "eps", "weight_decay", "amsgrad"]
    combo.setCurrentIndex(combo.findData("SGD"))
    assert optimizer_fields(panel) == ["lr", "momentum", "nesterov", "weight_decay"]
    assert panel.document.spec.training.optimizer.name == "SGD"


def test_edits_and_renders(panel: QtTrainingPanel) -> None:
    panel.form.widgets["epochs"].spin.setValue(7)
    assert panel.document.spec.training.epochs == 7
    training = panel.document.spec.training.model_copy(update={"batch_size": 128})
    panel.document.set_training(training, "test")
    assert panel.form.widgets["batch_size"].spin.value() == 128


def test_device_is_a_choice_of_this_machine(panel: QtTrainingPanel) -> None:
    combo = panel.form.widgets["device"].combo
    devices = [combo.itemData(i) for i in range(combo.count())]
    assert devices[0] == "auto" and "cpu" in devices
    panel.set_devices(["cpu", "cuda:0", "cuda:1"])  # what torch found on a machine with two GPUs
    assert [combo.itemData(i) for i in range(combo.count())] == ["auto", "cpu", "cuda:0", "cuda:1"]
    combo.setCurrentIndex(combo.findData("cuda:1"))
    assert panel.document.spec.training.device == "cuda:1"


def test_invalid_combination_shown_inline(panel: QtTrainingPanel) -> None:
    combo = panel.findChild(QComboBox, "optimizerCombo")
    combo.setCurrentIndex(combo.findData("SGD"))
    sgd_form = panel.form.widgets["optimizer"].form  # type: ignore[attr-defined]
    sgd_form.widgets["nesterov"].box.setChecked(True)
    assert panel.document.spec.training.optimizer.nesterov is False  # type: ignore[union-attr]
    assert "nesterov needs momentum > 0" in sgd_form.error.text() and not sgd_form.error.isHidden()


def test_learning_rate_preview_follows_the_schedule(panel: QtTrainingPanel) -> None:
    training = panel.document.spec.training.model_copy(
        update={"epochs": 6, "scheduler": StepScheduler(step_size=2, gamma=0.5)}
    )
    panel.document.set_training(training)
    _, rates = panel.lr_curve.getData()
    assert list(rates) == pytest.approx([0.001, 0.001, 0.0005, 0.0005, 0.00025, 0.00025])
