"""Help: the guide (workflow and glossary, F1 opens it at the focused setting's entry) and the
keyboard shortcuts, read from the menus themselves."""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QMenu,
    QMenuBar,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ..i18n import N_, _, language
from .forms.editors import GLOSSARY

# Keys that belong to one widget rather than to a menu command (where and what: `_()` when shown).
WIDGET_KEYS = (
    (N_("Layer list"), "Delete", N_("Remove the selected layer")),
    (N_("Layer list"), "Ctrl+D", N_("Duplicate the selected layer")),
    (N_("Layer list"), "Ctrl+Up / Ctrl+Down", N_("Move the selected layer up or down")),
    (
        N_("Forms"),
        "Tab / Shift+Tab",
        N_("Go to the next or previous field (from the layer list into the layer's form)"),
    ),
    (N_("Number fields"), "Up / Down, Page Up / Page Down", N_("Step the value (learning rates step 1, 2, 5, 10...)")),
    (N_("Any setting"), "F1", N_("Open the guide where it explains that setting")),
)


def _plain(text: str) -> str:
    return text.replace("&", "").rstrip("…").strip()


def menu_shortcuts(bar: QMenuBar) -> list[tuple[str, str, str]]:
    """(menu, keys, command) for every menu command with a shortcut, in menu order."""
    rows: list[tuple[str, str, str]] = []

    def walk(menu: QMenu, title: str) -> None:
        for action in menu.actions():
            sub = action.menu()
            if isinstance(sub, QMenu):
                walk(sub, title)
            elif isinstance(action, QAction) and action.shortcuts():
                keys = _(" or ").join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts())
                rows.append((title, keys, _plain(action.text())))

    for top in bar.actions():
        if isinstance(top.menu(), QMenu):
            walk(top.menu(), _plain(top.text()))  # type: ignore[arg-type]
    return rows


class ShortcutsDialog(QDialog):
    """A table of the window's keyboard shortcuts."""

    def __init__(self, rows: list[tuple[str, str, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Keyboard shortcuts"))
        self.setObjectName("shortcutsDialog")
        self.table = QTableWidget(len(rows), 3)
        self.table.setObjectName("shortcutsTable")
        self.table.setHorizontalHeaderLabels([_("Where"), _("Keys"), _("What it does")])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                self.table.setItem(r, c, QTableWidgetItem(text))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(620, 480)


def guide_html() -> str:
    """The built-in guide: the workflow, and a glossary with an anchor per term."""
    from ..spec.presets import resources_dir

    guide = resources_dir() / "guide"
    translated = guide / f"guide.{language()}.html"  # one file per language; English when there is none
    return (translated if translated.exists() else guide / "guide.html").read_text(encoding="utf-8")


def glossary_term(widget: QWidget | None) -> str:
    """The guide entry of the setting `widget` edits (it or the nearest form around it), or ""."""
    while widget is not None:
        term = widget.property(GLOSSARY)
        if term:
            return str(term)
        widget = widget.parentWidget()
    return ""


class GuideDialog(QDialog):
    """Help > Guide: how to use Workbench, and what its words mean."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Workbench guide"))
        self.setObjectName("guideDialog")
        self.browser = QTextBrowser()
        self.browser.setObjectName("guideBrowser")
        self.browser.setOpenLinks(True)
        self.browser.setHtml(guide_html())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        layout.addWidget(buttons)
        self.resize(640, 560)

    def show_term(self, term: str) -> None:
        """Scroll to a glossary entry ("learning-rate"); the top when there is none."""
        if term:
            self.browser.scrollToAnchor(term)
        else:
            self.browser.verticalScrollBar().setValue(0)
