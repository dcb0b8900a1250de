"""Experiment files: round trips, presets, migrations and the checks before training."""

from __future__ import annotations

import copy
import gzip
import json
import math
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PRESETS
from workbench import atomic
from workbench.spec import (
    CURRENT_FORMAT_VERSION,
    ExperimentSpec,
    NetworkSpec,
    Problem,
    SpecError,
    default_experiment,
    load_preset,
    migrate,
    preset_names,
)
from workbench.spec import experiment as experiment_module
from workbench.spec.errors import json_path
from workbench.spec.network import analyze
from workbench.spec.peek import DataShape

EXPECTED_PRESETS = {
    "seed_cifar10_cnn",
    "digits_mlp",
    "digits_cnn",
    "spiral_mlp",
    "mnist_mlp",
    "mnist_cnn",
    "overfitting_demo",
}


def test_every_expected_preset_ships() -> None:
    assert set(preset_names()) >= EXPECTED_PRESETS


@pytest.mark.parametrize("name", sorted(EXPECTED_PRESETS))
def test_preset_round_trip_and_valid(name: str, tmp_path: Path) -> None:
    path = PRESETS / f"{name}.json"
    spec = ExperimentSpec.load(path)
    assert spec.check() == []
    # Presets are stored in canonical form, so saving one changes nothing.
    assert path.read_text() == spec.to_json()
    assert ExperimentSpec.from_json(spec.to_json()) == spec
    assert ExperimentSpec.model_validate(json.loads(path.read_text())) == spec
    spec.save(tmp_path / "copy.json")
    assert ExperimentSpec.load(tmp_path / "copy.json") == spec


def test_seed_preset_is_the_seed_network() -> None:
    spec = load_preset("seed_cifar10_cnn")
    assert [layer.summary() for layer in spec.network.layers] == [
        "Conv2d(32, padding=1)",
        "ReLU()",
        "MaxPool2d(2, stride=2)",
        "Conv2d(64, padding=1)",
        "ReLU()",
        "MaxPool2d(2, stride=2)",
        "Flatten()",
        "Linear(128)",
        "ReLU()",
        "Linear(10)",
    ]
    opt = spec.training.optimizer
    assert (opt.name, opt.lr, spec.training.batch_size, spec.loss_name) == ("SGD", 0.01, 64, "cross_entropy")
    assert (spec.dataset.normalize.mode, spec.dataset.normalize.mean, spec.dataset.normalize.std) == (
        "fixed",
        [0.5] * 3,
        [0.5] * 3,
    )


def test_default_is_a_digits_preset() -> None:
    spec = default_experiment()
    assert spec.dataset.kind == "digits" and spec.check() == []


def test_overfitting_demo_uses_early_stopping() -> None:
    es = load_preset("overfitting_demo").training.early_stopping
    assert es.enabled and es.restore_best_weights


