"""Author text on screen: card bodies in a view that loads nothing, everything else plain.

A card's body is sanitised HTML (``services/render.py``) shown by :class:`SafeTextView`,
which refuses every resource. Every other text an author wrote (deck titles, descriptions,
sources, ids, problem messages) is plain text: a ``QLabel`` or tooltip given a string that
looks like HTML renders it, and an ``<img src=...>`` there makes Qt open and decode a local
file (``/dev/zero`` aborted the app with ``std::bad_alloc``). :func:`plain_label` and
:func:`~studyapp.gui.tooltip.plain_tooltip` are the two ways such text reaches the screen.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QSize, Qt, QUrl, Signal
from PySide6.QtGui import QImage, QPainter, QPaintEvent, QPen, QResizeEvent
from PySide6.QtWidgets import QLabel, QTextBrowser, QWidget

from studyapp.gui.tooltip import plain_tooltip

__all__ = ["ElidedLabel", "SafeTextView", "plain_label"]


def plain_label(text: str = "", parent: QWidget | None = None) -> QLabel:
    """A label that shows ``text`` literally, whatever it holds (never as rich text)."""
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(text)
    return label


class ElidedLabel(QLabel):
    """One line of plain text that ends in "…" where the space runs out, instead of being
    cut mid-letter; :meth:`text` stays the whole text, and the tooltip shows it."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setText(text)

    def setText(self, text: str) -> None:
        super().setText(text)
        self.setToolTip(plain_tooltip(text) if text else "")

    def shown_text(self) -> str:
        """What the label shows at its present width."""
        width = self.contentsRect().width()
        return self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, width)

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        return QSize(min(hint.width(), self.fontMetrics().horizontalAdvance("Mm…")), hint.height())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        if self.isEnabled():
            # What QStyle.drawItemText does for enabled text (Fusion and the style sheet's
            # style keep QStyle's): the pen in the foreground role's brush, then the text.
            # Asked through self.style(), PySide6 built QStyle's Python type and its 11 large
            # enums on the review screen's first paint (5.2 ms instrumented; the start-up's
            # gain with theme.apply_theme's: see there). Same pixels: test_theme_style.py.
            role = self.foregroundRole()
            painter.setPen(QPen(self.palette().brush(role), painter.pen().widthF()))
            painter.drawText(self.contentsRect(), int(self.alignment().value), self.shown_text())
        else:  # (the style's etched or dithered disabled text)
            self.style().drawItemText(
                painter,
                self.contentsRect(),
                int(self.alignment().value),
                self.palette(),
                False,
                self.shown_text(),
                self.foregroundRole(),
            )
        painter.end()


class SafeTextView(QTextBrowser):
    """Shows sanitised card HTML. Images, style sheets and links are never fetched or followed.

    The services already strip every tag but a few inline ones; refusing every resource here
    is the second lock on the same door. The only pictures it shows are the card's own,
    handed over already decoded (:meth:`set_card_html`'s ``images``): their names are the
    only resources it answers.

    Signals:
        resized(): the text's viewport changed size (a window, splitter or footer resize,
            or a scroll bar coming or going).
    """

    resized = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setReadOnly(True)
        self.requested: list[str] = []
        self._images: dict[str, QImage] = {}

    def resizeEvent(self, event: QResizeEvent) -> None:
        # A scroll area's resizeEvent is its viewport's. A handler typed for one event class
        # instead of an event filter (which gets a plain QEvent): PySide6 finds a plain
        # QEvent's most derived class by building the Python type of every QEvent subclass
        # it knows (QTabletEvent, the nine QGraphicsScene*Event, ...), 44 types on the start-
        # up to the first card, which never sees them (with MainWindow's activation
        # handler, see MainWindow._on_focus_window; issue 19, figures in the commit).
        super().resizeEvent(event)
        self.resized.emit()

    def loadResource(self, kind: int, name: QUrl | Any) -> Any:
        key = name.toString() if isinstance(name, QUrl) else str(name)
        image = self._images.get(key)
        if image is not None:
            return image
        self.requested.append(key)
        return None

    def image_room(self) -> tuple[int, int]:
        """The width and height a picture may take, in logical pixels: the text's full width
        and at most the view's height (:func:`studyapp.gui.imageroom.picture_room`)."""
        # The width as if the scroll bar showed, whether it does or not: a picture drawn for
        # it never makes the bar come and go (and the picture redrawn again and again).
        # Imported here, where it is used: of the screens with a SafeTextView only the review
        # and the preview place pictures (the browser's card details do not).
        from studyapp.gui.imageroom import picture_room

        viewport = self.viewport()
        bar = self.verticalScrollBar()
        width = self.width() - 2 * self.frameWidth()
        if self.verticalScrollBarPolicy() != Qt.ScrollBarPolicy.ScrollBarAlwaysOff:
            width -= bar.sizeHint().width()
        return picture_room((min(width, viewport.width()), viewport.height()))

    def set_card_html(
        self, body: str, *, css: str, images: Mapping[str, QImage] | None = None
    ) -> None:
        self._images = dict(images or {})
        self.document().setDefaultStyleSheet(css)
        self.setHtml(body)
