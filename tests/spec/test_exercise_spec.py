"""Exercise files: what they hold and refuse, the locked settings, and each kind of condition
checked against a run's plain numbers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.engine.helpers import tiny
from workbench.spec import SpecError
from workbench.spec.exercise import ExerciseSpec, RunFacts, check


def _exercise(**changes: Any) -> ExerciseSpec:
    document: dict[str, Any] = {
        "id": "beat_chance",
        "title": {"en": "Beat chance", "zh_CN": "超过随机猜测"},
        "goal": {"en": "Reach 80% validation accuracy."},
        "experiment": json.loads(tiny().to_json()),
        "locked": ["dataset", "network.layers[0].out_features"],
        "conditions": [{"kind": "metric", "metric": "val_accuracy", "at_least": 0.8}],
        "hints": [{"en": "Try a larger learning rate."}],
        "explanation": {"en": "The network learned."},
        **changes,
    }
    return ExerciseSpec.from_dict(document)


def _run(**facts: Any) -> RunFacts:
    given: dict[str, Any] = {
        "experiment": tiny(),
        "curves": {"loss": [0.9, 0.5, 0.4], "val_loss": [0.8, 0.6, 0.5], "val_accuracy": [0.6, 0.75, 0.85]},
        "best_epoch": 3,
        "stop_reason": "completed",
        "test": {"accuracy": 0.7, "loss": 0.55},
        "parameters": 82,
        **facts,
    }
    return RunFacts(**given)


def test_an_exercise_round_trips_and_speaks_both_languages(tmp_path: Path) -> None:
    exercise = _exercise()
    path = tmp_path / "ex.json"
    path.write_text(exercise.to_json(), encoding="utf-8")
    assert ExerciseSpec.load(path) == exercise
    assert exercise.title.said("zh_CN") == "超过随机猜测" and exercise.title.said("en") == "Beat chance"
    assert exercise.goal.said("zh_CN") == "Reach 80% validation accuracy."  # no Chinese given: the English


@pytest.mark.parametrize(
    ("changes", "place"),
    [
        ({"locked": ["training.rate"]}, "training.rate"),
        ({"conditions": [{"kind": "metric", "metric": "val_accuracy"}]}, "conditions"),
        ({"conditions": [{"kind": "setting", "place": "network.layers[9].p", "value": 0.5}]}, "network.layers[9].p"),
        ({"format_version": 2}, "format_version"),
        ({"conditions": []}, "conditions"),
    ],
)
def test_an_exercise_that_does_not_hold_together_is_refused_at_its_place(changes: dict[str, Any], place: str) -> None:
    with pytest.raises(SpecError) as refused:
        _exercise(**changes)
    assert place in str(refused.value)


def test_a_change_to_a_locked_setting_is_found_and_a_free_one_is_not() -> None:
    exercise = _exercise()
    free = tiny(**{"optimizer": {"name": "Adam", "lr": 0.05}})
    assert exercise.changed_locked(free) == []
    wider = tiny(
        layers=[{"type": "Linear", "out_features": 64}, {"type": "ReLU"}, {"type": "Linear", "out_features": 2}]
    )
    assert exercise.changed_locked(wider) == ["network.layers[0].out_features"]
    other_data = tiny(dataset={"kind": "circles", "n_samples": 120, "val_fraction": 0.25, "test_fraction": 0.25})
    assert exercise.changed_locked(other_data) == ["dataset"]


def test_each_condition_against_a_run() -> None:
    conditions = [
        {"kind": "metric", "metric": "val_accuracy", "at_least": 0.8},  # 0.85 at the best epoch
        {"kind": "metric", "metric": "test_loss", "at_most": 0.5},  # 0.55
        {"kind": "parameters", "at_most": 100},  # 82
        {"kind": "epochs", "at_most": 2},  # 3 trained
        {"kind": "setting", "place": "training.optimizer.name", "value": "SGD"},  # tiny() trains with SGD
        {"kind": "early_stopped"},
        {"kind": "overfitting", "shown": False},
    ]
    results = check(_exercise(conditions=conditions), _run())
    assert [r.met for r in results] == [True, False, True, False, True, False, True]
    assert results[0].extra["value"] == 0.85 and "85%" in results[0].said


def test_overfitting_and_collapsed_codes_are_read_off_the_curves() -> None:
    falling = [1.0 - 0.05 * n for n in range(12)]
    rising = [0.9 - 0.1 * n for n in range(4)] + [0.6 + 0.08 * n for n in range(8)]
    accuracy = [0.5 + 0.1 * n for n in range(4)] + [0.85 - 0.02 * n for n in range(8)]
    overfit = _run(curves={"loss": falling, "val_loss": rising, "val_accuracy": accuracy}, best_epoch=4)
    shown, hidden = (
        check(_exercise(conditions=[{"kind": "overfitting", "shown": want}]), overfit)[0].met for want in (True, False)
    )
    assert shown and not hidden
    said = check(_exercise(conditions=[{"kind": "overfitting", "shown": False}]), overfit)[0].said
    assert said == "the curves show no overfitting: they show it after epoch 4"  # val_loss was best at epoch 4
    codes = _exercise(conditions=[{"kind": "codes_used"}])
    assert check(codes, _run(curves={"val_kl": [2.0, 1.5, 1.2]}))[0].met
    assert not check(codes, _run(curves={"val_kl": [0.5, 0.01, 0.001]}))[0].met  # collapsed to the prior
    assert not check(codes, _run(curves={}))[0].met


def test_a_setting_may_be_one_of_several_values() -> None:
    one_of = {"kind": "setting", "place": "training.optimizer.name", "one_of": ["Adam", "Adagrad"]}
    exercise = _exercise(conditions=[one_of])
    [result] = check(exercise, _run())
    assert not result.met and result.said == "Optimizer is one of Adam, Adagrad: the run has SGD"  # tiny() trains SGD
    adam = tiny(**{"optimizer": {"name": "Adam", "lr": 0.01}})
    assert [r.met for r in check(exercise, _run(experiment=adam))] == [True]
    with pytest.raises(SpecError, match="give value or one_of"):
        _exercise(conditions=[{**one_of, "value": "Adam"}])
    with pytest.raises(SpecError, match="give value or one_of"):
        _exercise(conditions=[{"kind": "setting", "place": "training.optimizer.name"}])


def test_an_edit_that_changed_a_locked_setting_on_the_way_keeps_it() -> None:
    exercise = _exercise(locked=["dataset", "training.optimizer.lr"])
    adam = tiny(**{"optimizer": {"name": "Adam"}})  # Adam's own rate, 0.001: the exercise's is SGD's 0.1
    kept = exercise.kept_locked(adam)
    assert kept is not None and kept.training.optimizer.name == "Adam" and kept.training.optimizer.lr == 0.1
    other_data = tiny(dataset={"kind": "circles", "n_samples": 120, "val_fraction": 0.25, "test_fraction": 0.25})
    kept = exercise.kept_locked(other_data)
    assert kept is not None and kept.dataset == exercise.experiment.dataset  # the edit was only that: undone


def test_exercise_files_are_told_from_experiments_by_their_shape(tmp_path: Path) -> None:
    from workbench.spec.exercise import ExerciseBundle, holds_exercises, load_bundle

    one, bundle, experiment, broken = (tmp_path / name for name in ("one.json", "b.json", "e.json", "x.json"))
    one.write_text(_exercise().to_json())
    bundle.write_text(ExerciseBundle(title=_exercise().title, exercises=[_exercise()]).to_json())
    tiny().save(experiment)
    broken.write_text("{")
    assert [holds_exercises(p) for p in (one, bundle, experiment, broken)] == [True, True, False, False]
    single = load_bundle(one)  # one exercise opens as a course of one, titled by it
    assert [e.id for e in single.exercises] == ["beat_chance"] and single.title.en == "Beat chance"
