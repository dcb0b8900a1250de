"""A sweep on disk, as both `workbench sweep` and the window keep it: `sweep.json` (the experiment,
the setting varied and its values, the seeds, where the data files are), `runs/` (each run's
experiment, model file and terminal output) and the summary (`summary.csv`, `summary.json`).

What each finished run says is read from its model file; the table (a value a row: the seeds'
mean and spread, the best epochs, the test) and the verdict sentence are built here once for the
command line and the window."""

from __future__ import annotations

import csv
import io
import json
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..i18n import _
from ..spec import ExperimentSpec, SpecError
from ..spec.sweep import (
    SWEEP_FORMAT_VERSION,
    VARIANT,
    Comparison,
    PlannedRun,
    ValueResult,
    Vary,
    Verdict,
    compare,
    plan,
)
from .queue import QueuedRun

FINISHED = ("completed", "early_stopped")  # a run that ended so is kept when the sweep runs again
PLAN_FILE = "sweep.json"


class SweepFolderError(Exception):
    """A folder that cannot hold (or does not hold) this sweep; the message says which and why."""


@dataclass(frozen=True)
class Outcome:
    """What one finished run's model file says: the compared value and the run's curves."""

    run: PlannedRun
    best_epoch: int
    metric: str  # what is compared: val_accuracy at the best epoch, else the best monitored value
    score: float
    test: dict[str, Any] | None
    curve: tuple[float | None, ...] = ()  # the metric, epoch by epoch

    @property
    def higher_is_better(self) -> bool:
        return self.metric.endswith("accuracy")

    @property
    def test_key(self) -> str | None:
        """Which of the test's results is shown: accuracy (classification), mean absolute error
        (regression), else the loss."""
        test = self.test or {}
        return next((key for key in ("accuracy", "mae", "loss") if test.get(key) is not None), None)

    @property
    def test_score(self) -> float | None:
        key = self.test_key
        return float((self.test or {})[key]) if key is not None else None


def read_outcome(run: PlannedRun, model: Path) -> Outcome | None:
    """A run's outcome from its model file when it trained to its end (all its epochs, or early
    stopping); None when it has not (missing, stopped, failed, damaged)."""
    import torch

    try:
        history = torch.load(model, map_location="cpu", weights_only=True)["history"]
    except Exception:  # noqa: BLE001 - whatever is wrong with it, the run is trained again
        return None
    if history.get("stop_reason") not in FINISHED or not history.get("best_epoch"):
        return None
    best = int(history["best_epoch"])
    curves = history.get("history", {})
    for metric in ("val_accuracy", "val_recon"):  # an autoencoder's loss holds β·KL: β would win by itself
        curve = curves.get(metric) or []
        if len(curve) >= best and curve[best - 1] is not None:
            return Outcome(run, best, metric, float(curve[best - 1]), history.get("test"), tuple(curve))
    monitor = str(history.get("monitor", "val_loss"))
    curve = tuple(curves.get(monitor) or ())
    return Outcome(run, best, monitor, float(history["best_value"]), history.get("test"), curve)


