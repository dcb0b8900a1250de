"""`workbench exercise check EXERCISE MODEL`: whether a student's saved run solves an exercise,
condition by condition (exit 0 solved, 1 not, 2 refused: a file that cannot be read, or a run
whose experiment differs from the exercise's in a setting the exercise locks)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from ..i18n import _
from ..spec import SpecError
from ..spec.exercise import ExerciseSpec, check
from .common import EXIT_FAILED, EXIT_OK, fail


def check_command(exercise_path: Path, model: Path, stdout: TextIO | None = None) -> int:
    """Print each condition met (✓) or not (✗) and what the run has; the exit status says solved."""
    from ..engine.exercise_run import run_facts
    from ..engine.model_file import ModelFileError

    stdout = stdout or sys.stdout
    try:
        exercise = ExerciseSpec.load(exercise_path)
    except SpecError as exc:
        return fail(f"{exercise_path}: {exc}")
    try:
        run = run_facts(model)
    except (ModelFileError, OSError, SpecError) as exc:
        return fail(str(exc))
    changed = exercise.changed_locked(run.experiment)
    if changed:
        return fail(
            _(
                "{model} was not trained from the exercise {exercise}: it changes what the exercise locks ({places})"
            ).format(model=model, exercise=exercise.id, places=", ".join(changed))
        )
    results = check(exercise, run)
    print(exercise.title.said(), file=stdout)
    for result in results:
        print(f"  {'✓' if result.met else '✗'} {result.said}", file=stdout)
    solved = all(result.met for result in results)
    if solved:
        print(_("Solved."), file=stdout)
        print(exercise.explanation.said(), file=stdout)
        return EXIT_OK
    missing = sum(not result.met for result in results)
    print(
        _("Not solved yet: {count} of {total} conditions are not met.").format(count=missing, total=len(results)),
        file=stdout,
    )
    return EXIT_FAILED
