"""A layer's Frozen switch in the spec: counted apart, refused on every layer, left out of files
and of PyTorch's arguments while off, shown last in its form."""

from __future__ import annotations

from tests.engine.helpers import tiny
from workbench.spec import ExperimentSpec, NetworkSpec
from workbench.spec.layers import LAYER_TYPES, BatchNorm1d, Linear, ReLU, Trainable

MLP = [Linear(out_features=16, frozen=True), BatchNorm1d(), ReLU(), Linear(out_features=2)]


def test_parameters_are_counted_as_trainable_and_frozen() -> None:
    analysis = NetworkSpec(layers=MLP).analyze((2,))
    assert analysis.total_params == 2 * 16 + 16 + 2 * 16 + 16 * 2 + 2
    assert analysis.frozen_params == 2 * 16 + 16
    assert analysis.trainable_params == analysis.total_params - analysis.frozen_params
    assert [row.frozen for row in analysis.rows] == [True, False, False, False]


def test_a_network_with_every_layer_frozen_cannot_train() -> None:
    layers = [{"type": "Linear", "out_features": 8, "frozen": True}, {"type": "ReLU"}]
    layers.append({"type": "Linear", "out_features": 2, "frozen": True})
    problems = tiny(layers).check()
    assert [p.path for p in problems] == ["network.layers"]
    layers[2]["frozen"] = False
    assert tiny(layers).check() == []


def test_frozen_is_written_only_when_on_and_never_given_to_torch() -> None:
    assert "frozen" not in Linear().model_dump() and Linear(frozen=True).model_dump()["frozen"] is True
    assert "frozen" not in Linear(frozen=True).arguments()
    assert Linear(frozen=True).summary() == Linear().summary()
    doc = tiny([row.model_dump() for row in MLP]).model_dump(mode="json")
    assert ExperimentSpec.from_dict(doc).network.layers[0] == MLP[0]


def test_every_layer_with_weights_can_be_frozen_and_no_other() -> None:
    with_weights = {name for name, cls in LAYER_TYPES.items() if issubclass(cls, Trainable)}
    assert with_weights == {
        "Linear", "Conv1d", "Conv2d", "ConvTranspose2d", "BatchNorm1d", "BatchNorm2d", "LayerNorm", "RNN", "LSTM", "GRU"
    }  # fmt: skip
    for name, cls in LAYER_TYPES.items():
        assert ("frozen" in cls.model_fields) == (name in with_weights)


def test_frozen_weights_need_no_gradient_and_no_optimizer_state() -> None:
    frozen = tiny([row.model_dump() for row in MLP], optimizer={"name": "Adam", "lr": 0.01}).memory()
    layers = [row.model_dump() for row in MLP]
    layers[0]["frozen"] = False
    trains = tiny(layers, optimizer={"name": "Adam", "lr": 0.01})
    assert frozen.weights == trains.memory().weights
    assert trains.memory().gradients - frozen.gradients == (2 * 16 + 16) * 4
    assert trains.memory().optimizer - frozen.optimizer == 2 * (2 * 16 + 16) * 4
