"""An autoencoder in the window: chosen in the network's settings, edited as an encoder and a
decoder in the same layer list, trained with its reconstruction and KL curves, and watched in the
Latent space tab."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from pytestqt.qtbot import QtBot

from tests.engine.test_autoencoder import vae
from tests.gui.helpers import start, wait_done
from tests.gui.test_saved_run import open_run
from workbench.gui.document import ExperimentDocument
from workbench.gui.panels.layer_editor import QtLayerEditor
from workbench.spec import load_preset


def rows(editor: QtLayerEditor) -> list[str]:
    return [editor.list.topLevelItem(i).text(1) for i in range(editor.list.topLevelItemCount())]


def test_a_student_turns_the_digits_mlp_into_an_autoencoder_and_edits_its_decoder(qtbot: QtBot) -> None:
    editor = QtLayerEditor(ExperimentDocument(load_preset("digits_mlp")))
    qtbot.addWidget(editor)
    document = editor.document
    assert not editor.part_tabs.isVisibleTo(editor)
    assert not editor.network_form.rows["autoencoder"].isVisibleTo(editor)  # a stack has no code settings
    kind = editor.network_form.widgets["kind"]
    kind.set_value("autoencoder")
    kind.edited.emit("autoencoder")
    network = document.spec.network
    assert network.is_autoencoder and document.problems() == []  # a mirrored decoder: it trains at once
    assert "a decoder mirroring the encoder added" in document.undo_stack.undoText()
    assert editor.part_tabs.isVisibleTo(editor) and editor.network_form.rows["autoencoder"].isVisibleTo(editor)
    assert rows(editor) == ["Flatten()", "Linear(64)", "ReLU()", "Linear(10)"]  # the encoder
    editor.part_tabs.setCurrentIndex(1)
    assert rows(editor)[-1] == "Unflatten(1, unflattened_size=[1, 8, 8])"
    assert editor.list.topLevelItem(editor.list.topLevelItemCount() - 1).text(2) == "(1, 8, 8)"
    editor.select(len(network.decoder) - 1)
    editor.remove_selected()  # the decoder now ends flat: refused with the fix, in the decoder's words
    assert document.spec.network.decoder == network.decoder[:-1]
    assert document.spec.network.layers == network.layers  # the encoder is untouched
    assert "end it with Unflatten(1, [1, 8, 8])" in document.problems()[0].message
    editor.select(0)
    assert editor.form_title.text().startswith("<b>Decoder layer 1: Linear</b>")
    document.undo_stack.undo()
    assert document.spec.network.decoder == network.decoder
    latent = editor.network_form.widgets["autoencoder"].widgets["latent_size"]
    latent.set_value(4)
    latent.edited.emit(4)
    assert document.spec.network.autoencoder.latent_size == 4
    assert editor.list.topLevelItem(0).text(3) == f"{4 * 10 + 10:,}"  # the decoder's first Linear reads 4 codes


def test_a_vae_trains_in_the_window_with_its_terms_and_its_latent_space(window: Any, qtbot: QtBot) -> None:
    view = window.training_view
    assert not view.tabs.isTabEnabled(view.tabs.indexOf(view.latent))  # the default experiment is a classifier
    start(window, qtbot, vae(epochs=3))
    wait_done(window, qtbot)
    assert view.tabs.currentWidget() is view.latent
    panel = view.accuracy_panel
    assert panel.title.text() == "<b>Reconstruction and KL</b>" and panel.second_key == "kl"
    assert panel.second is not None and len(panel.second[1].getData()[0]) == 3
    assert np.isfinite(panel.val.getData()[1]).all()
    latent = view.latent
    assert len(latent.scatter) == 10 and "its two code values" in latent.caption.text()
    for name in ("rebuilt", "samples", "walk"):
        assert latent.pictures[name].isVisibleTo(latent) and not latent.pictures[name].pixmap().isNull()
    assert "reconstruction" in view.results.metrics.text() and "KL" in view.results.metrics.text()
    assert not view.results.matrix.isVisibleTo(view.results) and not window.picture_action.isEnabled()
    assert view.runs.item(0, 2).text().startswith("recon ")


def test_a_vaes_epochs_export_and_saved_run_work_as_any_networks(window: Any, qtbot: QtBot, tmp_path: Path) -> None:
    start(window, qtbot, vae(epochs=3))
    wait_done(window, qtbot)
    results = window.training_view.results
    combo = results.epoch_combo
    combo.setCurrentIndex(combo.findData(0))  # the first epoch's weights, tested
    qtbot.waitUntil(lambda: "the weights of epoch 1" in results.metrics.toolTip(), timeout=20_000)
    chosen = window.runs.current.chosen_test
    assert chosen.recon is not None and f"reconstruction <b>{chosen.recon:.4g}</b>" in results.metrics.text()
    window.dialogs.save_answer = tmp_path / "vae.torchscript"
    window.export_button.click()
    qtbot.waitUntil(lambda: bool(window.dialogs.infos), timeout=20_000)
    assert "the decoder (vae-decoder.torchscript)" in window.dialogs.infos[-1][1]
    assert (tmp_path / "vae-encoder.torchscript").stat().st_size > 0
    window.dialogs.save_answer = tmp_path / "vae.pt"
    window.export_button.click()
    qtbot.waitUntil(lambda: len(window.dialogs.infos) == 2, timeout=20_000)
    open_run(window, qtbot, tmp_path / "vae.pt")
    view = window.training_view
    record = window.runs.current
    assert record.label.endswith("(vae.pt)") and record.latent is not None
    qtbot.waitUntil(lambda: view.latent.shown is record.latent, timeout=10_000)
    assert view.latent.pictures["samples"].isVisibleTo(view.latent)  # drawn again from the file's weights
