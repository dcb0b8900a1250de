"""Read just enough of a dataset's files to know the sample shape and the class count.

This lets the spec floor analyse a network on file-based data without torch and without
loading the data: an IDX header, a CSV header row, a folder listing.
"""

from __future__ import annotations

import csv
import gzip
import struct
import zlib
from collections.abc import Generator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, cast

from ..i18n import _
from .datasets import CsvDataset, CsvSeriesDataset, DatasetBase, IdxDataset, ImageFolderDataset
from .errors import Problem
from .shapes import Shape


class DataError(ValueError):
    """Data that cannot be used, with a message naming the file, column or row and what to do;
    `problem` holds the field it concerns. The one error for data, raised by the spec's peeks and
    by the engine's loaders alike."""

    def __init__(self, message: str, field: str = "dataset") -> None:
        self.problem = Problem(field, message)
        super().__init__(str(self.problem))


@dataclass(frozen=True)
class DataShape:
    """What the network sees of the data: one sample's shape and the class count (None: unknown)."""

    input_shape: Shape
    num_classes: int | None
    samples: int | None = None  # how many samples the files hold, when known before loading them


def resolve_path(path: str, base_dir: Path | None) -> Path:
    """A dataset path as written in the experiment, relative to the experiment file's folder."""
    p = Path(path)
    try:
        p = p.expanduser()
    except RuntimeError:  # ~someone who has no account here: the path as written, reported as not found
        pass
    if not p.is_absolute() and base_dir is not None:
        p = base_dir / p
    return p


BUILT_IN = "builtin:"  # a model file that ships with Workbench (resources/models), for the presets


def model_path(where: str, base_dir: Path | None) -> Path:
    """A network's `start_from` as written: `builtin:NAME` is one of Workbench's own model files,
    anything else a path relative to the experiment file's folder."""
    if where.startswith(BUILT_IN):
        from .presets import resources_dir  # the presets know the experiments, which know this module

        return resources_dir() / "models" / Path(where[len(BUILT_IN) :]).name
    return resolve_path(where, base_dir)


def open_maybe_gzip(path: Path) -> IO[bytes]:
    """Open a file for binary reading, unzipping it when it starts with the gzip magic bytes."""
    with path.open("rb") as probe:
        magic = probe.read(2)
    if magic == b"\x1f\x8b":
        return cast(IO[bytes], gzip.open(path, "rb"))
    return path.open("rb")


def shortened(text: str, keep: int = 50) -> str:
    """A long path as its start and its end, so that a message stays readable."""
    return text if len(text) <= 2 * keep + 1 else f"{text[:keep]}…{text[-keep:]}"


def existing_path(path_text: str, field: str, base_dir: Path | None, folder: bool = False) -> Path:
    """The file (or folder) an experiment's `dataset.<field>` names; DataError when it is not there."""
    if not path_text:
        raise DataError(_("choose a folder") if folder else _("choose a file"), f"dataset.{field}")
    path = resolve_path(path_text, base_dir)
    try:
        ok = path.is_dir() if folder else path.is_file()
    except OSError as exc:  # a name or path longer than the system allows, and the like
        said = _("cannot use {path}: {reason}").format(path=shortened(str(path)), reason=exc.strerror or exc)
        raise DataError(said, f"dataset.{field}") from None
    if not ok:
        missing = _("folder not found: {path}") if folder else _("file not found: {path}")
        raise DataError(missing.format(path=path), f"dataset.{field}")
    return path


