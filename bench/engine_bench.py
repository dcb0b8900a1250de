"""Engine overhead, the data path against the seed pipeline, the machine's limit, histogram cost."""

from __future__ import annotations

import time
from functools import partial
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from workbench.engine import RawData, build_network
from workbench.engine.histograms import HistogramRecorder
from workbench.spec import ExperimentSpec, load_preset

from .common import Report, Row, interleaved, median_time, paired, rate
from .workloads import experiment, mnist_experiment, mnist_raw, plain_rate, random_images, workbench_rate


def engine_overhead(report: Report, quick: bool, device: str, mnist: Path | None) -> None:
    """Trainer (with and without histograms) vs a hand-written loop on the same tensors, in rounds."""
    repeats = 3 if quick else 7
    cases: list[tuple[str, ExperimentSpec, RawData]] = []
    digits = experiment("digits_mlp", epochs=4 if quick else 30)  # long enough to time well
    from workbench.engine import load_raw

    cases.append(("digits_mlp", digits, load_raw(digits.dataset)))
    # One CPU epoch takes seconds; on a GPU it takes a quarter of a second, too short to time well.
    cnn = experiment("seed_cifar10_cnn", epochs=1 if device == "cpu" else 4)
    cases.append(("seed CNN, CIFAR-shaped random data", cnn, random_images(1200 if quick else 6000, (3, 32, 32))))
    raw = mnist_raw(mnist) if mnist else None
    if mnist is not None and raw is not None:
        cases.append(("MLP on the real MNIST test files", mnist_experiment(mnist, epochs=2 if quick else 4), raw))
    for name, exp, data in cases:
        # One shared baseline, measured in the same rounds as both workbench runs.
        default, histograms, plain = interleaved(
            [
                partial(workbench_rate, exp, data, device, False),
                partial(workbench_rate, exp, data, device, True),
                partial(plain_rate, exp, data, device),
            ],
            repeats,
        )
        for rates, label, target in (
            (default, "default callbacks", 0.97),
            (histograms, "with histograms every 50 steps or epoch", 0.95),
        ):
            wb, base, ratio = paired(rates, plain)
            report.add(
                Row(
                    "Engine overhead", f"{name} ({label})", rate(wb), rate(base), ratio, f">= {target}", ratio >= target
                )
            )


class SeedStyleDataset(torch.utils.data.Dataset[tuple[torch.Tensor, int]]):
    """What torchvision's MNIST/CIFAR10 do per sample: a PIL image, then the transform."""

    def __init__(self, images: np.ndarray, labels: np.ndarray, transform: object) -> None:
        self.images, self.labels, self.transform = images, labels, transform

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, int]:
        image = self.images[i]
        picture = Image.fromarray(image[..., 0] if image.shape[-1] == 1 else image)
        return self.transform(picture), int(self.labels[i])  # type: ignore[operator]


def _seed_loader(raw: RawData) -> torch.utils.data.DataLoader[tuple[torch.Tensor, int]]:
    """The seed's data: per-sample ToTensor + Normalize through DataLoader(batch_size=64, shuffle=True)."""
    from torchvision import transforms

    channels = raw.x.shape[1]
    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,) * channels, (0.5,) * channels)])
    images = raw.x.permute(0, 2, 3, 1).numpy()
    return torch.utils.data.DataLoader(SeedStyleDataset(images, raw.y.numpy(), transform), batch_size=64, shuffle=True)


def seed_loader_rate(raw: RawData) -> float:
    """Samples a second the seed's DataLoader yields with no training at all: its data's own cost."""
    loader = _seed_loader(raw)
    start = time.perf_counter()
    for _x, _y in loader:
        pass
    return len(raw.y) / (time.perf_counter() - start)


def seed_pipeline_rate(exp: ExperimentSpec, raw: RawData, device: str) -> float:
    """The seed pipeline: its DataLoader (`_seed_loader`) feeding a plain training loop."""
    from workbench.engine.device import resolve_device

    dev = resolve_device(device)
    loader = _seed_loader(raw)
    torch.manual_seed(0)
    model = build_network(exp.network, raw.input_shape).to(dev)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    loss_fn = torch.nn.CrossEntropyLoss()
    start = time.perf_counter()
    running = 0.0
    for x, y in loader:
        x, y = x.to(dev), y.to(dev)
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        running += loss.item()  # as the seed does
    return len(raw.y) / (time.perf_counter() - start)


def _pipeline_experiment(preset: str, layers_from: str | None = None) -> ExperimentSpec:
    doc = load_preset(preset).model_dump(mode="json")
    doc["dataset"].update(val_fraction=0.0, test_fraction=0.0, normalize={"mode": "fixed", "mean": [0.5], "std": [0.5]})
    doc["training"].update(
        epochs=1, batch_size=64, optimizer={"name": "SGD", "lr": 0.01}, early_stopping={"enabled": False}
    )
    if layers_from:
        doc["network"] = load_preset(layers_from).model_dump(mode="json")["network"]
    return ExperimentSpec.from_dict(doc)


