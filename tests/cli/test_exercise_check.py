"""`workbench exercise check`: a solved run exits 0, an unsolved one 1 with each condition's reason,
a run that changed a locked setting is refused (2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.engine.helpers import tiny
from workbench.cli import main


def _exercise(tmp_path: Path, at_least: float) -> Path:
    document = {
        "id": "moons",
        "title": {"en": "Two moons", "zh_CN": "两个月亮"},
        "goal": {"en": "Separate the moons."},
        "experiment": json.loads(tiny().to_json()),
        "locked": ["dataset", "network.layers[0].out_features"],
        "conditions": [
            {"kind": "metric", "metric": "val_accuracy", "at_least": at_least},
            {"kind": "parameters", "at_most": 100},
        ],
        "explanation": {"en": "A hidden layer bends the boundary."},
    }
    path = tmp_path / f"ex{at_least}.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_a_run_is_checked_condition_by_condition(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    experiment, model = tmp_path / "exp.json", tmp_path / "run.pt"
    tiny(epochs=2).save(experiment)
    assert main(["train", str(experiment), "--out", str(model)]) == 0
    capsys.readouterr()
    from workbench.engine.exercise_run import run_facts

    rate = run_facts(model).majority_rate  # the overfitting rule's "has it learned at all", as in the window
    assert rate is not None and 0.5 <= rate < 1
    assert main(["exercise", "check", str(_exercise(tmp_path, 0.0)), str(model)]) == 0
    said = capsys.readouterr().out
    assert "✓ validation accuracy at least 0%" in said and "Solved." in said and "bends the boundary" in said
    assert main(["exercise", "check", str(_exercise(tmp_path, 1.01)), str(model)]) == 1
    said = capsys.readouterr().out
    assert "✗ validation accuracy at least 101%" in said and "✓ at most 100 parameters: the network has 82" in said
    assert "1 of 2 conditions" in said


def test_a_run_that_changed_a_locked_setting_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    experiment, model = tmp_path / "exp.json", tmp_path / "wide.pt"
    layers = [{"type": "Linear", "out_features": 32}, {"type": "ReLU"}, {"type": "Linear", "out_features": 2}]
    tiny(layers=layers, epochs=1).save(experiment)
    assert main(["train", str(experiment), "--out", str(model)]) == 0
    capsys.readouterr()
    assert main(["exercise", "check", str(_exercise(tmp_path, 0.0)), str(model)]) == 2
    assert "network.layers[0].out_features" in capsys.readouterr().err
    assert main(["exercise", "check", str(tmp_path / "none.json"), str(model)]) == 2
    assert "no such file" in capsys.readouterr().err


def test_a_teacher_writes_bundles_and_checks_against_a_bundle(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from workbench.spec.exercise import ExerciseBundle, load_exercises

    first, second = tmp_path / "a.json", tmp_path / "b.json"
    assert main(["exercise", "new", "spiral_mlp", "--out", str(first), "--name", "spiral"]) == 0
    made = json.loads(first.read_text())
    assert made["locked"] == ["dataset"] and made["conditions"] == [
        {"kind": "metric", "metric": "val_accuracy", "at_least": 0.9}
    ]
    assert main(["exercise", "new", "spiral_mlp", "--out", str(first)]) == 2  # never over a file
    assert main(["exercise", "new", "spiral_mlp", "--out", str(tmp_path / "x.json"), "--name", "Bad Name"]) == 2
    assert "--name Bad Name" in capsys.readouterr().err
    (tmp_path / "b.json").write_text(_exercise(tmp_path, 0.0).read_text())
    bundle = tmp_path / "course.json"
    assert main(["exercise", "bundle", str(first), str(second), "--out", str(bundle), "--title", "Week 1"]) == 0
    assert [e.id for e in load_exercises(bundle)] == ["spiral", "moons"]
    assert ExerciseBundle.model_validate_json(bundle.read_text()).to_json() == bundle.read_text()  # round trip
    assert main(["exercise", "bundle", str(first), str(first), "--out", str(tmp_path / "twice.json")]) == 2
    said = capsys.readouterr().err  # a name taken twice: which, and in which files
    assert f"{first}: the exercise 'spiral' is in {first} already" in said and "pydantic" not in said
    before = bundle.read_text()
    assert main(["exercise", "bundle", str(first), "--out", str(bundle), "--title", "Week 2"]) == 2
    assert "exists already" in capsys.readouterr().err and bundle.read_text() == before  # never over a bundle
    broken = tmp_path / "broken.json"
    broken.write_text('{"id": "x"}')
    assert main(["exercise", "check", str(broken), str(tmp_path / "none.pt")]) == 2
    said = capsys.readouterr().err
    assert f"{broken}: not a valid exercise file" in said and said.count(str(broken)) == 1
    experiment, model = tmp_path / "exp.json", tmp_path / "run.pt"
    tiny(epochs=1).save(experiment)
    assert main(["train", str(experiment), "--out", str(model)]) == 0
    capsys.readouterr()
    assert main(["exercise", "check", str(bundle), str(model)]) == 2
    assert "--exercise" in capsys.readouterr().err  # two exercises: which one?
    assert main(["exercise", "check", str(bundle), str(model), "--exercise", "moons"]) == 0
