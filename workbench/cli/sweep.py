"""`workbench sweep EXP --vary SETTING=V1,V2 --seeds K --out DIR [--parallel N]`: the experiment for
each value, K seeds each, one `workbench train` process a run (`engine.queue`); each run's model
file, `summary.csv` and `summary.json` in DIR, the table and whether the best value's lead is real.
Run again with the same options, it keeps the runs that finished and trains the others."""

from __future__ import annotations

import csv
import io
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

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
    variants_of,
)
from .common import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, fail

FINISHED = ("completed", "early_stopped")  # a run that ended so is kept when the sweep runs again


@dataclass(frozen=True)
class Outcome:
    """What one finished run's model file says."""

    run: PlannedRun
    best_epoch: int
    metric: str  # what is compared: val_accuracy at the best epoch, else the best monitored value
    score: float
    test: dict[str, Any] | None

    @property
    def higher_is_better(self) -> bool:
        return self.metric.endswith("accuracy")


def sweep_command(
    path: Path,
    vary_text: str | None,
    seeds: int,
    out: Path,
    parallel: int = 1,
    epochs: int | None = None,
    stdout: TextIO | None = None,
) -> int:
    """Run (or take up) the sweep; exit 0 when every run finished, 1 when one failed, 2 for bad
    input, 130 when stopped (what finished is kept)."""
    from ..engine.queue import QueuedRun, RunQueue

    stdout = stdout or sys.stdout
    try:
        experiment = ExperimentSpec.load(path)
        if epochs is not None:
            experiment = experiment.model_copy(
                update={"training": experiment.training.model_copy(update={"epochs": epochs})}
            )
        vary = variants_of(experiment) if vary_text == VARIANT else Vary.parse(vary_text) if vary_text else None
        runs = plan(experiment, vary, seeds)
    except (SpecError, ValueError) as exc:
        return fail(f"{path}: {exc}" if isinstance(exc, SpecError) else f"--vary {exc}")
    from .train import processes_problem  # runs side by side: as many as the machine holds

    problem = processes_problem(experiment, min(parallel, len(runs)), None, path.resolve().parent, "--parallel")
    problem = problem or _take_folder(out, experiment, vary, seeds)
    if problem is not None:
        return fail(problem)
    folder = out / "runs"
    folder.mkdir(parents=True, exist_ok=True)
    kept = {run.name: outcome for run in runs if (outcome := _finished(run, folder / f"{run.name}.pt")) is not None}
    queued = []
    for run in runs:
        if run.name not in kept:
            run.experiment.save(folder / f"{run.name}.json")
            queued.append(
                QueuedRun(run.name, folder / f"{run.name}.json", folder / f"{run.name}.pt", folder / f"{run.name}.log")
            )
    by_name = {run.name: run for run in runs}
    if kept:
        print(
            _("Keeping {count} of {total} runs already finished in {folder}").format(
                count=len(kept), total=len(runs), folder=out
            ),
            file=stdout,
        )
    queue = RunQueue(queued, parallel)
    failed = []

    def ended(item: QueuedRun) -> None:
        outcome = _finished(by_name[item.name], item.out)
        if outcome is None:
            failed.append(item)
            print(
                _("{name}: did not finish (exit status {code}); see {log}").format(
                    name=item.name, code=item.code, log=item.log
                ),
                file=stdout,
                flush=True,
            )
            return
        kept[item.name] = outcome
        print(
            _("[{done}/{total}] {name}: {metric} {score} (best epoch {epoch})").format(
                done=len(kept),
                total=len(runs),
                name=item.name,
                metric=outcome.metric,
                score=f"{outcome.score:.4f}",
                epoch=outcome.best_epoch,
            ),
            file=stdout,
            flush=True,
        )

    stopped = False
    try:
        queue.run(ended)
    except KeyboardInterrupt:
        stopped = True
        queue.stop()
        queue.run(ended)
    outcomes = [kept[run.name] for run in runs if run.name in kept]
    _write_summary(out, outcomes, vary)
    if outcomes:
        _print_results(outcomes, vary, seeds, stdout)
    if stopped:
        return EXIT_INTERRUPTED
    return EXIT_FAILED if failed else EXIT_OK