def test_save_is_atomic_on_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "exp.json"
    path.write_text("original")

    def fail(*_: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(atomic.os, "replace", fail)
    with pytest.raises(OSError):
        default_experiment().save(path)
    assert path.read_text() == "original"
    assert [p.name for p in tmp_path.iterdir()] == ["exp.json"]


def test_missing_file_is_one_line() -> None:
    with pytest.raises(SpecError) as info:
        ExperimentSpec.load("/nonexistent/exp.json")
    assert str(info.value) == "no such file: /nonexistent/exp.json"


def test_migration_chain_applies_each_step_in_order() -> None:
    steps = {
        1: lambda d: {"format_version": 1, "renamed": d["old"]},
        2: lambda d: {**d, "renamed": d["renamed"] * 2},
    }
    assert migrate({"format_version": 1, "old": 3}, steps, current=3) == {"format_version": 3, "renamed": 6}
    assert migrate({"format_version": 3, "x": 1}, steps, current=3) == {"format_version": 3, "x": 1}
    assert migrate({"format_version": "?"}, steps, current=3) == {"format_version": "?"}


def test_loading_migrates_old_files(monkeypatch: pytest.MonkeyPatch) -> None:
    """A future format bump: version-1 files must still load through the registered step."""
    doc = default_experiment().model_dump(mode="json")
    epochs = doc["training"]["epochs"]
    doc["training"]["max_epochs"] = doc["training"].pop("epochs")  # pretend v1 used another name

    def v1_to_v2(d: dict[str, Any]) -> dict[str, Any]:
        d["training"]["epochs"] = d["training"].pop("max_epochs")
        return d

    monkeypatch.setattr(experiment_module, "CURRENT_FORMAT_VERSION", CURRENT_FORMAT_VERSION + 1)
    monkeypatch.setitem(experiment_module.MIGRATIONS, CURRENT_FORMAT_VERSION, v1_to_v2)
    before = copy.deepcopy(doc)
    spec = ExperimentSpec.from_dict(doc)
    assert doc == before, "migration must not edit the caller's document"
    assert spec.format_version == CURRENT_FORMAT_VERSION + 1
    assert spec.training.epochs == epochs


def experiment(dataset: dict[str, Any], layers: list[dict[str, Any]], **training: Any) -> ExperimentSpec:
    return ExperimentSpec.from_dict({"dataset": dataset, "network": {"layers": layers}, "training": training})


FLAT3 = [{"type": "Linear", "out_features": 3}]


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (
            experiment({"kind": "digits"}, [{"type": "Flatten"}, {"type": "Linear", "out_features": 5}]),
            "network: outputs 5 values but the loss needs one value per class (10 classes): "
            "make the last layer Linear(10)",
        ),
        (experiment({"kind": "digits"}, [{"type": "Conv2d"}]), "add Flatten and Linear(10) at the end"),
        (experiment({"kind": "moons"}, []), "network.layers: is empty"),
        (
            experiment({"kind": "moons"}, FLAT3[:0] + [{"type": "Linear", "out_features": 2}], loss="mse"),
            "training.loss: mse needs numeric targets",
        ),
        (experiment({"kind": "spiral"}, FLAT3, early_stopping={"monitor": "val_mae"}), "val_mae is for regression"),
        (experiment({"kind": "digits"}, [{"type": "Linear"}]), "network.layers[0] (Linear): needs a flat input"),
    ],
)
def test_checks_before_training(spec: ExperimentSpec, expected: str) -> None:
    assert any(expected in str(p) for p in spec.check()), spec.check()


def write_idx(path: Path, dims: tuple[int, ...], zipped: bool = False) -> None:
    header = bytes([0, 0, 8, len(dims)]) + struct.pack(f">{len(dims)}I", *dims)
    data = header + bytes(math.prod(dims))
    path.write_bytes(gzip.compress(data) if zipped else data)


@pytest.mark.parametrize("zipped", [False, True])
def test_idx_shape_from_header(tmp_path: Path, zipped: bool) -> None:
    write_idx(tmp_path / "imgs.idx", (5, 6, 7), zipped)
    spec = experiment(
        {"kind": "idx", "images": "imgs.idx", "labels": "labels.idx"},
        [{"type": "Flatten"}, {"type": "Linear", "out_features": 10}],
    )
    assert spec.data_shape(tmp_path).input_shape == (1, 6, 7)
    assert spec.analyze(tmp_path).total_params == 42 * 10 + 10


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"\x01\x02\x03", "not an IDX file"),
        (bytes([0, 0, 8, 3, 0, 0]), "truncated inside its header"),
        (bytes([0, 0, 8, 1, 0, 0, 0, 4]), "expected images (count, rows, columns), found 1 dimensions"),
    ],
)
def test_idx_header_problems(tmp_path: Path, content: bytes, expected: str) -> None:
    (tmp_path / "x.idx").write_bytes(content)
    spec = experiment({"kind": "idx", "images": "x.idx", "labels": "y"}, FLAT3)
    problems = spec.check(tmp_path)
    assert problems[0].path == "dataset.images" and expected in problems[0].message


