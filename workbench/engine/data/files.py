"""Loaders for the student's own files: IDX pairs, CSV tables and folders of pictures."""

from __future__ import annotations

import math
import zlib
from pathlib import Path

import numpy as np
import torch

from ...i18n import _
from ...spec import Task
from ...spec.datasets import CsvDataset, CsvSeriesDataset, IdxDataset, ImageFolderDataset
from ...spec.peek import READ_ERRORS, csv_rows, existing_path, open_maybe_gzip, read_idx_header, series_columns
from ..memory import check_size
from ..picture import upright_on_white
from .base import DataError, RawData, class_indices

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff", ".ppm", ".pgm")
MISSING = {"", "na", "nan", "null", "none", "?"}
FLOAT32_MAX = float(np.finfo(np.float32).max)
MAX_PIXELS = 50_000_000  # a large camera photo; more is a mistake or a decompression bomb


def read_idx(path: Path, field: str) -> np.ndarray:
    """Read an IDX file (gzipped or not) into an array, refusing bad or truncated files clearly.

    Only what the header promises is read (and only when it fits in memory), so a compressed file
    that would inflate to far more than its header says is never inflated past that.
    """
    where = f"dataset.{field}"
    try:
        with open_maybe_gzip(path) as f:
            kind, dims = read_idx_header(f, path.name, where)
            dtype = np.dtype(kind)
            expected = math.prod(dims)
            too_big = check_size(expected * dtype.itemsize, _("{file} (as its header says)").format(file=path.name))
            if too_big is not None:
                raise DataError(_("{problem}: use a smaller file").format(problem=too_big), where)
            data = f.read(expected * dtype.itemsize)
    except READ_ERRORS as exc:
        raise DataError(_("cannot read {file}: {error}").format(file=path.name, error=exc), where) from exc
    available = len(data) // dtype.itemsize
    if available < expected:
        raise DataError(
            _("{file} is truncated: its header promises {expected} values but only {available} are there").format(
                file=path.name, expected=f"{expected:,}", available=f"{available:,}"
            ),
            where,
        )
    return np.frombuffer(data, dtype, expected).reshape(dims)


def load_idx(spec: IdxDataset, base_dir: Path | None) -> RawData:
    """An IDX pair: (N, rows, cols) uint8 images and N labels."""
    images = read_idx(existing_path(spec.images, "images", base_dir), "images")
    labels = read_idx(existing_path(spec.labels, "labels", base_dir), "labels")
    if images.ndim != 3 or images.dtype != np.uint8:
        raise DataError(
            _("expected (count, rows, columns) bytes, found {dimensions} dimensions of {dtype}").format(
                dimensions=images.ndim, dtype=images.dtype
            ),
            "dataset.images",
        )
    if labels.ndim != 1:
        raise DataError(
            _("expected one label per image, found {dimensions} dimensions").format(dimensions=labels.ndim),
            "dataset.labels",
        )
    if len(images) != len(labels):
        raise DataError(
            _("count mismatch: {images} images but {labels} labels").format(
                images=f"{len(images):,}", labels=f"{len(labels):,}"
            ),
            "dataset.labels",
        )
    _whole_labels(labels)
    y, names = class_indices(labels.astype(np.int64).tolist())
    return RawData(torch.from_numpy(images.copy()).unsqueeze(1), y, Task.CLASSIFICATION, names)


def _whole_labels(labels: np.ndarray) -> None:
    """Labels stored as floating-point numbers must still be whole numbers: a NaN would become a
    class named -9223372036854775808, and 2.7 would be taken for 2 without a word."""
    if labels.dtype.kind != "f":
        return
    bad = np.flatnonzero(~np.isfinite(labels) | (labels != np.round(labels)) | (np.abs(labels) > 2**53))
    if bad.size:
        raise DataError(
            _("label {index} is {value}: labels must be whole numbers (the class of each image)").format(
                index=f"{int(bad[0]):,}", value=labels[bad[0]]
            ),
            "dataset.labels",
        )


