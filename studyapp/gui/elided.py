"""A one-line label that never clips its message: elided to its width, the whole text on hover.

The status bars use it: a message longer than the window (a deck folder's full path and what
its sync changed) was cut off at the window's edge, with no way to read the rest."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from studyapp.gui.tooltip import plain_tooltip

__all__ = ["MESSAGE_SHOWN_MS", "ElidedLabel"]

MESSAGE_SHOWN_MS = 10_000
"""How long a status line shows what an action did before it clears, as
``QStatusBar.showMessage(text, ms)`` and Anki's tooltips go (Anki's last 3 s; a line here
can name a folder and five counts, ~90 characters, so it gets time for a glance away and
back). "Added the folder course/decks: 2,000 new" stayed all day, long after it was news."""


class ElidedLabel(QLabel):
    """Shows as much of its text as fits, with "…" in the middle (a path keeps both ends);
    when anything is left out the tooltip holds the whole text. :meth:`text` is the whole
    text, as set."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        # Its width comes from the layout, never from the text: a long message must not
        # widen the window (or the status bar) to fit.
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setMinimumWidth(1)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setText(text)

    def setText(self, text: str) -> None:
        self._full = text
        self._elide()

    def text(self) -> str:
        return self._full

    def shown_text(self) -> str:
        """What is on screen now (the whole text, or an elided part of it)."""
        return super().text()

    def _elide(self) -> None:
        width = max(0, self.contentsRect().width())
        shown = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideMiddle, width)
        super().setText(shown)
        self.setToolTip(plain_tooltip(self._full) if shown != self._full else "")

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()
