"""The CUDA path: training, histograms, pictures, export and failure reports on a GPU.

These run only where torch sees a CUDA device; on a CPU-only machine there is nothing to check.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from tests.engine.helpers import Recorder, tiny
from workbench.engine import StopReason, Trainer, load_model
from workbench.engine.events import BoundarySnapshot
from workbench.engine.exporters import export_trained
from workbench.engine.stream import EventStream

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")

DIGITS_CNN = [
    {"type": "Conv2d", "out_channels": 4, "padding": 1},
    {"type": "BatchNorm2d"},
    {"type": "ReLU"},
    {"type": "MaxPool2d"},
    {"type": "Flatten"},
    {"type": "Dropout", "p": 0.2},
    {"type": "Linear", "out_features": 10},
]
DIGITS = {"kind": "digits", "val_fraction": 0.2, "test_fraction": 0.2, "augment": {"random_crop_padding": 1}}


def test_auto_picks_the_gpu_and_keeps_model_and_data_there() -> None:
    trainer = Trainer(tiny(epochs=2, device="auto"))
    history = trainer.fit()
    assert history.stop_reason is StopReason.COMPLETED and "cuda" in history.device
    assert trainer.model is not None and trainer.data is not None
    assert all(p.device.type == "cuda" for p in trainer.model.parameters())
    assert all(x.device.type == "cuda" for x, _ in trainer.data.parts.values())
    assert history.test is not None and int(history.test.confusion.sum()) == history.test.samples  # type: ignore[union-attr]


def test_gpu_losses_follow_the_cpu_losses() -> None:
    """Same seed, same batches: the GPU's float arithmetic differs from the CPU's only in rounding."""
    cpu, gpu = Recorder(), Recorder()
    spec = tiny(epochs=2, optimizer={"name": "Adam", "lr": 0.01})
    Trainer(spec, [cpu], device="cpu").fit()
    Trainer(spec, [gpu], device="cuda").fit()
    assert len(cpu.batch_losses) == len(gpu.batch_losses) == 8
    assert np.allclose(cpu.batch_losses, gpu.batch_losses, rtol=1e-4, atol=1e-5)


def test_histograms_and_mistakes_come_back_as_plain_arrays() -> None:
    rec = Recorder()
    trainer = Trainer(tiny(DIGITS_CNN, DIGITS, epochs=1, device="cuda"), [rec], histogram_every=5)
    history = trainer.fit()
    assert rec.histograms, "no histogram snapshot"
    layer = rec.histograms[-1].layers[0]
    assert isinstance(layer.weight_counts, np.ndarray) and layer.weight_counts.sum() > 0
    assert history.test is not None and history.test.mistakes
    assert all(isinstance(m.image, np.ndarray) and m.image.dtype == np.uint8 for m in history.test.mistakes)


def test_decision_boundary_pictures_on_the_gpu() -> None:
    events: list[object] = []
    Trainer(tiny(epochs=2, device="cuda"), [EventStream(events.append, boundary_every=0.0)]).fit()
    pictures = [e for e in events if isinstance(e, BoundarySnapshot)]
    assert pictures and isinstance(pictures[-1].classes, np.ndarray)


def test_a_gpu_model_exports_and_loads_on_the_cpu(tmp_path: Path) -> None:
    trainer = Trainer(tiny(DIGITS_CNN, DIGITS, epochs=1, device="cuda"))
    trainer.fit()
    path = export_trained(tmp_path / "gpu.pt", trainer)
    content = torch.load(path, weights_only=True, map_location="meta")
    assert content["format"] == "workbench-model"
    loaded = load_model(path)
    assert all(p.device.type == "cpu" for p in loaded.module.parameters())
    assert trainer.model is not None and trainer.data is not None
    x_raw, _ = trainer.data.parts["test"]
    trainer.model.load_state_dict(trainer.best_weights())
    trainer.model.eval()
    with torch.no_grad():
        expected = trainer.model(trainer.data.transform(x_raw, training=False)).cpu()
        got = loaded.module(x_raw.cpu().float() / 255)
    assert torch.allclose(expected, got, atol=1e-4)


def test_divergence_on_the_gpu_is_reported() -> None:
    spec = tiny(epochs=50, device="cuda", optimizer={"name": "SGD", "lr": 10.0, "momentum": 0.9})
    history = Trainer(spec).fit()
    assert history.stop_reason is StopReason.DIVERGED and "lower the learning rate" in history.message


def test_a_gpu_run_continues_from_its_file_on_either_device(tmp_path: Path) -> None:
    from workbench.engine.checkpoint import resume_run, save_trained

    trainer = Trainer(tiny(epochs=2, device="cuda", optimizer={"name": "Adam", "lr": 0.01}))
    trainer.fit()
    path = save_trained(tmp_path / "gpu.pt", trainer)
    for device in ("cpu", "cuda"):
        resumed = resume_run(path, device=device)
        history = resumed.continue_training(2)
        assert history.stop_reason is StopReason.COMPLETED and history.epoch == [0, 1, 2, 3]
        assert resumed.model is not None and all(p.device.type == device for p in resumed.model.parameters())
        moments = [s["exp_avg"] for s in resumed.optimizer.state.values()]
        assert moments and all(m.device.type == device for m in moments)
