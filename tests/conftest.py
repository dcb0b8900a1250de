"""Shared test setup: Qt runs offscreen; the repository root is known."""

import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parent.parent
PRESETS = ROOT / "resources" / "presets"
