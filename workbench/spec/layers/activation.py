"""Activation functions: no parameters, shape unchanged."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from .base import Layer, LayerCategory

# --- activation -------------------------------------------------------------------------------


class ReLU(Layer):
    """max(0, x)."""

    category: ClassVar[LayerCategory] = LayerCategory.ACTIVATION
    doc: ClassVar[str] = "Keeps positive values and turns negative ones into zero."
    type: Literal["ReLU"] = "ReLU"


class LeakyReLU(Layer):
    """Like ReLU, but negative values keep a small slope."""

    category: ClassVar[LayerCategory] = LayerCategory.ACTIVATION
    doc: ClassVar[str] = "Like ReLU, but negative values are scaled down instead of zeroed."
    type: Literal["LeakyReLU"] = "LeakyReLU"
    negative_slope: float = Field(
        0.01, ge=0.0, le=1.0, title="Negative slope", description="What negative values are multiplied by."
    )


class ELU(Layer):
    """Smooth ReLU variant that saturates at -alpha for negative inputs."""

    category: ClassVar[LayerCategory] = LayerCategory.ACTIVATION
    doc: ClassVar[str] = "A smooth ReLU whose negative side curves down to -alpha."
    type: Literal["ELU"] = "ELU"
    alpha: float = Field(1.0, gt=0.0, le=100.0, title="Alpha", description="The value negative inputs approach.")


class GELU(Layer):
    """Smooth ReLU variant used in transformers."""

    category: ClassVar[LayerCategory] = LayerCategory.ACTIVATION
    doc: ClassVar[str] = "A smooth ReLU used in transformers."
    type: Literal["GELU"] = "GELU"


class SiLU(Layer):
    """x * sigmoid(x), also called swish."""

    category: ClassVar[LayerCategory] = LayerCategory.ACTIVATION
    doc: ClassVar[str] = "x times sigmoid(x): a smooth ReLU, also called swish."
    type: Literal["SiLU"] = "SiLU"


class Sigmoid(Layer):
    """Squashes values into (0, 1)."""

    category: ClassVar[LayerCategory] = LayerCategory.ACTIVATION
    doc: ClassVar[str] = "Squashes every value into the range 0 to 1."
    type: Literal["Sigmoid"] = "Sigmoid"


class Tanh(Layer):
    """Squashes values into (-1, 1)."""

    category: ClassVar[LayerCategory] = LayerCategory.ACTIVATION
    doc: ClassVar[str] = "Squashes every value into the range -1 to 1."
    type: Literal["Tanh"] = "Tanh"
