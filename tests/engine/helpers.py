"""Shared test helpers: tiny experiments, a hook recorder, and small data files (IDX, served downloads)."""

from __future__ import annotations

import gzip
import hashlib
import struct
from pathlib import Path
from typing import Any

import numpy as np

from workbench.engine import Callback
from workbench.spec import DATASET_KINDS, ExperimentSpec


def tiny(
    layers: list[dict[str, Any]] | None = None, dataset: dict[str, Any] | None = None, **training: Any
) -> ExperimentSpec:
    """A small moons classifier on the CPU (bit-exact comparisons need it, also where a GPU is); override any part."""
    doc: dict[str, Any] = {
        "dataset": dataset
        or {"kind": "moons", "n_samples": 120, "noise": 0.2, "val_fraction": 0.25, "test_fraction": 0.25},
        "network": {
            "layers": layers
            or [{"type": "Linear", "out_features": 16}, {"type": "ReLU"}, {"type": "Linear", "out_features": 2}]
        },
        "training": {
            "epochs": 3,
            "batch_size": 16,
            "optimizer": {"name": "SGD", "lr": 0.1},
            "device": "cpu",
            **training,
        },
    }
    return ExperimentSpec.from_dict(doc)


class Recorder(Callback):
    """Remembers every hook call, in order, with its arguments."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.batch_losses: list[float] = []
        self.progress: list[Any] = []
        self.histograms: list[Any] = []
        self.epoch_logs: list[dict[str, float]] = []

    def on_train_begin(self, logs: Any = None) -> None:
        self.calls.append(("train_begin", None))

    def on_train_end(self, logs: Any = None) -> None:
        self.calls.append(("train_end", None))

    def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
        self.calls.append(("epoch_begin", epoch))

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        self.calls.append(("epoch_end", epoch))
        self.epoch_logs.append(dict(logs or {}))

    def on_train_batch_begin(self, batch: int, logs: Any = None) -> None:
        self.calls.append(("batch_begin", batch))

    def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
        self.calls.append(("batch_end", batch))
        self.batch_losses.append((logs or {})["loss"])

    def on_progress(self, progress: Any) -> None:
        self.progress.append(progress)

    def on_histograms(self, snapshot: Any) -> None:
        self.histograms.append(snapshot)

    def on_test_end(self, result: Any) -> None:
        self.calls.append(("test_end", None))


def idx_bytes(array: np.ndarray, code: int = 0x08) -> bytes:
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(">u1" if code == 0x08 else ">i4").tobytes()


def spec(doc: dict[str, object]) -> object:
    return DATASET_KINDS[str(doc["kind"])].model_validate(doc)


def md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def serve_file(folder: Path, name: str, data: bytes) -> tuple[str, str, int]:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)
    return folder.as_uri() + "/", md5(data), len(data)


def mnist_files(train: int = 6, test: int = 4) -> dict[str, bytes]:
    rng = np.random.default_rng(1)
    files = {}
    for part, n in (("train", train), ("t10k", test)):
        files[f"{part}-images-idx3-ubyte.gz"] = gzip.compress(idx_bytes(rng.integers(0, 256, (n, 28, 28))))
        files[f"{part}-labels-idx1-ubyte.gz"] = gzip.compress(idx_bytes(np.arange(n) % 10))
    return files


def constant_inputs(tmp_path: Path) -> ExperimentSpec:
    """Three classes, every input the same: no network can do better than the commonest class."""
    rows = "\n".join(f"0,0,{'abc'[i % 3]}" for i in range(90))
    (tmp_path / "same.csv").write_text(f"x,y,label\n{rows}\n")
    dataset = {"kind": "csv", "path": "same.csv", "target": "label", "val_fraction": 0.3, "test_fraction": 0.2}
    return tiny(layers=[{"type": "Linear", "out_features": 3}], dataset=dataset, epochs=3)


def crash_in_the_second_epoch() -> None:
    """Run in the training process: its second epoch dereferences a null pointer, as a broken
    extension would."""
    import ctypes

    from workbench.engine import trainer as trainer_module

    run_epoch = trainer_module.Trainer._train_epoch

    def crashing(self: Any, epoch: int, *args: Any, **kwargs: Any) -> Any:
        if epoch == 1:
            ctypes.string_at(0)
        return run_epoch(self, epoch, *args, **kwargs)

    trainer_module.Trainer._train_epoch = crashing  # type: ignore[method-assign]
