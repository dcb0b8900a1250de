"""Sequences in the spec: the layers that make and reorder them, recurrent layers' options, the
advice on classic mistakes, pictures read row by row, generated sequences and the split by time."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from pydantic import ValidationError

from workbench.spec import ExperimentSpec, NetworkSpec
from workbench.spec.datasets import AddingDataset, DigitsDataset, ImageFolderDataset, MoonsDataset, SineDataset


def error(input_shape: tuple[int, ...], *layers: dict[str, Any]) -> str | None:
    """The shape table's error for `layers` on samples of `input_shape` (None: it fits)."""
    analysis = NetworkSpec.model_validate({"layers": list(layers)}).analyze(input_shape)
    return analysis.error


def output(input_shape: tuple[int, ...], *layers: dict[str, Any]) -> tuple[int, ...] | None:
    return NetworkSpec.model_validate({"layers": list(layers)}).analyze(input_shape).output_shape


@pytest.mark.parametrize(
    ("dim", "sizes", "said"),
    [
        (1, [5, -1], "the sizes (5, -1) do not make 12, the size of axis 1: give sizes whose product is 12"),
        (1, [5, 3], "the sizes (5, 3) do not make 12"),
        (1, [-1, -1], "give sizes of 1 or more, with at most one -1"),
        (1, [0, 12], "give sizes of 1 or more"),
        (0, [3, 4], "dim 0 is the batch: count a sample's axes from 1"),
        (-2, [3, 4], "dim -2 is the batch"),
        (2, [3, 4], "dim 2 is not an axis of a sample of 1 axes: use 1 to 1 (-1: the last)"),
    ],
)
def test_unflatten_refuses_sizes_that_do_not_fit(dim: int, sizes: list[int], said: str) -> None:
    message = error((12,), {"type": "Unflatten", "dim": dim, "unflattened_size": sizes})
    assert message is not None and said in message


def test_unflatten_splits_the_axis_torch_names() -> None:
    assert output((12,), {"type": "Unflatten"}) == (12, 1)  # the default: one value a step
    assert output((12,), {"type": "Unflatten", "unflattened_size": [3, -1]}) == (3, 4)
    assert output((2, 12), {"type": "Unflatten", "dim": -1, "unflattened_size": [2, 3, 2]}) == (2, 2, 3, 2)
    assert output((2, 12), {"type": "Unflatten", "dim": 1, "unflattened_size": [1, 2]}) == (1, 2, 12)


@pytest.mark.parametrize(
    ("dims", "said"),
    [
        ([0, 1], "the axes (0, 1) are not an order of the 3 axes 0 to 2"),
        ([0, 1, 1], "give each once"),
        ([0, 2, 3], "not an order"),
        ([1, 0, 2], "keep the batch first: the axes start with 0"),
    ],
)
def test_permute_refuses_what_is_not_an_order_of_the_axes(dims: list[int], said: str) -> None:
    message = error((4, 16), {"type": "Permute", "dims": dims})
    assert message is not None and said in message


def test_permute_turns_conv1d_channels_into_sequence_features() -> None:
    assert output((4, 16), {"type": "Conv1d", "out_channels": 6, "kernel_size": 3}, {"type": "Permute"}) == (14, 6)
    assert output((2, 3, 4), {"type": "Permute", "dims": [0, 3, 1, 2]}) == (4, 2, 3)


def test_recurrent_layers_give_the_last_step_or_every_step() -> None:
    assert output((9, 3), {"type": "LSTM", "hidden_size": 5}) == (5,)
    assert output((9, 3), {"type": "LSTM", "hidden_size": 5, "output": "sequence"}) == (9, 5)
    assert output((9, 3), {"type": "GRU", "hidden_size": 5, "bidirectional": True, "output": "sequence"}) == (9, 10)
    layer = NetworkSpec.model_validate({"layers": [{"type": "GRU", "hidden_size": 5, "output": "sequence"}]}).layers[0]
    assert "output" not in layer.arguments()  # not one of PyTorch's arguments
    assert layer.summary() == "GRU(5, output='sequence')"


