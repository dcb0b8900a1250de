"""The epoch timeline under the plots: a slider over the run's epochs. Moving it shows every view at
that epoch (a marker on the curves, the weight histogram, the test result and its confusion
matrix, the decision boundary or the latent space, the network and what its layers make of an
example); choosing an epoch in Results is the same choice. While a run trains it follows the
newest epoch until the student takes it; "Live" follows again.

Under the slider a strip marks the epochs whose weights are kept (past a memory budget older ones
are thinned: the slider snaps to a kept one) and, in amber, those whose layer health raised a flag.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QStyle,
    QStyleOptionSlider,
    QVBoxLayout,
    QWidget,
)

from ...i18n import N_, _
from ..run_data import RunRecord
from ..theme import Tone, colour, foreground

SETTLE_MS = 150  # a slider dragged across many epochs asks for the one it rests on, not each
FOLLOW_TIP = N_("Show the weights the run ended with")
LIVE_TIP = N_("Follow the newest epoch again as the run trains")
SLIDER_TIP = N_("Every view at one epoch's weights: ←/→ one epoch, Home/End the first and the last")
STRIP_TIP = N_(
    "Marks: the epochs whose weights are kept (older ones are thinned when the run is long); amber where "
    "layer health raised a flag."
)


def snap(kept: list[int], wanted: int, before: int | None) -> int | None:
    """The kept epoch to show for slider position `wanted`, moving from `before`: itself when kept,
    else the next kept one in the direction of the move (the nearest when there is none that way)."""
    if not kept:
        return None
    if wanted in kept:
        return wanted
    later, earlier = [k for k in kept if k > wanted], [k for k in kept if k < wanted]
    if before is not None and wanted > before and later:
        return later[0]
    if before is not None and wanted < before and earlier:
        return earlier[-1]
    return min(kept, key=lambda k: (abs(k - wanted), k))


class JumpSlider(QSlider):
    """A slider that goes where it is clicked (as TensorBoard's step slider does), not a page at a
    time towards it; dragging on from there works as usual."""

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        if event.button() == Qt.MouseButton.LeftButton:
            option = QStyleOptionSlider()
            self.initStyleOption(option)
            handle = self.style().subControlRect(
                QStyle.ComplexControl.CC_Slider, option, QStyle.SubControl.SC_SliderHandle, self
            )
            if not handle.contains(event.position().toPoint()):
                span = max(self.width() - handle.width(), 1)
                x = int(event.position().x()) - handle.width() // 2
                self.setValue(QStyle.sliderValueFromPosition(self.minimum(), self.maximum(), x, span))
        super().mousePressEvent(event)


class EpochStrip(QWidget):
    """Ticks under the slider: a kept epoch's short and grey, a flagged one's tall and amber."""

    def __init__(self, slider: QSlider) -> None:
        super().__init__()
        self.slider = slider
        self.setObjectName("epochStrip")
        self.setToolTip(_(STRIP_TIP))
        self.setFixedHeight(7)
        self.kept: list[int] = []
        self.flagged: list[int] = []
        self.count = 0

    def show_marks(self, count: int, kept: list[int], flagged: list[int]) -> None:
        """Mark `kept` and `flagged` epochs (from 0) of `count`."""
        if (count, kept, flagged) != (self.count, self.kept, self.flagged):
            self.count, self.kept, self.flagged = count, kept, flagged
            self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(100, 7)

    def _x(self, epoch: int) -> float:
        """Where the slider's handle stands for `epoch`, in this strip's coordinates."""
        option = QStyleOptionSlider()
        self.slider.initStyleOption(option)
        groove = self.slider.style().subControlRect(
            QStyle.ComplexControl.CC_Slider, option, QStyle.SubControl.SC_SliderGroove, self.slider
        )
        handle = self.slider.style().subControlRect(
            QStyle.ComplexControl.CC_Slider, option, QStyle.SubControl.SC_SliderHandle, self.slider
        )
        span = max(groove.width() - handle.width(), 1)
        share = epoch / max(self.count - 1, 1)
        return self.slider.x() - self.x() + groove.x() + handle.width() / 2 + share * span

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        if self.count < 2:
            return
        painter = QPainter(self)
        grey = QColor(foreground())
        grey.setAlphaF(0.45)
        for epoch in self.kept:
            painter.fillRect(QRectF(self._x(epoch) - 0.5, 0, 1.2, 3), grey)
        amber = colour(Tone.ADVICE)
        for epoch in self.flagged:
            painter.fillRect(QRectF(self._x(epoch) - 1.5, 0, 3, 7), amber)
        painter.end()


class EpochTimeline(QWidget):
    """A slider over the run's epochs; `epoch_chosen(epoch or None)` when the student picks one."""

    epoch_chosen = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("epochTimeline")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(4, 0, 4, 0)
        outer.setSpacing(0)
        layout = QHBoxLayout()
        outer.addLayout(layout)
        layout.addWidget(QLabel(_("<b>Epoch</b>")))
        column = QVBoxLayout()
        column.setSpacing(0)
        self.slider = JumpSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("epochSlider")
        self.slider.setAccessibleName(_("Epoch shown"))
        self.slider.setPageStep(5)
        self.slider.valueChanged.connect(self._moved)
        column.addWidget(self.slider)
        self.strip = EpochStrip(self.slider)
        column.addWidget(self.strip)
        layout.addLayout(column, 1)
        self.label = QLabel()
        self.label.setObjectName("epochShown")
        self.label.setMinimumWidth(self.label.fontMetrics().horizontalAdvance(_("epoch {epoch} of {epochs}") + "8888"))
        layout.addWidget(self.label)
        self.follow = QPushButton(_("End of run"))
        self.follow.setObjectName("followButton")
        self.follow.clicked.connect(lambda: self.epoch_chosen.emit(None))
        layout.addWidget(self.follow)
        self.epochs: list[int] = []  # the epochs (from 0) the views can show
        self.at: int | None = None  # the epoch the slider stands on
        self.settle = QTimer(self)
        self.settle.setSingleShot(True)
        self.settle.setInterval(SETTLE_MS)
        self.settle.timeout.connect(self._choose)
        self.show_run(None, False)  # nothing to show before a run's first epoch

    def show_run(self, record: RunRecord | None, running: bool) -> None:
        """Follow `record`: its epochs (all of them while it trains, the kept ones after), the one
        chosen, or its newest while it trains, or the one its weights ended with."""
        done = len(record.epochs) if record is not None else 0
        self.setVisible(done > 0)
        if record is None:
            self.epochs, self.at = [], None
            self.slider.setEnabled(False)
            return
        kept = list(range(done)) if running else sorted(record.snapshot_epochs)
        chosen = record.chosen_epoch
        ended_with = record.ended.weights_epoch if record.ended is not None else None
        at = chosen if chosen is not None else (done - 1 if running else ended_with)
        self.epochs, self.at = kept, at
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(done - 1, 0))
        if not self.settle.isActive() and at is not None:  # not while the student moves it
            self.slider.setValue(at)
        self.slider.blockSignals(False)
        self.slider.setEnabled(len(kept) > 1)
        flagged = sorted({report.epoch for report in record.health if report.flags})
        self.strip.show_marks(done, [] if running else kept, flagged)
        self.follow.setText(_("Live") if running else _("End of run"))
        self.follow.setToolTip(_(LIVE_TIP if running else FOLLOW_TIP))
        self.follow.setEnabled(chosen is not None)
        following = running and chosen is None
        shown = done if following or at is None else at + 1
        words = _("epoch {epoch} (live)") if following else _("epoch {epoch} of {epochs}")
        self.label.setText(words.format(epoch=shown, epochs=done))
        self.slider.setToolTip(_(SLIDER_TIP))

    @Slot(int)
    def _moved(self, _position: int) -> None:
        self.settle.start()

    @Slot()
    def _choose(self) -> None:
        epoch = snap(self.epochs, self.slider.value(), self.at)
        if epoch is None:
            return
        if epoch != self.slider.value():
            self.slider.blockSignals(True)
            self.slider.setValue(epoch)  # a dropped epoch: the slider stands on the one shown
            self.slider.blockSignals(False)
        self.at = epoch
        self.epoch_chosen.emit(epoch)
