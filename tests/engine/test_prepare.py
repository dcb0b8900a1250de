"""From a loaded dataset to batches: the normalization's statistics, its broadcast, the per-batch
transform, augmentation inside it, and where the data is kept."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from workbench.engine.data import DataError, RawData
from workbench.engine.prepare import (
    DEVICE_MEMORY_SHARE,
    Normalization,
    PreparedData,
    augment_batch,
    data_place,
    fit_normalization,
    split_for,
)
from workbench.spec import AugmentSpec, NormalizeSpec, Task
from workbench.spec.datasets import DigitsDataset, MoonsDataset

CPU = torch.device("cpu")


def _images(n: int = 40, channels: int = 2, seed: int = 0) -> RawData:
    g = torch.Generator().manual_seed(seed)
    x = torch.randint(0, 256, (n, channels, 4, 6), generator=g, dtype=torch.uint8)
    return RawData(x, torch.arange(n) % 2, Task.CLASSIFICATION, ("a", "b"))


def _flat(n: int, seed: int = 0, dtype: torch.dtype = torch.float32) -> RawData:
    g = torch.Generator().manual_seed(seed)
    x = (torch.randn(n, 3, generator=g, dtype=torch.float64) * torch.tensor([1.0, 10.0, 0.1]) + 5).to(dtype)
    return RawData(x, torch.arange(n) % 2, Task.CLASSIFICATION, ("a", "b"))


def test_none_scales_images_to_one_and_leaves_other_data_alone() -> None:
    none = NormalizeSpec(mode="none")
    assert fit_normalization(_images(), np.arange(10), none) == Normalization((0.0,), (1.0,), 1 / 255)
    assert fit_normalization(_flat(10), np.arange(10), none) == Normalization((0.0,), (1.0,), 1.0)


def test_fixed_takes_one_value_or_one_per_channel() -> None:
    raw = _images(channels=3)
    spec = NormalizeSpec(mode="fixed", mean=[0.5], std=[0.25, 0.5, 1.0])
    assert fit_normalization(raw, np.arange(10), spec) == Normalization((0.5,), (0.25, 0.5, 1.0), 1 / 255)
    with pytest.raises(DataError, match=r"dataset\.normalize\.std: 2 values for 3 channels: give 1 or 3"):
        fit_normalization(raw, np.arange(10), NormalizeSpec(mode="fixed", mean=[0.5], std=[0.5, 0.5]))


def test_standardize_per_feature_matches_numpy_over_several_chunks() -> None:
    raw = _flat(20_000)  # more than one chunk of 8,192 samples
    train = np.arange(0, 20_000, 2)
    norm = fit_normalization(raw, train, NormalizeSpec())
    values = raw.x[torch.from_numpy(train)].double().numpy()
    assert norm.scale == 1.0
    np.testing.assert_allclose(norm.mean, values.mean(0), rtol=1e-12)
    np.testing.assert_allclose(norm.std, values.std(0), rtol=1e-10)


def test_standardize_images_per_channel() -> None:
    x = torch.zeros(4, 2, 3, 3, dtype=torch.uint8)
    x[:, 1] = torch.tensor([0, 255, 0, 255], dtype=torch.uint8)[:, None, None]  # channel 1: half black, half white
    x[:, 0] = 51  # channel 0: constant 0.2
    raw = RawData(x, torch.tensor([0, 1, 0, 1]), Task.CLASSIFICATION, ("a", "b"))
    norm = fit_normalization(raw, np.arange(4), NormalizeSpec())
    assert norm.mean == pytest.approx((0.2, 0.5), abs=1e-12)
    assert norm.std == pytest.approx((1.0, 0.5), abs=1e-12)  # a constant channel keeps std 1


def test_broadcast_shape_and_saved_form() -> None:
    norm = Normalization((0.1, 0.2, 0.3), (1.0, 2.0, 3.0), 0.5)
    assert norm.shape_for((3, 8, 8)) == (3, 1, 1)
    assert norm.shape_for((8, 3)) == (1, 3)  # a sequence (steps, features): per feature
    assert norm.shape_for((3,)) == (3,)
    assert norm.as_dict() == {"mean": [0.1, 0.2, 0.3], "std": [1.0, 2.0, 3.0], "scale": 0.5}


def test_a_split_without_training_samples_names_the_field() -> None:
    with pytest.raises(DataError) as caught:
        split_for(MoonsDataset(val_fraction=0.45, test_fraction=0.45), 2, seed=0)  # 1 + 1 of 2: none left
    assert caught.value.problem.path == "dataset.val_fraction"
    assert "training" in caught.value.problem.message


def test_batches_are_the_split_normalized() -> None:
    ds = MoonsDataset(n_samples=50, val_fraction=0.2, test_fraction=0.2)
    raw = _flat(50)
    data = PreparedData(raw, ds, seed=7, device=CPU)
    split = split_for(ds, 50, seed=7)
    norm = data.normalization
    mean, std = torch.tensor(norm.mean), torch.tensor(norm.std)
    for part, idx in (("train", split.train), ("val", split.val), ("test", split.test)):
        assert torch.equal(data.parts[part][0], raw.x[torch.from_numpy(idx)]), part
        assert torch.equal(data.parts[part][1], raw.y[torch.from_numpy(idx)]), part
    x, y = next(data.eval_batches("val"))
    torch.testing.assert_close(x, (raw.x[torch.from_numpy(split.val)] - mean) / std)
    assert data.augment is None and data.on_device


def test_batches_are_float32_whatever_the_data() -> None:
    """A notebook may hand in float64 tensors (Trainer(raw=...)); the network's weights are float32."""
    ds = MoonsDataset(n_samples=30, val_fraction=0.2, test_fraction=0.0)
    data = PreparedData(_flat(30, dtype=torch.float64), ds, seed=0, device=CPU)
    x, _ = next(data.train_batches(8, torch.Generator().manual_seed(0)))
    assert x.dtype == torch.float32


