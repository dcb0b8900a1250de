"""The early-stopping rule as a pure function: tables of metric sequences -> stop and best epoch."""

from __future__ import annotations

import math

import pytest

from workbench.engine.early_stopping import Improvement, decide, resolve_mode

NAN = math.nan

# (values, mode, patience, min_delta, stop epoch, best epoch) - epochs count from 0.
TABLE = [
    ([1.0, 0.9, 0.8, 0.7], "min", 2, 0.0, None, 3),
    ([1.0, 0.9, 0.95, 0.96], "min", 2, 0.0, 3, 1),
    ([1.0, 0.9, 0.95, 0.85, 0.9, 0.91], "min", 2, 0.0, 5, 3),
    ([0.5, 0.6, 0.7, 0.6, 0.6], "max", 2, 0.0, 4, 2),
    ([1.0, 0.99, 0.985, 0.98], "min", 3, 0.05, 3, 0),  # improvements smaller than min_delta do not count
    ([1.0, 1.0, 1.0], "min", 1, 0.0, 1, 0),  # equal is not better
    ([NAN, 0.5, 0.4], "min", 2, 0.0, None, 2),
    ([NAN, 0.5], "min", 1, 0.0, 0, None),  # as in Keras, a first NaN epoch already counts against patience
    ([0.3, NAN, NAN], "min", 2, 0.0, 2, 0),  # NaN never improves
    ([], "min", 3, 0.0, None, None),
    ([2.0, 1.0, 0.5, 0.7, 0.6, 0.55, 0.52, 0.51], "min", 5, 0.0, 7, 2),
]


@pytest.mark.parametrize(("values", "mode", "patience", "min_delta", "stop", "best"), TABLE)
def test_decision_table(
    values: list[float], mode: str, patience: int, min_delta: float, stop: int | None, best: int | None
) -> None:
    decision = decide(values, mode, patience, min_delta)  # type: ignore[arg-type]
    assert (decision.stop_epoch, decision.best_epoch) == (stop, best)


@pytest.mark.parametrize(
    ("monitor", "mode", "expected"),
    [
        ("val_loss", "auto", "min"),
        ("val_accuracy", "auto", "max"),
        ("val_mae", "auto", "min"),
        ("val_accuracy", "min", "min"),
        ("loss", "max", "max"),
    ],
)
def test_mode(monitor: str, mode: str, expected: str) -> None:
    assert resolve_mode(monitor, mode) == expected


def test_improvement_counts_wait() -> None:
    tracker = Improvement("min")
    assert [tracker.update(i, v) for i, v in enumerate([3, 2, 2.5, 2.4, 1])] == [True, True, False, False, True]
    assert (tracker.best, tracker.best_epoch, tracker.wait) == (1, 4, 0)
