"""The window. The only floor that imports Qt, pyqtgraph and qasync."""

from .app import create_main_window, main

__all__ = ["create_main_window", "main"]
