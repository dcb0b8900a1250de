"""The dataset panel: kind and options, split, normalization, augmentation, summary and preview."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ...engine.download import (
    Downloadable,
    DownloadCancelled,
    DownloadError,
    DownloadProgress,
    dataset_root,
    fetch,
    is_present,
)
from ...i18n import N_, _, ngettext, pgettext
from ...spec import DatasetBase, ExperimentSpec, Task, format_shape
from ...spec.datasets import dataset_label
from ...spec.split import SplitError
from ..document import ExperimentDocument
from ..forms.introspect import describe
from ..forms.model_form import FieldChange, UnionForm
from ..jobs import Job, JobRunner
from ..preview import class_colour, scatter_items, thumbnail_grid
from ..theme import Tone, legend_options, still_plot, style, themed_plot

PREVIEW_SAMPLES = 24
SCATTER_POINTS = 3000
SEQUENCES_SHOWN = 3  # sequences of one feature drawn over each other; with more features, the first one's
FEATURES_SHOWN = 4
OFFLINE_HINT = N_(
    "Offline? Put the files in the folder named below, or choose “IDX files” and point at "
    "your own copy of the .idx / .gz files."
)


def in_thread(fn: Callable[[], Any]) -> asyncio.Future[Any]:
    """Run `fn` on a new daemon thread; the future settles on the running loop (a daemon, so that a
    stalled network never holds up quitting)."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[Any] = loop.create_future()

    def settle(result: Any, error: BaseException | None) -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)

    def run() -> None:
        try:
            outcome, error = fn(), None
        except Exception as exc:  # noqa: BLE001 - handed to the awaiting coroutine
            outcome, error = None, exc
        try:
            loop.call_soon_threadsafe(settle, outcome, error)
        except RuntimeError:  # the loop is closed: the window is gone
            pass

    threading.Thread(target=run, daemon=True, name="workbench-download").start()
    return future


@dataclass(frozen=True)
class Preview:
    """What the panel shows of a dataset, as plain numpy data made on the engine thread."""

    samples: int
    input_shape: tuple[int, ...]
    task: Task
    class_names: tuple[str, ...]
    images: np.ndarray | None  # (N, C, H, W) uint8: the first samples
    image_labels: list[str]
    points: np.ndarray | None  # (N, 2) for 2-D data, subsampled
    point_labels: np.ndarray | None
    sequences: np.ndarray | None = None  # (N, steps, features) float: the first sequences


