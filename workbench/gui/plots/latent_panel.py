"""An autoencoder's latent space, live: the test set's codes on a plane, test pictures rebuilt,
pictures drawn from random codes, and a walk through the space."""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from ...engine.events import LatentSnapshot
from ..preview import scatter_items, thumbnail_grid
from ..run_data import RunRecord
from ..theme import legend_above, themed_plot
from .axes import settle_view

EMPTY_TEXT = (
    "With an autoencoder (Model: autoencoder / VAE, in the network's settings), this shows where it puts "
    "each test sample in its latent space, the test pictures it rebuilds, pictures it makes from random codes "
    "and a walk through the space, while it learns."
)
CELL = 30  # pixels per thumbnail: 16 pictures a row fit beside the plane at 1366x768


def paired_rows(originals: np.ndarray, rebuilt: np.ndarray, columns: int) -> tuple[np.ndarray, list[str]]:
    """Originals and their reconstructions in alternate rows (a row of test pictures, below it the
    same pictures rebuilt), with the captions that say which row is which."""
    images, captions = [], []
    for start in range(0, len(originals), columns):
        for part, word in ((originals, "test"), (rebuilt, "rebuilt")):
            chunk = part[start : start + columns]
            images.append(chunk)
            captions += [word] * len(chunk)
    return np.concatenate(images), captions


class LatentPanel(QWidget):
    """The current run's latest latent views (see `engine.autoencoder.LatentViews`)."""

    def __init__(self) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        self.caption = QLabel(EMPTY_TEXT)
        self.caption.setObjectName("latentCaption")
        self.caption.setWordWrap(True)
        layout.addWidget(self.caption)
        grid = QGridLayout()
        self.plot = themed_plot(grid=True)
        self.plot.setObjectName("latentPlot")
        self.plot.setAccessibleName("The test set's latent codes, coloured by class")
        self.item: Any = self.plot.getPlotItem()
        legend_above(self.plot, columns=5)
        grid.addWidget(self.plot, 0, 0, 6, 1)
        grid.setColumnStretch(0, 1)
        self.titles: dict[str, QLabel] = {}
        self.pictures: dict[str, QLabel] = {}
        for row, (name, accessible) in enumerate(
            (
                ("rebuilt", "Test pictures and the same pictures rebuilt through the code"),
                ("samples", "Pictures decoded from random codes"),
                ("walk", "Pictures decoded along a walk through the latent space"),
            )
        ):
            title = QLabel()
            title.setWordWrap(True)
            picture = QLabel()
            picture.setObjectName(f"latent_{name}")
            picture.setAccessibleName(accessible)
            grid.addWidget(title, 2 * row, 1)
            grid.addWidget(picture, 2 * row + 1, 1)
            self.titles[name], self.pictures[name] = title, picture
        layout.addLayout(grid, 1)
        self.scatter: list[Any] = []
        self.shown: LatentSnapshot | None = None
        self.clear()

    def show_run(self, record: RunRecord) -> None:
        """Draw `record`'s latest views (nothing to do when they have not changed)."""
        snapshot = record.latent
        if snapshot is self.shown:
            return
        if snapshot is None:
            self.clear()
            return
        self.shown = snapshot
        self._show_codes(snapshot)
        self._show_pictures(snapshot)
        weights = (
            f"with the weights of epoch {snapshot.epoch} (restored: the best)"
            if snapshot.restored
            else f"after epoch {snapshot.epoch}"
        )
        plane = (
            "its two code values"
            if snapshot.latent_size == 2
            else f"the two directions its {snapshot.latent_size} code values spread most along"
        )
        self.caption.setText(f"Where the autoencoder puts each test sample, {weights}: {plane}, coloured by class.")

    def _show_codes(self, snapshot: LatentSnapshot) -> None:
        for item in self.scatter:
            self.item.removeItem(item)
        if self.item.legend is not None:
            self.item.legend.clear()
        names = snapshot.class_names or ("samples",)
        labels = snapshot.labels if len(snapshot.labels) == len(snapshot.codes) else np.zeros(len(snapshot.codes), int)
        self.scatter = scatter_items(snapshot.codes, labels, names)
        for item in self.scatter:
            self.item.addItem(item)
        self.item.getViewBox().autoRange(padding=0.05)
        settle_view(self.item.getViewBox())

    def _show_pictures(self, snapshot: LatentSnapshot) -> None:
        shown = {
            "rebuilt": snapshot.originals is not None and snapshot.rebuilt is not None,
            "samples": snapshot.samples is not None,
            "walk": snapshot.walk is not None,
        }
        for name, visible in shown.items():
            self.titles[name].setVisible(visible)
            self.pictures[name].setVisible(visible)
        if snapshot.originals is not None and snapshot.rebuilt is not None:
            images, captions = paired_rows(snapshot.originals, snapshot.rebuilt, 8)
            self.titles["rebuilt"].setText("<b>Rebuilt</b>: test pictures, and below each row the same rebuilt")
            self.pictures["rebuilt"].setPixmap(thumbnail_grid(images, captions, columns=8, cell=CELL))
        if snapshot.samples is not None:
            self.titles["samples"].setText("<b>Made up</b>: decoded from random codes (a standard normal)")
            blank = [""] * len(snapshot.samples)
            self.pictures["samples"].setPixmap(thumbnail_grid(snapshot.samples, blank, columns=8, cell=CELL))
        if snapshot.walk is not None:
            self.titles["walk"].setText(f"<b>Latent walk</b>: decoded across {snapshot.walk_words}")
            blank = [""] * len(snapshot.walk)
            columns = snapshot.walk_columns
            self.pictures["walk"].setPixmap(thumbnail_grid(snapshot.walk, blank, columns=columns, cell=CELL))

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
        self.caption.setText(EMPTY_TEXT)
