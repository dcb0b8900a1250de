"""The epoch timeline under the plots: a slider over the epochs whose weights the run keeps. Moving
it shows every view at that epoch (a marker on the curves, the weight histogram, the test result
and its confusion matrix, the decision boundary or the latent space); choosing an epoch in Results
is the same choice. While a run trains it follows the newest epoch."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QWidget

from ...i18n import N_, _
from ..run_data import RunRecord

SETTLE_MS = 150  # a slider dragged across many epochs asks for the one it rests on, not each
FOLLOW_TIP = N_("Show the weights the run ended with (or, while it trains, its newest epoch)")
SLIDER_TIP = N_("Every view at one epoch's weights: ←/→ one epoch, Home/End the first and the last")
LIVE_TIP = N_("While the run trains, the timeline follows its newest epoch.")


class EpochTimeline(QWidget):
    """A slider over the kept epochs; `epoch_chosen(epoch or None)` when the student picks one."""

    epoch_chosen = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("epochTimeline")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.addWidget(QLabel(_("<b>Epoch</b>")))
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("epochSlider")
        self.slider.setAccessibleName(_("Epoch shown"))
        self.slider.setPageStep(5)
        self.slider.valueChanged.connect(self._moved)
        layout.addWidget(self.slider, 1)
        self.label = QLabel()
        self.label.setObjectName("epochShown")
        self.label.setMinimumWidth(self.label.fontMetrics().horizontalAdvance(_("epoch {epoch} of {epochs}") + "8888"))
        layout.addWidget(self.label)
        self.follow = QPushButton(_("End of run"))
        self.follow.setObjectName("followButton")
        self.follow.setToolTip(_(FOLLOW_TIP))
        self.follow.clicked.connect(lambda: self.epoch_chosen.emit(None))
        layout.addWidget(self.follow)
        self.epochs: list[int] = []  # the kept epochs (from 0), one a slider position
        self.settle = QTimer(self)
        self.settle.setSingleShot(True)
        self.settle.setInterval(SETTLE_MS)
        self.settle.timeout.connect(self._choose)
        self.show_run(None, False)  # nothing to show before a run's first epoch

    def show_run(self, record: RunRecord | None, running: bool) -> None:
        """Follow `record`: its kept epochs, the one chosen, or (while it trains) its newest."""
        done = len(record.epochs) if record is not None else 0
        self.setVisible(done > 0)
        kept = sorted(record.snapshot_epochs) if record is not None and not running else []
        chosen = record.chosen_epoch if record is not None and not running else None
        ended_with = record.ended.weights_epoch if record is not None and record.ended is not None else None
        at = chosen if chosen is not None else ended_with  # the weights the views show
        self.epochs = kept
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(len(kept) - 1, 0))
        if not self.settle.isActive():  # not while the student moves it
            self.slider.setValue(kept.index(at) if at in kept else len(kept) - 1)
        self.slider.blockSignals(False)
        self.slider.setEnabled(len(kept) > 1)
        self.follow.setEnabled(chosen is not None)
        shown = at + 1 if at is not None and not running else done
        words = _("epoch {epoch} of {epochs}") if chosen is not None or not running else _("epoch {epoch} (live)")
        self.label.setText(words.format(epoch=shown, epochs=done))
        self.slider.setToolTip(_(LIVE_TIP if running else SLIDER_TIP))

    @Slot(int)
    def _moved(self, _position: int) -> None:
        self.settle.start()

    @Slot()
    def _choose(self) -> None:
        if self.epochs:
            position = min(max(self.slider.value(), 0), len(self.epochs) - 1)
            self.epoch_chosen.emit(self.epochs[position])