# IDX type codes -> numpy dtype names (big-endian, as the format stores them).
IDX_TYPES: dict[int, str] = {0x08: "u1", 0x09: "i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
READ_ERRORS = (OSError, EOFError, zlib.error, gzip.BadGzipFile)


def read_idx_header(f: IO[bytes], name: str, where: str) -> tuple[str, tuple[int, ...]]:
    """An IDX file's value type (a numpy dtype name) and dimensions (count first), read from `f`
    up to where its values begin; DataError for a file that is not IDX or ends inside its header."""
    head = f.read(4)
    if len(head) < 4 or head[0] != 0 or head[1] != 0 or head[2] not in IDX_TYPES:
        raise DataError(_("{name} is not an IDX file (bad magic number)").format(name=name), where)
    ndim = head[3]
    raw = f.read(4 * ndim)
    if ndim == 0 or len(raw) < 4 * ndim:
        raise DataError(_("{name} is truncated inside its header").format(name=name), where)
    return IDX_TYPES[head[2]], struct.unpack(f">{ndim}I", raw)


def idx_dims(path: Path, field: str) -> tuple[int, ...]:
    """The dimensions recorded in an IDX file's header (count first)."""
    try:
        with open_maybe_gzip(path) as f:
            return read_idx_header(f, path.name, f"dataset.{field}")[1]
    except READ_ERRORS as exc:
        raise DataError(_("cannot read {path}: {error}").format(path=path.name, error=exc), f"dataset.{field}") from exc


def _idx_shape(ds: IdxDataset, base_dir: Path | None) -> DataShape:
    dims = idx_dims(existing_path(ds.images, "images", base_dir), "images")
    if len(dims) != 3:
        found = _("expected images (count, rows, columns), found {count} dimensions").format(count=len(dims))
        raise DataError(found, "dataset.images")
    if not all(dims):
        found = _("{name} holds {count} pictures of {rows}x{columns} pixels").format(
            name=Path(ds.images).name, count=f"{dims[0]:,}", rows=dims[1], columns=dims[2]
        )
        raise DataError(found, "dataset.images")
    return DataShape((1, dims[1], dims[2]), None, dims[0])


def csv_rows(path: Path) -> Generator[list[str], None, None]:
    """A CSV file's rows (UTF-8, with or without a byte-order mark), the header first; DataError
    when it cannot be read, wherever in the file that turns out."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            yield from csv.reader(f)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DataError(_("cannot read {path}: {error}").format(path=path.name, error=exc), "dataset.path") from exc


def csv_columns(path: Path) -> list[str]:
    """The column names in a CSV file's first row."""
    rows = csv_rows(path)
    header = next(rows, [])
    rows.close()  # the rest is not needed
    return [name.strip() for name in header]


def _csv_shape(ds: CsvDataset, base_dir: Path | None) -> DataShape:
    path = existing_path(ds.path, "path", base_dir)
    columns = csv_columns(path)
    if not ds.target:
        raise DataError(
            _("choose the target column (one of: {columns})").format(columns=", ".join(columns)), "dataset.target"
        )
    if ds.target not in columns:
        raise DataError(_no_column(ds.target, path, columns), "dataset.target")
    if len(columns) < 2:
        raise DataError(
            _("{name} needs at least one feature column besides the target").format(name=path.name), "dataset.path"
        )
    return DataShape((len(columns) - 1,), None)


def _no_column(name: str, path: Path, columns: list[str]) -> str:
    """The message for a column the table does not have, naming those it has."""
    return _("no column {name} in {file} (columns: {columns})").format(
        name=repr(name), file=path.name, columns=", ".join(columns)
    )


def series_columns(ds: CsvSeriesDataset, path: Path) -> tuple[list[str], list[str]]:
    """The table's columns and those each step shows the network (the inputs named, else all);
    DataError naming the field when one is missing."""
    columns = csv_columns(path)
    if not ds.target:
        raise DataError(
            _("choose the column to forecast (one of: {columns})").format(columns=", ".join(columns)), "dataset.target"
        )
    for name in (ds.target, *ds.inputs):
        if name not in columns:
            field = "dataset.target" if name == ds.target else "dataset.inputs"
            raise DataError(_no_column(name, path, columns), field)
    return columns, list(ds.inputs) or columns


def _series_shape(ds: CsvSeriesDataset, base_dir: Path | None) -> DataShape:
    path = existing_path(ds.path, "path", base_dir)
    _columns, inputs = series_columns(ds, path)
    return DataShape((ds.window, len(inputs)), None)


def _folder_shape(ds: ImageFolderDataset, base_dir: Path | None) -> DataShape:
    path = existing_path(ds.path, "path", base_dir, folder=True)
    classes = [p for p in path.iterdir() if p.is_dir() and not p.name.startswith(".")]
    if not classes:
        said = _("{path} has no sub-folders: put each class's pictures in its own sub-folder").format(path=path)
        raise DataError(said, "dataset.path")
    shape = ds.input_shape()
    assert shape is not None
    return DataShape(shape, len(classes))


def data_shape(dataset: DatasetBase, base_dir: Path | None = None) -> DataShape:
    """The sample shape (as the network sees it: `DatasetBase.view`) and class count of `dataset`;
    raises DataError when files are unusable."""
    stored = _stored_shape(dataset, base_dir)
    return replace(stored, input_shape=dataset.view(stored.input_shape))


def _stored_shape(dataset: DatasetBase, base_dir: Path | None) -> DataShape:
    if isinstance(dataset, IdxDataset):
        return _idx_shape(dataset, base_dir)
    if isinstance(dataset, CsvDataset):
        return _csv_shape(dataset, base_dir)
    if isinstance(dataset, CsvSeriesDataset):
        return _series_shape(dataset, base_dir)
    if isinstance(dataset, ImageFolderDataset):
        return _folder_shape(dataset, base_dir)
    shape = dataset.input_shape()
    assert shape is not None, f"{dataset.kind} must know its input shape"
    return DataShape(shape, dataset.num_classes(), dataset.sample_count())
