"""Plain, validated data describing an experiment: dataset, network, training.

This floor imports neither torch nor Qt: it validates a network, infers every layer's output
shape and parameter count, and reads and writes experiment files on any machine.
"""

from .datasets import DATASET_KINDS, AnyDataset, AugmentSpec, DatasetBase, NormalizeSpec, Task
from .errors import Problem, SpecError
from .experiment import CURRENT_FORMAT_VERSION, MIGRATIONS, ExperimentSpec, migrate
from .layers import LAYER_TYPES, AnyLayer, Layer, LayerCategory, catalog
from .network import LayerInfo, NetworkAnalysis, NetworkSpec, analyze
from .peek import DataError, DataShape, data_shape, resolve_path
from .presets import default_experiment, find_experiment, load_preset, preset_names, preset_path, presets_dir
from .shapes import LayerShape, Shape, ShapeProblem, format_shape
from .training import (
    OPTIMIZERS,
    SCHEDULERS,
    AnyOptimizer,
    AnyScheduler,
    EarlyStoppingSpec,
    OptimizerBase,
    SchedulerBase,
    TrainingSpec,
)

__all__ = [
    "CURRENT_FORMAT_VERSION",
    "DATASET_KINDS",
    "LAYER_TYPES",
    "MIGRATIONS",
    "OPTIMIZERS",
    "SCHEDULERS",
    "AnyDataset",
    "AnyLayer",
    "AnyOptimizer",
    "AnyScheduler",
    "AugmentSpec",
    "DataError",
    "DataShape",
    "DatasetBase",
    "EarlyStoppingSpec",
    "ExperimentSpec",
    "Layer",
    "LayerCategory",
    "LayerInfo",
    "LayerShape",
    "NetworkAnalysis",
    "NetworkSpec",
    "NormalizeSpec",
    "OptimizerBase",
    "Problem",
    "SchedulerBase",
    "Shape",
    "ShapeProblem",
    "SpecError",
    "Task",
    "TrainingSpec",
    "analyze",
    "catalog",
    "data_shape",
    "default_experiment",
    "format_shape",
    "find_experiment",
    "load_preset",
    "migrate",
    "preset_names",
    "preset_path",
    "presets_dir",
    "resolve_path",
]
