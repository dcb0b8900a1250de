"""Garbage is collected on the GUI thread only: a cycle dropped while a training or job thread
allocates waits for the GUI thread's timer (workbench.gui.collector)."""

from __future__ import annotations

import gc
import threading

from pytestqt.qtbot import QtBot

from workbench.gui.collector import collect_on_gui_thread


class Cycle:
    """An object in a reference cycle that says which thread destroyed it."""

    def __init__(self, seen: list[int]) -> None:
        self.me = self
        self.seen = seen

    def __del__(self) -> None:
        self.seen.append(threading.get_ident())


def test_a_cycle_is_collected_on_the_gui_thread_not_where_it_was_dropped(qtbot: QtBot, qapp: object) -> None:
    collector = collect_on_gui_thread(qapp)  # type: ignore[arg-type]
    assert not gc.isenabled()
    seen: list[int] = []
    kept: list[list[int]] = []

    def work() -> None:  # a training thread's Python: it drops a cycle and allocates on
        Cycle(seen)
        kept.extend([index] for index in range(200_000))  # hundreds of generation-0 thresholds' worth

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert seen == []  # nothing collected in the worker thread ...
    qtbot.waitUntil(lambda: bool(seen), timeout=5_000)
    assert seen == [threading.get_ident()]  # ... but soon on the GUI thread
    collector.stop()
    assert gc.isenabled()
