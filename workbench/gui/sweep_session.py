"""A sweep (a repeat over seeds, one setting varied, a file's variants) as the window keeps it, in
plain Python: its folder (`engine.sweep_folder`), its queue of `workbench train` processes
(`engine.queue`), what each run is doing, and what the finished runs say together: each value's
mean curve with its band, the value against its metric with error bars, the table and the verdict.
The sweep window (`sweep_view`) renders it; the window's timer steps it (no thread)."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from ..engine.queue import QueueState, RunQueue
from ..engine.sweep_folder import (
    Outcome,
    SweepFolder,
    read_outcome,
    read_progress,
    shown,
    summary_table,
    verdict,
)
from ..i18n import NP_, _
from ..spec.places import place_words
from ..spec.sweep import VARIANT, PlannedRun


class RunShown(StrEnum):
    """Where one run of the sweep is, as its row says."""

    QUEUED = "queued"
    TRAINING = "training"
    FINISHED = "finished"
    STOPPING = "stopping"  # asked to stop: it saves after its batch
    STOPPED = "stopped"  # stopped by the student before its end (its model file keeps what it learned)
    FAILED = "failed"  # its process ended without finishing (see its log)
    CANCELLED = "cancelled"
    NOT_TRAINED = "not_trained"  # a reopened sweep's run that never finished


STATE_WORDS = {
    RunShown.QUEUED: NP_("run state", "queued"),
    RunShown.TRAINING: NP_("run state", "training"),
    RunShown.STOPPING: NP_("run state", "stopping…"),
    RunShown.STOPPED: NP_("run state", "stopped by you"),
    RunShown.FINISHED: NP_("run state", "finished"),
    RunShown.FAILED: NP_("run state", "did not finish"),
    RunShown.CANCELLED: NP_("run state", "cancelled"),
    RunShown.NOT_TRAINED: NP_("run state", "not trained"),
}


class Band(StrEnum):
    """What the band around a mean curve spans."""

    RANGE = "range"  # from the lowest seed to the highest
    SD = "sd"  # one standard deviation either side


@dataclass(frozen=True)
class QueueRow:
    """One run as the queue's table shows it."""

    name: str
    value: str
    seed: int
    state: RunShown
    epoch: int  # epochs done
    epochs: int  # planned
    score: float | None
    best_epoch: int | None
    test: float | None


@dataclass(frozen=True)
class MeanCurve:
    """One value's curve over its finished seeds: the mean epoch by epoch and the band around it."""

    value: Any
    label: str
    epochs: tuple[int, ...]
    mean: tuple[float, ...]
    low: tuple[float, ...]
    high: tuple[float, ...]
    runs: int


@dataclass(frozen=True)
class ErrorBars:
    """Each value's mean score with one standard deviation either side; numbers on their own axis
    (a log one when they span a factor of 10 or more), anything else one after another."""

    labels: tuple[str, ...]
    x: tuple[float, ...]
    mean: tuple[float, ...]
    sd: tuple[float, ...]
    numeric: bool
    log_x: bool


