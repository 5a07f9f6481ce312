"""The light part of a card's pictures: the room one gets in a text view, what the view
watches for (a click on a picture, a settled resize), and the key that shows it big.

Kept apart from :mod:`studyapp.gui.images` (the pictures' drawing, Qt SVG, the zoom
viewer), which the review screen imports only when a card has a picture to draw or zoom:
making the review screen then imports neither: importing the review screen 6.3 -> 1.6 ms of
CPU (medians of 7, interleaved, load 8), the start-up to the first card's peak RSS at
200,000 notes 103.2 -> 102.6 MB (7 runs each; issue 19).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QPoint, Qt, QTimer
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QTextEdit

if TYPE_CHECKING:
    from studyapp.gui.richtext import SafeTextView

__all__ = [
    "DOCUMENT_MARGIN",
    "FIGURE_MARGINS",
    "MIN_SIDE",
    "ZOOM_KEY",
    "picture_room",
    "watch_image_clicks",
    "watch_resizes",
]

MIN_SIDE = 80
"""Logical pixels: the smallest room a picture is ever given, however small the view."""
DOCUMENT_MARGIN = 4
"""QTextDocument's margin around a card's text (Qt's default), on each side."""
FIGURE_MARGINS = 12 + 6 + 6
"""The figure paragraph's top and bottom margin (``card_css``) and a little slack, so a
picture as tall as the view fits in it whole when scrolled to."""
ZOOM_KEY = Qt.Key.Key_Z
"""The key that shows a card's picture big (review and preview); Ctrl+Z stays undo."""


def picture_room(viewport: tuple[int, int]) -> tuple[int, int]:
    """The room a card's picture (with its light card) gets in a text view whose viewport is
    ``viewport`` (width, height) logical pixels: the text's full width, and at most the
    view's height, so the whole picture fits on screen once scrolled to (the question or
    answer stays above it, and the card scrolls)."""
    width = viewport[0] - 2 * DOCUMENT_MARGIN - 2
    height = viewport[1] - 2 * DOCUMENT_MARGIN - FIGURE_MARGINS
    return max(MIN_SIDE, width), max(MIN_SIDE, height)


def _image_at(view: QTextEdit, point: QPoint) -> str | None:
    from studyapp.gui.images import image_at

    return image_at(view, point)


class _ClickWatcher(QObject):
    """Turns a click on a picture in a text view into ``opened(name)``; a pointing hand over
    a picture says it can be clicked."""

    def __init__(self, view: QTextEdit, opened: Callable[[str], None]) -> None:
        super().__init__(view)
        self._view = view
        self._opened = opened
        self._pressed: str | None = None
        view.viewport().setMouseTracking(True)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if isinstance(event, QMouseEvent) and event.button() == Qt.MouseButton.LeftButton:
            name = _image_at(self._view, event.position().toPoint())
            if kind == QEvent.Type.MouseButtonPress:
                self._pressed = name
            elif kind == QEvent.Type.MouseButtonRelease:
                pressed, self._pressed = self._pressed, None
                if name is not None and name == pressed:
                    self._opened(name)
                    return True
        elif isinstance(event, QMouseEvent) and kind == QEvent.Type.MouseMove:
            over = _image_at(self._view, event.position().toPoint()) is not None
            viewport = self._view.viewport()
            if over:
                viewport.setCursor(Qt.CursorShape.PointingHandCursor)
                viewport.setToolTip("Click to see the picture big (Z)")
            else:
                viewport.unsetCursor()
                viewport.setToolTip("")
        return False


def watch_image_clicks(view: QTextEdit, opened: Callable[[str], None]) -> QObject:
    """Call ``opened(name)`` when a picture in ``view`` is clicked (pressed and released on
    the same picture); returns the watcher (owned by ``view``)."""
    watcher = _ClickWatcher(view, opened)
    view.viewport().installEventFilter(watcher)
    return watcher


def watch_resizes(view: SafeTextView, settled: Callable[[], None]) -> QObject:
    """Call ``settled()`` when ``view`` has been resized (by the window, a splitter, or the
    footer growing a line), once the size has settled (60 ms after its last resize): its
    pictures are drawn again for their new room. Returns the timer (owned by ``view``).

    Through the view's ``resized`` signal, not an event filter: see
    :meth:`SafeTextView.resizeEvent`."""
    timer = QTimer(view)
    timer.setSingleShot(True)
    timer.setInterval(60)
    timer.timeout.connect(settled)
    view.resized.connect(timer.start)
    return timer
