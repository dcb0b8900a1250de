"""Recurrent layers; each outputs the final state so a classifier can follow."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from ..shapes import LayerShape, Shape
from .base import Layer, LayerCategory, need_rank

# --- recurrent --------------------------------------------------------------------------------


class _Recurrent(Layer):
    """Reads a sequence (steps, features) and outputs its final state, so a classifier can follow."""

    category: ClassVar[LayerCategory] = LayerCategory.RECURRENT
    gates: ClassVar[int] = 1
    hidden_size: int = Field(
        64, ge=1, le=100_000, title="Hidden size", description="How many numbers the layer remembers per step."
    )
    num_layers: int = Field(1, ge=1, le=16, title="Layers", description="How many recurrent layers are stacked.")
    bidirectional: bool = Field(
        False, title="Bidirectional", description="Also read the sequence backwards and join both results."
    )

    def infer(self, in_shape: Shape) -> LayerShape:
        remedy = (
            "recurrent layers read sequences; use Conv2d for images"
            if len(in_shape) == 3
            else ("recurrent layers read sequences, not flat vectors")
        )
        need_rank(in_shape, 2, "a sequence (steps, features)", remedy)
        directions = 2 if self.bidirectional else 1
        h, g = self.hidden_size, self.gates
        params = 0
        n_in = in_shape[1]
        for _ in range(self.num_layers):
            params += directions * g * h * (n_in + h + 2)
            n_in = h * directions
        return LayerShape((h * directions,), params, {"input_size": in_shape[1]})

    def working_values(self, in_shape: Shape, out_shape: Shape) -> int:
        """Every step's gates and state, in every stacked layer and direction, are kept for backward."""
        directions = 2 if self.bidirectional else 1
        return in_shape[0] * self.num_layers * directions * self.hidden_size * (self.gates + 1)


class RNN(_Recurrent):
    """Elman RNN with tanh."""

    doc: ClassVar[str] = "Reads a sequence step by step with a simple memory; outputs the final state."
    type: Literal["RNN"] = "RNN"


class LSTM(_Recurrent):
    """Long short-term memory: gated memory that keeps information over long sequences."""

    doc: ClassVar[str] = "Reads a sequence with a gated memory that lasts longer; outputs the final state."
    gates: ClassVar[int] = 4
    type: Literal["LSTM"] = "LSTM"


class GRU(_Recurrent):
    """Gated recurrent unit: a lighter LSTM."""

    doc: ClassVar[str] = "A lighter LSTM: reads a sequence with a gated memory; outputs the final state."
    gates: ClassVar[int] = 3
    type: Literal["GRU"] = "GRU"
