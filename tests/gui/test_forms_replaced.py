"""A form replaced in the same turn of the event loop never shows as a window of its own."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from workbench.gui.document import ExperimentDocument
from workbench.gui.forms.model_form import ModelForm
from workbench.gui.panels.layer_editor import QtLayerEditor
from workbench.spec import load_preset


def test_adding_a_layer_leaves_no_stray_window(qtbot: QtBot) -> None:
    editor = QtLayerEditor(ExperimentDocument(load_preset("digits_mlp")))
    qtbot.addWidget(editor)
    editor.show()
    editor.select(1)
    editor.add("Dropout")  # rebuilds the form twice in one turn: for the document's change, then the new row
    QApplication.processEvents()
    strays = [w for w in QApplication.topLevelWidgets() if isinstance(w, ModelForm) and w.isVisible()]
    assert strays == []
    assert editor.form is not None and editor.form.isVisible()
