"""Export as Python script… in the window: the run shown (or the experiment, before it trains)
written as a script or notebook; a problem said, nothing written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pytestqt.qtbot import QtBot

from tests.engine.helpers import tiny
from tests.gui.helpers import start, wait_done


def test_the_experiment_before_training_and_the_run_after_it(window: Any, qtbot: QtBot, tmp_path: Path) -> None:
    menu = window.export_button.menu()
    assert menu is not None and window.script_action in menu.actions()  # beside Export model
    assert window.script_action.isEnabled()  # nothing trained yet: the experiment's code
    window.dialogs.save_answer = tmp_path / "before.py"
    window.script_action.trigger()
    assert window.dialogs.suggested.suffix == ".py" and set(window.dialogs.formats.values()) == {".py", ".ipynb"}
    text = (tmp_path / "before.py").read_text(encoding="utf-8")
    compile(text, "before.py", "exec")
    assert "class Net(" in text and "python before.py" in window.dialogs.infos[-1][1]
    start(window, qtbot, tiny(epochs=2, optimizer={"name": "Adam", "lr": 0.02}))
    wait_done(window, qtbot)
    window.document.replace(tiny(epochs=2, optimizer={"name": "SGD", "lr": 0.5}), None)  # changed since
    window.dialogs.save_answer = tmp_path / "run.ipynb"
    window.script_action.trigger()
    cells = json.loads((tmp_path / "run.ipynb").read_text(encoding="utf-8"))["cells"]
    code = "".join("".join(cell["source"]) for cell in cells if cell["cell_type"] == "code")
    assert "torch.optim.Adam(" in code and "lr=0.02" in code  # the run's settings, not the form's
    assert not window.dialogs.errors


def test_data_that_cannot_be_read_is_said_and_nothing_written(window: Any, tmp_path: Path) -> None:
    window.document.replace(tiny(dataset={"kind": "csv", "path": str(tmp_path / "nowhere.csv"), "target": "y"}), None)
    window.dialogs.save_answer = tmp_path / "x.py"
    window.script_action.trigger()
    assert window.dialogs.errors and "nowhere.csv" in window.dialogs.errors[-1][1]
    assert not (tmp_path / "x.py").exists()
