"""What a run leaves behind: per-epoch logs (Keras' History), the outcome and the test result."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..spec.split import SplitIndices
from .events import StopReason, TestResult


@dataclass
class History:
    """The record of one run. `epoch` and `best_epoch` count from 0 here; messages and files count from 1."""

    epochs_planned: int = 0
    epoch: list[int] = field(default_factory=list)
    history: dict[str, list[float]] = field(default_factory=dict)
    monitor: str = "val_loss"
    best_epoch: int | None = None
    best_value: float | None = None
    stop_reason: StopReason | None = None
    message: str = ""
    error: str | None = None
    test: TestResult | None = None
    split: SplitIndices | None = None
    class_names: tuple[str, ...] = ()
    majority_rate: float | None = None  # a classifier's score for always answering its commonest class
    device: str = ""
    batch_losses: list[float] = field(default_factory=list)
    processes: int = 1  # the processes the run trained on last (each step: one batch from each)
    started_from: dict[str, Any] | None = None  # the model file its weights started from (`StartReport.as_state`)

    def append(self, epoch: int, logs: dict[str, float]) -> None:
        """Record one epoch's logs."""
        self.epoch.append(epoch)
        for key, value in logs.items():
            self.history.setdefault(key, []).append(value)

    def last(self, key: str) -> float | None:
        """The latest value of a metric, or None."""
        values = self.history.get(key)
        return values[-1] if values else None

    def as_dict(self) -> dict[str, Any]:
        """Plain data (lists, floats, strings) for metrics files and model files. Epochs count from
        1 there, as the window and the command line show them."""
        return {
            "epoch": [e + 1 for e in self.epoch],
            "history": {k: list(v) for k, v in self.history.items()},
            "monitor": self.monitor,
            "best_epoch": None if self.best_epoch is None else self.best_epoch + 1,
            "best_value": self.best_value,
            "stop_reason": str(self.stop_reason) if self.stop_reason else None,
            "message": self.message,
            "test": test_to_dict(self.test),
            "class_names": list(self.class_names),
            "majority_rate": self.majority_rate,
            "device": self.device,
            **({"started_from": self.started_from} if self.started_from is not None else {}),
        }

    def state(self) -> dict[str, Any]:
        """`as_dict` plus what continuing the run needs: the planned epochs and every batch loss."""
        return {
            **self.as_dict(),
            "epochs_planned": self.epochs_planned,
            "batch_losses": list(self.batch_losses),
            "processes": self.processes,
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> History:
        """The History that `state()` described (the test's mistake pictures are not kept)."""
        reason = state.get("stop_reason")
        return cls(
            epochs_planned=int(state["epochs_planned"]),
            epoch=[int(e) - 1 for e in state["epoch"]],  # files count from 1
            history={str(k): [float(v) for v in values] for k, values in state["history"].items()},
            monitor=str(state["monitor"]),
            best_epoch=None if state["best_epoch"] is None else int(state["best_epoch"]) - 1,
            best_value=state["best_value"],
            stop_reason=StopReason(reason) if reason else None,
            message=str(state["message"]),
            test=_test_from_dict(state.get("test"), tuple(state.get("class_names", ()))),
            class_names=tuple(str(c) for c in state.get("class_names", ())),
            majority_rate=rate if isinstance(rate := state.get("majority_rate"), float) else None,
            device=str(state.get("device", "")),
            batch_losses=[float(v) for v in state.get("batch_losses", ())],
            processes=int(state.get("processes", 1)),
            started_from=start if isinstance(start := state.get("started_from"), dict) else None,
        )


def _test_from_dict(d: dict[str, Any] | None, class_names: tuple[str, ...]) -> TestResult | None:
    if d is None:
        return None
    confusion = np.asarray(d["confusion"], dtype=np.int64) if d.get("confusion") is not None else None
    return TestResult(
        d["loss"],
        d["accuracy"],
        d["mae"],
        int(d["samples"]),
        confusion,
        class_names,
        recon=d.get("recon"),  # an autoencoder's terms (files of other networks have none)
        kl=d.get("kl"),
    )


def test_to_dict(result: TestResult | None) -> dict[str, Any] | None:
    if result is None:
        return None
    confusion = result.confusion.tolist() if isinstance(result.confusion, np.ndarray) else None
    terms = {key: value for key, value in (("recon", result.recon), ("kl", result.kl)) if value is not None}
    return {
        "loss": result.loss,
        "accuracy": result.accuracy,
        "mae": result.mae,
        **terms,  # an autoencoder's
        "samples": result.samples,
        "confusion": confusion,
    }
