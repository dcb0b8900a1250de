"""Repeats, sweeps and variants from the window: Repeat ×N queues N seeds of the experiment as
processes and shows their band, table and verdict; the vary dialog picks a setting and its values;
a preset's variants queue from the window; a sweep's folder reopens; closing asks before dropping
queued runs."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

import pyqtgraph as pg
import pytest
from pytestqt.qtbot import QtBot

from tests.engine.helpers import tiny
from workbench.cli import main
from workbench.gui.dialogs import Answer
from workbench.gui.sweep_session import RunShown
from workbench.spec.presets import load_preset
from workbench.spec.sweep import VARIANT, Vary

FINISHING_MS = 180_000  # each run a process of its own: PyTorch loads in each


def _cells(table: Any, column: int) -> list[str]:
    return [table.item(row, column).text() for row in range(table.rowCount())]


def test_repeat_trains_each_seed_and_shows_their_mean_band_and_spread(
    window: Any, qtbot: QtBot, tmp_path: Path
) -> None:
    window.sweeps_root = tmp_path
    window.document.replace(tiny(epochs=3, **{"early_stopping": {"enabled": False}}), None)
    window.repeat_box.setValue(3)
    window.repeat_button.click()
    (sweep,) = window.sweep_windows
    qtbot.waitUntil(lambda: not sweep.session.active, timeout=FINISHING_MS)
    rows = sweep.session.rows()
    assert [row.seed for row in rows] == [0, 1, 2] and {row.state for row in rows} == {RunShown.FINISHED}
    scores = [row.score for row in rows]
    assert len(set(scores)) > 1  # each seed trained a run of its own
    assert _cells(sweep.queue_table, 3) == [f"{s:.4f}" for s in scores]
    summary = sweep.summary_table
    said = summary.item(0, 2).text()
    assert said == f"{statistics.fmean(scores):.4f} ± {statistics.stdev(scores):.4f}"
    tests = [row.test for row in rows]
    assert summary.item(0, 5).text() == f"{statistics.fmean(tests):.4f} ± {statistics.stdev(tests):.4f}"
    epochs = [row.best_epoch for row in rows]
    assert summary.item(0, 4).text() == f"{statistics.fmean(epochs):.1f} ± {statistics.stdev(epochs):.1f}"
    assert "over 3 seeds" in sweep.verdict.text()
    fills = [i for i in sweep.curves.getPlotItem().items if isinstance(i, pg.FillBetweenItem)]
    assert len(fills) == 1  # the band around the mean
    assert not sweep.bars.isVisible()  # one value: no error bars
    sweep.band_box.setCurrentIndex(1)
    (curve,) = sweep.session.curves(sweep.band)
    last = [outcome.curve[-1] for outcome in sweep.session.finished_outcomes()]
    assert curve.high[-1] - curve.mean[-1] == pytest.approx(statistics.stdev(last))  # ±1 sd at the last epoch
    sweep.queue_table.selectRow(1)
    sweep.open_button.click()
    qtbot.waitUntil(lambda: window.runs.current is not None and window.runs.current.spec.training.seed == 1)
    assert (tmp_path / sweep.session.folder.out.name / "summary.json").is_file()


def test_the_vary_dialog_fills_rates_on_a_log_scale_and_refuses_a_value_that_does_not_fit(qtbot: QtBot) -> None:
    from workbench.gui.vary_dialog import VaryDialog

    dialog = VaryDialog(tiny(), False, 3)
    qtbot.addWidget(dialog)
    assert dialog.path == "training.optimizer.lr"  # rates first: the setting students sweep most
    dialog.low.setText("1e-4")
    dialog.high.setText("1e-1")
    dialog.count.setValue(4)
    dialog.fill.click()
    assert dialog.values.text() == "0.0001, 0.001, 0.01, 0.1"
    assert dialog.chosen() == (Vary("training.optimizer.lr", (0.0001, 0.001, 0.01, 0.1)), 3)
    dialog.setting.setCurrentIndex(dialog.setting.findData("training.batch_size"))
    dialog.values.setText("16, -4")
    assert dialog.chosen() is None and "training.batch_size" in dialog.said.text()
    assert not dialog.buttons.buttons()[0].isEnabled()


def test_a_presets_variants_queue_from_the_window_and_closing_asks_first(
    window: Any, qtbot: QtBot, tmp_path: Path
) -> None:
    window.sweeps_root = tmp_path
    window.document.replace(load_preset("adding_rnn_vs_lstm"), None)
    assert window.variants_action.isEnabled()
    window.dialogs.vary_accept = True
    window.variants_action.trigger()
    assert window.dialogs.vary_dialog.path == VARIANT
    (sweep,) = window.sweep_windows
    folder = sweep.session.folder
    assert folder.vary == Vary(VARIANT, ("RNN", "LSTM"))
    assert [run.name for run in folder.runs][:2] == ["variant=RNN-seed0", "variant=RNN-seed1"]
    assert folder.runs[-1].experiment.network.layers[0].type == "LSTM"
    sweep.step()
    assert sweep.session.active
    window.dialogs.stop_sweep_answer = False
    window.close()
    assert window.isVisible() and window.dialogs.stop_sweep_asked == [len(folder.runs)]
    sweep.queue_table.selectRow(len(folder.runs) - 1)  # a queued run taken out
    sweep.cancel_button.click()
    assert sweep.session.rows()[-1].state is RunShown.CANCELLED
    window.dialogs.stop_sweep_answer = True
    sweep.close()  # Stop the runs: the window goes at once, the runs stop after their batch
    assert not sweep.isVisible() and window.dialogs.stop_sweep_asked[-1] == len(folder.runs) - 1
    qtbot.waitUntil(lambda: not window.sweep_windows, timeout=FINISHING_MS)  # deleted once they have
    assert (folder.out / "summary.json").is_file()
    assert window.sweep_runs() == 0
    window.document.replace(tiny(), None)
    assert not window.variants_action.isEnabled()  # tiny() carries none


def test_a_sweep_folder_reopens_with_its_error_bars_table_and_verdict(
    window: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    experiment = tmp_path / "exp.json"
    tiny(epochs=2, **{"early_stopping": {"enabled": False}}).save(experiment)
    out = tmp_path / "lr"
    args = ["sweep", str(experiment), "--vary", "training.optimizer.lr=1e-4,1e-2", "--seeds", "2"]
    assert main([*args, "--out", str(out), "--parallel", "2"]) == 0
    window.open_sweep(out)
    (sweep,) = window.sweep_windows
    assert sweep.bars.isVisible() and sweep.session.error_bars() is not None
    assert _cells(sweep.summary_table, 0) == ["0.0001", "0.01"]
    assert sweep.verdict.text() == capsys.readouterr().out.splitlines()[-1]  # the command line's sentence
    assert not sweep.rest_button.isVisible()
    window.open_sweep(tmp_path / "nothing")
    assert window.dialogs.errors[-1][0] == "Cannot open the sweep"


def test_a_settings_name_in_the_forms_offers_to_vary_it(window: Any, tmp_path: Path) -> None:
    """Right-click a row's name, Vary this setting: the dialog opens on that setting."""
    from workbench.gui.forms.model_form import BuddyLabel

    window.sweeps_root = tmp_path
    window.dialogs.vary_accept = False  # Cancel: nothing is queued

    def label(place: tuple[str | int, ...]) -> BuddyLabel:
        return next(found for found in window.findChildren(BuddyLabel) if found.place == place)

    label(("training", "optimizer", "lr")).vary_here()
    assert window.dialogs.vary_dialog.path == "training.optimizer.lr"
    window.layer_editor.select(1)  # digits_mlp's first Linear
    label(("network", "layers", 1, "out_features")).vary_here()
    assert window.dialogs.vary_dialog.path == "network.layers[1].out_features"
    assert "64" in window.dialogs.vary_dialog.values.text()  # halved and doubled around the layer's size
    label(("training", "seed")).vary_here()  # a sweep has seeds of its own
    assert window.dialogs.errors[-1][0] == "Cannot start the sweep" and "training.seed" in window.dialogs.errors[-1][1]
    assert not window.sweep_windows


def test_workbench_with_a_sweeps_folder_opens_it(qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`workbench DIR`: the window on the sweep's experiment, and the sweep's window once PyTorch is in."""
    from tests.gui.conftest import FakeDialogs
    from workbench.engine.sweep_folder import SweepFolder
    from workbench.gui.app import create_main_window

    monkeypatch.setenv("WORKBENCH_SETTINGS_DIR", str(tmp_path / "settings"))
    monkeypatch.setenv("WORKBENCH_BACKEND", "thread")
    folder = SweepFolder(tmp_path / "s", tiny(epochs=2), Vary("training.batch_size", (8, 16)), 1, None)
    folder.take()  # planned, nothing trained yet
    win = create_main_window(tmp_path / "s")
    win.dialogs = FakeDialogs()
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: bool(win.sweep_windows), timeout=60_000)
    assert win.document.spec.training.epochs == 2  # the sweep's experiment
    (sweep,) = win.sweep_windows
    assert [row.state for row in sweep.session.rows()] == [RunShown.NOT_TRAINED, RunShown.NOT_TRAINED]
    assert sweep.rest_button.isVisible()
    win.dialogs.answer = Answer.DISCARD
    win.close()
