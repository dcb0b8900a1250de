"""The layer list flags what the run's layer health says, in plain words, while it is the run's network."""

from __future__ import annotations

from typing import Any

from pytestqt.qtbot import QtBot

from tests.engine.test_health import RELUS, digits
from tests.gui.helpers import start, wait_done


def test_dying_relus_are_flagged_in_the_layer_list_with_what_to_try(window: Any, qtbot: QtBot) -> None:
    start(window, qtbot, digits(RELUS, 2.0, epochs=1))
    wait_done(window, qtbot)
    editor = window.layer_editor
    qtbot.waitUntil(lambda: editor.health_label.isVisible(), timeout=5_000)
    flagged = [i for i in range(editor.list.topLevelItemCount()) if editor.list.topLevelItem(i).text(0).startswith("⚠")]
    assert {2, 4} <= set(flagged)  # the two ReLUs (rows 3 and 5)
    assert "never fire: lower the learning rate, or try LeakyReLU" in editor.list.topLevelItem(2).toolTip(0)
    assert editor.health_label.text().startswith("After epoch 1:") and "Layer 3:" in editor.health_label.text()
    layers = window.document.spec.network.layers
    window.document.set_network(
        window.document.spec.network.model_copy(update={"layers": layers[:-2] + layers[-1:]}), "x"
    )
    assert not editor.health_label.isVisible()  # another network: the run's flags would point at the wrong rows
    assert not any(editor.list.topLevelItem(i).text(0).startswith("⚠") for i in range(editor.list.topLevelItemCount()))
    window.document.undo_stack.undo()
    assert editor.health_label.isVisible()  # the run's network again


def test_a_healthy_run_flags_nothing(window: Any, qtbot: QtBot) -> None:
    start(window, qtbot, digits(RELUS, 0.05, epochs=1))
    wait_done(window, qtbot)
    assert window.runs.current.health and not window.layer_editor.health_label.isVisible()
