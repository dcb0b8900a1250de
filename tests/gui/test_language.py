"""The window in Chinese: its menus, actions, run bar, panels' titles, result tabs and curve plots say
nothing in English (names such as Workbench, KL and keys such as F5 aside), and View > Language
switches."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot

from tests.gui.conftest import _window
from workbench import i18n
from workbench.gui.settings import LANGUAGE_KEY, app_settings

# What stays as it is in every language: names, keys, file suffixes, and a mnemonic's letter.
KEPT = re.compile(r"Workbench|PyTorch|KL|VAE|CSV|\.pt|Ctrl|Shift|F\d+|\(&[A-Z]\)|English")


def english_words(text: str) -> list[str]:
    """The Latin words left in `text` once the names and keys every language keeps are taken out."""
    return re.findall(r"[A-Za-z]{2,}", KEPT.sub("", text))


@pytest.fixture
def chinese_window(qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    i18n.set_language("zh_CN")
    try:
        yield from _window(qtbot, tmp_path, monkeypatch, "thread")
    finally:
        i18n.set_language("en")


def test_the_windows_chrome_speaks_chinese(chinese_window: Any) -> None:
    window = chinese_window
    texts = []
    for menu_action in window.menuBar().actions():
        texts.append(menu_action.text())
        menu = menu_action.menu()
        assert isinstance(menu, QMenu)
        for action in menu.actions():
            if not action.isSeparator() and action.objectName() != "language_en":
                texts += [action.text(), action.statusTip()]
    buttons = [window.train_button, window.continue_button, window.pause_button, window.stop_button]
    texts += [b.text() for b in [*buttons, window.export_button]] + [b.toolTip() for b in buttons]
    texts += [window.left_dock.windowTitle(), window.right_dock.windowTitle(), window.statusBar().currentMessage()]
    view = window.training_view
    tabs = view.tabs
    texts += [tabs.tabText(i) for i in range(tabs.count())]
    for panel in (view.loss_panel, view.accuracy_panel):  # the plots: titles, legends, what they will show
        texts += [panel.title.text().replace("<b>", "").replace("</b>", ""), panel.frame.sentence.text()]
        texts += [panel.train.name(), panel.val.name(), panel.item.getAxis("bottom").labelText]
    texts += [view.loss_panel.log_box.text(), view.loss_panel.batch.name()]
    histograms = view.histograms  # the weights, and the views of a decision boundary and a latent space
    texts += [histograms.gradients.text(), histograms.gradients.toolTip(), histograms.frame.sentence.text()]
    texts += [view.boundary.caption.text(), view.latent.caption.text()]
    left = {text: english_words(text) for text in texts if english_words(text)}
    assert left == {}
    assert window.train_button.text().endswith("训练") and tabs.tabText(2) == "潜在空间"


def test_view_language_is_remembered_for_the_next_start(window: Any) -> None:
    menu = window.language_menu
    assert [a.text() for a in menu.actions()] == ["English", "简体中文"]
    assert menu.actions()[0].isChecked() and not menu.actions()[1].isChecked()
    menu.actions()[1].trigger()
    assert app_settings().value(LANGUAGE_KEY) == "zh_CN" and menu.actions()[1].isChecked()
    assert window.dialogs.infos[-1][1] == "Workbench speaks 简体中文 from its next start."
    assert window.train_button.text().endswith("Train")  # this window stays as it was built


def test_a_runs_results_speak_chinese(chinese_window: Any, qtbot: QtBot) -> None:
    from tests.engine.helpers import tiny
    from tests.gui.helpers import start, wait_done

    layers = [{"type": "Flatten"}, {"type": "Linear", "out_features": 10}]
    start(chinese_window, qtbot, tiny(layers, {"kind": "digits"}, epochs=2, early_stopping={"enabled": False}))
    wait_done(chinese_window, qtbot)
    results = chinese_window.training_view.results
    combo = results.epoch_combo
    texts = [results.reason.text(), results.metrics.text(), results.metrics.toolTip(), results.matrix_title.text()]
    texts += [results.mistakes_title.text(), results.picture_button.text(), combo.toolTip()]
    texts += [combo.itemText(i) for i in range(combo.count())]
    texts.append(results.matrix.horizontalHeaderItem(results.matrix.columnCount() - 1).text())
    texts += [results.matrix.item(0, 0).toolTip(), results.mistakes.toolTip()]
    left = {text: english_words(text) for text in texts if english_words(text)}
    assert left == {}
    assert results.metrics.text().startswith("测试（") and "准确率" in results.metrics.text()


def test_a_vaes_latent_space_speaks_chinese(chinese_window: Any, qtbot: QtBot) -> None:
    from tests.engine.test_autoencoder import vae
    from tests.gui.helpers import start, wait_done

    start(chinese_window, qtbot, vae(epochs=2))
    wait_done(chinese_window, qtbot)
    latent = chinese_window.training_view.latent
    texts = [latent.caption.text(), *(title.text() for title in latent.titles.values())]
    left = {text: english_words(text) for text in texts if english_words(text)}
    assert left == {}
    assert "潜在空间" in latent.caption.text() and "从 -2 到 2" in latent.titles["walk"].text()
