"""A run's record: what it writes for files (epochs from 1) and reads back for continuing."""

from __future__ import annotations

from typing import Any

import numpy as np

from workbench.engine import history as records
from workbench.engine.events import StopReason, TestResult
from workbench.engine.history import History


def _history() -> History:
    h = History(epochs_planned=5, monitor="val_accuracy", device="cpu", class_names=("cat", "dog"))
    h.append(0, {"loss": 0.9, "val_accuracy": 0.5})
    h.append(1, {"loss": 0.5, "val_accuracy": 0.75, "lr": 0.01})
    h.best_epoch, h.best_value = 1, 0.75
    h.stop_reason, h.message = StopReason.EARLY_STOPPED, "Stopped at epoch 2."
    h.test = TestResult(0.4, 0.8, None, 10, np.array([[4, 1], [1, 4]]), ("cat", "dog"))
    h.batch_losses = [1.0, 0.8, 0.6]
    return h


def test_append_and_last() -> None:
    h = _history()
    assert h.epoch == [0, 1]
    assert h.history == {"loss": [0.9, 0.5], "val_accuracy": [0.5, 0.75], "lr": [0.01]}
    assert h.last("loss") == 0.5 and h.last("lr") == 0.01 and h.last("val_loss") is None
    assert History().last("loss") is None


def test_files_count_epochs_from_one() -> None:
    assert _history().as_dict() == {
        "epoch": [1, 2],
        "history": {"loss": [0.9, 0.5], "val_accuracy": [0.5, 0.75], "lr": [0.01]},
        "monitor": "val_accuracy",
        "best_epoch": 2,
        "best_value": 0.75,
        "stop_reason": "early_stopped",
        "message": "Stopped at epoch 2.",
        "test": {"loss": 0.4, "accuracy": 0.8, "mae": None, "samples": 10, "confusion": [[4, 1], [1, 4]]},
        "class_names": ["cat", "dog"],
        "majority_rate": None,
        "device": "cpu",
    }


def test_a_run_in_progress_has_no_outcome_yet() -> None:
    d = History(epochs_planned=3).as_dict()
    assert d["best_epoch"] is None and d["stop_reason"] is None and d["test"] is None


def _same(a: History, b: History) -> None:
    assert (a.test is None) == (b.test is None)
    if a.test is not None and b.test is not None:
        assert records.test_to_dict(a.test) == records.test_to_dict(b.test)
        assert a.test.class_names == b.test.class_names
        assert isinstance(b.test.confusion, np.ndarray) and b.test.confusion.dtype == np.int64
    a.test = b.test = None
    assert a == b


def test_state_round_trip() -> None:
    state = _history().state()
    assert state["epochs_planned"] == 5 and state["batch_losses"] == [1.0, 0.8, 0.6]
    _same(History.from_state(state), _history())


def test_an_older_state_without_optional_parts() -> None:
    state: dict[str, Any] = {
        "epochs_planned": 4,
        "epoch": [1],
        "history": {"loss": [1]},
        "monitor": "loss",
        "best_epoch": None,
        "best_value": None,
        "message": "",
    }
    h = History.from_state(state)
    expected = History(epochs_planned=4, epoch=[0], history={"loss": [1.0]}, monitor="loss")
    assert h == expected and isinstance(h.history["loss"][0], float)


def test_a_regression_test_result_has_no_confusion() -> None:
    h = History(epochs_planned=1, stop_reason=StopReason.COMPLETED)
    h.test = TestResult(0.1, None, 0.2, 7, None)
    back = History.from_state(h.state())
    assert back.test is not None and back.test.confusion is None and back.test.mae == 0.2
    assert back.test.samples == 7 and back.stop_reason is StopReason.COMPLETED
