"""Normalization and regularization layers."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from ...i18n import _
from ..fields import ui
from ..shapes import LayerShape, Shape, ShapeProblem, describe_rank, format_shape, numel
from .base import Layer, LayerCategory, Trainable, need_rank

# --- normalization ----------------------------------------------------------------------------


class BatchNorm1d(Trainable):
    """Normalizes each feature over the batch (flat inputs or sequences)."""

    category: ClassVar[LayerCategory] = LayerCategory.NORMALIZATION
    doc: ClassVar[str] = "Rescales each feature to mean 0 and spread 1 over the batch, which speeds up training."
    min_batch: ClassVar[int] = 2  # a batch of one has no spread to normalize by
    type: Literal["BatchNorm1d"] = "BatchNorm1d"

    def infer(self, in_shape: Shape) -> LayerShape:
        if len(in_shape) not in (1, 2):
            remedy = _("use BatchNorm2d for images") if len(in_shape) == 3 else _("add Flatten before it")
            raise ShapeProblem(
                _("needs a flat input or a sequence but gets {rank} {shape}: {remedy}").format(
                    rank=describe_rank(in_shape), shape=format_shape(in_shape), remedy=remedy
                )
            )
        return LayerShape(in_shape, 2 * in_shape[0], {"num_features": in_shape[0]})


class BatchNorm2d(Trainable):
    """Normalizes each channel of an image over the batch."""

    category: ClassVar[LayerCategory] = LayerCategory.NORMALIZATION
    doc: ClassVar[str] = "Rescales each image channel to mean 0 and spread 1 over the batch."
    min_batch: ClassVar[int] = 2  # a batch of one has no spread to normalize by
    type: Literal["BatchNorm2d"] = "BatchNorm2d"

    def infer(self, in_shape: Shape) -> LayerShape:
        remedy = _("use BatchNorm1d for flat inputs") if len(in_shape) < 3 else _("it works on images")
        need_rank(in_shape, 3, _("an image (channels, height, width)"), remedy)
        return LayerShape(in_shape, 2 * in_shape[0], {"num_features": in_shape[0]})


class LayerNorm(Trainable):
    """Normalizes each sample over all of its values."""

    category: ClassVar[LayerCategory] = LayerCategory.NORMALIZATION
    doc: ClassVar[str] = "Rescales all values of each sample to mean 0 and spread 1."
    type: Literal["LayerNorm"] = "LayerNorm"

    def infer(self, in_shape: Shape) -> LayerShape:
        return LayerShape(in_shape, 2 * numel(in_shape), {"normalized_shape": tuple(in_shape)})


# --- regularization ---------------------------------------------------------------------------

_P = Field(
    0.5,
    ge=0.0,
    lt=1.0,
    title="Drop probability",
    description="Share of values set to zero at random during training (0.5 = half).",
    json_schema_extra=ui(glossary="dropout"),
)


class Dropout(Layer):
    """Zeroes random values during training so the network cannot rely on any single one."""

    category: ClassVar[LayerCategory] = LayerCategory.REGULARIZATION
    doc: ClassVar[str] = "Randomly zeroes values while training, which fights overfitting."
    type: Literal["Dropout"] = "Dropout"
    p: float = _P


class Dropout2d(Layer):
    """Zeroes whole random channels of an image during training."""

    category: ClassVar[LayerCategory] = LayerCategory.REGULARIZATION
    doc: ClassVar[str] = "Randomly zeroes whole image channels while training, which fights overfitting."
    type: Literal["Dropout2d"] = "Dropout2d"
    p: float = _P

    def infer(self, in_shape: Shape) -> LayerShape:
        need_rank(in_shape, 3, _("an image (channels, height, width)"), _("use Dropout for other inputs"))
        return LayerShape(in_shape, 0)
