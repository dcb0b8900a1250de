"""The memory estimate: each part counted from the shape table, the advice aimed at the biggest part."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.engine.helpers import tiny
from workbench.spec import ExperimentSpec
from workbench.spec.memory import (
    EVAL_BATCH,
    FLOAT_BYTES,
    MemoryEstimate,
    TooBig,
    estimate_memory,
    format_bytes,
    parse_bytes,
    refuse,
)

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
    assert memory.optimizer_name == "Adam" and ("Adam state", 2 * weights) in memory.parts()


def test_pictures_are_counted_as_bytes_and_files_from_the_experiment_s_folder(tmp_path: Path) -> None:
    digits = ExperimentSpec.from_dict({"dataset": {"kind": "digits"}, "network": {"layers": []}}).memory()
    assert digits.data == 2 * 1_797 * (64 * 1 + 8)  # one byte a pixel until a batch is made, an 8-byte label
    (tmp_path / "t.csv").write_text("a,b,label\n" + "".join(f"{i},{i},{i % 2}\n" for i in range(30)))
    layers = [{"type": "Linear", "out_features": 2}]
    doc = {"dataset": {"kind": "csv", "path": "t.csv", "target": "label"}, "network": {"layers": layers}}
    table = ExperimentSpec.from_dict(doc).memory(tmp_path)  # the path is relative to the experiment's folder
    assert table.weights == (2 * 2 + 2) * FLOAT_BYTES  # two feature columns in, two classes out


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


@pytest.mark.parametrize(
    ("size", "text"),
    [(1 << 20, "1 MB"), ((1 << 20) - 1, "1,024 KB"), (5 << 30, "5 GB"), (2 << 50, "2 PB"), (2048 << 50, "2,048 PB")],
)
def test_each_unit_takes_over_at_1024_of_the_one_before(size: int, text: str) -> None:
    assert format_bytes(size) == text


def test_a_size_may_be_written_in_up_to_32_characters() -> None:
    assert parse_bytes("8G".ljust(32)) == 8 * 2**30
    with pytest.raises(ValueError):
        parse_bytes("8G".ljust(33))


def _estimate(**parts: object) -> MemoryEstimate:
    values: dict[str, Any] = {
        "weights": 0,
        "gradients": 0,
        "optimizer": 0,
        "activations": 0,
        "data": None,
        "copies": 0,
        "batch_size": 32,
    }
    return MemoryEstimate(**{**values, **parts})


def test_the_parts_in_words() -> None:
    memory = _estimate(weights=2048, gradients=2048, optimizer=4096, activations=1024, data=0, copies=3072)
    assert memory.parts() == [
        ("weights", 2048),
        ("gradients", 2048),
        ("optimizer state", 4096),
        ("activations (batch of 32)", 1024),
        ("weight copies to choose an epoch", 3072),
    ]
    adam = _estimate(weights=1024, optimizer=2048, data=5120, optimizer_name="Adam")
    assert adam.in_words() == "about 8 KB (weights 1 KB, Adam state 2 KB, data 5 KB)"


def test_the_advice_at_each_tie() -> None:
    layer = tiny(layers=[{"type": "Linear", "out_features": 4}]).network.analyze((2,)).rows[0]
    # The data as big as the rest: the data is what to cut.
    assert _estimate(weights=5, data=5).remedy() == ("dataset", "use a smaller dataset (fewer or smaller samples)")
    assert _estimate(copies=7, data=7).remedy()[0] == "dataset"
    assert _estimate(weights=5, data=4, copies=1).remedy()[0] == "network"
    # Activations as big as the weights' side: the widest layer's output.
    even = _estimate(weights=1, gradients=1, optimizer=1, copies=1, activations=4, widest=layer, heaviest=layer)
    assert even.remedy() == (layer.location, "lower the batch size (now 32) or make this layer's output smaller")
    evaluation = _estimate(weights=1, activations=4, batch_size=EVAL_BATCH, widest=layer)
    assert evaluation.remedy() == (layer.location, "make this layer's output smaller")
    # Gradients and optimizer state count on the weights' side.
    for side in ({"gradients": 10}, {"optimizer": 10}):
        heavy = _estimate(weights=1, copies=1, activations=5, widest=layer, heaviest=layer, **side)
        assert heavy.remedy() == (layer.location, f"make this layer smaller (it has {layer.params:,} weights)")
    assert _estimate(weights=8).remedy() == ("network", "make the network smaller")


def test_a_refusal_names_the_run_unless_told() -> None:
    memory = tiny().memory()
    assert str(refuse(memory, 2, 1, "it has 1 byte")).count("this run needs about") == 1
    assert "the model in m.pt needs about" in str(refuse(memory, 2, 1, "it has 1 byte", what="the model in m.pt"))


def test_the_defaults_of_an_estimate() -> None:
    analysis = tiny().network.analyze((2,))
    memory = estimate_memory(analysis, batch_size=8)
    weights = analysis.total_params * FLOAT_BYTES
    assert (memory.optimizer, memory.optimizer_name, memory.data) == (0, "", None)
    assert memory.copies == 3 * weights  # the best epoch's, and never fewer than two more
    named = estimate_memory(analysis, batch_size=8, state_per_weight=2, optimizer_name="Adam", epochs=200)
    assert named.optimizer_name == "Adam" and named.optimizer == 2 * weights
    assert named.copies == weights + 200 * weights


def test_evaluating_a_saved_model_needs_no_gradients() -> None:
    analysis = tiny().network.analyze((2,))
    memory = estimate_memory(analysis, batch_size=8, samples=10, training=False)
    weights = analysis.total_params * FLOAT_BYTES
    assert (memory.weights, memory.gradients, memory.optimizer, memory.copies) == (weights, 0, 0, 0)
    assert memory.activations == EVAL_BATCH * 2 * 16 * FLOAT_BYTES and memory.batch_size == EVAL_BATCH
    assert memory.data == 2 * 10 * (2 * FLOAT_BYTES + 8) and memory.optimizer_name == ""
    assert memory.heaviest is not None and memory.heaviest.index == 0  # Linear(2, 16) and Linear(16, 2): a tie
    assert memory.widest is not None and memory.widest.index == 0


def test_a_layer_that_keeps_values_per_step_is_sized_from_its_input() -> None:
    lstm = ExperimentSpec.from_dict(
        {
            "dataset": {"kind": "csv", "path": "x.csv", "target": "y"},
            "network": {"layers": [{"type": "LSTM", "hidden_size": 8}, {"type": "Linear", "out_features": 2}]},
        }
    ).network.analyze((50, 3))
    memory = estimate_memory(lstm, batch_size=1, training=False)
    assert memory.activations == EVAL_BATCH * 2 * (50 * 8 * 5) * FLOAT_BYTES


def test_a_network_without_layers_needs_nothing_of_its_own() -> None:
    empty = ExperimentSpec.from_dict({"dataset": {"kind": "moons"}, "network": {"layers": []}}).network.analyze((2,))
    memory = estimate_memory(empty, batch_size=4)
    assert (memory.weights, memory.heaviest, memory.widest) == (0, None, None)
    assert memory.activations == 4 * 2 * FLOAT_BYTES  # a batch of inputs, nothing else
