"""The window in Chinese: its menus, actions, run bar, panels' titles, result tabs and curve plots say
nothing in English (names such as Workbench, KL and keys such as F5 aside), and View > Language
switches."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyqtgraph as pg
import pytest
from pydantic import ValidationError
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QDockWidget,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QMenu,
    QTabBar,
    QTableWidget,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QWidget,
)
from pytestqt.qtbot import QtBot

from tests.gui.conftest import _window
from workbench import i18n
from workbench.gui.app import speak_qt
from workbench.gui.settings import LANGUAGE_KEY, app_settings
from workbench.spec import LAYER_TYPES

# What stays as it is in every language: names, keys, file suffixes, and a mnemonic's letter.
# Layer names stay PyTorch's in every language (GLOSSARY.md), as do the other names here.
KEPT = re.compile(r"Workbench|PyTorch|Python|Jupyter|KL|VAE|CSV|RNN|LSTM|\.pt|Ctrl|Shift|F\d+|\(&[A-Z]\)|English")


def english_words(text: str) -> list[str]:
    """The Latin words left in `text` once the names and keys every language keeps are taken out."""
    return re.findall(r"[A-Za-z]{2,}", KEPT.sub("", text))


@pytest.fixture
def chinese_window(qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    speak_qt(i18n.set_language("zh_CN"))  # Qt's own words too (standard buttons), as app.main does
    try:
        yield from _window(qtbot, tmp_path, monkeypatch, "thread")
    finally:
        speak_qt(i18n.set_language("en"))


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


# Words every language keeps: PyTorch's names (layers, optimizers, schedulers, arguments quoted in
# descriptions, a layer's arguments as code writes them), datasets' and people's names, acronyms,
# units, keys, file names, paths and addresses, versions, and what code spells in backticks.
NAMES = re.compile(
    r"`[^`]*`|https?://\S+|(?:~|\b[A-Za-z]:)?(?:/[\w.~+-]+)+|[\w.-]+\.(?:json|pt|png|csv|gz|idx)\b|"
    r"\d[\w.]*\+\w+|\b\w+=|\b[a-z]+(?:_[a-z]+)+\b|"
    r"\[Errno -?\d+\]|\b(?:torchvision|torch)(?:\.\w+)*(?:\([^)]*\))?|\b(?:{layers}|{optimizers})\b|"
    r"\b(?:CosineAnnealingLR|ExponentialLR|StepLR|ReduceLROnPlateau|EarlyStopping|Keras|ImageFolder|"
    r"Transformer|TensorFlow Playground|Playground|"
    r"ReLU|GELU|ELU|SiLU|tanh|sigmoid|swish|max|eta_min|step_size|patience|horizon|dims?|"
    r"Alpha|alpha|Betas|Epsilon|AMSGrad|Nesterov|Gamma|gamma|MSE|MAE|L1|L2|CNN|MLP|cpu|cuda|"
    r"MNIST|Fashion-MNIST|KMNIST|EMNIST|CIFAR|IDX|scikit-learn|Hochreiter|Schmidhuber|Elman|Apple|mps|DDP|"
    r"DistributedDataParallel|BatchNorm|Early Stopping|Epoch|"  # the article glosses its terms in English once
    r"CPU|GPU|CUDA|MB|GB|KB|Delete|Tab|Up|Down|Page|Home|End|Qt|X11|xcb|Wayland|QT_QPA_PLATFORM|Debian|Ubuntu|"
    r"Fedora|Arch|sudo|apt|dnf|pacman|install|Python|PySide6|pyqtgraph|idx|gz|json|png)\b".format(
        layers="|".join(LAYER_TYPES), optimizers="Adagrad|AdamW|Adam|RMSprop|SGD"
    )
)


def untranslated(texts: list[str]) -> dict[str, list[str]]:
    """The texts (HTML tags and entities taken out) in which Latin words are left, with those words."""
    left = {}
    for text in texts:
        plain = NAMES.sub("", html.unescape(re.sub(r"<[^>]+>", " ", text)))
        words = english_words(plain)
        if words:
            left[text] = words
    return left


def texts_of(root: QWidget) -> list[str]:
    """Every text `root` and the widgets in it show or tell: labels, buttons, titles, tabs, list,
    tree and table items and headers, combo items, placeholders, tooltips, menus and actions."""
    texts: list[str] = [root.windowTitle()]
    for widget in [root, *root.findChildren(QWidget)]:
        texts += [widget.toolTip(), widget.accessibleName(), widget.statusTip()]
        texts += [t for action in widget.actions() for t in (action.text(), action.toolTip(), action.statusTip())]
        if isinstance(widget, QLabel | QAbstractButton):
            texts.append(widget.text())
        if isinstance(widget, QGroupBox | QDockWidget):
            texts.append(widget.title() if isinstance(widget, QGroupBox) else widget.windowTitle())
        if isinstance(widget, QComboBox):
            for i in range(widget.count()):
                texts += [widget.itemText(i), str(widget.itemData(i, Qt.ItemDataRole.ToolTipRole) or "")]
        if isinstance(widget, QTabBar):
            texts += [t for i in range(widget.count()) for t in (widget.tabText(i), widget.tabToolTip(i))]
        if isinstance(widget, QLineEdit):
            texts.append(widget.placeholderText())
        if isinstance(widget, QAbstractSpinBox):
            texts.append(widget.specialValueText())
        if isinstance(widget, QTextBrowser):
            texts.append(widget.toPlainText())
        if isinstance(widget, QTreeWidget):
            texts += item_texts(widget.headerItem(), widget.columnCount())
            for i in range(widget.topLevelItemCount()):
                texts += item_texts(widget.topLevelItem(i), widget.columnCount())
        if isinstance(widget, QTableWidget):
            for c in range(widget.columnCount()):
                header = widget.horizontalHeaderItem(c)
                texts += [header.text(), header.toolTip()] if header is not None else []
                texts += [
                    t
                    for r in range(widget.rowCount())
                    if (item := widget.item(r, c))
                    for t in (item.text(), item.toolTip())
                ]
        if isinstance(widget, QListWidget):
            texts += [t for i in range(widget.count()) for t in (widget.item(i).text(), widget.item(i).toolTip())]
        if isinstance(widget, QMenu):
            texts.append(widget.title())
        if isinstance(widget, pg.PlotWidget):  # its legend's names and its axes' labels
            item = widget.getPlotItem()
            texts += [label.text for _sample, label in (item.legend.items if item.legend is not None else [])]
            texts += [item.getAxis(side).labelText for side in ("bottom", "left")]
    return [text for text in texts if text]


def item_texts(item: QTreeWidgetItem, columns: int) -> list[str]:
    return [t for c in range(columns) for t in (item.text(c), item.toolTip(c))]


def test_no_english_is_left_in_any_panel_of_any_preset(chinese_window: Any, qtbot: QtBot) -> None:
    """Every preset (CNN, RNN, LSTM, GRU, VAE, 2-D points, sequences, pictures) opened, every layer of
    it selected (its form shown), the menus, and the window's panels: nothing left in English."""
    from workbench.spec.presets import preset_names, preset_path

    window = chinese_window
    left: dict[str, list[str]] = {}
    seen: set[str] = set()
    for name in preset_names():
        assert window.open_path(preset_path(name), as_template=True)
        editor = window.layer_editor
        for part in (0, 1) if window.document.spec.network.is_autoencoder else (0,):
            editor.part_tabs.setCurrentIndex(part)
            for index in range(len(editor._layers())):
                editor.select(index)
                qtbot.wait(1)
                texts = texts_of(window)
                seen.update(texts)
                left.update(untranslated(texts))
    menus = [action.menu() for action in window.menuBar().actions()]
    left.update(untranslated([t for menu in menus if isinstance(menu, QMenu) for t in texts_of(menu)]))
    assert left == {}
    assert {"添加层", "批大小", "学习率", "潜在编码大小", "隐藏状态大小", "核大小"} <= seen  # the forms were read


