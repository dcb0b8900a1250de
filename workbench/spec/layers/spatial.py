"""Core, convolution and pooling layers."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from ...i18n import _
from ..fields import ui
from ..shapes import LayerShape, Shape, ShapeProblem, numel
from .base import BIAS, Layer, LayerCategory, Trainable, image_remedy, need_rank, window

# --- core -------------------------------------------------------------------------------------


class Linear(Trainable):
    """Fully connected layer: every output is a weighted sum of all inputs."""

    category: ClassVar[LayerCategory] = LayerCategory.CORE
    doc: ClassVar[str] = "Every output is a weighted sum of all inputs plus a bias."
    type: Literal["Linear"] = "Linear"
    out_features: int = Field(
        64, ge=1, le=1_000_000, title="Outputs", description="How many numbers this layer outputs."
    )
    bias: bool = BIAS

    def infer(self, in_shape: Shape) -> LayerShape:
        remedy = (
            _("set the recurrent layer's Output to the last step, or add Flatten before it")
            if len(in_shape) == 2
            else _("add Flatten before it")
        )
        need_rank(in_shape, 1, _("a flat input"), remedy)
        n_in = in_shape[0]
        params = n_in * self.out_features + (self.out_features if self.bias else 0)
        return LayerShape((self.out_features,), params, {"in_features": n_in})


class Flatten(Layer):
    """Turns any input into one flat vector."""

    category: ClassVar[LayerCategory] = LayerCategory.CORE
    doc: ClassVar[str] = "Turns an image or a sequence into one long flat vector."
    type: Literal["Flatten"] = "Flatten"

    def infer(self, in_shape: Shape) -> LayerShape:
        return LayerShape((numel(in_shape),), 0)


def _sample_dim(dim: int, rank: int, field: str) -> int:
    """A torch `dim` (which counts the batch as 0; negative counts from the end) as an axis of one
    sample's shape, which has `rank` axes; refuses the batch and axes that do not exist."""
    full = dim + rank + 1 if dim < 0 else dim
    if full == 0:
        raise ShapeProblem(_("{field} {dim} is the batch: count a sample's axes from 1").format(field=field, dim=dim))
    if not 0 < full <= rank:
        raise ShapeProblem(
            _("{field} {dim} is not an axis of a sample of {rank} axes: use 1 to {rank} (-1: the last)").format(
                field=field, dim=dim, rank=rank
            )
        )
    return full - 1


class Unflatten(Layer):
    """Splits one axis into several: torch.nn.Unflatten(dim, unflattened_size)."""

    category: ClassVar[LayerCategory] = LayerCategory.CORE
    doc: ClassVar[str] = "Splits one axis into several, e.g. a flat vector into a sequence of steps."
    type: Literal["Unflatten"] = "Unflatten"
    dim: int = Field(
        1, ge=-8, le=8, title="Axis", description="Which axis to split, as PyTorch counts (0: the batch, 1: the first)."
    )
    unflattened_size: list[int] = Field(
        default_factory=lambda: [-1, 1],
        min_length=1,
        max_length=8,
        title="New sizes",
        description="The sizes the axis splits into; one of them may be -1 (what is left). -1, 1: one value a step.",
    )

    def infer(self, in_shape: Shape) -> LayerShape:
        axis = _sample_dim(self.dim, len(in_shape), "dim")
        size, sizes = in_shape[axis], list(self.unflattened_size)
        unknown = [i for i, s in enumerate(sizes) if s == -1]
        if len(unknown) > 1 or any(s == 0 or s < -1 for s in sizes):
            raise ShapeProblem(_("give sizes of 1 or more, with at most one -1"))
        known = numel(tuple(s for s in sizes if s != -1))
        if unknown and size % known == 0:
            sizes[unknown[0]] = size // known
        if numel(tuple(sizes)) != size:
            raise ShapeProblem(
                _(
                    "the sizes {sizes} do not make {size}, the size of axis {dim}: give sizes whose product is {size}"
                ).format(sizes=tuple(self.unflattened_size), size=size, dim=self.dim)
            )
        return LayerShape(in_shape[:axis] + tuple(sizes) + in_shape[axis + 1 :], 0)