def _number(text: str, column: str, line: int) -> float:
    if text.strip().lower() in MISSING:
        raise DataError(
            _("column {column}, row {row}: missing value; fill it in or remove the row").format(
                column=repr(column), row=line
            ),
            "dataset.path",
        )
    try:
        value = float(text)
    except ValueError:
        raise DataError(
            _("column {column}, row {row}: {text} is not a number; feature columns must be numeric").format(
                column=repr(column), row=line, text=repr(text)
            ),
            "dataset.path",
        ) from None
    if not math.isfinite(value):
        raise DataError(
            _("column {column}, row {row}: {text} is not a finite number").format(
                column=repr(column), row=line, text=repr(text)
            ),
            "dataset.path",
        )
    if abs(value) > FLOAT32_MAX:
        raise DataError(
            _(
                "column {column}, row {row}: {text} is larger than 32-bit numbers hold (about 3.4e38): "
                "rescale the column"
            ).format(column=repr(column), row=line, text=text.strip()),
            "dataset.path",
        )
    return value


def load_csv(spec: CsvDataset, base_dir: Path | None) -> RawData:
    """A CSV table: numeric features, one target column (class labels or numbers)."""
    path = existing_path(spec.path, "path", base_dir)
    rows = list(csv_rows(path))
    if not rows:
        raise DataError(_("{file} is empty").format(file=path.name), "dataset.path")
    header = [name.strip() for name in rows[0]]
    if spec.target not in header:
        raise DataError(
            _("no column {column} in {file} (columns: {columns})").format(
                column=repr(spec.target), file=path.name, columns=", ".join(header)
            ),
            "dataset.target",
        )
    t = header.index(spec.target)
    features: list[list[float]] = []
    targets: list[str] = []
    for line, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        if len(row) != len(header):
            raise DataError(
                _("row {row} has {count} values but the header has {expected}").format(
                    row=line, count=len(row), expected=len(header)
                ),
                "dataset.path",
            )
        features.append([_number(v, header[i], line) for i, v in enumerate(row) if i != t])
        if row[t].strip().lower() in MISSING:
            raise DataError(
                _("column {column}, row {row}: missing target value").format(column=repr(spec.target), row=line),
                "dataset.path",
            )
        targets.append(row[t].strip())
    if not features:
        raise DataError(_("{file} has a header but no rows").format(file=path.name), "dataset.path")
    x = torch.tensor(features, dtype=torch.float32)
    if spec.task is Task.CLASSIFICATION:
        y, names = class_indices(targets)
        return RawData(x, y, Task.CLASSIFICATION, names)
    values = [_number(v, spec.target, i + 2) for i, v in enumerate(targets)]
    return RawData(x, torch.tensor(values, dtype=torch.float32).unsqueeze(1), Task.REGRESSION, (spec.target,))


def load_csv_series(spec: CsvSeriesDataset, base_dir: Path | None) -> RawData:
    """Windows of `window` rows of the input columns; each one's target is the forecast column
    `horizon` rows after the window. Every column read must be numeric."""
    path = existing_path(spec.path, "path", base_dir)
    header, inputs = series_columns(spec, path)
    used = [header.index(name) for name in inputs]
    target = header.index(spec.target)
    table: list[list[float]] = []
    for line, row in enumerate(list(csv_rows(path))[1:], start=2):
        if not row:
            continue
        if len(row) != len(header):
            raise DataError(
                _("row {row} has {count} values but the header has {expected}").format(
                    row=line, count=len(row), expected=len(header)
                ),
                "dataset.path",
            )
        table.append([_number(row[i], header[i], line) for i in (*used, target)])
    steps = len(table) - spec.window - spec.horizon + 1
    if steps < 1:
        raise DataError(
            _("{file} has {rows} rows: a window of {window} and a horizon of {horizon} need at least {needed}").format(
                file=path.name,
                rows=len(table),
                window=spec.window,
                horizon=spec.horizon,
                needed=spec.window + spec.horizon,
            ),
            "dataset.window",
        )
    # Each window copies its rows: a small file with a long window makes windows far larger than itself.
    windows = steps * spec.window * len(used) * 4
    too_big = check_size(windows, _("{file} cut into windows").format(file=path.name))
    if too_big is not None:
        raise DataError(_("{problem}: use a shorter window or fewer rows").format(problem=too_big), "dataset.window")
    values = torch.tensor(table, dtype=torch.float32)
    starts = torch.arange(steps)
    x = values[starts[:, None] + torch.arange(spec.window)[None, :], : len(used)]
    y = values[starts + spec.window + spec.horizon - 1, len(used)]
    return RawData(x, y.unsqueeze(1), Task.REGRESSION, (spec.target,))


