"""A one-line label that never clips its message: elided to its width, the whole text on hover.

The status bars use it: a message longer than the window (a deck folder's full path and what
its sync changed) was cut off at the window's edge, with no way to read the rest."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from studyapp.gui.tooltip import plain_tooltip

__all__ = ["MESSAGE_SHOWN_MS", "ElidedLabel", "StatusLine"]

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


class StatusLine(ElidedLabel):
    """A status bar's line: what an action did (:meth:`say`) shows for a while, then the line
    goes back to what ``resting`` says is still true (a damaged store, the action under way,
    the cards selected; "" for nothing). The main window and the browser each had this timer
    and its fallback written out."""

    def __init__(self, resting: Callable[[], str], parent: QWidget | None = None) -> None:
        super().__init__(parent=parent)
        self._resting = resting
        self._clear = QTimer(self)
        self._clear.setSingleShot(True)
        self._clear.timeout.connect(self._timed_out)

    def say(self, text: str, *, stays: bool = False, shown_ms: int = MESSAGE_SHOWN_MS) -> None:
        """Show ``text``; unless it ``stays`` (a state still true while it shows: work under
        way, a damaged store), the resting line comes back after ``shown_ms``. Each message
        restarts or stops the one timer, so an earlier message's timeout never cuts a later
        one."""
        self.setText(text)
        if stays:
            self._clear.stop()
        else:
            self._clear.start(shown_ms)

    def _timed_out(self) -> None:
        self.setText(self._resting())