def load_preview(dataset: DatasetBase, seed: int, base_dir: Path | None) -> Preview:
    """Load the dataset (on the engine thread, where torch lives) and keep what the preview needs."""
    from ...engine.data import load_raw

    raw = load_raw(dataset, seed, base_dir)
    images = labels = points = point_labels = sequences = None
    if raw.is_image:
        first = raw.x[:PREVIEW_SAMPLES]
        images = (first[:, None] if first.dim() == 3 else first).numpy().copy()  # rows read as a sequence: as read
        labels = [raw.class_names[int(k)] if raw.class_names else str(k) for k in raw.y[:PREVIEW_SAMPLES].tolist()]
    elif raw.input_shape == (2,) and raw.task is Task.CLASSIFICATION:
        step = max(1, len(raw.y) // SCATTER_POINTS)
        points, point_labels = raw.x[::step].numpy().copy(), raw.y[::step].numpy().copy()
    elif len(raw.input_shape) == 2:
        sequences = raw.x[:SEQUENCES_SHOWN].numpy().copy()
    return Preview(
        len(raw.y), raw.input_shape, raw.task, raw.class_names, images, labels or [], points, point_labels, sequences
    )


class QtDatasetPanel(QWidget):
    """Choose and configure the data; a preview and summary load in the background.

    `problem_changed` fires when the data could not be loaded (or can be again): `problem` says why.
    """

    problem_changed = Signal()

    def __init__(self, document: ExperimentDocument, jobs: JobRunner | None = None) -> None:
        super().__init__()
        self.setObjectName("datasetPanel")
        self.setAccessibleName(_("Dataset"))
        self.document = document
        self.jobs = jobs or JobRunner(self)
        self.job: Job | None = None
        # Our own reference: qasync keeps only weak ones, and a collected task would stop silently.
        self.download_task: asyncio.Task[None] | None = None
        self.download_stop = threading.Event()
        self.cache: dict[str, Preview] = {}
        self.shown_key = ""
        self.loading_key = ""  # what is being loaded or downloaded now: edits elsewhere leave it alone
        self.problem = ""  # why the data cannot be loaded; "" when it can (or is loading)
        self._build()
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(250)  # wait for the student to stop typing before loading
        self.timer.timeout.connect(self.load_preview)
        document.changed.connect(self.show_spec)
        self.show_spec(document.spec)

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        desc = describe("dataset", ExperimentSpec.model_fields["dataset"])
        # Each kind is named by its class's label (UnionForm reads it), in the language spoken.
        self.form = UnionForm(desc, self.document.spec.dataset, combo_name="datasetKindCombo", place=("dataset",))
        self.form.edited.connect(self._edited)
        layout.addWidget(self.form)
        self.summary = QLabel()
        self.summary.setObjectName("datasetSummary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        busy = QHBoxLayout()
        self.progress = QProgressBar()
        self.progress.setObjectName("datasetProgress")
        self._busy_bar()
        self.cancel_button = QPushButton(_("Cancel"))
        self.cancel_button.setObjectName("datasetCancelButton")
        self.cancel_button.clicked.connect(self.cancel)
        busy.addWidget(self.progress, 1)
        busy.addWidget(self.cancel_button)
        self.busy = QWidget()
        self.busy.setLayout(busy)
        self.busy.hide()
        layout.addWidget(self.busy)
        self.retry_button = QPushButton(_("Try the download again"))
        self.retry_button.setObjectName("datasetRetryButton")
        self.retry_button.clicked.connect(self.retry)
        self.retry_button.hide()
        layout.addWidget(self.retry_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.message = QLabel()
        self.message.setObjectName("datasetMessage")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.setStyleSheet(style(Tone.ERROR))
        self.message.hide()
        layout.addWidget(self.message)
        self.preview = QStackedWidget()
        self.preview.setObjectName("datasetPreview")
        self.thumbnails = QLabel()
        self.thumbnails.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.scatter = themed_plot()
        self.scatter.setFixedHeight(240)
        self.scatter.setAspectLocked(True)
        still_plot(self.scatter)
        self.scatter.addLegend(offset=(5, 5), **legend_options())
        self.lines = themed_plot()  # sequences, step by step
        self.lines.setObjectName("sequencePreview")
        self.lines.setFixedHeight(200)
        self.lines.setLabel("bottom", pgettext("axis: time steps", "step"))
        still_plot(self.lines)
        self.lines.addLegend(offset=(-5, 5), **legend_options())  # top right: a series starts on the left
        self.preview.addWidget(self.thumbnails)
        self.preview.addWidget(self.scatter)
        self.preview.addWidget(self.lines)
        layout.addWidget(self.preview)

    # --- the document -------------------------------------------------------------------------

    @Slot(object, object)
    def _edited(self, dataset: DatasetBase, change: FieldChange) -> None:
        self.document.set_dataset(dataset, change)

    @Slot(object)
    def show_spec(self, spec: ExperimentSpec) -> None:
        """Show the experiment's dataset settings and schedule a preview when the data changed."""
        self.form.set_value(spec.dataset)
        key = self._key(spec)
        if key != self.shown_key and key != self.loading_key:
            self.timer.start()
        elif self.shown_key in self.cache:
            self._show(self.cache[self.shown_key], spec)

    def _key(self, spec: ExperimentSpec) -> str:
        data = spec.dataset.model_dump(mode="json", exclude={"val_fraction", "test_fraction", "normalize", "augment"})
        return json.dumps([data, spec.training.seed, str(self.document.base_dir)], sort_keys=True)

    # --- loading ------------------------------------------------------------------------------

    @Slot()
    def load_preview(self) -> None:
        """Load the data in the background (downloading it when asked to), then show it."""
        spec = self.document.spec
        key = self._key(spec)
        self._set_problem("")
        if key in self.cache:
            self.shown_key = key
            self._show(self.cache[key], spec)
            return
        self._drop_download()
        self.cancel()
        self.retry_button.hide()
        self.loading_key = key
        dataset = spec.dataset
        if self._needs_download(dataset) and self._start_download(dataset):  # type: ignore[arg-type]
            return
        self._busy_bar()
        self.summary.setText(_("Loading the data…"))
        self.busy.show()
        self.message.hide()
        seed, base_dir = spec.training.seed, self.document.base_dir
        self.job = self.jobs.start(
            partial(load_preview, dataset, seed, base_dir), partial(self._loaded, key), self._failed
        )

    def _busy_bar(self) -> None:
        self.progress.setRange(0, 0)  # the loaders do not report a fraction: a busy bar
        self.progress.setTextVisible(False)

    # --- downloading --------------------------------------------------------------------------

    def _needs_download(self, dataset: DatasetBase) -> bool:
        if not isinstance(dataset, Downloadable) or not dataset.download:
            return False
        return not is_present(dataset.kind, dataset_root(dataset, self.document.base_dir))

    def _start_download(self, dataset: Downloadable) -> bool:
        """Download on a thread of its own, awaited on the application's asyncio loop (qasync).

        False without a running loop (a script driving the window): the engine thread's loader
        then downloads as part of loading, behind a busy bar.
        """
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return False
        self.download_stop = threading.Event()
        root = dataset_root(dataset, self.document.base_dir)
        self.summary.setText(
            _("Downloading {data} into {folder}…").format(data=_(dataset_label(dataset.kind)), folder=root)
        )
        self.message.hide()
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        self.progress.setFormat("%p%")
        self.progress.setTextVisible(True)
        self.busy.show()
        self.download_task = loop.create_task(
            self._download(dataset, root, self.download_stop, self._key(self.document.spec))
        )
        return True

    async def _download(self, dataset: Downloadable, root: Path, stop: threading.Event, key: str) -> None:
        report = self._throttled(asyncio.get_running_loop(), stop)
        done, summary, problem = False, "", ""
        try:
            await in_thread(lambda: fetch(dataset.kind, root, progress=report, cancelled=stop.is_set))
            done = True
        except DownloadCancelled:
            summary = _("Download cancelled: nothing half-downloaded was kept.")
        except DownloadError as exc:
            summary, problem = _("No data to show."), f"{_(OFFLINE_HINT)}\n{exc}"  # what helps, first
        if self.download_task is not asyncio.current_task():
            return  # superseded: the student chose other data meanwhile
        self.download_task = None
        self.loading_key = ""
        if summary:
            self.summary.setText(summary)
        if problem:
            self.message.setText(problem)
            self.message.show()
        self._set_problem(problem or summary)
        self.busy.hide()
        if done:
            self.load_preview()  # the files are there now: read them on the engine thread
            return
        # Settled until the student asks again: other edits must not restart a download.
        self.shown_key = key
        self.retry_button.show()

    def _drop_download(self) -> None:
        """Leave a download in progress to stop on its own (other data is wanted now)."""
        if self.download_task is not None:
            self.download_stop.set()
            self.download_task = None
            self.busy.hide()

    @Slot()
    def retry(self) -> None:
        """Start the download again after a cancel or a failure."""
        self.shown_key = ""
        self.load_preview()

    def _throttled(self, loop: asyncio.AbstractEventLoop, stop: threading.Event) -> Callable[[DownloadProgress], None]:
        """A progress callback for the download thread: about ten updates a second, handed to the loop."""
        last = [0.0]

        def report(progress: DownloadProgress) -> None:
            now = time.monotonic()
            if stop.is_set() or (now - last[0] < 0.1 and progress.done < progress.total):
                return
            last[0] = now
            loop.call_soon_threadsafe(self._show_download, progress, stop)

        return report

    def _show_download(self, progress: DownloadProgress, stop: threading.Event) -> None:
        if stop.is_set():
            return  # cancelled (or the window closed) meanwhile
        self.progress.setValue(round(1000 * progress.done / max(progress.total, 1)))
        self.progress.setFormat(_("{percent} of {size} MB").format(percent="%p%", size=f"{progress.total / 1e6:.1f}"))
        if progress.file:
            self.summary.setText(_("Downloading {file}…").format(file=progress.file))

    @Slot()
    def cancel(self) -> None:
        """Stop the current download, or stop waiting for the current load (its result is dropped)."""
        if self.download_task is not None:
            self.download_stop.set()  # the download thread stops within one chunk and cleans up
            return
        if self.job is not None:
            self.job.cancel()
            self.job = None
            self.loading_key = ""
            self.busy.hide()
            self.summary.setText(_("Loading cancelled."))

    def _loaded(self, key: str, raw: Preview) -> None:
        self.job = None
        self.loading_key = ""
        self.busy.hide()
        self.cache[key] = raw
        self.shown_key = key
        if key == self._key(self.document.spec):
            self._show(raw, self.document.spec)

    def _failed(self, error: BaseException, trace: str) -> None:
        self.job = None
        self.loading_key = ""
        self.busy.hide()
        self.shown_key = ""
        problem = getattr(error, "problem", None)  # a DataError names its field
        text = (
            problem.in_words(self.document.spec)
            if problem is not None
            else _("Could not load the data: {error}").format(error=error)
        )
        if isinstance(self.document.spec.dataset, Downloadable):
            text = _(OFFLINE_HINT) + "\n" + text  # what helps, first
        self.message.setText(text)
        self.message.show()
        self.summary.setText(_("No data to show."))
        self.thumbnails.clear()
        self._set_problem(text)

    def _set_problem(self, text: str) -> None:
        if text != self.problem:
            self.problem = text
            self.problem_changed.emit()

    # --- showing ------------------------------------------------------------------------------

    def _show(self, raw: Preview, spec: ExperimentSpec) -> None:
        ds = spec.dataset
        try:
            split = ds.split(raw.samples, spec.training.seed)
        except SplitError as exc:
            self.summary.setText(str(exc))
            return
        count = len(raw.class_names)
        classes = ngettext("{n} class", "{n} classes", count).format(n=count)
        self.summary.setText(
            _("<b>{train}</b> training · <b>{val}</b> validation · <b>{test}</b> test samples").format(
                train=f"{len(split.train):,}", val=f"{len(split.val):,}", test=f"{len(split.test):,}"
            )
            + "<br>"
            + _("input {shape} · {task}").format(
                shape=format_shape(raw.input_shape),
                task=classes if raw.task is Task.CLASSIFICATION else _("regression"),
            )
        )
        self.message.hide()
        if raw.images is not None:
            self._show_images(raw)
        elif raw.points is not None and raw.point_labels is not None:
            self._show_points(raw.points, raw.point_labels, raw.class_names)
        elif raw.sequences is not None:
            self._show_sequences(raw.sequences)
        else:
            self.preview.hide()

    def _show_sequences(self, sequences: np.ndarray) -> None:
        """A few sequences of one feature over each other, or the features of the first sequence."""
        plot: Any = self.lines.getPlotItem()
        plot.clear()
        if plot.legend is not None:
            plot.legend.clear()
        features = sequences.shape[2]
        if features == 1:  # a few samples over each other: colours enough, no legend over the lines
            lines: list[tuple[str | None, np.ndarray]] = [(None, seq[:, 0]) for seq in sequences]
        else:
            lines = [
                (_("feature {n}").format(n=f + 1), sequences[0, :, f]) for f in range(min(features, FEATURES_SHOWN))
            ]
        for k, (name, values) in enumerate(lines):
            plot.plot(values, pen=pg.mkPen(class_colour(k), width=1.5), name=name)
        if plot.legend is not None:
            plot.legend.setVisible(features > 1)  # an empty legend would still draw its frame
        self.preview.setCurrentWidget(self.lines)
        self.preview.show()

    def _show_images(self, raw: Preview) -> None:
        assert raw.images is not None
        self.thumbnails.setPixmap(thumbnail_grid(raw.images, raw.image_labels, columns=8, cell=40))
        self.preview.setCurrentWidget(self.thumbnails)
        self.preview.show()

    def _show_points(self, points: np.ndarray, labels: np.ndarray, names: tuple[str, ...]) -> None:
        plot: Any = self.scatter.getPlotItem()
        plot.clear()
        if plot.legend is not None:
            plot.legend.clear()
        for item in scatter_items(points, labels, names):
            plot.addItem(item)
        self.preview.setCurrentWidget(self.scatter)
        self.preview.show()


if __name__ == "__main__":
    from ..standalone import show

    show(lambda doc: QtDatasetPanel(doc))