def read_picture(path: Path, height: int | None, width: int | None, mode: str, own: bool = False) -> np.ndarray:
    """A picture file as uint8 (C, H, W), converted to `mode` ("L" or "RGB") and resized (kept
    at its own size when `height` and `width` are None). `own`: a student's photo or drawing,
    first turned upright and put on white (`picture.upright_on_white`)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:  # reads the header only: the size is known before any pixel
            width_px, height_px = image.size
            if not width_px or not height_px or width_px * height_px > MAX_PIXELS:
                raise DataError(
                    _(
                        "the picture {path} is {width}x{height} pixels: use one of at least 1x1 and at most "
                        "{limit} million pixels"
                    ).format(path=path, width=width_px, height=height_px, limit=MAX_PIXELS // 1_000_000),
                    "dataset.path",
                )
            picture = (upright_on_white(image) if own else image).convert(mode)
            if height is not None and width is not None:
                picture = picture.resize((width, height), Image.Resampling.BILINEAR)
    except DataError:
        raise
    except Image.DecompressionBombError as exc:  # so large that PIL refuses to open it
        raise DataError(
            _("the picture {path} has more than {limit} million pixels: use a smaller one").format(
                path=path, limit=MAX_PIXELS // 1_000_000
            ),
            "dataset.path",
        ) from exc
    # PIL reports damaged files in several ways: a broken PNG stream is a SyntaxError or a zlib error.
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, zlib.error) as exc:
        raise DataError(
            _("cannot read the picture {path}: {error}").format(path=path, error=exc), "dataset.path"
        ) from exc
    array = np.asarray(picture, dtype=np.uint8)
    return array[None, :, :] if array.ndim == 2 else array.transpose(2, 0, 1)


def load_image_folder(spec: ImageFolderDataset, base_dir: Path | None) -> RawData:
    """One sub-folder per class; every picture resized to `image_size` squared."""
    root = existing_path(spec.path, "path", base_dir, folder=True)
    classes = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not classes:
        raise DataError(
            _("{folder} has no sub-folders: put each class's pictures in its own sub-folder").format(folder=root),
            "dataset.path",
        )
    mode = "L" if spec.channels == 1 else "RGB"
    pictures: list[np.ndarray] = []
    labels: list[int] = []
    for k, folder in enumerate(classes):
        files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_EXTENSIONS and p.is_file())
        if not files:
            raise DataError(
                _("the class folder {folder} holds no pictures ({extensions})").format(
                    folder=folder, extensions=", ".join(IMAGE_EXTENSIONS)
                ),
                "dataset.path",
            )
        pictures.extend(read_picture(p, spec.image_size, spec.image_size, mode) for p in files)
        labels.extend([k] * len(files))
    x = torch.from_numpy(np.stack(pictures))
    names = tuple(readable(c.name) for c in classes)
    return RawData(x, torch.tensor(labels, dtype=torch.int64), Task.CLASSIFICATION, names)


def readable(name: str) -> str:
    """A file name as text that can be printed and saved: bytes that are not UTF-8 (which Python keeps
    as lone surrogates) become the replacement character."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
