"""The course that comes with Workbench (`resources/exercises/course.json`): each exercise's starting
experiment, trained as it is, misses its goal, and a reference solution, which changes no setting the
exercise locks, meets every condition, trained and checked as `workbench exercise check` checks a
student's run (the saved model file's facts). Every text a student reads is in Chinese too, in the
glossary's words and its way of writing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.spec.test_chinese import glossary, spacing_faults
from workbench.engine import Trainer
from workbench.engine.checkpoint import save_trained
from workbench.engine.exercise_run import run_facts
from workbench.spec import ExperimentSpec
from workbench.spec.course import course_path, load_course
from workbench.spec.exercise import ExerciseSpec, RunFacts, Words, check
from workbench.spec.presets import resources_dir
from workbench.spec.variants import setting_place

_LAYERS_OF_A_SMALL_CNN = [
    {"type": "Conv2d", "out_channels": 8, "kernel_size": 3, "padding": 1},
    {"type": "ReLU"},
    {"type": "MaxPool2d", "kernel_size": 2},
    {"type": "Flatten"},
    {"type": "Linear", "out_features": 10},
]

# Each exercise: what the reference solution changes (settings by their place), and the kinds of the
# conditions the unchanged start must miss.
REFERENCE: dict[str, tuple[dict[str, Any], set[str]]] = {
    "normalize_inputs": ({"dataset.normalize.mode": "standardize"}, {"setting", "metric"}),
    "choose_optimizer": ({"training.optimizer": {"name": "Adam", "lr": 0.01}}, {"metric"}),
    # The start diverges in its first epoch: no epoch's result (`workbench train --out` saves no file).
    "learning_rate": ({"training.optimizer.lr": 0.3}, {"metric"}),
    "l2_regularization": ({"training.optimizer.weight_decay": 0.1}, {"overfitting"}),
    "early_stopping": (
        {"training.early_stopping.enabled": True, "training.early_stopping.patience": 10},
        {"early_stopped", "epochs"},
    ),
    "cnn_budget": ({"network.layers": _LAYERS_OF_A_SMALL_CNN}, {"setting", "parameters"}),
    "lstm_rows": ({"network.layers[0].hidden_size": 32}, {"metric"}),
    "vae_codes": ({"network.autoencoder.beta": 1.0}, {"codes_used", "metric"}),
}


def exercise_named(name: str) -> ExerciseSpec:
    return next(exercise for exercise in load_course().exercises if exercise.id == name)


def changed(exercise: ExerciseSpec, changes: dict[str, Any]) -> ExperimentSpec:
    """The exercise's experiment with `changes` made in its document, on the CPU (not locked anywhere)."""
    document = json.loads(exercise.experiment.to_json())
    for place, value in {**changes, "training.device": "cpu"}.items():
        parent, key = setting_place(document, place)
        parent[key] = value
    return ExperimentSpec.from_dict(document)


def trained(experiment: ExperimentSpec, folder: Path) -> RunFacts:
    """Train in this process and read the run back from its model file, as `exercise check` does."""
    trainer = Trainer(experiment)
    trainer.fit()
    return run_facts(save_trained(folder / "run.pt", trainer))


def texts(exercise: ExerciseSpec) -> list[tuple[str, Words]]:
    named = [("title", exercise.title), ("goal", exercise.goal), ("explanation", exercise.explanation)]
    return named + [(f"hint {n + 1}", hint) for n, hint in enumerate(exercise.hints)]


def test_the_course_follows_the_article_in_both_languages() -> None:
    course = load_course()
    assert len(course.exercises) >= 8
    assert course_path() == resources_dir() / "exercises" / "course.json"
    assert course.title.en == "Course: from data to VAEs" and course.title.zh_CN
    assert [e.id for e in course.exercises] == list(REFERENCE)  # the article's order; each with its solution
    chinese = [("course title", course.title.zh_CN)]
    for exercise in course.exercises:
        assert 2 <= len(exercise.hints) <= 3, exercise.id
        for where, words in texts(exercise):
            assert words.en and words.zh_CN, f"{exercise.id} {where}"
            chinese.append((f"{exercise.id} {where}", words.zh_CN))
    never = [(where, word) for where, text in chinese for term in glossary() for word in term.never if word in text]
    assert never == []
    assert [(where, fault) for where, text in chinese for fault in spacing_faults(text)] == []


@pytest.mark.parametrize("name", list(REFERENCE))
def test_the_start_misses_the_goal_and_the_reference_solution_meets_it(name: str, tmp_path: Path) -> None:
    exercise = exercise_named(name)
    changes, missed_by_the_start = REFERENCE[name]
    kinds = [condition.kind for condition in exercise.conditions]

    start = trained(changed(exercise, {}), tmp_path)
    assert exercise.changed_locked(start.experiment) == []
    missed = {kind for kind, result in zip(kinds, check(exercise, start), strict=True) if not result.met}
    assert missed_by_the_start <= missed

    solved = trained(changed(exercise, changes), tmp_path)
    assert exercise.changed_locked(solved.experiment) == []
    results = check(exercise, solved)
    assert [result.said for result in results if not result.met] == []
