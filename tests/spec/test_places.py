"""Problems in the window's words: layers counted from 1, fields by their titles, no JSON paths."""

from __future__ import annotations

import pytest

from workbench.spec import ExperimentSpec, load_preset
from workbench.spec.errors import Problem
from workbench.spec.places import place_words

DIGITS = load_preset("digits_mlp")


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("network.layers[3] (Linear)", "Layer 4 (Linear)"),
        ("network.layers[0] (Conv2d).kernel_size", "Layer 1 (Conv2d): Kernel size"),
        ("network.layers", "The layer stack"),
        ("training.optimizer.lr", "Learning rate"),
        ("training.early_stopping.monitor", "Early stopping: Monitor"),
        ("dataset.val_fraction", "Validation share"),
        ("dataset.normalize.mean", "Normalization: Mean"),
    ],
)
def test_places(path: str, words: str) -> None:
    assert place_words(path, DIGITS) == words


def test_a_union_field_is_named_by_the_kind_chosen() -> None:
    csv = ExperimentSpec.from_dict({**DIGITS.model_dump(mode="json"), "dataset": {"kind": "csv", "path": "t.csv"}})
    folder = ExperimentSpec.from_dict({**DIGITS.model_dump(mode="json"), "dataset": {"kind": "image_folder"}})
    assert place_words("dataset.path", csv) != place_words("dataset.path", folder)
    assert "." not in place_words("dataset.path", csv) and "." not in place_words("dataset.path", folder)


def test_problems_read_as_sentences() -> None:
    assert Problem("network.layers", "is empty: add layers").in_words() == "The layer stack is empty: add layers"
    assert Problem("training.optimizer.lr", "must be > 0.0").in_words() == "Learning rate must be > 0.0"
    assert (
        Problem("network.layers[5] (Linear)", "needs a flat input").in_words() == "Layer 6 (Linear) needs a flat input"
    )
    assert str(Problem("network.layers[5] (Linear)", "needs a flat input")).startswith(
        "network.layers[5]"
    )  # files, CLI


def test_every_problem_of_a_broken_experiment_is_in_words() -> None:
    broken = DIGITS.model_dump(mode="json")
    broken["network"]["layers"] = [{"type": "Linear", "out_features": 3}]
    spec = ExperimentSpec.from_dict(broken)
    for problem in spec.check(None):
        text = problem.in_words(spec)
        assert "network." not in text and "training." not in text and "dataset." not in text, text
