"""Where Workbench keeps downloaded datasets on each platform."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def user_data_dir() -> Path:
    """The per-user data folder: ~/.local/share/workbench on Linux, the platform's equivalent elsewhere."""
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
        return base / "Workbench"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "Workbench"
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "workbench"


def datasets_dir() -> Path:
    """Default folder for torchvision datasets (MNIST, Fashion-MNIST, CIFAR-10)."""
    return user_data_dir() / "datasets"