def test_linear_after_every_step_says_to_take_the_last_one() -> None:
    message = error((9, 3), {"type": "LSTM", "output": "sequence"}, {"type": "Linear"})
    assert message is not None and "set the recurrent layer's Output to the last step, or add Flatten" in message
    image = error((1, 8, 8), {"type": "Linear"})
    assert image is not None and "add Flatten before it" in image and "Output" not in image


def advice(dataset: dict[str, Any], *layers: dict[str, Any]) -> list[str]:
    spec = ExperimentSpec.from_dict({"dataset": dataset, "network": {"layers": list(layers)}})
    return [a.in_words() for a in spec.advice()]


def test_advice_on_a_recurrent_layer_with_nothing_to_remember() -> None:
    one_step = advice({"kind": "sine", "window": 1}, {"type": "GRU"}, {"type": "Linear", "out_features": 1})
    assert one_step == [
        "Layer 1 (GRU): its sequences have 1 step, so it has nothing to remember from step to step: give it longer "
        "sequences (read pictures row by row, or Unflatten a vector into steps)"
    ]
    assert advice({"kind": "sine", "window": 2}, {"type": "GRU"}, {"type": "Linear", "out_features": 1}) == []


def test_advice_on_recurrent_dropout_without_a_second_layer() -> None:
    said = advice({"kind": "sine"}, {"type": "LSTM", "dropout": 0.2}, {"type": "Linear", "out_features": 1})
    assert said == [
        "Layer 1 (LSTM): its dropout acts only between stacked layers, and it has one: set Layers to 2 or more, "
        "or put a Dropout layer after it"
    ]
    stacked = advice({"kind": "sine"}, {"type": "LSTM", "dropout": 0.2, "num_layers": 2}, {"type": "Linear"})
    assert not any("dropout" in a for a in stacked)


def test_pictures_read_row_by_row() -> None:
    digits = ExperimentSpec.from_dict({"dataset": {"kind": "digits", "as_sequence": True}})
    assert digits.data_shape().input_shape == (8, 8)
    assert DigitsDataset().view((1, 8, 8)) == (1, 8, 8)
    colour = ImageFolderDataset(path="x", image_size=32, channels=3, as_sequence=True)
    assert colour.view((3, 32, 32)) == (32, 96)  # each row: its 32 pixels, 3 channels each
    assert MoonsDataset().view((2,)) == (2,)


def test_reading_row_by_row_refuses_augmentation() -> None:
    with pytest.raises(ValidationError, match="augmentation flips and crops pictures: turn it off"):
        DigitsDataset.model_validate({"as_sequence": True, "augment": {"horizontal_flip": True}})


def test_generated_sequences_are_regressions_of_known_shape() -> None:
    sine = ExperimentSpec.from_dict({"dataset": {"kind": "sine", "window": 20, "n_samples": 300}})
    assert sine.data_shape().input_shape == (20, 1) and sine.data_shape().samples == 300
    assert sine.task.value == "regression"
    adding = AddingDataset(length=45)
    assert adding.input_shape() == (45, 2) and adding.task_kind().value == "regression"


def test_a_series_is_split_by_time_and_other_data_at_random() -> None:
    split = SineDataset(val_fraction=0.2, test_fraction=0.1).split(100, seed=3)
    assert split.train.tolist() == list(range(70))  # the past trains; validation and test are the future
    assert split.val.tolist() == list(range(70, 90)) and split.test.tolist() == list(range(90, 100))
    shuffled = AddingDataset(val_fraction=0.2, test_fraction=0.1).split(100, seed=3)
    assert sorted(np.concatenate([shuffled.train, shuffled.val, shuffled.test]).tolist()) == list(range(100))
    assert shuffled.train.tolist() != list(range(70))
