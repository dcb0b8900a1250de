"""Datasets, loaded once into memory as tensors (images as uint8)."""

from __future__ import annotations

from pathlib import Path

from ...spec import DatasetBase
from ...spec.datasets import (
    Cifar10Dataset,
    CirclesDataset,
    CsvDataset,
    DigitsDataset,
    FashionMnistDataset,
    GaussianDataset,
    IdxDataset,
    ImageFolderDataset,
    MnistDataset,
    MoonsDataset,
    SpiralDataset,
    XorDataset,
)
from .base import DataError, RawData, class_indices
from .files import load_csv, load_idx, load_image_folder, read_idx
from .synthetic import generate
from .vision import load_digits, load_torchvision


def load_raw(spec: DatasetBase, seed: int = 0, base_dir: Path | None = None) -> RawData:
    """Load (or generate) the whole dataset; raises DataError with a clear message when it cannot."""
    if isinstance(spec, SpiralDataset | MoonsDataset | CirclesDataset | XorDataset | GaussianDataset):
        return generate(spec, seed)
    if isinstance(spec, DigitsDataset):
        return load_digits()
    if isinstance(spec, MnistDataset | FashionMnistDataset | Cifar10Dataset):
        return load_torchvision(spec, base_dir)
    if isinstance(spec, IdxDataset):
        return load_idx(spec, base_dir)
    if isinstance(spec, CsvDataset):
        return load_csv(spec, base_dir)
    if isinstance(spec, ImageFolderDataset):
        return load_image_folder(spec, base_dir)
    raise DataError(f"no loader for dataset kind {spec.kind!r}", "dataset.kind")


__all__ = ["DataError", "RawData", "class_indices", "load_raw", "read_idx"]
