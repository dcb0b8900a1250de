"""The experiments and in-memory data the benchmarks train on, and the two ways of training them."""

from __future__ import annotations

import copy
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from workbench.engine import Callback, RawData, Trainer, build_network, load_raw
from workbench.engine.prepare import PreparedData
from workbench.spec import ExperimentSpec, Task, load_preset

MNIST_DEFAULT = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "mnist"


def experiment(preset: str, **training: Any) -> ExperimentSpec:
    """A preset with benchmark settings: no test split, early stopping on but never triggering."""
    doc = copy.deepcopy(load_preset(preset).model_dump(mode="json"))
    doc["dataset"]["test_fraction"] = 0.0
    doc["training"]["early_stopping"] = {"enabled": True, "patience": 10_000}
    doc["training"].update(training)
    return ExperimentSpec.from_dict(doc)


def random_images(n: int, shape: tuple[int, ...], classes: int = 10, seed: int = 0) -> RawData:
    """uint8 images with random labels: CIFAR-shaped data when CIFAR-10 itself is not here."""
    rng = np.random.default_rng(seed)
    x = torch.from_numpy(rng.integers(0, 256, size=(n, *shape), dtype=np.uint8))
    y = torch.from_numpy(rng.integers(0, classes, size=n)).to(torch.int64)
    return RawData(x, y, Task.CLASSIFICATION, tuple(str(k) for k in range(classes)))


def mnist_raw(folder: Path) -> RawData | None:
    """The real MNIST test images (10,000) when the folder holds them."""
    images, labels = folder / "t10k-images-idx3-ubyte.gz", folder / "t10k-labels-idx1-ubyte.gz"
    if not (images.is_file() and labels.is_file()):
        return None
    from workbench.spec.datasets import IdxDataset

    return load_raw(IdxDataset(images=str(images), labels=str(labels)))


def mnist_experiment(folder: Path, **training: Any) -> ExperimentSpec:
    """mnist_mlp's network on the IDX test files."""
    doc = experiment("mnist_mlp", **training).model_dump(mode="json")
    doc["dataset"] = {
        "kind": "idx",
        "images": str(folder / "t10k-images-idx3-ubyte.gz"),
        "labels": str(folder / "t10k-labels-idx1-ubyte.gz"),
        "val_fraction": 0.2,
        "test_fraction": 0.0,
    }
    return ExperimentSpec.from_dict(doc)


class Clock(Callback):
    """Times a run's epochs (training and validation, as the hand-written loop does; the final test
    evaluation, which that loop does not do, is left out); consumes events like the window does."""

    def __init__(self) -> None:
        self.start = self.end = 0.0
        self.snapshots = 0

    def on_train_begin(self, logs: Any = None) -> None:
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        self.end = time.perf_counter()

    def on_progress(self, progress: Any) -> None:
        """A throttled event, as the window receives it."""


class HistogramClock(Clock):
    """The same, also taking weight and gradient histograms."""

    def on_histograms(self, snapshot: Any) -> None:
        self.snapshots += 1


def sync(device: torch.device) -> None:
    """Wait for queued GPU work, so wall time means something."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def workbench_rate(exp: ExperimentSpec, raw: RawData, device: str, histograms: bool = False) -> float:
    """Training samples per second of the workbench Trainer (epochs with validation; setup excluded)."""
    clock = HistogramClock() if histograms else Clock()
    trainer = Trainer(exp, [clock], raw=raw, device=device, histogram_every=50)
    trainer.fit()
    assert trainer.data is not None
    return len(trainer.history.epoch) * trainer.data.size("train") / (clock.end - clock.start)


def plain_rate(exp: ExperimentSpec, raw: RawData, device_name: str) -> float:
    """A careful hand-written PyTorch loop over the same tensors: same model, batches, optimizer, seed."""
    from workbench.engine.device import resolve_device

    device = resolve_device(device_name)
    training = exp.training
    data = PreparedData(raw, exp.dataset, training.seed, device)
    torch.manual_seed(training.seed)
    model = build_network(exp.network, data.input_shape).to(device)
    optimizer = getattr(torch.optim, training.optimizer.name)(model.parameters(), **training.optimizer.arguments())
    loss_fn = torch.nn.CrossEntropyLoss()
    x, y = data.parts["train"]
    xv, yv = data.parts["val"]
    shape = data.normalization.shape_for(data.input_shape)
    mean = torch.tensor(data.normalization.mean, device=device).reshape(shape)
    std = torch.tensor(data.normalization.std, device=device).reshape(shape)
    scale = data.normalization.scale
    generator = torch.Generator().manual_seed(training.seed)
    n, bs = len(y), training.batch_size
    sync(device)
    start = time.perf_counter()
    for _ in range(training.epochs):
        model.train()
        order = torch.randperm(n, generator=generator).to(device)
        total = torch.zeros((), device=device)
        correct = torch.zeros((), device=device, dtype=torch.int64)
        for i in range(0, n, bs):
            idx = order[i : i + bs]
            xb = (x[idx].float() * scale - mean) / std
            yb = y[idx]
            optimizer.zero_grad(set_to_none=True)
            out = model(xb)
            loss = loss_fn(out, yb)
            loss.backward()
            optimizer.step()
            total += loss.detach() * len(idx)
            correct += (out.detach().argmax(1) == yb).sum()
        model.eval()
        with torch.no_grad():
            val_loss = torch.zeros((), device=device)
            for i in range(0, len(yv), 1024):
                xb = (xv[i : i + 1024].float() * scale - mean) / std
                out = model(xb)
                val_loss += loss_fn(out, yv[i : i + 1024]) * len(out)
        float(total / n), int(correct), float(val_loss)  # one sync per epoch: the numbers one prints
    sync(device)
    return training.epochs * n / (time.perf_counter() - start)
