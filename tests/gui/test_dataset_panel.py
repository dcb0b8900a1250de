"""The dataset panel: kind and options edit the spec; the spec re-renders the panel; previews load."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QComboBox
from pytestqt.qtbot import QtBot

from workbench.gui.document import ExperimentDocument
from workbench.gui.panels.dataset_panel import QtDatasetPanel
from workbench.spec import load_preset
from workbench.spec.datasets import MoonsDataset


@pytest.fixture
def panel(qtbot: QtBot) -> QtDatasetPanel:
    widget = QtDatasetPanel(ExperimentDocument(load_preset("digits_mlp")))
    qtbot.addWidget(widget)
    return widget


def wait_loaded(qtbot: QtBot, panel: QtDatasetPanel) -> None:
    qtbot.waitUntil(lambda: panel.job is None and not panel.timer.isActive(), timeout=30_000)


def test_digits_preview_and_summary(panel: QtDatasetPanel, qtbot: QtBot) -> None:
    wait_loaded(qtbot, panel)
    assert "1,079</b> training" in panel.summary.text() and "10 classes" in panel.summary.text()
    pixmap = panel.thumbnails.pixmap()
    assert not pixmap.isNull() and pixmap.width() == 8 * 40
    assert panel.preview.currentWidget() is panel.thumbnails


def test_kind_combo_edits_the_spec_and_keeps_shared_fields(panel: QtDatasetPanel, qtbot: QtBot) -> None:
    combo = panel.findChild(QComboBox, "datasetKindCombo")
    assert combo.currentData() == "digits" and combo.currentText() == "Digits 8x8 (built in)"
    combo.setCurrentIndex(combo.findData("moons"))
    dataset = panel.document.spec.dataset
    assert isinstance(dataset, MoonsDataset) and dataset.val_fraction == 0.2 and dataset.test_fraction == 0.2
    wait_loaded(qtbot, panel)
    assert panel.preview.currentWidget() is panel.scatter
    assert len(panel.scatter.getPlotItem().listDataItems()) == 2  # one scatter per class
    panel.document.undo_stack.undo()
    assert combo.currentData() == "digits"


def test_fields_edit_and_render_both_ways(panel: QtDatasetPanel) -> None:
    form = panel.form.form
    assert form is not None
    form.widgets["val_fraction"].spin.setValue(0.3)
    assert panel.document.spec.dataset.val_fraction == 0.3
    other = panel.document.spec.dataset.model_copy(update={"test_fraction": 0.05})
    panel.document.set_dataset(other)
    assert form.widgets["test_fraction"].spin.value() == 0.05
    normalize = form.widgets["normalize"]
    assert not normalize.form.isRowVisible(normalize.widgets["mean"])  # only for fixed mode
    normalize.widgets["mode"].combo.setCurrentIndex(normalize.widgets["mode"].combo.findData("fixed"))
    assert panel.document.spec.dataset.normalize.mode == "fixed"
    assert normalize.form.isRowVisible(normalize.widgets["mean"])


def test_missing_download_says_where_and_how(panel: QtDatasetPanel, qtbot: QtBot, tmp_path: Path) -> None:
    mnist = load_preset("mnist_mlp").dataset.model_copy(update={"root": str(tmp_path), "download": False})
    panel.document.set_dataset(mnist)
    wait_loaded(qtbot, panel)
    text = panel.message.text()
    assert str(tmp_path / "MNIST" / "raw") in text and "IDX files" in text and panel.message.isVisibleTo(panel)
    assert not panel.busy.isVisibleTo(panel)


def test_cancel_drops_the_result(panel: QtDatasetPanel, qtbot: QtBot) -> None:
    panel.timer.stop()
    panel.document.set_dataset(MoonsDataset(n_samples=50))
    panel.timer.stop()
    panel.load_preview()
    job = panel.job
    panel.cancel()
    assert job is not None and job.cancelled and panel.summary.text() == "Loading cancelled."
    qtbot.waitUntil(lambda: not panel.jobs.running, timeout=10_000)
    assert panel.summary.text() == "Loading cancelled."
