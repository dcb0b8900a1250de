"""Validation and shape messages name the place and say what to do (table-driven)."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from workbench.spec import ExperimentSpec, NetworkSpec, SpecError, load_preset


def base() -> dict[str, Any]:
    return copy.deepcopy(load_preset("digits_cnn").model_dump(mode="json"))


def with_change(path: str, value: Any) -> dict[str, Any]:
    """A copy of the digits_cnn preset with one value replaced (path like 'network.layers.3.kernel_size')."""
    doc = base()
    node: Any = doc
    *parents, last = path.split(".")
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    if value is DELETE:
        del node[int(last) if last.isdigit() else last]
    else:
        node[int(last) if last.isdigit() else last] = value
    return doc


DELETE = object()

FIELD_CASES = [
    ("network.layers.3.kernel_size", 0, "network.layers[3].kernel_size: must be >= 1"),
    ("network.layers.3.out_channels", "many", "network.layers[3].out_channels: must be a whole number"),
    ("network.layers.3.kernel_szie", 3, "network.layers[3].kernel_szie: is not a known setting here"),
    ("network.layers.1.type", "Conv3d", "network.layers[1]: unknown type Conv3d"),
    ("network.layers.1", {"out_features": 3}, "network.layers[1]: needs a type field"),
    ("network.layers", "Linear", "network.layers: must be a list"),
    ("training.optimizer.lr", 0, "training.optimizer.lr: must be > 0"),
    ("training.optimizer.name", "Adamax", "training.optimizer: unknown name Adamax"),
    ("training.optimizer.betas", [0.9, 1.5], "training.optimizer: betas: each must be >= 0 and < 1"),
    ("training.epochs", 0, "training.epochs: must be >= 1"),
    ("training.batch_size", 2.5, "training.batch_size: must be a whole number"),
    ("training.device", "gpu", "training.device: must be auto, cpu, cuda, cuda:N (N: the GPU's number, from 0) or mps"),
    ("training.loss", "hinge", "training.loss: must be one of"),
    ("training.early_stopping.patience", -1, "training.early_stopping.patience: must be >= 1"),
    ("training.scheduler", {"name": "step", "gamma": 2}, "training.scheduler.gamma: must be <= 1"),
    ("dataset.kind", "imagenet", "dataset: unknown kind imagenet"),
    ("dataset.val_fraction", 1.2, "dataset.val_fraction: must be < 1"),
    ("dataset.test_fraction", 0.8, "dataset.val_fraction + dataset.test_fraction must leave at least 5%"),
    ("dataset.normalize.std", [0], "dataset.normalize.std[0]: must be > 0"),
    ("format_version", 9, "format_version: version 9 is newer than this Workbench reads (up to 2)"),
    ("format_version", "one", "format_version: must be a whole number"),
    ("network.layers.0", DELETE, None),  # still valid: removing a layer is not a field error
]


@pytest.mark.parametrize(("path", "value", "expected"), FIELD_CASES)
def test_field_messages(path: str, value: Any, expected: str | None) -> None:
    doc = with_change(path, value)
    if expected is None:
        ExperimentSpec.from_dict(doc)
        return
    with pytest.raises(SpecError) as info:
        ExperimentSpec.from_dict(doc)
    said = [f"{p.path}: {p.message}" for p in info.value.problems]  # the place as the file has it
    assert any(expected in line for line in said), said


def test_every_problem_is_listed_at_once() -> None:
    doc = with_change("network.layers.3.kernel_size", 0)
    doc["training"]["epochs"] = -5
    doc["dataset"]["noise"] = 1
    with pytest.raises(SpecError) as info:
        ExperimentSpec.from_dict(doc)
    paths = {p.path for p in info.value.problems}
    assert paths == {"network.layers[3].kernel_size", "training.epochs", "dataset.noise"}


def test_nesterov_needs_momentum() -> None:
    doc = base()
    doc["training"]["optimizer"] = {"name": "SGD", "lr": 0.1, "nesterov": True}
    with pytest.raises(SpecError, match="nesterov needs momentum > 0"):
        ExperimentSpec.from_dict(doc)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{", "not valid JSON"),
        ("[1, 2]", "must hold a JSON object"),
        ("", "not valid JSON"),
        ('{"network": {"layers": [}', "line 1"),
    ],
)
def test_file_level_messages(text: str, expected: str) -> None:
    with pytest.raises(SpecError, match=expected.replace("(", r"\(")):
        ExperimentSpec.from_json(text, source="broken.json")


def test_error_names_the_file(tmp_path: Any) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(with_change("training.epochs", 0)))
    with pytest.raises(SpecError) as info:
        ExperimentSpec.load(path)
    assert str(path) in str(info.value) and "training.epochs: must be >= 1" in str(info.value)


def L(type_: str, **kw: object) -> dict[str, object]:
    return {"type": type_, **kw}


SHAPE_CASES = [
    (
        (64, 8, 8),
        [L("ReLU"), L("Linear")],
        "network.layers[1] (Linear): needs a flat input but gets an image (64, 8, 8): add Flatten before it",
    ),
    (
        (3, 4, 4),
        [L("ReLU"), L("Tanh"), L("GELU"), L("Conv2d", kernel_size=5)],
        "network.layers[3] (Conv2d): kernel 5 is larger than the 4x4 input",
    ),
    ((3, 4, 4), [L("Conv2d", kernel_size=7, padding=1)], "kernel 7 is larger than the 4x4 input (padding 1)"),
    (
        (10,),
        [L("Conv2d")],
        "network.layers[0] (Conv2d): needs an image (channels, height, width) but gets a flat "
        "vector (10,): put it before Flatten",
    ),
    (
        (1, 3, 3),
        [L("MaxPool2d", kernel_size=2), L("MaxPool2d", kernel_size=2)],
        "network.layers[1] (MaxPool2d): kernel 2 is larger than the 1x1 input",
    ),
    ((3, 8, 8), [L("Conv1d")], "use Conv2d for images"),
    ((3, 8, 8), [L("LSTM")], "recurrent layers read sequences; use Conv2d for images"),
    ((3, 8, 8), [L("BatchNorm1d")], "use BatchNorm2d for images"),
    ((12,), [L("BatchNorm2d")], "use BatchNorm1d for flat inputs"),
    ((12,), [L("Dropout2d")], "use Dropout for other inputs"),
    ((4, 10), [L("Conv1d", kernel_size=11)], "kernel 11 is larger than the length-10 input"),
]


@pytest.mark.parametrize(("input_shape", "layers", "expected"), SHAPE_CASES)
def test_shape_messages(input_shape: tuple[int, ...], layers: list[dict[str, object]], expected: str) -> None:
    analysis = NetworkSpec.model_validate({"layers": layers}).analyze(input_shape)
    assert analysis.error is not None and expected in analysis.error, analysis.error
    assert analysis.error_index == len(layers) - 1
    assert analysis.output_shape is None