class SweepFolder:
    """One sweep and its folder: its planned runs and where each keeps its files."""

    def __init__(
        self, out: Path, experiment: ExperimentSpec, vary: Vary | None, seeds: int, base_dir: Path | None
    ) -> None:
        self.out, self.experiment, self.vary, self.seeds, self.base_dir = out, experiment, vary, seeds, base_dir
        self.runs = plan(experiment, vary, seeds)  # SpecError for a bad setting, value or count

    # --- the folder ----------------------------------------------------------------------------

    def _described(self) -> dict[str, Any]:
        return {
            "format_version": SWEEP_FORMAT_VERSION,
            "experiment": json.loads(self.experiment.to_json()),
            "vary": None if self.vary is None else {"path": self.vary.path, "values": list(self.vary.values)},
            "seeds": self.seeds,
            "base_dir": None if self.base_dir is None else str(self.base_dir),
        }

    def take(self, option: str = "--out") -> None:
        """Make the folder this sweep's (written now, or by an earlier start of the same one);
        another sweep's folder is refused rather than mixed."""
        plan_file = self.out / PLAN_FILE
        described = self._described()
        if plan_file.is_file():
            earlier = _read_plan(plan_file)
            if earlier != described:
                raise SweepFolderError(
                    _(
                        "{folder} holds another sweep (another experiment, setting, values or seeds): "
                        "choose another {option}, or the same options to take it up"
                    ).format(folder=self.out, option=option)
                )
            return
        if self.out.exists() and (not self.out.is_dir() or any(self.out.iterdir())):
            raise SweepFolderError(
                _("{folder} is not an empty folder: choose a new one for the sweep").format(folder=self.out)
            )
        try:
            self.out.mkdir(parents=True, exist_ok=True)
            plan_file.write_text(json.dumps(described, indent=2) + "\n", encoding="utf-8")
        except OSError as exc:
            raise SweepFolderError(
                _("Cannot write the sweep in {folder}: {error}").format(folder=self.out, error=exc)
            ) from None

    @classmethod
    def open(cls, out: Path) -> SweepFolder:
        """The sweep a folder holds (to show it, or take it up)."""
        described = _read_plan(out / PLAN_FILE)
        try:
            experiment = ExperimentSpec.from_json(json.dumps(described["experiment"]))
            vary = described.get("vary")
            base = described.get("base_dir")
            return cls(
                out,
                experiment,
                None if vary is None else Vary(str(vary["path"]), tuple(vary["values"])),
                int(described["seeds"]),
                None if base is None else Path(base),
            )
        except (SpecError, KeyError, TypeError, ValueError) as exc:
            raise SweepFolderError(
                _("{path} is not a sweep Workbench can read: {error}").format(path=out / PLAN_FILE, error=exc)
            ) from None

    def model(self, run: PlannedRun) -> Path:
        return self.out / "runs" / f"{run.name}.pt"

    def log(self, run: PlannedRun) -> Path:
        return self.out / "runs" / f"{run.name}.log"

    def metrics(self, run: PlannedRun) -> Path:
        return self.out / "runs" / f"{run.name}.metrics.jsonl"

    def finished(self) -> dict[str, Outcome]:
        """The runs that trained to their end, by name."""
        return {run.name: outcome for run in self.runs if (outcome := read_outcome(run, self.model(run))) is not None}

    def to_train(self, done: dict[str, Outcome]) -> list[QueuedRun]:
        """The runs not in `done`, each with its experiment written beside its model file."""
        folder = self.out / "runs"
        folder.mkdir(parents=True, exist_ok=True)
        queued = []
        for run in self.runs:
            if run.name not in done:
                run.experiment.save(folder / f"{run.name}.json")
                queued.append(
                    QueuedRun(
                        run.name,
                        folder / f"{run.name}.json",
                        self.model(run),
                        self.log(run),
                        self.base_dir,
                        metrics=self.metrics(run),
                    )
                )
        return queued

    def gpus(self) -> int:
        """The GPUs the runs spread over: every GPU found, when the experiment's device lets the run
        choose (auto or cuda); none when it names one GPU or the CPU."""
        if self.experiment.training.device not in ("auto", "cuda"):
            return 0
        import torch

        return torch.cuda.device_count() if torch.cuda.is_available() else 0

    def write_summary(self, outcomes: list[Outcome]) -> None:
        """One row a finished run: summary.csv for a spreadsheet, summary.json for a program."""
        from ..atomic import atomic_write

        setting = self.vary.path if self.vary else None
        rows = [
            {
                "value": o.run.value,
                "seed": o.run.seed,
                "best_epoch": o.best_epoch,
                "metric": o.metric,
                "best_value": o.score,
                "test": o.test_score,
                "model": f"runs/{o.run.name}.pt",
            }
            for o in outcomes
        ]
        text = io.StringIO()
        writer = csv.DictWriter(text, fieldnames=["setting", *rows[0]] if rows else ["setting"], lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow(
                {"setting": setting or "", **{k: json.dumps(v) if k == "value" else v for k, v in row.items()}}
            )
        summary = json.dumps({"setting": setting, "runs": rows}, indent=2) + "\n"
        atomic_write(self.out / "summary.csv", lambda path: path.write_text(text.getvalue(), encoding="utf-8"))
        atomic_write(self.out / "summary.json", lambda path: path.write_text(summary, encoding="utf-8"))


def _read_plan(plan_file: Path) -> dict[str, Any]:
    try:
        described = json.loads(plan_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SweepFolderError(
            _("{path} is not a sweep Workbench can read: {error}").format(path=plan_file, error=exc)
        ) from None
    if not isinstance(described, dict):
        raise SweepFolderError(
            _("{path} is not a sweep Workbench can read: {error}").format(path=plan_file, error=_("not an object"))
        )
    return described


# --- what the runs say, together --------------------------------------------------------------


def value_results(outcomes: list[Outcome], vary: Vary | None) -> list[ValueResult]:
    """Each value's scores, in the order of the values."""
    values = vary.values if vary is not None else (None,)
    results = []
    for value in values:
        scores = tuple(o.score for o in outcomes if o.run.value == value)
        if scores:
            results.append(ValueResult(value, scores))
    return results


def shown(value: Any) -> str:
    """A value as the table and the sentence write it."""
    return value if isinstance(value, str) else json.dumps(value)


def summary_table(outcomes: list[Outcome], vary: Vary | None) -> tuple[list[str], list[list[str]]]:
    """The header and rows of the table: a value a row, its seeds' mean and spread, the mean best
    epoch and the mean test result."""
    metric = outcomes[0].metric
    header = [
        vary.path if vary else _("runs"),
        _("seeds"),
        _("{metric} (mean ± sd)").format(metric=metric),
        _("from – to"),
        _("best epoch (mean ± sd)"),
        _("test {key} (mean ± sd)").format(key=outcomes[0].test_key or ""),
    ]
    rows = []
    for result in value_results(outcomes, vary):
        mine = [o for o in outcomes if o.run.value == result.value]
        tests = [t for o in mine if (t := o.test_score) is not None]
        rows.append(
            [
                shown(result.value) if vary else _("all"),
                str(len(result.scores)),
                f"{result.mean:.4f} ± {result.sd:.4f}",
                f"{min(result.scores):.4f} – {max(result.scores):.4f}",
                _mean_sd([float(o.best_epoch) for o in mine], ".1f"),
                _mean_sd(tests, ".4f") if tests else "-",
            ]
        )
    return header, rows


def _mean_sd(values: list[float], spec: str) -> str:
    spread = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{format(statistics.fmean(values), spec)} ± {format(spread, spec)}"


def verdict(outcomes: list[Outcome], vary: Vary | None, seeds: int, more_seeds: str) -> str:
    """The sentence for the runs finished so far; `more_seeds` says how to run more seeds (the
    command line's option, the window's button)."""
    comparison = compare(value_results(outcomes, vary), outcomes[0].higher_is_better)
    return verdict_sentence(comparison, vary.path if vary else "", outcomes[0].metric, seeds, more_seeds)


def _amount(difference: float, metric: str) -> str:
    """A difference as a student reads it: accuracy in points, anything else as it is."""
    if metric.endswith("accuracy"):
        return _("{points} points").format(points=f"{difference * 100:.2g}")
    return f"{difference:.3g}"


def verdict_sentence(comparison: Comparison, setting: str, metric: str, seeds: int, more_seeds: str) -> str:
    """Whether the best value's lead is more than the seeds' spread, in plain words."""
    best, second = comparison.best, comparison.second
    if second is None:
        return _("{metric} over {seeds} seeds: {mean} ± {sd} (from {low} to {high})").format(
            metric=metric,
            seeds=len(best.scores),
            mean=f"{best.mean:.4f}",
            sd=f"{best.sd:.4f}",
            low=f"{min(best.scores):.4f}",
            high=f"{max(best.scores):.4f}",
        )
    said = {
        "setting": _("variant") if setting == VARIANT else setting.rsplit(".", 1)[-1],
        "best": shown(best.value),
        "second": shown(second.value),
        "amount": _amount(comparison.difference, metric),
        "seeds": min(len(best.scores), len(second.scores)),  # the seeds that finished, not those planned
        "metric": metric,
    }
    if comparison.difference == 0:  # a tie, with one seed or many
        return _(
            "{setting} {best} and {second} give the same {metric} over {seeds} seeds: not a real difference"
        ).format(**said)
    if comparison.verdict is Verdict.ONE_SEED:
        return _(
            "{setting} {best} beats {second} by {amount} of {metric}, but with one seed a value there is no "
            "spread to judge by: run again with {option} 3 or more"
        ).format(option=more_seeds, **said)
    if comparison.verdict is Verdict.REAL:
        return _(
            "{setting} {best} beats {second} by {amount} of {metric}, more than the spread of {seeds} seeds: "
            "a real difference"
        ).format(**said)
    return _(
        "{setting} {best} beats {second} by {amount} of {metric}, within the spread of {seeds} seeds: "
        "not a real difference"
    ).format(**said)


def read_progress(metrics: Path) -> list[dict[str, Any]]:
    """The epochs a training run has written to its `--metrics-out` file so far (the end's line left out)."""
    try:
        lines = metrics.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return []
    epochs = []
    for line in lines:
        try:
            row = json.loads(line)
        except ValueError:  # the line being written
            continue
        if isinstance(row, dict) and "epoch" in row:
            epochs.append(row)
    return epochs
