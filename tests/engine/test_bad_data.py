"""Data the loaders used to accept and training then tripped on: each is a data message before the run."""

from __future__ import annotations

import os
import pickle
import sys
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.engine.helpers import idx_bytes, spec, tiny
from workbench.engine import DataError, Trainer, load_raw
from workbench.engine.data.vision import read_cifar10

DIGITS = [{"type": "Flatten"}, {"type": "Linear", "out_features": 10}]


def _idx(tmp_path: Path, labels: list[int]) -> dict[str, object]:
    images = np.zeros((len(labels), 4, 4), dtype=np.uint8)
    (tmp_path / "images.idx").write_bytes(idx_bytes(images))
    (tmp_path / "labels.idx").write_bytes(idx_bytes(np.array(labels, dtype=np.uint8)))
    return {"kind": "idx", "images": "images.idx", "labels": "labels.idx", "val_fraction": 0.2, "test_fraction": 0.2}


def test_a_label_outside_the_networks_classes_is_a_data_error(tmp_path: Path) -> None:
    dataset = _idx(tmp_path, [*range(10)] * 3 + [255])  # digits, and one label 255
    trainer = Trainer(tiny(layers=DIGITS, dataset=dataset), base_dir=tmp_path)
    with pytest.raises(DataError, match=r"11 classes \(0, 1, .*9, 255\) but the network gives 10 outputs") as info:
        trainer.prepare()
    assert info.value.problem.path == "network" and "Linear(11)" in str(info.value)
    assert trainer.model is None


def test_fewer_classes_than_outputs_are_said_too(tmp_path: Path) -> None:
    dataset = _idx(tmp_path, [0, 1, 2] * 10)  # a sample of digits that has only three of them
    with pytest.raises(DataError, match=r"3 classes \(0, 1, 2\) but the network gives 10 outputs"):
        Trainer(tiny(layers=DIGITS, dataset=dataset), base_dir=tmp_path).prepare()


def test_a_single_class_is_refused(tmp_path: Path) -> None:
    dataset = _idx(tmp_path, [3] * 20)
    layers = [{"type": "Flatten"}, {"type": "Linear", "out_features": 1}]
    with pytest.raises(DataError, match=r"one class only \(3\): a classifier needs .* two"):
        Trainer(tiny(layers=layers, dataset=dataset), base_dir=tmp_path).prepare()


def test_a_csv_with_more_classes_than_outputs(tmp_path: Path) -> None:
    rows = "\n".join(f"{i},{i % 3}" for i in range(30))
    (tmp_path / "t.csv").write_text(f"x,kind\n{rows}\n")
    dataset = {"kind": "csv", "path": "t.csv", "target": "kind"}
    layers = [{"type": "Linear", "out_features": 2}]
    with pytest.raises(DataError, match="3 classes .* but the network gives 2 outputs"):
        Trainer(tiny(layers=layers, dataset=dataset), base_dir=tmp_path).prepare()


