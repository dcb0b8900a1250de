"""Image datasets that come with the dependencies: digits (scikit-learn) and torchvision's sets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from ...spec import Task
from ...spec.datasets import Cifar10Dataset, FashionMnistDataset, MnistDataset
from ...spec.peek import resolve_path
from ..paths import datasets_dir
from .base import DataError, RawData

Torchvision = MnistDataset | FashionMnistDataset | Cifar10Dataset

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

# What torchvision looks for under the root folder, for the message when the files are missing.
EXPECTED_FILES = {
    "mnist": (
        "MNIST/raw",
        "train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, "
        "t10k-labels-idx1-ubyte (or the same names ending in .gz)",
    ),
    "fashion_mnist": (
        "FashionMNIST/raw",
        "train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (or .gz)",
    ),
    "cifar10": (
        "cifar-10-batches-py",
        "data_batch_1 ... data_batch_5, test_batch and batches.meta (from cifar-10-python.tar.gz)",
    ),
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


def dataset_root(spec: Torchvision, base_dir: Path | None) -> Path:
    """The folder torchvision reads from: the spec's `root`, or the user data folder."""
    return resolve_path(spec.root, base_dir) if spec.root else datasets_dir()


def _torchvision_split(spec: Torchvision, root: Path, train: bool) -> Any:
    import torchvision

    cls = {
        "mnist": torchvision.datasets.MNIST,
        "fashion_mnist": torchvision.datasets.FashionMNIST,
        "cifar10": torchvision.datasets.CIFAR10,
    }[spec.kind]
    return cls(str(root), train=train, download=spec.download)


def load_torchvision(spec: Torchvision, base_dir: Path | None) -> RawData:
    """MNIST, Fashion-MNIST or CIFAR-10: the official train and test files pooled, then split by the spec."""
    root = dataset_root(spec, base_dir)
    sub, files = EXPECTED_FILES[spec.kind]
    try:
        parts = [_torchvision_split(spec, root, train) for train in (True, False)]
    except (RuntimeError, OSError, ValueError) as exc:
        how = "the download failed (are you offline?)" if spec.download else "the files are missing and Download is off"
        raise DataError(
            f"{spec.kind} is not in {root / sub}: {how}. Put {files} there, turn on Download when online, "
            f"or use the idx kind with your own copy of the files ({exc})",
            "dataset.root",
        ) from exc
    names: tuple[str, ...]
    if spec.kind == "cifar10":
        x = torch.from_numpy(np.concatenate([p.data for p in parts])).permute(0, 3, 1, 2).contiguous()
        y = torch.as_tensor(np.concatenate([np.asarray(p.targets) for p in parts]), dtype=torch.int64)
        names = CIFAR_NAMES
    else:
        x = torch.cat([p.data for p in parts]).unsqueeze(1)
        y = torch.cat([torch.as_tensor(p.targets) for p in parts]).to(torch.int64)
        names = FASHION_NAMES if spec.kind == "fashion_mnist" else DIGIT_NAMES
    return RawData(x, y, Task.CLASSIFICATION, names)
