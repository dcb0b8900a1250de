"""Advice on a layer stack: not errors (the network trains), but choices that cost it something.

What a teacher would point out looking over a student's shoulder, each a sure thing: two linear
layers with nothing nonlinear between them are one layer; an activation after the last layer
fights the loss; dropout on the answers themselves makes them noisy.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from ..i18n import N_, _
from .layers import Layer, Recurrent, Residual
from .layers.base import LayerCategory
from .shapes import Shape

LINEAR_MAPS = frozenset({"Linear", "Conv1d", "Conv2d"})
# Layers that add nothing nonlinear between two linear maps (batch norm is an affine map once trained).
PASS_THROUGH = frozenset(
    {"Flatten", "Dropout", "Dropout2d", "BatchNorm1d", "BatchNorm2d", "LayerNorm", "AvgPool2d", "AdaptiveAvgPool2d"}
)
OUTPUT_RANGES = {"ReLU": N_("0 or more"), "Sigmoid": N_("between 0 and 1"), "Tanh": N_("between -1 and 1")}


@dataclass(frozen=True)
class Advice:
    """One piece of advice about the layer at `index` of the stack."""

    index: int
    layer: str
    message: str
    block: int | None = None  # a layer inside the residual block at this index: `index` is in the block

    def __str__(self) -> str:
        at = (
            f"network.layers[{self.index}]"
            if self.block is None
            else f"network.layers[{self.block}].layers[{self.index}]"
        )
        return _("{path}: {message}").format(path=f"{at} ({self.layer})", message=self.message)

    def number(self, index: int) -> str:
        """How the layer list numbers layer `index` of this advice's list: `3`, or `2.3` in a block."""
        return str(index + 1) if self.block is None else f"{self.block + 1}.{index + 1}"

    def in_words(self) -> str:
        """As the window says it, layers counted from 1: `Layer 3 (Linear): nothing nonlinear between
        it and layer 2 (Linear), ...`."""
        message = re.sub(
            r"layers\[(\d+)\]", lambda m: _("layer {number}").format(number=self.number(int(m.group(1)))), self.message
        )
        place = _("Layer {number} ({kind})").format(number=self.number(self.index), kind=self.layer)
        return _("{place}: {message}").format(place=place, message=message)


def stack_advice(
    layers: Sequence[Layer], classify: bool, inputs: Sequence[Shape] = (), ends: bool = True
) -> list[Advice]:
    """Advice on `layers` for a classifier (`classify`) or a regression, first layer first;
    `inputs`: each layer's input shape, when the data's shape is known; `ends`: the last of
    `layers` gives the answer (not for an autoencoder's encoder, which the latent code follows)."""
    advice = _linear_chains(layers)
    for at, layer in enumerate(layers):  # inside a residual block, its own layers
        if isinstance(layer, Residual):
            advice += [replace(inner, block=at) for inner in _linear_chains(layer.layers)]
    advice.extend(_recurrent(layers, inputs))
    if layers and ends:
        advice.extend(_last_layer(len(layers) - 1, layers[-1], classify))
    return sorted(advice, key=lambda a: (a.block if a.block is not None else a.index, a.block is not None, a.index))


def _recurrent(layers: Sequence[Layer], inputs: Sequence[Shape]) -> list[Advice]:
    """A recurrent layer with nothing to remember, or dropout that has nowhere to act."""
    advice = []
    for index, layer in enumerate(layers):
        if not isinstance(layer, Recurrent):
            continue
        shape = inputs[index] if index < len(inputs) else None
        if shape is not None and len(shape) == 2 and shape[0] == 1:
            advice.append(
                Advice(
                    index,
                    layer.type,
                    _(
                        "its sequences have 1 step, so it has nothing to remember from step to step: give it longer "
                        "sequences (read pictures row by row, or Unflatten a vector into steps)"
                    ),
                )
            )
        if layer.dropout and layer.num_layers == 1:
            advice.append(
                Advice(
                    index,
                    layer.type,
                    _(
                        "its dropout acts only between stacked layers, and it has one: set Layers to 2 or more, "
                        "or put a Dropout layer after it"
                    ),
                )
            )
    return advice


def _linear_chains(layers: Sequence[Layer]) -> list[Advice]:
    advice = []
    previous: int | None = None  # the last linear map with nothing nonlinear after it so far
    for index, layer in enumerate(layers):
        if layer.type in LINEAR_MAPS:
            if previous is not None:
                advice.append(
                    Advice(
                        index,
                        layer.type,
                        _(
                            "nothing nonlinear between it and layers[{index}] ({kind}), so together they compute "
                            "no more than one layer would: put an activation (ReLU, ...) between them"
                        ).format(index=previous, kind=layers[previous].type),
                    )
                )
            previous = index
        elif layer.type not in PASS_THROUGH:
            previous = None
    return advice


def _last_layer(index: int, layer: Layer, classify: bool) -> list[Advice]:
    where = (index, layer.type)
    if layer.category is LayerCategory.ACTIVATION and classify:
        return [
            Advice(
                *where,
                _(
                    "the network ends with {kind}, but the loss wants raw scores (it applies softmax itself): "
                    "end with the Linear layer that gives one score per class"
                ).format(kind=layer.type),
            )
        ]
    if layer.type in OUTPUT_RANGES and not classify:
        return [
            Advice(
                *where,
                _(
                    "the network ends with {kind}, so it can only answer {values}: "
                    "fine if every target is, otherwise end with Linear"
                ).format(kind=layer.type, values=_(OUTPUT_RANGES[layer.type])),
            )
        ]
    if layer.type in ("Dropout", "Dropout2d"):
        return [
            Advice(*where, _("dropout on the output zeroes some answers while training: put it before the last Linear"))
        ]
    return []