def test_every_form_of_the_spec_speaks_chinese(chinese_window: Any) -> None:
    """A form for every model of the spec (every layer, optimizer, schedule and dataset kind): its
    titles, tooltips, choices and empty-value words are all in the catalog."""
    from workbench.gui.forms.model_form import ModelForm, discard
    from workbench.i18n_extract import spec_models

    left: dict[str, list[str]] = {}
    built = 0
    for cls in spec_models():
        try:
            value = cls()
        except ValidationError:
            continue  # a model without defaults for every field (a file's path): its union shows it
        form = ModelForm(cls, value)
        left.update(untranslated(texts_of(form)))
        discard(form)
        built += 1
    assert built > 40 and left == {}


def test_the_dialogs_speak_chinese(chinese_window: Any) -> None:
    import numpy as np

    from workbench.engine.events import LrFinding, Prediction
    from workbench.gui.help_view import GuideDialog
    from workbench.gui.lr_finder_view import LrFinderDialog
    from workbench.gui.prediction_view import PredictionDialog
    from workbench.gui.preset_dialog import PresetDialog, PresetInfo
    from workbench.spec.presets import load_preset, preset_names

    window = chinese_window
    window.show_shortcuts()
    presets = [PresetInfo(n, (e := load_preset(n)).name, e.description) for n in preset_names()]
    lrs = np.logspace(-5, 0, 20)
    finding = LrFinding(lrs, np.linspace(2.0, 1.0, 20), 1e-3, 1e-2)
    no_finding = LrFinding(lrs, np.ones(20), None, None)
    prediction = Prediction(np.zeros((1, 8, 8), np.uint8), np.full(10, 0.1), tuple("0123456789"), True)
    dialogs = [window.shortcuts_dialog, GuideDialog(window), PresetDialog(presets, window)]
    dialogs += [LrFinderDialog(finding, print, window), LrFinderDialog(no_finding, print, window)]
    dialogs.append(PredictionDialog(prediction, "7.png", window))
    left: dict[str, list[str]] = {}
    for dialog in dialogs:
        if isinstance(dialog, PresetDialog):
            for i in range(dialog.list.count()):  # each preset's description
                dialog.list.setCurrentRow(i)
                left.update(untranslated(texts_of(dialog)))
        left.update(untranslated(texts_of(dialog)))
        dialog.close()
    left.update(untranslated([window.about_text()]))
    assert left == {}
    assert "如何使用" in GuideDialog(window).browser.toPlainText()


def test_the_windows_questions_speak_chinese(chinese_window: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Unsaved changes and a run not exported: the questions' titles, sentences and buttons."""
    from PySide6.QtWidgets import QMessageBox

    from workbench.gui.dialogs import Dialogs

    asked: list[str] = []

    def question(_parent: QWidget, title: str, text: str, *_args: Any) -> QMessageBox.StandardButton:
        asked.extend([title, text])
        return QMessageBox.StandardButton.Cancel

    def exec_(box: QMessageBox) -> int:
        asked.extend([box.windowTitle(), box.text(), *(button.text() for button in box.buttons())])
        return 0

    monkeypatch.setattr(QMessageBox, "question", question)
    monkeypatch.setattr(QMessageBox, "exec", exec_)
    dialogs = Dialogs(chinese_window)
    dialogs.unsaved_changes("digits.json")
    dialogs.unexported_run("运行 1", "关闭窗口")
    assert len(asked) >= 6 and untranslated(asked) == {}
    assert "“digits.json”有尚未保存的更改" in asked[1]