def data_path(report: Report, quick: bool, device: str, mnist: Path | None) -> None:
    """Workbench (tensors in memory, per-batch transforms) against the seed pipeline, same model."""
    repeats = 3 if quick else 5
    mnist_data = (mnist_raw(mnist) if mnist else None) or random_images(10_000, (1, 28, 28))
    if quick:
        mnist_data = RawData(mnist_data.x[:4000], mnist_data.y[:4000], mnist_data.task, mnist_data.class_names)
    cases = [
        ("MNIST-sized MLP (mnist_mlp)", _pipeline_experiment("mnist_mlp"), mnist_data),
        (
            "seed CNN, CIFAR-shaped",
            _pipeline_experiment("seed_cifar10_cnn"),
            random_images(1000 if quick else 5000, (3, 32, 32)),
        ),
    ]
    for name, exp, data in cases:
        wb_rates, seed_rates, loader_rates = interleaved(
            [
                partial(workbench_rate, exp, data, device),
                partial(seed_pipeline_rate, exp, data, device),
                partial(seed_loader_rate, data),
            ],
            repeats,
        )
        wb, seed, ratio = paired(wb_rates, seed_rates)
        report.add(
            Row(
                "Data path",
                f"{name} vs per-sample ToTensor/Normalize DataLoader",
                rate(wb),
                rate(seed),
                ratio,
            )
        )
        # Where the time goes: the seed's time a sample is its data's (the DataLoader alone) plus the
        # same steps the workbench trains, so the ratio is about 1 + (training rate / DataLoader rate).
        loader = sorted(loader_rates)[len(loader_rates) // 2]
        report.add(
            Row(
                "Data path",
                f"{name}: the per-sample DataLoader alone, no training",
                rate(loader),
                note=f"explains {1 + wb / loader:.1f}x: the pipeline's data, then the same steps",
            )
        )


def forward_flops(exp: ExperimentSpec) -> int:
    """Multiply-adds x 2 of one sample's forward pass through the convolutions and linear layers."""
    analysis = exp.analyze()
    flops = 0
    for row in analysis.rows:
        out = row.output_shape or ()
        if row.layer.type == "Linear":
            flops += 2 * int(row.inferred["in_features"]) * out[0]  # type: ignore[arg-type]
        elif row.layer.type == "Conv2d":
            k = row.layer.kernel_size  # type: ignore[attr-defined]
            flops += 2 * int(row.inferred["in_channels"]) * k * k * out[0] * out[1] * out[2]  # type: ignore[arg-type]
    return flops


def matmul_rate(device: str, quick: bool) -> float:
    """The machine's fp32 matrix-multiply rate in FLOP/s (a large torch.mm)."""
    from workbench.engine.device import resolve_device

    dev = resolve_device(device)
    n = 1024 if quick else 2048
    a, b = torch.randn(n, n, device=dev), torch.randn(n, n, device=dev)

    def mm() -> None:
        torch.mm(a, b)
        if dev.type == "cuda":
            torch.cuda.synchronize(dev)

    return 2 * n**3 / median_time(mm, 5 if quick else 10)


def limit(report: Report, quick: bool, device: str) -> None:
    """How close the seed CNN's training gets to the machine's matrix-multiply rate."""
    exp = experiment("seed_cifar10_cnn", epochs=1)
    per_sample = 3 * forward_flops(exp)  # backward costs about twice the forward
    peak = matmul_rate(device, quick)
    wb = workbench_rate(exp, random_images(1200 if quick else 6000, (3, 32, 32)), device)
    report.add(Row("Limit", "seed CNN training FLOPs per sample (forward + backward)", f"{per_sample / 1e6:.1f} MFLOP"))
    report.add(Row("Limit", "fp32 matrix multiply (torch.mm)", f"{peak / 1e9:.1f} GFLOP/s"))
    report.add(
        Row(
            "Limit",
            "share of that rate the engine reaches on the seed CNN",
            f"{wb * per_sample / 1e9:.1f} GFLOP/s",
            f"{peak / 1e9:.1f} GFLOP/s",
            wb * per_sample / peak,
            note=f"{rate(wb)}",
        )
    )
    if device != "cpu":  # at batch 64 a GPU waits on kernel launches; a larger batch shows the headroom
        big = experiment("seed_cifar10_cnn", epochs=2, batch_size=512)
        wb_big = workbench_rate(big, random_images(12_000, (3, 32, 32)), device)
        report.add(
            Row(
                "Limit",
                "the same at batch size 512",
                f"{wb_big * per_sample / 1e9:.1f} GFLOP/s",
                f"{peak / 1e9:.1f} GFLOP/s",
                wb_big * per_sample / peak,
                note=f"{rate(wb_big)}",
            )
        )


def histogram_cost(report: Report, quick: bool, device: str) -> None:
    """One snapshot of all the seed CNN's weights and gradients, and its share of training at every 50 steps."""
    from workbench.engine.device import resolve_device

    dev = resolve_device(device)
    exp = load_preset("seed_cifar10_cnn")
    torch.manual_seed(0)
    model = build_network(exp.network, (3, 32, 32)).to(dev)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    x = torch.randn(64, 3, 32, 32, device=dev)
    y = torch.randint(0, 10, (64,), device=dev)

    def step() -> None:
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()  # type: ignore[no-untyped-call]  # torch's stubs leave it untyped
        optimizer.step()
        if dev.type == "cuda":
            torch.cuda.synchronize(dev)

    step_time = median_time(step, 5 if quick else 20)
    recorder = HistogramRecorder(model)
    snapshot_time = median_time(lambda: recorder.snapshot(0, 0), 5 if quick else 20)
    share = snapshot_time / (50 * step_time)
    report.add(
        Row(
            "Histograms",
            "one snapshot of all seed CNN weights and gradients",
            f"{snapshot_time * 1e3:.2f} ms",
            f"{step_time * 1e3:.1f} ms per step (batch 64)",
            share,
            "small share at every 50 steps",
            share <= 0.02,
            note=f"{share:.2%} of training time",
        )
    )
