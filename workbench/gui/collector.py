"""Python's cyclic garbage collector, run on the GUI thread only.

The window's process runs Python in other threads too (the thread back end's training, job
threads, downloads). Left automatic, the collector runs in whichever thread allocates when a
generation fills up; if the garbage it finds holds Qt objects (a closed dialog, a panel and its
signal connections), their C++ destructors then run in that thread, and `QObject::~QObject` can wait
there for the interpreter forever. So automatic collection is switched off in this process and a
GUI-thread timer collects instead, by the same per-generation thresholds (pyqtgraph's
`GarbageCollector` recipe). Memory measured with and without it: bench/gc_bench.py.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer, Slot
from PySide6.QtWidgets import QApplication

INTERVAL_MS = 200  # a cycle waits at most this long; a check that finds nothing costs a microsecond
INSTALLED = "workbenchGuiCollector"  # the application's Qt property: the collector's object name


class QtGuiThreadCollector(QObject):
    """Collects garbage from a GUI-thread timer, generation by generation, as Python would."""

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self.setObjectName(INSTALLED)
        self.threshold = gc.get_threshold()
        self.timer = QTimer(self)
        self.timer.setInterval(INTERVAL_MS)
        self.timer.timeout.connect(self.check)

    def start(self) -> None:
        """Switch automatic collection off and collect from the timer instead."""
        gc.disable()
        self.timer.start()

    def stop(self) -> None:
        """Back to Python's own automatic collection (tests, or a process whose window is gone)."""
        self.timer.stop()
        gc.enable()

    @Slot()
    def check(self) -> None:
        """Collect the generations whose allocation counts passed their thresholds."""
        counts = gc.get_count()
        if counts[0] <= self.threshold[0]:
            return
        generation = 0
        if counts[1] > self.threshold[1]:
            generation = 2 if counts[2] > self.threshold[2] else 1
        gc.collect(generation)


def collect_on_gui_thread(app: QApplication) -> QtGuiThreadCollector:
    """The application's collector, started once."""
    found = app.findChild(QtGuiThreadCollector, INSTALLED)
    collector = found if isinstance(found, QtGuiThreadCollector) else QtGuiThreadCollector(app)
    collector.start()
    return collector
