"""PySide6 6.12 on Python 3.11 aborted after a few hundred Signal.emit() calls; guard against it.

The emits run in a child process so that an interpreter abort fails this test, not the suite.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    from PySide6.QtCore import QCoreApplication, QObject, Signal, Slot

    class Source(QObject):
        changed = Signal(object)

    class Sink(QObject):
        def __init__(self):
            super().__init__()
            self.count = 0

        @Slot(object)
        def receive(self, value):
            self.count += 1

    app = QCoreApplication([])
    source, sink = Source(), Sink()
    source.changed.connect(sink.receive)
    for i in range(20_000):
        source.changed.emit(i % 2 == 0)
    print(sink.count)
    """
)


def test_twenty_thousand_emits() -> None:
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "20000"
