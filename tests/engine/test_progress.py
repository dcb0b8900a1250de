"""Progress events: every batch loss sent once, in groups, with the step numbers, the rate and the
time; a loss that is not finite, or that explodes against the first one, ends the run."""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch

from tests.engine.helpers import Recorder, tiny
from workbench.engine import StopReason, Trainer
from workbench.engine.callbacks import CallbackList
from workbench.engine.throttle import ProgressThrottle
from workbench.engine.trainer import EXPLOSION_FACTOR


def test_every_batch_is_reported_once_with_its_place() -> None:
    rec = Recorder()
    started = time.perf_counter()
    Trainer(tiny(epochs=2, early_stopping={"enabled": False}), [rec], progress_rate=0.0).fit()
    wall = time.perf_counter() - started
    events = rec.progress
    assert [(p.epoch, p.epochs, p.batch, p.batches, p.step) for p in events] == [
        (e, 2, b, 4, 4 * e + b) for e in range(2) for b in range(1, 5)
    ]
    assert np.concatenate([p.steps for p in events]).tolist() == list(range(8))
    losses = np.concatenate([p.losses for p in events])
    assert losses.dtype == np.float64 and losses.tolist() == pytest.approx(rec.batch_losses, rel=1e-6)
    assert all(p.samples_per_second > 100 for p in events)  # 16 samples in well under a tenth of a second
    elapsed = [p.elapsed for p in events]
    assert elapsed == sorted(elapsed) and 0 < elapsed[0] and elapsed[-1] < wall


def _emitter(first_loss: float | None = None) -> tuple[Trainer, ProgressThrottle, Recorder]:
    trainer = Trainer(tiny())
    trainer.first_loss = first_loss
    trainer._emit = ProgressThrottle(0.0, 0, 3, 10)  # noqa: SLF001 - the epoch's throttle, as _train_epoch makes it
    return trainer, trainer._emit, Recorder()  # noqa: SLF001


def _send(trainer: Trainer, emitter: ProgressThrottle, rec: Recorder, values: list[float]) -> bool:
    """The trainer reports the batches of `values` not yet reported (it has taken their steps)."""
    trainer._step += len(values) - emitter.sent  # noqa: SLF001 - the trainer counts the steps it took
    losses = torch.tensor([*(0.0,) * emitter.sent, *values[emitter.sent :]])
    return trainer._report(losses, len(values), 16 * len(values), CallbackList([rec]))  # noqa: SLF001


def test_groups_carry_on_where_the_last_one_ended() -> None:
    trainer, emitter, rec = _emitter()
    assert _send(trainer, emitter, rec, [1.0, 0.9])
    assert _send(trainer, emitter, rec, [1.0, 0.9, 0.8, 0.7])
    assert _send(trainer, emitter, rec, [1.0, 0.9, 0.8, 0.7])  # nothing new: nothing sent
    assert [p.steps.tolist() for p in rec.progress] == [[0, 1], [2, 3]]
    assert [p.losses.tolist() for p in rec.progress] == [
        [1.0, pytest.approx(0.9)],
        [pytest.approx(0.8), pytest.approx(0.7)],
    ]
    assert trainer.first_loss == 1.0 and trainer.history.batch_losses == pytest.approx([1.0, 0.9, 0.8, 0.7])


@pytest.mark.parametrize(
    ("first", "values", "diverged_at"),
    [
        (None, [0.5, 1.5e4], 2),  # the first loss below 1: the limit is 10,000
        (None, [0.0, 1.5e4], 2),  # a first loss of 0 too
        (None, [1.0, EXPLOSION_FACTOR], None),  # the limit itself is not an explosion
        (None, [2.0, 1.5e4], None),  # a first loss of 2 doubles the limit
        (300.0, [9e4, 2e6], None),  # large targets: large losses are not an explosion
        (None, [0.5, 0.4, float("nan"), float("inf")], 3),  # the first bad one is named
    ],
)
def test_an_explosion_is_measured_against_the_first_loss(
    first: float | None, values: list[float], diverged_at: int | None
) -> None:
    trainer, emitter, rec = _emitter(first)
    ok = _send(trainer, emitter, rec, values)
    assert ok == (diverged_at is None)
    if diverged_at is None:
        assert not trainer.stop_requested
    else:
        assert trainer._stop_reason is StopReason.DIVERGED  # noqa: SLF001
        assert trainer._stop_message.startswith(f"Stopped at epoch 1, step {diverged_at}: the loss ")  # noqa: SLF001
        bad = values[diverged_at - 1]
        said = "is no longer a finite number" if not np.isfinite(bad) else f"exploded to {bad:.3g}"
        assert said in trainer._stop_message  # noqa: SLF001


def test_the_rate_is_the_samples_since_the_last_event_over_the_time_since() -> None:
    rec = Recorder()
    Trainer(tiny(epochs=1, batch_size=8, early_stopping={"enabled": False}), [rec], progress_rate=0.0).fit()
    events = rec.progress  # one a batch (8 samples, the last 4 of the 60), each timed from the one before
    for before, after in zip(events, events[1:], strict=False):
        samples = min(8, 60 - 8 * int(after.steps[0]))
        assert after.samples_per_second == pytest.approx(samples / (after.elapsed - before.elapsed), rel=1e-6)


def test_the_first_rate_of_an_epoch_counts_its_first_batch_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    """With the clock standing still, each rate is its batch's samples over the smallest time step:
    the first event of the epoch counts all 8 samples, as every other does."""
    import workbench.engine.throttle as throttle_module

    still = type("Clock", (), {"perf_counter": staticmethod(lambda: 100.0)})
    monkeypatch.setattr(throttle_module, "time", still)
    rec = Recorder()
    Trainer(tiny(epochs=1, batch_size=8, early_stopping={"enabled": False}), [rec], progress_rate=0.0).fit()
    assert [round(e.samples_per_second / 1e9) for e in rec.progress] == [8] * 7 + [4]  # 60 = 7 x 8 + 4


def test_at_a_slow_rate_an_epoch_sends_its_batches_in_one_event() -> None:
    """Events are grouped: with a progress event due once an hour, each epoch's batches come together at its
    end, but for the run's first batch, which comes at once (its curve starts without a wait)."""
    rec = Recorder()
    Trainer(tiny(epochs=2, early_stopping={"enabled": False}), [rec], progress_rate=1 / 3600).fit()
    assert [(p.epoch, p.batch, len(p.steps)) for p in rec.progress] == [(0, 1, 1), (0, 4, 3), (1, 4, 4)]
