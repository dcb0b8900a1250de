"""Datasets, loaded once into memory as tensors (images as uint8).

`LOADERS` names each dataset kind's loader once: a new kind is its spec class (in
`workbench.spec.datasets`) and one entry here.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ...spec import DatasetBase
from .base import DataError, RawData, class_indices
from .files import load_csv, load_idx, load_image_folder, read_idx
from .synthetic import generate
from .vision import load_digits, load_torchvision

Loader = Callable[[Any, int, Path | None], RawData]  # (the dataset's spec, the seed, the experiment's folder)

LOADERS: dict[str, Loader] = {
    **{
        kind: lambda spec, seed, base: generate(spec, seed)
        for kind in ("spiral", "moons", "circles", "xor", "gaussian")
    },
    "digits": lambda spec, seed, base: load_digits(),
    **{kind: lambda spec, seed, base: load_torchvision(spec, base) for kind in ("mnist", "fashion_mnist", "cifar10")},
    "idx": lambda spec, seed, base: load_idx(spec, base),
    "csv": lambda spec, seed, base: load_csv(spec, base),
    "image_folder": lambda spec, seed, base: load_image_folder(spec, base),
}


def load_raw(spec: DatasetBase, seed: int = 0, base_dir: Path | None = None) -> RawData:
    """Load (or generate) the whole dataset; raises DataError with a clear message when it cannot."""
    loader = LOADERS.get(spec.kind)
    if loader is None:
        raise DataError(f"no loader for dataset kind {spec.kind!r}", "dataset.kind")
    return loader(spec, seed, base_dir)


__all__ = ["LOADERS", "DataError", "RawData", "class_indices", "load_raw", "read_idx"]