def _symmetric(n: int) -> RawData:
    half = torch.randint(0, 256, (n, 1, 4, 3), generator=torch.Generator().manual_seed(1), dtype=torch.uint8)
    return RawData(torch.cat([half, half.flip(-1)], -1), torch.arange(n) % 2, Task.CLASSIFICATION, ("a", "b"))


def test_augmented_batches_are_normalized_like_the_others() -> None:
    """Flipping a left-right symmetric picture changes nothing: the training batches equal the plain ones."""
    ds = DigitsDataset(val_fraction=0.0, test_fraction=0.0, augment=AugmentSpec(horizontal_flip=True))
    data = PreparedData(_symmetric(16), ds, seed=0, device=CPU)
    assert data.augment == AugmentSpec(horizontal_flip=True)
    x = data.parts["train"][0]
    torch.testing.assert_close(data.transform(x, training=True), data.transform(x, training=False))


def test_augmentation_runs_on_training_batches_only() -> None:
    ds = DigitsDataset(val_fraction=0.0, test_fraction=0.0, augment=AugmentSpec(horizontal_flip=True))
    data = PreparedData(_images(64, channels=1), ds, seed=0, device=CPU)
    x = data.parts["train"][0]
    plain = data.transform(x, training=False)
    torch.manual_seed(0)
    trained = data.transform(x, training=True)
    flipped = [i for i in range(len(x)) if torch.allclose(trained[i], plain[i].flip(-1), atol=1e-5)]
    kept = [i for i in range(len(x)) if torch.allclose(trained[i], plain[i], atol=1e-5)]
    assert len(flipped) + len(kept) == len(x) and flipped and kept  # each sample flipped or not, by chance
    assert torch.equal(data.transform(x, training=False), plain)


def test_augmentation_off_is_no_augmentation() -> None:
    off = DigitsDataset(augment=AugmentSpec())
    assert PreparedData(_images(), off, seed=0, device=CPU).augment is None
    crop_only = DigitsDataset(augment=AugmentSpec(random_crop_padding=2))
    assert PreparedData(_images(), crop_only, seed=0, device=CPU).augment == AugmentSpec(random_crop_padding=2)


def test_flips_are_per_sample() -> None:
    x = torch.arange(3 * 1 * 2 * 2, dtype=torch.float32).reshape(3, 1, 2, 2).repeat(20, 1, 1, 1)
    torch.manual_seed(0)
    out = augment_batch(x, True, 0)
    flipped = [torch.equal(out[i], x[i].flip(-1)) for i in range(len(x))]
    assert any(flipped) and not all(flipped)


def test_crops_reach_every_offset() -> None:
    x = torch.arange(1 * 1 * 3 * 4, dtype=torch.float32).reshape(1, 1, 3, 4).repeat(200, 1, 1, 1) + 1
    torch.manual_seed(0)
    out = augment_batch(x, False, 1)
    padded = torch.nn.functional.pad(x[0], (1, 1, 1, 1))
    windows = {(i, j): padded[:, i : i + 3, j : j + 4] for i in range(3) for j in range(3)}
    seen = {key for c in out for key, w in windows.items() if torch.equal(c, w)}
    assert seen == set(windows)  # the 9 offsets, the unshifted one (1, 1) and the edges (0 and 2) included


