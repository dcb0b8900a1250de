"""The dataset panel: kind and options edit the spec; the spec re-renders the panel; previews load."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import qasync
from PySide6.QtWidgets import QApplication, QComboBox
from pytestqt.qtbot import QtBot

from tests.engine.helpers import mnist_files, serve_file, tiny
from workbench.engine import download as dl
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


def run_on_qasync(coro_fn: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run a coroutine on a qasync loop over the test's QApplication, as the application does."""
    loop = qasync.QEventLoop(QApplication.instance())
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(asyncio.wait_for(coro_fn(), timeout=60))
    finally:
        asyncio.set_event_loop(None)
        loop.close()


async def until(condition: Callable[[], bool]) -> None:
    while not condition():
        await asyncio.sleep(0.02)


def served_mnist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """MNIST's files behind file:// URLs; returns the empty root to download into."""
    remotes = []
    for name, data in mnist_files(30, 10).items():
        base, md5, size = serve_file(tmp_path / "server", name, data)
        remotes.append(dl.Remote(name, (base + name,), md5, size))
    source = dl.SOURCES["mnist"]
    monkeypatch.setitem(dl.SOURCES, "mnist", dl.Source(source.folder, tuple(remotes), source.expected))
    return tmp_path / "root"


def test_download_runs_on_the_asyncio_loop_with_progress(
    panel: QtDatasetPanel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = served_mnist(tmp_path, monkeypatch)
    shown: list[tuple[int, bool]] = []
    original = panel._show_download

    def record(progress: dl.DownloadProgress, stop: threading.Event) -> None:
        original(progress, stop)
        shown.append((panel.progress.value(), panel.busy.isVisibleTo(panel) and panel.progress.maximum() == 1000))

    monkeypatch.setattr(panel, "_show_download", record)

    async def scenario() -> None:
        panel.document.set_dataset(load_preset("mnist_mlp").dataset.model_copy(update={"root": str(root)}))
        await until(lambda: panel.download_task is None and panel.job is None and not panel.timer.isActive())

    run_on_qasync(scenario)
    values = [value for value, _ in shown]
    assert values and values[-1] == 1000 and values == sorted(values)
    assert all(bar_shown for _, bar_shown in shown)
    assert dl.is_present("mnist", root)
    assert "training" in panel.summary.text() and not panel.thumbnails.pixmap().isNull()
    assert not panel.busy.isVisibleTo(panel)


def test_cancel_stops_a_download_and_keeps_nothing(
    panel: QtDatasetPanel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = served_mnist(tmp_path, monkeypatch)
    started = threading.Event()

    def slow_stream(url: str, part: Path, report: Callable[[int], object], cancelled: Callable[[], bool]) -> str:
        part.write_bytes(b"partial")
        started.set()
        while not cancelled():  # a download that would take a long time
            time.sleep(0.01)
        raise dl.DownloadCancelled("download cancelled")

    monkeypatch.setattr(dl, "_stream", slow_stream)

    async def scenario() -> None:
        panel.document.set_dataset(load_preset("mnist_mlp").dataset.model_copy(update={"root": str(root)}))
        await until(started.is_set)
        task = panel.download_task
        panel.document.set_dataset(panel.document.spec.dataset.model_copy(update={"val_fraction": 0.12}))
        await asyncio.sleep(0.5)  # longer than the panel's typing delay
        assert panel.download_task is task and not task.done()  # an edit elsewhere leaves it running
        panel.cancel_button.click()
        await until(lambda: panel.download_task is None)
        assert "Download cancelled" in panel.summary.text() and not panel.busy.isVisibleTo(panel)
        assert not [p for p in root.rglob("*") if p.is_file()]
        assert panel.job is None  # nothing was loaded after the cancel
        assert panel.retry_button.isVisibleTo(panel)
        panel.document.set_dataset(panel.document.spec.dataset.model_copy(update={"val_fraction": 0.15}))
        await asyncio.sleep(0.5)  # longer than the panel's typing delay
        assert panel.download_task is None  # another edit does not restart the download
        started.clear()
        panel.retry_button.click()
        assert panel.download_task is not None and not panel.retry_button.isVisibleTo(panel)
        await until(started.is_set)
        panel.cancel_button.click()
        await until(lambda: panel.download_task is None)

    run_on_qasync(scenario)


def test_failed_download_says_what_to_do(
    panel: QtDatasetPanel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = dl.SOURCES["mnist"]
    dead = [dl.Remote(r.name, ((tmp_path / "gone").as_uri() + "/x",), r.md5, r.size) for r in source.files]
    monkeypatch.setitem(dl.SOURCES, "mnist", dl.Source(source.folder, tuple(dead), source.expected))

    async def scenario() -> None:
        panel.document.set_dataset(load_preset("mnist_mlp").dataset.model_copy(update={"root": str(tmp_path)}))
        await until(lambda: panel.message.isVisibleTo(panel))

    run_on_qasync(scenario)
    text = panel.message.text()
    assert "could not download train-images-idx3-ubyte.gz: check the internet connection" in text
    assert text.startswith("Offline? Put the files in the folder named below")  # what helps comes first
    assert panel.message.isVisibleTo(panel) and not panel.busy.isVisibleTo(panel)


def test_choosing_other_data_drops_a_download(
    panel: QtDatasetPanel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = served_mnist(tmp_path, monkeypatch)
    started, ended = threading.Event(), threading.Event()

    def slow_stream(url: str, part: Path, report: Callable[[int], object], cancelled: Callable[[], bool]) -> str:
        part.write_bytes(b"partial")
        started.set()
        while not cancelled():
            time.sleep(0.01)
        ended.set()
        raise dl.DownloadCancelled("download cancelled")

    monkeypatch.setattr(dl, "_stream", slow_stream)

    async def scenario() -> None:
        panel.document.set_dataset(load_preset("mnist_mlp").dataset.model_copy(update={"root": str(root)}))
        await until(started.is_set)
        panel.document.set_dataset(MoonsDataset(n_samples=60))
        await until(lambda: ended.is_set() and panel.job is None and not panel.timer.isActive())
        await asyncio.sleep(0.1)  # the dropped download's coroutine finishes too

    run_on_qasync(scenario)
    assert panel.preview.currentWidget() is panel.scatter and "training" in panel.summary.text()
    assert not panel.retry_button.isVisibleTo(panel) and not panel.busy.isVisibleTo(panel)
    assert not [p for p in root.rglob("*") if p.is_file()]


def test_generated_points_follow_the_seed(panel: QtDatasetPanel, qtbot: QtBot) -> None:
    """The preview of generated data is drawn again when the seed changes: other points, not a stale cache."""
    panel.document.set_dataset(MoonsDataset(n_samples=60))
    wait_loaded(qtbot, panel)
    first = panel.cache[panel.shown_key].points
    training = panel.document.spec.training
    panel.document.set_training(training.model_copy(update={"seed": training.seed + 1}))
    wait_loaded(qtbot, panel)
    second = panel.cache[panel.shown_key].points
    assert first is not None and second is not None and not np.array_equal(first, second)


def test_sequences_preview_as_lines_and_pictures_as_the_rows_read(panel: QtDatasetPanel, qtbot: QtBot) -> None:
    combo = panel.findChild(QComboBox, "datasetKindCombo")
    assert combo.findData("sine") >= 0 and combo.itemText(combo.findData("adding")) == "Adding problem (sequences)"
    combo.setCurrentIndex(combo.findData("sine"))
    wait_loaded(qtbot, panel)
    assert panel.preview.currentWidget() is panel.lines and "regression" in panel.summary.text()
    assert "input (32, 1)" in panel.summary.text()
    lines = panel.lines.getPlotItem().listDataItems()
    assert [len(item.getData()[0]) for item in lines] == [32, 32, 32]  # three windows, 32 steps each
    assert [item.name() for item in lines] == [None, None, None]  # no legend over a few windows
    assert not panel.lines.getPlotItem().legend.isVisible()
    combo.setCurrentIndex(combo.findData("adding"))
    wait_loaded(qtbot, panel)
    assert [item.name() for item in panel.lines.getPlotItem().listDataItems()] == ["feature 1", "feature 2"]
    assert panel.lines.getPlotItem().legend.isVisible()
    combo.setCurrentIndex(combo.findData("digits"))
    wait_loaded(qtbot, panel)
    form = panel.form.form
    assert form is not None
    form.widgets["as_sequence"].box.setChecked(True)
    assert panel.document.spec.dataset.as_sequence  # type: ignore[union-attr]
    wait_loaded(qtbot, panel)
    assert "input (8, 8)" in panel.summary.text() and panel.preview.currentWidget() is panel.thumbnails


def test_a_csv_time_series_takes_its_input_columns_as_names(panel: QtDatasetPanel) -> None:
    combo = panel.findChild(QComboBox, "datasetKindCombo")
    combo.setCurrentIndex(combo.findData("csv_series"))
    form = panel.form.form
    assert form is not None
    line = form.widgets["inputs"].line
    assert line.placeholderText() == "every column" and line.text() == ""
    line.setText("temperature,  humidity ,")
    line.editingFinished.emit()
    assert panel.document.spec.dataset.inputs == ["temperature", "humidity"]  # type: ignore[union-attr]
    line.setText("")
    line.editingFinished.emit()
    assert panel.document.spec.dataset.inputs == []  # type: ignore[union-attr]


def test_an_experiment_whose_data_path_no_system_can_open_opens_and_says_so(window: Any, tmp_path: Path) -> None:
    experiment = tmp_path / "long.json"
    tiny(dataset={"kind": "csv", "path": str(tmp_path / ("a" * 6000) / "x.csv"), "target": "y"}).save(experiment)
    assert window.open_path(experiment)
    assert window.document.path == experiment and not window.train_button.isEnabled()
    assert "dataset.path" in window.document.spec.check(tmp_path)[0].path
