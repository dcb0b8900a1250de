"""Downloading and reading MNIST-style and CIFAR-10 files, served from a folder the tests write."""

from __future__ import annotations

import io
import pickle
import tarfile
from pathlib import Path

import numpy as np
import pytest

from tests.engine.helpers import mnist_files, serve_file, spec
from workbench.engine import DataError, load_raw
from workbench.engine import download as dl
from workbench.engine.data.safe_pickle import safe_unpickle


@pytest.fixture
def mnist_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """MNIST's four files behind file:// URLs: a dead mirror first, then a working one."""
    served = tmp_path / "server"
    remotes = []
    for name, data in mnist_files().items():
        base, md5, size = serve_file(served, name, data)
        remotes.append(dl.Remote(name, ((tmp_path / "nowhere").as_uri() + "/" + name, base + name), md5, size))
    source = dl.SOURCES["mnist"]
    monkeypatch.setitem(dl.SOURCES, "mnist", dl.Source(source.folder, tuple(remotes), source.expected))
    return tmp_path / "root"


def test_fetch_downloads_checks_and_unpacks_with_progress(mnist_server: Path) -> None:
    seen: list[dl.DownloadProgress] = []
    folder = dl.fetch("mnist", mnist_server, progress=seen.append)
    assert folder == mnist_server / "MNIST" / "raw"
    assert all((folder / name).is_file() for name in dl.SOURCES["mnist"].expected)
    assert not [p for p in folder.iterdir() if p.name.endswith(".part")]
    done = [p.done for p in seen]
    assert done == sorted(done) and seen[-1].done == seen[-1].total == sum(r.size for r in dl.SOURCES["mnist"].files)
    assert dl.is_present("mnist", mnist_server)


def test_loader_downloads_when_asked_and_pools_train_and_test(mnist_server: Path) -> None:
    raw = load_raw(spec({"kind": "mnist", "root": str(mnist_server), "download": True}))  # type: ignore[arg-type]
    assert raw.x.shape == (10, 1, 28, 28) and raw.y.tolist() == [0, 1, 2, 3, 4, 5, 0, 1, 2, 3]
    assert raw.class_names == tuple(str(d) for d in range(10))


def test_gzipped_files_alone_are_enough(tmp_path: Path) -> None:
    folder = tmp_path / "FashionMNIST" / "raw"
    for name, data in mnist_files(3, 2).items():
        serve_file(folder, name, data)
    assert dl.is_present("fashion_mnist", tmp_path)
    raw = load_raw(spec({"kind": "fashion_mnist", "root": str(tmp_path)}))  # type: ignore[arg-type]
    assert raw.x.shape == (5, 1, 28, 28) and raw.class_names[0] == "T-shirt/top"


