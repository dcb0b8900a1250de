"""An autoencoder's latent space, live: the test set's codes on a plane, test pictures rebuilt,
pictures drawn from random codes, and a walk through the space."""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap, QResizeEvent
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QSplitter, QVBoxLayout, QWidget

from ...engine.events import LatentSnapshot
from ...i18n import N_, _
from ..preview import scatter_items, thumbnail_grid
from ..run_data import RunRecord
from ..theme import legend_above, themed_plot
from .axes import settle_view

EMPTY_TEXT = N_(
    "With an autoencoder (Model: autoencoder / VAE, in the network's settings), this shows where it puts "
    "each test sample in its latent space, the test pictures it rebuilds, pictures it makes from random codes "
    "and a walk through the space, while it learns."
)
COLUMNS = 8  # pictures a row
CELL_RANGE = (16, 40)  # pixels per picture: as many as the column's width gives, within this range


def paired_rows(originals: np.ndarray, rebuilt: np.ndarray, columns: int) -> np.ndarray:
    """Originals and their reconstructions in alternate rows: a row of test pictures, below it the
    same pictures rebuilt."""
    images = []
    for start in range(0, len(originals), columns):
        images += [originals[start : start + columns], rebuilt[start : start + columns]]
    return np.concatenate(images)


def grid_of(images: np.ndarray, columns: int, cell: int) -> QPixmap:
    """Pictures in rows of `columns`, without captions."""
    return thumbnail_grid(images, [""] * len(images), columns=columns, cell=cell)


