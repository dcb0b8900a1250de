"""A student finds the way: what a preset teaches, the guide and its glossary, F1 on a setting."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from tests.engine.helpers import tiny
from tests.gui.helpers import start, wait_done
from workbench.gui.help_view import GLOSSARY, GuideDialog, guide_html
from workbench.gui.preset_dialog import PresetDialog, PresetInfo
from workbench.spec import ExperimentSpec, load_preset
from workbench.spec.training import TrainingSpec

TERMS = (
    "epoch", "batch", "training-set", "validation-set", "test-set", "loss", "accuracy", "learning-rate",
    "overfitting", "early-stopping", "regularization", "dropout", "batch-norm",
)  # fmt: skip


def test_the_guide_explains_every_term_it_links() -> None:
    html = guide_html()
    for term in TERMS:
        assert f'<a name="{term}">' in html, term
    linked = {part.split('"')[0] for part in html.split('href="#')[1:]}
    assert linked <= {part.split('"')[0] for part in html.split('<a name="')[1:]}  # no dangling link


def test_settings_name_their_glossary_entry() -> None:
    terms = {
        name: (info.json_schema_extra or {}).get("glossary")  # type: ignore[union-attr]
        for name, info in TrainingSpec.model_fields.items()
    }
    assert terms["epochs"] == "epoch" and terms["batch_size"] == "batch" and terms["loss"] == "loss"
    assert f'<a name="{terms["l1"]}">' in guide_html()


def test_f1_opens_the_guide_at_the_focused_setting(window: Any, qtbot: QtBot) -> None:
    spin = window.training_panel.form.widgets["batch_size"].spin
    assert "F1: the guide on batch" in spin.toolTip()
    window.activateWindow()
    spin.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() in (spin, spin.lineEdit()), timeout=2000)
    window.guide_action.trigger()
    guide = window.guide_dialog
    assert isinstance(guide, GuideDialog) and guide.isVisible()
    bar = guide.browser.verticalScrollBar()
    at_batch = bar.value()
    assert at_batch > 0  # scrolled down to "Batch, batch size"
    guide.show_term("")
    assert bar.value() == 0
    guide.show_term("overfitting")
    assert bar.value() > at_batch  # further down the glossary
    guide.close()


def test_a_preset_says_what_it_teaches_when_it_opens(window: Any, qtbot: QtBot) -> None:
    intro = window.training_view.intro
    assert intro.isVisibleTo(window) and "Digits MLP" in intro.text()
    window.dialogs.preset_answer = "overfitting_demo"
    window.preset_action.trigger()
    assert "training loss keeps falling while validation loss turns back up" in intro.text()
    assert intro.isVisibleTo(window)
    start(window, qtbot, tiny(epochs=1))
    assert not intro.isVisibleTo(window)  # the run is the thing to watch now
    wait_done(window, qtbot)
    window.document.replace(ExperimentSpec.from_dict({**tiny().model_dump(mode="json"), "description": ""}), None)
    assert not intro.isVisibleTo(window)  # nothing to say


def test_the_preset_dialog_lists_names_and_descriptions(qtbot: QtBot) -> None:
    presets = [
        PresetInfo(key, load_preset(key).name, load_preset(key).description) for key in ("digits_mlp", "spiral_mlp")
    ]
    dialog = PresetDialog(presets)
    qtbot.addWidget(dialog)
    assert [dialog.list.item(i).text() for i in range(2)] == ["Digits MLP", "Spiral MLP"]  # names, not files
    assert dialog.about.text() == presets[0].description and dialog.chosen() == "digits_mlp"
    dialog.list.setCurrentRow(1)
    assert dialog.about.text().startswith("Three interleaved spiral arms") and dialog.chosen() == "spiral_mlp"


def test_glossary_property_marks_the_forms(window: Any) -> None:
    optimizer = window.training_panel.form.widgets["optimizer"]
    assert optimizer.property(GLOSSARY) == "optimizer"
    assert window.training_panel.form.widgets["epochs"].property(GLOSSARY) == "epoch"
    assert not window.training_panel.form.widgets["seed"].property(GLOSSARY)
