"""Base of the layer catalog and the helpers layers share to check and compute shapes."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar

from pydantic import ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer

from ...i18n import _
from ..fields import SpecModel, ui
from ..shapes import LayerShape, Shape, ShapeProblem, describe_rank, format_shape, numel


class LayerCategory(StrEnum):
    """Groups of the catalog, in the order the editor lists them."""

    CORE = "core"
    CONVOLUTION = "convolution"
    POOLING = "pooling"
    NORMALIZATION = "normalization"
    REGULARIZATION = "regularization"
    ACTIVATION = "activation"
    RECURRENT = "recurrent"
    BLOCKS = "blocks"


class Layer(SpecModel):
    """Base of every layer: a frozen record whose fields are the layer's own arguments."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    category: ClassVar[LayerCategory]
    doc: ClassVar[str] = ""
    min_batch: ClassVar[int] = 1  # samples a training batch needs for this layer (BatchNorm: 2)
    settings: ClassVar[tuple[str, ...]] = ("type",)  # fields that are Workbench's, not the constructor's
    type: str

    def infer(self, in_shape: Shape) -> LayerShape:
        """Output shape, parameter count and inferred input sizes for an input of `in_shape`."""
        return LayerShape(in_shape, 0)

    def working_values(self, in_shape: Shape, out_shape: Shape) -> int:
        """Numbers per sample this layer keeps for the backward pass: its output, for most layers."""
        return numel(out_shape)

    def arguments(self) -> dict[str, Any]:
        """The layer's own constructor arguments (inferred sizes not included)."""
        return self.model_dump(exclude=set(self.settings))

    def summary(self) -> str:
        """Short PyTorch-like text, e.g. `Conv2d(32, kernel_size=3, padding=1)`."""
        args = self.arguments()
        parts: list[str] = []
        for i, (name, value) in enumerate(args.items()):
            default = type(self).model_fields[name].default
            if i == 0:
                parts.append(repr(value))
            elif value != default:
                parts.append(f"{name}={value!r}")
        return f"{self.type}({', '.join(parts)})"


class Trainable(Layer):
    """A layer with weights, which a student may freeze: training then leaves its weights as they
    are (and a BatchNorm layer its statistics), as when fine-tuning a trained network."""

    settings: ClassVar[tuple[str, ...]] = ("type", "frozen")
    frozen: bool = Field(
        False,
        title="Frozen",
        description="Keep this layer's weights as they are: training does not change them (a BatchNorm layer "
        "keeps its statistics too). For fine-tuning a network that starts from a trained model.",
        json_schema_extra=ui(last=True, glossary="fine-tuning"),
    )

    @model_serializer(mode="wrap")
    def _frozen_when_frozen(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # A layer that trains is written as it always was: files and their hashes stay the same.
        data: dict[str, Any] = handler(self)
        if not self.frozen:
            data.pop("frozen", None)
        return data


def need_rank(in_shape: Shape, rank: int, what: str, remedy: str) -> None:
    """Refuse an input of the wrong rank, saying what the layer needs and what to do."""
    if len(in_shape) != rank:
        raise ShapeProblem(
            _("needs {what} but gets {rank} {shape}: {remedy}").format(
                what=what, rank=describe_rank(in_shape), shape=format_shape(in_shape), remedy=remedy
            )
        )


def window(size: int, kernel: int, stride: int, padding: int, axis: str) -> int:
    """Output length of a sliding window, as torch computes it (dilation 1, floor mode)."""
    if kernel > size + 2 * padding:
        if padding:
            said = _(
                "kernel {kernel} is larger than the {axis} input (padding {padding}): "
                "use a smaller kernel, add padding, or remove a pooling layer before it"
            )
        else:
            said = _(
                "kernel {kernel} is larger than the {axis} input: "
                "use a smaller kernel, add padding, or remove a pooling layer before it"
            )
        raise ShapeProblem(said.format(kernel=kernel, axis=axis, padding=padding))
    return (size + 2 * padding - kernel) // stride + 1


def image_remedy(in_shape: Shape) -> str:
    """What to do when an image layer meets a non-image input."""
    if len(in_shape) == 1:
        return _("put it before Flatten, on image data")
    return _("it works on images (channels, height, width)")


BIAS = Field(True, title="Bias", description="Add a learnable offset to every output.")
