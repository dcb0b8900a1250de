"""The lesson rules: when a run counts as overfitting, and when a classifier learned nothing.

Recorded runs (tests/spec/data/recorded_runs.json, from `workbench train --metrics-out`):
overfitting_demo, which overfits; spiral_mlp, at 99-100% validation accuracy with one loss spike
around epoch 101; digits_mlp with SGD at learning rate 10, which never beats chance.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from workbench.spec.lessons import chance_level, learned, overfitting_span

RUNS: dict[str, dict[str, Any]] = json.loads((Path(__file__).parent / "data" / "recorded_runs.json").read_text())


def span(run: dict[str, Any], upto: int | None = None) -> tuple[int, int] | None:
    end = upto if upto is not None else len(run["val_loss"])
    return overfitting_span(run["loss"][:end], run["val_loss"][:end], run["val_accuracy"][:end], run["majority_rate"])


def live(run: dict[str, Any]) -> list[tuple[int, int] | None]:
    """The span the window shows after each epoch."""
    return [span(run, upto) for upto in range(1, len(run["val_loss"]) + 1)]


def test_the_overfitting_demo_is_shaded_from_its_best_epoch() -> None:
    demo = RUNS["overfitting_demo"]
    best = min(range(len(demo["val_loss"])), key=demo["val_loss"].__getitem__)
    assert span(demo) == (best, len(demo["val_loss"]) - 1) == (12, 52)


def test_a_model_at_chance_is_never_shaded_and_did_not_learn() -> None:
    run = RUNS["digits_mlp_sgd_lr10"]
    assert all(s is None for s in live(run))
    assert not learned(run["val_accuracy"], run["majority_rate"])
    assert learned(RUNS["overfitting_demo"]["val_accuracy"], RUNS["overfitting_demo"]["majority_rate"])


def test_a_spike_in_a_run_at_full_accuracy_is_not_overfitting() -> None:
    assert all(s is None for s in live(RUNS["spiral_mlp"]))


FALLING = [1.0 - 0.05 * i for i in range(12)]


@pytest.mark.parametrize(
    ("val_loss", "val_accuracy", "expected"),
    [
        # a clean turn: best at epoch 4, three epochs and more above it while training loss falls
        ([1.0, 0.8, 0.6, 0.5, 0.55, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2], None, (3, 11)),
        ([1.0, 0.8, 0.6, 0.5, 0.55, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2], [0.5, 0.7, 0.8, 0.9] + [0.85] * 8, (3, 11)),
        # one epoch's spike, then back near the best: no
        ([1.0, 0.8, 0.6, 0.5, 0.49, 0.9, 0.49, 0.48, 0.48, 0.47, 0.47, 0.46], None, None),
        # still improving: no
        ([1.0 - 0.06 * i for i in range(12)], None, None),
        # risen, but validation accuracy still at its best: nothing lost yet
        ([1.0, 0.8, 0.6, 0.5, 0.55, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2], [0.5, 0.7, 0.8, 0.9] + [0.9] * 8, None),
        # risen by a trifle against how far it fell: no
        ([1.0, 0.6, 0.2, 0.05, 0.052, 0.055, 0.056, 0.058, 0.06, 0.061, 0.062, 0.063], None, None),
        # a diverged epoch in the stretch: not a judgement the rule makes
        ([1.0, 0.8, 0.6, 0.5, 0.55, 0.6, math.nan, 0.8, 0.9, 1.0, 1.1, 1.2], None, (3, 11)),
    ],
)
def test_the_rule(val_loss: list[float], val_accuracy: list[float] | None, expected: tuple[int, int] | None) -> None:
    assert overfitting_span(FALLING, val_loss, val_accuracy, 0.5 if val_accuracy else None) == expected


def test_training_loss_rising_too_is_not_overfitting() -> None:
    val = [1.0, 0.8, 0.6, 0.5, 0.55, 0.6, 0.7, 0.8, 0.9, 1.0]
    train = [1.0, 0.8, 0.6, 0.5, 0.55, 0.6, 0.7, 0.8, 0.9, 1.0]
    assert overfitting_span(train, val) is None


def test_a_noisy_curve_needs_a_longer_stretch() -> None:
    smooth = [1.0, 0.8, 0.6, 0.4, 0.45, 0.5, 0.55]
    assert overfitting_span(FALLING[:7], smooth) == (3, 6)  # three epochs above a steady best
    noisy = [1.0, 0.6, 0.9, 0.5, 0.8, 0.4, 0.7, 0.65, 0.72]  # big zig-zags: three epochs are not enough
    assert overfitting_span(FALLING[:9], noisy) is None
    longer = [*noisy, 0.75, 0.8, 0.85, 0.9, 0.95]  # the most a noisy curve is asked: eight epochs
    assert overfitting_span([1.0 - 0.05 * i for i in range(14)], longer) == (5, 13)


def test_a_span_shown_stays_until_a_new_best() -> None:
    demo = RUNS["overfitting_demo"]
    shown = live(demo)
    for before, after in zip(shown, shown[1:], strict=False):
        if before is not None and after is None:  # withdrawn: only because validation loss reached a new best
            upto = shown.index(before) + 2
            assert min(demo["val_loss"][:upto]) < demo["val_loss"][before[0]]
    # once it starts for the best epoch 12, it never goes away again
    first = next(i for i, s in enumerate(shown) if s is not None and s[0] == 12)
    assert all(s is not None and s[0] == 12 for s in shown[first:])


def test_chance_level() -> None:
    assert chance_level(0.5) == pytest.approx(0.55) and chance_level(0.1) == pytest.approx(0.19)


def test_a_span_does_not_flicker_when_the_rise_eases() -> None:
    """Validation loss rose for a stretch, then came back down near (not below) its best: the rule
    no longer holds at the last epochs, but the span it gave stays until a new best."""
    val = [1.0, 0.8, 0.6, 0.5, 0.6, 0.65, 0.7, 0.72, 0.74, 0.76, 0.53, 0.52, 0.52, 0.52]
    train = [1.0 - 0.05 * i for i in range(len(val))]
    shown = [overfitting_span(train[:t], val[:t]) for t in range(8, len(val) + 1)]
    assert shown == [(3, t - 1) for t in range(8, len(val) + 1)]
    assert overfitting_span([*train, 0.2], [*val, 0.49]) is None  # a new best ends it