class SweepSession:
    """One sweep's folder and, while it trains, its queue."""

    def __init__(self, folder: SweepFolder) -> None:
        self.folder = folder
        self.outcomes: dict[str, Outcome] = folder.finished()
        self.queue: RunQueue | None = None
        self.failed: set[str] = set()
        self.stopped: set[str] = set()  # the runs the student stopped while they trained
        self.progress: dict[str, list[dict[str, Any]]] = {}  # the epochs each training run has written

    # --- the queue -------------------------------------------------------------------------------

    def train(self, parallel: int) -> None:
        """Queue every run that has not finished, `parallel` at a time."""
        self.failed.clear()
        self.stopped.clear()
        self.queue = RunQueue(self.folder.to_train(self.outcomes), parallel, self.folder.gpus())

    @property
    def active(self) -> bool:
        """Runs are queued or training."""
        return self.queue is not None and not self.queue.done()

    @property
    def waiting(self) -> int:
        """How many runs are queued or training."""
        if self.queue is None:
            return 0
        return sum(run.state in (QueueState.QUEUED, QueueState.RUNNING) for run in self.queue.runs)

    @property
    def unfinished(self) -> int:
        return len(self.folder.runs) - len(self.outcomes)

    def set_parallel(self, parallel: int) -> None:
        """How many runs train at once from now on (the ones training go on)."""
        if self.queue is not None:
            self.queue.parallel = max(1, parallel)

    def cancel(self, name: str) -> None:
        """Take a queued run out, or stop a training one after its batch."""
        queue = self.queue
        for run in queue.runs if queue is not None else ():
            if run.name == name and queue is not None:
                if run.state is QueueState.RUNNING:
                    self.stopped.add(name)
                queue.cancel(run)

    def stop(self) -> None:
        for run in self.queue.runs if self.queue is not None else ():
            self.cancel(run.name)

    def step(self) -> bool:
        """Start what fits, take in what ended and the epochs written; True when anything changed."""
        if self.queue is None:
            return False
        was_active = self.active
        before = [run.state for run in self.queue.runs]
        by_name = {run.name: run for run in self.folder.runs}
        for item in self.queue.step():
            outcome = read_outcome(by_name[item.name], item.out)
            if outcome is not None:
                self.outcomes[item.name] = outcome
            elif item.name not in self.stopped:
                self.failed.add(item.name)
            self.progress.pop(item.name, None)
        changed = before != [run.state for run in self.queue.runs]  # started, ended
        for item in self.queue.running():
            epochs = read_progress(self.folder.metrics(by_name[item.name]))
            if len(epochs) != len(self.progress.get(item.name, ())):
                self.progress[item.name], changed = epochs, True
        if was_active and not self.active:
            self.folder.write_summary(self.finished_outcomes())
        return changed or was_active != self.active

    # --- what the runs say -----------------------------------------------------------------------

    def finished_outcomes(self) -> list[Outcome]:
        return [self.outcomes[run.name] for run in self.folder.runs if run.name in self.outcomes]

    def value_label(self, value: Any) -> str:
        vary = self.folder.vary
        if vary is None:
            return _("all seeds")
        if vary.path == VARIANT:
            return str(value)
        return f"{vary.path.rsplit('.', 1)[-1]} = {shown(value)}"

    def failure(self, name: str) -> str:
        """Why a run did not finish: the last line it wrote, and where the rest is."""
        run = next(run for run in self.folder.runs if run.name == name)
        log = self.folder.log(run)
        try:
            lines = [line for line in log.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()]
        except OSError:
            lines = []
        last = lines[-1].strip() if lines else ""
        return _("{last}\n(the whole output: {log})").format(last=last, log=log) if last else str(log)

    def setting_words(self) -> str:
        """The setting varied, as the window names it ("Learning rate", "Layer 2 (Linear) · out_features")."""
        vary = self.folder.vary
        if vary is None:
            return ""
        if vary.path == VARIANT:
            return _("Variant")
        field = vary.path.rsplit(".", 1)[-1] if "[" in vary.path else ""
        return place_words(vary.path, self.folder.experiment) + (f" · {field}" if field else "")

    def rows(self) -> list[QueueRow]:
        states = {run.name: run.state for run in self.queue.runs} if self.queue is not None else {}
        return [self._row(run, states.get(run.name)) for run in self.folder.runs]

    def _row(self, run: PlannedRun, queued: QueueState | None) -> QueueRow:
        outcome = self.outcomes.get(run.name)
        if outcome is not None:
            state = RunShown.FINISHED
        elif run.name in self.failed:
            state = RunShown.FAILED
        elif run.name in self.stopped:
            state = RunShown.STOPPING if queued is QueueState.RUNNING else RunShown.STOPPED
        else:
            state = (
                {
                    QueueState.QUEUED: RunShown.QUEUED,
                    QueueState.RUNNING: RunShown.TRAINING,
                    QueueState.CANCELLED: RunShown.CANCELLED,
                }.get(queued, RunShown.NOT_TRAINED)
                if queued is not None
                else RunShown.NOT_TRAINED
            )
        epochs = run.experiment.training.epochs
        done = len(outcome.curve) if outcome is not None else len(self.progress.get(run.name, ()))
        return QueueRow(
            run.name,
            shown(run.value) if run.value is not None else "",
            run.seed,
            state,
            done,
            epochs,
            outcome.score if outcome else None,
            outcome.best_epoch if outcome else None,
            outcome.test_score if outcome else None,
        )

    @property
    def metric(self) -> str | None:
        """What is compared (and drawn): the finished runs' metric, else the one the training runs write."""
        finished = self.finished_outcomes()
        if finished:
            return finished[0].metric
        for epochs in self.progress.values():
            if epochs and epochs[0].get("val_accuracy") is not None:
                return "val_accuracy"
            if epochs:
                return "val_loss"
        return None

    def curves(self, band: Band) -> list[MeanCurve]:
        """Each value's mean curve over its finished seeds, with the band `band` says."""
        values = self.folder.vary.values if self.folder.vary is not None else (None,)
        finished = self.finished_outcomes()
        curves = []
        for value in values:
            mine = [o.curve for o in finished if o.run.value == value]
            if mine:
                curves.append(_mean_curve(value, self.value_label(value), mine, band))
        return curves

    def live(self) -> list[tuple[Any, list[float | None]]]:
        """The runs training now: their curves so far, each with its value."""
        metric = self.metric
        if metric is None:
            return []
        value = {run.name: run.value for run in self.folder.runs}
        return [(value[name], [row.get(metric) for row in epochs]) for name, epochs in self.progress.items() if epochs]

    def value_index(self, value: Any) -> int:
        """Where `value` is among the sweep's values (its colour)."""
        vary = self.folder.vary
        return vary.values.index(value) if vary is not None and value in vary.values else 0

    def error_bars(self) -> ErrorBars | None:
        """Each value's mean score and spread; None for a repeat (one value) or before a run finished."""
        vary = self.folder.vary
        finished = self.finished_outcomes()
        if vary is None or not finished:
            return None
        kept = [(v, [o.score for o in finished if o.run.value == v]) for v in vary.values]
        kept = [(v, scores) for v, scores in kept if scores]
        numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v, _s in kept)
        xs = [float(v) if numeric else float(n) for n, (v, _s) in enumerate(kept)]
        log_x = numeric and min(xs) > 0 and max(xs) >= 10 * min(xs)
        return ErrorBars(
            tuple(shown(v) for v, _s in kept),
            tuple(xs),
            tuple(statistics.fmean(s) for _v, s in kept),
            tuple(statistics.stdev(s) if len(s) > 1 else 0.0 for _v, s in kept),
            numeric,
            log_x,
        )

    def table(self) -> tuple[list[str], list[list[str]]] | None:
        finished = self.finished_outcomes()
        return summary_table(finished, self.folder.vary) if finished else None

    def sentence(self) -> str:
        """The verdict on the runs finished so far ("" before the first)."""
        finished = self.finished_outcomes()
        if not finished:
            return ""
        control = _("Repeat ×") if self.folder.vary is None else _("Seeds for each value:").rstrip(":：")
        return verdict(finished, self.folder.vary, self.folder.seeds, control)


def _mean_curve(value: Any, label: str, curves: list[tuple[float | None, ...]], band: Band) -> MeanCurve:
    epochs: list[int] = []
    mean: list[float] = []
    low: list[float] = []
    high: list[float] = []
    for n in range(max(len(c) for c in curves)):
        at = [float(v) for c in curves if n < len(c) and (v := c[n]) is not None and math.isfinite(v)]
        if not at:
            continue
        middle = statistics.fmean(at)
        spread = statistics.stdev(at) if len(at) > 1 else 0.0
        epochs.append(n + 1)
        mean.append(middle)
        low.append(min(at) if band is Band.RANGE else middle - spread)
        high.append(max(at) if band is Band.RANGE else middle + spread)
    return MeanCurve(value, label, tuple(epochs), tuple(mean), tuple(low), tuple(high), len(curves))
