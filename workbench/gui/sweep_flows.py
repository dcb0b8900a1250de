"""Repeats, sweeps and variants from the window (a mixin of the main window): each a sweep folder
and a sweep window (`sweep_view`) whose queue trains `workbench train` processes beside the
window; Open sweep reopens a folder; closing the window asks before dropping queued runs."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QStandardPaths, Slot
from PySide6.QtWidgets import QMainWindow, QSpinBox

from ..engine.sweep_folder import SweepFolder, SweepFolderError
from ..i18n import _
from ..spec import SpecError
from ..spec.sweep import Vary
from .dialogs import Dialogs
from .document import ExperimentDocument
from .sweep_session import SweepSession
from .sweep_view import SweepWindow

if TYPE_CHECKING:  # mixed into QtMainWindow, a QMainWindow, beside its file flows
    from collections.abc import Callable

    from .run import RunController
    from .window_state import WindowState

    _Window = QMainWindow
else:
    _Window = object


def default_sweeps_root() -> Path:
    """Where the window keeps its sweeps (Open sweep starts there): among the student's documents,
    where a file manager finds them."""
    places = QStandardPaths.StandardLocation
    documents = QStandardPaths.writableLocation(places.DocumentsLocation)
    if documents:
        return Path(documents) / "Workbench sweeps"
    return Path(QStandardPaths.writableLocation(places.AppDataLocation)) / "sweeps"


class SweepFlows(_Window):
    """Repeat ×N, Vary one setting, Train the variants and Open sweep."""

    document: ExperimentDocument
    dialogs: Dialogs
    runs: RunController
    repeat_box: QSpinBox
    sweeps_root: Path
    sweep_windows: list[SweepWindow]

    if TYPE_CHECKING:  # the file flows' (`file_flows.FileFlows`)

        def _agree_to_leave(self, action: str, then: Callable[[], object]) -> Callable[[], None] | None: ...
        def open_run(self, path: Path, left: Callable[[], None] = ...) -> None: ...
        def window_state(self) -> WindowState: ...
        def show_state(self) -> None: ...

    @Slot()
    def repeat(self) -> None:
        """Train the experiment N times (the box beside Train), each with its own seed."""
        self._start_sweep(None, self.repeat_box.value(), _("{count} seeds").format(count=self.repeat_box.value()))

    @Slot()
    def vary_setting(self) -> None:
        """Choose a setting, its values and the seeds, then queue the runs."""
        self._ask_vary(variants=False)

    @Slot()
    def train_variants(self) -> None:
        """Queue the variants the experiment file carries (the RNN and the LSTM, β 1 and β 0)."""
        self._ask_vary(variants=True)

    def vary_place(self, place: str) -> None:
        """Vary the setting at `place` (a form row's name right-clicked)."""
        from ..spec.sweep import sweepable
        from .window_state import Act, controls

        why = controls(self.window_state()).get(Act.VARY)
        if why is not None and not why.enabled:
            self.dialogs.error(_("Cannot start the sweep"), why.why)
        elif place not in sweepable(self.document.spec):
            self.dialogs.error(
                _("Cannot start the sweep"),
                _(
                    "{setting} is not varied by a sweep: names, files, the seed and what early stopping watches stay"
                ).format(setting=place),
            )
        else:
            self._ask_vary(variants=False, place=place)

    def _ask_vary(self, variants: bool, place: str | None = None) -> None:
        chosen = self.dialogs.vary(self.document.spec, variants, self.repeat_box.value(), place)
        if chosen is not None:
            vary, seeds = chosen
            self._start_sweep(vary, seeds, vary.path.rsplit(".", 1)[-1])

    def _start_sweep(self, vary: Vary | None, seeds: int, what: str) -> None:
        if self.document.problems():
            self.dialogs.error(_("Cannot start the sweep"), str(self.document.problems()[0]))
            return
        out = self._new_sweep_folder(what)
        try:
            base = self.document.base_dir
            folder = SweepFolder(out, self.document.spec, vary, seeds, base.resolve() if base is not None else None)
            folder.take()
        except (SpecError, SweepFolderError) as exc:
            self.dialogs.error(_("Cannot start the sweep"), str(exc))
            return
        self._show_sweep(SweepSession(folder), start=True)

    def _new_sweep_folder(self, what: str) -> Path:
        name = re.sub(r"[^\w.+-]+", "_", f"{self.document.title} {what}").strip("_")[:60] or "sweep"
        stamp = time.strftime("%Y-%m-%d_%H-%M-%S")
        out, n = self.sweeps_root / f"{name}_{stamp}", 1
        while out.exists():
            n += 1
            out = self.sweeps_root / f"{name}_{stamp}_{n}"
        return out

    @Slot()
    def open_sweep_dialog(self) -> None:
        """Reopen a sweep's folder: its queue, plots, table and verdict (and the rest to train)."""
        path = self.dialogs.open_sweep_path(self.sweeps_root)
        if path is not None:
            self.open_sweep(path)

    def open_sweep(self, path: Path) -> None:
        for window in self.sweep_windows:  # open already: that window, never a second queue on one folder
            if window.session.folder.out.resolve() == path.resolve():
                window.show()
                window.raise_()
                window.activateWindow()
                return
        try:
            folder = SweepFolder.open(path)
        except SweepFolderError as exc:
            self.dialogs.error(_("Cannot open the sweep"), str(exc))
            return
        self._show_sweep(SweepSession(folder), start=False)

    def _show_sweep(self, session: SweepSession, start: bool) -> None:
        title = _(session.folder.experiment.name) or session.folder.out.name  # a preset's name in the catalog
        window = SweepWindow(
            session, title, self.open_sweep_run, self._ask_stop_sweep, self, start=start, changed=self.show_state
        )
        window.destroyed.connect(lambda _obj=None, w=window: self._forget_sweep(w))
        self.sweep_windows.append(window)  # kept here: a window nobody holds would be collected
        window.show()
        self.show_state()

    def _forget_sweep(self, window: SweepWindow) -> None:
        if window in self.sweep_windows:
            self.sweep_windows.remove(window)

    def _ask_stop_sweep(self, session: SweepSession) -> bool:
        return self.dialogs.stop_sweep(session.waiting, session.folder.out)

    def open_sweep_run(self, path: Path) -> None:
        """Open one finished run of a sweep in this window, as Open saved run does."""
        if self.runs.running:
            self.dialogs.error(
                _("Cannot open the saved run"),
                _("A run is under way: this waits until it ends (Stop ends it after the current batch)."),
            )
            return
        left = self._agree_to_leave(_("opening {file}").format(file=path.name), lambda: self.open_sweep_run(path))
        if left is not None:
            self.open_run(path, left)
        self.raise_()
        self.activateWindow()

    def sweep_runs(self) -> int:
        """How many runs of the open sweeps are queued or training."""
        return sum(window.session.waiting for window in self.sweep_windows)

    def sweeps_may_stop(self) -> bool:
        """Before the window closes: whether the student agrees to stop the sweeps still training."""
        active = [window for window in self.sweep_windows if window.session.active]
        waiting = sum(window.session.waiting for window in active)
        return not active or self.dialogs.stop_sweep(waiting, active[0].session.folder.out)

    def stop_sweeps(self) -> None:
        """Stop every sweep's runs (each stops after its batch and saves what it learned)."""
        for window in self.sweep_windows:
            window.session.stop()
