"""The memory estimate: each part counted from the shape table, the advice aimed at the biggest part."""

from __future__ import annotations

import pytest

from tests.engine.helpers import tiny
from workbench.spec import ExperimentSpec
from workbench.spec.memory import EVAL_BATCH, FLOAT_BYTES, TooBig, format_bytes, parse_bytes, refuse

MOONS = {"kind": "moons", "n_samples": 100, "val_fraction": 0.2, "test_fraction": 0.2}


def test_every_part_is_counted_from_the_shapes() -> None:
    experiment = tiny(dataset=MOONS, batch_size=8, epochs=3, optimizer={"name": "Adam", "lr": 0.01})
    memory = experiment.memory()
    weights = (2 * 16 + 16 + 16 * 2 + 2) * FLOAT_BYTES  # Linear(2->16), Linear(16->2)
    assert (memory.weights, memory.gradients, memory.optimizer) == (weights, weights, 2 * weights)
    assert memory.data == 2 * 100 * (2 * FLOAT_BYTES + 8)  # loaded and split: features and a label each
    assert memory.copies == weights + 3 * weights  # the best epoch's, and one per epoch
    # An evaluation batch of 1,024 keeps two layers' values at a time: more than a training batch of 8.
    assert memory.activations == EVAL_BATCH * 2 * 16 * FLOAT_BYTES and memory.batch_size == EVAL_BATCH
    assert memory.total == sum(size for _, size in memory.parts())


def test_a_large_training_batch_keeps_every_layers_values() -> None:
    memory = tiny(dataset=MOONS, batch_size=4096).memory()
    kept = 2 + 16 + 16 + 2 + 16  # the input, each layer's output, and the widest layer's gradient
    assert memory.activations == 4096 * kept * FLOAT_BYTES and memory.batch_size == 4096


def test_optimizers_keep_their_own_state() -> None:
    states = {
        "SGD": 0,
        "Adam": 2,
        "AdamW": 2,
        "Adagrad": 1,
        "RMSprop": 1,
    }
    for name, copies in states.items():
        memory = tiny(optimizer={"name": name, "lr": 0.01}).memory()
        assert memory.optimizer == copies * memory.weights, name
    assert tiny(optimizer={"name": "SGD", "lr": 0.1, "momentum": 0.9}).memory().optimizer == tiny().memory().weights
    centered = tiny(optimizer={"name": "RMSprop", "lr": 0.01, "momentum": 0.9, "centered": True}).memory()
    assert centered.optimizer == 3 * centered.weights


def test_a_recurrent_layer_keeps_every_steps_state() -> None:
    experiment = ExperimentSpec.from_dict(
        {
            "dataset": {"kind": "csv", "path": "x.csv", "target": "y"},
            "network": {"layers": [{"type": "LSTM", "hidden_size": 8}, {"type": "Linear", "out_features": 2}]},
        }
    )
    layer = experiment.network.layers[0]
    assert layer.working_values((50, 3), (8,)) == 50 * 8 * 5  # 4 gates and the state, for each of 50 steps


def test_the_advice_aims_at_the_biggest_part() -> None:
    wide = [{"type": "Linear", "out_features": 100_000}, {"type": "ReLU"}, {"type": "Linear", "out_features": 2}]
    field, advice = tiny(layers=wide, batch_size=4096).memory().remedy()
    assert field == "network.layers[0] (Linear)" and "batch size (now 4096)" in advice  # activations
    heavy = [{"type": "Linear", "out_features": 3000}, {"type": "Linear", "out_features": 3000}, {"type": "ReLU"}]
    field, advice = tiny(layers=[*heavy, {"type": "Linear", "out_features": 2}], batch_size=1).memory().remedy()
    assert field == "network.layers[1] (Linear)" and "9,003,000 weights" in advice  # weights
    many = tiny(dataset={**MOONS, "n_samples": 1_000_000}).memory()
    assert many.remedy()[0] == "dataset"


def test_a_refusal_says_the_estimate_the_room_and_what_to_change() -> None:
    memory = tiny().memory()
    assert refuse(memory, memory.total, memory.total, "this computer has it") is None
    refusal = refuse(memory, memory.total, memory.total - 1, "this computer has 1 KB free")
    assert isinstance(refusal, TooBig)
    text = str(refusal)
    assert f"needs about {format_bytes(memory.total)}" in text and "this computer has 1 KB free" in text
    assert "--max-memory" in text and "WORKBENCH_MAX_MEMORY" in text


@pytest.mark.parametrize(
    ("size", "text"),
    [(0, "0 bytes"), (1023, "1023 bytes"), (1024, "1 KB"), (1536, "1.5 KB"), (48 << 20, "48 MB"), (3 << 40, "3 TB")],
)
def test_sizes_read_as_an_operating_system_shows_them(size: int, text: str) -> None:
    assert format_bytes(size) == text


def test_sizes_are_parsed_from_what_people_write() -> None:
    assert parse_bytes("8G") == parse_bytes("8GB") == parse_bytes("8 GiB") == 8 * 2**30
    assert parse_bytes("512m") == 512 * 2**20 and parse_bytes("1.5K") == 1536 and parse_bytes("100") == 100
    for bad in ("", "lots", "8X", "-1G", "9" * 40):
        with pytest.raises(ValueError, match="8G, 512M"):
            parse_bytes(bad)
