"""What changed between two experiments, in the words the legends and the runs table use."""

from __future__ import annotations

from typing import Any

from workbench.spec import ExperimentSpec, load_preset
from workbench.spec.changes import describe_changes

BASE = load_preset("digits_mlp")  # Flatten, Linear(64), ReLU, Linear(10); Adam 0.001; batch 32


def with_layers(*layers: dict[str, Any]) -> ExperimentSpec:
    doc = BASE.model_dump(mode="json")
    doc["network"]["layers"] = list(layers)
    return ExperimentSpec.from_dict(doc)


def with_training(**training: Any) -> ExperimentSpec:
    doc = BASE.model_dump(mode="json")
    doc["training"].update(training)
    return ExperimentSpec.from_dict(doc)


FLATTEN, RELU = {"type": "Flatten"}, {"type": "ReLU"}


def linear(n: int) -> dict[str, Any]:
    return {"type": "Linear", "out_features": n}


def test_a_layer_added_removed_or_changed() -> None:
    dropout = {"type": "Dropout", "p": 0.5}
    assert describe_changes(BASE, with_layers(FLATTEN, linear(64), dropout, RELU, linear(10))) == [
        "+ Dropout(0.5) after layer 2"
    ]
    assert describe_changes(BASE, with_layers(FLATTEN, linear(64), linear(10))) == ["− ReLU() (layer 3)"]
    assert describe_changes(BASE, with_layers(FLATTEN, linear(128), RELU, linear(10))) == [
        "layer 2: Linear(64) → Linear(128)"
    ]


def test_an_optimizer_switch_names_what_it_brings() -> None:
    changed = with_training(optimizer={"name": "SGD", "momentum": 0.9})
    assert describe_changes(BASE, changed) == ["optimizer Adam → SGD (momentum 0.9)", "learning rate 0.001 → 0.01"]
    tuned = with_training(optimizer={"name": "Adam", "lr": 0.01})
    assert describe_changes(BASE, tuned) == ["learning rate 0.001 → 0.01"]


def test_fields_by_their_titles_and_values_as_shown() -> None:
    changed = with_training(batch_size=64, l1=0.0001, early_stopping={"enabled": False, "patience": 9})
    assert describe_changes(BASE, changed) == [
        "batch size 32 → 64",
        "L1 penalty off → 0.0001",
        "early stopping on → off",
        "early stopping patience 5 → 9",
    ]


def test_a_dataset_switch_is_one_change_in_its_own_name() -> None:
    mnist = BASE.model_copy(update={"dataset": load_preset("mnist_mlp").dataset})
    assert describe_changes(BASE, mnist) == ["dataset Digits 8x8 (built in) → MNIST"]  # not its download or root
    split = BASE.model_copy(update={"dataset": BASE.dataset.model_copy(update={"val_fraction": 0.3})})
    assert describe_changes(BASE, split) == ["validation share 0.2 → 0.3"]


def test_nothing_internal_leaks() -> None:
    renamed = BASE.model_copy(update={"name": "other", "description": "text"})
    assert describe_changes(BASE, renamed) == []
    every = describe_changes(BASE, load_preset("spiral_mlp"))
    assert every and not any("." in text.split(" ")[0] or "_" in text for text in every), every
