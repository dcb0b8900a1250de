"""Fine-tuning in the window: Run > Fine-tune from this run saves the model and starts the network
from it; the next run's layer list says which layers took its weights; frozen layers are marked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pytestqt.qtbot import QtBot

from tests.engine.helpers import tiny
from tests.gui.helpers import start, wait_done


def test_fine_tune_saves_the_model_and_the_next_run_says_what_it_copied(
    window: Any, qtbot: QtBot, tmp_path: Path
) -> None:
    assert not window.fine_tune_action.isEnabled()  # nothing trained yet
    start(window, qtbot, tiny(epochs=2))
    wait_done(window, qtbot)
    assert window.fine_tune_action.isEnabled()
    window.dialogs.save_answer = tmp_path / "base.torchscript"  # only a model file can start a run
    window.fine_tune_action.trigger()
    qtbot.waitUntil(lambda: bool(window.dialogs.infos), timeout=20_000)
    saved = tmp_path / "base.pt"
    assert saved.is_file() and window.document.spec.network.start_from == str(saved)
    assert not window.layer_editor.start_label.isVisibleTo(window.layer_editor)  # no run from it yet
    window.document.undo_stack.undo()
    assert window.document.spec.network.start_from == ""
    window.document.undo_stack.redo()
    spec = window.document.spec
    layers = [row.model_dump() for row in spec.network.layers]
    layers[0]["frozen"] = True
    layers[-1]["out_features"] = 3  # a new last layer: three classes
    doc = spec.model_dump(mode="json")
    doc["network"]["layers"] = layers
    doc["dataset"] = {"kind": "gaussian", "n_samples": 120, "n_classes": 3}
    start(window, qtbot, spec.model_validate(doc))
    wait_done(window, qtbot)
    label = window.layer_editor.start_label
    assert label.isVisibleTo(window.layer_editor)
    lines = label.text().splitlines()
    assert lines[0].startswith("Started from base.pt") and "1 of 2 layers" in lines[0]
    assert lines[1:] == [
        "Layer 1 (Linear): copied",
        "Layer 3 (Linear): starts fresh: weight is (2, 16) in the file, (3, 16) here",
    ]
    assert window.layer_editor.list.topLevelItem(0).text(1) == "frozen · Linear(16)"
