"""Downloading MNIST, Fashion-MNIST and CIFAR-10 into the folders torchvision uses, with progress.

Standard library only (no torch), so the window can run a download on any thread while the engine
thread stays free. Every file is checked against its published MD5 sum before it is used, written
under a temporary name first (a cancelled or failed download leaves nothing half-written), and
archives are unpacked with path checks. The layout matches torchvision's, so files downloaded by
either are found by both.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import secrets
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..i18n import _
from ..spec.datasets import Cifar10Dataset, FashionMnistDataset, MnistDataset
from ..spec.peek import resolve_path
from .paths import datasets_dir

CHUNK = 1 << 16
MNIST_MIRRORS = ("https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/")
FASHION_MIRRORS = ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",)


@dataclass(frozen=True)
class Remote:
    """One file to fetch: its name, where it can be found (tried in order), checksum and size."""

    name: str
    urls: tuple[str, ...]
    md5: str
    size: int  # bytes, for the progress bar before the server says


@dataclass(frozen=True)
class Source:
    """A dataset's files: where they go under the root folder and what must be there afterwards."""

    folder: str
    files: tuple[Remote, ...]
    expected: tuple[str, ...]  # names under `folder` that make the dataset usable


@dataclass(frozen=True)
class DownloadProgress:
    """How far a download is, as plain data for a progress bar."""

    file: str
    done: int  # bytes of all files so far
    total: int  # bytes of all files


class DownloadError(Exception):
    """A download that could not be completed; the message says what to do."""


class DownloadCancelled(DownloadError):
    """The student cancelled the download; nothing half-written was left behind."""


def _idx_source(folder: str, mirrors: tuple[str, ...], files: tuple[tuple[str, str, int], ...]) -> Source:
    remotes = tuple(Remote(name, tuple(m + name for m in mirrors), md5, size) for name, md5, size in files)
    return Source(folder, remotes, tuple(name.removesuffix(".gz") for name, _md5, _size in files))


SOURCES: dict[str, Source] = {
    "mnist": _idx_source(
        "MNIST/raw",
        MNIST_MIRRORS,
        (
            ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873", 9_912_422),
            ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432", 28_881),
            ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3", 1_648_877),
            ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c", 4_542),
        ),
    ),
    "fashion_mnist": _idx_source(
        "FashionMNIST/raw",
        FASHION_MIRRORS,
        (
            ("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d", 26_421_880),
            ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe", 29_515),
            ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79", 4_422_102),
            ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310", 5_148),
        ),
    ),
    "cifar10": Source(
        "cifar-10-batches-py",
        (
            Remote(
                "cifar-10-python.tar.gz",
                ("https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",),
                "c58f30108f718f92721af3b95e74349a",
                170_498_071,
            ),
        ),
        ("data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5", "test_batch", "batches.meta"),
    ),
}

Progress = Callable[[DownloadProgress], None]
Cancelled = Callable[[], bool]


Downloadable = MnistDataset | FashionMnistDataset | Cifar10Dataset


def dataset_root(spec: Downloadable, base_dir: Path | None) -> Path:
    """The folder the dataset lives under: the spec's `root`, or the user data folder."""
    return resolve_path(spec.root, base_dir) if spec.root else datasets_dir()


def _has(folder: Path, name: str) -> bool:
    # torchvision keeps the IDX files unpacked; a student may keep only the .gz copies.
    return (folder / name).is_file() or (folder / f"{name}.gz").is_file()


def is_present(kind: str, root: Path) -> bool:
    """True when every file the dataset needs is under `root` (unpacked or, for IDX, gzipped)."""
    source = SOURCES[kind]
    return all(_has(root / source.folder, name) for name in source.expected)


def fetch(kind: str, root: Path, progress: Progress | None = None, cancelled: Cancelled | None = None) -> Path:
    """Download what is missing of `kind` under `root`, check and unpack it; returns the data folder.

    `progress` is called every few dozen kilobytes; `cancelled()` is asked as often, and a True
    answer stops the download with DownloadCancelled.
    """
    source = SOURCES[kind]
    folder = root / source.folder
    if is_present(kind, root):
        return folder
    archive_dir = folder if source.folder.endswith("raw") else root
    try:
        archive_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DownloadError(
            _("cannot create the folder {folder}: {error}").format(folder=archive_dir, error=exc.strerror or exc)
        ) from exc
    total = sum(remote.size for remote in source.files)
    done = 0
    for remote in source.files:
        target = archive_dir / remote.name
        if not (target.is_file() and _md5(target) == remote.md5):

            def report(received: int, base: int = done, name: str = remote.name) -> None:
                if progress is not None:
                    progress(DownloadProgress(name, min(base + received, total), total))

            try:
                _download(remote, target, report, cancelled)
            except DownloadCancelled:
                raise
            except DownloadError as exc:  # say every file still missing, not only the first
                missing = [r.name for r in source.files if not (archive_dir / r.name).is_file()]
                raise DownloadError(
                    _("{error}. Still missing in {folder}: {files}").format(
                        error=exc, folder=archive_dir, files=", ".join(missing)
                    )
                ) from exc
        done += remote.size
        _unpack(target, folder, root)
    if progress is not None:
        progress(DownloadProgress("", total, total))
    return folder


