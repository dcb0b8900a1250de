"""Image datasets: scikit-learn's bundled digits, and MNIST, Fashion-MNIST and CIFAR-10 in torchvision's layout."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import torch

from ...spec import Task
from ..download import SOURCES, Downloadable, DownloadError, dataset_root, fetch, is_present
from .base import DataError, RawData
from .files import read_idx
from .safe_pickle import safe_unpickle

DIGIT_NAMES = tuple(str(d) for d in range(10))
FASHION_NAMES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
CIFAR_NAMES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")

# What must be under the root folder (torchvision's layout), for the message when it is missing.
EXPECTED_FILES = {
    "mnist": "train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, "
    "t10k-labels-idx1-ubyte (or the same names ending in .gz)",
    "fashion_mnist": "train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, "
    "t10k-labels-idx1-ubyte (or the same names ending in .gz)",
    "cifar10": "data_batch_1 ... data_batch_5, test_batch and batches.meta (from cifar-10-python.tar.gz)",
}


def load_digits() -> RawData:
    """scikit-learn's 1,797 8x8 digits, scaled from 0..16 to uint8 0..255 like any image."""
    from sklearn.datasets import load_digits as sklearn_digits

    bunch = sklearn_digits()
    images = np.rint(bunch.images * (255.0 / 16.0)).astype(np.uint8)
    return RawData(
        torch.from_numpy(images).unsqueeze(1),
        torch.as_tensor(bunch.target, dtype=torch.int64),
        Task.CLASSIFICATION,
        DIGIT_NAMES,
    )


def load_torchvision(spec: Downloadable, base_dir: Path | None) -> RawData:
    """MNIST, Fashion-MNIST or CIFAR-10: the official train and test files pooled, then split by the spec.

    Read by Workbench's own readers from torchvision's folder layout (CIFAR-10's batches without
    running any code they might hold), downloaded first when the spec asks for it.
    """
    root = dataset_root(spec, base_dir)
    folder = root / SOURCES[spec.kind].folder
    if not is_present(spec.kind, root):
        if not spec.download:
            raise DataError(
                f"{spec.kind} is not in {folder}: the files are missing and Download is off. Put "
                f"{EXPECTED_FILES[spec.kind]} there, turn on Download when online, or use the idx kind with your "
                "own copy of the files",
                "dataset.root",
            )
        try:
            fetch(spec.kind, root)
        except DownloadError as exc:
            raise DataError(f"{spec.kind} could not be downloaded to {folder}: {exc}", "dataset.root") from exc
    if spec.kind == "cifar10":
        x, y = read_cifar10(folder)
        return RawData(torch.from_numpy(x), torch.from_numpy(y), Task.CLASSIFICATION, CIFAR_NAMES)
    images, labels = [], []
    for part in ("train", "t10k"):
        images.append(read_idx(_idx_file(folder, f"{part}-images-idx3-ubyte"), "root"))
        labels.append(read_idx(_idx_file(folder, f"{part}-labels-idx1-ubyte"), "root"))
    x_all, y_all = np.concatenate(images), np.concatenate(labels).astype(np.int64)
    if len(x_all) != len(y_all) or x_all.ndim != 3:
        raise DataError(
            f"the files in {folder} do not match: {len(x_all):,} images, {len(y_all):,} labels", "dataset.root"
        )
    names = FASHION_NAMES if spec.kind == "fashion_mnist" else DIGIT_NAMES
    return RawData(torch.from_numpy(x_all).unsqueeze(1), torch.from_numpy(y_all), Task.CLASSIFICATION, names)


def _idx_file(folder: Path, name: str) -> Path:
    plain = folder / name
    return plain if plain.is_file() else folder / f"{name}.gz"


def read_cifar10(folder: Path) -> tuple[np.ndarray, np.ndarray]:
    """The six CIFAR-10 batches as (N, 3, 32, 32) uint8 images and int64 labels."""
    parts = [_cifar_batch(folder / name) for name in (*(f"data_batch_{i}" for i in range(1, 6)), "test_batch")]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def _cifar_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    try:
        with path.open("rb") as f:
            batch = safe_unpickle(f)
        data = np.asarray(batch["data"], dtype=np.uint8).reshape(-1, 3, 32, 32)
        labels = np.asarray(batch["labels"], dtype=np.int64)
    except (OSError, KeyError, TypeError, ValueError, pickle.UnpicklingError, EOFError) as exc:
        raise DataError(f"{path.name} in {path.parent} is not a CIFAR-10 batch ({exc})", "dataset.root") from exc
    if len(data) != len(labels):
        raise DataError(f"{path.name}: {len(data):,} images but {len(labels):,} labels", "dataset.root")
    return data.copy(), labels
