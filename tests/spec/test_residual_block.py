"""The residual block in the spec: its shortcut inferred (none, a strided 1x1 convolution, a Linear
layer) or refused saying why; its layers numbered inside it; no block in a block; advice inside."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from workbench.spec import NetworkSpec
from workbench.spec.advice import stack_advice
from workbench.spec.layers import Projection, Residual, projection


def net(*layers: dict[str, object]) -> NetworkSpec:
    return NetworkSpec.model_validate({"layers": list(layers)})


def block(*layers: dict[str, object]) -> dict[str, object]:
    return {"type": "Residual", "layers": list(layers)}


CONV = {"type": "Conv2d", "out_channels": 8, "padding": 1}


def test_the_shortcut_is_inferred_from_the_shapes() -> None:
    assert projection((8, 6, 6), (8, 6, 6)) is None
    assert projection((8, 6, 6), (16, 3, 3)) == Projection("Conv2d", 8, 16, 2)
    assert projection((8, 7, 7), (8, 4, 4)) == Projection("Conv2d", 8, 8, 2)
    assert projection((8, 9, 9), (8, 3, 3)) == Projection("Conv2d", 8, 8, 3)
    assert projection((10,), (4,)) == Projection("Linear", 10, 4)
    rows = net(CONV, block({**CONV, "out_channels": 16, "stride": 2})).analyze((1, 8, 8)).rows
    assert rows[1].params == (16 * 8 * 9 + 16) + (8 * 16 + 16) and rows[1].output_shape == (16, 4, 4)


@pytest.mark.parametrize(
    ("inner", "words"),
    [
        ([{"type": "Flatten"}], "another kind of shape"),
        ([{**CONV, "padding": 0, "kernel_size": 3}, {**CONV, "padding": 0, "kernel_size": 2}], "no 1x1 convolution"),
    ],
)
def test_a_shape_no_shortcut_reaches_is_refused_saying_why(inner: list[dict[str, object]], words: str) -> None:
    analysis = net(CONV, block(*inner)).analyze((1, 8, 8))
    assert analysis.error_index == 1 and words in (analysis.error or "")


def test_a_layer_that_does_not_fit_inside_is_named_by_its_place_in_the_block() -> None:
    analysis = net(CONV, block(CONV, {"type": "Linear", "out_features": 3})).analyze((1, 8, 8))
    assert analysis.error is not None and "does not fit: layer 2.2 (Linear) needs a flat input" in analysis.error
    inner = analysis.rows[1].inner
    assert [r.location for r in inner] == [
        "network.layers[1].layers[0] (Conv2d)",
        "network.layers[1].layers[1] (Linear)",
    ]
    assert inner[1].error is not None and inner[1].words == "Layer 2.2 (Linear)"


def test_no_block_in_a_block_and_never_an_empty_one() -> None:
    with pytest.raises(ValidationError, match="cannot hold another one"):
        net(block(block(CONV)))
    with pytest.raises(ValidationError):
        net(block())


def test_batchnorm_inside_asks_for_batches_of_two_and_frozen_layers_inside_are_counted() -> None:
    network = net(CONV, block({**CONV, "frozen": True}, {"type": "BatchNorm2d"}))
    assert network.min_batch == 2
    assert network.analyze((1, 8, 8)).frozen_params == 8 * 8 * 9 + 8


def test_advice_reaches_the_layers_inside_a_block() -> None:
    layers = net(CONV, block(CONV, CONV), {"type": "ReLU"}, {"type": "Flatten"}, {"type": "Linear", "out_features": 10})
    (advice,) = stack_advice(layers.layers, classify=True)
    assert (advice.block, advice.index) == (1, 1)
    assert advice.in_words().startswith("Layer 2.2 (Conv2d): nothing nonlinear between it and layer 2.1 (Conv2d)")


def test_a_new_block_keeps_the_shape_it_receives() -> None:
    assert Residual.suited((16, 8, 8)).infer((16, 8, 8)).output == (16, 8, 8)
    assert Residual.suited((32,)).infer((32,)).output == (32,)
    assert projection((16, 8, 8), Residual.suited((16, 8, 8)).infer((16, 8, 8)).output) is None
