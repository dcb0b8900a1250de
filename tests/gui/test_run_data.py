"""The window's run bookkeeping: growing buffers, run labels, histogram re-binning."""

from __future__ import annotations

import numpy as np

from tests.engine.helpers import tiny
from workbench.engine.events import StopReason, TestResult
from workbench.engine.stream import EpochEnded, RunEnded
from workbench.gui.plots.histogram_panel import common_grid
from workbench.gui.run_data import GrowingArray, RunRecord, describe_difference, run_summary
from workbench.spec import load_preset


def test_growing_array_keeps_every_point() -> None:
    array = GrowingArray(capacity=4)
    for start in range(0, 100_000, 1000):
        array.extend(np.arange(start, start + 1000, dtype=float))
    assert len(array) == 100_000 and np.array_equal(array.view(), np.arange(100_000))


def test_run_labels_say_what_differs() -> None:
    a = tiny(epochs=2)
    b = tiny(epochs=2, optimizer={"name": "SGD", "lr": 0.01})
    assert describe_difference(a, b) == "learning rate 0.1 → 0.01"
    c = tiny(epochs=5, layers=[{"type": "Linear", "out_features": 2}])
    assert describe_difference(a, c) == "− Linear(16) (layer 1), − ReLU() (layer 2), epochs 2 → 5"
    assert describe_difference(a, a) == "same settings"


def test_rebinning_keeps_every_count() -> None:
    rng = np.random.default_rng(0)
    snaps = []
    for scale in (0.1, 0.5, 2.0):
        counts, edges = np.histogram(rng.normal(0, scale, 1000), bins=30)
        snaps.append((counts.astype(float), edges))
    image, grid = common_grid(snaps, bins=40)
    assert image.shape == (3, 40) and len(grid) == 41
    assert np.allclose(image.sum(axis=1), 1000)
    assert grid[0] <= min(e[0] for _, e in snaps) and grid[-1] >= max(e[-1] for _, e in snaps)


def test_run_summary_says_how_it_went() -> None:
    record = RunRecord(load_preset("digits_mlp"))
    assert run_summary(record) == "starting"
    record.add_epoch(EpochEnded(0, {"loss": 1.0, "val_loss": 1.1}, 0, 1.1, None, 1.0))
    assert run_summary(record) == "running"
    test = TestResult(0.5, 0.875, None, 40, None)
    record.ended = RunEnded(StopReason.EARLY_STOPPED, "", 4, 0.123456, 9, test, None)
    assert run_summary(record) == "best validation loss 0.1235 at epoch 5 · test accuracy 87.50%"
    record.ended = RunEnded(StopReason.USER_STOPPED, "", None, None, 0, None, None)
    assert run_summary(record) == "stopped by you"