def test_csv_shape_and_problems(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text("a,b,c,label\n1,2,3,x\n")
    good = experiment({"kind": "csv", "path": "t.csv", "target": "label"}, [{"type": "Linear", "out_features": 2}])
    assert good.data_shape(tmp_path).input_shape == (3,)
    bad = experiment({"kind": "csv", "path": "t.csv", "target": "y"}, FLAT3)
    assert "no column 'y' in t.csv (columns: a, b, c, label)" in str(bad.check(tmp_path)[0])
    missing = experiment({"kind": "csv", "path": "nope.csv", "target": "y"}, FLAT3)
    assert str(missing.check(tmp_path)[0]).startswith("dataset.path: file not found")
    reg = experiment(
        {"kind": "csv", "path": "t.csv", "target": "label", "task": "regression"},
        [{"type": "Linear", "out_features": 1}],
    )
    assert reg.loss_name == "mse" and reg.check(tmp_path) == []


def test_image_folder_counts_classes(tmp_path: Path) -> None:
    for name in ("cat", "dog", "fox"):
        (tmp_path / name).mkdir()
    spec = experiment(
        {"kind": "image_folder", "path": str(tmp_path), "image_size": 16, "channels": 1},
        [{"type": "Flatten"}, {"type": "Linear", "out_features": 3}],
    )
    shape = spec.data_shape()
    assert (shape.input_shape, shape.num_classes) == ((1, 16, 16), 3) and spec.check() == []


def test_network_spec_alone() -> None:
    net = NetworkSpec.model_validate({"layers": [{"type": "Linear", "out_features": 4}]})
    assert net.analyze((3,)).total_params == 16


def test_settings_that_do_not_fit_the_task_or_the_split(tmp_path: Path) -> None:
    (tmp_path / "r.csv").write_text("x,y\n" + "".join(f"{i},{i * 2}\n" for i in range(20)))
    numbers = {"kind": "csv", "path": str(tmp_path / "r.csv"), "target": "y", "task": "regression"}
    line = [{"type": "Linear", "out_features": 1}]

    def problems(spec: ExperimentSpec) -> str:
        return "\n".join(str(p) for p in spec.check())

    assert "training.loss: cross_entropy needs classes" in problems(experiment(numbers, line, loss="cross_entropy"))
    by_accuracy = experiment(numbers, line, early_stopping={"enabled": True, "monitor": "val_accuracy"})
    assert "training.early_stopping.monitor: val_accuracy is for classes" in problems(by_accuracy)
    no_split = experiment({"kind": "moons", "val_fraction": 0.0}, FLAT3[:0] + [{"type": "Linear", "out_features": 2}])
    stopping = no_split.model_copy(
        update={
            "training": no_split.training.model_copy(
                update={"early_stopping": no_split.training.early_stopping.model_copy(update={"enabled": True})}
            )
        }
    )
    assert "training.early_stopping: needs a validation split" in problems(stopping)
    assert problems(experiment(numbers, line)) == ""  # the same data with fitting settings: no problem


def _problems(doc: dict[str, Any]) -> list[Problem]:
    return ExperimentSpec.from_dict(doc).check()


def test_the_task_problems_exactly() -> None:
    """Each refusal in full, at its place: the early-stopping metric, BatchNorm's batch, the loss."""
    moons = {"kind": "moons"}
    layers = [{"type": "Linear", "out_features": 2}]
    es = {"enabled": True, "monitor": "val_mae"}
    assert Problem("training.early_stopping.monitor", "val_mae is for regression; use val_loss or val_accuracy") in (
        _problems({"dataset": moons, "network": {"layers": layers}, "training": {"early_stopping": es}})
    )
    norm = [{"type": "Linear", "out_features": 4}, {"type": "BatchNorm1d"}, {"type": "Linear", "out_features": 2}]
    small = _problems({"dataset": moons, "network": {"layers": norm}, "training": {"batch_size": 1}})
    assert Problem("training.batch_size", "must be at least 2 with BatchNorm, which averages over each batch") in small
    assert not [p for p in _problems({"dataset": moons, "network": {"layers": norm}, "training": {"batch_size": 2}})]
    for loss in ("mse", "l1"):
        found = _problems({"dataset": moons, "network": {"layers": layers}, "training": {"loss": loss}})
        assert [p.path for p in found] == ["training.loss"], loss


def test_the_output_problems_exactly() -> None:
    moons = {"kind": "moons"}
    empty = _problems({"dataset": moons, "network": {"layers": []}})
    assert Problem("network.layers", "is empty: add layers, ending with a Linear layer") in empty
    three = _problems({"dataset": moons, "network": {"layers": [{"type": "Linear", "out_features": 3}]}})
    said = "outputs 3 values but the loss needs one value per class (2 classes): make the last layer Linear(2)"
    assert three == [Problem("network", said)]


def _refusal(text: str) -> SpecError:
    with pytest.raises(SpecError) as info:
        ExperimentSpec.from_json(text, source="x.json")
    return info.value


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("[1, 2]", "the file must hold a JSON object ({...})"),
        ("{", "not valid JSON: Expecting property name enclosed in double quotes (line 1, column 2)"),
        ("[" * 100_000, "not valid JSON: nested too deeply"),
        ('{"a": ' + "1" * 5_000 + "}", "not a usable experiment: a number in it has thousands of digits"),
    ],
)
def test_unusable_text_is_one_problem_of_the_whole_file(text: str, said: str) -> None:
    """Each refusal of a file's text in full: the file as a whole (no place in it), named as the source."""
    refusal = _refusal(text)
    assert refusal.problems == (Problem("", said),)
    assert refusal.source == "x.json"
    assert str(refusal) == f"x.json: not a valid experiment (1 problem)\n  {said}"