def test_a_csv_value_beyond_32_bit_floats_names_its_cell(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text("a,b,kind\n1,2,x\n3,1e39,y\n")
    with pytest.raises(DataError, match=r"column 'b', row 3: 1e39 is larger than 32-bit numbers hold"):
        load_raw(spec({"kind": "csv", "path": "t.csv", "target": "kind"}), base_dir=tmp_path)  # type: ignore[arg-type]


def test_batchnorm_leaves_out_a_last_batch_of_one() -> None:
    layers = [
        {"type": "Linear", "out_features": 8},
        {"type": "BatchNorm1d"},
        {"type": "ReLU"},
        {"type": "Linear", "out_features": 2},
    ]
    # 61 training samples in batches of 4: fifteen full batches and one of a single sample.
    moons = {"kind": "moons", "n_samples": 100, "val_fraction": 0.2, "test_fraction": 0.19}
    trainer = Trainer(tiny(layers=layers, dataset=moons, epochs=2, batch_size=4))
    history = trainer.fit()
    assert trainer.data is not None and trainer.data.size("train") == 61
    assert history.stop_reason == "completed" and trainer.data.batches_per_epoch(4) == 15
    plain = Trainer(tiny(dataset=moons, epochs=1, batch_size=4))
    plain.prepare()
    assert plain.data is not None and plain.data.batches_per_epoch(4) == 16  # without BatchNorm it stays


def test_batchnorm_with_batches_of_one_is_a_settings_problem() -> None:
    layers = [{"type": "Linear", "out_features": 8}, {"type": "BatchNorm1d"}, {"type": "Linear", "out_features": 2}]
    problems = tiny(layers=layers, batch_size=1).check()
    assert [(p.path, p.message) for p in problems] == [
        ("training.batch_size", "must be at least 2 with BatchNorm, which averages over each batch")
    ]


def _cifar(tmp_path: Path, data: object, labels: object) -> Path:
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir(exist_ok=True)
    good = {"data": np.zeros((2, 3072), dtype=np.uint8), "labels": [0, 1]}
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        (folder / name).write_bytes(pickle.dumps(good, protocol=2))
    (folder / "data_batch_2").write_bytes(pickle.dumps({"data": data, "labels": labels}, protocol=2))
    return folder


@pytest.mark.parametrize(
    ("data", "labels", "expected"),
    [
        (np.zeros((2, 3072), dtype=np.uint8), [0, 42], "has a label 42, but its classes are numbered 0 to 9"),
        (np.zeros((2, 3072), dtype=np.uint8), [0, 10**30], "labels of object"),
        (np.full((2, 3072), 300, dtype=np.int64), [0, 1], "rows of 3,072 bytes, not int64 values"),
        (list(range(3072)), [0], "rows of 3,072 bytes, not list"),
        (np.zeros((2, 3, 1024), dtype=np.uint8), [0, 1], "not uint8 values of shape (2, 3, 1024)"),
    ],
)
def test_a_cifar_batch_holds_what_cifar_holds_or_is_refused(
    tmp_path: Path, data: object, labels: object, expected: str
) -> None:
    with pytest.raises(DataError, match="data_batch_2") as info:
        read_cifar10(_cifar(tmp_path, data, labels))
    assert expected in str(info.value)


@pytest.mark.skipif(sys.platform != "linux", reason="needs a file system that takes any bytes in a name")
def test_a_class_folder_named_in_bytes_that_are_not_utf8(tmp_path: Path) -> None:
    for name in (b"caf\xe9", b"tea"):  # Latin-1 "café", written by an old system
        folder = tmp_path / os.fsdecode(name)
        folder.mkdir()
        for i in range(3):
            Image.new("L", (4, 4), i * 60).save(folder / f"{i}.png")
    folder = {"kind": "image_folder", "path": str(tmp_path), "image_size": 4, "channels": 1}
    raw = load_raw(spec(folder))  # type: ignore[arg-type]
    assert raw.class_names == ("caf\ufffd", "tea")
    raw.class_names[0].encode("utf-8")  # printable and saveable


def test_pictures_of_no_pixels_are_refused(tmp_path: Path) -> None:
    (tmp_path / "images.idx").write_bytes(idx_bytes(np.zeros((3, 0, 0), dtype=np.uint8)))
    (tmp_path / "labels.idx").write_bytes(idx_bytes(np.array([0, 1, 0], dtype=np.uint8)))
    dataset = {"kind": "idx", "images": "images.idx", "labels": "labels.idx"}
    problems = tiny(layers=DIGITS, dataset=dataset).check(tmp_path)
    assert [str(p) for p in problems] == ["dataset.images: images.idx holds 3 pictures of 0x0 pixels"]


@pytest.mark.parametrize("bad", [float("nan"), 2.7, float("inf")])
def test_idx_labels_stored_as_fractions_or_nan_are_refused(tmp_path: Path, bad: float) -> None:
    (tmp_path / "images").write_bytes(idx_bytes(np.zeros((4, 3, 3), dtype=np.uint8)))
    labels = np.array([0.0, 1.0, bad, 1.0], dtype=">f4")
    (tmp_path / "labels").write_bytes(bytes([0, 0, 0x0D, 1]) + (4).to_bytes(4, "big") + labels.tobytes())
    with pytest.raises(DataError) as caught:
        load_raw(spec({"kind": "idx", "images": "images", "labels": "labels"}), 0, tmp_path)  # type: ignore[arg-type]
    assert caught.value.problem.path == "dataset.labels" and "label 2 is" in str(caught.value)
    whole = np.array([0.0, 1.0, 1.0, 0.0], dtype=">f4")
    (tmp_path / "labels").write_bytes(bytes([0, 0, 0x0D, 1]) + (4).to_bytes(4, "big") + whole.tobytes())
    raw = load_raw(spec({"kind": "idx", "images": "images", "labels": "labels"}), 0, tmp_path)  # type: ignore[arg-type]
    assert raw.class_names == ("0", "1")


def test_regression_targets_whose_loss_would_overflow_are_refused_not_called_divergence(tmp_path: Path) -> None:
    rows = "\n".join(f"{i},{i * 1e30 if i == 3 else i}" for i in range(40))
    (tmp_path / "big.csv").write_text(f"x,y\n{rows}\n")
    experiment = tiny(
        [{"type": "Linear", "out_features": 1}],
        {"kind": "csv", "path": "big.csv", "target": "y", "task": "regression"},
        loss="mse",
    )
    with pytest.raises(DataError) as caught:
        Trainer(experiment, base_dir=tmp_path).fit()
    assert caught.value.problem.path == "dataset.target" and "3e+30" in str(caught.value)


class _Lazy:
    """Pickles as a call that makes an array of any shape in a few bytes (its memory never touched)."""

    def __init__(self, call: object, args: tuple[object, ...]) -> None:
        self.call, self.args = call, args

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        return self.call, self.args


def _nested(depth: int) -> list[object]:
    labels: list[object] = [0, 1]
    for _ in range(depth):
        labels = [labels, labels]  # shared by reference: the pickle holds each level once
    return labels


_RECONSTRUCT = np.zeros(0).__reduce__()[0]


@pytest.mark.parametrize(
    ("data", "labels", "expected"),
    [
        (_Lazy(np.ndarray, ((100_000, 3072), np.dtype("u1"))), [0, 1], "refused an array made other than as numpy"),
        (_Lazy(_RECONSTRUCT, (np.ndarray, (100_000, 3072), b"B")), [0, 1], "refused an array made other than"),
        (np.zeros((2, 3072), dtype=np.uint8), _nested(20), "its labels should be a list of whole numbers"),
        (np.zeros((2, 3072), dtype=np.uint8), "01", "its labels should be a list of whole numbers"),
    ],
)
def test_a_few_bytes_never_become_gigabytes(tmp_path: Path, data: object, labels: object, expected: str) -> None:
    """An array of any shape made by calling numpy.ndarray from the file, lists nested by reference:
    refused before their memory is touched or they are converted."""
    tracemalloc.start()
    try:
        with pytest.raises(DataError, match="data_batch_2") as info:
            read_cifar10(_cifar(tmp_path, data, labels))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert expected in str(info.value) and peak < 20 * 2**20


def test_a_batch_claiming_a_terabyte_is_refused_unallocated(tmp_path: Path) -> None:
    folder = _cifar(tmp_path, np.zeros((2, 3072), dtype=np.uint8), [0, 1])
    (folder / "data_batch_2").write_bytes(b"\x80\x04\x8e" + (1_200_000_000_000).to_bytes(8, "little") + b"xx")
    with pytest.raises(DataError) as info:
        read_cifar10(folder)
    assert "data_batch_2" in str(info.value)
    assert "expected 1200000000000 bytes in a bytes8, but only 2 remain" in str(info.value)


def test_a_batch_whose_array_is_larger_than_its_file_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever route made it, an array larger than the file that held it was never in the file."""
    from workbench.engine.data import vision

    folder = _cifar(tmp_path, np.zeros((2, 3072), dtype=np.uint8), [0, 1])
    lazy = {"data": np.ndarray((1_000, 3072), np.uint8), "labels": [0] * 1_000}
    monkeypatch.setattr(vision, "safe_unpickle", lambda f: lazy)
    with pytest.raises(DataError, match="its data claims more bytes than the file holds"):
        read_cifar10(folder)


def test_batches_of_every_pickle_protocol_still_read(tmp_path: Path) -> None:
    folder = _cifar(tmp_path, np.zeros((2, 3072), dtype=np.uint8), [0, 1])
    images = np.arange(2 * 3072, dtype=np.int64).astype(np.uint8).reshape(2, 3072)
    for protocol in (2, 4, 5):
        (folder / "data_batch_2").write_bytes(pickle.dumps({"data": images, "labels": [3, 9]}, protocol=protocol))
        data, labels = read_cifar10(folder)
        assert (data[2:4].reshape(2, 3072) == images).all() and labels[2:4].tolist() == [3, 9]
