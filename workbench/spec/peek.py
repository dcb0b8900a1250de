"""Read just enough of a dataset's files to know the sample shape and the class count.

This lets the spec floor analyse a network on file-based data without torch and without
loading the data: an IDX header, a CSV header row, a folder listing.
"""

from __future__ import annotations

import csv
import gzip
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO, cast

from .datasets import CsvDataset, DatasetBase, IdxDataset, ImageFolderDataset
from .errors import Problem
from .shapes import Shape


class DataProblem(ValueError):
    """A dataset file that cannot be read for the reason given; `problem` names the field."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        super().__init__(str(problem))


@dataclass(frozen=True)
class DataShape:
    """What the network sees of the data: one sample's shape and the class count (None: unknown)."""

    input_shape: Shape
    num_classes: int | None
    samples: int | None = None  # how many samples the files hold, when known before loading them


def resolve_path(path: str, base_dir: Path | None) -> Path:
    """A dataset path as written in the experiment, relative to the experiment file's folder."""
    p = Path(path).expanduser()
    if not p.is_absolute() and base_dir is not None:
        p = base_dir / p
    return p


def open_maybe_gzip(path: Path) -> IO[bytes]:
    """Open a file for binary reading, unzipping it when it starts with the gzip magic bytes."""
    with path.open("rb") as probe:
        magic = probe.read(2)
    if magic == b"\x1f\x8b":
        return cast(IO[bytes], gzip.open(path, "rb"))
    return path.open("rb")


def _existing(path_text: str, field: str, base_dir: Path | None, folder: bool = False) -> Path:
    what = "folder" if folder else "file"
    if not path_text:
        raise DataProblem(Problem(f"dataset.{field}", f"choose a {what}"))
    path = resolve_path(path_text, base_dir)
    ok = path.is_dir() if folder else path.is_file()
    if not ok:
        raise DataProblem(Problem(f"dataset.{field}", f"{what} not found: {path}"))
    return path


def idx_dims(path: Path, field: str) -> tuple[int, ...]:
    """The dimensions recorded in an IDX file's header (count first)."""
    try:
        with open_maybe_gzip(path) as f:
            head = f.read(4)
            if len(head) < 4 or head[0] != 0 or head[1] != 0:
                raise DataProblem(Problem(f"dataset.{field}", f"{path.name} is not an IDX file (bad magic number)"))
            ndim = head[3]
            raw = f.read(4 * ndim)
    except (OSError, EOFError, zlib.error) as exc:
        raise DataProblem(Problem(f"dataset.{field}", f"cannot read {path}: {exc}")) from exc
    if len(raw) < 4 * ndim:
        raise DataProblem(Problem(f"dataset.{field}", f"{path.name} is truncated inside its header"))
    return struct.unpack(f">{ndim}I", raw)


def _idx_shape(ds: IdxDataset, base_dir: Path | None) -> DataShape:
    dims = idx_dims(_existing(ds.images, "images", base_dir), "images")
    if len(dims) != 3:
        raise DataProblem(
            Problem("dataset.images", f"expected images (count, rows, columns), found {len(dims)} dimensions")
        )
    if not all(dims):
        found = f"{Path(ds.images).name} holds {dims[0]:,} pictures of {dims[1]}x{dims[2]} pixels"
        raise DataProblem(Problem("dataset.images", found))
    return DataShape((1, dims[1], dims[2]), None, dims[0])


def csv_columns(path: Path) -> list[str]:
    """The column names in a CSV file's first row."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            header = next(csv.reader(f), [])
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DataProblem(Problem("dataset.path", f"cannot read {path}: {exc}")) from exc
    return [name.strip() for name in header]


def _csv_shape(ds: CsvDataset, base_dir: Path | None) -> DataShape:
    path = _existing(ds.path, "path", base_dir)
    columns = csv_columns(path)
    if not ds.target:
        raise DataProblem(Problem("dataset.target", f"choose the target column (one of: {', '.join(columns)})"))
    if ds.target not in columns:
        raise DataProblem(
            Problem("dataset.target", f"no column {ds.target!r} in {path.name} (columns: {', '.join(columns)})")
        )
    if len(columns) < 2:
        raise DataProblem(Problem("dataset.path", f"{path.name} needs at least one feature column besides the target"))
    return DataShape((len(columns) - 1,), None)


def _folder_shape(ds: ImageFolderDataset, base_dir: Path | None) -> DataShape:
    path = _existing(ds.path, "path", base_dir, folder=True)
    classes = [p for p in path.iterdir() if p.is_dir() and not p.name.startswith(".")]
    if not classes:
        raise DataProblem(
            Problem("dataset.path", f"{path} has no sub-folders: put each class's pictures in its own sub-folder")
        )
    shape = ds.input_shape()
    assert shape is not None
    return DataShape(shape, len(classes))


def data_shape(dataset: DatasetBase, base_dir: Path | None = None) -> DataShape:
    """The sample shape and class count of `dataset`; raises DataProblem when files are unusable."""
    if isinstance(dataset, IdxDataset):
        return _idx_shape(dataset, base_dir)
    if isinstance(dataset, CsvDataset):
        return _csv_shape(dataset, base_dir)
    if isinstance(dataset, ImageFolderDataset):
        return _folder_shape(dataset, base_dir)
    shape = dataset.input_shape()
    assert shape is not None, f"{dataset.kind} must know its input shape"
    return DataShape(shape, dataset.num_classes(), dataset.sample_count())
