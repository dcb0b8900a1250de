"""The run bar: Train, Continue, Pause, Stop, the run's progress and Export; and the progress as
the status bar tells it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QMainWindow, QProgressBar, QPushButton, QSpinBox, QToolBar, QToolButton

from ..engine.events import StopReason
from ..i18n import _
from .run import RunController
from .theme import progress_style

PROGRESS_STEPS = 1000

if TYPE_CHECKING:  # mixed into QtMainWindow, a QMainWindow
    _Window = QMainWindow
else:
    _Window = object


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}:{secs:02d}" if minutes < 60 else f"{minutes // 60}:{minutes % 60:02d}:{secs:02d}"


class RunBar(_Window):
    """The run bar's buttons and progress (a mixin of the main window)."""

    runs: RunController
    train_button: QPushButton
    repeat_button: QPushButton
    repeat_box: QSpinBox  # how many seeds Repeat trains
    continue_button: QPushButton
    pause_button: QPushButton
    stop_button: QPushButton
    export_button: QToolButton  # its arrow: a menu of the exports (`actions.build_actions`)
    progress: QProgressBar
    progress_action: QAction
    lock_label: QLabel
    lock_action: QAction

    def _build_run_bar(self) -> None:
        bar = QToolBar(_("Run"))
        bar.setObjectName("runToolBar")
        bar.setMovable(False)
        self.train_button = QPushButton("▶  " + _("Train"))
        self.repeat_button = QPushButton(_("Repeat ×"))
        self.repeat_box = QSpinBox()
        self.repeat_box.setObjectName("repeatBox")
        self.repeat_box.setRange(2, 20)
        self.repeat_box.setValue(3)  # enough to see a spread; more on a machine with cores to spare
        self.repeat_box.setAccessibleName(_("Seeds to repeat over"))
        self.repeat_box.setToolTip(_("How many seeds Repeat trains the experiment with"))
        self.continue_button = QPushButton("»  " + _("Continue"))
        self.pause_button = QPushButton(_("Pause"))
        self.stop_button = QPushButton("■  " + _("Stop"))
        self.export_button = QToolButton()
        self.export_button.setText(_("Export model…"))
        self.export_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        for button, name in (
            (self.train_button, "trainButton"),
            (self.repeat_button, "repeatButton"),
            (self.continue_button, "continueButton"),
            (self.pause_button, "pauseButton"),
            (self.stop_button, "stopButton"),
            (self.export_button, "exportButton"),
        ):
            button.setObjectName(name)
            button.setAccessibleName(button.text().strip("▶»■× "))
            bar.addWidget(button)
            if button is self.repeat_button:
                bar.addWidget(self.repeat_box)
        self.progress = QProgressBar()
        self.progress.setObjectName("runProgress")
        self.progress.setAccessibleName(_("Progress of the run"))
        self.progress.setRange(0, PROGRESS_STEPS)
        self.progress.setFixedWidth(
            self.progress.fontMetrics().horizontalAdvance(
                _("Paused · epoch {done}/{planned}").format(done=888, planned=888)
            )
            + 40
        )
        self.progress.setToolTip(_("Epochs done, and how far into the current one"))
        self.progress.setStyleSheet(progress_style())  # its text reads over the fill and beside it alike
        self.progress_action = bar.insertWidget(bar.actions()[-1], self.progress)  # between Stop and Export
        self.progress_action.setVisible(False)  # a toolbar shows its widgets through their actions
        self.lock_label = QLabel("   " + _("Settings are locked while training."))
        self.lock_label.setObjectName("lockLabel")
        self.lock_action = bar.addWidget(self.lock_label)
        self.lock_action.setVisible(False)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)

    def _set_progress(self, done: float, text: str) -> None:
        if not self.progress_action.isVisible():  # showing it again would lay the toolbar out again
            self.progress_action.setVisible(True)
        value = round(PROGRESS_STEPS * min(max(done, 0.0), 1.0))
        if value != self.progress.value() or text != self.progress.format():  # each change repaints it
            self.progress.setValue(value)
            self.progress.setFormat(text)

    def _show_run_end(self) -> None:
        """The progress bar after a run: how far it got."""
        record = self.runs.current
        if record is None or record.ended is None:
            return
        planned = record.started.epochs if record.started else max(record.ended.epochs_done, 1)
        done = record.ended.epochs_done
        if record.ended.reason is StopReason.EARLY_STOPPED:  # finished, by its own rule: a full bar
            self._set_progress(1.0, _("stopped early: {done}/{planned} epochs").format(done=done, planned=planned))
        else:
            self._set_progress(done / max(planned, 1), _("{done}/{planned} epochs").format(done=done, planned=planned))

    @Slot()
    def _show_progress(self) -> None:
        record = self.runs.current
        if record is None or not self.runs.running or record.progress is None:
            return
        p = record.progress
        done = (p.epoch + p.batch / max(p.batches, 1)) / max(p.epochs, 1)
        at = {"done": p.epoch + 1, "planned": p.epochs}
        self._set_progress(
            done,
            (_("Paused · epoch {done}/{planned}") if self.runs.paused else _("epoch {done}/{planned}")).format(**at),
        )
        remaining = p.elapsed * (1 - done) / done if done > 0 else 0.0
        device = record.started.device if record.started else ""
        words = _("Epoch {done}/{planned} · step {step} · {speed} samples/s · {elapsed} elapsed · about {left} left")
        numbers = {"step": f"{p.step:,}", "speed": f"{p.samples_per_second:,.0f}"}
        said = words.format(**at, **numbers, elapsed=_clock(p.elapsed), left=_clock(remaining))
        self.statusBar().showMessage((_("Paused") + " · " if self.runs.paused else "") + f"{said} · {device}")
