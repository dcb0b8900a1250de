"""Shared test setup: Qt runs offscreen; the repository root is known."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Tests read English, whatever the machine's language (the translations have tests of their own).
os.environ["LANGUAGE"] = "en"
# The window's settings (geometry, recent files) go to a scratch folder, never the user's.
os.environ["WORKBENCH_SETTINGS_DIR"] = tempfile.mkdtemp(prefix="workbench-settings-")

ROOT = Path(__file__).resolve().parent.parent
PRESETS = ROOT / "resources" / "presets"
