"""Advice on a layer stack: what trains but costs the network something, said where it happens."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import PRESETS
from workbench.spec import ExperimentSpec

MOONS = {"kind": "moons", "n_samples": 100}
REGRESSION = {"kind": "csv", "path": "points.csv", "target": "y", "task": "regression"}


def advice(layers: list[dict[str, Any]], dataset: dict[str, Any] = MOONS) -> list[str]:
    spec = ExperimentSpec.from_dict({"dataset": dataset, "network": {"layers": layers}})
    return [str(a) for a in spec.advice()]


LINEAR = {"type": "Linear", "out_features": 8}
OUT = {"type": "Linear", "out_features": 2}
CONV = {"type": "Conv2d", "out_channels": 4, "padding": 1}


def test_two_linear_maps_with_nothing_nonlinear_between_are_one() -> None:
    found = advice([LINEAR, {"type": "Dropout"}, OUT])
    assert len(found) == 1 and found[0].startswith("network.layers[2] (Linear): nothing nonlinear between it and")
    assert "layers[0] (Linear)" in found[0] and "activation" in found[0]
    assert advice([LINEAR, {"type": "ReLU"}, OUT]) == []
    digits = {"kind": "digits"}
    ten = {"type": "Linear", "out_features": 10}
    assert advice([CONV, {"type": "MaxPool2d"}, CONV, {"type": "ReLU"}, {"type": "Flatten"}, ten], digits) == []
    found = advice([CONV, {"type": "BatchNorm2d"}, CONV, {"type": "Flatten"}, ten], digits)
    assert [f.split(":")[0] for f in found] == ["network.layers[2] (Conv2d)", "network.layers[4] (Linear)"]


def test_the_last_layer_of_a_classifier_gives_raw_scores() -> None:
    found = advice([LINEAR, {"type": "ReLU"}, OUT, {"type": "Sigmoid"}])
    assert found == [
        "network.layers[3] (Sigmoid): the network ends with Sigmoid, but the loss wants raw scores (it applies "
        "softmax itself): end with the Linear layer that gives one score per class"
    ]
    found = advice([LINEAR, {"type": "ReLU"}, OUT, {"type": "Dropout"}])
    assert len(found) == 1 and "dropout on the output" in found[0]


@pytest.mark.parametrize(("last", "range_"), [("ReLU", "0 or more"), ("Sigmoid", "between 0 and 1")])
def test_a_regression_ending_in_a_squashing_layer_is_told_its_range(last: str, range_: str) -> None:
    layers = [LINEAR, {"type": "ReLU"}, {"type": "Linear", "out_features": 1}, {"type": last}]
    found = advice(layers, REGRESSION)
    assert len(found) == 1 and f"can only answer {range_}" in found[0]
    assert advice(layers[:-1], REGRESSION) == []


def test_the_presets_need_no_advice() -> None:
    for path in sorted(PRESETS.glob("*.json")):
        assert ExperimentSpec.load(path).advice() == [], path.name
