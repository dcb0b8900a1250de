"""The learning-rate range test: a growing rate, the smoothed loss, fastai's valley, and a reason
instead of a number when the curve says nothing usable."""

from __future__ import annotations

import numpy as np
import pytest

from tests.engine.helpers import tiny
from workbench.engine.events import LrDecline
from workbench.engine.lr_finder import BLOW_UP, START_LR, Curve, find_lr, judge, valley

RATES = np.geomspace(1e-7, 10, 100)


def curve_of(raw: list[float] | np.ndarray, kl: list[float] | None = None) -> Curve:
    """The range test's record of these per-step losses (as many rates as there are losses)."""
    curve = Curve()
    for step, value in enumerate(raw):
        if not curve.add(float(RATES[step]), float(value), None if kl is None else kl[step]):
            break
    return curve


def fall_then_rise(steps: int = 100, turn: int = 80) -> np.ndarray:
    """Flat at 2, a steep fall to 0.5 between steps 40 and 60, a slow creep down, then a blow-up."""
    loss = np.full(steps, 2.0)
    loss[40:60] = np.linspace(2.0, 0.5, 20)
    loss[60:turn] = np.linspace(0.5, 0.45, turn - 60)
    loss[turn:] = 0.45 * np.exp(0.3 * np.arange(1, steps - turn + 1))
    return loss


def test_the_rate_grows_the_loss_falls_then_blows_up_and_a_rate_is_suggested() -> None:
    spec = tiny(epochs=1, optimizer={"name": "Adam", "lr": 0.5})
    finding = find_lr(spec, steps=120)
    lrs = finding.lrs
    assert lrs[0] == pytest.approx(START_LR) and np.all(np.diff(np.log(lrs)) > 0)
    assert np.allclose(np.diff(np.log(lrs)), np.log(lrs[1] / lrs[0]))  # exponential steps
    assert np.isfinite(finding.losses).all() and len(lrs) < 120  # it stopped once the loss blew up
    assert len(finding.raw) == len(lrs) and finding.declined is None
    assert finding.valley is not None and finding.lowest is not None and finding.suggestion is not None
    assert finding.valley[0] <= finding.suggestion <= finding.valley[1] <= finding.lowest
    assert 1e-4 < finding.suggestion < 1
    assert finding.losses.min() < 0.9 * finding.losses[0]
    assert spec.training.optimizer.lr == 0.5  # the experiment is untouched


def test_the_suggestion_lies_half_way_down_the_fall_never_past_the_lowest_loss() -> None:
    finding = judge(curve_of(fall_then_rise()))
    assert finding.declined is None and finding.suggestion is not None and finding.lowest is not None
    suggested = int(np.argmin(np.abs(RATES - finding.suggestion)))
    lowest = int(np.argmin(np.abs(RATES - finding.lowest)))
    assert 45 <= suggested <= 70 < lowest  # within the fall (smoothing lags it by a few steps), well before the turn
    assert finding.suggestion < finding.lowest / 10  # the classic rule's tenth would land in the creep


def test_the_valley_is_the_longest_steady_fall() -> None:
    losses = np.array([5.0, 4.0, 4.5, 3.0, 2.0, 2.5, 1.0, 3.0])
    first, last = valley(losses)
    assert last == 6 and first == 1  # 5 > 4 > 3 > 2 > 1: five values, counted back from the end


def test_the_test_stops_once_the_loss_leaves_four_times_its_lowest() -> None:
    curve = curve_of(fall_then_rise())
    assert curve.losses[-1] > BLOW_UP * min(curve.losses) and len(curve.losses) < 100
    assert all(value <= BLOW_UP * min(curve.losses[: i + 1]) for i, value in enumerate(curve.losses[:-1]))


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ([1.0] * 100, LrDecline.FLAT),  # nothing happened at any rate
        (np.linspace(1.0, 0.9, 100), LrDecline.FLAT),  # a fall of a tenth: no valley to speak of
        ([1.0, 0.9, 0.8, 50.0, 1e4], LrDecline.TOO_SHORT),  # blew up at once
        (fall_then_rise() + np.tile([0.0, 3.0], 50), LrDecline.NOISY),  # batches jump more than the loss fell
    ],
)
def test_a_curve_that_says_nothing_usable_is_declined_with_the_reason(
    raw: list[float] | np.ndarray, reason: LrDecline
) -> None:
    finding = judge(curve_of(raw))
    assert finding.suggestion is None and finding.valley is None and finding.declined is reason
    assert finding.declined_words()  # a sentence to show instead of a number


def test_a_vae_whose_codes_carry_nothing_where_the_loss_is_lowest_is_declined() -> None:
    loss = fall_then_rise()
    used = judge(curve_of(loss, kl=[0.01] * 40 + [2.0] * 60))  # the codes came into use as the loss fell
    assert used.suggestion is not None
    collapsed = judge(curve_of(loss, kl=[0.01] * 100))  # the fall came from the decoder alone
    assert collapsed.suggestion is None and collapsed.declined is LrDecline.CODES_COLLAPSED


def test_the_flat_sentence_says_how_far_the_loss_fell() -> None:
    finding = judge(curve_of(np.linspace(1.0, 0.8, 100)))
    assert finding.declined is LrDecline.FLAT and 0.1 < finding.fall < 0.2
    assert f"{finding.fall:.0%}" in finding.declined_words()


def test_it_can_be_cancelled() -> None:
    calls = []

    def cancelled() -> bool:
        calls.append(1)
        return len(calls) > 10

    finding = find_lr(tiny(epochs=1), steps=100, cancelled=cancelled)
    assert len(finding.lrs) < 15