class Permute(Layer):
    """Reorders the axes: torchvision.ops.Permute(dims), dims counting the batch as 0."""

    category: ClassVar[LayerCategory] = LayerCategory.CORE
    doc: ClassVar[str] = "Reorders the axes, e.g. Conv1d's (channels, length) into a sequence's (steps, features)."
    type: Literal["Permute"] = "Permute"
    dims: list[int] = Field(
        default_factory=lambda: [0, 2, 1],
        min_length=2,
        max_length=8,
        title="Axes",
        description="The new order of the axes, the batch (0) first: 0, 2, 1 swaps a sample's two axes.",
    )

    def infer(self, in_shape: Shape) -> LayerShape:
        rank = len(in_shape) + 1
        if sorted(self.dims) != list(range(rank)):
            raise ShapeProblem(
                _(
                    "the axes {dims} are not an order of the {rank} axes 0 to {last} "
                    "(the batch and a sample's {last}): give each once"
                ).format(dims=tuple(self.dims), rank=rank, last=rank - 1)
            )
        if self.dims[0] != 0:
            raise ShapeProblem(_("keep the batch first: the axes start with 0"))
        full = (0, *in_shape)
        return LayerShape(tuple(full[d] for d in self.dims[1:]), 0)


# --- convolution ------------------------------------------------------------------------------

_OUT_CHANNELS = Field(
    16, ge=1, le=100_000, title="Output channels", description="How many filters (feature maps) to learn."
)
_KERNEL = Field(3, ge=1, le=1024, title="Kernel size", description="Width of the sliding window, in pixels or steps.")
_STRIDE = Field(1, ge=1, le=1024, title="Stride", description="How far the window moves at each step.")
_PADDING = Field(0, ge=0, le=1024, title="Padding", description="Zeros added around the border before sliding.")


class Conv2d(Trainable):
    """2-D convolution over images of shape (channels, height, width)."""

    category: ClassVar[LayerCategory] = LayerCategory.CONVOLUTION
    doc: ClassVar[str] = "Slides small learned filters over an image to detect local patterns."
    type: Literal["Conv2d"] = "Conv2d"
    out_channels: int = _OUT_CHANNELS
    kernel_size: int = _KERNEL
    stride: int = _STRIDE
    padding: int = _PADDING
    bias: bool = BIAS

    def infer(self, in_shape: Shape) -> LayerShape:
        need_rank(in_shape, 3, _("an image (channels, height, width)"), image_remedy(in_shape))
        c, h, w = in_shape
        axis = f"{h}x{w}"
        oh = window(h, self.kernel_size, self.stride, self.padding, axis)
        ow = window(w, self.kernel_size, self.stride, self.padding, axis)
        k = self.kernel_size
        params = self.out_channels * c * k * k + (self.out_channels if self.bias else 0)
        return LayerShape((self.out_channels, oh, ow), params, {"in_channels": c})


class ConvTranspose2d(Trainable):
    """Transposed 2-D convolution: Conv2d run backwards, growing an image (a decoder's upsampling)."""

    category: ClassVar[LayerCategory] = LayerCategory.CONVOLUTION
    doc: ClassVar[str] = "Spreads each pixel through learned filters into a larger image: a decoder's way up."
    type: Literal["ConvTranspose2d"] = "ConvTranspose2d"
    out_channels: int = _OUT_CHANNELS
    kernel_size: int = _KERNEL
    stride: int = Field(
        1, ge=1, le=1024, title="Stride", description="How much larger the image grows: 2 doubles its height and width."
    )
    padding: int = Field(
        0, ge=0, le=1024, title="Padding", description="Rows and columns trimmed from each border of the output."
    )
    output_padding: int = Field(
        0,
        ge=0,
        le=1023,
        title="Output padding",
        description="One more row and column at the far border (less than the stride), to reach an exact size.",
    )
    bias: bool = BIAS

    def infer(self, in_shape: Shape) -> LayerShape:
        need_rank(in_shape, 3, _("an image (channels, height, width)"), image_remedy(in_shape))
        if self.output_padding >= self.stride:
            raise ShapeProblem(
                _("output padding {padding} must be less than the stride {stride}: lower it").format(
                    padding=self.output_padding, stride=self.stride
                )
            )
        c, h, w = in_shape
        k = self.kernel_size
        oh, ow = ((n - 1) * self.stride - 2 * self.padding + k + self.output_padding for n in (h, w))
        if oh < 1 or ow < 1:
            raise ShapeProblem(
                _("padding {padding} trims the whole {height}x{width} input away: lower it").format(
                    padding=self.padding, height=h, width=w
                )
            )
        params = c * self.out_channels * k * k + (self.out_channels if self.bias else 0)
        return LayerShape((self.out_channels, oh, ow), params, {"in_channels": c})