def test_unreadable_files_are_refused_in_full(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Missing, a folder, too large (by one byte), not UTF-8: one problem of the whole file each."""

    def problems(path: Path) -> tuple[Problem, ...]:
        with pytest.raises(SpecError) as info:
            ExperimentSpec.load(path)
        return info.value.problems

    assert problems(tmp_path / "gone.json") == (Problem("", f"no such file: {tmp_path / 'gone.json'}"),)
    assert problems(tmp_path) == (Problem("", f"not a file: {tmp_path}"),)
    monkeypatch.setattr(experiment_module, "MAX_FILE_BYTES", 20)
    at_limit = tmp_path / "at.json"
    at_limit.write_text("{}" + " " * 18)
    assert ExperimentSpec.load(at_limit) == ExperimentSpec()  # exactly the limit still loads
    over = tmp_path / "over.json"
    over.write_text("{}" + " " * 19)
    assert problems(over) == (Problem("", f"{over} is larger than an experiment file can be (20 bytes)"),)
    latin = tmp_path / "latin.json"
    latin.write_bytes(b'{"a": "\xe9"}')
    said = f"cannot read {latin}: 'utf-8' codec can't decode byte 0xe9 in position 7: invalid continuation byte"
    assert problems(latin) == (Problem("", said),)


def test_migration_stops_at_the_current_version() -> None:
    """A step registered for the current version itself is for the next format: not run yet."""
    steps = {1: lambda d: {**d, "a": 1}, 2: lambda d: {**d, "b": 2}}
    assert migrate({"format_version": 1}, steps, current=2) == {"format_version": 2, "a": 1}


def test_the_network_s_own_problem_comes_first() -> None:
    """A layer that cannot take its input is the first thing said, before the training settings' problems."""
    doc = {
        "dataset": {"kind": "moons"},
        "network": {"layers": [{"type": "Conv2d", "out_channels": 4}]},
        "training": {"early_stopping": {"enabled": True, "monitor": "val_mae"}},
    }
    found = _problems(doc)
    assert [p.path for p in found] == ["network.layers[0] (Conv2d)", "training.early_stopping.monitor"]


def test_output_problems_of_regression_and_unknown_classes(tmp_path: Path) -> None:
    """A regression network must end in one value; with the class count unknown, the fix says so in words."""
    (tmp_path / "r.csv").write_text("x,y\n" + "".join(f"{i},{i * 2}\n" for i in range(20)))
    three = [{"type": "Linear", "out_features": 3}]
    table = {"kind": "csv", "path": "r.csv", "target": "y", "task": "regression"}
    doc = {"dataset": table, "network": {"layers": three}}
    found = ExperimentSpec.from_dict(doc).check(tmp_path)
    assert found == [Problem("network", "outputs 3 values but the loss needs one value: make the last layer Linear(1)")]
    conv = [{"type": "Conv2d", "out_channels": 4}]
    spec = ExperimentSpec.from_dict({"dataset": {"kind": "digits"}, "network": {"layers": conv}})
    said = "outputs (4, 6, 6) but the loss needs one value per class (10 classes): "
    said += "add Flatten and Linear(10) at the end"
    assert spec.check() == [Problem("network", said)]
    unknown = DataShape((1, 8, 8), None, 10)
    said = "add Flatten and Linear(number of classes) at the end"
    [problem] = spec._output_problems(spec.network.analyze((1, 8, 8)), unknown)
    assert problem.path == "network" and problem.message.endswith(said)


def test_the_analysis_row_by_row_and_where_it_stops() -> None:
    """Each row says what its layer receives and gives; the one that does not fit ends the table with
    its input, no output, no parameters; nothing after it is analysed."""
    layers = NetworkSpec.model_validate(
        {"layers": [{"type": "Linear", "out_features": 3}, {"type": "Conv2d", "out_channels": 2}, {"type": "ReLU"}]}
    ).layers
    analysis = analyze(layers, [2])  # a list, as a JSON file gives it
    first, broken = analysis.rows
    assert analysis.input_shape == (2,) and analysis.total_params == 9 and analysis.output_shape is None
    assert (first.index, first.input_shape, first.output_shape, first.params) == (0, (2,), (3,), 9)
    assert (broken.index, broken.input_shape, broken.output_shape, broken.params) == (1, (3,), None, 0)
    assert broken.error and analysis.error == f"network.layers[1] (Conv2d): {broken.error}"


def _refused(doc: dict[str, Any]) -> list[Problem]:
    with pytest.raises(SpecError) as info:
        ExperimentSpec.from_dict(doc)
    return list(info.value.problems)


def _leaves(node: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, (*path, key))
    elif isinstance(node, list):
        for n, value in enumerate(node):
            yield from _leaves(value, (*path, n))
    else:
        yield path, node


def _put(document: Any, path: tuple[str | int, ...], value: Any) -> Any:
    changed = copy.deepcopy(document)
    node = changed
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return changed


@pytest.mark.parametrize("name", sorted(EXPECTED_PRESETS))
def test_true_or_false_is_no_number(name: str) -> None:
    """`"epochs": true` would train 1 epoch, `"lr": true` at 1.0: every number of every preset refuses true,
    at its own place; every true/false setting still takes it."""
    document = ExperimentSpec.load(PRESETS / f"{name}.json").model_dump(mode="json")
    numbers = 0
    for path, value in _leaves(document):
        if isinstance(value, bool):
            try:
                ExperimentSpec.from_dict(_put(document, path, True))
            except SpecError as refusal:  # another rule (nesterov needs momentum), never "a number"
                assert json_path(path) not in [problem.path for problem in refusal.problems]
        elif isinstance(value, int | float):
            numbers += 1
            where = json_path(path)
            assert where in [problem.path for problem in _refused(_put(document, path, True))], where
    assert numbers >= 5
    assert "must be a whole number" in [p.message for p in _refused(_put(document, ("training", "epochs"), True))]
    assert _refused(_put(document, ("format_version",), "1")) == [Problem("format_version", "must be a whole number")]
