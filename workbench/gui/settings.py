"""Where the window remembers its geometry and recent files (an INI file in the user's config folder)."""

from __future__ import annotations

import os

from PySide6.QtCore import QSettings

# Tests and the screenshot script point this at a scratch folder, so they never read or change
# the student's own settings.
SETTINGS_DIR_VARIABLE = "WORKBENCH_SETTINGS_DIR"


def app_settings() -> QSettings:
    """The window's settings store."""
    folder = os.environ.get(SETTINGS_DIR_VARIABLE)
    if folder:
        return QSettings(os.path.join(folder, "workbench.ini"), QSettings.Format.IniFormat)
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "Workbench", "Workbench")


LANGUAGE_KEY = "language"  # View > Language; absent: the system's (LANG)


def saved_language() -> str | None:
    """The language chosen in View > Language, or None to follow the system's."""
    value = app_settings().value(LANGUAGE_KEY)
    return value if isinstance(value, str) and value else None
