"""Image datasets: scikit-learn's bundled digits, and MNIST, Fashion-MNIST and CIFAR-10 in torchvision's layout."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ...i18n import N_, _
from ...spec import Task
from ...spec.datasets import CIFAR_NAMES, FASHION_NAMES, dataset_label
from ..download import SOURCES, Downloadable, DownloadError, dataset_root, fetch, is_present
from ..memory import check_size
from .base import DataError, RawData
from .files import read_idx
from .safe_pickle import safe_unpickle

DIGIT_NAMES = tuple(str(d) for d in range(10))

# What must be under the root folder (torchvision's layout), for the message when it is missing.
EXPECTED_FILES = {
    "mnist": N_(
        "train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, "
        "t10k-labels-idx1-ubyte (or the same names ending in .gz)"
    ),
    "fashion_mnist": N_(
        "train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, "
        "t10k-labels-idx1-ubyte (or the same names ending in .gz)"
    ),
    "cifar10": N_("data_batch_1 ... data_batch_5, test_batch and batches.meta (from cifar-10-python.tar.gz)"),
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
                _(
                    "{kind} is not in {folder}: the files are missing and Download is off. Put {files} there, "
                    "turn on Download when online, or use the idx kind with your own copy of the files"
                ).format(kind=_(dataset_label(spec.kind)), folder=folder, files=_(EXPECTED_FILES[spec.kind])),
                "dataset.root",
            )
        try:
            fetch(spec.kind, root)
        except DownloadError as exc:
            raise DataError(
                _("{kind} could not be downloaded to {folder}: {error}").format(
                    kind=_(dataset_label(spec.kind)), folder=folder, error=exc
                ),
                "dataset.root",
            ) from exc
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
            _("the files in {folder} do not match: {images} images, {labels} labels").format(
                folder=folder, images=f"{len(x_all):,}", labels=f"{len(y_all):,}"
            ),
            "dataset.root",
        )
    names = FASHION_NAMES if spec.kind == "fashion_mnist" else DIGIT_NAMES
    _labels_within(y_all, len(names), _("the labels in {folder}").format(folder=folder))
    return RawData(torch.from_numpy(x_all).unsqueeze(1), torch.from_numpy(y_all), Task.CLASSIFICATION, names)


def _idx_file(folder: Path, name: str) -> Path:
    plain = folder / name
    return plain if plain.is_file() else folder / f"{name}.gz"


def read_cifar10(folder: Path) -> tuple[np.ndarray, np.ndarray]:
    """The six CIFAR-10 batches as (N, 3, 32, 32) uint8 images and int64 labels."""
    parts = [_cifar_batch(folder / name) for name in (*(f"data_batch_{i}" for i in range(1, 6)), "test_batch")]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def _cifar_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """One batch: a (N, 3072) uint8 array and N labels from 0 to 9, nothing else; whatever a file
    claims beyond that (another type, a vast shape, labels out of range) is refused unconverted."""
    where = _("{file} in {folder}").format(file=path.name, folder=path.parent)
    try:
        size = path.stat().st_size
        too_big = check_size(size, where)
        if too_big is None:
            with path.open("rb") as f:
                batch = safe_unpickle(f)
            data, listed = batch["data"], batch["labels"]
    except (OSError, KeyError, TypeError, ValueError, OverflowError, pickle.UnpicklingError, EOFError) as exc:
        raise DataError(
            _("{where} is not a CIFAR-10 batch ({error})").format(where=where, error=exc), "dataset.root"
        ) from exc
    if too_big is not None:
        raise DataError(_("{problem}: use a smaller file").format(problem=too_big), "dataset.root")
    labels = _flat_labels(listed, where)
    if isinstance(data, np.ndarray) and data.nbytes > size:  # memory promised, never held by the file
        raise DataError(
            _("{where} is not a CIFAR-10 batch: its data claims more bytes than the file holds").format(where=where),
            "dataset.root",
        )
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3072:
        found = (
            _("{dtype} values of shape {shape}").format(dtype=data.dtype, shape=data.shape)
            if isinstance(data, np.ndarray)
            else type(data).__name__
        )
        raise DataError(
            _("{where} is not a CIFAR-10 batch: its data should be rows of 3,072 bytes, not {found}").format(
                where=where, found=found
            ),
            "dataset.root",
        )
    if labels.ndim != 1 or labels.dtype.kind not in "iu" or len(labels) != len(data):
        raise DataError(
            _("{where}: {images} images but labels of {dtype} shaped {shape}").format(
                where=where, images=f"{len(data):,}", dtype=labels.dtype, shape=labels.shape
            ),
            "dataset.root",
        )
    _labels_within(labels, len(CIFAR_NAMES), where)
    return data.reshape(-1, 3, 32, 32).copy(), labels.astype(np.int64)


def _flat_labels(labels: Any, where: str) -> np.ndarray:
    """The labels as an array, converted only when they are a plain list of whole numbers: lists
    nested in lists, shared by reference, take a few bytes and would convert to terabytes."""
    if isinstance(labels, np.ndarray):
        return labels
    if isinstance(labels, list | tuple) and all(type(label) is int for label in labels):
        return np.asarray(labels)
    raise DataError(
        _("{where} is not a CIFAR-10 batch: its labels should be a list of whole numbers").format(where=where),
        "dataset.root",
    )


def _labels_within(labels: np.ndarray, classes: int, where: str) -> None:
    """Every label names one of the dataset's classes (0 to classes - 1)."""
    outside = labels[(labels < 0) | (labels >= classes)]
    if len(outside):
        raise DataError(
            _(
                "{where} has a label {label}, but its classes are numbered 0 to {last}: "
                "the file is damaged or from another dataset"
            ).format(where=where, label=int(outside[0]), last=classes - 1),
            "dataset.root",
        )
