"""The engine: torch lives here, Qt never does. Builds, trains, evaluates and exports models."""

from .builder import build_model, build_network
from .callbacks import Callback, EarlyStopping
from .data import DataError, RawData, load_raw
from .device import available_devices, resolve_device
from .events import HistogramSnapshot, LayerHistogram, Progress, StopReason, TestResult
from .export import LoadedModel, ModelFileError, load_model, save_model
from .history import History
from .trainer import Trainer

__all__ = [
    "Callback",
    "DataError",
    "EarlyStopping",
    "HistogramSnapshot",
    "History",
    "LoadedModel",
    "ModelFileError",
    "LayerHistogram",
    "Progress",
    "RawData",
    "StopReason",
    "TestResult",
    "Trainer",
    "available_devices",
    "build_model",
    "build_network",
    "load_model",
    "save_model",
    "load_raw",
    "resolve_device",
]