def cell_size(width: int) -> int:
    """Pixels per picture for COLUMNS pictures in `width` pixels, within CELL_RANGE."""
    low, high = CELL_RANGE
    return max(low, min(high, (width - 4) // COLUMNS))


class LatentPanel(QWidget):
    """The current run's latest latent views (see `engine.autoencoder.LatentViews`)."""

    def __init__(self) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        self.caption = QLabel(_(EMPTY_TEXT))
        self.caption.setObjectName("latentCaption")
        self.caption.setWordWrap(True)
        layout.addWidget(self.caption)
        # The plane on the left; the pictures on the right, in a column that scrolls rather than
        # pushing the plots above out of the window, their size following the column's width.
        split = QSplitter(Qt.Orientation.Horizontal)
        self.plot = themed_plot(grid=True)
        self.plot.setObjectName("latentPlot")
        self.plot.setAccessibleName(_("The test set's latent codes, coloured by class"))
        self.item: Any = self.plot.getPlotItem()
        legend_above(self.plot, columns=5)
        split.addWidget(self.plot)
        side = QWidget()
        column = QVBoxLayout(side)
        column.setContentsMargins(4, 0, 0, 0)
        self.picture_area = QScrollArea()
        self.picture_area.setObjectName("latentPictures")
        self.picture_area.setWidgetResizable(True)
        self.picture_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.picture_area.setFrameShape(QFrame.Shape.NoFrame)
        self.picture_area.setWidget(side)
        split.addWidget(self.picture_area)
        split.setSizes([1, 1])
        self.titles: dict[str, QLabel] = {}
        self.pictures: dict[str, QLabel] = {}
        for name, accessible in (
            ("rebuilt", _("Test pictures and the same pictures rebuilt through the code")),
            ("samples", _("Pictures decoded from random codes")),
            ("walk", _("Pictures decoded along a walk through the latent space")),
        ):
            title = QLabel()
            title.setWordWrap(True)
            picture = QLabel()
            picture.setObjectName(f"latent_{name}")
            picture.setAccessibleName(accessible)
            column.addWidget(title)
            column.addWidget(picture)
            self.titles[name], self.pictures[name] = title, picture
        column.addStretch(1)
        layout.addWidget(split, 1)
        self.scatter: list[Any] = []
        self.shown: LatentSnapshot | None = None
        self.cell = 0  # the picture size the pictures were drawn at
        self.clear()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        if self.shown is not None and cell_size(self.picture_area.viewport().width()) != self.cell:
            self._show_pictures(self.shown)  # a wider or narrower column: the pictures follow
        if self.shown is not None:
            self._fit_legend()

    def show_run(self, record: RunRecord) -> None:
        """Draw `record`'s latest views (nothing to do when they have not changed)."""
        snapshot = record.shown_latent
        if snapshot is self.shown:
            return
        if snapshot is None:
            self.clear()
            return
        self.shown = snapshot
        self._show_codes(snapshot)
        self._show_pictures(snapshot)
        weights = (
            _("with the weights of epoch {epoch} (restored: the best)")
            if snapshot.restored
            else _("after epoch {epoch}")
        )
        plane = (
            _("its two code values")
            if snapshot.latent_size == 2
            else _("the two directions its {size} code values spread most along").format(size=snapshot.latent_size)
        )
        said = _("Where the autoencoder puts each test sample, {weights}: {plane}, coloured by class.")
        self.caption.setText(said.format(weights=weights.format(epoch=snapshot.epoch), plane=plane))

    def _show_codes(self, snapshot: LatentSnapshot) -> None:
        for item in self.scatter:
            self.item.removeItem(item)
        if self.item.legend is not None:
            self.item.legend.clear()
        names = snapshot.class_names or (_("samples"),)
        labels = snapshot.labels if len(snapshot.labels) == len(snapshot.codes) else np.zeros(len(snapshot.codes), int)
        self.scatter = scatter_items(snapshot.codes, labels, names)
        for item in self.scatter:
            self.item.addItem(item)
        self._fit_legend()
        self.item.getViewBox().autoRange(padding=0.05)
        settle_view(self.item.getViewBox())

    def _fit_legend(self) -> None:
        """As many legend columns as the plot's width holds (ten classes: five, four, ... two)."""
        legend = self.item.legend
        room = int(self.item.boundingRect().width()) - 20
        if legend is None or room <= 0:
            return
        for columns in (5, 4, 3):
            legend.setColumnCount(columns)
            if legend.boundingRect().width() <= room:
                return
        legend.setColumnCount(2)

    def _show_pictures(self, snapshot: LatentSnapshot) -> None:
        self.cell = cell = cell_size(self.picture_area.viewport().width())
        shown = {
            "rebuilt": snapshot.originals is not None and snapshot.rebuilt is not None,
            "samples": snapshot.samples is not None,
            "walk": snapshot.walk is not None,
        }
        for name, visible in shown.items():
            self.titles[name].setVisible(visible)
            self.pictures[name].setVisible(visible)
        if snapshot.originals is not None and snapshot.rebuilt is not None:
            images = paired_rows(snapshot.originals, snapshot.rebuilt, COLUMNS)
            self.titles["rebuilt"].setText(_("<b>Rebuilt</b>: rows of test pictures, each with the same rebuilt below"))
            self.pictures["rebuilt"].setPixmap(grid_of(images, COLUMNS, cell))
        if snapshot.samples is not None:
            self.titles["samples"].setText(_("<b>Made up</b>: decoded from random codes (a standard normal)"))
            self.pictures["samples"].setPixmap(grid_of(snapshot.samples, COLUMNS, cell))
        if snapshot.walk is not None:
            self.titles["walk"].setText(_("<b>Latent walk</b>: decoded across {walk}").format(walk=snapshot.walk_words))
            self.pictures["walk"].setPixmap(grid_of(snapshot.walk, snapshot.walk_columns, cell))

    def clear(self) -> None:
        """No views: a run of another kind of network, or none yet."""
        for item in self.scatter:
            self.item.removeItem(item)
        if self.item.legend is not None:
            self.item.legend.clear()
        self.scatter, self.shown = [], None
        for name in self.pictures:
            self.titles[name].hide()
            self.pictures[name].hide()
            self.pictures[name].clear()
        self.caption.setText(_(EMPTY_TEXT))
