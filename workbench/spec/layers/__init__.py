"""The layer catalog: one pydantic model per layer, with PyTorch's constructor argument names.

Input sizes (`in_features`, `in_channels`, `num_features`, `input_size`, `normalized_shape`) are
never fields: `infer` derives them from the shape the previous layer produces.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, ValidationError

from .activation import ELU, GELU, LeakyReLU, ReLU, Sigmoid, SiLU, Tanh
from .base import Layer, LayerCategory, Trainable
from .normalization import BatchNorm1d, BatchNorm2d, Dropout, Dropout2d, LayerNorm
from .recurrent import GRU, LSTM, RNN, Recurrent
from .residual import Projection, Residual, projection, shortcut_words
from .spatial import (
    AdaptiveAvgPool2d,
    AvgPool2d,
    Conv1d,
    Conv2d,
    ConvTranspose2d,
    Flatten,
    Linear,
    MaxPool2d,
    Permute,
    Unflatten,
)

AnyLayer = Annotated[
    Linear
    | Flatten
    | Unflatten
    | Permute
    | Conv2d
    | ConvTranspose2d
    | Conv1d
    | MaxPool2d
    | AvgPool2d
    | AdaptiveAvgPool2d
    | BatchNorm1d
    | BatchNorm2d
    | LayerNorm
    | Dropout
    | Dropout2d
    | ReLU
    | LeakyReLU
    | ELU
    | GELU
    | SiLU
    | Sigmoid
    | Tanh
    | RNN
    | LSTM
    | GRU
    | Residual,
    Field(discriminator="type"),
]
Residual.model_rebuild(_types_namespace={"AnyLayer": AnyLayer})

LAYER_TYPES: dict[str, type[Layer]] = {
    cls.model_fields["type"].default: cls
    for cls in (
        Linear,
        Flatten,
        Unflatten,
        Permute,
        Conv2d,
        ConvTranspose2d,
        Conv1d,
        MaxPool2d,
        AvgPool2d,
        AdaptiveAvgPool2d,
        BatchNorm1d,
        BatchNorm2d,
        LayerNorm,
        Dropout,
        Dropout2d,
        ReLU,
        LeakyReLU,
        ELU,
        GELU,
        SiLU,
        Sigmoid,
        Tanh,
        RNN,
        LSTM,
        GRU,
        Residual,
    )
}


def converted(layer: Layer, type_name: str) -> Layer:
    """`layer` as a `type_name` layer, keeping the settings both types have (an RNN's hidden size
    and layers for an LSTM); the rest take the new type's defaults."""
    cls = LAYER_TYPES[type_name]
    shared = {k: v for k, v in layer.model_dump().items() if k in cls.model_fields and k != "type"}
    try:
        return cls.model_validate({**shared, "type": type_name})
    except ValidationError:  # a setting the new type bounds otherwise: its defaults
        return cls.model_validate({"type": type_name})


def catalog() -> dict[LayerCategory, list[type[Layer]]]:
    """The layer types grouped by category, in catalog order, for menus."""
    groups: dict[LayerCategory, list[type[Layer]]] = {c: [] for c in LayerCategory}
    for cls in LAYER_TYPES.values():
        groups[cls.category].append(cls)
    return groups


__all__ = [
    "ELU",
    "GELU",
    "GRU",
    "LAYER_TYPES",
    "LSTM",
    "RNN",
    "AdaptiveAvgPool2d",
    "AnyLayer",
    "AvgPool2d",
    "BatchNorm1d",
    "BatchNorm2d",
    "Conv1d",
    "Conv2d",
    "ConvTranspose2d",
    "Dropout",
    "Dropout2d",
    "Flatten",
    "Layer",
    "LayerCategory",
    "LayerNorm",
    "LeakyReLU",
    "Linear",
    "MaxPool2d",
    "Permute",
    "Projection",
    "ReLU",
    "Recurrent",
    "Residual",
    "SiLU",
    "Sigmoid",
    "Tanh",
    "Trainable",
    "Unflatten",
    "catalog",
    "converted",
    "projection",
    "shortcut_words",
]
