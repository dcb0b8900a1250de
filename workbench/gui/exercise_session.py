"""The exercise the window is doing, in plain Python: which one, the hints shown, the goal checked
against the run as it trains (`spec.exercise.check` on the run's own numbers), and the student's
attempts, kept in a local file and never sent anywhere. The exercise panel and the exercises dialog
render it (`exercise_view`)."""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from ..engine.paths import user_data_dir
from ..i18n import N_
from ..spec.exercise import Checked, ExerciseSpec, MetricGoal, RunFacts, Words, check, score_of
from .run_data import RunRecord
from .settings import SETTINGS_DIR_VARIABLE

ATTEMPTS_FILE = "exercise-attempts.json"
MAX_ATTEMPTS = 200  # per exercise: the newest are kept


def attempts_path() -> Path:
    """Where the attempts are kept: beside the window's settings when a scratch folder is named
    (tests, screenshots), else in the per-user data folder."""
    folder = os.environ.get(SETTINGS_DIR_VARIABLE)
    return (Path(folder) if folder else user_data_dir()) / ATTEMPTS_FILE


class Standing(StrEnum):
    """Where the student stands with one exercise."""

    NOT_STARTED = N_("not started")
    TRIED = N_("tried")
    SOLVED = N_("solved")


@dataclass(frozen=True)
class Attempt:
    """One run checked against an exercise: when, whether it solved it, and its result."""

    when: float  # seconds since the epoch
    solved: bool
    met: int
    total: int
    result: float | None  # the value of the exercise's first metric condition; None when it has none


class Attempts:
    """The attempts at each exercise (a course's title and the exercise's name say which), in a
    JSON file of their own; a file that cannot be read is started afresh, never a reason to fail."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.table: dict[str, list[Attempt]] = {}
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            for key, rows in dict(document.get("attempts", {})).items():
                self.table[str(key)] = [Attempt(**row) for row in rows]
        except (OSError, ValueError, TypeError, AttributeError):
            self.table = {}

    def add(self, key: str, attempt: Attempt) -> None:
        """Keep `attempt` and write the file (a failure to write loses only this attempt)."""
        rows = self.table.setdefault(key, [])
        rows.append(attempt)
        del rows[:-MAX_ATTEMPTS]
        document = {"attempts": {k: [asdict(a) for a in v] for k, v in self.table.items()}}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            from ..atomic import atomic_write

            atomic_write(self.path, lambda p: p.write_text(json.dumps(document, indent=1), encoding="utf-8"))
        except OSError:
            pass

    def of(self, key: str) -> list[Attempt]:
        """The attempts at one exercise, oldest first."""
        return list(self.table.get(key, []))

    def standing(self, key: str) -> Standing:
        rows = self.table.get(key, [])
        return Standing.SOLVED if any(a.solved for a in rows) else Standing.TRIED if rows else Standing.NOT_STARTED

    def best(self, key: str, goal: MetricGoal | None) -> float | None:
        """The best result of the attempts, as the exercise's first metric condition counts it."""
        results = [a.result for a in self.table.get(key, []) if a.result is not None]
        if goal is None or not results:
            return None
        return max(results) if goal.at_least is not None else min(results)


def attempt_key(course: Words, exercise: ExerciseSpec) -> str:
    """The name an exercise's attempts are kept under: its course's title and its own name."""
    return f"{course.en}/{exercise.id}"


def run_facts_of(record: RunRecord) -> RunFacts:
    """What a run in the window says so far, as the exercise's conditions read it."""
    ended, started = record.ended, record.started
    test = record.chosen_test or (ended.test if ended is not None else None)
    scores: dict[str, Any] | None = None
    if test is not None:
        scores = {"loss": test.loss, "accuracy": test.accuracy, "mae": test.mae, "recon": test.recon}
    return RunFacts(
        experiment=record.spec,
        curves={key: list(values) for key, values in record.logs.items()},
        best_epoch=record.best_epoch,
        stop_reason=str(ended.reason.value) if ended is not None else "",
        test=scores,
        parameters=started.parameters if started is not None else 0,
        majority_rate=started.majority_rate if started is not None else None,
    )


@dataclass
class ExerciseSession:
    """One exercise being done: the course it belongs to, the hints shown, and the goal as the
    watched run last met it (`checked`: empty until a run has started under the exercise)."""

    course: Words
    exercise: ExerciseSpec
    hints_shown: int = 0
    watched: RunRecord | None = None
    checked: list[Checked] = field(default_factory=list)
    recorded: int = 0  # epochs of the watched run already kept as an attempt (Continue adds more)
    outside: list[str] = field(default_factory=list)  # locked settings the watched run no longer has (Continue)

    @property
    def key(self) -> str:
        return attempt_key(self.course, self.exercise)

    @property
    def solved(self) -> bool:
        """Every condition met by a run that has ended."""
        ended = self.watched is not None and self.watched.ended is not None
        return ended and bool(self.checked) and all(c.met for c in self.checked)

    def next_hint(self) -> Words | None:
        """Reveal one more hint; None when all are shown."""
        if self.hints_shown >= len(self.exercise.hints):
            return None
        self.hints_shown += 1
        return self.exercise.hints[self.hints_shown - 1]

    def watch(self, record: RunRecord) -> None:
        """Check this run (started while the exercise is open) from now on."""
        self.watched, self.checked, self.recorded, self.outside = record, [], 0, []

    def tick(self) -> bool:
        """Check the goal against the watched run as it stands; True when what it says changed."""
        if self.watched is None or self.watched.started is None:
            return False
        outside = self.exercise.changed_locked(self.watched.spec)  # continued past the locked epochs
        if outside:
            changed = outside != self.outside
            self.outside, self.checked = outside, []
            return changed
        checked = check(self.exercise, run_facts_of(self.watched))
        if [(c.met, c.said) for c in checked] == [(c.met, c.said) for c in self.checked]:
            return False
        self.checked = checked
        return True

    def attempt(self) -> Attempt | None:
        """The watched run as an attempt, once it has ended (and only once per ending)."""
        record = self.watched
        if record is None or record.ended is None or len(record.epochs) == self.recorded or not record.epochs:
            return None
        self.tick()
        self.recorded = len(record.epochs)
        if self.outside:
            return None  # not the exercise's run any more: not an attempt
        goal = score_of(self.exercise)
        index = self.exercise.conditions.index(goal) if goal is not None else -1
        result = self.checked[index].extra.get("value") if index >= 0 else None
        met = sum(c.met for c in self.checked)
        return Attempt(time.time(), met == len(self.checked), met, len(self.checked), result)
