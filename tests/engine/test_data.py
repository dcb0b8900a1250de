"""Loaders on small files the tests write; split and normalization; batch augmentation."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from tests.engine.helpers import idx_bytes, spec
from workbench.engine import DataError, load_raw
from workbench.engine.prepare import PreparedData, augment_batch, fit_normalization
from workbench.spec import NormalizeSpec, Task
from workbench.spec.split import split_indices


def write_idx_pair(tmp_path: Path, n: int = 12, zipped: bool = False, labels_n: int | None = None) -> dict[str, str]:
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(n, 5, 4), dtype=np.uint8)
    labels = (np.arange(labels_n if labels_n is not None else n) % 3 + 1).astype(np.uint8)
    for name, array in (("images", images), ("labels", labels)):
        data = idx_bytes(array)
        (tmp_path / f"{name}.idx").write_bytes(gzip.compress(data) if zipped else data)
    return {"kind": "idx", "images": "images.idx", "labels": "labels.idx"}


@pytest.mark.parametrize("zipped", [False, True])
def test_idx_pair(tmp_path: Path, zipped: bool) -> None:
    raw = load_raw(spec(write_idx_pair(tmp_path, zipped=zipped)), base_dir=tmp_path)  # type: ignore[arg-type]
    assert raw.x.shape == (12, 1, 5, 4) and raw.x.dtype == torch.uint8
    assert raw.class_names == ("1", "2", "3") and raw.y.tolist()[:4] == [0, 1, 2, 0]


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda b: b"\x08\x08" + b[2:], "images.idx is not an IDX file (bad magic number)"),
        (lambda b: b[:-7], "images.idx is truncated: its header promises 240 values but only 233 are there"),
        (lambda b: b[:6], "truncated inside its header"),
    ],
)
def test_idx_refuses_broken_images(tmp_path: Path, mutate: object, expected: str) -> None:
    doc = write_idx_pair(tmp_path)
    path = tmp_path / "images.idx"
    path.write_bytes(mutate(path.read_bytes()))  # type: ignore[operator]
    with pytest.raises(DataError, match="^dataset.images: ") as info:
        load_raw(spec(doc), base_dir=tmp_path)  # type: ignore[arg-type]
    assert expected in str(info.value)


def test_idx_count_mismatch(tmp_path: Path) -> None:
    doc = write_idx_pair(tmp_path, labels_n=11)
    with pytest.raises(DataError, match="count mismatch: 12 images but 11 labels"):
        load_raw(spec(doc), base_dir=tmp_path)  # type: ignore[arg-type]


def test_idx_damaged_gzip(tmp_path: Path) -> None:
    doc = write_idx_pair(tmp_path, zipped=True)
    path = tmp_path / "labels.idx"
    path.write_bytes(path.read_bytes()[:15])
    with pytest.raises(DataError, match="dataset.labels: cannot read labels.idx"):
        load_raw(spec(doc), base_dir=tmp_path)  # type: ignore[arg-type]


def write_csv(tmp_path: Path, text: str) -> dict[str, object]:
    (tmp_path / "t.csv").write_text(text)
    return {"kind": "csv", "path": "t.csv", "target": "kind"}


def test_csv_classification(tmp_path: Path) -> None:
    doc = write_csv(tmp_path, "a,b,kind\n1,2.5,cat\n3,-4,dog\n5,6e1,cat\n")
    raw = load_raw(spec(doc), base_dir=tmp_path)  # type: ignore[arg-type]
    assert raw.x.tolist() == [[1, 2.5], [3, -4], [5, 60]] and raw.y.tolist() == [0, 1, 0]
    assert raw.class_names == ("cat", "dog") and raw.task is Task.CLASSIFICATION


def test_csv_regression(tmp_path: Path) -> None:
    doc = {**write_csv(tmp_path, "a,kind\n1,0.5\n2,1.5\n"), "task": "regression"}
    raw = load_raw(spec(doc), base_dir=tmp_path)  # type: ignore[arg-type]
    assert raw.task is Task.REGRESSION and raw.y.shape == (2, 1) and raw.y[1, 0] == 1.5


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a,b,kind\n1,2,x\n3,abc,y\n", "column 'b', row 3: 'abc' is not a number"),
        ("a,b,kind\n1,,x\n", "column 'b', row 2: missing value"),
        ("a,b,kind\n1,NA,x\n", "column 'b', row 2: missing value"),
        ("a,b,kind\n1,2\n", "row 2 has 2 values but the header has 3"),
        ("a,b,kind\n1,2,\n", "column 'kind', row 2: missing target value"),
        ("a,b,label\n1,2,x\n", "no column 'kind' in t.csv (columns: a, b, label)"),
        ("a,b,kind\n", "has a header but no rows"),
    ],
)
def test_csv_errors_name_column_and_row(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(DataError) as info:
        load_raw(spec(write_csv(tmp_path, text)), base_dir=tmp_path)  # type: ignore[arg-type]
    assert expected in str(info.value)


def test_image_folder(tmp_path: Path) -> None:
    for k, (name, colour) in enumerate((("red", (255, 0, 0)), ("blue", (0, 0, 255)))):
        (tmp_path / name).mkdir()
        for i in range(2 + k):
            Image.new("RGB", (10 + i, 7), colour).save(tmp_path / name / f"{i}.png")
    raw = load_raw(spec({"kind": "image_folder", "path": str(tmp_path), "image_size": 6}))  # type: ignore[arg-type]
    assert raw.x.shape == (5, 3, 6, 6) and raw.x.dtype == torch.uint8
    assert raw.class_names == ("blue", "red") and sorted(raw.y.tolist()) == [0, 0, 0, 1, 1]
    assert raw.x[raw.y == 0][:, 2].min() == 255 and raw.x[raw.y == 1][:, 0].min() == 255
    grey = load_raw(spec({"kind": "image_folder", "path": str(tmp_path), "image_size": 4, "channels": 1}))  # type: ignore[arg-type]
    assert grey.x.shape == (5, 1, 4, 4)


def test_image_folder_refuses_a_broken_picture(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "bad.png").write_bytes(b"not a png")
    with pytest.raises(DataError, match="cannot read the picture .*bad.png"):
        load_raw(spec({"kind": "image_folder", "path": str(tmp_path)}))  # type: ignore[arg-type]


def test_missing_torchvision_files_say_where(tmp_path: Path) -> None:
    with pytest.raises(DataError) as info:
        load_raw(spec({"kind": "mnist", "root": str(tmp_path), "download": False}))  # type: ignore[arg-type]
    message = str(info.value)
    assert str(tmp_path / "MNIST" / "raw") in message and "train-images-idx3-ubyte" in message
    assert "Download is off" in message and "Traceback" not in message


def test_digits_and_synthetic() -> None:
    digits = load_raw(spec({"kind": "digits"}))  # type: ignore[arg-type]
    assert digits.x.shape == (1797, 1, 8, 8) and digits.x.dtype == torch.uint8 and int(digits.x.max()) == 255
    for kind in ("spiral", "moons", "circles", "xor", "gaussian"):
        a = load_raw(spec({"kind": kind, "n_samples": 90, "noise": 0.1}), seed=3)  # type: ignore[arg-type]
        b = load_raw(spec({"kind": kind, "n_samples": 90, "noise": 0.1}), seed=3)  # type: ignore[arg-type]
        c = load_raw(spec({"kind": kind, "n_samples": 90, "noise": 0.1}), seed=4)  # type: ignore[arg-type]
        assert a.x.shape == (90, 2) and torch.equal(a.x, b.x) and not torch.equal(a.x, c.x), kind
        assert len(a.class_names) == int(a.y.max()) + 1


def test_split_is_seeded_and_disjoint() -> None:
    s = split_indices(100, 0.2, 0.1, seed=1)
    assert (len(s.train), len(s.val), len(s.test)) == (70, 20, 10)
    assert len(set(s.train) | set(s.val) | set(s.test)) == 100
    assert np.array_equal(s.val, split_indices(100, 0.2, 0.1, seed=1).val)
    assert not np.array_equal(s.val, split_indices(100, 0.2, 0.1, seed=2).val)


def test_normalization_uses_the_training_split_only() -> None:
    from workbench.engine.data import RawData

    x = torch.cat([torch.zeros(50, 1, 2, 2, dtype=torch.uint8), torch.full((50, 1, 2, 2), 255, dtype=torch.uint8)])
    raw = RawData(x, torch.zeros(100, dtype=torch.int64), Task.CLASSIFICATION, ("a",))
    train = np.arange(50)  # only the black images
    norm = fit_normalization(raw, train, NormalizeSpec(mode="standardize"))
    assert norm.mean == (0.0,) and norm.std == (1.0,) and norm.scale == pytest.approx(1 / 255)
    assert fit_normalization(raw, np.arange(100), NormalizeSpec()).mean == pytest.approx((0.5,))
    with pytest.raises(DataError, match="dataset.normalize.mean: 3 values for 1 channels"):
        fit_normalization(raw, train, NormalizeSpec(mode="fixed", mean=[0.5] * 3, std=[0.5]))


def test_prepared_batches_are_normalized_on_the_fly() -> None:
    from workbench.spec.datasets import DigitsDataset

    ds = DigitsDataset(val_fraction=0.2, test_fraction=0.1)
    data = PreparedData(load_raw(ds), ds, seed=0, device=torch.device("cpu"))
    assert data.parts["train"][0].dtype == torch.uint8  # stored raw
    x = torch.cat([b for b, _ in data.train_batches(64, torch.Generator().manual_seed(0))])
    assert x.dtype == torch.float32 and abs(float(x.mean())) < 1e-4 and abs(float(x.std()) - 1) < 1e-3
    assert (data.size("train"), data.size("val"), data.size("test")) == (1258, 359, 180)


def test_augmentation_flips_and_crops() -> None:
    x = torch.arange(2 * 1 * 3 * 4, dtype=torch.float32).reshape(2, 1, 3, 4) + 1
    torch.manual_seed(0)
    flipped = [augment_batch(x, True, 0) for _ in range(20)]
    assert all(torch.equal(f[i], x[i]) or torch.equal(f[i], x[i].flip(-1)) for f in flipped for i in range(2))
    assert any(torch.equal(f[0], x[0].flip(-1)) for f in flipped) and any(torch.equal(f[0], x[0]) for f in flipped)
    crops = [augment_batch(x, False, 1) for _ in range(30)]
    padded = torch.nn.functional.pad(x, (1, 1, 1, 1))
    windows = {(i, j): padded[0, :, i : i + 3, j : j + 4] for i in range(3) for j in range(3)}
    seen = {key for c in crops for key, w in windows.items() if torch.equal(c[0], w)}
    assert len(seen) > 3 and all(c.shape == x.shape for c in crops)
    assert all(any(torch.equal(c[0], w) for w in windows.values()) for c in crops)


def test_every_dataset_kind_has_one_loader() -> None:
    from workbench.engine.data import LOADERS
    from workbench.spec import DATASET_KINDS

    assert set(LOADERS) == set(DATASET_KINDS)


def test_a_kind_without_a_loader_is_a_data_error() -> None:
    from workbench.spec.datasets import MoonsDataset

    class Unknown(MoonsDataset):
        kind: str = "unknown"  # type: ignore[assignment]

    with pytest.raises(DataError, match="dataset.kind: no loader for dataset kind 'unknown'"):
        load_raw(Unknown())


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"\x01\x02\x08\x03", "images.idx is not an IDX file (bad magic number)"),
        (b"\x00\x00\x08\x03\x00\x00", "images.idx is truncated inside its header"),
        (b"\x00\x00\x08\x00", "images.idx is truncated inside its header"),
    ],
)
def test_the_spec_and_the_loader_read_an_idx_header_alike(tmp_path: Path, content: bytes, said: str) -> None:
    """One reader of IDX headers and one error for data: the window's shape check (the spec, without
    torch) and the loader refuse a bad file with the same sentence, as the same type."""
    from workbench.spec.datasets import IdxDataset
    from workbench.spec.peek import DataError as SpecDataError
    from workbench.spec.peek import data_shape

    (tmp_path / "images.idx").write_bytes(content)
    (tmp_path / "labels.idx").write_bytes(content)
    spec = IdxDataset(images="images.idx", labels="labels.idx")
    assert DataError is SpecDataError
    with pytest.raises(DataError) as peeked:
        data_shape(spec, tmp_path)
    with pytest.raises(DataError) as loaded:
        load_raw(spec, base_dir=tmp_path)
    assert peeked.value.problem == loaded.value.problem
    assert str(peeked.value) == f"dataset.images: {said}"


def test_a_picture_dataset_keeps_only_the_chosen_classes_numbered_again_in_that_order() -> None:
    from workbench.spec.datasets import DigitsDataset

    every = load_raw(DigitsDataset())
    some = load_raw(DigitsDataset(classes=[7, 2]))
    assert some.class_names == ("7", "2") and DigitsDataset(classes=[7, 2]).num_classes() == 2
    wanted = (every.y == 7) | (every.y == 2)
    assert torch.equal(some.x, every.x[wanted]) and torch.equal(some.y, (every.y[wanted] == 2).long())
    assert "classes" not in DigitsDataset().model_dump()
