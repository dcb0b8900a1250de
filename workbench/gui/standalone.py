"""Show one panel alone on the default experiment: `python -m workbench.gui.panels.<panel>`."""

from __future__ import annotations

import sys
from collections.abc import Callable

from PySide6.QtWidgets import QApplication, QWidget

from .document import ExperimentDocument


def show(make: Callable[[ExperimentDocument], QWidget]) -> None:
    """Open the panel `make` builds in its own window and run until it closes."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    document = ExperimentDocument()
    panel = make(document)
    panel.resize(480, 640)
    panel.show()
    sys.exit(app.exec())
