"""From a loaded dataset to device-ready batches: split, normalization, augmentation.

Data stays in memory as tensors (uint8 for images) and is batched by index slicing. Scaling,
normalization and augmentation run once per batch on the training device, never per sample.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from ..i18n import _
from ..spec import AugmentSpec, DatasetBase, NormalizeSpec, Task
from ..spec.memory import EVAL_BATCH
from ..spec.shapes import feature_axis, statistics_shape
from ..spec.split import SplitError, SplitIndices
from .data import DataError, RawData

# Move the dataset onto an accelerator when it takes at most this share of the free memory.
DEVICE_MEMORY_SHARE = 0.4

Shard = tuple[int, int]  # (rank, processes): one process's share of a run on several


@dataclass(frozen=True)
class Normalization:
    """x -> (x * scale - mean) / std, per channel (pictures) or per feature (sequences, flat data):
    see `spec.shapes.feature_axis`."""

    mean: tuple[float, ...]
    std: tuple[float, ...]
    scale: float = 1.0

    def shape_for(self, sample_shape: tuple[int, ...]) -> tuple[int, ...]:
        """The broadcast shape of mean and std for samples of `sample_shape`."""
        return statistics_shape(sample_shape, len(self.mean))

    def as_dict(self) -> dict[str, list[float] | float]:
        """Plain data for saving with a model."""
        return {"mean": list(self.mean), "std": list(self.std), "scale": self.scale}


def _channel_view(x: torch.Tensor) -> torch.Tensor:
    """(N, ...) -> (features, N * ...) so that statistics are per channel or feature (`feature_axis`)."""
    axis = 1 + feature_axis(tuple(x.shape[1:]))
    return x.movedim(axis, 0).reshape(x.shape[axis], -1)


def fit_normalization(raw: RawData, train: np.ndarray, spec: NormalizeSpec) -> Normalization:
    """Normalization statistics from the training split only (never validation or test)."""
    scale = 1.0 / 255.0 if raw.is_image else 1.0
    channels = raw.x.shape[1 + feature_axis(raw.input_shape)]
    if spec.mode == "none":
        return Normalization((0.0,), (1.0,), scale)
    if spec.mode == "fixed":
        for name, given in (("mean", spec.mean), ("std", spec.std)):
            if len(given) not in (1, channels):
                raise DataError(
                    _("{count} values for {channels} channels: give 1 or {channels}").format(
                        count=len(given), channels=channels
                    ),
                    f"dataset.normalize.{name}",
                )
        return Normalization(tuple(spec.mean), tuple(spec.std), scale)
    sums = torch.zeros(channels, dtype=torch.float64)
    squares = torch.zeros(channels, dtype=torch.float64)
    count = 0
    index = torch.from_numpy(train)
    for chunk in torch.split(index, 8192):  # bounded memory on large image sets
        values = _channel_view(raw.x[chunk].to(torch.float64) * scale)
        sums += values.sum(1)
        squares += (values**2).sum(1)
        count += values.shape[1]
    mean = sums / count
    std = (squares / count - mean**2).clamp_min(0).sqrt()
    std = torch.where(std > 1e-8, std, torch.ones_like(std))  # a constant feature stays as it is
    return Normalization(tuple(mean.tolist()), tuple(std.tolist()), scale)


def augment_batch(x: torch.Tensor, flip: bool, padding: int) -> torch.Tensor:
    """Random horizontal flips (`flip`) of half the pictures and crops at random places of the
    pictures padded by `padding` pixels (0: none), a whole (B, C, H, W) batch at once."""
    if flip:
        flipped = torch.rand(x.shape[0], device=x.device) < 0.5
        x = torch.where(flipped[:, None, None, None], x.flip(-1), x)
    p = padding
    if p:
        b, c, h, w = x.shape
        padded = F.pad(x, (p, p, p, p))
        top = torch.randint(0, 2 * p + 1, (b,), device=x.device)
        left = torch.randint(0, 2 * p + 1, (b,), device=x.device)
        rows = (top[:, None] + torch.arange(h, device=x.device))[:, None, :, None].expand(b, c, h, w + 2 * p)
        x = padded.gather(2, rows)
        cols = (left[:, None] + torch.arange(w, device=x.device))[:, None, None, :].expand(b, c, h, w)
        x = x.gather(3, cols)
    return x


def split_for(spec: DatasetBase, n: int, seed: int) -> SplitIndices:
    """The dataset's split of its `n` samples (`DatasetBase.split`: at random, or by time), with a
    DataError naming the field when no training sample is left."""
    try:
        return spec.split(n, seed)
    except SplitError as exc:
        raise DataError(str(exc), "dataset.val_fraction") from None


class PreparedData:
    """The three splits, placed for the device, with the per-batch transform."""

    def __init__(self, raw: RawData, spec: DatasetBase, seed: int, device: torch.device, min_batch: int = 1) -> None:
        self.task: Task = raw.task
        self.min_batch = min_batch  # a smaller last batch is left out of the epoch (BatchNorm needs 2)
        self.class_names = raw.class_names
        self.input_shape = raw.input_shape
        # Pictures read row by row keep their channels here, to be shown as pictures again.
        self.row_channels = spec.picture_channels() if spec.reads_rows else None
        self.in_time = spec.by_time  # samples are windows of one series, in time order
        self.device = device
        self.split = split_for(spec, len(raw.x), seed)
        self.normalization = fit_normalization(raw, self.split.train, spec.normalize)
        self.augment: AugmentSpec | None = getattr(spec, "augment", None)
        if self.augment is not None and not (self.augment.horizontal_flip or self.augment.random_crop_padding):
            self.augment = None
        place = data_place(raw.x.element_size() * raw.x.numel(), device)
        self.on_device = place == device
        self.parts = {
            name: (raw.x[torch.from_numpy(idx)].to(place), raw.y[torch.from_numpy(idx)].to(place))
            for name, idx in (("train", self.split.train), ("val", self.split.val), ("test", self.split.test))
        }
        shape = self.normalization.shape_for(self.input_shape)
        self._mean = torch.tensor(self.normalization.mean, dtype=torch.float32, device=device).reshape(shape)
        self._std = torch.tensor(self.normalization.std, dtype=torch.float32, device=device).reshape(shape)
        # (x * scale - mean) / std as one multiply and one subtract: x * (scale / std) - mean / std.
        self._gain = self.normalization.scale / self._std
        self._offset = self._mean / self._std

    def size(self, part: str) -> int:
        """Number of samples in 'train', 'val' or 'test'."""
        return len(self.parts[part][1])

    def transform(self, x: torch.Tensor, training: bool) -> torch.Tensor:
        """Raw batch -> the network's input: to float on the device, augmented (training), normalized."""
        if x.device != self.device:
            x = x.to(self.device, non_blocking=True)
        x = x.to(torch.float32)
        if training and self.augment is not None and x.dim() == 4:
            # Augment in [0, 1] so that padding is black, as torchvision's RandomCrop pads before ToTensor.
            x = augment_batch(
                x * self.normalization.scale, self.augment.horizontal_flip, self.augment.random_crop_padding
            )
            return (x - self._mean) / self._std
        return (x * self._gain).sub_(self._offset)  # a new tensor: the stored data is never touched

    def train_batches(
        self, batch_size: int, generator: torch.Generator, start: int = 0, shard: Shard = (0, 1)
    ) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        """Shuffled training batches; the order depends only on `generator`'s state. `start` leaves
        out the epoch's first samples of that order (those trained before a stop inside the epoch).

        `shard` = (rank, processes): one process's share of a run on several, as PyTorch's
        DistributedSampler deals it: the rest of the order padded by its own first samples to a
        multiple of `processes`, then every `processes`-th sample from `rank`. So the batches the
        processes train at one step are, together, the next `processes * batch_size` samples of
        the order: the batch one process would train with `processes` times the batch size.
        """
        x, y = self.parts["train"]
        mine = shard_of(torch.randperm(len(y), generator=generator)[start:], shard).to(x.device)
        for first in range(0, len(mine), batch_size):
            if len(mine) - first < self.min_batch:
                return  # those samples come in another batch next epoch, the order being new each time
            idx = mine[first : first + batch_size]
            yield self.transform(x[idx], training=True), self._to_device(y[idx])

    def _to_device(self, tensor: torch.Tensor) -> torch.Tensor:
        return tensor if tensor.device == self.device else tensor.to(self.device, non_blocking=True)

    def eval_batches(self, part: str, shard: Shard = (0, 1)) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        """Batches of 'val' or 'test' in order, for evaluation; with `shard` = (rank, processes),
        the rank's consecutive share of them (each sample in one share only, so that sums over
        the shares are sums over the whole split)."""
        x, y = self.parts[part]
        rank, processes = shard
        begin, end = len(y) * rank // processes, len(y) * (rank + 1) // processes
        for start in range(begin, end, EVAL_BATCH):
            stop = min(start + EVAL_BATCH, end)
            yield self.transform(x[start:stop], training=False), self._to_device(y[start:stop])

    def majority_rate(self) -> float | None:
        """For a classifier: the share of the validation set (the training set when there is none) in
        its most common class, what always answering that class would score; None for regression."""
        if self.task is not Task.CLASSIFICATION:
            return None
        labels = self.parts["val"][1] if self.size("val") else self.parts["train"][1]
        if not len(labels):
            return None
        return float(torch.bincount(labels.cpu()).max()) / len(labels)

    def batches_per_epoch(self, batch_size: int, processes: int = 1, start: int = 0) -> int:
        """Training steps in one epoch (the last batch may be smaller, but not below `min_batch`),
        on each of `processes`, from the `start`-th sample of the epoch's order."""
        share = -(-max(self.size("train") - start, 0) // processes)  # a shard's size (see shard_of)
        full, rest = divmod(share, batch_size)
        return full + (1 if rest >= self.min_batch else 0)


def shard_of(order: torch.Tensor, shard: Shard) -> torch.Tensor:
    """Process `rank`'s share of `order` when `processes` train on it (`shard` = (rank, processes)):
    DistributedSampler's, the order padded with its own first samples to a multiple of
    `processes`, then every `processes`-th sample from `rank`. Every share has the same length,
    so every process trains the same number of steps."""
    rank, processes = shard
    if processes == 1:
        return order
    padding = -len(order) % processes
    if padding and len(order):
        order = torch.cat([order, order.repeat(-(-padding // len(order)))[:padding]])
    return order[rank::processes]


def data_place(nbytes: int, device: torch.device) -> torch.device:
    """Where a dataset of `nbytes` is kept: on the training device when it fits in its share of the
    free memory (the CPU always), otherwise in main memory, each batch then copied over."""
    if device.type == "cpu":
        return device
    if device.type == "cuda":
        free, _total = torch.cuda.mem_get_info(device)
        fits = nbytes <= DEVICE_MEMORY_SHARE * free
    else:  # mps and others report no free memory: a dataset up to 2 GiB goes there
        fits = nbytes <= 2 * 1024**3
    return device if fits else torch.device("cpu")
