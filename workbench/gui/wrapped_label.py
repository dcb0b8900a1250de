"""A word-wrapped label that takes the height its text needs at its width.

A plain QLabel with word wrap reports height-for-width, which layouts inside scroll areas do not
honour: they give it the height of one line and a half (the second line cut), or lay the whole
scrolling page out at the label's preferred, much taller height. This label tells its layout no
height-for-width and sets its own minimum height whenever its width or its text changes.
"""

from __future__ import annotations

from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel


class WrappedLabel(QLabel):
    """A wrapped sentence (a banner, an error, a tip) at the height its lines need."""

    def __init__(self, text: str = "") -> None:
        super().__init__(text)
        self.setWordWrap(True)

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt's name; QLabel turns it back on with each text
        return False

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._fit()

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's name
        super().setText(text)
        self._fit()

    def _fit(self) -> None:
        needed = max(self.heightForWidth(max(self.width(), 200)), 0) if self.text() else 0
        if needed != self.minimumHeight():
            self.setMinimumHeight(needed)
