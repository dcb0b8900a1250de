"""The network: an ordered stack of layers, and the analysis of what it does to a shape."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .layers import AnyLayer, Layer
from .shapes import InferredValue, Shape, ShapeProblem

MAX_LAYERS = 1000


class NetworkSpec(BaseModel):
    """An ordered stack of layers, applied one after the other (like `nn.Sequential`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    layers: list[AnyLayer] = Field(
        default_factory=list, title="Layers", description="The layers, from input to output."
    )

    @field_validator("layers", mode="before")
    @classmethod
    def _not_too_many(cls, layers: Any) -> Any:
        # Checked before each layer is validated: a million layers would take minutes to refuse.
        if isinstance(layers, list) and len(layers) > MAX_LAYERS:
            raise ValueError(f"has {len(layers):,} layers; a network here has at most {MAX_LAYERS:,}")
        return layers

    def analyze(self, input_shape: Shape) -> NetworkAnalysis:
        """Shapes and parameter counts of every layer for inputs of `input_shape`."""
        return analyze(self.layers, input_shape)

    @property
    def min_batch(self) -> int:
        """The fewest samples a training batch may hold: 2 with BatchNorm, which averages over it."""
        return max((layer.min_batch for layer in self.layers), default=1)


@dataclass(frozen=True)
class LayerInfo:
    """One row of the analysis: what layer `index` receives and produces."""

    index: int
    layer: Layer
    input_shape: Shape
    output_shape: Shape | None
    params: int
    inferred: dict[str, InferredValue] = field(default_factory=dict)
    error: str | None = None

    @property
    def location(self) -> str:
        """`network.layers[3] (Conv2d)`: how files and the command line name this layer."""
        return f"network.layers[{self.index}] ({self.layer.type})"

    @property
    def words(self) -> str:
        """`Layer 4 (Conv2d)`: how the window names it, counting from 1 as the layer list does."""
        return f"Layer {self.index + 1} ({self.layer.type})"


@dataclass(frozen=True)
class NetworkAnalysis:
    """The shape table of a network: one row per analysed layer, the total and any error.

    Analysis stops at the first layer that cannot take its input, since every later shape
    depends on it; that row carries the error and `rows` ends there.
    """

    input_shape: Shape
    rows: tuple[LayerInfo, ...]
    total_params: int
    output_shape: Shape | None

    @property
    def error(self) -> str | None:
        """The first shape error as a full message (`network.layers[5] (Linear): ...`), or None."""
        for row in self.rows:
            if row.error is not None:
                return f"{row.location}: {row.error}"
        return None

    @property
    def error_words(self) -> str | None:
        """The first shape error as the window says it (`Layer 6 (Linear): ...`), or None."""
        row = next((row for row in self.rows if row.error is not None), None)
        return None if row is None else f"{row.words} {row.error}"

    @property
    def error_index(self) -> int | None:
        """Index of the layer with the first error, or None."""
        return next((row.index for row in self.rows if row.error is not None), None)

    @property
    def ok(self) -> bool:
        """True when every layer takes its input."""
        return self.error is None


def analyze(layers: Sequence[Layer], input_shape: Shape) -> NetworkAnalysis:
    """Run shape inference through `layers`, stopping at the first layer that does not fit."""
    rows: list[LayerInfo] = []
    shape: Shape | None = tuple(input_shape)
    total = 0
    for index, layer in enumerate(layers):
        assert shape is not None
        try:
            result = layer.infer(shape)
        except ShapeProblem as problem:
            rows.append(LayerInfo(index, layer, shape, None, 0, error=str(problem)))
            shape = None
            break
        rows.append(LayerInfo(index, layer, shape, result.output, result.params, result.inferred))
        total += result.params
        shape = result.output
    return NetworkAnalysis(tuple(input_shape), tuple(rows), total, shape)
