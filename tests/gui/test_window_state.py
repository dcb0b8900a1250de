"""The window on its screen, Train's reasons, nothing trained lost on close, stale results, keyboard."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyqtgraph as pg
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from tests.engine.helpers import tiny
from tests.gui.conftest import FakeDialogs
from tests.gui.helpers import start, wait_done
from workbench.gui import create_main_window
from workbench.gui.dialogs import Answer
from workbench.gui.window_layout import fits, plan_layout
from workbench.spec import load_preset


@pytest.mark.parametrize(
    ("screen", "maximized", "tabbed"),
    [((1366, 740), True, False), ((1280, 692), True, False), ((1024, 672), True, True), ((2560, 1400), False, False)],
)
def test_the_plan_fits_the_screen(screen: tuple[int, int], maximized: bool, tabbed: bool) -> None:
    plan = plan_layout(*screen, left_min=340, right_min=345)
    assert plan.maximized is maximized and plan.tabbed is tabbed
    assert plan.width <= screen[0] and plan.height <= screen[1]
    assert plan.left_width >= 340 and (tabbed or plan.right_width >= 345)
    docks = plan.left_width + plan.right_width
    assert plan.width - docks >= 360  # the plots keep room


def test_fits() -> None:
    assert fits((0, 0, 1366, 740), (0, 0, 1366, 740))
    assert not fits((0, 0, 1400, 860), (0, 0, 1366, 740))
    assert not fits((1200, 0, 400, 400), (0, 0, 1366, 740))


def test_first_launch_follows_the_screen(window: Any) -> None:
    area = window.screen().availableGeometry()  # 800x800 on the offscreen platform
    plan = window.layout_plan
    assert plan is not None and plan.tabbed and window.tabifiedDockWidgets(window.left_dock) == [window.right_dock]
    assert window.width() <= area.width() and window.height() <= area.height()
    assert window.left_dock.minimumWidth() >= window.layer_editor.minimumSizeHint().width()
    assert window.right_dock.minimumWidth() >= window.training_panel.minimumSizeHint().width()


def test_a_saved_layout_comes_back_only_on_the_same_screen(qtbot: QtBot, tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("WORKBENCH_SETTINGS_DIR", str(tmp_path))

    def opened() -> Any:
        win: Any = create_main_window()
        win.dialogs = FakeDialogs()
        qtbot.addWidget(win)
        return win

    first = opened()
    first.show()
    first.setGeometry(20, 30, 760, 600)
    first.close()
    again = opened()
    assert again.layout_plan is None and (again.x(), again.y(), again.width(), again.height()) == (20, 30, 760, 600)
    again.close()
    again.settings.setValue("layout/screen", [1920, 1080])  # saved on a bigger screen: not restored
    third = opened()
    assert third.layout_plan is not None and third.width() <= third.screen().availableGeometry().width()
    third.right_dock.setFloating(True)
    third.reset_layout()
    assert not third.right_dock.isFloating() and third.settings.value("layout/docks") is None
    third.close()


def test_train_waits_for_the_learning_rate_finder(window: Any, qtbot: QtBot) -> None:
    window.document.replace(tiny(epochs=1), None)
    window.find_lr()
    assert not window.train_button.isEnabled() and "Finding a learning rate" in window.train_button.toolTip()
    qtbot.waitUntil(lambda: not window.finding_lr, timeout=30_000)
    assert window.train_button.isEnabled()


def test_train_waits_for_data_that_loads(window: Any, qtbot: QtBot, tmp_path: Path) -> None:
    mnist = load_preset("mnist_mlp").dataset.model_copy(update={"root": str(tmp_path), "download": False})
    window.document.set_dataset(mnist)
    qtbot.waitUntil(lambda: bool(window.dataset_panel.problem), timeout=10_000)
    assert not window.train_button.isEnabled()
    assert window.train_button.toolTip().startswith("The data cannot be loaded:")
    assert str(tmp_path / "MNIST" / "raw") in window.train_button.toolTip()
    window.document.undo_stack.undo()  # back to the digits
    qtbot.waitUntil(lambda: not window.dataset_panel.problem, timeout=10_000)
    assert window.train_button.isEnabled()


def trained(window: Any, qtbot: QtBot) -> None:
    start(window, qtbot, tiny(epochs=1))
    wait_done(window, qtbot)
    assert window.runs.at_risk


def test_closing_after_training_asks_and_cancel_keeps_everything(window: Any, qtbot: QtBot) -> None:
    trained(window, qtbot)
    window.dialogs.run_answer = Answer.CANCEL
    assert window.close() is False and window.isVisible()
    assert window.dialogs.run_questions == [("run 1", "closing the window")] and window.runs.exportable
    window.dialogs.run_answer = Answer.DISCARD
    assert window.close() is True


def test_new_or_another_experiment_asks_first_and_cancel_keeps_everything(
    window: Any, qtbot: QtBot, tmp_path: Path
) -> None:
    """New, Open, Open preset and a recent file each ask, once the student has chosen what to open,
    before leaving a trained run behind; Cancel keeps everything."""
    trained(window, qtbot)
    window.dialogs.answer = Answer.DISCARD  # unsaved settings may go; only the run is at stake here
    kept = window.document.spec
    other = tmp_path / "other.json"
    load_preset("digits_mlp").save(other)
    window.dialogs.open_answer, window.dialogs.preset_answer = other, "spiral_mlp"
    window.dialogs.run_answer = Answer.CANCEL
    window.new()
    window.open_dialog()
    window.open_preset_dialog()
    window.open_path(other)
    asked = [action for _, action in window.dialogs.run_questions]
    assert asked == ["starting a new experiment", "opening other.json", "opening a preset", "opening other.json"]
    assert window.document.spec == kept and window.runs.at_risk
    window.dialogs.run_answer = Answer.DISCARD
    window.open_preset_dialog()
    assert window.document.spec.name == load_preset("spiral_mlp").name and not window.runs.at_risk
    window.new()  # let go once: not asked again
    assert len(window.dialogs.run_questions) == 5


def test_a_cancel_anywhere_leaves_the_run_protected(window: Any, qtbot: QtBot) -> None:
    """Let go of the run, then cancel a later step: nothing was lost, so the run is still protected
    (closing asks again)."""
    trained(window, qtbot)
    window.dialogs.preset_answer = None  # the preset list cancelled: nothing asked, nothing lost
    window.open_preset_dialog()
    assert window.dialogs.run_questions == [] and window.runs.at_risk
    training = window.document.spec.training
    window.document.set_training(training.model_copy(update={"epochs": training.epochs + 1}))  # unsaved too
    edited = window.document.spec
    window.dialogs.preset_answer, window.dialogs.run_answer = "spiral_mlp", Answer.DISCARD
    window.dialogs.answer = Answer.CANCEL  # ... whose question is cancelled after the run's was answered
    window.open_preset_dialog()
    assert window.document.spec == edited and window.runs.at_risk
    window.dialogs.run_answer = Answer.CANCEL
    assert window.close() is False
    assert [action for _, action in window.dialogs.run_questions] == ["opening a preset", "closing the window"]


def test_export_first_then_close(window: Any, qtbot: QtBot, tmp_path: Path) -> None:
    trained(window, qtbot)
    window.dialogs.run_answer = Answer.EXPORT
    window.dialogs.save_answer = tmp_path / "kept.pt"
    assert window.close() is False  # the export runs first ...
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=30_000)  # ... then the window closes
    assert (tmp_path / "kept.pt").stat().st_size > 0 and not window.runs.at_risk


def test_an_exported_run_closes_without_a_question(window: Any, qtbot: QtBot, tmp_path: Path) -> None:
    trained(window, qtbot)
    window.dialogs.save_answer = tmp_path / "model.pt"
    window.export_model()
    qtbot.waitUntil(lambda: not window.runs.at_risk, timeout=30_000)
    assert window.close() is True and window.dialogs.run_questions == []


def test_results_of_another_dataset_are_marked(window: Any, qtbot: QtBot) -> None:
    trained(window, qtbot)
    banner = window.training_view.stale
    assert banner.isHidden()
    window.document.set_dataset(load_preset("digits_mlp").dataset)
    assert not banner.isHidden() and "trained on Moons" in banner.text() and "Digits 8x8" in banner.text()
    window.document.undo_stack.undo()
    assert banner.isHidden()


def tab_order(start: QWidget, count: int) -> list[QWidget]:
    """The widgets Tab reaches from `start`, as the keyboard walks them."""
    out, widget = [], start
    while len(out) < count:
        widget = widget.nextInFocusChain()
        if (
            widget.focusPolicy() & Qt.FocusPolicy.TabFocus
            and widget.isVisibleTo(start.window())
            and not (widget.focusProxy())
        ):
            if widget.parentWidget() is None or widget.parentWidget().focusProxy() is not widget:
                out.append(widget)
    return out


def test_tab_goes_from_the_layer_list_into_the_layer_form_then_on(window: Any) -> None:
    editor = window.layer_editor
    editor.select(1)  # Linear: out_features, bias, frozen
    QApplication.processEvents()  # a new form is shown on the next turn of the event loop
    form = editor.form
    after_list = tab_order(editor.list, 4)
    assert after_list[0] is form.widgets["out_features"].spin and after_list[1] is form.widgets["bias"].box
    assert after_list[2] is form.widgets["frozen"].box
    assert after_list[3] is window.training_panel.form.widgets["epochs"].spin  # then the next dock


def test_plots_are_not_tab_stops(window: Any) -> None:
    plots = window.findChildren(pg.GraphicsView)
    assert len(plots) >= 5
    assert all(not (p.focusPolicy() & Qt.FocusPolicy.TabFocus) for p in plots)


def test_help_lists_the_shortcuts(window: Any) -> None:
    window.findChild(type(window.train_action), "shortcutsAction").trigger()
    table = window.shortcuts_dialog.table
    rows = [tuple(table.item(r, c).text() for c in range(3)) for r in range(table.rowCount())]
    assert ("Run", "F5", "Train") in rows and ("Edit", "Ctrl+Z", "Undo") in rows
    assert ("Edit", "Ctrl+Y or Ctrl+Shift+Z", "Redo") in rows and ("Help", "F1", "Guide") in rows
    assert any(row[:2] == ("Layer list", "Ctrl+D") for row in rows)
    window.shortcuts_dialog.close()
    QApplication.processEvents()


def test_a_failed_run_shows_nothing_of_the_run_before(window: Any, qtbot: QtBot) -> None:
    trained(window, qtbot)
    view = window.training_view
    assert view.histograms.layer_combo.count() > 0 and view.results.matrix.isVisibleTo(view.results)
    start(window, qtbot, tiny(epochs=1, device="cuda:7"))  # fails as it starts: no such GPU
    wait_done(window, qtbot)
    assert "cuda:7 is not available" in view.results.reason.text()
    assert not view.results.matrix.isVisibleTo(view.results)
    assert len(view.loss_panel.train.getData()[0] or []) == 0
    assert view.histograms.layer_combo.count() == 0 and view.histograms.image.image is None


def test_empty_plots_say_what_will_come_and_the_boundary_tab_when_it_applies(window: Any, qtbot: QtBot) -> None:
    view = window.training_view
    assert view.loss_panel.frame.empty and "Train, F5" in view.loss_panel.frame.sentence.text()
    assert view.accuracy_panel.frame.empty and view.histograms.frame.empty
    index = view.tabs.indexOf(view.boundary)
    assert not view.tabs.isTabEnabled(index) and "2-D points" in view.tabs.tabToolTip(index)  # digits: pictures
    assert not view.tabs.isTabVisible(index)  # a tab that cannot show anything takes no room
    trained(window, qtbot)  # moons: 2-D points
    assert (
        view.tabs.isTabEnabled(index)
        and view.tabs.isTabVisible(index)
        and not view.loss_panel.frame.empty
        and not view.histograms.frame.empty
    )
    start(window, qtbot, tiny(epochs=1))
    assert view.loss_panel.frame.empty  # a new run starts from nothing
    wait_done(window, qtbot)
