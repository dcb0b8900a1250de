"""What the window keeps of each run: every point the engine sent, in growing numpy buffers (no Qt)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..engine.events import (
    Activations,
    BoundarySnapshot,
    EpochView,
    HealthReport,
    HistogramSnapshot,
    LatentSnapshot,
    Progress,
    StopReason,
    TestResult,
)
from ..engine.history import History
from ..engine.outcome import best_so_far
from ..engine.stream import EpochEnded, RunEnded, RunStarted
from ..i18n import N_, _, ngettext
from ..spec import ExperimentSpec
from ..spec.changes import describe_changes

MAX_SNAPSHOTS = 2000


class GrowingArray:
    """A float array that grows by doubling, so appending a point costs O(1) on average."""

    def __init__(self, capacity: int = 1024) -> None:
        self._data = np.empty(capacity, dtype=np.float64)
        self._size = 0

    def extend(self, values: np.ndarray) -> None:
        """Append values."""
        needed = self._size + len(values)
        if needed > len(self._data):
            grown = np.empty(max(needed, 2 * len(self._data)), dtype=np.float64)
            grown[: self._size] = self._data[: self._size]
            self._data = grown
        self._data[self._size : needed] = values
        self._size = needed

    def view(self) -> np.ndarray:
        """The values so far (a view, not a copy)."""
        return self._data[: self._size]

    def __len__(self) -> int:
        return self._size


@dataclass
class RunRecord:
    """One run: its settings, a label, and everything it reported."""

    spec: ExperimentSpec
    label: str = ""  # the name, then what differs from the current settings (legends, the runs table)
    name: str = ""  # "run 3", fixed when the run starts
    changed: str = ""  # what differs from the current settings (a previous run)
    started: RunStarted | None = None
    batch_x: GrowingArray = field(default_factory=GrowingArray)  # epochs, fractional (1.0 = end of epoch 1)
    batch_loss: GrowingArray = field(default_factory=GrowingArray)
    epochs: list[int] = field(default_factory=list)  # 1-based, as plotted
    logs: dict[str, list[float]] = field(default_factory=dict)
    last_epoch: EpochEnded | None = None
    progress: Progress | None = None
    histograms: list[HistogramSnapshot] = field(default_factory=list)
    boundary: BoundarySnapshot | None = None  # the latest decision-boundary picture (2-D data)
    latent: LatentSnapshot | None = None  # an autoencoder's latest views
    ended: RunEnded | None = None
    visible: bool = True
    continued_at: list[int] = field(default_factory=list)  # epochs done each time the run was continued
    snapshot_epochs: list[int] = field(default_factory=list)  # epochs (0-based) whose weights can be tested
    chosen_epoch: int | None = None  # the epoch whose weights are tested and exported; None: the run's end
    chosen_test: TestResult | None = None  # the test result of the chosen epoch's weights
    chosen_view: EpochView | None = None  # every view of the chosen epoch's weights, once they came
    health: list[HealthReport] = field(default_factory=list)  # each epoch's layer health, as it came
    inside: Activations | None = None  # what every layer makes of the example looked at, once it came

    @classmethod
    def saved(
        cls, spec: ExperimentSpec, history: History, started: RunStarted, ended: RunEnded, label: str
    ) -> RunRecord:
        """A run opened from its model file: every epoch and batch loss it kept, and how it ended."""
        record = cls(spec, label=label, name=label, started=started, ended=ended)
        for i, epoch in enumerate(history.epoch):
            logs = {key: values[i] for key, values in history.history.items() if i < len(values)}
            record.add_epoch(EpochEnded(epoch, logs, history.best_epoch, history.best_value, None, 0.0))
        losses = np.asarray(history.batch_losses, dtype=np.float64)
        # Batches in order, a whole epoch of them per epoch (a run stopped inside an epoch shifts a little).
        record.batch_x.extend(np.arange(1, len(losses) + 1) / max(started.batches_per_epoch, 1))
        record.batch_loss.extend(losses)
        return record

    @property
    def shown_view(self) -> EpochView | None:
        """The views of the epoch chosen on the timeline (or in Results), once they have come;
        None when the run's own latest views are shown."""
        view = self.chosen_view
        return view if view is not None and view.epoch == self.chosen_epoch else None

    @property
    def shown_boundary(self) -> BoundarySnapshot | None:
        """The decision boundary to show: the chosen epoch's, or the run's latest."""
        view = self.shown_view
        return view.picture if view is not None and isinstance(view.picture, BoundarySnapshot) else self.boundary

    @property
    def shown_latent(self) -> LatentSnapshot | None:
        """The latent views to show: the chosen epoch's, or the run's latest."""
        view = self.shown_view
        return view.picture if view is not None and isinstance(view.picture, LatentSnapshot) else self.latent

    @property
    def shown_health(self) -> HealthReport | None:
        """The layer health of the epoch the views show (chosen, else the newest)."""
        if not self.health:
            return None
        wanted = self.chosen_epoch
        return next((h for h in reversed(self.health) if wanted is None or h.epoch <= wanted), self.health[0])

    def add_progress(self, progress: Progress) -> None:
        """Every batch loss of the event, at its fractional epoch."""
        self.progress = progress
        batches = max(progress.batches, 1)
        first = progress.batch - len(progress.losses)  # the event holds batches [first, batch) of its epoch
        self.batch_x.extend(progress.epoch + (np.arange(first, progress.batch) + 1) / batches)
        self.batch_loss.extend(progress.losses)

    def continue_for(self, epochs: int) -> None:
        """The run trains `epochs` more: its end is undone and its settings say how long it now runs."""
        self.continued_at.append(len(self.epochs))
        self.ended = None
        self.chosen_epoch, self.chosen_test, self.chosen_view, self.inside = None, None, None, None
        total = len(self.epochs) + epochs
        self.spec = self.spec.model_copy(update={"training": self.spec.training.model_copy(update={"epochs": total})})

    def add_epoch(self, event: EpochEnded) -> None:
        """One epoch's metrics."""
        self.last_epoch = event
        self.epochs.append(event.epoch + 1)
        for key, value in event.logs.items():
            self.logs.setdefault(key, []).append(value)

    def add_histograms(self, snapshot: HistogramSnapshot) -> None:
        """Keep snapshots; past the cap, thin the older half so the history still spans the run."""
        self.histograms.append(snapshot)
        if len(self.histograms) > MAX_SNAPSHOTS:
            half = len(self.histograms) // 2
            self.histograms = self.histograms[:half:2] + self.histograms[half:]

    def series(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        """(epochs, values) of one logged metric."""
        values = self.logs.get(key, [])
        return np.asarray(self.epochs[: len(values)], dtype=float), np.asarray(values, dtype=float)

    @property
    def sorts_pictures(self) -> bool:
        """A classifier of pictures, whole or read row by row (one can show it a picture of one's own)."""
        s = self.started
        pictures = s is not None and (len(s.input_shape) == 3 or self.spec.dataset.reads_rows)
        return pictures and s is not None and s.metric == "accuracy"

    @property
    def best_epoch(self) -> int | None:
        """The best epoch so far (1-based), or None."""
        source = self.ended.best_epoch if self.ended else (self.last_epoch.best_epoch if self.last_epoch else None)
        return None if source is None else source + 1


@dataclass(frozen=True)
class RunRow:
    """One run as a row of the runs table: plain text cells, and numbers to sort by."""

    cells: tuple[str, ...]
    keys: tuple[float | None, ...]  # None: nothing to sort by (sorts last)
    tip: str  # how it went, in a sentence


# A run's end in a word, where nothing better can be said of it (no epoch finished).
REASON_WORDS = {
    StopReason.COMPLETED: N_("completed"),
    StopReason.EARLY_STOPPED: N_("early stopped"),
    StopReason.USER_STOPPED: N_("stopped by you"),
    StopReason.DIVERGED: N_("diverged"),
    StopReason.FAILED: N_("failed"),
}
RUN_COLUMNS = (N_("Run"), N_("Best\n(epoch)"), N_("Test"), N_("Changed\nsince"))  # two lines: narrow columns


def run_row(record: RunRecord, changed: str) -> RunRow:
    """The runs table's row of a run: what changed, epochs, best epoch and value, test result, time."""
    ended, best = record.ended, record.best_epoch
    best_value = ended.best_value if ended else (record.last_epoch.best_value if record.last_epoch else None)
    test = ended.test if ended else None
    test_key: float | None = None
    if test is None:
        test_text = "—" if ended else _("running")
    else:
        name, test_key, text = (test.scores() or [("loss", test.loss, f"{test.loss:.4g}")])[0]
        short = {"reconstruction": N_("recon")}.get(name, name)  # the column stays narrow: the table fits the centre
        test_text = text if name == "accuracy" else f"{_(short)} {text}"  # accuracy in %; MAE, recon named
    seconds = record.last_epoch.elapsed if record.last_epoch else 0.0
    done = len(record.epochs)
    trained = (
        ngettext("{n} epoch in {seconds} s", "{n} epochs in {seconds} s", done).format(n=done, seconds=f"{seconds:.1f}")
        if seconds
        else ngettext("{n} epoch", "{n} epochs", done).format(n=done)
    )
    return RunRow(
        (
            record.name,
            "—" if best is None or best_value is None else f"{best_value:.4g} ({best})",
            test_text,
            changed,
        ),
        (None, best_value, test_key, None),
        f"{record.name}: {trained} · {run_summary(record)}",
    )


def run_summary(record: RunRecord) -> str:
    """How a run went, in a few words: `best val_loss 0.39 at epoch 22 · test accuracy 70.0%`."""
    if record.ended is None:
        return _("running") if record.epochs else _("starting")
    parts = []
    ended, best = record.ended, record.best_epoch
    monitor = record.started.monitor if record.started else "val_loss"
    if best is not None and ended.best_value is not None:
        parts.append(best_so_far(monitor, ended.best_value, best - 1))
    test = ended.test
    if test is not None:
        scores = ", ".join(f"{_(name)} {text}" for name, _value, text in test.scores())
        parts.append(_("test {scores}").format(scores=scores))
    return " · ".join(parts) or _(REASON_WORDS[ended.reason])


def same_run_settings(a: ExperimentSpec, b: ExperimentSpec) -> bool:
    """True when two experiments train the same run: equal but for their number of epochs and name."""

    def key(spec: ExperimentSpec) -> dict[str, object]:
        doc = spec.model_dump(mode="json")
        doc["training"].pop("epochs")
        return {k: v for k, v in doc.items() if k not in ("name", "description")}

    return key(a) == key(b)


def describe_difference(before: ExperimentSpec, after: ExperimentSpec) -> str:
    """What changed between two runs' settings, in words: `+ Dropout(0.5) after layer 2, batch size 32 → 64`."""
    return ", ".join(describe_changes(before, after)) or _("same settings")
