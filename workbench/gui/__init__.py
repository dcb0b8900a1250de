"""The window. The only floor that imports Qt, pyqtgraph and qasync."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import create_main_window, main

__all__ = ["create_main_window", "main"]


def __getattr__(name: str) -> Any:
    # Loaded on first use, so that `python -m workbench.gui.panels.<panel>` runs a panel alone
    # without the whole window being imported first.
    if name in __all__:
        from . import app

        return getattr(app, name)
    raise AttributeError(f"module 'workbench.gui' has no attribute {name!r}")
