"""Open saved run: a model file's run comes back in the window, curves and results, ready to continue."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from pytestqt.qtbot import QtBot

from tests.engine.helpers import tiny
from tests.gui.helpers import start, wait_done
from workbench.engine import Trainer
from workbench.engine.checkpoint import save_trained
from workbench.gui.dialogs import Answer

NO_STOP = {"enabled": False}


def saved(tmp_path: Path, **training: Any) -> Path:
    described = tiny(**training).model_copy(update={"name": "Moons", "description": "Two moons to tell apart."})
    trainer = Trainer(described)
    trainer.fit()
    return save_trained(tmp_path / "saved.pt", trainer)


def open_run(window: Any, qtbot: QtBot, path: Path) -> None:
    window.dialogs.open_answer = path
    window.open_run_action.trigger()
    qtbot.waitUntil(lambda: not window.runs.running, timeout=30_000)
    qtbot.wait(120)  # one redraw tick


def test_a_saved_run_comes_back_and_continues(window: Any, qtbot: QtBot, tmp_path: Path) -> None:
    path = saved(tmp_path, epochs=3, early_stopping=NO_STOP, optimizer={"name": "Adam", "lr": 0.01})
    open_run(window, qtbot, path)
    assert not window.dialogs.errors
    record = window.runs.current
    assert record is not None and record.label.endswith("(saved.pt)") and record.epochs == [1, 2, 3]
    view = window.training_view
    x, y = view.loss_panel.train.getData()
    assert list(x) == [1.0, 2.0, 3.0] and np.isfinite(y).all()
    batch_x = view.loss_panel.batch.getData()[0]
    assert len(batch_x) == 12 and batch_x[-1] == 3.0
    assert view.results.reason.text().startswith("Finished all 3 epochs")
    assert view.results.matrix.rowCount() == 2  # the saved test result, with its confusion matrix
    counts = view.histograms.current.getData()[1]
    assert counts is not None and counts.sum() == 2 * 16  # the saved weights of the first Linear layer
    assert view.boundary.image.image is not None and "after epoch 3" in view.boundary.caption.text()
    assert window.document.spec.training.optimizer.lr == 0.01 and window.document.path is None
    assert window.export_button.isEnabled() and window.continue_button.isEnabled()
    window.continue_action.trigger()
    wait_done(window, qtbot)
    assert window.runs.current is record and record.epochs == [1, 2, 3, 4, 5, 6]
    assert view.results.reason.text().startswith("Finished all 6 epochs")
    combo = view.results.epoch_combo  # the saved best epoch's weights, and every epoch trained since
    epochs = [combo.itemData(i) for i in range(combo.count())]
    assert epochs[:4] == [None, 5, 4, 3] and record.ended.best_epoch in epochs


def test_a_file_that_cannot_be_opened_changes_nothing(window: Any, qtbot: QtBot, tmp_path: Path) -> None:
    start(window, qtbot, tiny(epochs=1))
    wait_done(window, qtbot)
    before, spec = window.runs.current, window.document.spec
    broken = tmp_path / "broken.pt"
    broken.write_bytes(b"not a model")
    window.dialogs.run_answer = Answer.DISCARD  # the trained run is not exported: asked, and let go
    open_run(window, qtbot, broken)
    assert window.dialogs.run_questions == [("run 1", "opening broken.pt")]
    assert window.dialogs.errors and window.dialogs.errors[-1][0] == "Cannot open the saved run"
    assert "is not a model file Workbench can read" in window.dialogs.errors[-1][1]
    assert window.runs.current is before and window.document.spec == spec and len(window.runs.records) == 1
    assert window.continue_button.isEnabled()  # the run before is still there to continue
    assert window.runs.at_risk  # ... and still protected: nothing replaced it


def test_a_file_given_at_start_opens_in_the_window(qtbot: QtBot, tmp_path: Path, monkeypatch: Any) -> None:
    """`workbench model.pt` takes up the run once PyTorch has loaded; `workbench digits_cnn` opens
    the preset as a new, unsaved copy."""
    from tests.gui.conftest import FakeDialogs
    from workbench.gui.app import create_main_window

    path = saved(tmp_path, epochs=2, early_stopping=NO_STOP)
    monkeypatch.setenv("WORKBENCH_SETTINGS_DIR", str(tmp_path / "settings"))
    monkeypatch.setenv("WORKBENCH_BACKEND", "thread")
    for given in (path, "digits_cnn"):
        window: Any = create_main_window(given)
        window.dialogs = FakeDialogs()
        qtbot.addWidget(window)
        window.show()
        opening = window.training_view.opening_banner
        if given == path:  # from the start, it says what it is doing instead of showing the default digits
            assert opening.isVisible() and "saved.pt" in opening.text() and not window.training_view.intro.isVisible()
        qtbot.waitUntil(lambda w=window: w.engine_ready, timeout=60_000)
        if given == path:
            qtbot.waitUntil(lambda w=window: w.runs.current is not None and not w.runs.running, timeout=30_000)
            assert window.runs.current.epochs == [1, 2] and window.export_button.isEnabled()
            assert not opening.isVisible() and not window.training_view.intro.isVisible()  # the run is shown
        else:
            assert window.document.path is None and window.document.spec.name == "Digits CNN"
        window.dialogs.answer = Answer.DISCARD
        window.close()
