"""Datasets, loaded once into memory as tensors (images as uint8).

`LOADERS` names each dataset kind's loader once: a new kind is its spec class (in
`workbench.spec.datasets`) and one entry here.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from ...i18n import _
from ...spec import DatasetBase
from .base import DataError, RawData, class_indices
from .files import load_csv, load_csv_series, load_idx, load_image_folder, read_idx
from .sequences import generate_adding, generate_sine
from .synthetic import generate
from .vision import load_digits, load_torchvision

Loader = Callable[[Any, int, Path | None], RawData]  # (the dataset's spec, the seed, the experiment's folder)

LOADERS: dict[str, Loader] = {
    **{
        kind: lambda spec, seed, base: generate(spec, seed)
        for kind in ("spiral", "moons", "circles", "xor", "gaussian")
    },
    "sine": lambda spec, seed, base: generate_sine(spec, seed),
    "adding": lambda spec, seed, base: generate_adding(spec, seed),
    "digits": lambda spec, seed, base: load_digits(),
    **{kind: lambda spec, seed, base: load_torchvision(spec, base) for kind in ("mnist", "fashion_mnist", "cifar10")},
    "idx": lambda spec, seed, base: load_idx(spec, base),
    "csv": lambda spec, seed, base: load_csv(spec, base),
    "csv_series": lambda spec, seed, base: load_csv_series(spec, base),
    "image_folder": lambda spec, seed, base: load_image_folder(spec, base),
}


def load_raw(spec: DatasetBase, seed: int = 0, base_dir: Path | None = None) -> RawData:
    """Load (or generate) the whole dataset; raises DataError with a clear message when it cannot."""
    loader = LOADERS.get(spec.kind)
    if loader is None:
        raise DataError(_("no loader for dataset kind {kind}").format(kind=repr(spec.kind)), "dataset.kind")
    return viewed(kept(loader(spec, seed, base_dir), spec), spec)


def kept(raw: RawData, spec: DatasetBase) -> RawData:
    """Only the samples of the classes the dataset keeps (`classes`), numbered again from 0 in that
    order, in their order in the files; all of them when it keeps every class."""
    classes = list(getattr(spec, "classes", ()))
    if not classes:
        return raw
    chosen = torch.tensor(classes, dtype=torch.int64)
    keep = torch.isin(raw.y, chosen)
    relabel = torch.full((max(int(raw.y.max()), max(classes)) + 1,), -1, dtype=torch.int64)
    relabel[chosen] = torch.arange(len(classes))
    names = tuple(raw.class_names[c] for c in classes) if raw.class_names else ()
    return RawData(raw.x[keep], relabel[raw.y[keep]], raw.task, names)


def viewed(raw: RawData, spec: DatasetBase) -> RawData:
    """The samples as the network sees them (`DatasetBase.view`): pictures read row by row become
    (rows, columns x channels), each row's pixels channel by channel. Still bytes: a batch is
    scaled when it is made."""
    if spec.view(raw.input_shape) == raw.input_shape:
        return raw
    return RawData(pictures_as_rows(raw.x), raw.y, raw.task, raw.class_names)


def pictures_as_rows(pictures: torch.Tensor) -> torch.Tensor:
    """(N, C, H, W) pictures as (N, H, W x C) sequences: one step a row, each pixel's channels in turn."""
    n, channels, height, width = pictures.shape
    return pictures.permute(0, 2, 3, 1).reshape(n, height, width * channels).contiguous()


def rows_as_pictures(rows: torch.Tensor, channels: int) -> torch.Tensor:
    """The pictures `pictures_as_rows` read: (N, H, W x C) back to (N, C, H, W)."""
    n, height, features = rows.shape
    return rows.reshape(n, height, features // channels, channels).permute(0, 3, 1, 2)


__all__ = [
    "LOADERS",
    "DataError",
    "RawData",
    "class_indices",
    "kept",
    "load_raw",
    "pictures_as_rows",
    "read_idx",
    "rows_as_pictures",
    "viewed",
]