def _take_folder(out: Path, experiment: ExperimentSpec, vary: Vary | None, seeds: int) -> str | None:
    """The folder holds this sweep (written now, or by an earlier start of the same one); another
    sweep's folder is refused rather than mixed."""
    plan_file = out / "sweep.json"
    described = {
        "format_version": SWEEP_FORMAT_VERSION,
        "experiment": json.loads(experiment.to_json()),
        "vary": None if vary is None else {"path": vary.path, "values": list(vary.values)},
        "seeds": seeds,
    }
    if plan_file.is_file():
        try:
            earlier = json.loads(plan_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            return _("{path} is not a sweep Workbench can read: {error}").format(path=plan_file, error=exc)
        if earlier != described:
            return _(
                "{folder} holds another sweep (another experiment, setting, values or seeds): "
                "choose another --out, or the same options to take it up"
            ).format(folder=out)
        return None
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        return _("{folder} is not an empty folder: choose a new one for the sweep").format(folder=out)
    out.mkdir(parents=True, exist_ok=True)
    plan_file.write_text(json.dumps(described, indent=2) + "\n", encoding="utf-8")
    return None


def _finished(run: PlannedRun, model: Path) -> Outcome | None:
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
    accuracy = curves.get("val_accuracy") or []
    if len(accuracy) >= best and accuracy[best - 1] is not None:
        return Outcome(run, best, "val_accuracy", float(accuracy[best - 1]), history.get("test"))
    return Outcome(
        run, best, str(history.get("monitor", "val_loss")), float(history["best_value"]), history.get("test")
    )


def _value_results(outcomes: list[Outcome], vary: Vary | None) -> list[ValueResult]:
    values = vary.values if vary is not None else (None,)
    results = []
    for value in values:
        scores = tuple(o.score for o in outcomes if o.run.value == value)
        if scores:
            results.append(ValueResult(value, scores))
    return results


def _test_score(outcome: Outcome) -> float | None:
    """The test's accuracy (classification), mean absolute error (regression), else its loss."""
    key = _test_key(outcome)
    return float((outcome.test or {})[key]) if key is not None else None


def _test_key(outcome: Outcome) -> str | None:
    test = outcome.test or {}
    return next((key for key in ("accuracy", "mae", "loss") if test.get(key) is not None), None)


def _write_summary(out: Path, outcomes: list[Outcome], vary: Vary | None) -> None:
    """One row a finished run: summary.csv for a spreadsheet, summary.json for a program."""
    from ..atomic import atomic_write

    rows = [
        {
            "value": o.run.value,
            "seed": o.run.seed,
            "best_epoch": o.best_epoch,
            "metric": o.metric,
            "best_value": o.score,
            "test": _test_score(o),
            "model": f"runs/{o.run.name}.pt",
        }
        for o in outcomes
    ]
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=["setting", *rows[0]] if rows else ["setting"], lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {"setting": vary.path if vary else "", **{k: json.dumps(v) if k == "value" else v for k, v in row.items()}}
        )
    summary = json.dumps({"setting": vary.path if vary else None, "runs": rows}, indent=2) + "\n"
    atomic_write(out / "summary.csv", lambda path: path.write_text(text.getvalue(), encoding="utf-8"))
    atomic_write(out / "summary.json", lambda path: path.write_text(summary, encoding="utf-8"))


def _amount(difference: float, metric: str) -> str:
    """A difference as a student reads it: accuracy in points, anything else as it is."""
    if metric.endswith("accuracy"):
        return _("{points} points").format(points=f"{difference * 100:.2g}")
    return f"{difference:.3g}"


def verdict_sentence(comparison: Comparison, setting: str, metric: str, seeds: int) -> str:
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
        "setting": setting.rsplit(".", 1)[-1],
        "best": _shown(best.value),
        "second": _shown(second.value),
        "amount": _amount(comparison.difference, metric),
        "seeds": seeds,
        "metric": metric,
    }
    if comparison.difference == 0 and comparison.verdict is Verdict.NOT_REAL:
        return _(
            "{setting} {best} and {second} give the same {metric} over {seeds} seeds: not a real difference"
        ).format(**said)
    if comparison.verdict is Verdict.ONE_SEED:
        return _(
            "{setting} {best} beats {second} by {amount} of {metric}, but with one seed a value there is no "
            "spread to judge by: run again with {option} 3 or more"
        ).format(option="--seeds", **said)
    if comparison.verdict is Verdict.REAL:
        return _(
            "{setting} {best} beats {second} by {amount} of {metric}, more than the spread of {seeds} seeds: "
            "a real difference"
        ).format(**said)
    return _(
        "{setting} {best} beats {second} by {amount} of {metric}, within the spread of {seeds} seeds: "
        "not a real difference"
    ).format(**said)


def _shown(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _print_results(outcomes: list[Outcome], vary: Vary | None, seeds: int, stdout: TextIO) -> None:
    """The table (a value a row: its seeds' mean and spread, the best epochs, the test) and the verdict."""
    results = _value_results(outcomes, vary)
    metric, higher = outcomes[0].metric, outcomes[0].higher_is_better
    header = [
        vary.path if vary else _("runs"),
        _("seeds"),
        f"{metric} (mean ± sd)",
        _("from – to"),
        _("best epoch"),
        f"test {_test_key(outcomes[0]) or ''}".strip(),
    ]
    rows = []
    for result in results:
        mine = [o for o in outcomes if o.run.value == result.value]
        tests = [t for o in mine if (t := _test_score(o)) is not None]
        rows.append(
            [
                _shown(result.value) if vary else _("all"),
                str(len(result.scores)),
                f"{result.mean:.4f} ± {result.sd:.4f}",
                f"{min(result.scores):.4f} – {max(result.scores):.4f}",
                f"{sum(o.best_epoch for o in mine) / len(mine):.1f}",
                f"{sum(tests) / len(tests):.4f}" if tests else "-",
            ]
        )
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip(), file=stdout)
    comparison = compare(results, higher)
    print(verdict_sentence(comparison, vary.path if vary else "", metric, seeds), file=stdout)
