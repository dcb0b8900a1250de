"""Plots and coloured sentences follow the desktop's palette: a dark desktop gets dark plots."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from workbench.engine.events import StopReason
from workbench.engine.stream import RunEnded
from workbench.gui import theme
from workbench.gui.document import ExperimentDocument
from workbench.gui.panels.layer_editor import QtLayerEditor
from workbench.gui.plots.curves import CurvePlotPanel
from workbench.gui.plots.results_panel import ResultsPanel
from workbench.spec import load_preset
from workbench.spec.layers import Conv1d

DARK_BASE, DARK_TEXT, DARK_MUTED = "#1e1e1e", "#e6e6e6", "#8c8c8c"


@pytest.fixture
def dark() -> Iterator[None]:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    before = app.palette()
    palette = QPalette(before)
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive, QPalette.ColorGroup.Disabled):
        palette.setColor(group, QPalette.ColorRole.Base, QColor(DARK_BASE))
        palette.setColor(group, QPalette.ColorRole.Text, QColor(DARK_TEXT))
        palette.setColor(group, QPalette.ColorRole.PlaceholderText, QColor(DARK_MUTED))
    app.setPalette(palette)
    yield
    app.setPalette(before)


def test_plots_take_the_palettes_colours(dark: None, qtbot: QtBot) -> None:
    panel = CurvePlotPanel("lossPlot", "Loss", "loss", "val_loss", batch_curve=True, log_toggle=False)
    qtbot.addWidget(panel)
    assert theme.is_dark()
    assert panel.plot.backgroundBrush().color().name() == DARK_BASE
    axis = panel.item.getAxis("left")
    assert axis.pen().color().name() == DARK_TEXT and axis.textPen().color().name() == DARK_TEXT
    assert panel.item.legend.opts["labelTextColor"].name() == DARK_TEXT


def test_captions_take_a_shade_that_reads_on_it(dark: None, qtbot: QtBot) -> None:
    editor = QtLayerEditor(ExperimentDocument(load_preset("digits_mlp")))
    qtbot.addWidget(editor)
    assert DARK_MUTED in editor.inferred_label.styleSheet()
    assert theme.colour(theme.Tone.ERROR).lightness() > 128  # a light red on a dark background


def test_a_light_palette_keeps_the_usual_look(qtbot: QtBot) -> None:
    panel = CurvePlotPanel("lossPlot", "Loss", "loss", "val_loss", batch_curve=True, log_toggle=False)
    qtbot.addWidget(panel)
    assert not theme.is_dark() and panel.plot.backgroundBrush().color().lightness() > 200
    assert theme.colour(theme.Tone.ERROR).name() == "#c62828"


def test_every_sentence_and_marked_row_reads_on_a_dark_palette(dark: None, qtbot: QtBot) -> None:
    """The end of a run (stopped, failed, at chance) and a layer that does not fit: light text on dark."""
    panel = ResultsPanel()
    qtbot.addWidget(panel)
    shades = {}
    for reason, learned in ((StopReason.USER_STOPPED, None), (StopReason.COMPLETED, False)):
        panel.show_end(RunEnded(reason, "said", None, None, 1, None, None, learned))
        shades[reason] = QColor(panel.reason.styleSheet().removeprefix("color: ").rstrip(";"))
    assert shades[StopReason.USER_STOPPED].name() == DARK_MUTED
    assert shades[StopReason.COMPLETED].name() == theme.colour(theme.Tone.ADVICE).name() == "#ffcc80"
    panel.show_failure("broke")
    assert "#ef9a9a" in panel.reason.styleSheet()
    spec = load_preset("digits_mlp")
    spec.network.layers.insert(0, Conv1d(out_channels=2, kernel_size=3))  # a picture cannot feed a Conv1d
    editor = QtLayerEditor(ExperimentDocument(spec))
    qtbot.addWidget(editor)
    row = editor.list.topLevelItem(0)
    assert row.background(0).color().lightness() < 100 and row.foreground(0).color().lightness() > 128


def contrast(a: QColor, b: QColor) -> float:
    """WCAG's contrast ratio of two colours (4.5 and more reads as body text)."""

    def luminance(c: QColor) -> float:
        parts = [v / 255 for v in (c.red(), c.green(), c.blue())]
        r, g, b = (p / 12.92 if p <= 0.03928 else ((p + 0.055) / 1.055) ** 2.4 for p in parts)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("palette", ["light", "dark"])
def test_marker_labels_and_the_batch_line_read_on_either_palette(palette: str, request: Any, qtbot: QtBot) -> None:
    if palette == "dark":
        request.getfixturevalue("dark")
    panel = CurvePlotPanel("lossPlot", "Loss", "loss", "val_loss", batch_curve=True, log_toggle=False)
    qtbot.addWidget(panel)
    back = panel.plot.backgroundBrush().color()
    for line in (panel.best_line, panel.stop_line, panel.continue_line):
        text = panel.tags[line].color
        assert contrast(text, back) >= 3.0, (palette, text.name())  # a bold short label: large-text contrast
    batch = panel.batch.opts["pen"].color()
    alpha = batch.alphaF()
    mixed = zip(batch.getRgb()[:3], back.getRgb()[:3], strict=True)
    shown = QColor(*(round(alpha * c + (1 - alpha) * b) for c, b in mixed))
    assert contrast(shown, back) >= 1.4  # faint, but there (alpha 70 on a dark plot: 1.2, lost)


def test_the_progress_bars_text_reads_over_its_fill_and_beside_it(dark: None) -> None:
    sheet = theme.progress_style()
    text = QColor(sheet.split("color: ")[1].split(";")[0])
    fill = QColor(sheet.split("background: ")[1].split(";")[0])
    assert contrast(text, fill) >= 4.5 and contrast(text, QColor(DARK_BASE)) >= 4.5
