"""The learning-rate range test: a growing rate, the smoothed loss, and a tenth of the best rate."""

from __future__ import annotations

import numpy as np
import pytest

from tests.engine.helpers import tiny
from workbench.engine.lr_finder import START_LR, _finding, find_lr


def test_the_rate_grows_the_loss_falls_then_blows_up_and_a_rate_is_suggested() -> None:
    spec = tiny(epochs=1, optimizer={"name": "Adam", "lr": 0.5})
    finding = find_lr(spec, steps=120)
    lrs = finding.lrs
    assert lrs[0] == pytest.approx(START_LR) and np.all(np.diff(np.log(lrs)) > 0)
    assert np.allclose(np.diff(np.log(lrs)), np.log(lrs[1] / lrs[0]))  # exponential steps
    assert np.isfinite(finding.losses).all() and len(lrs) < 120  # it stopped once the loss blew up
    assert finding.lowest is not None and finding.suggestion == pytest.approx(finding.lowest / 10)
    assert 1e-4 < finding.suggestion < 1
    assert finding.losses.min() < 0.9 * finding.losses[0]
    assert spec.training.optimizer.lr == 0.5  # the experiment is untouched


def test_no_suggestion_when_the_loss_never_falls() -> None:
    lrs = list(np.geomspace(1e-6, 1, 20))
    assert _finding(lrs, [1.0] * 20).suggestion is None
    falling = [1.0 - 0.04 * i for i in range(15)] + [2.0, 9.0]
    found = _finding(list(np.geomspace(1e-6, 1, 17)), falling)
    assert found.lowest == pytest.approx(np.geomspace(1e-6, 1, 17)[14]) and found.suggestion == pytest.approx(
        found.lowest / 10
    )
    assert _finding(lrs[:3], [1.0, 0.5, 0.2]).suggestion is None  # too few steps to say


def test_it_can_be_cancelled() -> None:
    calls = []

    def cancelled() -> bool:
        calls.append(1)
        return len(calls) > 10

    finding = find_lr(tiny(epochs=1), steps=100, cancelled=cancelled)
    assert len(finding.lrs) < 15