def _part(target: Path) -> Path:
    """A temporary name beside `target`, its own for each download (two never share one)."""
    return target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")


def _md5(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _download(remote: Remote, target: Path, report: Callable[[int], object], cancelled: Cancelled | None) -> None:
    """Try each mirror in turn; the file appears under its name only once its checksum is right."""
    part = _part(target)
    failures = []
    for url in remote.urls:
        try:
            digest = _stream(url, part, report, cancelled)
        except DownloadCancelled:
            part.unlink(missing_ok=True)
            raise
        except (OSError, ValueError) as exc:  # URLError is an OSError
            part.unlink(missing_ok=True)
            failures.append(f"{url}: {getattr(exc, 'reason', None) or exc}")
            continue
        if digest == remote.md5:
            os.replace(part, target)
            return
        part.unlink(missing_ok=True)
        failures.append(_("{url}: the file arrived damaged (checksum mismatch)").format(url=url))
    raise DownloadError(  # what to do first; what failed, for whoever wants the detail, after it
        _(
            "could not download {file}: check the internet connection, or put the file in {folder} yourself "
            "(what failed: {failures})"
        ).format(file=remote.name, failures="; ".join(failures), folder=target.parent)
    )


def _stream(url: str, part: Path, report: Callable[[int], object], cancelled: Cancelled | None) -> str:
    import urllib.request  # here, not at the top: the window imports this module while starting

    digest = hashlib.md5(usedforsecurity=False)
    received = 0
    with urllib.request.urlopen(url, timeout=30) as response, part.open("wb") as out:  # noqa: S310 - fixed URLs
        while chunk := response.read(CHUNK):
            if cancelled is not None and cancelled():
                raise DownloadCancelled("download cancelled")
            out.write(chunk)
            digest.update(chunk)
            received += len(chunk)
            report(received)
    return digest.hexdigest()


def _unpack(archive: Path, folder: Path, root: Path) -> None:
    if archive.name.endswith(".tar.gz"):
        _untar(archive, root)
    elif archive.suffix == ".gz":
        _gunzip(archive, folder / archive.name.removesuffix(".gz"))


def _gunzip(archive: Path, target: Path) -> None:
    if target.is_file():
        return
    part = _part(target)
    try:
        with gzip.open(archive, "rb") as src, part.open("wb") as out:
            shutil.copyfileobj(src, out, CHUNK)
        os.replace(part, target)
    except (OSError, EOFError) as exc:
        part.unlink(missing_ok=True)
        raise DownloadError(_("cannot unpack {archive}: {error}").format(archive=archive, error=exc)) from exc


def _untar(archive: Path, root: Path) -> None:
    """Unpack a tar archive under `root`, refusing members that would land outside it or are not plain.

    It is unpacked into a temporary folder first and its folders moved into place whole, so an
    interrupted unpacking never leaves a folder that looks complete.
    """
    import tarfile
    import tempfile

    base = root.resolve()
    try:
        with tempfile.TemporaryDirectory(dir=base, prefix=".unpacking-") as scratch, tarfile.open(archive) as tar:
            members = tar.getmembers()
            for member in members:
                inside = (base / member.name).resolve()
                if not (member.isfile() or member.isdir()) or not inside.is_relative_to(base):
                    raise DownloadError(
                        _("{archive} holds an unexpected entry {entry}: not unpacked").format(
                            archive=archive.name, entry=repr(member.name)
                        )
                    )
            if hasattr(tarfile, "data_filter"):  # Python 3.11.4 and later: the library checks too
                tar.extractall(scratch, members, filter="data")
            else:
                tar.extractall(scratch, members)  # noqa: S202 - every member checked above
            for top in Path(scratch).iterdir():
                _move_into(top, base / top.name)
    except (OSError, EOFError, tarfile.TarError) as exc:
        raise DownloadError(_("cannot unpack {archive}: {error}").format(archive=archive, error=exc)) from exc


def _move_into(source: Path, target: Path) -> None:
    """Move `source` to `target`; into an existing folder, only what it lacks (files there stay)."""
    if not target.exists():
        os.replace(source, target)
    elif source.is_dir() and target.is_dir():
        for child in source.iterdir():
            _move_into(child, target / child.name)
