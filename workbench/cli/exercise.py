"""`workbench exercise check EXERCISE MODEL`: whether a student's saved run solves an exercise,
condition by condition (exit 0 solved, 1 not, 2 refused: a file that cannot be read, or a run
whose experiment differs from the exercise's in a setting the exercise locks)."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import TextIO

from ..i18n import _, ngettext
from ..spec import SpecError
from ..spec.exercise import ExerciseBundle, ExerciseSpec, Words, check, load_exercises, template
from .common import EXIT_FAILED, EXIT_OK, fail


def check_command(exercise_path: Path, model: Path, name: str | None = None, stdout: TextIO | None = None) -> int:
    """Print each condition met (✓) or not (✗) and what the run has; the exit status says solved.
    A bundle's exercise is chosen by `name` (needed when it holds more than one)."""
    from ..engine.exercise_run import run_facts
    from ..engine.model_file import ModelFileError

    stdout = stdout or sys.stdout
    try:
        exercises = load_exercises(exercise_path)
    except SpecError as exc:
        return fail(_named(exc, exercise_path))
    names = [exercise.id for exercise in exercises]
    if name is None and len(exercises) > 1:
        return fail(
            _("{path} holds {count} exercises: choose one with {option} ({names})").format(
                path=exercise_path, count=len(exercises), option="--exercise", names=", ".join(names)
            )
        )
    if name is not None and name not in names:
        return fail(
            _("{path} has no exercise {name}: it holds {names}").format(
                path=exercise_path, name=repr(name), names=", ".join(names)
            )
        )
    exercise = exercises[names.index(name) if name is not None else 0]
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
    said = ngettext(
        "Not solved yet: {count} of {total} conditions is not met.",
        "Not solved yet: {count} of {total} conditions are not met.",
        missing,
    )
    print(said.format(count=missing, total=len(results)), file=stdout)
    return EXIT_FAILED


def new_command(experiment_path: Path, out: Path, name: str) -> int:
    """Write an exercise to edit from an experiment (its data locked, a goal on its validation result)."""
    from ..atomic import atomic_write
    from ..spec import ExperimentSpec

    if not re.fullmatch(r"[a-z0-9_]{1,60}", name):
        return fail(
            _("{option} {name}: use lowercase letters, digits and _ (60 at most)").format(option="--name", name=name)
        )
    try:
        exercise = template(ExperimentSpec.load(experiment_path), name)
    except (SpecError, ValueError) as exc:
        return fail(_named(exc, experiment_path))
    if out.exists():
        return fail(_("{path} exists already: choose another {option}").format(path=out, option="--out"))
    atomic_write(out, lambda path: path.write_text(exercise.to_json(), encoding="utf-8"))
    print(_("Wrote {path}: edit its texts, locked settings and conditions").format(path=out))
    return EXIT_OK


def bundle_command(paths: list[Path], out: Path, title: str) -> int:
    """Put several exercise files into one that students open with `workbench BUNDLE`."""
    from ..atomic import atomic_write

    if out.exists():  # a bundle is a teacher's work: never written over
        return fail(_("{path} exists already: choose another {option}").format(path=out, option="--out"))
    exercises: list[ExerciseSpec] = []
    came_from: dict[str, Path] = {}
    for path in paths:
        try:
            found = load_exercises(path)
        except SpecError as exc:
            return fail(_named(exc, path))
        for exercise in found:
            if exercise.id in came_from:
                said = _("{path}: the exercise {name} is in {other} already: give one of them another id")
                return fail(said.format(path=path, name=repr(exercise.id), other=came_from[exercise.id]))
            came_from[exercise.id] = path
        exercises += found
    try:
        bundle = ExerciseBundle(title=Words(en=title), exercises=exercises)
    except ValueError as exc:
        return fail(str(exc))
    atomic_write(out, lambda path: path.write_text(bundle.to_json(), encoding="utf-8"))
    said = ngettext("Wrote {count} exercise to {path}", "Wrote {count} exercises to {path}", len(exercises))
    print(said.format(count=len(exercises), path=out))
    return EXIT_OK


def _named(exc: ValueError, path: Path) -> str:
    """The error's sentence, headed by the file once (it names the file itself when it read it)."""
    return str(exc) if isinstance(exc, SpecError) and exc.source else f"{path}: {exc}"
