"""Help and View > Language: the guide at the focused setting, the keyboard shortcuts, About."""

from __future__ import annotations

import platform
from typing import TYPE_CHECKING

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QApplication, QMainWindow, QMenu, QMessageBox

from .. import __version__
from ..i18n import LANGUAGES, _, language
from .dialogs import Dialogs
from .help_view import WIDGET_KEYS, GuideDialog, ShortcutsDialog, glossary_term, menu_shortcuts
from .settings import LANGUAGE_KEY, app_settings

if TYPE_CHECKING:  # mixed into QtMainWindow, a QMainWindow
    _Window = QMainWindow
else:
    _Window = object


class HelpFlows(_Window):
    """Help and language (a mixin of the main window)."""

    dialogs: Dialogs
    language_menu: QMenu
    guide_dialog: GuideDialog | None
    shortcuts_dialog: ShortcutsDialog | None

    def choose_language(self, code: str, _checked: bool = False) -> None:
        """View > Language: remembered, and spoken from the next start (every panel is built in it)."""
        settings = app_settings()
        settings.setValue(LANGUAGE_KEY, code)
        settings.sync()
        for action in self.language_menu.actions():
            action.setChecked(action.objectName() == f"language_{code}")
        if code != language():
            self.dialogs.info(
                _("Language"), _("Workbench speaks {language} from its next start.").format(language=LANGUAGES[code])
            )

    @Slot()
    def show_guide(self) -> None:
        """Help > Guide (F1): at the entry of the setting that has the keyboard focus, if any."""
        term = glossary_term(QApplication.focusWidget())
        if self.guide_dialog is None:
            self.guide_dialog = GuideDialog(self)
        self.guide_dialog.show()
        self.guide_dialog.raise_()
        self.guide_dialog.show_term(term)

    @Slot()
    def show_shortcuts(self) -> None:
        """Help > Keyboard shortcuts: the menus' keys, then the keys of the layer list and the forms."""
        widget_keys = [(_(where), keys, _(what)) for where, keys, what in WIDGET_KEYS]
        self.shortcuts_dialog = ShortcutsDialog([*menu_shortcuts(self.menuBar()), *widget_keys], self)
        self.shortcuts_dialog.show()

    @Slot()
    def about(self) -> None:
        """Versions and devices, for bug reports and for curiosity."""
        QMessageBox.about(self, _("About Workbench"), self.about_text())

    def about_text(self) -> str:
        """The About box's text."""
        import pyqtgraph
        import PySide6
        import torch
        from PySide6.QtCore import qVersion

        from ..engine import available_devices
        from ..engine.device import device_label

        devices = ", ".join(device_label(torch.device(d)) for d in available_devices())
        what = _("Build neural networks in forms and watch them learn.")
        return (
            f"<b>Workbench {__version__}</b><br>{what}<br><br>"
            f"PyTorch {torch.__version__} · Qt {qVersion()} · PySide6 {PySide6.__version__} · "
            f"pyqtgraph {pyqtgraph.__version__} · Python {platform.python_version()}<br>"
            + _("Devices: {devices}").format(devices=devices)
        )