def test_data_stays_on_the_cpu_or_goes_to_a_gpu_with_room(monkeypatch: pytest.MonkeyPatch) -> None:
    free = 1000
    gpu = torch.device("cuda", 0)

    def mem_get_info(device: torch.device | None = None) -> tuple[int, int]:
        assert device == gpu  # the free memory of the GPU that trains, not of the current one
        return free, 4 * free

    monkeypatch.setattr(torch.cuda, "mem_get_info", mem_get_info)
    room = int(DEVICE_MEMORY_SHARE * free)
    assert data_place(room, gpu) == gpu
    assert data_place(room + 1, gpu) == CPU
    assert data_place(10**15, CPU) == CPU
    mps = torch.device("mps")
    assert data_place(2 * 1024**3, mps) == mps and data_place(2 * 1024**3 + 1, mps) == CPU


def _flip_data(n: int = 64) -> PreparedData:
    ds = DigitsDataset(val_fraction=0.25, test_fraction=0.0, augment=AugmentSpec(horizontal_flip=True))
    return PreparedData(_images(n, channels=1), ds, seed=0, device=CPU)


def test_training_batches_are_augmented_and_evaluation_batches_never() -> None:
    data = _flip_data()
    x, _ = data.parts["train"]
    torch.manual_seed(0)
    batch, _ = next(data.train_batches(len(x), torch.Generator().manual_seed(3)))
    order = torch.randperm(len(x), generator=torch.Generator().manual_seed(3))
    plain = data.transform(x[order], training=False)
    assert not torch.allclose(batch, plain)  # some pictures came flipped
    val = torch.cat([b for b, _ in data.eval_batches("val")])
    torch.testing.assert_close(val, data.transform(data.parts["val"][0], training=False))


def test_the_batch_order_is_the_generators() -> None:
    data = _flip_data()
    labels = [torch.cat([y for _, y in data.train_batches(10, torch.Generator().manual_seed(s))]) for s in (5, 5, 6)]
    assert torch.equal(labels[0], labels[1]) and not torch.equal(labels[0], labels[2])


def test_evaluation_batches_cover_the_split_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("workbench.engine.prepare.EVAL_BATCH", 7)
    data = _flip_data(100)
    sizes = [len(y) for _, y in data.eval_batches("val")]
    labels = torch.cat([y for _, y in data.eval_batches("val")])
    assert sizes == [7, 7, 7, 4] and torch.equal(labels, data.parts["val"][1])


def test_a_last_batch_of_min_batch_samples_is_kept() -> None:
    ds = MoonsDataset(n_samples=12, val_fraction=0.0, test_fraction=0.0)
    data = PreparedData(_flat(12), ds, seed=0, device=CPU, min_batch=2)
    assert [len(y) for _, y in data.train_batches(5, torch.Generator())] == [5, 5, 2]
    assert data.batches_per_epoch(5) == 3
    assert [len(y) for _, y in data.train_batches(11, torch.Generator())] == [11]  # a batch of 1 is left out
    assert data.batches_per_epoch(11) == 1


def test_majority_rate_is_what_always_answering_the_commonest_class_scores() -> None:
    y = torch.tensor([0, 0, 0, 1] * 10)
    raw = RawData(torch.zeros(40, 2), y, Task.CLASSIFICATION, ("a", "b"))
    with_val = PreparedData(raw, MoonsDataset(val_fraction=0.5, test_fraction=0.0), seed=0, device=CPU)
    val = with_val.parts["val"][1]
    assert with_val.majority_rate() == float(torch.bincount(val).max()) / len(val)
    train_only = PreparedData(raw, MoonsDataset(val_fraction=0.0, test_fraction=0.0), seed=0, device=CPU)
    assert train_only.majority_rate() == 0.75
    regression = RawData(torch.zeros(10, 2), torch.zeros(10, 1), Task.REGRESSION, ("t",))
    assert PreparedData(regression, MoonsDataset(), seed=0, device=CPU).majority_rate() is None


def test_the_whole_dataset_is_weighed_for_the_device(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[int] = []
    monkeypatch.setattr("workbench.engine.prepare.data_place", lambda n, device: asked.append(n) or device)
    PreparedData(_images(10, channels=3), DigitsDataset(), seed=0, device=CPU)
    assert asked == [10 * 3 * 4 * 6]
