"""File > Open preset: the shipped experiments by their names, with what each one teaches."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from ..i18n import _


@dataclass(frozen=True)
class PresetInfo:
    """One shipped experiment: its file name (the CLI's name for it), title and description."""

    key: str
    title: str
    description: str


class PresetDialog(QDialog):
    """A list of presets; the chosen one's description below it; Open or Cancel."""

    def __init__(self, presets: list[PresetInfo], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Open a preset"))
        self.setObjectName("presetDialog")
        self.list = QListWidget()
        self.list.setObjectName("presetList")
        for preset in presets:
            item = QListWidgetItem(_(preset.title) or preset.key)  # presets are in the catalog
            item.setData(Qt.ItemDataRole.UserRole, preset)
            item.setToolTip(f"{preset.key}.json")
            self.list.addItem(item)
        self.about = QLabel()
        self.about.setObjectName("presetDescription")
        self.about.setWordWrap(True)
        self.about.setMinimumHeight(4 * self.about.fontMetrics().lineSpacing())
        self.about.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.list.currentItemChanged.connect(lambda item, _old: self._describe(item))
        self.list.itemDoubleClicked.connect(lambda _item: self.accept())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(_("Ready-made experiments: each opens as a new, unsaved copy.")))
        layout.addWidget(self.list, 1)
        layout.addWidget(self.about)
        layout.addWidget(buttons)
        self.list.setCurrentRow(0)
        self.resize(520, 420)

    def _describe(self, item: QListWidgetItem | None) -> None:
        preset = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        self.about.setText(_(preset.description) if isinstance(preset, PresetInfo) else "")

    def chosen(self) -> str | None:
        """The key of the preset chosen, or None."""
        item = self.list.currentItem()
        preset = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        return preset.key if isinstance(preset, PresetInfo) else None