def test_a_damaged_download_is_refused_and_leaves_nothing(mnist_server: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = dl.SOURCES["mnist"]
    bad = [dl.Remote(r.name, r.urls, "0" * 32, r.size) for r in source.files]
    monkeypatch.setitem(dl.SOURCES, "mnist", dl.Source(source.folder, tuple(bad), source.expected))
    said = "train-images-idx3-ubyte.gz: check the internet.*put the file in.*damaged"  # what to do, then what failed
    with pytest.raises(dl.DownloadError, match=said):
        dl.fetch("mnist", mnist_server)
    assert not [p for p in (mnist_server / "MNIST" / "raw").iterdir()]


def test_cancel_stops_within_a_chunk_and_leaves_nothing(mnist_server: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dl, "CHUNK", 64)
    calls = []

    def cancelled() -> bool:
        calls.append(1)
        return len(calls) > 3

    with pytest.raises(dl.DownloadCancelled):
        dl.fetch("mnist", mnist_server, cancelled=cancelled)
    assert len(calls) == 4
    assert not [p for p in (mnist_server / "MNIST" / "raw").iterdir()]


def test_unreachable_download_is_a_data_error_naming_the_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = dl.SOURCES["mnist"]
    dead = [dl.Remote(r.name, ((tmp_path / "gone").as_uri() + "/x",), r.md5, r.size) for r in source.files]
    monkeypatch.setitem(dl.SOURCES, "mnist", dl.Source(source.folder, tuple(dead), source.expected))
    with pytest.raises(DataError) as info:
        load_raw(spec({"kind": "mnist", "root": str(tmp_path), "download": True}))  # type: ignore[arg-type]
    assert str(tmp_path / "MNIST" / "raw") in str(info.value) and "could not be downloaded" in str(info.value)
    assert all(r.name in str(info.value) for r in source.files)  # every missing file, not only the first


def _cifar_batch(n: int, first_label: int) -> bytes:
    data = np.arange(n * 3072, dtype=np.int64).astype(np.uint8).reshape(n, 3072)
    return pickle.dumps({"data": data, "labels": [(first_label + i) % 10 for i in range(n)]}, protocol=2)


def _tar(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _serve_cifar(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, members: dict[str, bytes]) -> Path:
    base, md5, size = serve_file(tmp_path / "server", "cifar-10-python.tar.gz", _tar(members))
    remote = dl.Remote("cifar-10-python.tar.gz", (base + "cifar-10-python.tar.gz",), md5, size)
    source = dl.SOURCES["cifar10"]
    monkeypatch.setitem(dl.SOURCES, "cifar10", dl.Source(source.folder, (remote,), source.expected))
    return tmp_path / "root"


def _cifar_members() -> dict[str, bytes]:
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    members = {f"cifar-10-batches-py/{name}": _cifar_batch(2, i) for i, name in enumerate(names)}
    members["cifar-10-batches-py/batches.meta"] = pickle.dumps({"label_names": ["airplane"]}, protocol=2)
    return members


def test_cifar10_downloads_unpacks_and_reads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _serve_cifar(tmp_path, monkeypatch, _cifar_members())
    raw = load_raw(spec({"kind": "cifar10", "root": str(root), "download": True}))  # type: ignore[arg-type]
    assert raw.x.shape == (12, 3, 32, 32) and raw.y.tolist()[:4] == [0, 1, 1, 2]
    assert int(raw.x[0, 0, 0, 1]) == 1 and raw.class_names[0] == "airplane"


def test_an_archive_reaching_outside_its_folder_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _serve_cifar(tmp_path, monkeypatch, {"../escaped.txt": b"x", **_cifar_members()})
    with pytest.raises(dl.DownloadError, match="unexpected entry '../escaped.txt'"):
        dl.fetch("cifar10", root)
    assert not (tmp_path / "escaped.txt").exists() and not (root / "cifar-10-batches-py").exists()
    assert [p.name for p in root.iterdir()] == ["cifar-10-python.tar.gz"]  # no unpacking folder left


def test_unpacking_completes_a_folder_left_half_done(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _serve_cifar(tmp_path, monkeypatch, _cifar_members())
    (root / "cifar-10-batches-py").mkdir(parents=True)
    (root / "cifar-10-batches-py" / "data_batch_1").write_bytes(_cifar_batch(2, 0))  # the rest is missing
    dl.fetch("cifar10", root)
    assert dl.is_present("cifar10", root)
    assert {p.name for p in root.iterdir()} == {"cifar-10-batches-py", "cifar-10-python.tar.gz"}


class _Payload:
    """Pickles into a call that would create a file, if anything ran it."""

    def __init__(self, target: Path) -> None:
        self.target = target

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (Path.touch, (str(self.target),))


def test_a_cifar_batch_that_would_run_code_is_refused(tmp_path: Path) -> None:
    members = _cifar_members()
    target = tmp_path / "pwned"
    members["cifar-10-batches-py/data_batch_3"] = pickle.dumps({"data": _Payload(target), "labels": []}, protocol=2)
    for name, data in members.items():
        serve_file(tmp_path / Path(name).parent, Path(name).name, data)
    with pytest.raises(DataError, match="data_batch_3 .* is not a CIFAR-10 batch .*refused to load"):
        load_raw(spec({"kind": "cifar10", "root": str(tmp_path)}))  # type: ignore[arg-type]
    assert not target.exists()


def test_safe_unpickle_reads_python2_style_arrays() -> None:
    """CIFAR-10's batches were pickled by Python 2: array bytes arrive as latin-1 text."""
    rebuild = np.zeros(0).__reduce__()[0]

    class Py2Array:
        def __reduce__(self) -> tuple[object, ...]:
            raw = bytes([250, 255, 0, 7])
            return (rebuild, (np.ndarray, (0,), b"b"), (1, (2, 2), np.dtype("u1"), False, raw.decode("latin1")))

    out = safe_unpickle(io.BytesIO(pickle.dumps({"data": Py2Array()}, protocol=2)))
    assert out["data"].tolist() == [[250, 255], [0, 7]]
