"""The engine: torch lives here, Qt never does. Builds, trains, evaluates and exports models.

Names are loaded on first use, so that the plain-data modules (`events`, `stream`, `callbacks`,
`early_stopping`) can be imported without paying for torch: the window uses them before torch
has finished loading in the background.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .builder import build_model, build_network
    from .callbacks import Callback, EarlyStopping
    from .data import DataError, RawData, load_raw
    from .device import available_devices, resolve_device
    from .events import HistogramSnapshot, LayerHistogram, Progress, StopReason, TestResult
    from .history import History
    from .model_file import LoadedModel, ModelFileError, load_model, save_model
    from .trainer import Trainer

_EXPORTS = {
    "build_model": "builder",
    "build_network": "builder",
    "Callback": "callbacks",
    "EarlyStopping": "callbacks",
    "DataError": "data",
    "RawData": "data",
    "load_raw": "data",
    "available_devices": "device",
    "resolve_device": "device",
    "HistogramSnapshot": "events",
    "LayerHistogram": "events",
    "Progress": "events",
    "StopReason": "events",
    "TestResult": "events",
    "LoadedModel": "model_file",
    "ModelFileError": "model_file",
    "load_model": "model_file",
    "save_model": "model_file",
    "History": "history",
    "Trainer": "trainer",
}

__all__ = [
    "Callback",
    "DataError",
    "EarlyStopping",
    "HistogramSnapshot",
    "History",
    "LayerHistogram",
    "LoadedModel",
    "ModelFileError",
    "Progress",
    "RawData",
    "StopReason",
    "TestResult",
    "Trainer",
    "available_devices",
    "build_model",
    "build_network",
    "load_model",
    "load_raw",
    "resolve_device",
    "save_model",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'workbench.engine' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)
