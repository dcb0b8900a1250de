"""Shape vocabulary shared by the layer catalog and the network analysis."""

from __future__ import annotations

from dataclasses import dataclass, field
from math import prod

from ..i18n import _

# A tensor shape without the batch dimension, e.g. (3, 32, 32) for a colour image.
Shape = tuple[int, ...]

# An inferred constructor argument: `in_features=64`, `normalized_shape=(64,)`.
InferredValue = int | tuple[int, ...]
# PyTorch's names for the sizes a layer takes from the layer before; an experiment never gives them.
INFERRED_SIZES = ("in_features", "in_channels", "num_features", "input_size", "normalized_shape")


class ShapeProblem(ValueError):
    """Raised by a layer that cannot take the shape it is given; the text says what to do."""


@dataclass(frozen=True)
class LayerShape:
    """What one layer does to a shape: its output, parameter count and inferred input sizes."""

    output: Shape
    params: int
    inferred: dict[str, InferredValue] = field(default_factory=dict)


def format_shape(shape: Shape) -> str:
    """`(64, 8, 8)`; a one-element shape keeps its comma like Python's tuple: `(10,)`."""
    return str(tuple(shape))


def numel(shape: Shape) -> int:
    """Number of values in one sample of this shape."""
    return prod(shape)


def describe_rank(shape: Shape) -> str:
    """A student's word for what a shape looks like."""
    words = {1: _("a flat vector"), 2: _("a sequence"), 3: _("an image")}
    return words.get(len(shape)) or _("a {rank}-D tensor").format(rank=len(shape))


def feature_axis(shape: Shape) -> int:
    """The axis of a sample whose entries each get their own normalization statistics: a picture's
    channels (the first of (channels, height, width)), else the last: a sequence's features, a
    vector's entries."""
    return 0 if len(shape) == 3 else len(shape) - 1


def statistics_shape(shape: Shape, count: int) -> Shape:
    """How `count` per-feature statistics broadcast over one sample of `shape`: (3, 1, 1) for a
    colour picture's channels, (1, 2) for a sequence with two features, (5,) for a vector."""
    axis = feature_axis(shape)
    return tuple(count if i == axis else 1 for i in range(len(shape)))
