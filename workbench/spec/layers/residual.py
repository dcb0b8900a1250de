"""The residual block: a list of layers whose output the block's input is added to (a skip
connection, as in ResNet), so that a deep network's gradient has a short way back to its first
layers. When the layers change the shape, the input goes through a projection that matches it: a
1x1 convolution (with the stride that shrinks the picture alike) for pictures, a Linear layer for
flat vectors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import Field, field_validator

from ...i18n import _
from ..shapes import LayerShape, Shape, ShapeProblem, format_shape, numel
from .base import Layer, LayerCategory

if TYPE_CHECKING:
    from . import AnyLayer

MAX_BLOCK_LAYERS = 100


@dataclass(frozen=True)
class Projection:
    """What carries the block's input to its output's shape: `Conv2d` (1x1, `stride`) or `Linear`."""

    kind: Literal["Conv2d", "Linear"]
    inputs: int  # in_channels or in_features
    outputs: int
    stride: int = 1

    @property
    def params(self) -> int:
        return self.inputs * self.outputs + self.outputs

    def arguments(self) -> dict[str, Any]:
        """PyTorch's constructor arguments."""
        if self.kind == "Linear":
            return {"in_features": self.inputs, "out_features": self.outputs}
        return {"in_channels": self.inputs, "out_channels": self.outputs, "kernel_size": 1, "stride": self.stride}

    def in_words(self) -> str:
        """`a 1x1 Conv2d (16 -> 32 channels, stride 2)`: what the window says of the shortcut."""
        if self.kind == "Linear":
            return _("a Linear layer ({inputs} -> {outputs})").format(inputs=self.inputs, outputs=self.outputs)
        if self.stride == 1:
            return _("a 1x1 Conv2d ({inputs} -> {outputs} channels)").format(inputs=self.inputs, outputs=self.outputs)
        return _("a 1x1 Conv2d ({inputs} -> {outputs} channels, stride {stride})").format(
            inputs=self.inputs, outputs=self.outputs, stride=self.stride
        )


def projection(in_shape: Shape, out_shape: Shape) -> Projection | None:
    """The projection a block needs from `in_shape` to `out_shape`: None when they are equal;
    ShapeProblem, saying why, when no 1x1 convolution or Linear layer can follow the change."""
    if tuple(in_shape) == tuple(out_shape):
        return None
    if len(in_shape) == len(out_shape) == 1:
        return Projection("Linear", in_shape[0], out_shape[0])
    if len(in_shape) == len(out_shape) == 3:
        (c, h, w), (oc, oh, ow) = in_shape, out_shape
        for stride in range(1, max(h, w) + 1):
            if (h - 1) // stride + 1 == oh and (w - 1) // stride + 1 == ow:
                return Projection("Conv2d", c, oc, stride)
        raise ShapeProblem(
            _(
                "turns {before} into {after} through its layers, a size no 1x1 convolution with a stride reaches, "
                "so its input cannot be added: shrink the picture by a whole factor (stride 2 halves it), or not at all"
            ).format(before=format_shape(in_shape), after=format_shape(out_shape))
        )
    raise ShapeProblem(
        _(
            "turns {before} into {after} through its layers, another kind of shape, so its input cannot be added: "
            "keep Flatten and the recurrent layers outside the block"
        ).format(before=format_shape(in_shape), after=format_shape(out_shape))
    )


def shortcut_words(in_shape: Shape, out_shape: Shape | None) -> str:
    """What a block adds its input through, and why: as the window says it under the block."""
    if out_shape is None:
        return ""
    found = projection(in_shape, out_shape)
    if found is None:
        return _("Shortcut: its input {shape} is added as it is to what its layers give.").format(
            shape=format_shape(in_shape)
        )
    return _(
        "Shortcut: its layers turn {before} into {after}, so its input goes through {projection} before it is added."
    ).format(before=format_shape(in_shape), after=format_shape(out_shape), projection=found.in_words())


class Residual(Layer):
    """A residual block: its own layers, and their input added to their output (ResNet's skip connection)."""

    category: ClassVar[LayerCategory] = LayerCategory.BLOCKS
    doc: ClassVar[str] = (
        "Adds its input to what its layers make of it (a skip connection), so that a deep network still trains."
    )
    settings: ClassVar[tuple[str, ...]] = ("type", "layers")
    type: Literal["Residual"] = "Residual"
    layers: list[AnyLayer] = Field(
        default_factory=lambda: _two_convolutions(16),  # type: ignore[arg-type]
        min_length=1,
        max_length=MAX_BLOCK_LAYERS,
        title="Layers in the block",
        description="The block's own layers, in order; their input is added to their output.",
    )

    @field_validator("layers")
    @classmethod
    def _not_nested(cls, layers: list[Layer]) -> list[Layer]:
        if any(isinstance(layer, Residual) for layer in layers):
            raise ValueError(_("a residual block cannot hold another one: put the blocks one after the other"))
        return layers

    @property
    def min_batch(self) -> int:  # type: ignore[override]
        """The fewest samples a batch needs: its layers' (2 with BatchNorm)."""
        return max((layer.min_batch for layer in self.layers), default=1)

    def infer(self, in_shape: Shape) -> LayerShape:
        shape, params = tuple(in_shape), 0
        for index, layer in enumerate(self.layers):
            try:
                result = layer.infer(shape)
            except ShapeProblem as problem:
                said = _("holds a layer that does not fit, its layer {number} ({kind}): {message}")
                raise ShapeProblem(said.format(number=index + 1, kind=layer.type, message=problem)) from None
            shape, params = result.output, params + result.params
        shortcut = projection(in_shape, shape)
        return LayerShape(shape, params + (shortcut.params if shortcut else 0))

    def working_values(self, in_shape: Shape, out_shape: Shape) -> int:
        """Its layers' values, the projection's and the sum's."""
        shape, kept = tuple(in_shape), 0
        for layer in self.layers:
            out = layer.infer(shape).output
            kept += layer.working_values(shape, out)
            shape = out
        return kept + 2 * numel(out_shape)

    def summary(self) -> str:
        """`Residual(Conv2d, ReLU, Conv2d)`: its layers' kinds (each has a row of its own)."""
        return f"Residual({', '.join(layer.type for layer in self.layers)})"

    @classmethod
    def suited(cls, in_shape: Shape | None) -> Residual:
        """A block that keeps `in_shape` (two convolutions for pictures, two Linear layers for flat
        vectors), the start a student then changes."""
        from .activation import ReLU
        from .spatial import Linear

        if in_shape is not None and len(in_shape) == 1:
            return cls(layers=[Linear(out_features=in_shape[0]), ReLU(), Linear(out_features=in_shape[0])])
        return cls(layers=_two_convolutions(in_shape[0] if in_shape is not None and len(in_shape) == 3 else 16))


def _two_convolutions(channels: int) -> list[Layer]:
    """Conv2d, ReLU, Conv2d, each convolution keeping a picture of `channels` channels as it is."""
    from .activation import ReLU
    from .spatial import Conv2d

    conv = Conv2d(out_channels=channels, kernel_size=3, padding=1)
    return [conv, ReLU(), conv]
