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


def test_flagged_epochs_are_marked_on_the_timeline(window: Any, qtbot: QtBot) -> None:
    start(window, qtbot, digits(RELUS, 2.0, epochs=3))
    wait_done(window, qtbot)
    strip, record = window.training_view.timeline.strip, window.runs.current
    flagged = [report.epoch for report in record.health if report.flags]
    assert flagged and strip.flagged == flagged and strip.kept == [0, 1, 2] and strip.count == 3
    start(window, qtbot, digits(RELUS, 0.05, epochs=2))
    wait_done(window, qtbot)
    assert strip.flagged == [] and strip.kept == [0, 1]


def test_each_measure_is_plotted_per_layer_over_the_epochs_with_its_threshold(window: Any, qtbot: QtBot) -> None:
    from workbench.gui.plots.health_plot import health_lines
    from workbench.spec.health import Measure

    start(window, qtbot, digits(RELUS, 2.0, epochs=2))
    wait_done(window, qtbot)
    view = window.training_view
    view.tabs.setCurrentWidget(view.network)
    view.refresh()
    plot = view.network.health
    assert plot.isVisible() and Measure(plot.measure.currentData()) is Measure.DEAD
    lines = health_lines(window.runs.current.health, Measure.DEAD)
    assert {("layers", 2), ("layers", 4)} <= set(lines) and all(len(xs) == len(ys) >= 1 for xs, ys in lines.values())
    assert lines[("layers", 2)][0][0] == 1  # epochs counted from 1, as on the curves
    drawn = [i for i in plot.item.items if type(i).__name__ == "PlotDataItem"]
    dashed = [i for i in plot.item.items if type(i).__name__ == "InfiniteLine" and i.angle == 0]
    assert len(drawn) == len(lines) and [d.value() for d in dashed] == [0.4]  # the dead-units rule's threshold
    plot.measure.setCurrentIndex(plot.measure.findData(Measure.GRADIENT.value))
    assert plot.item.ctrl.logYCheck.isChecked()  # ratios spanning decades: a log axis
    view.timeline.slider.setValue(0)
    qtbot.waitUntil(lambda: window.runs.current.chosen_epoch == 0, timeout=5_000)
    view.refresh()
    assert plot.marker.value() == 1 and plot.marker in plot.item.items


def test_the_plot_opens_on_the_measure_that_raised_a_flag() -> None:
    from workbench.engine.events import HealthReport
    from workbench.gui.plots.health_plot import telling_measure
    from workbench.spec.health import Flag, LayerHealth, Measure

    measured = HealthReport(0, (LayerHealth(1, update=1e-3, gradient=0.5),), ())
    vanishing = HealthReport(1, (LayerHealth(1, update=1e-3, gradient=1e-5),), (Flag(1, "vanishing", 1e-5),))
    assert telling_measure([measured]) is Measure.UPDATE  # nothing raised: the first measured
    assert telling_measure([measured, vanishing]) is Measure.GRADIENT
    assert telling_measure([]) is None


def test_an_autoencoder_s_flags_mark_the_list_they_belong_to(window: Any, qtbot: QtBot) -> None:
    import json

    from workbench.spec import ExperimentSpec, load_preset

    doc = json.loads(load_preset("digits_vae").to_json())
    doc["training"].update(optimizer={"name": "SGD", "lr": 0.2}, epochs=2, early_stopping={"enabled": False})
    start(window, qtbot, ExperimentSpec.from_dict(doc))
    wait_done(window, qtbot)
    editor = window.layer_editor

    def marked() -> set[int]:
        rows = range(editor.list.topLevelItemCount())
        return {i for i in rows if editor.list.topLevelItem(i).text(0).startswith("⚠")}

    qtbot.waitUntil(lambda: bool(marked()), timeout=5_000)
    encoder = marked()
    editor.part_tabs.setCurrentIndex(1)  # the decoder's list
    assert {1, 3} <= marked() and marked() != encoder
    assert ("decoder", 1) in window.training_view.flagged
