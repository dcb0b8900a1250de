"""The sweep as the window keeps it, without Qt: each value's mean curve and band, the error bars,
the queue's rows; from outcomes made by hand (the numbers are known)."""

from __future__ import annotations

import statistics
from pathlib import Path

import pytest

from tests.engine.helpers import tiny
from workbench.engine.sweep_folder import Outcome, SweepFolder
from workbench.gui.sweep_session import Band, RunShown, SweepSession
from workbench.spec.sweep import Vary


def _session(tmp_path: Path, vary: Vary | None, seeds: int, curves: dict[str, tuple[float, ...]]) -> SweepSession:
    folder = SweepFolder(tmp_path / "s", tiny(), vary, seeds, None)
    session = SweepSession(folder)
    for run in folder.runs:
        if run.name in curves:
            curve = curves[run.name]
            best = max(range(len(curve)), key=lambda n: curve[n]) + 1
            session.outcomes[run.name] = Outcome(run, best, "val_accuracy", curve[best - 1], {"accuracy": 0.5}, curve)
    return session


def test_the_band_spans_the_seeds_or_one_standard_deviation(tmp_path: Path) -> None:
    curves = {"seed0": (0.5, 0.7, 0.8), "seed1": (0.6, 0.9), "seed2": (0.4, 0.8, 0.9)}
    session = _session(tmp_path, None, 3, curves)
    (whole,) = session.curves(Band.RANGE)
    assert whole.epochs == (1, 2, 3) and whole.runs == 3
    assert whole.mean == pytest.approx((0.5, 0.8, 0.85))  # epoch 3: the seeds that reached it (early stopping)
    assert whole.low == pytest.approx((0.4, 0.7, 0.8)) and whole.high == pytest.approx((0.6, 0.9, 0.9))
    (sd,) = session.curves(Band.SD)
    spread = statistics.stdev((0.5, 0.6, 0.4))
    assert sd.low[0] == pytest.approx(0.5 - spread) and sd.high[0] == pytest.approx(0.5 + spread)
    assert session.error_bars() is None  # a repeat has one value: nothing to set against
    assert "over 3 seeds: 0.8667 ± " in session.sentence()


def test_error_bars_put_rates_on_a_log_axis_and_names_one_after_another(tmp_path: Path) -> None:
    rates = Vary("training.optimizer.lr", (0.001, 0.01, 0.1))
    curves = {"lr=0.001-seed0": (0.5,), "lr=0.001-seed1": (0.7,), "lr=0.1-seed0": (0.9,)}
    bars = _session(tmp_path, rates, 2, curves).error_bars()
    assert bars is not None and bars.numeric and bars.log_x
    assert bars.x == (0.001, 0.1) and bars.mean == pytest.approx((0.6, 0.9))  # 0.01 has no finished run yet
    assert bars.sd == pytest.approx((statistics.stdev((0.5, 0.7)), 0.0))
    names = Vary("training.optimizer.name", ("SGD", "Adam"))
    bars = _session(tmp_path / "n", names, 1, {"name=SGD-seed0": (0.4,), "name=Adam-seed0": (0.8,)}).error_bars()
    assert bars is not None and not bars.numeric and bars.x == (0.0, 1.0) and bars.labels == ("SGD", "Adam")


def test_rows_say_where_each_run_is(tmp_path: Path) -> None:
    session = _session(tmp_path, None, 3, {"seed1": (0.5, 0.6)})
    session.failed.add("seed2")
    states = [(row.name, row.state, row.epoch) for row in session.rows()]
    assert states == [
        ("seed0", RunShown.NOT_TRAINED, 0),
        ("seed1", RunShown.FINISHED, 2),
        ("seed2", RunShown.FAILED, 0),
    ]
    assert session.unfinished == 2 and not session.active


def test_a_tie_is_a_tie_even_with_one_seed_a_value(tmp_path: Path) -> None:
    rates = Vary("training.optimizer.lr", (0.001, 0.01))
    session = _session(tmp_path, rates, 1, {"lr=0.001-seed0": (0.9666,), "lr=0.01-seed0": (0.9666,)})
    said = session.sentence()
    assert "give the same val_accuracy" in said and "beats" not in said


def test_a_run_the_student_stops_is_stopped_not_failed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from workbench.engine import queue

    class Process:
        def __init__(self, *args: object, **kwargs: object) -> None:
            self.code: int | None = None

        def poll(self) -> int | None:
            return self.code

        def send_signal(self, _signal: int) -> None:
            self.code = 130  # it stops after its batch, without finishing

    monkeypatch.setattr(queue.subprocess, "Popen", Process)
    session = _session(tmp_path, None, 2, {})
    session.train(parallel=1)
    assert session.step()  # the first run started: the rows change
    assert [row.state for row in session.rows()] == [RunShown.TRAINING, RunShown.QUEUED]
    session.cancel("seed0")
    assert session.rows()[0].state is RunShown.STOPPING
    session.step()
    assert [row.state for row in session.rows()] == [RunShown.STOPPED, RunShown.TRAINING]
    assert session.failed == set()
