"""Core, convolution and pooling layers."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from ..fields import ui
from ..shapes import LayerShape, Shape, numel
from .base import BIAS, Layer, LayerCategory, image_remedy, need_rank, window

# --- core -------------------------------------------------------------------------------------


class Linear(Layer):
    """Fully connected layer: every output is a weighted sum of all inputs."""

    category: ClassVar[LayerCategory] = LayerCategory.CORE
    doc: ClassVar[str] = "Every output is a weighted sum of all inputs plus a bias."
    type: Literal["Linear"] = "Linear"
    out_features: int = Field(
        64, ge=1, le=1_000_000, title="Outputs", description="How many numbers this layer outputs."
    )
    bias: bool = BIAS

    def infer(self, in_shape: Shape) -> LayerShape:
        need_rank(in_shape, 1, "a flat input", "add Flatten before it")
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


# --- convolution ------------------------------------------------------------------------------

_OUT_CHANNELS = Field(
    16, ge=1, le=100_000, title="Output channels", description="How many filters (feature maps) to learn."
)
_KERNEL = Field(3, ge=1, le=1024, title="Kernel size", description="Width of the sliding window, in pixels or steps.")
_STRIDE = Field(1, ge=1, le=1024, title="Stride", description="How far the window moves at each step.")
_PADDING = Field(0, ge=0, le=1024, title="Padding", description="Zeros added around the border before sliding.")


class Conv2d(Layer):
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
        need_rank(in_shape, 3, "an image (channels, height, width)", image_remedy(in_shape))
        c, h, w = in_shape
        axis = f"{h}x{w}"
        oh = window(h, self.kernel_size, self.stride, self.padding, axis)
        ow = window(w, self.kernel_size, self.stride, self.padding, axis)
        k = self.kernel_size
        params = self.out_channels * c * k * k + (self.out_channels if self.bias else 0)
        return LayerShape((self.out_channels, oh, ow), params, {"in_channels": c})


class Conv1d(Layer):
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
        remedy = "use Conv2d for images" if len(in_shape) == 3 else "it works on sequences (channels, length)"
        need_rank(in_shape, 2, "a sequence (channels, length)", remedy)
        c, length = in_shape
        out_len = window(length, self.kernel_size, self.stride, self.padding, f"length-{length}")
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
        need_rank(in_shape, 3, "an image (channels, height, width)", image_remedy(in_shape))
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
        need_rank(in_shape, 3, "an image (channels, height, width)", image_remedy(in_shape))
        return LayerShape((in_shape[0], self.output_size, self.output_size), 0)