class Conv1d(Trainable):
    """1-D convolution over sequences of shape (channels, length)."""

    category: ClassVar[LayerCategory] = LayerCategory.CONVOLUTION
    doc: ClassVar[str] = "Slides small learned filters along a sequence to detect local patterns."
    type: Literal["Conv1d"] = "Conv1d"
    out_channels: int = _OUT_CHANNELS
    kernel_size: int = _KERNEL
    stride: int = _STRIDE
    padding: int = _PADDING
    bias: bool = BIAS

    def infer(self, in_shape: Shape) -> LayerShape:
        remedy = _("use Conv2d for images") if len(in_shape) == 3 else _("it works on sequences (channels, length)")
        need_rank(in_shape, 2, _("a sequence (channels, length)"), remedy)
        c, length = in_shape
        axis = _("length-{length}").format(length=length)
        out_len = window(length, self.kernel_size, self.stride, self.padding, axis)
        params = self.out_channels * c * self.kernel_size + (self.out_channels if self.bias else 0)
        return LayerShape((self.out_channels, out_len), params, {"in_channels": c})


# --- pooling ----------------------------------------------------------------------------------

_POOL_KERNEL = Field(2, ge=1, le=1024, title="Kernel size", description="Width of the pooling window, in pixels.")
_POOL_STRIDE = Field(
    None,
    ge=1,
    le=1024,
    title="Stride",
    description="How far the window moves; empty means the kernel size.",
    json_schema_extra=ui(none_text="= kernel size"),
)


class _Pool2d(Layer):
    category: ClassVar[LayerCategory] = LayerCategory.POOLING
    kernel_size: int = _POOL_KERNEL
    stride: int | None = _POOL_STRIDE

    def infer(self, in_shape: Shape) -> LayerShape:
        need_rank(in_shape, 3, _("an image (channels, height, width)"), image_remedy(in_shape))
        c, h, w = in_shape
        stride = self.stride or self.kernel_size
        axis = f"{h}x{w}"
        return LayerShape(
            (c, window(h, self.kernel_size, stride, 0, axis), window(w, self.kernel_size, stride, 0, axis)), 0
        )


class MaxPool2d(_Pool2d):
    """Keeps the largest value of each window: halves the image with the defaults."""

    doc: ClassVar[str] = "Keeps the largest value in each window, shrinking the image."
    type: Literal["MaxPool2d"] = "MaxPool2d"


class AvgPool2d(_Pool2d):
    """Averages each window: halves the image with the defaults."""

    doc: ClassVar[str] = "Averages each window, shrinking the image."
    type: Literal["AvgPool2d"] = "AvgPool2d"


class AdaptiveAvgPool2d(Layer):
    """Averages down to a fixed output size whatever the input size."""

    category: ClassVar[LayerCategory] = LayerCategory.POOLING
    doc: ClassVar[str] = "Averages each channel down to a fixed size, whatever the image size."
    type: Literal["AdaptiveAvgPool2d"] = "AdaptiveAvgPool2d"
    output_size: int = Field(
        1, ge=1, le=1024, title="Output size", description="Height and width of the result (1 = one value per channel)."
    )

    def infer(self, in_shape: Shape) -> LayerShape:
        need_rank(in_shape, 3, _("an image (channels, height, width)"), image_remedy(in_shape))
        return LayerShape((in_shape[0], self.output_size, self.output_size), 0)
