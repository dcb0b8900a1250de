"""Recurrent layers: each reads a sequence (steps, features) and outputs its last step's state, so
a classifier can follow, or every step's, so another recurrent layer can."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from ...i18n import _
from ..fields import ui
from ..shapes import LayerShape, Shape
from .base import LayerCategory, Trainable, need_rank

OUTPUTS = {"last": "the last step", "sequence": "every step"}

# --- recurrent --------------------------------------------------------------------------------


class Recurrent(Trainable):
    """Reads a sequence (steps, features); outputs the last step's state or every step's."""

    category: ClassVar[LayerCategory] = LayerCategory.RECURRENT
    gates: ClassVar[int] = 1
    settings: ClassVar[tuple[str, ...]] = ("type", "frozen", "output")  # what it outputs is not PyTorch's
    hidden_size: int = Field(
        64, ge=1, le=100_000, title="Hidden size", description="How many numbers the layer remembers per step."
    )
    num_layers: int = Field(
        1,
        ge=1,
        le=16,
        title="Layers",
        description="How many recurrent layers are stacked.",
        json_schema_extra=ui(context="how many an RNN stacks"),
    )
    bidirectional: bool = Field(
        False, title="Bidirectional", description="Also read the sequence backwards and join both results."
    )
    dropout: float = Field(
        0.0,
        ge=0.0,
        lt=1.0,
        title="Dropout between layers",
        description="Share of values zeroed between stacked layers while training (needs Layers 2 or more).",
        json_schema_extra=ui(glossary="dropout"),
    )
    output: Literal["last", "sequence"] = Field(
        "last",
        title="Output",
        description="The last step's state (for a Linear layer after it) or every step's (for a recurrent layer).",
        json_schema_extra=ui(choice_labels=OUTPUTS),
    )

    def summary(self) -> str:
        text = super().summary()
        return text if self.output == "last" else f"{text[:-1]}, output='sequence')"

    def infer(self, in_shape: Shape) -> LayerShape:
        remedy = (
            _("recurrent layers read sequences; use Conv2d for images")
            if len(in_shape) == 3
            else _("recurrent layers read sequences, not flat vectors")
        )
        need_rank(in_shape, 2, _("a sequence (steps, features)"), remedy)
        directions = 2 if self.bidirectional else 1
        h, g = self.hidden_size, self.gates
        params = 0
        n_in = in_shape[1]
        for _layer in range(self.num_layers):
            params += directions * g * h * (n_in + h + 2)
            n_in = h * directions
        out = (h * directions,) if self.output == "last" else (in_shape[0], h * directions)
        return LayerShape(out, params, {"input_size": in_shape[1]})

    def working_values(self, in_shape: Shape, out_shape: Shape) -> int:
        """Every step's gates and state, in every stacked layer and direction, are kept for backward."""
        directions = 2 if self.bidirectional else 1
        return in_shape[0] * self.num_layers * directions * self.hidden_size * (self.gates + 1)


class RNN(Recurrent):
    """Elman RNN with tanh."""

    doc: ClassVar[str] = "Reads a sequence step by step with a simple memory."
    type: Literal["RNN"] = "RNN"


class LSTM(Recurrent):
    """Long short-term memory: gated memory that keeps information over long sequences."""

    doc: ClassVar[str] = "Reads a sequence with a gated memory that lasts over long sequences."
    gates: ClassVar[int] = 4
    type: Literal["LSTM"] = "LSTM"


class GRU(Recurrent):
    """Gated recurrent unit: a lighter LSTM."""

    doc: ClassVar[str] = "A lighter LSTM: reads a sequence with a gated memory."
    gates: ClassVar[int] = 3
    type: Literal["GRU"] = "GRU"
